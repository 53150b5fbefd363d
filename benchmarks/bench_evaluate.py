"""Evaluation speed: one scenario, and a batch of 100,000 scenarios.

- One scenario: median time of ``chikuden.evaluate(scenario)`` (the whole model) against the
  lower bound of a numpy call that does nothing (``np.add`` on one-element arrays).
- A batch of 100,000 scenarios built with ``Params.from_samples`` that varies every scalar
  parameter of the foundation domains (market, targets, capacity, finance) uniformly within
  its declared range (seeded): the foundation steps (market, capacity, finance, consistency) alone,
  median time of 3 runs and peak memory (tracemalloc, numpy's buffers included), given the
  other domains' indicators (consistency reads one of the minerals step's); then the whole
  model (``chikuden.evaluate``) once, with its peak memory, against 200 of the same scenarios
  evaluated one at a time (extrapolated).

Targets (the foundation issue): one scenario <= 2 ms median; 100,000 scenarios through the
foundation steps <= 2 s and <= 2 GB. Per-step times show where the time goes. The load
average is printed: on a shared machine, other processes slow every number down.
"""

from __future__ import annotations

import math
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

import chikuden
from chikuden.model import system
from chikuden.model.cache import Cache
from chikuden.model.outputs import Outputs
from chikuden.parameters import Params, Scenario, declarations
from chikuden.parameters.declarations import parameter_rules
from steps import all_steps

N_BATCH = 100_000
N_ONE_BY_ONE = 200
SEED = 20220601  # the day the proposal was handed over
FOUNDATION = ("market", "targets", "capacity", "finance")
FOUNDATION_STEPS = ("market", "capacity", "finance", "consistency")
FOUNDATION_REPEAT = 3
# what finance reads from the minerals step: the material cost of cells made in Japan and of the
# global mix behind the average cell price
MATERIAL_SERIES = (
    "minerals.material_cost_usd_per_kwh",
    "minerals.material_cost_reference_usd_per_kwh",
)
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
    # a target is a share or GWh (rules of kind exclusive): each scenario keeps one, drawn
    for rule in parameter_rules():
        if rule.kind == "exclusive" and all(f in out for f in rule.fields):
            kept = rng.integers(0, len(rule.fields), n)
            for i, f in enumerate(rule.fields):
                out[f] = np.where(kept == i, out[f], 0.0)
    return out


def _verdict(ok: bool) -> str:
    return "holds" if ok else "MISSED"


def bench_single(scenario: Scenario) -> None:
    one = np.ones(1)
    floor = _median_time(lambda: np.add(one, one), repeat=20_000)
    median = _median_time(lambda: chikuden.evaluate(scenario), repeat=300)
    params = Params.from_scenarios([scenario])
    steps = _step_times(params, repeat=300)
    shared = Cache()
    with_cache = _median_time(lambda: chikuden.evaluate(scenario, cache=shared), repeat=300)
    print(f"one scenario, chikuden.evaluate (whole model): median {median * 1e3:.3f} ms")
    print(f"  lower bound, a no-op numpy call: {floor * 1e6:.2f} us -> ratio {median / floor:,.0f}")
    print(
        f"  with one Cache across the calls (as a sweep or the simulator passes): median "
        f"{with_cache * 1e3:.3f} ms (what parameters alone give, e.g. the minerals state, is "
        "kept between evaluations only in a cache the caller owns)"
    )
    print(f"  model steps alone {sum(steps.values()) * 1e3:.3f} ms; {_top(steps, 1e3, 'ms')}")
    found = sum(t for name, t in steps.items() if name.split(".")[0] in FOUNDATION_STEPS)
    print(f"  foundation steps (market, capacity, finance, consistency): {found * 1e3:.3f} ms")
    ok = found <= SINGLE_TARGET_S
    print(f"  target, foundation <= {SINGLE_TARGET_S * 1e3:.0f} ms: {_verdict(ok)}")
    # Each later issue (minerals, carbon, demand and infrastructure) may add at most 1 ms.
    whole = SINGLE_TARGET_S + 3e-3
    verdict = _verdict(median <= whole)
    print(f"  budget, whole model <= {whole * 1e3:.0f} ms (2 + 1 + 1 + 1): {verdict}")


