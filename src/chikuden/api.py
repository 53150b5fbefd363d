"""The Python API: the one set of functions under every face (CLI, HTML reports, web).

A face (``chikuden.cli``, ``chikuden.commands``, ``chikuden.report``, the roadmap's report, the
web pages) calls these functions and never imports :mod:`chikuden.model` (``tests/
test_faces.py``). Every result has a ``to_dict()`` (or ``to_json()``) that :func:`json.dumps`
accepts, and every bad input raises :class:`chikuden.errors.ParameterError` (a ``ValueError``)
naming the field, the value and what is allowed. docs/api.md lists the signatures with an
example each.

- scenarios: :func:`load_scenario`, :func:`list_scenarios`
- the model: :func:`evaluate` (with a :class:`Cache` between calls), :func:`compare`,
  :func:`answers`, :func:`dataflow_graph`
  (a :class:`Graph`); :data:`OTHER_COUNTRY`, the tables' country code for other countries
  together (``ZZ``)
- what can be set and read: :func:`parameters` (the levers), :func:`indicators`
- the domain calculators (:mod:`chikuden.calculators`): :func:`charger_sizing`,
  :func:`charger_wait`, :func:`service_areas`, :func:`charging_connectors`,
  :func:`logistics_corridor`, :func:`minerals_stress`, :func:`product_assessment`,
  :func:`product_from_bytes`, :func:`assessment_text` and :func:`assessment_lines` (an
  assessment in words)
- numbers for readers (:mod:`chikuden.formatting`): :func:`format_value`,
  :func:`format_output`

Only what evaluating needs is imported here (numpy and the model); the number formatting
(babel), the answers and the parameter tables load on first use, so ``chikuden run --json``
stays light (tests/test_imports.py).

>>> from chikuden import api
>>> res = api.evaluate("proposal-2022", outputs=["targets.japan_global_capacity_2030"])
>>> res.value("targets.japan_global_capacity_2030")
600.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chikuden.calculators import (
    ChargingSite,
    Connectors,
    Corridor,
    ServiceAreas,
    assessment_lines,
    assessment_text,
    charger_sizing,
    charger_wait,
    charging_connectors,
    logistics_corridor,
    minerals_stress,
    product_assessment,
    product_from_bytes,
    service_areas,
)
from chikuden.errors import ParameterError
from chikuden.model.cache import Cache
from chikuden.model.dataflow import Graph
from chikuden.model.minerals.supply import OTHER as OTHER_COUNTRY  # ZZ: other countries
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario, list_scenarios, load_scenario
from chikuden.results import Results
from chikuden.results import evaluate as _evaluate

if TYPE_CHECKING:
    from chikuden.answers import Answer

#: The languages of labels, sentences and number formats.
LANGS = ("en", "ja")


def _lang(lang: Any) -> str:
    if lang not in LANGS:
        shown = repr(lang) if len(repr(lang)) <= 40 else repr(lang)[:39] + "…"
        raise ParameterError(f"lang = {shown} is not a language of chikuden; use en or ja")
    return str(lang)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


# -- the model -----------------------------------------------------------------------------


def evaluate(
    scenario: Scenario | str | Path | Sequence[Scenario | str | Path] | Params,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    outputs: Sequence[str] | None = None,
    cache: Cache | None = None,
) -> Results:
    """Evaluate one scenario or several side by side.

    scenario : a bundled scenario's name, a YAML file's path, a loaded :class:`Scenario`, a
        list of those, or a prepared :class:`Params` batch
    overrides : parameter values set on every scenario, as ``--set`` takes them:
        ``{"targets.japan_share_2030": 0.25}`` or ``["targets.japan_share_2030=0.25"]``; each
        is checked against its declared range (not with a Params batch)
    outputs : output keys or glob patterns (``finance.fund_balance``, ``capacity.*``); only the
        steps they depend on run, and the results hold those outputs only. Default: all.
    cache : a :class:`Cache` kept between evaluations (a server's): a step run before with
        the same values of every parameter its outputs depend on is not run again (what it
        wrote then is reused, :func:`chikuden.results.evaluate`); about 30 entries per
        scenario kept (29 steps and the minerals state), so size it (``Cache(1024)``)

    Returns :class:`chikuden.results.Results` (``to_json(i)`` for scenario ``i``).
    """
    if isinstance(scenario, Params):
        if overrides:
            raise ParameterError(
                "overrides = ... with a Params batch: set the values on the scenarios before "
                "building the batch"
            )
        return _evaluate(scenario, outputs, cache)
    return _evaluate(_scenarios(scenario, overrides), outputs, cache)


def _scenarios(
    scenario: Scenario | str | Path | Sequence[Scenario | str | Path],
    overrides: Mapping[str, Any] | Iterable[str] | None,
) -> list[Scenario]:
    single = isinstance(scenario, Scenario | str | Path)
    items: list[Any] = [scenario] if single else list(scenario)  # type: ignore[arg-type]
    extra = dict(overrides) if isinstance(overrides, Mapping) else list(overrides or ())
    loaded = []
    for s in items:
        if isinstance(s, Scenario):
            loaded.append(s.with_overrides(extra) if extra else s)
        elif isinstance(s, str | Path):
            loaded.append(load_scenario(s, overrides=extra or None))
        else:
            raise ParameterError(
                f"scenario = {type(s).__name__}: give a bundled scenario's name, a YAML file's "
                "path or a loaded Scenario"
            )
    if not loaded:
        raise ParameterError("scenario = []: give at least one scenario")
    return loaded


def answers(results: Results, lang: str = "en", i: int = 0) -> list[Answer]:
    """The questions the proposal raises, answered for scenario ``i`` of ``results``: status
    (met, at_risk, not_met) and one sentence with the numbers, in ``lang`` (en or ja).

    ``results`` must hold the answers' indicators: evaluate everything, or at least
    :func:`answer_outputs`. Each :class:`chikuden.answers.Answer` has ``to_dict()``.
    """
    from chikuden.answers import answers as answered

    lang = _lang(lang)
    if not (isinstance(i, int) and 0 <= i < results.n):
        raise ParameterError(f"i = {i!r}: the results hold scenarios 0..{results.n - 1}")
    return answered(results, lang, i)


def answer_outputs() -> list[str]:
    """The output keys the answers read: ``evaluate(s, outputs=answer_outputs())``."""
    from chikuden.answers import outputs_needed

    return outputs_needed()


@dataclass(frozen=True)
class Comparison:
    """Several scenarios evaluated side by side, with each indicator's change from the first
    and each scenario's answers."""

    results: Results
    answers: tuple[tuple[Answer, ...], ...]  # per scenario

    @property
    def names(self) -> list[str]:
        return list(self.results.names)

    def to_dict(self) -> dict[str, Any]:
        """``{"scenarios": [...], "indicators": {key: {unit, label_en, label_ja, year,
        values, delta}}, "answers": [{"scenario", "answers"}]}``; ``delta`` is each scenario's
        value minus the first's (the first's is 0); a value that is not defined is null."""
        from chikuden.indicators import outputs

        res = self.results
        body: dict[str, Any] = {}
        for key, decl in outputs().items():
            if decl.kind != "indicator" or key not in res.indicators:
                continue
            values = [res.value(key, i) for i in range(res.n)]
            body[key] = {
                "unit": decl.unit,
                "label_en": decl.label_en,
                "label_ja": decl.label_ja,
                "year": decl.year,
                "values": [_finite(v) for v in values],
                "delta": [_finite(v - values[0]) for v in values],
            }
        return {
            "scenarios": self.names,
            "indicators": body,
            "answers": [
                {"scenario": name, "answers": [a.to_dict() for a in found]}
                for name, found in zip(res.names, self.answers, strict=True)
            ],
        }


def compare(
    scenarios: Sequence[Scenario | str | Path],
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    outputs: Sequence[str] | None = None,
    lang: str = "en",
    cache: Cache | None = None,
) -> Comparison:
    """Two or more scenarios evaluated side by side (:func:`evaluate`), with their answers in
    ``lang``. ``outputs`` limits the indicators (the answers' own are always evaluated)."""
    lang = _lang(lang)
    if isinstance(scenarios, str | Path | Scenario) or len(scenarios) < 2:
        got = 1 if isinstance(scenarios, str | Path | Scenario) else len(scenarios)
        raise ParameterError(
            f"compare: got {got} scenario; give two or more names or paths"
            if got == 1
            else f"compare: got {got} scenarios; give two or more names or paths"
        )
    asked = None if outputs is None else [*outputs, *answer_outputs()]
    results = evaluate(scenarios, overrides, asked, cache)
    from chikuden.answers import answers as answered

    found = tuple(tuple(answered(results, lang, i)) for i in range(results.n))
    return Comparison(results, found)


def dataflow_graph() -> Graph:
    """The model's declared dataflow: steps, the parameters they read, the outputs they
    write (what ``chikuden graph`` and docs/model.md draw)."""
    from chikuden.model import system

    return system.graph()


# -- what can be set and read --------------------------------------------------------------


@dataclass(frozen=True)
class SourceRef:
    """A bibliography entry cited by a default: its key (with clause), title and address."""

    key: str
    title: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "url": self.url}


