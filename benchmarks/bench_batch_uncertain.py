"""A 10,000-scenario batch of the whole model with six vehicles and charging parameters varied.

Issue 15 (performance): the Monte Carlo batches vary parameters of every domain, vehicles and
charging included. Six of them are drawn here uniformly within their declared ranges (seeded):
the adoption curve of battery-electric cars (steepness, shift), the change in car sales, and
the expressway charging sites' share of passing BEVs that charge, their target probability of
waiting and their target mean wait. Together they spread the sites' offered loads from near 0
to thousands of Erlang, which the charger sizing must handle at a cost in proportion to each
site's own load.

Prints the time of one evaluation of the batch (``chikuden.model.system.run``, each step
timed; a batch this large leaves some yearly series to be computed when read), then the time
to read every output, wall and CPU time (the machine is shared: the CPU time is the steadier
figure), the peak memory of the evaluation (tracemalloc, numpy's buffers included; a second
run) and the ratio to a lower bound measured in the same run: allocating and writing arrays of
the shapes of every output the batch gives (indicators, yearly series, per-row values).
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

import chikuden
from chikuden.model import system
from chikuden.model.outputs import Outputs
from chikuden.parameters import Params, declarations
from steps import all_steps

N_BATCH = 10_000
SEED = 15
VARIED = (
    "vehicles.adoption_steepness_per_year",
    "vehicles.adoption_shift_years",
    "vehicles.sales_change_share",
    "charging.highway_charge_share",
    "charging.highway_max_wait_probability_share",
    "charging.highway_max_mean_wait_min",
)


def samples(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Uniform draws of :data:`VARIED` within their declared ranges."""
    decls = declarations()
    return {name: rng.uniform(decls[name].min, decls[name].max, n) for name in VARIED}


def run_timed(params: Params) -> tuple[Outputs, dict[str, float]]:
    """One evaluation, step by step in model order; the outputs and each step's CPU time [s]."""
    out = Outputs()
    times = {}
    for step in all_steps():
        start = time.process_time()
        step(params, out)
        times[step.name] = time.process_time() - start
    return out, times


def output_arrays(out: Outputs) -> list[np.ndarray]:
    """Every output array of ``out`` (deferred series computed)."""
    return [*out.indicators.values(), *out.series.values(), *out.rows.values()]


def write_bound(shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """The lower bound: allocate and write arrays of ``shapes``, all kept (as outputs are, so
    that each is written to fresh memory rather than to the last one's cached buffer)."""
    return [np.full(shape, 1.0) for shape in shapes]


def cpu_best(fn: Callable[[], object], repeat: int) -> float:
    """Least CPU time of ``repeat`` calls [s] (the machine is shared: wall time varies more)."""
    least = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        least = min(least, time.process_time() - start)
    return least


def main() -> None:
    scenario = chikuden.load_scenario()
    params = Params.from_samples(scenario, samples(N_BATCH, np.random.default_rng(SEED)))
    system.run(Params.from_samples(scenario, samples(10, np.random.default_rng(SEED))))
    load = os.getloadavg()

    start, cpu = time.perf_counter(), time.process_time()
    out, steps = run_timed(params)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    pending = len(out.series.pending())
    start, cpu_read = time.perf_counter(), time.process_time()
    arrays = output_arrays(out)
    read, cpu_read = time.perf_counter() - start, time.process_time() - cpu_read
    shapes = [np.shape(a) for a in arrays]
    n_bytes = sum(np.asarray(a).nbytes for a in arrays)
    del out, arrays
    bound = cpu_best(lambda: write_bound(shapes), 3)

    tracemalloc.start()
    system.run(params)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(
        f"batch of {N_BATCH:,} scenarios varying {', '.join(VARIED)} uniformly in their "
        f"declared ranges, seed {SEED} (load average {load[0]:.2f} on {os.cpu_count()} CPUs):"
    )
    print(
        f"  whole model (system.run), the indicators: {elapsed:.3f} s ({cpu:.3f} s of CPU); "
        f"peak memory {peak / 1024**2:,.0f} MiB"
    )
    print(
        f"  then reading every output ({pending} series computed on first read): {read:.3f} s "
        f"({cpu_read:.3f} s of CPU)"
    )
    ranked = sorted(steps.items(), key=lambda kv: -kv[1])[:5]
    print("  slowest steps (CPU): " + ", ".join(f"{k} {v:.3f} s" for k, v in ranked))
    print(
        f"  lower bound, writing the {len(shapes):,} output arrays ({n_bytes / 1024**2:,.0f} "
        f"MiB): {bound:.3f} s of CPU -> ratio {(cpu + cpu_read) / bound:,.0f}x (CPU, every "
        "output read)"
    )


if __name__ == "__main__":
    main()
