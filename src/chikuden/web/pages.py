"""The pages of the web simulator: ``/`` (levers, answers, charts) and the domain pages
(``/finance``, ``/minerals``, ``/carbon``, ``/demand``; ``/uncertainty`` and ``/optimize`` are
:mod:`chikuden.web.analyses`), server-rendered in
English or Japanese (``?lang=ja``).

The page's state is its query string: ``scenario`` (a bundled or saved scenario), ``lang`` and
one ``<parameter>=<number>`` per moved lever (``?capacity.delay_years=2``), so a link
reproduces the view and every page's navigation carries it along. The first paint is rendered
here from the Python API (the answers' verdicts, the levers from the parameter tables and
``levers.yaml``, the domain indicators and charts through the report's own figure code); the
page's script then asks ``POST /api/evaluate`` for only the outputs on screen while a slider
moves. Assets are the package's (``/static``: this folder's ``static/`` and the report's
partial plotly.js bundle); nothing is fetched from elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import markupsafe
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from chikuden.errors import N_, ChikudenError, Msg, localized
from chikuden.i18n import LANGS, pick, templates, translator
from chikuden.web.levers import LeverSpec, layout

if TYPE_CHECKING:
    from chikuden.parameters.scenario import Scenario
    from chikuden.results import Results

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
DEFAULT_SCENARIO = "proposal-2022"
# Query keys that are not parameters.
RESERVED = ("scenario", "lang")
# Each language's name in itself, on the switch to it.
LANG_NAMES = {"en": "English", "ja": "日本語"}
# The domain pages: path -> (the sections of data/indicators/*.yaml it shows, its calculator).
DOMAINS: dict[str, tuple[tuple[str, ...], str]] = {
    "finance": (("finance",), ""),
    "minerals": (("minerals",), "minerals-stress"),
    "carbon": (("carbon",), "product"),
    "demand": (("market", "vehicles", "charging", "freight", "stationary"), "service-area"),
}

router = APIRouter(include_in_schema=False)


# -- levers ------------------------------------------------------------------------------------


@dataclass
class Lever:
    """A lever as the page shows it."""

    key: str
    group: str
    label: str
    unit: str
    kind: str
    min: float
    max: float
    lo: float
    hi: float
    step: float
    default: float
    value: float
    moved: bool
    year: int | None
    sources: list[dict[str, str]]
    derived: str = ""  # the kind of a derived lever (its key is then the lever's id)


def _step(spec: LeverSpec, unit: str, lo: float, hi: float) -> float:
    if spec.step is not None:
        return spec.step
    head = unit.split(" ", 1)[0]
    if head in ("share", "flag"):
        return 0.01
    if head in ("year", "years"):
        return 1.0
    return (hi - lo) / 100


def _number(value: Any, year: int | None) -> float:
    """A parameter's value as the slider's number: a scalar's, or a path's in ``year``."""
    import numpy as np

    from chikuden.horizon import FIRST_YEAR

    array = np.asarray(value, dtype=float)
    return float(array) if year is None else float(array[year - FIRST_YEAR])


def source_links(keys: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    """``[{key, title, url}]`` of bibliography keys (a clause key as its proposal entry)."""
    from chikuden.parameters.sources import resolve_source

    out = []
    for key in keys:
        src, clause = resolve_source(key)
        title = src.citation(clause)
        out.append({"key": key, "title": title, "url": src.url})
    return out


def levers(base: Scenario, moved: Mapping[str, float], lang: str) -> list[Lever]:
    """Every lever of ``levers.yaml`` for scenario ``base`` with the values ``moved``."""
    from chikuden.formatting import unit_text
    from chikuden.parameters.declarations import declarations
    from chikuden.web import derived

    decls = declarations()
    out: dict[str, Lever] = {}
    for dspec in layout().derived:
        lo, hi = dspec.slider or (dspec.min, dspec.max)
        default = derived.default(dspec, base)
        out[dspec.id] = Lever(
            key=dspec.id,
            group=dspec.group,
            label=pick(lang, dspec.en, dspec.ja),
            unit=unit_text(dspec.unit, lang),
            kind="derived",
            min=dspec.min,
            max=dspec.max,
            lo=lo,
            hi=hi,
            step=dspec.step or (hi - lo) / 100,
            default=default,
            value=moved.get(dspec.id, default),
            moved=dspec.id in moved,
            year=dspec.year,
            sources=source_links(list(base.sources_of(dspec.key))),
            derived=dspec.kind,
        )
    for spec in layout().levers:
        d = decls[spec.key]
        lo, hi = spec.slider or (d.min, d.max)
        default = _number(base.value(spec.key), spec.year)
        out[spec.key] = Lever(
            key=spec.key,
            group=spec.group,
            label=pick(lang, d.description_en, d.description_ja),
            unit=unit_text(d.unit, lang),
            kind=d.kind,
            min=d.min,
            max=d.max,
            lo=lo,
            hi=hi,
            step=_step(spec, d.unit, lo, hi),
            default=default,
            value=moved.get(spec.key, default),
            moved=spec.key in moved,
            year=spec.year,
            sources=source_links(list(base.sources_of(spec.key))),
        )
    return [out[name] for name in layout().order]


# -- state -------------------------------------------------------------------------------------
class StateError(ValueError):
    """A query string the page cannot show (names the field, the value and what is allowed);
    ``message`` is read in the page's language (:func:`chikuden.errors.localized`)."""

    def __init__(self, message: str | Msg | ChikudenError) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class State:
    """What the query string says: the scenario, the language and the moved levers."""

    scenario: str = DEFAULT_SCENARIO
    lang: str = "en"
    moved: dict[str, float] = field(default_factory=dict)
    derived: dict[str, float] = field(default_factory=dict)  # moved derived levers, by id

    def query(self, lang: str | None = None) -> str:
        """The query string of this state (in another language with ``lang``)."""
        from urllib.parse import urlencode

        pairs: list[tuple[str, str]] = [("scenario", self.scenario)]
        if (lang or self.lang) != "en":
            pairs.append(("lang", lang or self.lang))
        pairs += [(k, _plain(v)) for k, v in self.moved.items()]
        pairs += [(k, _plain(v)) for k, v in self.derived.items()]
        return urlencode(pairs)

    @property
    def levers(self) -> dict[str, float]:
        """Every moved lever's number, parameters' and derived levers'."""
        return {**self.moved, **self.derived}


