"""Ask for what you need: a few outputs cost only the steps they depend on (issue 12).

- ``system.run(p, ["finance.fund_balance"])`` against the whole model ``system.run(p)``, for
  one scenario (median of many calls) and for the 100,000-scenario batch of
  ``bench_evaluate`` (foundation parameters drawn in their ranges; median of 3). The lower bound
  of the partial run is the time of the steps it needs, run by hand in the same order.
- The whole model through the dataflow runner against a plain loop over the same steps (what
  ``system.run`` was before the declared dataflow): the runner may cost nothing measurable.

Targets: the partial run within 1.1x of its steps alone (the planning costs nothing that
matters), and the full run through the runner within 1.05x of the plain loop. Times are
medians; the load average is printed (other processes on a shared machine slow every number).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from chikuden.model import system
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import load_scenario
from steps import all_steps, run_steps, steps_for

ASK = ("finance.fund_balance",)
PARTIAL_TARGET = 1.1
RUNNER_TARGET = 1.05


def _median(fn: Callable[[], object], repeat: int, number: int = 1) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def _compare(label: str, p: Params, repeat: int, number: int) -> None:
    needed = steps_for(*ASK)
    every = all_steps()
    t_full = _median(lambda: system.run(p), repeat, number)
    t_part = _median(lambda: system.run(p, ASK), repeat, number)
    t_needed = _median(lambda: run_steps(p, needed), repeat, number)
    t_loop = _median(lambda: run_steps(p, every), repeat, number)
    unit, scale = ("ms", 1e3) if t_full < 1 else ("s", 1.0)
    print(f"{label}:")
    print(
        f"  evaluate(outputs={list(ASK)}): {t_part * scale:.3f} {unit}; whole model "
        f"{t_full * scale:.3f} {unit} -> ratio {t_part / t_full:.2f} "
        f"(steps run: {', '.join(s.name for s in needed)})"
    )
    ratio = t_part / t_needed
    verdict = "holds" if ratio <= PARTIAL_TARGET else "MISSED"
    print(
        f"  lower bound, those {len(needed)} steps by hand: {t_needed * scale:.3f} {unit} -> "
        f"ratio {ratio:.2f} (target <= {PARTIAL_TARGET}: {verdict})"
    )
    ratio = t_full / t_loop
    verdict = "holds" if ratio <= RUNNER_TARGET else "MISSED"
    print(
        f"  whole model through the runner vs a plain loop over the {len(every)} steps: "
        f"{t_full * scale:.3f} vs {t_loop * scale:.3f} {unit} -> ratio {ratio:.2f} "
        f"(target <= {RUNNER_TARGET}: {verdict})"
    )


def main() -> None:
    import bench_evaluate

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    base = load_scenario("proposal-2022")
    _compare("one scenario (median of 20 x 50 calls)", Params.from_scenarios([base]), 20, 50)
    draws = bench_evaluate.samples(bench_evaluate.N_BATCH, np.random.default_rng(1))
    batch = Params.from_samples(base, draws)
    _compare(f"batch of {bench_evaluate.N_BATCH:,} scenarios (median of 3)", batch, 3, 1)


if __name__ == "__main__":
    main()
