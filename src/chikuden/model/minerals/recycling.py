"""Recycling: end-of-life batteries from what was placed on the market, and recovered tonnes (P9).

- Lifetime: a Weibull distribution with mean ``mu`` and shape ``b`` (scale
  ``mu / Gamma(1 + 1/b)``), discretised to whole years: a battery placed in year ``y0`` reaches
  end of life in ``y0 + a`` with probability ``f(a) = F(a + 1/2) - F(a - 1/2)`` (``F(-1/2) = 0``).
- End of life in year ``y``::

      EoL(y) = sum_a placed(y - a) * f(a)

  Batteries placed before 2021 are back-cast from the 2021 placement with a growth rate ``g``:
  ``placed(2021 - b) = placed(2021) / (1 + g)^b``, with the 2021 chemistry.
  Worked example (tests): f = (0, 0.5, 0.5), placed = 10, 20, 30 in 2021..2023 and nothing
  before (g large): EoL = 0, 5, 15, 25 (= 0.5*30 + 0.5*20), 15 in 2021..2025.
- In matrix form, with ``M[t0, y] = f(y - t0)`` (0 for ``y < t0``) plus, in the row of 2021, the
  back-cast ``W[y] = sum_{b=1..40} (1 + g)^-b f(y + b)``::

      EoL[m, y] = sum_t0 placed(t0) * content[m, t0] * M[t0, y]

  Everything placed is a share of production (``placed = P x w_segment``), so the end of life
  of a batch is one matrix product per scenario (:class:`EndOfLife`).
- Recovered material [t/yr]::

      recovered = (EoL content x collection + production scrap x scrap share) x recovery
      production scrap = demand x (1 - yield)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

from chikuden.horizon import YEARS

MAX_AGE = 60  # years; mass beyond is dropped (negligible for lifetimes up to 40 years)
BACK_YEARS = 40  # years of back-cast placements before 2021
N_YEARS = YEARS.size
N_AGES = N_YEARS + BACK_YEARS  # ages 0..59 reach the horizon, directly or through the back-cast
PAD = N_YEARS - 1  # zeros kept before age 0, so that a Toeplitz view reads f(y - t0) = 0, y < t0
_EDGES = np.arange(MAX_AGE + 2) - 0.5  # F is evaluated at a + 1/2; F(-1/2) = F(0) = 0
_EDGES[0] = 0.0
_BACK = np.arange(1, BACK_YEARS + 1)
_LAG = np.arange(N_YEARS)[None, :] - np.arange(N_YEARS)[:, None]  # y - t0


def matmul_each(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """``a[k] @ b[k]`` for ``a`` ``(k, K)`` and ``b`` ``(k, K, N)`` (or ``(K, N)``, shared).

    Every row goes through the same small product, so a scenario's result does not depend on
    the rest of the batch, nor on whether its ``b`` is shared (one matrix product over the
    batch may round a row differently from the product of that row alone).
    """
    rows: NDArray[np.float64] = np.matmul(a[:, None, :], b if b.ndim == 3 else b[None])
    return rows[:, 0, :]


def _gamma(shape: NDArray[np.float64]) -> NDArray[np.float64]:
    """``Gamma(1 + 1/b)`` for each shape ``b`` (``math.gamma``; numpy has no gamma function)."""
    arg = (1.0 + 1.0 / shape).reshape(-1).tolist()
    return np.fromiter(map(math.gamma, arg), float, count=len(arg)).reshape(shape.shape)


def _pmf_into(
    out: NDArray[np.float64],
    mean: NDArray[np.float64],
    shape: NDArray[np.float64],
    gamma: NDArray[np.float64],
) -> None:
    """``out[k, a] = f(a)`` for ages ``0 .. out.shape[1] - 1``; mean, shape, gamma ``(k,)``."""
    scale = mean / gamma
    z = np.divide(_EDGES[None, : out.shape[1] + 1], scale[:, None])
    np.power(z, shape[:, None], out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    np.subtract(1.0, z, out=z)  # the cdf F at the edges
    np.subtract(z[:, 1:], z[:, :-1], out=out)


def weibull_pmf(mean_years: NDArray[np.float64], shape: NDArray[np.float64]) -> NDArray[np.float64]:
    """End-of-life probability by age 0..MAX_AGE [share], ``(k, MAX_AGE + 1)``.

    mean_years : mean life [years], ``(k,)``; shape : Weibull shape [-], ``(k,)``
    """
    mean, b = np.broadcast_arrays(np.asarray(mean_years, float), np.asarray(shape, float))
    out = np.empty((mean.shape[0], MAX_AGE + 1))
    _pmf_into(out, mean, b, _gamma(b))
    return out


def _pmf(
    mean: NDArray[np.float64], shape: NDArray[np.float64], gamma: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``f(0 .. N_AGES - 1)`` per scenario, ``(k, N_AGES)`` [share]."""
    out = np.empty((max(mean.shape[0], shape.shape[0]), N_AGES))
    _pmf_into(out, mean, shape, gamma)
    return out


