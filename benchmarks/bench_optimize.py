"""``chikuden optimize`` at scale (issue 15): 1,000 candidates over 10 budget years.

A seeded synthetic instance: 1,000 candidates in the three stages (cell plants, materials and
minerals projects) with capacities, subsidies, start years and CO2e avoided drawn at random, a
fund of 10 yearly appropriations that buys about a third of them, and the stage balance
(materials for at least half of the cells built). For each objective (gwh, carbon), prints the
wall time of the MIP (both passes of :func:`chikuden.optimize.portfolio.solve`), of its LP
relaxation in the same run (the peer, a lower bound of the work) and their ratio, and of a
5-point step curve. Target: the MIP <= 10 s (checked here, never in tests).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from chikuden.optimize.portfolio import (
    OBJECTIVE_UNITS,
    Candidate,
    Constraint,
    Problem,
    fund_grid,
    relax,
    solve,
    step_curve,
)

N = 1_000
YEARS = 10


def instance(seed: int = 0) -> Problem:
    rng = np.random.default_rng(seed)
    stages = rng.choice(["cells", "materials", "minerals"], size=N, p=[0.5, 0.3, 0.2])
    gwh = rng.uniform(1.0, 40.0, size=N)
    per_gwh = rng.uniform(3e9, 10e9, size=N)  # subsidy per GWh [JPY]
    start = rng.integers(2024, 2022 + YEARS + 2, size=N)
    co2 = rng.uniform(0.0, 8_000.0, size=N)  # t CO2e avoided a year per GWh
    cands = tuple(
        Candidate(
            id=f"c{i}",
            stage=str(stages[i]),
            gwh=float(gwh[i]) if stages[i] == "cells" else 0.0,
            gwh_eq=float(gwh[i]),
            capex_jpy=3 * float(gwh[i] * per_gwh[i]),
            subsidy_jpy=float(gwh[i] * per_gwh[i]),
            start_year=int(start[i]),
            co2_t=float(gwh[i] * co2[i]),
        )
        for i in range(N)
    )
    total = sum(c.subsidy_jpy for c in cands) / 3
    return Problem(
        candidates=cands,
        first_year=2022,
        budget_jpy=np.full(YEARS, total / YEARS),
        construction_years=2,
        constraints=(
            Constraint("stage-balance", "ratio", "materials", "gwh_eq", 0, 0.5, "cells", "gwh"),
        ),
    )


def _time(fn: Callable[..., object], *args: object) -> tuple[float, float]:
    """Wall and CPU seconds of ``fn(*args)`` (CPU: this process, every thread)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    # CPU seconds beside the wall time: on the shared machine the wall time counts the waits
    # for a core while other processes run
    for objective in ("gwh", "carbon"):
        problem = replace(instance(), objective=objective)
        unit = OBJECTIVE_UNITS[objective]
        relax(problem)  # warm imports
        t_lp, c_lp = _time(relax, problem)
        t_mip, c_mip = _time(solve, problem)
        t_curve, c_curve = _time(step_curve, problem, fund_grid(problem.fund_jpy, 5))
        lp, mip = relax(problem).value, solve(problem).value
        print(
            f"{objective}: {N:,} candidates, {YEARS} years: MIP {t_mip:.2f} s wall, "
            f"{c_mip:.2f} s CPU (target <= 10 s)"
        )
        print(
            f"  LP relaxation in the same run: {t_lp:.3f} s wall, {c_lp:.3f} s CPU; "
            f"ratio MIP / LP {t_mip / t_lp:.1f}x wall, {c_mip / c_lp:.1f}x CPU"
        )
        print(
            f"  step curve, 5 fund sizes: {t_curve:.2f} s wall, {c_curve:.2f} s CPU; "
            f"LP - MIP optimum {lp - mip:.3g} {unit} ({(lp - mip) / lp:.2%})"
        )
    print(f"load average over the last minute: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
