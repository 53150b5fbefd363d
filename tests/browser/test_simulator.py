"""The web simulator in a real browser (Debian's chromium): every page in both languages, a
moved slider changing an answer and its chart, the address bar as a link to the view, the
language switch and the navigation keeping the state, saved scenarios compared, a downloaded
scenario YAML run by the CLI to the same numbers, a chart's CSV. Every page is watched: a
request that would leave 127.0.0.1 or a console error fails the test
(:meth:`ReportView.check_clean`); screenshots go to out/test-artifacts/."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page
from tests.browser.pages import ReportView
from tests.browser.web import LANGS, PAGES, OpenPage
from typer.testing import CliRunner

import chikuden
from chikuden.answers import status_word

pytestmark = pytest.mark.browser

RATE = "finance.subsidy_base_rate_share"
DELAY = "capacity.delay_years"
FUND = "fund-vs-subsidy-demand"
FUND_TOTAL = "finance.fund_total_jpy"
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _ready(view: ReportView) -> None:
    view.page.wait_for_selector("body[data-ready]")


def _move(page: Page, key: str, value: float) -> None:
    """Move lever ``key``'s slider to ``value`` and wait for the page's evaluate round trip."""
    before = page.evaluate("document.body.dataset.evaluated || '0'")
    page.locator(f'.lever[data-key="{key}"] input[type=range]').fill(str(value))
    page.wait_for_function(f"(document.body.dataset.evaluated || '0') !== '{before}'")


def _status(page: Page, answer: str) -> str:
    return str(page.locator(f'#answers li[data-answer="{answer}"]').get_attribute("data-status"))


def _plot_y(page: Page, chart: str) -> list[float | None]:
    ys: list[float | None] = page.evaluate(
        f"document.getElementById('plot-{chart}').data[0].y.slice()"
    )
    return ys


def _statuses(page: Page) -> dict[str, str]:
    found: dict[str, str] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#answers li')]
             .map(li => [li.dataset.answer, li.dataset.status]))"""
    )
    return found


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_in_both_languages(open_page: OpenPage, path: str, lang: str) -> None:
    query = "?lang=ja" if lang == "ja" else ""
    view = open_page(path + query, name=f"{path.strip('/') or 'simulator'}-{lang}")
    page = view.page
    assert page.locator("html").get_attribute("lang") == lang
    heading = page.locator("h1").first.inner_text()
    assert bool(CJK.search(heading)) == (lang == "ja"), heading
    # the navigation carries the state (scenario, and the language when not English)
    links = page.locator("nav.pages a")
    assert links.count() == len(PAGES)
    for href in links.evaluate_all("els => els.map(a => a.getAttribute('href'))"):
        q = _query(href)
        assert q["scenario"] == "proposal-2022"
        assert q.get("lang", "en") == lang
    if path == "/":
        _ready(view)
        pills = page.locator("#answers .pill")
        assert pills.count() == len(chikuden.answers.questions())
        words = {status_word(s, lang) for s in chikuden.answers.STATUSES}
        assert set(pills.all_inner_texts()) <= words
        assert page.locator(".plot .main-svg").count() >= 4  # the four charts, drawn
    elif path != "/uncertainty":
        first = page.locator("script.fig-data").first.get_attribute("data-target")
        page.locator(f"#{first}").scroll_into_view_if_needed()
        page.wait_for_selector(f"#{first}[data-drawn] .main-svg")
    view.screenshot("page")
    view.check_clean()


