"""``chikuden sensitivity`` at the issue's size (issue 15): Sobol with 30 parameters, N = 1,024.

The 17 bundled distributions around actual-2025 plus 13 more scalar parameters of the capacity,
finance, workforce and market domains, each uniform on its default plus or minus 10% (inside its
declared range; a parameter whose ends the batch refuses is skipped): 30 parameters. Saltelli's
design for S1 and ST is N (d + 2) = 1,024 * 32 = 32,768 runs. The issue's 64,512 runs count a
design about twice as large (second-order indices need N (2d + 2) = 63,488 in SALib); both run
counts are timed for the model alone.

Prints the time of the whole analysis (design, quantile functions, chunked evaluation of the
default indicators, SALib's analysis with its bootstrap), the model alone on the same runs in
the same chunks (the batch built from the values drawn beforehand), and their ratio.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from chikuden.parameters.declarations import declarations
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario, load_scenario
from chikuden.results import evaluate, output_keys
from chikuden.uncertainty import sensitivity as sa
from chikuden.uncertainty.distributions import Distribution, Spec, default_spec

N = 1024
D = 30
DOMAINS = ("capacity.", "finance.", "workforce.", "market.")


def spec_of_30(scenario: Scenario) -> Spec:
    """The bundled spec and uniform +-10% on further scalar parameters, up to :data:`D`."""
    base = default_spec()
    dists = dict(base.distributions)
    decls = declarations()
    for name, decl in decls.items():
        if len(dists) == D:
            break
        if (
            name in dists
            or not name.startswith(DOMAINS)
            or decl.kind != "scalar"
            or decl.integer
            or name.endswith("_date")  # a calendar year: +-10% would be centuries
            or not isinstance(decl.default, int | float)
            or decl.default <= 0
        ):
            continue
        lo = max(decl.min, 0.9 * float(decl.default))
        hi = min(decl.max, 1.1 * float(decl.default))
        if not lo < hi:
            continue
        try:
            res = evaluate(Params.from_samples(scenario, {name: np.array([lo, hi])}))
        except Exception:
            continue  # a rule between parameters refuses one end
        if not np.all(np.isfinite(res.indicators["capacity.domestic_2030"])):
            continue
        dists[name] = Distribution(name, "uniform", {"min": lo, "max": hi})
    return Spec(dists, dict(base.correlations))


def main() -> None:
    scenario = load_scenario("actual-2025")
    spec = spec_of_30(scenario)
    d = len(spec.names)
    added = [n for n in spec.names if n not in default_spec().distributions]
    print(f"added uniform +-10%: {', '.join(added)}")
    keys = output_keys(list(sa.DEFAULT_OUTPUTS))
    sa.run(scenario, "sobol", keys, samples=32, seed=0, spec=spec)  # warm caches and imports

    start = time.perf_counter()
    result = sa.run(scenario, "sobol", keys, samples=N, seed=1, spec=spec)
    t_run = time.perf_counter() - start

    def bare(runs: int) -> float:
        _, values = sa.design(spec, "sobol", N, 1)
        rows = len(next(iter(values.values())))
        tiled = {k: np.resize(v, runs) for k, v in values.items()} if runs != rows else values
        start = time.perf_counter()
        for lo in range(0, runs, sa.CHUNK):
            chunk: dict[str, NDArray[np.float64]] = {
                k: v[lo : lo + sa.CHUNK] for k, v in tiled.items()
            }
            evaluate(Params.from_samples(scenario, chunk), outputs=keys)
        return time.perf_counter() - start

    t_bare = bare(result.runs)
    t_issue = bare(64_512)
    print(
        f"chikuden sensitivity, sobol, {d} parameters, N = {N:,}: {result.runs:,} runs "
        f"in {t_run:.2f} s"
    )
    print(
        f"model alone on the same {result.runs:,} runs: {t_bare:.2f} s; ratio {t_run / t_bare:.2f}x"
    )
    print(f"model alone on the issue's 64,512 runs: {t_issue:.2f} s")


if __name__ == "__main__":
    main()
