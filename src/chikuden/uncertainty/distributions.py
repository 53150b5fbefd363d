"""Distributions on parameters, read from ``data/uncertainty.yaml`` and a scenario's
``uncertainty:`` key, each checked against the parameter's declared range.

A specification names, for each uncertain scalar parameter, a kind and its arguments::

    parameters:
      market.demand_2030_gwh: {kind: triangular, min: 2575, mode: 3000, max: 4700,
                               source: [...], note: "..."}
      finance.jpy_per_usd: {kind: normal, mean: 140, sd: 15, truncate: [100, 190], ...}
      finance.plant_capex_jpy_per_gwh: {kind: empirical, values: [14.0e9, 16.7e9, ...], ...}
    correlations:                        # Spearman rank correlations, by name pairs
      - [capacity.announced_realisation_share, capacity.utilisation_share, 0.5]

Kinds and their arguments (``a`` min, ``c`` mode, ``b`` max):

- ``uniform`` (min, max); ``triangular`` (min, mode, max); ``pert`` (min, mode, max: a beta
  distribution with ``alpha = 1 + 4 (c - a) / (b - a)``, ``beta = 1 + 4 (b - c) / (b - a)``,
  whose mean is ``(a + 4c + b) / 6``);
- ``normal`` (mean, sd) and ``lognormal`` (median, sigma: the standard deviation of the log),
  whose support is unbounded, so they need ``truncate: [lo, hi]`` inside the declared range:
  the distribution conditioned on ``[lo, hi]`` (sampled by the inverse CDF between ``F(lo)``
  and ``F(hi)``; no mass piles up at the bounds);
- ``empirical`` (values: at least two published values): the distribution whose quantile
  function interpolates the sorted values linearly at ranks ``0, 1/(m-1), ..., 1`` (each gap
  between neighbouring values holds ``1/(m-1)`` of the probability, spread evenly).

Every distribution's support must lie inside the parameter's declared ``[min, max]``: the model
lives with every value there (tests/test_ranges.py), and nothing else. Only scalar parameters
take distributions; a path or a table is refused with the reason.

This module imports no scipy: a scenario with an ``uncertainty:`` key is checked when it is
loaded, and loading a scenario stays light (tests/test_imports.py). The quantile functions
import ``scipy.special`` when first called.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import N_, ParameterError, did_you_mean
from chikuden.reading import show

KINDS: dict[str, tuple[str, ...]] = {
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "empirical": ("values",),
}
"""Each kind with its required arguments."""
UNBOUNDED = ("normal", "lognormal")
"""Kinds whose support is unbounded: they take ``truncate: [lo, hi]``."""
_META = ("kind", "source", "note", "truncate")
MAX_VALUES = 10_000
"""Most values an empirical distribution may list."""


@dataclass(frozen=True)
class Distribution:
    """One parameter's distribution: the kind, its arguments and where its range comes from."""

    name: str
    kind: str
    args: dict[str, float] = field(default_factory=dict)
    values: tuple[float, ...] = ()
    truncate: tuple[float, float] | None = None
    source: tuple[str, ...] = ()
    note: str = ""

    # -- support and moments -------------------------------------------------------------------
    @property
    def support(self) -> tuple[float, float]:
        """The smallest interval holding all the probability [parameter unit]."""
        if self.truncate is not None:
            return self.truncate
        if self.kind == "empirical":
            return min(self.values), max(self.values)
        if self.kind == "normal":
            return -math.inf, math.inf
        if self.kind == "lognormal":
            return 0.0, math.inf
        return self.args["min"], self.args["max"]

    def mean(self) -> float:
        """The expected value, in closed form (truncated kinds: by quadrature of the ppf)."""
        a, b = self.support
        if self.kind == "uniform":
            return (a + b) / 2
        if self.kind == "triangular":
            return (a + self.args["mode"] + b) / 3
        if self.kind == "pert":
            return (a + 4 * self.args["mode"] + b) / 6
        if self.kind == "empirical":
            v = np.sort(np.asarray(self.values))
            return float(np.mean((v[:-1] + v[1:]) / 2))
        if self.truncate is None and self.kind == "normal":
            return self.args["mean"]
        if self.truncate is None:
            s = self.args["sigma"]
            return self.args["median"] * math.exp(s * s / 2)
        return float(np.mean(self.ppf(_midpoints())))

    def variance(self) -> float:
        """The variance, in closed form (truncated kinds: by quadrature of the ppf)."""
        a, b = self.support
        if self.kind == "uniform":
            return (b - a) ** 2 / 12
        if self.kind == "triangular":
            c = self.args["mode"]
            return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        if self.kind == "pert":
            m = self.mean()
            return (m - a) * (b - m) / 7
        if self.kind == "empirical":
            v = np.sort(np.asarray(self.values))
            lo, hi = v[:-1], v[1:]
            second = float(np.mean((lo * lo + lo * hi + hi * hi) / 3))
            return second - self.mean() ** 2
        if self.truncate is None and self.kind == "normal":
            return self.args["sd"] ** 2
        if self.truncate is None:
            s2 = self.args["sigma"] ** 2
            return (math.exp(s2) - 1) * self.args["median"] ** 2 * math.exp(s2)
        x = self.ppf(_midpoints())
        return float(np.mean((x - x.mean()) ** 2))

    # -- the quantile function -------------------------------------------------------------
    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """The quantile function at probabilities ``u`` in (0, 1), elementwise."""
        a, b = self.support
        if self.kind == "uniform":
            out: NDArray[np.float64] = a + (b - a) * u
            return out
        if self.kind == "triangular":
            c = self.args["mode"]
            fc = (c - a) / (b - a)
            left = a + np.sqrt(u * (b - a) * (c - a))
            right = b - np.sqrt((1 - u) * (b - a) * (b - c))
            return np.where(u < fc, left, right)
        if self.kind == "pert":
            c = self.args["mode"]
            alpha = 1 + 4 * (c - a) / (b - a)
            beta = 1 + 4 * (b - c) / (b - a)
            out = a + (b - a) * beta_quantile(np.asarray(u, dtype=np.float64), alpha, beta)
            return out
        if self.kind == "empirical":
            v = np.sort(np.asarray(self.values, dtype=np.float64))
            ranks = np.arange(len(v), dtype=np.float64) / (len(v) - 1)
            return np.interp(u, ranks, v)
        from scipy.special import ndtr, ndtri

        if self.kind == "normal":
            loc, scale = self.args["mean"], self.args["sd"]
        else:
            loc, scale = math.log(self.args["median"]), self.args["sigma"]

        def to_z(x: float) -> float:
            if self.kind == "lognormal":
                x = math.log(x) if x > 0 else -math.inf
            return (x - loc) / scale

        if self.truncate is not None:
            f_lo, f_hi = float(ndtr(to_z(a))), float(ndtr(to_z(b)))
            u = f_lo + (f_hi - f_lo) * u
        z = loc + scale * np.asarray(ndtri(u), dtype=np.float64)
        x = np.exp(z) if self.kind == "lognormal" else z
        return np.clip(x, a, b)  # rounding at the ends of the truncation only


