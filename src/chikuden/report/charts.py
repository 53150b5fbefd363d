"""Plotly figures of the model's report as plain JSON dicts, built from the declared charts (no
plotly import); the page draws them offline with :func:`chikuden.charting.page_scripts`.

A :class:`chikuden.indicators.Chart` names its kind (line, area, bar), the series it draws and
optional target indicators drawn as markers at their year. With several scenarios (compare),
every series is drawn once per scenario: same colour per series, one dash style per scenario,
and areas become unstacked lines so that scenarios can be read against each other.

Axis values are scaled by unit (:func:`chikuden.charting.axis_scale`) so that they read like
the tables: yen in 億円/兆円 or billion/trillion JPY, shares in percent.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chikuden.charting import DASHES, FONT, PALETTE, axis_scale
from chikuden.formatting import MYRIAD_LANGS, NOISE
from chikuden.i18n import translator
from chikuden.report.labels import row_words, word

if TYPE_CHECKING:
    from chikuden.indicators import Chart
    from chikuden.report.html import Cite
    from chikuden.results import Results


def _finite_list(
    values: Sequence[float], factor: float, peak: float | None = None
) -> list[float | None]:
    """Scaled values rounded to 6 significant digits; NaN and inf become gaps (None). With the
    axis' ``peak`` (unscaled), a value below :data:`chikuden.formatting.NOISE` of it is
    rounding noise and drawn as 0."""
    noise = NOISE * peak if peak else 0.0
    return [
        (0.0 if abs(v) < noise else float(f"{v * factor:.6g}")) if math.isfinite(v) else None
        for v in values
    ]


def value_axis(label: str, lang: str, **axis: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A value axis titled ``label`` and the annotations it needs: Japanese writes the unit
    horizontally above the top of the axis (as ministries' charts do), English along the axis.
    """
    if lang not in MYRIAD_LANGS:
        return {"title": {"text": label}, **axis}, []
    note = {
        "text": label,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 1,
        "xanchor": "right",
        "yanchor": "bottom",
        "showarrow": False,
        "textangle": 0,
        "font": {"size": 12},
    }
    return dict(axis), [note]


def source_marks(note: str, links: dict[str, str]) -> str:
    """``note`` with each citation mark of ``links`` (``[3]``) made a link to its bibliography
    anchor (``#src-KEY``, opened in the same page)."""
    for mark, anchor in links.items():
        note = note.replace(mark, f'<a href="#{anchor}" target="_self">{mark}</a>')
    return note


def wrap_note(text: str, width: int = 110, max_lines: int = 0, more: str = "") -> list[str]:
    """Lines of at most ``width`` characters (plotly does not wrap annotation text); with
    ``max_lines``, a longer text is cut after that many lines and ends with ``more``."""

    def wrap(line: str, size: int) -> list[str]:  # source keys are kept whole
        return textwrap.wrap(line, width=size, break_long_words=False, break_on_hyphens=False)

    lines = wrap(text, width) or [""]
    if max_lines and len(lines) > max_lines:
        room = max(10, width - len(more) - 3)
        last = wrap(lines[max_lines - 1], room)[0]
        lines = [*lines[: max_lines - 1], f"{last} … {more}"]
    return lines


NOTE_LINES = 3  # source lines kept on a figure; the caption under it lists every source


