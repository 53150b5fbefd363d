"""Cost per outcome of the fund: yen of subsidy per GWh, per job, per tonne CO2e avoided and per
tonne of minerals secured (P1, P2, P9).

Two sets of projects, each with its subsidy ``S`` [JPY]:

- **scenario**: the subsidy demand under the scenario's rules (``finance.subsidy_demand_total``:
  the pipeline's projects at their expected share, plus the capacity still missing in 2030 at
  the base rate); the cell capacity it supports ``G`` [GWh] is that of the pipeline's eligible
  cell plants (in Japan, not yet producing) at their expected share, plus the missing capacity;
- **certified**: the subsidies certified so far (``finance.subsidy_certified_total``); ``G`` is
  the nameplate capacity of the eligible cell plants in the scenario's pipeline with a certified
  subsidy above zero (a residual row without a known subsidy adds no capacity).

Materials projects are in ``S`` (they serve the same cells) and add no GWh. Each ratio sets the
whole outlay against one outcome; the ratios do not add up. With ``w`` the people per GWh of
domestic capacity in 2030 (all stages, the workforce step), ``u`` the utilisation and ``L``
the plant's economic life [years] (the accounting period: the supported plants' production
over one life, at the 2030 footprints)::

    cost per GWh = S / G                     jobs J = w * G            cost per job = S / J
    production  E = G * u * L * 1e6 [kWh of cells]

The supported cells are made in a clean battery park (plants flagged ``clean_park``, capacity
``Gc``) at the park's footprint ``F_park``, the others on Japan's grid at ``F_grid`` [kg CO2e per
kWh of cell, cradle to gate, 2030]; the capacity still missing is counted on the grid. Against
the same cells made on Japan's grid::

    avoided_grid = u * L * 1e6 * Gc * (F_grid - F_park) / 1000          [t CO2e]

and against cells imported from China, whose footprint is the grid-made cell's with the cell
plant's electricity ``e`` [kWh per kWh of cell] at China's grid factor ``g_CN`` instead of
Japan's ``g_JP`` (the materials' supply chain unchanged: a lower bound)::

    F_CN = F_grid + e * (g_CN - g_JP)
    avoided_china = u * L * 1e6 * (G * (F_CN - F_grid) + Gc * (F_grid - F_park)) / 1000

Cost per tonne = ``S / avoided``, not defined where nothing is avoided. Minerals: the fund's
subsidy to minerals projects (plant rows of stage ``minerals``) per tonne of contained minerals
Japanese firms' projects secure in 2030 (``minerals.project_secured_t_2030``, every project and
mineral; the two tables are not linked row by row, so the tonnes are an upper bound of what
the fund's projects secure and the cost a lower bound); not defined when the fund supports no
minerals project.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import year_index
from chikuden.model import capacity, dataflow
from chikuden.model.finance import subsidy
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params, sum_rows

TARGET_YEAR = 2030
KWH_PER_GWH = 1e6
KG_PER_T = 1e3
CASES = ("scenario", "certified")


def per(cost: NDArray[np.float64], outcome: NDArray[np.float64]) -> NDArray[np.float64]:
    """``cost / outcome`` where the outcome is above zero, NaN elsewhere."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(outcome > 0, cost / outcome, np.nan)


