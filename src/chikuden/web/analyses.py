"""The uncertainty analyses and the fund optimiser on the web: the pages ``/uncertainty`` and
``/optimize`` and their JSON endpoints.

- ``/uncertainty`` runs, for the page's scenario (the address state, derived levers included),
  the analyses of ``chikuden run --uncertainty`` (:func:`chikuden.report.uncertainty.analyse`:
  the probability of each target, the fan charts, the sensitivity ranking, what it takes, the
  fund's allocation) in a background run (:mod:`chikuden.web.jobs`) whose progress the page
  polls (``GET /api/uncertainty/runs/{id}``), then shows them with the report's own view and
  figures (:func:`chikuden.report.uncertainty.view`). The address keeps ``samples`` and
  ``seed``, so a reload or a shared link shows the same run. An ``uncertainty.json`` written by
  ``chikuden run --uncertainty`` can be uploaded instead (checked: a malformed or foreign file
  is a 400 naming what is wrong).
- ``/optimize`` allocates the fund (:mod:`chikuden.optimize.portfolio`, the functions
  ``chikuden optimize`` calls) for the page's scenario, an objective and a fund size, and shows
  the portfolio, the value of one more yen and the step curve of the optimum against the fund.

The sizes the server allows are data: ``analyses.yaml`` beside this module, each with its
reason.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, Strict

from chikuden.errors import N_, ChikudenError, Msg
from chikuden.i18n import pick, translator
from chikuden.web.api import web_state
from chikuden.web.errors import ERROR_RESPONSES, ApiError, request_lang
from chikuden.web.models import Lang, Levers, Number, ScenarioName, Values

if TYPE_CHECKING:
    from chikuden.parameters.scenario import Scenario
    from chikuden.report.uncertainty import UncertaintyView
    from chikuden.results import Results
    from chikuden.web.app import WebState
    from chikuden.web.jobs import Run, Runs
    from chikuden.web.pages import State as PageState

MAX_SEED = 2**32 - 1
"""numpy's seeds are 0..2**32 - 1 (numpy.random.SeedSequence takes more; the page needs no
more)."""
UNCERTAINTY_KEYS = ("samples", "seed")
OPTIMIZE_KEYS = ("objective", "fund_jpy", "min_gwh", "points")
FILE = "analyses.yaml"


# -- limits (analyses.yaml) --------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """The sizes the server allows (``analyses.yaml``)."""

    max_samples: int
    max_queued: int
    kept_results: int
    poll_ms: int
    max_points: int


class AnalysesDeclarationError(RuntimeError):
    """``analyses.yaml`` declares something that cannot work (names the field)."""


def parse_limits(doc: Any) -> Limits:
    """The limits of an ``analyses.yaml`` document, checked: each a whole number of 1 or more
    with its reason (``why``)."""
    from chikuden.uncertainty.sampling import MIN_SAMPLES

    wanted = {
        "uncertainty": ("max_samples", "max_queued", "kept_results", "poll_ms"),
        "optimize": ("max_points",),
    }
    if not isinstance(doc, dict) or set(doc) != set(wanted):
        raise AnalysesDeclarationError(f"{FILE}: needs exactly {', '.join(wanted)}")
    found: dict[str, int] = {}
    for block, names in wanted.items():
        if not isinstance(doc[block], dict) or set(doc[block]) != set(names):
            raise AnalysesDeclarationError(f"{FILE}: {block}: needs exactly {', '.join(names)}")
        for name in names:
            entry = doc[block][name]
            where = f"{FILE}: {block}.{name}"
            if not isinstance(entry, dict) or set(entry) != {"value", "why"}:
                raise AnalysesDeclarationError(f"{where}: needs 'value' and 'why'")
            if not str(entry["why"] or "").strip():
                raise AnalysesDeclarationError(f"{where}: say 'why'")
            value = entry["value"]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise AnalysesDeclarationError(f"{where}: {value!r} is not a whole number >= 1")
            found[name] = value
    if found["max_samples"] < MIN_SAMPLES:
        raise AnalysesDeclarationError(
            f"{FILE}: uncertainty.max_samples: below the Monte Carlo's minimum {MIN_SAMPLES}"
        )
    if found["max_points"] < 2:
        raise AnalysesDeclarationError(f"{FILE}: optimize.max_points: a curve needs 2 points")
    return Limits(**found)


@cache
def limits() -> Limits:
    """The bundled limits (read and checked once)."""
    import yaml

    text = resources.files("chikuden.web").joinpath(FILE).read_text(encoding="utf-8")
    return parse_limits(yaml.safe_load(text))


def runs(request: Request) -> Runs:
    """The application's runs of the uncertainty analyses (made on first use)."""
    from chikuden.web.jobs import Runs

    app = request.app
    with _RUNS_LOCK:  # two first requests at once make one queue
        found: Runs | None = getattr(app.state, "uncertainty_runs", None)
        if found is None:
            conf = limits()
            found = app.state.uncertainty_runs = Runs(conf.max_queued, conf.kept_results)
    return found


