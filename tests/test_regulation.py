"""Battery warehouses (P10) under today's rule and the relaxed rule, worked by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import chikuden
from chikuden.errors import ParameterError
from chikuden.horizon import N_YEARS, year_index
from chikuden.model import regulation, system
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario

I30 = year_index(2030)


def base(**overrides: Any) -> Scenario:
    return chikuden.load_scenario("proposal-2022").with_overrides(overrides)


def run(scenarios: Scenario | list[Scenario]) -> Outputs:
    p = Params.from_scenarios(scenarios if isinstance(scenarios, list) else [scenarios])
    return system.run(p, ["regulation.*"])


def test_warehouses_by_hand() -> None:
    # 73 GWh a year held 30 days: 73 x 30 / 365 = 6 GWh = 6,000,000 kWh.
    # Today's rule: 6e6 / 200 kWh/m² = 30,000 m² -> 30 stores of 1,000 m²; land
    # 30 x (sqrt(1,000) + 2 x 5)² = 30 x 41.623² = 51,975 m².
    # Relaxed rule: 6e6 / 400 = 15,000 m² -> 2 stores of 10,000 m²; land 2 x 110² = 24,200 m².
    p = Params.from_scenarios([base()])
    out = Outputs()
    out.series["capacity.domestic_production_gwh"] = np.full((1, N_YEARS), 73.0)
    regulation.step(p, out)
    ind = out.indicators
    assert ind["regulation.inventory_2030"][0] == pytest.approx(6.0)
    assert ind["regulation.warehouse_area_needed_m2"][0] == pytest.approx(30_000)
    assert ind["regulation.warehouses_today_2030"][0] == 30
    assert ind["regulation.site_area_today_2030_m2"][0] == pytest.approx(30 * (1000**0.5 + 10) ** 2)
    assert ind["regulation.warehouse_area_relaxed_m2"][0] == pytest.approx(15_000)
    assert ind["regulation.warehouses_relaxed_2030"][0] == 2
    assert ind["regulation.site_area_relaxed_2030_m2"][0] == pytest.approx(24_200)


def test_an_exact_multiple_fills_whole_warehouses() -> None:
    assert regulation.warehouses(np.array(4000.0), np.array(1000.0)) == 4
    assert regulation.warehouses(np.array(4000.1), np.array(1000.0)) == 5
    assert regulation.warehouses(np.array(0.0), np.array(1000.0)) == 0


def test_designated_quantity_by_hand() -> None:
    # 1,000 L / 0.5 L per kWh = 2,000 kWh; a full 1,000 m² store at 200 kWh/m² holds
    # 200,000 kWh x 0.5 L = 100,000 L = 100 times the designated quantity.
    out = run(base())
    assert out.indicators["regulation.designated_quantity_kwh"][0] == pytest.approx(2000)
    assert out.indicators["regulation.designated_multiple_per_warehouse"][0] == pytest.approx(100)


def test_default_scenario_is_finite_and_the_relaxed_rule_needs_fewer_stores() -> None:
    out = run(base())
    for key, arr in {**out.indicators, **out.series}.items():
        if key.startswith("regulation."):
            assert np.all(np.isfinite(arr)), key
            assert np.all(arr >= 0.0), key
    s = out.series
    assert np.all(s["regulation.warehouses_relaxed"] <= s["regulation.warehouses_today"])
    assert np.all(s["regulation.site_area_relaxed_m2"] <= s["regulation.site_area_today_m2"])
    # Every store is full except the last one.
    floor, count = s["regulation.floor_area_today_m2"], s["regulation.warehouses_today"]
    assert np.all((count - 1) * 1000 < floor) and np.all(floor <= count * 1000)


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ParameterError, match=r"regulation\.inventory_days"):
        base(**{"regulation.inventory_days": -3})
    with pytest.raises(ParameterError, match=r"regulation\.floor_area_limit_today_m2"):
        base(**{"regulation.floor_area_limit_today_m2": 0})


NUDGEABLE = [
    ("regulation.inventory_days", 5.0, 90.0),
    ("regulation.storage_density_kwh_per_m2", 50.0, 500.0),
    ("regulation.floor_area_limit_relaxed_m2", 1000.0, 50000.0),
]


@settings(max_examples=25, deadline=None)
@example(rows=[(30.0, 200.0, 10000.0), (30.0, 400.0, 1000.0)])  # the relaxed limit at today's
@given(st.lists(st.tuples(*[st.floats(lo, hi) for _, lo, hi in NUDGEABLE]), min_size=2, max_size=3))
def test_batch_equals_one_at_a_time(rows: list[tuple[float, ...]]) -> None:
    scenarios = [
        base(**{name: v for (name, _, _), v in zip(NUDGEABLE, row, strict=True)}) for row in rows
    ]
    batch = run(scenarios)
    for i, s in enumerate(scenarios):
        one = run(s)
        for group, whole in ((one.indicators, batch.indicators), (one.series, batch.series)):
            for key, arr in group.items():
                if key.startswith("regulation."):
                    full = np.broadcast_to(whole[key], (len(scenarios), *arr.shape[1:]))
                    np.testing.assert_array_equal(full[i], arr[0], err_msg=key)
