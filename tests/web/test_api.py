"""The JSON API: every endpoint against the Python API and the CLI, and every bad input of
issue 16's list (out of range, not a number, unknown parameter, malformed JSON or YAML,
oversized, a name that exists) as a 4xx naming the field, with nothing stored."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import make_client
from typer.testing import CliRunner

from chikuden.answers import answers as answered
from chikuden.answers import outputs_needed
from chikuden.api import evaluate, list_scenarios, load_scenario
from chikuden.cli import app as cli
from chikuden.indicators import outputs
from chikuden.parameters.declarations import declarations

SHARE = "targets.japan_share_2030"
CAPACITY = "targets.domestic_capacity_2030"
SUBSIDY = "finance.subsidy_base_rate_share"


def error(response: Any, status: int) -> dict[str, Any]:
    """The error body of ``response``, checked to have ``status`` and the documented shape."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"field", "value", "allowed", "message"}
    assert "\n" not in body["error"]["message"]
    return dict(body["error"])


def saved_names(client: TestClient) -> list[str]:
    return [s["name"] for s in client.get("/api/scenarios").json() if s["kind"] == "saved"]


# -- evaluate, answers, compare -----------------------------------------------------------------


def test_evaluate_moves_the_target_as_worked_by_hand(sqlite_client: TestClient) -> None:
    # The proposal's domestic target: 3,000 GWh market x 20% Japanese share x 25% made in
    # Japan = 150 GWh (P1); at a 30% share: 3,000 x 0.30 x 0.25 = 225 GWh.
    body = {"outputs": [CAPACITY], "parameters": {SHARE: 0.3}}
    doc = sqlite_client.post("/api/evaluate", json=body).json()
    assert doc["outputs"] == {CAPACITY: pytest.approx(225.0)}
    assert doc["formatted"] == {CAPACITY: "225 GWh"}
    default = sqlite_client.post("/api/evaluate", json={"outputs": [CAPACITY]}).json()
    assert default["outputs"][CAPACITY] == pytest.approx(150.0)
    assert default["elapsed_ms"] > 0


def test_evaluate_equals_the_python_api(sqlite_client: TestClient) -> None:
    patterns = ["capacity.*", "finance.fund_balance", "minerals.demand_domestic_t.lithium"]
    values = {SUBSIDY: 0.45, "finance.jpy_per_usd": 120.0}
    doc = sqlite_client.post(
        "/api/evaluate",
        json={"scenario": "actual-2025", "parameters": values, "outputs": patterns},
    ).json()
    scenario = load_scenario("actual-2025", overrides=values)
    res = evaluate(scenario, outputs=[*patterns, *outputs_needed()])
    decls = outputs()
    asked = [k for k in decls if k in res.indicators or k in res.series or k in res.rows]
    expected_keys = {k for k in asked if k.startswith("capacity.")} | {
        "finance.fund_balance",
        "minerals.demand_domestic_t.lithium",
    }
    assert set(doc["outputs"]) == expected_keys
    for key, got in doc["outputs"].items():
        kind = decls[key].kind
        if kind == "indicator":
            want = float(res.indicators[key][0])
            assert got == (want if math.isfinite(want) else None), key
        elif kind == "series":
            assert got["years"] == decls[key].years.tolist()
            assert got["values"] == [
                v if math.isfinite(v) else None for v in res.series[key][0].tolist()
            ], key
        else:
            assert got["values"] == [
                v if math.isfinite(v) else None for v in res.rows[key][0].tolist()
            ], key
    assert doc["answers"] == [a.to_json() for a in answered(res, "en")]


def test_evaluate_in_japanese_formats_and_answers_in_japanese(sqlite_client: TestClient) -> None:
    doc = sqlite_client.post(
        "/api/evaluate", json={"outputs": ["finance.fund_size"], "lang": "ja"}
    ).json()
    # the proposal's fund: 3 trillion yen (P1) = 3兆円
    assert doc["outputs"]["finance.fund_size"] == 3e12
    assert doc["formatted"]["finance.fund_size"] == "3兆円"
    assert (
        doc["answers"][0]["question"]
        == answered(evaluate(load_scenario(), outputs=outputs_needed()), "ja")[0].question
    )


