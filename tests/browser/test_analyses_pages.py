"""The uncertainty page and the fund optimiser in a real browser (chikuden.web.analyses): a
run started on the page, its progress polled until it finishes, then the fan charts and the
tornado charts drawn, in both languages; a chart's CSV downloaded as the page embeds it; the
optimiser's portfolio, step curve and a new objective from its form. Every page is watched: a
request off the machine or a console error fails the test."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from tests.browser.web import LANGS, OpenPage

pytestmark = pytest.mark.browser

SAMPLES = 100  # enough for every chart to have data; the numbers are tested in tests/web


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


@pytest.mark.parametrize("lang", LANGS)
def test_a_run_on_the_page_draws_the_fan_and_tornado_charts(
    open_page: OpenPage, lang: str, tmp_path: Path
) -> None:
    seed = 101 if lang == "en" else 102  # a run the server has not done yet
    query = "?lang=ja" if lang == "ja" else ""
    view = open_page(f"/uncertainty{query}", name=f"uncertainty-run-{lang}", accept_downloads=True)
    page = view.page
    polls: list[str] = []
    page.on(
        "request",
        lambda r: polls.append(r.url) if "/api/uncertainty/runs/" in r.url else None,
    )
    assert page.locator("#uncertainty").count() == 0
    page.locator("#run-form input[name=samples]").fill(str(SAMPLES))
    page.locator("#run-form input[name=seed]").fill(str(seed))
    with page.expect_navigation(timeout=120_000):
        page.locator("#run-button").click()
    page.wait_for_selector("#uncertainty")
    assert polls, "the page never asked for the run's progress"
    q = _query(page.url)
    assert (q["samples"], q["seed"], q.get("lang", "en")) == (str(SAMPLES), str(seed), lang)
    view.scroll_through()
    fans = page.locator('figure[data-kind="fan"] .plot[data-drawn="1"] svg.main-svg')
    tornados = page.locator('figure[data-kind="tornado"] .plot[data-drawn="1"] svg.main-svg')
    assert fans.count() >= 1 and tornados.count() >= 1
    assert view.drawn_count() == view.chart_count()
    # the probabilities table: one row per question, each with a share
    rows = page.locator("table.probabilities tbody tr")
    assert rows.count() >= 10
    assert rows.first.locator("td").nth(2).inner_text()[-1] in "%％"
    # a fan chart's CSV is the data the page embeds for it
    with page.expect_download() as info:
        page.locator("#fig-unc-fan-1 button.csv").click()
    path = tmp_path / "fan.csv"
    info.value.save_as(path)
    embedded = json.loads(page.locator("#csv-unc-fan-1").text_content() or '""')
    assert path.read_text("utf-8") == embedded and embedded.count("\n") == 21  # header + 20 years
    view.screenshot("done", "#uncertainty")
    view.check_clean()


@pytest.mark.parametrize("lang", LANGS)
def test_the_optimiser_page_draws_its_curve_and_takes_a_new_objective(
    open_page: OpenPage, lang: str
) -> None:
    query = "&lang=ja" if lang == "ja" else ""
    view = open_page(f"/optimize?points=21{query}", name=f"optimize-{lang}")
    page = view.page
    nav = page.locator('nav.pages a[data-nav="/optimize"]')
    assert nav.get_attribute("aria-current") == "page"
    assert nav.inner_text() == ("基金の最適化" if lang == "ja" else "Fund optimiser")
    assert page.locator("table.portfolio tbody tr").count() >= 1
    page.locator("#plot-step-curve").scroll_into_view_if_needed()
    page.wait_for_selector('#plot-step-curve[data-drawn="1"] svg.main-svg')
    xs = page.evaluate("document.getElementById('plot-step-curve').data[0].x.length")
    assert xs == 21
    before = page.locator("#optimize-intro").inner_text()
    page.locator("select[name=objective]").select_option("carbon")
    with page.expect_navigation():
        page.locator("#optimize-form button[type=submit]").click()
    q = _query(page.url)
    assert q["objective"] == "carbon" and q["scenario"] == "proposal-2022"
    assert q.get("lang", "en") == lang and q["points"] == "21"
    assert page.locator("#optimize-intro").inner_text() != before
    page.wait_for_selector('#plot-step-curve[data-drawn="1"] svg.main-svg', state="attached")
    view.screenshot("carbon")
    view.check_clean()
