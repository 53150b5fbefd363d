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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jinja2

from chikuden.charting import pack, page_scripts, to_script_json
from chikuden.formatting import (
    display_unit,
    format_output,
    format_value,
    scale_of,
    short_label,
)
from chikuden.i18n import LANGS, pick, templates, translator
from chikuden.report.charts import ChartView, chart_summary, figure, figure_table
from chikuden.report.labels import row_label

if TYPE_CHECKING:
    from chikuden.indicators import Output, Section
    from chikuden.parameters.declarations import Declaration
    from chikuden.parameters.scenario import Scenario
    from chikuden.parameters.sources import Source
    from chikuden.report.answers import AnswerView
    from chikuden.report.uncertainty import UncertaintyView
    from chikuden.results import Results

PARAMETER_YEARS = (2021, 2025, 2030, 2035, 2040)
Uncertainty = dict[str, Any] | Sequence[dict[str, Any]] | None
"""What :func:`build_view` takes for the uncertainty section: one analysis or one per scenario."""


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
class MatrixCell:
    key: str
    label: str
    values: list[str]


@dataclass
class MatrixRow:
    label: str
    cells: list[MatrixCell | None]


@dataclass
class MatrixView:
    """Indicators of one family as a compact table (e.g. mineral x metric)."""

    corner: str
    columns: list[str]
    rows: list[MatrixRow]
    cites: list[Cite]
    clauses: list[Cite]
    summary: str = ""  # what the folded matrix holds


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
    plain: list[IndicatorRow] = field(default_factory=list)  # indicators not in a matrix
    matrices: list[MatrixView] = field(default_factory=list)
    main_charts: int = 1  # the first charts stay in view; the others fold
    lead_rows: int = 5  # the first indicators stay in view; the others fold


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


# -- compact matrices --------------------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    """Indicators that form a matrix: ``cells[(metric, item)]`` is an indicator key."""

    metrics: list[str]
    items: list[str]
    cells: dict[tuple[str, str], str]


def _split(rest: str, counts: dict[str, int]) -> tuple[str, str] | None:
    """``rest`` (a key without its domain) as (metric, item): ``hhi_mining.lithium`` at its
    last dot; ``footprint_2030_onsite_solar`` at the underscore whose item ends the most keys
    (ties: the longer item), when at least two keys end with it."""
    if "." in rest:
        metric, _, item = rest.rpartition(".")
        return metric, item
    tokens = rest.split("_")
    splits = [("_".join(tokens[:k]), "_".join(tokens[k:])) for k in range(1, len(tokens))]
    if not splits:
        return None
    metric, item = max(splits, key=lambda s: (counts.get(s[1], 0), len(s[1])))
    return (metric, item) if counts.get(item, 0) >= 2 else None


MATRIX_MIN = 6  # indicators, for a family to become a matrix (fewer read well as rows)


def matrix_families(keys: Sequence[str]) -> list[Family]:
    """Groups of indicator keys that read better as one matrix (metric x item) than as rows:
    a metric with at least two items, metrics joined when they share an item, and a family
    of at least two metrics and :data:`MATRIX_MIN` keys. Keys not in a family stay rows."""
    counts: dict[str, set[str]] = {}
    for key in keys:
        rest = key.partition(".")[2]
        if "." in rest:
            continue
        tokens = rest.split("_")
        for k in range(1, len(tokens)):
            counts.setdefault("_".join(tokens[k:]), set()).add("_".join(tokens[:k]))
    sizes = {item: len(prefixes) for item, prefixes in counts.items()}
    by_metric: dict[str, dict[str, str]] = {}
    for key in keys:
        domain, _, rest = key.partition(".")
        split = _split(rest, sizes)
        if split is not None:
            by_metric.setdefault(f"{domain}.{split[0]}", {}).setdefault(split[1], key)
    metrics = [m for m, items in by_metric.items() if len(items) >= 2]
    # metrics that share an item belong to one matrix (in the order of the keys)
    groups: list[list[str]] = []
    for metric in metrics:
        joined = [g for g in groups if any(set(by_metric[m]) & set(by_metric[metric]) for m in g)]
        merged = [m for g in joined for m in g] + [metric]
        groups = [g for g in groups if g not in joined] + [merged]
    families: list[Family] = []
    for group in groups:
        if len(group) < 2 or sum(len(by_metric[m]) for m in group) < MATRIX_MIN:
            continue
        group.sort(key=metrics.index)
        items = list(dict.fromkeys(i for m in group for i in by_metric[m]))
        cells = {(m, i): k for m in group for i, k in by_metric[m].items()}
        families.append(Family(group, items, cells))
    families.sort(key=lambda f: min(keys.index(k) for k in f.cells.values()))
    return families


