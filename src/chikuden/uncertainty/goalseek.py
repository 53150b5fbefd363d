"""What it takes: the value of a parameter (or the smallest joint change of several) at which an
indicator reaches a target, for every scenario of a batch at once (``chikuden solve``).

The path searched. One parameter ``x`` with current value ``c`` in its declared range
``[lo, hi]`` is searched over the whole range through a scalar ``s`` in ``[-1, 1]``:
``x(s) = c + s (hi - c)`` for ``s >= 0`` and ``x(s) = c + |s| (lo - c)`` for ``s < 0``, so
``s = 0`` is the current value and ``s = ±1`` the bounds. Several parameters move together
along the same ``s``: each has a direction ``d_i``, the sign of (indicator with ``x_i`` at its
maximum) minus (indicator with ``x_i`` at its minimum), the others at their current values;
``s > 0`` moves every parameter from its current value toward the bound that raises the
indicator (its maximum when ``d_i > 0``, its minimum when ``d_i < 0``) and ``s < 0`` toward the
bound that lowers it, each by the share ``|s|`` of the way to that bound (a parameter with no
effect, ``d_i = 0``, stays). The answer is the smallest ``|s|`` that meets the target: the
smallest change, as a share of the way from where each parameter is to the bound that helps.
With one parameter ``|s|`` is the same share and the answer is simply its value.

The search. Monotonicity is not assumed: the indicator is evaluated on a coarse grid of ``s``
(:data:`GRID` points, ``s = 0`` among them), and the first bracket nearest the current value
(where ``indicator - target`` changes sign between neighbours, nearest by the linear estimate
of its root) is kept and narrowed by Chandrupatla's method (inverse quadratic interpolation
guarded by bisection). The grid is seen from ``s = 0`` outward, one ring (``±h``, ``±2h``, ...)
per round, only for the scenarios without a bracket yet: a cell further out has its root's
estimate further out, so the bracket kept is the one a search of the whole grid keeps, and a
scenario whose target is near its current value is not evaluated at the far ends. Every round
is one batch evaluation, with ``outputs=[target key]`` so that only the steps behind that
indicator run, of the rows still needed: the next ring of the scenarios still on the grid and
the next point of each open bracket (scenarios done drop out); its rows are evaluated
:data:`ROWS` at a time. Two crossings inside one grid cell cancel and are not seen; a finer
``grid`` sees them.

Where no grid neighbours bracket the target, the answer says so: ``found`` is false and
``best_s``/``best_value`` are the grid point that comes closest (of the grid points seen: all
of them, unless the indicator is undefined inside a bracket). A crossing through a jump
(a step function of the parameter) ends at the jump, and ``achieved`` shows the value there.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import ParameterError
from chikuden.parameters.scenario import Scenario
from chikuden.uncertainty.distributions import Spec, scenario_spec
from chikuden.uncertainty.sampling import Sampler

GRID = 9
"""Points of the coarse grid in ``s`` (odd: ``s = 0``, the current value, is one of them)."""
XTOL = 1e-12
"""Width in ``s`` at which a bracket counts as closed."""
MAX_ITER = 100
FTOL = 1e-12
"""A bracket also closes when ``|indicator - target|`` at its best point is at most this share
of the larger ``|indicator - target|`` at the ends of its grid cell. For a smooth indicator that
puts ``s`` within about ``FTOL`` times the cell's width of the root, as fine as :data:`XTOL`,
without the two or three steps Chandrupatla's method otherwise takes to shrink the bracket to
:data:`XTOL` once its interpolated point has converged: 9.3 instead of 11.6 evaluations a
sample for ``charging.deployment_gap_2030`` by ``vehicles.adoption_shift_years``, the answers
moving by at most 1.1e-10 of themselves."""
ROWS = 2048
"""Most rows of one model evaluation: a round's rows (the grid points of the samples still
searching the grid, the next point of each open bracket) are evaluated this many at a time. The
model takes less time a row in batches of about 2,000 than of 10,000 (its arrays stay nearer
the cache: 6 s against 10-13 s of CPU for 10,000 solves of ``charging.deployment_gap_2030``,
benchmarks/bench_solve.py), and memory stays that of a small batch. A batch gives each row
what it gives alone: the slicing changes no number."""


@dataclass(frozen=True)
class Solution:
    """The answer per scenario (arrays of length ``n``, NaN where there is no solution)."""

    target: str
    value: float
    vary: tuple[str, ...]
    current: dict[str, NDArray[np.float64]]
    """Each varied parameter's current value."""
    now: NDArray[np.float64]
    """The indicator at the current values."""
    found: NDArray[np.bool_]
    s: NDArray[np.float64]
    """Signed share of the way to the bounds (see the module); ``|s|`` is the change."""
    values: dict[str, NDArray[np.float64]]
    """Each varied parameter's value that meets the target."""
    achieved: NDArray[np.float64]
    """The indicator there (the target within the solver's tolerance, unless at a jump)."""
    best_s: NDArray[np.float64]
    best_values: dict[str, NDArray[np.float64]]
    best_value: NDArray[np.float64]
    """Where the target is not reached: the grid point closest to it and its indicator."""
    evaluations: int
    """Rounds of batch evaluations made (each evaluates, together, the next grid ring of the
    samples still searching the grid and the next point of each open bracket; with several
    parameters, one round more for their directions); for samples solved in several batches
    (:func:`solve_mc`), the most that one batch made. A sample takes part in every round from
    the first until its answer, as many whatever batch it is in, and a batch ends with its
    slowest sample, so this is the count of a single batch of them all, whatever the
    chunking."""

    @property
    def n(self) -> int:
        return int(self.found.shape[0])


