"""The JSON API under ``/api``: parameters, indicators, evaluate, answers, compare, scenarios.

Every endpoint calls the Python API (:mod:`chikuden.api`, :mod:`chikuden.answers`) and checks
what a request gives before any model code runs: a lever's key, that its value is a finite
number in its declared range, the output patterns, the scenario's name. A bad value is a 4xx
naming the field (:mod:`chikuden.web.errors`); nothing is stored on error.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from chikuden.errors import N_, ChikudenError, ParameterError, did_you_mean
from chikuden.i18n import pick
from chikuden.web.errors import ERROR_RESPONSES, ApiError
from chikuden.web.models import (
    MAX_PARAMETERS,
    AnswersRequest,
    AnswersResponse,
    CompareRequest,
    CompareResponse,
    EvaluateRequest,
    EvaluateResponse,
    Lang,
    LeverOut,
    OutputInfo,
    SaveRequest,
    ScenarioDetail,
    ScenarioInfo,
)

if TYPE_CHECKING:
    from chikuden.parameters.scenario import Scenario
    from chikuden.results import Results
    from chikuden.web.app import WebState

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)

LangQuery = Annotated[Lang, Query(description="Language of labels, sentences and numbers")]


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.chikuden
    return state


State = Annotated["WebState", Depends(web_state)]


# -- what can be set and read ----------------------------------------------------------------


def _step(lo: float, hi: float, integer: bool) -> float | None:
    if integer:
        return 1.0
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return None
    return float(10.0 ** math.floor(math.log10((hi - lo) / 100)))


@functools.cache
def levers(lang: str) -> tuple[dict[str, Any], ...]:
    """Every declared parameter as ``GET /api/parameters`` gives it (read once per language):
    :func:`chikuden.api.parameters` with the label in ``lang`` and a slider's step."""
    from chikuden.api import parameters as declared
    from chikuden.parameters.declarations import declarations

    decls = declarations()
    out = []
    for lever in declared():
        found = lever.to_dict()
        table = lever.kind == "table"
        lo = math.inf if lever.min is None else lever.min
        hi = math.inf if lever.max is None else lever.max
        out.append(
            {
                "key": lever.key,
                "kind": lever.kind,
                "domain": lever.domain,
                "unit": lever.unit,
                "label": lever.label(lang),
                "default": found["default"],
                "min": lever.min,
                "max": lever.max,
                "step": None if table else _step(lo, hi, decls[lever.key].integer),
                "sources": found["sources"],
                "description": lever.note,
            }
        )
    return tuple(out)


@router.get("/parameters", response_model=list[LeverOut], summary="The levers")
def parameters(
    lang: LangQuery = "en",
    domain: Annotated[
        str | None, Query(max_length=40, description="Only this domain's (finance, ...)")
    ] = None,
) -> JSONResponse:
    """Every parameter a scenario can set, in declaration order: key, label, unit, default,
    range, a slider's step, the sources of the default, domain. ``POST /api/evaluate`` takes a
    number for a scalar or path parameter."""
    found = levers(lang)
    if domain is not None:
        domains = sorted({lever["domain"] for lever in found})
        if domain not in domains:
            raise ApiError(
                422,
                N_(
                    "domain: {domain!r} is not a domain{hint}; domains: {domains}",
                    domain=domain,
                    hint=did_you_mean(domain, domains),
                    domains=", ".join(domains),
                ),
                "domain",
                domain,
                ", ".join(domains),
            )
        found = tuple(lever for lever in found if lever["domain"] == domain)
    return JSONResponse(list(found))


@router.get("/indicators", response_model=list[OutputInfo], summary="The outputs")
def indicators(lang: LangQuery = "en") -> JSONResponse:
    """Every declared output (indicators, yearly series, per-row values), in declaration
    order: what ``outputs`` of ``POST /api/evaluate`` may name."""
    return JSONResponse(list(_outputs(lang)))


@functools.cache
def _outputs(lang: str) -> tuple[dict[str, Any], ...]:
    from chikuden.indicators import outputs

    return tuple(
        {
            "key": o.key,
            "kind": o.kind,
            "domain": o.domain,
            "unit": o.unit,
            "label": o.label(lang),
            "year": o.year,
            "clause": o.clause,
            "description": pick(lang, o.description_en, o.description_ja),
            "undefined": o.undefined(lang),
        }
        for o in outputs().values()
    )


