"""The minerals state of a batch: material flows, security and end of life computed once.

:func:`prepare` gives what the parameters alone give (chemistry, supply structure, projects,
lifetimes); :func:`compute` adds what depends on production: demand, end of life, recycling and
security, for every year or the years an evaluation needs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import YEARS
from chikuden.model.cache import Cache
from chikuden.model.minerals import recycling, supply
from chikuden.model.minerals.demand import (
    CORE,
    SEGMENTS,
    chemistry_mix,
    content_per_gwh,
    demand,
    intensity_matrix,
    stack,
    uses_material,
)
from chikuden.parameters.declarations import declarations
from chikuden.parameters.params import Params


@dataclass(frozen=True)
class Materials:
    """What the parameters alone give, before production (arrays over scenarios, axis k)."""

    per_gwh_domestic: NDArray[
        np.float64
    ]  # (k, materials, years) material in cells made in Japan [t/GWh]
    per_gwh_global: NDArray[np.float64]  # (k, materials, years) in Japanese firms' cells [t/GWh]
    uses: NDArray[np.float64]  # (k, materials, years) share of cells made in Japan containing it
    yield_share: NDArray[np.float64]  # (k, years)
    shares: NDArray[np.float64]  # (k, supply rows) share of the row in its mineral and stage
    concentration: supply.Concentration
    imports: supply.Imports  # Japan's import mix where data exists
    top_refining: NDArray[
        np.float64
    ]  # (k, core, 1) share of the largest refining country (0 if none)
    project_quantity: NDArray[np.float64]  # (k, project rows) [t/yr] while a row runs
    project_mineral: NDArray[np.float64]  # (k, project rows) mineral code of each row
    project_active: NDArray[np.float64]  # (k, project rows, years) 1.0 while a row runs
    end_of_life: recycling.EndOfLife
    recovery: NDArray[np.float64]  # (k, core, years) [share]
    collection: NDArray[np.float64]  # (k, years) [share]
    scrap_share: NDArray[np.float64]  # (k,) [share]

    def secured_rows(self, year: NDArray[np.float64] | int) -> NDArray[np.float64]:
        """Supply secured by each project row in ``year`` (index, ``(k,)`` or scalar) [t/yr]."""
        yi = np.asarray(year)
        active = self.project_active
        if yi.ndim == 0:
            at_year: NDArray[np.float64] = active[:, :, int(yi)]
            return self.project_quantity * at_year
        k = max(active.shape[0], yi.shape[0])
        scenario = np.arange(k) if active.shape[0] > 1 else 0
        at_years: NDArray[np.float64] = active.transpose(0, 2, 1)[scenario, yi]
        return self.project_quantity * at_years


@dataclass(frozen=True)
class MineralsState:
    """Results of the minerals domain that depend on production (arrays over scenarios).

    The last axis of the production-dependent arrays holds the years ``YEARS[years]``: every
    year, or only those an evaluation's indicators need (see :func:`compute`).
    """

    materials: Materials  # what the parameters alone give
    demand_domestic: NDArray[np.float64]  # (k, materials, years) [t/yr]
    demand_global: NDArray[np.float64]  # (k, materials, years) [t/yr]
    production_domestic: NDArray[np.float64]  # (k, years) [GWh]
    security: supply.Security  # (k, core, years)
    eol_gwh: NDArray[np.float64]  # (k, years) [GWh/yr] reaching end of life
    years: NDArray[np.intp]  # indices into YEARS of the last axis above

    def position(self, year_index: NDArray[np.intp]) -> NDArray[np.intp]:
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
    recovery = stack(p, [f"minerals.recovery_{m}_share" for m in CORE])
    collection = p["minerals.collection_share"].copy()
    scrap_share = p["minerals.scrap_recycled_share"].copy()
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
    )


# prepare() of a single scenario, or of a batch whose minerals parameters are all shared, is
# kept by value (the bytes of the parameters it may read) in the evaluation's cache: a sweep
# over production that passes one cache to its evaluations does the chemistry, supply
# structure and lifetime matrices once, and a step that defers its series prepares once.


@functools.cache
def _input_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The parameters :func:`prepare` may read: (arrays, tables). Not those of the domain's
    other steps (the material prices: ``minerals.cost``; the EU recovery targets:
    ``minerals.targets``): the cache key reads nothing the step does not declare."""
    others = ("minerals.price_", "minerals.eu_recovery_")
    names = [n for n in declarations() if n.startswith("minerals.") and not n.startswith(others)]
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


def prepared(p: Params, cache: Cache | None) -> Materials:
    """:func:`prepare`, kept in ``cache`` by value for shared parameters (read-only arrays).

    Without a cache, or with minerals parameters that differ between scenarios, it is
    :func:`prepare`.
    """
    key = None if cache is None else _inputs_key(p)
    if cache is None or key is None:
        return prepare(p)
    return cache.get(("minerals.prepare", *key), lambda: _frozen(prepare(p)))


def compute(
    p: Params,
    production_domestic: NDArray[np.float64],
    production_global: NDArray[np.float64],
    years: NDArray[np.float64] | None = None,
    cache: Cache | None = None,
) -> MineralsState:
    """Every intermediate of the domain for the batch ``p`` and the given production [GWh/yr].

    years : sorted indices into ``YEARS`` of the years to give (default: every year). End of
        life is a sum over earlier years, so it is computed for every year; the equations
        after it are element by element and run on the given years only, with the same
        arithmetic (a year's values are the same bits either way).
    cache : the evaluation's cache, which keeps :func:`prepare` (see :func:`prepared`)

    Demand is one product per material; end of life, recycling and security run on the whole
    batch at once.
    """
    n_core = len(CORE)
    m = prepared(p, cache)

    def pick(a: NDArray[np.float64]) -> NDArray[np.float64]:
        return a if years is None else a[..., years]

    yield_share = pick(m.yield_share)
    prod_dom, prod_glob = pick(production_domestic), pick(production_global)
    d_dom = demand(prod_dom, pick(m.per_gwh_domestic), yield_share)
    d_glob = demand(prod_glob, pick(m.per_gwh_global), yield_share)
    collection, recovery = pick(m.collection), pick(m.recovery)
    core_glob = d_glob[:, :n_core, :]
    secured = pick(supply.by_mineral(m.project_quantity, m.project_mineral, m.project_active))
    parts = [production_global, d_glob, m.yield_share, m.recovery, m.collection, m.scrap_share]
    parts += [m.project_quantity, m.top_refining]
    n = max(m.end_of_life.k, *(a.shape[0] for a in parts))
    n_years = YEARS.size if years is None else len(years)
    eol = pick(m.end_of_life.chunk(production_global, 0, n))
    scrap = recycling.production_scrap(core_glob, yield_share)
    recycled = recycling.recovered(eol[:, :n_core, :], scrap, collection, m.scrap_share, recovery)
    sec = supply.Security(*(np.empty((n, n_core, n_years)) for _ in range(6)))
    supply.security(core_glob, secured, recycled, m.top_refining, out=sec)
    eol_gwh = np.empty((n, n_years))
    eol_gwh[:] = eol[:, n_core, :]
    return MineralsState(
        materials=m,
        demand_domestic=d_dom,
        demand_global=d_glob,
        production_domestic=prod_dom,
        security=sec,
        eol_gwh=eol_gwh,
        years=np.arange(YEARS.size) if years is None else np.asarray(years, dtype=int),
    )
