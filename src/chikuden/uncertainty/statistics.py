"""Streaming statistics: quantiles by a mergeable log-binned histogram, means, and the share of
samples meeting a target.

:class:`Sketch` keeps, for each of ``m`` columns (an indicator, or one year of a series), the
counts of values in fixed logarithmic bins, one set for positive and one for negative values
(the DDSketch layout of Masson, Rim and Lee, VLDB 2019): bin ``k`` holds magnitudes in
``(gamma^(k-1), gamma^k]`` with ``gamma = (1 + alpha) / (1 - alpha)``, and is read as
``2 gamma^k / (gamma + 1)``, which is within ``alpha`` (relative) of every value in the bin.

The error bound: for ``q`` in [0, 1] and ``n`` finite values, :meth:`Sketch.quantile` returns a
value within ``alpha |x|`` of ``x``, the order statistic at rank ``floor(q (n - 1))`` (counting
from 0; numpy's ``quantile(..., method="lower")``), provided ``|x|`` lies in
``[MIN_MAGNITUDE, MAX_MAGNITUDE]``. Magnitudes below :data:`MIN_MAGNITUDE` count as 0 (an
absolute error below 1e-9); magnitudes above :data:`MAX_MAGNITUDE` go to the last bin and are
counted in :attr:`Sketch.clamped` (then the bound does not hold, and the report says so).
NaN (an indicator undefined for a sample) is counted apart and left out of the quantiles.
The exact smallest and largest values are kept too: the 0 and 1 quantiles are exact, and every
other is clipped to them (which only brings it nearer: one repeated value gives that value).

With the default ``alpha = 0.005`` there are 6,218 bins per sign and column: 100 kB per column
whatever the number of samples. Two sketches of the same shape merge by adding counts, so the
result is the same whatever the chunking (counts are integers).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

ALPHA = 0.005
"""Relative error of a quantile (see the module's docstring)."""
MIN_MAGNITUDE = 1e-9
MAX_MAGNITUDE = 1e18


@dataclass
class Summary:
    """What a :class:`Sketch` of ``columns`` columns adds for some values (one chunk of a run,
    or several chunks together): the bin counts as the slots they touch, and the other
    statistics of each column.

    The counts are sparse: a chunk of 4,096 samples of 472 indicators touches about 40,000 of
    the 5.9 million slots (47 MB dense), so this is what a Dask worker sends back, and
    :meth:`Sketch.absorb` adds it into the run's counts in place. ``totals`` keeps each chunk's
    sums apart, one row a chunk in chunk order, so that a run adds the same numbers in the same
    order however its chunks were grouped (sums of floats depend on their order; counts,
    extremes and the other integers do not).
    """

    columns: int
    alpha: float
    slots: NDArray[np.intp]
    """Flat indices into :attr:`Sketch.counts` (``column * width + slot``), each once."""
    counts: NDArray[np.int64]
    """The number of values in each of :attr:`slots`."""
    nan: NDArray[np.int64]
    clamped: NDArray[np.int64]
    totals: NDArray[np.float64]
    """Sums of the finite values, ``(chunks, columns)``: one row per chunk, in order."""
    count: NDArray[np.int64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]

    def combine(self, other: Summary) -> Summary:
        """This summary and ``other`` (the chunks after this one's) as one."""
        if (other.columns, other.alpha) != (self.columns, self.alpha):
            raise ValueError("summaries of different shape or alpha do not combine")
        slots, where = np.unique(np.concatenate([self.slots, other.slots]), return_inverse=True)
        counts = np.zeros(len(slots), dtype=np.int64)
        np.add.at(counts, where, np.concatenate([self.counts, other.counts]))
        return Summary(
            self.columns,
            self.alpha,
            slots,
            counts,
            self.nan + other.nan,
            self.clamped + other.clamped,
            np.concatenate([self.totals, other.totals]),
            self.count + other.count,
            np.minimum(self.low, other.low),
            np.maximum(self.high, other.high),
        )


class Bins:
    """The bins of relative error ``alpha`` (the slots of one column, see the module's
    docstring), and the binning of values into them (:meth:`summary`)."""

    def __init__(self, alpha: float = ALPHA) -> None:
        self.alpha = alpha
        self.gamma = (1 + alpha) / (1 - alpha)
        self.log_gamma = math.log(self.gamma)
        self.k_min = math.ceil(math.log(MIN_MAGNITUDE) / self.log_gamma)
        self.k_max = math.ceil(math.log(MAX_MAGNITUDE) / self.log_gamma)
        self.bins = self.k_max - self.k_min + 1
        # A column's slots, from the most negative bin to the most positive: negative bins
        # k_max .. k_min, zero, positive bins k_min .. k_max (what Sketch.quantile reads), and
        # one more slot for the values not binned (NaN, inf).
        self.width = 2 * self.bins + 2

    def slots(self, x: NDArray[np.float64], finite: bool = False) -> NDArray[np.intp]:
        """The slot of each value in its column's row (NaN and inf: the last slot, the one
        quantiles do not read). ``finite``: the caller knows every value is finite. The slot
        never decreases as the value grows."""
        mag = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.log(mag)
            k /= self.log_gamma
            np.ceil(k, out=k)
        np.clip(k, self.k_min, self.k_max, out=k)
        k -= self.k_min - 1  # 1 .. bins
        np.copysign(k, x, out=k)  # -bins .. -1 negative, 1 .. bins positive
        k += self.bins
        k[mag < MIN_MAGNITUDE] = self.bins  # counted as zero
        if not finite:
            k[~np.isfinite(x)] = self.width - 1
        return k.astype(np.intp)

    def summary(self, rows: NDArray[np.float64]) -> Summary:
        """The statistics of ``rows``, shape ``(columns, n)``: row ``j`` holds the ``n`` values
        of column ``j`` (the layout in which each column's values lie together).

        A column whose ``n`` values are one and the same finite number (a figure no sampled
        parameter moves) puts ``n`` in that number's slot; the others are binned value by value
        and counted by one ``bincount`` over the slots from each column's lowest to its highest
        (the columns' spans one after the other), never over whole rows of 12,438 slots.
        """
        x = np.asarray(rows, dtype=np.float64)
        columns, n = x.shape
        finite = np.isfinite(x)
        defined = finite.sum(axis=1)
        with np.errstate(invalid="ignore"):  # inf - inf: those columns are summed again
            total = x.sum(axis=1)
        low = x.min(axis=1, initial=np.inf)
        high = x.max(axis=1, initial=-np.inf)
        bad = np.flatnonzero(defined < n)  # the columns with NaN or inf: their finite values
        whole = not bad.size
        if not whole:
            y, ok = x[bad], finite[bad]
            total[bad] = np.where(ok, y, 0.0).sum(axis=1)
            low[bad] = np.where(ok, y, np.inf).min(axis=1, initial=np.inf)
            high[bad] = np.where(ok, y, -np.inf).max(axis=1, initial=-np.inf)
        clamped = np.zeros(columns, dtype=np.int64)
        seen = defined > 0
        if (
            not (np.abs(low[seen]) <= MAX_MAGNITUDE).all()
            or not (np.abs(high[seen]) <= MAX_MAGNITUDE).all()
        ):
            clamped += (finite & (np.abs(x) > MAX_MAGNITUDE)).sum(axis=1)
        same = (low == high) & (defined == n)
        at = np.flatnonzero(same)
        slots = [self.slots(low[at], finite=True) + at * self.width]
        counts = [np.full(len(at), n, dtype=np.int64)]
        varied = np.flatnonzero(~same) if n else np.zeros(0, dtype=np.intp)
        if varied.size:
            k = self.slots(x[varied], finite=whole)  # (columns that vary, n)
            lo = k.min(axis=1)
            span = k.max(axis=1) - lo + 1
            offset = np.cumsum(span) - span
            k += (offset - lo)[:, None]
            binned = np.bincount(k.reshape(-1), minlength=int(span.sum()))
            hit = np.flatnonzero(binned)
            row = np.searchsorted(offset, hit, side="right") - 1
            slots.append(varied[row] * self.width + lo[row] + (hit - offset[row]))
            counts.append(binned[hit])
        flat = np.concatenate(slots)
        order = np.argsort(flat)
        return Summary(
            columns,
            self.alpha,
            flat[order],
            np.concatenate(counts)[order],
            n - defined,
            clamped,
            total[None, :],
            defined,
            low,
            high,
        )


@functools.cache
def bins_for(alpha: float = ALPHA) -> Bins:
    """The :class:`Bins` of ``alpha`` (one per process)."""
    return Bins(alpha)


def summary(rows: NDArray[np.float64], alpha: float = ALPHA) -> Summary:
    """The statistics of ``rows`` (``(columns, n)``) that a :class:`Sketch` adds."""
    return bins_for(alpha).summary(rows)


class Sketch:
    """Mergeable quantile sketch of ``columns`` independent columns of values."""

    def __init__(self, columns: int, alpha: float = ALPHA) -> None:
        layout = bins_for(alpha)
        self.columns = columns
        self.alpha = alpha
        self.gamma = layout.gamma
        self.k_min, self.k_max, self.bins = layout.k_min, layout.k_max, layout.bins
        self.counts = np.zeros((columns, layout.width), dtype=np.int64)
        self.nan = np.zeros(columns, dtype=np.int64)
        self.clamped = np.zeros(columns, dtype=np.int64)
        self.total = np.zeros(columns)
        self.count = np.zeros(columns, dtype=np.int64)
        self.low = np.full(columns, np.inf)
        self.high = np.full(columns, -np.inf)

    @property
    def positive(self) -> NDArray[np.int64]:
        """Counts of the positive bins ``k_min .. k_max``, ``(columns, bins)`` (a view)."""
        return self.counts[:, self.bins + 1 : 2 * self.bins + 1]

    @property
    def negative(self) -> NDArray[np.int64]:
        """Counts of the negative bins ``k_min .. k_max`` by magnitude (a view)."""
        return self.counts[:, self.bins - 1 :: -1]

    @property
    def zero(self) -> NDArray[np.int64]:
        """Counts of the magnitudes below :data:`MIN_MAGNITUDE` (a view)."""
        return self.counts[:, self.bins]

    def add(self, values: NDArray[np.float64]) -> None:
        """Count ``values`` of shape ``(n, columns)`` (or ``(n,)`` for one column)."""
        x = np.asarray(values, dtype=np.float64).reshape(len(values), self.columns)
        self.absorb(summary(x.T, self.alpha))

    def absorb(self, part: Summary) -> None:
        """Add ``part`` (the same columns and alpha) to this sketch, in place."""
        if (part.columns, part.alpha) != (self.columns, self.alpha):
            raise ValueError("sketches of different shape or alpha do not merge")
        self.counts.reshape(-1)[part.slots] += part.counts  # each slot once: no np.add.at
        self.nan += part.nan
        self.clamped += part.clamped
        self.count += part.count
        for total in part.totals:  # chunk by chunk, in order (see Summary)
            self.total += total
        np.minimum(self.low, part.low, out=self.low)
        np.maximum(self.high, part.high, out=self.high)

    def as_summary(self) -> Summary:
        """This sketch's statistics as a :class:`Summary` (its sums as one chunk's)."""
        flat = self.counts.reshape(-1)
        at = np.flatnonzero(flat)
        return Summary(
            self.columns,
            self.alpha,
            at,
            flat[at],
            self.nan.copy(),
            self.clamped.copy(),
            self.total[None, :].copy(),
            self.count.copy(),
            self.low.copy(),
            self.high.copy(),
        )

    def merge(self, other: Sketch) -> None:
        """Add the counts of ``other`` (same columns and alpha) to this sketch, in place."""
        self.absorb(other.as_summary())

    def mean(self) -> NDArray[np.float64]:
        """Mean of the finite values of each column (NaN for none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            out: NDArray[np.float64] = np.where(self.count > 0, self.total / self.count, np.nan)
        return out

    def quantile(self, q: float) -> NDArray[np.float64]:
        """Quantile ``q`` of each column within ``alpha`` (relative; NaN for no values)."""
        bins = self.bins
        counts = self.counts[:, : 2 * bins + 1]  # from the most negative to the most positive
        magnitude = 2 * self.gamma ** (np.arange(self.k_min, self.k_max + 1)) / (self.gamma + 1)
        value = np.concatenate([-magnitude[::-1], [0.0], magnitude])
        cum = np.cumsum(counts, axis=1)
        n = cum[:, -1]
        rank = np.floor(q * (n - 1)).astype(np.int64)
        pos = np.array(
            [np.searchsorted(cum[i], rank[i], side="right") for i in range(self.columns)]
        )
        out = np.clip(value[np.minimum(pos, 2 * bins)], self.low, self.high)
        out = np.where(rank <= 0, self.low, np.where(rank >= n - 1, self.high, out))
        result: NDArray[np.float64] = np.where(n > 0, out, np.nan)
        return result

    def __getstate__(self) -> dict[str, object]:
        """The state with :attr:`counts` as its non-zero slots (a sketch fills a few hundred
        of each column's 12,438 slots)."""
        state = dict(self.__dict__)
        flat = self.counts.reshape(-1)
        at = np.flatnonzero(flat)
        state["counts"] = (self.counts.shape, at, flat[at])
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        packed = state.pop("counts")
        assert isinstance(packed, tuple)
        shape, at, values = packed
        counts = np.zeros(shape, dtype=np.int64)
        counts.reshape(-1)[at] = values
        self.__dict__.update(state, counts=counts)


@dataclass
class TargetCount:
    """Samples meeting a target out of those where both sides are defined."""

    met: int = 0
    defined: int = 0

    def add(self, met: NDArray[np.bool_], defined: NDArray[np.bool_]) -> None:
        self.met += int((met & defined).sum())
        self.defined += int(defined.sum())

    @property
    def probability(self) -> float:
        return self.met / self.defined if self.defined else math.nan

    def standard_error(self) -> float:
        """Binomial standard error of :attr:`probability` (Monte Carlo sampling only)."""
        p = self.probability
        return math.sqrt(p * (1 - p) / self.defined) if self.defined else math.nan
