"""The domain calculators as JSON endpoints, each calling :mod:`chikuden.calculators` through
the Python API (:mod:`chikuden.api`), the functions the CLI calls:

- ``POST /api/calculators/service-area``: chargers at one site (P5), ``chikuden charging
  size`` (or ``wait`` when ``chargers`` is given);
- ``POST /api/calculators/minerals-stress``: an export cut of one mineral by one country
  (P3, P11), ``chikuden minerals stress``;
- ``POST /api/calculators/product``: a product file assessed (P9), ``chikuden product
  assess``; the file is the body (JSON or CSV) or a form field ``file``.

A value out of its range is a 422 naming the field, as everywhere in the API (a message the
calculators word for the command line, ``--country 'XX' is ...``, names the JSON field here).
Each answer carries ``readable``: a sentence and labelled values with their units in ``lang``
(formatted by :mod:`chikuden.formatting`, as the report formats numbers), what the pages show.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, Strict

from chikuden.errors import N_, ChikudenError, ParameterError
from chikuden.web.api import scenario_with, web_state
from chikuden.web.errors import ERROR_RESPONSES, ApiError
from chikuden.web.models import Lang, Number, ScenarioName, Values

if TYPE_CHECKING:
    from chikuden.calculators import ChargingSite
    from chikuden.supply_disruption import Shock
    from chikuden.web.app import WebState

router = APIRouter(prefix="/api/calculators", responses=ERROR_RESPONSES)
State = Annotated["WebState", Depends(web_state)]
Whole = Annotated[int, Strict()]
_FIELD = re.compile(r"^(?:--)?([a-z][a-z_-]*)[ =]")


def _refused(exc: ChikudenError, fields: set[str], default: str | None = None) -> ApiError:
    """``exc`` as a 422 naming the field its message starts with (``cut = 2 is ...``), else
    ``default``; the message in the request's language."""
    found = _FIELD.match(str(exc))
    name = found.group(1).replace("-", "_") if found else ""
    return ApiError(422, exc, name if name in fields else default)


# -- in words ----------------------------------------------------------------------------------


class Line(BaseModel):
    """One value of a calculator's answer with its label and unit, for a reader of ``lang``."""

    key: str = Field(description="The part of the answer it shows (a field of the JSON)")
    label: str
    value: str


class Readable(BaseModel):
    """A calculator's answer in words: one sentence and labelled values with their units,
    formatted as the report formats numbers (chikuden.formatting)."""

    summary: str
    lines: list[Line]


def _words(summary: str, lines: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "summary": summary,
        "lines": [{"key": k, "label": label, "value": value} for k, label, value in lines],
    }


CARS = "vehicles per hour"  # the arrivals' unit as the formatter words it (台/時間)


def site_words(site: ChargingSite, model: str, lang: str) -> dict[str, Any]:
    """A charging site in words: how many chargers, how long a car waits, and each input and
    result with its unit."""
    from chikuden.formatting import format_quantity
    from chikuden.i18n import translator

    _ = translator(lang).gettext

    def q(value: float | None, unit: str) -> str:
        return format_quantity(value, unit, lang)

    models = {
        "mmc": _("charging times vary at random (M/M/c, Erlang C)"),
        "mdc": _("every charge takes the same time (M/D/c)"),
    }
    said = {
        "chargers": q(site.chargers, "count"),
        "power": q(site.power_kw, "kW"),
        "p": q(site.wait_probability, "share"),
        "wait": q(site.mean_wait_min, "min"),
    }
    if site.sized:
        summary = _(
            "The site needs {chargers} chargers of {power}: a car waits with probability {p}, "
            "{wait} on average."
        ).format(**said)
    else:
        summary = _(
            "With {chargers} chargers of {power}, a car waits with probability {p}, {wait} on "
            "average."
        ).format(**said)
    lines = [
        ("model", _("Queueing model"), models[model]),
        ("arrivals_per_hour", _("Cars arriving in the peak hour"), q(site.arrivals_per_hour, CARS)),
        ("energy_kwh", _("Energy per charge"), q(site.energy_kwh, "kWh")),
        ("power_kw", _("Power of one charger"), q(site.power_kw, "kW")),
        ("power_factor", _("Power delivered, share of rated"), q(site.power_factor, "share")),
        ("service_time_min", _("Time per charge"), q(site.service_time_min, "min")),
        ("offered_load_erlang", _("Offered load"), q(site.offered_load_erlang, "Erlang")),
        (
            "minimum_chargers_for_stability",
            _("Fewest chargers for a queue that does not grow"),
            q(site.minimum_chargers_for_stability, "count"),
        ),
        ("chargers", _("Chargers"), q(site.chargers, "count")),
        ("utilisation", _("Utilisation of the chargers"), q(site.utilisation, "share")),
        ("wait_probability", _("Probability that a car waits"), q(site.wait_probability, "share")),
        ("mean_wait_min", _("Mean wait"), q(site.mean_wait_min, "min")),
    ]  # fmt: skip
    if site.sized and site.max_wait_probability is not None:
        target = q(site.max_wait_probability, "share")
        lines.append(("targets", _("Target: probability of waiting at most"), target))
    if site.sized and site.max_mean_wait_min is not None:
        target = q(site.max_mean_wait_min, "min")
        lines.append(("targets", _("Target: mean wait at most"), target))
    return _words(summary, lines)


