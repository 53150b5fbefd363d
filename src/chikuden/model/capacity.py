"""Cell manufacturing capacity of Japanese firms, in Japan and worldwide (P1, P8).

Each plant ``j`` of the pipeline table contributes, in year ``y``::

    cap_j(y) = gwh_j * f_j * ramp(y - start_j - d_j)
    ramp(k)  = clip((k + 1) / R, 0, 1)          (k = 0 is the first production year)

with ``R`` the ramp-up years, ``d_j`` the delay (0 for plants already producing) and ``f_j``
the realisation share (1 for existing plants). Domestic capacity is the sum over cell plants
in region JP; Japanese firms' global capacity is the sum over all regions. The gap is the
target (from the market step) less the capacity, floored at zero.
"""

from __future__ import annotations

import numpy as np

from chikuden.horizon import YEARS, year_index
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params, TableArrays

REGIONS = ("JP", "US", "EU", "ASIA", "OTHER")
TARGET_YEAR = 2030


def ramp(years_since_start: np.ndarray, ramp_years: np.ndarray) -> np.ndarray:
    """Share of nameplate available [share] ``k`` years after the start (k=0: first year)."""
    return np.clip((years_since_start + 1.0) / ramp_years, 0.0, 1.0)


def plant_capacity(
    plants: TableArrays, ramp_years: np.ndarray, delay_years: np.ndarray, realisation: np.ndarray
) -> np.ndarray:
    """Capacity of each plant by year [GWh per year], shape ``(k, rows, years)``.

    plants : the plants table (columns ``gwh``, ``start_year``; categorical ``status``, ``stage``)
    ramp_years, delay_years : [years], shape ``(k,)``
    realisation : share of not-yet-producing capacity that is built [share], shape ``(k,)``
    """
    planned = ~plants.is_("status", "existing")
    cells = plants.is_("stage", "cells")
    delay = np.where(planned, delay_years[:, None], 0.0)
    share = np.where(planned, realisation[:, None], 1.0)
    gwh = plants["gwh"] * share * cells * plants.valid
    since = YEARS[None, None, :] - (plants["start_year"] + delay)[:, :, None]
    return gwh[:, :, None] * ramp(since, ramp_years[:, None, None])


def first_year_at_or_above(series: np.ndarray, level: np.ndarray) -> np.ndarray:
    """First calendar year in which ``series >= level`` [year]; NaN if never on the horizon."""
    hit = series >= level[:, None] - 1e-9
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), YEARS[first], np.nan)


def step(p: Params, out: Outputs) -> None:
    plants = p.table("capacity.plants")
    per_plant = plant_capacity(
        plants, p["capacity.ramp_years"], p["capacity.delay_years"], p["capacity.realisation_share"]
    )
    region_caps = {
        r: (per_plant * plants.is_("region", r)[:, :, None]).sum(axis=1) for r in REGIONS
    }
    domestic = region_caps["JP"]
    world = sum(region_caps.values(), start=np.zeros_like(domestic))
    util = p["capacity.utilisation_share"][:, None]
    i30 = year_index(TARGET_YEAR)
    dom_target = out.indicators["targets.domestic_capacity_2030"]
    jp_target = out.indicators["targets.japan_global_capacity_2030"]

    out.serie("capacity.domestic_gwh", domestic)
    out.serie("capacity.japan_global_gwh", world)
    for r in REGIONS:
        out.serie(f"capacity.region_{r.lower()}_gwh", region_caps[r])
    out.serie("capacity.domestic_production_gwh", domestic * util)
    out.serie("capacity.japan_global_production_gwh", world * util)
    out.serie("capacity.domestic_gap_gwh", np.maximum(dom_target[:, None] - domestic, 0.0))
    out.rows["capacity.plant_gwh_2030"] = per_plant[:, :, i30]

    out.indicator("capacity.domestic_2025", domestic[:, year_index(2025)])
    out.indicator("capacity.domestic_2030", domestic[:, i30])
    out.indicator("capacity.domestic_gap_2030", np.maximum(dom_target - domestic[:, i30], 0.0))
    out.indicator("capacity.japan_global_2030", world[:, i30])
    out.indicator("capacity.japan_global_gap_2030", np.maximum(jp_target - world[:, i30], 0.0))
    out.indicator("capacity.overseas_2030", world[:, i30] - domestic[:, i30])
    out.indicator(
        "capacity.domestic_year_target_reached", first_year_at_or_above(domestic, dom_target)
    )
    out.indicator("capacity.domestic_production_2030", domestic[:, i30] * util[:, 0])
