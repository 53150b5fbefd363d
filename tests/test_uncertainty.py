"""Distributions, samplers, streaming statistics and ``chikuden mc`` (issue 15).

Each moment below is worked out by hand in its comment; sampled means are checked within four
standard errors (``4 sd / sqrt(n)``: a false failure about once in 16,000 runs of a test).
"""

from __future__ import annotations

import itertools
import math
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.stats import spearmanr
from typer.testing import CliRunner

import chikuden
from chikuden.cli import app
from chikuden.errors import ParameterError
from chikuden.parameters.params import Params
from chikuden.parameters.sources import resolve_source
from chikuden.results import evaluate
from chikuden.uncertainty import montecarlo
from chikuden.uncertainty.distributions import (
    Distribution,
    Spec,
    beta_quantile,
    default_spec,
    read_distribution,
    read_spec,
)
from chikuden.uncertainty.sampling import Sampler, copula_root
from chikuden.uncertainty.statistics import ALPHA, Sketch, bins_for, summary

WHERE = "test"


def _uniforms(n: int) -> NDArray[np.float64]:
    return (np.arange(n, dtype=np.float64) + 0.5) / n


# -- moments by hand ---------------------------------------------------------------------------
CASES = [
    # uniform(2, 8): mean (2 + 8) / 2 = 5; variance (8 - 2)^2 / 12 = 36 / 12 = 3
    (Distribution("x", "uniform", {"min": 2, "max": 8}), 5.0, 3.0),
    # triangular(0, 1, 4): mean (0 + 1 + 4) / 3 = 5/3;
    # variance (0 + 16 + 1 - 0 - 0 - 4) / 18 = 13/18
    (Distribution("x", "triangular", {"min": 0, "mode": 1, "max": 4}), 5 / 3, 13 / 18),
    # pert(0, 2, 6): alpha = 1 + 4 * 2/6 = 7/3, beta = 1 + 4 * 4/6 = 11/3; mean (0 + 8 + 6) / 6
    # = 7/3; variance (mean - a)(b - mean) / 7 = (7/3)(11/3) / 7 = 11/9, the same as the beta
    # formula 36 alpha beta / ((alpha + beta)^2 (alpha + beta + 1)) = 36 (77/9) / (36 * 7)
    (Distribution("x", "pert", {"min": 0, "mode": 2, "max": 6}), 7 / 3, 11 / 9),
    # empirical [1, 3, 7]: half the mass uniform on [1, 3], half on [3, 7]: mean (2 + 5) / 2 =
    # 3.5; E[x^2] = ((1 + 3 + 9) / 3 + (9 + 21 + 49) / 3) / 2 = 92 / 6; variance 92/6 - 12.25
    # = 37/12
    (Distribution("x", "empirical", values=(7.0, 1.0, 3.0)), 3.5, 37 / 12),
    # normal(10, 2) truncated to 10 -+ 2 (one sd): mean 10 by symmetry; variance
    # sd^2 (1 - 2 phi(1) / (2 Phi(1) - 1)) = 4 (1 - 2 * 0.2419707 / 0.6826895) = 1.1645083
    (
        Distribution("x", "normal", {"mean": 10, "sd": 2}, truncate=(8.0, 12.0)),
        10.0,
        4 * (1 - 2 * 0.24197072451914337 / 0.6826894921370859),
    ),
    # lognormal(median 1, sigma 0.5): mean exp(0.5^2 / 2) = exp(0.125) = 1.1331485;
    # variance (exp(0.25) - 1) exp(0.25) = 0.2840254 * 1.2840254 = 0.3646958
    (
        Distribution("x", "lognormal", {"median": 1, "sigma": 0.5}),
        math.exp(0.125),
        (math.exp(0.25) - 1) * math.exp(0.25),
    ),
]


