"""Stationary storage in Japan (P7) and the balance of demand on domestic battery production.

Segments: household, commercial and industrial (C&I), grid-scale and telecom base-station
backup. With solar additions ``PV(y)``, wind additions ``W(y)`` [GW per year], system prices
``P_x(y)`` [JPY per kWh] and a price elasticity ``e``, the price factor of a segment is
``f_x(y) = (P_x(y) / P_x(2021)) ** -e`` and installations [GWh per year] are::

    household(y) = H_2021 * PV(y) / PV(2021) * f_h(y)
    ci(y)        = C_2021 * PV(y) / PV(2021) * f_c(y)
    grid(y)      = g(y) * (PV(y) + W(y)) * f_g(y)            g: GWh per GW of solar and wind
    telecom(y)   = sites * kWh_per_site * liion_share(y) / replacement_years

System prices are observed up to ``h = stationary.price_history_last_year`` and follow a
learning curve after it, with the cumulative global Li-ion demand ``X(y)`` (the market
domain's, plus what was made before 2021) as the experience and a learning rate ``LR`` per
doubling::

    P_x(y) = P_x(h) * (X(y) / X(h)) ** log2(1 - LR_x)          y > h

so the year a price target is reached follows from the market, not from a price path.

Household and C&I storage count towards the 24 GWh target: cumulative = installed by end-2020
plus the yearly installations (systems last beyond 2030, so none retire on the horizon).

The balance sets the demand on domestic cells, the batteries of the vehicles made in Japan
(exports included, imports excluded; the vehicles step) plus stationary storage, against
domestic cell production (the capacity step): what production exceeds that demand must be
exported as cells or packs; a shortfall is imported.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import YEARS, year_index
from chikuden.model import dataflow
from chikuden.model.capacity import first_year_at_or_above
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

_Scalar = TypeVar("_Scalar", bound=np.generic)

TARGET_YEAR = 2030
KWH_PER_GWH = 1e6


def price_factor(
    price: NDArray[np.float64], elasticity: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Demand multiplier ``(price / price[2021]) ** -elasticity`` [ratio].

    price : system price by year [JPY per kWh], shape ``(k, years)``
    elasticity : price elasticity of demand, shape ``(k,)``
    """
    # exp(-e log(ratio)) rather than ratio ** -e: numpy's power takes a faster path for some
    # broadcast exponents, and a batch must equal its scenarios one at a time exactly.
    return np.exp(-elasticity[:, None] * np.log(price / price[:, :1]))


def learning_prices(
    observed: NDArray[np.float64],
    last_observed_year: NDArray[np.float64],
    learning_rate: NDArray[np.float64],
    experience: NDArray[np.float64],
) -> NDArray[np.float64]:
    """System prices by year [JPY per kWh], the shape of ``observed``: observed up to
    ``last_observed_year`` and ``P(h) * (X(y) / X(h)) ** log2(1 - learning_rate)`` after it.

    observed : price paths [JPY per kWh], ``(k, years)`` or ``(k, m, years)`` for m segments
    last_observed_year : ``h`` [year], ``(k,)``
    learning_rate : fall per doubling [share], ``(k,)`` or ``(k, m)``
    experience : cumulative production the prices learn from [GWh], ``(k, years)``, positive
    """
    middle = (1,) * (observed.ndim - 2)  # the segment axis, if any

    def lift(a: NDArray[_Scalar]) -> NDArray[_Scalar]:  # prices, and masks of years
        return a.reshape(a.shape[0], *middle, a.shape[-1])

    at_h = lift(YEARS[None, :] == last_observed_year[:, None])  # (k, [1,] years)
    # Sums with one non-zero term: exact, whatever the order.
    price_h = (observed * at_h).sum(axis=-1, keepdims=True)
    ratio = lift(experience) / (lift(experience) * at_h).sum(axis=-1, keepdims=True)
    exponent = np.log2(1.0 - learning_rate)[..., None]
    # exp(b log(ratio)) rather than ratio ** b: numpy's power takes a faster path for some
    # broadcast exponents, and a batch must equal its scenarios one at a time exactly.
    curve = price_h * np.exp(exponent * np.log(ratio))
    after = lift(YEARS[None, :] > last_observed_year[:, None])
    return np.where(after, curve, observed)


PRICED = ("household", "ci", "grid")


