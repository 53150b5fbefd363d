"""Needs: what the 2030 targets need beside what projected production needs (P1, P2, P3, P9).

Two scopes ``s``: cells made in Japan (the domestic target, 150 GWh by default) and Japanese
firms' cells worldwide (the global target, 600 GWh). For each, two cases in 2030:

- *target*: capacity ``C`` at the target (``targets.domestic_capacity_2030``,
  ``targets.japan_global_capacity_2030``), production ``P = C * u`` at the model's own
  utilisation ``u`` (``capacity.utilisation_share``, the one projected production uses, so
  that both cases run their plants alike; ``targets.capacity_utilisation_share`` only turns a
  market share into required capacity);
- *projected*: the capacity and production the pipeline gives in 2030 (``capacity.domestic_gwh``,
  ``capacity.japan_global_gwh`` and their production series).

Each need is a per-unit figure of another domain times capacity or production, in 2030::

    mineral m [t]      = P * q[s, m] / Y          q: material in cells of the scope's chemistry
                                                 mix [t/GWh], Y: cell yield (the minerals
                                                 domain's own functions and parameters)
    lithium as LCE [t] = lithium * 5.323
    electricity [TWh]  = P * e / 1000             e: cell plant electricity [kWh per kWh of
                                                 cell] (carbon domain, 1 GWh x 1 kWh/kWh =
                                                 1e6 kWh = 1e-3 TWh)
    hydrogen [t]       = P * h                    h: hydrogen a clean battery park burns per GWh
                                                 of cells [t/GWh] = the carbon domain's park
                                                 hydrogen / the park's production: the need if
                                                 all cells were made in clean parks
    water [m3]         = P * w                    w: needs.water_m3_per_gwh
    land [ha]          = C * l                    l: needs.land_ha_per_gwh
    people             = the workforce domain's staffing of capacity C (all stages for the
                         domestic scope; cell making and technology development for the
                         global scope, whose materials and refining are not located by it)
    capital [JPY]      = C * k                    k: finance.capital_need_per_gwh (all stages)

and the gap is the target's need less the projected need (positive: the target needs more).
The projected domestic minerals, hydrogen and people equal the minerals, carbon and workforce
domains' own 2030 figures; the global scope applies the domestic per-GWh electricity, hydrogen,
water, land and capital to Japanese firms' plants abroad.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import year_index
from chikuden.model import dataflow, workforce
from chikuden.model.minerals.demand import (
    CORE,
    LCE_PER_LI,
    chemistry_mix,
    content_per_gwh,
    intensity_matrix,
)
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

TARGET_YEAR = 2030
TWH_PER_GWH_X_KWH_PER_KWH = 1e-3  # 1 GWh x 1 kWh/kWh = 1e6 kWh = 1e-3 TWh
SCOPES = ("domestic", "global")
CASES = ("target", "projected")
ITEMS = (
    *CORE,
    "lithium_lce",
    "electricity",
    "hydrogen",
    "water",
    "land",
    "people",
    "capital",
)
"""What each case needs, in the order of the outputs."""


def needs(
    capacity_gwh: NDArray[np.float64],
    production_gwh: NDArray[np.float64],
    minerals_t_per_gwh: NDArray[np.float64],
    electricity_kwh_per_kwh: NDArray[np.float64],
    hydrogen_t_per_gwh: NDArray[np.float64],
    water_m3_per_gwh: NDArray[np.float64],
    land_ha_per_gwh: NDArray[np.float64],
    people: NDArray[np.float64],
    capital_jpy_per_gwh: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """What a capacity and its production need, by item of :data:`ITEMS`, each ``(k,)``.

    capacity_gwh : capacity [GWh/yr]; production_gwh : production [GWh/yr]
    minerals_t_per_gwh : material per GWh produced, scrap included [t/GWh], ``(k, CORE)``
    electricity_kwh_per_kwh : cell plant electricity [kWh per kWh of cell]
    hydrogen_t_per_gwh : hydrogen burnt in a clean park [t/GWh]
    water_m3_per_gwh : water [m3 per GWh produced]; land_ha_per_gwh : land [ha per GWh/yr]
    people : people staffing the capacity [people], already computed by the workforce domain
    capital_jpy_per_gwh : capital need [JPY per GWh/yr of capacity]
    """
    minerals = production_gwh[:, None] * minerals_t_per_gwh
    result = {m: minerals[:, j] for j, m in enumerate(CORE)}
    result["lithium_lce"] = minerals[:, 0] * LCE_PER_LI
    result["electricity"] = production_gwh * electricity_kwh_per_kwh * TWH_PER_GWH_X_KWH_PER_KWH
    result["hydrogen"] = production_gwh * hydrogen_t_per_gwh
    result["water"] = production_gwh * water_m3_per_gwh
    result["land"] = capacity_gwh * land_ha_per_gwh
    result["people"] = people
    result["capital"] = capacity_gwh * capital_jpy_per_gwh
    assert tuple(result) == ITEMS
    return result


def minerals_per_gwh(p: Params, scope: str, i: int) -> NDArray[np.float64]:
    """Core minerals per GWh produced in year index ``i``, scrap included [t/GWh], ``(k, CORE)``:
    the minerals domain's content per GWh of the scope's mix over the cell yield."""
    intensity = intensity_matrix(p.table("minerals.intensity"))
    per_gwh = content_per_gwh(chemistry_mix(p, scope), intensity)[:, : len(CORE), i]
    result: NDArray[np.float64] = per_gwh / p["minerals.cell_yield_share"][:, None, i]
    return result


def people(
    p: Params, capacity_gwh: NDArray[np.float64], at_2030: NDArray[np.float64], scope: str
) -> NDArray[np.float64]:
    """People the workforce domain staffs a capacity with in 2030 [people], ``(k,)``.

    capacity_gwh : the scope's capacity series [GWh], ``(k, years)`` (its 2021 value gives the
    older lines); at_2030 : the capacity in 2030 [GWh], ``(k,)``, put in its place
    """
    i30 = year_index(TARGET_YEAR)
    k = max(capacity_gwh.shape[0], at_2030.shape[0])
    series = np.array(np.broadcast_to(capacity_gwh, (k, capacity_gwh.shape[1])))
    series[:, i30] = at_2030
    stages = workforce.people_by_stage(p, series)
    chosen = workforce.STAGES if scope == "domestic" else ("cells", "rd")
    total: NDArray[np.float64] = sum((stages[s][:, i30] for s in chosen), start=np.zeros(k))
    return total


@dataflow.step(
    params=(
        "needs.*",
        "capacity.utilisation_share",
        "minerals.intensity",
        "minerals.domestic_mix_*",
        "minerals.global_mix_*",
        "minerals.cell_yield_share",
        "carbon.park_production_gwh",
        "workforce.*_people_per_gwh",
        "workforce.legacy_staffing_ratio",
        "workforce.*_domestic_share",
        "workforce.productivity_gain_share",
    ),
    reads=(
        "targets.domestic_capacity_2030",
        "targets.japan_global_capacity_2030",
        "capacity.domestic_gwh",
        "capacity.japan_global_gwh",
        "capacity.domestic_production_gwh",
        "capacity.japan_global_production_gwh",
        "carbon.manufacturing_electricity_per_kwh",
        "carbon.hydrogen_demand_2030",
        "finance.capital_need_per_gwh",
    ),
    writes=("needs.*",),
)
def step(p: Params, out: Outputs) -> None:
    i30 = year_index(TARGET_YEAR)
    electricity = out.indicators["carbon.manufacturing_electricity_per_kwh"]  # 2030
    park_gwh = p["carbon.park_production_gwh"]
    with np.errstate(divide="ignore", invalid="ignore"):
        # t per year / GWh per year; no park production leaves the rate undefined
        hydrogen = np.where(
            park_gwh > 0, out.indicators["carbon.hydrogen_demand_2030"] / park_gwh, np.nan
        )
    water = p["needs.water_m3_per_gwh"]
    land = p["needs.land_ha_per_gwh"]
    capital = out.indicators["finance.capital_need_per_gwh"]
    utilisation = p["capacity.utilisation_share"]
    sources = {
        "domestic": (
            "targets.domestic_capacity_2030",
            "capacity.domestic_gwh",
            "capacity.domestic_production_gwh",
        ),
        "global": (
            "targets.japan_global_capacity_2030",
            "capacity.japan_global_gwh",
            "capacity.japan_global_production_gwh",
        ),
    }
    for scope, (target_key, capacity_key, production_key) in sources.items():
        capacity_series = out.series[capacity_key]
        target = out.indicators[target_key]
        target_production = target * utilisation
        cases = {
            "target": (target, target_production),
            "projected": (capacity_series[:, i30], out.series[production_key][:, i30]),
        }
        per_gwh = minerals_per_gwh(p, scope, i30)
        results = {}
        for case, (cap, prod) in cases.items():
            staff = people(p, capacity_series, cap, scope)
            results[case] = needs(
                cap, prod, per_gwh, electricity, hydrogen, water, land, staff, capital
            )
        out.indicator(f"needs.target_production_{scope}_2030", target_production)
        for item in ITEMS:
            for case in CASES:
                out.indicator(f"needs.{case}_{scope}_2030.{item}", results[case][item])
            out.indicator(
                f"needs.gap_{scope}_2030.{item}",
                results["target"][item] - results["projected"][item],
            )
