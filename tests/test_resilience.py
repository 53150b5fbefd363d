"""Resilience (P4, P7): backup energy in the area of a past outage, against numbers by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import chikuden
from chikuden.horizon import N_YEARS, YEARS, year_index
from chikuden.model import resilience, system
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

I30 = year_index(2030)


def params(**overrides: Any) -> Params:
    scenario = chikuden.load_scenario("proposal-2022").with_overrides(overrides)
    return Params.from_scenarios([scenario])


def with_backup(fleet_gwh: NDArray[np.float64], storage_gwh: float) -> Outputs:
    """Outputs holding the fleet's disaster backup and the storage installed [GWh]."""
    out = Outputs()
    out.series["vehicles.fleet_backup_energy_gwh"] = fleet_gwh[None, :]
    out.series["stationary.cumulative_target_scope_gwh"] = np.full((1, N_YEARS), storage_gwh)
    return out


# A fleet backup of 10 GWh per year since 2020 (100 GWh in 2030), 20 GWh of storage; an area
# of 5 of Japan's 50 million households (share 0.1), half the storage usable, 10 kWh a day.
FLEET: NDArray[np.float64] = 10.0 * (YEARS.astype(np.float64) - 2020.0)
HAND = {
    "resilience.event_households": 5_000_000,
    "resilience.national_households": 50_000_000,
    "resilience.area_equipment_index": 1,
    "resilience.storage_usable_share": 0.5,
    "vehicles.household_kwh_per_day": 10,
}


def test_backup_and_days_by_hand() -> None:
    p = params(**HAND, **{"resilience.event_outage_days": 0.29})
    out = with_backup(FLEET, 20.0)
    resilience.step(p, out)
    # 2030: vehicles 0.1 x 100 = 10 GWh, storage 0.1 x 0.5 x 20 = 1 GWh, together 11 GWh.
    assert out.series["resilience.area_vehicle_backup_gwh"][0, I30] == pytest.approx(10.0)
    assert out.series["resilience.area_storage_backup_gwh"][0, I30] == pytest.approx(1.0)
    assert out.indicators["resilience.area_backup_energy_2030"][0] == pytest.approx(11.0)
    # Need: 5,000,000 x 10 kWh = 50 GWh a day; 11 / 50 = 0.22 days of supply.
    assert out.indicators["resilience.daily_need"][0] == pytest.approx(50.0)
    assert out.indicators["resilience.days_of_supply_2030"][0] == pytest.approx(0.22)
    # Against an outage of 0.29 days: 0.22 / 0.29 = 0.7586; 11 GWh keeps 11e6 kWh /
    # (10 kWh x 0.29 days) = 3,793,103 households supplied for the whole outage.
    assert out.indicators["resilience.event_outage_days"][0] == 0.29
    assert out.indicators["resilience.outage_coverage_2030"][0] == pytest.approx(0.22 / 0.29)
    assert out.indicators["resilience.households_covered_2030"][0] == pytest.approx(3_793_103.4)
    # days(y) = 0.1 x (10 (y - 2020) + 10) / 50 = (y - 2019) / 50: 2033 gives 0.28 < 0.29,
    # 2034 gives 0.30, the first year the outage is covered.
    days = out.series["resilience.days_of_supply"][0]
    assert days[year_index(2033)] == pytest.approx(0.28)
    assert days[year_index(2034)] == pytest.approx(0.30)
    assert out.indicators["resilience.year_outage_covered"][0] == 2034


def test_an_outage_longer_than_the_backup_is_not_covered() -> None:
    # The default two days: days(2040) = 21 / 50 = 0.42 < 2, never on the horizon.
    p = params(**HAND)
    out = with_backup(FLEET, 20.0)
    resilience.step(p, out)
    assert out.series["resilience.days_of_supply"][0, -1] == pytest.approx(0.42)
    assert np.isnan(out.indicators["resilience.year_outage_covered"][0])


def test_the_area_holds_at_most_the_whole_nation() -> None:
    # 10 million households with 10 times the national equipment: 10 x 10 / 50 = 2, held
    # at 1: the area has the nation's 100 + 0.5 x 20 = 110 GWh in 2030, for 10e6 x 10 kWh
    # = 100 GWh a day: 1.1 days.
    p = params(
        **{**HAND, "resilience.event_households": 10_000_000, "resilience.area_equipment_index": 10}
    )
    out = with_backup(FLEET, 20.0)
    resilience.step(p, out)
    assert out.indicators["resilience.area_backup_energy_2030"][0] == pytest.approx(110.0)
    assert out.indicators["resilience.days_of_supply_2030"][0] == pytest.approx(1.1)


def test_with_national_equipment_the_size_of_the_event_cancels_out() -> None:
    # days = a F / (H e) with a = H / N: the same for 1 and 5 million households.
    small = params(**{**HAND, "resilience.event_households": 1_000_000})
    large = params(**HAND)
    days = []
    for p in (small, large):
        out = with_backup(FLEET, 20.0)
        resilience.step(p, out)
        days.append(out.series["resilience.days_of_supply"][0])
    np.testing.assert_allclose(days[0], days[1], rtol=1e-12)


def test_defaults_are_the_nations_backup_over_its_daily_household_use() -> None:
    # The 2018 Hokkaido blackout (2.95 million of 55,719,562 households), national equipment:
    # days = (F + 0.5 S) / (55,719,562 x 11.4 kWh = 635.2 GWh a day), whatever F and S the
    # vehicles and stationary steps give; in proposal-2022 F(2030) = 31.66 GWh and S(2030) =
    # 15.29 GWh: (31.66 + 7.64) / 635.2 = 0.0619 days, 2.95e6 / 55.72e6 x 39.30 = 2.08 GWh.
    p = params()
    out = system.run(p, ["resilience.*"])
    fleet = out.series["vehicles.fleet_backup_energy_gwh"][0, I30]
    storage = out.series["stationary.cumulative_target_scope_gwh"][0, I30]
    national = 55_719_562 * 11.4 / 1e6
    assert national == pytest.approx(635.2, abs=0.05)
    days = out.indicators["resilience.days_of_supply_2030"][0]
    assert days == pytest.approx((fleet + 0.5 * storage) / national)
    assert days == pytest.approx(0.0619, abs=5e-5)
    energy = out.indicators["resilience.area_backup_energy_2030"][0]
    assert energy == pytest.approx(2_950_000 / 55_719_562 * (fleet + 0.5 * storage))
    assert out.indicators["resilience.daily_need"][0] == pytest.approx(33.63)
    assert out.indicators["resilience.event_outage_days"][0] == 2
