"""Cost of the minerals step: one evaluation and a 100,000-scenario batch, with and without it.

Budgets (issue 3): the minerals step adds at most 1 ms to one evaluation of one scenario, and
the 100k batch takes at most 1.5x its time before the issue.

- One evaluation of proposal-2022: the steps up to minerals with and without it; the
  difference is what the step adds (median of repeats of 300 calls). One scenario writes
  every series directly.
- The budget's batch: the foundation's own 100k batch (bench_evaluate: its 45 foundation
  parameters varied) through the foundation steps (market, capacity, finance, consistency) with
  the minerals step, against the foundation steps alone as they ran before this issue (given
  the minerals material cost that finance now reads, computed beforehand). Interleaved runs,
  medians. From ``DEFER_SERIES_FROM`` (chikuden.model.outputs) scenarios on, the step computes its
  indicators on the years they need and its yearly series when they are read; the time to
  read all of them afterwards is printed too, and the ratio with it.
- A broader batch: every scalar parameter of every domain varied by +-20% around its
  default (integers by +-3), except vehicles and charging, whose per-scenario paths need more
  than 24 GB at 100k, through every step; "without" is the same run less the minerals step's
  time (later steps read minerals outputs, so the step cannot be left out).

Fresh memory is what costs most in batches, and its price varies from run to run (the kernel
may compact memory for huge pages): runs are interleaved and medians printed with the load.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from chikuden.model import minerals, system
from chikuden.model.dataflow import Step
from chikuden.model.outputs import DEFER_SERIES_FROM, Outputs
from chikuden.parameters.declarations import declarations
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario, load_scenario
from steps import all_steps, run_steps, steps_for
from timing import per_call

N_BATCH = 100_000
NOT_VARIED = ("vehicles", "charging")  # their per-scenario paths do not fit in memory at 100k
ADDED_BUDGET_S = 0.001
RATIO_BUDGET = 1.5


def honest_batch(base: Scenario, n: int, rng: np.random.Generator) -> Params:
    """Every scalar parameter outside ``NOT_VARIED`` drawn around its default."""
    samples: dict[str, np.ndarray] = {}
    for name, decl in declarations().items():
        if decl.kind != "scalar" or name.split(".")[0] in NOT_VARIED:
            continue
        value = float(np.asarray(base.value(name)))
        if decl.integer:
            lo, hi = max(decl.min, value - 3), min(decl.max, value + 3)
            samples[name] = rng.integers(int(lo), int(hi) + 1, n).astype(float)
        else:
            lo, hi = sorted((0.8 * value, 1.2 * value))
            samples[name] = rng.uniform(max(decl.min, lo), min(decl.max, hi), n)
    return Params.from_samples(base, samples)


def timed_run(p: Params, steps: tuple[Step, ...] | None = None) -> tuple[float, float]:
    """Wall time of ``steps`` on ``p`` and of the minerals step within them [s]."""
    out = Outputs()
    minerals_s = 0.0
    start = time.perf_counter()
    for step in all_steps() if steps is None else steps:
        t = time.perf_counter()
        step(p, out)
        if step is minerals.step:
            minerals_s = time.perf_counter() - t
    return time.perf_counter() - start, minerals_s


def report(label: str, with_s: float, without_s: float) -> None:
    ratio = with_s / without_s
    verdict = "within" if ratio <= RATIO_BUDGET else "over"
    print(
        f"{label}: with {with_s:.2f} s, without {without_s:.2f} s, "
        f"ratio {ratio:.2f}x ({verdict} the {RATIO_BUDGET}x budget)",
        flush=True,
    )


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    base = load_scenario("proposal-2022")
    upto = steps_for("minerals.*")
    upto_without = tuple(s for s in upto if s is not minerals.step)

    one = Params.from_scenarios([base])
    for _ in range(50):
        run_steps(one, upto)
        run_steps(one, upto_without)
    t_with = statistics.median(per_call(lambda: run_steps(one, upto), 300) for _ in range(5))
    t_without = statistics.median(
        per_call(lambda: run_steps(one, upto_without), 300) for _ in range(5)
    )
    added = t_with - t_without
    print(f"one evaluation up to minerals: {1e3 * t_with:.3f} ms, without: {1e3 * t_without:.3f}")
    verdict = "within" if added <= ADDED_BUDGET_S else "over"
    print(f"the minerals step adds {1e3 * added:.3f} ms ({verdict} the 1 ms budget)", flush=True)

    import bench_evaluate

    foundation = Params.from_samples(
        base, bench_evaluate.samples(N_BATCH, np.random.default_rng(bench_evaluate.SEED))
    )
    whole = system.run(foundation)
    others = {k: v for k, v in whole.indicators.items() if not k.startswith(FOUNDATION_KEYS)}
    material = {k: whole.series[k] for k in bench_evaluate.MATERIAL_SERIES}
    del whole
    before = tuple(s for s in all_steps() if s.domain in bench_evaluate.FOUNDATION_STEPS)
    after = tuple(
        s for s in all_steps() if s.domain in (*bench_evaluate.FOUNDATION_STEPS, "minerals")
    )

    def run_before() -> Outputs:
        out = Outputs(dict(others))
        for key, value in material.items():
            out.serie(key, value)
        return run_steps(foundation, before, out)

    def run_after() -> Outputs:
        return run_steps(foundation, after, Outputs(dict(others)))

    times: dict[str, list[float]] = {"before": [], "after": []}
    fns = {"before": run_before, "after": run_after}
    for fn in fns.values():  # warm-up
        fn()
    for _ in range(5):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    reads, size = [], 0
    for _ in range(3):
        out = run_after()
        pending = out.series.pending()
        start = time.perf_counter()
        size = sum(out.series[key].nbytes for key in pending)
        reads.append(time.perf_counter() - start)
        del out
    read = statistics.median(reads)
    deferred = N_BATCH >= DEFER_SERIES_FROM
    varied_found = sum(1 for a in foundation.arrays.values() if a.shape[0] > 1)
    print(
        f"100k foundation batch (bench_evaluate, {varied_found} parameters varied), steps "
        f"{', '.join(s.name for s in after)}; series "
        f"{'deferred until read' if deferred else 'written directly'}:",
        flush=True,
    )
    report("  with minerals vs the foundation steps alone", med["after"], med["before"])
    with_read = (med["after"] + read) / med["before"]
    print(
        f"  reading the {len(pending)} deferred minerals series afterwards "
        f"({size / 1024**3:.2f} GiB): {read:.2f} s more (median of 3, fastest "
        f"{min(reads):.2f} s), {with_read:.2f}x the foundation alone. No budget: a batch "
        "asked for probabilities reads indicators; on this virtual machine, fresh memory makes "
        "the kernel time of a large read vary from 0.1 to 2 s",
        flush=True,
    )

    rng = np.random.default_rng(1)
    batch = honest_batch(base, N_BATCH, rng)
    varied = sum(1 for a in batch.arrays.values() if a.shape[0] > 1)
    print(f"100k batch varying {varied} scalar parameters across domains:", flush=True)
    try:
        totals, steps = [], []
        for _ in range(3):
            total, step = timed_run(batch)
            totals.append(total)
            steps.append(step)
        total, step = statistics.median(totals), statistics.median(steps)
        report("  every step", total, total - step)
    except Exception as exc:  # another domain may be mid-change; report it and go on
        print(f"  every step: skipped, {type(exc).__name__}: {exc}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)


# the foundation domains write these; the others (minerals among them, which the consistency reads)
# are given to both runs
FOUNDATION_KEYS = ("market.", "targets.", "capacity.", "finance.", "consistency.")


if __name__ == "__main__":
    main()
