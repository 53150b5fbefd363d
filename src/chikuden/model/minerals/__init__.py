"""Critical minerals: demand by mineral, supply concentration, security, recycling (P3, P9, P11).

Equations (years y on the horizon, arrays with a leading scenario axis of length 1 or n):

- chemistry mix ``x[s, c, y]`` per scope ``s`` (cells made in Japan, Japanese firms' cells
  worldwide), shares that add up to 1 (:mod:`chikuden.model.chemistry`, the one mix every
  domain reads);
- material in cells per GWh [t/GWh] (1 kg/kWh = 1,000 t/GWh)::

      q[s, m, y] = sum_c x[s, c, y] * I[c, m] * 1000

- demand [t/yr], production scrap included through the yield ``Y(y)``::

      D[s, m, y] = P_s(y) * q[s, m, y] / Y(y)
      e.g. 100 GWh of NMC811 at Y = 0.9: nickel = 100 * 0.658 * 1000 / 0.9 = 73,111 t

  for domestic production (domestic mix) and Japanese firms' global production (global mix);
  lithium as LCE = Li * 5.323;
- material cost of cells made in Japan [USD/kWh]
  = sum_m q[domestic, m, y] / Y(y) / 1000 [kg/kWh] * price_m / 1000 [USD/kg];
- end of life (:mod:`chikuden.model.minerals.recycling`): Japanese firms' cells of the global mix,
  placed as EV cells (share ``1 - market.stationary_share``) and stationary cells, each
  segment with its own lifetime.

The domain's modules: :mod:`.demand` (material in cells, demand, material cost), :mod:`.supply`
(concentration, imports, secured supply), :mod:`.recycling` (end of life, recovered tonnes),
:mod:`.disruption` (the supply-disruption stress test) and :mod:`.state` (:func:`compute`, which
wires them for a batch); :func:`step` here writes the domain's outputs.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import YEARS, year_index
from chikuden.model import dataflow
from chikuden.model.minerals import disruption, supply
from chikuden.model.minerals.demand import (
    CORE,
    EU_METALS,
    EU_RECOVERY_YEARS,
    EU_RECYCLED_YEARS,
    LCE_PER_LI,
    MATERIALS,
    TARGET_YEAR,
    material_costs,
    stack,
    upstream_capex_jpy,
)
from chikuden.model.minerals.state import MineralsState, compute
from chikuden.model.outputs import DEFER_SERIES_FROM, Outputs
from chikuden.parameters.params import Params


def indicator_years(p: Params) -> NDArray[np.float64]:
    """The year indices the indicators read: 2030, the EU recycled-content years, stress years."""
    stress_years = np.unique(p["minerals.stress_year"]).astype(int) - int(YEARS[0])
    fixed = [year_index(TARGET_YEAR), *(year_index(y) for y in EU_RECYCLED_YEARS)]
    return np.union1d(np.array(fixed), stress_years)


@functools.cache
def series_keys() -> tuple[str, ...]:
    """The keys :func:`series` gives, in its order."""
    keys = [
        f"minerals.demand_{scope}_t.{m}"
        for scope in ("domestic", "global")
        for m in (*MATERIALS, "lithium_lce")
    ]
    keys += [
        "minerals.demand_global_t.graphite_natural",
        "minerals.demand_global_t.graphite_synthetic",
    ]
    keys += [
        f"minerals.{kind}.{m}"
        for m in CORE
        for kind in (
            "secured_t",
            "recycled_t",
            "open_t",
            "open_top_country_t",
            "secured_share",
            "recycled_share",
        )
    ]
    return (*keys, "minerals.end_of_life_gwh")


def series(
    st: MineralsState, natural_graphite_share: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """The yearly series of the domain (demand, security, recycling, end of life) from ``st``."""
    result: dict[str, NDArray[np.float64]] = {}
    for scope, dem in (("domestic", st.demand_domestic), ("global", st.demand_global)):
        for i, m in enumerate(MATERIALS):
            result[f"minerals.demand_{scope}_t.{m}"] = dem[:, i, :]
        result[f"minerals.demand_{scope}_t.lithium_lce"] = dem[:, 0, :] * LCE_PER_LI
    graphite = st.demand_global[:, MATERIALS.index("graphite"), :]
    result["minerals.demand_global_t.graphite_natural"] = graphite * natural_graphite_share
    result["minerals.demand_global_t.graphite_synthetic"] = graphite * (
        1.0 - natural_graphite_share
    )
    sec = st.security
    for j, m in enumerate(CORE):
        result[f"minerals.secured_t.{m}"] = sec.projects[:, j, :]
        result[f"minerals.recycled_t.{m}"] = sec.recycled[:, j, :]
        result[f"minerals.open_t.{m}"] = sec.open[:, j, :]
        result[f"minerals.open_top_country_t.{m}"] = sec.open_top[:, j, :]
        result[f"minerals.secured_share.{m}"] = sec.secured_share[:, j, :]
        result[f"minerals.recycled_share.{m}"] = sec.recycled_share[:, j, :]
    result["minerals.end_of_life_gwh"] = st.eol_gwh
    assert tuple(result) == series_keys()
    return result


@dataflow.step(
    params=(
        "minerals.intensity",
        "minerals.domestic_mix_*",
        "minerals.global_mix_*",
        "minerals.cell_yield_share",
        "minerals.price_*",
    ),
    writes=("minerals.material_cost_*",),
)
def cost(p: Params, out: Outputs) -> None:
    """The material cost of cells made in Japan and of the global mix (what the plant
    economics and the stress test read), apart from what depends on production."""
    domestic, reference = material_costs(p)
    out.serie("minerals.material_cost_usd_per_kwh", domestic)
    out.serie("minerals.material_cost_reference_usd_per_kwh", reference)
    out.indicator("minerals.material_cost_2030_usd_per_kwh", domestic[:, year_index(TARGET_YEAR)])


CONCENTRATION = (
    "minerals.hhi_*",
    "minerals.top_share_*",
    "minerals.flagged_share_*",
    "minerals.supply_share",
    "minerals.import_*",
)
"""Who supplies each mineral, and Japan's imports: the supply tables alone."""