_RUNS_LOCK = threading.Lock()


def default_samples() -> int:
    """The report's sample size (``data/uncertainty.yaml``, ``report.samples``)."""
    from chikuden.report.uncertainty import settings

    return settings().samples


def default_seed() -> int:
    from chikuden.report.uncertainty import settings

    return settings().seed


def samples_allowed() -> str:
    from chikuden.uncertainty.sampling import MIN_SAMPLES

    return f"a whole number in {MIN_SAMPLES}..{limits().max_samples}"


def check_samples(samples: int, field: str = "samples") -> int:
    """``samples`` if the server runs that many; else a 422 naming ``field``."""
    from chikuden.uncertainty.sampling import MIN_SAMPLES

    if not MIN_SAMPLES <= samples <= limits().max_samples:
        raise ApiError(
            422,
            N_(
                "{field}: {samples} samples is outside {low}..{high} (the server's bound, "
                "{file}); give fewer, or run `chikuden run --uncertainty -n {samples}` on your "
                "own machine",
                field=field,
                samples=samples,
                low=MIN_SAMPLES,
                high=limits().max_samples,
                file=FILE,
            ),
            field,
            samples,
            samples_allowed(),
        )
    return samples


def check_seed(seed: int, field: str = "seed") -> int:
    if not 0 <= seed <= MAX_SEED:
        raise ApiError(
            422,
            N_(
                "{field}: {seed} is outside 0..{high}; give a whole number in that range",
                field=field,
                seed=seed,
                high=MAX_SEED,
            ),
            field,
            seed,
            f"a whole number in 0..{MAX_SEED}",
        )
    return seed


# -- the uncertainty view ----------------------------------------------------------------------
class AnalysisFileError(ChikudenError):
    """An uploaded uncertainty.json that is malformed or not one (the message names what)."""


# What an analysis of chikuden.report.uncertainty.analyse holds, field by field: the upload is
# checked against it before any of it is shown.
_SHAPE: dict[str, Any] = {
    "scenario": str,
    "samples": int,
    "seed": int,
    "settings": str,
    "montecarlo": {
        "samples": int,
        "seed": int,
        "quantile_relative_error": float,
        "parameters": dict,
        "sampled_though_the_scenario_sets_them": list,
        "targets": dict,
        "series": dict,
    },
    "sensitivity": {
        "method": str,
        "samples": int,
        "runs": int,
        "seed": int,
        "ranked_by": str,
        "confidence": float,
        "indicators": dict,
    },
    "what_it_takes": dict,
    "undeclared": list,
    "optimize": dict,
}
_TYPE_WORDS = {
    str: N_("text"),
    int: N_("a whole number"),
    float: N_("a number"),
    list: N_("a list"),
}


def _check_shape(doc: Any, shape: dict[str, Any], at: str) -> None:
    if not isinstance(doc, dict):
        raise AnalysisFileError(
            N_("{at}: an object is needed, not {kind}", at=at or N_("the file"), kind=_kind(doc))
        )
    for key, want in shape.items():
        where = f"{at}.{key}" if at else key
        if key not in doc:
            raise AnalysisFileError(N_("{at}: missing", at=where))
        value = doc[key]
        if isinstance(want, dict):
            _check_shape(value, want, where)
            continue
        ok = (
            isinstance(value, int | float) and not isinstance(value, bool)
            if want is float
            else isinstance(value, want) and not isinstance(value, bool)
        )
        if want is dict and not isinstance(value, dict):
            raise AnalysisFileError(
                N_("{at}: an object is needed, not {kind}", at=where, kind=_kind(value))
            )
        if not ok:
            word = _TYPE_WORDS.get(want, N_("an object"))
            raise AnalysisFileError(
                N_("{at}: {word} is needed, not {kind}", at=where, word=word, kind=_kind(value))
            )