def _plain(v: float) -> str:
    """A number as the shortest text that reads back to it (``0.3``, ``2``)."""
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def read_state(query: Mapping[str, str]) -> State:
    """The state of a query string; an unknown key or a bad number is a :class:`StateError`."""
    from chikuden.errors import did_you_mean
    from chikuden.parameters.declarations import declarations
    from chikuden.web.api import checked_values
    from chikuden.web.errors import ApiError

    lang = query.get("lang", "en")
    if lang not in LANGS:
        raise StateError(
            N_("lang: {lang!r} is not one of {allowed}", lang=lang, allowed=", ".join(LANGS))
        )
    state = State(query.get("scenario", DEFAULT_SCENARIO) or DEFAULT_SCENARIO, lang)
    decls = declarations()
    derived_ids = {d.id for d in layout().derived}
    for key, text in query.items():
        if key in RESERVED:
            continue
        if key in derived_ids:  # its range is checked with the scenario (scenario_of)
            try:
                state.derived[key] = float(text)
            except ValueError:
                raise StateError(
                    N_("{field}: {text!r} is not a number; give a number", field=key, text=text)
                ) from None
            continue
        if key not in decls:
            raise StateError(
                N_(
                    "{key}: not a parameter{hint}; the address takes scenario, lang and "
                    "parameters with a number (`chikuden params` lists them)",
                    key=key,
                    hint=did_you_mean(key, decls),
                )
            )
        try:
            state.moved[key] = float(text)
        except ValueError:
            raise StateError(
                N_("{field}: {text!r} is not a number; give a number", field=key, text=text)
            ) from None
    try:  # the range and kind of each value, checked as POST /api/evaluate checks them
        checked_values(state.moved, "address")
    except ApiError as exc:
        raise StateError(exc.message) from None
    return state


def load_base(request: Request, name: str) -> Scenario:
    """A bundled scenario, or one saved through the API (the server's store)."""
    from chikuden.web.api import scenario_named, web_state
    from chikuden.web.errors import ApiError

    try:
        return scenario_named(web_state(request), name)
    except ApiError as exc:
        raise StateError(exc.message) from None


