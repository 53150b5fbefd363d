"""Abatement cost of clean power for a cell plant, against the grid (P2).

For each clean option ``o`` of :data:`chikuden.model.carbon.power.OPTIONS` (every option but the
grid) and for grid power with certificates, per scenario and year: the cost premium over the
grid ``premium_o`` [JPY per kWh of cells] divided by the footprint it saves against the grid
``CF_grid - CF_o`` [kg CO2e per kWh of cells], in yen per tonne CO2e::

    A_o(y) = premium_o(y) / ((CF_grid(y) - CF_o(y)) / 1000)

NaN where the option does not reduce the footprint (``CF_grid - CF_o <= 1e-9`` kg). A negative
``A_o`` is an option that saves both money and emissions.

**Grid power with certificates** (non-fossil certificates with tracking, J-credits): the plant
buys grid power and certificates at ``P_cert`` [JPY/kWh] for its whole electricity ``el``
[kWh per kWh of cells]; a buyer then reports that electricity at ``EF_cert`` instead of the
grid factor ``EF_grid`` (market-based reporting). The grid does not change, so this is a
*reported* reduction, not a physical one, and the draft EU footprint rules do not count it::

    CF_cert = CF_grid - el (EF_grid - EF_cert)        premium_cert = el P_cert
    A_cert  = P_cert / (EF_grid - EF_cert) x 1000

The park is compared with the alternatives a plant has to it (:data:`ALTERNATIVES`: grid with
certificates, contracted renewables, contracted nuclear power) in the target year 2030.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import year_index
from chikuden.model import dataflow
from chikuden.model.carbon.power import OPTION_KEYS, at_years, yearly
from chikuden.model.outputs import DEFER_SERIES_FROM, Outputs
from chikuden.parameters.params import Params

TARGET_YEAR = 2030
KG_PER_T = 1000.0
MIN_REDUCTION_KG = 1e-9  # a footprint saved below this [kg CO2e/kWh] is no reduction
CERTIFICATES = "grid_certificates"
CLEAN = (*(k for k in OPTION_KEYS if k != "grid"), CERTIFICATES)
"""Every option with an abatement cost: the registry's options but the grid, then certificates."""
PARK = "clean_park"
ALTERNATIVES = (CERTIFICATES, "ppa_renewables", "nuclear")
"""What a plant can buy instead of building a park, in the order the comparison reads them."""
COMPARED = (PARK, *ALTERNATIVES)


def _premium_key(option: str) -> str:
    """The carbon step's series of an option's premium over the grid [JPY per kWh of cells]."""
    return f"carbon.premium_{option}_jpy_per_kwh"


READS = (
    *(f"carbon.footprint_{k}_kgco2e_per_kwh" for k in OPTION_KEYS),
    *(_premium_key(k) for k in OPTION_KEYS if k != "grid"),
    "carbon.manufacturing_electricity_kwh_per_kwh",
)


