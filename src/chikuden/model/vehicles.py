"""Vehicles in Japan: electric sales, battery demand, fleet stock, disaster backup and the
purchase-subsidy fund (P4).

Segments ``s`` are rows of the segments table (registered and kei passenger cars, light
commercial vehicles, trucks, buses, the special vehicles P4 names and forklifts); powertrains
``p`` are BEV, PHEV and FCV. Years ``y`` run over the horizon; arrays carry a leading scenario
axis ``k`` (1 or n).

- sales: ``N_s(y) = N_s * (1 + g) ** (y - y0_s)``
- shares, an S-curve per segment and powertrain::

      share_sp(y) = c_sp / (1 + exp(-r (y - m_sp - shift)))

  (at the midpoint the share is half the ceiling ``c``); passenger segments follow the
  observed or user paths up to ``history_last_year``.
- electric sales ``E_sp(y) = N_s(y) * share_sp(y)``; battery demand
  ``D(y) = sum_sp E_sp(y) * pack_sp * pack_scale`` [kWh -> GWh].
- stock: a vintage (convolution) model with Weibull survival, sold mid-year::

      S_s(a) = exp(-((a + 0.5) / eta_s) ** beta),  eta_s = L_s / Gamma(1 + 1 / beta)
      stock_sp(y) = sum_{v <= y} E_sp(v) * S_s(y - v)

  plus the plug-in stock of end-2020, which survives as ``S0(a0 + t) / S0(a0)``.
- disaster backup: ``B(y) = u * v2x * (sum BEV/PHEV stock * pack + FCV stock * fcv_kwh)``
  over road vehicles; household-days ``= B / household_kwh_per_day``.
- subsidy fund: ``F(y) = level(y) * sum_sp E_sp(y) * subsidy_sp``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from chikuden.horizon import N_YEARS, YEARS, year_index
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params, TableArrays

POWERTRAINS = ("bev", "phev", "fcv")
KWH_PER_GWH = 1e6
TARGET_YEAR = 2030
FUND_FIRST_YEAR = 2023  # the first budget year after the June 2022 proposal
INITIAL_STOCK_YEAR = 2020  # the plug-in stock parameters are end-2020 counts

# Vintage ``v`` and year ``y`` on the horizon: age y - v, counted only where v <= y.
_AGE = np.clip(YEARS[:, None] - YEARS[None, :], 0, None)  # (years, vintages)
_SOLD_BY = (YEARS[:, None] >= YEARS[None, :]).astype(float)
_AGES = np.arange(N_YEARS, dtype=float)
_MID_AGES = _AGES + 0.5  # vintages are sold mid-year
# Years since end-2020 of the initial stock: 0 (its age then), then 1..20 on the horizon.
_SINCE_INITIAL = np.concatenate([[0], YEARS - INITIAL_STOCK_YEAR])
_gamma = np.vectorize(math.gamma, otypes=[float])


def _gamma_of(x: np.ndarray) -> np.ndarray:
    """``math.gamma`` of every element (a plain loop for one value, else ``np.vectorize``)."""
    if x.size == 1:
        return np.full(x.shape, math.gamma(float(x.reshape(-1)[0])))
    return _gamma(x)


def logistic_share(
    years: np.ndarray, ceiling: np.ndarray, midpoint: np.ndarray, steepness: np.ndarray
) -> np.ndarray:
    """S-curve share of sales [share]: ``ceiling / (1 + exp(-steepness (year - midpoint)))``.

    years : [year], broadcast against the others
    ceiling : long-run share [share]
    midpoint : year the share reaches half the ceiling [year]
    steepness : [per year]
    """
    return ceiling / (1.0 + np.exp(-steepness * (years - midpoint)))


def weibull_hazard(age: np.ndarray, mean_life: np.ndarray, shape: np.ndarray) -> np.ndarray:
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


def weibull_survival(age: np.ndarray, mean_life: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Share of a vintage still in use at ``age`` [share] for a Weibull lifetime."""
    return np.exp(-weibull_hazard(age, mean_life, shape))


