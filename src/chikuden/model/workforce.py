"""People the domestic battery supply chain needs, against the 30,000 target (P9).

With domestic cell capacity ``C(y)`` [GWh] (from the capacity step; plants are staffed for
their capacity, not their output), people per GWh ``w_x`` in 2021 for each stage ``x`` and a
productivity gain ``q`` per year::

    people_x(y) = C(y) * w_x * d_x * (1 - q) ** (y - 2021)

where ``d_x`` is the share of that stage located in Japan (1 for cells and R&D). People to
train from the start year ``y0`` on cover growth and those who leave (attrition ``a``)::

    train(y) = max(P(y) - P(y - 1), 0) + a * P(y - 1)          for y >= y0
    training_need(y) = sum_{t = y0}^{y} train(t)
"""

from __future__ import annotations

import numpy as np

from chikuden.horizon import FIRST_YEAR, YEARS, year_index
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

STAGES = ("cells", "materials", "minerals", "rd")
TARGET_YEAR = 2030


def people_by_stage(p: Params, capacity_gwh: np.ndarray) -> dict[str, np.ndarray]:
    """People needed per stage [people], each shape ``(k, years)``.

    capacity_gwh : domestic cell capacity [GWh], shape ``(k, years)``
    """
    decline = (1.0 - p["workforce.productivity_gain_share"][:, None]) ** (YEARS - FIRST_YEAR)
    staffed = capacity_gwh * decline
    located = {
        "cells": 1.0,
        "materials": p["workforce.materials_domestic_share"][:, None],
        "minerals": p["workforce.minerals_domestic_share"][:, None],
        "rd": 1.0,
    }
    return {s: staffed * p[f"workforce.{s}_people_per_gwh"][:, None] * located[s] for s in STAGES}


def training_need(people: np.ndarray, attrition: np.ndarray, start_year: np.ndarray) -> np.ndarray:
    """Cumulative people to train from ``start_year`` on [people], shape ``(k, years)``.

    people : people needed [people], shape ``(k, years)``
    attrition : share leaving per year [share per year], shape ``(k,)``
    start_year : first year counted [year], shape ``(k,)``
    """
    before = np.concatenate([people[:, :1], people[:, :-1]], axis=1)  # P(y - 1); 2021 has none
    new = np.maximum(people - before, 0.0) + attrition[:, None] * before
    counted = (YEARS[None, :] >= start_year[:, None]) & (YEARS[None, :] > FIRST_YEAR)
    return np.cumsum(new * counted, axis=1)


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