@dataflow.step(
    params=("minerals.supply", "minerals.countries_of_concern", "minerals.imports"),
    writes=CONCENTRATION,
)
def concentration(p: Params, out: Outputs) -> None:
    """Concentration of world mining and refining (HHI, largest country, countries of concern)
    and of Japan's imports, by mineral (:mod:`chikuden.model.minerals.supply`)."""
    sup = p.table("minerals.supply")
    concern = p.table("minerals.countries_of_concern")
    shares = supply.group_shares(sup)
    conc = supply.concentration(sup, shares, supply.flag_rows(sup, concern))
    for j, m in enumerate(CORE):
        for stage, s in (("mining", 0), ("refining", 1)):
            out.indicator(f"minerals.hhi_{stage}.{m}", conc.hhi[:, j, s])
            out.indicator(f"minerals.top_share_{stage}.{m}", conc.top_share[:, j, s])
            out.indicator(f"minerals.flagged_share_{stage}.{m}", conc.flagged_share[:, j, s])
    out.rows["minerals.supply_share"] = shares
    imports = supply.imports(p.table("minerals.imports"), concern)
    for j, m in enumerate(CORE):
        out.indicator(f"minerals.import_top_share.{m}", imports.top_share[:, j])
        out.indicator(f"minerals.import_flagged_share.{m}", imports.flagged_share[:, j])


TARGETS = (
    "minerals.eu_recycled_min_*",
    "minerals.recovery_share.*",
    "minerals.recovery_20*",
    "minerals.eu_recovery_target_*",
)
"""The EU's recycled-content minima and recovery targets, and the recovery rates set against
them: parameters only."""


@dataflow.step(
    params=("carbon.eu_recycled_*", "minerals.recovery_*", "minerals.eu_recovery_*"),
    writes=TARGETS,
)
def targets(p: Params, out: Outputs) -> None:
    """The EU's recycled-content minima (Reg. 2023/1542 Art. 8) and material recovery targets
    (Annex XII Part C) beside the scenario's recovery rates."""
    for year in EU_RECYCLED_YEARS:
        for m in EU_METALS:
            out.indicator(
                f"minerals.eu_recycled_min_{year}.{m}", p[f"carbon.eu_recycled_{year}_{m}_share"]
            )
    recovery = stack(p, [f"minerals.recovery_{m}_share" for m in CORE])
    for m in EU_METALS:
        out.serie(f"minerals.recovery_share.{m}", recovery[:, CORE.index(m), :])
    for year in EU_RECOVERY_YEARS:
        for m in EU_METALS:
            at = recovery[:, CORE.index(m), year_index(year)]
            out.indicator(f"minerals.recovery_{year}.{m}", at)
            out.indicator(
                f"minerals.eu_recovery_target_{year}.{m}",
                p[f"minerals.eu_recovery_{year}_{m}_share"],
            )