@pytest.mark.parametrize(("dist", "mean", "variance"), CASES, ids=lambda c: getattr(c, "kind", ""))
def test_each_distribution_has_its_mean_and_variance(
    dist: Distribution, mean: float, variance: float
) -> None:
    assert dist.mean() == pytest.approx(mean, rel=1e-6)
    assert dist.variance() == pytest.approx(variance, rel=1e-4)
    # the quantile function at 400,000 evenly spaced probabilities has the same moments
    # (midpoint rule; the lognormal's tail converges slowest, hence 1e-3)
    x = dist.ppf(_uniforms(400_000))
    assert float(x.mean()) == pytest.approx(mean, rel=1e-3)
    assert float(x.var()) == pytest.approx(variance, rel=1e-2)
    lo, hi = dist.support
    assert x.min() >= lo and x.max() <= hi


def test_monte_carlo_draws_have_the_mean_within_four_standard_errors() -> None:
    dist = CASES[2][0]  # pert(0, 2, 6): mean 7/3, sd sqrt(11/9) = 1.1055
    spec = Spec({"x": dist})
    n = 100_000
    x = Sampler(spec, n, seed=5).sample(0, n)["x"]
    assert abs(float(x.mean()) - 7 / 3) < 4 * math.sqrt(11 / 9) / math.sqrt(n)


# -- the bundled declarations ------------------------------------------------------------------
def test_the_bundled_distributions_load_and_cite_known_sources() -> None:
    spec = default_spec()
    assert 10 <= len(spec.distributions) <= 30
    domains = {n.split(".")[0] for n in spec.distributions}
    assert len(domains) >= 5
    for dist in spec.distributions.values():
        assert dist.source, dist.name
        assert "assumption" in dist.source or dist.note, dist.name
        for key in dist.source:
            if key != "assumption":
                resolve_source(key, dist.name)
    assert copula_root(spec) is not None  # the matrix is valid


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "entry", "words"),
    [
        ("capacity.utilisation_share", {"kind": "uniform", "min": 0.5, "max": 1.5}, "leaves"),
        ("capacity.utilisation_share", {"kind": "normal", "mean": 0.8, "sd": 0.1}, "truncate"),
        ("capacity.utilisation_share", {"kind": "uniform", "min": 0.9, "max": 0.5}, "min < max"),
        ("capacity.utilisation_share", {"kind": "gamma", "shape": 2}, "one of"),
        ("capacity.utilisation_share", {"kind": "uniform", "min": 0.5}, "max is missing"),
        ("capacity.plants", {"kind": "uniform", "min": 0, "max": 1}, "scalar"),
        ("capacity.utilisaton_share", {"kind": "uniform", "min": 0, "max": 1}, "did you mean"),
        ("carbon.service_life_cycles", {"kind": "uniform", "min": 600, "max": 900}, "whole"),
    ],
)
def test_a_bad_distribution_is_one_line_naming_the_field(
    name: str, entry: dict[str, Any], words: str
) -> None:
    with pytest.raises(ParameterError, match=words) as err:
        read_distribution(name, entry, WHERE)
    assert "\n" not in str(err.value)
    assert name in str(err.value)


def test_a_matrix_that_is_not_positive_semi_definite_is_refused_with_the_nearest_one() -> None:
    u = {"kind": "uniform", "min": 0.1, "max": 0.9}
    a, b, c = "capacity.utilisation_share", "capacity.realisation_share", "targets.japan_share_2030"
    # a and b move together, b and c too, but a and c against each other: impossible
    doc = {
        "parameters": {a: u, b: u, c: u},
        "correlations": [[a, b, 0.9], [b, c, 0.9], [a, c, -0.9]],
    }
    spec = read_spec(doc, WHERE)
    with pytest.raises(ParameterError, match="not positive semi-definite") as err:
        copula_root(spec)
    message = str(err.value)
    assert "nearest valid one" in message
    # the offered matrix is valid: put its values back and the copula accepts it
    offered = [p.split(", ") for p in message.split("nearest valid one: ")[1].split("; ")]
    pairs = [[x.strip("[]"), y, float(r.strip("[]"))] for x, y, r in offered]
    assert copula_root(read_spec({**doc, "correlations": pairs}, WHERE)) is not None