def _layout(
    chart: Chart, lang: str, source_note: str, links: dict[str, str] | None = None
) -> dict[str, Any]:
    """What every figure's layout shares: title, source note (at most ``NOTE_LINES`` lines,
    its citation marks ``links`` to the bibliography), fonts, legend and background."""
    more = translator(lang).gettext("(every source is listed under the chart)")
    note = wrap_note(source_note, max_lines=NOTE_LINES, more=more)
    text = source_marks("<br>".join(note), links or {})
    top = 18 if lang in MYRIAD_LANGS else 0  # room for the horizontal unit above the axis
    return {
        "title": {
            "text": chart.title(lang),
            "x": 0.0,
            "xanchor": "left",
            "font": {"size": 16},
            "subtitle": {"text": text, "font": {"size": 10, "color": "#666"}},
        },
        "font": {"family": FONT, "size": 12, "color": "#222"},
        "margin": {"l": 64, "r": 16, "t": 64 + 13 * len(note) + top, "b": 40},
        "legend": {"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
        "hovermode": "closest",
        "plot_bgcolor": "#fff",
        "paper_bgcolor": "#fff",
    }


def figure(
    chart: Chart,
    results: Results,
    lang: str,
    source_note: str,
    links: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The plotly figure (``data``, ``layout``) of ``chart`` for every scenario of ``results``;
    the citation marks ``links`` of ``source_note`` (``[3]``) link to their anchors."""
    import numpy as np

    from chikuden.indicators import outputs

    if chart.kind == "rows":
        return rows_figure(chart, results, lang, source_note, links)
    if chart.kind == "stack":
        return stack_figure(chart, results, lang, source_note, links)
    decls = outputs()
    n = results.n
    unit = chart.unit or (decls[chart.series[0]].unit if chart.series else "")
    peak = 0.0
    for key in chart.series:
        finite = np.abs(results.series[key][np.isfinite(results.series[key])])
        if finite.size:
            peak = max(peak, float(finite.max()))
    scale = axis_scale(unit, lang, peak)
    # Compared (several scenarios, several series): small multiples on shared axes. An area
    # (parts of a whole) gets one panel per scenario, its parts stacked as alone; lines and
    # bars one panel per series, one colour per scenario.
    by_scenario = n > 1 and len(chart.series) > 1 and chart.kind == "area"
    by_series = n > 1 and len(chart.series) > 1 and not by_scenario
    stacked = chart.kind == "area" and (n == 1 or by_scenario)

    def axes(j: int, i: int) -> tuple[str, str]:
        """The x and y axis of series ``j`` of scenario ``i`` ("x", "y" for the first)."""
        panel = i if by_scenario else j if by_series else 0
        return ("x", "y") if panel == 0 else (f"x{panel + 1}", f"y{panel + 1}")

    data: list[dict[str, Any]] = []
    for j, key in enumerate(chart.series):
        colour = PALETTE[j % len(PALETTE)]
        for i in range(n):
            label = decls[key].label(lang)
            name = label if n == 1 else f"{label} — {results.names[i]}"
            years = [int(y) for y in decls[key].years]
            values = _finite_list(results.series[key][i].tolist(), scale.factor, peak)
            if decls[key].axis != "horizon":  # a plant's life: only its own years
                years, values = _defined(years, values)
            trace: dict[str, Any] = {
                "x": years,
                "y": values,
                "name": name,
                "legendgroup": key,
                "hovertemplate": f"%{{x}}: %{{y:{scale.hover}}} {scale.label}<extra>{name}</extra>",
            }
            dash = DASHES[i % len(DASHES)]
            if by_series:  # the panel's title names the series, the legend the scenario
                colour = PALETTE[i % len(PALETTE)]
                trace.update(name=results.names[i], legendgroup=results.names[i])
            if by_scenario:  # the panel's title names the scenario, the legend the series
                dash = "solid"
                trace.update(name=label)
            if by_series or by_scenario:
                x, y = axes(j, i)
                # meta: the series and scenario, for the chart's data table
                trace.update(meta=name, xaxis=x, yaxis=y, showlegend=(i if by_scenario else j) == 0)
            if chart.kind == "bar":
                opacity = 1.0 if i == 0 or by_series else 0.55
                trace.update(type="bar", marker={"color": colour}, opacity=opacity)
            else:
                trace.update(
                    type="scatter",
                    mode="lines",
                    line={"color": colour, "width": 2.2, "dash": dash},
                )
                if stacked:  # one stack per scenario
                    trace.update(stackgroup=f"s{i}", line={"color": colour, "width": 0.8})
            data.append(trace)
    shapes: list[dict[str, Any]] = []
    for t, key in enumerate(chart.targets):
        decl = decls[key]
        for i in range(n):
            value = results.value(key, i)
            if not math.isfinite(value):
                continue
            shown = value * scale.factor
            label = decl.label(lang)
            name = label if n == 1 else f"{label} — {results.names[i]}"
            x, y = axes(0, i)
            if decl.year is None:
                shapes.append(
                    {
                        "type": "line",
                        "xref": f"{x} domain" if by_scenario or by_series else "paper",
                        "yref": y,
                        "x0": 0,
                        "x1": 1,
                        "y0": shown,
                        "y1": shown,
                        "line": {"color": "#444", "dash": "dot", "width": 1},
                    }
                )
                continue
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [decl.year],
                    "y": [shown],
                    "name": name,
                    **({"xaxis": x, "yaxis": y} if by_scenario or by_series else {}),
                    # a panel per scenario: the panel says whose target it is
                    **({"name": label, "showlegend": i == 0} if by_scenario else {}),
                    "marker": {
                        "symbol": ("diamond", "star", "square", "triangle-up")[t % 4],
                        "size": 13,
                        "color": "#111",
                        "line": {"color": "#fff", "width": 1.5},
                        "opacity": 1.0 if i == 0 else 0.6,
                    },
                    "hovertemplate": (
                        f"{decl.year}: %{{y:{scale.hover}}} {scale.label}<extra>{name}</extra>"
                    ),
                }
            )
    layout = _layout(chart, lang, source_note, links)
    yaxis, notes = value_axis(
        scale.label, lang, rangemode="tozero", gridcolor="#eee", separatethousands=True
    )
    layout.update(
        # the ticks are years: no axis title, which the legend below would cover
        xaxis={"dtick": 2, "gridcolor": "#eee"},
        yaxis=yaxis,
        annotations=notes,
        barmode="stack" if n == 1 else "group",
        shapes=shapes,
    )
    if by_scenario:
        _small_multiples(layout, list(results.names), legend=len(chart.series) + len(chart.targets))
    if by_series:
        _small_multiples(
            layout,
            [decls[k].label(lang) for k in chart.series],
            legend=n * (1 + len(chart.targets)),
        )
    return {"data": data, "layout": layout}


PANEL_HEIGHT = 200  # px of one small panel of a compared chart
PANEL_COLUMNS = 3
PANEL_GAP = 48  # px between rows of panels, room for a panel's title


def _small_multiples(layout: dict[str, Any], titles: list[str], legend: int) -> None:
    """Lay ``layout`` out as a grid of small panels, one per series (titled), every panel
    on the axes of the first (shared scales), and room below for ``legend`` entries."""
    count = len(titles)
    cols = min(PANEL_COLUMNS, count)
    rows = -(-count // cols)
    area = rows * PANEL_HEIGHT + (rows - 1) * PANEL_GAP
    gap_x, gap_y = 0.06, PANEL_GAP / area
    width = (1 - gap_x * (cols - 1)) / cols
    height = (1 - gap_y * (rows - 1)) / rows
    xaxis, yaxis = layout.pop("xaxis"), layout.pop("yaxis")
    notes: list[dict[str, Any]] = []
    for p in range(count):
        r, c = divmod(p, cols)
        x0 = c * (width + gap_x)
        y1 = 1 - r * (height + gap_y)
        suffix = "" if p == 0 else str(p + 1)
        x = {**xaxis, "domain": [x0, x0 + width], "anchor": f"y{suffix}", "dtick": 4}
        y = {**yaxis, "domain": [y1 - height, y1], "anchor": f"x{suffix}"}
        if p:
            x["matches"], y["matches"] = "x", "y"
        if c:
            y["title"] = {"text": ""}
            y["showticklabels"] = False
        layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"] = x, y
        title = "<br>".join(wrap_note(titles[p], width=int(90 / cols), max_lines=2, more="…"))
        notes.append(
            {
                "text": title,
                "xref": "paper",
                "yref": "paper",
                "x": x0,
                "y": y1,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "align": "left",
                "font": {"size": 11},
            }
        )
    layout["annotations"] = [*layout.get("annotations", []), *notes]
    top = layout["margin"]["t"] + 56  # room for the first row's panel titles
    bottom = 40 + 24 * -(-legend // 3)  # about three legend entries a line
    layout["margin"] = {**layout["margin"], "t": top, "b": bottom}
    layout["height"] = top + bottom + area
    layout["legend"] = {
        "orientation": "h",
        "x": 0,
        "y": 0,
        "yanchor": "bottom",
        "yref": "container",
    }


def _defined(years: list[int], values: list[float | None]) -> tuple[list[int], list[float | None]]:
    """The points with a value (a plant's years: one unbroken run, outside it none)."""
    kept = [(y, v) for y, v in zip(years, values, strict=True) if v is not None]
    return [y for y, _ in kept], [v for _, v in kept]


def stack_figure(
    chart: Chart,
    results: Results,
    lang: str,
    source_note: str,
    links: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Vertical bars of indicators, one per name in ``bars`` (and scenario), each stacking its
    ``parts``: a part of sign -1 (e.g. support deducted from a cost) is drawn below zero."""
    from chikuden.indicators import outputs

    n = results.n
    unit = chart.unit or outputs()[chart.parts[0].keys[0]].unit
    peak = 0.0
    for part in chart.parts:
        for key in part.keys:
            for i in range(n):
                value = results.value(key, i)
                if math.isfinite(value):
                    peak = max(peak, abs(value))
    scale = axis_scale(unit, lang, peak)
    names = [
        chart.bar(b, lang) if n == 1 else f"{chart.bar(b, lang)} — {results.names[i]}"
        for b in range(len(chart.bars))
        for i in range(n)
    ]
    data: list[dict[str, Any]] = []
    for j, part in enumerate(chart.parts):
        values = [part.sign * results.value(key, i) for key in part.keys for i in range(n)]
        name = part.name(lang)
        data.append(
            {
                "type": "bar",
                "x": names,
                "y": _finite_list(values, scale.factor, peak),
                "name": name,
                "marker": {"color": PALETTE[j % len(PALETTE)]},
                "hovertemplate": f"%{{x}}: %{{y:{scale.hover}}} {scale.label}<extra>{name}</extra>",
            }
        )
    layout = _layout(chart, lang, source_note, links)
    yaxis, notes = value_axis(scale.label, lang, gridcolor="#eee", separatethousands=True)
    layout.update(xaxis={"gridcolor": "#eee"}, yaxis=yaxis, annotations=notes, barmode="relative")
    return {"data": data, "layout": layout}


OTHER_COLOUR = "#c8c8c8"  # for "other countries together" (the tables' code ZZ)


def rows_figure(
    chart: Chart,
    results: Results,
    lang: str,
    source_note: str,
    links: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Horizontal bars of a per-row output: one bar per distinct value of the chart's
    ``category`` columns, split by its ``stack`` column when given (e.g. world production of
    each mineral and stage split by country), else one bar per row and scenario."""
    import numpy as np

    from chikuden.api import OTHER_COUNTRY
    from chikuden.indicators import outputs

    decl = outputs()[chart.rows]
    assert decl.table is not None
    tables = results.params.table_values[decl.table]
    values = results.rows[chart.rows]
    n = results.n
    unit = chart.unit or decl.unit
    finite = [abs(v) for v in values.reshape(-1).tolist() if math.isfinite(v)]
    peak = max(finite, default=0.0)
    scale = axis_scale(unit, lang, peak)

    hover = f"%{{y}}: %{{x:{scale.hover}}} {scale.label}"

    def category(row: dict[str, Any]) -> str:
        return row_words(decl.table or "", row, lang, chart.category)

    data: list[dict[str, Any]] = []
    if chart.stack:
        # scenarios that give the same rows and values share their bars
        groups: list[list[int]] = []
        for i in range(n):
            same = [
                g
                for g in groups
                if len(tables) == 1 and np.array_equal(values[i], values[g[0]], equal_nan=True)
            ]
            if same:
                same[0].append(i)
            else:
                groups.append([i])
        sums: dict[str, dict[str, float]] = {}
        cats: list[str] = []
        for group in groups:
            i = group[0]
            rows = tables[min(i, len(tables) - 1)].rows
            names = ", ".join(results.names[g] for g in group)
            for r, row in enumerate(rows):
                cat = category(row) + (f" — {names}" if len(groups) > 1 else "")
                if cat not in cats:
                    cats.append(cat)
                part = str(row.get(chart.stack, ""))
                by_cat = sums.setdefault(part, {})
                value = float(values[i][r])
                if math.isfinite(value):
                    by_cat[cat] = by_cat.get(cat, 0.0) + value
        order = sorted(sums, key=lambda k: (k == OTHER_COUNTRY, -sum(sums[k].values())))
        for j, part in enumerate(order):
            other = part == OTHER_COUNTRY
            name = translator(lang).gettext("other countries") if other else word(part, lang)
            data.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "y": cats,
                    "x": _finite_list(
                        [sums[part].get(c, math.nan) for c in cats], scale.factor, peak
                    ),
                    "name": name,
                    "text": [name if c in sums[part] and not other else "" for c in cats],
                    "textposition": "inside",
                    "insidetextanchor": "middle",
                    "marker": {"color": OTHER_COLOUR if other else PALETTE[j % len(PALETTE)]},
                    "hovertemplate": hover + f"<extra>{name}</extra>",
                }
            )
    else:
        for i in range(n):
            rows = tables[min(i, len(tables) - 1)].rows
            name = decl.label(lang) if n == 1 else results.names[i]
            data.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "y": [category(row) for row in rows],
                    "x": _finite_list(values[i][: len(rows)].tolist(), scale.factor, peak),
                    "name": name,
                    "marker": {"color": PALETTE[i % len(PALETTE)]},
                    "hovertemplate": hover + f"<extra>{name}</extra>",
                }
            )
    layout = _layout(chart, lang, source_note, links)
    layout["margin"]["l"] = 150
    layout.update(
        xaxis={
            "title": {"text": scale.label},
            "rangemode": "tozero",
            "gridcolor": "#eee",
            "separatethousands": True,
        },
        yaxis={"autorange": "reversed", "automargin": True},
        barmode="stack" if chart.stack else "group",
        showlegend=not chart.stack and n > 1,  # stacked parts are labelled on the bars
        legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top"},  # below the unit
    )
    return {"data": data, "layout": layout}


