"""Market and targets: the proposal's P1 arithmetic, and the demand path worked by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import chikuden
from chikuden.errors import ChikudenError
from chikuden.horizon import YEARS
from chikuden.model.market import required_capacity, segment_demand, target_share, total_demand


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


def test_required_capacity_for_targets_in_gwh_by_hand() -> None:
    demand = np.array([[3000.0, 4150.0, 5000.0]])
    g, d = required_capacity(
        demand,
        np.array([0.0]),
        np.array([0.8]),
        np.array([0.0]),
        np.array([600.0]),
        np.array([150.0]),
    )
    # a target in GWh is 600 and 150 whatever the market and the utilisation
    assert g.tolist() == [[600.0, 600.0, 600.0]] and d.tolist() == [[150.0, 150.0, 150.0]]


def test_target_share_of_a_gwh_target_by_hand() -> None:
    # 600 GWh of capacity at 80% utilisation make 480 GWh: 480 / 3,000 = 16% of the market;
    # a share target is itself; without a market a GWh target is 0% of it.
    got = target_share(
        np.array([0.0, 0.2, 0.0]),
        np.array([600.0, 0.0, 600.0]),
        np.array([3000.0, 3000.0, 0.0]),
        np.array([0.8, 0.8, 0.8]),
    )
    assert got.tolist() == [0.16, 0.2, 0.0]


def test_absolute_targets_stay_absolute_when_the_market_changes() -> None:
    # The issue: actual-2025 held 600 / 4,150 as a share, so a larger market raised the target.
    # Its targets are now in GWh: with a 5,000 GWh market they stay 600 and 150 GWh, and their
    # share of the market falls to 600 / 5,000 = 12%.
    bigger = ["market.demand_2030_gwh=5000"]
    actual = chikuden.evaluate(chikuden.load_scenario("actual-2025", bigger))
    assert actual.value("targets.japan_global_capacity_2030") == 600.0
    assert actual.value("targets.domestic_capacity_2030") == 150.0
    assert actual.value("targets.japan_share_2030") == 600.0 / 5000.0
    # METI's strategy states GWh too; the proposal states a share, which moves with the market:
    # 20% x 5,000 = 1,000 GWh, a quarter of it in Japan = 250 GWh.
    meti = chikuden.evaluate(chikuden.load_scenario("meti-strategy-2022", bigger))
    assert meti.value("targets.japan_global_capacity_2030") == 600.0
    proposal = chikuden.evaluate(chikuden.load_scenario("proposal-2022", bigger))
    assert proposal.value("targets.japan_global_capacity_2030") == 1000.0
    assert proposal.value("targets.domestic_capacity_2030") == 250.0
    # the bundled numbers themselves: 600 and 150 GWh in all three scenarios, exactly
    for name in ("proposal-2022", "meti-strategy-2022", "actual-2025"):
        r = chikuden.evaluate(chikuden.load_scenario(name))
        assert r.value("targets.japan_global_capacity_2030") == 600.0, name
        assert r.value("targets.domestic_capacity_2030") == 150.0, name
    # a GWh target is the same line in every year; a share target follows the market
    flat = actual.series["targets.japan_global_required_gwh"][0]
    assert np.all(flat == 600.0)


@pytest.mark.parametrize(
    ("scenario", "sets", "names"),
    [
        (
            "actual-2025",
            ["targets.japan_share_2030=0.25"],
            ("targets.japan_share_2030", "targets.japan_global_gwh_2030"),
        ),
        (
            "proposal-2022",
            ["targets.domestic_gwh_2030=150"],
            ("targets.domestic_fraction_share", "targets.domestic_gwh_2030"),
        ),
    ],
)
def test_a_target_given_as_a_share_and_in_gwh_is_refused(
    scenario: str, sets: list[str], names: tuple[str, str], tmp_path: Path
) -> None:
    with pytest.raises(ChikudenError) as err:
        chikuden.load_scenario(scenario, sets)
    text = str(err.value)
    assert "\n" not in text and all(n in text for n in names) and "set the others to 0" in text
    # the CLI: one line, exit code 2, nothing written
    from chikuden.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", "--scenario", scenario, "--set", sets[0], "--out", str(out)]
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and names[1] in result.output
    assert not out.exists()
    # giving the other kind as 0 is accepted
    other = names[1] if "share" in sets[0] else names[0]
    chikuden.load_scenario(scenario, [*sets, f"{other}=0"])