def scenario_of(request: Request, state: State) -> Scenario:
    """The state's scenario with its moved levers (a rule they break: :class:`StateError`)."""
    from chikuden.errors import ParameterError

    base = load_base(request, state.scenario)
    if not state.levers:
        return base
    try:
        return base.with_overrides(state_values(base, state), source="user-override")
    except ParameterError as exc:
        raise StateError(exc) from None


def state_values(base: Scenario, state: State) -> dict[str, Any]:
    """The parameter values of the state's levers on ``base``: the moved parameters' numbers and
    the derived levers expanded (:func:`chikuden.web.derived.expand`); bad: :class:`StateError`."""
    from chikuden.web import derived
    from chikuden.web.errors import ApiError

    try:
        return derived.merged(
            state.moved, derived.expand(base, state.derived, "address"), "address"
        )
    except ApiError as exc:
        raise StateError(exc.message) from None


# -- rendering ---------------------------------------------------------------------------------
@cache
def environment(lang: str) -> jinja2.Environment:
    """The templates of ``lang`` (``_()`` translating, autoescaped, strict)."""
    from chikuden.charting import to_script_json

    env = templates("chikuden.web", "templates", lang)
    env.filters["num"] = lambda v: f"{float(v):.6g}"  # a lever's number as the page shows it
    env.filters["plain"] = _plain  # a moved lever's number exactly, as the address gives it
    env.filters["json"] = lambda doc: markupsafe.Markup(to_script_json(doc))
    return env


def nav(state: State) -> list[dict[str, str]]:
    """The navigation: each page with the state's query string."""
    _ = translator(state.lang).gettext
    q = "?" + state.query()
    return [
        {"path": "/", "href": "/" + q, "text": _("Simulator")},
        {"path": "/finance", "href": "/finance" + q, "text": _("Finance")},
        {"path": "/minerals", "href": "/minerals" + q, "text": _("Minerals")},
        {"path": "/carbon", "href": "/carbon" + q, "text": _("Carbon")},
        {"path": "/demand", "href": "/demand" + q, "text": _("Demand and infrastructure")},
        {"path": "/uncertainty", "href": "/uncertainty" + q, "text": _("Uncertainty")},
        {"path": "/optimize", "href": "/optimize" + q, "text": _("Fund optimiser")},
    ]


