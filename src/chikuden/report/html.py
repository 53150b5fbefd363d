"""The self-contained HTML report of one scenario or of several scenarios side by side.

Rendering is generic: every domain section declared in ``chikuden/data/indicators/*.yaml``
(:func:`chikuden.indicators.sections`) becomes a section with its indicators, charts and
per-row tables, so a new domain shows up without touching this module. Then come the audit
findings, every parameter value the scenario used (overrides marked) and the bibliography of
every source cited anywhere in the report. Citations are numbered in order of first use and
link to the bibliography.

The page is offline: a partial plotly.js bundle shipped with chikuden (report/assets) is inlined
once and the figures are JSON built by :mod:`chikuden.report.charts`, drawn when scrolled into
view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jinja2

from chikuden.i18n import LANGS, pick, translator
from chikuden.report.charts import figure, page_scripts, to_script_json
from chikuden.report.format import (
    display_unit,
    format_output,
    format_value,
    scale_of,
    short_label,
)
from chikuden.report.labels import row_label

if TYPE_CHECKING:
    from chikuden.indicators import Output, Section
    from chikuden.parameters.declarations import Declaration
    from chikuden.parameters.scenario import Scenario
    from chikuden.parameters.sources import Source
    from chikuden.results import Results

PARAMETER_YEARS = (2021, 2025, 2030, 2035, 2040)


def _confidence(lang: str) -> dict[str, str]:
    """What each confidence grade of a source means (:doc:`sources`)."""
    _ = translator(lang).gettext
    return {
        "H": _("H = the primary document, or several consistent reports"),
        "M": _("M = one report, or a primary whose figure was read only in one report"),
        "L": _("L = read only in a copy of unclear provenance (a mirror)"),
        "D": _("D = derived by chikuden from cited inputs"),
        "A": _("A = modelling assumption"),
    }


def _status_text(status: str, lang: str) -> str:
    """The badge of a finding's status (``ok``, ``warn``, ``info``; others as they are)."""
    _ = translator(lang).gettext
    return {"ok": _("ok"), "warn": _("warning"), "info": _("info")}.get(status, status)


# -- citations ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cite:
    """One citation mark: ``[3]`` or ``[1: P1]`` linking to bibliography entry ``key``."""

    key: str
    number: int
    clause: str | None
    title: str

    @property
    def anchor(self) -> str:
        return f"src-{self.key}"

    @property
    def text(self) -> str:
        return f"{self.number}: {self.clause}" if self.clause else str(self.number)


@dataclass
class BibEntry:
    number: int
    source: Source
    clauses: dict[str, str] = field(default_factory=dict)


class Citations:
    """Numbers bibliography entries in order of first citation."""

    def __init__(self) -> None:
        self._entries: dict[str, BibEntry] = {}

    def cite(self, key: str) -> Cite:
        from chikuden.errors import ChikudenError
        from chikuden.parameters.sources import resolve_source

        try:
            src, clause = resolve_source(key, "report")
        except ChikudenError as exc:
            # Inputs are validated on loading, so a bad key here comes from a declaration or
            # an audit finding: a bug, not a user error (traceback, not exit code 2).
            raise RuntimeError(f"report: cannot cite {key!r}: {exc}") from exc
        entry = self._entries.get(src.key)
        if entry is None:
            entry = BibEntry(number=len(self._entries) + 1, source=src)
            self._entries[src.key] = entry
        if clause:
            entry.clauses[clause] = src.clauses.get(clause, "")
        return Cite(key=src.key, number=entry.number, clause=clause, title=src.citation(clause))

    def cite_all(self, keys: Iterable[str]) -> list[Cite]:
        return [self.cite(k) for k in dict.fromkeys(keys)]

    def entries(self) -> list[BibEntry]:
        return sorted(self._entries.values(), key=lambda e: e.number)


# -- view model --------------------------------------------------------------------------------
@dataclass
class IndicatorRow:
    key: str
    label: str
    values: list[str]
    unit: str
    year: str
    clause: Cite | None
    cites: list[Cite]
    description: str = ""