def test_a_slider_changes_an_answer_and_its_chart(open_page: OpenPage) -> None:
    view = open_page(f"/?{RATE}=0.2", name="slider")
    page = view.page
    _ready(view)
    assert _status(page, FUND) == "met"
    before = _plot_y(page, FUND)
    _move(page, RATE, 0.8)
    # The subsidy demand is the rate times the eligible capex: at 0.8 it is 4x that at 0.2
    # (1.01 -> 4.02 trillion yen against the 3 trillion fund, beyond the 10% at-risk band).
    after = _plot_y(page, FUND)
    assert before[0] == after[0]  # the fund itself does not move
    assert before[1] is not None and after[1] is not None
    assert after[1] == pytest.approx(4 * before[1], rel=1e-5)
    assert _status(page, FUND) == "not_met"
    pill = page.locator(f'#answers li[data-answer="{FUND}"] .pill')
    assert pill.inner_text() == "not met" and "not-met" in str(pill.get_attribute("class"))
    # the card shows the API's formatted figure for the same state
    card = page.locator('.card[data-card="finance.subsidy_demand_total"] .v').inner_text()
    assert card == "¥4.0 trillion"
    # the question links to its domain page with the moved lever
    link = page.locator(f'#answers li[data-answer="{FUND}"] .q a').get_attribute("href")
    assert link is not None and urlsplit(link).path == "/finance"
    assert _query(link)[RATE] == "0.8"
    view.screenshot("moved")
    view.check_clean()


def test_the_fund_slider_moves_the_fund(open_page: OpenPage) -> None:
    # The fund-size lever is derived: the page sends it as `levers` and the server scales the
    # scenario's yearly appropriations to the total. proposal-2022's fund is 3 trillion yen
    # (6e11 a year 2022-2026); at 6 trillion the fund bar doubles, the subsidy demand does not.
    view = open_page("/", name="fund")
    page = view.page
    _ready(view)
    before = _plot_y(page, FUND)
    _move(page, FUND_TOTAL, 6e12)
    after = _plot_y(page, FUND)
    assert before[0] is not None and after[0] == pytest.approx(2 * before[0], rel=1e-12)
    assert after[1] == before[1]
    assert _query(page.url) == {"scenario": "proposal-2022", FUND_TOTAL: "6000000000000"}
    again = open_page(page.url[page.url.index("/", 8) :], name="fund-again")
    _ready(again)
    assert _plot_y(again.page, FUND) == after
    view.check_clean()
    again.check_clean()


def test_the_address_reproduces_the_view(open_page: OpenPage) -> None:
    view = open_page("/", name="link")
    page = view.page
    _ready(view)
    _move(page, RATE, 0.8)
    _move(page, DELAY, 3)
    link = page.url
    assert _query(link) == {"scenario": "proposal-2022", RATE: "0.8", DELAY: "3"}
    shown = (_statuses(page), _plot_y(page, FUND), _plot_y(page, "domestic-capacity"))
    again = open_page(link[link.index("/", 8) :], name="link-again")
    _ready(again)
    p2 = again.page
    assert p2.locator(f'.lever[data-key="{RATE}"] input[type=number]').input_value() == "0.8"
    assert p2.locator(f'.lever[data-key="{DELAY}"] input[type=number]').input_value() == "3"
    assert (_statuses(p2), _plot_y(p2, FUND), _plot_y(p2, "domestic-capacity")) == shown
    view.check_clean()
    again.check_clean()


def test_language_switch_and_navigation_keep_the_state(open_page: OpenPage) -> None:
    view = open_page("/", name="switch")
    page = view.page
    _ready(view)
    _move(page, RATE, 0.8)
    page.locator("#lang-switch").click()
    page.wait_for_selector("body[data-ready]")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert _query(page.url) == {"scenario": "proposal-2022", "lang": "ja", RATE: "0.8"}
    assert page.locator(f'.lever[data-key="{RATE}"] input[type=number]').input_value() == "0.8"
    assert _status(page, FUND) == "not_met"
    page.locator('nav.pages a[data-nav="/finance"]').click()
    page.wait_for_load_state("load")
    assert urlsplit(page.url).path == "/finance"
    assert _query(page.url)[RATE] == "0.8"
    # the finance page computed the moved scenario: its subsidy demand is the Python API's
    results = chikuden.evaluate(chikuden.load_scenario("proposal-2022").with_overrides({RATE: 0.8}))
    expected = chikuden.answers.format_key(
        results, "finance.subsidy_demand_total", results.value("finance.subsidy_demand_total"), "ja"
    )
    row = page.locator('tr[data-key="finance.subsidy_demand_total"] td.num').inner_text()
    assert row == expected
    view.screenshot("finance-ja")
    view.check_clean()