def _kind(value: Any) -> Msg | str:
    names = {dict: N_("an object"), list: N_("a list"), str: N_("text"), bool: N_("true/false")}
    if value is None:
        return "null"
    return names.get(
        type(value), N_("a number") if isinstance(value, int | float) else N_("a value")
    )


def read_analysis(data: bytes) -> dict[str, Any]:
    """An uploaded analysis: ``uncertainty.json`` of ``chikuden run --uncertainty`` (or the
    ``uncertainty`` of its ``--json``), checked; else :class:`AnalysisFileError`."""
    from chikuden.answers import questions
    from chikuden.report.uncertainty import FILE as SETTINGS

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnalysisFileError(
            N_("the file is not UTF-8 text (byte {at})", at=exc.start)
        ) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnalysisFileError(
            N_(
                "the file is not JSON: {reason} at line {line}, column {column}",
                reason=exc.msg,
                line=exc.lineno,
                column=exc.colno,
            )
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get("uncertainty"), dict):
        doc = doc["uncertainty"]  # chikuden run --uncertainty --json: the indicators beside it
    if isinstance(doc, dict) and doc.get("settings") != f"{SETTINGS}: report":
        raise AnalysisFileError(
            N_(
                "settings: {given!r} is not {wanted!r}; this is not the uncertainty.json of "
                "`chikuden run --uncertainty`",
                given=str(doc.get("settings"))[:60],
                wanted=SETTINGS + ": report",
            )
        )
    _check_shape(doc, _SHAPE, "")
    known = {q.id for q in questions()}
    for qid in [*doc["what_it_takes"], *doc["undeclared"]]:
        if qid not in known:
            raise AnalysisFileError(
                N_(
                    "what_it_takes: {given!r} is not a question of this chikuden "
                    "(data/answers.yaml); the file is of another version",
                    given=str(qid)[:60],
                )
            )
    return dict(doc)


def uncertainty_view(doc: dict[str, Any], results: Results, lang: str) -> UncertaintyView:
    """What the page shows of an analysis: the report's own view of it
    (:func:`chikuden.report.uncertainty.view`), each verdict that of ``results``."""
    from chikuden.report.answers import views
    from chikuden.report.html import Citations
    from chikuden.report.uncertainty import view

    answer_views = views(results, lang, Citations(), lambda cites, lang: ("", {}))
    return view(doc, results, answer_views, lang)


def _view_of_upload(doc: dict[str, Any], results: Results, lang: str) -> UncertaintyView:
    """The view of an uploaded analysis; a part the view cannot read: AnalysisFileError."""
    try:
        return uncertainty_view(doc, results, lang)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        what = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise AnalysisFileError(
            N_(
                "a part of the file cannot be read ({kind}: {what}); upload the "
                "uncertainty.json that `chikuden run --uncertainty` wrote, unchanged",
                kind=type(exc).__name__,
                what=str(what)[:80],
            )
        ) from None


def charts_of(u: UncertaintyView) -> list[dict[str, Any]]:
    """Every chart of a view (fans, then tornados): id, title, summary, the figure's script
    JSON and its CSV."""
    return [
        {
            "id": c.id,
            "title": c.title,
            "summary": c.summary,
            "figure_json": c.figure_json,
            "csv": c.data.csv if c.data else "",
            "kind": kind,
            "height": c.height,
        }
        for kind, group in (("fan", u.fans), ("tornado", u.tornados))
        for c in group
    ]


# -- the page /uncertainty ---------------------------------------------------------------------
router = APIRouter(include_in_schema=False)


def _split(
    query: Mapping[str, str], keys: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, str]]:
    """The page's own keys of a query string, and the rest (the state)."""
    own = {k: v for k, v in query.items() if k in keys}
    rest = {k: v for k, v in query.items() if k not in keys}
    return own, rest


def _whole(text: str, field: str) -> int:
    from chikuden.web.pages import StateError

    try:
        value = float(text)
    except ValueError:
        raise StateError(
            N_("{field}: {text!r} is not a number; give a whole number", field=field, text=text)
        ) from None
    if not value.is_integer():
        raise StateError(
            N_("{field}: {text!r} is not a whole number; give one", field=field, text=text)
        )
    return int(value)


