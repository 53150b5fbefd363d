"""``chikuden optimize``: the fund's portfolio as a MIP (docs/optimize.md), checked by hand."""

from __future__ import annotations

import json

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
    carbon = runner.invoke(app, ["optimize", "--objective", "carbon"])
    assert carbon.exit_code == 2


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
    named += [*data["stage_capex_jpy_per_gwh"].values(), data["pipeline_subsidy_rate"]]
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
