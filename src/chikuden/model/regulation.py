"""Battery warehouses under the Fire Service Act, today's rule against a relaxed rule (P10).

Lithium-ion electrolyte is a class 4 hazardous material. Above the designated quantity
``Q`` [L] (1,000 L for a second petroleum) batteries must be kept in a hazardous-materials
indoor store, until Dec 2023 limited to ``A_max`` = 1,000 m² of floor, one storey and eaves
under 6 m. With domestic cell production ``G(y)`` [GWh per year] held ``t`` days in stock::

    inventory(y) = G(y) * t / 365                                    [GWh]
    floor(y)     = inventory(y) * 1e6 / density                      [m²]
    warehouses   = ceil(floor / A_max)                               [warehouses]
    site area    = warehouses * (sqrt(A_max) + 2 c) ** 2             [m²]

with ``density`` [kWh per m²] and ``A_max`` set for today's rule and for the relaxed rule,
and ``c`` the open space kept around each store (保有空地). The battery energy that reaches
the designated quantity is ``Q / electrolyte_l_per_kwh`` [kWh].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import year_index
from chikuden.model import dataflow
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

TARGET_YEAR = 2030
DAYS_PER_YEAR = 365.0
KWH_PER_GWH = 1e6


def warehouses(floor_m2: NDArray[np.float64], limit_m2: NDArray[np.float64]) -> NDArray[np.float64]:
    """Warehouses of at most ``limit_m2`` needed for ``floor_m2`` of floor [warehouses]."""
    # A relative tolerance keeps an exact multiple (4,000 m² in 1,000 m² stores) at 4.
    return np.ceil(floor_m2 / limit_m2 * (1.0 - 1e-12))


def site_area(
    count: NDArray[np.float64], limit_m2: NDArray[np.float64], clearance_m: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Land for ``count`` square stores of ``limit_m2`` with ``clearance_m`` all round [m²]."""
    return count * (np.sqrt(limit_m2) + 2.0 * clearance_m) ** 2


@dataflow.step(
    params=("regulation.*",),
    reads=("capacity.domestic_production_gwh",),
    writes=("regulation.*",),
)
def step(p: Params, out: Outputs) -> None:
    production = out.series["capacity.domestic_production_gwh"]
    inventory = production * p["regulation.inventory_days"][:, None] / DAYS_PER_YEAR
    kwh = inventory * KWH_PER_GWH
    clearance = p["regulation.clearance_m"][:, None]
    rules = {
        "today": (
            p["regulation.storage_density_kwh_per_m2"][:, None],
            p["regulation.floor_area_limit_today_m2"][:, None],
        ),
        "relaxed": (
            p["regulation.relaxed_density_kwh_per_m2"][:, None],
            p["regulation.floor_area_limit_relaxed_m2"][:, None],
        ),
    }
    i30 = year_index(TARGET_YEAR)
    out.serie("regulation.inventory_gwh", inventory)
    for rule, (density, limit) in rules.items():
        floor = kwh / density
        count = warehouses(floor, limit)
        site = site_area(count, limit, clearance)
        out.serie(f"regulation.floor_area_{rule}_m2", floor)
        out.serie(f"regulation.warehouses_{rule}", count)
        out.serie(f"regulation.site_area_{rule}_m2", site)
        out.indicator(f"regulation.warehouses_{rule}_2030", count[:, i30])
        out.indicator(f"regulation.site_area_{rule}_2030_m2", site[:, i30])
    today_density, today_limit = rules["today"]
    out.indicator("regulation.warehouse_area_needed_m2", kwh[:, i30] / today_density[:, 0])
    out.indicator("regulation.warehouse_area_relaxed_m2", kwh[:, i30] / rules["relaxed"][0][:, 0])
    out.indicator("regulation.inventory_2030", inventory[:, i30])
    per_kwh = p["regulation.electrolyte_l_per_kwh"]
    q = p["regulation.designated_quantity_l"]
    with np.errstate(divide="ignore"):
        # NaN ("no limit") for cells without liquid electrolyte: the rule never applies
        out.indicator(
            "regulation.designated_quantity_kwh", np.where(per_kwh > 0, q / per_kwh, np.nan)
        )
    out.indicator(
        "regulation.designated_multiple_per_warehouse",
        today_limit[:, 0] * today_density[:, 0] * per_kwh / q,
    )