def test_answers_equal_the_cli_json(sqlite_client: TestClient) -> None:
    result = CliRunner().invoke(
        cli, ["answers", "--scenario", "actual-2025", "--set", f"{SUBSIDY}=0.2", "--json"]
    )
    assert result.exit_code == 0, result.output
    cli_doc = json.loads(result.stdout)
    doc = sqlite_client.post(
        "/api/answers", json={"scenario": "actual-2025", "parameters": {SUBSIDY: 0.2}}
    ).json()
    assert doc["answers"] == cli_doc["answers"]
    assert doc["scenario"] == "actual-2025"


def test_compare_gives_each_scenario_what_it_gives_alone(sqlite_client: TestClient) -> None:
    items: list[dict[str, Any]] = [
        {"scenario": "proposal-2022", "parameters": {SHARE: 0.3}},
        {"scenario": "actual-2025"},
        {"scenario": "proposal-2022"},
    ]
    keys = [CAPACITY, "capacity.domestic_2030", "finance.fund_balance"]
    doc = sqlite_client.post("/api/compare", json={"scenarios": items, "outputs": keys}).json()
    assert [s["scenario"] for s in doc["scenarios"]] == [i["scenario"] for i in items]
    for item, got in zip(items, doc["scenarios"], strict=True):
        alone = sqlite_client.post("/api/evaluate", json={**item, "outputs": keys}).json()
        assert got["outputs"] == alone["outputs"]
        assert got["answers"] == alone["answers"]
    assert doc["scenarios"][0]["outputs"][CAPACITY] == pytest.approx(225.0)  # as above


# -- parameters and indicators ----------------------------------------------------------------


def test_parameters_list_every_declared_parameter_with_range_step_and_sources(
    sqlite_client: TestClient,
) -> None:
    levers = sqlite_client.get("/api/parameters").json()
    assert [lever["key"] for lever in levers] == list(declarations())
    subsidy = next(lever for lever in levers if lever["key"] == SUBSIDY)
    assert (subsidy["kind"], subsidy["unit"], subsidy["min"], subsidy["max"]) == (
        "scalar",
        "share",
        0.0,
        1.0,
    )
    assert subsidy["step"] == 0.01  # a hundredth of 0..1
    assert subsidy["default"] == float(declarations()[SUBSIDY].default)
    assert all(s["title"] and s["key"] for s in subsidy["sources"])
    ja = sqlite_client.get("/api/parameters", params={"lang": "ja", "domain": "finance"}).json()
    assert {lever["domain"] for lever in ja} == {"finance"}
    label_ja = next(lever["label"] for lever in ja if lever["key"] == SUBSIDY)
    assert label_ja == declarations()[SUBSIDY].description_ja


def test_indicators_list_every_declared_output(sqlite_client: TestClient) -> None:
    found = sqlite_client.get("/api/indicators").json()
    assert [o["key"] for o in found] == list(outputs())
    capacity = next(o for o in found if o["key"] == CAPACITY)
    assert (capacity["kind"], capacity["unit"], capacity["year"]) == ("indicator", "GWh", 2030)


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        (1.5, "a number in 0..1 [share]"),  # out of range
        (-0.1, "a number in 0..1 [share]"),
        ("0.5", "a number"),  # text, not a number: refused, not converted
        (True, "a number"),
        (None, "a number"),
        ([0.5], "a number"),
    ],
)
def test_a_bad_lever_value_is_a_422_naming_the_parameter(
    sqlite_client: TestClient, value: Any, allowed: str
) -> None:
    e = error(sqlite_client.post("/api/evaluate", json={"parameters": {SUBSIDY: value}}), 422)
    assert e["field"] == f"parameters.{SUBSIDY}"
    assert e["allowed"] == allowed
    assert e["value"] is not None


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_value_that_is_not_finite_is_a_422(sqlite_client: TestClient, text: str) -> None:
    body = f'{{"parameters": {{"{SUBSIDY}": {text}}}}}'.encode()
    response = sqlite_client.post(
        "/api/evaluate", content=body, headers={"content-type": "application/json"}
    )
    e = error(response, 422)
    assert e["field"] == f"parameters.{SUBSIDY}"
    assert "finite" in e["message"]


