"""The web simulator's pages without a browser (tests/browser drives them in chromium): every
page in both languages, a bad address as a 400 that names the field, levers.yaml checked
against the parameter tables, the page's scenario YAML run to the same numbers, and the assets
the pages share with the HTML report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import chikuden
from chikuden.web.app import Settings, create_app
from chikuden.web.levers import LeversDeclarationError, layout, parse_layout

PAGES = ("/", "/finance", "/minerals", "/carbon", "/demand", "/uncertainty", "/optimize")
WEB = Path(chikuden.__file__).parent / "web"
REPORT = Path(chikuden.__file__).parent / "report"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("web-pages") / "ledger.sqlite"
    with TestClient(create_app(Settings(db=f"sqlite:///{db}"))) as c:
        yield c


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_served_in_both_languages(client: TestClient, path: str, lang: str) -> None:
    res = client.get(path, params={"lang": lang})
    assert res.status_code == 200
    assert f'<html lang="{lang}">' in res.text
    # the other language's switch keeps the page and the scenario
    other = "ja" if lang == "en" else "en"
    assert f'hreflang="{other}"' in res.text
    assert f'href="{path}?scenario=proposal-2022' in res.text


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"capacity.delay_years": "11"}, ["capacity.delay_years", "11", "0..10"]),
        ({"capacity.delay_years": "soon"}, ["capacity.delay_years", "'soon'", "a number"]),
        ({"capacity.delay_years": "nan"}, ["capacity.delay_years", "nan", "0..10"]),
        ({"capacity.plants": "1"}, ["capacity.plants", "a table"]),
        ({"capacity.delay_yeras": "1"}, ["capacity.delay_yeras", "did you mean"]),
        ({"scenario": "nowhere"}, ["scenario", "nowhere", "GET /api/scenarios"]),
        ({"lang": "fr"}, ["lang", "'fr'", "en, ja"]),
        # a rule between values: the global target is a share or GWh, not both
        ({"targets.japan_global_gwh_2030": "600"}, ["targets.japan_global_gwh_2030"]),
        # the fund-size lever (derived): its own range, checked on the scenario
        ({"finance.fund_total_jpy": "3e13"}, ["address.finance.fund_total_jpy", "0..2e+13"]),
        ({"finance.fund_total_jpy": "lots"}, ["finance.fund_total_jpy", "'lots'", "a number"]),
        ({"minerals.domestic_lfp_share": "1.5"}, ["minerals.domestic_lfp_share", "0..1"]),
    ],
)
def test_a_bad_address_is_a_400_naming_the_field(
    client: TestClient, query: dict[str, str], words: list[str]
) -> None:
    for path in ("/", "/finance", "/scenario.yaml"):
        res = client.get(path, params=query)
        assert res.status_code == 400, path
        message = re.search(r'<p class="error" id="page-error">(.*?)</p>', res.text)
        assert message is not None
        text = message.group(1).replace("&#39;", "'")
        for word in words:
            assert word in text, (word, text)


def test_a_path_lever_starts_at_its_years_value(client: TestClient) -> None:
    # carbon.csv: the grid's emission factor is 2022:0.437;2023:0.421;2030:0.25 -> 0.25 in 2030
    page = client.get("/").text
    found = re.search(r'data-key="carbon.grid_kgco2e_per_kwh" data-default="([^"]+)"', page)
    assert found is not None and float(found.group(1)) == 0.25


def test_the_pages_yaml_runs_to_the_same_numbers(client: TestClient, tmp_path: Path) -> None:
    moved = {"finance.subsidy_base_rate_share": 0.8, "carbon.grid_kgco2e_per_kwh": 0.3}
    res = client.get("/scenario.yaml", params={"scenario": "proposal-2022", **moved})
    assert res.status_code == 200
    assert 'filename="proposal-2022-web.yaml"' in res.headers["content-disposition"]
    path = tmp_path / "view.yaml"
    path.write_text(res.text, encoding="utf-8")
    from_file = chikuden.evaluate(chikuden.load_scenario(str(path)))
    direct = chikuden.evaluate(chikuden.load_scenario("proposal-2022").with_overrides(moved))
    assert from_file.indicators.keys() == direct.indicators.keys()
    for key, values in direct.indicators.items():
        np.testing.assert_array_equal(from_file.indicators[key], values, err_msg=key)
    # and the levers did move something: the subsidy demand is 0.8 / (1/3) = 2.4x the default's
    default = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    key = "finance.subsidy_demand_total"
    assert direct.value(key) == pytest.approx(2.4 * default.value(key), rel=1e-9)


FUND_TOTAL = "finance.fund_total_jpy"


def test_the_fund_lever_starts_at_the_scenarios_total(client: TestClient) -> None:
    # proposal-2022: 6e11 a year 2022-2026 = 3e12; actual-2025: 1e11 + 3.316e11 + 2.658e11 +
    # 2.3e11 + 1.778e11 = 1.1052e12
    for scenario, total in (("proposal-2022", 3e12), ("actual-2025", 1.1052e12)):
        page = client.get("/", params={"scenario": scenario}).text
        found = re.search(rf'data-key="{FUND_TOTAL}" data-default="([^"]+)"', page)
        assert found is not None and float(found.group(1)) == pytest.approx(total, rel=1e-12)
        assert 'data-derived="scale-total"' in page


def test_the_lfp_lever_starts_at_the_2030_share(client: TestClient) -> None:
    # minerals.csv: LFP 0.05 of the cells made in Japan in 2030
    page = client.get("/").text
    found = re.search(r'data-key="minerals.domestic_lfp_share" data-default="([^"]+)"', page)
    assert found is not None and float(found.group(1)) == 0.05
    assert 'data-derived="mix-share"' in page


def test_the_fund_lever_in_the_address_and_the_yaml(client: TestClient, tmp_path: Path) -> None:
    # 4.5e12 in all on proposal-2022's five years 2022-2026: 9e11 a year (4.5e12 / 5)
    query = {"scenario": "proposal-2022", FUND_TOTAL: "4500000000000"}
    page = client.get("/finance", params=query)
    assert page.status_code == 200
    assert f"{FUND_TOTAL}=4500000000000" in page.text  # the navigation carries it
    res = client.get("/scenario.yaml", params=query)
    assert res.status_code == 200
    path = tmp_path / "fund.yaml"
    path.write_text(res.text, encoding="utf-8")
    loaded = chikuden.load_scenario(str(path))
    assert loaded.value("finance.budget_jpy").tolist() == [0.0] + [9e11] * 5 + [0.0] * 14
    by_hand = chikuden.load_scenario("proposal-2022").with_overrides(
        {"finance.budget_jpy": "2021:0;2022:9e11;2026:9e11;2027:0"}
    )
    from_file, direct = chikuden.evaluate(loaded), chikuden.evaluate(by_hand)
    for key, values in direct.indicators.items():
        np.testing.assert_array_equal(from_file.indicators[key], values, err_msg=key)
    assert direct.value("finance.fund_size") == 4.5e12
    # the uncertainty page's commands set the same path
    sets = client.get("/uncertainty", params=query).text
    assert "--set &#39;finance.budget_jpy=2021:0;2022:900000000000;" in sets


def test_a_saved_scenario_is_a_page_and_its_yaml_extends_it(
    client: TestClient, tmp_path: Path
) -> None:
    saved = client.post(
        "/api/scenarios",
        json={"name": "pages-saved", "parameters": {"capacity.delay_years": 2}},
    )
    assert saved.status_code == 201, saved.text
    page = client.get("/", params={"scenario": "pages-saved"})
    assert page.status_code == 200
    assert '<option value="pages-saved" selected>' in page.text
    res = client.get(
        "/scenario.yaml", params={"scenario": "pages-saved", "finance.jpy_per_usd": 150}
    )
    path = tmp_path / "saved.yaml"
    path.write_text(res.text, encoding="utf-8")
    loaded = chikuden.load_scenario(str(path))
    assert loaded.value("capacity.delay_years") == 2
    assert loaded.value("finance.jpy_per_usd") == 150


def test_levers_yaml_names_declared_parameters() -> None:
    from chikuden.parameters.declarations import declarations

    decls = declarations()
    for lever in layout().levers:
        d = decls[lever.key]
        if lever.slider is not None:
            assert d.min <= lever.slider[0] < lever.slider[1] <= d.max
        assert (d.kind == "path") == (lever.year is not None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": "capacity.delay_yeras"}, "not a parameter"),
        ({"slider": [0, 11]}, "must lie inside [0.0, 10.0]"),
        ({"key": "carbon.grid_kgco2e_per_kwh"}, "a path with its 'year'"),
        ({"key": "capacity.plants"}, "a scalar, or a path"),
        ({"key": "carbon.grid_kgco2e_per_kwh", "year": 2050}, "year 2050 is outside 2021..2040"),
        ({"slidr": [0, 5]}, "unknown field 'slidr'"),
        ({"why": " "}, "say 'why' it is a lever"),
    ],
)
def test_a_bad_lever_is_refused_naming_it(change: dict[str, Any], message: str) -> None:
    lever = {"key": "capacity.delay_years", "why": "test"} | change
    doc = {
        "groups": [{"id": "g", "en": "G", "ja": "G", "levers": [lever]}],
        "charts": [],
        "cards": [],
    }
    with pytest.raises(LeversDeclarationError, match=re.escape(message)):
        parse_layout(doc)


DERIVED = {
    "id": "finance.fund_total_jpy",
    "derived": "scale-total",
    "key": "finance.budget_jpy",
    "en": "Fund",
    "ja": "基金",
    "unit": "JPY",
    "range": [0, 2e13],
    "why": "test",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"derived": "mix"}, "derived 'mix' is not one of scale-total"),
        ({"key": "finance.subsidy_base_rate_share"}, "is not a path parameter"),
        ({"id": "finance.budget_jpy"}, "the id must not be a parameter's key"),
        ({"en": ""}, "a derived lever needs 'en'"),
        ({"range": [5, 1]}, "range [5, 1] is empty"),
        ({"slider": [0, 3e13]}, "must lie inside range"),
        ({"year": 2030}, "a 'year' is for a mix-share, and it needs one"),
        ({"derived": "mix-share", "year": 2030}, "is not a share of a mix that adds up to 1"),
        ({"derived": "mix-share", "key": "minerals.domestic_mix_lfp_share"}, "needs one"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_a_bad_derived_lever_is_refused_naming_it(change: dict[str, Any], message: str) -> None:
    doc = {
        "groups": [{"id": "g", "en": "G", "ja": "G", "levers": [DERIVED | change]}],
        "charts": [],
        "cards": [],
    }
    with pytest.raises(LeversDeclarationError, match=re.escape(message)):
        parse_layout(doc)
    assert parse_layout(doc | {"groups": [{"id": "g", "en": "G", "ja": "G", "levers": [DERIVED]}]})


def test_the_pills_have_the_reports_colours() -> None:
    pattern = r"--((?:met|at-risk|not-met|undef)(?:-bg)?):\s*(#[0-9a-fA-F]{6})"
    report = dict(re.findall(pattern, (REPORT / "templates" / "report.html.j2").read_text()))
    pages = dict(re.findall(pattern, (WEB / "static" / "pages.css").read_text()))
    assert len(report) == 8 and pages == report


def test_the_chart_library_is_the_reports_bundle(client: TestClient) -> None:
    res = client.get("/static/plotly.min.js")
    assert res.status_code == 200
    bundle = resources.files("chikuden.report").joinpath("assets", "plotly-partial.min.js")
    assert res.content == bundle.read_bytes()