def _sizes(own: Mapping[str, str]) -> tuple[int, int, bool]:
    """Samples and seed of the address (the report's where not given), and whether it names
    them; out of bounds: StateError."""
    from chikuden.web.pages import StateError

    samples = _whole(own["samples"], "samples") if "samples" in own else default_samples()
    seed = _whole(own["seed"], "seed") if "seed" in own else default_seed()
    try:
        check_samples(samples)
        check_seed(seed)
    except ApiError as exc:
        raise StateError(exc.message) from None
    return samples, seed, bool(own)


@dataclass
class _Page:
    state: PageState
    scenario: Scenario
    values: dict[str, Any]


def _page_state(request: Request, rest: dict[str, str]) -> _Page:
    from chikuden.web.pages import load_base, read_state, scenario_of, state_values

    state = read_state(rest)
    scenario = scenario_of(request, state)
    values = state_values(load_base(request, state.scenario), state)
    return _Page(state, scenario, values)


def _sets(values: Mapping[str, Any]) -> str:
    from chikuden.web.pages import _set_option

    return " ".join(_set_option(k, v) for k, v in values.items())


@router.get("/uncertainty", response_class=HTMLResponse)
def uncertainty_page(request: Request) -> HTMLResponse:
    from chikuden.web.jobs import run_id
    from chikuden.web.pages import StateError, _error_page

    query = dict(request.query_params)
    own, rest = _split(query, UNCERTAINTY_KEYS)
    try:
        page = _page_state(request, rest)
        samples, seed, named = _sizes(own)
    except StateError as exc:
        return _error_page(request, query, "/uncertainty", exc.message)
    rid = run_id(page.scenario.name, page.values, samples, seed)
    run = runs(request).get(rid)
    view = None
    if run is not None and run.status == "done" and run.result is not None:
        import chikuden

        view = uncertainty_view(run.result, chikuden.evaluate(page.scenario), page.state.lang)
    return _render(request, page, samples, seed, named, run, view, None, "")


@router.post("/uncertainty", response_class=HTMLResponse)
async def uncertainty_upload(request: Request) -> HTMLResponse:
    """An uploaded uncertainty.json (form field ``file``) drawn for the page's scenario."""
    from chikuden.web.pages import StateError, _error_page

    query = dict(request.query_params)
    own, rest = _split(query, UNCERTAINTY_KEYS)
    lang = query.get("lang", "en")
    _ = translator(lang if lang in ("en", "ja") else "en").gettext
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _error_page(
            request, query, "/uncertainty", _("file: no file was sent; choose uncertainty.json")
        )
    data = await upload.read()

    def work() -> HTMLResponse:
        import chikuden

        try:
            page = _page_state(request, rest)
            _sizes(own)  # the address is checked as on GET
        except StateError as exc:
            return _error_page(request, query, "/uncertainty", exc.message)
        try:
            doc = read_analysis(data)
            results = chikuden.evaluate(page.scenario)
            view = _view_of_upload(doc, results, page.state.lang)
        except AnalysisFileError as exc:
            name = getattr(upload, "filename", None) or "file"
            at = N_("{name}: {reason}", name=name, reason=exc.msg or str(exc))
            return _error_page(request, query, "/uncertainty", at)
        return _render(
            request, page, doc["samples"], doc["seed"], False, None, view, doc, upload.filename
        )

    return await run_in_threadpool(work)


def _render(
    request: Request,
    page: _Page,
    samples: int,
    seed: int,
    named: bool,
    run: Run | None,
    view: UncertaintyView | None,
    uploaded: dict[str, Any] | None,
    filename: str | None,
) -> HTMLResponse:
    from chikuden.web.pages import _page

    state = page.state
    _ = translator(state.lang).gettext
    note = ""
    if uploaded is not None and uploaded["scenario"] != page.scenario.name:
        note = _(
            "The file is an analysis of the scenario {file}; the verdicts beside its "
            "probabilities are this page's scenario's ({page})."
        ).format(file=uploaded["scenario"], page=page.scenario.name)
    return _page(
        request,
        "uncertainty.html.j2",
        state,
        "/uncertainty",
        extra={"samples": str(samples), "seed": str(seed)} if named else {},
        title=_("Uncertainty"),
        sets=_sets(page.values),
        samples=samples,
        seed=seed,
        limits=limits(),
        min_samples=_min_samples(),
        run=run.to_json(page.state.lang) if run is not None else None,
        autostart=named and run is None,
        u=view,
        charts=charts_of(view) if view is not None else [],
        uploaded=(filename or "file") if uploaded is not None else "",
        note=note,
        phases={
            "waiting": _("Waiting for the runs before it"),
            "montecarlo": _("Monte Carlo: {done} of {total} samples"),
            "rest": _("Sensitivity ranking, what it takes and the fund's allocation"),
            "finished": _("Finished"),
        },
        run_body={
            "scenario": state.scenario,
            "parameters": state.moved,
            "levers": state.derived,
        },
    )


