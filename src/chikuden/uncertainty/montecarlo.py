"""``chikuden mc``: sample the uncertain parameters, evaluate the model in chunks, keep streaming
statistics, and write a small report (and, on request, every sample and result to Parquet).

Each chunk of samples becomes one batch (:meth:`Params.from_samples`: the scenario with the
sampled scalars along the leading scenario axis) evaluated with ``outputs=`` so that only the
steps behind the asked outputs run. Memory is that of one chunk plus the sketches (about 100 kB
per indicator and per year of each series, :mod:`chikuden.uncertainty.statistics`), whatever
the number of samples; the Latin hypercube keeps its permutations too (``4 n d`` bytes).

A parameter with a distribution is sampled even where the scenario sets its value (the report
lists those); the scenario holds it at its value with ``{kind: fixed}`` under ``uncertainty:``.

Targets: by default the questions of ``data/answers.yaml`` (:func:`answer_targets`), each met in
a sample when its verdict there is "met" (:func:`chikuden.answers.question_statuses`, the rule
every face uses), for the questions whose indicators the run evaluates. A caller can hand its
own :class:`Target` list to :func:`run` (``targets=``), such as :data:`TARGETS`: a name, the
output, the comparison and the output (or number) it is compared with.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import ParameterError
from chikuden.parameters.scenario import Scenario
from chikuden.uncertainty.distributions import Spec, scenario_spec
from chikuden.uncertainty.sampling import Sampler
from chikuden.uncertainty.statistics import ALPHA, Sketch, Summary, TargetCount, summary

DEFAULT_OUTPUTS = (
    "capacity.domestic_2030",
    "capacity.japan_global_2030",
    "market.global_demand_2030",
    "finance.capital_need_total",
    "finance.fund_coverage",
    "workforce.people_needed_2030",
    "capacity.domestic_gwh",
    "capacity.japan_global_gwh",
)
"""What ``chikuden mc`` reports without ``--outputs``: the main indicators and the two capacity
series drawn as fan charts."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
CHUNK = 4_096
"""Samples evaluated per batch unless asked otherwise (``chikuden mc --chunk``). Measured on
7 Dec 2026 (40,960 samples, every indicator, CPU time): chunks of 1,024 to 8,192 samples cost
within 7% of each other once freed memory is kept (:func:`keep_freed_memory`; before it,
chunks of 2,048 were twice as fast per sample as chunks of 10,000); 4,096 keeps the fixed cost
of a chunk (planning, statistics) under 5% at about 390 MB for the whole process."""
MAX_CHUNK = 100_000
"""Largest chunk: one chunk of the full model takes about 6 kB a sample (58 MB for 10,000)."""


@dataclass(frozen=True)
class Target:
    """``output`` compared with ``against`` (an output key or a number): met when true."""

    name: str
    output: str
    against: str | float
    at_least: bool = True
    name_ja: str = ""
    question: str = ""
    """An id of ``data/answers.yaml``: met when the question's verdict is "met" (every check);
    ``output`` and ``against`` are then its first check's (:func:`answer_targets`)."""

    def reads(self) -> tuple[set[str], set[str]]:
        """The outputs that must be among the run's indicators, and the others it reads."""
        if not self.question:
            against = {self.against} if isinstance(self.against, str) else set()
            return {self.output}, against
        from chikuden.answers import question
        from chikuden.indicators import outputs

        decl = outputs()
        checks = question(self.question).checks
        values = {k for c in checks for k in c.values}
        return values, {c.target for c in checks if c.target in decl}


TARGETS: list[Target] = [
    Target(
        "domestic capacity 150 GWh by 2030 (P1)",
        "capacity.domestic_2030",
        "targets.domestic_capacity_2030",
        name_ja="2030年までに国内生産能力150GWh（P1）",
    ),
    Target(
        "Japanese firms' global capacity 600 GWh by 2030 (P1)",
        "capacity.japan_global_2030",
        "targets.japan_global_capacity_2030",
        name_ja="2030年までに日本企業の世界生産能力600GWh（P1）",
    ),
]
"""The P1 capacity targets as plain comparisons (what :func:`answer_targets` gives for the
questions ``domestic-capacity`` and ``global-capacity`` without their at-risk band)."""