@dataflow.step(
    params=(
        "capacity.plants",
        "capacity.pipeline_date",
        "capacity.utilisation_share",
        "finance.plant_life_years",
        "carbon.materials_grid_kgco2e_per_kwh",
    ),
    reads=(
        "capacity.domestic_gap_2030",
        "capacity.plant_expected_share",
        "finance.project_subsidy_jpy",
        "finance.subsidy_demand_total",
        "finance.subsidy_certified_total",
        "workforce.people_per_gwh_2030",
        "carbon.footprint_2030_grid",
        "carbon.footprint_2030_clean_park",
        "carbon.manufacturing_electricity_per_kwh",
        "carbon.grid_intensity_2030",
        "minerals.project_secured_t_2030",
    ),
    writes=("finance.outcome_*",),
)
def step(p: Params, out: Outputs) -> None:
    """Cost per outcome of the scenario's subsidy demand and of the certified subsidies."""
    plants = p.table("capacity.plants")
    eligible = subsidy.eligible(plants)
    cells = eligible & plants.is_("stage", "cells")
    minerals = eligible & plants.is_("stage", "minerals")
    clean = plants["clean_park"] > 0.5
    share = out.rows["capacity.plant_expected_share"]
    expected_gwh = plants["gwh"] * share
    expected_subsidy = out.rows["finance.project_subsidy_jpy"] * share
    certified = (
        eligible
        & capacity.in_pipeline(plants, p["capacity.pipeline_date"])
        & (plants["subsidy_jpy"] > 0)
    )
    gap = out.indicators["capacity.domestic_gap_2030"]
    cases = {
        "scenario": (
            out.indicators["finance.subsidy_demand_total"],
            sum_rows(np.where(cells, expected_gwh, 0.0)) + gap,
            sum_rows(np.where(cells & clean, expected_gwh, 0.0)),
            sum_rows(np.where(minerals, expected_subsidy, 0.0)),
        ),
        "certified": (
            out.indicators["finance.subsidy_certified_total"],
            sum_rows(np.where(certified & cells, plants["gwh"], 0.0)),
            sum_rows(np.where(certified & cells & clean, plants["gwh"], 0.0)),
            sum_rows(np.where(certified & minerals, plants["subsidy_jpy"], 0.0)),
        ),
    }

    f_grid = out.indicators["carbon.footprint_2030_grid"]
    f_park = out.indicators["carbon.footprint_2030_clean_park"]
    china_grid = p["carbon.materials_grid_kgco2e_per_kwh"][:, year_index(TARGET_YEAR)]
    f_china = f_grid + out.indicators["carbon.manufacturing_electricity_per_kwh"] * (
        china_grid - out.indicators["carbon.grid_intensity_2030"]
    )
    # tonnes of CO2e per (GWh of capacity x kg CO2e per kWh) over one life
    t_per = p["capacity.utilisation_share"] * p["finance.plant_life_years"] * KWH_PER_GWH / KG_PER_T
    people_per_gwh = out.indicators["workforce.people_per_gwh_2030"]
    secured = sum_rows(out.rows["minerals.project_secured_t_2030"])
    out.indicator("finance.outcome_china_cell_footprint_2030", f_china)
    out.indicator("finance.outcome_minerals_secured_t_2030", secured)
    for case, (cost, gwh, clean_gwh, minerals_cost) in cases.items():
        jobs = people_per_gwh * gwh
        park_saving = clean_gwh * (f_grid - f_park)
        avoided_grid = t_per * park_saving
        avoided_china = t_per * (gwh * (f_china - f_grid) + park_saving)
        out.indicator(f"finance.outcome_gwh_{case}", gwh)
        out.indicator(f"finance.outcome_jobs_{case}", jobs)
        out.indicator(f"finance.outcome_co2_avoided_grid_{case}", avoided_grid)
        out.indicator(f"finance.outcome_co2_avoided_china_{case}", avoided_china)
        out.indicator(f"finance.outcome_minerals_subsidy_{case}", minerals_cost)
        out.indicator(f"finance.outcome_jpy_per_gwh_{case}", per(cost, gwh))
        out.indicator(f"finance.outcome_jpy_per_job_{case}", per(cost, jobs))
        out.indicator(f"finance.outcome_jpy_per_t_co2_grid_{case}", per(cost, avoided_grid))
        out.indicator(f"finance.outcome_jpy_per_t_co2_china_{case}", per(cost, avoided_china))
        out.indicator(
            f"finance.outcome_jpy_per_t_minerals_{case}",
            np.where(minerals_cost > 0, per(minerals_cost, secured), np.nan),
        )
