"""Charging infrastructure (P5): equations worked by hand, the domain step on the bundled
scenario, batches against single runs, and the `chikuden charging` commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import chikuden
from chikuden.commands.charging import app
from chikuden.model import charging, system
from chikuden.model.charging import queueing
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

runner = CliRunner()


def run_step(*scenarios: chikuden.parameters.scenario.Scenario) -> Outputs:
    # The whole model: charging reads the vehicles domain's fleet.
    return system.run(Params.from_scenarios(list(scenarios)))


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# -- equations ------------------------------------------------------------------------------------
def test_connectors_by_location_by_hand() -> None:
    plugins = np.array([[1_000_000.0, 2_000_000.0]])
    # detached 0.6 x uptake 0.9 = 0.54 per plug-in car -> 540,000 and 1,080,000
    homes = charging.home_connectors(plugins, np.array([0.6]), np.array([0.9]))
    np.testing.assert_allclose(homes, [[540_000.0, 1_080_000.0]])
    # apartments: (1 - 0.6) x 0.1 = 0.04 per car; workplaces 0.02 per car
    apt, work = charging.semi_public_connectors(
        plugins, np.array([0.6]), np.array([0.1]), np.array([0.02])
    )
    np.testing.assert_allclose(apt, [[40_000.0, 80_000.0]])
    np.testing.assert_allclose(work, [[20_000.0, 40_000.0]])


def test_public_connectors_from_afir_power_by_hand() -> None:
    # 1 M BEV x 1.3 kW + 0.5 M PHEV x 0.8 kW = 1.7 GW; 60% fast = 1.02 GW, less 1,000 expressway
    # connectors x 90 kW = 0.09 GW -> 0.93 GW / 80 kW = 11,625 fast; 0.68 GW / 6 kW = 113,333.3
    normal, fast = charging.public_connectors(
        np.array([[1e6]]),
        np.array([[5e5]]),
        np.array([1.3]),
        np.array([0.8]),
        np.array([0.6]),
        np.array([80.0]),
        np.array([6.0]),
        np.array([[1000.0]]),
        np.array([90.0]),
    )
    assert float(fast[0, 0]) == pytest.approx(11_625.0)
    assert float(normal[0, 0]) == pytest.approx(680_000.0 / 6.0)


def test_site_arrivals_by_hand() -> None:
    # Ebina in 2030 by default: 132,715 vehicles/day x 0.10 peak x 0.5 direction
    # x (2.5 M BEV / 78 M vehicles) x 0.1 charging = 21.268 cars/h
    lam = charging.site_arrivals_per_hour(
        np.array([[132_715.0]]),
        np.array([[0.10]]),
        np.array([0.5]),
        np.array([[2.5e6 / 78e6]]),
        np.array([0.1]),
    )
    assert lam.shape == (1, 1, 1)
    assert float(lam[0, 0, 0]) == pytest.approx(132_715 * 0.1 * 0.5 * 2.5 / 78 * 0.1)


def test_the_step_calls_the_tested_arrivals_function(monkeypatch: pytest.MonkeyPatch) -> None:
    # The step must run the equation the test above checks, not a copy of it: its rows are
    # what the function gives for the bundled sites.
    calls: list[np.ndarray] = []
    tested = charging.site_arrivals_per_hour

    def spy(*args: np.ndarray) -> np.ndarray:
        calls.append(tested(*args))
        return calls[-1]

    monkeypatch.setattr(charging, "site_arrivals_per_hour", spy)
    out = run_step(chikuden.load_scenario())
    assert len(calls) == 1
    # Rows with the same traffic (the two carriageways of a section) are computed once: the
    # 18 bundled rows are copies of the function's 8 values, each of them used.
    rows = out.rows["charging.site_arrivals_per_hour_2030"][0]
    computed = calls[0][0, 2030 - 2021, :]
    assert (rows.size, computed.size) == (18, 8)
    assert set(rows.tolist()) == set(computed.tolist())


def test_capex_builds_up_and_is_not_undone_by_a_dip() -> None:
    need = np.zeros((1, 20))
    need[0, :4] = [100.0, 150.0, 120.0, 200.0]
    need[0, 4:] = 200.0
    total, yearly = charging.cumulative_capex({"x": need}, {"x": np.array([10.0])})
    # built over 2021: 0, 50, 50 (the dip keeps what was built), 100 -> x 10 yen
    np.testing.assert_allclose(total[0, :5], [0.0, 500.0, 500.0, 1000.0, 1000.0])
    np.testing.assert_allclose(yearly[0, :5], [0.0, 500.0, 0.0, 500.0, 0.0])


def test_fund_path_and_coverage_by_hand() -> None:
    # 100 bn yen over 2023..2030 = 12.5 bn a year
    fund = charging.fund_path(np.array([1e11]), np.array([2023.0]), np.array([2030.0]))
    assert fund[0, :2].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(fund[0, 2:10], 12.5e9)
    assert fund[0, 10:].sum() == 0.0
    cov = charging.coverage(np.array([0.0, 5.0, 30.0]), np.array([0.0, 10.0, 20.0]))
    np.testing.assert_allclose(cov, [1.0, 0.5, 1.0])


# -- the domain step ------------------------------------------------------------------------------
def test_default_indicators_add_up() -> None:
    out = run_step(chikuden.load_scenario())
    i = 2030 - 2021
    parts = sum(out.series[f"charging.need_{t}"][0, i] for t in charging.PUBLIC_TYPES)
    assert out.indicators["charging.connectors_needed_2030"][0] == pytest.approx(parts)
    sample = out.rows["charging.site_chargers_2030"].sum()
    assert out.indicators["charging.highway_chargers_needed_2030"][0] == sample
    assert out.indicators["charging.highway_network_needed_2030"][0] == pytest.approx(25 * sample)
    cov = out.indicators["charging.fund_coverage"][0]
    assert 0.0 < cov < 1.0
    expected = (
        out.indicators["charging.fund_to_2030_jpy"][0]
        / out.indicators["charging.capex_to_2030_jpy"][0]
    )
    assert cov == pytest.approx(expected)
    # the proposal's fund: 100 bn yen, all paid by 2030
    assert out.indicators["charging.fund_to_2030_jpy"][0] == pytest.approx(1e11)
    # every site meets both design targets
    assert (out.rows["charging.site_wait_probability_2030"] <= 0.05).all()
    assert (out.rows["charging.site_mean_wait_2030_min"] <= 5.0).all()
    assert (out.rows["charging.site_utilisation_2030"] < 1.0).all()


def test_a_busier_site_never_needs_fewer_chargers() -> None:
    out = run_step(chikuden.load_scenario())
    lam = out.rows["charging.site_arrivals_per_hour_2030"][0]
    c = out.rows["charging.site_chargers_2030"][0]
    order = np.argsort(lam, kind="stable")
    assert (np.diff(c[order]) >= 0).all()


def test_a_batch_equals_each_scenario_alone_including_a_shorter_table() -> None:
    base = chikuden.load_scenario()
    rows = [
        {
            "id": "a",
            "name": "A",
            "name_ja": "A",
            "road": "r",
            "direction": "up",
            "section": "s",
            "traffic_per_day": 90000,
            "traffic_basis": "annual-average",
            "traffic_year": 2020,
            "peak_hour_share": 0.12,
            "source": "assumption",
        }
    ]
    scenarios = [
        base,
        base.with_overrides({"charging.highway_deterministic_flag": 1}),
        base.with_overrides(
            {"charging.highway_power_kw": 150, "charging.highway_charge_share": 0.3}
        ),
        base.with_overrides({"charging.service_areas": {"rows": rows}}),
    ]
    batch = run_step(*scenarios)
    for i, s in enumerate(scenarios):
        one = run_step(s)
        for key, arr in one.indicators.items():
            np.testing.assert_array_equal(
                np.broadcast_to(batch.indicators[key], (4,))[i], arr[0], err_msg=key
            )
        for key, arr in one.series.items():
            full = np.broadcast_to(batch.series[key], (4, arr.shape[1]))
            np.testing.assert_array_equal(full[i], arr[0], err_msg=key)
        for key, arr in one.rows.items():
            width = arr.shape[1]
            full = np.broadcast_to(batch.rows[key], (4, batch.rows[key].shape[1]))
            np.testing.assert_array_equal(full[i, :width], arr[0], err_msg=key)
    # M/D/c waits less than M/M/c with the same chargers, so it never needs more
    assert (
        batch.rows["charging.site_chargers_2030"][1] <= batch.rows["charging.site_chargers_2030"][0]
    ).all()


def test_rows_are_sized_once_only_when_traffic_and_peak_share_both_match() -> None:
    base = chikuden.load_scenario()
    row = {
        "name": "A",
        "name_ja": "A",
        "road": "r",
        "direction": "up",
        "section": "s",
        "traffic_per_day": 90000,
        "traffic_basis": "annual-average",
        "traffic_year": 2020,
        "source": "assumption",
    }
    rows = [
        {**row, "id": "a", "peak_hour_share": 0.10},
        {**row, "id": "b", "peak_hour_share": 0.12},  # same traffic, busier peak hour
        {**row, "id": "c", "peak_hour_share": 0.10},  # a copy of a
    ]
    out = run_step(base.with_overrides({"charging.service_areas": {"rows": rows}}))
    lam = out.rows["charging.site_arrivals_per_hour_2030"][0]
    assert lam[0] == lam[2]
    assert lam[1] == pytest.approx(lam[0] * 1.2, rel=1e-15)  # arrivals scale with the peak share
    chargers = out.rows["charging.site_chargers_2030"][0]
    assert chargers[0] == chargers[2] and chargers[1] >= chargers[0]


# -- the command line -----------------------------------------------------------------------------
def test_size_command_as_in_the_issue() -> None:
    code, out, _ = invoke(
        "size",
        "--arrivals-per-hour",
        "24",
        "--energy-kwh",
        "30",
        "--power-kw",
        "90",
        "--max-wait-probability",
        "0.05",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["chargers"] == 14
    assert doc["offered_load_erlang"] == pytest.approx(8.0)
    assert doc["utilisation"] == pytest.approx(8 / 14)
    assert doc["wait_probability"] == pytest.approx(0.03928016, rel=1e-6)
    # mean wait = C s / (c - a) = 0.03928 x 20 min / 6
    assert doc["mean_wait_min"] == pytest.approx(0.03928016 * 20 / 6, rel=1e-6)
    assert doc["minimum_chargers_for_stability"] == 9


def test_size_command_text_and_mean_wait_target() -> None:
    code, out, _ = invoke("size", "--arrivals-per-hour", "24", "--max-mean-wait-min", "1")
    assert code == 0
    assert "mean wait <= 1 min" in out
    assert "P(wait) <=" not in out  # the default P(wait) target applies only without targets
    code, out, _ = invoke("size", "--arrivals-per-hour", "24")
    assert code == 0 and "P(wait) <= 0.05" in out and "chargers           14" in out


def test_wait_command() -> None:
    code, out, _ = invoke("wait", "--chargers", "2", "--arrivals-per-hour", "3", "--energy-kwh",
                          "20", "--power-kw", "60", "--json")  # fmt: skip
    # s = 20 min, a = 1 Erlang on 2 chargers: P(wait) = 1/3, Wq = (1/3) x 20 / 1 min
    assert code == 0
    doc = json.loads(out)
    assert doc["wait_probability"] == pytest.approx(1 / 3)
    assert doc["mean_wait_min"] == pytest.approx(20 / 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["wait", "--chargers", "7", "--arrivals-per-hour", "24"], "at least 9 chargers"),
        (["size", "--arrivals-per-hour", "-5"], "--arrivals-per-hour = '-5' is out of range"),
        (["size", "--arrivals-per-hour", "5", "--max-wait-probability", "1"], "in (0, 1)"),
        (["size", "--arrivals-per-hour", "5", "--max-wait-probability", "0"], "in (0, 1)"),
        (["size", "--arrivals-per-hour", "5", "--power-factor", "1.5"], "--power-factor"),
        (["size", "--arrivals-per-hour", "5", "--energy-kwh", "0"], "--energy-kwh"),
        (["size", "--arrivals-per-hour", "abc"], "--arrivals-per-hour = 'abc' is not a number"),
        (["size", "--arrivals-per-hour", "nan"], "--arrivals-per-hour = 'nan' is not finite"),
        (["size", "--arrivals-per-hour", "5", "--max-mean-wait-min", "inf"], "not finite"),
        (["size", "--arrivals-per-hour", "5", "--model", "mmk"], "'mmk' is not one of"),
        (["wait", "--arrivals-per-hour", "5"], "Missing option '--chargers'"),
        (["wait", "--chargers", "2.5", "--arrivals-per-hour", "1"], "is not a whole number"),
        (["areas", "--set", "charging.highway_charge_share=1.2"], "outside the allowed range"),
        (["areas", "--year", "2050"], "--year = '2050' is out of range; give a whole number in"),
        (["connectors", "--year", "twenty"], "--year = 'twenty' is not a whole number"),
        (
            [
                "areas",
                "--set",
                "charging.service_areas={rows: [{id: x, name: X, name_ja: X, road: r, "
                "direction: up, section: s, traffic_per_day: -10, traffic_basis: annual-average, "
                "traffic_year: 2020, peak_hour_share: 0.1, source: assumption}]}",
            ],
            "traffic_per_day",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke(*args)
    assert code == 2, out
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1
    assert out == ""
    assert list(tmp_path.iterdir()) == []


def test_wait_with_a_hundred_million_chargers_is_refused_with_the_limit() -> None:
    # The review: `charging wait --chargers 100000000 --arrivals-per-hour 1` ran past a minute
    # (one Erlang B step per charger). The count is now checked against queueing.MAX_SERVERS
    # before anything is computed.
    code, out, err = invoke("wait", "--chargers", "100000000", "--arrivals-per-hour", "1")
    assert (code, out) == (2, "")
    assert err == (
        "error: --chargers = '100000000' is out of range; give a whole number in "
        f"1..{queueing.MAX_SERVERS:,}, e.g. 14\n"
    )
    # At the limit the answer comes: 1 car/h of 20 min is 1/3 Erlang; with 100,000 chargers
    # nobody waits (P(wait) underflows to 0) and each charger is busy 1/300,000 of the time.
    code, out, _ = invoke("wait", "--chargers", str(queueing.MAX_SERVERS), "--arrivals-per-hour",
                          "1", "--json")  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert doc["wait_probability"] == 0.0 and doc["mean_wait_min"] == 0.0
    assert doc["utilisation"] == pytest.approx(1 / 300_000, rel=1e-12)


def test_an_overflowing_charging_time_is_refused_not_an_overflow_error() -> None:
    # The review: `size --arrivals-per-hour 100000 --energy-kwh 1e6 --power-kw 1e-300` ended in
    # OverflowError: 1e6 kWh / 1e-300 kW is a session of 1e306 h, an infinite load.
    code, out, err = invoke("size", "--arrivals-per-hour", "100000", "--energy-kwh", "1e6",
                            "--power-kw", "1e-300")  # fmt: skip
    assert (code, out) == (2, "")
    assert err.startswith("error: --energy-kwh / (--power-kw x --power-factor) = 1e+06 / (1e-300")
    assert "charging time of 1e+306 h" in err and "up to 1,000 h" in err
    assert err.count("\n") == 1


def test_an_offered_load_at_the_sizing_limit_is_refused_before_sizing() -> None:
    # 300,000 cars/h x 20 min = 100,000 Erlang: a stable queue needs 100,001 chargers, more
    # than sizing explores (queueing.MAX_SERVERS).
    code, out, err = invoke("size", "--arrivals-per-hour", "300000")
    assert (code, out) == (2, "")
    assert "offered load of 100000 Erlang" in err
    assert f"needs more than {queueing.MAX_SERVERS:,} chargers" in err


def test_full_width_digits_are_refused_as_everywhere() -> None:
    # One number syntax in every option, file and --set value (chikuden.reading.NUMBER_RE).
    code, out, err = invoke("size", "--arrivals-per-hour", "２４")
    assert (code, out) == (2, "")
    assert "--arrivals-per-hour = '２４' is not a number" in err


def test_usage_errors_through_the_main_app_are_one_line() -> None:
    from chikuden.cli import app as main_app

    for args in (
        ["charging", "wait", "--chargers", "5", "--arrivals-per-hour", "1", "--model", "xx"],
        ["charging", "size"],
        ["charging", "size", "--arrivals-per-hour", "1", "--no-such-option"],
    ):
        result = runner.invoke(main_app, args)
        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, args
        assert "see `chikuden charging" in result.stderr


def test_areas_command_matches_the_model() -> None:
    code, out, _ = invoke("areas", "--json")
    assert code == 0
    doc = json.loads(out)
    step = run_step(chikuden.load_scenario())
    assert doc["total_chargers"] == step.indicators["charging.highway_chargers_needed_2030"][0]
    assert len(doc["areas"]) == 18
    ebina = doc["areas"][0]
    assert ebina["name_ja"] == "海老名SA" and ebina["sources"]
    code, out, _ = invoke("areas")
    assert code == 0 and "Ebina SA (up)" in out and "total chargers" in out


def test_areas_command_follows_overrides_and_year() -> None:
    code, out, _ = invoke("areas", "--json", "--year", "2040", "--set",
                          "charging.highway_power_kw=150")  # fmt: skip
    assert code == 0
    faster = json.loads(out)["total_chargers"]
    code, out, _ = invoke("areas", "--json", "--year", "2040")
    assert faster < json.loads(out)["total_chargers"]


def test_connectors_and_corridor_commands() -> None:
    code, out, _ = invoke("connectors", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["target_2030"] == 300_000
    assert set(doc["connectors_by_location"]) == {"homes", *charging.PUBLIC_TYPES}
    assert len(doc["fund_coverage_by_year"]) == 20
    code, out, _ = invoke("connectors")
    assert code == 0 and "coverage" in out
    code, out, _ = invoke("corridor", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["terminals"] == 5 and len(doc["years"]) == 20
    code, out, _ = invoke("corridor")
    assert code == 0 and "MW per terminal" in out


def test_the_sizing_limit_and_session_limit_are_stated_in_the_docs() -> None:
    from chikuden.commands.charging import MAX_SESSION_H

    text = (Path(__file__).parents[1] / "docs" / "charging.md").read_text(encoding="utf-8")
    assert f"below **{queueing.MAX_SERVERS:,} Erlang** (`queueing.MAX_SERVERS`)" in text
    assert f"`MAX_SERVERS` = {queueing.MAX_SERVERS:,} chargers" in text
    assert f"at most {MAX_SESSION_H:,.0f} h (`MAX_SESSION_H`" in text


def test_a_large_batch_sizes_the_years_after_2030_only_when_a_series_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same batch with the series written by the step (every year sized) and deferred (the
    # indicators and per-row outputs from the years to 2030, the series computed when read):
    # every charging output equal bit for bit, and the series pending until read. The fleet and
    # the sizing inputs differ per scenario, so the sites' loads do too.
    rng = np.random.default_rng(15)
    base = chikuden.load_scenario("actual-2025")
    p = Params.from_samples(
        base,
        {
            "vehicles.adoption_steepness_per_year": rng.uniform(0.2, 0.6, 6),
            "charging.highway_power_kw": rng.uniform(90.0, 150.0, 6),
            "charging.highway_charge_share": rng.uniform(0.05, 0.2, 6),
        },
    )
    monkeypatch.setattr(charging, "DEFER_SERIES_FROM", 10**9)
    direct = system.run(p, ["charging.*"])
    assert not direct.series.pending()
    monkeypatch.setattr(charging, "DEFER_SERIES_FROM", 2)
    deferred = system.run(p, ["charging.*"])
    assert set(deferred.series.pending()) == set(charging.SERIES)
    for group in ("indicators", "rows"):
        want, got = getattr(direct, group), getattr(deferred, group)
        keys = [k for k in want if k.startswith("charging.")]
        assert keys and keys == [k for k in got if k.startswith("charging.")]
        for key in keys:
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    for key in charging.SERIES:
        np.testing.assert_array_equal(deferred.series[key], direct.series[key], err_msg=key)
    assert not deferred.series.pending()