def stock_from_sales(sales: np.ndarray, survival: np.ndarray) -> np.ndarray:
    """Vehicles in use at the end of each year [vehicles] from sales by vintage.

    sales : vehicles sold per year [vehicles], shape ``(..., p, years)``
    survival : share in use by age 0, 1, ... [share], shape ``(..., ages >= years)``
    returns ``stock[..., p, y] = sum_{v <= y} sales[..., p, v] * survival[..., y - v]``
    """
    matrix = survival[..., _AGE] * _SOLD_BY  # (..., years, vintages)
    # An explicit product and sum rather than matmul: BLAS may sum in a different order for
    # a different batch size, and a batch must equal its scenarios one at a time exactly.
    return (sales[..., None, :] * matrix[..., None, :, :]).sum(axis=-1)


_PER_POWERTRAIN = ("{}_saturation_share", "{}_midpoint_year", "pack_{}_kwh", "subsidy_{}_jpy")
CLASSES = ("passenger", "light_commercial", "heavy", "special", "industrial")


def powertrain_columns(seg: TableArrays) -> dict[str, np.ndarray]:
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


def _by_powertrain(p: Params, pattern: str) -> np.ndarray:
    """Parameters ``pattern.format(pt)`` of BEV, PHEV and FCV stacked on axis 1, ``(k, 3, ...)``.

    Each may be shared (leading axis 1) or per scenario (n): they are broadcast to a common
    leading axis first, so a batch in which only one of them differs stacks as well.
    """
    arrays = [p[pattern.format(pt)] for pt in POWERTRAINS]
    return np.stack(np.broadcast_arrays(*arrays), axis=1)


def adoption_shares(
    p: Params, ceiling: np.ndarray, midpoint: np.ndarray, passenger: np.ndarray
) -> np.ndarray:
    """BEV/PHEV/FCV shares of each segment's sales [share], shape ``(k, s, 3, years)``.

    ceiling, midpoint : S-curve ceilings [share] and midpoints [year], shape ``(k, s, 3)``
    passenger : rows that follow the observed or user paths to ``history_last_year``
    """
    mid = midpoint + p["vehicles.adoption_shift_years"][:, None, None]
    steep = p["vehicles.adoption_steepness_per_year"][:, None, None, None]
    shares = logistic_share(YEARS, ceiling[..., None], mid[..., None], steep)
    paths = _by_powertrain(p, "vehicles.passenger_{}_share")  # (k, 3, years)
    observed = YEARS[None, :] <= p["vehicles.history_last_year"][:, None]  # (k, years)
    use_path = passenger[:, :, None, None] & observed[:, None, None, :]
    return np.where(use_path, paths[:, None, :, :], shares)


@dataclass(frozen=True)
class _Segments:
    """What the step reads from the segments table alone, shaped for broadcasting.

    Built once per table (tables are immutable) and kept on the table's arrays.
    """

    passenger: np.ndarray  # (k, s) bool
    passenger_4d: np.ndarray  # (k, s, 1, 1) bool
    in_class_4d: np.ndarray  # (k, s, 5, 1) bool
    road_3d: np.ndarray  # (k, s, 1) float
    road_4d: np.ndarray  # (k, s, 1, 1) float
    light_4d: np.ndarray  # (k, s, 1, 1) bool
    heavy_4d: np.ndarray  # (k, s, 1, 1) bool: heavy or special
    units_3d: np.ndarray  # (k, s, 1) sales of valid rows [vehicles per year]
    sales_age: np.ndarray  # (k, s, years) years since the sales base year
    lifetime_3d: np.ndarray  # (k, s, 1) [years]
    ceiling_4d: np.ndarray  # (k, s, 3, 1)
    midpoint: np.ndarray  # (k, s, 3)
    pack: np.ndarray  # (k, s, 3) [kWh]
    subsidy_4d: np.ndarray  # (k, s, 3, 1) [JPY]
    valid: np.ndarray  # (k, s) 1.0 for a real row


