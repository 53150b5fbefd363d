"""Stationary storage (P7), its learning-curve prices and the balance of demand on domestic
production, against numbers worked by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import chikuden
from chikuden.errors import ParameterError
from chikuden.horizon import N_YEARS, YEARS, year_index
from chikuden.model import stationary, system
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario

I30 = year_index(2030)


def base(**overrides: Any) -> Scenario:
    return chikuden.load_scenario("proposal-2022").with_overrides(overrides)


def run(scenarios: Scenario | list[Scenario]) -> Outputs:
    p = Params.from_scenarios(scenarios if isinstance(scenarios, list) else [scenarios])
    return system.run(p, ["stationary.*", "demand.*"])


FLAT = {
    "stationary.solar_additions_gw": 5,
    "stationary.wind_additions_gw": 1,
    "stationary.household_base_gwh": 1,
    "stationary.ci_base_gwh": 0.3,
    "stationary.installed_2020_gwh": 3.5,
    "stationary.grid_gwh_per_gw": 1,
    "stationary.household_price_jpy_per_kwh": 100000,
    "stationary.ci_price_jpy_per_kwh": 100000,
    "stationary.grid_price_jpy_per_kwh": 50000,
    "stationary.price_history_last_year": 2040,  # the paths above throughout
    "stationary.telecom_sites": 200000,
    "stationary.telecom_kwh_per_site": 10,
    "stationary.telecom_liion_share": 0.5,
    "stationary.telecom_replacement_years": 10,
}


def test_price_factor_by_hand() -> None:
    price = np.array([[100.0, 50.0, 200.0]])
    # Elasticity 1: half the price doubles demand, twice the price halves it.
    np.testing.assert_allclose(stationary.price_factor(price, np.array([1.0])), [[1, 2, 0.5]])
    np.testing.assert_allclose(stationary.price_factor(price, np.array([0.0])), [[1, 1, 1]])


def test_segments_and_cumulative_by_hand() -> None:
    # Flat drivers and prices: household 1 GWh and C&I 0.3 GWh a year; grid 1 GWh/GW x
    # (5 + 1) GW = 6 GWh; telecom 200,000 x 10 kWh x 0.5 / 10 years = 0.1 GWh.
    # Cumulative household + C&I at end-2030 = 3.5 + 10 years x 1.3 = 16.5 GWh.
    out = run(base(**FLAT))
    s = out.series
    np.testing.assert_allclose(s["stationary.household_gwh"], 1.0)
    np.testing.assert_allclose(s["stationary.grid_gwh"], 6.0)
    np.testing.assert_allclose(s["stationary.telecom_gwh"], 0.1)
    np.testing.assert_allclose(s["stationary.demand_gwh"], 1.0 + 0.3 + 6.0 + 0.1)
    assert out.indicators["stationary.cumulative_2030"][0] == pytest.approx(16.5)
    assert out.indicators["stationary.cumulative_all_2030"][0] == pytest.approx(3.5 + 10 * 7.4)
    assert out.indicators["stationary.target_cumulative_2030"][0] == 24.0


def test_demand_follows_solar_and_price() -> None:
    # Solar 5 -> 10 GW doubles household demand; the price falling from 100,000 to 50,000
    # yen/kWh doubles it again at elasticity 1: 1 x 2 x 2 = 4 GWh in 2030.
    out = run(
        base(
            **{
                **FLAT,
                "stationary.solar_additions_gw": {2021: 5, 2030: 10},
                "stationary.household_price_jpy_per_kwh": {2021: 100000, 2030: 50000},
                "stationary.price_elasticity": 1,
            }
        )
    )
    assert out.series["stationary.household_gwh"][0, I30] == pytest.approx(4.0)


def test_learning_prices_by_hand() -> None:
    # Observed to 2022 (100,000 yen/kWh); experience 1,000 GWh then, doubling to 2,000 and
    # quadrupling to 4,000: at 11% per doubling 100,000 x 0.89 = 89,000 and x 0.89^2 =
    # 79,210. In between (1,500 GWh): log2(0.89) = -0.16812 and 100,000 x 1.5 ** -0.16812
    # = 93,410.
    observed = np.full((1, N_YEARS), 100_000.0)
    experience = np.full((1, N_YEARS), 4_000.0)
    experience[0, :4] = [500.0, 1_000.0, 1_500.0, 2_000.0]
    prices = stationary.learning_prices(observed, np.array([2022.0]), np.array([0.11]), experience)
    np.testing.assert_allclose(prices[0, :5], [100_000, 100_000, 93_410.36, 89_000, 79_210])
    assert prices[0, 2] == pytest.approx(100_000 * 1.5 ** math.log2(0.89))
    # A learning rate of 0 keeps the last observed price; observed years are not changed.
    flat = stationary.learning_prices(observed * 2, np.array([2022.0]), np.array([0.0]), experience)
    np.testing.assert_allclose(flat, 200_000.0)


def test_the_target_year_follows_the_market() -> None:
    # The C&I price falls 11% per doubling of cumulative world demand after 2025: a larger
    # market reaches the 60,000 yen target sooner. At the proposal's 3,000 GWh market the
    # experience of 2030 is X(2030) / X(2025) times that of 2025 and the price 92,000 x
    # (X(2030) / X(2025)) ** log2(0.89).
    out = system.run(Params.from_scenarios([base()]))
    demand = out.series["market.demand_total_gwh"][0]
    x = 1_000.0 + np.cumsum(demand)
    i25 = year_index(2025)
    expected = 92_000 * (x[I30] / x[i25]) ** math.log2(0.89)
    assert out.indicators["stationary.ci_price_2030"][0] == pytest.approx(expected)
    years = out.indicators["stationary.ci_price_year_target_reached"][0]
    bigger = system.run(Params.from_scenarios([base(**{"market.demand_2030_gwh": 6000})]))
    assert bigger.indicators["stationary.ci_price_year_target_reached"][0] < years
    # The household price learns 1.3% per doubling: 182,000 yen stays far above 70,000.
    assert out.indicators["stationary.household_price_2030"][0] > 170_000
    assert math.isnan(out.indicators["stationary.household_price_year_target_reached"][0])


def test_year_a_price_target_is_reached() -> None:
    prices = np.array([[90.0, 80.0, 70.0, 60.0], [90.0, 90.0, 90.0, 90.0]])
    years = stationary.first_year_at_or_below(
        np.pad(prices, ((0, 0), (0, N_YEARS - 4)), mode="edge"), np.array([70.0, 70.0])
    )
    assert years[0] == YEARS[2]
    assert np.isnan(years[1])


def test_domestic_balance_by_hand() -> None:
    # Production 100 GWh, batteries of the vehicles made in Japan 30 GWh (those sold in
    # Japan, 20 GWh, do not count: exports are made here, imports are not), stationary (flat)
    # 7.4 GWh: export 62.6 GWh, 62.6% of production; no import.
    p = Params.from_scenarios([base(**FLAT)])
    out = Outputs()
    out.series["market.demand_total_gwh"] = np.full((1, N_YEARS), 1_000.0)
    out.series["capacity.domestic_production_gwh"] = np.full((1, N_YEARS), 100.0)
    out.series["vehicles.battery_demand_domestic_gwh"] = np.full((1, N_YEARS), 20.0)
    out.series["vehicles.battery_demand_made_gwh"] = np.full((1, N_YEARS), 30.0)
    stationary.step(p, out)
    assert out.indicators["demand.domestic_total_2030"][0] == pytest.approx(37.4)
    assert out.indicators["demand.export_need_2030"][0] == pytest.approx(62.6)
    assert out.indicators["demand.export_share_2030"][0] == pytest.approx(0.626)
    np.testing.assert_allclose(out.series["demand.import_need_gwh"], 0.0)
    # More demand than production: the shortfall is imported, nothing exported.
    out.series["vehicles.battery_demand_made_gwh"] = np.full((1, N_YEARS), 120.0)
    stationary.step(p, out)
    assert out.indicators["demand.export_need_2030"][0] == 0.0
    assert out.series["demand.import_need_gwh"][0, I30] == pytest.approx(27.4)


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ParameterError, match=r"stationary\.solar_additions_gw"):
        base(**{"stationary.solar_additions_gw": -1})
    with pytest.raises(ParameterError, match="a share is a fraction between 0 and 1"):
        base(**{"stationary.telecom_liion_share": {2030: 1.2}})


def test_default_scenario_is_finite_and_physical() -> None:
    out = run(base())
    for key, arr in {**out.indicators, **out.series}.items():
        if key.startswith(("stationary.", "demand.")) and "year_target" not in key:
            assert np.all(np.isfinite(arr)), key
            assert np.all(arr >= 0.0), key
    s = out.series
    assert np.all(np.diff(s["stationary.cumulative_target_scope_gwh"][0]) > 0)
    assert 0.0 <= out.indicators["demand.export_share_2030"][0] <= 1.0
    # Demand splits exactly into vehicles + stationary, and into export or import.
    np.testing.assert_allclose(
        s["demand.domestic_total_gwh"],
        s["vehicles.battery_demand_made_gwh"] + s["stationary.demand_gwh"],
    )
    np.testing.assert_allclose(
        s["capacity.domestic_production_gwh"] - s["demand.domestic_total_gwh"],
        s["demand.export_need_gwh"] - s["demand.import_need_gwh"],
    )
    # Data check: about 8-12 GWh of storage in use by end-2023/24 (METI: over 10 GWh by FY2023).
    assert 7.0 < s["stationary.cumulative_all_gwh"][0, year_index(2023)] < 13.0


NUDGEABLE = [
    ("stationary.price_elasticity", 0.0, 2.0),
    ("stationary.household_base_gwh", 0.5, 2.0),
    ("stationary.solar_additions_gw", 1.0, 12.0),
    ("stationary.ci_learning_rate_share", 0.0, 0.5),
    ("stationary.price_history_last_year", 2021.0, 2040.0),
]


@settings(max_examples=25, deadline=None)
# Elasticities 1, 2 and 0.5 are exponents numpy's power may special-case; learning rates 0
# and 0.5 give exponents 0 and -1.
@example(
    rows=[(1.0, 1.0, 5.0, 0.0, 2025.0), (2.0, 1.0, 5.0, 0.5, 2021.0), (0.5, 1.0, 5.0, 0.11, 2040.0)]
)
@given(
    st.lists(
        st.tuples(*[st.floats(lo, hi, allow_subnormal=False) for _, lo, hi in NUDGEABLE]),
        min_size=2,
        max_size=3,
    )
)
def test_batch_equals_one_at_a_time(rows: list[tuple[float, ...]]) -> None:
    scenarios = [
        base(
            **{
                name: round(v) if name.endswith("_year") else v
                for (name, _, _), v in zip(NUDGEABLE, row, strict=True)
            }
        )
        for row in rows
    ]
    batch = run(scenarios)
    for i, s in enumerate(scenarios):
        one = run(s)
        for group, whole in ((one.indicators, batch.indicators), (one.series, batch.series)):
            for key, arr in group.items():
                if key.startswith(("stationary.", "demand.")):
                    full = np.broadcast_to(whole[key], (len(scenarios), *arr.shape[1:]))
                    np.testing.assert_array_equal(full[i], arr[0], err_msg=key)
