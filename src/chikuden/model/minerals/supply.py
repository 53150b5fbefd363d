"""Supply structure and security of the battery minerals (P3, P11).

- Share of each producer within its mineral and stage (mining, refining)::

      s_r = q_r / sum_{rows of the same mineral and stage} q

- Herfindahl-Hirschman index on shares in percent (0..10,000)::

      HHI = sum_r (100 s_r)^2       over named countries; the "ZZ" row (other countries
                                    together, many small producers) counts in the total only,
                                    so the HHI is a lower bound where such a row exists

  e.g. lithium mining 2023 (USGS): Australia 86,000 of 184,680 t = 46.6%, ...: HHI ~ 3,100.
- Top-country share and the share of the countries the user flags as of concern.
- Japan's imports, where data exists (a table of shares by mineral and country of origin): the
  largest named country's share and the flagged countries' share of each mineral's imports;
  empty (NaN) for a mineral without rows. A mineral's shares may add up to at most 1.
- Secured supply: each project row gives ``t/yr x japan_share`` (x realisation when not yet
  operating) from its start year to its end year.
- Security of demand ``D`` with recycled ``R`` and project supply ``S``::

      recycled = min(R, D);  secured = min(S, D - recycled);  open = D - recycled - secured
      secured share = (recycled + secured) / D

  Open demand is bought on the world market; the part from the top refining country is
  ``open x top refining share``, from flagged countries ``open x max(flagged share over stages)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import YEARS
from chikuden.parameters.params import TableArrays

N_MINERALS = 5  # lithium, nickel, cobalt, manganese, graphite (the tables' allowed order)
STAGES = ("mining", "refining")
OTHER = "ZZ"


@dataclass(frozen=True)
class Concentration:
    """Concentration per mineral and stage, arrays ``(k, minerals, stages)``."""

    hhi: NDArray[np.float64]  # 0..10,000 (NaN where no row)
    top_share: NDArray[np.float64]  # share of the largest named country
    flagged_share: NDArray[np.float64]  # share of the flagged countries


@dataclass(frozen=True)
class Security:
    """Secured and open demand, arrays ``(k, minerals, years)`` [t/yr] or [share]."""

    projects: NDArray[np.float64]
    recycled: NDArray[np.float64]
    open: NDArray[np.float64]
    open_top: NDArray[np.float64]
    secured_share: NDArray[np.float64]
    recycled_share: NDArray[np.float64]


def codes(table: TableArrays, column: str) -> NDArray[np.float64]:
    """Codes of a categorical ``column`` (index into its allowed values), ``(k, rows)``."""
    assert table.codes is not None
    return table.codes[column]


def group_onehot(table: TableArrays) -> NDArray[np.bool_]:
    """``(k, rows, minerals * stages)``: the mineral-stage group of each valid row."""
    group = codes(table, "mineral") * len(STAGES) + codes(table, "stage")
    onehot = group[:, :, None] == np.arange(N_MINERALS * len(STAGES))
    mask: NDArray[np.bool_] = onehot & (table.valid > 0)[:, :, None]
    return mask


def group_shares(table: TableArrays) -> NDArray[np.float64]:
    """Share of each row within its mineral and stage [share], ``(k, rows)``."""
    onehot = group_onehot(table).astype(float)
    q = np.where(table.valid > 0, table["tonnes"], 0.0)
    totals = np.einsum("kr,krg->kg", q, onehot)
    row_total = np.einsum("kg,krg->kr", totals, onehot)
    shares: NDArray[np.float64] = np.divide(q, row_total, out=np.zeros_like(q), where=row_total > 0)
    return shares


def flag_rows(table: TableArrays, concern: TableArrays) -> NDArray[np.bool_]:
    """``(k, rows)`` True where the row's country is among the flagged countries."""
    mine = codes(table, "country")
    flagged = codes(concern, "country")
    hit = (mine[:, :, None] == flagged[:, None, :]) & (concern.valid > 0)[:, None, :]
    rows: NDArray[np.bool_] = hit.any(axis=2) & (table.valid > 0)
    return rows