def test_a_whole_number_parameter_refuses_a_fraction(sqlite_client: TestClient) -> None:
    decl = next(d for d in declarations().values() if d.integer and d.kind == "scalar")
    e = error(
        sqlite_client.post("/api/evaluate", json={"parameters": {decl.name: decl.min + 0.5}}),
        422,
    )
    assert e["field"] == f"parameters.{decl.name}"
    assert "whole number" in e["message"]


def test_an_unknown_parameter_is_a_422_with_a_suggestion(sqlite_client: TestClient) -> None:
    e = error(
        sqlite_client.post("/api/evaluate", json={"parameters": {"targets.japan_share": 0.3}}),
        422,
    )
    assert e["field"] == "parameters.targets.japan_share"
    assert "did you mean 'targets.japan_share_2030'" in e["message"]


def test_a_table_parameter_cannot_be_set_by_a_number(sqlite_client: TestClient) -> None:
    table = next(d.name for d in declarations().values() if d.kind == "table")
    e = error(sqlite_client.post("/api/evaluate", json={"parameters": {table: 1}}), 422)
    assert e["field"] == f"parameters.{table}"
    assert "upload a scenario YAML" in e["message"]


def test_values_that_break_a_rule_between_parameters_are_a_422(sqlite_client: TestClient) -> None:
    # BEV 90% + PHEV's default share > 100% of new passenger cars (rules.yaml)
    body = {
        "parameters": {"vehicles.passenger_bev_share": 0.9, "vehicles.passenger_hev_share": 0.9}
    }
    e = error(sqlite_client.post("/api/evaluate", json=body), 422)
    assert e["field"] == "parameters"
    assert "passenger" in e["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scenario": "proposal-2O22"}, "scenario"),
        ({"outputs": ["finance.fund_balanse"]}, "outputs"),
        ({"lang": "fr"}, "lang"),
        ({"parameter": {}}, "parameter"),
        ({"outputs": "capacity.*"}, "outputs"),
        ({"scenarios": []}, None),
    ],
)
def test_a_bad_field_is_a_422_naming_it(
    sqlite_client: TestClient, body: dict[str, Any], field: str | None
) -> None:
    path = "/api/compare" if "scenarios" in body else "/api/evaluate"
    e = error(sqlite_client.post(path, json=body), 422)
    assert e["field"] == (field or "scenarios")


def test_compare_names_the_scenario_at_fault(sqlite_client: TestClient) -> None:
    body = {"scenarios": [{"scenario": "proposal-2022"}, {"parameters": {SHARE: 2}}]}
    e = error(sqlite_client.post("/api/compare", json=body), 422)
    assert e["field"] == f"scenarios.1.parameters.{SHARE}"