@dataclass(frozen=True)
class Lever:
    """A parameter a user can set: a row of the parameter tables (``data/parameters``)."""

    key: str
    kind: str  # scalar, path (values by year) or table
    domain: str
    unit: str
    label_en: str
    label_ja: str
    default: float | tuple[tuple[int, float], ...] | str  # number, (year, value)s, table name
    min: float | None  # [unit]; None: no bound (tables)
    max: float | None
    sources: tuple[SourceRef, ...]
    note: str

    def label(self, lang: str) -> str:
        from chikuden.i18n import pick

        return pick(lang, self.label_en, self.label_ja)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "domain": self.domain,
            "unit": self.unit,
            "label_en": self.label_en,
            "label_ja": self.label_ja,
            "default": (
                [{"year": y, "value": v} for y, v in self.default]
                if isinstance(self.default, tuple)
                else self.default
            ),
            "min": self.min,
            "max": self.max,
            "sources": [s.to_dict() for s in self.sources],
            "note": self.note,
        }


def _source_ref(key: str) -> SourceRef:
    from chikuden.parameters.sources import resolve_source

    src, clause = resolve_source(key)
    title = src.citation(clause)
    return SourceRef(key=key, title=title, url=src.url)


def _lever(d: Any) -> Lever:
    default: float | tuple[tuple[int, float], ...] | str
    if d.kind == "scalar":
        default = float(d.default)
    elif d.kind == "path":
        default = tuple((int(y), float(v)) for y, v in d.default_points)
    else:
        default = str(d.default.label)
    return Lever(
        key=d.name,
        kind=d.kind,
        domain=d.domain,
        unit=d.unit,
        label_en=d.description_en,
        label_ja=d.description_ja,
        default=default,
        min=_finite(float(d.min)),
        max=_finite(float(d.max)),
        sources=tuple(_source_ref(k) for k in d.source),
        note=d.note,
    )