def test_the_cli_refuses_too_few_samples_with_the_minimum() -> None:
    result = CliRunner().invoke(app, ["mc", "--samples", "5"])
    assert result.exit_code == 2
    assert "at least 20" in result.output
    result = CliRunner().invoke(app, ["mc", "--samples", "100", "--method", "sobol"])
    assert result.exit_code == 2
    assert "--samples 128" in result.output
    result = CliRunner().invoke(app, ["mc", "--samples", "20000000"])
    assert result.exit_code == 2
    assert "at most 10,000,000" in result.output
    result = CliRunner().invoke(app, ["mc", "--samples", "100", "--chunk", "0"])
    assert result.exit_code == 2
    assert "--chunk 0" in result.output


def test_a_scenario_overrides_distributions_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "extends: proposal-2022\nuncertainty:\n  parameters:\n"
        "    capacity.utilisation_share: {kind: uniform, min: 0.6, max: 0.7}\n"
        "    finance.jpy_per_usd: {kind: fixed}\n",
        encoding="utf-8",
    )
    scenario = chikuden.load_scenario(str(good))
    spec, _ = montecarlo._spec_for(scenario)
    assert spec.distributions["capacity.utilisation_share"].args == {"min": 0.6, "max": 0.7}
    assert "finance.jpy_per_usd" not in spec.distributions
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "extends: proposal-2022\nuncertainty:\n  parameters:\n"
        "    capacity.utilisation_share: {kind: uniform, min: 0.6, max: 1.7}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["mc", "-s", str(bad), "-n", "20"])
    assert result.exit_code == 2
    assert "capacity.utilisation_share" in result.output and "leaves" in result.output


@pytest.mark.parametrize(
    ("p", "q"),
    # the four bundled PERT shapes (1 + 4 (c - a) / (b - a), 1 + 4 (b - c) / (b - a)), one
    # more, and the extremes: the mode at an end, (1, 5) and (5, 1), and next to it
    [
        (3.0, 3.0),
        (4.0, 2.0),
        (25 / 9, 29 / 9),
        (4.2, 1.8),
        (2.2, 3.8),
        (1.0, 5.0),
        (5.0, 1.0),
        (1.04, 4.96),
    ],
)
def test_the_beta_quantile_table_is_scipys_betaincinv(p: float, q: float) -> None:
    from scipy.special import betaincinv

    rng = np.random.default_rng(1)
    tails = 10.0 ** -np.arange(1, 15.6, 0.1)
    u = np.concatenate([rng.random(1_000_000), tails, 1 - tails, [0.5, 0.5 - 1e-16]])
    u = np.clip(u, math.ulp(1.0), 1 - math.ulp(1.0))
    got = beta_quantile(u, p, q)
    assert np.abs(got - betaincinv(p, q, u)).max() < 1e-14
    ordered = got[np.argsort(u)]
    assert np.diff(ordered).min() >= -2 * math.ulp(0.5)  # increasing, but for an ulp at 1/2


# -- the copula ---------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_the_copula_gives_the_asked_rank_correlation(method: str) -> None:
    """Spearman's rho of n independent pairs has variance 1 / (n - 1) (it is largest at rho = 0;
    dependence only narrows it): with n = 16,384 its sd is at most 1 / sqrt(16,383) = 0.0078,
    so 0.035 is more than four of them."""
    a, b = "capacity.utilisation_share", "market.demand_2030_gwh"
    spec = read_spec(
        {
            "parameters": {
                a: {"kind": "pert", "min": 0.5, "mode": 0.8, "max": 0.9},
                b: {"kind": "triangular", "min": 2500, "mode": 3000, "max": 4700},
            },
            "correlations": [[a, b, 0.6]],
        },
        WHERE,
    )
    n = 16_384
    x = Sampler(spec, n, seed=11, method=method).sample(0, n)
    rho = float(spearmanr(x[a], x[b]).statistic)
    assert abs(rho - 0.6) < 0.035
    # marginals unchanged: the pert mean (0.5 + 3.2 + 0.9) / 6 = 0.7667, sd 0.0713
    assert abs(float(x[a].mean()) - 4.6 / 6) < 4 * 0.0713 / math.sqrt(n)