# -- scenarios and lever values ---------------------------------------------------------------


def scenario_named(state: WebState, name: str, field: str = "scenario") -> Scenario:
    """The bundled or saved scenario ``name``; else a 422 naming ``field``."""
    from chikuden.api import list_scenarios, load_scenario

    found = state.bundled.get(name)
    if found is None and name in list_scenarios():
        found = state.bundled[name] = load_scenario(name)
    if found is None:
        found = state.store.scenario(name)
    if found is None:
        raise ApiError(
            422,
            N_(
                "{field}: no scenario named {name!r}{hint}; GET /api/scenarios lists the "
                "bundled and saved ones",
                field=field,
                name=name[:64],
                hint=did_you_mean(name, list_scenarios()) if len(name) <= 64 else "",
            ),
            field,
            name,
            "a name listed by GET /api/scenarios",
        )
    return found


def checked_values(values: dict[str, float], field: str = "parameters") -> dict[str, float]:
    """``values`` if every key is a parameter a number can set and every value is finite and
    in its declared range; else a 422 naming ``field.key``."""
    from chikuden.parameters.declarations import declarations

    decls = declarations()
    if len(values) > MAX_PARAMETERS:
        raise ApiError(
            422, N_("{field}: more than {n} values", field=field, n=MAX_PARAMETERS), field
        )
    for key, value in values.items():
        at = f"{field}.{key}"
        decl = decls.get(key)
        if decl is None:
            hint = did_you_mean(key, decls) if len(key) <= 200 else ""
            raise ApiError(
                422,
                N_(
                    "{at}: unknown parameter {key!r}{hint}; GET /api/parameters lists them",
                    at=at,
                    key=key[:80],
                    hint=hint,
                ),
                at,
                key,
                "a key listed by GET /api/parameters",
            )
        if decl.kind == "table":
            raise ApiError(
                422,
                N_(
                    "{at}: {key} is a table, which a number cannot set; upload a scenario YAML "
                    "with its rows (POST /api/scenarios/upload)",
                    at=at,
                    key=key,
                ),
                at,
                value,
                "a scalar or yearly-path parameter",
            )
        allowed = f"a number in {decl.range_text} [{decl.unit}]"
        if decl.integer:
            allowed = f"a whole number in {decl.range_text} [{decl.unit}]"
        try:
            decl.validate(value, field)
        except ParameterError as exc:
            raise ApiError(422, exc, at, value, allowed) from None
    return values


def scenario_with(
    state: WebState,
    name: str,
    values: dict[str, float],
    field: str = "",
    derived_levers: dict[str, float] | None = None,
) -> Scenario:
    """Scenario ``name`` with ``values`` set (checked), as ``--set`` sets them on the CLI, and
    the derived levers expanded (:func:`chikuden.web.derived.expand`)."""
    prefix = f"{field}." if field else ""
    scenario = scenario_named(state, name, f"{prefix}scenario")
    checked = lever_values(scenario, values, derived_levers or {}, prefix)
    if not checked:
        return scenario
    try:
        return scenario.with_overrides(checked, where=f"{prefix}parameters")
    except ParameterError as exc:  # a rule between values (a mix that does not add up)
        raise ApiError(422, exc, f"{prefix}parameters") from None


def lever_values(
    base: Scenario, values: dict[str, float], derived_levers: dict[str, float], prefix: str = ""
) -> dict[str, Any]:
    """The checked ``values`` with the ``derived_levers`` expanded on ``base`` (one place for
    evaluate, answers, compare and save)."""
    from chikuden.web import derived

    checked = checked_values(values, f"{prefix}parameters")
    expanded = derived.expand(base, derived_levers, f"{prefix}levers")
    return derived.merged(checked, expanded, f"{prefix}parameters")


def output_keys(patterns: Sequence[str]) -> tuple[str, ...]:
    from chikuden.results import output_keys as expand

    if not patterns:
        return ()
    try:
        return expand(list(patterns))
    except ParameterError as exc:
        bad = next((p for p in patterns if p in str(exc)), None)
        raise ApiError(
            422,
            N_("outputs: {reason}", reason=exc.msg or str(exc)),
            "outputs",
            bad,
            "keys or patterns of GET /api/indicators",
        ) from None


# -- evaluation ------------------------------------------------------------------------------


