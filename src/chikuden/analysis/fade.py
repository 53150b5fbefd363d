"""Capacity-fade models fitted to cycle-life test data, with the uncertainty of the fit (P9).

Data: equivalent full cycles ``N`` and remaining capacity ``Q`` as a share of rated capacity.
Each model is linear in two parameters after a transformation, so ordinary least squares gives
the estimates, their standard errors and covariance in closed form (no iterative solver):

- ``sqrt``:   ``Q = q0 - c sqrt(N)``          (regress ``Q`` on ``sqrt(N)``)
- ``linear``: ``Q = q0 - c N``                (regress ``Q`` on ``N``)
- ``power``:  ``Q = 1 - a N^b``               (regress ``ln(1 - Q)`` on ``ln N``, using the
  points with ``N > 0`` and ``Q < 1``)

Cycles to an end-of-life state of health ``s`` (80 % by convention)::

    sqrt:   N_s = ((q0 - s) / c)^2      linear: N_s = (q0 - s) / c
    power:  N_s = exp((ln(1 - s) - ln a) / b)

Its confidence interval comes from the delta method on ``ln N_s`` (which keeps the interval
positive): ``ln N_s +- t(0.975, n - 2) * se(ln N_s)`` with ``se^2 = g' Sigma g``, ``g`` the
gradient of ``ln N_s`` in the model's parameters and ``Sigma`` their covariance. ``auto``
picks the model with the smallest residual sum of squares of ``Q`` (all have two parameters,
so this is also the smallest BIC).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import special

from chikuden.errors import N_, ChikudenError

MIN_POINTS = 5
MAX_EXTRAPOLATION = 50.0  # end of life at most this many times the cycles tested
CONFIDENCE = 0.95


class ProductFileError(ChikudenError):
    """A product file (declared values and cycle test data) that cannot be assessed."""


class FadeFitError(ProductFileError):
    """Cycle data from which no fade model can be fitted."""


@dataclass(frozen=True)
class LineFit:
    """Ordinary least squares of ``y = intercept + slope x``."""

    intercept: float
    slope: float
    cov: NDArray[np.float64]  # 2 x 2 covariance of (intercept, slope)
    rss: float
    n: int

    @property
    def dof(self) -> int:
        return self.n - 2


def fit_line(x: NDArray[np.float64], y: NDArray[np.float64]) -> LineFit:
    """Least squares line through ``(x, y)`` with the covariance of its two parameters.

    slope = Sxy / Sxx, intercept = ybar - slope xbar, s^2 = RSS / (n - 2),
    var(slope) = s^2 / Sxx, var(intercept) = s^2 (1/n + xbar^2 / Sxx),
    cov(intercept, slope) = -xbar s^2 / Sxx.
    """
    n = x.size
    xbar = float(x.mean())
    ybar = float(y.mean())
    dx = x - xbar
    sxx = float(dx @ dx)
    if n < 3 or sxx <= 0.0:
        raise FadeFitError(N_("cycle data: need at least 3 distinct cycle counts to fit a line"))
    slope = float(dx @ (y - ybar)) / sxx
    intercept = ybar - slope * xbar
    resid = y - intercept - slope * x
    rss = float(resid @ resid)
    s2 = rss / (n - 2)
    cov = np.array(
        [[s2 * (1.0 / n + xbar * xbar / sxx), -xbar * s2 / sxx], [-xbar * s2 / sxx, s2 / sxx]]
    )
    return LineFit(intercept, slope, cov, rss, n)


def student_t_quantile(p: float, dof: int) -> float:
    """Quantile of Student's t distribution with ``dof`` degrees of freedom [1]
    (``scipy.special.stdtrit``)."""
    if dof < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {dof}")
    return float(special.stdtrit(dof, p))


@dataclass(frozen=True)
class FadeFit:
    """One fitted fade model and the cycles to end of life it implies."""

    model: str
    equation: str
    params: dict[str, float]
    std_errors: dict[str, float]
    rmse: float  # of Q [share]
    r2: float
    points: int  # points the regression used
    eol_soh: float
    cycles: float  # to end of life [cycles]
    cycles_low: float  # lower bound of the 95 % interval [cycles]
    cycles_high: float
    extrapolated: bool  # end of life beyond the last tested cycle
    rss: float = field(repr=False, default=0.0)

    def predict(self, cycles: NDArray[np.float64]) -> NDArray[np.float64]:
        """Capacity share the model predicts at ``cycles`` [share]."""
        return PREDICT[self.model](self.params, cycles)


def _interval(
    log_n: float, grad: NDArray[np.float64], cov: NDArray[np.float64], dof: int
) -> tuple[float, float, float]:
    se = math.sqrt(max(float(grad @ cov @ grad), 0.0))
    t = student_t_quantile(0.5 + CONFIDENCE / 2.0, dof)
    return _exp(log_n), _exp(log_n - t * se), _exp(log_n + t * se)


def _exp(x: float) -> float:
    """``exp(x)``, infinite instead of an overflow (NaN stays NaN)."""
    return math.exp(x) if x < 700.0 else (math.inf if x >= 700.0 else math.nan)


def _no_fade(model: str) -> FadeFitError:
    return FadeFitError(
        N_(
            "cycle data: the {model} fade model finds no capacity loss (fitted fade rate <= 0); "
            "cycles to end of life cannot be estimated; give data from a longer test",
            model=model,
        )
    )


def _finish(
    model: str,
    equation: str,
    params: dict[str, float],
    ses: dict[str, float],
    n: NDArray[np.float64],
    q: NDArray[np.float64],
    points: int,
    eol: float,
    interval: tuple[float, float, float],
) -> FadeFit:
    with np.errstate(all="ignore"):  # an infinite parameter is refused below, not warned of
        resid = q - PREDICT[model](params, n)
    rss = float(resid @ resid)
    dev = q - q.mean()
    sst = float(dev @ dev)
    cycles, low, high = interval
    tested = float(n[-1])
    if not cycles >= 1.0:
        raise FadeFitError(
            N_(
                "cycle data: the {model} fade model puts end of life at {cycles:.3g} cycles, "
                "before the first cycle; check that capacity_share is a share of rated capacity",
                model=model,
                cycles=cycles,
            )
        )
    if not cycles <= MAX_EXTRAPOLATION * tested:
        raise FadeFitError(
            N_(
                "cycle data: the {model} fade model puts end of life at {cycles:.3g} cycles, "
                "more than {times:g} times the {tested:g} cycles tested; the fade is too small "
                "for the noise to estimate it; give data from a longer test",
                model=model,
                cycles=cycles,
                times=MAX_EXTRAPOLATION,
                tested=tested,
            )
        )
    numbers = (rss, sst, low, *params.values(), *ses.values())
    if not (all(math.isfinite(x) for x in numbers) and low <= cycles <= high):
        raise FadeFitError(
            N_(
                "cycle data: the {model} fade model has no finite fit or interval for these "
                "points (e.g. cycle counts spanning {low:.3g} to {high:.3g}); check the efc and "
                "capacity_share values",
                model=model,
                low=float(n[n > 0].min(initial=tested)),
                high=tested,
            )
        )
    return FadeFit(
        model=model,
        equation=equation,
        params=params,
        std_errors=ses,
        rmse=math.sqrt(rss / q.size),
        r2=1.0 - rss / sst if sst > 0 else 0.0,
        points=points,
        eol_soh=eol,
        cycles=cycles,
        cycles_low=low,
        cycles_high=high,
        extrapolated=cycles > tested,
        rss=rss,
    )


def fit_sqrt(n: NDArray[np.float64], q: NDArray[np.float64], eol: float) -> FadeFit:
    """``Q = q0 - c sqrt(N)``; cycles to ``eol``: ``((q0 - eol) / c)^2``."""
    line = fit_line(np.sqrt(n), q)
    q0, c = line.intercept, -line.slope
    if c <= 0 or q0 <= eol:
        raise _no_fade("sqrt")
    grad = np.array([2.0 / (q0 - eol), 2.0 / c])  # d ln N / d(intercept, slope); slope = -c
    ses = np.sqrt(np.diag(line.cov))
    return _finish(
        "sqrt",
        "Q = q0 - c sqrt(N)",
        {"q0": q0, "c": c},
        {"q0": float(ses[0]), "c": float(ses[1])},
        n,
        q,
        line.n,
        eol,
        _interval(2.0 * math.log((q0 - eol) / c), grad, line.cov, line.dof),
    )


def fit_linear(n: NDArray[np.float64], q: NDArray[np.float64], eol: float) -> FadeFit:
    """``Q = q0 - c N``; cycles to ``eol``: ``(q0 - eol) / c``."""
    line = fit_line(n, q)
    q0, c = line.intercept, -line.slope
    if c <= 0 or q0 <= eol:
        raise _no_fade("linear")
    grad = np.array([1.0 / (q0 - eol), 1.0 / c])
    ses = np.sqrt(np.diag(line.cov))
    return _finish(
        "linear",
        "Q = q0 - c N",
        {"q0": q0, "c": c},
        {"q0": float(ses[0]), "c": float(ses[1])},
        n,
        q,
        line.n,
        eol,
        _interval(math.log((q0 - eol) / c), grad, line.cov, line.dof),
    )


def fit_power(n: NDArray[np.float64], q: NDArray[np.float64], eol: float) -> FadeFit:
    """``Q = 1 - a N^b`` by regressing ``ln(1 - Q)`` on ``ln N``; cycles to ``eol``:
    ``exp((ln(1 - eol) - ln a) / b)``."""
    use = (n > 0) & (q < 1.0)
    if int(use.sum()) < 3:
        raise FadeFitError(
            N_("cycle data: the power fade model needs at least 3 points with capacity below 100%")
        )
    line = fit_line(np.log(n[use]), np.log(1.0 - q[use]))
    log_a, b = line.intercept, line.slope
    if b <= 0:
        raise _no_fade("power")
    target = math.log(1.0 - eol)
    log_n = (target - log_a) / b
    grad = np.array([-1.0 / b, -(target - log_a) / (b * b)])
    ses = np.sqrt(np.diag(line.cov))
    a = _exp(log_a)
    return _finish(
        "power",
        "Q = 1 - a N^b",
        {"a": a, "b": b},
        {"a": a * float(ses[0]), "b": float(ses[1])},  # se(a) by the delta method on ln a
        n,
        q,
        line.n,
        eol,
        _interval(log_n, grad, line.cov, line.dof),
    )


PREDICT: dict[str, Callable[[dict[str, float], NDArray[np.float64]], NDArray[np.float64]]] = {
    "sqrt": lambda k, n: k["q0"] - k["c"] * np.sqrt(n),
    "linear": lambda k, n: k["q0"] - k["c"] * n,
    "power": lambda k, n: 1.0 - k["a"] * np.power(n, k["b"]),
}
MODELS: dict[str, Callable[[NDArray[np.float64], NDArray[np.float64], float], FadeFit]] = {
    "sqrt": fit_sqrt,
    "power": fit_power,
    "linear": fit_linear,
}


def fit_fade(
    cycles: NDArray[np.float64],
    capacity: NDArray[np.float64],
    eol: float = 0.8,
    model: str = "auto",
) -> tuple[FadeFit, dict[str, float]]:
    """Fit ``model`` (or every model for ``auto`` and keep the best) to the cycle data.

    cycles : equivalent full cycles, strictly increasing [cycles]
    capacity : remaining capacity [share of rated]
    eol : end-of-life state of health [share]
    Returns the fit and the RMSE of every model tried [share].
    """
    if not 0.0 < eol < 1.0:
        raise FadeFitError(
            N_(
                "end-of-life state of health = {eol!r} (carbon.end_of_life_soh_share): a fade "
                "model reaches it only below 100% of rated capacity; give a share in (0, 1), "
                "e.g. 0.8",
                eol=eol,
            )
        )
    if cycles.size < MIN_POINTS:
        raise FadeFitError(
            N_(
                "cycle data: {n} points; at least {least} are needed to fit a fade model; add "
                "test points",
                n=cycles.size,
                least=MIN_POINTS,
            )
        )
    names = list(MODELS) if model == "auto" else [model]
    if model != "auto" and model not in MODELS:
        raise FadeFitError(
            N_(
                "fade model {model!r} is unknown; choose auto, {models}",
                model=model,
                models=", ".join(MODELS),
            )
        )
    fits: list[FadeFit] = []
    errors: list[FadeFitError] = []
    for name in names:
        try:
            fits.append(MODELS[name](cycles, capacity, eol))
        except FadeFitError as exc:
            errors.append(exc)
    if not fits:
        raise errors[0]
    best = min(fits, key=lambda f: f.rss)
    return best, {f.model: f.rmse for f in fits}