@pytest.mark.parametrize("body", [b'{"outputs": [', b"{'a': 1}", b"\xff\xfe"])
def test_malformed_json_is_a_400(sqlite_client: TestClient, body: bytes) -> None:
    response = sqlite_client.post(
        "/api/evaluate", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text
    assert "error" in response.json()


def test_malformed_json_names_line_and_column(sqlite_client: TestClient) -> None:
    body = b'{\n  "outputs": [\n    "capacity.*",\n  ]\n}'  # a trailing comma on line 3
    e = error(
        sqlite_client.post(
            "/api/evaluate", content=body, headers={"content-type": "application/json"}
        ),
        400,
    )
    assert "line 4, column 3" in e["message"]


def test_an_oversized_body_is_a_413_before_it_is_read(tmp_path: Path) -> None:
    with make_client(f"sqlite:///{tmp_path / 'w.sqlite'}", max_body_bytes=1000) as client:
        big = {"outputs": ["capacity.domestic_2030"] * 60}  # 60 x 26 bytes > 1,000
        e = error(client.post("/api/evaluate", json=big), 413)
        assert e["allowed"] == "at most 1,000 bytes"

        def chunks() -> Any:  # no Content-Length: the limit counts the streamed bytes
            yield b'{"outputs": ['
            for _ in range(100):
                yield b'"capacity.domestic_2030", '
            yield b'"capacity.domestic_2030"]}'

        streamed = client.post(
            "/api/evaluate", content=chunks(), headers={"content-type": "application/json"}
        )
        error(streamed, 413)
        small = client.post("/api/evaluate", json={"outputs": [CAPACITY]})
        assert small.status_code == 200


def test_unknown_routes_and_methods_under_api_are_json(sqlite_client: TestClient) -> None:
    assert "no endpoint /api/nothing" in error(sqlite_client.get("/api/nothing"), 404)["message"]
    error(sqlite_client.get("/api/evaluate"), 405)


# -- saved scenarios ----------------------------------------------------------------------------


def test_save_list_get_and_download_a_scenario(client: TestClient, tmp_path: Path) -> None:
    body = {"name": "share-30", "parameters": {SHARE: 0.3}, "title": "30% share"}
    saved = client.post("/api/scenarios", json=body)
    assert saved.status_code == 201, saved.text
    assert saved.json()["parameters"][SHARE] == 0.3
    assert saved.json()["created_at"] is not None
    listed = client.get("/api/scenarios").json()
    assert [s["name"] for s in listed[: len(list_scenarios())]] == list(list_scenarios())
    mine = listed[-1]
    assert (mine["name"], mine["kind"], mine["base"], mine["title"]) == (
        "share-30",
        "saved",
        "proposal-2022",
        "30% share",
    )
    detail = client.get("/api/scenarios/share-30").json()
    assert detail["parameters"][SHARE] == 0.3
    via_api = client.post(
        "/api/evaluate", json={"scenario": "share-30", "outputs": [CAPACITY, "capacity.*"]}
    ).json()
    assert via_api["outputs"][CAPACITY] == pytest.approx(225.0)  # 3,000 x 0.30 x 0.25
    # the downloaded file runs with the CLI to the same numbers
    download = client.get("/api/scenarios/share-30.yaml")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/yaml")
    path = tmp_path / "share-30.yaml"
    path.write_bytes(download.content)
    result = CliRunner().invoke(cli, ["run", "--scenario", str(path), "--json"])
    assert result.exit_code == 0, result.output
    ran = json.loads(result.stdout)["indicators"]
    for key, value in via_api["outputs"].items():
        if outputs()[key].kind == "indicator":
            assert ran[key]["value"] == value, key


def test_a_scenario_saved_on_a_saved_one_runs_on_its_own(
    client: TestClient, tmp_path: Path
) -> None:
    assert client.post("/api/scenarios", json={"name": "a", "parameters": {SHARE: 0.3}}).is_success
    body = {"name": "b", "base": "a", "parameters": {SUBSIDY: 0.4}}
    assert client.post("/api/scenarios", json=body).status_code == 201
    text = client.get("/api/scenarios/b.yaml").text
    assert "extends: proposal-2022" in text  # a's value copied, not a link to a
    path = tmp_path / "b.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "--scenario", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["indicators"][CAPACITY]["value"] == pytest.approx(225.0)
    assert client.get("/api/scenarios").json()[-1]["base"] == "proposal-2022"


def test_a_bundled_scenario_downloads_as_its_file(sqlite_client: TestClient) -> None:
    from chikuden.data import DATA

    text = sqlite_client.get("/api/scenarios/actual-2025.yaml").text
    assert text == DATA.joinpath("scenarios", "actual-2025.yaml").read_text(encoding="utf-8")
    assert sqlite_client.get("/api/scenarios/actual-2025").json()["kind"] == "bundled"


def test_unknown_scenarios_are_404(sqlite_client: TestClient) -> None:
    assert error(sqlite_client.get("/api/scenarios/nope"), 404)["field"] == "name"
    error(sqlite_client.get("/api/scenarios/nope.yaml"), 404)


def test_a_name_that_exists_is_a_409_and_nothing_changes(client: TestClient) -> None:
    first = {"name": "mine", "parameters": {SHARE: 0.3}}
    assert client.post("/api/scenarios", json=first).status_code == 201
    before = client.get("/api/scenarios/mine.yaml").text
    e = error(client.post("/api/scenarios", json={"name": "mine", "parameters": {}}), 409)
    assert e["field"] == "name"
    assert client.get("/api/scenarios/mine.yaml").text == before
    error(client.post("/api/scenarios", json={"name": "proposal-2022"}), 409)  # bundled
    assert saved_names(client) == ["mine"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "parameters": {SHARE: 1.5}},
        {"name": "x", "parameters": {"nope.nope": 1}},
        {"name": "x", "parameters": {SHARE: "0.3"}},
        {"name": "x", "base": "nope"},
        {"name": "X Y"},
        {
            "name": "x",
            "parameters": {
                "vehicles.passenger_bev_share": 0.9,
                "vehicles.passenger_hev_share": 0.9,
            },
        },
    ],
)
def test_a_bad_save_is_a_422_and_stores_nothing(client: TestClient, body: dict[str, Any]) -> None:
    error(client.post("/api/scenarios", json=body), 422)
    assert saved_names(client) == []


