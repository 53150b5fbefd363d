"""Cell manufacturing capacity of Japanese firms, in Japan and worldwide (P1, P8).

Each plant ``j`` of the pipeline table contributes, in year ``y``::

    cap_j(y) = gwh_j * f_j * ramp(y - start_j - d_j)
    ramp(k)  = clip((k + 1) / R, 0, 1)          (k = 0 is the first production year)

with ``R`` the ramp-up years, ``d_j`` the delay (0 for plants already producing) and ``f_j``
the row's expected share (:func:`expected_share`)::

    f_j = v_j * (1 if existing, p_certified if certified, p_announced if announced)
    v_j = 1 if announced_j <= D < withdrawn_j else 0

``D`` is the scenario's pipeline date (``capacity.pipeline_date``, YYYYMMDD): a scenario sees
the plants announced by its date and not withdrawn by then, so the 2022 scenarios do not count
plants certified in 2023-2024. Domestic capacity is the sum over cell plants in region JP,
each in full: the 150 GWh are capacity in Japan, whoever owns it. Japanese firms' global
capacity is the sum over all regions of each plant counted for its Japanese owners
(:func:`japan_weight`)::

    w_j = s_j                   at equity (capacity.jv_in_full_flag = 0)
    w_j = 1 if s_j > 0 else 0   in full   (capacity.jv_in_full_flag = 1)

with ``s_j`` the Japanese firms' equity share of the plant (column ``japan_share``); the
region series count the same way, so that they add up to it. The gap is the target (from the
market step) less the capacity, floored at zero. The finance domain reads the same
:func:`in_pipeline` and :func:`expected_share` for the subsidies of the plants.

A batch is summed a chunk of scenarios at a time, without a ``(k, rows, years)`` array for
the whole batch, by the same additions in the same order as one scenario alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import YEARS, year_index
from chikuden.model import dataflow
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params, TableArrays

REGIONS = ("JP", "US", "EU", "ASIA", "OTHER")
TARGET_YEAR = 2030
# Scenarios per pass of the region sums: a chunk's (CHUNK, rows, years) intermediates stay in
# cache, and each result is written once into its batch-sized array.
CHUNK = 4096


def ramp(
    years_since_start: NDArray[np.float64],
    ramp_years: NDArray[np.float64],
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Share of nameplate available [share] ``k`` years after the start (k=0: first year).

    out : where to write the result (may be ``years_since_start`` itself)
    """
    share = np.divide(np.add(years_since_start, 1.0, out=out), ramp_years, out=out)
    # np.minimum(np.maximum(...)): np.clip with less overhead on small arrays
    return np.minimum(np.maximum(share, 0.0, out=share), 1.0, out=share)


