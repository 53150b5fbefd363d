"""Samplers: Monte Carlo, Latin hypercube and scrambled Sobol points, joined by a Gaussian
copula with a given rank-correlation matrix.

Every sample has an index ``0 .. n-1`` and its values depend only on the seed, the method,
``n`` (Latin hypercube only: its strata are ``1/n`` wide) and that index, never on how the run
is cut into chunks or spread over processes: :meth:`Sampler.sample` for ``[start, stop)`` gives
rows ``start .. stop-1`` of the whole design.

- ``mc``: independent uniforms. Indices are grouped in blocks of :data:`BLOCK`; block ``k``
  draws from its own generator, ``SeedSequence(seed, spawn_key=(0, k))``.
- ``lhs``: Latin hypercube: in each dimension the ``n`` strata ``[j/n, (j+1)/n)`` are dealt to
  the samples by a permutation (drawn once from ``spawn_key=(1,)``; ``4 n d`` bytes), each
  point uniform inside its stratum (the jitter from the blocks of ``spawn_key=(2, k)``).
- ``sobol``: ``scipy.stats.qmc.Sobol`` scrambled with a generator from ``spawn_key=(3,)``,
  fast-forwarded to ``start``. Its balance needs ``n`` a power of two.

The copula: a Spearman rank correlation ``rho`` between two parameters becomes the Pearson
correlation ``r = 2 sin(pi rho / 6)`` of their normal scores (exact for a Gaussian copula), the
uniforms go to normal scores ``z = Phi^-1(u)``, are mixed by a square root ``L`` of the matrix
(``L L^T = R``), and come back as ``Phi(z L^T)``; each parameter's quantile function then gives
its value. The marginals are unchanged and the ranks are correlated as asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import ParameterError
from chikuden.uncertainty.distributions import Spec

METHODS = ("mc", "lhs", "sobol")
BLOCK = 1024
"""Samples per block of the ``mc`` and ``lhs`` jitter generators."""
MIN_SAMPLES = 20
"""Fewest samples of any method: the report's outer quantiles are the 5% and 95%, and with
fewer than 1 / 0.05 = 20 samples the 5% quantile is just the smallest sample."""
MIN_SOBOL = 32
"""Fewest Sobol points: the smallest power of two at or above :data:`MIN_SAMPLES`."""
MAX_SAMPLES = 10_000_000
"""Most samples of one run: ten times the million the issue asks for (a Latin hypercube keeps
``4 n d`` bytes of permutations: 1.2 GB at this size for 30 parameters)."""
PSD_TOLERANCE = 1e-10
"""A correlation matrix whose smallest eigenvalue is below ``-PSD_TOLERANCE`` is refused."""


def check_samples(method: str, n: int) -> None:
    """Refuse a sample size the method cannot use, naming the minimum."""
    if method not in METHODS:
        raise ParameterError(f"--method {method!r}: give one of {', '.join(METHODS)}")
    if n < MIN_SAMPLES:
        raise ParameterError(
            f"--samples {n}: {method} needs at least {MIN_SAMPLES} samples (the 5% quantile "
            f"needs 1 / 0.05 = {MIN_SAMPLES}); give --samples {MIN_SAMPLES} or more"
        )
    if n > MAX_SAMPLES:
        raise ParameterError(
            f"--samples {n:,}: at most {MAX_SAMPLES:,} samples in one run; split it into runs "
            "with different seeds"
        )
    if method == "sobol" and (n < MIN_SOBOL or n & (n - 1)):
        up = max(MIN_SOBOL, 1 << (n - 1).bit_length())
        raise ParameterError(
            f"--samples {n}: sobol needs a power of two of at least {MIN_SOBOL} to keep its "
            f"balance; give --samples {up}"
        )


# -- correlation matrices ----------------------------------------------------------------------
def pearson_of_rank(rho: NDArray[np.float64]) -> NDArray[np.float64]:
    """The normal-score correlation that gives Spearman ``rho`` under a Gaussian copula."""
    out: NDArray[np.float64] = 2 * np.sin(np.pi * rho / 6)
    return out


def rank_of_pearson(r: NDArray[np.float64]) -> NDArray[np.float64]:
    """The inverse of :func:`pearson_of_rank`: ``rho = 6 / pi arcsin(r / 2)``."""
    out: NDArray[np.float64] = 6 / np.pi * np.arcsin(np.clip(r, -1, 1) / 2)
    return out


def rank_matrix(spec: Spec) -> NDArray[np.float64]:
    """The rank-correlation matrix over ``spec.names`` (1 on the diagonal, 0 if not given)."""
    index = {n: i for i, n in enumerate(spec.names)}
    m = np.eye(len(index))
    for (a, b), r in spec.correlations.items():
        m[index[a], index[b]] = m[index[b], index[a]] = r
    return m


def nearest_correlation(r: NDArray[np.float64], iterations: int = 200) -> NDArray[np.float64]:
    """The nearest correlation matrix to ``r`` in the Frobenius norm (Higham 2002: alternating
    projections onto the positive semi-definite cone and the unit diagonal, with Dykstra's
    correction)."""
    y = r.copy()
    ds = np.zeros_like(r)
    for _ in range(iterations):
        rk = y - ds
        w, v = np.linalg.eigh(rk)
        x = (v * np.maximum(w, 0)) @ v.T
        ds = x - rk
        y = x.copy()
        np.fill_diagonal(y, 1.0)
        if np.linalg.norm(y - x) < 1e-12:
            break
    w, v = np.linalg.eigh(y)
    y = (v * np.maximum(w, 1e-12)) @ v.T
    d = np.sqrt(np.diag(y))
    out: NDArray[np.float64] = y / np.outer(d, d)
    return out


def _offer(nearest: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rank correlations of ``nearest`` to three decimals that are still valid: the nearest
    matrix lies on the edge of the valid set, so it is moved towards the identity (by 0.1%
    steps) until its rounded rank correlations pass the check."""
    eye = np.eye(len(nearest))
    for step in range(1, 1001):
        t = step / 1000
        rank = np.round(rank_of_pearson((1 - t) * nearest + t * eye), 3)
        if np.linalg.eigvalsh(pearson_of_rank(rank)).min() >= -PSD_TOLERANCE:
            return rank
    return eye  # pragma: no cover - the identity is always valid


