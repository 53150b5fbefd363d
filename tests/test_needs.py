"""Needs (issue 13): what the 2030 targets need beside projected production, by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import chikuden
from chikuden.horizon import N_YEARS
from chikuden.model import needs
from chikuden.model.chemistry import CHEMISTRIES
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params


def params(**overrides: Any) -> Params:
    scenario = chikuden.load_scenario("proposal-2022").with_overrides(overrides)
    return Params.from_scenarios([scenario])


def flat(value: float) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A series holding ``value`` in every year, one scenario."""
    return np.full((1, N_YEARS), value)


# Every cell NMC811 (0.1 kg Li, 0.658 kg Ni per kWh: the bundled intensity table, BatPaC),
# yield 0.8, utilisation 0.8; 20 kWh of electricity per kWh of cell; a clean park burning
# 30,000 t of hydrogen for 20 GWh (1,500 t per GWh); 80,000 m3 of water per GWh, 4 ha per
# GWh/yr; people per GWh: cells 100, materials 80 (half in Japan), minerals 30 (a fifth in
# Japan), development 20, older lines staffed like new ones; capital 40 billion JPY per GWh.
HAND: dict[str, Any] = {
    **{
        f"minerals.{s}_mix_{c}_share": float(c == "nmc811")
        for s in ("domestic", "global")
        for c in CHEMISTRIES
    },
    "minerals.cell_yield_share": 0.8,
    "capacity.utilisation_share": 0.8,
    "carbon.park_production_gwh": 20,
    "needs.water_m3_per_gwh": 80_000,
    "needs.land_ha_per_gwh": 4,
    "workforce.cells_people_per_gwh": 100,
    "workforce.materials_people_per_gwh": 80,
    "workforce.materials_domestic_share": 0.5,
    "workforce.minerals_people_per_gwh": 30,
    "workforce.minerals_domestic_share": 0.2,
    "workforce.rd_people_per_gwh": 20,
    "workforce.legacy_staffing_ratio": 1,
}


def hand_outputs() -> Outputs:
    """Targets 150 and 600 GWh; projected capacity 50 and 200 GWh making 40 and 160 GWh."""
    out = Outputs()
    out.indicators["targets.domestic_capacity_2030"] = np.array([150.0])
    out.indicators["targets.japan_global_capacity_2030"] = np.array([600.0])
    out.series["capacity.domestic_gwh"] = flat(50.0)
    out.series["capacity.japan_global_gwh"] = flat(200.0)
    out.series["capacity.domestic_production_gwh"] = flat(40.0)
    out.series["capacity.japan_global_production_gwh"] = flat(160.0)
    out.indicators["carbon.manufacturing_electricity_per_kwh"] = np.array([20.0])
    out.indicators["carbon.hydrogen_demand_2030"] = np.array([30_000.0])
    out.indicators["finance.capital_need_per_gwh"] = np.array([4e10])
    return out


def test_domestic_needs_by_hand() -> None:
    out = hand_outputs()
    needs.step(params(**HAND), out)
    got = out.indicators
    # Target: 150 GWh of capacity at utilisation 0.8 makes 120 GWh.
    assert got["needs.target_production_domestic_2030"][0] == pytest.approx(120.0)
    # Lithium: 0.1 kg/kWh = 100 t/GWh, / yield 0.8 = 125 t/GWh; 120 x 125 = 15,000 t;
    # as LCE 15,000 x 5.323 = 79,845 t. Projected 40 x 125 = 5,000 t; gap 10,000 t.
    assert got["needs.target_domestic_2030.lithium"][0] == pytest.approx(15_000.0)
    assert got["needs.target_domestic_2030.lithium_lce"][0] == pytest.approx(79_845.0)
    assert got["needs.projected_domestic_2030.lithium"][0] == pytest.approx(5_000.0)
    assert got["needs.gap_domestic_2030.lithium"][0] == pytest.approx(10_000.0)
    # Nickel: 658 t/GWh / 0.8 = 822.5 t/GWh; 120 x 822.5 = 98,700 t.
    assert got["needs.target_domestic_2030.nickel"][0] == pytest.approx(98_700.0)
    # Electricity: 120 GWh x 20 kWh/kWh = 2,400 GWh = 2.4 TWh; projected 40 x 20 = 0.8 TWh.
    assert got["needs.target_domestic_2030.electricity"][0] == pytest.approx(2.4)
    assert got["needs.gap_domestic_2030.electricity"][0] == pytest.approx(1.6)
    # Hydrogen: 30,000 t / 20 GWh = 1,500 t/GWh; 120 x 1,500 = 180,000 t.
    assert got["needs.target_domestic_2030.hydrogen"][0] == pytest.approx(180_000.0)
    # Water 120 x 80,000 = 9.6 million m3; land 150 x 4 = 600 ha (capacity, not production).
    assert got["needs.target_domestic_2030.water"][0] == pytest.approx(9.6e6)
    assert got["needs.target_domestic_2030.land"][0] == pytest.approx(600.0)
    assert got["needs.projected_domestic_2030.land"][0] == pytest.approx(200.0)
    # People per GWh of capacity: 100 + 80 x 0.5 + 30 x 0.2 + 20 = 166; 150 x 166 = 24,900;
    # projected 50 x 166 = 8,300; gap 16,600.
    assert got["needs.target_domestic_2030.people"][0] == pytest.approx(24_900.0)
    assert got["needs.projected_domestic_2030.people"][0] == pytest.approx(8_300.0)
    assert got["needs.gap_domestic_2030.people"][0] == pytest.approx(16_600.0)
    # Capital: 150 x 40 billion = 6 trillion JPY; gap (150 - 50) x 40 billion = 4 trillion.
    assert got["needs.target_domestic_2030.capital"][0] == pytest.approx(6e12)
    assert got["needs.gap_domestic_2030.capital"][0] == pytest.approx(4e12)


