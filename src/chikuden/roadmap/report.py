"""The annual verification report: one self-contained HTML file per language (en, ja).

No network: the charts are plotly figures drawn by the plotly.js inlined in the page, as in the
model's report (:mod:`chikuden.charting`); the style is inline. Every number carries a
bracketed reference to the source list at the end (a bibliography entry, a proposal clause or
the free text an imported actual gave). The summary has one line per KPI saying whether it is
on track.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from chikuden.charting import FONT, PALETTE, axis_scale, page_scripts, to_script_json
from chikuden.i18n import pick, translator
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.models import Pillar
from chikuden.roadmap.review import Line, Point, ReviewResult

LANGS = ("en", "ja")
PROJECTION_YEAR = 2030  # the year of the model projection a KPI shows
STATUS_COLOURS = {
    "on_track": "#2a9d6f",
    "at_risk": "#e0a020",
    "off_track": "#c0392b",
    "no_data": "#8a939b",
    "no_target": "#8a939b",
}
VERSION_NAMES = {"en": "English", "ja": "日本語版"}
"""Each language's report as it names itself: the link from the other language's report."""


def status_names(lang: str) -> dict[str, str]:
    """The badge text of each KPI status."""
    _ = translator(lang).gettext
    return {
        "on_track": _("On track"),
        "at_risk": _("At risk"),
        "off_track": _("Off track"),
        "no_data": _("No data"),
        "no_target": _("No target"),
    }


@lru_cache(maxsize=65536)
def fmt(value: float | None, unit: str, lang: str) -> str:
    """``value`` with its unit, as a reader of ``lang`` expects it (cached: a report formats
    each actual for its chart and its table)."""
    from chikuden.formatting import MISSING, display_unit, format_value

    text = format_value(value, unit, lang)
    if text == MISSING:
        return text
    shown = display_unit(unit, lang)
    return f"{text} {shown}".strip() if shown else text


def fmt_ratio(ratio: float | None, lang: str) -> str:
    from chikuden.formatting import format_ratio

    return format_ratio(ratio, lang)


@dataclass
class Sources:
    """The numbered source list: each distinct source text gets one number."""

    numbers: dict[str, int] = field(default_factory=dict)

    def ref(self, source: str) -> Markup:
        """``[n]`` links for each ``;``-separated part of ``source``."""
        refs = []
        for part in (p.strip() for p in source.split(";")):
            if not part:
                continue
            n = self.numbers.setdefault(part, len(self.numbers) + 1)
            refs.append(f'<a href="#src-{n}">{n}</a>')
        return Markup(f'<sup class="ref">[{", ".join(refs)}]</sup>') if refs else Markup("")

    def entries(self) -> list[tuple[int, str, str]]:
        """``(number, key or text, citation)`` for the source list."""
        from chikuden.errors import ChikudenError
        from chikuden.parameters.sources import resolve_source

        out = []
        for text, n in self.numbers.items():
            try:
                src, clause = resolve_source(text)
                citation = src.citation(clause)
                if src.url:
                    citation += f" {src.url}"
                if src.confidence:
                    citation += f" [{src.confidence}]"
            except ChikudenError:
                citation = ""  # free text given with an imported actual: shown as it is
            out.append((n, text, citation))
        return out


def kpi_figure(line: Line, lang: str) -> dict[str, Any] | None:
    """The plotly figure of a KPI (a plain dict, drawn like the model's report): its actuals
    (solid, in the status colour), the path from the baseline through the targets (dashed),
    the targets (squares) and the model's 2030 projection (diamond); None with no value.

    Values are on the axis scale of the main report (yen in 兆円 / trillion JPY, shares in
    percent); hovering shows each value as the tables print it."""
    _ = translator(lang).gettext
    path: list[Point] = []
    if line.baseline is not None and line.targets:
        path = [line.baseline, *line.targets]
    values = [p.value for p in line.history] + [p.value for p in path]
    if line.projection is not None:
        values.append(line.projection)
    if not values:
        return None
    scale = axis_scale(line.unit, lang, max(abs(v) for v in values))

    def trace(name: str, points: Sequence[tuple[int, float]], **style: Any) -> dict[str, Any]:
        return {
            "type": "scatter",
            "name": name,
            "x": [year for year, _ in points],
            "y": [value * scale.factor for _, value in points],
            "text": [fmt(value, line.unit, lang) for _, value in points],
            "hovertemplate": f"%{{x}}: %{{text}}<extra>{name}</extra>",
            **style,
        }

    colour = STATUS_COLOURS[line.status]
    data = []
    if path:
        data.append(
            trace(
                _("Path to the targets"),
                [(p.year, p.value) for p in path],
                mode="lines",
                line={"color": PALETTE[0], "dash": "dash", "width": 1.5},
            )
        )
        data.append(
            trace(
                _("Target"),
                [(p.year, p.value) for p in line.targets],
                mode="markers",
                marker={"symbol": "square", "size": 8, "color": PALETTE[0]},
            )
        )
    if line.history:
        data.append(
            trace(
                _("Actuals"),
                [(p.year, p.value) for p in line.history],
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={"size": 7, "color": colour},
            )
        )
    if line.projection is not None:
        data.append(
            trace(
                _("Model projection 2030"),
                [(PROJECTION_YEAR, line.projection)],
                mode="markers",
                marker={"symbol": "diamond-open", "size": 11, "color": "#7b5ea7"},
            )
        )
    layout = {
        "font": {"family": FONT, "size": 11, "color": "#222"},
        "margin": {"l": 56, "r": 12, "t": 10, "b": 30},
        "height": 250,
        "xaxis": {"tickformat": "d", "gridcolor": "#eee"},
        "yaxis": {
            "title": {"text": scale.label},
            "rangemode": "tozero",
            "gridcolor": "#eee",
            "separatethousands": True,
        },
        "legend": {"orientation": "h", "x": 0, "y": -0.15, "yanchor": "top", "font": {"size": 10}},
        "showlegend": True,
        "hovermode": "closest",
        "plot_bgcolor": "#fff",
        "paper_bgcolor": "#fff",
    }
    return {"data": data, "layout": layout}


def sentence(line: Line, lang: str, sources: Sources) -> Markup:
    """The one line that says where the KPI stands, every number with its source."""
    _ = translator(lang).gettext

    def num(value: float | None, source: str) -> Markup:
        return Markup("{}{}").format(fmt(value, line.unit, lang), sources.ref(source))

    base, actual, target = line.baseline, line.actual, line.final_target
    if line.status in ("on_track", "at_risk", "off_track"):
        assert base is not None and actual is not None and target is not None
        body = Markup(
            _(
                "{actual} in {ay} against {expected} expected on the path from {base} ({by}) "
                "to {target} ({ty}); progress ratio {ratio}."
            )
        ).format(
            actual=num(actual.value, actual.source),
            ay=actual.year,
            expected=fmt(line.expected, line.unit, lang),
            base=num(base.value, base.source),
            by=base.year,
            target=num(target.value, target.source),
            ty=target.year,
            ratio=fmt_ratio(line.ratio, lang),
        )
    elif line.status == "no_target":
        body = Markup(_("no target is set in this revision."))
        latest = line.history[-1] if line.history else None
        if latest is not None:
            body += " " + Markup(_("Latest actual: {actual} in {ay}.")).format(
                actual=num(latest.value, latest.source), ay=latest.year
            )
    elif base is None:
        body = Markup(_("no actual for the baseline year {by}; enter one.")).format(
            by=line.baseline_year
        )
    else:
        body = Markup(
            _("no actual after the baseline year {by} (baseline {base}); enter one.")
        ).format(by=base.year, base=num(base.value, base.source))
    if line.projection is not None:
        body += " " + Markup(_("Model 2030: {projection}.")).format(
            projection=fmt(line.projection, line.unit, lang)
        )
    else:
        body += " " + Markup(_("No model projection."))
    return body


def render(session: Session, result: ReviewResult, lang: str) -> str:
    """The report of ``result`` in ``lang`` (``en`` or ``ja``) as one HTML document."""
    _ = translator(lang).gettext
    pillars = {p.code: p for p in session.scalars(select(Pillar).order_by(Pillar.id))}
    sources = Sources()
    summary = [(line, sentence(line, lang, sources)) for line in result.lines]
    groups: dict[str, list[Line]] = {}
    for line in result.lines:
        groups.setdefault(line.pillar, []).append(line)
    sections = []
    for code, lines in groups.items():
        p = pillars[code]
        title = pick(lang, p.title_en, p.title_ja)
        cards = []
        for line in lines:
            cards.append(
                {
                    "line": line,
                    "figure": _figure_json(line, lang),
                    "rows": _rows(line, lang, sources),
                }
            )
        sections.append(
            {"code": code, "title": title, "ref": sources.ref(p.source), "cards": cards}
        )
    overdue = [
        {
            "code": o.code,
            "pillar": o.pillar,
            "title": pick(lang, o.title_en, o.title_ja),
            "due": o.due.isoformat(),
            "days": o.days_overdue,
            "ref": sources.ref(o.source),
        }
        for o in result.overdue
    ]
    env = Environment(
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(lang))  # type: ignore[attr-defined]
    template = env.from_string(
        resources.files("chikuden.data").joinpath("roadmap", "review.html.j2").read_text("utf-8")
    )
    other = "ja" if lang == "en" else "en"
    return template.render(
        lang=lang,
        status_names=status_names(lang),
        other_name=VERSION_NAMES[other],
        r=result,
        counts=result.counts(),
        colours=STATUS_COLOURS,
        thresholds=Markup(_("on track from a progress ratio of {on}, at risk from {risk}")).format(
            on=fmt_ratio(result.thresholds.on_track, lang),
            risk=fmt_ratio(result.thresholds.at_risk, lang),
        ),
        made=(result.created_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        other_file=file_name(result.year, other),
        summary=summary,
        sections=sections,
        overdue=overdue,
        sources=sources.entries(),
        scripts=Markup(page_scripts()),
    )


def _figure_json(line: Line, lang: str) -> str | None:
    fig = kpi_figure(line, lang)
    return None if fig is None else to_script_json(fig)


def _rows(line: Line, lang: str, sources: Sources) -> list[tuple[str, Markup]]:
    _ = translator(lang).gettext

    def val(point: Point) -> Markup:
        text = html.escape(fmt(point.value, line.unit, lang))
        return Markup(f"{text} ({point.year}){sources.ref(point.source)}")

    rows: list[tuple[str, Markup]] = []
    if line.baseline is not None:
        rows.append((_("Baseline"), val(line.baseline)))
    if line.actual is not None:
        rows.append((_("Latest actual"), val(line.actual)))
    if line.expected is not None:
        rows.append((_("Expected on the path"), Markup.escape(fmt(line.expected, line.unit, lang))))
    if line.ratio is not None:
        rows.append((_("Progress ratio"), Markup.escape(fmt_ratio(line.ratio, lang))))
    for target in line.targets:
        rows.append((_("Target"), val(target)))
    rows.append(
        (
            _("Model projection 2030"),
            Markup.escape(
                fmt(line.projection, line.unit, lang)
                if line.projection is not None
                else line.projection_note
            ),
        )
    )
    history = [p for p in line.history if p is not line.baseline and p is not line.actual]
    if history:
        rows.append(
            (_("Actuals"), Markup("; ").join(val(p) for p in history)),
        )
    notes = [p for p in line.history if p.note]
    if notes:
        rows.append(
            (
                _("Note"),
                Markup("<br>").join(Markup("{}: {}").format(p.year, p.note) for p in notes),
            )
        )
    return rows


def file_name(year: int, lang: str) -> str:
    return f"roadmap-review-{year}.{lang}.html"


def write(
    session: Session, result: ReviewResult, out: Path, langs: Sequence[str] = LANGS
) -> list[Path]:
    """Write the report in each language into folder ``out``; returns the files."""
    from chikuden.roadmap.files import write_files

    texts = {lang: render(session, result, lang) for lang in langs}
    if out.exists() and not out.is_dir():
        raise LedgerError(
            f"--out: cannot write the report into {str(out)!r} (not a folder); "
            "choose a folder you can write to"
        )
    files = [(out / file_name(result.year, lang), text) for lang, text in texts.items()]
    write_files([(path, partial(_write_text, text=text)) for path, text in files], "--out")
    return [path for path, _ in files]


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
