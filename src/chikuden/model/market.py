"""Global battery demand by segment, and the capacity Japan's share target implies (P1).

Equations (years y on the horizon, arrays with a leading scenario axis):

- total demand grows at a constant rate from the base year to 2030 and at
  ``g`` per year after 2030::

      D(y) = D_2021 * (D_2030 / D_2021) ** ((y - 2021) / 9)     for y <= 2030
      D(y) = D_2030 * (1 + g) ** (y - 2030)                       for y >  2030

- segments: ``stationary = s(y) D``, ``other = o(y) D``, ``ev = D - stationary - other``;
- the capacity targets of Japanese firms, given either as a share of the market or in GWh
  (rules ``global-target-kind`` and ``domestic-target-kind``: at most one of each pair is
  non-zero)::

      C_JP(y)  = share * D(y) / utilisation + G          G: target in GWh (0 for a share)
      C_dom(y) = C_JP(y) * domestic_fraction + G_dom     G_dom: domestic target in GWh

  A share target moves with the market; a target in GWh is the same whatever the market
  (and in every year). The target's share of the 2030 market is the share itself, or
  ``G * utilisation / D(2030)`` for a target in GWh (0 without a market).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import YEARS, year_index
from chikuden.model import dataflow
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

BASE_YEAR = 2021
TARGET_YEAR = 2030


def total_demand(
    base_gwh: NDArray[np.float64], d2030_gwh: NDArray[np.float64], growth_after: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Global demand per year [GWh], shape ``(k, years)``.

    base_gwh : demand in 2021 [GWh], shape ``(k,)``
    d2030_gwh : demand in 2030 [GWh], shape ``(k,)``
    growth_after : growth per year after 2030 [share per year], shape ``(k,)``
    """
    base = base_gwh[:, None]
    d30 = d2030_gwh[:, None]
    # each formula only on its own years (powers are the costly part of a large batch)
    early, late = YEARS[YEARS <= TARGET_YEAR][None, :], YEARS[YEARS > TARGET_YEAR][None, :]
    t = (early - BASE_YEAR) / (TARGET_YEAR - BASE_YEAR)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(base > 0, d30 / np.where(base > 0, base, 1.0), 0.0)
        before = np.where(base > 0, base * ratio**t, d30 * (early >= TARGET_YEAR))
    after = d30 * (1.0 + growth_after[:, None]) ** (late - TARGET_YEAR)
    total = np.empty((max(before.shape[0], after.shape[0]), YEARS.size))
    total[:, : early.size] = before
    total[:, early.size :] = after
    return total


def segment_demand(
    total: NDArray[np.float64],
    stationary_share: NDArray[np.float64],
    other_share: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Split total demand [GWh] into EV, stationary and other [GWh].

    The EV segment is the remainder; shares that add to more than 1 leave it at 0 and scale
    the other two down proportionally so the segments always add up to the total.
    """
    both = stationary_share + other_share
    scale = np.where(both > 1.0, 1.0 / np.maximum(both, 1e-300), 1.0)
    stationary = total * stationary_share * scale
    other = total * other_share * scale
    return total - stationary - other, stationary, other


def required_capacity(
    demand: NDArray[np.float64],
    share: NDArray[np.float64],
    utilisation: NDArray[np.float64],
    domestic_fraction: NDArray[np.float64],
    global_gwh: NDArray[np.float64] | float = 0.0,
    domestic_gwh: NDArray[np.float64] | float = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Capacity targets of Japanese firms worldwide and in Japan [GWh], ``(k, years)``.

    demand : world demand [GWh], ``(k, years)``
    share, utilisation, domestic_fraction : [share], ``(k,)``
    global_gwh, domestic_gwh : targets given in GWh [GWh], ``(k,)`` (0: given as a share)
    """
    global_cap = share[:, None] * demand / utilisation[:, None] + np.asarray(global_gwh)[..., None]
    domestic = global_cap * domestic_fraction[:, None] + np.asarray(domestic_gwh)[..., None]
    return global_cap, domestic


def target_share(
    share: NDArray[np.float64],
    global_gwh: NDArray[np.float64],
    demand_2030: NDArray[np.float64],
    utilisation: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The global target as a share of the 2030 market [share], ``(k,)``.

    The share itself; for a target in GWh, ``global_gwh * utilisation / demand_2030`` (the
    share of production that capacity gives at the utilisation), 0 without a market.
    """
    implied = np.divide(
        global_gwh * utilisation,
        demand_2030,
        out=np.zeros(np.broadcast_shapes(global_gwh.shape, demand_2030.shape, utilisation.shape)),
        where=demand_2030 > 0,
    )
    return np.where(global_gwh > 0, implied, share)


@dataflow.step(
    params=("market.*", "targets.*"),
    writes=("market.*", "targets.*"),
)
def step(p: Params, out: Outputs) -> None:
    total = total_demand(
        p["market.demand_base_gwh"],
        p["market.demand_2030_gwh"],
        p["market.growth_after_2030_share"],
    )
    ev, stationary, other = segment_demand(
        total, p["market.stationary_share"], p["market.other_share"]
    )
    jp_global, jp_domestic = required_capacity(
        total,
        p["targets.japan_share_2030"],
        p["targets.capacity_utilisation_share"],
        p["targets.domestic_fraction_share"],
        p["targets.japan_global_gwh_2030"],
        p["targets.domestic_gwh_2030"],
    )
    i30 = year_index(TARGET_YEAR)
    out.serie("market.demand_total_gwh", total)
    out.serie("market.demand_ev_gwh", ev)
    out.serie("market.demand_stationary_gwh", stationary)
    out.serie("market.demand_other_gwh", other)
    out.serie("targets.japan_global_required_gwh", jp_global)
    out.serie("targets.domestic_required_gwh", jp_domestic)
    out.indicator("market.global_demand_2030", total[:, i30])
    with np.errstate(divide="ignore", invalid="ignore"):
        out.indicator("market.growth_2030_vs_2021", total[:, i30] / total[:, 0])
    out.indicator("market.global_demand_2040", total[:, -1])
    out.indicator(
        "targets.japan_share_2030",
        target_share(
            p["targets.japan_share_2030"],
            p["targets.japan_global_gwh_2030"],
            total[:, i30],
            p["targets.capacity_utilisation_share"],
        ),
    )
    out.indicator("targets.japan_global_capacity_2030", jp_global[:, i30])
    out.indicator("targets.domestic_capacity_2030", jp_domestic[:, i30])