def _page(
    request: Request,
    template: str,
    state: State,
    path: str,
    status: int = 200,
    extra: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered for ``state``; ``extra``: the page's own query keys beyond the
    state (``samples`` of ``/uncertainty``), kept by the language switch."""
    from urllib.parse import urlencode

    from chikuden.api import list_scenarios
    from chikuden.web.api import web_state

    other = next(lang for lang in LANGS if lang != state.lang)
    html = (
        environment(state.lang)
        .get_template(template)
        .render(
            lang=state.lang,
            state=state,
            path=path,
            nav=nav(state),
            other_lang=other,
            other_name=LANG_NAMES[other],
            other_href=f"{path}?{state.query(other)}"
            + (f"&{urlencode(dict(extra))}" if extra else ""),
            bundled=list_scenarios(),
            saved=[s.name for s in web_state(request).store.list()],
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)


def _error_page(
    request: Request, query: Mapping[str, str], path: str, message: str | Msg | ChikudenError
) -> HTMLResponse:
    """The 400 page: ``message`` in the query's language (English when it is not one)."""
    lang = query.get("lang", "en")
    state = State(lang=lang if lang in LANGS else "en")
    message = localized(message, state.lang)
    pages = ("", *DOMAINS, "uncertainty", "optimize")
    page = path if path.strip("/") in pages else "/"  # not a download
    return _page(request, "error.html.j2", state, page, status=400, message=message)


def verdicts(results: Results, lang: str) -> list[dict[str, str]]:
    """Each answer's verdict for scenario 0: id, question, status, pill class, word, sentence,
    and the domain page that shows it."""
    from chikuden.answers import answers, status_word
    from chikuden.report.answers import STATUS_CLASSES

    return [
        {
            "id": a.id,
            "clause": a.clause,
            "question": a.question,
            "status": a.status,
            "css": STATUS_CLASSES[a.status],
            "word": status_word(a.status, lang),
            "sentence": a.sentence,
            "page": _answer_page(a.id),
        }
        for a in answers(results, lang)
    ]


def _answer_page(answer_id: str) -> str:
    """The domain page that shows an answer's domain ('' if none does)."""
    domain = _answer_domain(answer_id)
    return next((f"/{name}" for name, (ds, _) in DOMAINS.items() if domain in ds), "")


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def chart_specs(results: Results, lang: str) -> list[dict[str, Any]]:
    """What the page's script needs to draw each answer's chart from ``/api/evaluate``'s
    outputs: the keys and their labels, and the axis scale of the first paint."""
    import numpy as np

    from chikuden.answers import label_of, questions, read, unit_of
    from chikuden.charting import axis_scale
    from chikuden.formatting import short_label
    from chikuden.indicators import outputs

    decls = outputs()
    by_id = {q.id: q for q in questions()}
    out = []
    for cid in layout().charts:
        q = by_id[cid]
        spec = q.chart
        drawn = spec.series or spec.bars
        unit = unit_of(drawn[0])
        peak = 0.0
        for key in spec.series:
            finite = np.abs(results.series[key][np.isfinite(results.series[key])])
            peak = max([peak, *([float(finite.max())] if finite.size else [])])
        for key in (*spec.bars, *spec.lines):
            v = read(results, key)
            peak = max(peak, abs(v)) if math.isfinite(v) else peak
        scale = axis_scale(unit, lang, peak)
        out.append(
            {
                "id": cid,
                "title": q.question(lang),
                "kind": spec.kind,
                "series": [
                    {
                        "key": k,
                        "label": decls[k].label(lang),
                        "years": [int(y) for y in decls[k].years],
                    }
                    for k in spec.series
                ],
                "bars": [{"key": k, "label": short_label(label_of(k, lang))} for k in spec.bars],
                # a target may be a parameter (not an output of evaluate): its value comes along
                "lines": [
                    {
                        "key": k,
                        "label": short_label(label_of(k, lang)),
                        "parameter": k not in decls,
                        "value": _finite(read(results, k)),
                    }
                    for k in spec.lines
                ],
                "factor": scale.factor,
                "axis": scale.label,
                "hover": scale.hover,
            }
        )
    return out


def chart_outputs() -> list[str]:
    """The outputs the simulator's charts and cards read (the page asks only for these)."""
    from chikuden.answers import questions
    from chikuden.indicators import outputs

    by_id = {q.id: q for q in questions()}
    keys = [k for c in layout().charts for k in by_id[c].chart.series + by_id[c].chart.bars]
    keys += [k for c in layout().charts for k in by_id[c].chart.lines if k in outputs()]
    keys += list(layout().cards)
    return list(dict.fromkeys(keys))


def cards(results: Results, lang: str) -> list[dict[str, str]]:
    from chikuden.answers import format_key
    from chikuden.indicators import outputs

    return [
        {
            "key": k,
            "label": outputs()[k].label(lang),
            "text": format_key(results, k, results.value(k), lang),
        }
        for k in layout().cards
    ]


def _values_for_charts(results: Results) -> dict[str, Any]:
    """The first paint's chart values, in ``/api/evaluate``'s shape (series: years, values)."""
    from chikuden.answers import questions, read
    from chikuden.indicators import outputs

    decls = outputs()
    by_id = {q.id: q for q in questions()}
    out: dict[str, Any] = {}

    for cid in layout().charts:
        spec = by_id[cid].chart
        for k in spec.series:
            out[k] = {
                "years": [int(y) for y in decls[k].years],
                "values": [_finite(float(v)) for v in results.series[k][0]],
            }
        for k in (*spec.bars, *spec.lines):
            out[k] = _finite(read(results, k))
    return out


def _group_names(lang: str) -> dict[str, str]:
    return {gid: pick(lang, en, ja) for gid, en, ja in layout().groups}


@router.get("/", response_class=HTMLResponse)
def simulator(request: Request) -> HTMLResponse:
    from chikuden.answers import STATUSES, status_word
    from chikuden.web.api import evaluated, web_state

    query = dict(request.query_params)
    try:
        state = read_state(query)
        scenario = scenario_of(request, state)
    except StateError as exc:
        return _error_page(request, query, "/", exc.message)
    base = load_base(request, state.scenario)
    # as POST /api/evaluate computes it (the answers' outputs and those asked, the server's cache)
    results = evaluated(web_state(request), [scenario], chart_outputs())
    return _page(
        request,
        "simulator.html.j2",
        state,
        "/",
        title=pick(state.lang, scenario.title_en, scenario.title_ja) or scenario.name,
        answers=verdicts(results, state.lang),
        levers=levers(base, state.levers, state.lang),
        groups=_group_names(state.lang),
        charts=chart_specs(results, state.lang),
        first=_values_for_charts(results),
        cards=cards(results, state.lang),
        outputs=chart_outputs(),
        statuses={s: status_word(s, state.lang) for s in STATUSES},
    )


def _domain_view(results: Results, domains: tuple[str, ...], lang: str) -> list[dict[str, Any]]:
    """Each section of ``domains``: title, intro, its indicators formatted, its charts."""
    from chikuden.answers import format_key
    from chikuden.indicators import outputs, sections
    from chikuden.report.charts import figure, figure_table

    _ = translator(lang).gettext
    decls = outputs()
    note = _("Source: {sources}").format(sources=_("chikuden model"))
    views = []
    for section in sections():
        if section.domain not in domains:
            continue
        rows = [
            {
                "key": k,
                "label": decls[k].label(lang),
                "text": format_key(results, k, results.value(k), lang),
                "year": "" if decls[k].year is None else str(decls[k].year),
            }
            for k in section.outputs
            if decls[k].kind == "indicator"
        ]
        charts = []
        for chart in section.charts:
            fig = figure(chart, results, lang, note)
            table = figure_table(fig, lang)
            charts.append(
                {
                    "id": chart.id,
                    "title": chart.title(lang),
                    "figure": fig,
                    "csv": table.csv,
                }
            )
        views.append(
            {
                "id": section.domain,
                "title": section.title(lang),
                "intro": section.intro(lang),
                "rows": rows,
                "charts": charts,
            }
        )
    return views


@dataclass(frozen=True)
class Field:
    """One input of a calculator's form."""

    name: str  # the argument of chikuden.calculators (and the JSON field of the endpoint)
    label: str
    kind: str = "number"  # number, select, file
    value: str = ""
    min: str = ""
    max: str = ""
    options: tuple[tuple[str, str], ...] = ()  # (value, text) of a select


def _bounded(bound: Any, label: str) -> Field:
    """A number field from a :class:`chikuden.bounds.Bound` (range and example: one place)."""
    finite = math.isfinite
    return Field(
        bound.name,
        label,
        value=bound.example,
        min=_plain(bound.lo) if finite(bound.lo) else "",
        max=_plain(bound.hi) if finite(bound.hi) else "",
    )


def calculator_fields(name: str, lang: str) -> list[Field]:
    """The inputs of calculator ``name`` (``service-area``, ``minerals-stress``, ``product``),
    named as the Python API's arguments, ranged by its bounds."""
    from chikuden import calculators as calc
    from chikuden.horizon import FIRST_YEAR, LAST_YEAR
    from chikuden.report.labels import word

    _ = translator(lang).gettext
    year = Field(
        "year", _("Year"), value=str(calc.DEFAULT_YEAR), min=str(FIRST_YEAR), max=str(LAST_YEAR)
    )
    if name == "service-area":
        return [
            _bounded(calc.ARRIVALS, _("Cars arriving to charge at the peak hour [1/h]")),
            _bounded(calc.ENERGY, _("Energy per charging session [kWh]")),
            _bounded(calc.POWER, _("Rated power of a charger [kW]")),
            _bounded(calc.FACTOR, _("Mean delivered over rated power")),
            _bounded(calc.WAIT_PROBABILITY, _("Highest probability that a car waits")),
            _bounded(calc.MEAN_WAIT, _("Highest mean wait [min]")),
            Field(
                "model",
                _("Queueing model"),
                "select",
                "mmc",
                options=tuple(calc.QUEUE_MODELS.items()),
            ),
        ]
    if name == "minerals-stress":
        return [
            Field(
                "mineral",
                _("Mineral"),
                "select",
                "graphite",
                options=tuple((m, word(m, lang)) for m in calc.stress_minerals()),
            ),
            Field("country", _("Exporting country (ISO code)"), "text", "CN"),
            _bounded(calc.CUT, _("Share of its exports lost")),
            _bounded(calc.months_bound(), _("Length of the shock [months]")),
            year,
        ]
    if name == "product":
        return [
            Field("file", _("Product file (JSON or CSV)"), "file"),
            Field(
                "model",
                _("Capacity-fade model"),
                "select",
                "auto",
                options=tuple((m, m) for m in calc.FADE_MODELS),
            ),
            year,
            _bounded(calc.TOLERANCE, _("Tolerance above rated capacity")),
        ]
    raise KeyError(name)


def _domain(request: Request, name: str) -> HTMLResponse:
    import chikuden

    query = dict(request.query_params)
    path = f"/{name}"
    try:
        state = read_state(query)
        scenario = scenario_of(request, state)
    except StateError as exc:
        return _error_page(request, query, path, exc.message)
    results = chikuden.evaluate(scenario)
    domains, calculator = DOMAINS[name]
    return _page(
        request,
        "domain.html.j2",
        state,
        path,
        title=next(n["text"] for n in nav(state) if n["path"] == path),
        sections=_domain_view(results, domains, state.lang),
        answers=[v for v in verdicts(results, state.lang) if _answer_domain(v["id"]) in domains],
        calculator=calculator,
        fields=calculator_fields(calculator, state.lang) if calculator else [],
    )


def _answer_domain(answer_id: str) -> str:
    """The domain of an answer: that of its headline indicator."""
    from chikuden.answers import questions

    q = next(q for q in questions() if q.id == answer_id)
    return q.headline.split(".", 1)[0]


@router.get("/finance", response_class=HTMLResponse)
def finance(request: Request) -> HTMLResponse:
    return _domain(request, "finance")


@router.get("/minerals", response_class=HTMLResponse)
def minerals(request: Request) -> HTMLResponse:
    return _domain(request, "minerals")


@router.get("/carbon", response_class=HTMLResponse)
def carbon(request: Request) -> HTMLResponse:
    return _domain(request, "carbon")


@router.get("/demand", response_class=HTMLResponse)
def demand(request: Request) -> HTMLResponse:
    return _domain(request, "demand")


def _set_option(key: str, value: float | list[float]) -> str:
    """``--set key=value`` of a number, or of a yearly path as its points (quoted for a shell)."""
    from chikuden.horizon import YEARS

    if isinstance(value, list):
        points = ";".join(f"{y}:{_plain(v)}" for y, v in zip(YEARS.tolist(), value, strict=True))
        return f"--set '{key}={points}'"
    return f"--set {key}={_plain(value)}"


def scenario_yaml(request: Request, state: State) -> str:
    """The state as a scenario file that ``chikuden run --scenario FILE.yaml`` reads, written
    as the API writes a saved scenario (:func:`chikuden.web.store.document`)."""
    from chikuden.api import list_scenarios
    from chikuden.web.api import web_state
    from chikuden.web.store import document

    name = _file_name(state)
    store = web_state(request).store
    base_doc = None if state.scenario in list_scenarios() else store.text(state.scenario)
    values = state_values(load_base(request, state.scenario), state)
    return document(name, state.scenario, name, values, base_doc)


def _file_name(state: State) -> str:
    return f"{state.scenario}-web" if state.levers else state.scenario


@router.get("/scenario.yaml")
def download_yaml(request: Request) -> Response:
    """The page's state as a scenario YAML (a download)."""
    query = dict(request.query_params)
    try:
        state = read_state(query)
        scenario_of(request, state)
    except StateError as exc:
        return _error_page(request, query, "/scenario.yaml", exc.message)
    return Response(
        scenario_yaml(request, state),
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(state)}.yaml"'},
    )


@router.get("/static/plotly.min.js")
def plotly_bundle() -> FileResponse:
    """The report's partial plotly.js bundle (one file in the package, served as it is)."""
    path = resources.files("chikuden.report").joinpath("assets", "plotly-partial.min.js")
    return FileResponse(str(path), media_type="text/javascript")


def install(app: FastAPI) -> None:
    """Add the pages and their static files (``/static``) to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