def _closest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    return f" (closest: {', '.join(close)})" if close else ""


def check_keys(target: str, vary: Sequence[str]) -> None:
    """Raise :class:`ParameterError` (one line, the closest keys) for an unknown or unusable
    target indicator or varied parameter."""
    from chikuden.indicators import outputs
    from chikuden.parameters.declarations import declarations

    decl = outputs()
    if target not in decl:
        raise ParameterError(
            f"--target {target}: not a declared indicator{_closest(target, list(decl))}; give a "
            "key from docs/indicators.md"
        )
    if decl[target].kind != "indicator":
        raise ParameterError(
            f"--target {target}: a {decl[target].kind} output; give an indicator (one number "
            "per scenario) from docs/indicators.md"
        )
    params = declarations()
    if not vary:
        raise ParameterError("--vary: no parameter given; give one such as finance.plant_gwh")
    if len(set(vary)) != len(vary):
        raise ParameterError(f"--vary {', '.join(vary)}: a parameter is given twice")
    for name in vary:
        if name not in params:
            raise ParameterError(
                f"--vary {name}: not a declared parameter{_closest(name, list(params))}; give a "
                "key from docs/parameters.md"
            )
        p = params[name]
        if p.kind != "scalar" or p.integer:
            what = "a whole-number parameter" if p.kind == "scalar" else f"a {p.kind} parameter"
            raise ParameterError(
                f"--vary {name}: {what}; solve varies continuous scalar parameters"
            )
        if not p.min < p.max:
            raise ParameterError(f"--vary {name}: its range {p.range_text} is a single value")


