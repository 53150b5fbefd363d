"""The partial plotly.js bundle shipped with chikuden (report/assets, built by
scripts/build_plotly_bundle.sh): same version as the Python plotly's plotly.js, holds every
trace type a chart can produce, is what the reports inline; and the reports' size."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import pytest
from tests.report_pages import PLOTLY, figures, inflate

import chikuden
from chikuden import charting as charts
from chikuden.report.html import render_report
from chikuden.results import Results

SCENARIOS = ("proposal-2022", "meti-strategy-2022", "actual-2025")
COMPARE = "+".join(SCENARIOS)
MAX_REPORT_BYTES = 1_500_000  # issue 14: each report <= 1.5 MB


@cache
def results_of(names: str) -> Results:
    return chikuden.evaluate([chikuden.load_scenario(n) for n in names.split("+")])


@cache
def report(names: str, lang: str) -> str:
    return render_report(results_of(names), lang=lang)


def test_bundle_is_the_python_plotly_version() -> None:
    """Rebuild with scripts/build_plotly_bundle.sh after upgrading plotly."""
    import plotly.offline

    assert charts.bundle_version() == plotly.offline.get_plotlyjs_version()


def test_bundle_is_partial_and_ships_its_licence() -> None:
    js = charts.plotly_js()
    assert js.startswith("/**\n* plotly.js v")
    assert charts.bundle_traces() == {"scatter", "bar"}
    assert len(js.encode()) < 1_300_000  # the full plotly.min.js is 4.8 MB
    assets = resources.files("chikuden.report").joinpath("assets")
    assert "MIT License" in assets.joinpath("plotly.js-LICENSE.txt").read_text("utf-8")


def trace_types(page: str) -> set[str]:
    return {str(trace.get("type", "scatter")) for _, fig in figures(page) for trace in fig["data"]}


@pytest.mark.parametrize("names", [*SCENARIOS, COMPARE])
def test_every_trace_type_a_chart_produces_is_in_the_bundle(names: str) -> None:
    """Every declared chart, for one scenario and for several (compare draws differently): a
    chart kind drawing a trace type outside the bundle fails here; add it to TRACES in
    scripts/build_plotly_bundle.sh and rebuild."""
    types = trace_types(report(names, "en"))
    assert types, names
    missing = types - charts.bundle_traces()
    assert not missing, f"trace types not in the plotly.js bundle: {sorted(missing)}"


def test_reports_inline_the_shipped_bundle_once() -> None:
    page = report("actual-2025", "ja")
    assert page.count(charts.packed_plotly_js()) == 1
    assert inflate(charts.packed_plotly_js()) == charts.plotly_js()
    # packed: the page carries less than half the bundle's bytes
    assert len(charts.packed_plotly_js()) < len(charts.plotly_js().encode()) / 2


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("names", [*SCENARIOS, COMPARE])
def test_scripts_fit_in_the_report_budget(names: str, lang: str) -> None:
    """What this bundle owns of the 1.5 MB: the inlined scripts (plotly.js, packed, and the
    drawing code)."""
    page = report(names, lang)
    scripts = [*PLOTLY.findall(page), *re.findall(r"<script>(.*?)</script>", page, re.S)]
    assert len(scripts) >= 2
    assert sum(len(s.encode()) for s in scripts) < 600_000


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("names", [*SCENARIOS, COMPARE])
def test_report_is_at_most_1_5_mb(names: str, lang: str) -> None:
    size = len(report(names, lang).encode("utf-8"))
    assert size <= MAX_REPORT_BYTES, f"{names} ({lang}): {size:,} bytes"