def test_the_copula_adds_only_the_roots_non_zero_terms_with_the_same_bits() -> None:
    # The bundled spec correlates 4 of its 30 parameters: the root has that 4 x 4 block and a
    # single +-1 for each other parameter, and the sampler adds those terms only. Against the
    # whole product z @ root.T, summed term by term over all 30 columns in order (a zero
    # term adds an exact zero): every value the same bits.
    from scipy.special import ndtr, ndtri

    spec = default_spec()
    root = copula_root(spec)
    assert root is not None and int((root != 0).sum()) == 4 * 4 + 26
    sampler = Sampler(spec, 5000, seed=9)
    got = sampler.sample(1000, 3000)
    tiny = math.ulp(1.0)
    scores = ndtri(np.clip(sampler.uniforms(1000, 3000), tiny, 1 - tiny))
    z = np.zeros_like(scores)
    for j in range(len(root)):
        z += scores[:, j : j + 1] * root[:, j]
    u = np.clip(ndtr(z), tiny, 1 - tiny)
    for j, (name, dist) in enumerate(spec.distributions.items()):
        assert np.array_equal(got[name], dist.ppf(u[:, j])), name


# -- the same seed, the same result ------------------------------------------------------------
@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_samples_do_not_depend_on_the_chunking(method: str) -> None:
    spec = default_spec()
    n = 4096
    whole = Sampler(spec, n, seed=7, method=method).sample(0, n)
    sampler = Sampler(spec, n, seed=7, method=method)  # a fresh one: as another process would
    cuts = [0, 1, 1000, 1023, 1025, 3000, n]
    parts = [sampler.sample(s, e) for s, e in itertools.pairwise(cuts)]
    for name in spec.names:
        assert np.array_equal(whole[name], np.concatenate([p[name] for p in parts]))
    other = Sampler(spec, n, seed=8, method=method).sample(0, n)
    assert not np.array_equal(whole[spec.names[0]], other[spec.names[0]])


def test_a_run_does_not_depend_on_the_chunk_size() -> None:
    scenario = chikuden.load_scenario("actual-2025")
    runs = [montecarlo.run(scenario, 3000, seed=2, method="lhs", chunk=c) for c in (3000, 700)]
    first, second = (r.to_json() for r in runs)
    for key, v in first["indicators"].items():
        w = second["indicators"][key]
        for q in ("q05", "q25", "q50", "q75", "q95"):
            assert v[q] == w[q], key  # integer counts: exact
        assert v["mean"] == pytest.approx(w["mean"], rel=1e-12)  # sums in another order
    assert first["targets"] == second["targets"]
    assert first["series"].keys() == second["series"].keys()


def test_each_sample_gives_what_it_gives_alone(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    scenario = chikuden.load_scenario("actual-2025")
    keys = ["capacity.domestic_2030", "market.global_demand_2030"]
    montecarlo.run(scenario, 40, seed=4, outputs=keys, chunk=40, parquet=tmp_path)
    samples = pq.read_table(tmp_path / "samples.parquet").to_pydict()
    results = pq.read_table(tmp_path / "results.parquet").to_pydict()
    assert samples["sample"] == list(range(40)) == results["sample"]
    for i in (0, 17, 39):
        one = {k: np.array([v[i]]) for k, v in samples.items() if k != "sample"}
        alone = evaluate(Params.from_samples(scenario, one), outputs=keys)
        for key in keys:
            assert alone.value(key) == results[key][i]


# -- the sketch ---------------------------------------------------------------------------------
def test_sketch_quantiles_are_within_alpha_of_the_sample_quantile() -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.lognormal(10, 2, 60_000), -rng.lognormal(0, 1, 20_000), np.zeros(50)])
    sk = Sketch(1)
    for part in np.array_split(x, 7):
        sk.add(part[:, None])
    for q in (0.0, 0.01, 0.05, 0.2, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0):
        want = float(np.quantile(x, q, method="lower"))
        got = float(sk.quantile(q)[0])
        assert abs(got - want) <= ALPHA * abs(want) + 1e-9, q
    assert float(sk.mean()[0]) == pytest.approx(float(x.mean()), rel=1e-12)


