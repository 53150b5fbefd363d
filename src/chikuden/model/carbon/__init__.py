"""Carbon footprint of cells made in Japan, by power option and year, against EU rules (P2, P9).

All quantities are per kWh of cell capacity unless they say otherwise; arrays carry a leading
scenario axis ``k`` (1 or n), then the power-option axis ``O`` of :mod:`chikuden.model.carbon.power`
where it applies, then years. The cell is the domestic chemistry mix of
:mod:`chikuden.model.chemistry`, each of its chemistries on its own row ``c`` of the chemistry
table: weights ``w_c(y)``, and every column below is the mix's mean ``X(y) = sum_c w_c(y) X_c``.

Manufacturing energy, process step ``j`` with energy ``E_j`` at full utilisation, fixed share
``f_j`` and heat share ``h_j``, utilisation ``u``, chemistry factor ``phi`` and energy index
``x(y)`` [kWh/kWh]::

    E_j(u) = E_j (1 - f_j) + E_j f_j / u
    el(y)  = phi x(y) sum_j E_j(u) (1 - h_j)          heat(y) = phi x(y) sum_j E_j(u) h_j

Option ``o`` electrifies a share ``e_o`` of the heat at coefficient of performance ``c``::

    el_o = el + e_o heat / c                            heat_o = (1 - e_o) heat

Upstream materials, component ``m`` (cathode active material and precursor, metal refining,
anode, electrolyte, other) with footprint ``F_m`` computed at grid factor ``g_ref`` and
electricity ``K_m`` used in its processing [kg CO2e/kWh]; a share ``j_m`` of it is made in
Japan on the Japanese grid, the rest where materials are made (``EF_mat``)::

    M_m(y) = F_m + K_m (EF_m(y) - g_ref)
    EF_m   = (1 - q_m,o) (j_m EF_grid(y) + (1 - j_m) EF_mat(y)) + q_m,o EF_o(y)
    M_cathode, M_refining *= 1 - r(y) rho       (recycled content r, footprint reduction rho)

(``q_m,o``: the share a clean park co-locates, cathode and anode only.)

Cradle-to-gate and the EU life-cycle footprint per kWh delivered over the service life::

    CF_o(y)    = sum_m M_m(y) + el_o EF_o(y) + heat_o EF_heat
    CF_eu,o(y) = 1000 (CF_o(y) + el_o (EF_eu,o - EF_o) + D) / (N (1 + SoH_end) / 2)

(per kWh delivered in g CO2e/kWh, so that 80.3 and 79.9 read apart.)

Cost of energy per kWh of cells and the premium over the grid [JPY/kWh]::

    C_o = el_o P_o + heat_o P_heat + sum_m q_m,o K_m (P_o - j_m P_grid - (1 - j_m) P_mat)
    premium_o = C_o - C_grid

Hydrogen of a park producing ``G`` GWh a year [t/yr]::

    H = G 1e6 (el_park + Q_park) / (LHV eta) / 1000,     Q_park = sum_m q_m,park K_m

Classes (1 = A ... 4 = D): carbon ``1 + [CF > a] + [CF > b] + [CF > c]``; durability from
cycles ``N``: ``1 + [N < A] + [N < B] + [N < C]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import FIRST_YEAR, N_YEARS, YEARS, year_index
from chikuden.model import chemistry, dataflow
from chikuden.model.carbon.power import (
    ALL_OPTIONS,
    GRID,
    OPTIONS,
    PARK,
    PARK_MASK,
    Num,
    PowerSupply,
    at_years,
    hydrogen_tonnes,
    power_supply,
    yearly,
)
from chikuden.model.outputs import DEFER_SERIES_FROM, Outputs
from chikuden.parameters.params import Params, TableArrays, sum_rows

TARGET_YEAR = 2030
G_PER_KG = 1000.0
STAGES = (
    "cathode",
    "refining",
    "anode",
    "electrolyte",
    "other_materials",
    "electricity",
    "heat",
)
MATERIAL_STAGES = STAGES[:5]
COMPONENTS = ("cathode", "refining", "anode", "electrolyte", "other")
COLOCATED = ("cathode", "anode")  # what a clean park's materials plants make (refining abroad)
RECYCLED = ("cathode", "refining")  # what recycled metals replace
RECYCLED_YEARS = (2031, 2036)  # EU recycled-content minimums apply from (Reg. 2023/1542 Art. 8)
METALS = ("cobalt", "lithium", "nickel")


# -- equations ------------------------------------------------------------------------------
def energy_at_utilisation(kwh: Num, fixed_share: Num, utilisation: Num) -> NDArray[np.float64]:
    """Energy per kWh of cell at utilisation ``u`` [kWh/kWh] = E (1 - f) + E f / u.

    kwh : energy at full utilisation [kWh/kWh]
    fixed_share : share of that energy independent of throughput [share]
    utilisation : production / capacity [share], broadcast against ``kwh``
    """
    return np.asarray(kwh * (1.0 - fixed_share) + kwh * fixed_share / utilisation)


def process_energy(
    steps: TableArrays, utilisation: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Electricity and heat of each process step at utilisation [kWh/kWh], each ``(k, steps)``."""
    energy = energy_at_utilisation(
        steps["kwh_per_kwh"] * steps.valid, steps["fixed_share"], utilisation[:, None]
    )
    heat = energy * steps["heat_share"]
    return energy - heat, heat