BETA_NODES = 4096
"""Intervals of each half of a beta quantile function's table (:func:`beta_quantile`)."""


def beta_quantile(u: NDArray[np.float64], p: float, q: float) -> NDArray[np.float64]:
    """The quantile function of Beta(p, q) (p, q >= 1, as beta-PERT's are) at ``u`` in (0, 1).

    scipy's ``betaincinv`` solves for each value anew (1-1.2 µs a value for the bundled
    PERT shapes: 4 µs a Monte Carlo sample for four of them); this reads a table built once
    per shape from it. Below u = 1/2 the quantile is a function of t = u^(1/p), which is
    smooth up to t = 0 (the CDF is x^p times a smooth function there, so x grows as t), and is
    interpolated by cubic Hermite polynomials over :data:`BETA_NODES` equal steps of t, with
    the exact slope dx/dt = p B(p, q) (t/x)^(p-1) / (1-x)^(q-1) at each node; above 1/2,
    x = 1 - (the same for Beta(q, p) at 1 - u). Within 2e-15 of ``betaincinv`` (its own
    accuracy; tests/test_uncertainty.py checks 1e-14 over a million points and both tails),
    about 0.04 µs a value. Increasing in u, but for one ulp where the halves meet.
    """
    out = np.empty_like(u)
    low = u <= 0.5
    out[low] = _beta_half(u[low], p, q)
    out[~low] = 1 - _beta_half(1 - u[~low], q, p)
    return out