def test_saved_scenarios_outlive_the_app(db_url: str) -> None:
    with make_client(db_url) as one:
        assert one.post("/api/scenarios", json={"name": "kept"}).status_code == 201
        one.app.state.chikuden.store.close()  # type: ignore[attr-defined]
    with make_client(db_url) as two:
        assert saved_names(two) == ["kept"]
        two.app.state.chikuden.store.close()  # type: ignore[attr-defined]


# -- uploads ------------------------------------------------------------------------------------

UPLOAD = f"""\
name: uploaded
extends: proposal-2022
title: {{en: Uploaded, ja: アップロード}}
parameters:
  {SHARE}: 0.3
  {SUBSIDY}: {{value: 0.4, source: assumption, note: "a test"}}
"""


def test_upload_a_yaml_body_or_a_form_file(client: TestClient) -> None:
    body = client.post(
        "/api/scenarios/upload",
        content=UPLOAD.encode(),
        headers={"content-type": "application/yaml"},
    )
    assert body.status_code == 201, body.text
    assert body.json()["parameters"][SUBSIDY] == 0.4
    form = client.post(
        "/api/scenarios/upload",
        params={"name": "as-form"},
        files={"file": ("s.yaml", UPLOAD.encode(), "application/yaml")},
    )
    assert form.status_code == 201, form.text
    assert saved_names(client) == ["as-form", "uploaded"]
    for name in ("uploaded", "as-form"):
        got = client.post("/api/evaluate", json={"scenario": name, "outputs": [CAPACITY]})
        assert got.json()["outputs"][CAPACITY] == pytest.approx(225.0)
    assert "name: as-form" in client.get("/api/scenarios/as-form.yaml").text


def test_the_downloaded_file_uploads_back_to_the_same_numbers(client: TestClient) -> None:
    client.post("/api/scenarios", json={"name": "one", "parameters": {SUBSIDY: 0.41}})
    text = client.get("/api/scenarios/one.yaml").content
    back = client.post(
        "/api/scenarios/upload",
        params={"name": "two"},
        content=text,
        headers={"content-type": "text/plain"},
    )
    assert back.status_code == 201, back.text
    keys = ["finance.*"]
    one = client.post("/api/evaluate", json={"scenario": "one", "outputs": keys}).json()
    two = client.post("/api/evaluate", json={"scenario": "two", "outputs": keys}).json()
    assert one["outputs"] == two["outputs"]


