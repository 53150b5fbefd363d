"""The uncertainty analyses and the fund optimiser through the web (chikuden.web.analyses):
a run started by the API gives the numbers of `chikuden run --uncertainty` with the same
samples and seed, the page shows it again from its address, an uploaded uncertainty.json is
drawn (a malformed or foreign one is a 400 naming what is wrong), the bounds of
web/analyses.yaml are 422s naming the field, and /optimize gives `chikuden optimize --json`'s
numbers and, when infeasible, the CLI's binding constraints."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chikuden.cli import app as cli
from chikuden.web.analyses import AnalysesDeclarationError, limits, parse_limits, runs
from chikuden.web.jobs import Runs

SUBSIDY = "finance.subsidy_base_rate_share"
FUND_TOTAL = "finance.fund_total_jpy"
SAMPLES = 200  # the CLI's minimum is 20; 200 keeps each run well under a second of the model


def _wait(client: TestClient, rid: str) -> dict[str, Any]:
    app = client.app
    run = app.state.uncertainty_runs.wait(rid, timeout=120)  # type: ignore[attr-defined]
    assert run.status == "done", run.error
    doc: dict[str, Any] = client.get(f"/api/uncertainty/runs/{rid}").json()
    return doc


def _cli_uncertainty(args: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["run", *args, "--uncertainty", "--json"])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)["uncertainty"]
    return doc


@pytest.mark.parametrize(
    ("body", "cli_args"),
    [
        ({"parameters": {SUBSIDY: 0.8}}, ["--set", f"{SUBSIDY}=0.8"]),
        # the fund's total as a derived lever is proposal-2022's 6e11 a year 2022-2026 scaled
        # to 4.5e12 / 5 = 9e11 a year (docs/web.md), which the CLI sets as a path
        (
            {"levers": {FUND_TOTAL: 4.5e12}},
            ["--set", "finance.budget_jpy=2021:0;2022:9e11;2026:9e11;2027:0"],
        ),
    ],
)
def test_a_run_gives_the_numbers_of_the_cli_with_the_same_samples_and_seed(
    sqlite_client: TestClient, body: dict[str, Any], cli_args: list[str]
) -> None:
    started = sqlite_client.post(
        "/api/uncertainty/runs", json={**body, "samples": SAMPLES, "seed": 7}
    )
    assert started.status_code in (200, 202), started.text
    run = _wait(sqlite_client, started.json()["id"])
    assert (run["done"], run["total"], run["phase"]) == (SAMPLES, SAMPLES, "finished")
    # the page of the run's address finds it (the page's lever values are the request's)
    assert run["page"] == started.json()["page"]
    page = sqlite_client.get(run["page"])
    assert page.status_code == 200 and 'id="uncertainty"' in page.text
    result = sqlite_client.get(run["result"]).json()
    expected = _cli_uncertainty([*cli_args, "-n", str(SAMPLES), "--seed", "7"])
    assert result == expected
    # the same inputs are the same run: done already, 200, same id
    again = sqlite_client.post(
        "/api/uncertainty/runs", json={**body, "samples": SAMPLES, "seed": 7}
    )
    assert again.status_code == 200
    assert again.json()["id"] == run["id"] and again.json()["status"] == "done"
    # another seed is another run
    other = sqlite_client.post("/api/uncertainty/runs", json={**body, "samples": SAMPLES})
    assert other.json()["id"] != run["id"]
    _wait(sqlite_client, other.json()["id"])


def test_the_page_shows_a_run_again_from_its_address(sqlite_client: TestClient) -> None:
    body = {"parameters": {SUBSIDY: 0.8}, "samples": SAMPLES, "seed": 3}
    started = sqlite_client.post("/api/uncertainty/runs", json=body).json()
    _wait(sqlite_client, started["id"])
    doc = sqlite_client.get(started["result"]).json()
    assert (
        started["page"] == f"/uncertainty?scenario=proposal-2022&{SUBSIDY}=0.8&samples=200&seed=3"
    )
    for lang in ("en", "ja"):
        page = sqlite_client.get(started["page"] + ("&lang=ja" if lang == "ja" else ""))
        assert page.status_code == 200
        assert 'id="uncertainty"' in page.text
        # every question's count of samples meeting it, as the analysis says (en: "14 of
        # 200"; ja: the catalog's own order)
        rows = re.findall(r'<tr data-answer="([a-z0-9-]+)">(.*?)</tr>', page.text, re.S)
        entries = {t["question"]: t for t in doc["montecarlo"]["targets"].values()}
        assert len(rows) == len(entries) > 0
        for qid, row in rows:
            met, n = entries[qid]["met"], entries[qid]["defined"]
            assert f"{met:,}" in row and f"{n:,}" in row
        # the fans and tornados of the analysis, each with its CSV
        fans = len(doc["montecarlo"]["series"])
        tornados = sum(1 for e in doc["sensitivity"]["indicators"].values() if "note" not in e)
        assert page.text.count('data-kind="fan"') == fans >= 1
        assert page.text.count('data-kind="tornado"') == tornados >= 1
        assert page.text.count('class="csv"') == fans + tornados
        # the language switch keeps the run
        assert "samples=200&amp;seed=3" in page.text
    # a fan chart's CSV is the analysis's quantiles: the second series (Japanese firms' global
    # capacity, which varies between samples), its 5% column first and its median last
    second = list(doc["montecarlo"]["series"].values())[1]
    text = sqlite_client.get(started["page"]).text
    block = re.search(r'<script type="application/json" id="csv-unc-fan-1">(.*?)</script>', text)
    assert block is not None
    table = list(csv.reader(io.StringIO(json.loads(block.group(1)))))
    assert table[0][0] == "Year" and table[0][-1].startswith("median")
    assert [int(r[0]) for r in table[1:]] == second["years"]
    assert [float(r[1]) for r in table[1:]] == second["q05"]
    assert [float(r[-1]) for r in table[1:]] == second["q50"]
    assert second["q05"] != second["q95"]  # a chart with a fan to draw


def test_a_page_whose_run_is_unknown_offers_to_run_it(sqlite_client: TestClient) -> None:
    page = sqlite_client.get("/uncertainty", params={"samples": 40, "seed": 11})
    assert page.status_code == 200
    assert 'id="uncertainty"' not in page.text
    assert 'data-autostart="1"' in page.text  # the address names the run: the page starts it
    plain = sqlite_client.get("/uncertainty")
    assert "data-autostart" not in plain.text
    assert 'name="samples" value="1000"' in plain.text  # the report's samples


@pytest.mark.parametrize(
    ("body", "field", "allowed"),
    [
        ({"samples": 10}, "samples", "a whole number in 20..20000"),
        ({"samples": 20001}, "samples", "a whole number in 20..20000"),
        ({"samples": "200"}, "samples", None),
        ({"samples": 200.5}, "samples", None),
        ({"seed": -1}, "seed", "a whole number in 0..4294967295"),
        ({"seed": 2**32}, "seed", "a whole number in 0..4294967295"),
        ({"parameters": {SUBSIDY: 1.5}}, f"parameters.{SUBSIDY}", "a number in 0..1 [share]"),
        ({"scenario": "nowhere"}, "scenario", None),
    ],
)
def test_a_bad_run_request_is_a_422_naming_the_field(
    sqlite_client: TestClient, body: dict[str, Any], field: str, allowed: str | None
) -> None:
    res = sqlite_client.post("/api/uncertainty/runs", json=body)
    assert res.status_code == 422, res.text
    error = res.json()["error"]
    assert error["field"] == field
    if allowed is not None:
        assert error["allowed"] == allowed
    assert runs_of(sqlite_client) == 0  # nothing queued


def runs_of(client: TestClient) -> int:
    found = getattr(client.app.state, "uncertainty_runs", None)  # type: ignore[attr-defined]
    return 0 if found is None else len(found._runs)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"samples": "5"}, ["samples", "20..20000"]),
        ({"samples": "lots"}, ["samples", "'lots'", "a whole number"]),
        ({"seed": "1.5"}, ["seed", "'1.5'", "whole number"]),
        ({"seed": "-2"}, ["seed", "0..4294967295"]),
    ],
)
def test_a_bad_page_address_is_a_400_naming_the_field(
    sqlite_client: TestClient, query: dict[str, str], words: list[str]
) -> None:
    page = sqlite_client.get("/uncertainty", params=query)
    assert page.status_code == 400
    message = re.search(r'id="page-error">(.*?)</p>', page.text, re.S)
    assert message is not None
    for word in words:
        assert word in message.group(1).replace("&#39;", "'")


def test_unknown_and_unfinished_runs(
    sqlite_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = sqlite_client.get("/api/uncertainty/runs/0123456789abcdef01234567")
    assert res.status_code == 404 and res.json()["error"]["field"] == "run_id"
    # a run held under way: its result is a 409; queued ones beyond the bound are a 429
    gate = threading.Event()
    import chikuden.report.uncertainty as unc

    def held(*args: Any, **kwargs: Any) -> dict[str, Any]:
        gate.wait(30)
        return {"held": True}

    monkeypatch.setattr(unc, "analyse", held)
    try:
        first = sqlite_client.post("/api/uncertainty/runs", json={"seed": 1}).json()
        res = sqlite_client.get(first["result"])
        assert res.status_code == 409 and res.json()["error"]["field"] == "run_id"
        queue = sqlite_client.app.state.uncertainty_runs  # type: ignore[attr-defined]
        while queue.get(first["id"]).status != "running":  # held by the gate, not waiting
            threading.Event().wait(0.01)
        bound = limits().max_queued
        answers = [
            sqlite_client.post("/api/uncertainty/runs", json={"seed": 2 + k})
            for k in range(bound + 2)
        ]
        assert [a.status_code for a in answers] == [202] * bound + [429, 429]
        assert answers[-1].json()["error"]["allowed"] == f"at most {bound} runs waiting"
    finally:
        gate.set()
    # every run ends with the stand-in analysis (none left to the real one afterwards)
    for rid in [first["id"], *(a.json()["id"] for a in answers if a.status_code == 202)]:
        assert queue.wait(rid).result == {"held": True}


def test_runs_keep_the_most_recently_used_results(monkeypatch: pytest.MonkeyPatch) -> None:
    import chikuden
    import chikuden.report.uncertainty as unc

    class Named:
        name = "s"

    monkeypatch.setattr(unc, "analyse", lambda *a, **k: {"n": a[2]})
    monkeypatch.setattr(chikuden, "evaluate", lambda s: None)
    queue = Runs(max_queued=8, kept=2)
    ids = []
    for n in (20, 21, 22):
        ids.append(queue.submit(Named(), {}, n, 0).id)  # type: ignore[arg-type]
        queue.wait(ids[-1])
    assert queue.get(ids[0]) is None  # evicted: two kept
    kept = queue.get(ids[2])
    assert queue.get(ids[1]) is not None and kept is not None
    assert kept.result == {"n": 22} and kept.status == "done"


# -- uploads -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def analysis() -> dict[str, Any]:
    return _cli_uncertainty(["-n", "100", "--seed", "5"])


def _upload(client: TestClient, data: bytes, query: str = "scenario=proposal-2022") -> Any:
    return client.post(
        f"/uncertainty?{query}", files={"file": ("uncertainty.json", data, "application/json")}
    )


def test_an_uploaded_analysis_is_drawn(sqlite_client: TestClient, analysis: dict[str, Any]) -> None:
    page = _upload(sqlite_client, json.dumps(analysis).encode())
    assert page.status_code == 200, page.text[-600:]
    fans = len(analysis["montecarlo"]["series"])
    assert page.text.count('data-kind="fan"') == fans
    assert "uncertainty.json" in page.text
    # the whole --json output of chikuden run --uncertainty is taken as well
    whole = {"scenario": "proposal-2022", "uncertainty": analysis}
    assert _upload(sqlite_client, json.dumps(whole).encode(), "lang=ja").status_code == 200
    # of another scenario than the page's: said beside the verdicts
    other = _upload(sqlite_client, json.dumps(analysis).encode(), "scenario=actual-2025")
    assert other.status_code == 200 and "proposal-2022" in other.text


def _broken(analysis: dict[str, Any], path: tuple[str, ...], value: Any) -> bytes:
    doc = json.loads(json.dumps(analysis))
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda a: b"{not json", ["not JSON", "line 1, column 2"]),
        (lambda a: b"\xff\xfe", ["not UTF-8"]),
        (lambda a: b"[1, 2]", ["an object is needed"]),
        (lambda a: json.dumps({"a": 1}).encode(), ["settings", "not the uncertainty.json"]),
        (lambda a: _broken(a, ("montecarlo",), KeyError), ["montecarlo: missing"]),
        (lambda a: _broken(a, ("montecarlo", "series"), []), ["montecarlo.series", "an object"]),
        (lambda a: _broken(a, ("samples",), "many"), ["samples", "a whole number"]),
        (lambda a: _broken(a, ("undeclared",), ["no-such-question"]), ["no-such-question"]),
    ],
)
def test_a_malformed_or_foreign_file_is_a_400_naming_what_is_wrong(
    sqlite_client: TestClient, analysis: dict[str, Any], make: Any, words: list[str]
) -> None:
    page = _upload(sqlite_client, make(analysis))
    assert page.status_code == 400
    message = re.search(r'id="page-error">(.*?)</p>', page.text, re.S)
    assert message is not None
    text = message.group(1).replace("&#39;", "'")
    assert text.startswith("uncertainty.json: ")
    for word in words:
        assert word in text


def test_chikuden_run_indicators_json_is_refused(sqlite_client: TestClient) -> None:
    result = CliRunner().invoke(cli, ["run", "--json"])
    page = _upload(sqlite_client, result.stdout.encode())
    assert page.status_code == 400 and "not the uncertainty.json" in page.text


# -- the limits --------------------------------------------------------------------------------
def _limits_doc() -> dict[str, Any]:
    import yaml

    path = Path(__file__).resolve().parents[2] / "src" / "chikuden" / "web" / "analyses.yaml"
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc


def test_the_bundled_limits_are_read_with_their_reasons() -> None:
    found = parse_limits(_limits_doc())
    assert found == limits()
    assert (found.max_samples, found.max_queued, found.max_points) == (20000, 4, 201)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["uncertainty"]["max_samples"].pop("why"), "uncertainty.max_samples"),
        (lambda d: d["uncertainty"]["max_queued"].update(value=0), "not a whole number"),
        (lambda d: d["uncertainty"]["max_samples"].update(value=10), "minimum 20"),
        (lambda d: d["optimize"]["max_points"].update(value=1), "2 points"),
        (lambda d: d.pop("optimize"), "needs exactly"),
        (lambda d: d["uncertainty"]["poll_ms"].update(why=" "), "say 'why'"),
    ],
)
def test_a_bad_limits_file_is_refused_naming_the_field(change: Any, words: str) -> None:
    doc = _limits_doc()
    change(doc)
    with pytest.raises(AnalysesDeclarationError, match=re.escape(words)):
        parse_limits(doc)


# -- the optimiser -----------------------------------------------------------------------------
def _cli_optimize(args: list[str]) -> Any:
    return CliRunner().invoke(cli, ["optimize", *args, "--json"])


def test_optimize_gives_the_numbers_of_the_cli(sqlite_client: TestClient) -> None:
    res = sqlite_client.post(
        "/api/optimize", json={"objective": "carbon", "fund_jpy": 4.5e12, "lang": "ja"}
    )
    assert res.status_code == 200, res.text
    doc = res.json()
    assert doc["feasible"] is True and doc["binding"] == []
    cli_run = _cli_optimize(["--objective", "carbon", "--fund", "4.5e12"])
    assert cli_run.exit_code == 0, cli_run.output
    expected = json.loads(cli_run.stdout)
    named = doc["optimum"]["portfolio"]
    assert [c.pop("name") for c in named] == [
        c["label_ja"] or c["id"] for c in expected["portfolio"]
    ]
    assert doc["optimum"] == expected
    assert len(expected["step_curve"]) == 41


def test_optimize_with_lever_values_is_the_cli_with_set(sqlite_client: TestClient) -> None:
    doc = sqlite_client.post("/api/optimize", json={"levers": {FUND_TOTAL: 4.5e12}}).json()
    cli_run = _cli_optimize(["--fund", "4.5e12"])
    expected = json.loads(cli_run.stdout)
    for c in doc["optimum"]["portfolio"]:
        c.pop("name")
    assert doc["optimum"]["value"] == expected["value"]
    assert doc["optimum"]["portfolio"] == expected["portfolio"]


def test_an_infeasible_optimisation_names_the_binding_constraints(
    sqlite_client: TestClient,
) -> None:
    doc = sqlite_client.post("/api/optimize", json={"min_gwh": 5000}).json()
    assert doc["feasible"] is False and doc["optimum"] is None
    assert [b["id"] for b in doc["binding"]] == ["min-gwh"]
    cli_run = _cli_optimize(["--min-gwh", "5000"])
    assert cli_run.exit_code != 0
    # the CLI's message, word for word (rich may wrap it: compare without line breaks), with
    # the request's fields where the CLI names its options
    cli = " ".join(cli_run.output.split()).replace("--fund", "fund_jpy")
    assert " ".join(doc["message"].split()) in cli.replace("--min-gwh", "min_gwh")
    page = sqlite_client.get("/optimize", params={"min_gwh": 5000, "lang": "ja"})
    assert page.status_code == 200
    assert 'id="infeasible"' in page.text and "<td>min-gwh</td>" in page.text
    assert "実行不能です" in page.text and "min_gwh" in page.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"objective": "money"}, "objective"),
        ({"points": 1}, "points"),
        ({"points": 202}, "points"),
        ({"fund_jpy": -1.0}, "fund_jpy"),
        ({"fund_jpy": 2e14}, "fund_jpy"),
        ({"min_gwh": 1e5}, "min_gwh"),
        ({"fund_jpy": "3e12"}, "fund_jpy"),
        ({"levers": {FUND_TOTAL: 3e13}}, f"levers.{FUND_TOTAL}"),
    ],
)
def test_a_bad_optimize_request_is_a_422_naming_the_field(
    sqlite_client: TestClient, body: dict[str, Any], field: str
) -> None:
    res = sqlite_client.post("/api/optimize", json=body)
    assert res.status_code == 422, res.text
    assert res.json()["error"]["field"] == field


@pytest.fixture(scope="module")
def optimize_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from tests.web.conftest import make_client

    db = tmp_path_factory.mktemp("optimize") / "web.sqlite"
    with make_client(f"sqlite:///{db}") as c:
        yield c


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_optimize_page_shows_labels_the_shadow_price_and_the_step_curve(
    optimize_pages: TestClient, lang: str
) -> None:
    page = optimize_pages.get("/optimize", params={"lang": lang, "points": 11})
    assert page.status_code == 200
    doc = optimize_pages.post("/api/optimize", json={"lang": lang, "points": 11}).json()
    for c in doc["optimum"]["portfolio"]:
        # a row per candidate, shown by its label (the key only in the tooltip)
        assert f'<td title="{c["id"]}">{_html(c["name"])}</td>' in page.text
    assert 'id="shadow-price"' in page.text
    block = re.search(
        r'<script type="application/json" id="csv-step-curve">(.*?)</script>', page.text, re.S
    )
    assert block is not None
    rows = list(csv.reader(io.StringIO(json.loads(block.group(1)))))[1:]
    # 11 fund sizes from 0 to twice the fund (3e12): 0, 600, ..., 6,000 bn yen
    assert [float(r[0]) for r in rows] == pytest.approx([600.0 * k for k in range(11)])
    assert [float(r[1]) for r in rows] == pytest.approx(
        [p["value"] for p in doc["optimum"]["step_curve"]]
    )
    # the navigation names the page in both languages
    assert ("基金の最適化" if lang == "ja" else "Fund optimiser") in page.text
    # the language switch keeps the page's own inputs
    assert "points=11" in page.text


def _html(text: str) -> str:
    import html

    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"objective": "money"}, ["objective", "'money'", "gwh, minerals, carbon"]),
        ({"fund_jpy": "lots"}, ["fund_jpy", "'lots'"]),
        ({"points": "1"}, ["points", "2..201"]),
        ({"min_gwh": "-5"}, ["min_gwh", "0..10,000"]),
    ],
)
def test_a_bad_optimize_address_is_a_400(
    optimize_pages: TestClient, query: dict[str, str], words: list[str]
) -> None:
    page = optimize_pages.get("/optimize", params=query)
    assert page.status_code == 400
    message = re.search(r'id="page-error">(.*?)</p>', page.text, re.S)
    assert message is not None
    for word in words:
        assert word in message.group(1).replace("&#39;", "'")


def test_runs_of_the_app_are_one_queue(sqlite_client: TestClient) -> None:
    class Req:
        app = sqlite_client.app

    assert runs(Req()) is runs(Req())  # type: ignore[arg-type]
