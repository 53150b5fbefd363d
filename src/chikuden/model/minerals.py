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
- end of life (:mod:`chikuden.model.recycling`): Japanese firms' cells of the global mix,
  placed as EV cells (share ``1 - market.stationary_share``) and stationary cells, each
  segment with its own lifetime.

Supply concentration, secured supply, recycling and the stress test live in
:mod:`chikuden.model.minerals_supply`, :mod:`chikuden.model.recycling` and
:mod:`chikuden.model.stress`; :func:`compute` wires them and :func:`step` writes the outputs.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from chikuden.horizon import YEARS, year_index
from chikuden.model import carbon, chemistry, recycling, stress
from chikuden.model import minerals_supply as supply
from chikuden.model.outputs import Outputs
from chikuden.parameters.declarations import declarations
from chikuden.parameters.params import Params, TableArrays

CHEMISTRIES = chemistry.CHEMISTRIES
SEGMENTS = ("ev", "stationary")  # placed on the market with their own lifetimes
MATERIALS = ("lithium", "nickel", "cobalt", "manganese", "graphite", "aluminium", "copper")
CORE = MATERIALS[:5]  # the minerals with supply structure, security, recycling and stress tests
LCE_PER_LI = 5.323  # t lithium carbonate equivalent per t Li (Li2CO3 73.89 g/mol / 2 x 6.941)
T_PER_GWH_PER_KG_PER_KWH = 1000.0  # 1 kg/kWh x 1e6 kWh/GWh / 1000 kg/t
TARGET_YEAR = 2030
# The EU's minimum recycled content (Reg. 2023/1542 Art. 8) and material recovery targets
# (Annex XII Part C) are parameters (carbon.eu_recycled_<year>_<metal>_share,
# minerals.eu_recovery_<year>_<metal>_share); these are the years they apply from and the
# metals they name, in the order of the outputs.
EU_METALS = ("lithium", "nickel", "cobalt")
EU_RECYCLED_YEARS = carbon.RECYCLED_YEARS
EU_RECOVERY_YEARS = (2027, 2031)


# -- chemistry mix and intensity ---------------------------------------------------------------
def intensity_matrix(table: TableArrays) -> np.ndarray:
    """Intensity ``I[k, chemistry, material]`` [kg/kWh] from the intensity table.

    A (chemistry, material) pair missing from the table counts as 0; each pair appears at most
    once (the table schema's rule ``one-row-per-pair``, checked when the table is loaded).
    """
    assert table.codes is not None
    chem = table.codes["chemistry"][:, :, None] == np.arange(len(CHEMISTRIES))  # (k, r, c)
    mat = table.codes["mineral"][:, :, None] == np.arange(len(MATERIALS))  # (k, r, m)
    valid = table.valid > 0
    chem = chem & valid[:, :, None]
    weights = np.where(valid, table["kg_per_kwh"], 0.0)
    return np.einsum("kr,krc,krm->kcm", weights, chem.astype(float), mat.astype(float))


chemistry_mix = chemistry.chemistry_mix


def content_per_gwh(mix: np.ndarray, intensity: np.ndarray) -> np.ndarray:
    """Material in cells per GWh [t/GWh], shape ``(k, materials, years)``.

    mix : ``(k, chemistries, years)`` [share]; intensity : ``(k, chemistries, materials)`` [kg/kWh]
    """
    per_year = np.matmul(np.swapaxes(mix, 1, 2), intensity)  # (k, years, materials)
    return np.ascontiguousarray(np.swapaxes(per_year, 1, 2)) * T_PER_GWH_PER_KG_PER_KWH


def uses_material(mix: np.ndarray, intensity: np.ndarray) -> np.ndarray:
    """Share of cells whose chemistry contains each material [share], ``(k, materials, years)``."""
    shares = np.matmul(np.swapaxes(mix, 1, 2), (intensity > 0).astype(float))
    return np.ascontiguousarray(np.swapaxes(shares, 1, 2))


def demand(production_gwh: np.ndarray, per_gwh: np.ndarray, yield_share: np.ndarray) -> np.ndarray:
    """Material demand [t/yr], shape ``(k, materials, years)``.

    production_gwh : cell production [GWh/yr], ``(k, years)``
    per_gwh : material in cells [t/GWh], ``(k, materials, years)``
    yield_share : good cells per material input [share], ``(k, years)``
    """
    per_cell = per_gwh / yield_share[:, None, :]
    k = max(production_gwh.shape[0], per_cell.shape[0])
    out = np.empty((k, *per_cell.shape[1:]))  # scenario, material, year: each series contiguous
    return np.multiply(production_gwh[:, None, :], per_cell, out=out)