def _common_ends(texts: Sequence[str]) -> tuple[str, str]:
    """The longest prefix and suffix all ``texts`` share, cut at word ends where the texts
    are written in words (English; Japanese is not)."""
    prefix = texts[0]
    suffix = texts[0]
    for t in texts[1:]:
        while not t.startswith(prefix):
            prefix = prefix[:-1]
        while not t.endswith(suffix):
            suffix = suffix[1:]
    shortest = min(len(t) for t in texts)
    if len(prefix) + len(suffix) > shortest:  # one text is the other's start or end
        suffix = suffix[len(prefix) + len(suffix) - shortest :]
    if all(" " in t for t in texts):
        prefix = prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""
        suffix = suffix[suffix.find(" ") :] if " " in suffix else ""
    # a bracket opened in the prefix or closed in the suffix goes with the middle, whole
    for opening, closing in ("()", "（）"):
        if prefix.count(opening) > prefix.count(closing):
            prefix = prefix[: prefix.rfind(opening)]
        if suffix.count(closing) > suffix.count(opening):
            suffix = suffix[suffix.find(closing) + 1 :]
    return prefix, suffix


def _middle(text: str, ends: tuple[str, str]) -> str:
    prefix, suffix = ends
    middle = text[len(prefix) : len(text) - len(suffix)].strip(" ,:：、")
    if middle[:1] in "(（" and middle[-1:] in ")）":  # a whole bracket: its content
        middle = middle[1:-1].strip(" ,:：、")
    return middle


