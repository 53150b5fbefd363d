"""Every bad input a user can reach from the API and the pages reads in the request's language.

A table of bad inputs (one per kind of error on the paths the web calls: the API's own checks,
pydantic's validation, the parameter declarations and rules, the scenario file reader, the
calculators, the analyses and the optimiser, the limits of the server) goes through the API and
the pages twice: with ``lang=ja`` the one-line message is Japanese (kana or kanji, no English
sentence) while ``field``, ``value`` and ``allowed`` are those of ``lang=en``; with ``lang=en``
(and with no ``lang``) the message is the English line the code wrote before messages carried
templates (:data:`ENGLISH`, the answers of stop 22's server to the same requests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import make_client

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")
"""Three English words in a row: a clause of an English sentence. Keys, field paths, values
and commands (``finance.subsidy_base_rate_share``, ``POST /api/scenarios/upload``) are not."""


def is_japanese(message: str, library: str = "") -> bool:
    """Whether ``message`` is a Japanese line: it holds kana or kanji, and no English clause
    other than ``library``, the words another library wrote (a YAML or JSON parser's reason),
    which chikuden quotes as they are."""
    rest = message.replace(library, "") if library else message
    return bool(JAPANESE.search(message)) and not ENGLISH_SENTENCE.search(rest)


@dataclass(frozen=True)
class Bad:
    """One bad request: where it goes, what it sends, the status it gets back."""

    id: str
    method: str
    path: str
    status: int
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    lang_in_body: bool = True  # else ?lang= in the query (the body has no lang field)
    library: str = ""  # a parser's own English words the message quotes (lang=ja)

    def send(self, client: TestClient, lang: str | None) -> Any:
        json, path = self.json, self.path
        if lang is not None and self.lang_in_body and isinstance(json, dict):
            json = {**json, "lang": lang}
        elif lang is not None:
            path += f"{'&' if '?' in path else '?'}lang={lang}"
        return client.request(
            self.method, path, json=json, content=self.content, headers=self.headers
        )


def product_with(extra: dict[str, Any] | None = None, **cycle_test: list[float]) -> bytes:
    """The example product file of the package with other cycle test data (and ``extra``
    fields)."""
    from chikuden.data import DATA

    doc = json.loads(DATA.joinpath("examples", "product-example.json").read_text("utf-8"))
    if cycle_test:
        doc["cycle_test"] = cycle_test
    return json.dumps({**doc, **(extra or {})}).encode()


EV = "/api/evaluate"
UP = "/api/scenarios/upload"
API: list[Bad] = [
    Bad(
        "out of range",
        "POST",
        EV,
        422,
        {"parameters": {"finance.subsidy_base_rate_share": 1.5}},
    ),
    Bad(
        "not a number",
        "POST",
        EV,
        422,
        {"parameters": {"finance.subsidy_base_rate_share": "0.5"}},
    ),
    Bad(
        "unknown parameter",
        "POST",
        EV,
        422,
        {"parameters": {"finance.subsidy_base_rate": 0.5}},
    ),
    Bad("a table", "POST", EV, 422, {"parameters": {"capacity.plants": 1}}),
    Bad("unknown scenario", "POST", EV, 422, {"scenario": "proposal-2023"}),
    Bad("unknown field", "POST", EV, 422, {"paramters": {}}),
    Bad("unknown output", "POST", EV, 422, {"outputs": ["nothing.here"]}),
    Bad(
        "a rule between values",
        "POST",
        EV,
        422,
        {"parameters": {"vehicles.passenger_bev_share": 0.9, "vehicles.passenger_hev_share": 0.9}},
    ),
    Bad("lever out of range", "POST", EV, 422, {"levers": {"finance.fund_total_jpy": -1.0}}),
    Bad("unknown lever", "POST", EV, 422, {"levers": {"finance.fund_total": 1.0}}),
    Bad(
        "lever and parameter",
        "POST",
        EV,
        422,
        {"parameters": {"finance.budget_jpy": 1e11}, "levers": {"finance.fund_total_jpy": 1e12}},
    ),
    Bad(
        "malformed JSON",
        "POST",
        EV,
        400,
        content=b'{"parameters": ',
        headers={"content-type": "application/json"},
        lang_in_body=False,
        library="EOF while parsing a value",
    ),
    Bad("unknown route", "GET", "/api/nothing", 404, lang_in_body=False),
    Bad("method not allowed", "DELETE", EV, 405, lang_in_body=False),
    Bad(
        "body over the limit",
        "POST",
        EV,
        413,
        content=b" " * 1_048_577,
        headers={"content-type": "application/json"},
        lang_in_body=False,
    ),
    Bad("unknown domain", "GET", "/api/parameters?domain=finanse", 422, lang_in_body=False),
    Bad("unknown saved scenario", "GET", "/api/scenarios/nothing-here", 404, lang_in_body=False),
    Bad(
        "save a value out of range",
        "POST",
        "/api/scenarios",
        422,
        {"name": "mine", "parameters": {"finance.subsidy_base_rate_share": -1}},
        lang_in_body=False,
    ),
    Bad(
        "malformed YAML",
        "POST",
        UP,
        400,
        content=b"name: mine\nparameters: [1,\n",
        headers={"content-type": "application/yaml"},
        lang_in_body=False,
        library="expected the node content, but found '<stream end>'",
    ),
    Bad(
        "unknown key in a file",
        "POST",
        UP,
        422,
        content=b"name: mine\nparamters: {}\n",
        headers={"content-type": "application/yaml"},
        lang_in_body=False,
    ),
    Bad(
        "a value out of range in a file",
        "POST",
        UP,
        422,
        content=b"name: mine\nparameters:\n  finance.subsidy_base_rate_share: 2\n",
        headers={"content-type": "application/yaml"},
        lang_in_body=False,
    ),
    Bad(
        "an uncertain value of an unknown kind in a file",
        "POST",
        UP,
        422,
        content=b"name: mine\nuncertainty:\n  parameters:\n"
        b"    finance.subsidy_base_rate_share: {kind: gauss}\n",
        headers={"content-type": "application/yaml"},
        lang_in_body=False,
    ),
    Bad(
        "a file that is not UTF-8",
        "POST",
        UP,
        400,
        content="name: 蓄電池\n".encode("cp932"),
        headers={"content-type": "application/yaml"},
        lang_in_body=False,
    ),
    Bad(
        "a file of another type",
        "POST",
        UP,
        415,
        content=b"x",
        headers={"content-type": "image/png"},
        lang_in_body=False,
    ),
    Bad(
        "service area: a value out of range",
        "POST",
        "/api/calculators/service-area",
        422,
        {"arrivals_per_hour": 24, "power_kw": -150},
    ),
    Bad(
        "service area: too few chargers",
        "POST",
        "/api/calculators/service-area",
        422,
        {"arrivals_per_hour": 240, "chargers": 2},
    ),
    Bad(
        "stress test: unknown country",
        "POST",
        "/api/calculators/minerals-stress",
        422,
        {"country": "XX"},
    ),
    Bad(
        "stress test: unknown mineral",
        "POST",
        "/api/calculators/minerals-stress",
        422,
        {"mineral": "gold"},
    ),
    Bad(
        "stress test: a cut over 1",
        "POST",
        "/api/calculators/minerals-stress",
        422,
        {"cut": 1.5},
    ),
    Bad(
        "product: a tolerance out of range",
        "POST",
        "/api/calculators/product?tolerance=2",
        422,
        content=b"{}",
        headers={"content-type": "application/json"},
        lang_in_body=False,
    ),
    Bad(
        "uncertainty: too many samples",
        "POST",
        "/api/uncertainty/runs",
        422,
        {"samples": 10**7},
        lang_in_body=False,
    ),
    Bad(
        "product: malformed JSON",
        "POST",
        "/api/calculators/product",
        422,
        content=b'{"product": ',
        headers={"content-type": "application/json"},
        lang_in_body=False,
        library="Expecting value",
    ),
    Bad(
        "product: a CSV of one block",
        "POST",
        "/api/calculators/product",
        422,
        content=b"field,value\nproduct,x\n",
        headers={"content-type": "text/csv"},
        lang_in_body=False,
    ),
    Bad(
        "product: too few cycle points",
        "POST",
        "/api/calculators/product",
        422,
        content=product_with(efc=[0, 100], capacity_share=[1.0, 0.97]),
        headers={"content-type": "application/json"},
        lang_in_body=False,
    ),
    Bad(
        "product: no fade to fit",
        "POST",
        "/api/calculators/product?model=linear",
        422,
        content=product_with(efc=[0, 100, 200, 300, 400], capacity_share=[1.0] * 5),
        headers={"content-type": "application/json"},
        lang_in_body=False,
    ),
    Bad(
        "product: an unknown field",
        "POST",
        "/api/calculators/product",
        422,
        content=product_with({"colour": "red"}),
        headers={"content-type": "application/json"},
        lang_in_body=False,
    ),
    Bad(
        "product: a footprint out of range",
        "POST",
        "/api/calculators/product",
        422,
        content=product_with({"carbon_footprint_kgco2e_per_kwh": -5}),
        headers={"content-type": "application/json"},
        lang_in_body=False,
    ),
    Bad("uncertainty: unknown run", "GET", "/api/uncertainty/runs/abc", 404, lang_in_body=False),
    Bad("optimiser: a fund out of range", "POST", "/api/optimize", 422, {"fund_jpy": -1.0}),
    Bad("optimiser: too many points", "POST", "/api/optimize", 422, {"points": 100_000}),
]


ENGLISH: dict[str, str] = json.loads(Path(__file__).with_name("errors_en.json").read_text("utf-8"))
"""The English line stop 22's server (main at 08b9347) answered to each request of :data:`API`
and :data:`PAGES`: with ``lang=en`` the line must be unchanged."""


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("web-ja")
    with make_client(f"sqlite:///{folder / 'web.sqlite'}") as c:
        yield c
        c.app.state.chikuden.store.close()  # type: ignore[attr-defined]


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert "\n" not in body["message"]
    return body


@pytest.mark.parametrize("bad", API, ids=[b.id for b in API])
def test_an_api_error_reads_in_japanese_with_the_same_field_value_and_allowed(
    web: TestClient, bad: Bad
) -> None:
    en = error_of(bad.send(web, "en"), bad.status)
    ja = error_of(bad.send(web, "ja"), bad.status)
    assert is_japanese(ja["message"], bad.library), ja["message"]
    assert not JAPANESE.search(en["message"]), en["message"]
    assert {k: ja[k] for k in ("field", "value", "allowed")} == {
        k: en[k] for k in ("field", "value", "allowed")
    }


@pytest.mark.parametrize("bad", API, ids=[b.id for b in API])
def test_an_api_error_in_english_is_the_line_it_was(web: TestClient, bad: Bad) -> None:
    en = error_of(bad.send(web, "en"), bad.status)
    default = error_of(bad.send(web, None), bad.status)
    assert en == default
    assert en["message"] == ENGLISH[bad.id]


def test_a_name_that_exists_reads_in_japanese(web: TestClient) -> None:
    body = {"name": "taken-ja", "parameters": {"finance.subsidy_base_rate_share": 0.5}}
    assert web.post("/api/scenarios", json=body).status_code == 201
    ja = error_of(web.post("/api/scenarios?lang=ja", json=body), 409)
    en = error_of(web.post("/api/scenarios", json=body), 409)
    assert is_japanese(ja["message"]) and "taken-ja" in ja["message"]
    assert en["message"] == (
        "name: a scenario named 'taken-ja' exists already; choose another name (saved "
        "scenarios are never overwritten)"
    )


def test_the_query_lang_wins_over_the_body_lang(web: TestClient) -> None:
    body = {"parameters": {"finance.subsidy_base_rate_share": 1.5}, "lang": "en"}
    ja = error_of(web.post(f"{EV}?lang=ja", json=body), 422)
    assert is_japanese(ja["message"])


# -- the pages ---------------------------------------------------------------------------------
PAGES = [
    ("/?finance.subsidy_base_rate_share=1.5", "finance.subsidy_base_rate_share = 1.5"),
    ("/?finance.subsidy_base_rate_share=abc", "'abc'"),
    ("/?finance.subsidy_base_rat=0.5", "finance.subsidy_base_rat"),
    ("/?finance.fund_total_jpy=-5", "address.finance.fund_total_jpy"),
    ("/?vehicles.passenger_bev_share=0.9&vehicles.passenger_hev_share=0.9", "passenger"),
    ("/finance?scenario=proposal-2023", "proposal-2023"),
    ("/minerals?lang=xx", "xx"),
    ("/uncertainty?samples=abc", "samples"),
    ("/uncertainty?samples=99999999", "samples"),
    ("/optimize?objective=cost", "objective"),
    ("/optimize?fund_jpy=-1", "fund_jpy"),
    ("/scenario.yaml?nothing=1", "nothing"),
]


def page_error(web: TestClient, address: str, lang: str) -> str:
    join = "&" if "?" in address else "?"
    response = web.get(f"{address}{join}lang={lang}" if "lang=" not in address else address)
    assert response.status_code == 400, response.text
    found = re.search(r'<p class="error" id="page-error">(.*?)</p>', response.text, re.S)
    assert found, response.text
    import html

    return html.unescape(found.group(1))


@pytest.mark.parametrize(("address", "named"), PAGES)
def test_a_page_error_reads_in_the_page_language(web: TestClient, address: str, named: str) -> None:
    ja = page_error(web, address, "ja")
    en = page_error(web, address, "en")
    assert en == ENGLISH[address]
    assert named in en
    if "lang=xx" in address:  # a language chikuden lacks: the page reads English
        assert not JAPANESE.search(ja)
        return
    assert named in ja and is_japanese(ja), ja
    assert not JAPANESE.search(en), en


def test_an_uploaded_analysis_that_is_not_one_reads_in_japanese(web: TestClient) -> None:
    files = {"file": ("uncertainty.json", b'{"settings": "x"}', "application/json")}
    response = web.post("/uncertainty?lang=ja", files=files)
    assert response.status_code == 400
    found = re.search(r'id="page-error">(.*?)</p>', response.text, re.S)
    assert found and is_japanese(found.group(1)), response.text


def test_the_stress_test_names_its_fields_and_the_cli_its_options() -> None:
    from typer.testing import CliRunner

    from chikuden.api import minerals_stress
    from chikuden.cli import app
    from chikuden.errors import ParameterError

    with pytest.raises(ParameterError) as refused:
        minerals_stress(mineral="graphite", country="XX")
    assert str(refused.value).startswith("country 'XX' is not an ISO 3166-1 alpha-2")
    assert refused.value.localized("ja").startswith("country 'XX' はISO 3166-1 alpha-2の国コード")
    args = ["--mineral", "graphite", "--country", "XX", "--cut", "0.5", "--months", "6"]
    run = CliRunner().invoke(app, ["minerals", "stress", *args])
    assert run.exit_code == 2
    assert "error: --country 'XX' is not an ISO 3166-1 alpha-2 country code" in run.output


def test_a_failed_analysis_run_says_why_in_the_language_asked() -> None:
    from chikuden.api import load_scenario
    from chikuden.errors import N_
    from chikuden.web.jobs import Run

    why = N_("the analysis failed ({kind}); see the server's log", kind="ValueError")
    run = Run("r1", load_scenario("proposal-2022"), {}, 20, 0, status="failed", error=why)
    assert run.to_json()["error"] == "the analysis failed (ValueError); see the server's log"
    assert (
        run.to_json("ja")["error"]
        == "分析に失敗しました（ValueError）。サーバーのログを確認してください。"
    )
