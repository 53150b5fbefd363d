"""Multi-server queues for charging sites: Erlang C (M/M/c) and an M/D/c approximation.

A charging site with ``c`` chargers, Poisson arrivals at rate ``lambda`` [1/h] and mean
charging (service) time ``s`` [h] carries the offered load ``a = lambda * s`` [Erlang]; the
utilisation of each charger is ``rho = a / c``. The queue is stable only when ``rho < 1``,
i.e. with at least ``floor(a) + 1`` chargers.

Equations (every function is vectorised: arrays broadcast against each other):

- Erlang B by its inverse recursion, numerically stable for any load::

      1 / B(0) = 1,     1 / B(k) = 1 + (k / a) / B(k-1)

- Erlang C, the probability that an arriving car has to wait (M/M/c)::

      C(c, a) = c B / (c - a (1 - B)) = 1 / (rho + (1 - rho) / B)

- mean wait in the queue (M/M/c)::

      Wq = C(c, a) * s / (c - a)

- M/D/c (every session takes exactly ``s``): the probability of waiting is approximated by the
  Erlang C value (it is nearly insensitive to the service-time distribution; exact for c = 1;
  Tijms 2003, ch. 5), and the mean wait by Cosmetatos (1976)::

      Wq(M/D/c) = 1/2 * Wq(M/M/c) * [1 + (1 - rho)(c - 1)(sqrt(4 + 5c) - 2) / (16 rho c)]

  which is exact for c = 1 (Pollaczek-Khinchine) and reduces to the Allen-Cunneen factor
  (1 + cs^2) / 2 = 1/2 as rho -> 1.

:func:`size` finds, for every element at once, the smallest ``c`` that meets a target on the
probability of waiting and/or the mean wait: it walks ``c = 1, 2, ...`` with the Erlang B
recursion on whole float arrays (never a Python loop over sites), and records each element's
first ``c`` that meets its target.

References: A. K. Erlang (1917); G. P. Cosmetatos, "Some approximate equilibrium results for
the multi-server queue (M/G/r)", Operational Research Quarterly 27 (1976) 615-620;
H. C. Tijms, "A First Course in Stochastic Models", Wiley 2003.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from chikuden.errors import ChikudenError

#: Most chargers at one site that sizing explores and ``performance`` accepts [count]. Each
#: charger count costs one step of the Erlang B recursion (about 4 us for one site, the same
#: step for every site of an array), so a site needing this many takes about 0.4 s; sizing
#: stops with an error rather than go past it. The command line refuses an offered load of
#: this many Erlang or more, and more chargers than this, before computing anything.
MAX_SERVERS = 100_000
#: Largest buffer of Erlang B values kept during sizing [cells]; beyond, a slower path.
BUFFER_CELLS = 4_000_000
#: Largest block of sizing steps kept at once [cells]; beyond, one step at a time.
BLOCK_CELLS = 2_000_000


class QueueInputError(ChikudenError):
    """An input of the queueing model outside its allowed range."""


class UnstableQueueError(QueueInputError):
    """A fixed number of chargers at or below the offered load: the queue grows without bound."""


@dataclass(frozen=True)
class QueueResult:
    """Steady-state performance of sites, every field an array of the broadcast shape.

    servers : chargers [count]
    utilisation : offered load per charger, ``a / c`` [share]
    wait_probability : probability that an arriving car waits [share]
    mean_wait_h : mean wait in the queue over all arrivals [h]
    """

    servers: np.ndarray
    utilisation: np.ndarray
    wait_probability: np.ndarray
    mean_wait_h: np.ndarray


def _arr(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(x, dtype=float)


def service_time_h(
    energy_kwh: np.ndarray | float,
    power_kw: np.ndarray | float,
    power_factor: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Mean charging time of a session [h].

    energy_kwh : energy delivered per session [kWh]
    power_kw : rated power of a charger [kW]
    power_factor : mean delivered power over rated power (taper, losses) [share]
    """
    return _arr(energy_kwh) / (_arr(power_kw) * _arr(power_factor))


def stability_minimum(load: np.ndarray | float) -> np.ndarray:
    """Fewest chargers for a stable queue, ``floor(a) + 1`` [count]."""
    return np.floor(_arr(load)) + 1.0