@dataclass
class ChartView:
    id: str
    title: str
    figure_json: str
    cites: list[Cite]


@dataclass
class RowsTable:
    title: str
    headers: list[str]
    rows: list[list[str]]
    cites: list[Cite]
    label_columns: int
    ids: list[str] = field(default_factory=list)  # each row's id, for its tooltip


@dataclass
class SectionView:
    id: str
    title: str
    intro: str
    indicators: list[IndicatorRow]
    charts: list[ChartView]
    tables: list[RowsTable]


@dataclass
class FindingView:
    id: str
    scenario: str
    clause: Cite | None
    status: str
    status_text: str
    text: str
    cites: list[Cite]


@dataclass
class ParameterRow:
    name: str
    description: str
    unit: str
    values: list[str]
    marks: list[str]
    cites: list[Cite]


@dataclass
class ParameterGroup:
    domain: str
    rows: list[ParameterRow]
    title: str = ""


@dataclass
class ScenarioView:
    name: str
    title: str
    description: str
    origin: str
    overrides: int


@dataclass
class KeyFigure:
    label: str
    value: str
    unit: str
    anchor: str


# -- building ----------------------------------------------------------------------------------
def _union_sources(results: Results, key: str) -> list[str]:
    keys: list[str] = []
    for i in range(results.n):
        keys.extend(results.sources(key, i))
    return list(dict.fromkeys(keys))


def _clause_cite(cit: Citations, clause: str | None) -> Cite | None:
    return cit.cite(f"proposal-2022:{clause}") if clause else None


def _indicator_row(results: Results, decl: Output, lang: str, cit: Citations) -> IndicatorRow:
    raw = [results.value(decl.key, i) for i in range(results.n)]
    scale = scale_of(raw)  # one quantity across the scenarios: its noise reads 0
    return IndicatorRow(
        key=decl.key,
        label=decl.label(lang),
        values=[format_output(v, decl, lang, scale) for v in raw],
        unit=display_unit(decl.unit, lang),
        year=str(decl.year) if decl.year is not None else "",
        clause=_clause_cite(cit, decl.clause),
        cites=cit.cite_all(_union_sources(results, decl.key)),
        description=pick(lang, decl.description_en, decl.description_ja),
    )


def _table_words(name: str, lang: str) -> str:
    """What a table parameter holds, in words (its declared description; its name if none)."""
    from chikuden.parameters.declarations import declarations

    decl = declarations().get(name)
    text = pick(lang, decl.description_en, decl.description_ja) if decl else ""
    return text or name


def _rows_tables(
    results: Results, decls: list[Output], lang: str, cit: Citations
) -> list[RowsTable]:
    _ = translator(lang).gettext
    imputed = _("(imputed: estimated, not a reported project)")
    by_table: dict[str, list[Output]] = {}
    for d in decls:
        by_table.setdefault(d.table or "", []).append(d)
    tables: list[RowsTable] = []
    for table_name, group in by_table.items():
        values = results.params.table_values[table_name]
        # One table with a column per scenario when every scenario uses the same rows,
        # otherwise one table per scenario.
        blocks = [list(range(results.n))] if len(values) == 1 else [[i] for i in range(results.n)]
        for block in blocks:
            table = values[min(block[0], len(values) - 1)]
            headers = [_("Row")]
            for d in group:
                unit = display_unit(d.unit, lang)
                head = f"{d.label(lang)} [{unit}]" if unit else d.label(lang)
                if len(block) > 1:
                    headers.extend(f"{head} — {results.names[i]}" for i in block)
                else:
                    headers.append(head)
            # the scale of each column: its rounding noise reads 0
            scales = {
                (d.key, i): scale_of(results.rows[d.key][i][: len(table.rows)].tolist())
                for d in group
                for i in block
            }
            body: list[list[str]] = []
            ids: list[str] = []
            for r, row in enumerate(table.rows):
                cells = [short_label(row_label(row, lang))]
                if row.get("imputed"):  # a table that marks imputed rows (plants)
                    cells[-1] = f"{cells[-1]} {imputed}"
                for d in group:
                    cells.extend(
                        format_output(float(results.rows[d.key][i][r]), d, lang, scales[d.key, i])
                        for i in block
                    )
                body.append(cells)
                ids.append(short_label(str(row.get("id", ""))))
            n = len(table.rows)
            count = translator(lang).ngettext("{n} row", "{n} rows", n).format(n=n)
            # the table in words (its declaration's description); its data set and row count
            what = _table_words(table_name, lang)
            title = _("Per row: {what} ({label}, {count})").format(
                what=what, label=table.label, count=count
            )
            if len(blocks) > 1:
                title += f" — {results.names[block[0]]}"
            keys = [k for d in group for i in block for k in results.sources(d.key, i)]
            tables.append(RowsTable(title, headers, body, cit.cite_all(keys), 1, ids))
    return tables


