"""The reports in a real browser (headless Debian chromium): offline, no errors, every chart
drawn (when scrolled into view, or before printing), Japanese glyphs rendered; screenshots in
out/test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser
from tests.browser.pages import (
    HEIGHT,
    LANGS,
    SCENARIOS,
    WIDTH,
    OpenReport,
    ReportView,
    chromium_path,
    contrast_ratio,
    is_local,
    parse_rgb,
    watch,
)

from chikuden.roadmap import report, review
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.seed import seed

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_report_draws_every_chart_offline_without_errors(
    open_report: OpenReport, scenario: str, lang: str
) -> None:
    view = open_report(scenario, lang)
    total = view.chart_count()
    assert total > 10
    # Drawn when seen: at the top of the page, the charts further down are not drawn yet.
    assert view.drawn_count() < total
    view.screenshot("top")
    view.scroll_through()
    assert view.drawn_count() == total
    view.screenshot("chart-1", ".plot")
    view.check_clean()


def test_every_chart_is_drawn_before_printing(open_report: OpenReport) -> None:
    view = open_report("proposal-2022", "en")
    total = view.chart_count()
    assert view.drawn_count() < total
    view.page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    view.page.wait_for_function(f"document.querySelectorAll('[data-drawn]').length >= {total}")
    assert view.drawn_count() == total
    view.check_clean()


def test_japanese_glyphs_render(open_report: OpenReport) -> None:
    view = open_report("proposal-2022", "ja")
    assert "蓄電池" in view.page.inner_text("body")
    # Noto Sans CJK draws an ideograph one em wide: 5 x 16 px = 80 px. Without a CJK font each
    # is the missing-glyph box, as wide as the box drawn for U+FFFF (about 6 px each here).
    shown, tofu = view.japanese_width("蓄電池産業", 16)
    assert 72 <= shown <= 88, f"{shown:.1f} px for 5 ideographs at 16 px"
    assert abs(shown - tofu) > 0.2 * shown, f"as wide as missing glyphs ({tofu:.1f} px)"
    view.screenshot("japanese")


def test_requests_off_the_machine_are_caught(open_report: OpenReport) -> None:
    """The guard itself: a fetch to an outside address is aborted and recorded."""
    view = open_report("actual-2025", "en")
    view.page.evaluate("fetch('https://example.org/x.js').then(() => 1, () => 0)")
    assert view.outside == ["https://example.org/x.js"]


def test_is_local() -> None:
    assert is_local("file:///tmp/report.html")
    assert is_local("data:image/png;base64,AAAA")
    assert is_local("http://127.0.0.1:8000/report.html")
    assert is_local("http://localhost/x")
    assert not is_local("https://cdn.plot.ly/plotly-2.35.2.min.js")
    assert not is_local("http://192.168.1.10/x")


def test_contrast_ratio_by_hand() -> None:
    # Black on white: (1 + 0.05) / (0 + 0.05) = 21.
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    # #777 on white: 119/255 = 0.4667 -> ((0.4667 + 0.055) / 1.055) ** 2.4 = 0.1845 per
    # channel, so L = 0.1845 and (1.05) / (0.1845 + 0.05) = 4.48 (just under AA's 4.5).
    assert contrast_ratio((119, 119, 119), (255, 255, 255)) == pytest.approx(4.478, abs=0.002)
    assert parse_rgb("rgba(12, 34, 56, 0.5)") == (12.0, 34.0, 56.0)


def test_a_missing_chromium_fails_saying_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIKUDEN_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.fail.Exception, match=r"scripts/chromium\.sh"):
        chromium_path()


def test_roadmap_review_draws_its_charts_offline(browser: Browser, tmp_path: Path) -> None:
    """The annual review of the seeded ledger uses the same bundle and drawing script."""
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite'}", user="tester", create=True)
    with ledger.transaction() as s:
        seed(s)
    with ledger.transaction() as s:
        files = report.write(s, review.compute(s, 2025), tmp_path)
    ledger.close()
    for file in files:
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        page = context.new_page()
        view = ReportView(page, file.stem)
        watch(page, view)
        page.goto(file.as_uri(), wait_until="load")
        total = view.chart_count()
        assert total > 5
        view.scroll_through()
        assert view.drawn_count() == total
        view.screenshot("top")
        view.check_clean()
        context.close()
