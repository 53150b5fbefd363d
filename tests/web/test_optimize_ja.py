"""Every candidate of the fund optimiser has a Japanese name, so /optimize in Japanese shows
no English project name: the generic blocks of data/candidates.yaml (label_ja) and the
pipeline rows of the plants table (company_ja, each company's name as it writes it in
Japanese, or a translation where a row names no company)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import make_client

from chikuden.api import list_scenarios, load_scenario
from chikuden.optimize.portfolio import Candidate, build

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ROW = re.compile(r'<tr data-id="([^"]+)"><td title="[^"]*">([^<]*)</td>')


def unnamed_in_japanese(candidates: tuple[Candidate, ...]) -> list[str]:
    """The candidates whose Japanese label holds no kana or kanji (an English name)."""
    return [f"{c.id}: {c.label_ja!r}" for c in candidates if not JAPANESE.search(c.label_ja)]


@pytest.mark.parametrize("name", list_scenarios())
def test_every_candidate_of_every_bundled_scenario_has_a_japanese_label(name: str) -> None:
    problem = build(load_scenario(name))
    assert any(c.kind == "pipeline" for c in problem.candidates)
    assert unnamed_in_japanese(problem.candidates) == []


def test_a_plants_row_without_a_japanese_name_is_caught() -> None:
    # the bundled table with one row's company_ja emptied: its label falls back to the company
    # as written (English), which the check reports
    scenario = load_scenario("actual-2025")
    rows = [dict(r) for r in scenario.value("capacity.plants").rows]
    target = next(r for r in rows if r["id"] == "subaru-panasonic")
    target["company_ja"] = ""
    changed = scenario.with_overrides({"capacity.plants": {"rows": rows}})
    found = unnamed_in_japanese(build(changed).candidates)
    assert found == ["subaru-panasonic: 'Panasonic Energy / Subaru'"]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("optimize-ja")
    with make_client(f"sqlite:///{folder / 'web.sqlite'}") as c:
        yield c
        c.app.state.chikuden.store.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list_scenarios())
def test_every_project_the_japanese_page_shows_is_named_in_japanese(
    web: TestClient, name: str
) -> None:
    page = web.get(f"/optimize?lang=ja&scenario={name}")
    assert page.status_code == 200, page.text
    rows = [(i, html.unescape(label)) for i, label in ROW.findall(page.text)]
    assert rows, "no portfolio rows on the page"
    assert [f"{i}: {label}" for i, label in rows if not JAPANESE.search(label)] == []
    # the committed pipeline plants (certified by the scenario's pipeline date) are shown too
    pipeline = {c.id for c in build(load_scenario(name)).candidates if c.kind == "pipeline"}
    committed = {c.id for c in build(load_scenario(name)).candidates if c.min_units > 0}
    assert committed <= {i for i, _ in rows} and committed <= pipeline


def test_the_api_names_the_portfolio_in_the_request_language(web: TestClient) -> None:
    doc = web.post("/api/optimize", json={"scenario": "actual-2025", "lang": "ja"}).json()
    names = {c["id"]: c["name"] for c in doc["optimum"]["portfolio"]}
    assert names["honda-gsyuasa"] == "Honda／GSユアサ（ブルーエナジー）"
    assert all(JAPANESE.search(n) for n in names.values()), names
