"""Material in cells and demand by mineral; material cost of cells (P3, P11).

- material in cells per GWh [t/GWh] (1 kg/kWh = 1,000 t/GWh), for the chemistry mix ``x`` of
  scope ``s`` (:mod:`chikuden.model.chemistry`) and intensities ``I`` [kg/kWh]::

      q[s, m, y] = sum_c x[s, c, y] * I[c, m] * 1000

- demand [t/yr], production scrap included through the yield ``Y(y)``::

      D[s, m, y] = P_s(y) * q[s, m, y] / Y(y)
      e.g. 100 GWh of NMC811 at Y = 0.9: nickel = 100 * 0.658 * 1000 / 0.9 = 73,111 t

  lithium as LCE = Li * 5.323;
- material cost of cells [USD/kWh] = sum_m q[s, m, y] / Y(y) / 1000 [kg/kWh] * price_m / 1000
  [USD/kg].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.model import carbon, chemistry
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
def intensity_matrix(table: TableArrays) -> NDArray[np.float64]:
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
    per_cell: NDArray[np.float64] = np.einsum(
        "kr,krc,krm->kcm", weights, chem.astype(float), mat.astype(float)
    )
    return per_cell


chemistry_mix = chemistry.chemistry_mix


def content_per_gwh(
    mix: NDArray[np.float64], intensity: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Material in cells per GWh [t/GWh], shape ``(k, materials, years)``.

    mix : ``(k, chemistries, years)`` [share]; intensity : ``(k, chemistries, materials)`` [kg/kWh]
    """
    per_year = np.matmul(np.swapaxes(mix, 1, 2), intensity)  # (k, years, materials)
    return np.ascontiguousarray(np.swapaxes(per_year, 1, 2)) * T_PER_GWH_PER_KG_PER_KWH


def uses_material(mix: NDArray[np.float64], intensity: NDArray[np.float64]) -> NDArray[np.float64]:
    """Share of cells whose chemistry contains each material [share], ``(k, materials, years)``."""
    shares = np.matmul(np.swapaxes(mix, 1, 2), (intensity > 0).astype(float))
    return np.ascontiguousarray(np.swapaxes(shares, 1, 2))


def demand(
    production_gwh: NDArray[np.float64],
    per_gwh: NDArray[np.float64],
    yield_share: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Material demand [t/yr], shape ``(k, materials, years)``.

    production_gwh : cell production [GWh/yr], ``(k, years)``
    per_gwh : material in cells [t/GWh], ``(k, materials, years)``
    yield_share : good cells per material input [share], ``(k, years)``
    """
    per_cell = per_gwh / yield_share[:, None, :]
    k = max(production_gwh.shape[0], per_cell.shape[0])
    out = np.empty((k, *per_cell.shape[1:]))  # scenario, material, year: each series contiguous
    return np.multiply(production_gwh[:, None, :], per_cell, out=out)


def material_cost(
    per_gwh: NDArray[np.float64], yield_share: NDArray[np.float64], prices: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Material cost of cells [USD/kWh], shape ``(k, years)``.

    prices : ``(k, materials, years)`` [USD/t of the material; lithium already per t Li]
    """
    kg_per_kwh = per_gwh / yield_share[:, None, :] / T_PER_GWH_PER_KG_PER_KWH
    cost: NDArray[np.float64] = (kg_per_kwh * prices / 1000.0).sum(axis=1)
    return cost


def upstream_capex_jpy(
    demand_t: NDArray[np.float64],
    capex_usd_per_tpa: NDArray[np.float64],
    jpy_per_usd: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Capital for mining and refining capacity equal to a year's demand [JPY], shape ``(k,)``.

    demand_t : ``(k, core minerals)`` [t/yr, lithium as LCE]
    capex_usd_per_tpa : ``(k, core minerals)`` [USD per t/yr of capacity]
    """
    capex_usd: NDArray[np.float64] = (demand_t * capex_usd_per_tpa).sum(axis=1)
    return capex_usd * jpy_per_usd


def prices_per_t(p: Params) -> NDArray[np.float64]:
    """Prices per tonne of each material [USD/t], ``(k, materials, years)``; lithium per t Li."""
    names = [
        "minerals.price_lithium_lce_usd_per_t",
        *[f"minerals.price_{m}_usd_per_t" for m in MATERIALS[1:]],
    ]
    prices = stack(p, names)
    per_material: NDArray[np.float64] = np.array([LCE_PER_LI, *([1.0] * (len(MATERIALS) - 1))])
    return prices * per_material[None, :, None]


def stack(p: Params, names: list[str]) -> NDArray[np.float64]:
    """The parameters ``names`` stacked on axis 1, ``(k, len(names), ...)``."""
    arrays = [p[n] for n in names]
    first = arrays[0]
    if all(a.shape == first.shape for a in arrays):
        return np.stack(arrays, axis=1)
    out = np.empty((max(a.shape[0] for a in arrays), len(arrays), *first.shape[1:]))
    for i, a in enumerate(arrays):
        out[:, i] = a
    return out


def material_costs(p: Params) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Material cost of cells made in Japan (domestic mix) and of the global mix by year
    [USD/kWh], ``(k, years)`` each: :func:`material_cost` of the chemistry mixes' content."""
    intensity = intensity_matrix(p.table("minerals.intensity"))
    yield_share = p["minerals.cell_yield_share"]
    prices = prices_per_t(p)
    return (
        material_cost(
            content_per_gwh(chemistry_mix(p, "domestic"), intensity), yield_share, prices
        ),
        material_cost(content_per_gwh(chemistry_mix(p, "global"), intensity), yield_share, prices),
    )
