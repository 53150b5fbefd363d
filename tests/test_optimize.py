"""``chikuden optimize``: the fund's portfolio as a MIP (docs/optimize.md), checked by hand."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from typer.testing import CliRunner

from chikuden.cli import app
from chikuden.errors import ChikudenError
from chikuden.optimize.portfolio import (
    Candidate,
    Constraint,
    InfeasibleError,
    Problem,
    binding_constraints,
    build,
    fund_grid,
    relax,
    solve,
    step_curve,
)
from chikuden.parameters.scenario import load_scenario

BN = 1e9


def knapsack(
    budget_bn: float = 100.0, constraints: tuple[Constraint, ...] = (), committed: str = ""
) -> Problem:
    """Four cell plants, one budget year (2025), built in one year and producing from 2026.

    ====  ====  ============  ===========
    id    GWh   subsidy (bn)  GWh per bn
    ====  ====  ============  ===========
    a     10    60            0.1667
    b      7    40            0.1750
    c      6    35            0.1714
    d      3    30            0.1000
    ====  ====  ============  ===========
    """
    rows = (("a", 10.0, 60.0), ("b", 7.0, 40.0), ("c", 6.0, 35.0), ("d", 3.0, 30.0))
    cands = tuple(
        Candidate(
            id=i,
            stage="cells",
            gwh=g,
            gwh_eq=g,
            capex_jpy=3 * s * BN,
            subsidy_jpy=s * BN,
            start_year=2026,
            min_units=1 if i == committed else 0,
        )
        for i, g, s in rows
    )
    return Problem(
        candidates=cands,
        first_year=2025,
        budget_jpy=np.array([budget_bn * BN]),
        construction_years=1,
        constraints=constraints,
    )


def test_knapsack_by_hand() -> None:
    # Budget 100 bn. Pairs that fit: a+b = 17 GWh (100 bn), a+c = 16 (95), a+d = 13 (90),
    # b+c = 13 (75), b+d = 10 (70), c+d = 9 (65); no triple fits (the cheapest, b+c+d, costs
    # 105). Best: a+b, 17 GWh. Greedy by GWh per bn takes b, c (75 bn) and then neither a nor d
    # fits: 13 GWh, so the test tells a MIP from the greedy rule.
    sol = solve(knapsack())
    assert sol.value == pytest.approx(17.0)
    assert sol.units.tolist() == [1.0, 1.0, 0.0, 0.0]
    assert sol.total("subsidy_jpy") == pytest.approx(100 * BN)
    assert sol.spend_by_year().tolist() == pytest.approx([100 * BN])


def test_shadow_price_is_the_hand_derived_lp_dual() -> None:
    # Relaxation: fill by GWh per bn: b (40 bn, 7 GWh), c (35 bn, 6 GWh), then the 25 bn left
    # buy 25 / 60 of a: 10 x 25 / 60 = 4.1667 GWh; optimum 7 + 6 + 4.1667 = 17.1667 GWh.
    # The budget's dual is the ratio of the fractional item: 10 / 60 = 1/6 GWh per bn yen,
    # 1/6e9 GWh per yen; one year, so one more yen in the fund is worth the same.
    rel = relax(knapsack())
    assert rel.value == pytest.approx(7 + 6 + 10 * 25 / 60)
    assert rel.duals["budget-2025"] == pytest.approx(1 / 6 / BN)
    assert rel.fund_dual_per_jpy == pytest.approx(1 / 6 / BN)
    assert rel.units.tolist() == pytest.approx([25 / 60, 1.0, 1.0, 0.0])


def test_infeasible_names_the_constraints() -> None:
    # At least 20 GWh: without the budget a+b+c+d give 26 >= 20, with it at most 17: both the
    # budget and the minimum are needed to make it infeasible.
    need_20 = (Constraint("min-gwh", "min", "cells", "gwh_target", value=20.0),)
    assert [i for i, _ in binding_constraints(knapsack(constraints=need_20))] == [
        "budget-2025",
        "min-gwh",
    ]
    # At least 30 GWh: more than all four give (26), so the minimum alone is infeasible.
    need_30 = (Constraint("min-gwh", "min", "cells", "gwh_target", value=30.0),)
    assert [i for i, _ in binding_constraints(knapsack(constraints=need_30))] == ["min-gwh"]
    # a committed (60 bn) with a 50 bn fund: the budget and the commitment.
    small = knapsack(budget_bn=50.0, committed="a")
    assert [i for i, _ in binding_constraints(small)] == ["budget-2025", "committed-a"]
    with pytest.raises(InfeasibleError, match=r"budget-2025 .*committed-a"):
        solve(small)


def test_stage_balance() -> None:
    # A materials block supplying 5 GWh for 10 bn, and a ratio: materials GWh-eq >= 1 x cells
    # GWh. Budget 100: a+b (17 GWh) would need 4 blocks (20 GWh-eq, 40 bn): too dear. With
    # k blocks (10k bn) the cells need <= 5k GWh and cost <= 100 - 10k: k = 2 leaves 80 bn and
    # 10 GWh: a (60) = 10 GWh or b+c would be 13 > 10; k = 3 leaves 70 bn, 15 GWh: b+c = 13
    # (75) does not fit, a = 10, b+d = 10 (70), c+d = 9; k = 1 leaves 90, 5 GWh: d = 3 only.
    # Best: 10 GWh, at the least subsidy: a with 2 blocks (80 bn) or b+d with 2 blocks
    # (90 bn > 80) -> a and 2 blocks.
    base = knapsack(
        constraints=(
            Constraint("stage-balance", "ratio", "materials", "gwh_eq", 0, 1.0, "cells", "gwh"),
        )
    )
    block = Candidate("m", "materials", 0.0, 5.0, 30 * BN, 10 * BN, 2026, max_units=10)
    problem = Problem(
        candidates=(*base.candidates, block),
        first_year=2025,
        budget_jpy=base.budget_jpy,
        construction_years=1,
        constraints=base.constraints,
    )
    sol = solve(problem)
    assert sol.value == pytest.approx(10.0)
    assert sol.units.tolist() == [1.0, 0.0, 0.0, 0.0, 2.0]


def test_step_curve_is_monotone() -> None:
    # The knapsack at 0, 40 and 100 bn: nothing, b (7 GWh), a+b (17 GWh).
    assert step_curve(knapsack(), [0.0, 40 * BN, 100 * BN]) == pytest.approx([0.0, 7.0, 17.0])
    problem = build(load_scenario("proposal-2022"))
    values = step_curve(problem, fund_grid(problem.fund_jpy, 21))
    got = [v for v in values if v is not None]
    assert got == sorted(got)
    assert len(got) == 21


def test_bundled_scenarios_solve() -> None:
    for name in ("proposal-2022", "meti-strategy-2022", "actual-2025"):
        problem = build(load_scenario(name))
        sol = solve(problem)
        rel = relax(problem)
        assert rel.value >= sol.value - 1e-6
        assert np.all(sol.problem.paid_by() @ sol.units <= np.cumsum(problem.budget_jpy) + 1.0)


runner = CliRunner()


def test_cli_json_and_infeasible(tmp_path: object) -> None:
    res = runner.invoke(app, ["optimize", "--json", "--points", "3"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["objective"] == "gwh"
    assert len(doc["step_curve"]) == 3
    bad = runner.invoke(app, ["optimize", "-s", "actual-2025", "--min-gwh", "200", "--json"])
    assert bad.exit_code == 2
    assert "infeasible" in bad.stderr and "min-gwh" in bad.stderr
    steel = runner.invoke(app, ["optimize", "--objective", "steel"])
    assert steel.exit_code == 2
    assert "--objective 'steel'" in steel.stderr and "carbon" in steel.stderr


def test_candidates_yaml_cites_known_sources_and_parameters() -> None:
    from chikuden.data import read_yaml
    from chikuden.parameters.declarations import declarations
    from chikuden.parameters.sources import resolve_source

    data = read_yaml("candidates.yaml")
    entries = [*data["generic"], *data["constraints"]]
    for entry in entries:
        for key in entry["source"]:
            if key not in ("assumption", "derived"):
                resolve_source(key, entry["id"])
    named = [str(v) for g in data["generic"] for v in g.values() if "." in str(v)]
    named = [v for v in named if not v.startswith("{")]
    named += [str(v) for g in data["generic"] for v in (g.get("subsidy_flags") or {}).values()]
    named += [*data["stage_capex_jpy_per_gwh"].values()]
    for spec in named:
        for name in spec.split("/"):
            if name.strip().startswith("finance."):
                assert name.strip() in declarations()


def test_risk_by_hand() -> None:
    # Two cell plants, the fund pays for one (50 bn). a gives 5 GWh in every sample; b gives
    # 10 GWh in 3 of 5 samples (on time) and 0 in 2 (late). Mean: a 5, b 6 -> b is best in
    # expectation (alpha 1). The worst 40% (2 samples): a 5, b 0 -> a is best at alpha 0.4.
    # CVaR at 0.3 of b's samples (0, 0, 10, 10, 10): the worst 1.5 samples, (0 + 0.5 x 0) / 1.5
    # = 0; at 0.5: (0 + 0 + 0.5 x 10) / 2.5 = 2.
    from chikuden.optimize.portfolio import cvar, solve_risk

    cands = (
        Candidate("a", "cells", 5.0, 5.0, 150 * BN, 50 * BN, 2026),
        Candidate("b", "cells", 10.0, 10.0, 150 * BN, 50 * BN, 2026),
    )
    problem = Problem(cands, 2025, np.array([50 * BN]), construction_years=1)
    sampled = np.array([[5.0, 10.0], [5.0, 10.0], [5.0, 0.0], [5.0, 10.0], [5.0, 0.0]])
    mean = solve_risk(problem, sampled, 1.0)
    assert mean.solution.units.tolist() == [0.0, 1.0]
    assert mean.cvar == pytest.approx(6.0)
    safe = solve_risk(problem, sampled, 0.4)
    assert safe.solution.units.tolist() == [1.0, 0.0]
    assert safe.cvar == pytest.approx(5.0)
    b = np.array([0.0, 0.0, 10.0, 10.0, 10.0])
    assert cvar(b, 0.3) == pytest.approx(0.0)
    assert cvar(b, 0.5) == pytest.approx(2.0)
    with pytest.raises(ChikudenError, match="--risk"):
        solve_risk(problem, sampled, 0.0)


def test_cli_risk() -> None:
    res = runner.invoke(app, ["optimize", "--json", "--points", "2", "--risk", "0.1", "-n", "50"])
    assert res.exit_code == 0, res.output
    risk = json.loads(res.stdout)["risk"]
    # the best CVaR is at least the deterministic plan's (the same samples)
    assert risk["cvar"] >= risk["deterministic_cvar"] - 1e-6
    bad = runner.invoke(app, ["optimize", "--risk", "1.5"])
    assert bad.exit_code == 2


# -- the subsidy of each candidate: the finance domain's rules -----------------------------------
def test_subsidy_comes_from_the_finance_rules() -> None:
    # finance.subsidy_base_rate_share 1/3 -> 0.25 and 0.5; uplifts 1/6 (mother factory), 1/6
    # (technology development), 1/12 (clean park); cap 2/3 (data/parameters/finance.csv). By hand:
    #   materials-r1 (no flags), capex 77.7 bn:          0.25 x 77.7 = 19.425 bn
    #   honda-gsyuasa (mother factory), 434 bn:          (0.25 + 1/6) x 434 = 180.833 bn
    #   toyota-r3 (mother factory, tech dev), 245 bn:    (0.25 + 1/3) x 245 = 142.917 bn;
    #                                    at 0.5: min(2/3, 0.5 + 1/3) x 245 = 163.333 bn (the cap)
    #   generic-cells (the representative plant: mother factory), 20 GWh x 14 bn = 280 bn:
    #                                                    (0.25 + 1/6) x 280 = 116.667 bn
    #   generic-cells-park (and clean park):             (0.25 + 1/6 + 1/12) x 280 = 140 bn;
    #                                    at 0.5: min(2/3, 0.75) x 280 = 186.667 bn (the cap)
    #   generic-materials, 10 GWh x 10 bn = 100 bn:      0.25 x 100 = 25 bn
    from chikuden.results import evaluate

    base = load_scenario("proposal-2022")
    expected = {
        0.25: {
            "materials-r1": 19.425,
            "honda-gsyuasa": 180.8333333,
            "toyota-r3": 142.9166667,
            "generic-cells": 116.6666667,
            "generic-cells-park": 140.0,
            "generic-materials": 25.0,
        },
        0.5: {"toyota-r3": 163.3333333, "generic-cells-park": 186.6666667, "materials-r1": 38.85},
    }
    for rate, by_hand in expected.items():
        scenario = base.with_overrides({"finance.subsidy_base_rate_share": rate})
        subsidy = {c.id: c.subsidy_jpy for c in build(scenario).candidates}
        for cid, bn in by_hand.items():
            assert subsidy[cid] == pytest.approx(bn * BN, rel=1e-9), (rate, cid)
        # every pipeline candidate's subsidy is the fund step's own figure for its row
        res = evaluate(scenario, outputs=["finance.project_subsidy_jpy"])
        rows = scenario.value("capacity.plants").rows
        finance = dict(
            zip((r["id"] for r in rows), res.rows["finance.project_subsidy_jpy"][0], strict=True)
        )
        pipeline = [c for c in build(scenario).candidates if c.kind == "pipeline"]
        assert pipeline
        for c in pipeline:
            assert c.subsidy_jpy == finance[c.id]


def test_generic_rate_with_an_rd_share() -> None:
    # Half of the capex is R&D: 0.5 x 1/3 (base) + 0.5 x 1/2 (finance.subsidy_rd_rate_share)
    # = 0.41667; with the mother-factory flag: 0.5 x (1/3 + 1/6) + 0.5 x 1/2 = 0.5.
    from chikuden.optimize.portfolio import _generic_rate
    from chikuden.parameters.params import Params

    params = Params.from_scenarios([load_scenario("proposal-2022")])

    def value(name: str) -> float:
        return float(params[name][0])

    assert _generic_rate({"id": "x", "rd_share": 0.5}, value, params) == pytest.approx(5 / 12)
    flagged = {"id": "x", "rd_share": 0.5, "subsidy_flags": {"mother_factory": 1}}
    assert _generic_rate(flagged, value, params) == pytest.approx(0.5)
    with pytest.raises(ChikudenError, match="subsidy_flags 'park'"):
        _generic_rate({"id": "x", "subsidy_flags": {"park": 1}}, value, params)
    with pytest.raises(ChikudenError, match="subsidy_flags clean_park is 2: give 0 or 1"):
        _generic_rate({"id": "x", "subsidy_flags": {"clean_park": 2}}, value, params)
    with pytest.raises(ChikudenError, match=r"rd_share 1\.5: give a share from 0 to 1"):
        _generic_rate({"id": "x", "rd_share": 1.5}, value, params)


# -- the carbon objective ----------------------------------------------------------------------
def test_carbon_of_a_candidate_by_hand() -> None:
    # proposal-2022 in 2030: the Japanese grid 0.25 kg CO2e/kWh (carbon.grid_kgco2e_per_kwh),
    # China's 0.5366 (carbon.materials_grid_kgco2e_per_kwh), the cell plant's electricity e per
    # kWh of cell (the carbon step's indicator), utilisation 0.8. A cell imported from China is
    # the grid-made cell with its plant on China's grid: F_CN - F_grid = e (0.5366 - 0.25), so a
    # GWh of capacity on the grid avoids 0.8 x 1e6 kWh x e x 0.2866 / 1000 t a year:
    # e = 13.62225 gives 800 x 13.62225 x 0.2866 = 3,123.31 t per GWh, and honda-gsyuasa
    # (20 GWh, on the grid) 62,466.2 t CO2e a year.
    from chikuden.optimize.portfolio import carbon_per_gwh
    from chikuden.results import evaluate

    scenario = load_scenario("proposal-2022")
    res = evaluate(scenario, outputs=["carbon.*"])
    e = float(res.indicators["carbon.manufacturing_electricity_per_kwh"][0])
    assert e == pytest.approx(13.62225)
    per = carbon_per_gwh(scenario)
    assert per["cells_grid"][0] == pytest.approx(800 * e * (0.5366 - 0.25))
    honda = {c.id: c for c in build(scenario, "carbon").candidates}["honda-gsyuasa"]
    assert not honda.clean_park
    assert honda.co2_t == pytest.approx(62_466.2, abs=0.1)
    # in a clean battery park it avoids, besides, the footprint the park saves on the grid's
    f_grid = float(res.indicators["carbon.footprint_2030_grid"][0])
    f_park = float(res.indicators["carbon.footprint_2030_clean_park"][0])
    assert per["cells_park"][0] - per["cells_grid"][0] == pytest.approx(800 * (f_grid - f_park))


def test_carbon_scales_with_the_grid_gap() -> None:
    # A cell plant's carbon (against China) and a materials or refining plant's (in Japan
    # instead of where materials are made) are each the electricity moved times
    # (EF_abroad - EF_Japan): 0 when China's grid is Japan's 0.25 in 2030, twice as much when
    # the gap is twice 0.2866 (EF_abroad 0.8232).
    from chikuden.optimize.portfolio import carbon_per_gwh

    base = load_scenario("proposal-2022")
    per = carbon_per_gwh(base)
    key = "carbon.materials_grid_kgco2e_per_kwh"
    same = carbon_per_gwh(base.with_overrides({key: 0.25}))
    double = carbon_per_gwh(base.with_overrides({key: 0.25 + 2 * 0.2866}))
    for kind in ("cells_grid", "materials", "minerals"):
        assert per[kind][0] > 0
        assert same[kind][0] == pytest.approx(0.0, abs=1e-6)
        assert double[kind][0] == pytest.approx(2 * per[kind][0])


def test_carbon_agrees_with_the_finance_outcomes() -> None:
    # finance.outcome_co2_avoided_china_scenario counts the scenario's supported cells (no
    # plant in a park in the table) over one plant life L: L x (t per GWh a year) x GWh.
    from chikuden.optimize.portfolio import carbon_per_gwh
    from chikuden.results import evaluate

    scenario = load_scenario("proposal-2022")
    res = evaluate(scenario, outputs=["finance.outcome_*"])
    life = float(res.params["finance.plant_life_years"][0])
    gwh = float(res.indicators["finance.outcome_gwh_scenario"][0])
    avoided = float(res.indicators["finance.outcome_co2_avoided_china_scenario"][0])
    assert gwh > 0
    assert life * gwh * carbon_per_gwh(scenario)["cells_grid"][0] == pytest.approx(avoided)


def test_carbon_objective_by_hand() -> None:
    # One budget year of 110 bn: a grid plant g (10 GWh, 50 bn, 30,000 t a year), a park plant
    # p (10 GWh, 60 bn, 60,000 t), a materials block m (10 GWh-eq, 40 bn, 60,000 t) and a park
    # plant q producing only in 2031 (20 bn, 90,000 t but after the target year: counts 0).
    # Within 110 bn: g+m 90 bn 90,000 t; p+m 100 bn 120,000 t; g+p 110 bn 90,000 t; no three
    # of g, p, m fit (150). Best: p+m, 120,000 t (by GWh, g+p would give 20 GWh).
    cands = (
        Candidate("g", "cells", 10.0, 10.0, 150 * BN, 50 * BN, 2027, co2_t=30_000.0),
        Candidate("p", "cells", 10.0, 10.0, 150 * BN, 60 * BN, 2027, co2_t=60_000.0),
        Candidate("m", "materials", 0.0, 10.0, 120 * BN, 40 * BN, 2027, co2_t=60_000.0),
        Candidate("q", "cells", 10.0, 10.0, 60 * BN, 20 * BN, 2031, co2_t=90_000.0),
    )
    problem = Problem(cands, 2026, np.array([110 * BN]), construction_years=1, objective="carbon")
    sol = solve(problem)
    assert sol.value == pytest.approx(120_000.0)
    assert sol.units.tolist() == [0.0, 1.0, 1.0, 0.0]
    # relaxation, by t per bn: m 1,500, p 1,000, g 600 (q 0): m and p (100 bn) and 10/50 of g:
    # 120,000 + 6,000 = 126,000 t; one more bn yen buys more of g: 600 t a year
    rel = relax(problem)
    assert rel.value == pytest.approx(126_000.0)
    assert rel.fund_dual_per_jpy * BN == pytest.approx(600.0)
    by_gwh = solve(replace(problem, objective="gwh"))
    assert by_gwh.value == pytest.approx(20.0)


def test_minerals_objective_by_hand() -> None:
    # One budget year of 100 bn; the objective counts the GWh-equivalents of minerals projects
    # producing by 2030 only. m1 (10 GWh-eq, 60 bn), m2 (8, 50), m3 (6, 45), m4 (20, 10 bn but
    # producing in 2031: 0) and a cell plant c (30 GWh, 5 bn: no minerals). Within 100 bn:
    # m1+m2 110, m1+m3 105 (too dear); m2+m3 95 -> 14; m1 alone 10. Best 14 GWh-eq.
    cands = (
        Candidate("m1", "minerals", 0.0, 10.0, 180 * BN, 60 * BN, 2027),
        Candidate("m2", "minerals", 0.0, 8.0, 150 * BN, 50 * BN, 2027),
        Candidate("m3", "minerals", 0.0, 6.0, 135 * BN, 45 * BN, 2027),
        Candidate("m4", "minerals", 0.0, 20.0, 30 * BN, 10 * BN, 2031),
        Candidate("c", "cells", 30.0, 30.0, 15 * BN, 5 * BN, 2027),
    )
    problem = Problem(cands, 2026, np.array([100 * BN]), construction_years=1, objective="minerals")
    sol = solve(problem)
    assert sol.value == pytest.approx(14.0)
    assert sol.units.tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]
    # proposal-2022: no minerals row in the pipeline; the 20 generic blocks of 10 GWh-eq
    # (14.67 bn yen per GWh at the base rate 1/3: 20 x 10 x 14.67 / 3 = 977.8 bn) fit the fund
    bundled = solve(build(load_scenario("proposal-2022"), "minerals"))
    assert bundled.value == pytest.approx(200.0)
    assert bundled.total("subsidy_jpy") == pytest.approx(20 * 10 * 2.2e12 / 150 / 3)


def test_cli_carbon_json_and_risk() -> None:
    # a separate process: HiGHS's stray debug line went to descriptor 1 and broke --json
    import subprocess
    import sys

    args = ["optimize", "--objective", "carbon", "--json", "--points", "3"]
    run = subprocess.run(
        [sys.executable, "-m", "chikuden", *args, "--risk", "0.1", "-n", "50"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["objective"] == "carbon"
    assert doc["objective_unit"] == "t CO2e avoided per year"
    assert doc["value"] == pytest.approx(doc["totals"]["co2_t_target"])
    assert doc["value"] == pytest.approx(sum(c["co2_t"] for c in doc["portfolio"]))
    risk = doc["risk"]
    assert 0 < risk["cvar"] <= risk["mean"]
    assert risk["cvar"] >= risk["deterministic_cvar"] - 1e-6 * abs(risk["cvar"])


def test_carbon_outcomes_by_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Monte Carlo carbon is evaluated CARBON_CHUNK samples at a time: chunks of 7 give
    # the same bits as one chunk; every sampled value is a share of a positive carbon
    from chikuden.optimize import portfolio

    scenario = load_scenario("proposal-2022")
    problem = build(scenario, "carbon")
    whole = portfolio.outcomes(problem, scenario, 20, seed=3)
    monkeypatch.setattr(portfolio, "CARBON_CHUNK", 7)
    assert np.array_equal(portfolio.outcomes(problem, scenario, 20, seed=3), whole)
    assert whole.shape == (20, len(problem.candidates))
    assert np.all(whole >= 0)
    assert np.any(whole > 0)


def test_every_objective_unit_is_translated() -> None:
    from chikuden.optimize.portfolio import OBJECTIVE_UNITS, OBJECTIVES
    from chikuden.optimize.report import unit_text

    for objective in OBJECTIVES:
        unit = OBJECTIVE_UNITS[objective]
        assert unit_text(unit, "en") == unit
        assert unit_text(unit, "ja") != unit
