"""``chikuden optimize`` at scale (issue 15): 1,000 candidates over 10 budget years.

A seeded synthetic instance: 1,000 candidates in the three stages (cell plants, materials and
minerals projects) with capacities, subsidies and start years drawn at random, a fund of 10
yearly appropriations that buys about a third of them, and the stage balance (materials for at
least half of the cells built). Prints the wall time of the MIP (both passes of
:func:`chikuden.optimize.portfolio.solve`), of its LP relaxation in the same run and their
ratio, and of a 5-point step curve. Target: the MIP <= 10 s (checked here, never in tests).
"""

from __future__ import annotations

import time

import numpy as np

from chikuden.optimize.portfolio import (
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
    cands = tuple(
        Candidate(
            id=f"c{i}",
            stage=str(stages[i]),
            gwh=float(gwh[i]) if stages[i] == "cells" else 0.0,
            gwh_eq=float(gwh[i]),
            capex_jpy=3 * float(gwh[i] * per_gwh[i]),
            subsidy_jpy=float(gwh[i] * per_gwh[i]),
            start_year=int(start[i]),
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


def _time(fn: object) -> float:
    assert callable(fn)
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    problem = instance()
    relax(problem)  # warm imports
    t_lp = _time(lambda: relax(problem))
    t_mip = _time(lambda: solve(problem))
    funds = fund_grid(problem.fund_jpy, 5)
    t_curve = _time(lambda: step_curve(problem, funds))
    gap = relax(problem).value - solve(problem).value
    print(f"{N:,} candidates, {YEARS} years: MIP {t_mip:.2f} s (target <= 10 s)")
    print(f"LP relaxation in the same run: {t_lp:.3f} s; ratio MIP / LP {t_mip / t_lp:.1f}x")
    print(f"step curve, 5 fund sizes: {t_curve:.2f} s; LP - MIP optimum {gap:.3g} GWh")


if __name__ == "__main__":
    main()
