"""Vehicles (P4): S-curves and hybrids, trade and the vehicles made in Japan, the vintage stock
model, battery demand, disaster backup and the subsidy fund, each against numbers worked by hand
or published figures."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import chikuden
from chikuden.cli import app
from chikuden.errors import ParameterError
from chikuden.horizon import N_YEARS, year_index
from chikuden.model import system, vehicles
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario

I21, I30 = year_index(2021), year_index(2030)


def run(scenarios: Scenario | list[Scenario]) -> Outputs:
    """The steps the vehicles step depends on, then the vehicles step."""
    p = Params.from_scenarios(scenarios if isinstance(scenarios, list) else [scenarios])
    return system.run(p, ["vehicles.*"])


def base(**overrides: Any) -> Scenario:
    return chikuden.load_scenario("proposal-2022").with_overrides(overrides)


def segment(**kw: Any) -> dict[str, Any]:
    """One row of a segments table; unset S-curves are off (ceiling 0)."""
    row: dict[str, Any] = {
        "id": "test",
        "name_en": "Test",
        "name_ja": "テスト",
        "class": "passenger",
        "sales_units": 1000,
        "sales_year": 2030,
        "lifetime_years": 10,
        "bev_saturation_share": 0,
        "bev_midpoint_year": 2030,
        "phev_saturation_share": 0,
        "phev_midpoint_year": 2030,
        "fcv_saturation_share": 0,
        "fcv_midpoint_year": 2030,
        "pack_bev_kwh": 0,
        "pack_phev_kwh": 0,
        "pack_fcv_kwh": 0,
        "source": "assumption",
    }
    row.update(kw)
    return row


# -- equations ---------------------------------------------------------------------------------
def _share(year: float, ceiling: float, midpoint: float, steepness: float) -> float:
    """``vehicles.logistic_share`` of one value each (0-d arrays, as the model's broadcast)."""
    args = (np.array(year), np.array(ceiling), np.array(midpoint), np.array(steepness))
    return float(vehicles.logistic_share(*args))


def test_s_curve_is_half_its_ceiling_at_the_midpoint() -> None:
    assert _share(2030.0, 0.6, 2030.0, 0.35) == pytest.approx(0.3)
    # One year after the midpoint with r = ln 3: 0.6 / (1 + 1/3) = 0.45; one year before:
    # 0.6 / (1 + 3) = 0.15; the two add to the ceiling (the curve is symmetric).
    r = math.log(3.0)
    assert _share(2031.0, 0.6, 2030.0, r) == pytest.approx(0.45)
    assert _share(2029.0, 0.6, 2030.0, r) == pytest.approx(0.15)


def test_weibull_survival_by_hand() -> None:
    # Shape 1 is the exponential: Gamma(2) = 1, so S(L) = exp(-1).
    assert vehicles.weibull_survival(np.array(10.0), np.array(10.0), np.array(1.0)) == (
        pytest.approx(math.exp(-1.0))
    )
    # Survival summed at mid-year ages is the mean lifetime (midpoint rule): 13.42 years.
    ages = np.arange(80.0) + 0.5
    total = vehicles.weibull_survival(ages, np.array(13.42), np.array(3.0)).sum()
    assert total == pytest.approx(13.42, rel=1e-3)


def test_weibull_survival_and_hazard_agree_with_scipy_stats() -> None:
    # An independent implementation: scipy.stats.weibull_min with shape c and the scale that
    # gives the mean life (its own .mean() is checked too), and the sf / cumulative hazard.
    from scipy.stats import weibull_min

    ages = np.array([0.5, 3.0, 10.0, 13.42, 25.7, 40.0])
    for mean_life, shape in [(13.42, 3.0), (6.4, 5.16), (10.0, 1.0), (18.0, 2.0)]:
        scale = mean_life / math.gamma(1.0 + 1.0 / shape)
        dist = weibull_min(shape, scale=scale)
        assert dist.mean() == pytest.approx(mean_life, rel=1e-12)
        got = vehicles.weibull_survival(ages, np.array(mean_life), np.array(shape))
        np.testing.assert_allclose(got, dist.sf(ages), rtol=1e-12, atol=1e-300)
        hazard = vehicles.weibull_hazard(ages, np.array(mean_life), np.array(shape))
        np.testing.assert_allclose(hazard, -dist.logsf(ages), rtol=1e-12)


def test_stock_is_sales_convolved_with_survival() -> None:
    # Sales 100, 200, 300 in the first three years; survival 1, 0.5, 0.2, 0 by age:
    # year 0: 100; year 1: 200 + 100*0.5 = 250; year 2: 300 + 200*0.5 + 100*0.2 = 420;
    # year 3: 300*0.5 + 200*0.2 = 190; year 4: 300*0.2 = 60; year 5: 0.
    sales = np.zeros((1, 1, N_YEARS))
    sales[0, 0, :3] = [100.0, 200.0, 300.0]
    survival = np.zeros((1, N_YEARS))
    survival[0, :3] = [1.0, 0.5, 0.2]
    stock = vehicles.stock_from_sales(sales, survival)
    np.testing.assert_allclose(stock[0, 0, :6], [100.0, 250.0, 420.0, 190.0, 60.0, 0.0])
    assert stock.shape == (1, 1, N_YEARS)


def test_demand_shares_and_fund_by_hand() -> None:
    # 1,000 vehicles in 2030; BEV ceiling 0.5 and PHEV ceiling 0.2, both with midpoint 2030:
    # BEV share 0.25 (250 vehicles), PHEV 0.1 (100). Demand 250*60 + 100*10 = 16,000 kWh =
    # 0.016 GWh; fund 250 * 1,000,000 + 100 * 500,000 = 300,000,000 yen (full rate in 2030).
    table = {
        "rows": [
            segment(
                bev_saturation_share=0.5,
                phev_saturation_share=0.2,
                pack_bev_kwh=60,
                pack_phev_kwh=10,
                subsidy_bev_jpy=1_000_000,
                subsidy_phev_jpy=500_000,
            )
        ]
    }
    out = run(
        base(
            **{
                "vehicles.segments": table,
                "vehicles.sales_change_share": 0,
                "vehicles.history_last_year": 2020,
            }
        )
    )
    ind = out.indicators
    assert ind["vehicles.ev_sales_share_2030"][0] == pytest.approx(0.35)
    assert ind["vehicles.bev_sales_share_2030"][0] == pytest.approx(0.25)
    assert ind["vehicles.battery_demand_domestic_2030"][0] == pytest.approx(0.016)
    assert ind["vehicles.subsidy_fund_2030"][0] == pytest.approx(3.0e8)
    assert out.series["vehicles.sales_bev"][0, I30] == pytest.approx(250.0)
    assert out.rows["vehicles.segment_battery_gwh_2030"][0, 0] == pytest.approx(0.016)


def test_backup_energy_by_hand() -> None:
    # No new electric sales; 1,000 BEVs of 40 kWh in use at end-2020, new and long-lived
    # (survival ~1 over one year). Backup = 0.5 usable * 0.5 capable * 1,000 * 40 kWh =
    # 10,000 kWh = 0.01 GWh = 1,000 household-days at 10 kWh a day.
    out = run(
        base(
            **{
                "vehicles.segments": {"rows": [segment()]},
                "vehicles.history_last_year": 2020,
                "vehicles.initial_bev_stock": 1000,
                "vehicles.initial_phev_stock": 0,
                "vehicles.initial_fcv_stock": 0,
                "vehicles.initial_stock_age_years": 0,
                "vehicles.initial_stock_lifetime_years": 50,
                "vehicles.survival_shape": 10,
                "vehicles.initial_bev_pack_kwh": 40,
                "vehicles.backup_usable_share": 0.5,
                "vehicles.v2x_capable_share": 0.5,
                "vehicles.household_kwh_per_day": 10,
            }
        )
    )
    assert out.series["vehicles.fleet_backup_energy_gwh"][0, I21] == pytest.approx(0.01)
    assert out.series["vehicles.fleet_backup_household_days"][0, I21] == pytest.approx(1000.0)
    assert out.series["vehicles.bev_stock"][0, I21] == pytest.approx(1000.0)


def test_passenger_cars_follow_the_paths_up_to_history_last_year() -> None:
    # Observed shares for 2021 and 2022, the S-curves from 2023 on.
    paths = base().value("vehicles.passenger_bev_share")
    hev_paths = base().value("vehicles.passenger_hev_share")
    p = Params.from_scenarios([base(**{"vehicles.history_last_year": 2022})])
    seg = p.table("vehicles.segments")
    cols = vehicles.powertrain_columns(seg)
    shares = vehicles.adoption_shares(
        p,
        cols["ceiling"],
        cols["midpoint"],
        seg.is_("class", "passenger"),
        seg["hev_saturation_share"],
        seg["hev_midpoint_year"],
    )
    row = 0  # registered passenger cars
    np.testing.assert_allclose(shares[0, row, 0, :2], paths[:2])
    np.testing.assert_allclose(shares[0, row, 3, :2], hev_paths[:2])
    # Registered cars in 2023: BEV 0.6 / (1 + exp(-0.35 (2023 - 2034))) = 0.0125,
    # PHEV 0.15 / (1 + exp(-0.35 (2023 - 2028))) = 0.0222, FCV 0.03 / (1 + exp(-0.35 (2023 -
    # 2032))) = 0.0012; hybrids take 1 / (1 + exp(-0.15 (2023 - 2023.5))) = 0.4813 of the
    # rest: 0.4813 x (1 - 0.0125 - 0.0222 - 0.0012) = 0.4640.
    bev = 0.6 / (1 + math.exp(0.35 * 11))
    phev = 0.15 / (1 + math.exp(0.35 * 5))
    fcv = 0.03 / (1 + math.exp(0.35 * 9))
    hev = (1 - bev - phev - fcv) / (1 + math.exp(0.15 * 0.5))
    assert shares[0, row, 0, 2] == pytest.approx(bev)
    assert shares[0, row, 3, 2] == pytest.approx(hev)
    assert hev == pytest.approx(0.4640, abs=1e-4)


def test_the_step_calls_the_tested_share_function(monkeypatch: pytest.MonkeyPatch) -> None:
    # The step must run the equations the tests check, not a copy of them.
    calls: list[int] = []
    tested = vehicles.adoption_shares

    def spy(*args: Any, **kwargs: Any) -> np.ndarray:
        calls.append(1)
        return tested(*args, **kwargs)

    monkeypatch.setattr(vehicles, "adoption_shares", spy)
    run(base())
    assert calls == [1]


def test_hybrids_take_a_share_of_the_conventional_sales_by_hand() -> None:
    # 1,000 passenger cars in 2035; BEV ceiling 0.6 with midpoint 2035: 0.3 (300 BEVs);
    # hybrids ceiling 1, midpoint 2035: half of the other 700 = 350. Electrified share
    # (300 + 350) / 1,000 = 0.65 against the 2035 target of 1; the hybrids' 1 kWh packs add
    # 350 kWh to the BEVs' 300 x 60 = 18,000 kWh.
    table = {
        "rows": [
            segment(
                sales_year=2035,
                bev_saturation_share=0.6,
                bev_midpoint_year=2035,
                pack_bev_kwh=60,
                hev_saturation_share=1,
                hev_midpoint_year=2035,
                pack_hev_kwh=1,
            )
        ]
    }
    out = run(
        base(
            **{
                "vehicles.segments": table,
                "vehicles.sales_change_share": 0,
                "vehicles.history_last_year": 2020,
            }
        )
    )
    i35 = year_index(2035)
    assert out.indicators["vehicles.electrified_passenger_share_2035"][0] == pytest.approx(0.65)
    assert out.indicators["vehicles.electrified_target_share"][0] == 1.0
    assert out.series["vehicles.sales_hev"][0, i35] == pytest.approx(350.0)
    assert out.series["vehicles.sales_share_hev"][0, i35] == pytest.approx(0.35)
    # ev_sales_share stays BEV + PHEV + FCV: hybrids are electrified, not electric
    assert out.series["vehicles.ev_sales_share"][0, i35] == pytest.approx(0.3)
    assert out.series["vehicles.battery_demand_domestic_gwh"][0, i35] == pytest.approx(0.01835)


def test_a_table_without_passenger_cars_has_no_electrified_share() -> None:
    out = run(base(**{"vehicles.segments": {"rows": [segment(**{"class": "heavy"})]}}))
    assert math.isnan(out.indicators["vehicles.electrified_passenger_share_2035"][0])


def test_import_and_export_shares_by_hand() -> None:
    p = Params.from_scenarios(
        [
            base(
                **{
                    "vehicles.imported_bev_share": 0.4,
                    "vehicles.imported_other_share": 0.05,
                    "vehicles.export_bev_share": 0.1,
                    "vehicles.export_phev_share": 0.05,
                    "vehicles.export_fcv_share": 0,
                    "vehicles.export_hev_share": 0.3,
                }
            )
        ]
    )
    passenger = np.array([[True, False]])
    imports = vehicles.import_shares(p, passenger)
    assert imports.shape == (1, 2, 4, N_YEARS)
    np.testing.assert_allclose(imports[0, 0, :, 0], [0.4, 0.05, 0.05, 0.05])
    np.testing.assert_allclose(imports[0, 1], 0.0)  # imports are passenger cars
    shares = np.full((1, 2, 4, N_YEARS), 0.2)
    exports = vehicles.export_shares(p, shares, np.array([[True, False]]))
    np.testing.assert_allclose(exports[0][0, :, 0], [0.1, 0.05, 0.0, 0.3])  # the export mix
    np.testing.assert_allclose(exports[1][0], 0.2)  # industrial rows keep their own shares
    # a batch of tables in which the first row is a road vehicle in the second scenario alone
    both = vehicles.export_shares(
        p, np.full((2, 2, 4, N_YEARS), 0.2), np.array([[0, 0], [1, 0]]) > 0
    )
    np.testing.assert_allclose(both[0][0], 0.2)
    np.testing.assert_allclose(both[0][1, :, 0], [0.1, 0.05, 0.0, 0.3])


def test_trade_and_the_vehicles_made_in_japan_by_hand() -> None:
    # One passenger row in 2030: 1,000 sold, BEV 0.25 (250, 60 kWh), PHEV 0.1 (100, 10 kWh),
    # 500 exported. Imports: 250 x 0.4 = 100 BEVs and (1,000 - 250) x 0.05 = 37.5 others, of
    # which 100 x 0.05 = 5 PHEVs. Exports: 500 x 0.1 = 50 BEVs and 500 x 0.05 = 25 PHEVs.
    # Made in Japan: 1,000 - 137.5 + 500 = 1,362.5 vehicles. Batteries [kWh]: sold 250 x 60
    # + 100 x 10 = 16,000; imported 100 x 60 + 5 x 10 = 6,050; exported 50 x 60 + 25 x 10 =
    # 3,250; made in Japan 16,000 - 6,050 + 3,250 = 13,200 kWh = 0.0132 GWh.
    table = {
        "rows": [
            segment(
                bev_saturation_share=0.5,
                phev_saturation_share=0.2,
                pack_bev_kwh=60,
                pack_phev_kwh=10,
                exports_units=500,
            )
        ]
    }
    out = run(
        base(
            **{
                "vehicles.segments": table,
                "vehicles.sales_change_share": 0,
                "vehicles.history_last_year": 2020,
                "vehicles.imported_bev_share": 0.4,
                "vehicles.imported_other_share": 0.05,
                "vehicles.export_bev_share": 0.1,
                "vehicles.export_phev_share": 0.05,
                "vehicles.export_fcv_share": 0,
                "vehicles.export_hev_share": 0,
            }
        )
    )
    ind, s = out.indicators, out.series
    assert s["vehicles.imports"][0, I30] == pytest.approx(137.5)
    assert s["vehicles.exports"][0, I30] == pytest.approx(500.0)
    assert ind["vehicles.made_in_japan_2030"][0] == pytest.approx(1_362.5)
    assert ind["vehicles.battery_demand_domestic_2030"][0] == pytest.approx(0.016)
    assert ind["vehicles.battery_demand_imported_2030"][0] == pytest.approx(0.00605)
    assert ind["vehicles.battery_demand_exported_2030"][0] == pytest.approx(0.00325)
    assert ind["vehicles.battery_demand_made_2030"][0] == pytest.approx(0.0132)


def test_2023_trade_reproduces_the_published_figures() -> None:
    # JAMA 2023: exports 4,422,682 (the table's export columns add up to it: 3,981,298 +
    # 341,140 + 100,244); production 8,998,538. JAIA: foreign-brand imports 227,202 / 0.915
    # = 248,308. Sales - imports + exports = 4,779,086 - 248,308 + 4,422,682 = 8,953,460,
    # 0.5% below JAMA's production (Japanese-brand imports and stock changes are left out).
    out = run(base())
    i23 = year_index(2023)
    s = out.series
    assert s["vehicles.road_sales"][0, i23] == pytest.approx(4_779_086)
    assert s["vehicles.exports"][0, i23] == pytest.approx(4_422_682)
    assert s["vehicles.imports"][0, i23] == pytest.approx(248_308, rel=0.002)
    assert s["vehicles.made_in_japan"][0, i23] == pytest.approx(8_998_538, rel=0.006)
    # Electrified passenger cars 2023 (JADA + Zenkeijikyo): 2,009,725 / 3,992,727 = 50.3%.
    assert s["vehicles.electrified_passenger_share"][0, i23] == pytest.approx(0.503, abs=0.001)
    # The 2035 check: ~92% electrified by default, short of the 100% target.
    share_2035 = out.indicators["vehicles.electrified_passenger_share_2035"][0]
    assert 0.85 < share_2035 < 1.0


def test_shares_that_add_to_more_than_one_are_rejected() -> None:
    # Refused when the scenario is loaded (cross-field rules at the door), before the model.
    rows = {"rows": [segment(bev_saturation_share=0.7, phev_saturation_share=0.4)]}
    # 0.7 + 0.4 + 0 = 1.1 > 1
    with pytest.raises(
        ParameterError, match=r"row 1 \(test\).* = 1\.1; they must add up to at most 1"
    ):
        base(**{"vehicles.segments": rows})
    # 2021: 0.8 + 0.3 + the default FCV (0.0006) and hybrid (0.398) shares = 1.4986 > 1
    with pytest.raises(
        ParameterError, match=r"add up to 1\.4986 in 2021; they must add up to at most 1"
    ):
        base(
            **{
                "vehicles.passenger_bev_share": {2021: 0.8},
                "vehicles.passenger_phev_share": {2021: 0.3},
            }
        )


def test_an_export_mix_over_one_is_refused_naming_the_shares() -> None:
    # A BEV share of 0.7 in every year: in 2024 the default PHEV share is 0.005 + 3/9 x 0.045
    # = 0.02 and the hybrid share 0.25 + 3/9 x 0.1 = 0.2833: 0.7 + 0.02 + 0 + 0.2833 = 1.0033.
    with pytest.raises(ParameterError, match=r"export_bev_share.*add up to 1\.00333 in 2024"):
        base(**{"vehicles.export_bev_share": {2030: 0.7}})


def test_a_share_outside_0_1_is_a_clear_error() -> None:
    with pytest.raises(ParameterError, match="outside the allowed range"):
        base(**{"vehicles.v2x_capable_share": 1.5})


def test_cli_rejects_a_bad_share_with_exit_code_2_and_writes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["run", "--set", "vehicles.passenger_bev_share=1.2", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "vehicles.passenger_bev_share" in result.output
    assert not (tmp_path / "o").exists()


# -- the default scenario ------------------------------------------------------------------------
def test_default_scenario_is_finite_and_physical() -> None:
    out = run(base())
    s = out.series
    for key, arr in {**out.indicators, **s}.items():
        if key.startswith("vehicles."):
            assert np.all(np.isfinite(arr)), key
            assert np.all(arr >= 0.0), key
    for key in ("vehicles.ev_sales_share", "vehicles.sales_share_bev"):
        assert np.all(s[key] <= 1.0), key
    np.testing.assert_allclose(
        s["vehicles.plugin_stock"], s["vehicles.bev_stock"] + s["vehicles.phev_stock"]
    )
    by_class = sum(s[f"vehicles.battery_demand_{c}_gwh"] for c in vehicles.CLASSES)
    np.testing.assert_allclose(by_class, s["vehicles.battery_demand_domestic_gwh"])
    np.testing.assert_allclose(
        s["vehicles.battery_demand_made_gwh"],
        s["vehicles.battery_demand_domestic_gwh"]
        - s["vehicles.battery_demand_imported_gwh"]
        + s["vehicles.battery_demand_exported_gwh"],
    )
    np.testing.assert_allclose(
        s["vehicles.made_in_japan"],
        s["vehicles.road_sales"] - s["vehicles.imports"] + s["vehicles.exports"],
    )
    # Data check: BEVs in use at end-2021 are the end-2020 stock (~166k) plus ~30k sold.
    assert 150_000 < s["vehicles.bev_stock"][0, I21] < 250_000
    # 2021-2024 passenger sales follow the observed paths: ~2.2% BEV in 2023.
    assert 0.015 < s["vehicles.sales_share_bev"][0, year_index(2023)] < 0.03
    assert np.all(np.diff(s["vehicles.plugin_stock"][0]) > 0)
    assert out.series["vehicles.subsidy_fund_jpy"][0, -1] == 0.0  # phased out by 2035


NUDGEABLE = [
    ("vehicles.adoption_shift_years", -5.0, 5.0),
    ("vehicles.pack_size_scale", 0.5, 2.0),
    ("vehicles.sales_change_share", -0.05, 0.05),
    ("vehicles.survival_shape", 1.5, 6.0),
]


@settings(max_examples=25, deadline=None)
# A Weibull shape of exactly 2 once took a faster path in numpy's power and broke equality.
@example(rows=[(0.0, 1.0, 0.0, 2.0), (0.0, 1.0, 0.0, 1.5)])
@given(
    st.lists(
        st.tuples(*[st.floats(lo, hi, allow_subnormal=False) for _, lo, hi in NUDGEABLE]),
        min_size=2,
        max_size=3,
    )
)
def test_batch_equals_one_at_a_time(rows: list[tuple[float, ...]]) -> None:
    scenarios = [
        base(**{name: v for (name, _, _), v in zip(NUDGEABLE, row, strict=True)}) for row in rows
    ]
    batch = run(scenarios)
    for i, s in enumerate(scenarios):
        one = run(s)
        for group, whole in ((one.indicators, batch.indicators), (one.series, batch.series)):
            for key, arr in group.items():
                if key.startswith("vehicles."):
                    full = np.broadcast_to(whole[key], (len(scenarios), *arr.shape[1:]))
                    np.testing.assert_array_equal(full[i], arr[0], err_msg=key)


def test_an_old_short_lived_initial_stock_is_scrapped_not_nan() -> None:
    # In range, but S(25.7) and S(25.7 + t) of a Weibull with mean life 6.4 and shape 5.16
    # both underflow to 0 (hazard (25.7 / 6.96) ** 5.16 = 845): the ratio was 0 / 0 = NaN and
    # the run ended in "arrivals per hour = nan". As exp(H0 - H) it is 0: all scrapped.
    s = base(
        **{
            "vehicles.survival_shape": 5.16,
            "vehicles.initial_stock_age_years": 25.7,
            "vehicles.initial_stock_lifetime_years": 6.4,
        }
    )
    results = chikuden.evaluate(s)
    assert np.isfinite(results.series["vehicles.bev_stock"]).all()


def test_add_up_adds_in_order_in_either_memory_layout() -> None:
    # Ten terms added in order, as Python adds floats: 1 + 1 + 1 + 1 = 4; 1e16 + 4 is exact;
    # each next 1 lands halfway between the doubles 1e16 + 4 and 1e16 + 6 (spacing 2 there)
    # and rounds back to 1e16 + 4, the even one; minus 1e16: 4 (the exact sum is 8). Ten rows
    # (scenarios) of these terms along axis 1 (segments), in C and in Fortran order: 4 in
    # every row either way.
    terms = [1.0] * 4 + [1e16] + [1.0] * 4 + [-1e16]
    in_order = 0.0
    for term in terms:
        in_order += term
    assert in_order == 4.0
    x = np.broadcast_to(np.array(terms)[None, :, None], (10, 10, 3)).copy()
    for arr in (x, np.asfortranarray(x)):
        np.testing.assert_array_equal(vehicles.add_up(arr, 1), np.full((10, 3), in_order))
    # One scenario in Fortran order: the segments are the fastest axis, where np.sum adds
    # pairwise (here exactly 8); add_up still adds in order.
    one = np.asfortranarray(x[:1])
    assert np.sum(one, axis=1)[0, 0] == 8.0
    np.testing.assert_array_equal(vehicles.add_up(one, 1), np.full((1, 3), in_order))
    # Two axes: segment by segment, each one's two powertrains in order, i.e. the same ten
    # terms as five segments of two.
    y = np.broadcast_to(np.array(terms).reshape(5, 2)[None, :, :, None], (3, 5, 2, 4))
    for arr in (y.copy(), np.asfortranarray(y), np.asfortranarray(y[:1])):
        np.testing.assert_array_equal(vehicles.add_up(arr, (1, 2)), np.full((len(arr), 4), 4.0))
    assert vehicles.add_up(np.zeros((3, 0, 2)), 1).shape == (3, 2)


def test_add_up_times_is_the_sum_of_the_products() -> None:
    # the ten terms above as products 1 x t (in Fortran and C order): in order, 4.0 as above
    terms = np.array([1.0] * 4 + [1e16] + [1.0] * 4 + [-1e16])
    x = np.broadcast_to(terms[None, None, :, None], (3, 2, 10, 5))
    for arr in (x.copy(), np.asfortranarray(x)):
        got = vehicles.add_up(np.ones_like(arr), 2, times=arr)
        np.testing.assert_array_equal(got, np.full((3, 2, 5), 4.0))
    rng = np.random.default_rng(2)
    y = np.asfortranarray(rng.lognormal(0.0, 3.0, (4, 6, 3, 5)))
    w = rng.lognormal(0.0, 1.0, (1, 6, 3, 1))  # shared by the scenarios, one per year
    np.testing.assert_array_equal(vehicles.add_up(y, 2, times=w), vehicles.add_up(y * w, 2))


def test_add_rows_is_the_masked_sum_in_order() -> None:
    # The ten terms of the test above in segments 0..9, some left out; the expected sums are
    # added one by one in plain Python (floats), in segment order.
    terms = [1.0] * 4 + [1e16] + [1.0] * 4 + [-1e16]
    x = np.broadcast_to(np.array(terms)[None, :, None], (3, 10, 2)).copy()

    def in_order(selected: list[bool]) -> float:
        total = 0.0
        for term, keep in zip(terms, selected, strict=True):
            if keep:
                total += term
        return total

    rows = np.ones((1, 10), dtype=bool)
    rows[0, [1, 6]] = False  # left out by every scenario
    for arr in (x, np.asfortranarray(x)):
        got = vehicles.add_rows(arr, rows)
        np.testing.assert_array_equal(got, np.full((3, 2), in_order(rows[0].tolist())))
    # Rows that differ per scenario (a batch of tables): scenario 1 also leaves out segment 0.
    per_scenario = np.repeat(rows, 3, axis=0)
    per_scenario[1, 0] = False
    got = vehicles.add_rows(x, per_scenario)
    np.testing.assert_array_equal(got[:, 0], [in_order(r) for r in per_scenario.tolist()])
    # (rounding: in order 4.0, where the exact sum of the kept terms is 5)
    assert in_order(per_scenario[1].tolist()) == 4.0
    # within: segment by segment, each one's terms of axis 2 in order, like add_up(x, (1, 2))
    rng = np.random.default_rng(1)
    y = rng.lognormal(0.0, 3.0, (4, 6, 3, 5))
    sel = rng.random((4, 6)) < 0.5
    sel[:, 2] = True  # one segment every scenario selects
    sel[:, 4] = False  # one no scenario selects
    want = vehicles.add_up(y * sel[:, :, None, None], (1, 2))
    np.testing.assert_array_equal(vehicles.add_rows(y, sel, within=True), want)
    np.testing.assert_array_equal(vehicles.add_rows(lambda i: y[:, i], sel, within=True), want)
    assert vehicles.add_rows(y, np.zeros((1, 6), dtype=bool)).shape == (4, 3, 5)
    no_rows = np.zeros((1, 0), dtype=bool)  # a table without rows: nothing to call
    assert vehicles.add_rows(lambda i: y[:, i], no_rows, tail=(7,)).shape == (1, 7)
    np.testing.assert_array_equal(vehicles.add_rows(y[:, :0], no_rows, within=True), 0.0)


def test_a_batch_keeps_the_scenarios_fastest_and_one_scenario_the_years() -> None:
    assert vehicles.layout(1) == "C"
    assert vehicles.layout(2) == "F"
    p = Params.from_scenarios([base(), base(**{"vehicles.adoption_shift_years": 2.0})])
    t = vehicles._segments(p, p.table("vehicles.segments"))
    shares = vehicles.adoption_shares(
        p, t.ceiling, t.midpoint, t.passenger, t.hev_ceiling, t.hev_midpoint
    )
    assert shares.shape[0] == 2 and shares.flags.f_contiguous
