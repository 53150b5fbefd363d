"""The bodies of the JSON API's requests and answers (pydantic), as /openapi.json documents.

Lever values are JSON numbers only (``Strict``: ``"0.5"`` and ``true`` are refused, not
converted); whether a number is finite and in its parameter's range is checked against the
parameter tables by the endpoint, which names the parameter in its 422.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

Lang = Literal["en", "ja"]
Number = Annotated[float, Strict()]
ScenarioName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="A bundled scenario (GET /api/scenarios) or a saved one",
        examples=["proposal-2022"],
    ),
]
OutputPattern = Annotated[str, Field(min_length=1, max_length=200)]
MAX_PARAMETERS = 400
MAX_OUTPUTS = 200
MAX_COMPARE = 8


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


Values = Annotated[
    dict[Annotated[str, Field(max_length=200)], Number],
    Field(
        max_length=MAX_PARAMETERS,
        description="Parameter values over the scenario's, {key: number} (keys: GET "
        "/api/parameters); a number given to a yearly path sets every year",
        examples=[{"finance.subsidy_base_rate_share": 0.5}],
    ),
]
Levers = Annotated[
    dict[Annotated[str, Field(max_length=200)], Number],
    Field(
        max_length=MAX_PARAMETERS,
        description="Derived levers' numbers, {id: number}: the server expands each into "
        "parameter values on the scenario's own (finance.fund_total_jpy: the fund's total, "
        "the scenario's yearly appropriations scaled to it; minerals.domestic_lfp_share: LFP's "
        "share of the cells made in Japan in every year, the other chemistries rescaled); ids: "
        "levers.yaml, docs/web.md",
        examples=[{"finance.fund_total_jpy": 4.5e12}],
    ),
]
Outputs = Annotated[
    list[OutputPattern],
    Field(
        max_length=MAX_OUTPUTS,
        description="Output keys or glob patterns (capacity.*) to compute and return "
        "(GET /api/indicators); only the steps they need run. Empty: only the answers",
        examples=[["targets.domestic_capacity_2030", "capacity.domestic_production_gwh"]],
    ),
]


class EvaluateRequest(_Request):
    scenario: ScenarioName = "proposal-2022"
    parameters: Values = {}
    levers: Levers = {}
    outputs: Outputs = []
    lang: Lang = "en"


class AnswersRequest(_Request):
    scenario: ScenarioName = "proposal-2022"
    parameters: Values = {}
    levers: Levers = {}
    lang: Lang = "en"


class CompareItem(_Request):
    scenario: ScenarioName = "proposal-2022"
    parameters: Values = {}
    levers: Levers = {}


class CompareRequest(_Request):
    scenarios: list[CompareItem] = Field(min_length=1, max_length=MAX_COMPARE)
    outputs: Outputs = []
    lang: Lang = "en"


class SaveRequest(_Request):
    name: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="A new name: lower-case letters, digits, '.', '-', '_'",
        examples=["my-scenario"],
    )
    base: ScenarioName = "proposal-2022"
    parameters: Values = {}
    levers: Levers = {}
    title: str | None = Field(None, min_length=1, max_length=200)


class SeriesValues(BaseModel):
    """A yearly series: one value per year (null: not defined that year)."""

    years: list[int]
    values: list[float | None]


class RowValues(BaseModel):
    """Per-row values of a table (``table`` names it), one per row."""

    table: str | None
    values: list[float | None]


class Headline(BaseModel):
    key: str
    value: float | None


class AnswerOut(BaseModel):
    """One question answered, as ``chikuden answers --json`` prints it."""

    id: str
    clause: str
    question: str
    status: Literal["met", "at_risk", "not_met", "undefined"]
    sentence: str
    headline: Headline
    indicators: list[str]
    values: dict[str, float | None]


class ScenarioOutputs(BaseModel):
    scenario: str
    outputs: dict[str, float | SeriesValues | RowValues | None] = Field(
        description="Each output asked for: an indicator's number (null: not defined), a "
        "series' years and values, or a table's per-row values"
    )
    formatted: dict[str, str] = Field(
        description="Each indicator asked for as a reader of lang reads it, with its unit"
    )
    answers: list[AnswerOut]


class EvaluateResponse(ScenarioOutputs):
    elapsed_ms: float = Field(description="Server time of the evaluation [ms]")


class AnswersResponse(BaseModel):
    scenario: str
    answers: list[AnswerOut]
    elapsed_ms: float


class CompareResponse(BaseModel):
    scenarios: list[ScenarioOutputs]
    elapsed_ms: float


class ScenarioInfo(BaseModel):
    name: str
    kind: Literal["bundled", "saved"]
    title: str
    base: str | None = Field(description="The bundled scenario a saved one extends")
    created_at: str | None = None


class ScenarioDetail(ScenarioInfo):
    description: str
    parameters: dict[str, float | str] = Field(
        description="The values the scenario sets over the declared defaults: numbers, or a "
        "short text for yearly paths and tables"
    )


class SourceOut(BaseModel):
    key: str
    title: str
    url: str


class YearValue(BaseModel):
    year: int
    value: float


class LeverOut(BaseModel):
    """A parameter a user can set (``data/parameters``): a slider for a number."""

    key: str
    kind: Literal["scalar", "path", "table"] = Field(
        description="scalar: one number; path: a value per year (a number sets every year); "
        "table: rows, set by uploading a scenario YAML"
    )
    domain: str
    unit: str
    label: str
    default: float | list[YearValue] | str = Field(
        description="A number, the year: value points of a path, or a table's name"
    )
    min: float | None = Field(description="Smallest allowed value [unit]; null: no bound")
    max: float | None = Field(description="Largest allowed value [unit]; null: no bound")
    step: float | None = Field(
        description="A slider's step: 1 for whole numbers, else a power of ten near a "
        "hundredth of the range; null for tables and unbounded ranges"
    )
    sources: list[SourceOut]
    description: str = Field(description="Where the default comes from (English)")


class OutputInfo(BaseModel):
    """A declared output (``data/indicators``): an indicator, a yearly series or per-row
    values of a table."""

    key: str
    kind: Literal["indicator", "series", "rows"]
    domain: str
    unit: str
    label: str
    year: int | None
    clause: str | None = Field(description="The proposal's clause (P0..P12) it checks")
    description: str
    undefined: str = Field(description="What null means for this output ('' if never null)")
