"""The HTML report: offline, generic over the declared sections, cited, bilingual."""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re
from functools import cache
from typing import Any

import pytest
from tests.report_pages import figures as page_figures
from tests.report_pages import inflate, unpack

import chikuden
from chikuden.analysis import findings as findings_module
from chikuden.analysis.findings import Finding
from chikuden.charting import axis_scale, plotly_js, to_script_json
from chikuden.formatting import short_label
from chikuden.indicators import outputs, sections
from chikuden.parameters import bibliography, declarations
from chikuden.report import charts
from chikuden.report.html import build_view, parameter_value_text, render_report
from chikuden.report.labels import row_label
from chikuden.results import Results


@cache
def results_of(*names: str) -> Results:
    return chikuden.evaluate([chikuden.load_scenario(n) for n in names])


@cache
def report(lang: str, *names: str) -> str:
    return render_report(results_of(*names), lang=lang)


def text_of(page: str) -> str:
    """The page with every fold open (:func:`tests.report_pages.unpack`), without plotly.js,
    with entities decoded."""
    head, _, _ = unpack(page).partition('<script type="application/x-gzip-base64" id="plotly-js">')
    return html.unescape(head)


def cited_keys(fragment: str, page: str) -> set[str]:
    """The bibliography keys a part of a page cites: its links, and the marks of its collapsed
    lists (``data-cites``, whose numbers the page's bibliography maps to its entries)."""
    numbers = dict(re.findall(r'<li id="src-([^"]+)">\s*<span class="n">\[(\d+)\]', page))
    by_number = {n: key for key, n in numbers.items()}
    keys = set(re.findall(r'class="cite" href="#src-([^"]+)"', fragment))
    for marks in re.findall(r'data-cites="([^"]*)"', fragment):
        keys |= {by_number[m.split(":", 1)[0]] for m in marks.split("|")}
    return keys


def figures(page: str) -> list[dict[str, Any]]:
    """The domain sections' figures; the answers' own (plot-ans-*) are tested in
    test_answers.py."""
    return [fig for target, fig in page_figures(page) if not target.startswith("plot-ans-")]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_report_is_offline(lang: str) -> None:
    page = report(lang, "proposal-2022")
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\shref\s*=", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page, re.I)
    assert not re.search(r"<(img|iframe)[^>]*\ssrc\s*=\s*['\"]?https?:", page, re.I)
    # plotly.js is inlined exactly once, packed, and is the shipped bundle
    bundles = re.findall(
        r'<script type="application/x-gzip-base64" id="plotly-js">(.*?)</script>', page
    )
    assert len(bundles) == 1
    assert inflate(bundles[0]) == plotly_js()


def test_english_report_shows_every_indicator_label_and_section_title() -> None:
    page = text_of(report("en", "proposal-2022"))
    assert '<html lang="en">' in page
    for key, decl in outputs().items():
        if decl.kind == "indicator":
            assert decl.label_en in page, key
    for sec in sections():
        assert sec.title_en in page
        assert sec.intro_en in page
    assert "3,000" in page  # 2030 world market, P1


def test_japanese_report_has_japanese_labels() -> None:
    page = text_of(report("ja", "proposal-2022"))
    assert '<html lang="ja">' in page
    for key, decl in outputs().items():
        if decl.kind == "indicator":
            assert decl.label_ja in page, key
    for sec in sections():
        assert sec.title_ja in page
    assert "2022年提言（議員連盟、2022年6月1日）" in page  # the scenario's Japanese title
    assert "参考文献" in page and "目次" in page
    assert "Global battery demand in 2030" not in page  # no English indicator labels


def test_every_internal_link_has_a_target() -> None:
    page = text_of(report("en", "proposal-2022", "actual-2025"))
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    links = set(re.findall(r'href="#([^"]+)"', page))
    assert links, "the report has a table of contents and citations"
    assert links <= ids, sorted(links - ids)