def _segments(p: Params, seg: TableArrays) -> _Segments:
    """The segments table's :class:`_Segments`, checked and built on first use."""
    cached = seg.__dict__.get("_vehicles_segments")
    if cached is not None:
        return cached
    cols = powertrain_columns(seg)
    assert seg.codes is not None and seg.allowed is not None
    assert seg.allowed["class"] == CLASSES, "vehicle_segments schema: class order changed"
    valid = seg.valid > 0
    in_class = (seg.codes["class"][..., None] == np.arange(len(CLASSES))) & valid[..., None]
    passenger, light_commercial, heavy, special, industrial = np.moveaxis(in_class, -1, 0)
    road = (valid & ~industrial).astype(float)  # (k, s)
    built = _Segments(
        passenger=passenger,
        passenger_4d=passenger[:, :, None, None],
        in_class_4d=in_class[..., None],
        road_3d=road[:, :, None],
        road_4d=road[:, :, None, None],
        light_4d=(passenger | light_commercial)[:, :, None, None],
        heavy_4d=(heavy | special)[:, :, None, None],
        units_3d=(seg["sales_units"] * seg.valid)[:, :, None],
        sales_age=YEARS - seg["sales_year"][:, :, None],
        lifetime_3d=seg["lifetime_years"][:, :, None],
        ceiling_4d=cols["ceiling"][..., None],
        midpoint=cols["midpoint"],
        pack=cols["pack"],
        subsidy_4d=cols["subsidy"][..., None],
        valid=seg.valid,
    )
    for value in vars(built).values():
        value.flags.writeable = False
    # TableArrays is frozen and its arrays never change: keep the result with them.
    seg.__dict__["_vehicles_segments"] = built
    return built


