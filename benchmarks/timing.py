"""Timing helpers shared by the benchmarks (wall time, best or median of repeats)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def best(fn: Callable[[], object], repeat: int) -> float:
    """Shortest of ``repeat`` timed calls [s]: the least disturbed by other load."""
    fastest = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def per_call(fn: Callable[[], object], number: int, repeat: int = 5) -> float:
    """Best time of ``number`` back-to-back calls, per call [s]."""
    return best(lambda: [fn() for _ in range(number)], repeat) / number


def median(fn: Callable[[], object], repeat: int, warmup: int = 5) -> float:
    """Median of ``repeat`` timed calls after ``warmup`` untimed ones [s]."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
