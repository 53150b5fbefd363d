"""Vehicles in Japan: electric and hybrid sales, the vehicles Japan makes, imports and exports,
battery demand, fleet stock, disaster backup and the purchase-subsidy fund (P4).

Segments ``s`` are rows of the segments table (registered and kei passenger cars, light
commercial vehicles, trucks, buses, the special vehicles P4 names and forklifts); powertrains
``p`` are BEV, PHEV, FCV and HEV (hybrids, mild hybrids included). Years ``y`` run over the
horizon; arrays carry a leading scenario axis ``k`` (1 or n).

- sales ``N_s(y) = N_s * (1 + g) ** (y - y0_s)``; exports ``X_s(y) = X_s * (1 + g_x) ** (y - y0_s)``
- shares, an S-curve per segment and plug-in or fuel-cell powertrain::

      share_sp(y) = c_sp / (1 + exp(-r (y - m_sp - shift)))

  (at the midpoint the share is half the ceiling ``c``); hybrids take a share of the rest
  (the conventional sales), with their own steepness ``r_h``::

      share_s,hev(y) = (1 - sum_{p != hev} share_sp(y)) * c_h / (1 + exp(-r_h (y - m_h)))

  passenger segments follow the observed or user paths up to ``history_last_year``.
- electric sales ``E_sp(y) = N_s(y) * share_sp(y)``; battery demand of the vehicles sold
  ``D(y) = sum_sp E_sp(y) * pack_sp * pack_scale`` [kWh -> GWh].
- trade (imports are passenger cars): ``I_sp = E_sp * m_p`` with ``m_bev`` the imported share
  of BEV sales and ``m_other`` that of every other car; exports ``X_sp = X_s * x_p`` with the
  export mix ``x_p`` for road vehicles (industrial machines keep their segment's shares).
  Vehicles made in Japan ``= N - I + X`` (road vehicles), and the batteries they carry
  ``D_made = D - D_imported + D_exported``: the demand on cells made in Japan.
- the 2035 target: the electrified share of passenger-car sales ``sum_p E_sp / N_s``.
- stock: a vintage (convolution) model with Weibull survival, sold mid-year::

      S_s(a) = exp(-((a + 0.5) / eta_s) ** beta),  eta_s = L_s / Gamma(1 + 1 / beta)
      stock_sp(y) = sum_{v <= y} E_sp(v) * S_s(y - v)

  plus the plug-in stock of end-2020, which survives as ``S0(a0 + t) / S0(a0)``. The fleet
  of trucks and buses of all powertrains is ``N_s(y) * L_s`` (Little's law: sales times mean
  life), for the freight domain's truck shares.
- disaster backup: ``B(y) = u * v2x * (sum BEV/PHEV stock * pack + FCV stock * fcv_kwh)``
  over road vehicles; household-days ``= B / household_kwh_per_day``.
- subsidy fund: ``F(y) = level(y) * sum_sp E_sp(y) * subsidy_sp`` (no subsidy for hybrids).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import N_YEARS, YEARS, year_index
from chikuden.model import dataflow
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params, TableArrays

#: Plug-in and fuel-cell powertrains: the fleet stock, subsidies and disaster backup.
POWERTRAINS = ("bev", "phev", "fcv")
#: All powertrains with a traction battery: sales, battery demand and trade.
ALL_POWERTRAINS = (*POWERTRAINS, "hev")
KWH_PER_GWH = 1e6
TARGET_YEAR = 2030
ELECTRIFIED_TARGET_YEAR = 2035  # Green Growth Strategy: 100 % electrified new cars by 2035
FUND_FIRST_YEAR = 2023  # the first budget year after the June 2022 proposal
INITIAL_STOCK_YEAR = 2020  # the plug-in stock parameters are end-2020 counts
#: Sales values per pass of the stock's convolution (2 MB: with its sum and term, in cache).
STOCK_BLOCK = 1 << 18

_AGES = np.arange(N_YEARS, dtype=float)
_MID_AGES = _AGES + 0.5  # vintages are sold mid-year
# Years since end-2020 of the initial stock: 0 (its age then), then 1..20 on the horizon.
_SINCE_INITIAL = np.concatenate([[0], YEARS - INITIAL_STOCK_YEAR])
_gamma = np.vectorize(math.gamma, otypes=[float])


def _gamma_of(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``math.gamma`` of every element (a plain loop for one value, else ``np.vectorize``)."""
    if x.size == 1:
        return np.full(x.shape, math.gamma(float(x.reshape(-1)[0])))
    gammas: NDArray[np.float64] = _gamma(x)  # np.vectorize is untyped; otypes=[float]
    return gammas


