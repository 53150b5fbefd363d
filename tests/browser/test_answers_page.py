"""The answers in a real browser: on the first screen in both languages, status pills that a
reader can read (WCAG AA), and the folded parts the page writes packed open with their
content (a chart's data and downloads, a collapsed source list's links)."""

from __future__ import annotations

import pytest
from tests.browser.pages import OpenReport

pytestmark = pytest.mark.browser

SCENARIOS = ("proposal-2022", "meti-strategy-2022", "actual-2025")


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_verdicts_are_on_the_first_screen(
    open_report: OpenReport, scenario: str, lang: str
) -> None:
    view = open_report(scenario, lang)  # 1400 x 900, at the top
    pills = view.page.locator("#answers .pill")
    assert pills.count() == 12
    # the box starts on the first screen and its first verdicts are read there
    box = view.page.locator("#answers").bounding_box()
    assert box is not None and box["y"] < view.height / 2
    first = pills.first.bounding_box()
    assert first is not None and first["y"] + first["height"] <= view.height
    words = set(pills.all_inner_texts())
    allowed = {"met", "at risk", "not met", "undefined"} if lang == "en" else None
    if allowed is not None:
        assert words <= allowed, words
    view.screenshot("answers")
    view.check_clean()


def test_status_pills_pass_wcag_aa(open_report: OpenReport) -> None:
    # actual-2025 shows all three statuses (met, at risk, not met: tests/test_answers.py)
    view = open_report("actual-2025", "en")
    statuses = set(
        view.page.locator("#answers li").evaluate_all("els => els.map(e => e.dataset.status)")
    )
    assert {"met", "at_risk", "not_met"} <= statuses
    ratios = view.contrasts("#answers .pill")
    assert len(ratios) == 12 and min(ratios) >= 4.5, ratios
    view.check_clean()


def test_packed_folds_open_with_their_content(open_report: OpenReport) -> None:
    view = open_report("proposal-2022", "ja")
    page = view.page
    # a chart's data: the table and its two downloads appear when the fold opens
    data = page.locator("details.data").first
    assert data.locator("table").count() == 0
    data.locator("summary").click()
    page.wait_for_function("document.querySelector('details.data table.chart-data') !== null")
    links = data.locator("p.downloads a")
    assert links.count() == 2
    href = links.first.get_attribute("href", timeout=1000)
    assert href is not None and href.startswith("data:text/csv")
    # a collapsed source list: its marks become links to the bibliography when opened
    cites = page.locator("details.cites").first
    marks = cites.get_attribute("data-cites")
    assert marks
    cites.locator("summary").click()
    page.wait_for_function("document.querySelector('details.cites[open] a.cite') !== null")
    hrefs = cites.locator("a.cite").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) == len(marks.split("|"))
    for href in hrefs:
        assert page.locator(f"ol.bib > li{href}").count() == 1
    view.check_clean()
