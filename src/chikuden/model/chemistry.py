"""The cell chemistry mix: one per year for domestic production and one for Japanese firms'
global production, read by every domain that depends on what the cells are made of.

- :mod:`chikuden.model.minerals`: material in cells, demand (domestic and global), the material
  cost of cells made in Japan (which :mod:`chikuden.model.finance` reads), the stress test;
- :mod:`chikuden.model.minerals.recycling` (through minerals): what Japanese firms' cells
  place on the market and bring back at end of life (the global mix);
- :mod:`chikuden.model.carbon`: the footprint of cells made in Japan (the domestic mix), each
  chemistry on its own row of ``carbon.chemistries``.

The mix of scope ``s`` is the path parameters ``minerals.<s>_mix_<chemistry>_share``, shares
that add up to 1 in every year (the rules ``domestic-chemistry-mix`` and
``global-chemistry-mix`` of ``data/parameters/rules.yaml``, checked before the model runs)::

    x[s, c, y] >= 0,   sum_c x[s, c, y] = 1
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.parameters.params import Params

CHEMISTRIES = (
    "nmc111",
    "nmc532",
    "nmc622",
    "nmc811",
    "nca",
    "lfp",
    "lmfp",
    "sodium_ion",
    "solid_state",
)
SCOPES = ("domestic", "global")  # cells made in Japan; Japanese firms' cells wherever made


def table_name(chemistry: str) -> str:
    """The name of a mix chemistry in tables and product files (``nmc811`` -> ``NMC811``)."""
    return chemistry.upper()


def parameter_names(scope: str) -> list[str]:
    """The share parameters of the mix of ``scope``, in :data:`CHEMISTRIES` order."""
    return [f"minerals.{scope}_mix_{c}_share" for c in CHEMISTRIES]


def chemistry_mix(p: Params, scope: str) -> NDArray[np.float64]:
    """The chemistry mix of ``scope``, shape ``(k, chemistries, years)`` [share].

    The shares add up to 1 within 0.001 (checked when the scenario is loaded); here they are
    rescaled to exactly 1.
    """
    arrays = [p[name] for name in parameter_names(scope)]
    mix = np.stack(np.broadcast_arrays(*arrays), axis=1)
    total = mix.sum(axis=1)
    return np.asarray(mix / total[:, None, :])
