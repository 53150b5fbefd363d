"""The section "Uncertainty and what it takes" of a scenario report (``chikuden run
--uncertainty``).

:func:`analyse` runs the four analyses on one scenario and returns them as plain JSON:

- the Monte Carlo (:mod:`chikuden.uncertainty.montecarlo`) over the scenario's distributions,
  with the probability of every question of ``data/answers.yaml`` (the share of samples whose
  verdict is "met", :func:`~chikuden.uncertainty.montecarlo.answer_targets`) and the fan
  charts of the main series; on a Dask cluster when given a client (same result);
- the sensitivity ranking (:mod:`chikuden.uncertainty.sensitivity`) of the main indicators;
- what it takes (:mod:`chikuden.uncertainty.goalseek`) for each question the scenario does not
  meet, with the lever declared for it in ``data/uncertainty.yaml`` (``report.what_it_takes``);
- the best use of the fund (:mod:`chikuden.optimize.portfolio`, objective ``gwh``).

The defaults (samples, seed, the sensitivity method and N, the lever of each question) are data:
the ``report`` block of ``data/uncertainty.yaml``, each with its reason. :func:`view` turns the
JSON into what the template shows; the charts are the commands' own builders
(:func:`~chikuden.uncertainty.montecarlo.fan`, :func:`~chikuden.uncertainty.sensitivity.tornado`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from chikuden.charting import to_script_json
from chikuden.errors import ChikudenError
from chikuden.formatting import format_share
from chikuden.i18n import pick, translator
from chikuden.report.charts import ChartView, chart_summary, figure_table

if TYPE_CHECKING:
    from chikuden.parameters.scenario import Scenario
    from chikuden.report.answers import AnswerView
    from chikuden.results import Results

FILE = "data/uncertainty.yaml"
CHUNK = 1_000
"""Samples per Monte Carlo chunk: 10,000 samples are ten chunks a cluster's workers share; the
same chunking locally keeps the means the same bits as on a cluster (a sum of means depends on
the chunking by rounding, docs/uncertainty.md)."""
OPTIMIZE_OBJECTIVE = "gwh"
"""The fund's allocation maximises domestic cell capacity by 2030 (the proposal's first
target, P1)."""


@dataclass(frozen=True)
class Take:
    """What it takes for one question: bring indicator ``solve`` to ``to`` varying ``vary``."""

    question: str
    solve: str
    to: str | float
    vary: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    """The ``report`` block of ``data/uncertainty.yaml``."""

    samples: int
    seed: int
    sensitivity_method: str
    sensitivity_samples: int
    takes: dict[str, Take] = field(default_factory=dict)


class UncertaintyDeclarationError(RuntimeError):
    """The ``report`` block declares something that cannot work (names the field)."""


def parse(doc: Any, where: str = f"{FILE}: report") -> Settings:
    """The settings of a ``report`` block, checked; an error names the field."""
    from chikuden import answers
    from chikuden.indicators import outputs
    from chikuden.parameters.declarations import declarations
    from chikuden.uncertainty import goalseek
    from chikuden.uncertainty import sensitivity as sa

    if not isinstance(doc, dict):
        raise UncertaintyDeclarationError(f"{where}: needs a mapping")
    fields = {"samples", "seed", "sensitivity", "what_it_takes"}
    unknown = sorted(set(doc) - fields)
    if unknown:
        raise UncertaintyDeclarationError(f"{where}: unknown field {unknown[0]!r}")
    missing = sorted(fields - set(doc))
    if missing:
        raise UncertaintyDeclarationError(f"{where}: missing field {missing[0]!r}")
    for name in ("samples", "seed"):
        if not isinstance(doc[name], int) or doc[name] < (1 if name == "samples" else 0):
            raise UncertaintyDeclarationError(f"{where}.{name}: {doc[name]!r} is not a count")
    sens = doc["sensitivity"]
    if not isinstance(sens, dict) or set(sens) != {"method", "samples"}:
        raise UncertaintyDeclarationError(f"{where}.sensitivity: needs 'method' and 'samples'")
    try:
        sa.check_samples(str(sens["method"]), int(sens["samples"]))
    except ChikudenError as exc:
        raise UncertaintyDeclarationError(f"{where}.sensitivity: {exc}") from exc
    ids = [q.id for q in answers.questions()]
    takes: dict[str, Take] = {}
    for qid, raw in (doc["what_it_takes"] or {}).items():
        at = f"{where}.what_it_takes.{qid}"
        if qid not in ids:
            raise UncertaintyDeclarationError(f"{at}: not a question of {answers.FILE}")
        if not isinstance(raw, dict) or set(raw) != {"solve", "to", "vary"}:
            raise UncertaintyDeclarationError(f"{at}: needs exactly 'solve', 'to', 'vary'")
        vary = tuple(str(v) for v in raw["vary"])
        try:
            goalseek.check_keys(str(raw["solve"]), vary)
        except ChikudenError as exc:
            raise UncertaintyDeclarationError(f"{at}: {exc}") from exc
        to = raw["to"]
        if isinstance(to, str):
            if to not in outputs() and to not in declarations():
                raise UncertaintyDeclarationError(f"{at}.to: {to!r} is no indicator or parameter")
        elif not isinstance(to, int | float) or not math.isfinite(to):
            raise UncertaintyDeclarationError(f"{at}.to: {to!r} is not a finite number or a key")
        takes[qid] = Take(qid, str(raw["solve"]), to if isinstance(to, str) else float(to), vary)
    return Settings(
        int(doc["samples"]), int(doc["seed"]), str(sens["method"]), int(sens["samples"]), takes
    )


@cache
def settings() -> Settings:
    """The bundled settings (read and checked once)."""
    from chikuden.data import read_yaml

    return parse(read_yaml("uncertainty.yaml").get("report"))


def mc_outputs() -> list[str]:
    """What the Monte Carlo summarises: ``chikuden mc``'s main indicators and series, and every
    indicator the answers read (so every question has its probability)."""
    from chikuden import answers
    from chikuden.uncertainty.montecarlo import DEFAULT_OUTPUTS

    return list(dict.fromkeys([*DEFAULT_OUTPUTS, *answers.outputs_needed()]))


# -- the analyses -------------------------------------------------------------------------------
def analyse(
    scenario: Scenario,
    results: Results,
    samples: int | None = None,
    seed: int | None = None,
    client: Any = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The four analyses of ``scenario`` as plain JSON (``results``: its own run, for the
    verdicts and the targets of what it takes). ``samples``/``seed`` default to the settings;
    ``client`` (a ``dask.distributed.Client``) runs the Monte Carlo's chunks and the
    sensitivity design's runs on a cluster (same results); each what-it-takes is one bracketing
    solve of the scenario itself, which has nothing to spread."""
    from chikuden import answers
    from chikuden.uncertainty import montecarlo
    from chikuden.uncertainty import sensitivity as sa
    from chikuden.uncertainty.sampling import check_samples

    conf = settings()
    n = conf.samples if samples is None else samples
    k = conf.seed if seed is None else seed
    check_samples("mc", n)
    if k < 0:
        raise ChikudenError(f"--seed {k}: give a whole number of 0 or more")
    mc = montecarlo.run(
        scenario,
        n,
        seed=k,
        outputs=mc_outputs(),
        targets=montecarlo.answer_targets(),
        chunk=CHUNK,
        progress=progress,
        client=client,
    )
    sens = sa.run(
        scenario,
        conf.sensitivity_method,
        samples=conf.sensitivity_samples,
        seed=k,
        client=client,
    ).to_json()
    verdicts = {a.id: a.status for a in answers.answers(results)}
    takes = {
        qid: _take(scenario, results, take)
        for qid, take in conf.takes.items()
        if verdicts[qid] != "met"
    }
    return {
        "scenario": scenario.name,
        "samples": n,
        "seed": k,
        "settings": FILE + ": report",
        "montecarlo": mc.to_json(),
        "sensitivity": sens,
        "what_it_takes": takes,
        "undeclared": [q for q, s in verdicts.items() if s != "met" and q not in conf.takes],
        "optimize": _optimize(scenario),
    }


