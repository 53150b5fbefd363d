"""Evaluation speed: one scenario, and a batch of 100,000 scenarios.

- One scenario: median time of ``chikuden.evaluate(scenario)`` (the whole model) against the
  lower bound of a numpy call that does nothing (``np.add`` on one-element arrays).
- A batch of 100,000 scenarios built with ``Params.from_samples`` that varies every scalar
  parameter of the foundation domains (market, targets, capacity, finance) uniformly within
  its declared range (seeded), timed with its peak memory (tracemalloc, numpy's buffers
  included), against 200 of the same scenarios evaluated one at a time (extrapolated).

Targets (the foundation issue): one scenario <= 2 ms median; 100,000 scenarios <= 2 s and
<= 2 GB. Per-step times show where the time goes.
"""

from __future__ import annotations

import math
import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

import chikuden
from chikuden.model import system
from chikuden.model.outputs import Outputs
from chikuden.parameters import Params, Scenario, declarations

N_BATCH = 100_000
N_ONE_BY_ONE = 200
SEED = 20220601  # the day the proposal was handed over
FOUNDATION = ("market", "targets", "capacity", "finance")
SINGLE_TARGET_S = 2e-3
BATCH_TARGET_S = 2.0
BATCH_TARGET_BYTES = 2 * 1024**3


def _median_time(fn: Callable[[], object], repeat: int, warmup: int = 5) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def samples(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Uniform draws of every finite-range scalar parameter of the foundation domains."""
    out: dict[str, np.ndarray] = {}
    for name, decl in declarations().items():
        if decl.kind != "scalar" or decl.domain not in FOUNDATION:
            continue
        if not (math.isfinite(decl.min) and math.isfinite(decl.max)):
            continue
        if decl.integer:
            out[name] = rng.integers(int(decl.min), int(decl.max) + 1, n).astype(float)
        else:
            out[name] = rng.uniform(decl.min, decl.max, n)
    return out


def _verdict(ok: bool) -> str:
    return "holds" if ok else "MISSED"


def bench_single(scenario: Scenario) -> None:
    one = np.ones(1)
    floor = _median_time(lambda: np.add(one, one), repeat=20_000)
    median = _median_time(lambda: chikuden.evaluate(scenario), repeat=300)
    params = Params.from_scenarios([scenario])
    steps = _step_times(params, repeat=300)
    print(f"one scenario, chikuden.evaluate (whole model): median {median * 1e3:.3f} ms")
    print(f"  lower bound, a no-op numpy call: {floor * 1e6:.2f} us -> ratio {median / floor:,.0f}")
    print(f"  model steps alone {sum(steps.values()) * 1e3:.3f} ms; {_top(steps, 1e3, 'ms')}")
    found = sum(
        t for name, t in steps.items() if name in ("market", "capacity", "finance", "audit")
    )
    print(f"  foundation steps (market, capacity, finance, audit): {found * 1e3:.3f} ms")
    ok = median <= SINGLE_TARGET_S
    print(f"  target <= {SINGLE_TARGET_S * 1e3:.0f} ms median: {_verdict(ok)}")


def _step_times(params: Params, repeat: int) -> dict[str, float]:
    """Median time of each domain step on ``params`` (steps run in model order)."""
    times: dict[str, list[float]] = {
        step.__module__.rsplit(".", 1)[-1]: [] for step in system.STEPS
    }
    for _ in range(repeat):
        out = Outputs()
        for step in system.STEPS:
            start = time.perf_counter()
            step(params, out)
            times[step.__module__.rsplit(".", 1)[-1]].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def _top(times: dict[str, float], scale: float, unit: str, n: int = 5) -> str:
    ranked = sorted(times.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{k} {v * scale:.3f} {unit}" for k, v in ranked)


def bench_batch(scenario: Scenario) -> None:
    draws = samples(N_BATCH, np.random.default_rng(SEED))
    start = time.perf_counter()
    params = Params.from_samples(scenario, draws)
    build = time.perf_counter() - start
    chikuden.evaluate(Params.from_samples(scenario, {k: v[:10] for k, v in draws.items()}))
    start = time.perf_counter()
    result = chikuden.evaluate(params)
    elapsed = time.perf_counter() - start
    steps = _step_times(params, repeat=1)
    tracemalloc.start()
    chikuden.evaluate(params)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    start = time.perf_counter()
    for i in range(N_ONE_BY_ONE):
        chikuden.evaluate(
            Params.from_samples(scenario, {k: v[i : i + 1] for k, v in draws.items()})
        )
    one_by_one = (time.perf_counter() - start) / N_ONE_BY_ONE * N_BATCH

    print(
        f"batch of {N_BATCH:,} scenarios varying {len(draws)} scalar parameters "
        f"({', '.join(FOUNDATION)}) uniformly in their declared ranges, seed {SEED}:"
    )
    print(f"  Params.from_samples {build:.3f} s; evaluate {elapsed:.3f} s")
    print(f"  steps: {_top(steps, 1.0, 's', n=6)}")
    found = sum(
        t for name, t in steps.items() if name in ("market", "capacity", "finance", "audit")
    )
    print(f"  foundation steps (market, capacity, finance, audit): {found:.3f} s")
    print(f"  peak memory of evaluate (tracemalloc): {peak / 1024**2:,.0f} MiB")
    print(
        f"  one at a time ({N_ONE_BY_ONE} timed, extrapolated to {N_BATCH:,}): "
        f"{one_by_one:,.1f} s -> batch speed-up {one_by_one / elapsed:,.0f}x"
    )
    finite = np.isfinite(result.indicators["finance.plant_irr_with_support"]).mean()
    print(f"  plant IRR with support found in {finite:.1%} of scenarios")
    ok_time = elapsed <= BATCH_TARGET_S
    ok_memory = peak <= BATCH_TARGET_BYTES
    print(f"  target <= {BATCH_TARGET_S:.0f} s: {_verdict(ok_time)}")
    print(f"  target <= {BATCH_TARGET_BYTES / 1024**3:.0f} GiB: {_verdict(ok_memory)}")


def main() -> None:
    scenario = chikuden.load_scenario()
    bench_single(scenario)
    bench_batch(scenario)


if __name__ == "__main__":
    main()
