"""Cost of the minerals step: one evaluation and a 100,000-scenario batch, with and without it.

Budgets (issue 3): one full evaluation within the foundation's budget plus at most 1 ms, and
the 100k batch within 1.5x of its time without the minerals step. Prints both and the ratios.
The batch varies market demand, utilisation and plant delays (so production differs per
scenario, as in a batch before this issue); a second batch also varies the EV battery life
(so the recycling lags differ per scenario, the slow path).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from chikuden.model import minerals, system
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import load_scenario

N_BATCH = 100_000


def _runner(steps: tuple[system.Step, ...]) -> Callable[[Params], Outputs]:
    def run(p: Params) -> Outputs:
        out = Outputs()
        for step in steps:
            step(p, out)
        return out

    return run


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _per_call(fn: Callable[[], object], number: int, repeat: int = 5) -> float:
    return _best(lambda: [fn() for _ in range(number)], repeat) / number


def main() -> None:
    base = load_scenario("proposal-2022")
    upto = system.STEPS[: system.STEPS.index(minerals.step) + 1]
    without = tuple(s for s in upto if s is not minerals.step)
    with_run, without_run = _runner(upto), _runner(without)
    one = Params.from_scenarios([base])
    for fn in (with_run, without_run):
        fn(one)
    t_with = _per_call(lambda: with_run(one), 300)
    t_without = _per_call(lambda: without_run(one), 300)
    print(f"one evaluation (market, capacity, minerals): {t_with * 1e3:.3f} ms")
    print(f"one evaluation without minerals:             {t_without * 1e3:.3f} ms")
    print(f"minerals step adds {1e3 * (t_with - t_without):.3f} ms (budget 1 ms)")

    rng = np.random.default_rng(1)
    batch = Params.from_samples(
        base,
        {
            "market.demand_2030_gwh": rng.uniform(2000, 4000, N_BATCH),
            "capacity.utilisation_share": rng.uniform(0.5, 1.0, N_BATCH),
            "capacity.delay_years": rng.integers(0, 3, N_BATCH).astype(float),
        },
    )
    b_with = _best(lambda: with_run(batch), 2)
    b_without = _best(lambda: without_run(batch), 2)
    print(f"100k batch with minerals:    {b_with:.2f} s")
    print(f"100k batch without minerals: {b_without:.2f} s")
    print(f"ratio with/without: {b_with / b_without:.2f}x (budget 1.5x)")
    varied = Params.from_samples(
        base,
        {
            "market.demand_2030_gwh": rng.uniform(2000, 4000, N_BATCH),
            "minerals.ev_lifetime_years": rng.uniform(10, 20, N_BATCH),
        },
    )
    b_life = _best(lambda: with_run(varied), 2)
    print(f"100k batch that also varies the EV battery life (per-scenario lags): {b_life:.2f} s")


if __name__ == "__main__":
    main()