def test_save_and_compare_two_scenarios(open_page: OpenPage) -> None:
    view = open_page("/", name="compare")
    page = view.page
    _ready(view)
    tag = uuid.uuid4().hex[:8]
    low, high = f"t{tag}-1-low", f"t{tag}-2-high"  # listed by name: low, then high
    for name, rate in ((low, 0.2), (high, 0.8)):
        _move(page, RATE, rate)
        page.locator("#save-name").fill(name)
        page.locator("#save-form button[type=submit]").click()
        page.wait_for_selector(f'#saved-list input[value="{name}"]')
    for name in (low, high):
        page.locator(f'#saved-list input[value="{name}"]').check()
    page.locator("#compare-form button[type=submit]").click()
    page.wait_for_selector("#compare-result table.compare")
    heads = page.locator("#compare-result thead th").all_inner_texts()
    assert heads[1:] == [low, high]
    cells = page.locator(f'#compare-result tr[data-answer="{FUND}"] td')
    assert cells.evaluate_all("tds => tds.map(td => td.dataset.status)") == ["met", "not_met"]
    demand = page.locator('#compare-result tr[data-output="finance.subsidy_demand_total"] td')
    assert demand.all_inner_texts() == ["¥1.0 trillion", "¥4.0 trillion"]
    view.screenshot("compared")
    view.check_clean()


def test_a_downloaded_scenario_runs_to_the_same_numbers(
    open_page: OpenPage, tmp_path: Path
) -> None:
    from chikuden.cli import app

    view = open_page("/", name="download", accept_downloads=True)
    page = view.page
    _ready(view)
    _move(page, RATE, 0.8)
    _move(page, DELAY, 2)
    with page.expect_download() as info:
        page.locator("#download-yaml").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "proposal-2022-web.yaml"
    run = CliRunner().invoke(app, ["run", "--scenario", str(path), "--json"])
    assert run.exit_code == 0, run.output
    cli: dict[str, Any] = json.loads(run.output)["indicators"]
    outputs = json.loads(str(page.locator("#sim-data").text_content()))["outputs"]
    served: dict[str, Any] = page.evaluate(
        """async (outputs) => (await (await fetch('/api/evaluate', {method: 'POST',
             headers: {'Content-Type': 'application/json'},
             body: JSON.stringify({scenario: 'proposal-2022', outputs,
               parameters: {'finance.subsidy_base_rate_share': 0.8, 'capacity.delay_years': 2}})
           })).json()).outputs""",
        outputs,
    )
    compared = 0
    for key, value in served.items():
        if isinstance(value, dict):
            continue
        mine = cli[key]["value"]
        assert (mine is None and value is None) or (
            mine is not None and value is not None and math.isclose(mine, value, rel_tol=1e-12)
        ), key
        compared += 1
    assert compared >= 6
    view.check_clean()


def test_a_chart_downloads_the_data_it_shows(open_page: OpenPage, tmp_path: Path) -> None:
    view = open_page("/", name="csv", accept_downloads=True)
    page = view.page
    _ready(view)
    _move(page, DELAY, 2)
    shown: list[dict[str, Any]] = page.evaluate(
        "document.getElementById('plot-domestic-capacity').data.map(t => ({x: t.x, y: t.y}))"
    )
    with page.expect_download() as info:
        page.locator('button.csv[data-chart="domestic-capacity"]').click()
    path = tmp_path / "chart.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
    assert rows[0][0] == "Year" and len(rows) == 1 + len(shown[0]["x"])
    for row, x, y in zip(rows[1:], shown[0]["x"], shown[0]["y"], strict=True):
        assert int(row[0]) == x and float(row[1]) == y
    view.check_clean()