def copula_root(spec: Spec) -> NDArray[np.float64] | None:
    """``L`` with ``L L^T`` the normal-score correlation of ``spec`` (None: independent).

    Raises :class:`ParameterError` for a matrix that is not positive semi-definite, giving the
    smallest eigenvalue and the nearest valid rank correlations to put in its place.
    """
    if not spec.correlations:
        return None
    r = pearson_of_rank(rank_matrix(spec))
    w, v = np.linalg.eigh(r)
    if w.min() < -PSD_TOLERANCE:
        near = _offer(nearest_correlation(r))
        names = spec.names
        index = {n: i for i, n in enumerate(names)}
        offer = "; ".join(
            f"[{a}, {b}, {near[index[a], index[b]]:.3f}]" for (a, b) in sorted(spec.correlations)
        )
        raise ParameterError(
            f"uncertainty.correlations: the rank-correlation matrix is not positive "
            f"semi-definite (its normal-score matrix has smallest eigenvalue {w.min():.3g}); "
            f"the nearest valid one: {offer}"
        )
    root: NDArray[np.float64] = v * np.sqrt(np.maximum(w, 0))
    return root


# -- the sampler -------------------------------------------------------------------------------
def _seed_of(seed: int | np.random.Generator) -> int:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))  # one draw: the run is then fixed by it
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"--seed {seed!r}: give a whole number of 0 or more")
    return int(seed)


