"""``chikuden solve --mc`` throughput (issue 15): goal seek of one parameter for 10,000 samples.

Target (checked here, never in tests): at most 5 s. The yardstick, in the same run: one batch
evaluation of the same samples with the same output (the cost of one step of the solver);
prints both, the ratio and the number of batch evaluations the solve made.
"""

from __future__ import annotations

import time

from chikuden.parameters.params import Params
from chikuden.parameters.scenario import load_scenario
from chikuden.results import evaluate
from chikuden.uncertainty import goalseek
from chikuden.uncertainty.distributions import scenario_spec
from chikuden.uncertainty.sampling import Sampler

N = 10_000
CASES = [
    ("proposal-2022", "finance.fund_balance", 0.0, "finance.subsidy_base_rate_share"),
    ("actual-2025", "capacity.domestic_2030", 100.0, "capacity.ramp_years"),
]


def main() -> None:
    for name, target, value, vary in CASES:
        scenario = load_scenario(name)
        spec = scenario_spec(scenario.uncertainty, name)
        drawn = Sampler(spec, N, 0, "mc").sample(0, N)
        evaluate(Params.from_samples(scenario, drawn), outputs=[target])  # warm caches
        start = time.perf_counter()
        evaluate(Params.from_samples(scenario, drawn), outputs=[target])
        t_one = time.perf_counter() - start
        start = time.perf_counter()
        sol = goalseek.solve(scenario, target, value, [vary], samples=drawn)
        t_solve = time.perf_counter() - start
        print(
            f"{name}: {target}={value:g} varying {vary}, {N:,} samples: {t_solve:.2f} s "
            f"(target <= 5 s; {'met' if t_solve <= 5 else 'NOT met'}), one batch evaluation "
            f"{t_one:.3f} s, ratio {t_solve / t_one:.1f}x, {sol.evaluations} batch evaluations, "
            f"solved in {sol.found.mean():.1%} of the samples"
        )


if __name__ == "__main__":
    main()
