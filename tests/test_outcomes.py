"""Cost per outcome of the fund (finance.outcomes): yen per GWh, job, t CO2e and t of minerals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from tests.test_finance import plant_row as row

import chikuden
from chikuden.model.finance import outcomes
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

PROPOSAL = chikuden.load_scenario("proposal-2022")


# a: 10 GWh in a clean park, 50 bn certified; b: 20 GWh on the grid, 100 bn certified;
# m: a minerals project, 30 bn certified; r: a 40 GWh residual without a known subsidy;
# old: an existing plant and us: a plant abroad (neither eligible).
ROWS = [
    row("a", clean_park=1, subsidy_jpy=50e9),
    row("b", gwh=20, subsidy_jpy=100e9),
    row("m", stage="minerals", gwh=0, subsidy_jpy=30e9),
    row("r", gwh=40),
    row("old", status="existing", gwh=200, start_year=2015),
    row("us", region="US", gwh=30),
]
HAND = {
    "capacity.plants": {"rows": ROWS},
    "capacity.utilisation_share": 0.8,
    "finance.plant_life_years": 10,
    "carbon.materials_grid_kgco2e_per_kwh": 0.55,
}


def params(**overrides: Any) -> Params:
    return Params.from_scenarios([PROPOSAL.with_overrides({**HAND, **overrides})])


def hand_outputs(**indicators: float) -> Outputs:
    out = Outputs()
    out.rows["capacity.plant_expected_share"] = np.array([[0.5, 0.5, 0.5, 0.5, 1.0, 0.5]])
    out.rows["finance.project_subsidy_jpy"] = np.array([[40e9, 60e9, 20e9, 80e9, 0.0, 0.0]])
    out.rows["minerals.project_secured_t_2030"] = np.array([[1000.0, 3000.0]])
    values = {
        "capacity.domestic_gap_2030": 30.0,
        "finance.subsidy_demand_total": 300e9,
        "finance.subsidy_certified_total": 180e9,
        "workforce.people_per_gwh_2030": 200.0,
        "carbon.footprint_2030_grid": 70.0,
        "carbon.footprint_2030_clean_park": 60.0,
        "carbon.manufacturing_electricity_per_kwh": 20.0,
        "carbon.grid_intensity_2030": 0.25,
        **indicators,
    }
    for key, value in values.items():
        out.indicators[key] = np.array([value])
    return out


def value(out: Outputs, key: str) -> float:
    return float(out.indicators[f"finance.outcome_{key}"][0])


def test_cost_per_outcome_by_hand() -> None:
    out = hand_outputs()
    outcomes.step(params(), out)
    # China's cell: 70 + 20 kWh/kWh x (0.55 - 0.25) = 76 kg CO2e/kWh; secured 1000 + 3000 t.
    assert value(out, "china_cell_footprint_2030") == pytest.approx(76.0)
    assert value(out, "minerals_secured_t_2030") == 4000.0
    # One GWh at kg CO2e/kWh over the life: 0.8 x 10 years x 1e6 kWh / 1000 = 8,000 t.
    # Scenario: the eligible cells a, b, r at half their 10 + 20 + 40 GWh = 35, plus the
    # 30 GWh gap: 65 GWh, 5 of them (a) in a clean park; the demand is 300 bn.
    assert value(out, "gwh_scenario") == pytest.approx(65.0)
    assert value(out, "jpy_per_gwh_scenario") == pytest.approx(300e9 / 65)  # 4.615 bn
    assert value(out, "jobs_scenario") == pytest.approx(13_000)  # 200 x 65
    assert value(out, "jpy_per_job_scenario") == pytest.approx(300e9 / 13_000)  # 23.1 m
    # against the grid: 8,000 x 5 GWh x (70 - 60) = 400,000 t -> 750,000 yen a tonne
    assert value(out, "co2_avoided_grid_scenario") == pytest.approx(400_000)
    assert value(out, "jpy_per_t_co2_grid_scenario") == pytest.approx(750_000)
    # against China: 8,000 x (65 x (76 - 70) + 5 x 10) = 8,000 x 440 = 3,520,000 t
    assert value(out, "co2_avoided_china_scenario") == pytest.approx(3_520_000)
    assert value(out, "jpy_per_t_co2_china_scenario") == pytest.approx(300e9 / 3.52e6)  # 85,227
    # minerals: m's 20 bn under the rules at half = 10 bn over 4,000 t = 2.5 m yen a tonne
    assert value(out, "minerals_subsidy_scenario") == pytest.approx(10e9)
    assert value(out, "jpy_per_t_minerals_scenario") == pytest.approx(2.5e6)

    # Certified: a and b with their subsidy (r has none), nameplate 10 + 20 = 30 GWh, 10 in a
    # clean park; the certified total (read: 180 bn) includes m's 30 bn.
    assert value(out, "gwh_certified") == 30.0
    assert value(out, "jpy_per_gwh_certified") == pytest.approx(6e9)
    assert value(out, "jobs_certified") == pytest.approx(6_000)
    assert value(out, "jpy_per_job_certified") == pytest.approx(30e6)
    # grid: 8,000 x 10 x 10 = 800,000 t -> 225,000; China: 8,000 x (30 x 6 + 100) = 2,240,000 t
    assert value(out, "co2_avoided_grid_certified") == pytest.approx(800_000)
    assert value(out, "jpy_per_t_co2_grid_certified") == pytest.approx(225_000)
    assert value(out, "co2_avoided_china_certified") == pytest.approx(2_240_000)
    assert value(out, "jpy_per_t_co2_china_certified") == pytest.approx(180e9 / 2.24e6)
    assert value(out, "minerals_subsidy_certified") == 30e9
    assert value(out, "jpy_per_t_minerals_certified") == pytest.approx(7.5e6)


def test_a_plan_outside_the_pipeline_is_not_certified() -> None:
    # b announced after the pipeline date (1 June 2022): the certified set keeps a alone.
    rows = [row("a", clean_park=1, subsidy_jpy=50e9), row("b", gwh=20, subsidy_jpy=100e9)]
    rows[1]["announced"] = 20230101
    out = hand_outputs()
    out.rows["capacity.plant_expected_share"] = np.array([[0.5, 0.0]])
    out.rows["finance.project_subsidy_jpy"] = np.array([[40e9, 60e9]])
    outcomes.step(params(**{"capacity.plants": {"rows": rows}}), out)
    assert value(out, "gwh_certified") == 10.0
    assert value(out, "gwh_scenario") == pytest.approx(0.5 * 10 + 30)


def test_nothing_avoided_or_supported_is_not_defined() -> None:
    # No clean park, Japan's grid dirtier than China's (0.6 > 0.55: F_CN = 70 - 20 x 0.05 = 69),
    # no domestic capacity in 2030 (people per GWh not defined), no minerals project.
    rows = [row("b", gwh=20, subsidy_jpy=100e9), row("r", gwh=40)]
    out = hand_outputs(
        **{"carbon.grid_intensity_2030": 0.6, "workforce.people_per_gwh_2030": np.nan}
    )
    out.rows["capacity.plant_expected_share"] = np.array([[0.5, 0.5]])
    out.rows["finance.project_subsidy_jpy"] = np.array([[60e9, 80e9]])
    outcomes.step(params(**{"capacity.plants": {"rows": rows}}), out)
    assert value(out, "china_cell_footprint_2030") == pytest.approx(69.0)
    for case in outcomes.CASES:
        assert value(out, f"co2_avoided_grid_{case}") == 0.0
        assert value(out, f"co2_avoided_china_{case}") < 0.0
        for key in ("per_job", "per_t_co2_grid", "per_t_co2_china", "per_t_minerals"):
            assert np.isnan(value(out, f"jpy_{key}_{case}")), (key, case)
    # with no capacity supported at all, the cost per GWh is not defined either
    out = hand_outputs(**{"capacity.domestic_gap_2030": 0.0})
    out.rows["capacity.plant_expected_share"] = np.array([[0.0, 0.0]])
    out.rows["finance.project_subsidy_jpy"] = np.array([[60e9, 80e9]])
    rows = [row("b", gwh=20, announced=20230101), row("r", gwh=40, announced=20230101)]
    outcomes.step(params(**{"capacity.plants": {"rows": rows}}), out)
    assert np.isnan(value(out, "jpy_per_gwh_scenario"))
    assert np.isnan(value(out, "jpy_per_gwh_certified"))


def test_bundled_certified_projects() -> None:
    # actual-2025: the certified cell plants in its pipeline (Nissan withdrawn): Honda 20, Toyota
    # 25 + 9, Subaru 16, Mazda 6.5 = 76.5 GWh; certified 158.7 + 117.8 + 85.6 + 156.4 + 28.3 on
    # cells and 25.9 + 9.5 + 21.9 on materials = 604.1 bn yen -> 7.897 bn yen per GWh.
    r = chikuden.evaluate(chikuden.load_scenario("actual-2025"))
    assert r.value("finance.outcome_gwh_certified") == pytest.approx(76.5)
    assert r.value("finance.subsidy_certified_total") == pytest.approx(604.1e9)
    assert r.value("finance.outcome_jpy_per_gwh_certified") == pytest.approx(604.1e9 / 76.5)
    # no bundled plant is in a clean park and none is a minerals project
    assert np.isnan(r.value("finance.outcome_jpy_per_t_co2_grid_certified"))
    assert np.isnan(r.value("finance.outcome_jpy_per_t_minerals_scenario"))
