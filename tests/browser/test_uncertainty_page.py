"""The section "Uncertainty and what it takes" (``chikuden run --uncertainty``) in a real
browser: its fan charts and tornado charts draw, offline and without errors, in both
languages, and each answer in the box carries its probability."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser
from tests.browser.pages import HEIGHT, WIDTH, ReportView, watch

import chikuden
from chikuden.report.html import render_report
from chikuden.report.uncertainty import analyse

pytestmark = pytest.mark.browser

SAMPLES = 200  # enough for every chart to have data; the numbers are tested elsewhere


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_uncertainty_charts_draw(browser: Browser, tmp_path: Path, lang: str) -> None:
    scenario = chikuden.load_scenario("actual-2025")
    results = chikuden.evaluate(scenario)
    doc = analyse(scenario, results, samples=SAMPLES, seed=1)
    path = tmp_path / f"uncertainty-{lang}.html"
    path.write_text(render_report(results, lang, doc), encoding="utf-8")
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page = context.new_page()
        view = ReportView(page, f"actual-2025-uncertainty-{lang}-{WIDTH}", WIDTH, HEIGHT)
        watch(page, view)
        page.goto(path.as_uri(), wait_until="load")
        section = page.locator("#uncertainty")
        assert section.count() == 1
        targets = [b.get_attribute("data-target") for b in section.locator("script.fig-data").all()]
        # two fan charts (capacity.domestic_gwh, capacity.japan_global_gwh) and one tornado
        # per indicator of the sensitivity ranking that has indices (one without: a note)
        ranked = [e for e in doc["sensitivity"]["indicators"].values() if "note" not in e]
        assert sum(1 for t in targets if t and t.startswith("plot-unc-fan-")) == 2
        assert sum(1 for t in targets if t and t.startswith("plot-unc-tornado-")) == len(ranked)
        assert len(ranked) >= 3
        view.scroll_through()
        for target in targets:
            plot = page.locator(f"#{target}")
            assert plot.get_attribute("data-drawn") == "1", target
            assert plot.locator("svg.main-svg").count() > 0, target
        # the tornado draws one horizontal bar per parameter and index (Morris: mu*)
        bars = page.locator("#plot-unc-tornado-0 g.trace.bars g.point")
        assert bars.count() == len(scenario_spec_names(scenario))
        # every answer in the box reads "status — p%"
        pills = page.locator("#answers .pill .prob")
        assert pills.count() == 12
        assert all(("%" in t or "％" in t) for t in pills.all_inner_texts())
        page.evaluate("document.getElementById('uncertainty').scrollIntoView()")
        view.screenshot("uncertainty")
        view.check_clean()
    finally:
        context.close()


def scenario_spec_names(scenario: chikuden.Scenario) -> list[str]:
    from chikuden.uncertainty.distributions import scenario_spec

    return scenario_spec(scenario.uncertainty).names
