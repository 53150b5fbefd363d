"""Cost gap: the levelised cell cost of a plant in Japan against China, Korea, the US and the EU.

For each country ``c`` the cost of a kWh of cells made in 2030 [JPY/kWh] is the sum of

- **capex** ``K_c / (L u)`` and **cost of capital** ``K_c (CRF(r_c, L) - 1 / L) / u``: the
  plant's capex ``K_c`` per kWh of annual capacity [JPY/kWh] annualised over its life ``L``
  [years] at the country's cost of capital ``r_c`` with the capital recovery factor
  ``CRF(r, L) = r / (1 - (1 + r) ** -L)`` (``1 / L`` at ``r = 0``), split into straight-line
  recovery and the return on capital, per kWh made at utilisation ``u``;
- **energy** ``e * P_c``: the cell plant's electricity per kWh of cells ``e`` [kWh/kWh] (the
  carbon domain's) times the country's industrial power price ``P_c`` [JPY/kWh];
- **labour** ``h * W_c / (1e6 u)``: people per GWh of capacity ``h`` (the workforce domain's)
  times the labour cost per person-year ``W_c`` [JPY], per kWh made;
- **materials** ``M``: the minerals domain's material cost of the cells made in Japan, the same
  in every country (the materials are bought on one world market);

less **support** ``S_c CRF(r_s, L) / u``: the present value of the country's support per kWh
of annual capacity ``S_c`` (the plant economics' ``finance.support_per_kwh_*`` for Japan, the
US, the EU and China, discounted at ``r_s`` = ``finance.discount_rate_share``; for Korea its
investment tax credit ``k K_KR``, received with the capex) annualised the same way.

The **gap to China** is Japan's cost before support less China's; the **share of it that
Japan's support closes** is Japan's support per kWh over that gap (NaN when Japan is not dearer).
The gap to the cheapest is Japan's cost before support less the lowest of the five (0 when Japan
is the cheapest). Foreign prices in dollars become yen at ``finance.jpy_per_usd`` here only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import year_index
from chikuden.model import dataflow
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

YEAR = 2030
COUNTRIES = ("japan", "china", "korea", "us", "eu")
COMPONENTS = ("capex", "capital", "energy", "labour", "materials")
KWH_PER_GWH = 1e6


def recovery_factor(rate: NDArray[np.float64], years: NDArray[np.float64]) -> NDArray[np.float64]:
    """Capital recovery factor ``r / (1 - (1 + r) ** -L)`` [1/year]; ``1 / L`` at ``r = 0``.

    rate : cost of capital [share per year], >= 0
    years : life over which the capital is recovered [years], > 0
    """
    safe = np.where(rate > 0, rate, 1.0)
    crf = safe / -np.expm1(-years * np.log1p(safe))
    return np.asarray(np.where(rate > 0, crf, 1.0 / years))


def levelised(
    capex_jpy_per_kwh: NDArray[np.float64],
    rate: NDArray[np.float64],
    life_years: NDArray[np.float64],
    utilisation: NDArray[np.float64],
    electricity_kwh_per_kwh: NDArray[np.float64],
    power_price_jpy_per_kwh: NDArray[np.float64],
    people_per_gwh: NDArray[np.float64],
    labour_cost_jpy: NDArray[np.float64],
    material_jpy_per_kwh: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """Cost of a kWh of cells by component [JPY/kWh], each ``(k,)`` (see the module docstring).

    capex_jpy_per_kwh : capex per kWh of annual capacity [JPY/kWh]
    rate : cost of capital [share per year]
    life_years : plant life [years]
    utilisation : production / capacity [share]
    electricity_kwh_per_kwh : plant electricity per kWh of cells [kWh/kWh]
    power_price_jpy_per_kwh : industrial power price [JPY/kWh]
    people_per_gwh : people per GWh of annual capacity [people/GWh]
    labour_cost_jpy : labour cost per person-year [JPY]
    material_jpy_per_kwh : material cost [JPY/kWh]
    """
    straight = capex_jpy_per_kwh / (life_years * utilisation)
    annual = capex_jpy_per_kwh * recovery_factor(rate, life_years) / utilisation
    return {
        "capex": straight,
        "capital": annual - straight,
        "energy": electricity_kwh_per_kwh * power_price_jpy_per_kwh,
        "labour": people_per_gwh * labour_cost_jpy / (KWH_PER_GWH * utilisation),
        "materials": material_jpy_per_kwh,
    }


@dataflow.step(
    params=(
        "finance.gap_*",
        "finance.jpy_per_usd",
        "finance.plant_capex_jpy_per_gwh",
        "finance.us_plant_capex_usd_per_gwh",
        "finance.plant_life_years",
        "finance.discount_rate_share",
        "capacity.utilisation_share",
        "carbon.grid_price_jpy_per_kwh",
        "workforce.cells_people_per_gwh",
    ),
    reads=(
        "carbon.manufacturing_electricity_per_kwh",
        "minerals.material_cost_2030_usd_per_kwh",
        "finance.support_per_kwh_*",
    ),
    writes=("finance.cost_gap_*",),
)
def step(p: Params, out: Outputs) -> None:
    """Levelised cell cost by country and component in 2030, and Japan's gap."""
    usd = p["finance.jpy_per_usd"]
    japan_capex = p["finance.plant_capex_jpy_per_gwh"] / KWH_PER_GWH
    us_capex = p["finance.us_plant_capex_usd_per_gwh"] * usd / KWH_PER_GWH
    capex = {
        "japan": japan_capex,
        "china": us_capex * p["finance.gap_china_capex_ratio_to_us"],
        "korea": japan_capex * p["finance.gap_korea_capex_ratio_to_japan"],
        "us": us_capex,
        "eu": p["finance.gap_eu_capex_usd_per_gwh"] * usd / KWH_PER_GWH,
    }
    i = year_index(YEAR)
    price = {"japan": p["carbon.grid_price_jpy_per_kwh"][:, i]}
    wage = {"japan": p["finance.gap_japan_labour_cost_jpy"]}
    rate = {"japan": p["finance.discount_rate_share"]}
    for c in COUNTRIES[1:]:
        price[c] = p[f"finance.gap_{c}_power_price_usd_per_kwh"] * usd
        wage[c] = p[f"finance.gap_{c}_labour_cost_usd"] * usd
        rate[c] = p[f"finance.gap_{c}_cost_of_capital_share"]
    life = p["finance.plant_life_years"]
    util = p["capacity.utilisation_share"]
    electricity = out.indicators["carbon.manufacturing_electricity_per_kwh"]
    people = p["workforce.cells_people_per_gwh"]
    materials = out.indicators["minerals.material_cost_2030_usd_per_kwh"] * usd
    # support per kWh of annual capacity [JPY/kWh], present values at the plant's discount rate
    # (Korea's credit comes with the capex: no discounting)
    support_rate = {c: p["finance.discount_rate_share"] for c in COUNTRIES}
    support_pv = {
        c: out.indicators[f"finance.support_per_kwh_{c}"] for c in ("japan", "china", "us", "eu")
    }
    support_pv["korea"] = p["finance.gap_korea_investment_credit_share"] * capex["korea"]
    support_rate["korea"] = rate["korea"]

    gross: dict[str, NDArray[np.float64]] = {}
    net: dict[str, NDArray[np.float64]] = {}
    supports: dict[str, NDArray[np.float64]] = {}
    for c in COUNTRIES:
        parts = levelised(
            capex[c], rate[c], life, util, electricity, price[c], people, wage[c], materials
        )
        support = support_pv[c] * recovery_factor(support_rate[c], life) / util
        total = parts["capex"] + parts["capital"] + parts["energy"] + parts["labour"]
        total = total + parts["materials"]
        for name, value in parts.items():
            out.indicator(f"finance.cost_gap_{name}_{c}", value)
        out.indicator(f"finance.cost_gap_support_{c}", support)
        out.indicator(f"finance.cost_gap_total_{c}", total)
        out.indicator(f"finance.cost_gap_net_{c}", total - support)
        gross[c], net[c], supports[c] = total, total - support, support
    others = np.minimum.reduce(np.broadcast_arrays(*(gross[c] for c in COUNTRIES[1:])))
    to_china = gross["japan"] - gross["china"]
    out.indicator("finance.cost_gap_to_cheapest", np.maximum(gross["japan"] - others, 0.0))
    out.indicator("finance.cost_gap_to_china", to_china)
    out.indicator("finance.cost_gap_to_china_net", net["japan"] - net["china"])
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = np.where(to_china > 0, supports["japan"] / to_china, np.nan)
    out.indicator("finance.cost_gap_share_closed_by_support", closed)
