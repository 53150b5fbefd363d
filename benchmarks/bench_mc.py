"""``chikuden mc`` throughput and memory (issue 15).

100,000 samples of the bundled distributions around actual-2025 in chunks of 10,000, the
default outputs: samples per second and peak traced memory (tracemalloc; numpy reports its
arrays to it). The lower bound, in the same run: the model alone evaluating the same number of
samples in the same chunks (the batch built from arrays drawn beforehand, no sampling, no
statistics), and its peak memory for one chunk. Prints both and the ratios.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from chikuden.parameters.params import Params
from chikuden.parameters.scenario import load_scenario
from chikuden.results import evaluate, output_keys
from chikuden.uncertainty import montecarlo
from chikuden.uncertainty.distributions import default_spec

N = 100_000
CHUNK = 10_000


def _measure(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall time [s] and peak traced memory [MB] of one call."""
    tracemalloc.start()
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    scenario = load_scenario("actual-2025")
    spec = default_spec()
    keys = output_keys(list(montecarlo.DEFAULT_OUTPUTS))
    wanted = sorted({*keys, *(t.against for t in montecarlo.TARGETS if isinstance(t.against, str))})
    rng = np.random.default_rng(0)
    drawn = {n: d.ppf(rng.random(CHUNK)) for n, d in spec.distributions.items()}

    def bare() -> None:
        for _ in range(N // CHUNK):
            evaluate(Params.from_samples(scenario, drawn), outputs=wanted)

    def run() -> None:
        montecarlo.run(scenario, N, seed=1, chunk=CHUNK)

    montecarlo.run(scenario, 2 * montecarlo.CHUNK // 100, seed=0)  # warm caches and imports
    t_bare, m_bare = _measure(bare)
    t_run, m_run = _measure(run)
    print(
        f"model alone, {N:,} samples in chunks of {CHUNK:,}: {N / t_bare:,.0f} samples/s, "
        f"peak {m_bare:.0f} MB"
    )
    print(
        f"chikuden mc, {N:,} samples (mc, default outputs): {N / t_run:,.0f} samples/s, "
        f"peak {m_run:.0f} MB"
    )
    print(f"ratio to the lower bound: time {t_run / t_bare:.2f}x, memory {m_run / m_bare:.2f}x")
    t_lhs, m_lhs = _measure(lambda: montecarlo.run(scenario, N, seed=1, method="lhs"))
    print(f"chikuden mc --method lhs: {N / t_lhs:,.0f} samples/s, peak {m_lhs:.0f} MB")


if __name__ == "__main__":
    main()
