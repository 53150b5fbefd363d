"""Value added, trade and tax of the domestic battery supply chain (issue 13).

Output value of each stage [JPY] from domestic cell production ``P(y)`` [GWh], the price of the
cells made in Japan ``p(y)`` and their material cost ``m(y)`` [JPY/kWh] (finance and minerals)::

    cells(y)     = P(y) * p(y)
    materials(y) = P(y) * m(y) * (1 - s) * d_mat        s: minerals' share of the material cost
    minerals(y)  = P(y) * m(y) * s * d_min              d_*: share made / refined in Japan
    vehicles(y)  = V(y) * min(P(y) / B(y), 1) * v       V: vehicles made in Japan, B: their
                                                         batteries [GWh], v: value per vehicle

Value added is ``output * r`` (direct, ``r`` the stage's value-added ratio) and
``output * r * L`` with the indirect effect (``L`` the column sum of the Leontief inverse,
the stage's production inducement per yen of final demand; the stage's own ratio is applied
to the production it induces). Stages overlap once indirect effects are counted (materials
are part of the cells' indirect effect), so only the direct figures are added up.

Trade in cells and materials [JPY]: cell exports less cell imports is ``(P - D) * p`` (D the
demand on domestic production, stationary domain), less the materials the cells import
``P * m * (1 - (1 - s) d_mat - s d_min)``; "without the target" holds ``P`` at its 2021 level.

Tax: the representative gigafactory of the finance domain pays ``t * taxable(tau)`` each
year of its life (``finance.plant_tax_per_gwh``: undiscounted, losses offsetting other
profits, per GWh of capacity), times the capacity added 2021-2030, against the fund.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import year_index
from chikuden.model import dataflow
from chikuden.model.finance import prices_in_yen
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

KWH_PER_GWH = 1e6
TARGET_YEAR = 2030
BASE_YEAR = 2021
STAGES = ("cells", "materials", "minerals", "vehicles")


def materials_domestic_share(p: Params) -> NDArray[np.float64]:
    """Share of the material cost made or refined in Japan [share], ``(k,)``."""
    s = p["economy.minerals_share_of_material_cost"]
    return (1.0 - s) * p["workforce.materials_domestic_share"] + s * p[
        "workforce.minerals_domestic_share"
    ]


def stage_output(
    p: Params,
    production_gwh: NDArray[np.float64],
    price: NDArray[np.float64],
    material: NDArray[np.float64],
    made: NDArray[np.float64],
    made_gwh: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """Output value of each stage in Japan [JPY], each ``(k, years)``."""
    kwh = production_gwh * KWH_PER_GWH
    s = p["economy.minerals_share_of_material_cost"][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = np.where(made_gwh > 0, np.minimum(production_gwh / made_gwh, 1.0), 0.0)
    return {
        "cells": kwh * price,
        "materials": kwh * material * (1.0 - s) * p["workforce.materials_domestic_share"][:, None],
        "minerals": kwh * material * s * p["workforce.minerals_domestic_share"][:, None],
        "vehicles": made * kept * p["economy.vehicle_output_jpy_per_vehicle"][:, None],
    }


@dataflow.step(
    params=(
        "economy.*_value_added_ratio",
        "economy.*_io_multiplier",
        "economy.minerals_share_of_material_cost",
        "economy.vehicle_output_jpy_per_vehicle",
        "workforce.materials_domestic_share",
        "workforce.minerals_domestic_share",
        "finance.cell_price_usd_per_kwh",
        "finance.jpy_per_usd",
    ),
    reads=(
        "capacity.domestic_production_gwh",
        "minerals.material_cost_usd_per_kwh",
        "minerals.material_cost_reference_usd_per_kwh",
        "vehicles.made_in_japan",
        "vehicles.battery_demand_made_gwh",
    ),
    writes=("economy.value_added_*",),
)
def value_added(p: Params, out: Outputs) -> None:
    """Direct value added of each stage, and with the indirect effect."""
    price, material = prices_in_yen(
        p,
        out.series["minerals.material_cost_usd_per_kwh"],
        out.series["minerals.material_cost_reference_usd_per_kwh"],
    )
    output = stage_output(
        p,
        out.series["capacity.domestic_production_gwh"],
        price,
        material,
        out.series["vehicles.made_in_japan"],
        out.series["vehicles.battery_demand_made_gwh"],
    )
    i30 = year_index(TARGET_YEAR)
    chain = np.zeros_like(output["cells"])
    for s in STAGES:
        direct = output[s] * p[f"economy.{s}_value_added_ratio"][:, None]
        total = direct * p[f"economy.{s}_io_multiplier"][:, None]
        if s != "vehicles":
            chain = chain + direct
        out.serie(f"economy.value_added_{s}", direct)
        out.indicator(f"economy.value_added_{s}_2030", direct[:, i30])
        out.indicator(f"economy.value_added_{s}_with_indirect_2030", total[:, i30])
    out.serie("economy.value_added_chain", chain)
    out.indicator("economy.value_added_chain_2030", chain[:, i30])
    out.indicator("economy.value_added_chain_2040", chain[:, -1])


def trade_balance(
    production_gwh: NDArray[np.float64],
    demand_gwh: NDArray[np.float64],
    price: NDArray[np.float64],
    material: NDArray[np.float64],
    domestic_share: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Exports less imports of cells and battery materials [JPY], ``(k, years)``.

    production_gwh, demand_gwh : domestic cell production and the demand on it [GWh]
    price, material : cell price and material cost [JPY/kWh]
    domestic_share : share of the material cost made in Japan [share], ``(k,)``
    """
    cells = (production_gwh - demand_gwh) * KWH_PER_GWH * price
    materials = production_gwh * KWH_PER_GWH * material * (1.0 - domestic_share[:, None])
    return np.asarray(cells - materials)