def _take(scenario: Scenario, results: Results, take: Take) -> dict[str, Any]:
    from chikuden import answers
    from chikuden.uncertainty import goalseek

    value = take.to if isinstance(take.to, float) else answers.read(results, take.to)
    if not math.isfinite(value):
        return {"to": take.to, "value": None, "vary": list(take.vary), "undefined": True}
    sol = goalseek.solve(scenario, take.solve, value, take.vary)
    return {"to": take.to, **goalseek.to_json(sol, scenario.name)}


def _optimize(scenario: Scenario) -> dict[str, Any]:
    from chikuden.optimize import portfolio

    problem = portfolio.build(scenario, OPTIMIZE_OBJECTIVE)
    try:
        solution = portfolio.solve(problem)
    except portfolio.InfeasibleError as exc:  # an answer, said in the report
        return {"infeasible": str(exc)}
    return portfolio.to_json(solution, portfolio.relax(problem), [], [])


def probabilities(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Question id to its Monte Carlo entry (probability, met, defined, standard error)."""
    return {t["question"]: t for t in doc["montecarlo"]["targets"].values() if "question" in t}


# -- the view -----------------------------------------------------------------------------------
@dataclass
class TargetRow:
    anchor: str
    question: str
    status: str  # the scenario's own verdict, css class and word
    css: str
    word: str
    probability: str
    error: str
    count: str


@dataclass
class TakeRow:
    question: str
    anchor: str
    indicator: str
    target: str
    now: str
    answer: str
    found: bool


@dataclass
class PortfolioRow:
    label: str
    stage: str
    units: str
    gwh: str
    subsidy: str


@dataclass
class UncertaintyView:
    scenario: str
    intro: str
    targets: list[TargetRow]
    fans: list[ChartView]
    sensitivity_intro: str
    tornados: list[ChartView]
    sensitivity_notes: list[str]
    takes: list[TakeRow]
    undeclared: list[str]
    optimize_intro: str
    portfolio: list[PortfolioRow]
    infeasible: str = ""
    held: str = ""  # the sampled parameters whose value the scenario sets


def _error(entry: dict[str, Any], lang: str) -> str:
    """The standard error of a probability; where no sample or every sample meets the target
    (a standard error of 0 says nothing), the 95% bound of the rule of three instead: with 0
    of n, p < 3 / n (Hanley and Lippman-Hand 1983; -ln 0.05 = 3.0)."""
    _ = translator(lang).gettext
    met, n = entry["met"], entry["defined"]
    if not n:
        return "–"
    if met == 0:
        return _("below {bound} (95%)").format(bound=format_share(3 / n, lang))
    if met == n:
        return _("above {bound} (95%)").format(bound=format_share(1 - 3 / n, lang))
    return _("± {se}").format(se=format_share(entry["standard_error"], lang))


def probability_text(entry: dict[str, Any], lang: str) -> str:
    """The probability of one target as the answers box shows it ("62%")."""
    return format_share(entry["probability"], lang)


def _chart(cid: str, fig: dict[str, Any], lang: str) -> ChartView:
    title = str(fig["layout"]["title"]["text"])
    return ChartView(
        cid,
        title,
        to_script_json(fig),
        [],
        summary=chart_summary(fig, lang),
        data=figure_table(fig, lang),
        height=int(fig["layout"].get("height", 0)),
    )


def _in_words(fig: dict[str, Any], lang: str) -> dict[str, Any]:
    """The tornado's bars named in words (each parameter's description, cut as the report's
    labels are); the parameter's key in the tooltip, as everywhere in the report."""
    from chikuden.formatting import short_label

    for trace in fig["data"]:
        keys = list(trace["y"])
        trace["y"] = [short_label(_param_label(k, lang)) for k in keys]
        trace["customdata"] = keys
        trace["hovertemplate"] = "%{y} (%{customdata}): %{x}<extra>%{fullData.name}</extra>"
    return fig


