"""Sizing 10,000 charging sites at once against a peer Erlang C called one site at a time, and
the cost of the demand-and-infrastructure steps in one evaluation.

Targets: 10,000 sites in <= 200 ms; the issue's six steps (vehicles, charging, freight,
stationary, workforce, regulation) add at most 1 ms to one evaluation (measured as
``chikuden.model.system.run`` with and without them; nothing after them reads their
outputs). The peer is ``pyworkforce.queuing.ErlangC`` (PyPI):
for each site it walks the number of chargers up from the stability minimum until its
probability of waiting meets the target. Both answers are compared before timing is printed.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

import numpy as np

N_SITES = 10_000
TARGET_P_WAIT = 0.05
SIZING_TARGET_S = 0.200
STEP_TARGET_S = 0.001


def best_of(fn: Callable[[], object], runs: int) -> float:
    """Shortest wall time of ``runs`` calls [s] (after one warm-up call)."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def sites(n: int, seed: int = 2022) -> tuple[np.ndarray, np.ndarray]:
    """Peak-hour arrivals [1/h] and charging times [h] of ``n`` made-up sites."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 60.0, n), rng.uniform(15.0, 40.0, n) / 60.0


def peer_size(arrivals: np.ndarray, service_h: np.ndarray) -> np.ndarray | None:
    """Chargers per site from pyworkforce's ErlangC, one site at a time (None if missing)."""
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        return None
    out = np.empty(arrivals.size)
    for i, (lam, s) in enumerate(zip(arrivals, service_h, strict=True)):
        erlang = ErlangC(transactions=float(lam), aht=float(s) * 60.0, asa=1e-9, interval=60)
        c = math.floor(erlang.intensity) + 1
        while erlang.waiting_probability(c) > TARGET_P_WAIT:
            c += 1
        out[i] = c
    return out


def main() -> None:
    import chikuden
    from chikuden.model import (
        charging,
        freight,
        regulation,
        stationary,
        system,
        vehicles,
        workforce,
    )
    from chikuden.model.charging import queueing
    from chikuden.parameters.params import Params
    from steps import all_steps, run_steps

    arrivals, service_h = sites(N_SITES)

    def ours() -> queueing.QueueResult:
        return queueing.size(arrivals, service_h, max_wait_probability=TARGET_P_WAIT)

    vec_s = best_of(ours, 5)
    print(f"{'chikuden queueing.size':<34}{vec_s * 1000:9.2f} ms  ({N_SITES} sites at once)")
    start = time.perf_counter()
    peer = peer_size(arrivals, service_h)
    peer_s = time.perf_counter() - start
    if peer is None:
        print("pyworkforce is not installed: pip install pyworkforce to compare with a peer")
    else:
        same = np.array_equal(peer, ours().servers)
        print(f"{'pyworkforce ErlangC, one by one':<34}{peer_s * 1000:9.2f} ms  (same: {same})")
        print(f"{'ratio peer / chikuden':<34}{peer_s / vec_s:9.1f} x")
    verdict = "holds" if vec_s <= SIZING_TARGET_S else "MISSED"
    print(f"target {SIZING_TARGET_S * 1000:.0f} ms for {N_SITES} sites: {verdict}")

    scenario = chikuden.load_scenario()
    p = Params.from_scenarios([scenario])
    issue = {vehicles.step, charging.step, freight.step, stationary.step, workforce.step}
    issue.add(regulation.step)
    without = tuple(step for step in all_steps() if step not in issue)
    with_s = statistics.median([best_of(lambda: system.run(p), 50) for _ in range(3)])
    without_s = statistics.median([best_of(lambda: run_steps(p, without), 50) for _ in range(3)])
    added = with_s - without_s
    print(f"{'one evaluation, every step':<34}{with_s * 1000:9.3f} ms")
    print(f"{'without the six steps':<34}{without_s * 1000:9.3f} ms")
    print(f"{'the six steps add':<34}{added * 1000:9.3f} ms")
    verdict = "holds" if added <= STEP_TARGET_S else "MISSED"
    print(f"target {STEP_TARGET_S * 1000:.1f} ms added by the six steps: {verdict}")


if __name__ == "__main__":
    main()