def parameters(domain: str | None = None) -> list[Lever]:
    """Every declared parameter (the levers of the web simulator), in declaration order, or
    those of one ``domain`` (``finance``, ``market``, ...): key, labels in English and
    Japanese, unit, default, range, sources with title and address, domain, kind."""
    from chikuden.errors import did_you_mean

    levers = _levers()
    if domain is None:
        return list(levers)
    domains = sorted({lever.domain for lever in levers})
    if domain not in domains:
        raise ParameterError(
            f"domain = {domain!r} is not a domain{did_you_mean(str(domain), domains)}; "
            f"domains: {', '.join(domains)}"
        )
    return [lever for lever in levers if lever.domain == domain]


@functools.cache
def _levers() -> tuple[Lever, ...]:
    """Every lever, built once per process (the tables do not change while it runs; about
    0.1 s to build, mostly the bibliography's citations and the paths' points)."""
    from chikuden.parameters import declarations

    return tuple(_lever(d) for d in declarations().values())


@dataclass(frozen=True)
class IndicatorInfo:
    """A declared indicator (``data/indicators``): the public outputs of the model."""

    key: str
    domain: str
    unit: str
    label_en: str
    label_ja: str
    year: int | None
    clause: str | None  # the proposal's clause (P0..P12) it checks
    description_en: str
    description_ja: str

    def label(self, lang: str) -> str:
        from chikuden.i18n import pick

        return pick(lang, self.label_en, self.label_ja)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "domain": self.domain,
            "unit": self.unit,
            "label_en": self.label_en,
            "label_ja": self.label_ja,
            "year": self.year,
            "clause": self.clause,
            "description_en": self.description_en,
            "description_ja": self.description_ja,
        }


def indicators() -> list[IndicatorInfo]:
    """Every declared indicator, in declaration order (docs/indicators.md)."""
    from chikuden.indicators import outputs

    return [
        IndicatorInfo(
            key=o.key,
            domain=o.domain,
            unit=o.unit,
            label_en=o.label_en,
            label_ja=o.label_ja,
            year=o.year,
            clause=o.clause,
            description_en=o.description_en,
            description_ja=o.description_ja,
        )
        for o in outputs().values()
        if o.kind == "indicator"
    ]


# -- numbers for readers -------------------------------------------------------------------


def format_value(value: float | None, unit: str, lang: str = "en") -> str:
    """``value`` [unit] as a reader of ``lang`` expects it: ``¥3.0 trillion`` / ``3兆円``,
    ``20%`` / ``20％``, ``7,260``; ``—`` when not a finite number (:mod:`chikuden.formatting`)."""
    from chikuden.formatting import format_value as formatted

    return formatted(value, unit, _lang(lang))


def format_output(value: float | None, key: str, lang: str = "en") -> str:
    """The value of output ``key`` (an indicator, series or per-row output) as a reader of
    ``lang`` expects it; a value the output declares undefined reads as its text
    (``not by 2040`` / ``2040年までに達しない``)."""
    from chikuden.errors import did_you_mean
    from chikuden.formatting import format_output as formatted
    from chikuden.indicators import outputs

    decls = outputs()
    if key not in decls:
        raise ParameterError(
            f"key = {key!r} is not a declared output{did_you_mean(str(key), decls)}; see "
            "docs/indicators.md"
        )
    return formatted(value, decls[key], _lang(lang))


__all__ = [
    "LANGS",
    "OTHER_COUNTRY",
    "Cache",
    "ChargingSite",
    "Comparison",
    "Connectors",
    "Corridor",
    "Graph",
    "IndicatorInfo",
    "Lever",
    "Results",
    "Scenario",
    "ServiceAreas",
    "SourceRef",
    "answer_outputs",
    "answers",
    "assessment_lines",
    "assessment_text",
    "charger_sizing",
    "charger_wait",
    "charging_connectors",
    "compare",
    "dataflow_graph",
    "evaluate",
    "format_output",
    "format_value",
    "indicators",
    "list_scenarios",
    "load_scenario",
    "logistics_corridor",
    "minerals_stress",
    "parameters",
    "product_assessment",
    "product_from_bytes",
    "service_areas",
]