@pytest.mark.parametrize(
    ("text", "status", "says"),
    [
        (b"name: bad\nparameters: [\n", 400, "line 3"),
        (b"name: bad\nparameters:\n  a: 1\n  a: 2\n", 400, "appears twice"),
        (b"\xff\xfename: bad\n", 400, "UTF-16"),
        (b"name: bad\nextends: /etc/passwd\n", 422, "bundled scenario"),
        (b"name: bad\nextends: ../proposal-2022.yaml\n", 422, "bundled scenario"),
        (
            b"name: bad\nparameters:\n  minerals.supply_chain: {csv: /etc/passwd}\n",
            422,
            "csv",
        ),
        (f"name: bad\nparameters:\n  {SHARE}: 1.5\n".encode(), 422, "outside the allowed"),
        (b"name: bad\nparameters:\n  nope.nope: 1\n", 422, "unknown parameter"),
        (b"name: bad\ncolour: red\n", 422, "colour"),
        (b"- a list\n", 422, "name"),
        (b"parameters: {}\n", 422, "name"),
        (b"name: proposal-2022\n", 409, "exists"),
    ],
)
def test_a_bad_upload_is_a_4xx_and_stores_nothing(
    client: TestClient, text: bytes, status: int, says: str
) -> None:
    response = client.post(
        "/api/scenarios/upload", content=text, headers={"content-type": "application/yaml"}
    )
    e = error(response, status)
    assert says in e["message"], e["message"]
    assert saved_names(client) == []


def test_an_upload_of_another_content_type_is_a_415(sqlite_client: TestClient) -> None:
    response = sqlite_client.post(
        "/api/scenarios/upload", content=b"{}", headers={"content-type": "image/png"}
    )
    assert error(response, 415)["field"] == "content-type"


def test_a_saved_value_reads_back_exactly() -> None:
    from chikuden.reading import load_yaml
    from chikuden.web.store import document

    values = {"a": 3500.0, "b": 1e22, "c": 1.5e-7, "d": 0.1, "e": -2e12, "f": 123456789.123}
    doc = load_yaml(document("x", "proposal-2022", "t", values), "saved")
    assert doc["parameters"] == values
    assert "a: 3500\n" in document("x", "proposal-2022", "t", values)


# -- derived levers (issue 16: the fund size) --------------------------------------------------

FUND_TOTAL = "finance.fund_total_jpy"


def test_the_fund_total_scales_the_scenarios_path_as_a_yaml_would(
    sqlite_client: TestClient, tmp_path: Path
) -> None:
    # proposal-2022 appropriates 6,000億円 a year 2022-2026 (3 trillion yen); a total of 4.5
    # trillion scales it by 1.5: 4.5e12 / 5 = 9e11 a year in the same five years, 0 elsewhere.
    # The same numbers as a scenario YAML that says so by hand.
    path = tmp_path / "fund-9e11.yaml"
    path.write_text(
        "name: fund-9e11\nextends: proposal-2022\nparameters:\n"
        '  finance.budget_jpy: "2021:0;2022:9e11;2026:9e11;2027:0"\n',
        encoding="utf-8",
    )
    by_hand = evaluate(load_scenario(str(path)), outputs=["finance.*"])
    body = {"levers": {FUND_TOTAL: 4.5e12}, "outputs": ["finance.*"]}
    doc = sqlite_client.post("/api/evaluate", json=body).json()
    assert doc["outputs"]["finance.fund_size"] == 4.5e12
    for key, value in doc["outputs"].items():
        if outputs()[key].kind == "indicator":
            expected = float(by_hand.indicators[key][0])
            assert value == (expected if math.isfinite(expected) else None), key
    default = sqlite_client.post("/api/evaluate", json={"outputs": ["finance.fund_size"]}).json()
    assert default["outputs"]["finance.fund_size"] == 3e12
    # answers and compare take the lever too
    answered_ = sqlite_client.post("/api/answers", json={"levers": {FUND_TOTAL: 4.5e12}}).json()
    assert answered_["answers"] == doc["answers"]
    compare = {"scenarios": [{"levers": {FUND_TOTAL: 4.5e12}}], "outputs": ["finance.*"]}
    assert (
        sqlite_client.post("/api/compare", json=compare).json()["scenarios"][0]["outputs"]
        == (doc["outputs"])
    )