def step(p: Params, out: Outputs) -> None:
    t = _segments(p, p.table("vehicles.segments"))

    # Sales by segment, powertrain and year [vehicles per year].
    growth = 1.0 + p["vehicles.sales_change_share"][:, None, None]
    sales = t.units_3d * growth**t.sales_age
    mid = t.midpoint + p["vehicles.adoption_shift_years"][:, None, None]
    steep = p["vehicles.adoption_steepness_per_year"][:, None, None, None]
    shares = logistic_share(YEARS, t.ceiling_4d, mid[..., None], steep)
    paths = _by_powertrain(p, "vehicles.passenger_{}_share")  # (k, 3, years)
    observed = p["vehicles.history_last_year"][:, None] >= YEARS  # (k, years)
    use_path = t.passenger_4d & observed[:, None, None, :]
    shares = np.where(use_path, paths[:, None, :, :], shares)
    electric = sales[:, :, None, :] * shares  # (k, s, 3, years)

    road_sales = (sales * t.road_3d).sum(axis=1)  # (k, years)
    road_electric = (electric * t.road_4d).sum(axis=1)  # (k, 3, years)
    pt_share = np.divide(
        road_electric,
        road_sales[:, None, :],
        out=np.zeros(road_electric.shape),
        where=road_sales[:, None, :] > 0,
    )
    ev_share = pt_share.sum(axis=1)

    # Battery demand [GWh], in total and by class.
    pack = t.pack * p["vehicles.pack_size_scale"][:, None, None]
    seg_gwh = (electric * pack[..., None]).sum(axis=2) / KWH_PER_GWH  # (k, s, years)
    demand = seg_gwh.sum(axis=1)
    class_gwh = (t.in_class_4d * seg_gwh[:, :, None, :]).sum(axis=1)  # (k, 5, years)

    # Stock [vehicles]: vintages of the horizon plus the plug-ins in use at end-2020.
    shape = p["vehicles.survival_shape"]
    survival = weibull_survival(_MID_AGES, t.lifetime_3d, shape[:, None, None])
    stock = stock_from_sales(electric, survival)  # (k, s, 3, years)
    age0 = p["vehicles.initial_stock_age_years"][:, None]
    life0 = p["vehicles.initial_stock_lifetime_years"][:, None]
    # Share of the end-2020 stock still in use, S(age) / S(age at end-2020), as
    # exp(H0 - H): the ratio of survivals underflows to 0 / 0 for an old, short-lived stock.
    hazard = weibull_hazard(age0 + _SINCE_INITIAL, life0, shape[:, None])
    initial = np.exp(hazard[:, :1] - hazard[:, 1:])  # (k, years)
    initial_stock = (
        _by_powertrain(p, "vehicles.initial_{}_stock")[:, :, None] * initial[:, None, :]
    )  # (k, 3, years)
    light_stock = (stock * t.light_4d).sum(axis=1) + initial_stock
    heavy_stock = (stock * t.heavy_4d).sum(axis=1)
    zev_heavy = heavy_stock[:, 0] + heavy_stock[:, 2]

    # Energy the road fleet can supply in a disaster [GWh] and household-days.
    fcv_kwh = p["vehicles.fcv_supply_kwh"][:, None]
    road_stock = (stock * t.road_4d).sum(axis=1)  # (k, 3, years)
    road_kwh = (stock[:, :, :2] * pack[:, :, :2, None] * t.road_4d).sum(axis=(1, 2)) + road_stock[
        :, 2
    ] * fcv_kwh
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
    seg_fund = (electric * t.subsidy_4d).sum(axis=2) * level  # (k, s, years)
    fund = seg_fund.sum(axis=1)

    i30 = year_index(TARGET_YEAR)
    for j, pt in enumerate(POWERTRAINS):
        out.serie(f"vehicles.sales_{pt}", road_electric[:, j])
        out.serie(f"vehicles.sales_share_{pt}", pt_share[:, j])
        out.serie(f"vehicles.{pt}_stock", light_stock[:, j])
    out.serie("vehicles.ev_sales_share", ev_share)
    out.serie("vehicles.plugin_stock", light_stock[:, 0] + light_stock[:, 1])
    out.serie("vehicles.heavy_zev_stock", zev_heavy)
    out.serie("vehicles.battery_demand_domestic_gwh", demand)
    for c, cls in enumerate(CLASSES):
        out.serie(f"vehicles.battery_demand_{cls}_gwh", class_gwh[:, c])
    out.serie("vehicles.fleet_backup_energy_gwh", backup_kwh / KWH_PER_GWH)
    out.serie("vehicles.fleet_backup_household_days", household_days)
    out.serie("vehicles.subsidy_fund_jpy", fund)

    out.indicator("vehicles.ev_sales_share_2030", ev_share[:, i30])
    out.indicator("vehicles.battery_demand_domestic_2030", demand[:, i30])
    out.indicator("vehicles.bev_sales_share_2030", pt_share[:, 0, i30])
    out.indicator("vehicles.plugin_stock_2030", light_stock[:, 0, i30] + light_stock[:, 1, i30])
    out.indicator("vehicles.fleet_backup_energy_2030", backup_kwh[:, i30] / KWH_PER_GWH)
    out.indicator("vehicles.fleet_backup_household_days_2030", household_days[:, i30])
    out.indicator("vehicles.subsidy_fund_2030", fund[:, i30])
    first = year_index(FUND_FIRST_YEAR)
    out.indicator("vehicles.subsidy_fund_2023_2030", fund[:, first : i30 + 1].sum(axis=1))
    out.indicator("vehicles.battery_demand_domestic_2040", demand[:, -1])

    out.rows["vehicles.segment_ev_share_2030"] = shares[:, :, :, i30].sum(axis=2) * t.valid
    out.rows["vehicles.segment_battery_gwh_2030"] = seg_gwh[:, :, i30]
    out.rows["vehicles.segment_ev_stock_2030"] = stock[:, :, :, i30].sum(axis=2)
    out.rows["vehicles.segment_subsidy_2030_jpy"] = seg_fund[:, :, i30]