def test_every_declared_chart_is_drawn_with_its_source() -> None:
    page = report("en", "proposal-2022")
    declared = [c for s in sections() for c in s.charts]
    figs = figures(page)
    assert len(figs) == len(declared)
    text = text_of(page)
    for chart, fig in zip(declared, figs, strict=True):
        layout = fig["layout"]
        assert layout["title"]["text"] == chart.title_en
        assert layout["title"]["subtitle"]["text"].startswith("Source: chikuden model")
        names = [t["name"] for t in fig["data"]]
        for key in chart.series:
            assert outputs()[key].label_en in names
        # the figure's caption cites at least the clause of every target
        block = text.split(f'id="fig-{chart.id}"', 1)[1].split("</figure>", 1)[0]
        caption = block.split("<figcaption>", 1)[1].split("</figcaption>", 1)[0]
        assert cited_keys(caption, text)


def test_chart_source_notes_link_their_marks_to_the_bibliography() -> None:
    page = report("ja", "proposal-2022")
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    for fig in figures(page):
        note = fig["layout"]["title"]["subtitle"]["text"]
        assert note.startswith("出典：chikuden モデル；")  # one punctuation style
        anchors = re.findall(r'<a href="#([^"]+)" target="_self">\[\d+', note)
        assert anchors and set(anchors) <= ids
        assert "proposal-2022:" not in note  # numbers, not source keys
    # opened from a file, plotly drops the links: the page script follows the mark instead
    assert 'closest(".plot a")' in page


def test_targets_are_markers_at_their_year() -> None:
    res = results_of("proposal-2022")
    figs = figures(report("en", "proposal-2022"))
    declared = [c for s in sections() for c in s.charts]
    for chart, fig in zip(declared, figs, strict=True):
        markers = [t for t in fig["data"] if t.get("mode") == "markers"]
        with_year = [k for k in chart.targets if outputs()[k].year is not None]
        assert len(markers) == len(with_year)
        for key, marker in zip(with_year, markers, strict=True):
            assert marker["x"] == [outputs()[key].year]
            # Markers are drawn in the axis's display unit (e.g. a share in %, yen in 兆円):
            # undo the axis scale before comparing with the indicator.
            peak = max(
                [abs(v) for k in chart.series for v in res.series[k][0] if math.isfinite(v)]
                or [0.0]
            )
            factor = axis_scale(chart.unit or outputs()[chart.series[0]].unit, "en", peak).factor
            assert marker["y"][0] == pytest.approx(res.value(key) * factor, rel=1e-5)


def test_compare_overlays_every_series_once_per_scenario() -> None:
    names = ("proposal-2022", "actual-2025")
    figs = figures(report("en", *names))
    declared = [c for s in sections() for c in s.charts]
    for chart, fig in zip(declared, figs, strict=True):
        if chart.kind in ("rows", "stack"):  # bars of rows or of indicators: tested apart
            continue
        lines = [t for t in fig["data"] if t.get("mode") != "markers"]
        assert len(lines) == len(chart.series) * len(names)
        # areas are not stacked across scenarios: a stack (one small panel) is one scenario's
        stacks: dict[str, set[str]] = {}
        for t in lines:
            if "stackgroup" in t:
                stacks.setdefault(t["stackgroup"], set()).add(t["meta"].rsplit(" — ", 1)[1])
        assert all(len(owners) == 1 for owners in stacks.values()), stacks
    page = text_of(report("en", *names))
    assert "Scenario comparison" in page
    head = page.split('<table class="indicators">', 1)[1].split("</thead>", 1)[0]
    assert '<th class="num">proposal-2022</th>' in head
    assert '<th class="num">actual-2025</th>' in head


def test_indicator_rows_cite_their_sources_and_clause() -> None:
    res = results_of("proposal-2022")
    page = text_of(report("en", "proposal-2022"))
    bib = bibliography()
    for key in ("market.global_demand_2030", "targets.domestic_capacity_2030"):
        row = page.split(f'id="ind-{key}"', 1)[1].split("</tr>", 1)[0]
        assert ">P1</a>" in row  # the clause column
        cited = cited_keys(row, page)
        for source in res.sources(key, 0):
            base = source.split(":", 1)[0]
            assert base in cited
            assert f'id="src-{base}"' in page
            assert bib[base].title in page


