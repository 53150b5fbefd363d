"""The fund's portfolio as a mixed-integer programme (docs/optimize.md).

Each candidate ``i`` is bought ``x_i`` times, a whole number in ``[lo_i, hi_i]`` (a pipeline
plant 0 or 1, or 1 when the scenario has already committed it; a generic block 0 to its
``max_blocks``). With ``v_i`` the value of one unit for the objective, ``s_i`` its subsidy [JPY]
paid evenly over the ``c`` construction years before its first production year, and ``B_t`` the
fund appropriated in year ``t`` (unspent money carries over)::

    maximise   sum_i v_i x_i
    subject to sum_i S_it x_i <= sum_{u <= t} B_u        for every year t  (budget-t)
               the constraints of data/candidates.yaml  (e.g. stage-balance)
               x_i integer, lo_i <= x_i <= hi_i

with ``S_it`` the part of ``s_i`` paid by the end of year ``t``. Amounts enter the matrices in
billions of yen (better scaled for the solver) and leave in yen.

The relaxation (``x_i`` real) gives the shadow prices: the dual ``y_t >= 0`` of ``budget-t`` is
the objective gained per yen more available by year ``t``; one more yen in the whole fund,
spread as the schedule is (``B_u`` scaled), is worth ``sum_t y_t F_t / F`` with ``F_t`` the fund
appropriated by year ``t`` and ``F`` the whole fund.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import N_, ChikudenError, Msg

if TYPE_CHECKING:
    from chikuden.parameters.scenario import Scenario

BN = 1e9  # yen per unit of the matrices [JPY]
OBJECTIVES = ("gwh", "minerals", "carbon")
"""gwh: domestic cell capacity producing by the target year [GWh per year]; minerals: GWh of
cells supplied by the critical-minerals projects producing by then [GWh]; carbon: tonnes CO2e
a year the candidates producing by then avoid in the target year [t CO2e per year], maximised
(:func:`carbon_per_gwh`, docs/optimize.md)."""
OBJECTIVE_UNITS = {
    "gwh": "GWh per year",
    "minerals": "GWh-equivalent",
    "carbon": "t CO2e avoided per year",
}
COLUMNS = (
    "gwh",
    "gwh_target",
    "gwh_eq",
    "gwh_eq_target",
    "co2_t",
    "co2_t_target",
    "subsidy_jpy",
    "capex_jpy",
)
CARBON_KINDS = ("cells_grid", "cells_park", "materials", "minerals")
"""What a candidate avoids per GWh (:func:`carbon_per_gwh`): a cell plant on Japan's grid or in
a clean battery park, a materials plant, a minerals (refining) project."""
MATERIALS_COMPONENTS = ("cathode", "anode", "electrolyte", "other")
"""The carbon domain's components a materials candidate makes (cathode, anode, separator,
electrolyte: the separator is among "other"); a minerals candidate refines (``refining``)."""
MINERALS_COMPONENTS = ("refining",)
KWH_PER_GWH = 1e6
CARBON_CHUNK = 4096  # samples per model evaluation of the Monte Carlo carbon (x 4 scenarios)
KG_PER_T = 1e3
STAGES = ("cells", "materials", "minerals")
KINDS = ("min", "max", "ratio")
MIP_REL_GAP = 1e-4  # HiGHS's default relative gap of a proven MIP optimum


class InfeasibleError(ChikudenError):
    """No portfolio meets the constraints; the message names an irreducible set of them."""


@dataclass(frozen=True)
class Candidate:
    """One project or generic block; figures are per unit bought."""

    id: str
    stage: str
    gwh: float  # cell capacity [GWh per year] (0 for materials and minerals)
    gwh_eq: float  # GWh of cells the unit supplies (its capacity for a cell plant) [GWh]
    capex_jpy: float  # [JPY]
    subsidy_jpy: float  # subsidy the fund pays [JPY]
    start_year: int  # first production year
    max_units: int = 1
    min_units: int = 0
    kind: str = "generic"  # pipeline or generic
    announced: bool = False  # a plan without a construction start (announced realisation share)
    label_en: str = ""
    label_ja: str = ""
    source: tuple[str, ...] = ()
    co2_t: float = 0.0  # CO2e the unit avoids a year once producing [t CO2e per year]
    clean_park: bool = False  # a cell plant in a clean battery park (finance's clean_park flag)

    @property
    def carbon_kind(self) -> str:
        """Its entry of :data:`CARBON_KINDS`."""
        if self.stage == "cells":
            return "cells_park" if self.clean_park else "cells_grid"
        return self.stage


@dataclass(frozen=True)
class Constraint:
    """A linear constraint on the chosen candidates (see data/candidates.yaml)."""

    id: str
    kind: str  # min, max, ratio
    stage: str
    of: str
    value: float = 0.0
    share: float = 0.0
    rhs_stage: str = ""
    rhs_of: str = ""
    note: str = ""


@dataclass(frozen=True)
class Problem:
    """Candidates, the yearly fund and the constraints; :func:`solve` finds the best portfolio."""

    candidates: tuple[Candidate, ...]
    first_year: int  # year of budget_jpy[0]
    budget_jpy: NDArray[np.float64]  # appropriations per year [JPY]
    construction_years: int = 2
    target_year: int = 2030
    objective: str = "gwh"
    constraints: tuple[Constraint, ...] = ()
    existing_gwh: float = 0.0  # domestic cell capacity already producing [GWh per year]
    scenario: str = ""

    @property
    def years(self) -> NDArray[np.int64]:
        return self.first_year + np.arange(self.budget_jpy.size)

    @property
    def fund_jpy(self) -> float:
        return float(self.budget_jpy.sum())

    def with_fund(self, fund_jpy: float) -> Problem:
        """The same problem with the yearly appropriations scaled to total ``fund_jpy``."""
        total = self.fund_jpy
        if total <= 0:
            raise ChikudenError(
                "--fund: the scenario's finance.budget_jpy appropriates nothing, so there is no "
                "schedule to scale; set finance.budget_jpy with --set"
            )
        return replace(self, budget_jpy=self.budget_jpy * (fund_jpy / total))

    def column(self, of: str) -> NDArray[np.float64]:
        """Per-unit figure ``of`` (one of :data:`COLUMNS`) of every candidate."""
        c = self.candidates
        by_target = np.array([x.start_year <= self.target_year for x in c], dtype=bool)
        if of in ("gwh", "gwh_target"):
            v = np.array([x.gwh for x in c], dtype=float)
        elif of in ("gwh_eq", "gwh_eq_target"):
            v = np.array([x.gwh_eq for x in c], dtype=float)
        elif of in ("co2_t", "co2_t_target"):
            v = np.array([x.co2_t for x in c], dtype=float)
        elif of == "subsidy_jpy":
            return np.array([x.subsidy_jpy for x in c], dtype=float)
        elif of == "capex_jpy":
            return np.array([x.capex_jpy for x in c], dtype=float)
        else:
            raise ChikudenError(f"constraint: unknown figure {of!r}; give one of {COLUMNS}")
        return np.where(by_target, v, 0.0) if of.endswith("_target") else v

    def stage_mask(self, stage: str) -> NDArray[np.float64]:
        return np.array([x.stage == stage for x in self.candidates], dtype=float)

    def values(self) -> NDArray[np.float64]:
        """Objective per unit of every candidate [OBJECTIVE_UNITS]."""
        return self.base_values(target=True)

    def base_values(self, target: bool = False) -> NDArray[np.float64]:
        """Objective per unit once producing [OBJECTIVE_UNITS]; ``target``: 0 for a candidate
        that starts after the target year."""
        end = "_target" if target else ""
        if self.objective == "gwh":
            return self.column("gwh" + end) * self.stage_mask("cells")
        if self.objective == "carbon":
            return self.column("co2_t" + end)
        return self.column("gwh_eq" + end) * self.stage_mask("minerals")

    def paid_by(self) -> NDArray[np.float64]:
        """``(years, candidates)``: subsidy per unit paid by the end of each year [JPY]."""
        years = self.years[:, None].astype(float)
        start = np.array([x.start_year for x in self.candidates], dtype=float)[None, :]
        c = float(self.construction_years)
        # paid evenly in the c years start - c .. start - 1: the share paid by the end of year t
        done = np.clip((years - (start - c) + 1.0) / c, 0.0, 1.0)
        # what falls after the last budget year is owed by the last year (the fund must cover it)
        done[-1, :] = 1.0
        return done * self.column("subsidy_jpy")[None, :]

    def rows(self) -> tuple[NDArray[np.float64], NDArray[np.float64], list[str], list[str]]:
        """``A x <= b`` with amounts in billions of yen, the rows' ids and descriptions."""
        a_rows: list[NDArray[np.float64]] = []
        b: list[float] = []
        ids: list[str] = []
        texts: list[str] = []
        paid = self.paid_by() / BN
        available = np.cumsum(self.budget_jpy) / BN
        for k, year in enumerate(self.years):
            a_rows.append(paid[k])
            b.append(float(available[k]))
            ids.append(f"budget-{year}")
            texts.append(
                f"subsidy paid by the end of {year} <= fund appropriated by then "
                f"({available[k]:,.1f} bn yen)"
            )
        for con in self.constraints:
            scale = BN if con.of.endswith("_jpy") else 1.0
            lhs = self.column(con.of) * self.stage_mask(con.stage) / scale
            if con.kind == "min":
                a_rows.append(-lhs)
                b.append(-con.value / scale)
                texts.append(f"{con.of} of {con.stage} >= {con.value:,.4g}")
            elif con.kind == "max":
                a_rows.append(lhs)
                b.append(con.value / scale)
                texts.append(f"{con.of} of {con.stage} <= {con.value:,.4g}")
            else:
                rhs = self.column(con.rhs_of) * self.stage_mask(con.rhs_stage) / scale
                a_rows.append(con.share * rhs - lhs)
                b.append(0.0)
                texts.append(
                    f"{con.of} of {con.stage} >= {con.share:g} x {con.rhs_of} of {con.rhs_stage}"
                )
            ids.append(con.id)
        a = np.vstack(a_rows) if a_rows else np.zeros((0, len(self.candidates)))
        return a, np.array(b, dtype=float), ids, texts

    def bounds(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lo = np.array([x.min_units for x in self.candidates], dtype=float)
        hi = np.array([x.max_units for x in self.candidates], dtype=float)
        return lo, hi


@dataclass(frozen=True)
class Solution:
    """The best portfolio: units of each candidate and its totals."""

    problem: Problem
    units: NDArray[np.float64]
    value: float  # objective [OBJECTIVE_UNITS]

    def total(self, of: str, stage: str | None = None) -> float:
        mask = 1.0 if stage is None else self.problem.stage_mask(stage)
        return float(np.sum(self.problem.column(of) * mask * self.units))

    def spend_by_year(self) -> NDArray[np.float64]:
        """Subsidy paid in each budget year [JPY] (what falls later, in the last year)."""
        paid = self.problem.paid_by() @ self.units
        return np.diff(paid, prepend=0.0)


@dataclass(frozen=True)
class Relaxation:
    """The LP relaxation: its optimum and the shadow prices of its constraints."""

    value: float
    duals: dict[str, float]  # row id -> objective gained per unit more of its right side
    fund_dual_per_jpy: float  # objective gained per yen more in the whole fund
    units: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


@contextmanager
def _solver_stdout_muted() -> Iterator[None]:
    """The process's standard output (file descriptor 1) sent to the null device meanwhile.

    HiGHS as bundled with scipy prints a debug line from C++
    (``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``) straight to
    descriptor 1 on some problems, which corrupted ``chikuden optimize --json``; no solver
    option turns it off. Python's own buffer is flushed before and the C library's after, so
    nothing of ours is lost and nothing of the solver's comes out later.
    """
    import ctypes

    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        ctypes.CDLL(None).fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _milp_call(c: NDArray[np.float64], **kwargs: Any) -> Any:
    """:func:`scipy.optimize.milp` with the solver's stray output muted."""
    from scipy.optimize import milp

    with _solver_stdout_muted():
        return milp(c, **kwargs)


def _milp(
    c: NDArray[np.float64],
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
) -> Any:
    from scipy.optimize import Bounds, LinearConstraint

    cons = [LinearConstraint(a, -np.inf, b)] if a.shape[0] else []
    return _milp_call(
        c, constraints=cons, integrality=np.ones(c.size, dtype=np.int64), bounds=Bounds(lo, hi)
    )


def solve(problem: Problem) -> Solution:
    """The best portfolio; among equally good ones, the one that needs the least subsidy.

    Raises :class:`InfeasibleError` naming the constraints that cannot hold together.
    """
    a, b, _, _ = problem.rows()
    lo, hi = problem.bounds()
    v = problem.values()
    res = _milp(-v, a, b, lo, hi)
    if res.status == 2:
        raise InfeasibleError(infeasible_message(problem))
    if res.status != 0:
        raise ChikudenError(f"optimize: the solver stopped without an optimum: {res.message}")
    best = -float(res.fun)
    # second pass: keep the optimum, spend the least. HiGHS proves an optimum to a relative gap
    # of 1e-4 (its mip_rel_gap), so "as good" means within that gap of the first pass
    tol = MIP_REL_GAP * max(1.0, abs(best))
    cost = problem.column("subsidy_jpy") / BN
    res2 = _milp(cost, np.vstack([a, -v[None, :]]), np.append(b, -(best - tol)), lo, hi)
    x = res2.x if res2.status == 0 else res.x
    units = np.round(np.asarray(x, dtype=float))
    return Solution(problem, units, float(v @ units))


def relax(problem: Problem) -> Relaxation:
    """The LP relaxation (HiGHS) and its duals: the value of one more yen by year and in all."""
    from scipy.optimize import linprog

    a, b, ids, _ = problem.rows()
    lo, hi = problem.bounds()
    v = problem.values()
    res = linprog(
        -v,
        A_ub=a if a.shape[0] else None,
        b_ub=b if a.shape[0] else None,
        bounds=list(zip(lo, hi, strict=True)),
        method="highs",
    )
    if res.status == 2:
        raise InfeasibleError(infeasible_message(problem))
    if res.status != 0:
        raise ChikudenError(f"optimize: the relaxation stopped without an optimum: {res.message}")
    marg = -np.asarray(res.ineqlin.marginals, dtype=float) if a.shape[0] else np.zeros(0)
    duals: dict[str, float] = {}
    n_years = problem.budget_jpy.size
    for k, name in enumerate(ids):
        # budget rows and *_jpy constraints are in bn yen: per yen, divide by BN
        per = BN if k < n_years or problem.constraints[k - n_years].of.endswith("_jpy") else 1.0
        duals[name] = float(marg[k]) / per
    total = problem.fund_jpy
    fund_dual = 0.0
    if total > 0:
        share_by = np.cumsum(problem.budget_jpy) / total
        fund_dual = float(np.sum(marg[:n_years] * share_by)) / BN
    assert res.fun is not None
    return Relaxation(-float(res.fun), duals, fund_dual, np.asarray(res.x, dtype=float))


def step_curve(problem: Problem, funds: Iterable[float]) -> list[float | None]:
    """The optimum for each fund size (the schedule scaled), ``None`` where infeasible."""
    out: list[float | None] = []
    lo, hi = problem.bounds()
    v = problem.values()
    for fund in funds:
        scaled = problem.with_fund(float(fund))
        a, b, _, _ = scaled.rows()
        res = _milp(-v, a, b, lo, hi)
        out.append(0.0 - float(res.fun) if res.status == 0 else None)
    return out


def _feasible(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
) -> bool:
    res = _milp(np.zeros(lo.size), a, b, lo, hi)
    return bool(res.status == 0)


def binding_constraints(problem: Problem) -> list[tuple[str, str]]:
    """An irreducible set of constraints that no portfolio meets together (deletion filter).

    The groups are the rows of :meth:`Problem.rows` and each committed candidate's lower bound
    (``committed-<id>``). One by one, a group is dropped for good if the rest stays infeasible;
    what remains is infeasible and becomes feasible without any one of its members.
    """
    a, b, ids, texts = problem.rows()
    lo, hi = problem.bounds()
    groups = [("row", k) for k in range(len(ids))] + [
        ("lo", i) for i in range(lo.size) if lo[i] > 0
    ]
    kept = set(groups)

    def feasible(active: set[tuple[str, int]]) -> bool:
        rows = [k for kind, k in sorted(active) if kind == "row"]
        lows = np.zeros_like(lo)
        for kind, i in active:
            if kind == "lo":
                lows[i] = lo[i]
        return _feasible(a[rows], b[rows], lows, hi)

    if feasible(kept):
        return []
    for g in groups:
        if not feasible(kept - {g}):
            kept.discard(g)
    out: list[tuple[str, str]] = []
    for kind, k in sorted(kept, key=lambda g: (g[0] != "row", g[1])):
        if kind == "row":
            out.append((ids[k], texts[k]))
        else:
            cand = problem.candidates[k]
            out.append(
                (f"committed-{cand.id}", f"{cand.id} is committed ({cand.min_units:g} unit)")
            )
    return out


def infeasible_message(
    problem: Problem,
    fund: str = "--fund",
    min_gwh: str = "--min-gwh",
    named: list[tuple[str, str]] | None = None,
) -> Msg:
    """Why no portfolio exists, naming the fund and capacity floor as the caller takes them
    (the CLI's options by default; the web's fields ``fund_jpy`` and ``min_gwh``) and the
    constraints that cannot hold together (``named``: :func:`binding_constraints`, found here
    when not given)."""
    named = binding_constraints(problem) if named is None else named
    listed = "; ".join(f"{i} ({t})" for i, t in named) or N_("the bounds")
    return N_(
        "optimize: infeasible, no portfolio meets these constraints together: {listed}. Relax "
        "one of them (a larger {fund}, a lower {min_gwh})",
        listed=listed,
        fund=fund,
        min_gwh=min_gwh,
    )


# -- building a problem from a scenario ---------------------------------------------------------
def _number(spec: Any, value: Any, where: str) -> float:
    """A number, a parameter name, or "A / B" (two parameter names) from candidates.yaml."""
    if isinstance(spec, int | float):
        return float(spec)
    parts = [s.strip() for s in str(spec).split("/")]
    if len(parts) == 1:
        return float(value(parts[0]))
    if len(parts) == 2:
        return float(value(parts[0])) / float(value(parts[1]))
    raise ChikudenError(f"{where}: {spec!r}: give a number, a parameter, or A / B")


def _check_constraint(c: dict[str, Any]) -> None:
    """A constraint of candidates.yaml names a known kind, stages and figures."""
    where = f"candidates.yaml constraint {c.get('id')!r}"
    if c.get("kind") not in KINDS:
        raise ChikudenError(f"{where}: kind {c.get('kind')!r}: give one of {', '.join(KINDS)}")
    sides = [("stage", "of")] + ([("rhs_stage", "rhs_of")] if c["kind"] == "ratio" else [])
    for stage, of in sides:
        if c.get(stage) not in STAGES:
            raise ChikudenError(f"{where}: {stage} {c.get(stage)!r}: give one of {STAGES}")
        if c.get(of) not in COLUMNS:
            raise ChikudenError(f"{where}: {of} {c.get(of)!r}: give one of {COLUMNS}")


def carbon_per_gwh(
    scenario: Scenario, drawn: Mapping[str, NDArray[np.float64]] | None = None
) -> dict[str, NDArray[np.float64]]:
    """CO2e one GWh of a candidate avoids a year in 2030 [t CO2e per GWh], by
    :data:`CARBON_KINDS`, each ``(n,)``.

    drawn : sampled parameters, ``n`` values each (as :meth:`Params.from_samples` takes them);
        none: the scenario's own values (``n = 1``).

    Every footprint is the model's own output for the scenario (one code path per equation):
    ``F_grid``, ``F_park`` (``carbon.footprint_2030_grid``, ``_clean_park``) and the cell
    imported from China ``F_CN`` (``finance.outcome_china_cell_footprint_2030``) [kg CO2e per
    kWh of cell]. A cell plant is counted against cells imported from China, as the finance
    domain's outcomes count the fund's plants (``finance.outcome_co2_avoided_china_*``), per
    year instead of over the plant's life::

        cells_grid = T (F_CN - F_grid)        cells_park = T (F_CN - F_park)
        T = u 1e6 / 1000   [t per GWh of capacity per kg/kWh; u = capacity.utilisation_share]

    A materials (minerals) candidate makes in Japan, on Japan's grid, what is otherwise made
    where the materials are made (``carbon.materials_grid_kgco2e_per_kwh``): with ``M`` the
    materials' footprint (``carbon.materials_footprint_2030``) with the
    ``carbon.<component>_japan_share`` of its components (:data:`MATERIALS_COMPONENTS`,
    :data:`MINERALS_COMPONENTS`) at 0 and at 1, everything else made abroad::

        materials = T (M(abroad) - M(its components in Japan))
    """
    from chikuden.model.carbon import COMPONENTS
    from chikuden.parameters.params import Params
    from chikuden.results import evaluate

    given = {k: np.asarray(v, dtype=float) for k, v in (drawn or {}).items()}
    n = next(iter(given.values())).shape[0] if given else 1
    own = Params.from_scenarios([scenario])
    # four blocks of n: as given; every component abroad; the materials in Japan; the refining
    values = {k: np.concatenate([v] * 4) for k, v in given.items()}
    for name in COMPONENTS:
        key = f"carbon.{name}_japan_share"
        as_given = given.get(key, np.broadcast_to(own[key], (n,)))
        materials = float(name in MATERIALS_COMPONENTS)
        minerals = float(name in MINERALS_COMPONENTS)
        values[key] = np.concatenate(
            [as_given, np.zeros(n), np.full(n, materials), np.full(n, minerals)]
        )
    keys = (
        "carbon.footprint_2030_grid",
        "carbon.footprint_2030_clean_park",
        "finance.outcome_china_cell_footprint_2030",
        "carbon.materials_footprint_2030",
    )
    res = evaluate(Params.from_samples(scenario, values), outputs=list(keys))
    grid, park, china, mat = (np.asarray(res.indicators[k], dtype=float) for k in keys)
    u = np.broadcast_to(res.params["capacity.utilisation_share"], (4 * n,))[:n]
    t = u * KWH_PER_GWH / KG_PER_T
    return {
        "cells_grid": t * (china[:n] - grid[:n]),
        "cells_park": t * (china[:n] - park[:n]),
        "materials": t * (mat[n : 2 * n] - mat[2 * n : 3 * n]),
        "minerals": t * (mat[n : 2 * n] - mat[3 * n :]),
    }


def _project_subsidy_jpy(scenario: Scenario) -> NDArray[np.float64]:
    """Each plants row's subsidy under the finance domain's rules [JPY], ``(rows,)``: the fund
    step's ``finance.project_subsidy_jpy`` (capex x the rate of the row's kind, capped, with
    its R&D part at the R&D rate; 0 for a row that does not qualify)."""
    from chikuden.results import evaluate

    res = evaluate(scenario, outputs=["finance.project_subsidy_jpy"])
    return np.asarray(res.rows["finance.project_subsidy_jpy"][0], dtype=float)


def _generic_rate(g: dict[str, Any], value: Any, params: Any) -> float:
    """A generic block's subsidy rate under the finance domain's rules (:func:`finance.rules`):
    its ``subsidy_flags`` (a number or a parameter each; absent: 0) and ``rd_share``."""
    from chikuden.model.finance import rules
    from chikuden.model.finance.subsidy import FLAGS

    flags = dict(g.get("subsidy_flags") or {})
    unknown = sorted(set(flags) - set(FLAGS))
    if unknown:
        raise ChikudenError(
            f"candidates.yaml {g['id']}: subsidy_flags {unknown[0]!r}: give flags of "
            f"{', '.join(FLAGS)}"
        )
    given = {f: _number(flags.get(f, 0), value, g["id"]) for f in FLAGS}
    for f, v in given.items():
        if v not in (0.0, 1.0):
            raise ChikudenError(
                f"candidates.yaml {g['id']}: subsidy_flags {f} is {v:g}: give 0 or 1 (or a "
                "flag parameter)"
            )
    rd_share = _number(g.get("rd_share", 0), value, g["id"])
    if not 0.0 <= rd_share <= 1.0:
        raise ChikudenError(
            f"candidates.yaml {g['id']}: rd_share {rd_share:g}: give a share from 0 to 1"
        )
    arrays = [np.array([v]) for v in given.values()]
    return float(rules(params).rate(arrays, np.array([rd_share]))[0])


def build(
    scenario: Scenario,
    objective: str = "gwh",
    fund_jpy: float | None = None,
    min_gwh: float | None = None,
) -> Problem:
    """The programme of a scenario: its pipeline, the generic candidates, its fund schedule."""
    from chikuden.data import read_yaml
    from chikuden.horizon import FIRST_YEAR
    from chikuden.model.carbon import TARGET_YEAR as CARBON_YEAR
    from chikuden.model.finance import plant_capex_jpy
    from chikuden.parameters.params import Params

    if objective not in OBJECTIVES:
        raise ChikudenError(f"--objective {objective!r}: give one of {', '.join(OBJECTIVES)}")
    if fund_jpy is not None and not (0 <= fund_jpy <= 1e14 and math.isfinite(fund_jpy)):
        raise ChikudenError(f"--fund {fund_jpy:g}: give an amount from 0 to 1e14 yen")
    if min_gwh is not None and not (0 <= min_gwh <= 1e4 and math.isfinite(min_gwh)):
        raise ChikudenError(f"--min-gwh {min_gwh:g}: give a capacity from 0 to 10,000 GWh")
    data = read_yaml("candidates.yaml")
    target = int(data["target_year"])
    if target != CARBON_YEAR:
        raise ChikudenError(
            f"candidates.yaml target_year {target}: the carbon domain's footprints are for "
            f"{CARBON_YEAR}; give {CARBON_YEAR}"
        )
    params = Params.from_scenarios([scenario])

    def value(name: str) -> float:
        return float(np.asarray(params[name])[0])

    per_gwh = {
        stage: _number(spec, value, f"candidates.yaml stage {stage}")
        for stage, spec in data["stage_capex_jpy_per_gwh"].items()
    }
    co2_per_gwh = {k: float(v[0]) for k, v in carbon_per_gwh(scenario).items()}
    plant_capex = plant_capex_jpy(params)[0]  # the finance domain's yen per plants row
    plant_subsidy = _project_subsidy_jpy(scenario)  # and its subsidy under the rules
    pipeline_date = value("capacity.pipeline_date")
    cands: list[Candidate] = []
    existing = 0.0
    rows = scenario.value("capacity.plants").rows
    for row, row_capex, row_subsidy in zip(rows, plant_capex, plant_subsidy, strict=True):
        if row["region"] != "JP" or float(row.get("withdrawn", 99991231)) <= pipeline_date:
            continue
        gwh = float(row["gwh"])
        if row["status"] == "existing":
            existing += gwh if row["stage"] == "cells" else 0.0
            continue
        capex = float(row_capex)
        stage = str(row["stage"])
        eq = gwh if stage == "cells" else capex / per_gwh[stage]
        committed = row["status"] == "certified" and float(row.get("announced", 0)) <= pipeline_date
        clean = stage == "cells" and float(row.get("clean_park", 0)) > 0.5
        cand = Candidate(
            id=str(row["id"]),
            stage=stage,
            gwh=gwh if stage == "cells" else 0.0,
            gwh_eq=eq,
            capex_jpy=capex,
            subsidy_jpy=float(row_subsidy),
            start_year=int(row["start_year"]),
            min_units=1 if committed else 0,
            kind="pipeline",
            announced=row["status"] != "certified",
            label_en=str(row["company"]),
            label_ja=str(row.get("company_ja") or row["company"]),  # empty: as in company
            source=tuple(row.get("source", ())),
            clean_park=clean,
        )
        cands.append(replace(cand, co2_t=eq * co2_per_gwh[cand.carbon_kind]))
    for g in data["generic"]:
        block = _number(g["block_gwh"], value, g["id"])
        capex = block * _number(g["capex_jpy_per_gwh"], value, g["id"])
        stage = str(g["stage"])
        clean = (
            stage == "cells"
            and _number((g.get("subsidy_flags") or {}).get("clean_park", 0), value, g["id"]) > 0.5
        )
        cand = Candidate(
            id=str(g["id"]),
            stage=stage,
            gwh=block if stage == "cells" else 0.0,
            gwh_eq=block,
            capex_jpy=capex,
            subsidy_jpy=capex * _generic_rate(g, value, params),
            start_year=int(_number(g["start_year"], value, g["id"])),
            max_units=int(g["max_blocks"]),
            label_en=str(g["label_en"]),
            label_ja=str(g["label_ja"]),
            source=tuple(g.get("source", ())),
            clean_park=clean,
        )
        cands.append(replace(cand, co2_t=block * co2_per_gwh[cand.carbon_kind]))
    for c in data.get("constraints", []):
        _check_constraint(c)
    constraints = [
        Constraint(
            id=str(c["id"]),
            kind=str(c["kind"]),
            stage=str(c["stage"]),
            of=str(c["of"]),
            value=float(c.get("value", 0.0)),
            share=float(c.get("share", 0.0)),
            rhs_stage=str(c.get("rhs_stage", "")),
            rhs_of=str(c.get("rhs_of", "")),
            note=str(c.get("note", "")),
        )
        for c in data.get("constraints", [])
    ]
    if min_gwh is not None:
        constraints.append(
            Constraint("min-gwh", "min", "cells", "gwh_target", value=max(min_gwh - existing, 0.0))
        )
    budget = np.asarray(params["finance.budget_jpy"], dtype=float)[0]
    construction = int(value("finance.construction_years"))
    # the budget years: from the first year anything is appropriated or paid to the last
    starts = [c.start_year for c in cands]
    paid_years = [s - construction for s in starts] + [s - 1 for s in starts]
    funded = [FIRST_YEAR + int(k) for k in np.flatnonzero(budget > 0)]
    first: int = max(min(paid_years + funded), FIRST_YEAR)
    last: int = max(paid_years + funded)
    schedule = np.zeros(last - first + 1)
    for k, amount in enumerate(budget):
        year = FIRST_YEAR + k
        if first <= year <= last:
            schedule[year - first] += amount
        elif year < first:
            schedule[0] += amount
    problem = Problem(
        candidates=tuple(cands),
        first_year=first,
        budget_jpy=schedule,
        construction_years=construction,
        target_year=target,
        objective=objective,
        constraints=tuple(constraints),
        existing_gwh=existing,
        scenario=scenario.name,
    )
    return problem if fund_jpy is None else problem.with_fund(fund_jpy)


def fund_grid(fund_jpy: float, points: int = 41) -> NDArray[np.float64]:
    """Fund sizes for the step curve: 0 to twice the fund [JPY]."""
    top = 2.0 * fund_jpy if fund_jpy > 0 else 1e12
    return np.linspace(0.0, top, points)


def to_json(
    solution: Solution, relaxation: Relaxation, funds: Sequence[float], curve: Sequence[Any]
) -> dict[str, Any]:
    """The result as plain data (``chikuden optimize --json``)."""
    p = solution.problem
    chosen = [
        {
            "id": c.id,
            "label": c.label_en,
            "label_ja": c.label_ja,
            "kind": c.kind,
            "stage": c.stage,
            "units": int(u),
            "committed": c.min_units > 0,
            "gwh": c.gwh * u,
            "gwh_eq": c.gwh_eq * u,
            "co2_t": c.co2_t * u,
            "clean_park": c.clean_park,
            "start_year": c.start_year,
            "capex_jpy": c.capex_jpy * u,
            "subsidy_jpy": c.subsidy_jpy * u,
        }
        for c, u in zip(p.candidates, solution.units, strict=True)
        if u > 0
    ]
    return {
        "scenario": p.scenario,
        "objective": p.objective,
        "objective_unit": OBJECTIVE_UNITS[p.objective],
        "target_year": p.target_year,
        "fund_jpy": p.fund_jpy,
        "value": solution.value,
        "existing_gwh": p.existing_gwh,
        "domestic_gwh_target_year": p.existing_gwh + solution.total("gwh_target", "cells"),
        "totals": {
            "subsidy_jpy": solution.total("subsidy_jpy"),
            "capex_jpy": solution.total("capex_jpy"),
            "co2_t_target": solution.total("co2_t_target"),
            **{f"gwh_eq_{s}": solution.total("gwh_eq", s) for s in STAGES},
        },
        "spend_by_year_jpy": {
            str(y): float(s) for y, s in zip(p.years, solution.spend_by_year(), strict=True)
        },
        "portfolio": chosen,
        "relaxation": {
            "value": relaxation.value,
            "value_per_jpy_of_fund": relaxation.fund_dual_per_jpy,
            "duals": relaxation.duals,
        },
        "step_curve": [
            {"fund_jpy": float(f), "value": v} for f, v in zip(funds, curve, strict=True)
        ],
    }


# -- Monte Carlo: the best portfolio in expectation or at a risk level ------------------------
@dataclass(frozen=True)
class RiskSolution:
    """The portfolio that maximises the mean of the worst ``alpha`` share of the samples."""

    solution: Solution
    alpha: float
    cvar: float  # mean of the worst alpha share of the sampled objective [OBJECTIVE_UNITS]
    mean: float  # mean over the samples


def outcomes(
    problem: Problem, scenario: Scenario, samples: int, seed: int = 0
) -> NDArray[np.float64]:
    """``(samples, candidates)``: the objective per unit of each candidate in each sample.

    The samples draw the scenario's distributions (data/uncertainty.yaml and its
    ``uncertainty:`` key, docs/uncertainty.md): ``capacity.delay_years`` moves every start year
    (a unit counts only if it still produces by the target year) and a candidate counts at
    ``capacity.realisation_share``, or ``capacity.announced_realisation_share`` if announced,
    as the capacity domain counts plants. Costs stay as planned: the fund is committed now.
    With the carbon objective, a unit's CO2e avoided is recomputed in each sample from the
    sampled parameters (:func:`carbon_per_gwh`: grid factors, utilisation, ...).
    """
    from chikuden.parameters.params import Params
    from chikuden.uncertainty.distributions import scenario_spec
    from chikuden.uncertainty.sampling import Sampler

    spec = scenario_spec(scenario.uncertainty, f"scenario {scenario.name}")
    drawn = Sampler(spec, samples, seed).sample(0, samples)
    params = Params.from_scenarios([scenario])

    def draw(name: str) -> NDArray[np.float64]:
        if name in drawn:
            return np.asarray(drawn[name], dtype=float)
        return np.full(samples, float(np.asarray(params[name])[0]))

    delay = draw("capacity.delay_years")[:, None]
    certified = draw("capacity.realisation_share")[:, None]
    announced = draw("capacity.announced_realisation_share")[:, None]
    start = np.array([c.start_year for c in problem.candidates], dtype=float)[None, :]
    is_announced = np.array([c.announced for c in problem.candidates], dtype=bool)[None, :]
    share = np.where(is_announced, announced, certified)
    on_time = start + delay <= problem.target_year
    if problem.objective == "carbon":
        per = _carbon_per_sample(scenario, drawn, samples)
        kinds = [c.carbon_kind for c in problem.candidates]
        base = problem.column("gwh_eq")[None, :] * np.stack([per[k] for k in kinds], axis=1)
    else:
        base = problem.base_values()[None, :]
    out: NDArray[np.float64] = np.where(on_time, share * base, 0.0)
    return out


def _carbon_per_sample(
    scenario: Scenario, drawn: Mapping[str, NDArray[np.float64]], samples: int
) -> dict[str, NDArray[np.float64]]:
    """:func:`carbon_per_gwh` of every sample, ``(samples,)`` each, :data:`CARBON_CHUNK`
    samples at a time (four model scenarios each: the memory stays bounded)."""
    if not drawn:
        return {k: np.broadcast_to(v, (samples,)) for k, v in carbon_per_gwh(scenario).items()}
    per = {k: np.empty(samples) for k in CARBON_KINDS}
    for lo in range(0, samples, CARBON_CHUNK):
        hi = min(lo + CARBON_CHUNK, samples)
        part = carbon_per_gwh(scenario, {k: np.asarray(v)[lo:hi] for k, v in drawn.items()})
        for k in CARBON_KINDS:
            per[k][lo:hi] = part[k]
    return per


def cvar(values: NDArray[np.float64], alpha: float) -> float:
    """Mean of the worst ``alpha`` share of ``values`` (fractional weight on the boundary)."""
    v = np.sort(np.asarray(values, dtype=float))
    k = alpha * v.size
    whole = math.floor(k)
    total = float(v[:whole].sum()) + (k - whole) * (float(v[whole]) if whole < v.size else 0.0)
    return total / k


def solve_risk(problem: Problem, sampled: NDArray[np.float64], alpha: float) -> RiskSolution:
    """The portfolio with the highest CVaR at ``alpha`` (1: the highest mean) over the samples.

    Rockafellar and Uryasev's form: maximise ``eta - sum_s u_s / (alpha S)`` with
    ``u_s >= eta - o_s . x`` and ``u_s >= 0``; at the optimum ``eta`` is the alpha-quantile and
    the objective the mean of the samples below it.
    """
    if not (0 < alpha <= 1 and math.isfinite(alpha)):
        raise ChikudenError(f"--risk {alpha:g}: give a share above 0 and at most 1 (1: the mean)")
    a, b, _, _ = problem.rows()
    lo, hi = problem.bounds()
    s, n = sampled.shape
    c = np.concatenate([np.zeros(n), [-1.0], np.full(s, 1.0 / (alpha * s))])
    top = np.hstack([a, np.zeros((a.shape[0], 1 + s))])
    tail = np.hstack([-sampled, np.ones((s, 1)), -np.eye(s)])
    from scipy.optimize import Bounds, LinearConstraint

    matrix = np.vstack([top, tail])
    rhs = np.append(b, np.zeros(s))
    integrality = np.concatenate([np.ones(n, dtype=np.int64), np.zeros(1 + s, dtype=np.int64)])
    bounds = Bounds(
        np.concatenate([lo, [-np.inf], np.zeros(s)]),
        np.concatenate([hi, [np.inf], np.full(s, np.inf)]),
    )
    res = _milp_call(
        c,
        constraints=[LinearConstraint(matrix, -np.inf, rhs)],
        integrality=integrality,
        bounds=bounds,
    )
    if res.status == 2:
        raise InfeasibleError(infeasible_message(problem))
    if res.status != 0:
        raise ChikudenError(f"optimize: the solver stopped without an optimum: {res.message}")
    # second pass: keep that CVaR (within HiGHS's gap) and take the best mean
    best = -float(res.fun)
    keep = np.vstack([matrix, c[None, :]])
    mean = np.concatenate([-sampled.mean(axis=0), np.zeros(1 + s)])
    res2 = _milp_call(
        mean,
        constraints=[
            LinearConstraint(
                keep, -np.inf, np.append(rhs, -best + MIP_REL_GAP * max(1.0, abs(best)))
            )
        ],
        integrality=integrality,
        bounds=bounds,
    )
    if res2.status == 0:
        res = res2
    units = np.round(np.asarray(res.x[:n], dtype=float))
    per_sample = sampled @ units
    sol = Solution(problem, units, float(problem.values() @ units))
    return RiskSolution(sol, alpha, cvar(per_sample, alpha), float(per_sample.mean()))


__all__ = [
    "OBJECTIVES",
    "Candidate",
    "Constraint",
    "InfeasibleError",
    "Problem",
    "Relaxation",
    "RiskSolution",
    "Solution",
    "binding_constraints",
    "build",
    "carbon_per_gwh",
    "cvar",
    "fund_grid",
    "outcomes",
    "relax",
    "solve",
    "solve_risk",
    "step_curve",
    "to_json",
]
