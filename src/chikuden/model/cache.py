"""What an evaluation keeps for later evaluations: one explicit, bounded, thread-safe cache.

A step that derives something costly from parameters alone (the minerals step's chemistry,
supply structure and lifetime matrices, :func:`chikuden.model.minerals.state.prepared`) asks
the evaluation's cache for it by a key that holds every input by value, and makes it on a miss.
``system.run`` creates a cache when it is given none, so an evaluation on its own shares
nothing with any other; a caller that evaluates many times (a sweep, the simulator) creates one
``Cache`` and passes it to every evaluation. There is no module-level cache in the model.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class CacheStats:
    """Lookups so far: found (hits), made (misses) and entries dropped (evictions)."""

    hits: int
    misses: int
    evictions: int
    entries: int


class Cache:
    """Values by key, least recently used dropped beyond ``max_entries``.

    The default keeps two whole evaluations: an evaluation given a cache keeps each step's
    outputs (29 steps) and the minerals preparation (:func:`chikuden.model.system.run`); with
    fewer entries than that, an evaluation drops what the one before kept and finds nothing.

    Keys must hold every input of the value by value (bytes of arrays, not their ids). Values
    are shared by every later lookup: keep them read-only.
    """

    def __init__(self, max_entries: int = 64) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries = {max_entries}: a cache keeps at least 1 entry")
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = self._evictions = 0

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept under ``key``, or ``make()`` kept under it.

        ``make`` runs outside the lock (two threads missing the same key may both make it;
        the later one is kept), so a slow value does not hold up other lookups.
        """
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self._hits += 1
                found: T = self._values[key]
                return found
            self._misses += 1
        made = make()
        with self._lock:
            self._values[key] = made
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)
                self._evictions += 1
        return made

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, self._evictions, len(self._values))

    def __len__(self) -> int:
        return len(self._values)