def test_an_uploaded_scenario_opens_with_its_values(open_page: OpenPage, tmp_path: Path) -> None:
    view = open_page("/", name="upload")
    page = view.page
    _ready(view)
    name = f"up-{uuid.uuid4().hex[:8]}"
    good = tmp_path / "good.yaml"
    good.write_text(
        f"name: {name}\nextends: proposal-2022\nparameters:\n  {RATE}: 0.8\n", encoding="utf-8"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    # malformed YAML: a message naming where, nothing stored, the page stays
    page.locator("#upload-file").set_input_files(str(bad))
    page.locator("#upload-form button[type=submit]").click()
    error = page.locator("#scenario-error")
    error.wait_for(state="visible")
    assert "line" in error.inner_text()
    assert urlsplit(page.url).path == "/"
    # the browser logs the refused request itself; that one line and nothing else
    assert len(view.errors) == 1 and "status of 400" in view.errors[0], view.errors
    view.errors.clear()
    # a good file: saved, and the page opens it, its value as the lever's scenario value
    page.locator("#upload-file").set_input_files(str(good))
    with page.expect_navigation():
        page.locator("#upload-form button[type=submit]").click()
    _ready(view)
    assert _query(page.url)["scenario"] == name
    lever = page.locator(f'.lever[data-key="{RATE}"]')
    assert float(str(lever.get_attribute("data-default"))) == 0.8
    assert "moved" not in str(lever.get_attribute("class"))
    assert _status(page, FUND) == "not_met"
    view.check_clean()


def _erlang_c(c: int, load: float) -> float:
    """Probability that an arriving car waits, M/M/c (Erlang C), from its textbook formula."""
    top = load**c / math.factorial(c) * c / (c - load)
    return top / (sum(load**k / math.factorial(k) for k in range(c)) + top)


def _result(page: Page, box: str, key: str) -> str:
    cell = page.locator(f"{box} .calc-result td[data-key='{key}']").first
    cell.wait_for()
    return cell.inner_text()


def test_the_calculators_answer_from_their_forms(open_page: OpenPage) -> None:
    from chikuden import api

    # The charging site with the form's examples: 24 cars/h, 30 kWh at 90 kW x 0.8, so a
    # session takes 30 / 72 h = 25 min and the offered load is 24 x 25 / 60 = 10 Erlang. The
    # fewest chargers with P(wait) <= 0.05 and a mean wait P(wait) x 25 / (c - 10) <= 1 min:
    wanted = next(
        c
        for c in range(11, 40)
        if _erlang_c(c, 10.0) <= 0.05 and _erlang_c(c, 10.0) * 25 / (c - 10) <= 1
    )
    view = open_page("/demand", name="calc-site")
    view.page.locator("#calc-service-area button[type=submit]").click()
    assert _result(view.page, "#calc-service-area", "offered_load_erlang") == "10 Erlang"
    assert _result(view.page, "#calc-service-area", "chargers") == str(wanted)
    view.check_clean()

    # The stress test runs on the page's scenario with its moved levers: at half the plants'
    # utilisation the loss differs from the default's, and equals the Python API's.
    moved = {"capacity.utilisation_share": 0.5}
    view = open_page("/minerals?capacity.utilisation_share=0.5", name="calc-stress")
    view.page.locator("#calc-minerals-stress button[type=submit]").click()
    shown = _result(view.page, "#calc-minerals-stress", "lost_gwh")
    args: dict[str, Any] = {"mineral": "graphite", "country": "CN", "cut": 0.5, "months": 6.0}
    args["year"] = 2030
    expected = api.minerals_stress("proposal-2022", overrides=moved, **args).to_dict()
    default = api.minerals_stress("proposal-2022", **args).to_dict()
    lost = expected["scenarios"][0]["lost_gwh"]
    assert lost != default["scenarios"][0]["lost_gwh"]
    assert shown == api.format_value(lost, "GWh", "en") + " GWh"  # in words, with its unit
    view.check_clean()

    # The product file uploaded: its durability class, as the Python API assesses the file.
    example = Path(chikuden.__file__).parent / "data" / "examples" / "product-example.json"
    view = open_page("/carbon?lang=ja", name="calc-product")
    view.page.locator("#calc-product input[type=file]").set_input_files(str(example))
    view.page.locator("#calc-product button[type=submit]").click()
    durability = "#calc-product td[data-key='durability']"
    view.page.locator(durability).wait_for()
    assessed = api.product_assessment(str(example), "proposal-2022").to_dict()
    # in Japanese, the class and its boundaries: B（A ≥ 3,000、...）
    assert (
        view.page.locator(durability)
        .inner_text()
        .startswith(assessed["durability"]["class"] + "（")
    )
    view.screenshot("product-ja")
    view.check_clean()