# -- equations ------------------------------------------------------------------------------
def abatement_cost(
    premium: NDArray[np.float64] | float, reduction: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Abatement cost [JPY/t CO2e] = premium / (reduction / 1000); NaN without a reduction.

    premium : cost over the grid [JPY per kWh of cells]
    reduction : footprint saved against the grid [kg CO2e per kWh of cells]
    """
    premium = np.asarray(premium, dtype=float)
    reduction = np.asarray(reduction, dtype=float)
    saves = reduction > MIN_REDUCTION_KG
    return np.where(saves, premium * KG_PER_T / np.where(saves, reduction, 1.0), np.nan)


def certificate_reduction(
    electricity: NDArray[np.float64] | float,
    grid_ef: NDArray[np.float64] | float,
    reported_ef: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Footprint a buyer of certificates reports saved [kg CO2e per kWh of cells]
    = el (EF_grid - EF_cert).

    electricity : the plant's electricity [kWh per kWh of cells]
    grid_ef : grid emission factor [kg CO2e/kWh]
    reported_ef : factor the certificates let a buyer report [kg CO2e/kWh]
    """
    return np.asarray(electricity * (grid_ef - reported_ef))


def rank_of(values: NDArray[np.float64], first: int = 0) -> NDArray[np.float64]:
    """Rank [count] of column ``first`` of ``values`` ``(k, options)`` among the columns that
    are not NaN (1 = smallest; ties share the better rank); NaN where it is NaN itself."""
    own = values[:, first : first + 1]
    below = np.sum(np.where(np.isnan(values), False, values < own), axis=1)
    return np.where(np.isnan(own[:, 0]), np.nan, 1.0 + below)


def nan_min(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Smallest value of each row ``(k, options)`` that is not NaN [unit]; NaN if all are."""
    finite = ~np.isnan(values)
    low = np.where(finite, values, np.inf).min(axis=1)
    return np.where(finite.any(axis=1), low, np.nan)


# -- step -----------------------------------------------------------------------------------


def _premium_2030_key(option: str) -> str:
    """The carbon step's indicator of an option's premium in 2030 [JPY per kWh of cells]."""
    if option == PARK:
        return "carbon.clean_power_premium_per_kwh"
    return f"carbon.premium_2030_{option}"


AT_2030 = (
    *(f"carbon.footprint_2030_{k}" for k in OPTION_KEYS),
    *(_premium_2030_key(k) for k in OPTION_KEYS if k != "grid"),
    "carbon.manufacturing_electricity_per_kwh",
)
"""The carbon step's 2030 indicators: its series in 2030."""


def costs(
    p: Params,
    footprint: dict[str, NDArray[np.float64]],
    premium: dict[str, NDArray[np.float64]],
    electricity: NDArray[np.float64],
    years: NDArray[np.intp] | None,
) -> dict[str, NDArray[np.float64]]:
    """The certificates' footprint and premium and every clean option's abatement cost, by
    series key, on the year columns ``years`` of the horizon (None: every year).

    footprint : cradle-to-gate footprint of every option [kg CO2e/kWh], ``(k, years)``
    premium : premium over the grid of every option but the grid [JPY/kWh], ``(k, years)``
    electricity : the plant's electricity [kWh per kWh of cells], ``(k, years)``
    """
    grid_footprint = footprint["grid"]
    cert_reduction = certificate_reduction(
        electricity,
        at_years(yearly(p["carbon.grid_kgco2e_per_kwh"]), years),
        p["carbon.certificate_reported_kgco2e_per_kwh"][:, None],
    )
    cert_premium = electricity * at_years(yearly(p["carbon.certificate_price_jpy_per_kwh"]), years)
    out = {
        "carbon.abatement_certificates_footprint_kgco2e_per_kwh": grid_footprint - cert_reduction,
        "carbon.abatement_certificates_premium_jpy_per_kwh": cert_premium,
    }
    for key in CLEAN:
        if key == CERTIFICATES:
            cost = abatement_cost(cert_premium, cert_reduction)
        else:
            cost = abatement_cost(premium[key], grid_footprint - footprint[key])
        out[f"carbon.abatement_{key}_jpy_per_t"] = cost
    return out


def _from_series(p: Params, out: Outputs) -> dict[str, NDArray[np.float64]]:
    """:func:`costs` on every year, from the carbon step's series."""
    return costs(
        p,
        {k: out.series[f"carbon.footprint_{k}_kgco2e_per_kwh"] for k in OPTION_KEYS},
        {k: out.series[_premium_key(k)] for k in OPTION_KEYS if k != "grid"},
        out.series["carbon.manufacturing_electricity_kwh_per_kwh"],
        None,
    )


@dataflow.step(
    params=("carbon.certificate_*", "carbon.grid_kgco2e_per_kwh"),
    reads=(*READS, *AT_2030),
    writes=("carbon.abatement_*",),
)
def step(p: Params, out: Outputs) -> None:
    """Abatement cost of each clean option by year and in 2030, and the park against the
    alternatives (certificates, PPA, nuclear)."""
    i30 = year_index(TARGET_YEAR)
    ind = out.indicators
    in_2030 = costs(
        p,
        {k: ind[f"carbon.footprint_2030_{k}"][:, None] for k in OPTION_KEYS},
        {k: ind[_premium_2030_key(k)][:, None] for k in OPTION_KEYS if k != "grid"},
        ind["carbon.manufacturing_electricity_per_kwh"][:, None],
        np.array([i30]),
    )
    if p.n < DEFER_SERIES_FROM:
        for key, value in _from_series(p, out).items():
            out.serie(key, value)
    else:
        out.series.defer(tuple(in_2030), lambda: _from_series(p, out))

    at_2030: dict[str, NDArray[np.float64]] = {}
    for key in CLEAN:
        at_2030[key] = in_2030[f"carbon.abatement_{key}_jpy_per_t"][:, 0]
        out.indicator(f"carbon.abatement_2030_{key}", at_2030[key])

    compared = np.stack(np.broadcast_arrays(*(at_2030[k] for k in COMPARED)), axis=1)
    cheapest = nan_min(compared[:, 1:])
    out.indicator("carbon.abatement_2030_park_rank", rank_of(compared))
    out.indicator("carbon.abatement_2030_cheapest_alternative", cheapest)
    out.indicator("carbon.abatement_2030_park_over_cheapest", compared[:, 0] - cheapest)