# -- accessibility: a sentence and a table of every figure's data -------------------------------
def _drawn(fig: dict[str, Any]) -> list[dict[str, Any]]:
    """The traces that carry data (not target markers)."""
    return [t for t in fig.get("data", []) if t.get("mode") != "markers"]


def _points(trace: dict[str, Any]) -> list[tuple[Any, float]]:
    """(category or year, value) of a trace; horizontal bars have their categories on y."""
    cats, values = ("y", "x") if trace.get("orientation") == "h" else ("x", "y")
    return [
        (c, float(v))
        for c, v in zip(trace.get(cats, []), trace.get(values, []), strict=True)
        if v is not None
    ]


def _trace_name(trace: dict[str, Any]) -> str:
    """What a trace shows: its ``meta`` in a panel (series and scenario), else its name."""
    return str(trace.get("meta") or trace.get("name", ""))


def _value_axis(fig: dict[str, Any]) -> str:
    """The unit shown on the value axis (the axis title)."""
    data = fig.get("data", [])
    horizontal = bool(data) and data[0].get("orientation") == "h"
    axis = fig.get("layout", {}).get("xaxis" if horizontal else "yaxis", {})
    return str(axis.get("title", {}).get("text", ""))


def chart_summary(fig: dict[str, Any], lang: str) -> str:
    """One sentence that says what a figure shows, from its own data (values as drawn, in the
    axis unit): for years, the first series from its first to its last year and its peak;
    for categories, the largest bar."""
    from chikuden.formatting import format_number

    _ = translator(lang).gettext
    unit = _value_axis(fig)
    traces = [(_trace_name(t), _points(t)) for t in _drawn(fig)]
    traces = [(name, pts) for name, pts in traces if pts]
    if not traces:
        return _("The chart has no data.")

    def num(v: float) -> str:
        return f"{format_number(v, lang)} {unit}".strip()

    name, pts = traces[0]
    if len(traces) > 1:
        name = _("{name} (first of {n} series)").format(name=name, n=len(traces))
    if all(isinstance(c, int) for _n, p in traces for c, _v in p):  # years
        (y0, v0), (y1, v1) = pts[0], pts[-1]
        yp, vp = max(pts, key=lambda p: p[1])
        values = {"name": name, "first": num(v0), "year0": y0, "last": num(v1), "year1": y1}
        if vp > max(v0, v1):
            return _(
                "{name}: {first} in {year0}, {last} in {year1}; peak {peak} in {year}."
            ).format(peak=num(vp), year=yp, **values)
        return _("{name}: {first} in {year0}, {last} in {year1}.").format(**values)
    best = max(((n, c, v) for n, p in traces for c, v in p), key=lambda x: x[2])
    where = f"{best[1]} ({best[0]})" if len(traces) > 1 else str(best[1])
    return _("Largest: {where}, {value}.").format(where=where, value=num(best[2]))