def test_a_scenario_saved_with_the_fund_lever_runs_to_the_same_numbers(
    client: TestClient, tmp_path: Path
) -> None:
    body = {"name": "fund-45", "levers": {FUND_TOTAL: 4.5e12}}
    assert client.post("/api/scenarios", json=body).status_code == 201
    text = client.get("/api/scenarios/fund-45.yaml").text
    assert FUND_TOTAL not in text  # the file carries the expanded path, not the lever
    path = tmp_path / "fund-45.yaml"
    path.write_text(text, encoding="utf-8")
    budget = load_scenario(str(path)).value("finance.budget_jpy")
    # 2021..2040: 0, then 9e11 for 2022-2026, then 0
    assert budget.tolist() == [0.0] + [9e11] * 5 + [0.0] * 14
    saved = client.post("/api/evaluate", json={"scenario": "fund-45", "outputs": ["finance.*"]})
    moved = client.post(
        "/api/evaluate", json={"levers": {FUND_TOTAL: 4.5e12}, "outputs": ["finance.*"]}
    )
    assert saved.json()["outputs"] == moved.json()["outputs"]


@pytest.mark.parametrize(
    ("levers", "parameters", "field", "says"),
    [
        ({"finance.fund_totl_jpy": 1e12}, {}, "levers.finance.fund_totl_jpy", "unknown lever"),
        ({FUND_TOTAL: -1.0}, {}, f"levers.{FUND_TOTAL}", "outside a number in 0..2e+13"),
        ({FUND_TOTAL: 3e13}, {}, f"levers.{FUND_TOTAL}", "outside a number in 0..2e+13"),
        (
            {FUND_TOTAL: 1e12},
            {"finance.budget_jpy": 1e11},
            "parameters.finance.budget_jpy",
            "set both directly and by the lever",
        ),
    ],
)
def test_a_bad_derived_lever_is_a_422_naming_it(
    sqlite_client: TestClient,
    levers: dict[str, float],
    parameters: dict[str, float],
    field: str,
    says: str,
) -> None:
    body = {"levers": levers, "parameters": parameters}
    found = error(sqlite_client.post("/api/evaluate", json=body), 422)
    assert found["field"] == field and says in found["message"], found


def test_a_fund_total_that_puts_a_year_over_its_range_is_a_422(sqlite_client: TestClient) -> None:
    # actual-2025 appropriates 1e11 + 3.316e11 + 2.658e11 + 2.3e11 + 1.778e11 = 1.1052e12 in
    # 2021-2025; scaled to 2e13, FY2022 gets 3.316e11 x 2e13 / 1.1052e12 = 6.0e12, above
    # budget_jpy's declared 5e12 a year: a 422 naming the parameter.
    body = {"scenario": "actual-2025", "levers": {FUND_TOTAL: 2e13}}
    found = error(sqlite_client.post("/api/evaluate", json=body), 422)
    assert "finance.budget_jpy" in found["message"] and "outside" in found["message"]


def test_a_scenario_that_appropriates_nothing_cannot_be_scaled(client: TestClient) -> None:
    saved = client.post(
        "/api/scenarios", json={"name": "no-fund", "parameters": {"finance.budget_jpy": 0}}
    )
    assert saved.status_code == 201, saved.text
    body = {"scenario": "no-fund", "levers": {FUND_TOTAL: 1e12}}
    found = error(client.post("/api/evaluate", json=body), 400)
    assert found["field"] == f"levers.{FUND_TOTAL}"
    assert "appropriates nothing to scale" in found["message"]


# -- derived levers: the chemistry mix ---------------------------------------------------------

LFP = "minerals.domestic_lfp_share"
MIX = "minerals.domestic_mix_{}_share"