def _beta_half(u: NDArray[np.float64], p: float, q: float) -> NDArray[np.float64]:
    """Beta(p, q)'s quantile at ``u`` in (0, 1/2] from its table (:func:`beta_quantile`)."""
    step, x, slope = _beta_table(p, q)
    at = u ** (1 / p) / step
    i = np.minimum(at.astype(np.intp), BETA_NODES - 1)
    r = at - i
    r2 = r * r
    r3 = r2 * r
    out: NDArray[np.float64] = (
        (2 * r3 - 3 * r2 + 1) * x[i]
        + (r3 - 2 * r2 + r) * slope[i]
        + (3 * r2 - 2 * r3) * x[i + 1]
        + (r3 - r2) * slope[i + 1]
    )
    return out


@cache
def _beta_table(p: float, q: float) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """The step in t, the quantiles at the nodes and their slopes times the step."""
    from scipy.special import beta, betaincinv

    top = 0.5 ** (1 / p)
    step = top / BETA_NODES
    t = np.linspace(0.0, top, BETA_NODES + 1)
    x = np.asarray(betaincinv(p, q, t**p), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = p * beta(p, q) * (t / x) ** (p - 1) / (1 - x) ** (q - 1)
    slope[0] = (p * beta(p, q)) ** (1 / p)  # the limit at t = 0: x = (p B(p, q))^(1/p) t
    return step, x, slope * step


@cache
def _midpoints(k: int = 200_000) -> NDArray[np.float64]:
    """Midpoints of ``k`` equal probability slices: the ppf there averages to the moments
    (midpoint rule; for a truncated normal of sd 1 the error is below 1e-6)."""
    return (np.arange(k, dtype=np.float64) + 0.5) / k


@dataclass(frozen=True)
class Spec:
    """The uncertain parameters of a run: distributions and rank correlations."""

    distributions: dict[str, Distribution]
    correlations: dict[tuple[str, str], float] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.distributions)

    def merged(self, override: Spec) -> Spec:
        """This spec with ``override``'s entries on top (a ``fixed`` entry removes one)."""
        dists = {**self.distributions, **override.distributions}
        dists = {k: d for k, d in dists.items() if d.kind != "fixed"}
        corr = {**self.correlations, **override.correlations}
        corr = {p: r for p, r in corr.items() if p[0] in dists and p[1] in dists}
        return Spec(dists, corr, {**self.origin, **override.origin})