@dataflow.step(
    params=(
        "economy.minerals_share_of_material_cost",
        "workforce.materials_domestic_share",
        "workforce.minerals_domestic_share",
        "finance.cell_price_usd_per_kwh",
        "finance.jpy_per_usd",
    ),
    reads=(
        "capacity.domestic_production_gwh",
        "demand.export_need_gwh",
        "demand.import_need_gwh",
        "minerals.material_cost_usd_per_kwh",
        "minerals.material_cost_reference_usd_per_kwh",
    ),
    writes=("economy.trade_*",),
)
def trade(p: Params, out: Outputs) -> None:
    """Trade balance in cells and materials with the scenario's production and at 2021's."""
    price, material = prices_in_yen(
        p,
        out.series["minerals.material_cost_usd_per_kwh"],
        out.series["minerals.material_cost_reference_usd_per_kwh"],
    )
    production = out.series["capacity.domestic_production_gwh"]
    # exports - imports = production - demand (stationary domain's split of the gap)
    demand = (
        production - out.series["demand.export_need_gwh"] + out.series["demand.import_need_gwh"]
    )
    share = materials_domestic_share(p)
    with_target = trade_balance(production, demand, price, material, share)
    held = np.broadcast_to(production[:, year_index(BASE_YEAR)][:, None], production.shape)
    without = trade_balance(held, demand, price, material, share)
    i30 = year_index(TARGET_YEAR)
    out.serie("economy.trade_balance", with_target)
    out.serie("economy.trade_balance_without_target", without)
    out.indicator("economy.trade_balance_2030", with_target[:, i30])
    out.indicator("economy.trade_balance_without_target_2030", without[:, i30])
    out.indicator("economy.trade_gain_2030", with_target[:, i30] - without[:, i30])
    out.indicator("economy.trade_gain_cumulative", np.sum(with_target - without, axis=1))


@dataflow.step(
    params=(),
    reads=("capacity.domestic_gwh", "finance.fund_size", "finance.plant_tax_per_gwh"),
    writes=("economy.tax_*",),
)
def tax(p: Params, out: Outputs) -> None:
    """Corporate tax of the capacity added by 2030 over its plants' life, against the fund: the
    finance domain's representative plant's tax per GWh times the GWh added."""
    per_gwh = out.indicators["finance.plant_tax_per_gwh"]
    capacity = out.series["capacity.domestic_gwh"]
    added = np.maximum(capacity[:, year_index(TARGET_YEAR)] - capacity[:, year_index(BASE_YEAR)], 0)
    total = per_gwh * added
    fund = out.indicators["finance.fund_size"]
    out.indicator("economy.tax_per_gwh", per_gwh)
    out.indicator("economy.tax_capacity_added_gwh", added)
    out.indicator("economy.tax_plants_life", total)
    with np.errstate(divide="ignore", invalid="ignore"):
        out.indicator("economy.tax_vs_fund", np.where(fund > 0, total / fund, np.nan))
