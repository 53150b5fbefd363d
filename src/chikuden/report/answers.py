"""The answers at the top of the report: the box of verdicts, one section per question and its
one chart (targets as labelled horizontal lines, the gap annotated; bars where the question
sets amounts side by side, such as the fund against subsidy demand and capital need).

The verdicts come from :func:`chikuden.answers.answers`, the same the CLI prints.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chikuden.answers import (
    Question,
    answers,
    delta_text,
    format_key,
    label_of,
    questions,
    read,
    status_word,
    unit_of,
)
from chikuden.charting import DASHES, PALETTE, axis_scale, to_script_json
from chikuden.formatting import short_label
from chikuden.i18n import translator
from chikuden.report.charts import (
    ChartView,
    _finite_list,
    _layout,
    chart_summary,
    figure_table,
)

if TYPE_CHECKING:
    from chikuden.report.html import Citations, Cite
    from chikuden.results import Results

# Status colours (text on background): tests/test_answers.py checks each pair's WCAG contrast
# from the report's CSS (--met, --met-bg, ...); keep them in the template only.
STATUS_CLASSES = {"met": "met", "at_risk": "at-risk", "not_met": "not-met", "undefined": "undef"}


@dataclass
class Verdict:
    """One scenario's verdict on a question."""

    scenario: str
    status: str  # met, at_risk, not_met, undefined
    css: str  # the pill's class
    word: str  # the status in words
    sentence: str
    headline: str  # the headline number, formatted
    probability: str = ""  # the Monte Carlo's probability of "met" (report/uncertainty.py)


@dataclass
class AnswerView:
    id: str
    anchor: str
    question: str
    clause: Cite | None
    verdicts: list[Verdict]
    deltas: list[str]  # each scenario after the first minus the first (headline)
    differs: bool
    chart: ChartView


def key_sources(results: Results, key: str) -> list[str]:
    """Sources behind an indicator or a parameter, over every scenario of ``results``."""
    from chikuden.indicators import outputs

    keys: list[str] = []
    for i in range(results.n):
        if key in outputs():
            keys.extend(results.sources(key, i))
        else:
            keys.extend(results.scenarios[i].sources_of(key))
    return list(dict.fromkeys(keys))


def _year(results: Results, spec: str, i: int) -> float:
    """A year given as a number or as a parameter."""
    return float(spec) if spec.isdigit() else read(results, spec, i)


