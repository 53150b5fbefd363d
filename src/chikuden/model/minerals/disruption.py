"""Supply-disruption stress test: a country's exports of a mineral cut by X% for N months (P3, P11).

For domestic cell production in the stress year (demand ``D`` [t/yr] of the mineral, production
``P`` [GWh/yr] of which a share ``u`` uses the mineral)::

    exposed  = D * (o * e + s * e_p)                 [t/yr] exposed to the country
               o: open share of demand; e: the country's share of Japan's imports of the
               mineral where the imports table has a row for the country and mineral
               (``minerals.imports``), otherwise its share of world supply (the larger of its
               mining and refining shares: the stages are in series); s: project-secured
               share, e_p: share of project supply located in the country
    lost     = exposed * cut * months / 12           [t]
    cover    = D * stockpile_days / 365              [t]
    short    = max(lost * (1 - substitution) - cover, 0)
    lost GWh = min(short / (D / (u P)), u P * months / 12)
    lost JPY = lost GWh * 1e6 kWh/GWh * cell value [JPY/kWh]

Worked example (tests): D = 10,000 t, P = 100 GWh, u = 1, o = 1, e = 0.9, cut 0.5, 6 months,
no stockpile, no substitution: lost = 10,000 * 0.9 * 0.5 * 0.5 = 2,250 t; 100 t/GWh ->
22.5 GWh; at 13,350 JPY/kWh -> 300.4 bn JPY.

Each result says which share it used (``at_import_share``: 1 for Japan's imports, 0 for world
supply). Japan's imports are the direct route; the world share stands for the indirect one
(a mineral refined elsewhere from the country's ore), so a country without an import row keeps
its world share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import N_, ParameterError, did_you_mean
from chikuden.horizon import FIRST_YEAR, LAST_YEAR
from chikuden.model.cache import Cache
from chikuden.model.finance import cell_price
from chikuden.model.minerals.state import MineralsState, compute
from chikuden.parameters.params import Params, TableArrays

STRESS_MINERALS = ("lithium", "nickel", "cobalt", "manganese", "graphite")
MAX_MONTHS = 36.0


@dataclass(frozen=True)
class StressResult:
    """Outcome of supply shocks, arrays ``(k, shocks)``."""

    exposed_t: NDArray[np.float64]  # [t/yr] of domestic demand exposed to the country
    shortfall_t: NDArray[np.float64]  # [t] not covered by stockpiles or substitution
    lost_gwh: NDArray[np.float64]  # [GWh] of cells not produced
    lost_jpy: NDArray[np.float64]  # [JPY] value of those cells
    exposure_share: NDArray[np.float64]  # [share] the country's share e the exposure used
    at_import_share: NDArray[
        np.float64
    ]  # 1.0 where e is Japan's import share, 0.0 where world supply


def stress_loss(
    demand_t: NDArray[np.float64],
    production_gwh: NDArray[np.float64],
    uses_share: NDArray[np.float64],
    open_share: NDArray[np.float64],
    project_share: NDArray[np.float64],
    exposure_share: NDArray[np.float64],
    project_exposure_share: NDArray[np.float64],
    cut: NDArray[np.float64],
    months: NDArray[np.float64],
    stockpile_days: NDArray[np.float64],
    substitution_share: NDArray[np.float64],
    cell_value_jpy_per_kwh: NDArray[np.float64],
    at_import_share: NDArray[np.float64] | float = 0.0,
) -> StressResult:
    """The stress-test equations above; all arguments broadcast against each other.

    at_import_share : 1 where ``exposure_share`` is Japan's import share, 0 where it is the
        world share (only reported)
    """
    exposed = demand_t * (open_share * exposure_share + project_share * project_exposure_share)
    lost = exposed * cut * months / 12.0
    cover = demand_t * stockpile_days / 365.0
    short = np.maximum(lost * (1.0 - substitution_share) - cover, 0.0)
    using = uses_share * production_gwh
    gwh = np.divide(
        short * using,
        demand_t,
        out=np.zeros(np.broadcast(short, using, demand_t).shape),
        where=demand_t > 0,
    )
    gwh = np.minimum(gwh, using * months / 12.0)
    return StressResult(
        exposed_t=np.asarray(exposed * np.ones_like(gwh)),
        shortfall_t=np.asarray(short * np.ones_like(gwh)),
        lost_gwh=gwh,
        lost_jpy=gwh * 1e6 * cell_value_jpy_per_kwh,
        exposure_share=np.asarray(exposure_share * np.ones_like(gwh)),
        at_import_share=np.asarray(at_import_share * np.ones_like(gwh)),
    )


def _at(
    arr: NDArray[np.float64], which: NDArray[np.intp], yi: NDArray[np.intp]
) -> NDArray[np.float64]:
    """``arr[k, which[k, j], yi[k]]`` -> ``(k, j)`` for ``arr`` ``(k1, m, years)``.

    which : ``(k2, j)`` index along the second axis; yi : ``(k3,)`` year index; each k is 1 or n.
    Only the values the shocks need are read, by their flat position.
    """
    k1, m, years = arr.shape
    flat = which * years + yi[:, None]
    if k1 > 1:
        flat = flat + (np.arange(k1) * (m * years))[:, None]
    values: NDArray[np.float64] = np.take(arr.reshape(-1), flat)
    return values


def _pick(values: NDArray[np.float64], which: NDArray[np.intp]) -> NDArray[np.float64]:
    """``values[k, which[k, j]]`` -> ``(k, j)``."""
    scenario = np.arange(values.shape[0])[:, None] if values.shape[0] > 1 else 0
    picked: NDArray[np.float64] = values[scenario, which]
    return picked


def _codes(table: TableArrays, column: str) -> NDArray[np.float64]:
    assert table.codes is not None
    return table.codes[column]


def _rows_to_shocks(rows: NDArray[np.float64], match: NDArray[np.float64]) -> NDArray[np.float64]:
    """``sum_r rows[k, r] match[k, j, r]`` -> ``(k, j)``, adding the rows in table order."""
    out = np.zeros((max(rows.shape[0], match.shape[0]), match.shape[1]))
    for r in range(match.shape[2]):
        out += np.where(match[:, :, r], rows[:, r, None], 0.0)
    return out


def shocks(
    p: Params,
    st: MineralsState,
    cost: tuple[NDArray[np.float64], NDArray[np.float64]],
    mineral: NDArray[np.float64],
    country: NDArray[np.float64],
    cut: NDArray[np.float64],
    months: NDArray[np.float64],
    year: NDArray[np.float64] | None = None,
) -> StressResult:
    """Apply shocks ``(k, j)`` (mineral index into STRESS_MINERALS, country code into the
    tables' country list, cut [share], months) to the domestic production of ``st``.

    cost : the material cost of cells made in Japan and of the global mix by year [USD/kWh]
    (``minerals.material_cost_usd_per_kwh`` and ``..._reference_...``), for the price of a
    lost kWh."""
    yi = (p["minerals.stress_year"] if year is None else year).astype(int) - FIRST_YEAR
    m = mineral.astype(int)
    pos = st.position(yi)  # where the year is in the production-dependent arrays of st
    glob = _at(st.demand_global, m, pos)
    safe = np.where(glob > 0, glob, np.inf)  # shares are 0 where there is no demand
    sec = st.security
    open_share = _at(sec.open, m, pos) / safe
    proj_share = _at(sec.projects, m, pos) / safe
    production = _at(st.production_domestic[:, None, :], np.zeros((1, 1), int), pos)  # (k, 1)

    sup = p.table("minerals.supply")
    valid = sup.valid > 0
    match = (
        (_codes(sup, "mineral")[:, None, :] == mineral[:, :, None])
        & (_codes(sup, "country")[:, None, :] == country[:, :, None])
        & valid[:, None, :]
    )
    stage = _codes(sup, "stage")[:, None, :]
    by_stage = [
        np.where(match & (stage == s), st.materials.shares[:, None, :], 0.0).sum(axis=2)
        for s in (0, 1)
    ]
    at_import, import_share = import_exposure(p.table("minerals.imports"), mineral, country)
    exposure = np.where(at_import, import_share, np.maximum(by_stage[0], by_stage[1]))

    proj = p.table("minerals.projects")
    rows_now = st.materials.secured_rows(yi)  # (k, project rows)
    same_mineral = _codes(proj, "mineral")[:, None, :] == mineral[:, :, None]
    pmatch = same_mineral & (_codes(proj, "country")[:, None, :] == country[:, :, None])
    from_country = _rows_to_shocks(rows_now, pmatch)
    proj_total = _rows_to_shocks(rows_now, same_mineral)
    proj_exposure = np.divide(
        from_country,
        proj_total,
        out=np.zeros(np.broadcast(from_country, proj_total).shape),
        where=proj_total > 0,
    )
    days = _stack_days(p)
    # a kWh not produced is worth what cells made in Japan sell for in the shock's year (the
    # finance domain's price: the average plus their extra material cost), in yen
    price = cell_price(p["finance.cell_price_usd_per_kwh"], *cost)
    value = _at(price[:, None, :], np.zeros((1, 1), int), yi)[:, 0] * p["finance.jpy_per_usd"]
    return stress_loss(
        demand_t=_at(st.demand_domestic, m, pos),
        production_gwh=production,
        uses_share=_at(st.materials.uses, m, yi),
        open_share=open_share,
        project_share=proj_share,
        exposure_share=exposure,
        project_exposure_share=proj_exposure,
        cut=cut,
        months=months,
        stockpile_days=_pick(days, m),
        substitution_share=p["minerals.stress_substitution_share"][:, None],
        cell_value_jpy_per_kwh=value[:, None],
        at_import_share=at_import.astype(float),
    )


def import_exposure(
    imports: TableArrays, mineral: NDArray[np.float64], country: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Japan's import share of each shock's country and mineral, where the imports table has a
    row for them: (has a row [bool], share [share]), both ``(k, j)``.

    imports : the ``minerals.imports`` table (a mineral and country appear at most once)
    mineral, country : ``(k, j)`` codes of the shocks (the tables share the country list)
    """
    valid = imports.valid > 0
    match = (
        (_codes(imports, "mineral")[:, None, :] == mineral[:, :, None])
        & (_codes(imports, "country")[:, None, :] == country[:, :, None])
        & valid[:, None, :]
    )
    share = _rows_to_shocks(np.where(valid, imports["share"], 0.0), match)
    return match.any(axis=2), share


def _stack_days(p: Params) -> NDArray[np.float64]:
    """Stockpiles [days of demand], ``(k, minerals)``."""
    days = [p[f"minerals.stockpile_days_{m}"] for m in STRESS_MINERALS]
    out = np.empty((max(d.shape[0] for d in days), len(days)))
    for i, d in enumerate(days):
        out[:, i] = d
    return out


def table_shocks(
    p: Params, st: MineralsState, cost: tuple[NDArray[np.float64], NDArray[np.float64]]
) -> StressResult:
    """The shocks of the ``minerals.stress_tests`` table (one column per row); ``cost`` as in
    :func:`shocks`."""
    t = p.table("minerals.stress_tests")
    valid = t.valid > 0
    return shocks(
        p,
        st,
        cost,
        np.where(valid, _codes(t, "mineral"), 0.0),
        _codes(t, "country"),
        np.where(valid, t["cut"], 0.0),
        np.where(valid, t["months"], 0.0),
    )


def check_shock(
    mineral: str, country: str, cut: float, months: float, countries: tuple[str, ...]
) -> tuple[int, int]:
    """Validate one shock; return (mineral index, country code). Raises ParameterError."""
    name = mineral.strip().lower()
    if name == "lithium_lce":
        name = "lithium"
    if name not in STRESS_MINERALS:
        raise ParameterError(
            N_(
                "mineral {mineral!r} is not a mineral of the stress test{hint}; use one of "
                "{allowed}",
                mineral=mineral,
                hint=did_you_mean(name, STRESS_MINERALS),
                allowed=", ".join(STRESS_MINERALS),
            )
        )
    code = country.strip().upper()
    if code not in countries:
        raise ParameterError(
            N_(
                "country {country!r} is not an ISO 3166-1 alpha-2 country code{hint}; use two "
                "letters, e.g. CN (China), CD (DR Congo), AU (Australia), ID (Indonesia), CL "
                "(Chile), or ZZ for other countries together",
                country=country,
                hint=did_you_mean(code, countries),
            )
        )
    if not (isinstance(cut, int | float) and np.isfinite(cut) and 0.0 <= cut <= 1.0):
        raise ParameterError(
            N_(
                "cut {cut!r} is outside 0..1: it is the share of the country's exports lost "
                "(0.5 = half, 1 = a complete stop); a shock larger than 100% is not possible",
                cut=cut,
            )
        )
    if not (isinstance(months, int | float) and np.isfinite(months) and 0.0 < months <= MAX_MONTHS):
        raise ParameterError(
            N_(
                "months {months!r} is outside the allowed range (0, {most:g}] [months]; give "
                "the length of the shock in months",
                months=months,
                most=MAX_MONTHS,
            )
        )
    return STRESS_MINERALS.index(name), countries.index(code)


def stress_test(
    p: Params,
    series: Mapping[str, NDArray[np.float64]],
    mineral: str,
    country: str,
    cut: float,
    months: float,
    year: int | None = None,
    cache: Cache | None = None,
) -> StressResult:
    """Lost domestic cell production [GWh, JPY] from one shock, for every scenario of ``p``.

    p : the parameters of an evaluation (``results.params``)
    series : its yearly series (``results.series``); production is read from
        ``capacity.domestic_production_gwh`` and ``capacity.japan_global_production_gwh``, the
        material costs of cells from ``minerals.material_cost_usd_per_kwh`` and
        ``minerals.material_cost_reference_usd_per_kwh``
    mineral : lithium, nickel, cobalt, manganese or graphite
    country : ISO 3166-1 alpha-2 code (``ZZ``: other countries together)
    cut : share of the country's exports lost [share, 0..1]
    months : length of the shock [months, 0 < months <= 36]
    year : year of the shock (default: ``minerals.stress_year``)
    cache : the evaluation's cache (``out.cache``), so that the minerals state it prepared is
        reused (default: prepare it again)

    Returns a :class:`StressResult` with arrays of shape ``(n, 1)``.
    """
    allowed = p.table("minerals.supply").allowed
    assert allowed is not None
    m, c = check_shock(mineral, country, cut, months, allowed["country"])
    if year is not None and not (isinstance(year, int) and FIRST_YEAR <= year <= LAST_YEAR):
        raise ParameterError(
            N_(
                "year {year!r} is outside the horizon {first}..{last}; give a year in it",
                year=year,
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )
    st = compute(
        p,
        np.asarray(series["capacity.domestic_production_gwh"]),
        np.asarray(series["capacity.japan_global_production_gwh"]),
        cache=cache,
    )
    one = np.ones((1, 1))
    cost = (
        np.asarray(series["minerals.material_cost_usd_per_kwh"]),
        np.asarray(series["minerals.material_cost_reference_usd_per_kwh"]),
    )
    return shocks(
        p,
        st,
        cost,
        one * m,
        one * c,
        one * float(cut),
        one * float(months),
        None if year is None else np.array([year], dtype=float),
    )
