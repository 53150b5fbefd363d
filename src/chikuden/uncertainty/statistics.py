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
        self.positive = np.zeros((columns, self.bins), dtype=np.int64)
        self.negative = np.zeros((columns, self.bins), dtype=np.int64)
        self.zero = np.zeros(columns, dtype=np.int64)
        self.nan = np.zeros(columns, dtype=np.int64)
        self.clamped = np.zeros(columns, dtype=np.int64)
        self.total = np.zeros(columns)
        self.count = np.zeros(columns, dtype=np.int64)
        self.low = np.full(columns, np.inf)
        self.high = np.full(columns, -np.inf)

    def add(self, values: NDArray[np.float64]) -> None:
        """Count ``values`` of shape ``(n, columns)`` (or ``(n,)`` for one column)."""
        x = np.asarray(values, dtype=np.float64).reshape(len(values), self.columns)
        finite = np.isfinite(x)
        self.nan += (~finite).sum(axis=0)
        self.count += finite.sum(axis=0)
        self.total += np.where(finite, x, 0.0).sum(axis=0)
        if len(x):
            self.low = np.minimum(self.low, np.where(finite, x, np.inf).min(axis=0))
            self.high = np.maximum(self.high, np.where(finite, x, -np.inf).max(axis=0))
        mag = np.abs(np.where(finite, x, 0.0))
        small = mag < MIN_MAGNITUDE
        self.zero += (finite & small).sum(axis=0)
        self.clamped += (finite & (mag > MAX_MAGNITUDE)).sum(axis=0)
        with np.errstate(divide="ignore"):
            k = np.ceil(np.log(np.where(small, 1.0, mag)) / self._log_gamma)
        idx = np.clip(k, self.k_min, self.k_max).astype(np.int64) - self.k_min
        col = np.broadcast_to(np.arange(self.columns), x.shape)
        flat = col * self.bins + idx
        size = self.columns * self.bins
        for sign, store in ((x > 0, self.positive), (x < 0, self.negative)):
            use = finite & ~small & sign
            store += np.bincount(flat[use], minlength=size).reshape(self.columns, self.bins)

    def merge(self, other: Sketch) -> None:
        """Add the counts of ``other`` (same columns and alpha) to this sketch."""
        if (other.columns, other.alpha) != (self.columns, self.alpha):
            raise ValueError("sketches of different shape or alpha do not merge")
        for name in ("positive", "negative", "zero", "nan", "clamped", "total", "count"):
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
        counts = np.concatenate(
            [self.negative[:, ::-1], self.zero[:, None], self.positive], axis=1
        )  # from the most negative to the most positive
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
