"""People the domestic battery supply chain needs, against the 30,000 target (P9).

Domestic cell capacity ``C(y)`` [GWh] comes from the capacity step (plants are staffed for
their capacity, not their output). The lines in place in 2021, ``C0 = C(2021)``, are staffed
``r`` times as densely as new lines (older, smaller lines); the people per GWh ``w_x`` of
each stage ``x`` are those of new capacity in 2030, and fall by ``q`` a year after 2030::

    cells_or_rd(y)   = w_x * (C(y) + (r - 1) * min(C(y), C0)) * (1 - q) ** max(y - 2030, 0)
    materials_etc(y) = w_x * d_x * C(y) * (1 - q) ** max(y - 2030, 0)

where ``d_x`` is the share of that stage located in Japan. The defaults reproduce METI's
figures: about 6,100 people making cells at ~20 GWh in 2022, and 22,000 in cell making and
30,000 across the chain for 150 GWh in 2030. People to train from the start year ``y0`` on
cover growth and those who leave (attrition ``a``)::

    train(y) = max(P(y) - P(y - 1), 0) + a * P(y - 1)          for y >= y0
    training_need(y) = sum_{t = y0}^{y} train(t)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import FIRST_YEAR, YEARS, year_index
from chikuden.model import dataflow
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

STAGES = ("cells", "materials", "minerals", "rd")
TARGET_YEAR = 2030
#: The year of METI's staffing figures the people per GWh are calibrated to; the
#: productivity gain applies after it.
CALIBRATION_YEAR = 2030


def people_by_stage(p: Params, capacity_gwh: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """People needed per stage [people], each shape ``(k, years)``.

    capacity_gwh : domestic cell capacity [GWh], shape ``(k, years)``; its 2021 value is the
    capacity of the older lines
    """
    later = np.maximum(YEARS - CALIBRATION_YEAR, 0)
    gain = np.exp(later * np.log1p(-p["workforce.productivity_gain_share"])[:, None])
    legacy = np.minimum(capacity_gwh, capacity_gwh[:, :1])
    ratio = p["workforce.legacy_staffing_ratio"][:, None]
    staffed = {
        "cells": capacity_gwh + (ratio - 1.0) * legacy,
        "materials": capacity_gwh * p["workforce.materials_domestic_share"][:, None],
        "minerals": capacity_gwh * p["workforce.minerals_domestic_share"][:, None],
    }
    # Cell making and its technology development are staffed like the cell lines (METI counts
    # them together); materials and refining have no count of their own for the older lines.
    staffed["rd"] = staffed["cells"]
    return {s: staffed[s] * p[f"workforce.{s}_people_per_gwh"][:, None] * gain for s in STAGES}


def training_need(
    people: NDArray[np.float64], attrition: NDArray[np.float64], start_year: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Cumulative people to train from ``start_year`` on [people], shape ``(k, years)``.

    people : people needed [people], shape ``(k, years)``
    attrition : share leaving per year [share per year], shape ``(k,)``
    start_year : first year counted [year], shape ``(k,)``
    """
    before = np.concatenate([people[:, :1], people[:, :-1]], axis=1)  # P(y - 1); 2021 has none
    new = np.maximum(people - before, 0.0) + attrition[:, None] * before
    counted = (YEARS[None, :] >= start_year[:, None]) & (YEARS[None, :] > FIRST_YEAR)
    return np.cumsum(new * counted, axis=1)


@dataflow.step(
    params=("workforce.*",),
    reads=("capacity.domestic_gwh",),
    writes=("workforce.*",),
)
def step(p: Params, out: Outputs) -> None:
    capacity = out.series["capacity.domestic_gwh"]
    stages = people_by_stage(p, capacity)
    total = stages["cells"] + stages["materials"] + stages["minerals"] + stages["rd"]
    trained = training_need(
        total, p["workforce.attrition_share"], p["workforce.training_start_year"]
    )
    target = p["workforce.target_people"]
    i30 = year_index(TARGET_YEAR)

    for s in STAGES:
        out.serie(f"workforce.people_{s}", stages[s])
    out.serie("workforce.people_total", total)
    out.serie("workforce.training_need_cumulative", trained)

    out.indicator("workforce.people_needed_2030", total[:, i30])
    out.indicator("workforce.training_need_2030", trained[:, i30])
    out.indicator("workforce.target_people", target)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(target > 0, trained[:, i30] / target, np.nan)
        per_gwh = np.where(capacity[:, i30] > 0, total[:, i30] / capacity[:, i30], np.nan)
    out.indicator("workforce.training_need_vs_target_2030", ratio)
    out.indicator("workforce.people_per_gwh_2030", per_gwh)
    out.indicator("workforce.people_needed_2040", total[:, -1])
