"""Expressway logistics (P6): terminal power and hydrogen worked by hand, the truck shares read
from the vehicles domain, and batches."""

from __future__ import annotations

import numpy as np
import pytest

import chikuden
from chikuden.horizon import N_YEARS, year_index
from chikuden.model import freight, system
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params


def run_step(*scenarios: chikuden.parameters.scenario.Scenario) -> Outputs:
    """The vehicles step (the trucks and buses in use), then the freight step."""
    return system.run(Params.from_scenarios(list(scenarios)), ["freight.*"])


def with_fleet(bev_share: float, fcv_share: float) -> Outputs:
    """Outputs holding a fleet of 1,000,000 trucks and buses with these shares in 2040."""
    out = Outputs()
    fleet = np.full((1, N_YEARS), 1_000_000.0)
    out.series["vehicles.trucks_buses_fleet"] = fleet
    out.series["vehicles.trucks_buses_bev_stock"] = fleet * bev_share
    out.series["vehicles.trucks_buses_fcv_stock"] = fleet * fcv_share
    return out


def test_fleet_shares_by_hand() -> None:
    # 20,000 BEV and 10,000 FCV trucks of 1,000,000: 2% and 1%; an empty fleet has none; a
    # stock above its fleet (sales falling fast) is capped so that the shares add up to 1.
    bev, fcv = freight.fleet_shares(
        np.array([[20_000.0, 5.0, 900.0]]),
        np.array([[10_000.0, 5.0, 300.0]]),
        np.array([[1_000_000.0, 0.0, 1_000.0]]),
    )
    np.testing.assert_allclose(bev, [[0.02, 0.0, 0.9]])
    np.testing.assert_allclose(fcv, [[0.01, 0.0, 0.1]])


def test_the_step_reads_the_vehicles_domains_trucks() -> None:
    # The corridor's shares are the trucks and buses in use: BEV stock / fleet.
    out = run_step(chikuden.load_scenario())
    s = out.series
    share = s["vehicles.trucks_buses_bev_stock"] / s["vehicles.trucks_buses_fleet"]
    np.testing.assert_allclose(s["freight.bev_truck_fleet_share"], share)
    np.testing.assert_allclose(s["freight.ev_trucks_per_day"], 44_000 * 0.35 * share)
    # Later truck adoption in the vehicles domain means fewer electric trucks on the corridor.
    later = run_step(chikuden.load_scenario().with_overrides({"vehicles.adoption_shift_years": 5}))
    i40 = year_index(2040)
    trucks = later.series["freight.ev_trucks_per_day"][0, i40]
    assert trucks < s["freight.ev_trucks_per_day"][0, i40]


def test_platoon_saving_by_hand() -> None:
    # 3 trucks: 2 followers save 10% each -> 2/3 x 10% = 6.67% per truck; half the km in
    # platoons -> 3.33%. A platoon of one saves nothing.
    s = freight.platoon_saving(np.array([3.0, 1.0]), np.array([0.1, 0.1]), np.array([0.5, 1.0]))
    np.testing.assert_allclose(s, [0.1 * 2 / 3 * 0.5, 0.0])


def test_2040_terminal_by_hand() -> None:
    out = with_fleet(0.2, 0.1)
    freight.step(Params.from_scenarios([chikuden.load_scenario()]), out)
    i = 2040 - 2021
    # 44,000 vehicles/day x 35% heavy = 15,400 trucks; 20% electric = 3,080 trucks/day.
    # Each drives the 100 km to the next terminal at 1.03 kWh/km x (1 - 1/30) / 0.92:
    # 3,080 x 1.03 x (29/30) x 100 / 0.92 / 1000 = 333.33 MWh/day; / 24 h x 1.5 = 20.83 MW.
    trucks = 44_000 * 0.35
    energy = trucks * 0.2 * 1.03 * (1 - 1 / 30) * 100 / 0.92 / 1000
    assert out.indicators["freight.heavy_trucks_per_day"][0] == pytest.approx(trucks)
    assert out.series["freight.terminal_energy_mwh_per_day"][0, i] == pytest.approx(energy)
    assert out.indicators["freight.terminal_power_2040_mw"][0] == pytest.approx(energy / 24 * 1.5)
    # 10% fuel cell: 1,540 trucks x 0.09 kg/km x (29/30) x 100 km = 13,398 kg/day
    h2 = trucks * 0.1 * 0.09 * (1 - 1 / 30) * 100
    assert out.indicators["freight.terminal_hydrogen_2040_kg_per_day"][0] == pytest.approx(h2)
    # 500 km / 100 km = 5 terminals; the corridor needs 5x one terminal
    assert out.indicators["freight.terminals"][0] == 5
    assert out.indicators["freight.corridor_power_2040_mw"][0] == pytest.approx(
        5 * energy / 24 * 1.5
    )
    assert out.indicators["freight.corridor_hydrogen_2040_t_per_day"][0] == pytest.approx(
        5 * h2 / 1000
    )


def test_terminal_count_rounds_up_and_the_corridor_total_follows_the_length() -> None:
    base = chikuden.load_scenario()
    out = run_step(base.with_overrides({"freight.terminal_spacing_km": 120}))
    assert out.indicators["freight.terminals"][0] == 5  # ceil(500 / 120)
    # wider spacing: each terminal serves more km, the corridor total is unchanged
    ref = run_step(base)
    np.testing.assert_allclose(
        out.indicators["freight.corridor_power_2040_mw"],
        ref.indicators["freight.corridor_power_2040_mw"],
    )
    assert out.indicators["freight.terminal_power_2040_mw"][0] == pytest.approx(
        1.2 * ref.indicators["freight.terminal_power_2040_mw"][0]
    )


def test_a_batch_equals_each_scenario_alone() -> None:
    base = chikuden.load_scenario()
    scenarios = [
        base,
        base.with_overrides({"freight.platoon_size": 5, "freight.heavy_vehicle_share": 0.5}),
        base.with_overrides({"vehicles.adoption_shift_years": -3}),
    ]
    batch = run_step(*scenarios)
    for i, s in enumerate(scenarios):
        one = run_step(s)
        for key, arr in one.indicators.items():
            np.testing.assert_array_equal(
                np.broadcast_to(batch.indicators[key], (3,))[i], arr[0], err_msg=key
            )
        for key, arr in one.series.items():
            full = np.broadcast_to(batch.series[key], (3, arr.shape[1]))
            np.testing.assert_array_equal(full[i], arr[0], err_msg=key)