def logistic_share(
    years: NDArray[np.intp],
    ceiling: NDArray[np.float64],
    midpoint: NDArray[np.float64],
    steepness: NDArray[np.float64],
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """S-curve share of sales [share]: ``ceiling / (1 + exp(-steepness (year - midpoint)))``.

    years : [year], broadcast against the others
    ceiling : long-run share [share]
    midpoint : year the share reaches half the ceiling [year]
    steepness : [per year]
    out : where to write it (of the broadcast shape or larger), else a new array
    """
    if out is None:
        out = np.empty(
            np.broadcast_shapes(*(np.shape(x) for x in (years, ceiling, midpoint, steepness)))
        )
    # in place, one array of the full shape: (years - midpoint) * -steepness, exp, + 1, ceiling /
    np.subtract(years, midpoint, out=out)
    out *= -steepness
    np.exp(out, out=out)
    out += 1.0
    return np.divide(ceiling, out, out=out)


def weibull_hazard(
    age: NDArray[np.float64], mean_life: NDArray[np.float64], shape: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Cumulative hazard ``(age / scale) ** shape`` of a Weibull lifetime [1]; the share still
    in use is ``exp(-hazard)``.

    age : years since sale [years]; mean_life : mean lifetime [years]; shape : Weibull shape.
    """
    scale = mean_life / _gamma_of(1.0 + 1.0 / shape)
    # (age / scale) ** shape written as exp(shape * log(.)): numpy's power takes a faster
    # path for some broadcast exponents, which would make a batch differ from its scenarios
    # run one at a time in the last bit. The padding rows of a batch's tables have a mean life
    # of 0 (real rows at least 1 year): their hazard is infinite and they are masked out.
    with np.errstate(divide="ignore"):
        return np.exp(shape * np.log(np.maximum(age, 1e-300) / scale))


def weibull_survival(
    age: NDArray[np.float64], mean_life: NDArray[np.float64], shape: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Share of a vintage still in use at ``age`` [share] for a Weibull lifetime."""
    return np.exp(-weibull_hazard(age, mean_life, shape))


def stock_from_sales(
    sales: NDArray[np.float64], survival: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Vehicles in use at the end of each year [vehicles] from sales by vintage.

    sales : vehicles sold per year [vehicles], shape ``(..., p, years)``
    survival : share in use by age 0, 1, ... [share], shape ``(..., ages >= years)``
    returns ``stock[..., p, y] = sum_{v <= y} sales[..., p, v] * survival[..., y - v]``
    """
    # Age by age, each vintage's survivors added to the years it reaches: the terms of a year
    # are added from the newest vintage to the oldest, whatever the batch (a matmul may sum in
    # another order for another batch size, and a batch must equal its scenarios one at a
    # time exactly). The work runs on the transposes, years first: each step adds whole years
    # (with years last, numpy loops over runs of at most 20 elements). For sales in Fortran
    # order, as a batch of the step makes them (:func:`layout`), the transposes are views.
    years = sales.shape[-1]
    ndim = max(sales.ndim, survival.ndim + 1)  # the same axes for both, so that they transpose
    by_year = sales.reshape((1,) * (ndim - sales.ndim) + sales.shape).T  # (years, p, ...)
    ages = survival[..., None, :years]
    by_age = ages.reshape((1,) * (ndim - ages.ndim) + ages.shape).T  # (ages, 1, ...)
    stock = np.zeros(np.broadcast_shapes(by_year.shape, by_age.shape))
    term = np.empty(stock.shape)
    for age in range(years):
        part = term[: years - age]
        np.multiply(by_year[: years - age], by_age[age], out=part)
        stock[age:] += part
    out: NDArray[np.float64] = stock.T
    return out


_PER_POWERTRAIN = ("{}_saturation_share", "{}_midpoint_year", "pack_{}_kwh", "subsidy_{}_jpy")
CLASSES = ("passenger", "light_commercial", "heavy", "special", "industrial")


def layout(k: int) -> Literal["C", "F"]:
    """Memory order of the step's ``(k, s, p, years)`` arrays for ``k`` scenarios.

    A batch keeps them in Fortran order, the scenarios fastest: every operation then runs over
    whole runs of scenarios (in C order numpy loops over runs of 20 years, a third of the
    step's time for a Monte Carlo chunk), and the stock's convolution takes their transpose
    without a copy (:func:`stock_from_sales`). One scenario keeps C order, the years fastest.
    Either way no sum over segments or powertrains runs along the fastest axis, where numpy
    adds pairwise: each such sum adds its terms in order, and a batch gives each scenario the
    same bits as alone.
    """
    return "F" if k > 1 else "C"


def powertrain_columns(seg: TableArrays) -> dict[str, NDArray[np.float64]]:
    """The table's per-powertrain columns, each shape ``(k, s, 3)`` (BEV, PHEV, FCV)."""
    names = [pattern.format(pt) for pattern in _PER_POWERTRAIN for pt in POWERTRAINS]
    both = np.stack([seg[n] for n in names], axis=-1)
    both = both.reshape(*both.shape[:-1], len(_PER_POWERTRAIN), len(POWERTRAINS))
    return {
        "ceiling": both[..., 0, :],
        "midpoint": both[..., 1, :],
        "pack": both[..., 2, :],
        "subsidy": both[..., 3, :],
    }


def _by_powertrain(
    p: Params, pattern: str, powertrains: tuple[str, ...] = POWERTRAINS
) -> NDArray[np.float64]:
    """Parameters ``pattern.format(pt)`` of the powertrains stacked on axis 1, ``(k, p, ...)``.

    Each may be shared (leading axis 1) or per scenario (n): they are broadcast to a common
    leading axis first, so a batch in which only one of them differs stacks as well.
    """
    arrays = [p[pattern.format(pt)] for pt in powertrains]
    return np.stack(np.broadcast_arrays(*arrays), axis=1)


def adoption_shares(
    p: Params,
    ceiling: NDArray[np.float64],
    midpoint: NDArray[np.float64],
    passenger: NDArray[np.bool_],
    hev_ceiling: NDArray[np.float64],
    hev_midpoint: NDArray[np.float64],
) -> NDArray[np.float64]:
    """BEV, PHEV, FCV and HEV shares of each segment's sales [share], ``(k, s, 4, years)``
    (in the memory order :func:`layout` gives).

    ceiling, midpoint : BEV/PHEV/FCV S-curve ceilings [share] and midpoints [year],
        shape ``(k, s, 3)``; ``vehicles.adoption_shift_years`` moves the midpoints
    passenger : rows that follow the observed or user paths to ``history_last_year``, ``(k, s)``
    hev_ceiling, hev_midpoint : the hybrid S-curve, as a share of the conventional sales
        (neither plug-in nor fuel-cell), ``(k, s)``; steepness ``vehicles.hev_steepness_per_year``
    """
    # in the step's layout, or the S-curves' first operation would read it across memory
    shift = p["vehicles.adoption_shift_years"][:, None, None]
    mid = np.add(midpoint, shift, order=layout(max(len(midpoint), len(shift))))
    steep = p["vehicles.adoption_steepness_per_year"][:, None, None, None]
    hybrid_of_rest = logistic_share(
        YEARS,
        hev_ceiling[..., None],
        hev_midpoint[..., None],
        p["vehicles.hev_steepness_per_year"][:, None, None],
    )  # (k, s, years)
    paths = _by_powertrain(p, "vehicles.passenger_{}_share", ALL_POWERTRAINS)  # (k, 4, years)
    observed = YEARS[None, :] <= p["vehicles.history_last_year"][:, None]  # (k, years)
    use_path = passenger[:, :, None, None] & observed[:, None, None, :]  # (k, s, 1, years)
    k = max(len(x) for x in (ceiling, mid, steep, hybrid_of_rest, paths, use_path))
    curves = np.empty((k, mid.shape[1], len(ALL_POWERTRAINS), YEARS.size), order=layout(k))
    plugin = curves[:, :, :3]  # (k, s, 3, years), written in place
    logistic_share(YEARS, ceiling[..., None], mid[..., None], steep, out=plugin)
    rest = 1.0 - (plugin[:, :, 0] + plugin[:, :, 1] + plugin[:, :, 2])
    np.multiply(rest, hybrid_of_rest, out=curves[:, :, 3])
    for i in np.flatnonzero(passenger.any(axis=0)):  # the rows that may follow the paths
        np.copyto(curves[:, i], paths, where=use_path[:, i])
    return curves


def import_shares(p: Params, passenger: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Share of each powertrain's domestic sales that is imported [share], ``(k, s, 4, years)``.

    Imports are passenger cars: BEVs at ``vehicles.imported_bev_share``, PHEVs, FCVs and
    hybrids (like conventional cars) at ``vehicles.imported_other_share``; 0 for other rows.
    passenger : ``(k, s)`` bool
    """
    bev = p["vehicles.imported_bev_share"]
    other = p["vehicles.imported_other_share"]
    by_powertrain = np.stack(np.broadcast_arrays(bev, other, other, other), axis=1)
    return by_powertrain[:, None, :, :] * passenger[:, :, None, None]


def export_shares(
    p: Params, shares: NDArray[np.float64], road: NDArray[np.bool_]
) -> list[NDArray[np.float64]]:
    """Powertrain mix of each segment's exports [share], segment by segment: ``(k, 4, years)``
    each (``k`` 1 where the mix is the batch's only one).

    Exported road vehicles follow the export mix (``vehicles.export_*_share``: the
    destination markets, not Japan's S-curves); industrial machines keep their segment's
    shares (the Li-ion share of a forklift does not depend on where it is sold).
    shares : the segments' domestic shares, ``(k, s, 4, years)``; road : ``(k, s)`` bool
    """
    mix = _by_powertrain(p, "vehicles.export_{}_share", ALL_POWERTRAINS)  # (k, 4, years)
    rows: list[NDArray[np.float64]] = []
    for i in range(road.shape[1]):
        if road[:, i].all():  # the mix alone: no scenario's own shares are read
            rows.append(np.broadcast_to(mix, (max(len(mix), len(road)), *mix.shape[1:])))
        elif not road[:, i].any():
            rows.append(shares[:, i])
        else:  # a batch of tables in which the segment is a road vehicle in some scenarios
            rows.append(np.where(road[:, i, None, None], mix, shares[:, i]))
    return rows


def electrified_share(
    sales: NDArray[np.float64], electrified: NDArray[np.float64], passenger: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Electrified (BEV, PHEV, FCV, HEV) share of passenger-car sales [share], ``(k, years)``.

    sales : ``(k, s, years)`` [vehicles]; electrified : ``(k, s, 4, years)`` [vehicles];
    passenger : ``(k, s)`` bool. NaN where the table has no passenger-car sales.
    """
    cars = add_rows(sales, passenger)
    electric = add_rows(lambda i: add_up(electrified[:, i], 1), passenger)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cars > 0, electric / cars, np.nan)


@dataclass(frozen=True)
class _Segments:
    """What the step reads from the segments table alone, shaped for broadcasting.

    Built once per table (tables are immutable) and kept on the table's arrays.
    """

    passenger: NDArray[np.bool_]  # (k, s) bool
    in_class: NDArray[np.bool_]  # (k, s, 5) bool
    road: NDArray[np.bool_]  # (k, s) bool: valid rows that are road vehicles
    light: NDArray[np.bool_]  # (k, s) bool: passenger or light commercial
    heavy: NDArray[np.bool_]  # (k, s) bool: heavy or special
    trucks_buses: NDArray[np.bool_]  # (k, s) bool: the heavy class alone
    units_3d: NDArray[np.float64]  # (k, s, 1) sales of valid rows [vehicles per year]
    exports_3d: NDArray[np.float64]  # (k, s, 1) exports of valid rows [vehicles per year]
    sales_age: NDArray[np.float64]  # (k, s, years) years since the sales base year
    lifetime_3d: NDArray[np.float64]  # (k, s, 1) [years]
    ceiling: NDArray[np.float64]  # (k, s, 3)
    midpoint: NDArray[np.float64]  # (k, s, 3)
    hev_ceiling: NDArray[np.float64]  # (k, s)
    hev_midpoint: NDArray[np.float64]  # (k, s)
    pack: NDArray[np.float64]  # (k, s, 4) [kWh]: BEV, PHEV, FCV, HEV
    subsidy_4d: NDArray[np.float64]  # (k, s, 3, 1) [JPY]
    valid: NDArray[np.float64]  # (k, s) 1.0 for a real row


def _segments(p: Params, seg: TableArrays) -> _Segments:
    """The segments table's :class:`_Segments`, checked (about 40 us for one scenario)."""
    cols = powertrain_columns(seg)
    assert seg.codes is not None and seg.allowed is not None
    assert seg.allowed["class"] == CLASSES, "vehicle_segments schema: class order changed"
    valid = seg.valid > 0
    in_class = (seg.codes["class"][..., None] == np.arange(len(CLASSES))) & valid[..., None]
    passenger, light_commercial, heavy, special, industrial = np.moveaxis(in_class, -1, 0)
    road = valid & ~industrial  # (k, s)
    pack = np.concatenate([cols["pack"], seg["pack_hev_kwh"][..., None]], axis=-1)
    return _Segments(
        passenger=passenger,
        in_class=in_class,
        road=road,
        light=passenger | light_commercial,
        heavy=heavy | special,
        trucks_buses=heavy,
        units_3d=(seg["sales_units"] * seg.valid)[:, :, None],
        exports_3d=(seg["exports_units"] * seg.valid)[:, :, None],
        sales_age=YEARS - seg["sales_year"][:, :, None],
        lifetime_3d=seg["lifetime_years"][:, :, None],
        ceiling=cols["ceiling"],
        midpoint=cols["midpoint"],
        hev_ceiling=seg["hev_saturation_share"],
        hev_midpoint=seg["hev_midpoint_year"],
        pack=pack,
        subsidy_4d=cols["subsidy"][..., None],
        valid=seg.valid,
    )


def add_up(
    x: NDArray[np.float64],
    axis: int | tuple[int, int],
    times: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """``x`` summed along ``axis`` (or two adjacent axes), the terms added in order:
    ``((x0 + x1) + x2) + ...``, for two axes the second axis's terms within each of the first.

    times : for one axis, ``x * times`` is summed, ``times`` broadcast against ``x`` (of its
    number of dimensions): the same bits, each term's product formed in turn (never the
    product's whole array).

    What ``np.sum`` gives for an axis that is not the fastest in memory, in any layout: numpy
    sums in the order of the memory layout, pairwise along the fastest axis, and the step's
    arrays are in Fortran order in a batch and C order alone (:func:`layout`), where a batch
    must give each scenario the bits it gives alone.
    """
    if times is not None:
        assert isinstance(axis, int) and times.ndim == x.ndim
        xs, ws = np.moveaxis(x, axis, 0), np.moveaxis(times, axis, 0)
        if not len(xs):
            return np.zeros(np.broadcast_shapes(xs.shape[1:], ws.shape[1:]))
        total_of: NDArray[np.float64] = np.multiply(xs[0], ws[0])
        term = np.empty_like(total_of)
        for j in range(1, len(xs)):
            total_of += np.multiply(xs[j], ws[j % len(ws)], out=term)
        return total_of
    first, last = (axis, axis) if isinstance(axis, int) else axis
    terms = np.moveaxis(x, list(range(first, last + 1)), list(range(last - first + 1)))
    terms = terms.reshape(-1, *terms.shape[last - first + 1 :]) if last > first else terms
    if not len(terms):
        return np.zeros(terms.shape[1:])
    total: NDArray[np.float64] = terms[0].copy(order="K")
    for term in terms[1:]:
        total += term
    return total


def add_rows(
    x: NDArray[np.float64] | Callable[[int], NDArray[np.float64]],
    rows: NDArray[np.bool_],
    within: bool = False,
    tail: tuple[int, ...] = (N_YEARS,),
) -> NDArray[np.float64]:
    """``add_up(x * rows, 1)`` (``within``: ``add_up(x * rows, (1, 2))``): the segments
    ``rows`` selects, ``(k, s)`` bool, added in order, each one's terms of axis 2 in order
    for ``within``.

    x : ``(k, s, ...)``, or a function giving segment ``i``'s ``x[:, i]``, called only for the
        segments that some scenario selects (their terms alone are computed).
    tail : for a function, the sum's shape after the scenario axis, the shape of the zeros
        returned when no segment is selected (a table without rows); default one value a year

    The same bits as the product and sum it stands for, with less work: a segment no scenario
    selects adds zeros, which leave a sum of finite terms as it is, and is left out; one every
    scenario selects is added as it is (times 1). Only a segment selected in some scenarios
    of a batch (tables that differ) is multiplied by its column of ``rows``.
    """
    term = (lambda i: x[:, i]) if isinstance(x, np.ndarray) else x
    total: NDArray[np.float64] | None = None
    every = set(np.flatnonzero(rows.all(axis=0)).tolist())  # the segments all select
    for i in np.flatnonzero(rows.any(axis=0)).tolist():
        part = term(i)
        if i not in every:
            part = part * rows[:, i].reshape(-1, *(1,) * (part.ndim - 1))
        for piece in part.swapaxes(0, 1) if within else (part,):
            if total is None:
                total = piece.copy(order="K")
            elif piece.shape[1:] == total.shape[1:] and len(piece) in (1, len(total)):
                total += piece
            else:  # a shared sum meets a term per scenario
                total = total + piece
    if total is None:  # no segment selected
        if not isinstance(x, np.ndarray):
            return np.zeros((rows.shape[0], *tail))
        return np.zeros((max(len(x), len(rows)), *x.shape[3 if within else 2 :]))
    return total


def _per_year(
    units: NDArray[np.float64], change: NDArray[np.float64], age: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``units * (1 + change) ** age`` [vehicles per year], ``(k, s, years)``."""
    return units * (1.0 + change[:, None, None]) ** age


@dataflow.step(
    params=("vehicles.*",),
    writes=("vehicles.*",),
)
def step(p: Params, out: Outputs) -> None:
    t = _segments(p, p.table("vehicles.segments"))

    # Sales and exports by segment, powertrain and year [vehicles per year].
    sales = _per_year(t.units_3d, p["vehicles.sales_change_share"], t.sales_age)
    exports = _per_year(t.exports_3d, p["vehicles.exports_change_share"], t.sales_age)
    shares = adoption_shares(p, t.ceiling, t.midpoint, t.passenger, t.hev_ceiling, t.hev_midpoint)
    # (k, s, 4, years): BEV, PHEV, FCV, HEV; products of the full shape in the step's layout
    # (numpy's own choice for operands of mixed layouts is neither, and slow to read)
    order = layout(len(shares))
    electric = np.multiply(sales[:, :, None, :], shares, order=order)
    plugin = electric[:, :, :3]  # plug-in and fuel-cell vehicles

    road_sales = add_rows(sales, t.road)  # (k, years)
    road_electric = add_rows(electric, t.road)  # (k, 4, years)
    pt_share = np.divide(
        road_electric,
        road_sales[:, None, :],
        out=np.zeros_like(road_electric),
        where=road_sales[:, None, :] > 0,
    )
    ev_share = pt_share[:, 0] + pt_share[:, 1] + pt_share[:, 2]
    electrified = electrified_share(sales, electric, t.passenger)

    # Trade: imported passenger cars and exported vehicles, by powertrain [vehicles], segment
    # by segment (imports are passenger cars; exported road vehicles follow the export mix).
    import_share = import_shares(p, t.passenger)  # (k, s, 4, years)
    other_share = p["vehicles.imported_other_share"]  # (k, years)

    def imported(i: int) -> NDArray[np.float64]:
        return electric[:, i] * import_share[:, i]  # (k, 4, years)

    export_share = export_shares(p, shares, t.road)

    def exported(i: int) -> NDArray[np.float64]:
        return exports[:, i, None, :] * export_share[i]  # (k, 4, years)

    def imported_cars(i: int) -> NDArray[np.float64]:
        other_cars = sales[:, i] - electric[:, i, 0]  # every car but BEVs, hybrids included
        return imported(i)[:, 0] + other_cars * other_share

    imports_road = add_rows(imported_cars, t.passenger)  # (k, years)
    exports_road = add_rows(exports, t.road)
    made = road_sales - imports_road + exports_road

    # Battery demand [GWh], in total and by class; of imported, exported and made vehicles.
    pack = t.pack * p["vehicles.pack_size_scale"][:, None, None]  # (k, s, 4)
    seg_gwh = add_up(electric, 2, times=pack[..., None]) / KWH_PER_GWH  # (k, s, years)
    demand = add_up(seg_gwh, 1)
    class_gwh = np.stack(
        [add_rows(seg_gwh, t.in_class[:, :, c]) for c in range(len(CLASSES))], axis=1
    )  # (k, 5, years)
    imported_gwh = (
        add_rows(lambda i: imported(i) * pack[:, i, :, None], t.passenger, within=True)
        / KWH_PER_GWH
    )
    exported_gwh = (
        add_rows(lambda i: exported(i) * pack[:, i, :, None], t.valid > 0, within=True)
        / KWH_PER_GWH
    )
    made_gwh = demand - imported_gwh + exported_gwh

    # Stock [vehicles]: vintages of the horizon plus the plug-ins in use at end-2020.
    shape = p["vehicles.survival_shape"]
    survival = weibull_survival(_MID_AGES, t.lifetime_3d, shape[:, None, None])
    # a few segments at a time, whose arrays stay in cache (a Monte Carlo chunk's segments one
    # by one: half the time of the whole (k, s, 3, years) at once); the same bits
    k = max(len(plugin), len(survival))
    stock = np.empty((k, *plugin.shape[1:]), order=layout(k))
    step_rows = max(1, STOCK_BLOCK // (k * plugin.shape[2] * plugin.shape[3]))
    for i in range(0, plugin.shape[1], step_rows):
        rows = slice(i, i + step_rows)
        stock[:, rows] = stock_from_sales(plugin[:, rows], survival[:, rows])
    age0 = p["vehicles.initial_stock_age_years"][:, None]
    life0 = p["vehicles.initial_stock_lifetime_years"][:, None]
    # Share of the end-2020 stock still in use, S(age) / S(age at end-2020), as
    # exp(H0 - H): the ratio of survivals underflows to 0 / 0 for an old, short-lived stock.
    hazard = weibull_hazard(age0 + _SINCE_INITIAL, life0, shape[:, None])
    initial = np.exp(hazard[:, :1] - hazard[:, 1:])  # (k, years)
    initial_stock = (
        _by_powertrain(p, "vehicles.initial_{}_stock")[:, :, None] * initial[:, None, :]
    )  # (k, 3, years)
    light_stock = add_rows(stock, t.light) + initial_stock
    heavy_stock = add_rows(stock, t.heavy)
    zev_heavy = heavy_stock[:, 0] + heavy_stock[:, 2]
    # Trucks and buses alone, and their whole fleet by Little's law (sales x mean life).
    trucks_buses = add_rows(stock, t.trucks_buses)  # (k, 3, years)
    trucks_buses_fleet = add_rows(sales * t.lifetime_3d, t.trucks_buses)

    # Energy the road fleet can supply in a disaster [GWh] and household-days.
    fcv_kwh = p["vehicles.fcv_supply_kwh"][:, None]
    road_fcv = add_rows(stock[:, :, 2], t.road)  # (k, years)
    road_kwh = (
        add_rows(lambda i: stock[:, i, :2] * pack[:, i, :2, None], t.road, within=True)
        + road_fcv * fcv_kwh
    )
    initial_kwh = (
        initial_stock[:, 0] * p["vehicles.initial_bev_pack_kwh"][:, None]
        + initial_stock[:, 1] * p["vehicles.initial_phev_pack_kwh"][:, None]
        + initial_stock[:, 2] * fcv_kwh
    )
    usable = (p["vehicles.backup_usable_share"] * p["vehicles.v2x_capable_share"])[:, None]
    backup_kwh = usable * (road_kwh + initial_kwh)
    household_days = backup_kwh / p["vehicles.household_kwh_per_day"][:, None]

    # Purchase-subsidy fund [JPY per year].
    level = p["vehicles.subsidy_level_share"][:, None, :]
    seg_fund = add_up(plugin, 2, times=t.subsidy_4d) * level  # (k, s, years)
    # years contiguous: the sum over 2023-2030 below then adds as numpy adds a contiguous axis
    fund = np.ascontiguousarray(add_up(seg_fund, 1))

    i30 = year_index(TARGET_YEAR)
    i35 = year_index(ELECTRIFIED_TARGET_YEAR)
    for j, pt in enumerate(ALL_POWERTRAINS):
        out.serie(f"vehicles.sales_{pt}", road_electric[:, j])
        out.serie(f"vehicles.sales_share_{pt}", pt_share[:, j])
    for j, pt in enumerate(POWERTRAINS):
        out.serie(f"vehicles.{pt}_stock", light_stock[:, j])
    out.serie("vehicles.ev_sales_share", ev_share)
    out.serie("vehicles.electrified_passenger_share", electrified)
    out.serie("vehicles.plugin_stock", light_stock[:, 0] + light_stock[:, 1])
    out.serie("vehicles.heavy_zev_stock", zev_heavy)
    out.serie("vehicles.trucks_buses_bev_stock", trucks_buses[:, 0])
    out.serie("vehicles.trucks_buses_fcv_stock", trucks_buses[:, 2])
    out.serie("vehicles.trucks_buses_fleet", trucks_buses_fleet)
    out.serie("vehicles.battery_demand_domestic_gwh", demand)
    for c, cls in enumerate(CLASSES):
        out.serie(f"vehicles.battery_demand_{cls}_gwh", class_gwh[:, c])
    out.serie("vehicles.battery_demand_imported_gwh", imported_gwh)
    out.serie("vehicles.battery_demand_exported_gwh", exported_gwh)
    out.serie("vehicles.battery_demand_made_gwh", made_gwh)
    out.serie("vehicles.road_sales", road_sales)
    out.serie("vehicles.imports", imports_road)
    out.serie("vehicles.exports", exports_road)
    out.serie("vehicles.made_in_japan", made)
    out.serie("vehicles.fleet_backup_energy_gwh", backup_kwh / KWH_PER_GWH)
    out.serie("vehicles.fleet_backup_household_days", household_days)
    out.serie("vehicles.subsidy_fund_jpy", fund)

    out.indicator("vehicles.ev_sales_share_2030", ev_share[:, i30])
    out.indicator("vehicles.battery_demand_domestic_2030", demand[:, i30])
    out.indicator("vehicles.battery_demand_made_2030", made_gwh[:, i30])
    out.indicator("vehicles.battery_demand_exported_2030", exported_gwh[:, i30])
    out.indicator("vehicles.battery_demand_imported_2030", imported_gwh[:, i30])
    out.indicator("vehicles.made_in_japan_2030", made[:, i30])
    out.indicator("vehicles.bev_sales_share_2030", pt_share[:, 0, i30])
    out.indicator("vehicles.electrified_passenger_share_2035", electrified[:, i35])
    out.indicator("vehicles.electrified_target_share", p["vehicles.electrified_target_share"])
    out.indicator("vehicles.plugin_stock_2030", light_stock[:, 0, i30] + light_stock[:, 1, i30])
    out.indicator("vehicles.fleet_backup_energy_2030", backup_kwh[:, i30] / KWH_PER_GWH)
    out.indicator("vehicles.fleet_backup_household_days_2030", household_days[:, i30])
    out.indicator("vehicles.subsidy_fund_2030", fund[:, i30])
    first = year_index(FUND_FIRST_YEAR)
    out.indicator("vehicles.subsidy_fund_2023_2030", fund[:, first : i30 + 1].sum(axis=1))
    out.indicator("vehicles.battery_demand_domestic_2040", demand[:, -1])
    out.indicator("vehicles.battery_demand_made_2040", made_gwh[:, -1])

    out.rows["vehicles.segment_ev_share_2030"] = add_up(shares[:, :, :3, i30], 2) * t.valid
    out.rows["vehicles.segment_battery_gwh_2030"] = seg_gwh[:, :, i30]
    out.rows["vehicles.segment_ev_stock_2030"] = add_up(stock[:, :, :, i30], 2)
    out.rows["vehicles.segment_subsidy_2030_jpy"] = seg_fund[:, :, i30]