def evaluated(state: WebState, scenarios: list[Scenario], keys: Sequence[str]) -> Results:
    """The outputs ``keys`` and what the answers read, for a batch of scenarios."""
    from chikuden.api import answer_outputs, evaluate

    wanted = list(dict.fromkeys([*keys, *answer_outputs()]))
    return evaluate(scenarios, outputs=wanted, cache=state.cache)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def scenario_outputs(results: Results, i: int, keys: Sequence[str], lang: str) -> dict[str, Any]:
    """Scenario ``i`` of ``results`` as the API gives it: outputs, formatted, answers."""
    from chikuden.answers import format_key
    from chikuden.api import answers
    from chikuden.indicators import outputs

    decls = outputs()
    values: dict[str, Any] = {}
    formatted: dict[str, str] = {}
    for key in keys:
        decl = decls[key]
        if decl.kind == "indicator":
            value = float(results.indicators[key][i])
            values[key] = _finite(value)
            formatted[key] = format_key(results, key, value, lang)
        elif decl.kind == "series":
            values[key] = {
                "years": decl.years.tolist(),
                "values": [_finite(v) for v in results.series[key][i].tolist()],
            }
        else:
            values[key] = {
                "table": decl.table,
                "values": [_finite(v) for v in results.rows[key][i].tolist()],
            }
    return {
        "scenario": results.names[i],
        "outputs": values,
        "formatted": formatted,
        "answers": [a.to_json() for a in answers(results, lang, i)],
    }


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


@router.post("/evaluate", response_model=EvaluateResponse, summary="Evaluate one scenario")
async def evaluate(body: EvaluateRequest, state: State) -> JSONResponse:
    """Evaluate a scenario with lever values set: the outputs asked for (only the model
    steps they need run), each indicator formatted for ``lang``, and the answers' verdicts.

    Run on the event loop, one request after another, not in the thread pool: a request is a
    few milliseconds of CPU under the GIL, and threads taking turns on it (with the loop
    waiting for its turn to read the next request) stretched the slowest requests under 50
    users (bench_web_load on a quiet machine: p99 130 ms in the pool, 88-91 ms here, same
    requests per second). A saved scenario's lookup is one short read of the database."""
    start = time.perf_counter()
    scenario = scenario_with(state, body.scenario, body.parameters, "", body.levers)
    keys = output_keys(body.outputs)
    results = evaluated(state, [scenario], keys)
    doc = scenario_outputs(results, 0, keys, body.lang)
    doc["scenario"] = body.scenario
    return JSONResponse(doc | {"elapsed_ms": _ms(start)})


@router.post("/answers", response_model=AnswersResponse, summary="The answers' verdicts")
def answers(body: AnswersRequest, state: State) -> JSONResponse:
    """The questions the proposal raises, answered for a scenario with lever values set (as
    ``chikuden answers --json``)."""
    start = time.perf_counter()
    scenario = scenario_with(state, body.scenario, body.parameters, "", body.levers)
    results = evaluated(state, [scenario], ())
    doc = scenario_outputs(results, 0, (), body.lang)
    return JSONResponse(
        {"scenario": body.scenario, "answers": doc["answers"], "elapsed_ms": _ms(start)}
    )


@router.post("/compare", response_model=CompareResponse, summary="Compare scenarios")
def compare(body: CompareRequest, state: State) -> JSONResponse:
    """Several scenarios (each with its own lever values) evaluated side by side in one batch:
    each one's outputs, formatted values and answers, in the order given."""
    start = time.perf_counter()
    scenarios = [
        scenario_with(state, item.scenario, item.parameters, f"scenarios.{n}", item.levers)
        for n, item in enumerate(body.scenarios)
    ]
    keys = output_keys(body.outputs)
    results = evaluated(state, scenarios, keys)
    docs = []
    for i, item in enumerate(body.scenarios):
        doc = scenario_outputs(results, i, keys, body.lang)
        doc["scenario"] = item.scenario
        docs.append(doc)
    return JSONResponse({"scenarios": docs, "elapsed_ms": _ms(start)})


# -- scenarios -------------------------------------------------------------------------------