def _min_samples() -> int:
    from chikuden.uncertainty.sampling import MIN_SAMPLES

    return MIN_SAMPLES


# -- the page /optimize ------------------------------------------------------------------------
@dataclass
class OptimizeInput:
    objective: str
    fund_jpy: float | None
    min_gwh: float | None
    points: int


def _optimize_input(own: Mapping[str, str]) -> OptimizeInput:
    from chikuden.optimize.portfolio import OBJECTIVES
    from chikuden.web.pages import StateError

    objective = own.get("objective", "gwh") or "gwh"
    if objective not in OBJECTIVES:
        raise StateError(
            N_(
                "objective: {objective!r} is not one of {allowed}",
                objective=objective,
                allowed=", ".join(OBJECTIVES),
            )
        )

    def number(name: str) -> float | None:
        text = own.get(name, "")
        if text == "":
            return None
        try:
            value = float(text)
        except ValueError:
            raise StateError(
                N_("{field}: {text!r} is not a number; give a number", field=name, text=text)
            ) from None
        return value

    points = _whole(own["points"], "points") if own.get("points") else DEFAULT_POINTS
    try:
        check_points(points)
        fund, min_gwh = number("fund_jpy"), number("min_gwh")
        check_fund(fund)
        check_min_gwh(min_gwh)
    except ApiError as exc:
        raise StateError(exc.message) from None
    return OptimizeInput(objective, fund, min_gwh, points)


DEFAULT_POINTS = 41
"""Fund sizes on the step curve: ``chikuden optimize --points``'s default."""
MAX_FUND_JPY = 1e14
MAX_MIN_GWH = 1e4
"""The bounds :func:`chikuden.optimize.portfolio.build` takes (checked here first, to name the
request's field)."""


def check_points(points: int, field: str = "points") -> int:
    top = limits().max_points
    if not 2 <= points <= top:
        raise ApiError(
            422,
            N_(
                "{field}: {points} is outside 2..{top} (the server's bound, {file}); give "
                "fewer, or run `chikuden optimize --points {points}`",
                field=field,
                points=points,
                top=top,
                file=FILE,
            ),
            field,
            points,
            f"a whole number in 2..{top}",
        )
    return points


def check_fund(fund: float | None, field: str = "fund_jpy") -> None:
    if fund is not None and not (math.isfinite(fund) and 0 <= fund <= MAX_FUND_JPY):
        raise ApiError(
            422,
            N_(
                "{field}: {fund:g} is outside 0..1e14 yen; give an amount in that range",
                field=field,
                fund=fund,
            ),
            field,
            fund,
            "a number in 0..1e14 [JPY]",
        )


def check_min_gwh(min_gwh: float | None, field: str = "min_gwh") -> None:
    if min_gwh is not None and not (math.isfinite(min_gwh) and 0 <= min_gwh <= MAX_MIN_GWH):
        raise ApiError(
            422,
            N_(
                "{field}: {gwh:g} is outside 0..10,000 GWh; give a capacity in that range",
                field=field,
                gwh=min_gwh,
            ),
            field,
            min_gwh,
            "a number in 0..10000 [GWh]",
        )


