"""Cost of the carbon step and of the product fade fit.

Budgets (issue 4): one full evaluation within the foundation's budget plus at most 1 ms
(measured as ``chikuden.model.system.run`` with and without the carbon step), and fitting one
product's cycle data of 2,000 points in at most 50 ms (against a lower bound: a bare
``numpy.linalg.lstsq`` on the same data). Also a 10,000-scenario batch that varies the grid
path, utilisation and hydrogen efficiency, with and without the step, for information, and the CPU
time and peak memory of the carbon steps in a 100,000-scenario batch of the same kind.
Prints the times and the ratios.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from chikuden.analysis.fade import fit_fade
from chikuden.model import carbon, system
from chikuden.model.carbon import abatement
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario, load_scenario
from steps import all_steps, run_steps
from timing import best, per_call

N_BATCH = 10_000
N_LARGE = 100_000
N_POINTS = 2_000


def bench_large(base: Scenario, rng: np.random.Generator) -> None:
    """CPU time and peak memory of the carbon steps in a 100,000-scenario batch, the steps
    before them run first (the indicators only: the yearly series wait to be read)."""
    one = Params.from_scenarios([base])
    batch = Params.from_samples(
        base,
        {
            "carbon.grid_kgco2e_per_kwh": one["carbon.grid_kgco2e_per_kwh"]
            * rng.uniform(0.6, 1.2, (N_LARGE, 1)),
            "capacity.utilisation_share": rng.uniform(0.5, 1.0, N_LARGE),
            "carbon.h2_plant_efficiency_share": rng.uniform(0.45, 0.6, N_LARGE),
        },
    )
    out = Outputs()
    for step in all_steps():
        if step in (carbon.step, abatement.step):
            tracemalloc.start()
            start = time.process_time()
            step(batch, out)
            cpu = time.process_time() - start
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{N_LARGE:,} batch, step {step.name}: {cpu:.3f} s of CPU, peak memory "
                f"{peak / 1024**2:,.0f} MiB"
            )
        else:
            step(batch, out)


def main() -> None:
    base = load_scenario("proposal-2022")
    without = tuple(s for s in all_steps() if s is not carbon.step)
    with_run = system.run

    def without_run(p: Params) -> Outputs:
        return run_steps(p, without)

    one = Params.from_scenarios([base])
    for fn in (with_run, without_run):
        fn(one)
    t_with = per_call(lambda: with_run(one), 200)
    t_without = per_call(lambda: without_run(one), 200)
    print(f"one full evaluation:                {t_with * 1e3:.3f} ms")
    print(f"one full evaluation without carbon: {t_without * 1e3:.3f} ms")
    print(f"carbon step adds {1e3 * (t_with - t_without):.3f} ms (budget 1 ms)")

    rng = np.random.default_rng(1)
    grid = one["carbon.grid_kgco2e_per_kwh"] * rng.uniform(0.6, 1.2, (N_BATCH, 1))
    batch = Params.from_samples(
        base,
        {
            "carbon.grid_kgco2e_per_kwh": grid,
            "capacity.utilisation_share": rng.uniform(0.5, 1.0, N_BATCH),
            "carbon.h2_plant_efficiency_share": rng.uniform(0.45, 0.6, N_BATCH),
        },
    )
    b_with = best(lambda: with_run(batch), 2)
    b_without = best(lambda: without_run(batch), 2)
    print(f"{N_BATCH:,} batch with carbon:    {b_with:.3f} s")
    print(f"{N_BATCH:,} batch without carbon: {b_without:.3f} s")
    print(f"ratio with/without: {b_with / b_without:.2f}x")

    bench_large(base, rng)

    n = np.linspace(0.0, 3000.0, N_POINTS)
    q = 1.0 - 0.003 * n**0.53 + rng.normal(0.0, 0.0015, N_POINTS)
    design = np.column_stack([np.ones(N_POINTS), np.sqrt(n)])
    t_fit = per_call(lambda: fit_fade(n, q, 0.8), 200)
    t_sqrt = per_call(lambda: fit_fade(n, q, 0.8, "sqrt"), 200)
    t_lstsq = per_call(lambda: np.linalg.lstsq(design, q, rcond=None), 200)
    print(f"fade fit, {N_POINTS:,} points, auto (3 models): {t_fit * 1e3:.3f} ms (budget 50 ms)")
    print(f"fade fit, one model (sqrt):                {t_sqrt * 1e3:.3f} ms")
    print(f"bare numpy.linalg.lstsq, same data:        {t_lstsq * 1e3:.3f} ms")
    print(f"ratio one model / lstsq: {t_sqrt / t_lstsq:.2f}x; auto / lstsq: {t_fit / t_lstsq:.2f}x")


if __name__ == "__main__":
    main()