def _step_times(params: Params, repeat: int) -> dict[str, float]:
    """Median time of each domain step on ``params`` (steps run in model order)."""
    times: dict[str, list[float]] = {step.name: [] for step in all_steps()}
    for _ in range(repeat):
        out = Outputs()
        for step in all_steps():
            start = time.perf_counter()
            step(params, out)
            times[step.name].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def _top(times: dict[str, float], scale: float, unit: str, n: int = 5) -> str:
    ranked = sorted(times.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{k} {v * scale:.3f} {unit}" for k, v in ranked)


def _foundation(params: Params, given: Outputs) -> dict[str, float]:
    """Run the foundation steps in model order on ``params``; the time of each [s].

    given : outputs of the other steps, of which the foundation steps read what they need
    """
    out = Outputs(dict(given.indicators), rows=dict(given.rows))
    out.series.update(given.series)
    times = {}
    for step in all_steps():
        if step.domain in FOUNDATION_STEPS:
            start = time.perf_counter()
            step(params, out)
            times[step.name] = time.perf_counter() - start
    return times


def bench_batch(scenario: Scenario) -> None:
    draws = samples(N_BATCH, np.random.default_rng(SEED))
    start = time.perf_counter()
    params = Params.from_samples(scenario, draws)
    build = time.perf_counter() - start
    chikuden.evaluate(Params.from_samples(scenario, {k: v[:10] for k, v in draws.items()}))
    load = os.getloadavg()

    # the foundation steps alone, given what they read from the other domains: the minerals
    # step's indicators (audit) and its material cost of cells by year (finance's cell cost)
    own = tuple(f"{name}." for name in (*FOUNDATION, "audit"))  # consistency writes audit.*
    whole = system.run(params)
    given = Outputs({k: v for k, v in whole.indicators.items() if not k.startswith(own)})
    for material in MATERIAL_SERIES:
        given.serie(material, whole.series[material])
    del whole
    runs = [_foundation(params, given) for _ in range(FOUNDATION_REPEAT)]
    found = statistics.median(sum(r.values()) for r in runs)
    found_steps = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    tracemalloc.start()
    _foundation(params, given)
    _, found_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del given

    # the whole model
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
        f"({', '.join(FOUNDATION)}) uniformly in their declared ranges, seed {SEED} "
        f"(load average {load[0]:.2f} on {os.cpu_count()} CPUs):"
    )
    print(f"  Params.from_samples {build:.3f} s")
    print(
        f"  foundation steps ({', '.join(FOUNDATION_STEPS)}) alone: median {found:.3f} s "
        f"of {FOUNDATION_REPEAT} runs ({_top(found_steps, 1.0, 's', n=4)}); "
        f"peak memory {found_peak / 1024**2:,.0f} MiB"
    )
    print(
        f"  whole model, chikuden.evaluate: {elapsed:.3f} s; peak memory {peak / 1024**2:,.0f} MiB"
    )
    print(f"    steps: {_top(steps, 1.0, 's', n=6)}")
    print(
        f"  one at a time ({N_ONE_BY_ONE} timed, extrapolated to {N_BATCH:,}): "
        f"{one_by_one:,.1f} s -> whole-model batch speed-up {one_by_one / elapsed:,.0f}x"
    )
    finite = np.isfinite(result.indicators["finance.plant_irr_with_support"]).mean()
    print(f"  plant IRR with support found in {finite:.1%} of scenarios")
    ok_time = found <= BATCH_TARGET_S
    ok_memory = found_peak <= BATCH_TARGET_BYTES
    print(f"  target, foundation steps <= {BATCH_TARGET_S:.0f} s: {_verdict(ok_time)}")
    print(
        f"  target, foundation steps <= {BATCH_TARGET_BYTES / 1024**3:.0f} GiB: "
        f"{_verdict(ok_memory)}"
    )


def main() -> None:
    scenario = chikuden.load_scenario()
    bench_single(scenario)
    bench_batch(scenario)


if __name__ == "__main__":
    main()
