"""The container the domain steps write into: indicators, yearly series and per-row values."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.model.cache import Cache


class _Deferred:
    """A group of series computed together, on the first read of any of them."""

    def __init__(
        self,
        keys: tuple[str, ...],
        make: Callable[[], Mapping[str, NDArray[np.float64]]],
        after: str | None,
    ):
        self.keys = keys
        self.make = make
        self.after = after  # the key the group's keys follow (None: they come first)


DEFER_SERIES_FROM = 1024
"""From this many scenarios in a batch on, a step that can (charging, minerals, carbon, carbon
abatement) computes its indicators on the years and options they read and defers its yearly
series with :meth:`Series.defer` until one is read (a large batch asked for probabilities reads
indicators only). Below it, the whole computation is cheaper than doing part of it twice. One
threshold for every step; each imports it (a test may set it on one step's module)."""


class Series(dict[str, NDArray[np.float64]]):
    """Yearly series by key; a group of series may be deferred until one of them is read.

    A step that can give its indicators without its full yearly series (a 100,000-scenario
    batch asked for probabilities needs the indicators only) registers the series with
    :meth:`defer`: reading any of them (``series[key]``, ``get``, iterating over items or
    values) runs the group's function once and keeps every series it returns. Keys, ``in``
    and ``len`` compute nothing, and keys keep the order in which they were written or
    deferred. Reading a series already there is a plain dict lookup.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: dict[str, _Deferred] = {}
        self._lock = threading.RLock()  # a group's function may read other series

    def defer(
        self, keys: Iterable[str], make: Callable[[], Mapping[str, NDArray[np.float64]]]
    ) -> None:
        """Register ``keys``, whose values ``make()`` returns (all of them, by key) when read."""
        keys = tuple(keys)
        taken = [k for k in keys if k in self]
        if taken:
            raise ValueError(f"series already written or deferred: {taken}")
        last = next(reversed(self), None) if self else None
        group = _Deferred(keys, make, last)
        for key in keys:
            self._pending[key] = group

    def pending(self) -> tuple[str, ...]:
        """The keys not computed yet."""
        return tuple(k for k in self._pending if not dict.__contains__(self, k))

    def __missing__(self, key: str) -> NDArray[np.float64]:
        with self._lock:
            group = self._pending.get(key)
            if group is None:
                if dict.__contains__(self, key):  # computed by another thread meanwhile
                    return dict.__getitem__(self, key)
                raise KeyError(key)
            made = group.make()
            missing = set(group.keys) - set(made)
            if missing:
                raise RuntimeError(f"deferred series not computed: {sorted(missing)}")
            order = list(self)  # the order the keys have before the group is written
            values = dict(dict.items(self))
            for k in group.keys:
                del self._pending[k]
                if k not in values:  # a series written after the deferral is kept
                    values[k] = _as_series(made[k])
            dict.clear(self)
            dict.update(self, ((k, values[k]) for k in order if k in values))
            return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self._pending

    def __len__(self) -> int:
        return dict.__len__(self) + len(self.pending())

    def __iter__(self) -> Iterator[str]:
        if not self._pending:
            return dict.__iter__(self)
        return iter(self._ordered_keys())

    def _ordered_keys(self) -> list[str]:
        """Written keys in order, each deferred group right after the key it followed."""
        groups: dict[str | None, list[_Deferred]] = {}
        for g in dict.fromkeys(self._pending.values()):  # each group once, in order
            after = g.after if g.after is None or dict.__contains__(self, g.after) else None
            groups.setdefault(after, []).append(g)
        out = [k for g in groups.get(None, []) for k in g.keys]
        for key in dict.__iter__(self):
            if key not in self._pending:  # else written after its deferral: in its group's place
                out.append(key)
            out.extend(k for g in groups.get(key, []) for k in g.keys)
        return out

    def keys(self) -> Any:
        return self._ordered_keys() if self._pending else dict.keys(self)

    def items(self) -> Any:
        return [(k, self[k]) for k in self] if self._pending else dict.items(self)

    def values(self) -> Any:
        return [self[k] for k in self] if self._pending else dict.values(self)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default  # noqa: SIM401 (computes a deferred key)


def _as_series(value: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=float)
    return arr if arr.ndim == 2 else arr[None, :]


@dataclass
class Outputs:
    """What one evaluation produced, before labelling.

    - ``indicators[key]``: shape ``(k,)`` — one number per scenario;
    - ``series[key]``: shape ``(k, years)`` — one number per scenario and year (possibly
      computed on first read, see :class:`Series`);
    - ``rows[key]``: shape ``(k, rows)`` — one number per scenario and table row.

    ``k`` is 1 when the value is the same for every scenario of the batch, else n.
    ``cache`` is the evaluation's :class:`~chikuden.model.cache.Cache` (steps keep what they
    derive from parameters alone there; ``system.run`` sets the one it is given).
    """

    indicators: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    series: Series = field(default_factory=Series)
    rows: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    cache: Cache = field(default_factory=Cache, repr=False, compare=False)

    def indicator(self, key: str, value: NDArray[np.float64] | NDArray[np.bool_] | float) -> None:
        arr = np.asarray(value, dtype=float)
        self.indicators[key] = arr.reshape(-1) if arr.ndim else arr[None]

    def serie(self, key: str, value: NDArray[np.floating[Any]]) -> None:
        self.series[key] = _as_series(value)
