"""``chikuden sensitivity`` at the issue's size (issue 15): Sobol with 30 parameters, N = 1,024.

The 30 bundled distributions of data/uncertainty.yaml around actual-2025 (every model domain,
each range with its sources), the four default indicators, and SALib's default design, the one
with second-order indices (``--second-order``): N (2d + 2) = 1,024 x 62 = 63,488 runs. (The
issue's 64,512 is 1,024 runs more, N (2d + 3); the model alone is also timed on that many.)

Target (checked here, never in tests): at most 10 s. Prints, with wall and CPU time
(``process_time``; this machine's 2 cores are shared, so the load average is printed too):
the whole analysis (design, quantile functions, chunked evaluation, SALib's analysis with its
bootstrap of S1, ST and S2); the two parts it cannot do without, measured alone in the same
run: the model on the same runs in the same chunks (the batch built from the values drawn
beforehand) and SALib's analysis of the same outputs; and the ratio of the whole to their sum.
The first-order design, N (d + 2) = 32,768 runs, is timed too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario, load_scenario
from chikuden.results import evaluate, output_keys
from chikuden.uncertainty import sensitivity as sa
from chikuden.uncertainty.distributions import Spec, default_spec

N = 1024
D = 30
ISSUE_RUNS = 64_512
TARGET_S = 10.0
REPEAT = 2


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    scenario = load_scenario("actual-2025")
    spec = default_spec()
    d = len(spec.names)
    assert d == D, f"data/uncertainty.yaml has {d} distributions; the issue's figure needs {D}"
    keys = list(output_keys(list(sa.DEFAULT_OUTPUTS)))
    sa.run(scenario, "sobol", keys, samples=32, seed=0, spec=spec, second_order=True)  # warm

    for second in (True, False):
        _measure(scenario, spec, keys, second)
    _, values = sa.design(spec, "sobol", N, 1, True)
    start, cpu = time.perf_counter(), time.process_time()
    _model(scenario, values, keys, ISSUE_RUNS)
    print(
        f"the model alone on the issue's {ISSUE_RUNS:,} runs: {time.perf_counter() - start:.2f} s "
        f"wall, {time.process_time() - cpu:.2f} s CPU"
    )


def _measure(scenario: Scenario, spec: Spec, keys: list[str], second: bool) -> None:
    """Time the analysis with (or without) the pairs' design and its two parts alone."""
    x, values = sa.design(spec, "sobol", N, 1, second)
    runs = len(x)
    ys = _model(scenario, values, keys, runs)
    # what the analysis gives indices for: not an output undefined somewhere or constant
    analysed = [k for k in keys if np.isfinite(ys[k]).all() and np.ptp(ys[k]) > 0]
    # each the best of REPEAT (the least disturbed by the machine's other load): the whole,
    # its model alone and SALib's analysis alone, measured in turn
    whole, model, salib = [], [], []
    for _ in range(REPEAT):
        whole.append(
            _timed(
                lambda: sa.run(
                    scenario, "sobol", keys, samples=N, seed=1, spec=spec, second_order=second
                )
            )
        )
        model.append(_timed(lambda: _model(scenario, values, keys, runs)))
        salib.append(_timed(lambda: [sa._indices("sobol", x, ys[k], 1, second) for k in analysed]))
    (t_run, c_run), (t_model, c_model), (t_salib, c_salib) = min(whole), min(model), min(salib)
    what = "S1, ST and S2" if second else "S1 and ST"
    verdict = "met" if t_run <= TARGET_S else "NOT met"
    print(
        f"chikuden sensitivity, sobol ({what}), {len(spec.names)} parameters, N = {N:,}: "
        f"{runs:,} runs in {t_run:.2f} s wall, {c_run:.2f} s CPU (best of {REPEAT}; target <= "
        f"{TARGET_S:g} s wall: {verdict}); load {_load()}"
    )
    print(
        f"  alone, in the same run: the model on the same runs {t_model:.2f} s wall, "
        f"{c_model:.2f} s CPU; SALib's analysis of the {len(analysed)} outputs with indices "
        f"{t_salib:.2f} s wall, {c_salib:.2f} s CPU; whole / (model + SALib): "
        f"{t_run / (t_model + t_salib):.2f}x wall, {c_run / (c_model + c_salib):.2f}x CPU"
    )


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU time of one call [s]."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def _model(
    scenario: Scenario, values: dict[str, NDArray[np.float64]], keys: list[str], runs: int
) -> dict[str, NDArray[np.float64]]:
    """The asked outputs of ``runs`` runs of the design's values (repeated past its end), in
    chunks of :data:`sa.CHUNK` like the analysis."""
    rows = len(next(iter(values.values())))
    tiled = {k: np.resize(v, runs) for k, v in values.items()} if runs != rows else values
    ys = {k: np.empty(runs) for k in keys}
    for lo in range(0, runs, sa.CHUNK):
        chunk = {k: v[lo : lo + sa.CHUNK] for k, v in tiled.items()}
        res = evaluate(Params.from_samples(scenario, chunk), outputs=keys)
        for k in keys:
            ys[k][lo : lo + sa.CHUNK] = res.indicators[k]
    return ys


if __name__ == "__main__":
    main()
