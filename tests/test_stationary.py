"""Stationary storage (P7) and the balance of demand on domestic production, against numbers
worked by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import chikuden
from chikuden.errors import ParameterError
from chikuden.horizon import N_YEARS, YEARS, year_index
from chikuden.model import capacity, market, stationary, system, vehicles
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario

I30 = year_index(2030)


def base(**overrides: Any) -> Scenario:
    return chikuden.load_scenario("proposal-2022").with_overrides(overrides)


def run(scenarios: Scenario | list[Scenario]) -> Outputs:
    p = Params.from_scenarios(scenarios if isinstance(scenarios, list) else [scenarios])
    return system.run(p, (market.step, capacity.step, vehicles.step, stationary.step))


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
]


@settings(max_examples=25, deadline=None)
# Elasticities 1, 2 and 0.5 are exponents numpy's power may special-case.
@example(rows=[(1.0, 1.0, 5.0), (2.0, 1.0, 5.0), (0.5, 1.0, 5.0)])
@given(st.lists(st.tuples(*[st.floats(lo, hi) for _, lo, hi in NUDGEABLE]), min_size=2, max_size=3))
def test_batch_equals_one_at_a_time(rows: list[tuple[float, ...]]) -> None:
    scenarios = [
        base(**{name: v for (name, _, _), v in zip(NUDGEABLE, row, strict=True)}) for row in rows
    ]
    batch = run(scenarios)
    for i, s in enumerate(scenarios):
        one = run(s)
        for group, whole in ((one.indicators, batch.indicators), (one.series, batch.series)):
            for key, arr in group.items():
                if key.startswith(("stationary.", "demand.")):
                    full = np.broadcast_to(whole[key], (len(scenarios), *arr.shape[1:]))
                    np.testing.assert_array_equal(full[i], arr[0], err_msg=key)
