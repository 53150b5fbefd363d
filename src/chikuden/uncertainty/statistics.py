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

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

ALPHA = 0.005
"""Relative error of a quantile (see the module's docstring)."""
MIN_MAGNITUDE = 1e-9
MAX_MAGNITUDE = 1e18


class Sketch:
    """Mergeable quantile sketch of ``columns`` independent columns of values."""

    def __init__(self, columns: int, alpha: float = ALPHA) -> None:
        self.columns = columns
        self.alpha = alpha
        self.gamma = (1 + alpha) / (1 - alpha)
        self._log_gamma = math.log(self.gamma)
        self.k_min = math.ceil(math.log(MIN_MAGNITUDE) / self._log_gamma)
        self.k_max = math.ceil(math.log(MAX_MAGNITUDE) / self._log_gamma)
        self.bins = self.k_max - self.k_min + 1
        # One row of counts per column, from the most negative bin to the most positive:
        # negative bins k_max .. k_min, zero, positive bins k_min .. k_max (what quantile
        # reads), and one more slot that add() uses for values it does not bin (NaN, inf).
        self.counts = np.zeros((columns, 2 * self.bins + 2), dtype=np.int64)
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
        """Count ``values`` of shape ``(n, columns)`` (or ``(n,)`` for one column).

        A column whose ``n`` values are one and the same finite number (a figure no sampled
        parameter moves) adds ``n`` to that number's bin; the others are binned value by value.
        """
        x = np.asarray(values, dtype=np.float64).reshape(len(values), self.columns)
        n = len(x)
        if not n:
            return
        finite = np.isfinite(x)
        defined = finite.sum(axis=0)
        self.nan += n - defined
        self.count += defined
        whole = bool((defined == n).all())
        self.total += (x if whole else np.where(finite, x, 0.0)).sum(axis=0)
        low = (x if whole else np.where(finite, x, np.inf)).min(axis=0)
        high = (x if whole else np.where(finite, x, -np.inf)).max(axis=0)
        self.low = np.minimum(self.low, low)
        self.high = np.maximum(self.high, high)
        if (
            not (np.abs(low[defined > 0]) <= MAX_MAGNITUDE).all()
            or not (np.abs(high[defined > 0]) <= MAX_MAGNITUDE).all()
        ):
            self.clamped += (finite & (np.abs(x) > MAX_MAGNITUDE)).sum(axis=0)
        same = (low == high) & (defined == n)
        if same.any():
            at = np.flatnonzero(same)
            self.counts[at, self._slots(low[at][None, :])[0]] += n
        varied = np.flatnonzero(~same)
        if varied.size:
            cols = x.T[varied]  # (columns that vary, n), each column's values together
            slots = self._slots(cols)
            slots += (varied * self.counts.shape[1])[:, None]
            np.add.at(self.counts.reshape(-1), slots.reshape(-1), 1)

    def _slots(self, x: NDArray[np.float64]) -> NDArray[np.intp]:
        """The slot of each value in its column's row of :attr:`counts` (NaN and inf: the
        last, unused slot)."""
        mag = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.log(mag)
            k /= self._log_gamma
            np.ceil(k, out=k)
        np.clip(k, self.k_min, self.k_max, out=k)
        k -= self.k_min - 1  # 1 .. bins
        np.copysign(k, x, out=k)  # -bins .. -1 negative, 1 .. bins positive
        k += self.bins
        k[mag < MIN_MAGNITUDE] = self.bins  # counted as zero
        k[~np.isfinite(x)] = 2 * self.bins + 1
        return k.astype(np.intp)

    def __getstate__(self) -> dict[str, object]:
        """The state with :attr:`counts` as its non-zero slots (a chunk's sketch fills a few
        hundred of each column's 12,438 slots: what a Dask worker sends back shrinks from
        100 kB a column to a few kB)."""
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

    def merge(self, other: Sketch) -> None:
        """Add the counts of ``other`` (same columns and alpha) to this sketch."""
        if (other.columns, other.alpha) != (self.columns, self.alpha):
            raise ValueError("sketches of different shape or alpha do not merge")
        for name in ("counts", "nan", "clamped", "total", "count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.low = np.minimum(self.low, other.low)
        self.high = np.maximum(self.high, other.high)

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
