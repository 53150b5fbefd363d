"""Answers: the questions the proposal raises, each with its status and one sentence.

The questions are data (``chikuden/data/answers.yaml``): the indicators that answer each, a
rule (an indicator against a target, which is an indicator or a parameter, never a copied
figure), a sentence in English and Japanese, and the chart the report shows. The thresholds of
the rules are parameters (``data/parameters/answers.csv``). This module only reads the
results, compares and fills the sentence in; every face (CLI, report, compare, web) calls
:func:`answers`, so all show the same verdicts.

>>> import chikuden
>>> res = chikuden.evaluate(chikuden.load_scenario("proposal-2022"),
...                         outputs=chikuden.answers.outputs_needed())
>>> [a.status for a in chikuden.answers.answers(res)][:2]
['not_met', 'not_met']
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from chikuden.i18n import pick

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from chikuden.results import Results

STATUSES = ("met", "at_risk", "not_met", "undefined")
WANTS = ("at_least", "at_most", "not_before")
CHART_KINDS = ("line", "bars")
MARGIN = "answers.at_risk_margin_share"  # the parameter that sets the at-risk band
FILE = "data/answers.yaml"
# the placeholders every sentence has: its first check's value and target
BUILT_IN = ("value", "target")


class AnswersDeclarationError(RuntimeError):
    """``answers.yaml`` declares something that cannot work (names the question and field)."""


@dataclass(frozen=True)
class Check:
    """One comparison: ``value`` (the smallest of several indicators) against ``target``."""

    values: tuple[str, ...]
    target: str
    want: str


@dataclass(frozen=True)
class AnswerChart:
    """The one chart that shows a question's answer."""

    kind: str  # "line" (series over the years) or "bars" (one bar per indicator)
    series: tuple[str, ...] = ()
    bars: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()  # targets drawn as labelled horizontal lines
    gap_year: str = ""  # a year ("2030") or a parameter giving it
    deadline: str = ""  # a parameter giving a year drawn as a vertical line


@dataclass(frozen=True)
class Question:
    """One declared question."""

    id: str
    clause: str
    question_en: str
    question_ja: str
    checks: tuple[Check, ...]
    headline: str
    values: dict[str, str]
    sentence_en: str
    sentence_ja: str
    chart: AnswerChart

    def question(self, lang: str) -> str:
        return pick(lang, self.question_en, self.question_ja)

    @property
    def indicators(self) -> tuple[str, ...]:
        """Every key the question reads (indicators and parameters), in order, once."""
        keys: list[str] = []
        for check in self.checks:
            keys.extend((*check.values, check.target))
        keys.append(self.headline)
        keys.extend(self.values.values())
        return tuple(dict.fromkeys(keys))


@dataclass(frozen=True)
class Answer:
    """A question answered for one scenario."""

    id: str
    clause: str
    question: str
    status: str  # one of STATUSES
    sentence: str
    indicators: tuple[str, ...]
    values: dict[str, float | None] = field(default_factory=dict)
    headline: str = ""
    headline_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (the API's name for :meth:`to_json`)."""
        return self.to_json()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "clause": self.clause,
            "question": self.question,
            "status": self.status,
            "sentence": self.sentence,
            "headline": {"key": self.headline, "value": self.headline_value},
            "indicators": list(self.indicators),
            "values": dict(self.values),
        }


# -- declarations ---------------------------------------------------------------------------


def _bilingual(spec: Any, where: str) -> tuple[str, str]:
    if not isinstance(spec, dict) or set(spec) != {"en", "ja"}:
        raise AnswersDeclarationError(f"{where}: needs 'en' and 'ja' texts and nothing else")
    texts = (str(spec["en"]).strip(), str(spec["ja"]).strip())
    if not all(texts):
        raise AnswersDeclarationError(f"{where}: a text is empty")
    return texts


