"""The proposal-2022 report reads in under 15 screens and fits a phone's width."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser
from tests.browser.layout import SCREEN, measure

import chikuden
from chikuden.report.html import render_report

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def proposal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    results = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    path.write_text(render_report(results, "en"), encoding="utf-8")
    return path


def test_main_body_is_under_fifteen_screens_at_1400_px(browser: Browser, proposal: Path) -> None:
    got = measure(browser, proposal, 1400)
    assert got.open_details == 0  # detail starts folded
    # 15 screens of a 1400 x 900 window: 15 x 900 = 13,500 px before the detail by domain
    assert got.body < 15 * SCREEN, f"main body {got.body:.0f} px = {got.screens:.1f} screens"


def test_page_fits_390_px_without_sideways_scrolling(browser: Browser, proposal: Path) -> None:
    got = measure(browser, proposal, 390, 844)
    assert got.scroll_width <= 390, got
    # opened, the wide tables scroll inside their own box, not the page
    opened = measure(browser, proposal, 390, 844, open_all=True)
    assert opened.open_details > 0 and opened.scroll_width <= 390, opened