def chemistry_weights(chemistries: TableArrays, shares: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weight of each chemistry row in the cell mix [share], ``(k, rows, years)``.

    shares : the mix, ``(k, chemistries, years)`` over :data:`chemistry.CHEMISTRIES`
        (:func:`chemistry.chemistry_mix`). Each chemistry of the mix has one row (the schema's
        rules ``mix-chemistries`` and ``one-row-per-chemistry``, checked when it is loaded).
    """
    rows = [chemistries.is_("chemistry", chemistry.table_name(c)) for c in chemistry.CHEMISTRIES]
    masks = np.stack(np.broadcast_arrays(*rows), axis=1).astype(float)  # (k, chemistries, rows)
    return _weights(masks, shares)


def _weights(masks: NDArray[np.float64], shares: NDArray[np.float64]) -> NDArray[np.float64]:
    """``w[k, r, y] = sum_c masks[k, c, r] shares[k, c, y]``: at most one chemistry per row."""
    k = max(masks.shape[0], shares.shape[0])
    masks = np.broadcast_to(masks, (k, *masks.shape[1:]))
    shares = np.broadcast_to(shares, (k, *shares.shape[1:]))
    return np.asarray(np.matmul(np.swapaxes(masks, 1, 2), shares))


def one_chemistry_weights(chemistries: TableArrays, chemistry: str) -> NDArray[np.float64]:
    """Weights that pick one chemistry row [share], ``(k, rows, 1)`` (the product assessment)."""
    mask = chemistries.is_("chemistry", chemistry)
    return np.asarray(mask & (np.cumsum(mask, axis=1) == 1), dtype=float)[:, :, None]


def mix(chemistries: TableArrays, weights: NDArray[np.float64], column: str) -> NDArray[np.float64]:
    """Weighted mean of a chemistry column over the mix [column unit], ``(k, years)`` (or
    ``(k, 1)`` for weights that do not change by year). Rows are added in order, whatever the
    memory layout of ``weights`` (``np.sum`` may add them pairwise when they are contiguous,
    e.g. for one year, or for some years picked out of every year)."""
    terms = chemistries[column][:, :, None] * weights
    return np.asarray(np.add.accumulate(terms, axis=1)[:, -1])


def component_footprint(
    footprint: Num, electricity: Num, reference_ef: Num, ef: Num
) -> NDArray[np.float64]:
    """Footprint of a material made with power of factor ``ef`` [kg CO2e/kWh]
    = F + K (EF - g_ref)."""
    return np.asarray(footprint + electricity * (ef - reference_ef))


def delivered_energy_per_kwh(cycles: Num, end_of_life_soh: Num) -> NDArray[np.float64]:
    """Energy delivered over the service life per kWh of capacity [kWh/kWh]
    = N (1 + SoH_end) / 2 (capacity fading linearly to SoH_end)."""
    return np.asarray(cycles * (1.0 + end_of_life_soh) / 2.0)


def eu_class(footprint: Num, a_max: Num, b_max: Num, c_max: Num) -> NDArray[np.float64]:
    """Carbon class 1 (A) .. 4 (D) of a footprint per kWh delivered [count]."""
    return (
        1.0
        + np.greater(footprint, a_max)
        + np.greater(footprint, b_max)
        + np.greater(footprint, c_max)
    )


def durability_class(cycles: Num, a_min: Num, b_min: Num, c_min: Num) -> NDArray[np.float64]:
    """Durability class 1 (A) .. 4 (D) from cycles to end of life [count]."""
    return 1.0 + np.less(cycles, a_min) + np.less(cycles, b_min) + np.less(cycles, c_min)


def in_force(year: NDArray[np.float64]) -> NDArray[np.bool_]:
    """``(k, years)`` mask of the years on or after ``year`` [flag]."""
    return YEARS[None, :] >= year[:, None]


def eu_recycled_minimum(
    min_2031: NDArray[np.float64], min_2036: NDArray[np.float64]
) -> NDArray[np.float64]:
    """EU minimum recycled content in force each year [share], ``(k, years)``."""
    first, second = RECYCLED_YEARS
    return np.where(
        YEARS[None, :] >= second,
        min_2036[:, None],
        np.where(YEARS[None, :] >= first, min_2031[:, None], 0.0),
    )


def _horizon_index(year: NDArray[np.float64]) -> NDArray[np.intp]:
    """Index of ``year`` on the horizon, a year outside it counted as the nearest end."""
    return np.clip(year - FIRST_YEAR, 0, N_YEARS - 1).astype(int)


def _position(years: NDArray[np.intp] | None, year: int) -> int:
    """Where ``year`` is among the year columns ``years`` (None: every year)."""
    i = year_index(year)
    return i if years is None else int(np.searchsorted(years, i))


def at_year(
    values: NDArray[np.float64], year: NDArray[np.float64], years: NDArray[np.intp] | None = None
) -> NDArray[np.float64]:
    """``values[..., year]`` for a per-scenario year: ``(k, ..., years)`` -> ``(k, ...)``.

    years : the horizon indices of the columns of ``values`` (default: every year); a year
        outside the horizon counts as its nearest end, which must be among them
    """
    idx = _horizon_index(year)
    if years is not None:
        idx = np.searchsorted(years, idx)
    n = max(values.shape[0], idx.shape[0])
    full = np.broadcast_to(values, (n, *values.shape[1:]))
    shape = (n,) + (1,) * (values.ndim - 1)
    return np.take_along_axis(full, np.broadcast_to(idx.reshape(-1, *shape[1:]), shape), -1)[..., 0]


def first_year_at_or_below(
    series: NDArray[np.float64], level: NDArray[np.float64]
) -> NDArray[np.float64]:
    """First year with ``series <= level`` [year]; NaN if none on the horizon."""
    hit = series <= level + 1e-12
    first = np.argmax(hit, axis=-1)
    return np.where(hit.any(axis=-1), YEARS[first], np.nan)


# -- the whole chain ------------------------------------------------------------------------
@dataclass(frozen=True)
class Footprints:
    """Footprints and energy per kWh of cell capacity; ``(k, O, years)`` unless noted."""

    stages: dict[str, NDArray[np.float64]]  # STAGES -> kg CO2e/kWh
    primary_cathode: NDArray[
        np.float64
    ]  # cathode and refining without recycled content [kg CO2e/kWh]
    total: NDArray[np.float64]  # cradle-to-gate [kg CO2e/kWh]
    total_eu: NDArray[np.float64]  # cradle-to-gate as EU rules count power [kg CO2e/kWh]
    delivered_eu: NDArray[np.float64]  # life cycle per kWh delivered, EU rules [g CO2e/kWh]
    cost: NDArray[np.float64]  # energy cost [JPY per kWh of cells]
    electricity: NDArray[np.float64]  # electricity incl. electrified heat [kWh/kWh]
    heat: NDArray[np.float64]  # heat from gas [kWh/kWh]
    colocated: NDArray[
        np.float64
    ]  # materials electricity moved into the park [kWh/kWh], (k or 1, O, Y)
    energy: NDArray[np.float64]  # manufacturing energy before electrification [kWh/kWh], (k, years)
    step_energy: NDArray[np.float64]  # energy by process step at full index [kWh/kWh], (k, steps)
    life_kwh: NDArray[np.float64]  # energy delivered over the service life [kWh/kWh], (k,)
    supply: PowerSupply


def _full(x: NDArray[np.float64], shape: tuple[int, ...]) -> NDArray[np.float64]:
    """``x`` broadcast to ``shape`` as a real array (a no-op when it already has it)."""
    return x if x.shape == shape else x + np.zeros(shape)


def footprints(
    p: Params,
    weights: NDArray[np.float64],
    years: NDArray[np.intp] | None = None,
    options: tuple[int, ...] = ALL_OPTIONS,
) -> Footprints:
    """Footprints of the cell mix ``weights`` (``(k, chemistry rows, years or 1)``, from
    :func:`chemistry_weights` or :func:`one_chemistry_weights`) under every option.

    years : sorted indices into the horizon of the year columns to give (default: every
        year); ``step_energy`` needs 2030 among them
    options : positions in :data:`OPTIONS` of the options to give, in order (default: all)

    Every equation is element by element in the option and the year, so a value is the same
    bits whichever years and options are given: a batch that needs a few of them (the
    indicators) computes only those.
    """
    chem = p.table("carbon.chemistries")
    weights = at_years(weights, years)
    step_el, step_heat = process_energy(
        p.table("carbon.process_steps"), p["capacity.utilisation_share"]
    )

    def path(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return at_years(yearly(x), years)

    scale = mix(chem, weights, "energy_factor") * path(p["carbon.energy_intensity_index"])
    electricity = sum_rows(step_el, keepdims=True) * scale  # (k, Y)
    heat = sum_rows(step_heat, keepdims=True) * scale
    supply = power_supply(p, years, options)
    park_mask = PARK_MASK[list(options)][None, :, None]

    def per_option(x: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(k,)`` or ``(k, years)`` as ``(k, 1, 1)`` or ``(k, 1, years)``."""
        return x[:, None, None] if x.ndim == 1 else x[:, None, :]

    electrified = park_mask * per_option(p["carbon.park_heat_electrified_share"]) + (
        1.0 - park_mask
    ) * per_option(p["carbon.heat_electrified_share"])
    el_o = electricity[:, None, :] + electrified * heat[:, None, :] / per_option(
        p["carbon.electric_heat_cop"]
    )
    heat_o = (1.0 - electrified) * heat[:, None, :]

    ref = per_option(mix(chem, weights, "reference_grid_kgco2e_per_kwh"))
    ef_mat = per_option(path(p["carbon.materials_grid_kgco2e_per_kwh"]))
    ef_grid = per_option(path(p["carbon.grid_kgco2e_per_kwh"]))
    price_mat = per_option(p["carbon.materials_power_price_jpy_per_kwh"])
    price_grid = per_option(path(p["carbon.grid_price_jpy_per_kwh"]))
    park_share = park_mask * per_option(p["carbon.park_materials_share"])
    recycled = per_option(path(p["carbon.recycled_content_share"])) * per_option(
        p["carbon.recycled_reduction_share"]
    )

    materials: dict[str, NDArray[np.float64]] = {}
    primary = np.zeros(1)
    colocated = np.zeros(1)
    colocated_cost = np.zeros(1)
    for name in COMPONENTS:
        kg = per_option(mix(chem, weights, f"{name}_kgco2e_per_kwh"))
        kwh = per_option(mix(chem, weights, f"{name}_kwh_per_kwh"))
        japan = per_option(p[f"carbon.{name}_japan_share"])
        ef = japan * ef_grid + (1.0 - japan) * ef_mat  # (k, 1, Y): the same for every option
        if name in COLOCATED:
            ef = (1.0 - park_share) * ef + park_share * supply.ef
            colocated = colocated + park_share * kwh
            price = japan * price_grid + (1.0 - japan) * price_mat
            colocated_cost = colocated_cost + park_share * kwh * (supply.price - price)
        footprint = component_footprint(kg, kwh, ref, ef)
        if name in RECYCLED:
            primary = primary + footprint
            footprint = footprint * (1.0 - recycled)
        materials[name] = footprint
    stages = {
        "cathode": materials["cathode"],
        "refining": materials["refining"],
        "anode": materials["anode"],
        "electrolyte": materials["electrolyte"],
        "other_materials": materials["other"],
        "electricity": el_o * supply.ef,
        "heat": heat_o * per_option(p["carbon.heat_kgco2e_per_kwh"]),
    }
    total = sum(stages.values(), start=np.zeros(1))
    stages = {name: _full(v, total.shape) for name, v in stages.items()}
    total_eu = total + el_o * (supply.ef_eu - supply.ef)
    life = delivered_energy_per_kwh(
        p["carbon.service_life_cycles"], p["carbon.end_of_life_soh_share"]
    )
    delivered = (
        G_PER_KG
        * (total_eu + per_option(p["carbon.distribution_kgco2e_per_kwh"]))
        / per_option(life)
    )
    cost = (
        el_o * supply.price
        + heat_o * path(p["carbon.heat_price_jpy_per_kwh"])[:, None, :]
        + colocated_cost
    )
    return Footprints(
        stages=stages,
        primary_cathode=_full(primary, total.shape),
        total=total,
        total_eu=total_eu,
        delivered_eu=delivered,
        cost=_full(cost, total.shape),
        electricity=_full(el_o, total.shape),
        heat=_full(heat_o, total.shape),
        colocated=colocated + np.zeros((1, len(options), 1)),
        energy=electricity + heat,
        step_energy=(step_el + step_heat) * scale[:, _position(years, TARGET_YEAR), None],
        life_kwh=life,
        supply=supply,
    )


def hydrogen_per_kwh(f: Footprints, p: Params) -> NDArray[np.float64]:
    """Hydrogen a clean park burns per kWh of cells [kg/kWh], ``(k, years)``."""
    return 1000.0 * hydrogen_tonnes(
        f.electricity[:, PARK, :] + f.colocated[:, PARK, :],
        p["carbon.h2_plant_efficiency_share"][:, None],
    )


# -- step -----------------------------------------------------------------------------------
RULES = (
    "carbon.eu_threshold_gco2e_per_kwh",
    "carbon.eu_class_*_max_gco2e_per_kwh",
    "carbon.eu_rule_stage",
    "carbon.performance_footprint_cap",
    "carbon.grid_intensity_2030",
    "carbon.recycled_content_share",
    "carbon.eu_recycled_min_*_share",
)
"""Outputs that restate the rules and paths the footprints are judged by (parameters only)."""


@dataflow.step(
    params=(
        "carbon.eu_threshold_*",
        "carbon.eu_class_*_max",
        "carbon.eu_classes_year",
        "carbon.eu_declaration_year",
        "carbon.performance_*",
        "carbon.distribution_kgco2e_per_kwh",
        "carbon.end_of_life_soh_share",
        "carbon.grid_kgco2e_per_kwh",
        "carbon.recycled_content_share",
        "carbon.eu_recycled_*",
    ),
    writes=RULES,
)
def rules(p: Params, out: Outputs) -> None:
    """The EU rules (threshold, classes, their stages, recycled-content minima), the
    performance cap, and the grid and recycled-content paths, as the report draws them."""
    threshold = p["carbon.eu_threshold_gco2e_per_kwh_delivered"]
    threshold_year = p["carbon.eu_threshold_year"]
    classes_on = in_force(p["carbon.eu_classes_year"])
    out.serie(
        "carbon.eu_threshold_gco2e_per_kwh",
        np.where(in_force(threshold_year), threshold[:, None], np.nan),
    )
    for c in "abc":
        bound = p[f"carbon.eu_class_{c}_max"]
        out.serie(
            f"carbon.eu_class_{c}_max_gco2e_per_kwh", np.where(classes_on, bound[:, None], np.nan)
        )
    out.serie(
        "carbon.eu_rule_stage",
        in_force(p["carbon.eu_declaration_year"]) * 1.0 + classes_on + in_force(threshold_year),
    )
    out.indicator(
        "carbon.performance_footprint_cap",
        p["carbon.performance_max_gco2e_per_kwh_delivered"]
        / G_PER_KG
        * delivered_energy_per_kwh(
            p["carbon.performance_min_cycles"], p["carbon.end_of_life_soh_share"]
        )
        - p["carbon.distribution_kgco2e_per_kwh"],
    )
    i30 = year_index(TARGET_YEAR)
    out.indicator("carbon.grid_intensity_2030", yearly(p["carbon.grid_kgco2e_per_kwh"])[:, i30])
    out.serie("carbon.recycled_content_share", yearly(p["carbon.recycled_content_share"]))
    for metal in METALS:
        out.serie(
            f"carbon.eu_recycled_min_{metal}_share",
            eu_recycled_minimum(
                p[f"carbon.eu_recycled_2031_{metal}_share"],
                p[f"carbon.eu_recycled_2036_{metal}_share"],
            ),
        )


@dataflow.step(
    params=(
        "carbon.*",
        "!carbon.eu_recycled_*",
        "!carbon.eu_classes_year",
        "!carbon.eu_declaration_year",
        "!carbon.performance_*",
        "!carbon.certificate_*",
        "minerals.domestic_mix_*",
        "capacity.utilisation_share",
    ),
    reads=("capacity.domestic_production_gwh",),
    writes=("carbon.*", *(f"!{key}" for key in RULES), "!carbon.abatement_*"),
)
def step(p: Params, out: Outputs) -> None:
    weights = chemistry_weights(
        p.table("carbon.chemistries"), chemistry.chemistry_mix(p, "domestic")
    )
    domestic = out.series["capacity.domestic_production_gwh"]
    if p.n < DEFER_SERIES_FROM:
        f = footprints(p, weights)
        grid_eu = f.delivered_eu[:, GRID]
        for key, value in series(p, f, domestic).items():
            out.serie(key, value)
        indicators(p, f, None, grid_eu, domestic, out)
        return
    years = indicator_years(p)
    f = footprints(p, weights, years)
    grid_eu = footprints(p, weights, options=(GRID,)).delivered_eu[:, 0]
    out.series.defer(series_keys(), lambda: series(p, footprints(p, weights), domestic))
    indicators(p, f, years, grid_eu, domestic, out)


def indicator_years(p: Params) -> NDArray[np.intp]:
    """The horizon indices the indicators read: 2030 and the EU threshold years."""
    threshold = np.unique(_horizon_index(p["carbon.eu_threshold_year"]))
    return np.union1d(np.array([year_index(TARGET_YEAR)]), threshold)


def series_keys() -> tuple[str, ...]:
    """The keys :func:`series` gives, in its order."""
    keys = []
    for j, option in enumerate(OPTIONS):
        keys += [
            f"carbon.footprint_{option.key}_kgco2e_per_kwh",
            f"carbon.power_price_{option.key}_jpy_per_kwh",
        ]
        if j == PARK:
            keys.append("carbon.premium_clean_park_jpy_per_kwh")
        elif j != GRID:
            keys.append(f"carbon.premium_{option.key}_jpy_per_kwh")
    for stage in STAGES:
        keys += [
            f"carbon.stage_{stage}_grid_kgco2e_per_kwh",
            f"carbon.stage_{stage}_park_kgco2e_per_kwh",
        ]
    return (
        *keys,
        "carbon.footprint_delivered_grid_gco2e_per_kwh",
        "carbon.footprint_delivered_park_gco2e_per_kwh",
        "carbon.manufacturing_electricity_kwh_per_kwh",
        "carbon.manufacturing_heat_kwh_per_kwh",
        "carbon.hydrogen_demand_park_t",
        "carbon.hydrogen_demand_domestic_t",
    )


def hydrogen_t(
    p: Params, f: Footprints, domestic: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Hydrogen burnt by one clean park and by the domestic production made in parks [t/yr],
    ``(k, years of f)``; ``domestic`` production [GWh/yr] on the years of ``f``."""
    h2 = hydrogen_per_kwh(f, p)  # kg per kWh of cells
    park_t = h2 * p["carbon.park_production_gwh"][:, None] * 1e6 / 1000.0
    return park_t, h2 * domestic * 1e6 / 1000.0


def series(
    p: Params, f: Footprints, domestic: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """The yearly series of the step from footprints over every year and option, by key.

    domestic : cell production in Japan [GWh/yr], ``(k, years)``
    """
    premium = f.cost - f.cost[:, GRID : GRID + 1, :]
    values = []
    for j in range(len(OPTIONS)):
        values += [f.total[:, j], f.supply.price[:, j]]
        if j != GRID:
            values.append(premium[:, j])
    for stage in STAGES:
        values += [f.stages[stage][:, GRID], f.stages[stage][:, PARK]]
    park_t, domestic_t = hydrogen_t(p, f, domestic)
    values += [
        f.delivered_eu[:, GRID],
        f.delivered_eu[:, PARK],
        f.electricity[:, GRID],
        f.heat[:, GRID],
        park_t,
        domestic_t,
    ]
    return dict(zip(series_keys(), values, strict=True))


def indicators(
    p: Params,
    f: Footprints,
    years: NDArray[np.intp] | None,
    grid_eu: NDArray[np.float64],
    domestic: NDArray[np.float64],
    out: Outputs,
) -> None:
    """The step's indicators and per-row values.

    f : footprints on the year columns ``years`` (None: every year), every option; they
        include 2030 and the EU threshold year (:func:`indicator_years`)
    grid_eu : the grid option's footprint per kWh delivered, EU rules [g CO2e/kWh], every year
    domestic : cell production in Japan [GWh/yr], ``(k, years)``
    """
    i30 = _position(years, TARGET_YEAR)
    premium = f.cost - f.cost[:, GRID : GRID + 1, :]
    threshold = p["carbon.eu_threshold_gco2e_per_kwh_delivered"]
    threshold_year = p["carbon.eu_threshold_year"]
    eu_at_threshold = at_year(f.delivered_eu, threshold_year, years)  # (k, O)
    passes = eu_at_threshold <= threshold[:, None]
    premium_at_threshold = at_year(premium, threshold_year, years)
    cheapest = np.where(passes, premium_at_threshold, np.inf).min(axis=1)
    bounds = [p[f"carbon.eu_class_{c}_max"] for c in "abc"]
    dist = p["carbon.distribution_kgco2e_per_kwh"]
    soh = p["carbon.end_of_life_soh_share"]

    for j, option in enumerate(OPTIONS):
        key = option.key
        out.indicator(f"carbon.footprint_2030_{key}", f.total[:, j, i30])
        out.indicator(f"carbon.eu_footprint_{key}", eu_at_threshold[:, j])
        out.indicator(f"carbon.passes_threshold_{key}", passes[:, j])
        if j == PARK:
            out.indicator("carbon.clean_power_premium_per_kwh", premium[:, j, i30])
        elif j != GRID:
            out.indicator(f"carbon.premium_2030_{key}", premium[:, j, i30])

    # EU rules: footprint per kWh delivered against the threshold and class boundaries
    for where, j in (("grid", GRID), ("clean_park", PARK)):
        out.indicator(f"carbon.footprint_delivered_2030_{where}", f.delivered_eu[:, j, i30])
        out.indicator(f"carbon.eu_class_2030_{where}", eu_class(f.delivered_eu[:, j, i30], *bounds))
    out.indicator(
        "carbon.year_grid_meets_threshold", first_year_at_or_below(grid_eu, threshold[:, None])
    )
    grid_eu_2030 = f.total_eu[:, GRID, i30] + dist
    out.indicator(
        "carbon.cycles_to_pass_2030_grid",
        G_PER_KG * grid_eu_2030 / (threshold * delivered_energy_per_kwh(1.0, soh)),
    )
    out.indicator(
        "carbon.cheapest_passing_premium", np.where(np.isfinite(cheapest), cheapest, np.nan)
    )
    for c in "abc":
        life = delivered_energy_per_kwh(p[f"carbon.durability_class_{c}_cycles"], soh)
        out.indicator(
            f"carbon.footprint_delivered_2030_grid_durability_{c}", G_PER_KG * grid_eu_2030 / life
        )

    # energy, materials, hydrogen
    out.indicator("carbon.manufacturing_energy_per_kwh", f.energy[:, i30])
    out.indicator("carbon.manufacturing_electricity_per_kwh", f.electricity[:, GRID, i30])
    out.rows["carbon.step_energy_kwh_per_kwh"] = f.step_energy
    materials = sum((f.stages[s][:, GRID, i30] for s in MATERIAL_STAGES), start=np.zeros(1))
    out.indicator("carbon.materials_footprint_2030", materials)
    park_t, domestic_t = hydrogen_t(p, f, at_years(domestic, years))
    out.indicator("carbon.hydrogen_demand_2030", park_t[:, i30])
    out.indicator("carbon.hydrogen_demand_domestic_2030", domestic_t[:, i30])

    # recycled content against the EU minimums; what 10 points of recycled cathode content save
    out.indicator(
        "carbon.recycled_saving_per_10pct",
        0.1 * p["carbon.recycled_reduction_share"] * f.primary_cathode[:, GRID, i30],
    )
