"""Power supply options of a cell plant: emission factor and price per kWh, by year (P2).

The options form a fixed registry (:data:`OPTIONS`); their order is the option axis ``O`` of
every array here. Each option gives, per scenario and year, an emission factor [kg CO2e/kWh],
the factor EU carbon-footprint rules would count [kg CO2e/kWh] and a price [JPY/kWh]:

- ``grid``: the Japanese grid path ``EF_grid(y)`` at price ``P_grid(y)``;
- ``onsite_solar``: a share ``s`` of the load from rooftop solar, the rest from the grid::

      EF = s EF_pv + (1 - s) EF_grid          P = s P_pv + (1 - s) P_grid

- ``ppa_renewables``, ``nuclear``: contracted power at its life-cycle factor and price. EU rules
  count it only if ``eu_counts_contracts_flag`` is 1; otherwise the grid factor applies::

      EF_eu = f EF_contract + (1 - f) EF_grid

- ``h2_grey``, ``h2_blue``, ``h2_green``: a captive hydrogen-fired plant burning hydrogen of
  intensity ``I`` [kg CO2e/kg H2] and price ``P_H2`` [JPY/kg] at efficiency ``eta`` (LHV)::

      EF = I / (LHV eta)                     P = P_H2 / (LHV eta) + P_nonfuel

  with LHV = 33.33 kWh/kg (120 MJ/kg);
- ``clean_park``: a clean battery park (P2): the same hydrogen plant burning low-carbon
  hydrogen at the legal ceiling intensity, co-located with materials plants and supplying the
  process heat as well (see :mod:`chikuden.model.carbon`).

On-site and directly connected generation (solar, hydrogen plants, the park) count under EU
rules as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import N_YEARS
from chikuden.parameters.params import Params

LHV_H2_KWH_PER_KG = 120.0 / 3.6  # lower heating value of hydrogen: 120 MJ/kg = 33.33 kWh/kg
_ONES = np.ones(N_YEARS)
Num = NDArray[np.float64] | float  # an array, or a plain number (tests, the product assessment)


@dataclass(frozen=True)
class PowerOption:
    """One way to power a cell plant."""

    key: str
    label_en: str
    label_ja: str
    contract: bool = False  # counted by EU rules only if contracts are recognised
    park: bool = False  # a clean battery park: co-located materials plants, electrified heat


OPTIONS: tuple[PowerOption, ...] = (
    PowerOption("grid", "Japanese grid", "系統電力"),
    PowerOption("onsite_solar", "Grid with on-site solar", "系統電力＋自家消費太陽光"),
    PowerOption(
        "ppa_renewables", "Contracted renewables (PPA)", "契約再エネ（PPA）", contract=True
    ),
    PowerOption("nuclear", "Contracted nuclear power", "契約原子力", contract=True),
    PowerOption("h2_grey", "Hydrogen power, grey hydrogen", "水素発電（グレー水素）"),
    PowerOption("h2_blue", "Hydrogen power, blue hydrogen", "水素発電（ブルー水素）"),
    PowerOption("h2_green", "Hydrogen power, green hydrogen", "水素発電（グリーン水素）"),
    PowerOption(
        "clean_park",
        "Clean battery park (hydrogen)",
        "クリーン・バッテリー・パーク（水素）",
        park=True,
    ),
)
OPTION_KEYS = tuple(o.key for o in OPTIONS)
GRID = OPTION_KEYS.index("grid")
PARK = OPTION_KEYS.index("clean_park")
PARK_MASK = np.array([o.park for o in OPTIONS], dtype=float)  # (O,)
CONTRACT_MASK = np.array([o.contract for o in OPTIONS], dtype=float)  # (O,)


def hydrogen_power_ef(intensity: Num, efficiency: Num) -> NDArray[np.float64]:
    """Emission factor of hydrogen-fired power [kg CO2e/kWh] = I / (LHV eta).

    intensity : hydrogen emissions [kg CO2e/kg H2]
    efficiency : electric efficiency on the lower heating value [share]
    """
    return np.asarray(intensity / (LHV_H2_KWH_PER_KG * efficiency))


def hydrogen_power_price(price_per_kg: Num, efficiency: Num, nonfuel: Num) -> NDArray[np.float64]:
    """Cost of hydrogen-fired power [JPY/kWh] = P_H2 / (LHV eta) + P_nonfuel.

    price_per_kg : delivered hydrogen price [JPY/kg]
    efficiency : electric efficiency (LHV) [share]
    nonfuel : capital and O&M [JPY/kWh]
    """
    return np.asarray(price_per_kg / (LHV_H2_KWH_PER_KG * efficiency) + nonfuel)


def hydrogen_tonnes(electricity_kwh: Num, efficiency: Num) -> NDArray[np.float64]:
    """Hydrogen burnt to generate ``electricity_kwh`` [t] = E / (LHV eta) / 1000."""
    return np.asarray(electricity_kwh / (LHV_H2_KWH_PER_KG * efficiency) / 1000.0)


def blend(
    share: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``share * a + (1 - share) * b`` [unit of a and b]."""
    return np.asarray(share * a + (1.0 - share) * b)


