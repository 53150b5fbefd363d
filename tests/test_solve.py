"""What it takes: goal seeking (``chikuden.uncertainty.goalseek``, ``chikuden solve``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from chikuden.cli import app
from chikuden.errors import ParameterError
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import load_scenario
from chikuden.results import evaluate
from chikuden.uncertainty import goalseek
from chikuden.uncertainty.distributions import scenario_spec
from chikuden.uncertainty.sampling import Sampler

RATE = "finance.subsidy_base_rate_share"
BALANCE = "finance.fund_balance"


def _balance(rate: float) -> float:
    scenario = load_scenario("proposal-2022")
    res = evaluate(Params.from_samples(scenario, {RATE: np.array([rate])}), outputs=[BALANCE])
    return float(res.indicators[BALANCE][0])


def test_a_linear_indicator_gives_the_root_derived_by_hand() -> None:
    # In proposal-2022 the subsidy demand is that of the capacity gap: (150 - 20) GWh x the
    # need per GWh (5.8e12 / 150 JPY) x the base rate r, and the fund 5 x 600 bn = 3.0e12 JPY,
    # so the balance 3.0e12 - 5.0267e12 r is linear in r. Two evaluations: f(0) = 3.0e12 JPY,
    # f(1) = -2.0267e12 JPY; the line through them is 0 at
    # r = f(0) / (f(0) - f(1)) = 3.0e12 / 5.0267e12 = 0.59682.
    f0, f1 = _balance(0.0), _balance(1.0)
    assert f0 == pytest.approx(3e12)
    assert _balance(0.5) == pytest.approx((f0 + f1) / 2, rel=1e-12)  # linear, as said
    root = f0 / (f0 - f1)
    assert root == pytest.approx(0.59682, abs=1e-5)
    sol = goalseek.solve(load_scenario("proposal-2022"), BALANCE, 0.0, [RATE])
    assert sol.found.tolist() == [True]
    assert sol.values[RATE][0] == pytest.approx(root, rel=1e-9)
    assert abs(sol.achieved[0]) <= 1e-6 * f0
    # the change: from the current 1/3 to 0.59682 is (0.59682 - 1/3) / (1 - 1/3) = 0.39523 of
    # the way to the maximum, 1
    assert sol.s[0] == pytest.approx((root - 1 / 3) / (2 / 3), rel=1e-9)


def test_an_unreachable_target_is_an_answer_that_says_so() -> None:
    # the balance is at most the whole fund, 3e12 JPY (no subsidy at rate 0): 5e12 is out of reach
    sol = goalseek.solve(load_scenario("proposal-2022"), BALANCE, 5e12, [RATE])
    assert sol.found.tolist() == [False]
    assert np.isnan(sol.values[RATE][0])
    assert sol.best_values[RATE][0] == 0.0
    assert sol.best_value[0] == pytest.approx(3e12)
    result = CliRunner().invoke(app, ["solve", "--target", f"{BALANCE}=5e12", "--vary", RATE])
    assert result.exit_code == 0, result.output
    assert "no value in the range reaches the target" in result.output
    result = CliRunner().invoke(
        app, ["solve", "--target", f"{BALANCE}=5e12", "--vary", RATE, "--json"]
    )
    doc = json.loads(result.output)
    assert doc["found"] is False and doc["required"] is None
    assert doc["closest"]["values"][RATE] == 0.0


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--target", "finance.fund_balanc=0", "--vary", RATE], ["finance.fund_balance"]),
        (["--target", f"{BALANCE}=0", "--vary", "finance.subsidy_base_rate"], [RATE]),
        (["--target", "finance.fund_balance=abc", "--vary", RATE], ["KEY=VALUE"]),
        (["--target", f"{BALANCE}=0", "--vary", "finance.budget_jpy"], ["path parameter"]),
        (["--target", "capacity.domestic_gwh=0", "--vary", RATE], ["series output"]),
        (["--target", f"{BALANCE}=0", "--vary", "finance.plant_start_year"], ["whole-number"]),
        (["--target", f"{BALANCE}=0", "--vary", RATE, "--mc", "5"], ["--mc 5"]),
    ],
)
def test_bad_keys_are_one_line_and_exit_2(args: list[str], names: list[str]) -> None:
    result = CliRunner().invoke(app, ["solve", *args])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    for name in names:
        assert name in lines[0]


def test_a_batch_gives_each_sample_what_it_gives_alone() -> None:
    scenario = load_scenario("proposal-2022")
    spec = scenario_spec(scenario.uncertainty, "proposal-2022")
    drawn = Sampler(spec, 20, 3, "mc").sample(0, 20)
    both = goalseek.solve(scenario, BALANCE, 0.0, [RATE], samples=drawn)
    assert both.found.all()
    for i in range(20):
        alone = goalseek.solve(
            scenario, BALANCE, 0.0, [RATE], samples={k: v[i : i + 1] for k, v in drawn.items()}
        )
        assert alone.values[RATE][0] == both.values[RATE][i]
        assert alone.achieved[0] == both.achieved[i]
        assert alone.s[0] == both.s[i]


def test_several_parameters_move_together_by_the_same_share() -> None:
    # the rate lowers the balance (its helping bound for a lower balance is its maximum, 1);
    # the plant capex per GWh does not enter the fund balance, so it stays where it is
    scenario = load_scenario("proposal-2022")
    capex = "finance.plant_capex_jpy_per_gwh"
    sol = goalseek.solve(scenario, BALANCE, 0.0, [RATE, capex])
    one = goalseek.solve(scenario, BALANCE, 0.0, [RATE])
    assert sol.found.tolist() == [True]
    assert sol.values[RATE][0] == pytest.approx(one.values[RATE][0], rel=1e-9)
    assert sol.values[capex][0] == sol.current[capex][0]
    assert abs(sol.s[0]) == pytest.approx(abs(one.s[0]), rel=1e-9)


def test_two_parameters_by_hand() -> None:
    # the base rate r (1/3 in 0..1) and finance.capital_need_ref_gwh G (150 in 10..1000; the
    # 5.8e12 JPY need is for G GWh, so the need per GWh is 5.8e12 / G). The balance
    # 3e12 - 130 x 5.8e12 / G x r falls with r and rises with G: toward a balance of 0, r moves
    # to its maximum and G to its minimum, the same share t of the way:
    # r = 1/3 + t (1 - 1/3), G = 150 - t (150 - 10). The balance is 0 where
    # 3e12 (150 - 140 t) = 7.54e14 (1/3 + 2t/3), i.e. 450 - 420 t = 251.333 + 502.667 t,
    # t = 198.667 / 922.667 = 0.21532: r = 0.47688, G = 119.855.
    ref = "finance.capital_need_ref_gwh"
    sol = goalseek.solve(load_scenario("proposal-2022"), BALANCE, 0.0, [RATE, ref])
    t = (450 - 754 / 3) / (420 + 754 * 2 / 3)
    assert t == pytest.approx(0.21532, abs=1e-5)
    assert sol.s[0] == pytest.approx(-t, rel=1e-9)  # negative: toward the bounds that lower it
    assert sol.values[RATE][0] == pytest.approx(1 / 3 + t * 2 / 3, rel=1e-9)
    assert sol.values[ref][0] == pytest.approx(150 - 140 * t, rel=1e-9)


def test_solve_mc_does_not_depend_on_the_chunk() -> None:
    scenario = load_scenario("proposal-2022")
    a = goalseek.solve_mc(scenario, BALANCE, 0.0, [RATE], 30, seed=2)
    b = goalseek.solve_mc(scenario, BALANCE, 0.0, [RATE], 30, seed=2, chunk=7)
    assert np.array_equal(a.values[RATE], b.values[RATE])
    # 5 batches of at most 7 made as many rounds as the one batch of 30 (each sample's search
    # is its own; the batch of its slowest sample counts): a sample with its root beyond the
    # first ring (|s| > 0.25) takes 2 rounds of the grid and then at least one bracket step
    assert a.evaluations == b.evaluations > 2
    assert (np.abs(a.s) > 0.25).any()


def test_the_nearest_crossing_and_an_exact_current_value() -> None:
    scenario = load_scenario("proposal-2022")
    now = _balance(1 / 3)
    sol = goalseek.solve(scenario, BALANCE, now, [RATE])
    assert sol.found.tolist() == [True] and sol.s[0] == 0.0
    assert sol.values[RATE][0] == pytest.approx(1 / 3)
    # the first round sees s = 0 (and s = +-0.25): the target is met there, nothing further
    assert sol.evaluations == 1


def test_the_outward_grid_keeps_the_bracket_of_the_whole_grid() -> None:
    """The search sees the grid from s = 0 outward and stops at the first ring with a bracket;
    the answer must lie in the cell the documented rule picks from all 9 grid points (the
    nearest sign change by the linear estimate of its root), worked out here from the whole
    grid evaluated directly, and meet the target there."""
    scenario = load_scenario("actual-2025")
    key, vary, target = "capacity.domestic_2030", "capacity.ramp_years", 110.0
    spec = scenario_spec(scenario.uncertainty, "actual-2025")
    drawn = Sampler(spec, 60, 11, "mc").sample(0, 60)
    sol = goalseek.solve(scenario, key, target, [vary], samples=drawn)
    lo, hi = 1.0, 10.0  # capacity.ramp_years' declared range
    s_grid = np.linspace(-1.0, 1.0, 9)
    s_grid[4] = 0.0
    cur = drawn[vary]
    g = np.empty((9, 60))
    for j, s in enumerate(s_grid):
        x = cur + abs(s) * ((hi if s >= 0 else lo) - cur)
        res = evaluate(Params.from_samples(scenario, drawn | {vary: x}), outputs=[key])
        g[j] = res.indicators[key] - target
    ga, gb = g[:-1], g[1:]
    cross = (ga == 0) | (gb == 0) | (np.sign(ga) != np.sign(gb))
    with np.errstate(divide="ignore", invalid="ignore"):  # cells where g does not change
        est = s_grid[:-1, None] - ga * (s_grid[1:, None] - s_grid[:-1, None]) / (gb - ga)
    est = np.where(ga == 0, s_grid[:-1, None], np.where(gb == 0, s_grid[1:, None], est))
    dist = np.where(cross, np.abs(est), np.inf)
    cell = np.argmin(dist, axis=0)
    has = np.isfinite(dist.min(axis=0))
    # both kinds of answer, and roots in every ring of the grid, are tested
    assert has.sum() >= 40 and (~has).sum() >= 1
    assert sol.found.tolist() == has.tolist()
    rings = np.histogram(np.abs(sol.s[has]), [0, 0.25, 0.5, 0.75, 1])[0]
    assert (rings > 0).all()
    for i in np.flatnonzero(has):
        assert s_grid[cell[i]] <= sol.s[i] <= s_grid[cell[i] + 1]
        assert sol.achieved[i] == pytest.approx(target, abs=1e-6)
    np.testing.assert_array_equal(sol.now, g[4] + target)
    # where none: the grid point closest to the target (every grid point was seen)
    for i in np.flatnonzero(~has):
        assert sol.best_value[i] == target + g[np.argmin(np.abs(g[:, i])), i]


def test_mc_reports_quantiles_and_the_share_without_a_solution() -> None:
    result = CliRunner().invoke(
        app,
        ["solve", "--target", f"{BALANCE}=0", "--vary", RATE, "--mc", "200", "--json"],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["samples"] == 200 and doc["found_share"] + doc["none_share"] == 1
    q = doc["required"][RATE]
    assert 0 <= q["q05"] <= q["q50"] <= q["q95"] <= 1
    text = CliRunner().invoke(
        app, ["solve", "--target", f"{BALANCE}=0", "--vary", RATE, "--mc", "200", "--lang", "ja"]
    )
    assert text.exit_code == 0, text.output


def test_solve_refuses_what_it_cannot_use() -> None:
    scenario = load_scenario("proposal-2022")
    with pytest.raises(ParameterError, match="given twice"):
        goalseek.solve(scenario, BALANCE, 0.0, [RATE, RATE])
    with pytest.raises(ParameterError, match="odd"):
        goalseek.solve(scenario, BALANCE, 0.0, [RATE], grid=4)