def stress_words(shock: Shock, lang: str, i: int = 0) -> dict[str, Any]:
    """Scenario ``i`` of a minerals export cut in words: the shock, the cells it costs and
    their value, each with its unit."""
    from chikuden.formatting import format_quantity
    from chikuden.i18n import translator
    from chikuden.report.labels import word

    tr = translator(lang)
    _ = tr.gettext

    def q(value: float | None, unit: str) -> str:
        return format_quantity(value, unit, lang)

    shock_text = tr.pgettext(
        "vocabulary", "{mineral} from {country}: {cut} cut for {months} months"
    ).format(
        mineral=word(shock.mineral, lang),
        country=word(shock.country, lang),
        cut=q(shock.cut, "share"),
        months=f"{shock.months:g}",
    )
    lost = float(shock.lost_gwh[i])
    summary = _("{shock}, in {year}: {lost} of cells not made in Japan, worth {value}.").format(
        shock=shock_text,
        year=shock.year,
        lost=q(lost, "GWh"),
        value=q(float(shock.lost_jpy[i]), "JPY"),
    )
    basis = {  # Translators: appended to a percentage, hence the leading space in English
        "japan_imports": _(" (Japan's imports)"),
        "world_supply": _(" (world supply)"),
    }
    exposure = q(float(shock.exposure_share[i]), "share") + basis[shock.exposure_basis(i)]
    lines = [
        ("scenario", _("Scenario"), shock.scenarios[i]),
        ("exposure_share", _("Share of the supply exposed"), exposure),
        ("exposed_t", _("Supply exposed"), q(float(shock.exposed_t[i]), "t per year")),
        ("shortfall_t", _("Shortfall over the cut"), q(float(shock.shortfall_t[i]), "t")),
        ("lost_gwh", _("Cells not made in Japan"), q(lost, "GWh")),
        ("lost_jpy", _("Their value"), q(float(shock.lost_jpy[i]), "JPY")),
    ]
    return _words(summary, lines)


def product_words(lines: list[tuple[str, str]]) -> dict[str, Any]:
    """A product's assessment in words (:func:`chikuden.api.assessment_lines`): its first line
    as the sentence, then each line cut at its first colon into label and value."""
    rows = []
    for key, text in lines[1:]:
        if not text.strip():
            continue
        head, colon, rest = text.strip().partition("：" if "：" in text else ": ")
        rows.append((key, head, rest) if colon else (key, "", text.strip()))
    return _words(lines[0][1], rows)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- service area ------------------------------------------------------------------------------