# -- reading -----------------------------------------------------------------------------------
def _number(value: Any, at: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ParameterError(
            N_("{at} = {value} is not a number; give a number", at=at, value=show(value))
        )
    x = float(value)
    if not math.isfinite(x):
        raise ParameterError(
            N_("{at} = {value} is not finite; give a finite number", at=at, value=show(value))
        )
    return x


def read_distribution(name: str, entry: Any, where: str) -> Distribution:
    """One entry of ``parameters:``, checked against the declared range of ``name``."""
    from chikuden.parameters.declarations import declarations

    decls = declarations()
    at = f"{where}: uncertainty.parameters.{name}"
    if name not in decls:
        raise ParameterError(
            N_(
                "{at}: uncertainty.parameters names an unknown parameter {name}{hint}; "
                "`chikuden params` lists them all",
                at=where,
                name=show(name),
                hint=did_you_mean(name, decls),
            )
        )
    decl = decls[name]
    if decl.kind != "scalar":
        raise ParameterError(
            N_(
                "{at}: {name} is a {kind}; distributions are given on scalar parameters only",
                at=at,
                name=name,
                kind=decl.kind,
            )
        )
    if not isinstance(entry, dict):
        raise ParameterError(
            N_(
                "{at} = {value} is not a mapping; give {{kind: ..., ...}}",
                at=at,
                value=show(entry),
            )
        )
    kind = entry.get("kind")
    if kind == "fixed":
        return Distribution(name, "fixed")
    if kind not in KINDS:
        raise ParameterError(
            N_(
                "{at}.kind = {kind}: give one of {kinds} (or fixed to sample none)",
                at=at,
                kind=show(kind),
                kinds=", ".join(KINDS),
            )
        )
    allowed = set(KINDS[kind]) | set(_META)
    unknown = [k for k in entry if k not in allowed]
    if unknown:
        raise ParameterError(
            N_(
                "{at}: unknown key {key} for kind {kind}; it takes {keys} (and truncate, "
                "source, note)",
                at=at,
                key=show(unknown[0]),
                kind=kind,
                keys=", ".join(KINDS[kind]),
            )
        )
    missing = [k for k in KINDS[kind] if k not in entry]
    if missing:
        raise ParameterError(
            N_(
                "{at}.{key} is missing; a {kind} takes {keys}",
                at=at,
                key=missing[0],
                kind=kind,
                keys=", ".join(KINDS[kind]),
            )
        )
    args: dict[str, float] = {}
    values: tuple[float, ...] = ()
    if kind == "empirical":
        raw = entry["values"]
        if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_VALUES:
            raise ParameterError(
                N_(
                    "{at}.values = {value}: give a list of 2 to {most:,} published values",
                    at=at,
                    value=show(raw),
                    most=MAX_VALUES,
                )
            )
        values = tuple(_number(v, f"{at}.values[{i}]") for i, v in enumerate(raw))
        if min(values) == max(values):
            raise ParameterError(
                N_("{at}.values are all equal; give values that differ, or none", at=at)
            )
    else:
        args = {k: _number(entry[k], f"{at}.{k}") for k in KINDS[kind]}
    if kind in ("uniform", "triangular", "pert"):
        a, b = args["min"], args["max"]
        if not a < b:
            raise ParameterError(
                N_("{at}: min {a:g} is not below max {b:g}; give min < max", at=at, a=a, b=b)
            )
        if "mode" in args and not a <= args["mode"] <= b:
            raise ParameterError(
                N_(
                    "{at}.mode = {mode:g} is outside [min, max] = [{a:g}, {b:g}]",
                    at=at,
                    mode=args["mode"],
                    a=a,
                    b=b,
                )
            )
    for key in ("sd", "sigma", "median"):
        if key in args and not args[key] > 0:
            raise ParameterError(
                N_("{at}.{key} = {value:g}: give a number above 0", at=at, key=key, value=args[key])
            )
    truncate: tuple[float, float] | None = None
    if "truncate" in entry:
        t = entry["truncate"]
        if not isinstance(t, list) or len(t) != 2:
            raise ParameterError(N_("{at}.truncate = {value}: give [lo, hi]", at=at, value=show(t)))
        lo, hi = _number(t[0], f"{at}.truncate[0]"), _number(t[1], f"{at}.truncate[1]")
        if not lo < hi:
            raise ParameterError(
                N_("{at}.truncate = [{lo:g}, {hi:g}]: give lo < hi", at=at, lo=lo, hi=hi)
            )
        if kind not in UNBOUNDED:
            raise ParameterError(
                N_(
                    "{at}.truncate: only {kinds} are truncated; a {kind} is bounded by its own "
                    "arguments",
                    at=at,
                    kinds=N_("{a} and {b}", a=UNBOUNDED[0], b=UNBOUNDED[1]),
                    kind=kind,
                )
            )
        if kind == "lognormal" and lo < 0:
            raise ParameterError(
                N_("{at}.truncate = [{lo:g}, {hi:g}]: a lognormal is above 0", at=at, lo=lo, hi=hi)
            )
        truncate = (lo, hi)
    src = entry.get("source", ())
    source = (src,) if isinstance(src, str) else tuple(str(s) for s in src or ())
    note = entry.get("note") or ""
    if not isinstance(note, str):
        raise ParameterError(N_("{at}.note = {value} is not a text", at=at, value=show(note)))
    dist = Distribution(name, kind, args, values, truncate, source, note)
    lo, hi = dist.support
    if lo < decl.min or hi > decl.max:
        fix = (
            N_("add truncate: [lo, hi] inside [{lo:g}, {hi:g}]", lo=decl.min, hi=decl.max)
            if kind in UNBOUNDED and truncate is None
            else N_("keep it inside [{lo:g}, {hi:g}]", lo=decl.min, hi=decl.max)
        )
        raise ParameterError(
            N_(
                "{at}: the {kind} distribution's support [{lo:g}, {hi:g}] leaves {name}'s "
                "declared range {range} [{unit}]; {fix}",
                at=at,
                kind=kind,
                lo=lo,
                hi=hi,
                name=name,
                range=decl.range_text,
                unit=decl.unit,
                fix=fix,
            )
        )
    if decl.integer:
        raise ParameterError(
            N_(
                "{at}: {name} takes whole numbers; distributions are given on continuous "
                "parameters",
                at=at,
                name=name,
            )
        )
    return dist


def read_spec(doc: Any, where: str) -> Spec:
    """An ``uncertainty`` document: ``{parameters: {...}, correlations: [[a, b, r], ...]}``."""
    if not isinstance(doc, dict):
        raise ParameterError(
            N_(
                "{at}: uncertainty = {value} is not a mapping; give {{parameters: {{NAME: "
                "{{kind: ..., ...}}}}, correlations: [[A, B, r], ...]}}",
                at=where,
                value=show(doc),
            )
        )
    unknown = [k for k in doc if k not in ("parameters", "correlations")]
    if unknown:
        raise ParameterError(
            N_(
                "{at}: unknown key uncertainty.{key}; uncertainty has the keys parameters and "
                "correlations",
                at=where,
                key=show(unknown[0]),
            )
        )
    params = doc.get("parameters") or {}
    if not isinstance(params, dict):
        raise ParameterError(
            N_(
                "{at}: uncertainty.parameters = {value} is not a mapping",
                at=where,
                value=show(params),
            )
        )
    dists = {str(k): read_distribution(str(k), v, where) for k, v in params.items()}
    corr: dict[tuple[str, str], float] = {}
    pairs = doc.get("correlations") or []
    if not isinstance(pairs, list):
        raise ParameterError(
            N_(
                "{at}: uncertainty.correlations = {value} is not a list",
                at=where,
                value=show(pairs),
            )
        )
    for i, item in enumerate(pairs):
        at = f"{where}: uncertainty.correlations[{i}]"
        if not (
            isinstance(item, list) and len(item) == 3 and all(isinstance(s, str) for s in item[:2])
        ):
            raise ParameterError(
                N_("{at} = {value}: give [PARAMETER, PARAMETER, r]", at=at, value=show(item))
            )
        a, b = str(item[0]), str(item[1])
        r = _number(item[2], f"{at}[2]")
        if a == b:
            raise ParameterError(
                N_("{at}: {name} is paired with itself; name two parameters", at=at, name=a)
            )
        if not -1 < r < 1:
            raise ParameterError(
                N_("{at}: r = {r:g} is outside (-1, 1); give a rank correlation", at=at, r=r)
            )
        key = (a, b) if a < b else (b, a)
        if key in corr:
            raise ParameterError(
                N_("{at}: the pair {a}, {b} is given twice; give it once", at=at, a=a, b=b)
            )
        corr[key] = r
    return Spec(dists, corr, dict.fromkeys(dists, where))


def check_correlated(spec: Spec) -> None:
    """Every correlated parameter has a distribution."""
    for a, b in spec.correlations:
        for n in (a, b):
            if n not in spec.distributions:
                raise ParameterError(
                    N_(
                        "uncertainty.correlations: {name} has no distribution in "
                        "uncertainty.parameters{hint}; give it one or drop the pair",
                        name=n,
                        hint=did_you_mean(n, spec.distributions),
                    )
                )


@cache
def default_spec() -> Spec:
    """The bundled ``data/uncertainty.yaml`` (its ``report`` block belongs to the scenario
    report, :mod:`chikuden.report.uncertainty`)."""
    from chikuden.data import read_yaml

    doc = {k: v for k, v in read_yaml("uncertainty.yaml").items() if k != "report"}
    spec = read_spec(doc, "data/uncertainty.yaml")
    check_correlated(spec)
    return spec


def scenario_spec(raw: Mapping[str, Any] | None, where: str = "scenario") -> Spec:
    """The bundled spec with a scenario's ``uncertainty:`` overrides on top."""
    spec = default_spec()
    if raw:
        spec = spec.merged(read_spec(dict(raw), where))
    check_correlated(spec)
    return spec


def sources_of(spec: Spec) -> Sequence[str]:
    """Every source key the spec cites (for tests/test_sources.py-style checks)."""
    return sorted({s for d in spec.distributions.values() for s in d.source})