def answer_targets() -> list[Target]:
    """One :class:`Target` per question of ``data/answers.yaml``, in order, named by the
    question (English, and Japanese in ``name_ja``): its probability is the share of the
    samples whose verdict is "met", among those where it is defined."""
    from chikuden.answers import questions

    return [
        Target(
            q.question_en,
            q.checks[0].values[0],
            q.checks[0].target,
            q.checks[0].want != "at_most",
            q.question_ja,
            question=q.id,
        )
        for q in questions()
    ]


@dataclass
class MonteCarlo:
    """The streaming statistics of a run (:func:`run`)."""

    scenario: str
    samples: int
    method: str
    seed: int | None
    spec: Spec
    held: list[str]
    indicators: list[str]
    series: dict[str, int]
    indicator_sketch: Sketch
    series_sketches: dict[str, Sketch]
    targets: dict[str, TargetCount] = field(default_factory=dict)
    target_names_ja: dict[str, str] = field(default_factory=dict)
    target_questions: dict[str, str] = field(default_factory=dict)

    def quantiles(self, key: str) -> dict[float, float]:
        """The :data:`QUANTILES` of indicator ``key`` (each within ``ALPHA`` relative)."""
        j = self.indicators.index(key)
        return {q: float(self.indicator_sketch.quantile(q)[j]) for q in QUANTILES}

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON (NaN written as null)."""
        from chikuden.horizon import AXES
        from chikuden.indicators import outputs

        decl = outputs()
        sk = self.indicator_sketch
        qs = {q: sk.quantile(q) for q in QUANTILES}
        mean = sk.mean()
        indicators = {}
        for j, key in enumerate(self.indicators):
            indicators[key] = {
                "label": decl[key].label_en,
                "label_ja": decl[key].label_ja,
                "unit": decl[key].unit,
                "mean": _num(mean[j]),
                **{f"q{round(q * 100):02d}": _num(qs[q][j]) for q in QUANTILES},
                "undefined_share": _num(sk.nan[j] / self.samples),
            }
        series = {}
        for key, sketch in self.series_sketches.items():
            series[key] = {
                "label": decl[key].label_en,
                "label_ja": decl[key].label_ja,
                "unit": decl[key].unit,
                "years": [int(y) for y in AXES[decl[key].axis]],
                "mean": [_num(x) for x in sketch.mean()],
                **{
                    f"q{round(q * 100):02d}": [_num(x) for x in sketch.quantile(q)]
                    for q in QUANTILES
                },
            }
        return {
            "scenario": self.scenario,
            "samples": self.samples,
            "method": self.method,
            "seed": self.seed,
            "quantile_relative_error": self.indicator_sketch.alpha,
            "parameters": {
                n: {
                    "kind": d.kind,
                    **d.args,
                    **({"values": list(d.values)} if d.values else {}),
                    **({"truncate": list(d.truncate)} if d.truncate else {}),
                    "source": list(d.source),
                }
                for n, d in self.spec.distributions.items()
            },
            "rank_correlations": [[a, b, r] for (a, b), r in self.spec.correlations.items()],
            "sampled_though_the_scenario_sets_them": self.held,
            "indicators": indicators,
            "targets": {
                name: {
                    **(
                        {"question": self.target_questions[name]}
                        if name in self.target_questions
                        else {}
                    ),
                    "label_ja": self.target_names_ja.get(name, name),
                    "probability": _num(t.probability),
                    "met": t.met,
                    "defined": t.defined,
                    "standard_error": _num(t.standard_error()),
                }
                for name, t in self.targets.items()
            },
            "series": series,
        }


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(float(x)) else None


def _spec_for(scenario: Scenario) -> tuple[Spec, list[str]]:
    """The scenario's spec, and the sampled parameters whose value the scenario sets itself
    (sampling replaces that value; ``{kind: fixed}`` under ``uncertainty:`` holds it)."""
    spec = scenario_spec(scenario.uncertainty, scenario.origin or f"scenario {scenario.name}")
    replaced = [n for n in spec.distributions if n in scenario.overrides]
    return spec, replaced


def run(
    scenario: Scenario,
    samples: int,
    seed: int | np.random.Generator = 0,
    method: str = "mc",
    outputs: Sequence[str] | None = None,
    chunk: int = CHUNK,
    spec: Spec | None = None,
    targets: Sequence[Target] | None = None,
    progress: Callable[[int], None] | None = None,
    parquet: Path | None = None,
    client: Any = None,
) -> MonteCarlo:
    """Sample ``samples`` parameter sets of ``scenario`` and summarise the asked outputs.

    outputs : indicator and series keys or patterns (default :data:`DEFAULT_OUTPUTS`); per-row
        outputs are not summarised. chunk : samples per evaluated batch (results do not
        depend on it). progress : called with the number of samples done after each chunk.
    parquet : a folder to write samples.parquet and results.parquet into.
    client : a ``dask.distributed.Client``: the chunks are evaluated on its workers and merged
        here in chunk order, so the result is the same as without it
        (:mod:`chikuden.uncertainty.distributed`; no ``parquet`` then).
    """
    from chikuden.indicators import outputs as declared
    from chikuden.results import output_keys

    if not 1 <= chunk <= MAX_CHUNK:
        raise ParameterError(f"--chunk {chunk}: give a whole number from 1 to {MAX_CHUNK:,}")
    held: list[str] = []
    if spec is None:
        spec, held = _spec_for(scenario)
    if not spec.distributions:
        raise ParameterError(
            f"scenario {scenario.name}: no parameter has a distribution; add some under "
            "uncertainty.parameters"
        )
    sampler = Sampler(spec, samples, seed, method)
    keys = output_keys(list(outputs or DEFAULT_OUTPUTS))
    decl = declared()
    indicators = [k for k in keys if decl[k].kind == "indicator"]
    series_keys = [k for k in keys if decl[k].kind == "series"]
    if not indicators and not series_keys:
        raise ParameterError(
            f"--outputs {', '.join(outputs or [])}: matches only per-row outputs; give "
            "indicators or series (docs/indicators.md)"
        )
    candidates = answer_targets() if targets is None else targets
    rules = [t for t in candidates if t.reads()[0] <= set(indicators)]
    wanted = set(indicators) | set(series_keys)
    for t in rules:
        wanted |= t.reads()[1]
    counts = {t.name: TargetCount() for t in rules}
    ind_sketch = Sketch(len(indicators))
    series_sketches: dict[str, Sketch] = {}
    job = _Job(scenario, sampler, indicators, series_keys, rules, sorted(wanted), chunk)

    def merge(part: _Part) -> None:
        # in place, and in chunk order (the only order-dependent figures are the sums, which
        # a part keeps chunk by chunk): the same whether the part came from this process or
        # from a worker, and whatever number of chunks it holds
        if part.indicators is not None:
            ind_sketch.absorb(part.indicators)
        for key, got in part.series.items():
            if key not in series_sketches:
                series_sketches[key] = Sketch(got.columns)
            series_sketches[key].absorb(got)
        for name, count in part.targets.items():
            counts[name].met += count.met
            counts[name].defined += count.defined
        if progress is not None:
            progress(part.stop - part.start)

    ranges = [(a, min(samples, a + chunk)) for a in range(0, samples, chunk)]
    if client is not None:
        if parquet is not None:
            raise ParameterError(
                "--parquet: not available with --workers or --scheduler; run without them to "
                "write every sample"
            )
        from chikuden.uncertainty import distributed

        tasks = distributed.group(client, ranges)
        for part in distributed.map_chunks(client, _evaluate_chunks, job, tasks):
            merge(part)
    else:
        writer = _ParquetWriter(parquet, spec.names, indicators, series_keys) if parquet else None
        try:
            for start, stop in ranges:
                merge(_evaluate_chunk(job, start, stop, writer))
        finally:
            if writer is not None:
                writer.close()
    return MonteCarlo(
        scenario=scenario.name,
        samples=samples,
        method=method,
        seed=seed if isinstance(seed, int) else None,
        spec=spec,
        held=held,
        indicators=indicators,
        series={k: s.columns for k, s in series_sketches.items()},
        indicator_sketch=ind_sketch,
        series_sketches=series_sketches,
        targets=counts,
        target_names_ja={t.name: t.name_ja or t.name for t in rules},
        target_questions={t.name: t.question for t in rules if t.question},
    )


@dataclass
class _Job:
    """What every chunk of a run shares (sent once to each worker of a cluster)."""

    scenario: Scenario
    sampler: Sampler
    indicators: list[str]
    series: list[str]
    rules: list[Target]
    wanted: list[str]
    chunk: int
    """Samples a chunk (one evaluated batch); a task of a cluster runs several."""


@dataclass
class _Part:
    """The mergeable statistics of samples ``start .. stop-1`` (one chunk or several): small
    (sparse counts, :class:`~chikuden.uncertainty.statistics.Summary`), as a worker sends
    them back."""

    start: int
    stop: int
    indicators: Summary | None
    series: dict[str, Summary]
    targets: dict[str, TargetCount]

    def combine(self, other: _Part) -> _Part:
        """This part and the next one (``other`` starts where this one stops) as one."""
        assert other.start == self.stop
        series = {k: s.combine(other.series[k]) for k, s in self.series.items()}
        targets = {
            name: TargetCount(
                c.met + other.targets[name].met, c.defined + other.targets[name].defined
            )
            for name, c in self.targets.items()
        }
        mine, theirs = self.indicators, other.indicators
        both = mine.combine(theirs) if mine is not None and theirs is not None else None
        return _Part(self.start, other.stop, both, series, targets)


def _evaluate_chunks(job: _Job, start: int, stop: int) -> _Part:
    """Samples ``start .. stop-1`` in chunks of ``job.chunk`` (from ``start``, which begins a
    chunk), their statistics combined: one task of a cluster, whose part holds each chunk's
    sums apart, so that merging it gives what merging its chunks one by one gives."""
    part = _evaluate_chunk(job, start, min(stop, start + job.chunk))
    for a in range(start + job.chunk, stop, job.chunk):
        part = part.combine(_evaluate_chunk(job, a, min(stop, a + job.chunk)))
    return part


def _evaluate_chunk(
    job: _Job, start: int, stop: int, writer: _ParquetWriter | None = None
) -> _Part:
    """Sample and evaluate ``start .. stop-1``: the statistics depend only on the job and the
    range, so a worker of a cluster computes the same part as the local loop, and both merge
    it into the run the same way (integer counts; the chunk's sums added in chunk order)."""
    from chikuden.parameters.params import Params
    from chikuden.results import evaluate

    keep_freed_memory()
    values = job.sampler.sample(start, stop)
    res = evaluate(Params.from_samples(job.scenario, values), outputs=job.wanted)
    # The evaluation's outputs form a reference cycle (a deferred series' function reads the
    # outputs that hold it), which reference counting does not free: collect the young
    # generations now, or some chunks' outputs wait for a full collection (a run's resident
    # size grew from about 250 MB to 1.7 GB over a million samples in chunks of 2,048).
    gc.collect(1)
    part = _Part(start, stop, None, {}, {})
    if job.indicators:
        # one row per indicator: each indicator's values together, as the sketch bins them
        part.indicators = summary(np.stack([res.indicators[k] for k in job.indicators]))
    for key in job.series:
        part.series[key] = summary(np.asarray(res.series[key], dtype=np.float64).T)
    for t in job.rules:
        if t.question:
            status = _answer_statuses(t.question, res)
            part.targets.setdefault(t.name, TargetCount()).add(
                status == "met", status != "undefined"
            )
            continue
        got = res.indicators[t.output]
        against = res.indicators[t.against] if isinstance(t.against, str) else t.against
        ok = np.isfinite(got) & np.isfinite(against)
        met = got >= against if t.at_least else got <= against
        part.targets.setdefault(t.name, TargetCount()).add(met, ok)
    if writer is not None:
        writer.write(start, values, res.indicators, res.series)
    return part


KEEP_FREED_BYTES = 1 << 30
"""Freed memory glibc keeps in the process for the next chunk (:func:`keep_freed_memory`)."""
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (glibc malloc.h)
_MMAP_THRESHOLD_MAX = 32 << 20  # the largest M_MMAP_THRESHOLD glibc takes on 64-bit systems


@functools.cache
def keep_freed_memory() -> bool:
    """Let the process reuse the memory one chunk frees for the next (glibc; once per process).

    A chunk allocates and frees the same arrays again and again (17 MB temporaries for 2,048
    samples of the vehicles step). By default glibc serves a block above its adaptive
    threshold by ``mmap`` and returns it on ``free``, and gives back the top of its heap
    above a trim threshold: every chunk then faults its pages in anew (180,000 page faults
    and 0.5 s of kernel time in a run of 40,960 samples, about a sixth of it). Fixing the
    ``mmap`` threshold at its largest (32 MB) and the trim threshold at
    :data:`KEEP_FREED_BYTES` keeps freed blocks for reuse; the peak stays that of one chunk.
    Returns whether glibc took the setting (False on another C library or system: nothing
    changes there but the speed). A Dask worker calls it too, through the chunks it runs.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no mallopt: not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mmap = mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
    trim = mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES)
    return bool(mmap and trim)


def _answer_statuses(qid: str, res: Any) -> NDArray[np.str_]:
    """The verdict of question ``qid`` in every sample of ``res`` (parameters as sampled)."""
    from chikuden import answers

    n = res.n

    def read(key: str) -> NDArray[np.float64]:
        got = res.indicators[key] if key in res.indicators else res.params[key]
        return np.broadcast_to(np.asarray(got, dtype=np.float64), (n,))

    return answers.question_statuses(answers.question(qid), read, read(answers.MARGIN))


class _ParquetWriter:
    """samples.parquet (sample, one column per parameter) and results.parquet (sample, one
    column per indicator, and one per year of each series as ``KEY[YEAR]``), chunk by chunk."""

    def __init__(self, folder: Path, names: list[str], indicators: list[str], series: list[str]):
        import pyarrow.parquet as pq  # noqa: F401  (fail early if pyarrow is missing)

        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.names, self.indicators, self.series = names, indicators, series
        self._samples: Any = None
        self._results: Any = None

    def write(
        self,
        start: int,
        values: dict[str, NDArray[np.float64]],
        indicators: dict[str, NDArray[np.float64]],
        series: Any,
    ) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from chikuden.horizon import AXES
        from chikuden.indicators import outputs

        n = len(next(iter(values.values())))
        index = pa.array(np.arange(start, start + n, dtype=np.int64))
        samples = pa.table({"sample": index, **{k: pa.array(values[k]) for k in self.names}})
        cols: dict[str, Any] = {"sample": index}
        cols |= {k: pa.array(indicators[k]) for k in self.indicators}
        for key in self.series:
            arr = np.asarray(series[key], dtype=np.float64)
            for j, year in enumerate(AXES[outputs()[key].axis]):
                cols[f"{key}[{int(year)}]"] = pa.array(arr[:, j])
        results = pa.table(cols)
        if self._samples is None:
            self._samples = pq.ParquetWriter(self.folder / "samples.parquet", samples.schema)
            self._results = pq.ParquetWriter(self.folder / "results.parquet", results.schema)
        self._samples.write_table(samples)
        self._results.write_table(results)

    def close(self) -> None:
        for w in (self._samples, self._results):
            if w is not None:
                w.close()


# -- the report --------------------------------------------------------------------------------
def fan(series: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """A plotly fan chart of one series of a :meth:`MonteCarlo.to_json` doc: the 5-95% and
    25-75% bands of the samples and the median (``mc.html`` and the scenario report draw it)."""
    from chikuden.i18n import pick, translator

    _ = translator(lang).gettext

    def band_name(upper: int, lower: int) -> str:
        # the trace is the upper quantile (its data table's column); the band fills from the
        # lower one
        return _("{upper}% (band from {lower}%)").format(upper=upper, lower=lower)

    years = series["years"]
    line: dict[str, Any] = {"mode": "lines", "line": {"width": 0}, "x": years}
    band = [
        {**line, "y": series["q05"], "name": "5%", "showlegend": False},
        {
            **line,
            "y": series["q95"],
            "fill": "tonexty",
            "fillcolor": "rgba(31,119,180,0.2)",
            "name": band_name(95, 5),
        },
        {**line, "y": series["q25"], "name": "25%", "showlegend": False},
        {
            **line,
            "y": series["q75"],
            "fill": "tonexty",
            "fillcolor": "rgba(31,119,180,0.4)",
            "name": band_name(75, 25),
        },
        {
            "x": years,
            "y": series["q50"],
            "mode": "lines",
            "line": {"color": "#1f77b4"},
            "name": _("median"),
        },
    ]
    title = pick(lang, str(series["label"]), str(series["label_ja"]))
    layout = {"title": {"text": title}, "yaxis": {"title": {"text": series["unit"]}}}
    return {"data": band, "layout": layout}


def report_html(doc: dict[str, Any], lang: str = "en") -> str:
    """A small page: the quantile table, the target probabilities and a fan chart per series."""
    from html import escape

    from chikuden.charting import page_scripts, to_script_json
    from chikuden.i18n import pick, translator

    _ = translator(lang).gettext

    def fmt(x: float | None) -> str:
        return "–" if x is None else f"{x:,.4g}"

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{x:.1%}"

    def label(v: dict[str, Any]) -> str:
        return pick(lang, str(v["label"]), str(v["label_ja"]))

    rows = "".join(
        f"<tr><td>{escape(k)}<br><small>{escape(label(v))}</small></td><td>{escape(v['unit'])}"
        f"</td><td>{fmt(v['mean'])}</td>"
        + "".join(f"<td>{fmt(v[f'q{round(q * 100):02d}'])}</td>" for q in QUANTILES)
        + f"<td>{fmt(v['undefined_share'])}</td></tr>"
        for k, v in doc["indicators"].items()
    )
    targets = "".join(
        f"<tr><td>{escape(pick(lang, k, v['label_ja']))}</td>"
        f"<td>{pct(v['probability'])}</td><td>{v['met']:,} / {v['defined']:,}</td></tr>"
        for k, v in doc["targets"].items()
    )
    figures = [
        f'<div id="fan-{i}" style="height:420px"></div><script type="application/json" '
        f'class="fig-data" data-target="fan-{i}">{to_script_json(fan(s, lang))}</script>'
        for i, s in enumerate(doc["series"].values())
    ]
    head = "".join(f"<th>{round(q * 100)}%</th>" for q in QUANTILES)
    title = _("Monte Carlo: {scenario}").format(scenario=doc["scenario"])
    intro = _(
        "{samples} samples ({method}, seed {seed}). Each quantile is within {error} (relative) "
        "of the sample quantile."
    ).format(
        samples=f"{doc['samples']:,}",
        method=doc["method"],
        seed=doc["seed"],
        error=f"{doc['quantile_relative_error']:.1%}",
    )
    words = {
        "indicators": _("Indicators"),
        "indicator": _("indicator"),
        "unit": _("unit"),
        "mean": _("mean"),
        "undefined": _("undefined"),
        "targets": _("Probability of meeting each target"),
        "target": _("target"),
        "probability": _("probability"),
        "met": _("samples meeting it"),
        "fans": _("Fan charts: 5–95% and 25–75% of the samples, and the median"),
    }
    w = {k: escape(v) for k, v in words.items()}
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
        f"<p>{escape(intro)}</p><h2>{w['indicators']}</h2><table><tr>"
        f"<th>{w['indicator']}</th><th>{w['unit']}</th><th>{w['mean']}</th>{head}"
        f"<th>{w['undefined']}</th></tr>{rows}</table>"
        f"<h2>{w['targets']}</h2><table><tr>"
        f"<th>{w['target']}</th><th>{w['probability']}</th><th>{w['met']}</th>"
        f"</tr>{targets}</table>"
        f"<h2>{w['fans']}</h2>"
        f"{''.join(figures)}{page_scripts()}</body></html>"
    )


__all__ = [
    "ALPHA",
    "DEFAULT_OUTPUTS",
    "TARGETS",
    "MonteCarlo",
    "Target",
    "answer_targets",
    "fan",
    "report_html",
    "run",
]
