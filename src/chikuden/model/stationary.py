"""Stationary storage in Japan (P7) and the balance of demand on domestic battery production.

Segments: household, commercial and industrial (C&I), grid-scale and telecom base-station
backup. With solar additions ``PV(y)``, wind additions ``W(y)`` [GW per year], system prices
``P_x(y)`` [JPY per kWh] and a price elasticity ``e``, the price factor of a segment is
``f_x(y) = (P_x(y) / P_x(2021)) ** -e`` and installations [GWh per year] are::

    household(y) = H_2021 * PV(y) / PV(2021) * f_h(y)
    ci(y)        = C_2021 * PV(y) / PV(2021) * f_c(y)
    grid(y)      = g(y) * (PV(y) + W(y)) * f_g(y)            g: GWh per GW of solar and wind
    telecom(y)   = sites * kWh_per_site * liion_share(y) / replacement_years

Household and C&I storage count towards the 24 GWh target: cumulative = installed by end-2020
plus the yearly installations (systems last beyond 2030, so none retire on the horizon).

The balance sets the demand on domestic cells, the batteries of the vehicles made in Japan
(exports included, imports excluded; the vehicles step) plus stationary storage, against
domestic cell production (the capacity step): what production exceeds that demand must be
exported as cells or packs; a shortfall is imported.
"""

from __future__ import annotations

import numpy as np

from chikuden.horizon import year_index
from chikuden.model.capacity import first_year_at_or_above
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

TARGET_YEAR = 2030
KWH_PER_GWH = 1e6


def price_factor(price: np.ndarray, elasticity: np.ndarray) -> np.ndarray:
    """Demand multiplier ``(price / price[2021]) ** -elasticity`` [ratio].

    price : system price by year [JPY per kWh], shape ``(k, years)``
    elasticity : price elasticity of demand, shape ``(k,)``
    """
    # exp(-e log(ratio)) rather than ratio ** -e: numpy's power takes a faster path for some
    # broadcast exponents, and a batch must equal its scenarios one at a time exactly.
    return np.exp(-elasticity[:, None] * np.log(price / price[:, :1]))


def segment_demand(p: Params) -> dict[str, np.ndarray]:
    """Installations by segment [GWh per year], each shape ``(k, years)``."""
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
        * price_factor(p["stationary.household_price_jpy_per_kwh"], e),
        "ci": p["stationary.ci_base_gwh"][:, None]
        * solar_index
        * price_factor(p["stationary.ci_price_jpy_per_kwh"], e),
        "grid": p["stationary.grid_gwh_per_gw"]
        * (solar + wind)
        * price_factor(p["stationary.grid_price_jpy_per_kwh"], e),
        "telecom": telecom,
    }


def first_year_at_or_below(series: np.ndarray, level: np.ndarray) -> np.ndarray:
    """First calendar year in which ``series <= level`` [year]; NaN if never on the horizon."""
    return first_year_at_or_above(-series, -level)


def step(p: Params, out: Outputs) -> None:
    seg = segment_demand(p)
    total = seg["household"] + seg["ci"] + seg["grid"] + seg["telecom"]
    installed_2020 = p["stationary.installed_2020_gwh"][:, None]
    target_scope = installed_2020 + np.cumsum(seg["household"] + seg["ci"], axis=1)
    cumulative = installed_2020 + np.cumsum(total, axis=1)

    vehicles = out.series["vehicles.battery_demand_made_gwh"]
    production = out.series["capacity.domestic_production_gwh"]
    domestic = vehicles + total
    export = np.maximum(production - domestic, 0.0)
    imports = np.maximum(domestic - production, 0.0)

    hh_price = p["stationary.household_price_jpy_per_kwh"]
    ci_price = p["stationary.ci_price_jpy_per_kwh"]
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
    out.serie("stationary.grid_price_jpy_per_kwh", p["stationary.grid_price_jpy_per_kwh"])
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