def _detail(scenario: Scenario, kind: str, lang: str, base: str | None) -> dict[str, Any]:
    import numpy as np

    params: dict[str, Any] = {}
    for key, value in scenario.overrides.items():
        if isinstance(value, float | int):
            params[key] = float(value)
        elif isinstance(value, np.ndarray):
            params[key] = [float(v) for v in value.tolist()]
        else:
            params[key] = str(getattr(value, "label", value))
    return {
        "name": scenario.name,
        "kind": kind,
        "title": pick(lang, scenario.title_en, scenario.title_ja),
        "base": base,
        "created_at": None,
        "description": pick(lang, scenario.description_en, scenario.description_ja),
        "parameters": params,
    }


@router.get("/scenarios", response_model=list[ScenarioInfo], summary="Bundled and saved scenarios")
def scenarios(state: State, lang: LangQuery = "en") -> JSONResponse:
    """The bundled scenarios, then the saved ones by name."""
    from chikuden.api import list_scenarios, load_scenario

    out: list[dict[str, Any]] = []
    for name in list_scenarios():
        found = state.bundled.get(name) or load_scenario(name)
        state.bundled[name] = found
        title = pick(lang, found.title_en, found.title_ja)
        out.append(
            {"name": name, "kind": "bundled", "title": title, "base": None, "created_at": None}
        )
    for saved in state.store.list():
        out.append(
            {
                "name": saved.name,
                "kind": "saved",
                "title": saved.title,
                "base": saved.base,
                "created_at": saved.created_at,
            }
        )
    return JSONResponse(out)


def _not_found(name: str) -> ApiError:
    return ApiError(
        404,
        N_(
            "no scenario named {name!r}; GET /api/scenarios lists the bundled and saved ones",
            name=name[:64],
        ),
        "name",
        name,
        "a name listed by GET /api/scenarios",
    )


YAML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/yaml": {}},  # a scenario file (docs/cli.md), not a schema
        "description": "The scenario YAML (`chikuden run --scenario FILE` runs it)",
    },
    # the errors stay JSON (a model here would be documented in the route's YAML type)
    **{
        status: {
            "description": response["description"],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        }
        for status, response in ERROR_RESPONSES.items()
    },
}


@router.get(
    "/scenarios/{name}.yaml",
    response_class=PlainTextResponse,
    responses=YAML_RESPONSE,
    summary="A scenario as a YAML file",
)
def scenario_yaml(name: str, state: State) -> PlainTextResponse:
    """The scenario file: `chikuden run --scenario FILE` gives the numbers the API gives."""
    from chikuden.api import list_scenarios
    from chikuden.data import DATA

    if name in list_scenarios():
        text = DATA.joinpath("scenarios", f"{name}.yaml").read_text(encoding="utf-8")
    else:
        found = state.store.text(name) if len(name) <= 64 else None
        if found is None:
            raise _not_found(name)
        text = found
    return PlainTextResponse(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{name}.yaml"'},
    )


@router.get("/scenarios/{name}", response_model=ScenarioDetail, summary="One scenario")
def scenario(name: str, state: State, lang: LangQuery = "en") -> JSONResponse:
    """A scenario's title, description and the values it sets over the defaults."""
    from chikuden.api import list_scenarios

    if name in list_scenarios():
        return JSONResponse(_detail(scenario_named(state, name), "bundled", lang, None))
    found = state.store.scenario(name) if len(name) <= 64 else None
    if found is None:
        raise _not_found(name)
    saved = next(s for s in state.store.list() if s.name == name)
    doc = _detail(found, "saved", lang, saved.base)
    doc["title"] = saved.title
    doc["created_at"] = saved.created_at
    return JSONResponse(doc)


def _taken(state: WebState, name: str) -> None:
    if state.store.exists(name):
        raise ApiError(
            409,
            N_(
                "name: a scenario named {name!r} exists already; choose another name (saved "
                "scenarios are never overwritten)",
                name=name,
            ),
            "name",
            name,
            "a name not listed by GET /api/scenarios",
        )