def erlang_b(servers: np.ndarray | float, load: np.ndarray | float) -> np.ndarray:
    """Erlang B blocking probability for ``servers`` chargers and ``load`` Erlang [share]."""
    c, a = np.broadcast_arrays(_arr(servers), _arr(load))
    cmax = c.max(initial=0.0)
    if not cmax <= MAX_SERVERS:
        raise QueueInputError(
            f"chargers = {float(cmax):g} is more than {MAX_SERVERS:,} at one site; "
            "give fewer chargers"
        )
    with np.errstate(divide="ignore", over="ignore"):
        inv_a = np.where(a > 0, 1.0 / np.where(a > 0, a, 1.0), np.inf)
        inv_b = np.ones(c.shape)
        out = np.where(c <= 0, 1.0, 0.0)
        for k in range(1, int(cmax) + 1):
            inv_b = 1.0 + inv_b * (k * inv_a)
            out = np.where(c == k, 1.0 / inv_b, out)
            if not (inv_b < np.inf).any():  # B = 0 from here on for every element
                break
    return np.where(a > 0, out, np.where(c <= 0, 1.0, 0.0))


def erlang_c(servers: np.ndarray | float, load: np.ndarray | float) -> np.ndarray:
    """Probability of waiting in M/M/c [share]; 1 where the queue is unstable (``a >= c``)."""
    c, a = np.broadcast_arrays(_arr(servers), _arr(load))
    b = erlang_b(c, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(c > 0, a / np.where(c > 0, c, 1.0), np.inf)
        pw = 1.0 / (rho + (1.0 - rho) / b)
    return np.where(a <= 0, 0.0, np.where(rho < 1.0, pw, 1.0))


def cosmetatos_factor(servers: np.ndarray | float, utilisation: np.ndarray | float) -> np.ndarray:
    """Ratio of the M/D/c to the M/M/c mean wait by Cosmetatos (1976) [ratio]."""
    c = _arr(servers)
    rho = _arr(utilisation)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        corr = (1.0 - rho) * (c - 1.0) * (np.sqrt(4.0 + 5.0 * c) - 2.0) / (16.0 * rho * c)
    return 0.5 * (1.0 + np.where(rho > 0, corr, 0.0))


def _mean_wait(
    pw: np.ndarray, c: np.ndarray, a: np.ndarray, s: np.ndarray, deterministic: np.ndarray
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        wq = pw * s / (c - a)
        factor = np.where(deterministic & (pw > 0), cosmetatos_factor(c, a / c), 1.0)
    return np.where(a <= 0, 0.0, np.where(c > a, wq * factor, np.inf))


def performance(
    servers: np.ndarray | float,
    arrivals_per_hour: np.ndarray | float,
    service_h: np.ndarray | float,
    deterministic: np.ndarray | bool = False,
) -> QueueResult:
    """Utilisation, probability of waiting and mean wait of sites with ``servers`` chargers.

    servers : chargers per site [count]
    arrivals_per_hour : arrival rate of cars that charge [1/h]
    service_h : mean charging time [h]
    deterministic : True for M/D/c (every session lasts ``service_h``), False for M/M/c

    Raises :class:`UnstableQueueError` when any site has ``a >= c``.
    """
    lam, s = _checked_rates(arrivals_per_hour, service_h)
    c = _arr(servers)
    wrong = ~((c >= 1) & (c <= MAX_SERVERS)) | (c != np.round(c))
    if np.any(wrong):
        bad = float(c[wrong].reshape(-1)[0])
        raise QueueInputError(
            f"chargers = {bad:g}: the number of chargers is a whole number in "
            f"1..{MAX_SERVERS:,}; give --chargers N"
        )
    c, lam, s, det = np.broadcast_arrays(c, lam, s, np.asarray(deterministic, dtype=bool))
    a = lam * s
    if np.any(a >= c):
        i = np.argmax(a >= c)
        load, n = float(a.reshape(-1)[i]), float(c.reshape(-1)[i])
        raise UnstableQueueError(
            f"utilisation {load / n:.3g} >= 1 with {n:g} chargers for a load of {load:.3g} "
            f"Erlang: the queue would grow without bound; use at least "
            f"{math.floor(load) + 1} chargers for stability"
        )
    pw = erlang_c(c, a)
    return QueueResult(
        servers=c,
        utilisation=a / c,
        wait_probability=pw,
        mean_wait_h=_mean_wait(pw, c, a, s, det),
    )


def size(
    arrivals_per_hour: np.ndarray | float,
    service_h: np.ndarray | float,
    max_wait_probability: np.ndarray | float | None = None,
    max_mean_wait_h: np.ndarray | float | None = None,
    deterministic: np.ndarray | bool = False,
) -> QueueResult:
    """Smallest number of chargers per site that meets every given target.

    arrivals_per_hour : arrival rate of cars that charge, any shape [1/h]
    service_h : mean charging time [h]
    max_wait_probability : target on the probability of waiting, in (0, 1) [share]
    max_mean_wait_h : target on the mean wait over all arrivals, > 0 [h]
    deterministic : True for M/D/c (Cosmetatos mean wait), False for M/M/c

    A site with no arrivals needs 0 chargers. Every array broadcasts against the others; the
    result has the broadcast shape.

    The targets are met only by stable counts ``k >= c0 = floor(a) + 1``. A first loop runs the
    Erlang B recursion ``1/B(k) = 1 + t``, ``t = k / (a B(k-1))``, up to the largest ``c0`` on
    whole arrays and keeps each site's ``1/B(c0 - 1)``; a second loop then steps every site
    upward from its own ``c0`` at once. With ``1/C(k) = rho + (1 - rho)/B(k) = 1 + t (k - a)/k
    =: x`` the targets read ``x >= 1/p`` and ``Wq = s / ((k - a) x) <= w``, i.e.
    ``(k - a) x >= s / w`` (times the Cosmetatos factor for M/D/c). Each site's answer is its
    first ``k`` that meets every target. No Python loop runs over sites.
    """
    lam, s = _checked_rates(arrivals_per_hour, service_h)
    if max_wait_probability is None and max_mean_wait_h is None:
        raise QueueInputError(
            "give a target: a maximum probability of waiting and/or a maximum mean wait"
        )
    p_max = _checked_target_probability(max_wait_probability)
    w_max = _checked_target_wait(max_mean_wait_h)
    lam, s, p_max, w_max, det = np.broadcast_arrays(
        lam, s, p_max, w_max, np.asarray(deterministic, dtype=bool)
    )
    shape = lam.shape
    a = (lam * s).reshape(-1)
    s = s.reshape(-1)
    det = det.reshape(-1)
    idle = a <= 0.0
    if idle.all():
        zeros = np.zeros(shape)
        return QueueResult(zeros, zeros, zeros, zeros)
    check_p = max_wait_probability is not None
    check_w = max_mean_wait_h is not None
    # Without idle sites the np.where(idle, ...) below are the identity and are skipped.
    any_idle = bool(idle.any())
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        inv_p = 1.0 / p_max.reshape(-1) if check_p else p_max.reshape(-1)
        # 1/a capped at 1e300 so that a vanishing load (a denormal) stays finite.
        inv_a = 1.0 / np.maximum(a, 1e-300)
        if any_idle:
            inv_a = np.where(idle, np.inf, inv_a)
        s_over_w = s / w_max.reshape(-1) if check_w else s
        # Mean-wait target as (k - a) x >= A + B g(k) (k - a), with the Cosmetatos factor
        # 1/2 [1 + g(k) (k - a) / a], g(k) = (k - 1)(sqrt(4 + 5k) - 2) / (16 k), for M/D/c.
        any_det = bool(det.any())
        if any_det and check_w:
            coef_a = np.where(det, 0.5 * s_over_w, s_over_w)
            coef_b = np.where(det, 0.5 * s_over_w * inv_a, 0.0)
        else:  # not read
            coef_a = coef_b = s_over_w
        floor_a = np.floor(a)  # c0 - 1
        if any_idle:
            floor_a = np.where(idle, 0.0, floor_a)
        top_load = floor_a.max()
        if not top_load < MAX_SERVERS:  # also an infinite load (lam * s overflowed)
            raise _too_many(float(a.max()))
        top = int(top_load)
        # 1/B(c0 - 1) of every site from one shared recursion (rows of a buffer when it fits).
        if (top + 1) * a.size <= BUFFER_CELLS:
            tmp = np.empty(a.shape)
            rows = np.empty((top + 1, a.size))
            rows[0] = 1.0
            for k, (prev, row) in enumerate(itertools.pairwise(rows), start=1):
                np.multiply(inv_a, k, out=tmp)  # a small buffer that stays in cache
                np.multiply(prev, tmp, out=row)
                row += 1.0
            start = rows[floor_a.astype(np.intp), np.arange(a.size)]
        else:
            tmp = np.empty(a.shape)
            inv_b = np.ones(a.shape)
            start = np.ones(a.shape)
            for k in range(1, top + 1):
                np.multiply(inv_a, k, out=tmp)
                np.multiply(inv_b, tmp, out=inv_b)
                inv_b += 1.0
                np.copyto(start, inv_b, where=floor_a == k)
        # Every site steps up from its own c0.
        args = (start, floor_a, a, inv_a, inv_p, coef_a, coef_b, s_over_w, idle)
        checks = (check_p, check_w, any_det)
        if a.size * (_block(top) + 1) <= BLOCK_CELLS:
            step, x_at, explored = _step_up_blocks(*args, *checks, top, _block(top))
        else:
            step, x_at, explored = _step_up(*args, *checks, top)
        if any_idle:
            servers = np.where(idle, 0.0, floor_a + 1.0 + step)
            d = servers - a
            pw = np.where(idle, 0.0, 1.0 / x_at)
            wq = np.where(idle, 0.0, s / (d * x_at))
        else:
            servers = floor_a + 1.0 + step
            d = servers - a
            pw = 1.0 / x_at
            wq = s / (d * x_at)
        if top + explored > MAX_SERVERS and servers.max() > MAX_SERVERS:  # the last block
            raise _too_many(float(a[np.argmax(servers)]))
        if any_det:
            wq = np.where(det & (pw > 0), wq * cosmetatos_factor(servers, a / servers), wq)
        util = a / np.where(idle, 1.0, servers) if any_idle else a / servers
        if any_idle:
            util = np.where(idle, 0.0, util)
    return QueueResult(
        servers=servers.reshape(shape),
        utilisation=util.reshape(shape),
        wait_probability=pw.reshape(shape),
        mean_wait_h=wq.reshape(shape),
    )


def _too_many(load: float) -> QueueInputError:
    return QueueInputError(
        f"sizing a site with an offered load of {load:.6g} Erlang needs more than "
        f"{MAX_SERVERS:,} chargers, the most sizing explores at one site; "
        "check the arrival rate, the charging time and the targets"
    )


def _block(top: int) -> int:
    """Steps above ``c0`` taken at once when sizing (about what the largest load needs)."""
    return 9 + math.isqrt(top + 1)


def _step_up(
    inv_b: np.ndarray,
    floor_a: np.ndarray,
    a: np.ndarray,
    inv_a: np.ndarray,
    inv_p: np.ndarray,
    coef_a: np.ndarray,
    coef_b: np.ndarray,
    s_over_w: np.ndarray,
    idle: np.ndarray,
    check_p: bool,
    check_w: bool,
    any_det: bool,
    top: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Each site's first step ``k - c0`` that meets its targets, ``x`` there and the steps
    taken, one step at a time (for arrays too large to keep a block of steps). ``top`` is
    the largest ``c0 - 1``; no site steps past MAX_SERVERS."""
    k_arr = floor_a.copy()
    d = floor_a - a  # k - a, raised by one before use
    found = idle.copy()
    xs: list[np.ndarray] = []
    oks: list[np.ndarray] = []
    while not found.all():
        if top + len(xs) >= MAX_SERVERS and (k_arr[~found]).max() >= MAX_SERVERS:
            raise _too_many(float(a[~found][np.argmax(k_arr[~found])]))
        k_arr += 1.0
        d += 1.0
        t = inv_b * k_arr * inv_a
        inv_b = 1.0 + t
        x = 1.0 + t * d / k_arr
        ok = x >= inv_p if check_p else np.ones(a.shape, dtype=bool)
        if check_w:
            rhs = coef_a + coef_b * (d * _g(k_arr)) if any_det else s_over_w
            ok &= d * x >= rhs
        found |= ok
        xs.append(x)
        oks.append(ok)
    step = np.argmax(np.stack(oks), axis=0)
    return step, np.take_along_axis(np.stack(xs), step[None, :], axis=0)[0], len(xs)


def _step_up_blocks(
    inv_b: np.ndarray,
    floor_a: np.ndarray,
    a: np.ndarray,
    inv_a: np.ndarray,
    inv_p: np.ndarray,
    coef_a: np.ndarray,
    coef_b: np.ndarray,
    s_over_w: np.ndarray,
    idle: np.ndarray,
    check_p: bool,
    check_w: bool,
    any_det: bool,
    top: int,
    block: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`_step_up` with ``block`` steps at a time: only the Erlang B recursion runs step by
    step; ``k``, ``k - a``, ``x`` and the targets are whole-block array operations. Every
    number is formed by the same operations in the same order as in :func:`_step_up`, so the
    results are the same bit for bit."""
    n = a.size
    flat = np.arange(n)
    d_prev = floor_a - a  # k - a before the first step
    done = 0
    step = np.zeros(n, dtype=np.intp)
    x_at = np.zeros(n)
    todo = ~idle
    while True:
        k = floor_a + np.arange(done + 1.0, done + block + 1.0)[:, None]  # exact integers
        d = np.empty((block, n))
        t = np.empty((block, n))
        for k_j, d_j, t_j in zip(k, d, t, strict=True):
            np.add(d_prev, 1.0, out=d_j)
            d_prev = d_j
            np.multiply(inv_b, k_j, out=t_j)
            t_j *= inv_a
            inv_b = t_j + 1.0
        x = t * d  # x = 1 + t d / k, in place
        x /= k
        x += 1.0
        ok = x >= inv_p if check_p else np.ones(x.shape, dtype=bool)
        if check_w:
            rhs = coef_a + coef_b * (d * _g(k)) if any_det else s_over_w
            ok &= d * x >= rhs
        first = np.argmax(ok, axis=0)
        at = first * n + flat  # each site's first hit in the flattened block
        hit = np.take(ok, at)
        if done == 0:
            step, x_at = first, np.take(x, at)
            todo &= ~hit
        else:
            new = todo & hit
            step = np.where(new, done + first, step)
            x_at = np.where(new, np.take(x, at), x_at)
            todo &= ~new
        if not todo.any():
            break
        # every count up to the limit tried (the scalar test first: the mask costs a few us)
        if top + done + block >= MAX_SERVERS and k[-1][todo].max() >= MAX_SERVERS:
            raise _too_many(float(a[todo][np.argmax(k[-1][todo])]))
        done += block
    return step, x_at, done + block


def _g(k: np.ndarray) -> np.ndarray:
    """The charger-count part of the Cosmetatos correction [ratio]."""
    return (k - 1.0) * (np.sqrt(4.0 + 5.0 * k) - 2.0) / (16.0 * k)


def _checked_rates(
    arrivals_per_hour: np.ndarray | float, service_h: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    lam = _arr(arrivals_per_hour)
    s = _arr(service_h)
    # Quick checks first (NaN fails them too); the masks only to name a bad value.
    lam_ok = lam.size and lam.min() >= 0 and lam.max() < np.inf
    if lam_ok and s.size and s.min() > 0 and s.max() < np.inf:
        return lam, s
    bad = ~np.isfinite(lam) | (lam < 0)
    if bad.any():
        raise QueueInputError(
            f"arrivals per hour = {float(lam[bad].reshape(-1)[0])!r} is not allowed; "
            "give a finite rate >= 0 [1/h]"
        )
    bad = ~np.isfinite(s) | (s <= 0)
    if bad.any():
        raise QueueInputError(
            f"charging time = {float(s[bad].reshape(-1)[0])!r} h is not allowed; energy, power "
            "and power factor must be finite and > 0"
        )
    return lam, s


def _checked_target_probability(p: np.ndarray | float | None) -> np.ndarray:
    if p is None:
        return np.asarray(np.inf)
    arr = _arr(p)
    if arr.size and arr.min() > 0 and arr.max() < 1:
        return arr
    bad = ~((arr > 0) & (arr < 1))
    if bad.any():
        raise QueueInputError(
            f"maximum probability of waiting = {float(arr[bad].reshape(-1)[0])!r} is outside "
            "(0, 1); give a share strictly between 0 and 1, e.g. 0.05"
        )
    return arr


def _checked_target_wait(w: np.ndarray | float | None) -> np.ndarray:
    if w is None:
        return np.asarray(np.inf)
    arr = _arr(w)
    if arr.size and arr.min() > 0 and arr.max() < np.inf:
        return arr
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise QueueInputError(
            f"maximum mean wait = {float(arr[bad].reshape(-1)[0])!r} is not allowed; "
            "give a time > 0"
        )
    return arr