class ServiceAreaRequest(_Request):
    arrivals_per_hour: Number = Field(
        description="Cars arriving to charge in the peak hour [1/h], >= 0", examples=[24]
    )
    energy_kwh: Number = Field(30.0, description="Energy charged per session [kWh], > 0")
    power_kw: Number = Field(90.0, description="Rated power of one charger [kW], > 0")
    power_factor: Number = Field(1.0, description="Delivered over rated power, in (0, 1]")
    max_wait_probability: Number | None = Field(
        None, description="Target: probability that a car waits, in (0, 1); 0.05 by default"
    )
    max_mean_wait_min: Number | None = Field(None, description="Target: mean wait [min], > 0")
    model: Literal["mmc", "mdc"] = Field(
        "mmc", description="mmc: exponential charging times (Erlang C); mdc: fixed times"
    )
    chargers: Whole | None = Field(
        None, description="Given: the waiting at this many chargers instead of sizing"
    )
    lang: Lang = Field("en", description="Language of the answer in words (readable)")


class SiteOut(BaseModel):
    """One charging site (``chikuden charging size --json``)."""

    model: str
    arrivals_per_hour: float
    energy_kwh: float
    power_kw: float
    power_factor: float
    service_time_min: float
    offered_load_erlang: float
    minimum_chargers_for_stability: int
    chargers: int
    utilisation: float | None
    wait_probability: float | None
    mean_wait_min: float | None
    targets: dict[str, float | None] | None = None
    readable: Readable


@router.post("/service-area", response_model=SiteOut, summary="Chargers at one site (P5)")
def service_area(body: ServiceAreaRequest) -> JSONResponse:
    """The chargers a site needs for its peak-hour arrivals and the waiting targets (or, with
    ``chargers``, the waiting at that many), from a queueing model."""
    from chikuden.api import charger_sizing, charger_wait

    try:
        if body.chargers is not None:
            if body.max_wait_probability is not None or body.max_mean_wait_min is not None:
                raise ApiError(
                    422,
                    N_(
                        "chargers: give either chargers (the waiting at that many) or the "
                        "waiting targets (the chargers they need), not both"
                    ),
                    "chargers",
                    body.chargers,
                )
            site = charger_wait(
                body.chargers,
                body.arrivals_per_hour,
                body.energy_kwh,
                body.power_kw,
                body.power_factor,
                body.model,
            )
        else:
            site = charger_sizing(
                body.arrivals_per_hour,
                body.energy_kwh,
                body.power_kw,
                body.power_factor,
                body.max_wait_probability,
                body.max_mean_wait_min,
                body.model,
            )
    except ChikudenError as exc:
        # a message naming no field: too few chargers for the load (a queue without end)
        raise _refused(exc, set(ServiceAreaRequest.model_fields), "chargers") from None
    return JSONResponse(site.to_dict() | {"readable": site_words(site, body.model, body.lang)})


# -- minerals stress ---------------------------------------------------------------------------


class StressRequest(_Request):
    scenario: ScenarioName = "proposal-2022"
    parameters: Values = {}
    mineral: str = Field(
        "graphite", max_length=40, description="lithium, nickel, cobalt, manganese or graphite"
    )
    country: str = Field(
        "CN", max_length=8, description="ISO 3166-1 alpha-2 exporter (ZZ: the other countries)"
    )
    cut: Number = Field(0.5, description="Share of the country's exports lost, [0, 1]")
    months: Number = Field(6.0, description="How long the cut lasts [months], (0, 36]")
    year: Whole | None = Field(None, description="2021..2040; default minerals.stress_year")
    lang: Lang = Field("en", description="Language of the answer in words (readable)")


class StressScenario(BaseModel):
    scenario: str
    mineral: str
    country: str
    cut: float
    months: float
    year: int
    exposed_t: float | None
    shortfall_t: float | None
    lost_gwh: float | None
    lost_jpy: float | None
    exposure_share: float | None
    exposure_basis: str


class StressOut(BaseModel):
    """The shock and what it costs the scenario (``chikuden minerals stress --json``)."""

    mineral: str
    country: str
    cut: float
    months: float
    year: int
    scenarios: list[StressScenario]
    readable: Readable


