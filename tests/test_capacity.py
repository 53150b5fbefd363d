"""Capacity from the plant pipeline: ramp-up, delay, realisation, regions and the gap."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import chikuden
from chikuden.cli import app
from chikuden.errors import ChikudenError
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
    # The pipeline of that day: 20 existing + Honda 20 + Toyota 25 + residual 20 + Toyota 9
    # + Nissan 5 (cancelled only in May 2025) + Subaru 16 + Mazda 6.5 = 121.5 GWh.
    r = chikuden.evaluate(
        chikuden.load_scenario("actual-2025", ["capacity.pipeline_date=20240906"])
    )
    assert r.value("capacity.domestic_2030") == 121.5
    assert 115.0 <= r.value("capacity.domestic_2030") <= 125.0


def test_each_scenario_counts_the_plants_announced_by_its_date() -> None:
    # By hand from data/tables/plants-japan-2025.csv (announced, withdrawn; 3-year ramp):
    # proposal-2022 (1 Jun 2022): in Japan only the ~20 GWh existing; abroad Nevada 35, other
    #   10 and Toyota North Carolina's hybrid lines 0.8 (Dec 2021) -> 65.8 GWh worldwide.
    # meti-strategy-2022 (31 Aug 2022): + Kansas 30 (13 Jul 2022), Honda-LGES Ohio 19.6
    #   (40 GWh at Honda's 49%, 29 Aug 2022), Toyota NC BEV lines 6 (31 Aug 2022) -> 121.4;
    #   Japan still 20.
    # actual-2025 (31 Dec 2025): Japan 121.5 - 5 (Nissan, withdrawn 9 May 2025) = 116.5;
    #   abroad 35 + 30 + 10 + 0.8 + 6 + 24 (Toyota NC, Oct 2023, from 2027) + 19.6 + Honda
    #   Ontario 36 x 1/3 (first ramp year 2030) x 0.5 (announced) = 131.4; Panasonic's
    #   undated 120 GWh (withdrawn June 2024) is out.
    want = {
        "proposal-2022": (20.0, 65.8),
        "meti-strategy-2022": (20.0, 121.4),
        "actual-2025": (116.5, 247.9),
    }
    results = chikuden.evaluate([chikuden.load_scenario(name) for name in want])
    for i, (domestic, world) in enumerate(want.values()):
        assert results.value("capacity.domestic_2030", i) == pytest.approx(domestic)
        assert results.value("capacity.japan_global_2030", i) == pytest.approx(world)
    # the gap to 150 GWh: 130, 130 and 33.5 (the 2022 scenarios no longer count the plants
    # certified in 2023-2024)
    gaps = [results.value("capacity.domestic_gap_2030", i) for i in range(3)]
    assert gaps == pytest.approx([130.0, 130.0, 33.5])


def dated(
    pid: str, gwh: float, status: str, announced: int, withdrawn: int = 99991231
) -> dict[str, Any]:
    return plant(pid, gwh, 2020, status=status) | {"announced": announced, "withdrawn": withdrawn}


def test_pipeline_date_keeps_rows_announced_by_then_and_not_withdrawn() -> None:
    rows = [
        dated("old", 10, "existing", 20100101),
        dated("a", 20, "certified", 20220601),  # announced on the pipeline date: in
        dated("b", 40, "certified", 20220602),  # a day later: out
        dated("c", 80, "certified", 20200101, withdrawn=20220601),  # withdrawn that day: out
        dated("d", 160, "certified", 20200101, withdrawn=20220602),  # withdrawn later: in
    ]
    r = run(rows, "capacity.pipeline_date=20220601")
    # 10 + 20 + 160 = 190 GWh, every plant started in 2020 (full by 2022)
    assert r.value("capacity.domestic_2030") == 190.0
    assert list(r.rows["capacity.plant_expected_share"][0]) == [1.0, 1.0, 0.0, 0.0, 1.0]
    assert list(r.rows["capacity.plant_gwh_2030"][0]) == [10.0, 20.0, 0.0, 0.0, 160.0]
    # the same table seen a year later: b is in, c stays out, d (withdrawn 2 Jun 2022) is out
    later = run(rows, "capacity.pipeline_date=20230601")
    assert later.value("capacity.domestic_2030") == 10 + 20 + 40


def test_announced_plans_count_at_their_own_realisation_share() -> None:
    rows = [
        dated("existing", 10, "existing", 20100101),
        dated("certified", 20, "certified", 20100101),
        dated("announced", 40, "announced", 20100101),
    ]
    r = run(
        rows,
        "capacity.realisation_share=0.8",
        "capacity.announced_realisation_share=0.25",
    )
    # 10 x 1 + 20 x 0.8 + 40 x 0.25 = 10 + 16 + 10 = 36 GWh
    assert r.value("capacity.domestic_2030") == 36.0
    assert list(r.rows["capacity.plant_expected_share"][0]) == [1.0, 0.8, 0.25]


def test_the_fund_sees_the_same_pipeline() -> None:
    # Subsidies certified for the plants of each scenario's pipeline (data/tables, 億円):
    # none by 1 June 2022; by the end of 2025 Honda 1,587 + Toyota 1,178 + Toyota 856
    # + Subaru 1,564 + Mazda 283 + materials 259 + 95 + 219 = 6,041 (Nissan's 557 withdrawn).
    results = chikuden.evaluate(
        [chikuden.load_scenario("proposal-2022"), chikuden.load_scenario("actual-2025")]
    )
    assert results.value("finance.subsidy_certified_total", 0) == 0.0
    assert results.value("finance.subsidy_certified_total", 1) == pytest.approx(604.1e9)
    # Nissan's plant has no expected subsidy in actual-2025
    ids = [row["id"] for row in results.params.table_values["capacity.plants"][0].rows]
    nissan = ids.index("nissan-lfp")
    assert results.rows["capacity.plant_expected_share"][1][nissan] == 0.0


def test_a_plan_withdrawn_before_it_was_announced_is_refused() -> None:
    rows = [dated("x", 10, "certified", 20240101, withdrawn=20230101)]
    with pytest.raises(ChikudenError, match="announced") as err:
        run(rows)
    assert "\n" not in str(err.value)


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


def owned(pid: str, gwh: float, region: str, japan_share: float) -> dict[str, Any]:
    return plant(pid, gwh, 2015, region=region, status="existing") | {"japan_share": japan_share}


def test_a_joint_venture_counts_at_equity_or_in_full() -> None:
    # Two plants producing since 2015 (full in 2030): 100 GWh of a Japanese firm in Japan and a
    # 40 GWh joint venture in the US, 49% Japanese (as Honda-LGES Ohio). Target 600 GWh.
    rows = [owned("jp", 100, "JP", 1.0), owned("jv", 40, "US", 0.49)]
    eq = run(rows)
    # at equity (default): 100 + 40 x 0.49 = 100 + 19.6 = 119.6; gap 600 - 119.6 = 480.4
    # in full: 100 + 40 = 140; gap 600 - 140 = 460; the partner's part 140 - 119.6 = 20.4
    assert eq.value("capacity.japan_global_2030") == pytest.approx(119.6)
    assert eq.value("capacity.japan_global_equity_2030") == pytest.approx(119.6)
    assert eq.value("capacity.japan_global_full_2030") == pytest.approx(140.0)
    assert eq.value("capacity.japan_global_jv_partners_2030") == pytest.approx(20.4)
    assert eq.value("capacity.japan_global_gap_equity_2030") == pytest.approx(480.4)
    assert eq.value("capacity.japan_global_gap_full_2030") == pytest.approx(460.0)
    assert eq.value("capacity.japan_global_gap_2030") == pytest.approx(480.4)
    assert at(eq, "capacity.region_us_gwh", 2030) == pytest.approx(19.6)
    assert eq.value("capacity.overseas_2030") == pytest.approx(19.6)
    assert list(eq.rows["capacity.plant_japan_counted_share"][0]) == [1.0, 0.49]
    assert eq.rows["capacity.plant_gwh_2030"][0] == pytest.approx([100.0, 19.6])
    # in full: the scenario's own figure is 140 (gap 460); the two answers are the same
    full = run(rows, "capacity.jv_in_full_flag=1")
    assert full.value("capacity.japan_global_2030") == pytest.approx(140.0)
    assert full.value("capacity.japan_global_gap_2030") == pytest.approx(460.0)
    assert full.value("capacity.overseas_2030") == pytest.approx(40.0)
    assert at(full, "capacity.japan_global_production_gwh", 2030) == pytest.approx(140.0 * 0.8)
    for key in (
        "capacity.japan_global_equity_2030",
        "capacity.japan_global_full_2030",
        "capacity.japan_global_jv_partners_2030",
        "capacity.japan_global_gap_equity_2030",
        "capacity.japan_global_gap_full_2030",
    ):
        assert full.value(key) == pytest.approx(eq.value(key)), key
    # capacity in Japan is 100 either way
    assert eq.value("capacity.domestic_2030") == full.value("capacity.domestic_2030") == 100.0


def test_a_plant_in_japan_without_a_japanese_owner_counts_in_japan_only() -> None:
    # A foreign firm's 30 GWh plant in Japan (japan_share 0) beside a Japanese firm's 50 GWh
    # plant in the US: capacity in Japan 30 (in full, whoever owns it); Japanese firms'
    # capacity 50 at equity and in full (a plant with no Japanese owner counts 0 either way);
    # overseas 50 - 0 (Japanese firms' part in Japan) = 50.
    rows = [owned("foreign", 30, "JP", 0.0), owned("us", 50, "US", 1.0)]
    for flag in ("0", "1"):
        r = run(rows, f"capacity.jv_in_full_flag={flag}")
        assert r.value("capacity.domestic_2030") == 30.0
        assert r.value("capacity.domestic_production_2030") == pytest.approx(30.0 * 0.8)
        assert r.value("capacity.japan_global_2030") == 50.0
        assert r.value("capacity.japan_global_full_2030") == 50.0
        assert r.value("capacity.japan_global_jv_partners_2030") == 0.0
        assert r.value("capacity.overseas_2030") == 50.0
        assert at(r, "capacity.region_jp_gwh", 2030) == 0.0


def test_two_countings_in_one_batch_equal_each_alone() -> None:
    rows = [owned("jp", 100, "JP", 1.0), owned("jv", 40, "US", 0.49)]
    scenarios = [
        chikuden.load_scenario("proposal-2022", {"capacity.plants": {"rows": rows}}),
        chikuden.load_scenario("proposal-2022", {"capacity.plants": {"rows": rows}}),
    ]
    scenarios[1] = scenarios[1].with_overrides(["capacity.jv_in_full_flag=1"])
    batch = chikuden.evaluate(scenarios)
    for i, s in enumerate(scenarios):
        one = chikuden.evaluate(s)
        for key, arr in one.indicators.items():
            if key.startswith("capacity."):
                np.testing.assert_array_equal(batch.indicators[key][i], arr[0], key)
    assert batch.value("capacity.japan_global_2030", 1) == pytest.approx(140.0)


def test_the_bundled_joint_venture_at_equity_and_in_full() -> None:
    # data/tables: Honda-LGES Ohio, 40 GWh from 2026 (full by 2028), Honda 49%. At equity it
    # adds 19.6 GWh (meti-strategy-2022: 121.4, as before the choice existed), in full 40:
    # 121.4 + 40 - 19.6 = 141.8; gap to 600: 478.6 at equity, 458.2 in full.
    r = chikuden.evaluate(chikuden.load_scenario("meti-strategy-2022"))
    assert r.value("capacity.japan_global_2030") == pytest.approx(121.4)
    assert r.value("capacity.japan_global_full_2030") == pytest.approx(141.8)
    assert r.value("capacity.japan_global_jv_partners_2030") == pytest.approx(20.4)
    assert r.value("capacity.japan_global_gap_equity_2030") == pytest.approx(478.6)
    assert r.value("capacity.japan_global_gap_full_2030") == pytest.approx(458.2)


@pytest.mark.parametrize("bad", ["1.5", "-0.1"])
def test_an_ownership_share_outside_0_1_is_refused_in_one_line(bad: str) -> None:
    rows = [owned("jv", 40, "US", float(bad))]
    with pytest.raises(ChikudenError, match="japan_share") as err:
        run(rows)
    assert "\n" not in str(err.value)


def test_bad_ownership_input_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "jv.yaml"
    path.write_text(
        "name: jv\nextends: proposal-2022\nparameters:\n  capacity.plants:\n    rows:\n"
        "    - {id: jv, company: c, site: s, region: US, stage: cells, status: existing,"
        " gwh: 40, start_year: 2015, source: assumption, japan_share: 1.5}\n",
        encoding="utf-8",
    )
    for args, named in (
        (["-s", str(path)], "column japan_share = 1.5 is outside 0..1"),
        (["-s", "proposal-2022", "--set", "capacity.jv_in_full_flag=2"], "outside the allowed"),
    ):
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["run", *args, "-o", str(out)])
        assert result.exit_code == 2, result.output
        assert named in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert not out.exists()
