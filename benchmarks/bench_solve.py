"""``chikuden solve --mc`` throughput (issue 15): goal seek of one parameter for 10,000 samples.

Target (checked here, never in tests): at most 5 s. Three cases: the fund balance by the base
subsidy rate (the market, capacity and finance steps behind it), the 2030 domestic capacity by
the ramp-up years (market and capacity), and the charging deployment gap of 2030 by the shift
of EV adoption in years (the vehicles and charging steps, the model's two costliest, and 63
parameters behind it: the heaviest target one parameter moves all of).

The yardstick, in the same run: one evaluation of the same samples with the same output, in
slices of ``goalseek.ROWS`` like the solver's rounds (the cost of one pass over every sample).
Prints wall and CPU time (``process_time``: this machine's 2 cores are shared, so the wall time
says how free they were; the load average is printed), the ratio of the solve's CPU to one
evaluation's (batch evaluations' worth of work), the rounds, and the share solved.
"""

from __future__ import annotations

import os
import time

import numpy as np
from numpy.typing import NDArray

from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario, load_scenario
from chikuden.results import evaluate
from chikuden.uncertainty import goalseek
from chikuden.uncertainty.distributions import scenario_spec
from chikuden.uncertainty.sampling import Sampler

N = 10_000
TARGET_S = 5.0
CASES = [
    ("proposal-2022", "finance.fund_balance", 0.0, "finance.subsidy_base_rate_share"),
    ("actual-2025", "capacity.domestic_2030", 100.0, "capacity.ramp_years"),
    ("actual-2025", "charging.deployment_gap_2030", 0.0, "vehicles.adoption_shift_years"),
]


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _once(scenario: Scenario, drawn: dict[str, NDArray[np.float64]], target: str) -> None:
    """One evaluation of every sample, in slices of ``goalseek.ROWS`` like a solver's round."""
    for a in range(0, N, goalseek.ROWS):
        part = {k: v[a : a + goalseek.ROWS] for k, v in drawn.items()}
        evaluate(Params.from_samples(scenario, part), outputs=[target])


def main() -> None:
    for name, target, value, vary in CASES:
        scenario = load_scenario(name)
        spec = scenario_spec(scenario.uncertainty, name)
        drawn = Sampler(spec, N, 0, "mc").sample(0, N)

        _once(scenario, drawn, target)  # warm caches and imports
        start, cpu = time.perf_counter(), time.process_time()
        _once(scenario, drawn, target)
        t_one, c_one = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        sol = goalseek.solve(scenario, target, value, [vary], samples=drawn)
        t_solve, c_solve = time.perf_counter() - start, time.process_time() - cpu
        verdict = "met" if t_solve <= TARGET_S else "NOT met"
        print(
            f"{name}: {target}={value:g} varying {vary}, {N:,} samples: {t_solve:.2f} s wall, "
            f"{c_solve:.2f} s CPU (target <= {TARGET_S:g} s wall: {verdict}); one evaluation "
            f"of the same samples {t_one:.3f} s wall, {c_one:.3f} s CPU; ratio (CPU) "
            f"{c_solve / c_one:.1f}x; {sol.evaluations} rounds; solved in "
            f"{np.mean(sol.found):.1%} of the samples; load {_load()}"
        )


if __name__ == "__main__":
    main()
