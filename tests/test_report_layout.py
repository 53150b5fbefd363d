"""The report's layout (issue 14): folded detail, compact matrices, a sentence and a data
table under every chart, small multiples in a comparison."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from functools import cache
from typing import Any
from urllib.parse import unquote

from tests.report_pages import figures, unpack

import chikuden
from chikuden.answers import questions
from chikuden.indicators import outputs, sections
from chikuden.report.charts import chart_summary, figure, figure_table
from chikuden.report.html import _common_ends, matrix_families, render_report
from chikuden.results import Results

ANSWER_FIGS = re.compile(r'<figure id="fig-(ans-[^"]+)">(.*?)</figure>', re.S)


@cache
def results_of(*names: str) -> Results:
    return chikuden.evaluate([chikuden.load_scenario(n) for n in names])


@cache
def page(lang: str, *names: str) -> str:
    text = unpack(render_report(results_of(*names), lang=lang))  # every fold open
    return text.partition('<script type="application/x-gzip-base64" id="plotly-js">')[0]


def line_figure(*traces: tuple[str, list[int], list[float | None]]) -> dict[str, Any]:
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "name": n, "x": x, "y": y} for n, x, y in traces
        ],
        "layout": {"yaxis": {"title": {"text": "GWh"}}},
    }


# -- the sentence under a chart ----------------------------------------------------------------
def test_summary_of_a_series_names_first_last_and_peak() -> None:
    # 10 GWh in 2021, rising to 40 in 2023, down to 30 in 2024: the peak (40 > 30) is named
    fig = line_figure(("Demand", [2021, 2022, 2023, 2024], [10.0, 25.0, 40.0, 30.0]))
    assert chart_summary(fig, "en") == (
        "Demand: 10 GWh in 2021, 30 GWh in 2024; peak 40 GWh in 2023."
    )
    assert (
        chart_summary(fig, "ja") == "Demand：2021年 10 GWh、2024年 30 GWh（最大は2023年の40 GWh）。"
    )


def test_summary_without_a_peak_inside_and_with_gaps_and_markers() -> None:
    # rising to its last year: no peak clause; a gap (None) and a target marker are ignored
    fig = line_figure(("Supply", [2021, 2022, 2023], [None, 1.5, 2.25]), ("Other", [2021], [9.0]))
    fig["data"].append({"mode": "markers", "name": "Target", "x": [2030], "y": [99.0]})
    assert chart_summary(fig, "en") == (
        "Supply (first of 2 series): 1.5 GWh in 2022, 2.25 GWh in 2023."
    )


def test_summary_of_bars_names_the_largest() -> None:
    # horizontal bars: categories on y; CN graphite 90 is the largest of 46.6, 90, 20
    fig = {
        "data": [
            {"type": "bar", "orientation": "h", "name": "AU", "y": ["Li", "C"], "x": [46.6, None]},
            {"type": "bar", "orientation": "h", "name": "CN", "y": ["Li", "C"], "x": [20.0, 90.0]},
        ],
        "layout": {"xaxis": {"title": {"text": "%"}}},
    }
    assert chart_summary(fig, "en") == "Largest: C (CN), 90 %."
    assert chart_summary({"data": [], "layout": {}}, "en") == "The chart has no data."


def test_figure_table_has_a_row_per_year_and_a_column_per_series() -> None:
    fig = line_figure(("A", [2022, 2021], [2.0, 1.0]), ("B", [2021], [1234.25]))
    table = figure_table(fig, "en")
    assert table.headers == ["Year", "A [GWh]", "B [GWh]"]
    # shown as the report writes numbers: from 100 on, no decimals (1234.25 -> 1,234)
    assert table.rows == [["2021", "1", "1,234"], ["2022", "2", ""]]
    assert list(csv.reader(io.StringIO(table.csv))) == [
        ["Year", "A [GWh]", "B [GWh]"],
        ["2021", "1.0", "1234.25"],
        ["2022", "2.0", ""],
    ]
    assert json.loads(table.json)["rows"] == [[2021, 1.0, 1234.25], [2022, 2.0, None]]


# -- compact matrices --------------------------------------------------------------------------
def test_matrix_families_of_dotted_and_underscored_keys() -> None:
    keys = [
        *("m.demand.li", "m.demand.ni", "m.demand.co"),  # dotted: metric.item
        *("m.hhi.li", "m.hhi.ni", "m.hhi.co"),
        *("c.fp_grid", "c.fp_onsite_solar", "c.eu_grid", "c.eu_onsite_solar"),  # underscored
        *("c.pass_grid", "c.pass_onsite_solar"),
        "c.total",  # no other key ends with "total": stays a row
        "c.year_grid",  # "grid" is its only item: a metric of one item stays a row
    ]
    fams = matrix_families(keys)
    assert [f.metrics for f in fams] == [["m.demand", "m.hhi"], ["c.fp", "c.eu", "c.pass"]]
    assert fams[0].items == ["li", "ni", "co"]
    assert "c.total" not in fams[1].cells.values() and "c.year_grid" not in fams[1].cells.values()
    # "onsite_solar" (ends 2 keys, as does "solar") is the longer item of the two
    assert fams[1].items == ["grid", "onsite_solar"]
    assert fams[1].cells[("c.pass", "grid")] == "c.pass_grid"
    # a family of fewer than MATRIX_MIN = 6 keys reads as rows
    assert matrix_families(["x.a.p", "x.a.q", "x.b.p", "x.b.q"]) == []


def test_common_ends_cut_at_words_where_there_are_words() -> None:
    labels = ["Concentration of world lithium mining", "Concentration of world nickel mining"]
    assert _common_ends(labels) == ("Concentration of world ", " mining")
    # Japanese has no spaces: the shared characters themselves
    assert _common_ends(["世界のリチウム採掘", "世界のニッケル採掘"]) == ("世界の", "採掘")


def test_minerals_matrix_shows_every_mineral_value_once() -> None:
    res = results_of("proposal-2022")
    text = page("en", "proposal-2022")
    ids = Counter(re.findall(r'\bid="([^"]+)"', text))
    assert not [k for k, n in ids.items() if n > 1]  # every anchor once
    for key, decl in outputs().items():
        if decl.kind == "indicator" and key.startswith(("minerals.", "needs.")):
            assert f'id="ind-{key}"' in text, key
    cell = text.split('id="ind-minerals.hhi_mining.lithium"', 1)[1].split("</td>", 1)[0]
    from chikuden.formatting import format_output

    shown = format_output(
        res.value("minerals.hhi_mining.lithium"), outputs()["minerals.hhi_mining.lithium"], "en"
    )
    assert cell.endswith(">" + shown)
    assert '<table class="matrix">' in text


# -- folded detail -----------------------------------------------------------------------------
def test_detail_folds_and_the_appendix_follows_the_body() -> None:
    text = page("en", "proposal-2022")
    assert "<details open" not in text
    body, _, appendix = text.partition('<div id="appendix" class="appendix">')
    assert 'id="parameters"' in appendix and 'id="bibliography"' in appendix
    assert 'id="parameters"' not in body
    # every per-row table is inside a <details> whose summary says how many rows
    for block in re.findall(r"<details class=\"fold rows\">(.*?)</details>", body, re.S):
        assert re.search(r"<summary><h3>[^<]*\d+ rows?\)[^<]*</h3></summary>", block)
        assert '<table class="rows">' in block
    assert body.count('<table class="rows">') == len(
        re.findall(r'<details class="fold rows">', body)
    )


def test_every_chart_has_a_sentence_and_its_data_one_click_away() -> None:
    text = page("ja", "proposal-2022")
    figs = [f for target, f in figures(text) if not target.startswith("plot-ans-")]
    declared = [c for s in sections() for c in s.charts]
    assert len(figs) == len(declared)
    for chart, fig in zip(declared, figs, strict=True):
        block = text.split(f'id="fig-{chart.id}"', 1)[1].split("</figure>", 1)[0]
        sentence = re.search(r'<p class="summary">(.*?)</p>', block)
        assert sentence and sentence[1].endswith("。"), chart.id
        assert '<details class="data">' in block and '<table class="chart-data">' in block
        csv_uri = re.search(
            r'download="[^"]+\.csv" href="data:text/csv;charset=utf-8,([^"]*)"', block
        )
        json_uri = re.search(r'href="data:application/json;charset=utf-8,([^"]*)"', block)
        assert csv_uri and json_uri, chart.id
        # the download is the figure's own data: same table as figure_table builds
        assert unquote(csv_uri[1]) == figure_table(fig, "ja").csv
    # the answers' charts too: a sentence, the data and its downloads under each
    answer_figs = ANSWER_FIGS.findall(text)
    assert len(answer_figs) == len(questions())
    for fig_id, block in answer_figs:
        sentence = re.search(r'<p class="summary">(.*?)</p>', block)
        assert sentence and sentence[1].endswith("。"), fig_id
        assert '<table class="chart-data">' in block and "data:text/csv" in block, fig_id


# -- comparison: small multiples ---------------------------------------------------------------
def test_compare_draws_one_small_panel_per_series_with_shared_axes() -> None:
    res = results_of("proposal-2022", "meti-strategy-2022", "actual-2025")
    chart = next(c for s in sections() for c in s.charts if c.id == "carbon-options")
    fig = figure(chart, res, "en", "")
    lines = [t for t in fig["data"] if t.get("mode") != "markers"]
    assert len(lines) == len(chart.series) * 3  # every series once per scenario
    panels = {t["xaxis"] for t in lines}
    assert len(panels) == len(chart.series)  # one panel per series
    layout = fig["layout"]
    for p in range(2, len(chart.series) + 1):
        assert layout[f"xaxis{p}"]["matches"] == "x" and layout[f"yaxis{p}"]["matches"] == "y"
    # the legend names the three scenarios once, not series x scenarios
    legend = [t["name"] for t in lines if t["showlegend"]]
    assert legend == list(res.names)
    # a single scenario keeps one chart with a legend entry per series
    one = figure(chart, results_of("proposal-2022"), "en", "")
    assert "xaxis2" not in one["layout"]


def test_compare_draws_an_area_as_one_stacked_panel_per_scenario() -> None:
    res = results_of("proposal-2022", "actual-2025")
    chart = next(c for s in sections() for c in s.charts if c.id == "market-demand")
    assert chart.kind == "area" and len(chart.series) > 1
    fig = figure(chart, res, "en", "")
    lines = [t for t in fig["data"] if t.get("mode") != "markers"]
    # scenario i: its own panel and its own stack, parts as the single report stacks them
    for i, name in enumerate(res.names):
        own = [t for t in lines if t["meta"].endswith(f" — {name}")]
        assert len(own) == len(chart.series)
        assert {t["stackgroup"] for t in own} == {f"s{i}"}
        assert {t["xaxis"] for t in own} == {"x" if i == 0 else f"x{i + 1}"}
        for t, key in zip(own, chart.series, strict=True):
            assert t["y"][-1] == float(f"{res.series[key][i][-1]:.6g}")  # GWh as they are
    legend = [t["name"] for t in lines if t["showlegend"]]
    assert legend == [outputs()[k].label_en for k in chart.series]
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles == list(res.names)
    # each scenario's 2030 target marker sits in that scenario's panel
    markers = [t for t in fig["data"] if t.get("mode") == "markers"]
    assert [m["xaxis"] for m in markers] == ["x", "x2"][: len(markers)]
