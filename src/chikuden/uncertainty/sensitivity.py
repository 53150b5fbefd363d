"""``chikuden sensitivity``: which uncertain parameters drive an indicator (SALib).

The parameters and their distributions are those of ``chikuden mc`` (:mod:`distributions`:
``data/uncertainty.yaml`` and the scenario's ``uncertainty:`` key). SALib designs on the unit
hypercube; each column goes through its parameter's quantile function
(:meth:`Distribution.ppf`), so the indices are those of the declared distributions. The runs are
evaluated in chunks like :mod:`montecarlo` (``Params.from_samples`` and
``evaluate(..., outputs=...)``: only the steps behind the asked indicators run).

Methods (``N`` is ``--samples``, ``d`` the number of uncertain parameters):

- ``sobol``: Saltelli's design of ``N (d + 2)`` runs (scrambled Sobol points, ``N`` a power of
  two), first-order and total indices ``S1`` and ``ST`` with bootstrap 95% confidence
  (Saltelli et al. 2010; Jansen's estimator of ``ST``). ``S1_i`` is the share of the output's
  variance that ``x_i`` explains alone, ``ST_i`` its share with every interaction. With
  ``second_order`` (SALib's default design, ``N (2d + 2)`` runs) also ``S2_ij``, the share of
  the pair ``x_i, x_j`` together beyond their own (Saltelli 2002), as ``pairs`` ranked by it.
- ``morris``: ``N`` trajectories of ``d + 1`` runs on a grid of 4 levels (steps of 2/3 of the
  probability range), the mean absolute elementary effect ``mu*`` (with bootstrap confidence)
  and their standard deviation ``sigma`` (non-linearity or interactions). A screening: its
  unit is the output's per unit of probability.
- ``delta``: Borgonovo's moment-independent ``delta`` and a first-order ``S1`` from ``N``
  Latin-hypercube runs (Plischke et al. 2013). This design keeps the rank correlations of the
  spec (the Gaussian copula of :mod:`sampling`); ``sobol`` and ``morris`` assume independent
  parameters and sample them so (the report says so when the spec correlates some).

Ranking: by ``ST`` (sobol), ``mu*`` (morris) or ``delta``. An indicator that is undefined (NaN)
in some run, or the same in every run, gets no indices, with the reason.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import ParameterError
from chikuden.parameters.scenario import Scenario
from chikuden.uncertainty.distributions import Spec, scenario_spec

METHODS = ("sobol", "morris", "delta")
DEFAULT_SAMPLES = {"sobol": 1024, "morris": 20, "delta": 1024}
"""Default N: SALib's delta takes about 0.3 s a parameter for 1,024 runs (three bootstrapped
estimates of which one is kept), so a larger N is asked for explicitly."""
MIN_SAMPLES = {"sobol": 32, "morris": 10, "delta": 100}
"""Fewest ``N`` per method: sobol, the smallest power of two at or above the 20 samples an
estimate needs in :mod:`sampling` (32); morris, 10 trajectories, the low end of the 10 to 20 of
Saltelli et al. (2008, Global Sensitivity Analysis: The Primer, ch. 3); delta, 100 runs, so that
SALib's equal-frequency partition of the output has classes of at least 25 runs
(``ceil(100^(2/8)) = 4`` classes)."""
MAX_RUNS = 1_000_000
"""Most model runs of one analysis: the design is kept whole (8 d bytes a run: 136 MB for 17
parameters) for SALib to analyse."""
LEVELS = 4
"""Morris grid levels: steps of ``LEVELS / (2 (LEVELS - 1)) = 2/3``."""
RESAMPLES = 100
"""Bootstrap resamples of the confidence intervals."""
CONFIDENCE = 0.95
CHUNK = 10_000
RANK_BY = {"sobol": "ST", "morris": "mu_star", "delta": "delta"}
INDICES = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
    "delta": ("delta", "delta_conf", "S1", "S1_conf"),
}
DEFAULT_OUTPUTS = (
    "capacity.domestic_2030",
    "capacity.japan_global_2030",
    "finance.capital_need_total",
    "workforce.people_needed_2030",
)
"""What ``chikuden sensitivity`` analyses without ``--outputs``."""

Evaluate = Callable[[dict[str, NDArray[np.float64]]], Mapping[str, NDArray[np.float64]]]
"""Parameter values (name to an array of runs) to indicator values (key to an array)."""


def runs(method: str, n: int, d: int, second_order: bool = False) -> int:
    """Model runs of ``method`` with ``N = n`` over ``d`` parameters (``second_order``: sobol's
    design for the pairs' indices too)."""
    if method == "sobol":
        return n * (2 * d + 2) if second_order else n * (d + 2)
    return n * (d + 1) if method == "morris" else n


def check_samples(method: str, n: int, d: int | None = None, second_order: bool = False) -> None:
    """Refuse a method or an ``N`` the method cannot use, naming the minimum (and, given
    ``d``, the most runs)."""
    if method not in METHODS:
        raise ParameterError(f"--method {method!r}: give one of {', '.join(METHODS)}")
    low = MIN_SAMPLES[method]
    if n < low:
        what = {"sobol": "base samples", "morris": "trajectories", "delta": "samples"}[method]
        raise ParameterError(
            f"--samples {n}: {method} needs at least {low} {what}; give --samples {low} or more"
        )
    if method == "sobol" and n & (n - 1):
        up = 1 << (n - 1).bit_length()
        raise ParameterError(
            f"--samples {n}: sobol needs a power of two to keep its balance; give --samples {up}"
        )
    if second_order and method != "sobol":
        raise ParameterError(f"--second-order: only sobol has second-order indices, not {method}")
    if d is not None and runs(method, n, d, second_order) > MAX_RUNS:
        raise ParameterError(
            f"--samples {n:,}: {method} over {d} parameters would take "
            f"{runs(method, n, d, second_order):,} model runs; at most {MAX_RUNS:,}"
        )


@dataclass
class Sensitivity:
    """The indices of one analysis (:func:`analyse`)."""

    method: str
    samples: int
    runs: int
    seed: int
    names: list[str]
    indicators: list[str]
    indices: dict[str, dict[str, list[float | None]]]
    """Indicator to index name (:data:`INDICES`) to one value per parameter (None: none)."""
    notes: dict[str, str] = field(default_factory=dict)
    """Indicator to why it has no indices."""
    correlated: bool = False
    """The spec correlates some parameters, and the design (sobol, morris) ignores that."""
    scenario: str = ""
    second_order: bool = False
    """Sobol's design for the pairs' indices (:attr:`pairs`) too."""
    pairs: dict[str, list[tuple[int, int, float | None, float | None]]] = field(
        default_factory=dict
    )
    """Sobol with ``second_order``: indicator to every pair ``(i, j, S2, S2_conf)``, ``i < j``
    positions in :attr:`names`, the largest ``S2`` first (None: none)."""

    def ranked(self, key: str) -> list[int]:
        """Parameter positions from the most to the least influential on indicator ``key``."""
        values = self.indices[key].get(RANK_BY[self.method], [])
        if not values:
            return list(range(len(self.names)))
        score = [-math.inf if v is None else v for v in values]
        return sorted(range(len(self.names)), key=lambda j: (-score[j], self.names[j]))

    def to_json(self) -> dict[str, Any]:
        """The analysis as plain JSON (parameters ranked per indicator)."""
        from chikuden.indicators import outputs

        decl = outputs()
        out: dict[str, Any] = {}
        for key in self.indicators:
            entry: dict[str, Any] = {
                "label": decl[key].label_en if key in decl else key,
                "label_ja": decl[key].label_ja if key in decl else key,
                "unit": decl[key].unit if key in decl else "",
            }
            if key in self.notes:
                entry["note"] = self.notes[key]
            entry["parameters"] = [
                {"name": self.names[j], **{k: v[j] for k, v in self.indices[key].items()}}
                for j in self.ranked(key)
            ]
            if key in self.pairs:
                entry["pairs"] = [
                    {"parameters": [self.names[i], self.names[j]], "S2": v, "S2_conf": c}
                    for i, j, v, c in self.pairs[key]
                ]
            out[key] = entry
        return {
            "scenario": self.scenario,
            "method": self.method,
            "samples": self.samples,
            "runs": self.runs,
            "second_order": self.second_order,
            "seed": self.seed,
            "ranked_by": RANK_BY[self.method],
            "confidence": CONFIDENCE,
            "correlations_ignored": self.correlated,
            "indicators": out,
        }


def _clip(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Unit values inside the quantile functions' domain (Morris levels reach 0 and 1; every
    distribution here has a bounded support, so its ppf is finite there)."""
    out: NDArray[np.float64] = np.clip(u, 0.0, 1.0)
    return out


def _problem(d: int) -> dict[str, Any]:
    # plain names: SALib's delta refuses names ending in _conf and the like
    return {"num_vars": d, "names": [f"x{j}" for j in range(d)], "bounds": [[0.0, 1.0]] * d}


def design(
    spec: Spec, method: str, n: int, seed: int, second_order: bool = False
) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    """The design: SALib's rows (unit values for sobol and morris, parameter values for delta)
    and the parameter values of every run."""
    check_samples(method, n, len(spec.names), second_order)
    d = len(spec.names)
    if method == "delta":
        from chikuden.uncertainty.sampling import Sampler

        values = Sampler(spec, n, seed, "lhs").sample(0, n)
        return np.stack([values[k] for k in spec.names], axis=1), values
    if method == "sobol":
        from SALib.sample import sobol as sobol_sample

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unit = sobol_sample.sample(_problem(d), n, calc_second_order=second_order, seed=seed)
    else:
        from SALib.sample import morris as morris_sample

        unit = morris_sample.sample(_problem(d), n, num_levels=LEVELS, seed=seed)
    unit = np.asarray(unit, dtype=np.float64)
    values = {
        name: dist.ppf(_clip(unit[:, j]))
        for j, (name, dist) in enumerate(spec.distributions.items())
    }
    return unit, values


def _indices(
    method: str,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    seed: int,
    second_order: bool = False,
) -> dict[str, NDArray[np.float64]]:
    """SALib's analysis of one output ``y`` over the design rows ``x`` (with ``second_order``,
    sobol's ``S2`` and ``S2_conf`` too: ``d x d``, NaN below the diagonal)."""
    problem = _problem(x.shape[1])
    if method == "sobol":
        from SALib.analyze import sobol

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sobol.analyze(
                problem,
                y,
                calc_second_order=second_order,
                num_resamples=RESAMPLES,
                conf_level=CONFIDENCE,
                seed=seed,
            )
    elif method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(
            problem,
            x,
            y,
            num_resamples=RESAMPLES,
            conf_level=CONFIDENCE,
            num_levels=LEVELS,
            seed=seed,
        )
    else:
        from SALib.analyze import delta

        # SALib's delta seeds numpy's global generator (and only when the seed is not 0) and
        # sets the warnings filter to show its notices: the generator is put back, the notices
        # are recorded and dropped (record=True catches them whatever the filter says)
        state = np.random.get_state()
        try:
            with warnings.catch_warnings(record=True):
                res = delta.analyze(
                    problem,
                    x,
                    y,
                    num_resamples=RESAMPLES,
                    conf_level=CONFIDENCE,
                    seed=seed + 1,
                )
        finally:
            np.random.set_state(state)
        res = dict(res)
        if "delta" not in res:  # SALib 1.6 names the classic estimate delta_raw
            res["delta"], res["delta_conf"] = res["delta_raw"], res["delta_raw_conf"]
    names = INDICES[method] + (("S2", "S2_conf") if second_order else ())
    return {k: np.asarray(res[k], dtype=np.float64) for k in names}


def _pairs(
    s2: NDArray[np.float64], conf: NDArray[np.float64]
) -> list[tuple[int, int, float | None, float | None]]:
    """Every pair ``i < j`` with its ``S2`` and confidence, the largest first."""

    def num(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    d = s2.shape[0]
    out = [(i, j, num(s2[i, j]), num(conf[i, j])) for i in range(d) for j in range(i + 1, d)]
    return sorted(out, key=lambda p: (-math.inf if p[2] is None else -p[2], p[0], p[1]))


@dataclass(frozen=True)
class _Model:
    """The asked indicators of ``scenario`` for a chunk of runs (an :data:`Evaluate` that
    pickles, for a cluster's workers)."""

    scenario: Scenario
    keys: list[str]

    def __call__(self, values: dict[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
        from chikuden.parameters.params import Params
        from chikuden.results import evaluate

        res = evaluate(Params.from_samples(self.scenario, values), outputs=self.keys)
        return {k: np.asarray(res.indicators[k], dtype=np.float64) for k in self.keys}


@dataclass(frozen=True)
class _Runs:
    """What every chunk of an analysis shares (sent once to each worker of a cluster): the
    model, the parameter values of every run of the design, the asked outputs."""

    evaluate: Evaluate
    values: dict[str, NDArray[np.float64]]
    outputs: list[str]


def _evaluate_runs(job: _Runs, start: int, stop: int) -> dict[str, NDArray[np.float64]]:
    """The outputs of runs ``start .. stop-1`` (the same on a worker as in the local loop)."""
    got = job.evaluate({k: v[start:stop] for k, v in job.values.items()})
    return {k: np.asarray(got[k], dtype=np.float64) for k in job.outputs}


def analyse(
    spec: Spec,
    method: str,
    n: int,
    evaluate: Evaluate,
    outputs: Sequence[str],
    seed: int = 0,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
    client: Any = None,
    second_order: bool = False,
) -> Sensitivity:
    """Indices of ``outputs`` of ``evaluate`` over ``spec``'s distributions.

    evaluate : called on chunks of at most ``chunk`` runs; returns each output key's values.
    progress : called with the number of runs done after each chunk.
    client : a ``dask.distributed.Client``: the chunks (at most ``chunk`` runs, fewer to give
        each worker several: :func:`distributed.chunk_for`) are evaluated on its workers
        (``evaluate`` must then pickle: a module-level function or an instance of a
        module-level class) and written into place, so the indices are those of the run
        without it.
    second_order : sobol only: SALib's design of ``N (2d + 2)`` runs and the pairs' ``S2``.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"--seed {seed!r}: give a whole number of 0 or more")
    if not spec.distributions:
        raise ParameterError("no parameter has a distribution; add some under uncertainty")
    x, values = design(spec, method, n, seed, second_order)
    total = len(x)
    ys = {k: np.empty(total) for k in outputs}
    job = _Runs(evaluate, values, list(outputs))
    if client is not None:
        from chikuden.uncertainty import distributed

        chunk = distributed.chunk_for(client, total, chunk)
    ranges = [(a, min(total, a + chunk)) for a in range(0, total, chunk)]
    if client is not None:
        parts: Iterator[dict[str, NDArray[np.float64]]] = distributed.map_chunks(
            client, _evaluate_runs, job, ranges
        )
    else:
        parts = (_evaluate_runs(job, a, b) for a, b in ranges)
    for (start, stop), got in zip(ranges, parts, strict=True):
        for k in outputs:
            ys[k][start:stop] = got[k]
        if progress is not None:
            progress(stop - start)
    indices: dict[str, dict[str, list[float | None]]] = {}
    pairs: dict[str, list[tuple[int, int, float | None, float | None]]] = {}
    notes: dict[str, str] = {}
    for k in outputs:
        y = ys[k]
        bad = int(np.count_nonzero(~np.isfinite(y)))
        if bad or np.ptp(y) == 0:
            notes[k] = f"undefined in {bad:,} of {total:,} runs" if bad else "the same in every run"
            indices[k] = {name: [None] * len(spec.names) for name in INDICES[method]}
            continue
        got = _indices(method, x, y, seed, second_order)
        if second_order:
            pairs[k] = _pairs(got.pop("S2"), got.pop("S2_conf"))
        indices[k] = {
            name: [float(v) if math.isfinite(v) else None for v in arr] for name, arr in got.items()
        }
    return Sensitivity(
        method=method,
        samples=n,
        runs=total,
        seed=seed,
        names=spec.names,
        indicators=list(outputs),
        indices=indices,
        notes=notes,
        correlated=bool(spec.correlations) and method != "delta",
        second_order=second_order,
        pairs=pairs,
    )


def run(
    scenario: Scenario,
    method: str = "sobol",
    outputs: Sequence[str] | None = None,
    samples: int | None = None,
    seed: int = 0,
    chunk: int = CHUNK,
    spec: Spec | None = None,
    progress: Callable[[int], None] | None = None,
    client: Any = None,
    second_order: bool = False,
) -> Sensitivity:
    """Sensitivity of the asked indicators of ``scenario`` to its uncertain parameters.

    outputs : indicator keys or patterns (default :data:`DEFAULT_OUTPUTS`); series and per-row
        outputs are refused (name a single-number indicator). samples : ``N`` (default
        :data:`DEFAULT_SAMPLES` of the method).
    """
    from chikuden.indicators import outputs as declared
    from chikuden.results import output_keys

    if method not in METHODS:
        raise ParameterError(f"--method {method!r}: give one of {', '.join(METHODS)}")
    n = DEFAULT_SAMPLES[method] if samples is None else samples
    if spec is None:
        spec = scenario_spec(scenario.uncertainty, scenario.origin or f"scenario {scenario.name}")
    matched = output_keys(list(outputs or DEFAULT_OUTPUTS))
    decl = declared()
    others = [k for k in matched if decl[k].kind != "indicator"]
    keys = [k for k in matched if decl[k].kind == "indicator"]
    if not keys:
        raise ParameterError(
            f"--outputs {', '.join(outputs or [])}: matches no indicator ({others[0]} is a "
            f"{decl[others[0]].kind}); give indicators, single numbers (docs/indicators.md)"
        )

    model = _Model(scenario, keys)
    result = analyse(
        spec,
        method,
        n,
        model,
        keys,
        seed=seed,
        chunk=chunk,
        progress=progress,
        client=client,
        second_order=second_order,
    )
    result.scenario = scenario.name
    return result


# -- the report --------------------------------------------------------------------------------
def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:,.3g}" if abs(x) >= 1e4 else f"{x:.3f}"


def table_rows(doc: dict[str, Any], key: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the ranked table of indicator ``key`` of a :meth:`to_json` doc."""
    method = doc["method"]
    cols = INDICES[method]
    headers = ["#", "parameter", *cols]
    rows = [
        [str(i + 1), p["name"], *(_fmt(p[c]) for c in cols)]
        for i, p in enumerate(doc["indicators"][key]["parameters"])
    ]
    return headers, rows


def tornado(doc: dict[str, Any], key: str, lang: str = "en") -> dict[str, Any]:
    """A plotly figure: the parameters as horizontal bars, the most influential on top, the
    ranking index with its confidence interval (and S1 beside ST for sobol)."""
    from chikuden.i18n import pick

    method = doc["method"]
    entry = doc["indicators"][key]
    params = list(reversed(entry["parameters"]))  # plotly draws the first bar at the bottom
    names = [p["name"] for p in params]
    main = RANK_BY[method]
    pairs = {
        "sobol": [("ST", "ST_conf"), ("S1", "S1_conf")],
        "morris": [("mu_star", "mu_star_conf")],
    }
    bars = pairs.get(method, [("delta", "delta_conf"), ("S1", "S1_conf")])
    data = []
    for name, conf in bars:
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": names,
                "x": [p[name] for p in params],
                "error_x": {"type": "data", "array": [p[conf] for p in params]},
                "opacity": 1.0 if name == main else 0.6,
            }
        )
    title = pick(lang, str(entry["label"]), str(entry["label_ja"]))
    layout = {
        "title": {"text": title},
        "barmode": "group",
        "height": 140 + 28 * len(names),
        "margin": {"l": 320},
        "xaxis": {"title": {"text": main}},
    }
    return {"data": data, "layout": layout}


def report_html(doc: dict[str, Any], lang: str = "en") -> str:
    """A page: per indicator, the ranked table and its tornado chart."""
    from html import escape

    from chikuden.charting import page_scripts, to_script_json
    from chikuden.i18n import pick, translator

    _ = translator(lang).gettext
    title = _("Sensitivity: {scenario}").format(scenario=doc["scenario"])
    intro = _(
        "{method}: N = {samples}, {runs} model runs, seed {seed}; parameters ranked by "
        "{rank} ({confidence} confidence intervals by bootstrap)."
    ).format(
        method=doc["method"],
        samples=f"{doc['samples']:,}",
        runs=f"{doc['runs']:,}",
        seed=doc["seed"],
        rank=doc["ranked_by"],
        confidence=f"{doc['confidence']:.0%}",
    )
    parts = [f"<h1>{escape(title)}</h1><p>{escape(intro)}</p>"]
    if doc["correlations_ignored"]:
        parts.append(
            "<p>"
            + escape(
                _(
                    "This method samples the parameters independently: the rank correlations "
                    "of the distributions are not applied (the delta method applies them)."
                )
            )
            + "</p>"
        )
    for i, (key, entry) in enumerate(doc["indicators"].items()):
        label = pick(lang, str(entry["label"]), str(entry["label_ja"]))
        parts.append(
            f"<h2>{escape(label)} <small>{escape(key)} [{escape(entry['unit'])}]</small></h2>"
        )
        if "note" in entry:
            parts.append(
                "<p>"
                + escape(_("No indices: the indicator is {why}.").format(why=entry["note"]))
                + "</p>"
            )
            continue
        headers, rows = table_rows(doc, key)
        head = "".join(
            f"<th>{escape(h)}</th>" for h in [*headers[:1], _("parameter"), *headers[2:]]
        )
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        parts.append(f"<table><tr>{head}</tr>{body}</table>")
        parts.append(
            f'<div id="tornado-{i}"></div><script type="application/json" class="fig-data" '
            f'data-target="tornado-{i}">{to_script_json(tornado(doc, key, lang))}</script>'
        )
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>{''.join(parts)}{page_scripts()}"
        "</body></html>"
    )


__all__ = [
    "DEFAULT_OUTPUTS",
    "DEFAULT_SAMPLES",
    "METHODS",
    "MIN_SAMPLES",
    "Sensitivity",
    "analyse",
    "check_samples",
    "report_html",
    "run",
]
