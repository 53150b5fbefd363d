"""Economics of a representative gigafactory: cash flows, NPV, IRR and payback (P0, P1).

The plant has its own time axis ``tau`` [years since the first production year]; arrays are
time-first, shape ``(T, k)``, so that one year of every scenario is contiguous. For capex
``K``, size ``G``, construction ``C``, life ``L``, depreciation ``D``, ramp-up ``R`` and
utilisation ``u``::

    capex(tau)  = K * clip(C + tau + 1, 0, 1) / C                      (tau < 0)
    avail(tau)  = ramp(tau, R) * clip(L - tau, 0, 1)                    (capacity.ramp)
    q(tau)      = G * 1e6 * u * avail(tau)                              [kWh]
    ebitda(tau) = q * m(y) - o * K * clip(L - tau, 0, 1) * [tau >= 0]
    dep(tau)    = K * (clip(tau + 1, 0, D') - clip(tau, 0, D')) / D',   D' = min(D, L)
    cf0(tau)    = -capex(tau) + ebitda(tau) - t * (ebitda(tau) - dep(tau))

with ``m(y)`` the cash margin per kWh in calendar year ``y = start + tau`` (flat outside the
horizon), ``o`` fixed opex per year as a share of capex, ``t`` the tax rate (losses offset
other profits). The same plant at another tax rate ``t'`` has ``cf0 + (t - t') * (ebitda -
dep)``. Support is added to ``cf0`` as the after-tax cash it brings, each kind as its
jurisdiction's rules treat it:

- a capex grant of share ``s`` paid as capex is spent (:func:`capex_grant`), either untaxed
  when received with the depreciable base reduced by the grant (Japan's 圧縮記帳, Corporation
  Tax Act art. 42; Germany's R 6.5 EStR; China's non-taxable special-purpose funds, Caishui
  [2011] No. 70, whose assets may not be depreciated), ``s * (capex(tau) - t * dep(tau))``; or
  taxed as income when received, ``s * (1 - t) * capex(tau)``;
- a production credit ``c(y) * q(tau)``, untaxed (IRC 45X: a credit against tax, or cash not
  included in gross income when transferred, IRC 6418(b)) or taxed, ``(1 - t) c(y) q(tau)``.

NPV is discounted to the start of construction. The IRR is the root of
``P(x) = sum_t cf_t x^t`` (``x = 1 / (1 + r)``) nearest to ``r = 0``, as numpy-financial picks
it: bracketed on a fixed grid of rates (Horner's scheme), then refined by Newton's method that
falls back to bisection when a step leaves the bracket. NaN where no root lies in
-90 %..1000 % per year. Payback is the time from the start of construction until cumulative
cash flow stops being negative, interpolated within the year; NaN if it never does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import FIRST_YEAR, N_YEARS, YEARS
from chikuden.model.capacity import ramp

_Scalar = TypeVar("_Scalar", bound=np.generic)  # _pick reads values and masks alike
KWH_PER_GWH = 1e6
RATE_GRID = np.array(
    [-0.9, -0.6, -0.35, -0.18, -0.08, -0.02, 0.03, 0.07, 0.11, 0.16, 0.23, 0.35, 0.6, 1.2, 10.0]
)
_TINY = 128  # up to this many values a year, sum over years with one cumulative sum
_MAX_ITER = 60
# Relative Newton step at which the IRR iteration stops; convergence is quadratic, so the error
# left is of order 10 * TOL**2 = 1e-19: the rate is as exact as floats allow.
_TOL = 1e-9
# grid intervals, nearest to a zero rate first (numpy-financial picks the root nearest to 0)
NEAREST_FIRST = np.argsort(np.minimum(np.abs(RATE_GRID[:-1]), np.abs(RATE_GRID[1:])), kind="stable")
# The grid points of the intervals met first in that order, consecutive (-18 % .. 23 %): a
# column with a sign change between two of them has its interval among these.
_NEAR = np.arange(3, 10)
assert set(NEAREST_FIRST[:6]) == set(range(3, 9)), "RATE_GRID changed: set _NEAR anew"


@dataclass(frozen=True)
class Plant:
    """Cash-flow building blocks of the plant on its own time axis (time first)."""

    tau: NDArray[np.float64]  # (T, 1) years since the first production year
    construction_years: NDArray[np.float64]  # (k,) construction starts at tau = -construction_years
    capex: NDArray[np.float64]  # (T, k) capex spent [JPY]
    output_kwh: NDArray[np.float64]  # (T, k) cells produced [kWh]
    calendar: NDArray[np.intp]  # (T, k) index of the calendar year on the horizon, clipped [index]
    cash_flow: NDArray[np.float64]  # (T, k) after-tax cash flow without support [JPY]
    capacity_kwh: NDArray[np.float64]  # (k,) nameplate capacity [kWh per year]
    depreciation: NDArray[np.float64]  # (T, k) tax depreciation of the whole capex [JPY]
    taxable: NDArray[np.float64]  # (T, k) taxable profit, ebitda - depreciation [JPY]
    credits: tuple[NDArray[np.float64], ...] = ()  # (T, k) each: payments per kWh produced [JPY]


def plant_axis(
    construction_years: NDArray[np.float64], life_years: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Years since the first production year covering the batch [years], shape ``(T, 1)``."""
    before = math.ceil(float(np.max(construction_years)))
    after = math.ceil(float(np.max(life_years)))
    return np.arange(-before, after, dtype=float)[:, None]