def _top_and_flagged(
    shares: NDArray[np.float64],
    onehot: NDArray[np.bool_],
    named: NDArray[np.bool_],
    flagged: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per group ``g``: the largest named country's share and the flagged countries' share.

    shares, named, flagged : ``(k, rows)``; onehot : ``(k, rows, groups)`` the group of each
    valid row. Returns two ``(k, groups)`` arrays (0 where a group has no row).
    """
    top = np.where(onehot & named[:, :, None], shares[:, :, None], 0.0).max(axis=1, initial=0.0)
    flag = np.einsum("kr,krg->kg", np.where(flagged, shares, 0.0), onehot.astype(float))
    return top, flag


def concentration(
    table: TableArrays, shares: NDArray[np.float64], flagged: NDArray[np.bool_]
) -> Concentration:
    """HHI, top-country share and flagged share per mineral and stage."""
    assert table.allowed is not None
    onehot = group_onehot(table)
    other = table.allowed["country"].index(OTHER)
    named = codes(table, "country") != other
    pct = 100.0 * shares
    hhi = np.einsum("kr,krg->kg", np.where(named, pct * pct, 0.0), onehot.astype(float))
    present = onehot.any(axis=1)
    hhi = np.where(present, hhi, np.nan)
    top, flag = _top_and_flagged(shares, onehot, named, flagged)
    top = np.where(present, top, np.nan)
    # the flagged countries may differ by scenario while the supply table is shared
    shape = (max(hhi.shape[0], flag.shape[0]), N_MINERALS, len(STAGES))
    return Concentration(
        np.broadcast_to(hhi.reshape(-1, *shape[1:]), shape),
        np.broadcast_to(top.reshape(-1, *shape[1:]), shape),
        np.broadcast_to(flag.reshape(-1, *shape[1:]), shape),
    )


@dataclass(frozen=True)
class Imports:
    """Japan's import mix per mineral, arrays ``(k, minerals)`` [share]; NaN without data."""

    top_share: NDArray[np.float64]  # share of the largest named country of origin
    flagged_share: NDArray[np.float64]  # share of the flagged countries of origin


def imports(table: TableArrays, concern: TableArrays) -> Imports:
    """Top-country and flagged shares of Japan's imports of each mineral.

    A mineral's rows add up to at most 1 (the table schema's rule ``shares-of-imports``,
    checked when the table is loaded).
    """
    assert table.allowed is not None
    valid = table.valid > 0
    onehot = (codes(table, "mineral")[:, :, None] == np.arange(N_MINERALS)) & valid[:, :, None]
    share = np.where(valid, table["share"], 0.0)
    named = codes(table, "country") != table.allowed["country"].index(OTHER)
    top, flag = _top_and_flagged(share, onehot, named, flag_rows(table, concern))
    present = onehot.any(axis=1)
    shape = (max(top.shape[0], flag.shape[0]), N_MINERALS)
    return Imports(
        np.broadcast_to(np.where(present, top, np.nan), shape),
        np.broadcast_to(np.where(present, flag, np.nan), shape),
    )


def project_quantity(
    projects: TableArrays, realisation: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Supply each project row secures while it runs [t/yr], ``(k, rows)``.

    realisation : share of not-yet-operating output that materialises [share], ``(k,)``
    """
    operating = projects.is_("status", "operating")
    factor = np.where(operating, 1.0, realisation[:, None])
    return projects["tonnes_per_year"] * projects["japan_share"] * factor * projects.valid


def project_active(projects: TableArrays) -> NDArray[np.float64]:
    """``(k, rows, years)``: 1.0 in the years from each row's start year to its end year."""
    years = YEARS[None, None, :]
    return (
        (years >= projects["start_year"][:, :, None]) & (years <= projects["end_year"][:, :, None])
    ).astype(float)


def by_mineral(
    quantity: NDArray[np.float64], mineral: NDArray[np.float64], active: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Secured supply by mineral [t/yr], ``(k, minerals, years)``: the running rows summed.

    quantity : ``(k, rows)`` from :func:`project_quantity`; mineral : ``(k, rows)`` the rows'
    mineral codes; active : ``(k, rows, years)`` from :func:`project_active`. Rows are added one
    at a time in table order, the same arithmetic for every scenario.
    """
    k = max(quantity.shape[0], mineral.shape[0], active.shape[0])
    out = np.zeros((k, N_MINERALS, YEARS.size))
    for r in range(active.shape[1]):
        rows = quantity[:, r, None] * active[:, r, :]  # (k, years)
        codes = mineral[:, r]
        if codes.shape[0] == 1:
            if 0 <= codes[0] < N_MINERALS:
                out[:, int(codes[0]), :] += rows
        else:
            out += (codes[:, None] == np.arange(N_MINERALS))[:, :, None] * rows[:, None, :]
    return out


def top_refining_share(conc: Concentration) -> NDArray[np.float64]:
    """Share of the largest refining country, ``(k, minerals, 1)``; 0 where no row."""
    return np.nan_to_num(conc.top_share[:, :, 1])[:, :, None]


def security(
    demand_t: NDArray[np.float64],
    projects_t: NDArray[np.float64],
    recycled_t: NDArray[np.float64],
    conc: Concentration | NDArray[np.float64],
    out: Security | None = None,
) -> Security:
    """Secured, recycled and open demand and the part of the open demand from the top country.

    Arrays ``(k, minerals, years)``; ``conc`` is the concentration or its
    :func:`top_refining_share`; ``out`` (optional) receives the results in place.
    """
    top = top_refining_share(conc) if isinstance(conc, Concentration) else conc
    if out is None:
        shape = np.broadcast_shapes(demand_t.shape, projects_t.shape, recycled_t.shape)
        out = Security(*(np.empty(shape) for _ in range(6)))
    recycled = np.minimum(recycled_t, demand_t, out=out.recycled)
    unmet = np.subtract(demand_t, recycled)
    secured = np.minimum(projects_t, unmet, out=out.projects)
    open_t = np.subtract(unmet, secured, out=out.open)
    np.multiply(open_t, top, out=out.open_top)
    shares = np.add(recycled, secured, out=unmet), recycled
    if demand_t.min(initial=np.inf) > 0:
        np.divide(shares[0], demand_t, out=out.secured_share)
        np.divide(shares[1], demand_t, out=out.recycled_share)
    else:
        safe = np.where(demand_t > 0, demand_t, np.inf)  # x / inf = 0 where there is no demand
        np.divide(shares[0], safe, out=out.secured_share)
        np.divide(shares[1], safe, out=out.recycled_share)
    return out


def open_flagged(open_t: NDArray[np.float64], conc: Concentration) -> NDArray[np.float64]:
    """Open demand bought from flagged countries [t/yr] = open x max(flagged share by stage).

    open_t : ``(k, minerals)`` or ``(k, minerals, years)``
    """
    flagged: NDArray[np.float64] = conc.flagged_share.max(axis=2)
    return open_t * (flagged if open_t.ndim == 2 else flagged[:, :, None])