def _known(raw: Any, where: str, *, parameter_ok: bool = True, kind: str = "indicator") -> str:
    """``key`` if it names a declared output of ``kind`` (or a parameter when allowed)."""
    from chikuden.errors import did_you_mean
    from chikuden.indicators import outputs
    from chikuden.parameters.declarations import declarations

    key: str = str(raw)
    decl = outputs().get(key)
    if decl is not None and decl.kind == kind:
        return key
    if parameter_ok and decl is None and key in declarations():
        return key
    known = [k for k, d in outputs().items() if d.kind == kind]
    if parameter_ok:
        known += list(declarations())
    what = f"an {kind}" + (" or a parameter" if parameter_ok else "")
    raise AnswersDeclarationError(f"{where}: {key!r} is not {what}{did_you_mean(key, known)}")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _chart(spec: Any, where: str) -> AnswerChart:
    if not isinstance(spec, dict):
        raise AnswersDeclarationError(f"{where}: needs a mapping with 'kind'")
    unknown = set(spec) - {"kind", "series", "bars", "lines", "gap_year", "deadline"}
    if unknown:
        raise AnswersDeclarationError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    kind = str(spec.get("kind", ""))
    if kind not in CHART_KINDS:
        raise AnswersDeclarationError(f"{where}.kind: {kind!r} is not one of {list(CHART_KINDS)}")
    series = tuple(
        _known(k, f"{where}.series", parameter_ok=False, kind="series")
        for k in spec.get("series") or ()
    )
    bars = tuple(_known(k, f"{where}.bars", parameter_ok=False) for k in spec.get("bars") or ())
    if (kind == "line") != bool(series) or (kind == "bars") != bool(bars):
        raise AnswersDeclarationError(f"{where}: a line chart needs 'series', a bar chart 'bars'")
    lines = tuple(_known(k, f"{where}.lines") for k in spec.get("lines") or ())
    gap_year = str(spec.get("gap_year", ""))
    if gap_year and not gap_year.isdigit():
        _known(gap_year, f"{where}.gap_year")
    deadline = str(spec.get("deadline", ""))
    if deadline:
        _known(deadline, f"{where}.deadline")
    return AnswerChart(kind, series, bars, lines, gap_year, deadline)


def parse(doc: Any, where: str = FILE) -> tuple[Question, ...]:
    """The questions of an ``answers.yaml`` document, checked; an error names the field."""
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), list):
        raise AnswersDeclarationError(f"{where}: needs a list 'answers'")
    fields = {"id", "clause", "question", "checks", "headline", "values", "sentence", "chart"}
    out: list[Question] = []
    seen: set[str] = set()
    for n, spec in enumerate(doc["answers"]):
        at = f"{where}: answers[{n}]"
        if not isinstance(spec, dict):
            raise AnswersDeclarationError(f"{at}: needs a mapping")
        qid = str(spec.get("id", ""))
        at = f"{at} ({qid})" if qid else at
        missing = sorted(fields - {"values"} - set(spec))
        if missing:
            raise AnswersDeclarationError(f"{at}: missing field {missing[0]!r}")
        unknown = sorted(set(spec) - fields)
        if unknown:
            raise AnswersDeclarationError(f"{at}: unknown field {unknown[0]!r}")
        if qid in seen:
            raise AnswersDeclarationError(f"{at}.id: {qid!r} is declared twice")
        seen.add(qid)
        checks: list[Check] = []
        if not isinstance(spec["checks"], list) or not spec["checks"]:
            raise AnswersDeclarationError(f"{at}.checks: needs at least one check")
        for c, raw in enumerate(spec["checks"]):
            cat = f"{at}.checks[{c}]"
            if not isinstance(raw, dict) or set(raw) != {"value", "target", "want"}:
                raise AnswersDeclarationError(f"{cat}: needs exactly 'value', 'target', 'want'")
            want = str(raw["want"])
            if want not in WANTS:
                raise AnswersDeclarationError(f"{cat}.want: {want!r} is not one of {list(WANTS)}")
            raw_values = raw["value"] if isinstance(raw["value"], list) else [raw["value"]]
            values = tuple(_known(k, f"{cat}.value", parameter_ok=False) for k in raw_values)
            checks.append(Check(values, _known(raw["target"], f"{cat}.target"), want))
        named = spec.get("values") or {}
        if not isinstance(named, dict):
            raise AnswersDeclarationError(f"{at}.values: needs a mapping of name: key")
        clash = sorted(set(named) & set(BUILT_IN))
        if clash:
            raise AnswersDeclarationError(f"{at}.values: {clash[0]!r} is built in")
        values_map = {str(k): _known(v, f"{at}.values.{k}") for k, v in named.items()}
        en, ja = _bilingual(spec["sentence"], f"{at}.sentence")
        allowed = set(values_map) | set(BUILT_IN)
        for lang, text in (("en", en), ("ja", ja)):
            extra = sorted(_placeholders(text) - allowed)
            if extra:
                raise AnswersDeclarationError(
                    f"{at}.sentence.{lang}: placeholder {{{extra[0]}}} is not in 'values' "
                    f"(known: {', '.join(sorted(allowed))})"
                )
        q_en, q_ja = _bilingual(spec["question"], f"{at}.question")
        out.append(
            Question(
                id=qid,
                clause=str(spec["clause"]),
                question_en=q_en,
                question_ja=q_ja,
                checks=tuple(checks),
                headline=_known(spec["headline"], f"{at}.headline", parameter_ok=False),
                values=values_map,
                sentence_en=en,
                sentence_ja=ja,
                chart=_chart(spec["chart"], f"{at}.chart"),
            )
        )
    return tuple(out)


