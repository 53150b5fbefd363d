"""Resilience: the backup energy of vehicles and storage against a past outage (P4, P7).

The proposal expects electric vehicles (P4) and stationary storage (P7) to serve as emergency
power in a disaster. A past event sets the scenario: ``H`` affected households (the largest
outage, in customers), an outage of ``T`` days. The affected area holds a share of the
nation's vehicles and storage::

    a = min(i * H / N, 1)        N: households in Japan, i: the area's equipment per household
                                 relative to the national average (1: as many as on average)

and the energy it can supply in the outage [GWh] is that share of the road fleet's disaster
backup ``F(y)`` (the vehicles step: V2X-capable vehicles, the usable part of their batteries
and hydrogen) plus the usable share ``u`` of the household and C&I storage installed ``S(y)``
(the stationary step, the target's scope; grid-scale storage does not feed a house cut off
from the grid, base-station batteries keep the network up)::

    V(y) = a * F(y)        St(y) = a * u * S(y)        B(y) = V(y) + St(y)

Against the affected households' daily need ``D = H * e`` [kWh per day], ``e`` the
household use per day (the vehicles domain's figure), it gives ``days(y) = B(y) / D`` days
of supply; the event is covered in the first year ``days(y) >= T``. The same energy keeps
``H * days(y) / T = B(y) / (e * T)`` households supplied for the whole outage. With ``i = 1`` (and
``H <= N``) the size of the event cancels out: ``days = (F + u S) / (N e)``, the nation's
backup over the nation's daily household use; ``H`` sets the energy of the area and its need.
Solar panels recharging storage and vehicles during a long outage are left out (a lower bound).
"""

from __future__ import annotations

import numpy as np

from chikuden.horizon import year_index
from chikuden.model import dataflow
from chikuden.model.capacity import first_year_at_or_above
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

TARGET_YEAR = 2030
KWH_PER_GWH = 1e6


@dataflow.step(
    params=("resilience.*", "vehicles.household_kwh_per_day"),
    reads=("vehicles.fleet_backup_energy_gwh", "stationary.cumulative_target_scope_gwh"),
    writes=("resilience.*",),
)
def step(p: Params, out: Outputs) -> None:
    households = p["resilience.event_households"]
    share = np.minimum(
        p["resilience.area_equipment_index"] * households / p["resilience.national_households"],
        1.0,
    )[:, None]
    vehicles = share * out.series["vehicles.fleet_backup_energy_gwh"]
    storage = (
        share
        * p["resilience.storage_usable_share"][:, None]
        * out.series["stationary.cumulative_target_scope_gwh"]
    )
    backup = vehicles + storage
    need = households * p["vehicles.household_kwh_per_day"] / KWH_PER_GWH  # GWh per day
    days = backup / need[:, None]
    outage = p["resilience.event_outage_days"]

    i30 = year_index(TARGET_YEAR)
    out.serie("resilience.area_vehicle_backup_gwh", vehicles)
    out.serie("resilience.area_storage_backup_gwh", storage)
    out.serie("resilience.area_backup_energy_gwh", backup)
    out.serie("resilience.days_of_supply", days)
    out.indicator("resilience.area_backup_energy_2030", backup[:, i30])
    out.indicator("resilience.daily_need", need)
    out.indicator("resilience.days_of_supply_2030", days[:, i30])
    out.indicator("resilience.event_outage_days", outage)
    out.indicator("resilience.outage_coverage_2030", days[:, i30] / outage)
    out.indicator("resilience.households_covered_2030", households * days[:, i30] / outage)
    out.indicator("resilience.year_outage_covered", first_year_at_or_above(days, outage))
