"""Supply structure and security of the battery minerals (P3, P11).

- Share of each producer within its mineral and stage (mining, refining)::

      s_r = q_r / sum_{rows of the same mineral and stage} q

- Herfindahl-Hirschman index on shares in percent (0..10,000)::

      HHI = sum_r (100 s_r)^2       over named countries; the "ZZ" row (other countries
                                    together, many small producers) counts in the total only,
                                    so the HHI is a lower bound where such a row exists

  e.g. lithium mining 2023 (USGS): Australia 86,000 of 184,680 t = 46.6%, ...: HHI ~ 3,100.
- Top-country share and the share of the countries the user flags as of concern.
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

from chikuden.horizon import YEARS
from chikuden.parameters.params import TableArrays

N_MINERALS = 5  # lithium, nickel, cobalt, manganese, graphite (the tables' allowed order)
STAGES = ("mining", "refining")
OTHER = "ZZ"


@dataclass(frozen=True)
class Concentration:
    """Concentration per mineral and stage, arrays ``(k, minerals, stages)``."""

    hhi: np.ndarray  # 0..10,000 (NaN where no row)
    top_share: np.ndarray  # share of the largest named country
    flagged_share: np.ndarray  # share of the flagged countries


@dataclass(frozen=True)
class Security:
    """Secured and open demand, arrays ``(k, minerals, years)`` [t/yr] or [share]."""

    projects: np.ndarray
    recycled: np.ndarray
    open: np.ndarray
    open_top: np.ndarray
    open_flagged: np.ndarray
    secured_share: np.ndarray
    recycled_share: np.ndarray


def _codes(table: TableArrays, column: str) -> np.ndarray:
    assert table.codes is not None
    return table.codes[column]


def group_onehot(table: TableArrays) -> np.ndarray:
    """``(k, rows, minerals * stages)``: the mineral-stage group of each valid row."""
    group = _codes(table, "mineral") * len(STAGES) + _codes(table, "stage")
    onehot = group[:, :, None] == np.arange(N_MINERALS * len(STAGES))
    return onehot & (table.valid > 0)[:, :, None]


def group_shares(table: TableArrays) -> np.ndarray:
    """Share of each row within its mineral and stage [share], ``(k, rows)``."""
    onehot = group_onehot(table).astype(float)
    q = np.where(table.valid > 0, table["tonnes"], 0.0)
    totals = np.einsum("kr,krg->kg", q, onehot)
    row_total = np.einsum("kg,krg->kr", totals, onehot)
    return np.divide(q, row_total, out=np.zeros_like(q), where=row_total > 0)


def flag_rows(table: TableArrays, concern: TableArrays) -> np.ndarray:
    """``(k, rows)`` True where the row's country is among the flagged countries."""
    mine = _codes(table, "country")
    flagged = _codes(concern, "country")
    hit = (mine[:, :, None] == flagged[:, None, :]) & (concern.valid > 0)[:, None, :]
    return hit.any(axis=2) & (table.valid > 0)


def concentration(table: TableArrays, shares: np.ndarray, flagged: np.ndarray) -> Concentration:
    """HHI, top-country share and flagged share per mineral and stage."""
    assert table.allowed is not None
    onehot = group_onehot(table)
    other = table.allowed["country"].index(OTHER)
    named = _codes(table, "country") != other
    pct = 100.0 * shares
    hhi = np.einsum("kr,krg->kg", np.where(named, pct * pct, 0.0), onehot.astype(float))
    present = onehot.any(axis=1)
    hhi = np.where(present, hhi, np.nan)
    top = np.where(onehot & named[:, :, None], shares[:, :, None], 0.0).max(axis=1, initial=0.0)
    top = np.where(present, top, np.nan)
    flag = np.einsum("kr,krg->kg", np.where(flagged, shares, 0.0), onehot.astype(float))
    shape = (hhi.shape[0], N_MINERALS, len(STAGES))
    return Concentration(hhi.reshape(shape), top.reshape(shape), flag.reshape(shape))


def project_supply(projects: TableArrays, realisation: np.ndarray) -> np.ndarray:
    """Supply secured by each project row and year [t/yr], ``(k, rows, years)``.

    realisation : share of not-yet-operating output that materialises [share], ``(k,)``
    """
    operating = projects.is_("status", "operating")
    factor = np.where(operating, 1.0, realisation[:, None])
    qty = projects["tonnes_per_year"] * projects["japan_share"] * factor * projects.valid
    years = YEARS[None, None, :]
    active = (years >= projects["start_year"][:, :, None]) & (
        years <= projects["end_year"][:, :, None]
    )
    return qty[:, :, None] * active


def by_mineral(projects: TableArrays, rows: np.ndarray) -> np.ndarray:
    """Sum project rows ``(k, rows, years)`` by mineral -> ``(k, minerals, years)``."""
    onehot = (_codes(projects, "mineral")[:, :, None] == np.arange(N_MINERALS)).astype(float)
    return (rows[:, :, None, :] * onehot[:, :, :, None]).sum(axis=1)


def security(
    demand_t: np.ndarray, projects_t: np.ndarray, recycled_t: np.ndarray, conc: Concentration
) -> Security:
    """Secured, recycled and open demand and where the open part comes from."""
    recycled = np.minimum(recycled_t, demand_t)
    secured = np.minimum(projects_t, demand_t - recycled)
    open_t = demand_t - recycled - secured
    safe = np.where(demand_t > 0, demand_t, np.inf)  # x / inf = 0 where there is no demand
    secured_share = (recycled + secured) / safe
    recycled_share = recycled / safe
    top = np.nan_to_num(conc.top_share[:, :, 1])[:, :, None]
    flagged = conc.flagged_share.max(axis=2)[:, :, None]
    return Security(
        projects=secured,
        recycled=recycled,
        open=open_t,
        open_top=open_t * top,
        open_flagged=open_t * flagged,
        secured_share=secured_share,
        recycled_share=recycled_share,
    )