def material_cost(per_gwh: np.ndarray, yield_share: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Material cost of cells [USD/kWh], shape ``(k, years)``.

    prices : ``(k, materials, years)`` [USD/t of the material; lithium already per t Li]
    """
    kg_per_kwh = per_gwh / yield_share[:, None, :] / T_PER_GWH_PER_KG_PER_KWH
    return (kg_per_kwh * prices / 1000.0).sum(axis=1)


def upstream_capex_jpy(
    demand_t: np.ndarray, capex_usd_per_tpa: np.ndarray, jpy_per_usd: np.ndarray
) -> np.ndarray:
    """Capital for mining and refining capacity equal to a year's demand [JPY], shape ``(k,)``.

    demand_t : ``(k, core minerals)`` [t/yr, lithium as LCE]
    capex_usd_per_tpa : ``(k, core minerals)`` [USD per t/yr of capacity]
    """
    return (demand_t * capex_usd_per_tpa).sum(axis=1) * jpy_per_usd


# -- the whole domain ------------------------------------------------------------------------
CHUNK = 512  # scenarios per pass of the recycling and security equations (cache-sized parts)


def _stack(p: Params, names: list[str]) -> np.ndarray:
    arrays = [p[n] for n in names]
    first = arrays[0]
    if all(a.shape == first.shape for a in arrays):
        return np.stack(arrays, axis=1)
    out = np.empty((max(a.shape[0] for a in arrays), len(arrays), *first.shape[1:]))
    for i, a in enumerate(arrays):
        out[:, i] = a
    return out


def _part(a: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Scenarios ``start:stop`` of ``a`` (all of it when shared, leading axis 1)."""
    return a if a.shape[0] == 1 else a[start:stop]


@dataclass(frozen=True)
class Materials:
    """What the parameters alone give, before production (arrays over scenarios, axis k)."""

    per_gwh_domestic: np.ndarray  # (k, materials, years) material in cells made in Japan [t/GWh]
    per_gwh_global: np.ndarray  # (k, materials, years) in Japanese firms' cells [t/GWh]
    uses: np.ndarray  # (k, materials, years) share of cells made in Japan containing it
    yield_share: np.ndarray  # (k, years)
    shares: np.ndarray  # (k, supply rows) share of the row in its mineral and stage
    concentration: supply.Concentration
    imports: supply.Imports  # Japan's import mix where data exists
    top_refining: np.ndarray  # (k, core, 1) share of the largest refining country (0 if none)
    project_quantity: np.ndarray  # (k, project rows) [t/yr] while a row runs
    project_mineral: np.ndarray  # (k, project rows) mineral code of each row
    project_active: np.ndarray  # (k, project rows, years) 1.0 while a row runs
    end_of_life: recycling.EndOfLife
    recovery: np.ndarray  # (k, core, years) [share]
    collection: np.ndarray  # (k, years) [share]
    scrap_share: np.ndarray  # (k,) [share]
    material_cost: np.ndarray  # (k, years) of cells made in Japan [USD/kWh]
    material_cost_reference: np.ndarray  # (k, years) of the global mix [USD/kWh]

    def secured_rows(self, year: np.ndarray | int) -> np.ndarray:
        """Supply secured by each project row in ``year`` (index, ``(k,)`` or scalar) [t/yr]."""
        yi = np.asarray(year)
        active = self.project_active
        if yi.ndim == 0:
            return self.project_quantity * active[:, :, int(yi)]
        k = max(active.shape[0], yi.shape[0])
        scenario = np.arange(k) if active.shape[0] > 1 else 0
        return self.project_quantity * active.transpose(0, 2, 1)[scenario, yi]


@dataclass(frozen=True)
class MineralsState:
    """Results of the minerals domain that depend on production (arrays over scenarios).

    The last axis of the production-dependent arrays holds the years ``YEARS[years]``: every
    year, or only those an evaluation's indicators need (see :func:`compute`).
    """

    materials: Materials  # what the parameters alone give
    demand_domestic: np.ndarray  # (k, materials, years) [t/yr]
    demand_global: np.ndarray  # (k, materials, years) [t/yr]
    production_domestic: np.ndarray  # (k, years) [GWh]
    security: supply.Security  # (k, core, years)
    eol_gwh: np.ndarray  # (k, years) [GWh/yr] reaching end of life
    years: np.ndarray  # indices into YEARS of the last axis above

    def position(self, year_index: np.ndarray) -> np.ndarray:
        """Where the years ``YEARS[year_index]`` are on the last axis of the arrays above."""
        yi = np.asarray(year_index).astype(int)
        if self.years.size == YEARS.size:  # every year: the positions are the indices
            return yi
        pos = np.searchsorted(self.years, yi)
        if (pos >= self.years.size).any() or (
            self.years[np.minimum(pos, self.years.size - 1)] != yi
        ).any():
            raise ValueError(f"years {sorted(set(YEARS[yi].ravel().tolist()))} were not computed")
        return pos


def prepare(p: Params) -> Materials:
    """Chemistry, supply structure, projects and lifetimes of the batch ``p``.

    The result owns its arrays (no views of ``p``), so that it can be kept by value.
    """
    n_core = len(CORE)
    intensity = intensity_matrix(p.table("minerals.intensity"))
    domestic = chemistry_mix(p, "domestic")
    per_gwh_domestic = content_per_gwh(domestic, intensity)
    per_gwh_global = content_per_gwh(chemistry_mix(p, "global"), intensity)
    # Japanese firms' cells (the global mix) placed per GWh produced, per segment [t/GWh]; one
    # more "material" of 1 t/GWh gives the end-of-life GWh themselves
    core_and_gwh = np.concatenate(
        [per_gwh_global[:, :n_core, :], np.ones((per_gwh_global.shape[0], 1, YEARS.size))], axis=1
    )
    stationary = p["market.stationary_share"]
    placed = [
        (stationary if seg == "stationary" else 1.0 - stationary)[:, None, :] * core_and_gwh
        for seg in SEGMENTS
    ]
    yield_share = p["minerals.cell_yield_share"].copy()

    sup = p.table("minerals.supply")
    shares = supply.group_shares(sup)
    concern = supply.flag_rows(sup, p.table("minerals.countries_of_concern"))
    conc = supply.concentration(sup, shares, concern)
    imports = supply.imports(p.table("minerals.imports"), p.table("minerals.countries_of_concern"))
    projects = p.table("minerals.projects")
    end_of_life = recycling.EndOfLife(
        placed,
        [p[f"minerals.{seg}_lifetime_years"] for seg in SEGMENTS],
        p["minerals.lifetime_shape"],
        p["minerals.backcast_growth_share"],
    )
    recovery = _stack(p, [f"minerals.recovery_{m}_share" for m in CORE])
    collection = p["minerals.collection_share"].copy()
    scrap_share = p["minerals.scrap_recycled_share"].copy()
    prices = prices_per_t(p)
    return Materials(
        per_gwh_domestic=per_gwh_domestic,
        per_gwh_global=per_gwh_global,
        uses=uses_material(domestic, intensity),
        yield_share=yield_share,
        shares=shares,
        concentration=conc,
        imports=imports,
        top_refining=supply.top_refining_share(conc),
        project_quantity=supply.project_quantity(projects, p["minerals.project_realisation_share"]),
        project_mineral=supply.codes(projects, "mineral").copy(),
        project_active=supply.project_active(projects),
        end_of_life=end_of_life,
        recovery=recovery,
        collection=collection,
        scrap_share=scrap_share,
        material_cost=material_cost(per_gwh_domestic, yield_share, prices),
        material_cost_reference=material_cost(per_gwh_global, yield_share, prices),
    )


# prepare() of a single scenario, or of a batch whose minerals parameters are all shared, is
# kept by value (the bytes of the parameters it may read): a sweep over production then does
# the chemistry, supply structure and lifetime matrices once.
_PREPARED: OrderedDict[tuple[object, ...], Materials] = OrderedDict()
_PREPARED_SIZE = 8
_PREPARED_LOCK = threading.Lock()


@functools.cache
def _input_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The parameters :func:`prepare` may read: (arrays, tables)."""
    names = [n for n in declarations() if n.startswith("minerals.")]
    tables = tuple(n for n in names if declarations()[n].kind == "table")
    arrays = tuple(n for n in names if n not in tables)
    return (*arrays, "market.stationary_share"), tables


def _inputs_key(p: Params) -> tuple[object, ...] | None:
    """Every minerals parameter (and the stationary share) by value; None if any is per scenario."""
    array_names, table_names = _input_names()
    key: list[object] = []
    for name in array_names:
        a = p[name]
        if a.shape[0] != 1:
            return None
        key += (a.shape, a.tobytes())
    for name in table_names:
        t = p.table(name)
        if t.valid.shape[0] != 1:
            return None
        key.append(t.valid.tobytes())
        key += ((c, v.tobytes()) for c, v in sorted(t.columns.items()))
        key += ((c, v.tobytes()) for c, v in sorted((t.codes or {}).items()))
        key += sorted((t.allowed or {}).items())
    return tuple(key)


def _frozen(m: Materials) -> Materials:
    """``m`` with every array read-only: a kept result is shared by later evaluations."""
    parts = (vars(m), vars(m.concentration), vars(m.imports), vars(m.end_of_life))
    for value in (v for part in parts for v in part.values()):
        for a in value if isinstance(value, list) else [value]:
            if isinstance(a, np.ndarray):
                a.flags.writeable = False
    return m


def prepared(p: Params) -> Materials:
    """:func:`prepare`, kept by value for shared parameters (read-only arrays)."""
    key = _inputs_key(p)
    if key is None:
        return prepare(p)
    with _PREPARED_LOCK:
        hit = _PREPARED.get(key)
        if hit is not None:
            _PREPARED.move_to_end(key)
            return hit
    made = _frozen(prepare(p))
    with _PREPARED_LOCK:
        _PREPARED[key] = made
        while len(_PREPARED) > _PREPARED_SIZE:
            _PREPARED.popitem(last=False)
    return made


def compute(
    p: Params,
    production_domestic: np.ndarray,
    production_global: np.ndarray,
    years: np.ndarray | None = None,
) -> MineralsState:
    """Every intermediate of the domain for the batch ``p`` and the given production [GWh/yr].

    years : sorted indices into ``YEARS`` of the years to give (default: every year). End of
        life is a sum over earlier years, so it is computed for every year; the equations
        after it are element by element and run on the given years only, with the same
        arithmetic (a year's values are the same bits either way).

    Demand is one product per material. End of life, recycling and security run a chunk of
    ``CHUNK`` scenarios at a time, so that their intermediates stay small (in cache) and each
    result is written once into its batch-sized array.
    """
    n_core = len(CORE)
    m = prepared(p)

    def pick(a: np.ndarray) -> np.ndarray:
        return a if years is None else a[..., years]

    yield_share = pick(m.yield_share)
    prod_dom, prod_glob = pick(production_domestic), pick(production_global)
    d_dom = demand(prod_dom, pick(m.per_gwh_domestic), yield_share)
    d_glob = demand(prod_glob, pick(m.per_gwh_global), yield_share)
    quantity = m.project_quantity
    rows = m.project_mineral, m.project_active
    secured = pick(supply.by_mineral(quantity, *rows)) if quantity.shape[0] == 1 else None
    collection, recovery = pick(m.collection), pick(m.recovery)
    core_glob = d_glob[:, :n_core, :]
    parts = [production_global, d_glob, m.yield_share, m.recovery, m.collection, m.scrap_share]
    parts += [quantity, m.top_refining]
    n = max(m.end_of_life.k, *(a.shape[0] for a in parts))
    n_years = YEARS.size if years is None else len(years)
    sec = supply.Security(*(np.empty((n, n_core, n_years)) for _ in range(6)))
    eol_gwh = np.empty((n, n_years))
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        dem = _part(core_glob, start, stop)
        eol = pick(m.end_of_life.chunk(production_global, start, stop))
        scrap = recycling.production_scrap(dem, _part(yield_share, start, stop))
        recycled = recycling.recovered(
            eol[:, :n_core, :],
            scrap,
            _part(collection, start, stop),
            _part(m.scrap_share, start, stop),
            _part(recovery, start, stop),
        )
        from_projects = (
            secured
            if secured is not None
            else pick(
                supply.by_mineral(quantity[start:stop], *(_part(a, start, stop) for a in rows))
            )
        )
        supply.security(
            dem,
            from_projects,
            recycled,
            _part(m.top_refining, start, stop),
            out=supply.Security(*(a[start:stop] for a in vars(sec).values())),
        )
        eol_gwh[start:stop] = eol[:, n_core, :]
    return MineralsState(
        materials=m,
        demand_domestic=d_dom,
        demand_global=d_glob,
        production_domestic=prod_dom,
        security=sec,
        eol_gwh=eol_gwh,
        years=np.arange(YEARS.size) if years is None else np.asarray(years, dtype=int),
    )


def prices_per_t(p: Params) -> np.ndarray:
    """Prices per tonne of each material [USD/t], ``(k, materials, years)``; lithium per t Li."""
    names = [
        "minerals.price_lithium_lce_usd_per_t",
        *[f"minerals.price_{m}_usd_per_t" for m in MATERIALS[1:]],
    ]
    prices = _stack(p, names)
    return prices * np.array([LCE_PER_LI, *([1.0] * (len(MATERIALS) - 1))])[None, :, None]


# From this many scenarios on, the step computes its indicators on the years they need and
# leaves its yearly series to be computed when read (a large batch asked for probabilities
# reads indicators only). Below it, the whole computation is cheaper than doing it twice.
DEFER_SERIES_FROM = 1024


def indicator_years(p: Params) -> np.ndarray:
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


def series(st: MineralsState, natural_graphite_share: np.ndarray) -> dict[str, np.ndarray]:
    """The yearly series of the domain (demand, security, recycling, end of life) from ``st``."""
    result: dict[str, np.ndarray] = {}
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


def step(p: Params, out: Outputs) -> None:
    prod_dom = out.series["capacity.domestic_production_gwh"]
    prod_glob = out.series["capacity.japan_global_production_gwh"]
    natural = p["minerals.graphite_natural_share"]
    if p.n < DEFER_SERIES_FROM:
        st = compute(p, prod_dom, prod_glob)
        for key, value in series(st, natural).items():
            out.serie(key, value)
    else:
        st = compute(p, prod_dom, prod_glob, indicator_years(p))
        out.series.defer(series_keys(), lambda: series(compute(p, prod_dom, prod_glob), natural))
    i30 = int(st.position(np.array(year_index(TARGET_YEAR))))

    names = {m: i for i, m in enumerate(MATERIALS)}
    for scope, dem in (("domestic", st.demand_domestic), ("global", st.demand_global)):
        for m in ("lithium", "nickel", "cobalt", "manganese", "graphite"):
            out.indicator(f"minerals.demand_{scope}_2030.{m}", dem[:, names[m], i30])
        out.indicator(f"minerals.demand_{scope}_2030.lithium_lce", dem[:, 0, i30] * LCE_PER_LI)

    conc = st.materials.concentration
    for j, m in enumerate(CORE):
        for stage, s in (("mining", 0), ("refining", 1)):
            out.indicator(f"minerals.hhi_{stage}.{m}", conc.hhi[:, j, s])
            out.indicator(f"minerals.top_share_{stage}.{m}", conc.top_share[:, j, s])
            out.indicator(f"minerals.flagged_share_{stage}.{m}", conc.flagged_share[:, j, s])
    out.rows["minerals.supply_share"] = st.materials.shares
    imports = st.materials.imports
    for j, m in enumerate(CORE):
        out.indicator(f"minerals.import_top_share.{m}", imports.top_share[:, j])
        out.indicator(f"minerals.import_flagged_share.{m}", imports.flagged_share[:, j])

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
            out.indicator(
                f"minerals.eu_recycled_min_{year}.{m}", p[f"carbon.eu_recycled_{year}_{m}_share"]
            )
    out.rows["minerals.project_secured_t_2030"] = st.materials.secured_rows(year_index(TARGET_YEAR))
    recovery = st.materials.recovery
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

    cost = st.materials.material_cost
    out.serie("minerals.material_cost_usd_per_kwh", cost)
    out.serie("minerals.material_cost_reference_usd_per_kwh", st.materials.material_cost_reference)
    out.indicator("minerals.material_cost_2030_usd_per_kwh", cost[:, year_index(TARGET_YEAR)])

    capex = _stack(p, [f"minerals.capex_{m}_usd_per_tpa" for m in CORE])
    lce = np.array([LCE_PER_LI, 1.0, 1.0, 1.0, 1.0])
    fx = p["finance.jpy_per_usd"]
    for scope, dem in (("domestic", st.demand_domestic), ("global", st.demand_global)):
        need = dem[:, : len(CORE), i30] * lce
        out.indicator(f"minerals.upstream_capex_{scope}_jpy", upstream_capex_jpy(need, capex, fx))

    shocks = stress.table_shocks(p, st)
    out.rows["minerals.stress_shortfall_t"] = shocks.shortfall_t
    out.rows["minerals.stress_lost_gwh"] = shocks.lost_gwh
    out.rows["minerals.stress_lost_jpy"] = shocks.lost_jpy
    out.rows["minerals.stress_exposure_share"] = shocks.exposure_share
    out.rows["minerals.stress_at_import_share"] = shocks.at_import_share
    out.indicator("minerals.stress_worst_lost_gwh", _max_or_zero(shocks.lost_gwh))
    out.indicator("minerals.stress_worst_lost_jpy", _max_or_zero(shocks.lost_jpy))


def _max_or_zero(rows: np.ndarray) -> np.ndarray:
    return rows.max(axis=1) if rows.shape[1] else np.zeros(rows.shape[0])