def _backcast_matrix(growth: float, ages: int, n_years: int = N_YEARS) -> NDArray[np.float64]:
    """``G[a, t] = (1 + g)^-(a - t)`` for ``1 <= a - t <= BACK_YEARS``, else 0."""
    gap = np.arange(ages)[:, None] - np.arange(n_years)[None, :]
    inside = (gap >= 1) & (gap <= BACK_YEARS)
    out = np.where(inside, (1.0 + growth) ** -np.clip(gap, 1, None).astype(float), 0.0)
    return out


def backcast_rates(growth: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(1 + g)^-b`` for b = 1..BACK_YEARS, ``(k, BACK_YEARS)``."""
    rates: NDArray[np.float64] = (1.0 + np.asarray(growth, float).reshape(-1))[
        :, None
    ] ** -_BACK.astype(float)
    return rates


def backcast_weights(
    pmf: NDArray[np.float64],
    growth: NDArray[np.float64],
    n_years: int = N_YEARS,
    rates: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """``W[k, t] = sum_{b=1..B} (1 + g)^-b f(t + b)``: EoL in year t per unit placed in 2021.

    pmf : ``(k, ages)`` [share]; growth : ``(k,)`` [share per year]; rates : its
    :func:`backcast_rates`, if already at hand. With one growth rate this is ``f @ G``
    (:func:`_backcast_matrix`); with one per scenario, each scenario's ``f(t + b)`` (a strided
    view) is summed against its ``(1 + g)^-b``.
    """
    g = np.asarray(growth, float).reshape(-1)
    if g.shape[0] == 1:
        return pmf @ _backcast_matrix(float(g[0]), pmf.shape[1], n_years)
    f = pmf
    if pmf.shape[1] < n_years + BACK_YEARS or not pmf.flags.c_contiguous:
        f = np.zeros((pmf.shape[0], max(pmf.shape[1], n_years + BACK_YEARS)))
        f[:, : pmf.shape[1]] = pmf
    s0, s1 = f.strides
    ahead = as_strided(f[:, 1:], (f.shape[0], n_years, BACK_YEARS), (s0, s1, s1), writeable=False)
    if rates is None:
        rates = backcast_rates(g)
    if f.shape[0] == 1:
        weights: NDArray[np.float64] = rates @ ahead[0].T
        return weights
    eol: NDArray[np.float64] = np.einsum("ktb,kb->kt", ahead, rates)
    return eol


def eol_matrix(pmf: NDArray[np.float64], growth: NDArray[np.float64]) -> NDArray[np.float64]:
    """``M[k, t0, y]``: end of life in year y per unit placed in year t0, back-cast included."""
    if pmf.shape[1] < N_YEARS:
        pmf = np.concatenate([pmf, np.zeros((pmf.shape[0], N_YEARS - pmf.shape[1]))], axis=1)
    back = backcast_weights(pmf, growth)
    lags = np.where(_LAG >= 0, pmf[:, np.clip(_LAG, 0, None)], 0.0)
    m = np.array(np.broadcast_to(lags, (max(lags.shape[0], back.shape[0]), *lags.shape[1:])))
    m[:, 0, :] += back
    return m


def end_of_life(
    placed: Sequence[NDArray[np.float64]],
    content: Sequence[NDArray[np.float64]],
    pmfs: Sequence[NDArray[np.float64]],
    growth: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Material reaching end of life [t/yr], ``(k, materials, years)``.

    placed : per segment, batteries placed on the market [GWh/yr], ``(k, years)``
    content : per segment, material per GWh placed [t/GWh], ``(k, materials, years)``
    pmfs : per segment, end-of-life probability by age, ``(k, ages)``
    growth : growth of placements before 2021 [share per year], ``(k,)``

    The direct form of the equations; :class:`EndOfLife` computes the same for a batch.
    """
    total: NDArray[np.float64] | float = 0.0
    for put, per_gwh, pmf in zip(placed, content, pmfs, strict=True):
        x = put[:, None, :] * per_gwh
        total = total + np.matmul(x, eol_matrix(pmf, growth))
    return np.asarray(total)