def _source_note(cites: list[Cite], lang: str) -> tuple[str, dict[str, str]]:
    """A chart's source note (the model and the citation marks ``[3]``) and the bibliography
    anchor of each mark."""
    _ = translator(lang).gettext
    # a mark is one word (no-break space), so that wrapping the note keeps it whole
    marks = {f"[{c.text}]".replace(" ", "\u00a0"): c.anchor for c in cites}
    model = _("chikuden model")
    # Translators: between the model and the citation marks of a chart's source note
    sources = _("{model}; {marks}").format(model=model, marks=" ".join(marks)) if marks else model
    return _("Source: {sources}").format(sources=sources), marks


def _section(results: Results, section: Section, lang: str, cit: Citations) -> SectionView:
    from chikuden.indicators import outputs

    decls = outputs()
    own = [decls[k] for k in section.outputs]
    indicators = [_indicator_row(results, d, lang, cit) for d in own if d.kind == "indicator"]
    charts: list[ChartView] = []
    for chart in section.charts:
        drawn = (
            *chart.series,
            *chart.targets,
            *((chart.rows,) if chart.rows else ()),
            *chart.part_keys,
        )
        keys = [k for key in drawn for k in _union_sources(results, key)]
        cites = cit.cite_all(keys)
        note, links = _source_note(cites, lang)
        fig = figure(chart, results, lang, note, links)
        charts.append(ChartView(chart.id, chart.title(lang), to_script_json(fig), cites))
    tables = _rows_tables(results, [d for d in own if d.kind == "rows"], lang, cit)
    return SectionView(
        id=f"sec-{section.domain}",
        title=section.title(lang),
        intro=section.intro(lang),
        indicators=indicators,
        charts=charts,
        tables=tables,
    )


def _findings(results: Results, lang: str, cit: Citations) -> list[FindingView]:
    from chikuden.analysis.findings import findings

    out: list[FindingView] = []
    for i in range(results.n):
        for f in findings(results, i):
            out.append(
                FindingView(
                    id=f.id,
                    scenario=results.names[i],
                    clause=_clause_cite(cit, f.clause),
                    status=f.status,
                    status_text=_status_text(f.status, lang),
                    text=f.text(lang),
                    cites=cit.cite_all(f.sources),
                )
            )
    return out


def parameter_value_text(decl: Declaration, scenario: Scenario, lang: str) -> str:
    """The value of ``decl`` in ``scenario`` as a reader sees it (paths as year: value points)."""
    value = scenario.value(decl.name)
    if decl.kind == "table":
        return f"{value.label} ({len(value.rows)})"
    if decl.kind == "path":
        if decl.name in scenario.overrides:
            from chikuden.horizon import year_index

            values = [float(value[year_index(y)]) for y in PARAMETER_YEARS]
            if all(v == values[0] for v in values):
                return format_value(values[0], decl.unit, lang)
            points = list(zip(PARAMETER_YEARS, values, strict=True))
        else:
            points = decl.default_points
        return ", ".join(f"{y}: {format_value(v, decl.unit, lang)}" for y, v in points)
    return format_value(float(value), decl.unit, lang)