def figure(
    q: Question,
    results: Results,
    lang: str,
    source_note: str,
    links: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The plotly figure (``data``, ``layout``) of question ``q`` for every scenario."""
    import numpy as np

    from chikuden.indicators import Chart, outputs

    _ = translator(lang).gettext
    decls = outputs()
    spec = q.chart
    n = results.n
    drawn = spec.series or spec.bars
    unit = unit_of(drawn[0])
    peak = 0.0
    if spec.kind == "line":
        for key in spec.series:
            finite = np.abs(results.series[key][np.isfinite(results.series[key])])
            if finite.size:
                peak = max(peak, float(finite.max()))
    for key in (*spec.bars, *spec.lines):
        for i in range(n):
            v = read(results, key, i)
            if math.isfinite(v):
                peak = max(peak, abs(v))
    scale = axis_scale(unit, lang, peak)
    data: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    if spec.kind == "line":
        for j, key in enumerate(spec.series):
            for i in range(n):
                label = decls[key].label(lang)
                name = label if n == 1 else f"{label} — {results.names[i]}"
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "x": [int(y) for y in decls[key].years],
                        "y": _finite_list(results.series[key][i].tolist(), scale.factor),
                        "name": name,
                        "line": {
                            "color": PALETTE[j % len(PALETTE)],
                            "width": 2.4,
                            "dash": DASHES[i % len(DASHES)],
                        },
                        "hovertemplate": (
                            f"%{{x}}: %{{y:{scale.hover}}} {scale.label}<extra>{name}</extra>"
                        ),
                    }
                )
    else:
        # wrapped under the bar; a label in wide (CJK) characters wraps at fewer of them
        labels = [
            "<br>".join(textwrap.wrap(label, 18 if label.isascii() else 10))
            for label in (short_label(label_of(k, lang)) for k in spec.bars)
        ]
        for i in range(n):
            values = [read(results, k, i) for k in spec.bars]
            name = results.names[i]
            data.append(
                {
                    "type": "bar",
                    "x": labels,
                    "y": _finite_list(values, scale.factor),
                    "name": name,
                    "marker": {"color": [PALETTE[j % len(PALETTE)] for j in range(len(labels))]}
                    if n == 1
                    else {"color": PALETTE[i % len(PALETTE)]},
                    "text": [
                        format_key(results, k, v, lang)
                        for k, v in zip(spec.bars, values, strict=True)
                    ],
                    "textposition": "outside",
                    "cliponaxis": False,
                    "hovertemplate": (
                        f"%{{x}}: %{{y:{scale.hover}}} {scale.label}<extra>{name}</extra>"
                    ),
                }
            )
    # targets: labelled horizontal lines (one per scenario where scenarios differ)
    for key in spec.lines:
        seen: set[float] = set()
        for i in range(n):
            value = read(results, key, i)
            if not math.isfinite(value) or value in seen:
                continue
            seen.add(value)
            shown = value * scale.factor
            text = f"{short_label(label_of(key, lang))}: {format_key(results, key, value, lang)}"
            if n > 1 and any(read(results, key, k) != value for k in range(n)):
                text += f" ({results.names[i]})"
            shapes.append(
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": shown,
                    "y1": shown,
                    "line": {"color": "#b3261e", "dash": "dash", "width": 1.6},
                }
            )
            notes.append(
                {
                    "xref": "paper",
                    "x": 0.01,
                    "y": shown,
                    "yanchor": "bottom",
                    "xanchor": "left",
                    "showarrow": False,
                    "text": text,
                    "font": {"size": 11, "color": "#8c1d18"},
                    "bgcolor": "rgba(255,255,255,.85)",
                }
            )
    # the gap at the target year: from the first series to the first target line
    if spec.kind == "line" and spec.gap_year and spec.lines:
        key = spec.series[0]
        years = [int(y) for y in decls[key].years]
        for i in range(n):
            year = _year(results, spec.gap_year, i)
            if not math.isfinite(year) or int(year) not in years:
                continue
            value = float(results.series[key][i][years.index(int(year))])
            target = read(results, spec.lines[0], i)
            if not (math.isfinite(value) and math.isfinite(target)) or value == target:
                continue
            gap = format_key(results, spec.lines[0], abs(target - value), lang)
            words = _("gap {gap}") if value < target else _("over by {gap}")
            text = words.format(gap=gap) + (f" ({results.names[i]})" if n > 1 else "")
            shapes.append(
                {
                    "type": "line",
                    "x0": int(year),
                    "x1": int(year),
                    "y0": value * scale.factor,
                    "y1": target * scale.factor,
                    "line": {"color": "#222", "width": 2},
                }
            )
            notes.append(
                {
                    "x": int(year),
                    "y": (value + target) / 2 * scale.factor,
                    "xanchor": "left",
                    "showarrow": False,
                    "xshift": 6,
                    "text": f"<b>{text}</b>",
                    "font": {"size": 12, "color": "#222"},
                    "bgcolor": "rgba(255,255,255,.85)",
                }
            )
    # a deadline: a vertical line at its year
    if spec.deadline:
        year = _year(results, spec.deadline, 0)
        if math.isfinite(year):
            shapes.append(
                {
                    "type": "line",
                    "yref": "paper",
                    "x0": year,
                    "x1": year,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": "#b3261e", "dash": "dash", "width": 1.6},
                }
            )
            notes.append(
                {
                    "yref": "paper",
                    "x": year,
                    "y": 1,
                    "xanchor": "left",
                    "yanchor": "top",
                    "xshift": 4,
                    "showarrow": False,
                    "text": _("deadline {year}").format(year=int(year)),
                    "font": {"size": 11, "color": "#8c1d18"},
                }
            )
    chart = Chart(
        id=q.id, kind=spec.kind, title_en=q.question_en, title_ja=q.question_ja, series=()
    )
    layout = _layout(chart, lang, source_note, links)
    layout.update(
        yaxis={
            "title": {"text": scale.label},
            "rangemode": "tozero",
            "gridcolor": "#eee",
            "separatethousands": True,
        },
        shapes=shapes,
        annotations=notes,
        barmode="group",
        showlegend=spec.kind == "line" or n > 1,
    )
    if spec.kind == "line":
        layout["xaxis"] = {"dtick": 2, "gridcolor": "#eee"}
    else:
        layout["xaxis"] = {"tickangle": 0, "automargin": True}
    return {"data": data, "layout": layout}


def views(
    results: Results,
    lang: str,
    cit: Citations,
    source_note: Callable[[list[Cite], str], tuple[str, dict[str, str]]],
) -> list[AnswerView]:
    """Every question with each scenario's verdict, the deltas and its chart; ``cit`` numbers
    the citations and ``source_note`` writes a figure's source line (both the report's)."""
    found = [answers(results, lang, i) for i in range(results.n)]
    out: list[AnswerView] = []
    for k, q in enumerate(questions()):
        verdicts = []
        for i in range(results.n):
            a = found[i][k]
            value = math.nan if a.headline_value is None else a.headline_value
            verdicts.append(
                Verdict(
                    scenario=results.names[i],
                    status=a.status,
                    css=STATUS_CLASSES[a.status],
                    word=status_word(a.status, lang),
                    sentence=a.sentence,
                    headline=format_key(results, a.headline, value, lang),
                )
            )
        first = found[0][k]
        deltas = [
            delta_text(results, q.headline, first.headline_value, found[i][k].headline_value, lang)
            for i in range(1, results.n)
        ]
        spec = q.chart
        drawn = (*spec.series, *spec.bars, *spec.lines, *(c.target for c in q.checks))
        cites = cit.cite_all(k2 for key in drawn for k2 in key_sources(results, key))
        note, links = source_note(cites, lang)
        fig = figure(q, results, lang, note, links)
        out.append(
            AnswerView(
                id=q.id,
                anchor=f"ans-{q.id}",
                question=q.question(lang),
                clause=cit.cite(f"proposal-2022:{q.clause}"),
                verdicts=verdicts,
                deltas=deltas,
                differs=len({v.status for v in verdicts}) > 1,
                chart=ChartView(
                    f"ans-{q.id}",
                    q.question(lang),
                    to_script_json(fig),
                    cites,
                    summary=chart_summary(fig, lang),
                    data=figure_table(fig, lang),
                ),
            )
        )
    return out