def test_the_lfp_lever_rescales_the_other_chemistries(client: TestClient, tmp_path: Path) -> None:
    body = {"name": "lfp-half", "levers": {LFP: 0.5}}
    assert client.post("/api/scenarios", json=body).status_code == 201
    path = tmp_path / "lfp-half.yaml"
    path.write_text(client.get("/api/scenarios/lfp-half.yaml").text, encoding="utf-8")
    loaded = load_scenario(str(path))
    names = [k for k in declarations() if k.startswith("minerals.domestic_mix_")]
    shares = {k: loaded.value(k) for k in names}
    assert len(shares) == 9
    assert shares[MIX.format("lfp")].tolist() == [0.5] * 20
    total = sum(shares.values())
    assert total == pytest.approx([1.0] * 20, abs=1e-12)  # every year adds up to 1
    # 2030 in minerals.csv: LFP 0.05, NMC811 0.56, NCA 0.24, solid-state 0.07, NMC622 0.05,
    # NMC532 0.03 (the others 0). The others add up to 0.95 and are scaled by 0.5 / 0.95:
    # NMC811 0.28 / 0.95 = 0.29474, NCA 0.12 / 0.95 = 0.12632, solid-state 0.035 / 0.95 =
    # 0.03684, NMC622 0.025 / 0.95 = 0.02632, NMC532 0.015 / 0.95 = 0.01579.
    at = 2030 - 2021
    hand = {"nmc811": 0.28, "nca": 0.12, "solid_state": 0.035, "nmc622": 0.025, "nmc532": 0.015}
    for chem, numerator in hand.items():
        assert shares[MIX.format(chem)][at] == pytest.approx(numerator / 0.95, rel=1e-12), chem
    for chem in ("nmc111", "lmfp", "sodium_ion"):
        assert shares[MIX.format(chem)][at] == 0
    # the saved file and the lever give the same numbers
    keys = ["minerals.*", "carbon.*"]
    saved = client.post("/api/evaluate", json={"scenario": "lfp-half", "outputs": keys})
    moved = client.post("/api/evaluate", json={"levers": {LFP: 0.5}, "outputs": keys})
    assert saved.json()["outputs"] == moved.json()["outputs"]
    default = client.post("/api/evaluate", json={"outputs": keys})
    assert default.json()["outputs"] != moved.json()["outputs"]


@pytest.mark.parametrize(
    ("levers", "parameters", "field", "says"),
    [
        ({LFP: 1.5}, {}, f"levers.{LFP}", "outside a number in 0..1 [share]"),
        (
            {LFP: 0.5},
            {MIX.format("nca"): 0.2},
            f"parameters.{MIX.format('nca')}",
            f"set both directly and by the lever '{LFP}'",
        ),
    ],
)
def test_a_bad_mix_lever_is_a_422_naming_it(
    sqlite_client: TestClient,
    levers: dict[str, float],
    parameters: dict[str, float],
    field: str,
    says: str,
) -> None:
    body = {"levers": levers, "parameters": parameters}
    found = error(sqlite_client.post("/api/evaluate", json=body), 422)
    assert found["field"] == field and says in found["message"], found


def test_a_mix_of_lfp_alone_cannot_take_less_lfp(client: TestClient) -> None:
    only = {k: 0.0 for k in declarations() if k.startswith("minerals.domestic_mix_")}
    only[MIX.format("lfp")] = 1.0
    saved = client.post("/api/scenarios", json={"name": "all-lfp", "parameters": only})
    assert saved.status_code == 201, saved.text
    found = error(
        client.post("/api/evaluate", json={"scenario": "all-lfp", "levers": {LFP: 0.5}}), 400
    )
    assert found["field"] == f"levers.{LFP}"
    assert "other shares of the mix are all 0 in 2021" in found["message"]
    # a share of 1 is what the mix already is: allowed
    same = client.post("/api/evaluate", json={"scenario": "all-lfp", "levers": {LFP: 1.0}})
    assert same.status_code == 200, same.text