@router.post(
    "/scenarios",
    status_code=201,
    response_model=ScenarioDetail,
    responses={409: {"model": ERROR_RESPONSES[422]["model"], "description": "Name taken"}},
    summary="Save a scenario",
)
def save(body: SaveRequest, state: State) -> JSONResponse:
    """Save lever values on a base scenario under a new name (409 if the name exists, 422 if a
    value is not allowed; nothing is stored then). Open to anyone for now (issue 17 adds
    accounts)."""
    from chikuden.api import list_scenarios
    from chikuden.web.store import document

    base = scenario_named(state, body.base, "base")  # 422 for an unknown base
    checked = lever_values(base, body.parameters, body.levers)
    _taken(state, body.name)
    bundled = body.base in list_scenarios()
    base_doc = None if bundled else state.store.text(body.base)
    root = base.name if base_doc is None else _root(state, body.base)
    title = body.title or body.name
    text = document(body.name, body.base, title, checked, base_doc)
    try:
        loaded = state.store.add(body.name, root, title, text)
    except ParameterError as exc:  # a rule between the values
        raise ApiError(422, exc, "parameters") from None
    return JSONResponse(_saved_detail(state, loaded, root, title), status_code=201)


def _saved_detail(state: WebState, loaded: Scenario, base: str | None, title: str) -> Any:
    doc = _detail(loaded, "saved", "en", base)
    doc["title"] = title
    doc["created_at"] = next(
        (s.created_at for s in state.store.list() if s.name == loaded.name), None
    )
    return doc


def _root(state: WebState, name: str) -> str:
    return next((s.base for s in state.store.list() if s.name == name), name)


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A scenario YAML: the body itself (application/yaml or text/plain), or "
        "a form field `file` (multipart/form-data)",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/scenarios/upload",
    status_code=201,
    response_model=ScenarioDetail,
    openapi_extra=UPLOAD_BODY,
    responses={409: {"model": ERROR_RESPONSES[422]["model"], "description": "Name taken"}},
    summary="Upload a scenario YAML",
)
async def upload(
    request: Request,
    state: State,
    name: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=r"^[a-z0-9][a-z0-9._-]*$",
            description="Save under this name (default: the file's name: key)",
        ),
    ] = None,
) -> JSONResponse:
    """Check a scenario file (as `chikuden run --scenario` would; it may extend only a bundled
    scenario) and save it: malformed YAML is a 400 naming the line, a value not allowed a
    422, a name that exists a 409; nothing is stored then."""
    from starlette.concurrency import run_in_threadpool

    data = await _upload_bytes(request)
    return await run_in_threadpool(_store_upload, state, data, name)


async def _upload_bytes(request: Request) -> bytes:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        from starlette.datastructures import UploadFile

        try:
            form = await request.form(max_files=1, max_fields=4)
        except Exception as exc:  # python-multipart's parse errors: a malformed form
            raise ApiError(
                400,
                N_("file: the form cannot be read ({reason}); send a file field", reason=exc),
                "file",
            ) from None
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise ApiError(
                422,
                N_("file: no file field in the form; send the YAML as the form field `file`"),
                "file",
                None,
                "a form field file holding a scenario YAML",
            )
        return await part.read()
    if kind in ("application/yaml", "application/x-yaml", "text/yaml", "text/plain", ""):
        return await request.body()
    raise ApiError(
        415,
        N_(
            "content type {kind!r} is not a scenario file; send application/yaml, text/plain "
            "or multipart/form-data with a field `file`",
            kind=kind[:60],
        ),
        "content-type",
        kind,
        "application/yaml, text/plain or multipart/form-data",
    )


def _store_upload(state: WebState, data: bytes, name: str | None) -> JSONResponse:
    import yaml

    from chikuden.parameters.documents import ScenarioDocument
    from chikuden.reading import decode, load_yaml

    where = "upload"
    try:
        text = decode(data, where)
        raw = load_yaml(text, where)
    except ChikudenError as exc:
        raise ApiError(400, exc, "file", None, "a scenario YAML in UTF-8") from None
    doc = ScenarioDocument.read(raw, where)  # 422 (ChikudenError) naming the key
    if name is None:
        if not doc.name:
            raise ApiError(
                422,
                N_("name: the file has no name: key; add `name: my-scenario` or give ?name="),
                "name",
                None,
                "lower-case letters, digits, '.', '-', '_'",
            )
        name = doc.name
    elif doc.name != name:  # save under the name asked for: the file says so too
        assert isinstance(raw, dict)
        text = yaml.safe_dump({**raw, "name": name}, sort_keys=False, allow_unicode=True)
    _taken(state, name)
    title = (doc.title.en if doc.title and doc.title.en else None) or name
    loaded = state.store.add(name, doc.extends or "", title, text)
    return JSONResponse(_saved_detail(state, loaded, doc.extends, title), status_code=201)