@cache
def questions() -> tuple[Question, ...]:
    """The bundled questions, in order (read and checked once)."""
    from chikuden.data import read_yaml

    return parse(read_yaml("answers.yaml"))


def parameters() -> list[str]:
    """The thresholds of the rules (``data/parameters/answers.csv``): parameters that no model
    step reads, only :func:`answers` (``tests/test_answers.py`` checks each moves a verdict)."""
    from chikuden.parameters.declarations import declarations

    return [name for name in declarations() if name.startswith("answers.")]


def outputs_needed() -> list[str]:
    """The indicators :func:`answers` reads: ``evaluate(outputs=outputs_needed())`` runs only
    the steps they depend on."""
    from chikuden.indicators import outputs

    decls = outputs()
    keys = (k for q in questions() for k in q.indicators)
    return [k for k in dict.fromkeys(keys) if k in decls]


def chart_outputs() -> list[str]:
    """The indicators and series the answers' charts draw (besides :func:`outputs_needed`)."""
    from chikuden.indicators import outputs

    decls = outputs()
    keys = (
        k
        for q in questions()
        for k in (*q.chart.series, *q.chart.bars, *q.chart.lines)
        if k in decls
    )
    return list(dict.fromkeys(keys))


# -- evaluation -----------------------------------------------------------------------------


def read(results: Results, key: str, i: int = 0) -> float:
    """Indicator or parameter ``key`` of scenario ``i`` (NaN: not defined)."""
    from chikuden.indicators import outputs

    if key in outputs():
        if key not in results.indicators:
            raise KeyError(f"{key}: not evaluated; evaluate with outputs=outputs_needed()")
        return results.value(key, i)
    array = results.params[key]
    return float(array[min(i, array.shape[0] - 1)])


def check_status(value: float, target: float, want: str, margin: float) -> str:
    """The status of one check (see ``answers.yaml`` for the rule of each ``want``)."""
    import numpy as np

    one = check_statuses(np.array([value]), np.array([target]), want, np.array([margin]))
    return str(one[0])


def check_statuses(
    value: NDArray[np.float64], target: NDArray[np.float64], want: str, margin: NDArray[np.float64]
) -> NDArray[np.str_]:
    """:func:`check_status` of whole arrays (broadcast together): one status per element.

    The one implementation of the rule: :func:`answers` calls it for a single scenario, the
    Monte Carlo for every sample (the probability of each verdict).
    """
    import numpy as np

    v, t, m = np.broadcast_arrays(
        np.asarray(value, dtype=np.float64),
        np.asarray(target, dtype=np.float64),
        np.asarray(margin, dtype=np.float64),
    )
    if want == "not_before":  # a NaN value: never runs out on the horizon
        out = np.where(np.isnan(v), "met", np.where(v < t, "not_met", "at_risk"))
        return np.where(np.isnan(t), "undefined", out)
    with np.errstate(invalid="ignore"):
        if want == "at_least":
            met, risk = v >= t, v >= (1 - m) * t
        else:
            met, risk = v <= t, v <= (1 + m) * t
    out = np.where(met, "met", np.where(risk, "at_risk", "not_met"))
    return np.where(np.isnan(v) | np.isnan(t), "undefined", out)


def worst(statuses: list[str]) -> str:
    """Not met before undefined before at risk before met."""
    for status in ("not_met", "undefined", "at_risk"):
        if status in statuses:
            return status
    return "met"


def question_statuses(
    question: Question, read: Callable[[str], NDArray[np.float64]], margin: NDArray[np.float64]
) -> NDArray[np.str_]:
    """The verdict of ``question`` for every scenario of a batch at once: ``read(key)`` gives an
    indicator or parameter as an array over the batch (length 1 or n), ``margin`` the at-risk
    band (:data:`MARGIN`). The worst of the checks (:func:`worst`), each check's value the
    smallest of its indicators (NaN if any is NaN), as :func:`answers` decides one scenario."""
    import numpy as np

    per_check = []
    for check in question.checks:
        values = np.stack(np.broadcast_arrays(*(read(k) for k in check.values)), axis=0)
        value = np.min(values, axis=0)  # NaN propagates, as in answers()
        per_check.append(check_statuses(value, read(check.target), check.want, margin))
    statuses = np.broadcast_arrays(*per_check)
    out = np.full(statuses[0].shape, "met", dtype=statuses[0].dtype)
    for status in ("at_risk", "undefined", "not_met"):  # the worst wins: the last written
        for s in statuses:
            out = np.where(s == status, status, out)
    return out


