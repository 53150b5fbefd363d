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
- Recovered material [t/yr]::

      recovered = (EoL content x collection + production scrap x scrap share) x recovery
      production scrap = demand x (1 - yield)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from chikuden.horizon import YEARS

MAX_AGE = 60  # years; mass beyond is dropped (negligible for lifetimes up to 40 years)
BACK_YEARS = 40  # years of back-cast placements before 2021


def weibull_pmf(mean_years: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """End-of-life probability by age 0..MAX_AGE [share], ``(k, MAX_AGE + 1)``.

    mean_years : mean life [years], ``(k,)``; shape : Weibull shape [-], ``(k,)``
    """
    mean, b = np.broadcast_arrays(np.asarray(mean_years, float), np.asarray(shape, float))
    unique, inverse = np.unique(b, return_inverse=True)
    gamma = np.array([math.gamma(1.0 + 1.0 / x) for x in unique])[inverse].reshape(b.shape)
    scale = mean / gamma
    edges = np.arange(MAX_AGE + 2) - 0.5
    edges[0] = 0.0
    cdf = 1.0 - np.exp(-((edges[None, :] / scale[:, None]) ** b[:, None]))
    return np.diff(cdf, axis=1)


def lag_matrix(pmf: np.ndarray, n_years: int = YEARS.size) -> np.ndarray:
    """``L[k, t0, t] = f(t - t0)`` for ``t >= t0`` else 0, shape ``(k, n_years, n_years)``."""
    lag = np.arange(n_years)[None, :] - np.arange(n_years)[:, None]
    padded = np.concatenate([pmf, np.zeros((pmf.shape[0], max(0, n_years - pmf.shape[1])))], 1)
    return np.where(lag >= 0, padded[:, np.clip(lag, 0, None)], 0.0)


def backcast_weights(pmf: np.ndarray, growth: np.ndarray, n_years: int = YEARS.size) -> np.ndarray:
    """``W[k, t] = sum_{b=1..B} (1 + g)^-b f(t + b)``: EoL in year t per unit placed in 2021.

    Computed as ``f @ G`` with ``G[a, t] = (1 + g)^-(a - t)`` for ``1 <= a - t <= B``.
    """
    gap = np.arange(pmf.shape[1])[:, None] - np.arange(n_years)[None, :]  # (a, t)
    inside = (gap >= 1) & (gap <= BACK_YEARS)
    g = np.asarray(growth, float).reshape(-1)
    weights = np.where(inside, (1.0 + g)[:, None, None] ** -np.clip(gap, 1, None), 0.0)
    if weights.shape[0] == 1:
        return pmf @ weights[0]
    return np.einsum("ka,kat->kt", np.broadcast_to(pmf, (weights.shape[0], pmf.shape[1])), weights)


def convolve_ages(x: np.ndarray, pmf: np.ndarray) -> np.ndarray:
    """``out[k, m, t] = sum_a x[k, m, t - a] f[k, a]`` over the horizon, ``x`` ``(k, m, years)``."""
    n_years = x.shape[-1]
    if pmf.shape[0] == 1:
        flat = np.ascontiguousarray(x).reshape(-1, n_years)
        return (flat @ lag_matrix(pmf, n_years)[0]).reshape(x.shape)
    k = max(x.shape[0], pmf.shape[0])
    out = np.zeros((k, *x.shape[1:]))
    for a in range(min(n_years, pmf.shape[1])):
        out[:, :, a:] += x[:, :, : n_years - a] * pmf[:, None, a : a + 1]
    return out


def end_of_life(
    placed: Sequence[np.ndarray],
    content: Sequence[np.ndarray],
    pmfs: Sequence[np.ndarray],
    growth: np.ndarray,
) -> np.ndarray:
    """Material reaching end of life [t/yr], ``(k, materials, years)``.

    placed : per segment, batteries placed on the market [GWh/yr], ``(k, years)``
    content : per segment, material per GWh placed [t/GWh], ``(k, materials, years)``
    pmfs : per segment, end-of-life probability by age, ``(k, ages)``
    growth : growth of placements before 2021 [share per year], ``(k,)``
    """
    total: np.ndarray | float = 0.0
    for put, per_gwh, pmf in zip(placed, content, pmfs, strict=True):
        x = put[:, None, :] * per_gwh
        back = backcast_weights(pmf, growth)[:, None, :]
        total = total + convolve_ages(x, pmf) + x[:, :, :1] * back
    return np.asarray(total)


def production_scrap(demand_t: np.ndarray, yield_share: np.ndarray) -> np.ndarray:
    """Material lost as production scrap [t/yr] = demand x (1 - yield)."""
    return demand_t * (1.0 - yield_share[:, None, :])


def recovered(
    eol_t: np.ndarray,
    scrap_t: np.ndarray,
    collection: np.ndarray,
    scrap_share: np.ndarray,
    recovery: np.ndarray,
) -> np.ndarray:
    """Recovered battery-grade material [t/yr], ``(k, materials, years)``.

    collection : ``(k, years)``; scrap_share : ``(k,)``; recovery : ``(k, materials, years)``
    """
    return (eol_t * collection[:, None, :] + scrap_t * scrap_share[:, None, None]) * recovery