@dataflow.step(
    params=(
        "minerals.*",
        "!minerals.price_*",
        "!minerals.eu_recovery_*",
        "market.stationary_share",
        "finance.cell_price_usd_per_kwh",
        "finance.jpy_per_usd",
    ),
    reads=(
        "capacity.domestic_production_gwh",
        "capacity.japan_global_production_gwh",
        "minerals.material_cost_usd_per_kwh",
        "minerals.material_cost_reference_usd_per_kwh",
    ),
    writes=(
        "minerals.*",
        "!minerals.material_cost_*",
        *(f"!{key}" for key in (*CONCENTRATION, *TARGETS)),
    ),
)
def step(p: Params, out: Outputs) -> None:
    prod_dom = out.series["capacity.domestic_production_gwh"]
    prod_glob = out.series["capacity.japan_global_production_gwh"]
    natural = p["minerals.graphite_natural_share"]
    cache = out.cache
    if p.n < DEFER_SERIES_FROM:
        st = compute(p, prod_dom, prod_glob, cache=cache)
        for key, value in series(st, natural).items():
            out.serie(key, value)
    else:
        st = compute(p, prod_dom, prod_glob, indicator_years(p), cache)
        out.series.defer(
            series_keys(), lambda: series(compute(p, prod_dom, prod_glob, cache=cache), natural)
        )
    i30 = int(st.position(np.array(year_index(TARGET_YEAR))))

    names = {m: i for i, m in enumerate(MATERIALS)}
    for scope, dem in (("domestic", st.demand_domestic), ("global", st.demand_global)):
        for m in ("lithium", "nickel", "cobalt", "manganese", "graphite"):
            out.indicator(f"minerals.demand_{scope}_2030.{m}", dem[:, names[m], i30])
        out.indicator(f"minerals.demand_{scope}_2030.lithium_lce", dem[:, 0, i30] * LCE_PER_LI)

    conc = st.materials.concentration
    sec = st.security
    flagged_2030 = supply.open_flagged(sec.open[:, :, i30], conc)
    for j, m in enumerate(CORE):
        out.indicator(f"minerals.secured_share_2030.{m}", sec.secured_share[:, j, i30])
        out.indicator(f"minerals.recycled_share_2030.{m}", sec.recycled_share[:, j, i30])
        out.indicator(f"minerals.open_flagged_2030.{m}", flagged_2030[:, j])
    for year in EU_RECYCLED_YEARS:
        iy = int(st.position(np.array(year_index(year))))
        for m in EU_METALS:
            out.indicator(
                f"minerals.recycled_share_{year}.{m}", sec.recycled_share[:, CORE.index(m), iy]
            )
    out.rows["minerals.project_secured_t_2030"] = st.materials.secured_rows(year_index(TARGET_YEAR))

    capex = stack(p, [f"minerals.capex_{m}_usd_per_tpa" for m in CORE])
    lce = np.array([LCE_PER_LI, 1.0, 1.0, 1.0, 1.0])
    fx = p["finance.jpy_per_usd"]
    for scope, dem in (("domestic", st.demand_domestic), ("global", st.demand_global)):
        need = dem[:, : len(CORE), i30] * lce
        out.indicator(f"minerals.upstream_capex_{scope}_jpy", upstream_capex_jpy(need, capex, fx))

    cost = (
        out.series["minerals.material_cost_usd_per_kwh"],
        out.series["minerals.material_cost_reference_usd_per_kwh"],
    )
    shocks = disruption.table_shocks(p, st, cost)
    out.rows["minerals.stress_shortfall_t"] = shocks.shortfall_t
    out.rows["minerals.stress_lost_gwh"] = shocks.lost_gwh
    out.rows["minerals.stress_lost_jpy"] = shocks.lost_jpy
    out.rows["minerals.stress_exposure_share"] = shocks.exposure_share
    out.rows["minerals.stress_at_import_share"] = shocks.at_import_share
    out.indicator("minerals.stress_worst_lost_gwh", _max_or_zero(shocks.lost_gwh))
    out.indicator("minerals.stress_worst_lost_jpy", _max_or_zero(shocks.lost_jpy))


def _max_or_zero(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    return rows.max(axis=1) if rows.shape[1] else np.zeros(rows.shape[0])