def _parameters(results: Results, lang: str, cit: Citations) -> list[ParameterGroup]:
    from chikuden.parameters.declarations import declarations

    _ = translator(lang).gettext

    groups: dict[str, list[ParameterRow]] = {}
    for decl in declarations().values():
        values: list[str] = []
        marks: list[str] = []
        keys: list[str] = []
        for scenario in results.scenarios:
            values.append(parameter_value_text(decl, scenario, lang))
            sources = scenario.sources_of(decl.name)
            keys.extend(sources)
            if decl.name not in scenario.overrides:
                marks.append("")
            elif "user-override" in sources:
                marks.append(_("set with --set"))
            else:
                marks.append(_("set by scenario"))
        groups.setdefault(decl.domain, []).append(
            ParameterRow(
                name=decl.name,
                description=pick(lang, decl.description_en, decl.description_ja),
                unit="" if decl.kind == "table" else display_unit(decl.unit, lang),
                values=values,
                marks=marks,
                cites=cit.cite_all(keys),
            )
        )
    from chikuden.indicators import sections

    # each domain's heading in words: its report section's title
    titles = {"targets": _("Targets of the proposal")}
    titles.update({s.domain: s.title(lang) for s in sections()})
    return [ParameterGroup(d, rows, titles.get(d, d)) for d, rows in groups.items()]


def _key_figures(sections: list[SectionView]) -> list[KeyFigure]:
    """The first two indicators of every section, for the cards at the top of the page."""
    out: list[KeyFigure] = []
    for sec in sections:
        for row in sec.indicators[:2]:
            out.append(KeyFigure(row.label, row.values[0], row.unit, sec.id))
    return out


@dataclass
class ReportView:
    lang: str
    title: str
    scenarios: list[ScenarioView]
    names: list[str]
    key_figures: list[KeyFigure]
    sections: list[SectionView]
    findings: list[FindingView]
    parameters: list[ParameterGroup]
    bibliography: list[BibEntry]
    confidence: dict[str, str]
    version: str


def build_view(results: Results, lang: str = "en") -> ReportView:
    """Everything the template shows, computed from ``results`` (no HTML yet)."""
    import chikuden
    from chikuden.indicators import sections

    if not results.scenarios:
        raise ValueError("the report needs the scenarios; evaluate Scenario objects, not Params")
    lang = lang if lang in LANGS else "en"
    _ = translator(lang).gettext
    cit = Citations()
    scenario_views = [
        ScenarioView(
            name=s.name,
            title=pick(lang, s.title_en, s.title_ja) or s.name,
            description=pick(lang, s.description_en, s.description_ja),
            origin=s.origin,
            overrides=len(s.overrides),
        )
        for s in results.scenarios
    ]
    section_views = [_section(results, s, lang, cit) for s in sections()]
    found = _findings(results, lang, cit)
    groups = _parameters(results, lang, cit)
    if results.n == 1:
        title = _("chikuden report — {title}").format(title=scenario_views[0].title)
    else:
        title = _("Scenario comparison — {names}").format(names=" / ".join(results.names))
    used = {e.source.confidence for e in cit.entries()}
    return ReportView(
        lang=lang,
        title=title,
        scenarios=scenario_views,
        names=list(results.names),
        key_figures=_key_figures(section_views) if results.n == 1 else [],
        sections=section_views,
        findings=found,
        parameters=groups,
        bibliography=cit.entries(),
        confidence={k: v for k, v in _confidence(lang).items() if k in used},
        version=chikuden.__version__,
    )


def _environment(lang: str = "en") -> jinja2.Environment:
    """The template environment, its ``_()`` translating into ``lang``."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("chikuden.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(lang))  # type: ignore[attr-defined]
    return env


def render_report(results: Results, lang: str = "en") -> str:
    """The report as one self-contained HTML document (plotly.js inlined, no network)."""
    return render_view(build_view(results, lang))


def render_view(view: ReportView) -> str:
    """The HTML document of a view from :func:`build_view`."""
    template = _environment(view.lang).get_template("report.html.j2")
    return template.render(view=view, scripts=page_scripts())
