"""Market and targets: the proposal's P1 arithmetic, and the demand path worked by hand."""

from __future__ import annotations

import math

import numpy as np

import chikuden
from chikuden.horizon import YEARS
from chikuden.model.market import required_capacity, segment_demand, total_demand


def at(series: np.ndarray, year: int) -> float:
    return float(series[0, YEARS.tolist().index(year)])


def test_total_demand_by_hand() -> None:
    d = total_demand(np.array([300.0]), np.array([3000.0]), np.array([0.1]))
    # 2021: the base, 300. 2030: 3000.
    assert at(d, 2021) == 300.0 and math.isclose(at(d, 2030), 3000.0)
    # 2025: 300 * 10 ** (4/9) = 300 * 2.78256 = 834.77
    assert math.isclose(at(d, 2025), 834.768, rel_tol=1e-5)
    # 2032: 3000 * 1.1 ** 2 = 3630
    assert math.isclose(at(d, 2032), 3630.0)


def test_segments_add_up_and_scale_when_shares_overflow() -> None:
    total = np.array([[100.0, 200.0]])
    ev, st_, other = segment_demand(total, np.array([[0.1, 0.7]]), np.array([[0.2, 0.6]]))
    # Year 1: 10 stationary, 20 other, 70 EV.
    assert (ev[0, 0], st_[0, 0], other[0, 0]) == (70.0, 10.0, 20.0)
    # Year 2: shares add to 1.3 -> scaled to 0.7/1.3 and 0.6/1.3; EV 0.
    assert math.isclose(st_[0, 1], 200 * 0.7 / 1.3) and math.isclose(other[0, 1], 200 * 0.6 / 1.3)
    assert math.isclose(ev[0, 1], 0.0, abs_tol=1e-9)


def test_required_capacity_by_hand() -> None:
    g, d = required_capacity(
        np.array([[3000.0]]), np.array([0.2]), np.array([0.8]), np.array([0.25])
    )
    # 0.2 * 3000 / 0.8 = 750 worldwide; a quarter in Japan = 187.5.
    assert g[0, 0] == 750.0 and d[0, 0] == 187.5


def test_proposal_numbers_p1() -> None:
    r = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    # P1: ~3,000 GWh in 2030, about 10x today; 20% share; 600 GWh worldwide; 150 GWh in Japan.
    assert r.value("market.global_demand_2030") == 3000.0
    assert math.isclose(r.value("market.growth_2030_vs_2021"), 10.0)
    assert r.value("targets.japan_share_2030") == 0.2
    assert r.value("targets.japan_global_capacity_2030") == 600.0
    assert r.value("targets.domestic_capacity_2030") == 150.0
    assert "proposal-2022:P1" in r.sources("targets.domestic_capacity_2030")


def test_utilisation_turns_production_share_into_more_capacity() -> None:
    r = chikuden.evaluate(
        chikuden.load_scenario("proposal-2022", ["targets.capacity_utilisation_share=0.8"])
    )
    assert r.value("targets.japan_global_capacity_2030") == 750.0
    assert r.value("targets.domestic_capacity_2030") == 187.5