def question(qid: str) -> Question:
    """The declared question ``qid`` (KeyError naming the known ids)."""
    for q in questions():
        if q.id == qid:
            return q
    raise KeyError(f"{qid}: not a question of {FILE} ({', '.join(q.id for q in questions())})")


def label_of(key: str, lang: str) -> str:
    """An indicator's label or a parameter's description (a chart's bar or target line may be
    either), in ``lang``."""
    from chikuden.indicators import outputs
    from chikuden.parameters.declarations import declarations

    decl = outputs().get(key)
    if decl is not None:
        return decl.label(lang)
    d = declarations()[key]
    return pick(lang, d.description_en, d.description_ja)


def unit_of(key: str) -> str:
    """The unit of an indicator or a parameter."""
    from chikuden.indicators import outputs
    from chikuden.parameters.declarations import declarations

    decl = outputs().get(key)
    return decl.unit if decl is not None else declarations()[key].unit


def format_key(results: Results, key: str, value: float, lang: str) -> str:
    """``value`` of indicator or parameter ``key`` with its unit, as a reader of ``lang``
    reads it (an undefined indicator: its declared text)."""
    from chikuden.formatting import format_output, format_quantity
    from chikuden.indicators import outputs

    decl = outputs().get(key)
    if decl is not None and math.isnan(value):
        return format_output(value, decl, lang)
    return format_quantity(value, unit_of(key), lang)


def delta_text(
    results: Results, key: str, first: float | None, other: float | None, lang: str
) -> str:
    """``other - first`` of indicator ``key``, signed, with its unit (``—`` if either is not a
    number)."""
    from chikuden.formatting import MISSING
    from chikuden.i18n import translator
    from chikuden.indicators import outputs

    if first is None or other is None:
        return MISSING
    delta = other - first
    if outputs()[key].unit.split(" ", 1)[0] == "share":  # a difference of shares: points
        _ = translator(lang).gettext
        return _("{delta} pt").format(delta=f"{100 * delta:+.1f}")
    text = format_key(results, key, abs(delta), lang)
    if delta == 0 or not math.isfinite(delta):
        return text
    return ("+" if delta > 0 else "-") + text


def answers(results: Results, lang: str = "en", i: int = 0) -> list[Answer]:
    """Every declared question answered for scenario ``i`` of ``results``, in ``lang``.

    ``results`` must hold :func:`outputs_needed` (a full evaluation does).
    """
    out: list[Answer] = []
    margin_array = results.params[MARGIN]
    margin = float(margin_array[min(i, margin_array.shape[0] - 1)])
    for q in questions():
        statuses: list[str] = []
        first: tuple[str, float, str, float] | None = None
        for check in q.checks:
            values = [read(results, k, i) for k in check.values]
            # the smallest of several (NaN if any is NaN); the key of the smallest
            lowest = min(range(len(values)), key=lambda j: values[j])
            value = math.nan if any(math.isnan(v) for v in values) else values[lowest]
            target = read(results, check.target, i)
            statuses.append(check_status(value, target, check.want, margin))
            if first is None:
                first = (check.values[lowest], value, check.target, target)
        assert first is not None
        fills = {
            "value": format_key(results, first[0], first[1], lang),
            "target": format_key(results, first[2], first[3], lang),
        }
        raw: dict[str, float | None] = {}
        for key in q.indicators:
            v = read(results, key, i)
            raw[key] = v if math.isfinite(v) else None
        for name, key in q.values.items():
            fills[name] = format_key(results, key, read(results, key, i), lang)
        headline = read(results, q.headline, i)
        out.append(
            Answer(
                id=q.id,
                clause=q.clause,
                question=q.question(lang),
                status=worst(statuses),
                sentence=pick(lang, q.sentence_en, q.sentence_ja).format_map(fills),
                indicators=q.indicators,
                values=raw,
                headline=q.headline,
                headline_value=headline if math.isfinite(headline) else None,
            )
        )
    return out


def status_word(status: str, lang: str) -> str:
    """The status in words (never colour alone): met, at risk, not met, undefined."""
    from chikuden.i18n import translator

    _ = translator(lang).gettext
    words = {
        "met": _("met"),
        "at_risk": _("at risk"),
        "not_met": _("not met"),
        "undefined": _("undefined"),
    }
    return words[status]