def read_paths(
    paths: Sequence[NDArray[np.float64]], calendar: NDArray[np.intp]
) -> list[NDArray[np.float64]]:
    """Yearly paths ``(k, years)`` read at the plant's calendar years ``(T, k)`` -> ``(T, k)``."""
    n_k = calendar.shape[1]
    if n_k == 1:
        return [path.T[calendar[:, 0]] for path in paths]
    flat = calendar + np.arange(n_k) * N_YEARS  # positions in a (k, years) path, read in place
    return [path[0][calendar] if path.shape[0] == 1 else path.reshape(-1)[flat] for path in paths]


def plant_cash_flows(
    *,
    capacity_gwh: NDArray[np.float64],
    capex_jpy_per_gwh: NDArray[np.float64],
    start_year: NDArray[np.float64],
    construction_years: NDArray[np.float64],
    life_years: NDArray[np.float64],
    depreciation_years: NDArray[np.float64],
    ramp_years: NDArray[np.float64],
    utilisation: NDArray[np.float64],
    margin_jpy_per_kwh: NDArray[np.float64],
    fixed_opex_share: NDArray[np.float64],
    tax_rate: NDArray[np.float64],
    credits_jpy_per_kwh: Sequence[NDArray[np.float64]] = (),
    tau: NDArray[np.float64] | None = None,
) -> Plant:
    """The plant's capex, output and after-tax cash flow without support.

    All scalar inputs have shape ``(k,)``: capacity [GWh per year], capex [JPY per GWh],
    start [year of first production], construction, life, depreciation and ramp-up [years],
    utilisation [share], fixed opex [share of capex per year], tax [share].
    margin_jpy_per_kwh : cash margin (price less variable cost) [JPY per kWh], ``(k, years)``
    credits_jpy_per_kwh : support paid per kWh produced [JPY per kWh], each ``(k, years)``;
    ``Plant.credits`` holds the payments by plant year.
    tau : the plant axis [years] ``(T, 1)``, at least :func:`plant_axis` (default: that)
    """
    if tau is None:
        tau = plant_axis(construction_years, life_years)
    building = tau < 0
    capex_total = capacity_gwh * capex_jpy_per_gwh
    # (k,) factors first, then one pass over (T, k) per term
    # np.minimum(np.maximum(...)) is np.clip with less overhead on small arrays
    capex = np.minimum(np.maximum(construction_years + tau + 1.0, 0.0), 1.0) * building
    capex = capex * (capex_total / construction_years)
    in_life = np.minimum(np.maximum(life_years - tau, 0.0), 1.0) * ~building
    capacity_kwh = capacity_gwh * KWH_PER_GWH
    output = ramp(tau, ramp_years) * in_life
    output = output * (capacity_kwh * utilisation)
    calendar = np.minimum(np.maximum(start_year + tau - FIRST_YEAR, 0), N_YEARS - 1).astype(np.intp)
    margin, *credits = read_paths([margin_jpy_per_kwh, *credits_jpy_per_kwh], calendar)
    ebitda = output * margin - in_life * (fixed_opex_share * capex_total)
    dep_years = np.minimum(depreciation_years, life_years)
    dep = np.minimum(np.maximum(tau + 1.0, 0.0), dep_years) - np.minimum(
        np.maximum(tau, 0.0), dep_years
    )
    dep = dep * (capex_total / dep_years)
    # cash flow = ebitda - capex - t (ebitda - dep)
    taxable = ebitda - dep
    cash_flow = ebitda - capex - tax_rate * taxable
    return Plant(
        tau=tau,
        construction_years=np.asarray(construction_years, dtype=float),
        capex=capex,
        output_kwh=output,
        calendar=calendar,
        cash_flow=cash_flow,
        capacity_kwh=np.asarray(capacity_kwh, dtype=float),
        depreciation=dep,
        taxable=taxable,
        credits=tuple(output * c for c in credits),
    )