def solve(
    scenario: Scenario,
    target: str,
    value: float,
    vary: Sequence[str],
    samples: Mapping[str, NDArray[np.float64]] | None = None,
    grid: int = GRID,
) -> Solution:
    """What it takes for indicator ``target`` to reach ``value`` by varying ``vary``.

    samples : parameter arrays of length ``n`` (as :meth:`Params.from_samples` takes them):
        one solve per sample; without them, the scenario alone (``n = 1``).
    """
    from chikuden.parameters.declarations import declarations
    from chikuden.parameters.params import Params
    from chikuden.results import evaluate

    vary = tuple(vary)
    check_keys(target, vary)
    if not np.isfinite(value):
        raise ParameterError(f"--target {target}={value}: give a finite number")
    if grid < 3 or grid % 2 == 0:
        raise ParameterError(f"grid {grid}: give an odd number of points, at least 3")
    base = {k: np.asarray(v, dtype=np.float64) for k, v in (samples or {}).items()}
    n = len(next(iter(base.values()))) if base else 1
    decls = declarations()
    one = Params.from_scenarios([scenario])
    lo = np.array([decls[p].min for p in vary])
    hi = np.array([decls[p].max for p in vary])
    cur = np.stack(
        [base[p] if p in base else np.broadcast_to(one[p][0], (n,)) for p in vary], axis=1
    ).astype(np.float64)  # (n, k)
    evaluations = 0

    def at(
        s: NDArray[np.float64], idx: NDArray[np.intp], d: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Parameter values ``(m, k)`` at ``s`` for scenarios ``idx`` with directions ``d``."""
        c = cur[idx]
        up = np.where(d > 0, hi, lo)  # the bound that raises the indicator
        down = np.where(d > 0, lo, hi)
        end = np.where(s[:, None] >= 0, up, down)
        x = c + np.abs(s)[:, None] * (end - c)
        x = np.where(d == 0, c, x)
        return np.asarray(np.clip(x, lo, hi), dtype=np.float64)

    def indicator(x: NDArray[np.float64], idx: NDArray[np.intp]) -> NDArray[np.float64]:
        """The target indicator of the rows ``x`` (parameter values ``(m, k)``) of scenarios
        ``idx``: one round, evaluated :data:`ROWS` rows at a time."""
        nonlocal evaluations
        evaluations += 1
        got = np.empty(len(idx))
        for start in range(0, len(idx), ROWS):
            rows = slice(start, start + ROWS)
            values = {k: v[idx[rows]] for k, v in base.items()}
            values |= {p: x[rows, i] for i, p in enumerate(vary)}
            res = evaluate(Params.from_samples(scenario, values), outputs=[target])
            got[rows] = np.asarray(res.indicators[target], dtype=np.float64).reshape(-1)
        return got

    everyone = np.arange(n)
    d = np.ones((n, len(vary)))
    if len(vary) > 1:  # one round: each parameter at its maximum and at its minimum
        ends = []
        for i in range(len(vary)):
            x_hi, x_lo = cur.copy(), cur.copy()
            x_hi[:, i], x_lo[:, i] = hi[i], lo[i]
            ends += [x_hi, x_lo]
        f_ends = indicator(np.concatenate(ends), np.tile(everyone, len(ends))).reshape(-1, n)
        diff = f_ends[0::2] - f_ends[1::2]  # (k, n)
        d = np.where(np.isfinite(diff), np.sign(diff), 0.0).T

    # the grid, from s = 0 outward: g[j] = indicator - target at s_grid[j] where seen[j]
    m = grid // 2
    s_grid = np.linspace(-1.0, 1.0, grid)
    s_grid[m] = 0.0
    g = np.full((grid, n), np.nan)
    seen = np.zeros((grid, n), dtype=np.bool_)
    ring = 0  # the points m - ring .. m + ring are seen for every sample still searching
    searching = np.ones(n, dtype=np.bool_)  # no bracket among the points seen yet
    found = np.zeros(n, dtype=np.bool_)
    open_ = np.zeros(n, dtype=np.bool_)  # a bracket, not yet narrowed
    # Chandrupatla's method on the open brackets: a newest point, b the other end, c the last
    a, b, c = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    fa, fb, fc = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    t = np.full(n, 0.5)
    fscale = np.zeros(n)  # the larger |indicator - target| at the ends of the grid cell
    root = np.full(n, np.nan)
    froot = np.full(n, np.nan)
    for _ in range(m + MAX_ITER):
        look = np.flatnonzero(searching)
        idx = np.flatnonzero(open_)
        if look.size == 0 and idx.size == 0:
            break
        # one round: the next ring of the grid for the samples still searching it (with s = 0
        # in the first), the next point of each open bracket
        points = ([m] if ring == 0 else []) + ([m - ring - 1, m + ring + 1] if look.size else [])
        xt = a[idx] + t[idx] * (b[idx] - a[idx])
        s_rows = np.concatenate([np.repeat(s_grid[points], look.size), xt])
        idx_rows = np.concatenate([np.tile(look, len(points)), idx])
        f = indicator(at(s_rows, idx_rows, d[idx_rows]), idx_rows) - value
        if look.size:
            for j, p in enumerate(points):
                g[p, look] = f[j * look.size : (j + 1) * look.size]
                seen[p, look] = True
            ring += 1
        ft = f[len(points) * look.size :]

        # the open brackets narrowed by their new point
        bad = ~np.isfinite(ft)
        if bad.any():  # undefined inside the bracket: no answer for those scenarios
            found[idx[bad]] = False
            open_[idx[bad]] = False
        keep = ~bad
        idx, xt, ft = idx[keep], xt[keep], ft[keep]
        same = np.sign(ft) == np.sign(fa[idx])
        c[idx] = np.where(same, a[idx], b[idx])
        fc[idx] = np.where(same, fa[idx], fb[idx])
        b[idx] = np.where(same, b[idx], a[idx])
        fb[idx] = np.where(same, fb[idx], fa[idx])
        a[idx], fa[idx] = xt, ft
        use_a = np.abs(fa[idx]) < np.abs(fb[idx])
        xm = np.where(use_a, a[idx], b[idx])
        fm = np.where(use_a, fa[idx], fb[idx])
        tol = 4 * np.finfo(float).eps * np.abs(xm) + XTOL
        with np.errstate(divide="ignore", invalid="ignore"):
            tlim = tol / np.abs(b[idx] - c[idx])
            done = (tlim > 0.5) | (np.abs(fm) <= FTOL * fscale[idx])
            root[idx[done]], froot[idx[done]] = xm[done], fm[done]
            open_[idx[done]] = False
        t[idx] = _next_t(a[idx], b[idx], c[idx], fa[idx], fb[idx], fc[idx], tlim)

        if look.size == 0:
            continue
        # the samples that searched the grid: the bracket nearest s = 0 among the cells seen
        # (by the linear estimate of its root); a cell further out has its estimate further
        # out, so it is the bracket a search of the whole grid would keep
        cells = slice(m - ring, m + ring)
        ga, gb = g[cells][:, look], g[m - ring + 1 : m + ring + 1][:, look]
        sa, sb = s_grid[cells, None], s_grid[m - ring + 1 : m + ring + 1, None]
        ok = (
            np.isfinite(ga)
            & np.isfinite(gb)
            & ((ga == 0) | (gb == 0) | (np.sign(ga) != np.sign(gb)))
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            est = np.where(ga == 0, sa, np.where(gb == 0, sb, sa - ga * (sb - sa) / (gb - ga)))
        dist = np.where(ok, np.abs(est), np.inf)
        pick = np.argmin(dist, axis=0)
        has = np.isfinite(dist[pick, np.arange(look.size)])
        new, cell = look[has], m - ring + pick[has]
        searching[new] = False
        if ring == m:  # the whole grid seen: no bracket
            searching[look] = False
        found[new] = True
        a[new], b[new] = s_grid[cell], s_grid[cell + 1]
        fa[new], fb[new] = g[cell, new], g[cell + 1, new]
        c[new], fc[new] = a[new], fa[new]  # the first step bisects (t = 0.5)
        fscale[new] = np.maximum(np.abs(fa[new]), np.abs(fb[new]))
        exact_a = fa[new] == 0
        exact_b = (fb[new] == 0) & ~exact_a
        root[new[exact_a]], froot[new[exact_a]] = a[new[exact_a]], 0.0
        root[new[exact_b]], froot[new[exact_b]] = b[new[exact_b]], 0.0
        open_[new[~exact_a & ~exact_b]] = True
    else:  # pragma: no cover - the bracket halves at least every other step
        raise RuntimeError("goal seek: no convergence")
    now = g[m] + value

    x_root = at(np.nan_to_num(root), everyone, d)
    # the grid point closest to the target, and of those the nearest to the current value
    miss = np.where(seen & np.isfinite(g), np.abs(g), np.inf)
    nearest = np.where(miss == miss.min(axis=0), np.abs(s_grid)[:, None], np.inf)
    best = np.argmin(nearest, axis=0)
    best_defined = np.isfinite(g[best, everyone])
    best_s = np.where(found | ~best_defined, np.nan, s_grid[best])
    x_best = at(np.nan_to_num(best_s), everyone, d)
    return Solution(
        target=target,
        value=float(value),
        vary=vary,
        current={p: cur[:, i].copy() for i, p in enumerate(vary)},
        now=now,
        found=found,
        s=np.where(found, root, np.nan),
        values={p: np.where(found, x_root[:, i], np.nan) for i, p in enumerate(vary)},
        achieved=np.where(found, froot + value, np.nan),
        best_s=best_s,
        best_values={
            p: np.where(np.isfinite(best_s), x_best[:, i], np.nan) for i, p in enumerate(vary)
        },
        best_value=np.where(np.isfinite(best_s), g[best, everyone] + value, np.nan),
        evaluations=evaluations,
    )


def _next_t(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    c: NDArray[np.float64],
    fa: NDArray[np.float64],
    fb: NDArray[np.float64],
    fc: NDArray[np.float64],
    tlim: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Chandrupatla's next point as a share ``t`` of the way from ``a`` to ``b``: inverse
    quadratic interpolation through ``a``, ``b`` and ``c`` where it is safe, else bisection;
    at least ``tlim`` from either end."""
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = (a - b) / (c - b)
        phi = (fa - fb) / (fc - fb)
        iqi = (phi**2 < xi) & ((1 - phi) ** 2 < 1 - xi)
        tn = fa / (fb - fa) * fc / (fb - fc) + (c - a) / (b - a) * fa / (fc - fa) * fb / (fc - fb)
    tn = np.where(iqi & np.isfinite(tn), tn, 0.5)
    out: NDArray[np.float64] = np.clip(tn, np.minimum(tlim, 0.5), np.maximum(1 - tlim, 0.5))
    return out


QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _quantiles(x: NDArray[np.float64]) -> dict[str, float | None]:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {f"q{round(q * 100):02d}": None for q in QUANTILES}
    return {
        f"q{round(q * 100):02d}": float(v)
        for q, v in zip(QUANTILES, np.quantile(x, QUANTILES), strict=True)
    }


MAX_MC = 1_000_000
"""Most samples of one ``solve --mc``: the answers (a few arrays of ``n``) stay in memory."""
CHUNK = 10_000
"""Samples solved per batch (results do not depend on it: a batch gives each sample what it
gives alone)."""


def solve_mc(
    scenario: Scenario,
    target: str,
    value: float,
    vary: Sequence[str],
    samples: int,
    seed: int = 0,
    method: str = "mc",
    chunk: int = CHUNK,
    client: Any = None,
) -> Solution:
    """One solve per sample of the scenario's uncertain parameters (``chikuden mc``'s
    distributions), ``chunk`` samples per batch: the distribution of what it takes. A varied
    parameter that has a distribution starts each solve from its sampled value.

    client : a ``dask.distributed.Client``: the batches (at most ``chunk`` samples, fewer to
        give each worker several: :func:`distributed.chunk_for`) are solved on its workers and
        concatenated here in order, so the answer is the same as without it.
    """
    spec = check_mc(scenario, target, vary, samples, method)
    job = _Seek(scenario, target, value, tuple(vary), Sampler(spec, samples, seed, method))
    if client is not None:
        from chikuden.uncertainty import distributed

        chunk = distributed.chunk_for(client, samples, chunk)
    ranges = [(a, min(samples, a + chunk)) for a in range(0, samples, chunk)]
    if client is not None:
        return _concat(list(distributed.map_chunks(client, _solve_chunk, job, ranges)))
    return _concat([_solve_chunk(job, a, b) for a, b in ranges])


def check_mc(
    scenario: Scenario, target: str, vary: Sequence[str], samples: int, method: str = "mc"
) -> Spec:
    """The spec of :func:`solve_mc`'s samples, or :class:`ParameterError` (one line) for bad
    keys, a sample count out of range or a scenario with no distribution (checked before a
    cluster is started)."""
    from chikuden.uncertainty.sampling import MIN_SAMPLES, check_samples

    check_keys(target, vary)
    if not MIN_SAMPLES <= samples <= MAX_MC:
        raise ParameterError(
            f"--mc {samples:,}: give {MIN_SAMPLES} to {MAX_MC:,} samples (at least "
            f"{MIN_SAMPLES} for the 5% quantile)"
        )
    check_samples(method, samples)
    spec = scenario_spec(scenario.uncertainty, scenario.origin or f"scenario {scenario.name}")
    if not spec.distributions:
        raise ParameterError(
            f"scenario {scenario.name}: no parameter has a distribution; add some under "
            "uncertainty.parameters or solve without --mc"
        )
    return spec


@dataclass(frozen=True)
class _Seek:
    """What every batch of :func:`solve_mc` shares (sent once to each worker of a cluster)."""

    scenario: Scenario
    target: str
    value: float
    vary: tuple[str, ...]
    sampler: Sampler


def _solve_chunk(job: _Seek, start: int, stop: int) -> Solution:
    """The solves of samples ``start .. stop-1`` (the same on a worker as in the local loop)."""
    values = job.sampler.sample(start, stop)
    return solve(job.scenario, job.target, job.value, job.vary, samples=values)


def _concat(parts: Sequence[Solution]) -> Solution:
    first = parts[0]

    def cat(get: Callable[[Solution], NDArray[Any]]) -> NDArray[Any]:
        return np.concatenate([get(p) for p in parts])

    def cat_dict(
        get: Callable[[Solution], dict[str, NDArray[np.float64]]],
    ) -> dict[str, NDArray[np.float64]]:
        return {k: np.concatenate([get(p)[k] for p in parts]) for k in first.vary}

    return Solution(
        target=first.target,
        value=first.value,
        vary=first.vary,
        current=cat_dict(lambda p: p.current),
        now=cat(lambda p: p.now),
        found=cat(lambda p: p.found),
        s=cat(lambda p: p.s),
        values=cat_dict(lambda p: p.values),
        achieved=cat(lambda p: p.achieved),
        best_s=cat(lambda p: p.best_s),
        best_values=cat_dict(lambda p: p.best_values),
        best_value=cat(lambda p: p.best_value),
        evaluations=max(p.evaluations for p in parts),
    )


def to_json(sol: Solution, scenario: str, mc: dict[str, object] | None = None) -> dict[str, object]:
    """The answer as plain JSON (NaN as null): per scenario without ``mc``; with ``mc`` (the
    run's samples, seed and method) quantiles over the samples and the share without a
    solution."""
    from chikuden.indicators import outputs

    out = outputs()[sol.target]
    head: dict[str, object] = {
        "scenario": scenario,
        "target": {
            "key": sol.target,
            "value": sol.value,
            "unit": out.unit,
            "label": out.label_en,
            "label_ja": out.label_ja,
        },
        "vary": list(sol.vary),
        "evaluations": sol.evaluations,
    }
    if mc is None:
        found = bool(sol.found[0])
        return head | {
            "now": _num(sol.now[0]),
            "current": {p: _num(v[0]) for p, v in sol.current.items()},
            "found": found,
            "required": {p: _num(v[0]) for p, v in sol.values.items()} if found else None,
            "change_share": _num(abs(sol.s[0])) if found else None,
            "achieved": _num(sol.achieved[0]) if found else None,
            "closest": None
            if found
            else {
                "values": {p: _num(v[0]) for p, v in sol.best_values.items()},
                "indicator": _num(sol.best_value[0]),
            },
        }
    return (
        head
        | mc
        | {
            "now": _quantiles(sol.now),
            "found_share": float(sol.found.mean()),
            "none_share": float(1 - sol.found.mean()),
            "required": {p: _quantiles(v) for p, v in sol.values.items()},
            "change_share": _quantiles(np.abs(sol.s)),
            "closest_where_none": _quantiles(sol.best_value[~sol.found]),
        }
    )


__all__ = ["GRID", "Solution", "check_keys", "solve", "solve_mc", "to_json"]
