"""Capacity from the plant pipeline: ramp-up, delay, realisation, regions and the gap."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import chikuden
from chikuden.horizon import YEARS
from chikuden.model import capacity
from chikuden.model.capacity import first_year_at_or_above, ramp


def plant(
    pid: str, gwh: float, start: int, region: str = "JP", status: str = "certified"
) -> dict[str, Any]:
    return {
        "id": pid,
        "company": "c",
        "site": "s",
        "region": region,
        "stage": "cells",
        "status": status,
        "gwh": gwh,
        "start_year": start,
        "source": "assumption",
    }


def run(rows: list[dict[str, Any]], *sets: str) -> chikuden.Results:
    s = chikuden.load_scenario("proposal-2022", {"capacity.plants": {"rows": rows}})
    if sets:
        s = s.with_overrides(list(sets))
    return chikuden.evaluate(s)


def at(r: chikuden.Results, key: str, year: int) -> float:
    return float(r.series[key][0, YEARS.tolist().index(year)])


def test_ramp_by_hand() -> None:
    # Three ramp years: 1/3 in the first year, 2/3 in the second, full from the third.
    got = ramp(np.array([-1.0, 0.0, 1.0, 2.0, 5.0]), np.array([3.0]))
    assert np.allclose(got, [0.0, 1 / 3, 2 / 3, 1.0, 1.0])


def test_pipeline_with_ramp_delay_and_realisation() -> None:
    rows = [plant("old", 20, 2015, status="existing"), plant("new", 30, 2027)]
    r = run(rows, "capacity.ramp_years=3")
    # 2027: 20 + 30/3 = 30; 2028: 20 + 20 = 40; 2029 on: 50.
    assert at(r, "capacity.domestic_gwh", 2027) == 30.0
    assert at(r, "capacity.domestic_gwh", 2028) == 40.0
    assert at(r, "capacity.domestic_gwh", 2030) == 50.0
    # Gap to 150 in 2030: 100.
    assert r.value("capacity.domestic_gap_2030") == 100.0
    # A two-year delay moves the new plant to 2029 (1/3 -> 2029: 30, 2030: 40), not the old one.
    d = run(rows, "capacity.delay_years=2")
    assert (
        at(d, "capacity.domestic_gwh", 2029) == 30.0 and d.value("capacity.domestic_2030") == 40.0
    )
    # Realisation 0.5 halves only the planned plant: 20 + 15 = 35 in 2030.
    h = run(rows, "capacity.realisation_share=0.5")
    assert h.value("capacity.domestic_2030") == 35.0


def test_regions_and_global_capacity() -> None:
    rows = [
        plant("jp", 100, 2015, status="existing"),
        plant("us", 50, 2015, region="US", status="existing"),
    ]
    r = run(rows)
    assert r.value("capacity.domestic_2030") == 100.0
    assert r.value("capacity.japan_global_2030") == 150.0
    assert r.value("capacity.overseas_2030") == 50.0
    # Global gap to 600: 450. Production at 80% utilisation: 80 GWh in Japan.
    assert r.value("capacity.japan_global_gap_2030") == 450.0
    assert math.isclose(r.value("capacity.domestic_production_2030"), 80.0)


def test_materials_plants_add_no_cell_capacity() -> None:
    row = plant("cam", 0, 2026) | {"stage": "materials"}
    r = run([plant("jp", 10, 2015, status="existing"), row])
    assert r.value("capacity.domestic_2030") == 10.0


def test_first_year_at_target() -> None:
    series = np.array([[10.0] * 5 + [150.0] * 15, [10.0] * 20])
    got = first_year_at_or_above(series, np.array([150.0, 150.0]))
    assert got[0] == 2026 and np.isnan(got[1])


def test_bundled_pipeline_matches_metis_120_gwh() -> None:
    # METI (6 Sep 2024): domestic capacity would reach ~120 GWh if all certified plans are built.
    r = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    assert 115.0 <= r.value("capacity.domestic_2030") <= 125.0
    assert r.value("capacity.domestic_gap_2030") > 0.0


def test_scenarios_with_their_own_plants_in_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each scenario's own table is summed row by row with region masks, in chunks of 2
    # scenarios; every number equals the scenario evaluated alone.
    monkeypatch.setattr(capacity, "CHUNK", 2)
    tables = [
        [plant("old", 20, 2015, status="existing"), plant("new", 30, 2027)],
        [plant("us", 7, 2026, region="US"), plant("eu", 3, 2029, region="EU")],
        [plant("a", 11, 2024, region="ASIA", status="existing"), plant("b", 5, 2028)],
    ]
    scenarios = [
        chikuden.load_scenario("proposal-2022", {"capacity.plants": {"rows": rows}})
        for rows in tables
    ]
    scenarios[0] = scenarios[0].with_overrides({"capacity.delay_years": 1.5})
    batch = chikuden.evaluate(scenarios)
    for i, s in enumerate(scenarios):
        one = chikuden.evaluate(s)
        for key, arr in one.series.items():
            if key.startswith("capacity."):
                np.testing.assert_array_equal(batch.series[key][i], arr[0], key)
        for key, arr in one.indicators.items():
            if key.startswith("capacity."):
                np.testing.assert_array_equal(batch.indicators[key][i], arr[0], key)
    # by hand, scenario 0: the new plant starts in 2027 + 1.5 = 2028.5; in 2029 it has run
    # 0.5 years: ramp (0.5 + 1) / 3 = 0.5 -> 20 + 30 x 0.5 = 35 GWh
    assert at(batch, "capacity.domestic_gwh", 2029) == 35.0
    assert batch.series["capacity.region_eu_gwh"][1][-1] == 3.0