def test_bibliography_lists_exactly_the_cited_sources() -> None:
    page = text_of(report("en", "proposal-2022"))
    cited = cited_keys(page, page)
    listed = set(re.findall(r'<li id="src-([^"]+)"', page))
    assert cited == listed
    assert "proposal-2022" in listed


def test_rows_outputs_get_one_table_row_per_table_row() -> None:
    res = results_of("proposal-2022")
    page = text_of(report("en", "proposal-2022"))
    rows_outputs = [d for d in outputs().values() if d.kind == "rows"]
    for decl in rows_outputs:
        assert decl.table is not None
        table = res.params.table_values[decl.table][0]
        assert decl.label_en in page
        for row in table.rows:
            # Rows are labelled by their name (words, not the id), the id in the tooltip.
            label = short_label(row_label(row, "en"))
            if row.get("imputed"):
                label += " (imputed: estimated, not a reported project)"
            if "id" in row:
                assert f'<td title="{row["id"]}">{label}</td>' in page
                assert f"<td>{row['id']}</td>" not in page
            else:
                assert f"<td>{label}</td>" in page


def test_parameter_section_lists_every_parameter_and_marks_overrides() -> None:
    scenario = chikuden.load_scenario("proposal-2022", overrides=["market.demand_2030_gwh=3500"])
    page = text_of(render_report(chikuden.evaluate(scenario), lang="en"))
    for name in declarations():
        assert f'id="param-{name}"' in page
    row = page.split('id="param-market.demand_2030_gwh"', 1)[1].split("</tr>", 1)[0]
    assert "3,500" in row
    assert "set with --set" in row
    assert 'href="#src-user-override"' in row
    # the scenario file's own value is marked too, with its source (proposal P1)
    share = page.split('id="param-targets.japan_share_2030"', 1)[1].split("</tr>", 1)[0]
    assert "set by scenario" in share and "20%" in share

    # the row of an overridden value is highlighted; a default's row is not
    def row_attributes(name: str) -> str:
        match = re.search(rf'<tr id="param-{re.escape(name)}"([^>]*)>', page)
        assert match is not None
        return match[1]

    assert 'class="overridden"' in row_attributes("market.demand_2030_gwh")
    assert 'class="overridden"' in row_attributes("targets.japan_share_2030")
    assert row_attributes("market.demand_base_gwh") == ""


def test_parameter_values_of_paths_read_as_year_points() -> None:
    decl = declarations()["market.stationary_share"]
    scenario = chikuden.load_scenario("proposal-2022")
    # default points 2021: 0.06, 2024: 0.13, 2030: 0.107 (data/parameters/market.csv)
    assert parameter_value_text(decl, scenario, "en") == "2021: 6%, 2024: 13%, 2030: 10.7%"
    flat = scenario.with_overrides({"market.stationary_share": 0.1})
    assert parameter_value_text(decl, flat, "en") == "10%"


def test_audit_findings_show_status_badges_text_and_sources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fake(results: Results, i: int = 0) -> list[Finding]:
        return [
            Finding(
                "sum-need", "P1", "ok", "2.2 + 1.5 + 2.1 = 5.8", "2.2＋1.5＋2.1＝5.8", ("derived",)
            ),
            Finding("fund-gap", "P1", "warn", "The fund covers half", "基金は半分", ("basc-2022",)),
        ]

    monkeypatch.setattr(findings_module, "findings", fake)
    page = text_of(render_report(results_of("proposal-2022"), lang="ja"))
    section = page.split('id="audit"', 1)[1].split("</section>", 1)[0]
    assert '<span class="badge ok">適合</span>' in section
    assert '<span class="badge warn">要注意</span>' in section
    assert "2.2＋1.5＋2.1＝5.8" in section
    assert 'href="#src-basc-2022"' in section
    assert 'id="src-basc-2022"' in page


