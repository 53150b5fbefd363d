"""Next-generation expressway logistics (P6): power and hydrogen at corridor terminals.

Battery-electric (EV) and fuel-cell (FCV) heavy trucks run in platoons around the clock on
an expressway corridor (default: Tokyo-Osaka on the Shin-Tomei); terminals near interchanges,
``spacing`` km apart, replace the energy the trucks use between two terminals.

Equations (years y; arrays with a leading scenario axis; the truck flow is two-way, so a
terminal serves both directions):

- heavy trucks per day on the corridor: ``N = traffic * heavy_share`` [trucks/day];
  ``N_ev(y) = N * ev_share(y)``, ``N_fcv(y) = N * fcv_share(y)``, where the shares are those
  of the battery-electric and fuel-cell trucks and buses in use in Japan (the vehicles
  domain's stock over its fleet; the corridor's trucks are taken to electrify as the fleet);
- platooning lowers the mean energy per km: a platoon of ``n`` trucks has ``n - 1``
  followers saving ``s_f`` each, on the share ``q`` of truck-km driven in platoons::

      saving = q * s_f * (n - 1) / n

- energy a terminal delivers per day [MWh/day] and the power it needs [MW]::

      E_t(y) = N_ev(y) * e_km * (1 - saving) * spacing / eta / 1000
      P_t(y) = E_t(y) / 24 h * peak_factor

- hydrogen a terminal dispenses per day [kg/day]::

      H_t(y) = N_fcv(y) * h_km * (1 - saving) * spacing

- the corridor has ``ceil(length / spacing)`` terminals; corridor totals scale the per-terminal
  figures by ``length / spacing`` (the energy used over the corridor's length).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import year_index
from chikuden.model import dataflow
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

TARGET_YEAR = 2030
LATE_YEAR = 2040
HOURS_PER_DAY = 24.0


def fleet_shares(
    bev_stock: NDArray[np.float64], fcv_stock: NDArray[np.float64], fleet: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Battery-electric and fuel-cell shares of a fleet [share], each ``(k, years)``.

    bev_stock, fcv_stock, fleet : vehicles in use [vehicles], ``(k, years)``. A share is 0
    where the fleet is empty and never above 1 (the fleet is sales x mean life, the stock a
    vintage sum: with sales falling fast the two can cross).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        bev = np.where(fleet > 0, np.minimum(bev_stock / fleet, 1.0), 0.0)
        fcv = np.where(fleet > 0, np.minimum(fcv_stock / fleet, 1.0 - bev), 0.0)
    return bev, fcv


def platoon_saving(
    size: NDArray[np.float64],
    follower_saving: NDArray[np.float64],
    participation: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Mean energy saving of platooning over all truck-km [share].

    size : trucks per platoon [count]; follower_saving : saving of each follower [share];
    participation : share of truck-km driven in platoons [share]. All ``(k,)``.
    """
    return participation * follower_saving * (size - 1.0) / np.maximum(size, 1.0)


def terminal_energy_mwh_per_day(
    ev_trucks_per_day: NDArray[np.float64],
    energy_kwh_per_km: NDArray[np.float64],
    saving: NDArray[np.float64],
    spacing_km: NDArray[np.float64],
    efficiency: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Electricity one terminal delivers per day [MWh/day], ``(k, years)``.

    ev_trucks_per_day : battery-electric trucks passing per day [trucks/day], ``(k, years)``
    energy_kwh_per_km : driving energy [kWh/km]; saving [share]; spacing_km [km];
    efficiency : grid to battery [share]; all ``(k,)``.
    """
    per_truck = energy_kwh_per_km * (1.0 - saving) * spacing_km / efficiency / 1000.0
    return ev_trucks_per_day * per_truck[:, None]


def terminal_power_mw(
    energy_mwh_per_day: NDArray[np.float64], peak_factor: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Peak power of a terminal operating 24 hours [MW], ``(k, years)``."""
    return energy_mwh_per_day / HOURS_PER_DAY * peak_factor[:, None]


def terminal_hydrogen_kg_per_day(
    fcv_trucks_per_day: NDArray[np.float64],
    hydrogen_kg_per_km: NDArray[np.float64],
    saving: NDArray[np.float64],
    spacing_km: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Hydrogen one terminal dispenses per day [kg/day], ``(k, years)``."""
    return fcv_trucks_per_day * (hydrogen_kg_per_km * (1.0 - saving) * spacing_km)[:, None]


@dataflow.step(
    params=("freight.*",),
    reads=(
        "vehicles.trucks_buses_bev_stock",
        "vehicles.trucks_buses_fcv_stock",
        "vehicles.trucks_buses_fleet",
    ),
    writes=("freight.*",),
)
def step(p: Params, out: Outputs) -> None:
    i30, i40 = year_index(TARGET_YEAR), year_index(LATE_YEAR)
    trucks = p["freight.corridor_vehicles_per_day"] * p["freight.heavy_vehicle_share"]
    bev_share, fcv_share = fleet_shares(
        out.series["vehicles.trucks_buses_bev_stock"],
        out.series["vehicles.trucks_buses_fcv_stock"],
        out.series["vehicles.trucks_buses_fleet"],
    )
    ev_trucks = trucks[:, None] * bev_share
    fcv_trucks = trucks[:, None] * fcv_share
    saving = platoon_saving(
        p["freight.platoon_size"],
        p["freight.platoon_follower_saving_share"],
        p["freight.platoon_participation_share"],
    )
    spacing = p["freight.terminal_spacing_km"]
    energy = terminal_energy_mwh_per_day(
        ev_trucks,
        p["freight.bev_truck_energy_kwh_per_km"],
        saving,
        spacing,
        p["freight.charging_efficiency_share"],
    )
    power = terminal_power_mw(energy, p["freight.terminal_peak_factor"])
    hydrogen = terminal_hydrogen_kg_per_day(
        fcv_trucks, p["freight.fcv_truck_hydrogen_kg_per_km"], saving, spacing
    )
    stretches = p["freight.corridor_length_km"] / spacing

    out.serie("freight.bev_truck_fleet_share", bev_share)
    out.serie("freight.fcv_truck_fleet_share", fcv_share)
    out.serie("freight.ev_trucks_per_day", ev_trucks)
    out.serie("freight.fcv_trucks_per_day", fcv_trucks)
    out.serie("freight.terminal_energy_mwh_per_day", energy)
    out.serie("freight.terminal_power_yearly_mw", power)
    out.serie("freight.terminal_hydrogen_yearly_kg_per_day", hydrogen)
    out.serie("freight.corridor_power_yearly_mw", power * stretches[:, None])
    out.indicator("freight.heavy_trucks_per_day", trucks)
    out.indicator("freight.platoon_saving_share", saving)
    out.indicator("freight.terminals", np.ceil(stretches - 1e-9))
    out.indicator("freight.terminal_power_mw", power[:, i30])
    out.indicator("freight.terminal_power_2040_mw", power[:, i40])
    out.indicator("freight.terminal_hydrogen_kg_per_day", hydrogen[:, i30])
    out.indicator("freight.terminal_hydrogen_2040_kg_per_day", hydrogen[:, i40])
    out.indicator("freight.corridor_power_2040_mw", power[:, i40] * stretches)
    out.indicator("freight.corridor_hydrogen_2040_t_per_day", hydrogen[:, i40] * stretches / 1000.0)