@dataclass(frozen=True)
class DataTable:
    """A figure's data as rows: ``headers`` then one row per year or category."""

    headers: list[str]
    rows: list[list[str]]
    csv: str
    json: str


@dataclass
class ChartView:
    """What the report shows of one figure: its plotly JSON, citations, the sentence that sums
    it up (:func:`chart_summary`) and its data (:func:`figure_table`)."""

    id: str
    title: str
    figure_json: str
    cites: list[Cite]
    summary: str = ""
    data: DataTable | None = None
    height: int = 0  # px, when the figure sets its own (small multiples)

    @property
    def csv_uri(self) -> str:
        return _data_uri(self.data.csv if self.data else "", "text/csv")

    @property
    def json_uri(self) -> str:
        return _data_uri(self.data.json if self.data else "", "application/json")


def _data_uri(text: str, mime: str) -> str:
    """``text`` as a ``data:`` URI for a download link (no network, no script)."""
    from urllib.parse import quote

    return f"data:{mime};charset=utf-8,{quote(text, safe='')}"


def figure_table(fig: dict[str, Any], lang: str) -> DataTable:
    """The data of ``fig`` as a table (one column per trace, values as drawn, in the axis
    unit), with the same data as CSV and JSON text for download."""
    import csv
    import io

    from chikuden.formatting import format_number

    _ = translator(lang).gettext
    unit = _value_axis(fig)
    traces = _drawn(fig)
    columns = [_trace_name(t) for t in traces]
    series = [dict(_points(t)) for t in traces]
    cats: list[Any] = list(dict.fromkeys(c for s in series for c in s))
    if all(isinstance(c, int) for c in cats):
        cats.sort()
    data = fig.get("data", [])
    horizontal = bool(data) and data[0].get("orientation") == "h"
    first = _("Category") if horizontal or not all(isinstance(c, int) for c in cats) else _("Year")
    raw = [[c, *(s.get(c) for s in series)] for c in cats]
    shown = [
        [str(r[0]), *("" if v is None else format_number(v, lang) for v in r[1:])] for r in raw
    ]
    headers = [first, *(f"{c} [{unit}]" if unit else c for c in columns)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(["" if v is None else v for v in r] for r in raw)
    as_json = json.dumps(
        {"unit": unit, "columns": headers, "rows": raw}, ensure_ascii=False, allow_nan=False
    )
    return DataTable(headers, shown, out.getvalue(), as_json)