def test_a_finding_citing_an_unknown_source_is_a_bug_not_a_user_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = Finding("x", "P99", "info", "text", "テキスト", ())
    monkeypatch.setattr(findings_module, "findings", lambda results, i=0: [bad])
    with pytest.raises(RuntimeError, match="cannot cite 'proposal-2022:P99'"):
        render_report(results_of("proposal-2022"), lang="en")


def test_audit_section_says_so_when_there_are_no_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(findings_module, "findings", lambda results, i=0: [])
    page = text_of(render_report(results_of("proposal-2022"), lang="en"))
    assert "No findings for this scenario yet." in page


def test_report_needs_the_scenarios() -> None:
    res = results_of("proposal-2022")
    bare = Results(res.names, res.params, res.indicators, res.series, res.rows)
    with pytest.raises(ValueError, match="needs the scenarios"):
        build_view(bare, "en")


def test_axis_scale_reads_like_the_tables() -> None:
    assert axis_scale("JPY", "ja", 5.8e12).label == "兆円"
    assert axis_scale("JPY", "ja", 5e11).factor == pytest.approx(1e-8)  # 5,000億円
    assert axis_scale("JPY", "en", 5e11).label == "billion JPY"
    assert axis_scale("JPY", "ja", 5e7).label == "万円"  # 5,000万円
    assert axis_scale("JPY per connector", "ja", 2e6).label == "万円/口"
    assert axis_scale("JPY per connector", "en", 2e6).label == "million JPY per connector"
    assert axis_scale("connectors", "ja", 3e5).label == "口"
    assert axis_scale("USD per kWh", "ja", 120).label == "ドル/kWh"  # the currency stays
    assert axis_scale("USD per kWh", "en", 120).label == "USD per kWh"
    assert axis_scale("share", "ja", 0.2).label == "％"
    assert axis_scale("share per year", "ja", 0.2).label == "％/年"
    assert axis_scale("share", "en", 0.2).factor == 100.0
    assert axis_scale("GWh", "en", 3000).label == "GWh"


def test_figure_json_cannot_close_its_script_element() -> None:
    text = to_script_json({"t": "</script><script>alert(1)</script>", "c": "<!-- x"})
    assert "<" not in text
    assert json.loads(text) == {"t": "</script><script>alert(1)</script>", "c": "<!-- x"}


def test_rows_tables_split_per_scenario_when_the_rows_differ() -> None:
    rows_outputs = [d for d in outputs().values() if d.kind == "rows" and d.table]
    assert rows_outputs, "the model declares per-row outputs (capacity.plant_gwh_2030, ...)"
    decl = rows_outputs[0]
    assert decl.table is not None
    base = chikuden.load_scenario("proposal-2022")
    table = base.value(decl.table)
    first_row = [dict(table.rows[0])]
    fewer = base.with_overrides({decl.table: {"rows": first_row}})
    fewer = dataclasses.replace(fewer, name="one-row")
    page = text_of(render_report(chikuden.evaluate([base, fewer]), lang="en"))
    what = declarations()[decl.table].description_en  # the table in words, not its key
    titles = re.findall(rf"<h3>Per row: {re.escape(what)} \(([^)]*)\)[^<]*</h3>", page)
    # one table per scenario: all bundled rows, then the single inline row
    assert f"{table.label}, {len(table.rows)} rows" in titles
    assert "inline rows, 1 row" in titles
    assert "— one-row</h3>" in page


# -- charts of table rows ----------------------------------------------------------------------
def _chart_figure(page: str, chart_id: str) -> dict[str, Any]:
    declared = [c.id for s in sections() for c in s.charts]
    return figures(page)[declared.index(chart_id)]