def in_pipeline(plants: TableArrays, pipeline_date: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Rows in the scenario's pipeline [bool], ``(k, rows)``: announced on or before the
    pipeline date and not withdrawn by it (dates as YYYYMMDD numbers, which sort as dates).

    plants : the plants table (columns ``announced``, ``withdrawn``)
    pipeline_date : [YYYYMMDD], ``(k,)``
    """
    date = pipeline_date[:, None]
    return (plants["announced"] <= date) & (date < plants["withdrawn"]) & (plants.valid > 0)


def expected_share(
    plants: TableArrays,
    pipeline_date: NDArray[np.float64],
    certified_share: NDArray[np.float64],
    announced_share: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Expected share of each row's capacity (and subsidy) that is built [share], ``(k, rows)``.

    0 outside the pipeline (:func:`in_pipeline`); in it, 1 for existing plants,
    ``announced_share`` for announced plans and ``certified_share`` for the others (certified
    in Japan or committed abroad; hypothetical rows of a user's table).
    certified_share, announced_share : [share], ``(k,)``
    """
    status = np.where(
        plants.is_("status", "existing"),
        1.0,
        np.where(
            plants.is_("status", "announced"), announced_share[:, None], certified_share[:, None]
        ),
    )
    return np.where(in_pipeline(plants, pipeline_date), status, 0.0)


def scenario_share(p: Params, plants: TableArrays | None = None) -> NDArray[np.float64]:
    """:func:`expected_share` of the batch's plants with its parameters, ``(k, rows)``."""
    return expected_share(
        p.table("capacity.plants") if plants is None else plants,
        p["capacity.pipeline_date"],
        p["capacity.realisation_share"],
        p["capacity.announced_realisation_share"],
    )


def japan_weight(plants: TableArrays, in_full: NDArray[np.float64]) -> NDArray[np.float64]:
    """Share of each row counted as Japanese firms' capacity [share], ``(k, rows)``.

    plants : the plants table (column ``japan_share``, the Japanese firms' equity share)
    in_full : [flag], ``(k,)``: 0 counts a row at its equity share, 1 counts a row with any
    Japanese owner (share above 0) in full
    """
    share = plants["japan_share"]
    return np.where(in_full[:, None] > 0.5, (share > 0).astype(np.float64), share)


def plant_capacity(
    plants: TableArrays,
    ramp_years: NDArray[np.float64],
    delay_years: NDArray[np.float64],
    share: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Capacity of each plant by year [GWh per year], shape ``(k, rows, years)``.

    plants : the plants table (columns ``gwh``, ``start_year``; categorical ``status``, ``stage``)
    ramp_years, delay_years : [years], shape ``(k,)``
    share : expected share of each row [share], ``(k, rows)`` (:func:`expected_share`)
    """
    gwh, start = effective_plants(plants, delay_years, share)
    since = YEARS[None, None, :] - start[:, :, None]
    return gwh[:, :, None] * ramp(since, ramp_years[:, None, None])


def effective_plants(
    plants: TableArrays, delay_years: NDArray[np.float64], share: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Expected cell capacity [GWh per year] and first production year [year] of each plant.

    Both ``(k, rows)``: ``gwh_j * f_j`` (0 for other stages and padding) and ``start_j + d_j``,
    the factors of :func:`plant_capacity`; share : ``f_j``, ``(k, rows)``.
    """
    return _effective(layout(plants), plants, delay_years, share)


def _effective(
    lay: Layout,
    plants: TableArrays,
    delay_years: NDArray[np.float64],
    share: NDArray[np.float64],
    weight: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """weight : the rows' :func:`japan_weight`, or None for the capacity in full."""
    delay = np.where(lay.planned, delay_years[:, None], 0.0)
    nameplate = plants["gwh"] if weight is None else plants["gwh"] * weight
    gwh = nameplate * share * lay.cells * plants.valid
    return gwh, plants["start_year"] + delay


@dataclass(frozen=True)
class Layout:
    """What the region sums need to know about a plants table.

    planned, cells : rows not yet producing, rows of cell plants [bool], ``(k, rows)``
    members : region -> the rows summed for it, in table order
    masks : region -> rows in the region ``(k, rows)`` when each scenario has its own table
    (then every row is summed, masked); None when the batch shares one table (then only the
    region's cell rows are summed: the others add exact zeros)
    curve_rows : the rows whose start column gives each distinct ramp-up curve
    curve_of : region -> the curve of each member row
    """

    planned: NDArray[np.bool_]
    cells: NDArray[np.bool_]
    members: dict[str, NDArray[np.intp]]
    masks: dict[str, NDArray[np.bool_]] | None
    curve_rows: NDArray[np.intp]
    curve_of: dict[str, NDArray[np.intp]]


def layout(plants: TableArrays) -> Layout:
    """The :class:`Layout` of ``plants`` (about 30 us for one scenario's table)."""
    planned = ~plants.is_("status", "existing")
    cells = plants.is_("stage", "cells")
    n_rows = planned.shape[1]
    if planned.shape[0] > 1:  # a table per scenario: every row, masked by region
        masks = {r: plants.is_("region", r) for r in REGIONS}
        masks = {r: m for r, m in masks.items() if m.any()}
        every = np.arange(n_rows)
        return Layout(
            planned, cells, dict.fromkeys(masks, every), masks, every, dict.fromkeys(masks, every)
        )
    holds = (plants["gwh"] * cells * plants.valid)[0] != 0
    members = {}
    for r in REGIONS:
        rows = np.flatnonzero(plants.is_("region", r)[0] & holds)
        if rows.size:
            members[r] = rows
    # start = start_year + (delay if planned else 0): one curve per (start_year, status)
    curve_rows: list[int] = []
    seen: dict[tuple[float, bool], int] = {}
    curve = np.zeros(n_rows, dtype=np.intp)
    for j in sorted({int(j) for rows in members.values() for j in rows}):
        key = (float(plants["start_year"][0, j]), bool(planned[0, j]))
        if key not in seen:
            seen[key] = len(curve_rows)
            curve_rows.append(j)
        curve[j] = seen[key]
    curve_of = {r: curve[rows] for r, rows in members.items()}
    return Layout(planned, cells, members, None, np.array(curve_rows, dtype=np.intp), curve_of)


def first_year_at_or_above(
    series: NDArray[np.float64], level: NDArray[np.float64]
) -> NDArray[np.float64]:
    """First calendar year in which ``series >= level`` [year]; NaN if never on the horizon."""
    hit = series >= level[:, None] - 1e-9
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), YEARS[first], np.nan)


def _part(values: NDArray[np.float64], start: int, stop: int) -> NDArray[np.float64]:
    """Scenarios ``start:stop`` of an array with the scenarios on its last axis; an array
    shared by the batch (one scenario) as is."""
    return values if values.shape[-1] == 1 else values[..., start:stop]


def region_capacity(
    lay: Layout,
    gwh: NDArray[np.float64],
    start: NDArray[np.float64],
    ramp_years: NDArray[np.float64],
) -> dict[str, NDArray[np.float64] | None]:
    """Capacity of each region by year [GWh per year], ``(k, years)``; None for a region
    without cell plants.

    lay : :func:`layout` of the plants table; gwh, start : :func:`effective_plants`,
    ``(k, rows)``; ramp_years : [years], ``(k,)``

    Equals ``sum_rows plant_capacity * [row in region]``, with the same additions in row order
    (so that a batch equals its scenarios one at a time), a chunk of scenarios at a time.
    """
    n = max(gwh.shape[0], start.shape[0], ramp_years.shape[0])
    # scenarios last, so that every pass runs along a chunk of scenarios
    if lay.masks is None:
        weights = {r: gwh.T[rows] for r, rows in lay.members.items()}
    else:
        weights = {r: np.where(m, gwh, 0.0).T for r, m in lay.masks.items()}
    first = start.T[lay.curve_rows][:, None, :]  # (curves, 1, k)
    years = YEARS.astype(float)[None, :, None]
    sums = {r: np.empty((n, YEARS.size)) for r in lay.members}
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        start_part, ramp_part = _part(first, lo, hi), _part(ramp_years, lo, hi)
        curves = np.empty((first.shape[0], YEARS.size, max(start_part.shape[-1], ramp_part.size)))
        np.subtract(years, start_part, out=curves)  # (curves, years, chunk)
        ramp(curves, ramp_part, out=curves)
        for r, pick in lay.curve_of.items():
            w = _part(weights[r], lo, hi)
            total = w[0] * curves[pick[0]]
            for i in range(1, pick.size):
                total += w[i] * curves[pick[i]]
            sums[r][lo:hi] = total.T
    return {r: sums.get(r) for r in REGIONS}


@dataflow.step(
    params=("capacity.*",),
    reads=(
        "targets.domestic_capacity_2030",
        "targets.japan_global_capacity_2030",
    ),
    writes=("capacity.*",),
)
def step(p: Params, out: Outputs) -> None:
    plants = p.table("capacity.plants")
    lay = layout(plants)
    ramp_years = p["capacity.ramp_years"]
    share = scenario_share(p, plants)
    in_full = p["capacity.jv_in_full_flag"]
    weight = japan_weight(plants, in_full)
    delay = p["capacity.delay_years"]
    # Japanese firms' part of each plant: the region sums and the global capacity
    gwh, start = _effective(lay, plants, delay, share, weight)
    region_caps = region_capacity(lay, gwh, start, ramp_years)
    none = np.zeros((1, YEARS.size))
    japanese_in_jp = region_caps["JP"] if region_caps["JP"] is not None else none
    # capacity in Japan counts every plant in full: summed apart only when a cell plant in
    # Japan is not wholly counted for Japanese firms
    partly = (weight != 1.0) & plants.is_("region", "JP") & lay.cells & (plants.valid > 0)
    if partly.any():
        gwh_in_full = _effective(lay, plants, delay, share)[0]
        in_full_jp = region_capacity(lay, gwh_in_full, start, ramp_years)
        domestic = in_full_jp["JP"] if in_full_jp["JP"] is not None else none
    else:
        domestic = japanese_in_jp
    # zeros + JP + US + ...: a region without plants adds exact zeros and is left out
    world = none
    for r in REGIONS:
        region = region_caps[r]
        if region is not None:
            world = world + region if world is not none else region.copy()
    util = p["capacity.utilisation_share"][:, None]
    i30 = year_index(TARGET_YEAR)
    dom_target = out.indicators["targets.domestic_capacity_2030"]
    jp_target = out.indicators["targets.japan_global_capacity_2030"]

    out.serie("capacity.domestic_gwh", domestic)
    out.serie("capacity.japan_global_gwh", world)
    for r in REGIONS:
        region = region_caps[r]
        out.serie(f"capacity.region_{r.lower()}_gwh", none if region is None else region)
    out.serie("capacity.domestic_production_gwh", domestic * util)
    out.serie("capacity.japan_global_production_gwh", world * util)
    out.serie("capacity.domestic_gap_gwh", np.maximum(dom_target[:, None] - domestic, 0.0))
    # the 2030 column of plant_capacity, without the other years
    ramp_2030 = ramp(YEARS[i30] - start, ramp_years[:, None])
    out.rows["capacity.plant_gwh_2030"] = gwh * ramp_2030
    out.rows["capacity.plant_expected_share"] = share
    out.rows["capacity.plant_japan_counted_share"] = weight * np.ones_like(share)

    out.indicator("capacity.domestic_2025", domestic[:, year_index(2025)])
    out.indicator("capacity.domestic_2030", domestic[:, i30])
    out.indicator("capacity.domestic_gap_2030", np.maximum(dom_target - domestic[:, i30], 0.0))
    out.indicator("capacity.japan_global_2030", world[:, i30])
    out.indicator("capacity.japan_global_gap_2030", np.maximum(jp_target - world[:, i30], 0.0))
    out.indicator("capacity.overseas_2030", world[:, i30] - japanese_in_jp[:, i30])
    out.indicator(
        "capacity.domestic_year_target_reached", first_year_at_or_above(domestic, dom_target)
    )
    out.indicator("capacity.domestic_production_2030", domestic[:, i30] * util[:, 0])
    _both_countings(out, plants, share, lay, delay, ramp_2030, world[:, i30], in_full, jp_target)


def _both_countings(
    out: Outputs,
    plants: TableArrays,
    share: NDArray[np.float64],
    lay: Layout,
    delay_years: NDArray[np.float64],
    ramp_2030: NDArray[np.float64],
    chosen_2030: NDArray[np.float64],
    in_full: NDArray[np.float64],
    target: NDArray[np.float64],
) -> None:
    """Japanese firms' global capacity in 2030 at equity and in full, and the gap each way.

    The two differ by the foreign partners' part of the joint ventures,
    ``sum_j cap_j(2030) * ((1 if s_j > 0 else 0) - s_j)``; the scenario's own counting is
    ``chosen_2030`` (``capacity.japan_global_2030``), the other one is it plus or minus that
    part, so that the counting the scenario chose gives exactly its own figure.
    """
    gwh_in_full, _ = _effective(lay, plants, delay_years, share)
    s = plants["japan_share"]
    partners = np.sum(gwh_in_full * ramp_2030 * ((s > 0).astype(np.float64) - s), axis=1)
    full = in_full > 0.5
    equity_2030 = np.where(full, chosen_2030 - partners, chosen_2030)
    full_2030 = np.where(full, chosen_2030, chosen_2030 + partners)
    out.indicator("capacity.japan_global_equity_2030", equity_2030)
    out.indicator("capacity.japan_global_full_2030", full_2030)
    out.indicator("capacity.japan_global_jv_partners_2030", partners)
    out.indicator("capacity.japan_global_gap_equity_2030", np.maximum(target - equity_2030, 0.0))
    out.indicator("capacity.japan_global_gap_full_2030", np.maximum(target - full_2030, 0.0))