def test_global_needs_by_hand() -> None:
    out = hand_outputs()
    needs.step(params(**HAND), out)
    got = out.indicators
    # 600 GWh at 0.8 makes 480 GWh: lithium 480 x 125 = 60,000 t; projected 160 x 125 = 20,000.
    assert got["needs.target_production_global_2030"][0] == pytest.approx(480.0)
    assert got["needs.target_global_2030.lithium"][0] == pytest.approx(60_000.0)
    assert got["needs.gap_global_2030.lithium"][0] == pytest.approx(40_000.0)
    # People: cell making and development only, 100 + 20 = 120 per GWh; 600 x 120 = 72,000,
    # projected 200 x 120 = 24,000.
    assert got["needs.target_global_2030.people"][0] == pytest.approx(72_000.0)
    assert got["needs.projected_global_2030.people"][0] == pytest.approx(24_000.0)
    # Land 600 x 4 = 2,400 ha; water 480 x 80,000 = 38.4 million m3; capital 600 x 40 bn.
    assert got["needs.target_global_2030.land"][0] == pytest.approx(2_400.0)
    assert got["needs.target_global_2030.water"][0] == pytest.approx(3.84e7)
    assert got["needs.target_global_2030.capital"][0] == pytest.approx(2.4e13)


def test_no_park_production_leaves_hydrogen_undefined() -> None:
    out = hand_outputs()
    needs.step(params(**{**HAND, "carbon.park_production_gwh": 0}), out)
    assert np.isnan(out.indicators["needs.target_domestic_2030.hydrogen"][0])
    assert np.isnan(out.indicators["needs.gap_global_2030.hydrogen"][0])
    assert out.indicators["needs.target_domestic_2030.water"][0] == pytest.approx(9.6e6)


def test_projected_needs_are_the_domains_own_figures() -> None:
    # One figure, one place: the projected domestic needs equal what the minerals, carbon and
    # workforce domains report for 2030, and the target's production is capacity x utilisation.
    res = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    got = res.indicators
    for m in ("lithium", "nickel", "cobalt", "manganese", "graphite", "lithium_lce"):
        assert got[f"needs.projected_domestic_2030.{m}"][0] == pytest.approx(
            got[f"minerals.demand_domestic_2030.{m}"][0]
        )
        assert got[f"needs.projected_global_2030.{m}"][0] == pytest.approx(
            got[f"minerals.demand_global_2030.{m}"][0]
        )
    assert got["needs.projected_domestic_2030.hydrogen"][0] == pytest.approx(
        got["carbon.hydrogen_demand_domestic_2030"][0]
    )
    assert got["needs.projected_domestic_2030.people"][0] == pytest.approx(
        got["workforce.people_needed_2030"][0]
    )
    assert got["needs.projected_domestic_2030.electricity"][0] == pytest.approx(
        got["capacity.domestic_production_2030"][0]
        * got["carbon.manufacturing_electricity_per_kwh"][0]
        / 1000.0
    )
    # The proposal's 150 GWh at the default utilisation 0.8: 120 GWh.
    assert got["needs.target_production_domestic_2030"][0] == pytest.approx(
        got["targets.domestic_capacity_2030"][0] * 0.8
    )
