"""The annual verification report: one self-contained HTML file per language (en, ja).

No network: the charts are inline SVG drawn here, the style is inline. Every number carries a
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

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from chikuden.i18n import pick, translator
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.models import Pillar
from chikuden.roadmap.review import Line, Point, ReviewResult

LANGS = ("en", "ja")
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
    from chikuden.report.format import MISSING, display_unit, format_value

    text = format_value(value, unit, lang)
    if text == MISSING:
        return text
    shown = display_unit(unit, lang)
    return f"{text} {shown}".strip() if shown else text


def fmt_ratio(ratio: float | None, lang: str) -> str:
    from chikuden.report.format import format_ratio

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


def svg_chart(line: Line, lang: str, width: int = 360, height: int = 170) -> Markup:
    """A small chart: actuals (solid), the trajectory (dashed), targets (squares) and the
    model's 2030 projection (diamond)."""
    _ = translator(lang).gettext
    target, actuals, projection = _("Target"), _("Actuals"), _("Model projection 2030")
    path: list[Point] = []
    if line.baseline is not None and line.targets:
        path = [line.baseline, *line.targets]
    years = [p.year for p in line.history] + [p.year for p in path] + [2030]
    values = [p.value for p in line.history] + [p.value for p in path]
    if line.projection is not None:
        values.append(line.projection)
    if not values:
        return Markup("")
    x0, x1 = min(years), max(years)
    if x1 == x0:
        x1 = x0 + 1
    y_low = min(0.0, *values)
    y_high = max(values)
    if y_high <= y_low:
        y_high = y_low + 1.0
    y_high *= 1.08
    left, right, top, bottom = 62, 12, 10, 24

    def x(year: float) -> float:
        return left + (year - x0) / (x1 - x0) * (width - left - right)

    def y(value: float) -> float:
        return top + (y_high - value) / (y_high - y_low) * (height - top - bottom)

    colour = STATUS_COLOURS[line.status]
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(line.label(lang))}">',
        f'<line x1="{left}" y1="{y(y_low):.1f}" x2="{width - right}" y2="{y(y_low):.1f}" '
        'stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y(y_low):.1f}" stroke="#999"/>',
    ]
    for value in (y_low, y_high / 1.08):
        parts.append(
            f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end" class="tick">'
            f"{html.escape(fmt(value, line.unit, lang))}</text>"
        )
    for year in sorted({x0, x1, 2030} & set(range(x0, x1 + 1))):
        parts.append(
            f'<text x="{x(year):.1f}" y="{height - 6}" text-anchor="middle" class="tick">'
            f"{year}</text>"
        )
    if path:
        pts = " ".join(f"{x(p.year):.1f},{y(p.value):.1f}" for p in path)
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="#1f5fa8" stroke-dasharray="5 4"/>'
        )
        for p in line.targets:
            parts.append(
                f'<rect x="{x(p.year) - 4:.1f}" y="{y(p.value) - 4:.1f}" width="8" height="8" '
                f'fill="#1f5fa8"><title>{target} {p.year}: '
                f"{html.escape(fmt(p.value, line.unit, lang))}</title></rect>"
            )
    if line.history:
        pts = " ".join(f"{x(p.year):.1f},{y(p.value):.1f}" for p in line.history)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for p in line.history:
            parts.append(
                f'<circle cx="{x(p.year):.1f}" cy="{y(p.value):.1f}" r="3.5" fill="{colour}">'
                f"<title>{actuals} {p.year}: {html.escape(fmt(p.value, line.unit, lang))}"
                "</title></circle>"
            )
    if line.projection is not None:
        px, py = x(2030), y(line.projection)
        parts.append(
            f'<polygon points="{px:.1f},{py - 6:.1f} {px + 6:.1f},{py:.1f} {px:.1f},{py + 6:.1f} '
            f'{px - 6:.1f},{py:.1f}" fill="none" stroke="#7b5ea7" stroke-width="2">'
            f"<title>{projection}: "
            f"{html.escape(fmt(line.projection, line.unit, lang))}</title></polygon>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


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
                    "chart": svg_chart(line, lang),
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
    )


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