def test_sketches_merge_and_count_nan_apart() -> None:
    x = np.array([[1.0, np.nan], [2.0, 5.0], [3.0, np.nan], [4.0, 7.0]])
    whole, a, b = Sketch(2), Sketch(2), Sketch(2)
    whole.add(x)
    a.add(x[:1])
    b.add(x[1:])
    a.merge(b)
    for q in (0.0, 0.5, 1.0):
        assert np.array_equal(whole.quantile(q), a.quantile(q))
    assert list(a.nan) == [0, 2]
    assert list(a.quantile(0.0)) == [1.0, 5.0]  # clipped to the exact extremes
    assert list(a.quantile(1.0)) == [4.0, 7.0]


def test_a_pickled_sketch_keeps_every_count() -> None:
    # What a Dask worker sends back: the counts travel as their non-zero slots. Values 1, 2,
    # 2, NaN, -3 and 0 in one column, 5 five times in the other.
    sk = Sketch(2)
    sk.add(np.array([[1.0, 5.0], [2.0, 5.0], [2.0, 5.0], [np.nan, 5.0], [-3.0, 5.0]]))
    sk.add(np.array([[0.0, np.nan]]))
    back = pickle.loads(pickle.dumps(sk))
    assert np.array_equal(back.counts, sk.counts)
    assert int(back.counts[0].sum()) == 6  # 5 binned (one of them zero) and the NaN slot
    assert list(back.zero) == [1, 0] and list(back.nan) == [1, 1]
    assert int(back.positive[1].sum()) == 5 and int(back.negative[0].sum()) == 1
    for q in (0.0, 0.5, 1.0):
        assert np.array_equal(back.quantile(q), sk.quantile(q))
    assert list(back.quantile(0.5)) == pytest.approx([1.0, 5.0], rel=ALPHA)


def test_a_chunks_sparse_counts_are_the_dense_histogram() -> None:
    # What a chunk hands over (statistics.Summary: the slots it touches and their counts,
    # combined chunk by chunk) against the dense histogram counted value by value with
    # np.add.at over each value's slot. Columns: wide positive, negative, zeros, a constant,
    # normal with inf in it, normal with NaN in it.
    rng = np.random.default_rng(5)
    n = 1000
    x = np.column_stack(
        [
            rng.lognormal(3, 2, n),
            -rng.lognormal(0, 1, n),
            np.zeros(n),
            np.full(n, 7.5),
            rng.normal(0, 1, n),
            rng.normal(5, 1, n),
        ]
    )
    x[::11, 4] = np.inf
    x[::7, 5] = np.nan
    bins = bins_for(ALPHA)
    dense = np.zeros((6, bins.width), dtype=np.int64)
    for j in range(6):
        np.add.at(dense[j], bins.slots(x[:, j]), 1)
    chunks = np.array_split(x, 3)
    parts = [summary(c.T) for c in chunks]
    whole = parts[0].combine(parts[1]).combine(parts[2])
    assert len(np.unique(whole.slots)) == len(whole.slots)  # each slot once
    got = np.zeros_like(dense)
    got.reshape(-1)[whole.slots] = whole.counts
    assert np.array_equal(got, dense)
    # By hand: ln(gamma) = ln(1.005 / 0.995) = 0.0100001; 7.5 is in bin
    # k = ceil(ln 7.5 / 0.0100001) = ceil(201.49) = 202, and k_min = ceil(ln 1e-9 / 0.0100001)
    # = ceil(-2072.3) = -2072, so its slot is bins + (202 - (-2072 - 1)) = bins + 2275; the
    # zeros are in slot bins; the 91 infs (rows 0, 11, ..., 990) and 143 NaNs (0, 7, ..., 994)
    # in the last slot.
    assert got[3, bins.bins + 2275] == n and got[3].sum() == n
    assert got[2, bins.bins] == n
    assert got[4, -1] == 91 and got[5, -1] == 143
    assert list(whole.nan) == [0, 0, 0, 0, 91, 143]
    # The sums stay chunk by chunk: a sketch adding the parts and one adding the chunks agree
    assert whole.totals.shape == (3, 6)
    absorbed, added = Sketch(6), Sketch(6)
    absorbed.absorb(whole)
    for c in chunks:
        added.add(c)
    assert np.array_equal(absorbed.counts, added.counts) and np.array_equal(
        absorbed.counts[:, :-1], dense[:, :-1]
    )
    for name in ("nan", "count", "total", "low", "high"):
        assert np.array_equal(getattr(absorbed, name), getattr(added, name)), name
    assert absorbed.low[3] == absorbed.high[3] == 7.5