@router.post("/minerals-stress", response_model=StressOut, summary="A minerals export cut")
def minerals_stress(body: StressRequest, state: State) -> JSONResponse:
    """The supply a cut of one country's exports of one mineral takes from Japan's cell
    makers, the cells it costs [GWh] and their value [JPY]."""
    from chikuden.api import minerals_stress as stress

    scenario = scenario_with(state, body.scenario, body.parameters)
    try:
        shock = stress(scenario, body.mineral, body.country, body.cut, body.months, body.year)
    except ParameterError as exc:
        raise _refused(exc, set(StressRequest.model_fields)) from None
    return JSONResponse(shock.to_dict() | {"readable": stress_words(shock, body.lang)})


# -- product assessment ------------------------------------------------------------------------


class AssessmentOut(BaseModel):
    """A product's assessment (``chikuden product assess --json``): the fade fit, cycles to
    end of life, the durability, carbon and recycled-content classes, safety, the top-up."""

    product: str
    chemistry: str
    file: str
    scenario: str
    fit: dict[str, Any]
    cycles_to_end_of_life: dict[str, Any]
    durability: dict[str, Any]
    carbon: dict[str, Any]
    recycled_content: dict[str, Any]
    safety: dict[str, Any]
    top_up: dict[str, Any]
    rules: dict[str, Any]
    readable: Readable


PRODUCT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A product file (docs/carbon.md): JSON or CSV as the body, or a form "
        "field `file` (multipart/form-data; .csv files read as CSV, others as JSON)",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
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
    "/product",
    response_model=AssessmentOut,
    openapi_extra=PRODUCT_BODY,
    summary="Assess a battery product (P9)",
)
async def product(
    request: Request,
    state: State,
    scenario: Annotated[str, Query(min_length=1, max_length=64)] = "proposal-2022",
    model: Annotated[
        Literal["auto", "sqrt", "power", "linear"], Query(description="The capacity-fade model")
    ] = "auto",
    year: Annotated[int, Query(description="Year of the modelled footprint")] = 2030,
    tolerance: Annotated[
        float, Query(description="Capacity above 100% allowed after cycling, [0, 1]")
    ] = 0.02,
    lang: Annotated[Lang, Query(description="Language of the answer in words")] = "en",
) -> JSONResponse:
    """A product file's cycle test fitted, its durability, carbon and recycled-content classes,
    safety, and the subsidy top-up the scenario's rules give it."""
    from starlette.concurrency import run_in_threadpool

    raw, kind, where = await _product_bytes(request)
    found = scenario_with(state, scenario, {})

    def assess() -> JSONResponse:
        from chikuden.api import assessment_lines, product_assessment, product_from_bytes

        try:
            item = product_from_bytes(raw, kind, where, tolerance)
            result = product_assessment(item, found, None, model, year, tolerance)
        except ChikudenError as exc:  # naming no query field: the file is at fault
            raise _refused(exc, {"tolerance", "year", "model"}, "file") from None
        words = product_words(assessment_lines(result, lang))
        return JSONResponse(result.to_dict() | {"readable": words})

    return await run_in_threadpool(assess)


async def _product_bytes(request: Request) -> tuple[bytes, Literal["json", "csv"], str]:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        from starlette.datastructures import UploadFile

        try:
            form = await request.form(max_files=1, max_fields=4)
        except Exception as exc:  # python-multipart's parse errors: a malformed form
            raise ApiError(
                400, N_("file: the form cannot be read ({reason})", reason=exc), "file"
            ) from None
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise ApiError(
                422,
                N_(
                    "file: no file field in the form; send the product file as the form field "
                    "`file`"
                ),
                "file",
            )
        name = part.filename or "upload"
        csv = name.lower().endswith(".csv")
        return await part.read(), "csv" if csv else "json", name[:100]
    if kind in ("application/json", ""):
        return await request.body(), "json", "upload"
    if kind in ("text/csv", "text/plain"):
        return await request.body(), "csv", "upload"
    raise ApiError(
        415,
        N_(
            "content type {kind!r} is not a product file; send application/json, text/csv or "
            "multipart/form-data with a field `file`",
            kind=kind[:60],
        ),
        "content-type",
        kind,
        "application/json, text/csv or multipart/form-data",
    )
