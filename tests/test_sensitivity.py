"""``chikuden sensitivity``: SALib's indices through our distributions and model (issue 15).

Checked on functions whose indices are known in closed form, each within a tolerance derived
from the sample size: three standard errors, the standard error being SALib's bootstrap 95%
half-width / 1.96 (it shrinks as 1 / sqrt(N)), plus 0.01 for the bias of the estimators at
these N.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from SALib.test_functions import Ishigami, Sobol_G
from typer.testing import CliRunner

from chikuden.cli import app
from chikuden.errors import ParameterError
from chikuden.parameters.scenario import load_scenario
from chikuden.uncertainty import sensitivity as sa
from chikuden.uncertainty.distributions import Distribution, Spec, default_spec


def _uniform_spec(names: list[str], lo: float, hi: float) -> Spec:
    return Spec({n: Distribution(n, "uniform", {"min": lo, "max": hi}) for n in names})


def _close(got: float | None, exact: float, conf: float | None) -> None:
    assert got is not None and conf is not None
    tolerance = 3 * conf / 1.96 + 0.01
    assert abs(got - exact) <= tolerance, (got, exact, tolerance)


def _ishigami(v: dict[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
    x = np.stack([v["x1"], v["x2"], v["x3"]], axis=1)
    return {"y": np.asarray(Ishigami.evaluate(x), dtype=np.float64)}


def test_ishigami_sobol_indices_are_the_analytic_ones() -> None:
    # Ishigami and Homma (1990): y = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi).
    # V1 = 1/2 (1 + b pi^4 / 5)^2, V2 = a^2 / 8, V13 = b^2 pi^8 (1/18 - 1/50),
    # V = 1/2 + a^2/8 + b pi^4/5 + b^2 pi^8/18. With a = 7, b = 0.1:
    # V1 = 0.5 (1 + 9.7409 / 5)^2 = 0.5 * 2.9482^2 = 4.3459, V2 = 49/8 = 6.125,
    # V13 = 0.01 * 9488.5 * 0.035556 = 3.3737, V = 13.8446;
    # S1 = 4.3459 / 13.8446 = 0.3139, 0.4424, 0; ST = (4.3459 + 3.3737) / 13.8446 = 0.5576,
    # 0.4424, 3.3737 / 13.8446 = 0.2437.
    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a * a / 8
    v13 = b * b * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    s1, st = [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]
    assert [round(x, 4) for x in s1] == [0.3139, 0.4424, 0.0]
    assert [round(x, 4) for x in st] == [0.5576, 0.4424, 0.2437]
    spec = _uniform_spec(["x1", "x2", "x3"], -math.pi, math.pi)
    res = sa.analyse(spec, "sobol", 4096, _ishigami, ["y"], seed=1)
    assert res.runs == 4096 * (3 + 2)
    got = res.indices["y"]
    for j in range(3):
        _close(got["S1"][j], s1[j], got["S1_conf"][j])
        _close(got["ST"][j], st[j], got["ST_conf"][j])
    assert res.ranked("y") == [0, 1, 2]


def test_ishigami_second_order_indices_are_the_analytic_ones() -> None:
    # The same function: its only interaction is x1 with x3, V13 = b^2 pi^8 (1/18 - 1/50)
    # (above), so S2_13 = 3.3737 / 13.8446 = 0.2437 and S2_12 = S2_23 = 0. SALib's second-order
    # design has N (2d + 2) = 4096 * 8 runs; S1 and ST come out of it too.
    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v13 = b * b * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + a * a / 8 + v13
    assert round(v13 / v, 4) == 0.2437
    spec = _uniform_spec(["x1", "x2", "x3"], -math.pi, math.pi)
    res = sa.analyse(spec, "sobol", 4096, _ishigami, ["y"], seed=1, second_order=True)
    assert res.runs == sa.runs("sobol", 4096, 3, second_order=True) == 4096 * 8
    pairs = {(i, j): (s2, conf) for i, j, s2, conf in res.pairs["y"]}
    assert set(pairs) == {(0, 1), (0, 2), (1, 2)}
    _close(pairs[(0, 2)][0], v13 / v, pairs[(0, 2)][1])
    _close(pairs[(0, 1)][0], 0.0, pairs[(0, 1)][1])
    _close(pairs[(1, 2)][0], 0.0, pairs[(1, 2)][1])
    assert res.pairs["y"][0][:2] == (0, 2)  # the largest first
    _close(res.indices["y"]["S1"][1], a * a / 8 / v, res.indices["y"]["S1_conf"][1])
    _close(res.indices["y"]["ST"][0], (v1 + v13) / v, res.indices["y"]["ST_conf"][0])
    doc = res.to_json()
    assert doc["second_order"] is True and doc["runs"] == 4096 * 8
    assert doc["indicators"]["y"]["pairs"][0]["parameters"] == ["x1", "x3"]
    with pytest.raises(ParameterError, match="only sobol"):
        sa.analyse(spec, "morris", 20, _ishigami, ["y"], second_order=True)


def test_sobol_g_indices_are_the_analytic_ones() -> None:
    # Sobol' G: y = prod (|4 x_i - 2| + a_i) / (1 + a_i), x_i ~ U(0, 1); V_i = 1 / (3 (1 + a_i)^2),
    # V = prod (1 + V_i) - 1, S1_i = V_i / V, ST_i = V_i prod_{j != i} (1 + V_j) / V.
    # a = (0, 1, 4.5, 9, 99, 99): V_i = 0.3333, 0.08333, 0.01102, 0.003333, 0.0000333, ...
    a = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0])
    vi = 1 / (3 * (1 + a) ** 2)
    var = float(np.prod(1 + vi) - 1)
    s1 = vi / var
    st = vi * np.prod(1 + vi) / (1 + vi) / var
    assert np.allclose(s1, Sobol_G.sensitivity_index(a))
    assert np.allclose(st, Sobol_G.total_sensitivity_index(a))
    names = [f"x{i}" for i in range(6)]
    spec = _uniform_spec(names, 0.0, 1.0)

    def g(v: dict[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
        x = np.stack([v[n] for n in names], axis=1)
        return {"y": np.asarray(Sobol_G.evaluate(x, a), dtype=np.float64)}

    res = sa.analyse(spec, "sobol", 4096, g, ["y"], seed=2, chunk=5000)
    got = res.indices["y"]
    for j in range(6):
        _close(got["S1"][j], float(s1[j]), got["S1_conf"][j])
        _close(got["ST"][j], float(st[j]), got["ST_conf"][j])


def test_morris_and_delta_rank_the_ishigami_inputs() -> None:
    # Morris: x1 and x2 move y most, x3 only through its interaction with x1 (mu* of x3 is
    # smaller, its sigma large). delta: x3's S1 is 0 (within its confidence) and delta ranks
    # x2 > x1 > x3 (Plischke et al. 2013, fig. 4: about 0.39, 0.22, 0.16). The binned S1 of
    # x2 is not compared with 0.4424: with 512 runs SALib cuts x2 into ceil(512^0.25) = 5
    # classes and the class means lose part of sin^2 x2's variance (a bias, not noise).
    spec = _uniform_spec(["x1", "x2", "x3"], -math.pi, math.pi)
    morris = sa.analyse(spec, "morris", 40, _ishigami, ["y"], seed=0)
    assert morris.runs == 40 * 4
    mu = morris.indices["y"]["mu_star"]
    assert mu[2] is not None and mu[0] is not None and mu[2] < mu[0]
    delta = sa.analyse(spec, "delta", 512, _ishigami, ["y"], seed=0)
    s1 = delta.indices["y"]["S1"]
    _close(s1[2], 0.0, delta.indices["y"]["S1_conf"][2])
    assert delta.ranked("y") == [1, 0, 2]


def test_an_indicator_that_is_one_parameter_has_all_its_variance() -> None:
    # market.global_demand_2030 is market.demand_2030_gwh itself (docs/market.md: D(2030) =
    # D_2030), and no other sampled parameter enters it: S1 = ST = 1 for it, 0 for the others.
    scenario = load_scenario("actual-2025")
    res = sa.run(scenario, "sobol", ["market.global_demand_2030"], samples=256, seed=0)
    got = res.indices["market.global_demand_2030"]
    j = res.names.index("market.demand_2030_gwh")
    _close(got["S1"][j], 1.0, got["S1_conf"][j])
    _close(got["ST"][j], 1.0, got["ST_conf"][j])
    for i, name in enumerate(res.names):
        if name != "market.demand_2030_gwh":
            assert got["ST"][i] == 0.0, name  # the output does not move with it at all
    assert res.ranked("market.global_demand_2030")[0] == j


def test_a_product_of_two_uniforms_has_the_hand_derived_decomposition() -> None:
    # market.global_demand_2040 = D (1 + g)^10 (docs/market.md), D ~ U(2600, 4600),
    # g ~ U(0.05, 0.12), independent. With G = (1 + g)^10:
    # E[G] = (1.12^11 - 1.05^11) / (11 * 0.07) = (3.47855 - 1.71034) / 0.77 = 2.29638,
    # E[G^2] = (1.12^21 - 1.05^21) / (21 * 0.07) = (10.80385 - 2.78596) / 1.47 = 5.45434,
    # Var G = 5.45434 - 2.29638^2 = 0.18099; E[D] = 3600, Var D = 2000^2 / 12 = 333,333.
    # V_D = Var D E[G]^2 = 1,757,783; V_g = E[D]^2 Var G = 2,345,690;
    # V_Dg = Var D Var G = 60,332; V = 4,163,805.
    # S1_D = 0.4222, S1_g = 0.5634; ST_D = (V_D + V_Dg) / V = 0.4366, ST_g = 0.5778.
    eg = (1.12**11 - 1.05**11) / (11 * 0.07)
    eg2 = (1.12**21 - 1.05**21) / (21 * 0.07)
    var_g, mean_d, var_d = eg2 - eg * eg, 3600.0, 2000.0**2 / 12
    v_d, v_g, v_dg = var_d * eg * eg, mean_d**2 * var_g, var_d * var_g
    v = v_d + v_g + v_dg
    assert round(v_d / v, 4) == 0.4222 and round(v_g / v, 4) == 0.5634
    spec = Spec(
        {
            "market.demand_2030_gwh": Distribution(
                "market.demand_2030_gwh", "uniform", {"min": 2600.0, "max": 4600.0}
            ),
            "market.growth_after_2030_share": Distribution(
                "market.growth_after_2030_share", "uniform", {"min": 0.05, "max": 0.12}
            ),
        }
    )
    scenario = load_scenario("actual-2025")
    key = "market.global_demand_2040"
    res = sa.run(scenario, "sobol", [key], samples=2048, seed=3, spec=spec)
    got = res.indices[key]
    for j, (s1, st) in enumerate([(v_d / v, (v_d + v_dg) / v), (v_g / v, (v_g + v_dg) / v)]):
        _close(got["S1"][j], s1, got["S1_conf"][j])
        _close(got["ST"][j], st, got["ST_conf"][j])


@pytest.mark.parametrize("method", sa.METHODS)
def test_the_same_seed_gives_the_same_result(method: str) -> None:
    scenario = load_scenario("actual-2025")
    keys = ["market.global_demand_2040"]
    n = sa.MIN_SAMPLES[method]
    one = sa.run(scenario, method, keys, samples=n, seed=5).to_json()
    two = sa.run(scenario, method, keys, samples=n, seed=5, chunk=7).to_json()
    assert one == two
    other = sa.run(scenario, method, keys, samples=n, seed=6).to_json()
    assert other != one


def test_delta_leaves_numpy_global_generator_alone() -> None:
    np.random.seed(11)
    expected = np.random.random()
    np.random.seed(11)
    spec = _uniform_spec(["x1", "x2", "x3"], -math.pi, math.pi)
    sa.analyse(spec, "delta", 100, _ishigami, ["y"], seed=0)
    assert np.random.random() == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--samples", "16"], "error: --samples 16: sobol needs at least 32 base samples"),
        (["--samples", "100"], "error: --samples 100: sobol needs a power of two"),
        (["--method", "morris", "-n", "5"], "error: --samples 5: morris needs at least 10"),
        (["--method", "delta", "-n", "99"], "error: --samples 99: delta needs at least 100"),
        (["--method", "fast"], "error: --method 'fast': give one of sobol, morris, delta"),
        (["--samples", "1048576"], "error: --samples 1,048,576: sobol over 30 parameters"),
        (["--outputs", "capacity.domestic_gwh"], "error: --outputs capacity.domestic_gwh"),
        (["--method", "morris", "--second-order"], "error: --second-order: only sobol"),
        # 8,192 x (2 x 30 + 2) = 507,904 runs is allowed without the pairs' design, not with it
        (["-n", "16384", "--second-order"], "error: --samples 16,384: sobol over 30 parameters"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["sensitivity", "-s", "actual-2025", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_samples_names_the_minimum() -> None:
    for method, low in sa.MIN_SAMPLES.items():
        sa.check_samples(method, low if method != "sobol" else 32)
        with pytest.raises(ParameterError, match=f"at least {low}"):
            sa.check_samples(method, low - 1)


def test_cli_writes_json_and_html_with_a_tornado(tmp_path: Path) -> None:
    args = ["sensitivity", "-s", "actual-2025", "--method", "morris", "-n", "10"]
    result = CliRunner().invoke(
        app, [*args, "--outputs", "market.global_demand_2040", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "market.demand_2030_gwh" in result.stdout
    folder = tmp_path / "actual-2025-sensitivity-morris"
    doc = json.loads((folder / "sensitivity.json").read_text(encoding="utf-8"))
    ranked = [p["name"] for p in doc["indicators"]["market.global_demand_2040"]["parameters"]]
    assert set(ranked[:2]) == {"market.demand_2030_gwh", "market.growth_after_2030_share"}
    html = (folder / "sensitivity.html").read_text(encoding="utf-8")
    assert "fig-data" in html and '"orientation":"h"' in html.replace(" ", "")
    assert len(default_spec().names) == doc["runs"] // 10 - 1
    printed = CliRunner().invoke(app, [*args, "--json"])
    assert printed.exit_code == 0
    assert json.loads(printed.stdout)["method"] == "morris"


def test_cli_second_order_gives_every_pair() -> None:
    # sobol N = 32 over the 30 bundled parameters with the pairs: 32 x (2 x 30 + 2) = 1,984
    # runs, and 30 x 29 / 2 = 435 pairs per indicator
    args = ["sensitivity", "-s", "actual-2025", "-n", "32", "--second-order", "--json"]
    result = CliRunner().invoke(app, [*args, "--outputs", "market.global_demand_2040"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["second_order"] is True and doc["runs"] == 1984
    pairs = doc["indicators"]["market.global_demand_2040"]["pairs"]
    assert len(pairs) == 435
    s2 = [p["S2"] for p in pairs if p["S2"] is not None]
    assert s2 == sorted(s2, reverse=True) and len(s2) == 435
