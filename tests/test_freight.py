"""Expressway logistics (P6): terminal power and hydrogen worked by hand, and batches."""

from __future__ import annotations

import numpy as np
import pytest

import chikuden
from chikuden.model import freight
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params


def run_step(*scenarios: chikuden.parameters.scenario.Scenario) -> Outputs:
    out = Outputs()
    freight.step(Params.from_scenarios(list(scenarios)), out)
    return out


def test_platoon_saving_by_hand() -> None:
    # 3 trucks: 2 followers save 10% each -> 2/3 x 10% = 6.67% per truck; half the km in
    # platoons -> 3.33%. A platoon of one saves nothing.
    s = freight.platoon_saving(np.array([3.0, 1.0]), np.array([0.1, 0.1]), np.array([0.5, 1.0]))
    np.testing.assert_allclose(s, [0.1 * 2 / 3 * 0.5, 0.0])


def test_default_2040_terminal_by_hand() -> None:
    out = run_step(chikuden.load_scenario())
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
        base.with_overrides({"freight.bev_truck_share": {2021: 0, 2030: 0.2}}),
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