def _block_uniforms(seed: int, stream: int, start: int, stop: int, d: int) -> NDArray[np.float64]:
    """Rows ``start .. stop-1`` of an endless table of uniforms in ``[0, 1)``, drawn by blocks."""
    out = np.empty((stop - start, d))
    first, last = start // BLOCK, (stop - 1) // BLOCK
    for k in range(first, last + 1):
        g = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream, k)))
        )
        block = g.random((BLOCK, d))
        lo, hi = max(start, k * BLOCK), min(stop, (k + 1) * BLOCK)
        out[lo - start : hi - start] = block[lo - k * BLOCK : hi - k * BLOCK]
    return out


@dataclass
class Sampler:
    """Draws rows of an ``n``-sample design for ``spec`` (see the module's docstring)."""

    spec: Spec
    n: int
    seed: int | np.random.Generator = 0
    method: str = "mc"

    def __post_init__(self) -> None:
        check_samples(self.method, self.n)
        self._seed = _seed_of(self.seed)
        self._root = copula_root(self.spec)
        self._terms = [] if self._root is None else [np.flatnonzero(c) for c in self._root.T]
        self._perm: NDArray[np.int32] | None = None
        d = len(self.spec.names)
        if self.method == "lhs":
            g = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(self._seed, spawn_key=(1,)))
            )
            strata = np.broadcast_to(np.arange(self.n, dtype=np.int32), (d, self.n))
            self._perm = g.permuted(strata, axis=1)

    @property
    def dimensions(self) -> int:
        return len(self.spec.names)

    def uniforms(self, start: int, stop: int) -> NDArray[np.float64]:
        """Independent uniforms of rows ``start .. stop-1``, shape ``(stop - start, d)``."""
        d = self.dimensions
        if not 0 <= start < stop <= self.n:
            raise ValueError(f"rows {start}..{stop} outside 0..{self.n}")
        if self.method == "mc":
            return _block_uniforms(self._seed, 0, start, stop, d)
        if self.method == "lhs":
            assert self._perm is not None
            jitter = _block_uniforms(self._seed, 2, start, stop, d)
            out: NDArray[np.float64] = (self._perm[:, start:stop].T + jitter) / self.n
            return out
        from scipy.stats import qmc

        g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self._seed, spawn_key=(3,))))
        try:
            sobol = qmc.Sobol(d, scramble=True, rng=g)
        except TypeError:  # scipy before 1.15 names it seed
            sobol = qmc.Sobol(d, scramble=True, seed=g)
        if start:
            sobol.fast_forward(start)
        return np.asarray(sobol.random(stop - start), dtype=np.float64)

    def sample(self, start: int, stop: int) -> dict[str, NDArray[np.float64]]:
        """Parameter values of rows ``start .. stop-1``: name to an array of ``stop - start``."""
        from scipy.special import ndtr, ndtri

        u = self.uniforms(start, stop)
        tiny = math.ulp(1.0)  # keep u inside (0, 1): Phi^-1 of 0 is -inf
        u = np.clip(u, tiny, 1 - tiny)
        if self._root is not None:
            # z @ root.T, summed term by term in a fixed order: a BLAS product may round
            # differently for different numbers of rows, and then the chunking would show
            # Only the root's non-zero terms (42 of 900 for the bundled spec: its correlated
            # block and a 1 for each other parameter): a zero term adds an exact zero, so the
            # sums are the same bits as over every term.
            scores = np.asarray(ndtri(u), dtype=np.float64)
            z = np.zeros_like(scores)
            for j, rows in enumerate(self._terms):
                z[:, rows] += scores[:, j : j + 1] * self._root[rows, j]
            u = np.clip(np.asarray(ndtr(z), dtype=np.float64), tiny, 1 - tiny)
        return {
            name: dist.ppf(u[:, j])
            for j, (name, dist) in enumerate(self.spec.distributions.items())
        }