# -- the command --------------------------------------------------------------------------------
def test_mc_writes_json_html_and_parquet(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "mc",
            "-s",
            "actual-2025",
            "-n",
            "64",
            "--method",
            "sobol",
            "--seed",
            "1",
            "-o",
            str(tmp_path),
            "--parquet",
            str(tmp_path / "pq"),
        ],
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "actual-2025-mc"
    import json

    doc = json.loads((folder / "mc.json").read_text(encoding="utf-8"))
    assert doc["samples"] == 64 and doc["quantile_relative_error"] == ALPHA
    assert set(doc["targets"]) == {t.name for t in montecarlo.answer_targets()[:2]}
    assert "capacity.domestic_gwh" in doc["series"]
    assert "fig-data" in (folder / "mc.html").read_text(encoding="utf-8")
    assert (tmp_path / "pq" / "results.parquet").exists()


def test_a_pair_given_again_in_an_extending_file_replaces_the_one_it_extends(
    tmp_path: Path,
) -> None:
    a, b = "capacity.announced_realisation_share", "capacity.utilisation_share"
    (tmp_path / "base.yaml").write_text(
        f"extends: proposal-2022\nuncertainty:\n  correlations:\n    - [{a}, {b}, 0.2]\n",
        encoding="utf-8",
    )
    (tmp_path / "child.yaml").write_text(
        f"extends: base.yaml\nuncertainty:\n  correlations:\n    - [{b}, {a}, 0.7]\n",
        encoding="utf-8",
    )
    spec, _ = montecarlo._spec_for(chikuden.load_scenario(str(tmp_path / "child.yaml")))
    assert spec.correlations[(a, b)] == 0.7
    assert default_spec().correlations[(a, b)] == 0.5  # the bundled value, now replaced


def test_a_generator_seed_is_drawn_once() -> None:
    spec = Spec({"x": CASES[0][0]})
    one = Sampler(spec, 100, seed=np.random.default_rng(9)).sample(0, 100)["x"]
    two = Sampler(spec, 100, seed=np.random.default_rng(9)).sample(0, 100)["x"]
    assert np.array_equal(one, two)


_CHUNK_OF_TEMPORARIES = """
import resource, sys
import numpy as np
from chikuden.uncertainty.montecarlo import keep_freed_memory
took = keep_freed_memory() if sys.argv[1] == "keep" else None
def chunk():
    arrays = [np.ones(2_000_000) for _ in range(4)]  # 4 x 16 MB, as a chunk's temporaries
    del arrays
chunk()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    chunk()
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_a_chunk_reuses_the_memory_the_one_before_freed() -> None:
    # Five "chunks" of four 16 MB arrays after a first one, each in a fresh process. With
    # glibc's defaults the freed blocks go back to the system and are faulted in again
    # (thousands of 4 kB pages); after keep_freed_memory() the same blocks are reused.
    # Off Linux (no glibc mallopt) the setting is not made, and keep_freed_memory says so.
    def faults(mode: str) -> tuple[str, int]:
        done = subprocess.run(
            [sys.executable, "-c", _CHUNK_OF_TEMPORARIES, mode],
            check=True,
            capture_output=True,
            text=True,
        )
        took, count = done.stdout.split()
        return took, int(count)

    if not sys.platform.startswith("linux"):
        assert faults("keep")[0] == "False"
        return
    assert faults("plain")[1] > 1_000  # the control: the test can see the faults
    took, count = faults("keep")
    assert took == "True"
    assert count < 100