def system_prices(p: Params, experience: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Household, C&I and grid-scale system prices [JPY per kWh], each ``(k, years)``.

    experience : cumulative global Li-ion demand [GWh], ``(k, years)``
    """
    paths = [p[f"stationary.{x}_price_jpy_per_kwh"] for x in PRICED]
    rates = [p[f"stationary.{x}_learning_rate_share"] for x in PRICED]
    prices = learning_prices(
        np.stack(np.broadcast_arrays(*paths), axis=1),
        p["stationary.price_history_last_year"],
        np.stack(np.broadcast_arrays(*rates), axis=1),
        experience,
    )  # (k, 3, years)
    return {x: prices[:, j] for j, x in enumerate(PRICED)}


def experience_gwh(p: Params, global_demand: NDArray[np.float64]) -> NDArray[np.float64]:
    """Cumulative global Li-ion demand at the end of each year [GWh], ``(k, years)``.

    global_demand : the market domain's global demand [GWh per year], ``(k, years)``
    """
    return p["stationary.experience_2020_gwh"][:, None] + np.cumsum(global_demand, axis=1)


def segment_demand(
    p: Params, prices: dict[str, NDArray[np.float64]]
) -> dict[str, NDArray[np.float64]]:
    """Installations by segment [GWh per year], each shape ``(k, years)``.

    prices : system prices by segment [JPY per kWh] (:func:`system_prices`)
    """
    solar = p["stationary.solar_additions_gw"]
    wind = p["stationary.wind_additions_gw"]
    e = p["stationary.price_elasticity"]
    solar_index = solar / solar[:, :1]
    telecom = (
        p["stationary.telecom_sites"][:, None]
        * p["stationary.telecom_kwh_per_site"][:, None]
        * p["stationary.telecom_liion_share"]
        / p["stationary.telecom_replacement_years"][:, None]
        / KWH_PER_GWH
    )
    return {
        "household": p["stationary.household_base_gwh"][:, None]
        * solar_index
        * price_factor(prices["household"], e),
        "ci": p["stationary.ci_base_gwh"][:, None] * solar_index * price_factor(prices["ci"], e),
        "grid": p["stationary.grid_gwh_per_gw"] * (solar + wind) * price_factor(prices["grid"], e),
        "telecom": telecom,
    }


def first_year_at_or_below(
    series: NDArray[np.float64], level: NDArray[np.float64]
) -> NDArray[np.float64]:
    """First calendar year in which ``series <= level`` [year]; NaN if never on the horizon."""
    return first_year_at_or_above(-series, -level)


@dataflow.step(
    params=("stationary.*",),
    reads=(
        "capacity.domestic_production_gwh",
        "market.demand_total_gwh",
        "vehicles.battery_demand_made_gwh",
    ),
    writes=("stationary.*", "demand.*"),
)
def step(p: Params, out: Outputs) -> None:
    prices = system_prices(p, experience_gwh(p, out.series["market.demand_total_gwh"]))
    seg = segment_demand(p, prices)
    total = seg["household"] + seg["ci"] + seg["grid"] + seg["telecom"]
    installed_2020 = p["stationary.installed_2020_gwh"][:, None]
    target_scope = installed_2020 + np.cumsum(seg["household"] + seg["ci"], axis=1)
    cumulative = installed_2020 + np.cumsum(total, axis=1)

    vehicles = out.series["vehicles.battery_demand_made_gwh"]
    production = out.series["capacity.domestic_production_gwh"]
    domestic = vehicles + total
    export = np.maximum(production - domestic, 0.0)
    imports = np.maximum(domestic - production, 0.0)

    hh_price = prices["household"]
    ci_price = prices["ci"]
    hh_target = p["stationary.household_target_jpy_per_kwh"]
    ci_target = p["stationary.ci_target_jpy_per_kwh"]
    i30 = year_index(TARGET_YEAR)

    for name, values in seg.items():
        out.serie(f"stationary.{name}_gwh", values)
    out.serie("stationary.demand_gwh", total)
    out.serie("stationary.cumulative_target_scope_gwh", target_scope)
    out.serie("stationary.cumulative_all_gwh", cumulative)
    out.serie("stationary.household_price_jpy_per_kwh", hh_price)
    out.serie("stationary.ci_price_jpy_per_kwh", ci_price)
    out.serie("stationary.grid_price_jpy_per_kwh", prices["grid"])
    out.serie("demand.domestic_total_gwh", domestic)
    out.serie("demand.export_need_gwh", export)
    out.serie("demand.import_need_gwh", imports)

    out.indicator("stationary.cumulative_2030", target_scope[:, i30])
    out.indicator("stationary.target_cumulative_2030", p["stationary.cumulative_target_gwh"])
    out.indicator("stationary.demand_2030", total[:, i30])
    out.indicator("stationary.cumulative_all_2030", cumulative[:, i30])
    out.indicator("stationary.household_price_2030", hh_price[:, i30])
    out.indicator("stationary.household_price_target", hh_target)
    out.indicator("stationary.ci_price_2030", ci_price[:, i30])
    out.indicator("stationary.ci_price_target", ci_target)
    out.indicator(
        "stationary.household_price_year_target_reached",
        first_year_at_or_below(hh_price, hh_target),
    )
    out.indicator(
        "stationary.ci_price_year_target_reached", first_year_at_or_below(ci_price, ci_target)
    )
    out.indicator("demand.domestic_total_2030", domestic[:, i30])
    out.indicator("demand.export_need_2030", export[:, i30])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(production[:, i30] > 0, export[:, i30] / production[:, i30], 0.0)
    out.indicator("demand.export_share_2030", share)
    out.indicator("demand.domestic_total_2040", domestic[:, -1])