def yearly(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """A scalar ``(k,)`` or path ``(k, years)`` parameter as ``(k, years)``."""
    return x if x.ndim == 2 else x[:, None] * _ONES


def at_years(x: NDArray[np.float64], years: NDArray[np.intp] | None) -> NDArray[np.float64]:
    """The columns ``years`` (indices into the horizon) of a yearly array ``(..., years)``;
    ``x`` itself when ``years`` is None or ``x`` has one column for every year."""
    return x if years is None or x.shape[-1] == 1 else x[..., years]


@dataclass(frozen=True)
class PowerSupply:
    """Every option's factors and prices, shape ``(k, O, years)``."""

    ef: NDArray[np.float64]  # life-cycle emission factor [kg CO2e/kWh]
    ef_eu: NDArray[np.float64]  # factor EU carbon-footprint rules count [kg CO2e/kWh]
    price: NDArray[np.float64]  # delivered price [JPY/kWh]


def _stack(rows: list[NDArray[np.float64]], options: tuple[int, ...]) -> NDArray[np.float64]:
    """Stack the ``(k_i, years)`` arrays ``rows[o]`` for ``o`` in ``options``, with k_i in
    {1, n}, into ``(n, len(options), years)``."""
    return np.stack(np.broadcast_arrays(*(rows[o] for o in options)), axis=1)


ALL_OPTIONS = tuple(range(len(OPTIONS)))


def power_supply(
    p: Params, years: NDArray[np.intp] | None = None, options: tuple[int, ...] = ALL_OPTIONS
) -> PowerSupply:
    """Emission factors and prices of :data:`OPTIONS` for the batch ``p``.

    years : indices into the horizon of the year columns to give (default: every year)
    options : positions in :data:`OPTIONS` of the options to give, in this order (default:
        every option); each value is the same whichever years and options are given
    """

    def path(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return at_years(yearly(x), years)

    grid_ef = path(p["carbon.grid_kgco2e_per_kwh"])
    grid_price = path(p["carbon.grid_price_jpy_per_kwh"])
    eta = p["carbon.h2_plant_efficiency_share"][:, None]
    nonfuel = p["carbon.h2_plant_nonfuel_jpy_per_kwh"][:, None]
    h2_price = path(p["carbon.h2_price_jpy_per_kg"])
    grey_price = path(p["carbon.h2_grey_price_jpy_per_kg"])
    solar_share = p["carbon.onsite_solar_share"][:, None]
    flag = p["carbon.eu_counts_contracts_flag"][:, None]

    def h2_ef(name: str) -> NDArray[np.float64]:
        return path(hydrogen_power_ef(p[name], eta[:, 0]))

    clean_h2_price = hydrogen_power_price(h2_price, eta, nonfuel)
    ppa_ef = path(p["carbon.ppa_kgco2e_per_kwh"])
    nuclear_ef = path(p["carbon.nuclear_kgco2e_per_kwh"])
    ef = _stack(
        [
            grid_ef,
            blend(solar_share, path(p["carbon.solar_kgco2e_per_kwh"]), grid_ef),
            ppa_ef,
            nuclear_ef,
            h2_ef("carbon.h2_grey_kgco2e_per_kg"),
            h2_ef("carbon.h2_blue_kgco2e_per_kg"),
            h2_ef("carbon.h2_green_kgco2e_per_kg"),
            h2_ef("carbon.park_h2_kgco2e_per_kg"),
        ],
        options,
    )
    # Contracted options count at the grid factor unless EU rules recognise contracts.
    uncounted = CONTRACT_MASK[list(options)][None, :, None] * (1.0 - flag[:, :, None])
    ef_eu = ef + uncounted * (grid_ef[:, None, :] - ef)
    price = _stack(
        [
            grid_price,
            blend(solar_share, path(p["carbon.solar_price_jpy_per_kwh"]), grid_price),
            path(p["carbon.ppa_price_jpy_per_kwh"]),
            path(p["carbon.nuclear_price_jpy_per_kwh"]),
            hydrogen_power_price(grey_price, eta, nonfuel),
            clean_h2_price,
            clean_h2_price,
            clean_h2_price,
        ],
        options,
    )
    return PowerSupply(ef=ef, ef_eu=ef_eu, price=price)