def optimized(scenario: Scenario, given: OptimizeInput) -> dict[str, Any]:
    """``chikuden optimize --json`` of ``scenario`` (the functions it calls, in its order):
    ``{"feasible": true, "optimum": doc}``, or ``{"feasible": false, "message", "binding":
    [{id, text}]}`` naming the constraints that cannot hold together."""
    from chikuden.optimize import portfolio

    problem = portfolio.build(scenario, given.objective, given.fund_jpy, given.min_gwh)
    try:
        solution = portfolio.solve(problem)
        relaxation = portfolio.relax(problem)
    except portfolio.InfeasibleError:
        binding = portfolio.binding_constraints(problem)
        return {
            "feasible": False,
            "scenario": scenario.name,
            "objective": given.objective,
            "fund_jpy": problem.fund_jpy,
            # the request's fields, not the CLI's options; read in the page's language
            "message": portfolio.infeasible_message(problem, "fund_jpy", "min_gwh", binding),
            "binding": [{"id": i, "text": t} for i, t in binding],
            "optimum": None,
        }
    funds = portfolio.fund_grid(problem.fund_jpy, given.points)
    curve = portfolio.step_curve(problem, funds)
    doc = portfolio.to_json(solution, relaxation, list(funds), curve)
    return {
        "feasible": True,
        "scenario": scenario.name,
        "objective": given.objective,
        "fund_jpy": problem.fund_jpy,
        "message": None,
        "binding": [],
        "optimum": doc,
    }