def test_concentration_bars_split_each_mineral_and_stage_by_country() -> None:
    fig = _chart_figure(report("en", "proposal-2022"), "minerals-concentration")
    by_country = {t["name"]: dict(zip(t["y"], t["x"], strict=True)) for t in fig["data"]}
    # bundled USGS/IEA table: graphite refining CN 4,168,800 t of 4,632,000 t = 90.0%;
    # lithium mining AU 86,000 of 184,680 t = 46.57%
    # bars and parts read in words: "Graphite refining", "China" (not graphite · refining, CN)
    assert by_country["China"]["Graphite refining"] == pytest.approx(90.0, abs=0.01)
    assert by_country["Australia"]["Lithium mining"] == pytest.approx(46.567, abs=0.01)
    # every bar adds up to 100% (the ZZ rows are "other countries")
    cats = fig["data"][0]["y"]
    assert len(cats) == 10  # 5 minerals x mining, refining
    for cat in cats:
        total = sum(v.get(cat) or 0.0 for v in by_country.values())
        assert total == pytest.approx(100.0, abs=1e-3), cat
    assert "other countries" in by_country and fig["layout"]["barmode"] == "stack"


def test_stress_bars_are_the_lost_production_of_each_shock() -> None:
    res = results_of("proposal-2022")
    fig = _chart_figure(report("en", "proposal-2022"), "minerals-stress")
    (trace,) = fig["data"]
    rows = res.params.table_values["minerals.stress_tests"][0].rows
    # the first row of the bundled table (graphite, CN, cut 0.5, 6 months) in words
    assert trace["y"][0] == "Graphite from China: 50% cut for 6 months"
    ja = _chart_figure(report("ja", "proposal-2022"), "minerals-stress")
    assert ja["data"][0]["y"][0] == "中国産黒鉛：50％減（6か月）"
    assert len(trace["y"]) == len(rows)
    lost = res.rows["minerals.stress_lost_gwh"][0]
    assert trace["x"] == pytest.approx([float(f"{v:.6g}") for v in lost])
    # compared: one bar per shock and scenario, named by the scenario
    names = ("proposal-2022", "actual-2025")
    both = _chart_figure(report("en", *names), "minerals-stress")
    assert [t["name"] for t in both["data"]] == list(names)


def test_long_source_notes_are_cut_to_three_lines() -> None:
    text = "Source: chikuden model; " + ", ".join(f"source-key-{i}" for i in range(60))
    more = "(every source is listed under the chart)"
    lines = charts.wrap_note(text, max_lines=3, more=more)
    assert len(lines) == 3 and lines[-1].endswith("… " + more)
    assert all(len(line) <= 110 for line in lines)
    assert charts.wrap_note("short", max_lines=3, more=more) == ["short"]


def test_stack_chart_stacks_each_part_with_support_below_zero() -> None:
    # finance-cost-gap: one bar per country (and scenario), one trace per component; the
    # support is drawn below zero, so a bar's parts add up to its cost net of support.
    chart = next(c for s in sections() for c in s.charts if c.id == "finance-cost-gap")
    res = results_of("proposal-2022", "actual-2025")
    fig = charts.figure(chart, res, "en", "")
    assert fig["layout"]["barmode"] == "relative"
    assert [t["name"] for t in fig["data"]] == [p.en for p in chart.parts]
    assert fig["data"][0]["x"][:2] == ["Japan — proposal-2022", "Japan — actual-2025"]
    peak = max(abs(res.value(k, i)) for k in chart.part_keys for i in range(res.n))
    factor = axis_scale(chart.unit, "en", peak).factor
    for i, name in enumerate(res.names):
        net = sum(t["y"][i] for t in fig["data"])  # bar "Japan" of scenario i
        expected = res.value("finance.cost_gap_net_japan", i) * factor
        assert net == pytest.approx(expected, rel=1e-5), name
    support = fig["data"][-1]["y"][0]
    assert support < 0 and chart.parts[-1].sign == -1
    ja = charts.figure(chart, results_of("proposal-2022"), "ja", "")
    assert ja["data"][0]["x"] == ["日本", "中国", "韓国", "米国", "EU"]