def _param_label(key: str, lang: str) -> str:
    from chikuden.parameters.declarations import declarations

    d = declarations()[key]
    return pick(lang, d.description_en, d.description_ja) or key


def view(
    doc: dict[str, Any], results: Results, answers_views: list[AnswerView], lang: str, i: int = 0
) -> UncertaintyView:
    """What the template shows of :func:`analyse`'s ``doc`` for scenario ``i`` of ``results``;
    also writes each probability into that scenario's verdict of every answer."""
    from chikuden import answers
    from chikuden.formatting import display_unit, format_money, format_number
    from chikuden.indicators import outputs
    from chikuden.optimize.portfolio import OBJECTIVE_UNITS
    from chikuden.uncertainty import montecarlo
    from chikuden.uncertainty import sensitivity as sa

    _ = translator(lang).gettext
    mc = doc["montecarlo"]
    probs = probabilities(doc)
    rows: list[TargetRow] = []
    for a in answers_views:
        entry = probs.get(a.id)
        if entry is None:
            continue
        v = a.verdicts[i]
        v.probability = probability_text(entry, lang)
        rows.append(
            TargetRow(
                anchor=a.anchor,
                question=a.question,
                status=v.status,
                css=v.css,
                word=v.word,
                probability=v.probability,
                error=_error(entry, lang),
                count=_("{met} of {defined}").format(
                    met=f"{entry['met']:,}", defined=f"{entry['defined']:,}"
                ),
            )
        )
    intro = _(
        "{samples} samples of the {n} uncertain parameters of data/uncertainty.yaml (Monte "
        "Carlo, seed {seed}). The probability of a question is the share of the samples whose "
        "verdict is met, with its standard error; the fan charts' quantiles are within {error} "
        "(relative) of the samples' own."
    ).format(
        samples=f"{mc['samples']:,}",
        n=len(mc["parameters"]),
        seed=mc["seed"],
        error=format_share(mc["quantile_relative_error"], lang),
    )
    replaced = mc["sampled_though_the_scenario_sets_them"]
    held = (
        _(
            "Sampled although the scenario sets them: {names} (a scenario holds one at its value "
            "with {{kind: fixed}} under uncertainty:)."
        ).format(names=", ".join(replaced))
        if replaced
        else ""
    )
    ids = "unc" if results.n == 1 else f"unc-{i}"  # chart ids unique in a comparison
    fans = [
        _chart(f"{ids}-fan-{j}", montecarlo.fan(s, lang), lang)
        for j, s in enumerate(mc["series"].values())
    ]
    sens = doc["sensitivity"]
    sensitivity_intro = _(
        "{method} (SALib), N = {samples}: {runs} model runs, seed {seed}; the parameters are "
        "ranked by {rank}, the most influential on top, with {confidence} confidence intervals."
    ).format(
        method=sens["method"],
        samples=f"{sens['samples']:,}",
        runs=f"{sens['runs']:,}",
        seed=sens["seed"],
        rank=sens["ranked_by"],
        confidence=format_share(sens["confidence"], lang),
    )
    tornados = [
        _chart(f"{ids}-tornado-{j}", _in_words(sa.tornado(sens, key, lang), lang), lang)
        for j, (key, entry) in enumerate(sens["indicators"].items())
        if "note" not in entry
    ]
    sensitivity_notes = [
        _("No ranking for {indicator}: the indicator is {why}.").format(
            indicator=pick(lang, str(entry["label"]), str(entry["label_ja"])), why=entry["note"]
        )
        for entry in sens["indicators"].values()
        if "note" in entry
    ]
    decl = outputs()
    by_id = {a.id: a for a in answers_views}
    takes: list[TakeRow] = []
    for qid, t in doc["what_it_takes"].items():
        key = t["target"]["key"] if "target" in t else ""
        a = by_id[qid]
        if t.get("undefined"):
            takes.append(
                TakeRow(a.question, a.anchor, "", "", "", _("the target is not defined"), False)
            )
            continue
        label = decl[key].label(lang)
        target = answers.format_key(results, key, t["target"]["value"], lang)
        now = answers.format_key(results, key, _nan(t["now"]), lang)
        if t["found"]:
            answer = "; ".join(
                _("{parameter} at {value} (now {now})").format(
                    parameter=_param_label(p, lang),
                    value=answers.format_key(results, p, _nan(v), lang),
                    now=answers.format_key(results, p, _nan(t["current"][p]), lang),
                )
                for p, v in t["required"].items()
            )
        else:
            closest = t["closest"]
            answer = (
                _("no value in range reaches it (closest: {value})").format(
                    value=answers.format_key(results, key, _nan(closest["indicator"]), lang)
                )
                + "; "
                + "; ".join(
                    _("{parameter} from {low} to {high}").format(
                        parameter=_param_label(p, lang),
                        low=answers.format_key(results, p, _declared(p, "min"), lang),
                        high=answers.format_key(results, p, _declared(p, "max"), lang),
                    )
                    for p in t["vary"]
                )
            )
        takes.append(TakeRow(a.question, a.anchor, label, target, now, answer, bool(t["found"])))
    undeclared = [by_id[q].question for q in doc["undeclared"]]
    opt = doc["optimize"]
    portfolio: list[PortfolioRow] = []
    infeasible = ""
    optimize_intro = ""
    if "infeasible" in opt:
        infeasible = str(opt["infeasible"])
    else:
        unit = display_unit(OBJECTIVE_UNITS[opt["objective"]], lang)
        optimize_intro = _(
            "The fund of {fund} allocated to buy the most domestic cell capacity by {year} "
            "(a mixed-integer programme, HiGHS): {value} {unit}, {used} of subsidy. One more "
            "billion yen in the fund is worth {dual} {unit} (shadow price of the budget, LP "
            "relaxation)."
        ).format(
            fund=format_money(opt["fund_jpy"], "JPY", lang),
            year=opt["target_year"],
            value=format_number(opt["value"], lang),
            unit=unit,
            used=format_money(opt["totals"]["subsidy_jpy"], "JPY", lang),
            dual=format_number(opt["relaxation"]["value_per_jpy_of_fund"] * 1e9, lang),
        )
        stages = {"cells": _("cells"), "materials": _("materials"), "minerals": _("minerals")}
        portfolio = [
            PortfolioRow(
                label=pick(lang, c["label"], c["label_ja"]) or c["id"],
                stage=stages.get(c["stage"], c["stage"]),
                units=f"{c['units']:,}" + (" *" if c["committed"] else ""),
                gwh=format_number(c["gwh"], lang),
                subsidy=format_money(c["subsidy_jpy"], "JPY", lang),
            )
            for c in opt["portfolio"]
        ]
    return UncertaintyView(
        scenario=doc["scenario"],
        intro=intro,
        targets=rows,
        fans=fans,
        sensitivity_intro=sensitivity_intro,
        tornados=tornados,
        sensitivity_notes=sensitivity_notes,
        takes=takes,
        undeclared=undeclared,
        optimize_intro=optimize_intro,
        portfolio=portfolio,
        infeasible=infeasible,
        held=held,
    )


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _declared(name: str, bound: str) -> float:
    from chikuden.parameters.declarations import declarations

    return float(getattr(declarations()[name], bound))


__all__ = ["Settings", "Take", "UncertaintyView", "analyse", "parse", "settings", "view"]