def _matrix(results: Results, family: Family, lang: str, cit: Citations, many: bool) -> MatrixView:
    """The view of one family: the smaller side (metrics or items) across."""
    from chikuden.indicators import outputs

    _ = translator(lang).gettext
    decls = outputs()
    labels = {k: decls[k].label(lang) for k in family.cells.values()}
    metric_label: dict[str, str] = {}
    item_label: dict[str, str] = {}
    for metric in family.metrics:
        keys = [family.cells[(metric, i)] for i in family.items if (metric, i) in family.cells]
        ends = _common_ends([labels[k] for k in keys])
        text = f"{ends[0]}…{ends[1]}".strip(" ,:：、") if any(e.strip() for e in ends) else ""
        units = {display_unit(decls[k].unit, lang) for k in keys}
        unit = f" [{units.pop()}]" if len(units) == 1 and "" not in units else ""
        metric_label[metric] = (text or labels[keys[0]]) + unit
        for item in family.items:
            key = family.cells.get((metric, item))
            middle = _middle(labels[key], ends) if key else ""
            if middle and len(middle) <= 40 and item not in item_label:
                item_label[item] = middle
    across_items = len(family.items) <= len(family.metrics)
    down, across = (
        (family.metrics, family.items) if across_items else (family.items, family.metrics)
    )
    names = {**metric_label, **{i: item_label.get(i, i) for i in family.items}}
    rows: list[MatrixRow] = []
    for d in down:
        cells: list[MatrixCell | None] = []
        for a in across:
            key = family.cells.get((d, a) if across_items else (a, d))
            if key is None:
                cells.append(None)
                continue
            values = [
                format_output(results.value(key, i), decls[key], lang) for i in range(results.n)
            ]
            if many:
                values = [f"{results.names[i]}: {v}" for i, v in enumerate(values)]
            cells.append(MatrixCell(key, labels[key], values))
        rows.append(MatrixRow(names[d], cells))
    keys = list(family.cells.values())
    clauses = [c for c in dict.fromkeys(decls[k].clause for k in keys) if c]
    heads = [names[a] for a in across]
    size = {"n": len(keys), "rows": len(down), "columns": len(across)}
    if all(len(h) <= 16 for h in heads):  # short names (minerals) are listed
        # Translators: between the names of a list ("lithium, nickel, cobalt")
        shown = _(", ").join(heads[:5]) + ("…" if len(heads) > 5 else "")
        summary = _("{n} more indicators, by {names} ({rows} rows × {columns} columns)").format(
            names=shown, **size
        )
    else:
        summary = _("{n} more indicators as a table ({rows} rows × {columns} columns)").format(
            **size
        )
    return MatrixView(
        summary=summary,
        corner=_("Indicator") if across_items else "",
        columns=[names[a] for a in across],
        rows=rows,
        cites=cit.cite_all(k for key in keys for k in _union_sources(results, key)),
        clauses=[c for c in (_clause_cite(cit, c) for c in clauses) if c],
    )


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
        charts.append(
            ChartView(
                chart.id,
                chart.title(lang),
                to_script_json(fig),
                cites,
                summary=chart_summary(fig, lang),
                data=figure_table(fig, lang),
                height=int(fig["layout"].get("height", 0)),
            )
        )
    tables = _rows_tables(results, [d for d in own if d.kind == "rows"], lang, cit)
    families = matrix_families([row.key for row in indicators])
    in_matrix = {k for f in families for k in f.cells.values()}
    return SectionView(
        id=f"sec-{section.domain}",
        title=section.title(lang),
        intro=section.intro(lang),
        indicators=indicators,
        charts=charts,
        tables=tables,
        plain=[row for row in indicators if row.key not in in_matrix],
        matrices=[_matrix(results, f, lang, cit, results.n > 1) for f in families],
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


@dataclass
class ReportView:
    lang: str
    title: str
    scenarios: list[ScenarioView]
    names: list[str]
    answers: list[AnswerView]  # the verdicts first (chikuden.answers), one section each
    sections: list[SectionView]
    findings: list[FindingView]
    parameters: list[ParameterGroup]
    bibliography: list[BibEntry]
    confidence: dict[str, str]
    version: str
    uncertainty: list[UncertaintyView] = field(default_factory=list)  # one per scenario


def build_view(results: Results, lang: str = "en", uncertainty: Uncertainty = None) -> ReportView:
    """Everything the template shows, computed from ``results`` (no HTML yet); with
    ``uncertainty`` (:func:`chikuden.report.uncertainty.analyse` of the scenario, or one per
    scenario of a comparison, in order) the section "Uncertainty and what it takes" and each
    answer's probability."""
    import chikuden
    from chikuden.indicators import sections
    from chikuden.report.answers import views as answer_sections

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
    answer_views = answer_sections(results, lang, cit, _source_note)
    unc_views = []
    if uncertainty is not None:
        from chikuden.report.uncertainty import view as uncertainty_view

        docs = [uncertainty] if isinstance(uncertainty, dict) else list(uncertainty)
        if [d["scenario"] for d in docs] != list(results.names):
            raise ValueError("uncertainty: give one analysis per scenario, in their order")
        unc_views = [
            uncertainty_view(d, results, answer_views, lang, i) for i, d in enumerate(docs)
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
        answers=answer_views,
        sections=section_views,
        findings=found,
        parameters=groups,
        bibliography=cit.entries(),
        confidence={k: v for k, v in _confidence(lang).items() if k in used},
        version=chikuden.__version__,
        uncertainty=unc_views,
    )


def _environment(lang: str = "en") -> jinja2.Environment:
    """The template environment, its ``_()`` translating into ``lang``."""
    env = templates("chikuden.report", "templates", lang)
    env.filters["pack"] = lambda text: pack(str(text))  # what the page inflates when needed
    return env


def render_report(results: Results, lang: str = "en", uncertainty: Uncertainty = None) -> str:
    """The report as one self-contained HTML document (plotly.js inlined, no network); with
    ``uncertainty`` (:func:`chikuden.report.uncertainty.analyse`) its section too."""
    return render_view(build_view(results, lang, uncertainty))


def render_view(view: ReportView) -> str:
    """The HTML document of a view from :func:`build_view`."""
    template = _environment(view.lang).get_template("report.html.j2")
    return template.render(view=view, scripts=page_scripts())