def _part(a: NDArray[np.float64], start: int, stop: int) -> NDArray[np.float64]:
    """Scenarios ``start:stop`` of ``a`` (all of it when shared, leading axis 1)."""
    return a if a.shape[0] == 1 else a[start:stop]


def _lags(f_t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Read-only view ``L[y, t0, k] = f_k(y - t0)`` (0 for ``y < t0``) of ``f_t``, which holds
    ``PAD`` rows of zeros and then ``f_k(0 .. N_YEARS - 1)`` in column k."""
    s0, s1 = f_t.strides
    return as_strided(f_t[PAD:], (N_YEARS, N_YEARS, f_t.shape[1]), (s0, -s0, s1), writeable=False)


class EndOfLife:
    """End of life of a batch from production (of all scenarios, or of ``start:stop``).

    ``EoL[k, m, y] = sum_s sum_t0 P[k, t0] g_s[k, m, t0] M_s[k, t0, y]``, with ``g_s`` the
    material that segment ``s`` places on the market per GWh produced [t/GWh] and ``M_s`` its
    end-of-life matrix. When the lifetimes are shared by the batch, the matrices fold into
    ``A[t0, (m, y)]`` (one, or one per scenario when ``g`` differs) and a chunk is ``P @ A``
    row by row (:func:`matmul_each`: a scenario gives the same numbers alone and in any batch
    that shares its lifetimes). With lifetimes per scenario each chunk stacks
    ``Q[y, (s, t0), k] = P[k, t0] M_s[k, t0, y]`` (scenarios last, so that every operation runs
    along the chunk) and multiplies it by ``g``; results then agree with a scenario alone to
    rounding (~1e-15).

    per_gwh : per segment ``(k, m, years)`` [t/GWh produced]
    mean_years : per segment ``(k,)`` [years]; shape : ``(k,)``; growth : ``(k,)``
    """

    def __init__(
        self,
        per_gwh: Sequence[NDArray[np.float64]],
        mean_years: Sequence[NDArray[np.float64]],
        shape: NDArray[np.float64],
        growth: NDArray[np.float64],
    ) -> None:
        kg = max(g.shape[0] for g in per_gwh)
        self.g = np.concatenate([np.broadcast_to(g, (kg, *g.shape[1:])) for g in per_gwh], axis=2)
        self.n_materials = self.g.shape[1]
        self.means = [np.array(m, float).reshape(-1) for m in mean_years]  # own copies
        self.shape = np.array(shape, float).reshape(-1)
        self.gamma = _gamma(self.shape)
        self.growth = np.array(growth, float).reshape(-1)
        self.k = max(kg, self.shape.shape[0], self.growth.shape[0], *(m.size for m in self.means))
        self._back = (
            _backcast_matrix(float(self.growth[0]), N_AGES) if self.growth.shape[0] == 1 else None
        )
        shared = self.shape.shape[0] == 1 and all(m.shape[0] == 1 for m in self.means)
        self._pmfs = [_pmf(m, self.shape, self.gamma) for m in self.means] if shared else None
        # shared lifetimes: one end-of-life matrix per segment, M_s[t0, y]
        self._lags: NDArray[np.float64] | None = None
        self._a: NDArray[np.float64] | None = None
        if self._pmfs is not None and self._back is not None:
            self._lags = np.stack([eol_matrix(f, self.growth)[0] for f in self._pmfs])
            if kg == 1:
                self._a = self._fold(self.g)

    def _fold(self, g: NDArray[np.float64]) -> NDArray[np.float64]:
        """``A[k, t0, (m, y)] = sum_s g_s[k, m, t0] M_s[t0, y]``, term by term (the same
        arithmetic for a scenario whether its ``g`` is shared or not)."""
        assert self._lags is not None
        k, segments = g.shape[0], self._lags.shape[0]
        per_segment = g.reshape(k, self.n_materials, segments, N_YEARS)
        a: NDArray[np.float64] | None = None
        for s in range(segments):
            g_s = per_segment[:, :, s, :].transpose(0, 2, 1)[:, :, :, None]  # (k, t0, m, 1)
            term = g_s * self._lags[s][None, :, None, :]
            a = term if a is None else a + term
        assert a is not None
        return a.reshape(k, N_YEARS, self.n_materials * N_YEARS)

    def chunk(self, production: NDArray[np.float64], start: int, stop: int) -> NDArray[np.float64]:
        """End of life [t/yr] of scenarios ``start:stop``, ``(c, m, years)`` (c may be 1).

        production : ``(k, years)`` [GWh/yr] placed on the market, the whole batch
        """
        p = _part(production, start, stop)
        if self._lags is not None:
            a = self._a if self._a is not None else self._fold(_part(self.g, start, stop))
            eol = matmul_each(p, a)
            return eol.reshape(eol.shape[0], self.n_materials, N_YEARS)
        n = max(p.shape[0], stop - start if self.k > 1 else 1)
        segments = len(self.means)
        p_t = np.ascontiguousarray(p.T)  # (years, k)
        q = np.empty((N_YEARS, segments * N_YEARS, n))
        growth = _part(self.growth, start, stop)
        rates = backcast_rates(growth) if self._back is None else None
        for s in range(segments):
            f = self._pmfs[s] if self._pmfs is not None else self._pmf(s, start, stop)
            if self._back is not None:
                back = f @ self._back
            else:
                back = backcast_weights(f, growth, rates=rates)
            f_t = np.zeros((PAD + N_YEARS, f.shape[0]))
            f_t[PAD:] = f[:, :N_YEARS].T
            qs = q[:, s * N_YEARS : (s + 1) * N_YEARS]
            np.multiply(p_t[None], _lags(f_t), out=qs)
            qs[:, 0] += p_t[0] * back.T
        g = _part(self.g, start, stop)
        if g.shape[0] == 1:
            # back to scenarios first, as the equations that follow expect
            return np.ascontiguousarray(np.matmul(g[0], q).transpose(2, 1, 0))
        by_scenario: NDArray[np.float64] = np.einsum("kmj,yjk->kmy", g, q)
        return by_scenario

    def _pmf(self, segment: int, start: int, stop: int) -> NDArray[np.float64]:
        return _pmf(
            _part(self.means[segment], start, stop),
            _part(self.shape, start, stop),
            _part(self.gamma, start, stop),
        )


def production_scrap(
    demand_t: NDArray[np.float64], yield_share: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Material lost as production scrap [t/yr] = demand x (1 - yield)."""
    return demand_t * (1.0 - yield_share[:, None, :])


def recovered(
    eol_t: NDArray[np.float64],
    scrap_t: NDArray[np.float64],
    collection: NDArray[np.float64],
    scrap_share: NDArray[np.float64],
    recovery: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Recovered battery-grade material [t/yr], ``(k, materials, years)``.

    collection : ``(k, years)``; scrap_share : ``(k,)``; recovery : ``(k, materials, years)``
    """
    coll, share = collection[:, None, :], scrap_share[:, None, None]
    shape = (eol_t.shape, coll.shape, scrap_t.shape, share.shape, recovery.shape)
    out = np.empty(np.broadcast_shapes(*shape))  # every input may be shared (1) or not (n)
    np.multiply(eol_t, coll, out=out)
    out += np.multiply(scrap_t, share)
    out *= recovery
    return out