def optimize_view(result: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the page shows of :func:`optimized`: the sentence, the portfolio with labels, the
    shadow prices, the step curve's figure and CSV."""
    from chikuden.charting import to_script_json
    from chikuden.formatting import format_money, format_number
    from chikuden.optimize.report import step_figure, unit_text
    from chikuden.report.charts import figure_table

    _ = translator(lang).gettext
    if not result["feasible"]:
        message = result["message"].localized(lang)
        return {"feasible": False, "message": message, "binding": result["binding"]}
    doc = result["optimum"]
    unit = unit_text(doc["objective_unit"], lang)
    stages = {"cells": _("cells"), "materials": _("materials"), "minerals": _("minerals")}
    rows = [
        {
            "id": c["id"],
            "label": pick(lang, c["label"], c["label_ja"]) or c["id"],
            "stage": stages.get(c["stage"], c["stage"]),
            "units": f"{c['units']:,}" + (" *" if c["committed"] else ""),
            "gwh": format_number(c["gwh"], lang),
            "gwh_eq": format_number(c["gwh_eq"], lang),
            "co2": format_number(c["co2_t"], lang),
            "start": str(c["start_year"]),
            "subsidy": format_money(c["subsidy_jpy"], "JPY", lang),
        }
        for c in doc["portfolio"]
    ]
    dual = doc["relaxation"]["value_per_jpy_of_fund"]
    duals = [
        {
            "id": key,
            "value": format_number(v * 1e9 if key.startswith("budget-") else v, lang),
            "per": _("per billion yen") if key.startswith("budget-") else "",
        }
        for key, v in doc["relaxation"]["duals"].items()
        if v
    ]
    fig = step_figure(doc, lang)
    return {
        "feasible": True,
        "intro": _(
            "Objective {objective} by {year}: {value} {unit}; fund {fund}, subsidy used {used}."
        ).format(
            objective=objective_label(doc["objective"], lang),
            year=doc["target_year"],
            value=format_number(doc["value"], lang),
            unit=unit,
            fund=format_money(doc["fund_jpy"], "JPY", lang),
            used=format_money(doc["totals"]["subsidy_jpy"], "JPY", lang),
        ),
        "shadow": _(
            "One more billion yen in the fund is worth {dual} {unit} (shadow price of the "
            "budget, LP relaxation)."
        ).format(dual=format_number(dual * 1e9, lang), unit=unit),
        "rows": rows,
        "duals": duals,
        "figure_json": to_script_json(fig),
        "csv": figure_table(fig, lang).csv,
        "title": str(fig["layout"]["title"]["text"]),
    }


def objective_label(objective: str, lang: str) -> str:
    _ = translator(lang).gettext
    return {
        "gwh": _("domestic cell capacity (GWh per year)"),
        "minerals": _("cells supplied by critical-minerals projects (GWh-equivalent)"),
        "carbon": _("CO2e avoided (t per year)"),
    }[objective]


@router.get("/optimize", response_class=HTMLResponse)
def optimize_page(request: Request) -> HTMLResponse:
    from chikuden.formatting import format_money
    from chikuden.optimize.portfolio import OBJECTIVES
    from chikuden.web.pages import StateError, _error_page, _page, _plain

    query = dict(request.query_params)
    own, rest = _split(query, OPTIMIZE_KEYS)
    try:
        page = _page_state(request, rest)
        given = _optimize_input(own)
    except StateError as exc:
        return _error_page(request, query, "/optimize", exc.message)
    lang = page.state.lang
    _ = translator(lang).gettext
    try:
        result = optimized(page.scenario, given)
    except ChikudenError as exc:  # a scenario the optimiser refuses (its message names why)
        return _error_page(request, query, "/optimize", exc)
    return _page(
        request,
        "optimize.html.j2",
        page.state,
        "/optimize",
        extra={k: v for k, v in own.items() if v != ""},
        title=_("Best use of the fund"),
        given=given,
        objectives=[(o, objective_label(o, lang)) for o in OBJECTIVES],
        fund_text=format_money(result["fund_jpy"], "JPY", lang),
        fund_value=_plain(float(result["fund_jpy"])),
        max_points=limits().max_points,
        view=optimize_view(result, lang),
        hidden=parse_qsl(page.state.query()),  # the state, as the navigation carries it
    )


# -- the JSON API ------------------------------------------------------------------------------
api = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
State = Annotated["WebState", Depends(web_state)]
Whole = Annotated[int, Strict()]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunRequest(_Request):
    scenario: ScenarioName = "proposal-2022"
    parameters: Values = Field(default_factory=dict)
    levers: Levers = Field(default_factory=dict)
    samples: Whole | None = Field(
        None,
        description="Monte Carlo samples; default data/uncertainty.yaml's report.samples; at "
        "most analyses.yaml's uncertainty.max_samples",
    )
    seed: Whole | None = Field(None, description="Seed; default report.seed (0)")


class RunOut(BaseModel):
    """Where a run of the analyses stands."""

    id: str
    scenario: str
    samples: int
    seed: int
    status: Literal["queued", "running", "done", "failed"]
    phase: Literal["waiting", "montecarlo", "rest", "finished"]
    done: int = Field(description="Monte Carlo samples done")
    total: int = Field(description="Monte Carlo samples in all")
    error: str | None
    result: str = Field(description="Where its result is, once done")
    page: str = Field(description="The page /uncertainty that shows it (its address)")


def _run_out(run: Run, lang: str = "en") -> dict[str, Any]:
    return {
        **run.to_json(lang),
        "result": f"/api/uncertainty/runs/{run.id}/result",
        "page": run.page,
    }


def _page_link(
    scenario: str, parameters: dict[str, float], levers: dict[str, float], run: Run
) -> str:
    from chikuden.web.pages import State as PageState

    query = PageState(scenario, "en", dict(parameters), dict(levers)).query()
    return f"/uncertainty?{query}&samples={run.samples}&seed={run.seed}"


@api.post(
    "/uncertainty/runs",
    response_model=RunOut,
    status_code=202,
    summary="Run the uncertainty analyses",
    responses={
        200: {"model": RunOut, "description": "The run of these inputs, done already"},
        429: {"model": ERROR_RESPONSES[422]["model"], "description": "Too many runs waiting"},
    },
)
def start_run(body: RunRequest, request: Request, state: State) -> JSONResponse:
    """Start (or find) the analyses of ``chikuden run --uncertainty`` for a scenario with
    lever values: the probability of each target, the fan charts' quantiles, the sensitivity
    ranking, what it takes for each missed target and the fund's allocation. They run in the
    background; poll ``GET /api/uncertainty/runs/{id}``. The same inputs give the same run
    (and the same numbers as ``chikuden run --uncertainty -n SAMPLES --seed SEED``)."""
    from chikuden.web.api import lever_values, scenario_named

    samples = check_samples(default_samples() if body.samples is None else body.samples)
    seed = check_seed(default_seed() if body.seed is None else body.seed)
    base = scenario_named(state, body.scenario)
    values = lever_values(base, body.parameters, body.levers)
    scenario = base
    if values:
        try:
            scenario = base.with_overrides(values, where="parameters")
        except ChikudenError as exc:
            raise ApiError(422, exc, "parameters") from None
    run = runs(request).submit(scenario, values, samples, seed)
    run.page = run.page or _page_link(body.scenario, body.parameters, body.levers, run)
    out = _run_out(run, request_lang(request))
    return JSONResponse(out, status_code=200 if run.status == "done" else 202)


def _known(request: Request, rid: str) -> Run:
    run = runs(request).get(rid)
    if run is None:
        raise ApiError(
            404,
            N_(
                "run_id: no run {rid!r} on this server (a result is kept while it is among the "
                "{kept} most recently used); start it again with POST /api/uncertainty/runs",
                rid=rid[:40],
                kept=limits().kept_results,
            ),
            "run_id",
            rid,
            "an id given by POST /api/uncertainty/runs",
        )
    return run


RunId = Annotated[
    str, PathParam(max_length=64, description="The id POST /api/uncertainty/runs gave")
]


@api.get("/uncertainty/runs/{run_id}", response_model=RunOut, summary="Where a run stands")
def run_status(run_id: RunId, request: Request) -> JSONResponse:
    """The run's status, phase and samples done (the page polls it)."""
    run = _known(request, run_id)
    return JSONResponse(_run_out(run, request_lang(request)))


@api.get(
    "/uncertainty/runs/{run_id}/result",
    summary="A run's result (uncertainty.json)",
    responses={
        200: {
            "description": "The analyses, as `chikuden run --uncertainty` writes uncertainty.json",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        409: {"model": ERROR_RESPONSES[422]["model"], "description": "The run has not finished"},
    },
)
def run_result(run_id: RunId, request: Request) -> JSONResponse:
    """The analyses of a finished run, as ``chikuden run --uncertainty`` writes
    ``uncertainty.json``."""
    run = _known(request, run_id)
    if run.result is None:
        why = (
            N_("it failed: {error}", error=run.error)
            if run.status == "failed"
            else N_("it is {status}", status=run.status)
        )
        raise ApiError(
            409,
            N_("run_id: run {rid} has no result, {why}", rid=run_id, why=why),
            "run_id",
            run_id,
            "a finished run",
        )
    return JSONResponse(run.result)


class OptimizeRequest(_Request):
    scenario: ScenarioName = "proposal-2022"
    parameters: Values = Field(default_factory=dict)
    levers: Levers = Field(default_factory=dict)
    objective: Literal["gwh", "minerals", "carbon"] = Field(
        "gwh",
        description="gwh (domestic cell capacity by 2030), minerals (GWh of cells supplied by "
        "critical-minerals projects) or carbon (t CO2e a year avoided in 2030)",
    )
    fund_jpy: Number | None = Field(
        None, description="Fund size [JPY], 0..1e14; default the scenario's fund"
    )
    min_gwh: Number | None = Field(
        None, description="Require this domestic cell capacity by 2030 [GWh], 0..10,000"
    )
    points: Whole = Field(DEFAULT_POINTS, description="Fund sizes on the step curve")
    lang: Lang = "en"


class Binding(BaseModel):
    id: str
    text: str


class OptimizeOut(BaseModel):
    """The best use of the fund, or the constraints that cannot hold together."""

    feasible: bool
    scenario: str
    objective: str
    fund_jpy: float
    message: str | None = Field(description="Infeasible: what cannot hold and what to relax")
    binding: list[Binding]
    optimum: dict[str, Any] | None = Field(
        description="`chikuden optimize --json`: portfolio, totals, relaxation (shadow "
        "prices), step_curve"
    )


@api.post("/optimize", response_model=OptimizeOut, summary="The best use of the fund")
def optimize(body: OptimizeRequest, state: State) -> JSONResponse:
    """Allocate the fund across the plants pipeline and the generic candidates (a MIP, HiGHS),
    as ``chikuden optimize --json``: the portfolio, the value of one more yen of fund (LP
    relaxation) and the optimum at each fund size from 0 to twice the fund. Infeasible (a
    ``min_gwh`` no portfolio reaches): ``feasible: false`` and the binding constraints."""
    from chikuden.web.api import scenario_with

    check_points(body.points)
    check_fund(body.fund_jpy)
    check_min_gwh(body.min_gwh)
    scenario = scenario_with(state, body.scenario, body.parameters, "", body.levers)
    given = OptimizeInput(body.objective, body.fund_jpy, body.min_gwh, body.points)
    result = optimized(scenario, given)
    if result["message"] is not None:
        result["message"] = result["message"].localized(body.lang)
    if result["optimum"] is not None:
        result["optimum"]["portfolio"] = [
            {**c, "name": pick(body.lang, c["label"], c["label_ja"]) or c["id"]}
            for c in result["optimum"]["portfolio"]
        ]
    return JSONResponse(result)


def install(app: FastAPI) -> None:
    """Add the pages and the endpoints (before :func:`chikuden.web.pages.install`)."""
    app.include_router(api)
    app.include_router(router)


__all__ = [
    "AnalysisFileError",
    "Limits",
    "install",
    "limits",
    "optimized",
    "parse_limits",
    "read_analysis",
    "uncertainty_view",
]