def capex_grant(
    plant: Plant, tax_rate: NDArray[np.float64], reduces_base: NDArray[np.float64]
) -> NDArray[np.float64]:
    """After-tax cash a grant of the whole capex brings, paid as capex is spent [JPY], ``(T, k)``.

    A grant of share ``s`` brings ``s`` times this (linear in ``s``).
    tax_rate : the plant's tax rate [share], ``(k,)``
    reduces_base : 1 where the grant is untaxed when received and reduces the depreciable base
    (the tax comes back as smaller depreciation), 0 where it is taxed as income when received
    [flag], ``(k,)``; ``capex - t * (b * dep + (1 - b) * capex)``
    """
    taxed = reduces_base * plant.depreciation + (1.0 - reduces_base) * plant.capex
    return plant.capex - tax_rate * taxed


def in_life(plant: Plant, life_years: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Plant years from the start of construction to the last (part) year of production [bool],
    ``(T, k)``: ``-C - 1 < tau < L``."""
    return (plant.tau > -plant.construction_years - 1.0) & (plant.tau < life_years)


def on_calendar(
    values: Sequence[NDArray[np.float64]],
    plant: Plant,
    start_year: NDArray[np.float64],
    years: NDArray[np.intp] = YEARS,
    outside: float = 0.0,
    mask: NDArray[np.bool_] | None = None,
) -> list[NDArray[np.float64]]:
    """Plant-year values ``(T, k)`` placed on calendar ``years`` -> ``(k, years)``.

    start_year : first production year [year], ``(k,)``
    years : the calendar years to fill [year] (default the horizon)
    outside : the value of years outside the plant's axis, or where ``mask`` ``(T, k)`` is False
    """
    n_t = plant.tau.shape[0]
    index = years[None, :] - start_year[:, None] - plant.tau[0, 0]  # (k, years)
    inside = (index >= 0) & (index < n_t)
    rows = np.minimum(np.maximum(index, 0), n_t - 1).astype(np.intp)
    if mask is not None:
        inside = inside & _pick(mask, rows)
    return [np.where(inside, _pick(v, rows), outside) for v in values]


def _pick(v: NDArray[_Scalar], rows: NDArray[np.intp]) -> NDArray[_Scalar]:
    """``v[rows[c, y], c]`` for plant-year values ``v`` ``(T, k)`` and rows ``(k', years)``."""
    if v.shape[1] == 1:
        picked: NDArray[_Scalar] = v[rows, 0]
        return picked
    if rows.shape[0] == 1:
        picked = v[rows[0]].T
        return picked
    picked = v.reshape(-1)[rows * v.shape[1] + np.arange(v.shape[1])[:, None]]  # read in place
    return picked


def discount_factors(rate: NDArray[np.float64], plant: Plant) -> NDArray[np.float64]:
    """``(1 + r) ** -(years since the start of construction)`` for each plant year, ``(T, k)``."""
    # tau + C, not (row - first row): the same numbers however long the batch's axis is
    return np.exp(-(plant.tau + plant.construction_years) * np.log1p(rate))


def present_value(flows: NDArray[np.float64], factors: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum over plant years of ``flows * factors`` [JPY].

    flows : ``(T, ..., k)``; factors : ``(T, k)``. Summed in year order, one year after the
    other (unlike BLAS or numpy's pairwise sums), so results do not depend on batch size; a
    cumulative sum does the same additions with fewer calls on small arrays.
    """
    factors = factors.reshape(factors.shape[0], *([1] * (flows.ndim - 2)), factors.shape[1])
    if max(flows[0].size, factors[0].size) <= _TINY:
        value: NDArray[np.float64] = np.cumsum(flows * factors, axis=0)[-1]
        return value
    total: NDArray[np.float64] = flows[0] * factors[0]
    for t in range(1, flows.shape[0]):
        total += flows[t] * factors[t]
    return total


def polynomial(
    cash_flows: NDArray[np.float64], x: NDArray[np.float64], lead: NDArray[np.intp] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``Q(x) = sum_t cf_t x^(t - lead)`` and ``Q'(x)`` for every column [JPY].

    cash_flows : ``(T, m)``; x : ``(m,)``, or ``(G, 1)`` for ``G`` points of every column (the
    result is then ``(G, m)``); lead : leading zero rows of each column (default none), which
    are left out so that ``Q`` is the same polynomial however much a batch pads the axis.
    Horner's scheme over the time axis: memory stays at the size of the result and every column
    is computed by the same elementwise steps whatever the batch size, so a batch equals its
    scenarios one at a time exactly.
    """
    value, slope = _horner(cash_flows, x, lead, with_slope=True)
    assert slope is not None
    return value, slope


def _horner(
    cash_flows: NDArray[np.float64],
    x: NDArray[np.float64],
    lead: NDArray[np.intp] | None,
    with_slope: bool,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """:func:`polynomial`, with ``Q'`` only when asked (bracketing needs ``Q`` alone)."""
    shape = np.broadcast_shapes(cash_flows.shape[1:], np.shape(x))
    value = np.array(np.broadcast_to(cash_flows[-1], shape), dtype=float)
    slope = np.zeros(shape) if with_slope else None
    top = 0 if lead is None or lead.size == 0 else int(lead.max())
    for t in range(cash_flows.shape[0] - 2, -1, -1):
        if t < top:
            assert lead is not None
            live = t >= lead
            if slope is not None:
                slope = np.where(live, slope * x + value, slope)
            value = np.where(live, value * x + cash_flows[t], value)
            continue
        if slope is not None:
            slope *= x
            slope += value
        value *= x
        value += cash_flows[t]
    return value, slope


def leading_zeros(cash_flows: NDArray[np.float64]) -> NDArray[np.intp]:
    """Number of zero rows before the first non-zero value of each column of ``(T, m)``."""
    lead = np.zeros(cash_flows.shape[1], dtype=np.intp)
    still = np.ones(cash_flows.shape[1], dtype=bool)
    for row in cash_flows:
        still &= row == 0
        if not still.any():
            break
        lead += still
    return lead


def irr(cash_flows: NDArray[np.float64]) -> NDArray[np.float64]:
    """Internal rate of return of each column of ``cash_flows`` ``(T, m)`` [share per year].

    The root nearest to 0 in -90 %..1000 %, NaN if there is none (numpy-financial's choice):

    1. bracket: ``Q(x)`` (Horner's scheme, :func:`polynomial`) at every rate of ``RATE_GRID``;
       the grid interval with a sign change nearest to a zero rate holds the root;
    2. Newton's method from the false-position point of that interval, safeguarded: the
       bracket shrinks to the half where the sign changes, and a step that leaves it (or is
       not finite) is replaced by bisection. A column stops when its step is below
       ``_TOL`` relative, ``Q`` is exactly 0 or the bracket has closed.

    Every operation is elementwise over columns (Horner's scheme, no matrix product), so a
    column gets the same bits alone and in any batch.
    """
    # Leading zeros multiply P(x) by a power of x, and Newton's steps on that product are not
    # the steps on P: the iteration leaves them out (a batch pads short construction periods).
    lead = leading_zeros(cash_flows)
    grid_x = 1.0 / (1.0 + RATE_GRID)
    # Q at the grid points of the intervals nearest to 0 for every column, at the others only
    # for the columns without a sign change in those (NaN elsewhere, never read: a column's
    # interval is its first with a change, nearest first)
    at_grid = np.full((grid_x.size, cash_flows.shape[1]), np.nan)
    at_grid[_NEAR], _ = _horner(cash_flows, grid_x[_NEAR, None], lead, with_slope=False)
    near = at_grid[_NEAR] >= 0
    rest = np.flatnonzero(~(near[:-1] != near[1:]).any(axis=0))
    if rest.size:
        far = np.setdiff1d(np.arange(grid_x.size), _NEAR)
        values, _ = _horner(cash_flows[:, rest], grid_x[far, None], lead[rest], with_slope=False)
        at_grid[np.ix_(far, rest)] = values
    positive = at_grid >= 0
    change = positive[:-1] != positive[1:]  # a root between grid points g and g + 1
    ordered = change[NEAREST_FIRST]
    j = NEAREST_FIRST[np.argmax(ordered, axis=0)]
    found = np.any(ordered, axis=0)
    columns = np.arange(cash_flows.shape[1])
    lo, hi = grid_x[j], grid_x[j + 1]
    f_lo, f_hi = at_grid[j, columns], at_grid[j + 1, columns]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(f_lo == 0, lo, lo - f_lo * (hi - lo) / (f_hi - f_lo))
    live = np.flatnonzero(found & (f_lo != 0))
    for _ in range(_MAX_ITER):
        if live.size == 0:
            break
        # every column live (the first steps, as a rule): the arrays themselves, not copies
        at: NDArray[np.intp] | slice = slice(None) if live.size == columns.size else live
        xa, a, b, fa = x[at], lo[at], hi[at], f_lo[at]
        value, slope = polynomial(cash_flows[:, at], xa, lead[at])
        same = (value >= 0) == (fa >= 0)
        a = np.where(same, xa, a)
        fa = np.where(same, value, fa)
        b = np.where(same, b, xa)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = xa - value / slope
        outside = ~np.isfinite(new) | ((new - a) * (new - b) > 0)
        new = np.where(outside, 0.5 * (a + b), new)
        done = (~outside & (np.abs(new - xa) <= _TOL * xa)) | (value == 0) | (a == b)
        x[at], lo[at], hi[at], f_lo[at] = new, a, b, fa
        live = live[~done]
    with np.errstate(divide="ignore"):
        return np.where(found, 1.0 / x - 1.0, np.nan)


def payback_years(
    cash_flows: NDArray[np.float64], axis_years: NDArray[np.float64], start: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Years from ``start`` until cumulative cash flow stops being negative [years].

    cash_flows : ``(T, ..., k)`` [JPY], the flow of row ``t`` during year ``axis_years[t]``
    axis_years : ``(T, 1)`` [years]; start : when the count starts (construction) [years]
    Interpolated within the year; 0 if it is never negative, NaN if it stays negative.
    """
    n_t = cash_flows.shape[0]
    if cash_flows[0].size <= _TINY:
        cumulative = np.cumsum(cash_flows, axis=0)
    else:  # the same additions, a year at a time (a cumulative sum over a leading axis is slow)
        cumulative = np.empty(cash_flows.shape)
        cumulative[0] = cash_flows[0]
        for t in range(1, n_t):
            np.add(cumulative[t - 1], cash_flows[t], out=cumulative[t])
    negative = cumulative < 0
    # last row with a negative cumulative (-1: none), as a maximum over the year axis,
    # which numpy reduces elementwise (an argmax over a leading axis copies the array)
    rank = np.arange(1, n_t + 1, dtype=np.int16).reshape(-1, *([1] * (negative.ndim - 1)))
    last = (negative * rank).max(axis=0) - 1
    before = _at_rows(cumulative, np.maximum(last, 0))
    following = np.minimum(last + 1, n_t - 1)
    flow = _at_rows(cash_flows, following)
    year = axis_years[np.maximum(last, 0), 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        years = year + 1.0 - before / flow - start
    years = np.where(last == n_t - 1, np.nan, years)
    return np.where(last >= 0, years, 0.0)


def _at_rows(values: NDArray[np.float64], rows: NDArray[np.intp]) -> NDArray[np.float64]:
    """``values[rows[i], i]`` for every position ``i`` of ``values[0]`` (a leading-axis pick,
    like ``np.take_along_axis`` with less overhead)."""
    flat = values.reshape(values.shape[0], -1)
    return flat[rows.ravel(), np.arange(flat.shape[1])].reshape(rows.shape)
