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
recursion on whole float arrays (never a Python loop over sites), each element only as far as
its own answer, and records each element's first ``c`` that meets its target.

References: A. K. Erlang (1917); G. P. Cosmetatos, "Some approximate equilibrium results for
the multi-server queue (M/G/r)", Operational Research Quarterly 27 (1976) 615-620;
H. C. Tijms, "A First Course in Stochastic Models", Wiley 2003.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import N_, ChikudenError

#: Most chargers at one site that sizing explores and ``performance`` accepts [count]. Each
#: charger count costs one step of the Erlang B recursion (about 6 us for one site; a step
#: serves every site of an array that still needs it), so a site needing this many takes
#: about 0.6 s; sizing stops with an error rather than go past it. The command line refuses an
#: offered load of this many Erlang or more, and more chargers than this, before computing
#: anything.
MAX_SERVERS = 100_000


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

    servers: NDArray[np.float64]
    utilisation: NDArray[np.float64]
    wait_probability: NDArray[np.float64]
    mean_wait_h: NDArray[np.float64]


def _arr(x: NDArray[np.float64] | float) -> NDArray[np.float64]:
    return np.asarray(x, dtype=float)


def service_time_h(
    energy_kwh: NDArray[np.float64] | float,
    power_kw: NDArray[np.float64] | float,
    power_factor: NDArray[np.float64] | float = 1.0,
) -> NDArray[np.float64]:
    """Mean charging time of a session [h].

    energy_kwh : energy delivered per session [kWh]
    power_kw : rated power of a charger [kW]
    power_factor : mean delivered power over rated power (taper, losses) [share]
    """
    return _arr(energy_kwh) / (_arr(power_kw) * _arr(power_factor))


def stability_minimum(load: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """Fewest chargers for a stable queue, ``floor(a) + 1`` [count]."""
    return np.floor(_arr(load)) + 1.0


def erlang_b(
    servers: NDArray[np.float64] | float, load: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Erlang B blocking probability for ``servers`` chargers and ``load`` Erlang [share]."""
    c, a = np.broadcast_arrays(_arr(servers), _arr(load))
    cmax = c.max(initial=0.0)
    if not cmax <= MAX_SERVERS:
        raise QueueInputError(
            N_(
                "chargers = {n:g} is more than {most:,} at one site; give fewer chargers",
                n=float(cmax),
                most=MAX_SERVERS,
            )
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


def erlang_c(
    servers: NDArray[np.float64] | float, load: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Probability of waiting in M/M/c [share]; 1 where the queue is unstable (``a >= c``)."""
    c, a = np.broadcast_arrays(_arr(servers), _arr(load))
    b = erlang_b(c, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(c > 0, a / np.where(c > 0, c, 1.0), np.inf)
        pw = 1.0 / (rho + (1.0 - rho) / b)
    return np.where(a <= 0, 0.0, np.where(rho < 1.0, pw, 1.0))


def cosmetatos_factor(
    servers: NDArray[np.float64] | float, utilisation: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Ratio of the M/D/c to the M/M/c mean wait by Cosmetatos (1976) [ratio]."""
    c = _arr(servers)
    rho = _arr(utilisation)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        corr = (1.0 - rho) * (c - 1.0) * (np.sqrt(4.0 + 5.0 * c) - 2.0) / (16.0 * rho * c)
    return 0.5 * (1.0 + np.where(rho > 0, corr, 0.0))


def _mean_wait(
    pw: NDArray[np.float64],
    c: NDArray[np.float64],
    a: NDArray[np.float64],
    s: NDArray[np.float64],
    deterministic: NDArray[np.bool_],
) -> NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        wq = pw * s / (c - a)
        factor = np.where(deterministic & (pw > 0), cosmetatos_factor(c, a / c), 1.0)
    return np.where(a <= 0, 0.0, np.where(c > a, wq * factor, np.inf))


def performance(
    servers: NDArray[np.float64] | float,
    arrivals_per_hour: NDArray[np.float64] | float,
    service_h: NDArray[np.float64] | float,
    deterministic: NDArray[np.bool_] | bool = False,
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
            N_(
                "chargers = {n:g}: the number of chargers is a whole number in 1..{most:,}; give "
                "such a number of chargers",
                n=bad,
                most=MAX_SERVERS,
            )
        )
    c, lam, s, det = np.broadcast_arrays(c, lam, s, np.asarray(deterministic, dtype=bool))
    a = lam * s
    if np.any(a >= c):
        i = np.argmax(a >= c)
        load, n = float(a.reshape(-1)[i]), float(c.reshape(-1)[i])
        raise UnstableQueueError(
            N_(
                "utilisation {utilisation:.3g} >= 1 with {n:g} chargers for a load of "
                "{load:.3g} Erlang: the queue would grow without bound; use at least {least} "
                "chargers for stability",
                utilisation=load / n,
                n=n,
                load=load,
                least=math.floor(load) + 1,
            )
        )
    pw = erlang_c(c, a)
    return QueueResult(
        servers=c,
        utilisation=a / c,
        wait_probability=pw,
        mean_wait_h=_mean_wait(pw, c, a, s, det),
    )


def size(
    arrivals_per_hour: NDArray[np.float64] | float,
    service_h: NDArray[np.float64] | float,
    max_wait_probability: NDArray[np.float64] | float | None = None,
    max_mean_wait_h: NDArray[np.float64] | float | None = None,
    deterministic: NDArray[np.bool_] | bool = False,
) -> QueueResult:
    """Smallest number of chargers per site that meets every given target.

    arrivals_per_hour : arrival rate of cars that charge, any shape [1/h]
    service_h : mean charging time [h]
    max_wait_probability : target on the probability of waiting, in (0, 1) [share]
    max_mean_wait_h : target on the mean wait over all arrivals, > 0 [h]
    deterministic : True for M/D/c (Cosmetatos mean wait), False for M/M/c

    A site with no arrivals needs 0 chargers. Every array broadcasts against the others; the
    result has the broadcast shape.

    One loop over the charger count ``k = 1, 2, ...``, each step on whole arrays of sites (no
    Python loop over sites): it carries the Erlang B recursion ``1/B(k) = 1 + t``,
    ``t = k / (a B(k-1))``, forward. With ``1/C(k) = rho + (1 - rho)/B(k) = 1 + t (k - a)/k =:
    x`` the targets read ``x >= 1/p`` and ``Wq = s / ((k - a) x) <= w``, i.e. ``(k - a) x >=
    s / w`` (times the Cosmetatos factor for M/D/c); only stable counts ``k > a`` qualify. Each
    site keeps its first ``k`` that meets every target (:func:`_first_servers`). A site takes
    part in a step only until it has its count, and its targets are checked only from its own
    stability minimum ``floor(a) + 1``: a site with load ``a`` costs about ``a + 3 sqrt(a)``
    steps of its own, whatever the other sites of the array carry.
    """
    lam, s = _checked_rates(arrivals_per_hour, service_h)
    if max_wait_probability is None and max_mean_wait_h is None:
        raise QueueInputError(
            N_("give a target: a maximum probability of waiting and/or a maximum mean wait")
        )
    check_p = max_wait_probability is not None
    check_w = max_mean_wait_h is not None
    p_max = _checked_target_probability(max_wait_probability)
    w_max = _checked_target_wait(max_mean_wait_h)
    det_in = np.asarray(deterministic, dtype=bool)
    shape = np.broadcast_shapes(lam.shape, s.shape, p_max.shape, w_max.shape, det_in.shape)
    a = np.broadcast_to(lam * s, shape).reshape(-1)
    # The targets, service time and queue kind stay one number where they are one number (a
    # Monte Carlo batch shares them): each per-site copy would cost a pass over the sites.
    s_at, inv_p = _per_site(s, shape), _per_site(1.0 / p_max, shape) if check_p else None
    det = np.broadcast_to(det_in, shape).reshape(-1) if det_in.any() else None  # None: M/M/c
    idle = a <= 0.0
    if not a.max(initial=0.0) < MAX_SERVERS:  # also an infinite load (lam * s overflowed)
        raise _too_many(float(a.max()))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        # Cosmetatos: Wq(M/D/c) = Wq(M/M/c) / 2 [1 + g(k) (k - a) / a], so the mean-wait
        # target reads (k - a) x >= A + B g(k) (k - a) with A = s/w / 2 and B = A / a
        # (B = 0 for M/M/c sites: no term at all when every site is M/M/c)
        s_over_w = _per_site(s / w_max, shape) if check_w else None
        coef_a = coef_b = None
        if s_over_w is not None:
            coef_a = s_over_w if det is None else np.where(det, 0.5 * s_over_w, s_over_w)
            coef_b = None if det is None else np.where(det, 0.5 * s_over_w * _inverse(a), 0.0)
        targets = _Targets(inv_p=inv_p, coef_a=coef_a, coef_b=coef_b)
        servers, x_at = _first_servers(a, targets)
        pw = np.where(idle, 0.0, 1.0 / x_at)
        wq = np.where(idle, 0.0, s_at / ((servers - a) * x_at))
        if det is not None:  # M/D/c sites take the Cosmetatos factor; M/M/c sites keep wq
            wq = np.where(det & (pw > 0), wq * cosmetatos_factor(servers, a / servers), wq)
        util = np.where(idle, 0.0, a / servers)
    return QueueResult(
        servers=servers.reshape(shape),
        utilisation=util.reshape(shape),
        wait_probability=pw.reshape(shape),
        mean_wait_h=wq.reshape(shape),
    )


Flat = NDArray[np.float64] | float
"""A value per site, ``(n,)``, or one number for every site."""


def _per_site(x: NDArray[np.float64], shape: tuple[int, ...]) -> Flat:
    """``x`` as one value per site of ``shape`` (flattened), or one number if ``x`` is one."""
    if x.size == 1:
        return float(x.reshape(()))
    return np.broadcast_to(x, shape).reshape(-1)


@dataclass(frozen=True)
class _Targets:
    """The targets of :func:`size` per site, ``(n,)`` each or one number for every site;
    None when not given.

    inv_p : ``1 / p``, the least ``1/C`` allowed [ratio]
    coef_a, coef_b : the mean-wait target ``(k - a) x >= coef_a + coef_b g(k) (k - a)``
        (``coef_b`` None: 0 at every site, M/M/c)
    """

    inv_p: Flat | None
    coef_a: Flat | None
    coef_b: Flat | None


def _ordered(x: Flat | None, order: NDArray[np.intp]) -> Flat | None:
    return x[order] if isinstance(x, np.ndarray) and x.ndim else x


def _window(x: Flat, lo: int, hi: int) -> Flat:
    return x[lo:hi] if isinstance(x, np.ndarray) and x.ndim else x


_BUCKETS = 8  # steps per Erlang of the order of the sites in _first_servers


def _inverse(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """``1 / a``, capped at 1e300 so that a vanishing load (a denormal) stays finite."""
    return 1.0 / np.maximum(a, 1e-300)


def _first_servers(
    a: NDArray[np.float64], targets: _Targets
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each site's first charger count ``k`` meeting its targets, and ``x = 1/C(k)`` there.

    a : offered load [Erlang], ``(n,)``; a site with ``a <= 0`` gets 0 chargers and ``x = 1``

    The busy sites are sorted once by load, so by their stability minimum ``m = floor(a) + 1``,
    and every array below is in that order, so that at step ``k`` the sites that are checked are a
    window of it: from the first site without its answer (``lo``) to the last whose minimum is
    at most ``k`` (``hi``). Step ``k`` carries the recursion forward for the sites from ``lo``
    on (those below their minimum, the tail, included) and checks the window; a site in the
    window that already has its answer is computed on and ignored (nothing is copied to leave
    it out: sites of similar load finish at similar ``k``). So a site costs its own answer's
    recursion steps plus the few steps it is checked, and the loop ends with the last site's
    answer. Every site goes through the same operations whatever the others are: a batch
    gives each site what it gives alone.
    """
    servers = np.zeros(a.shape)
    x_at = np.ones(a.shape)
    busy = np.flatnonzero(a > 0.0)
    # Ordered by load in steps of 1/BUCKETS Erlang, by a stable sort of small integers (numpy
    # sorts them by radix; a float sort is slower): so by minimum too, and the sites of a step
    # (with shared targets nearly always of one answer) finish together, which keeps the window
    # short; within a step the sites keep their order, so that gathering reads memory in order.
    key = np.floor(a[busy] * _BUCKETS)
    small = np.int16 if key.max(initial=0.0) < np.iinfo(np.int16).max else np.int64
    order = busy[np.argsort(key.astype(small), kind="stable")]
    load = a[order]
    minimum = np.floor(load) + 1.0  # stability minimum, ascending
    inv_load = _inverse(load)
    inv_p = _ordered(targets.inv_p, order)
    coef_a = _ordered(targets.coef_a, order)
    coef_b = _ordered(targets.coef_b, order)
    n = order.size
    inv_b = np.ones(n)  # 1/B(0)
    t = np.empty(n)
    found = np.zeros(n)  # the answer, 0 until found
    x_found = np.ones(n)
    lo = 0  # sites before lo have their answer
    k = 0.0
    while lo < n:
        k += 1.0
        if k > MAX_SERVERS:
            raise _too_many(float(load[lo:][found[lo:] == 0].max()))
        np.multiply(inv_b[lo:], k, out=t[lo:])
        t[lo:] *= inv_load[lo:]
        np.add(t[lo:], 1.0, out=inv_b[lo:])
        hi = int(np.searchsorted(minimum, k, side="right"))
        if hi <= lo:
            continue
        d = k - load[lo:hi]
        x = t[lo:hi] * d
        x /= k
        x += 1.0
        ok = found[lo:hi] == 0.0
        if inv_p is not None:
            ok &= x >= _window(inv_p, lo, hi)
        if coef_a is not None:
            need = _window(coef_a, lo, hi)
            if coef_b is not None:
                need = need + _window(coef_b, lo, hi) * (d * _g(k))
            ok &= d * x >= need
        if ok.any():
            np.copyto(found[lo:hi], k, where=ok)
            np.copyto(x_found[lo:hi], x, where=ok)
            waiting = found[lo:hi] == 0.0
            first = int(waiting.argmax())  # the first site still waiting, if any
            lo = lo + first if waiting[first] else hi
    servers[order] = found
    x_at[order] = x_found
    return servers, x_at


def _too_many(load: float) -> QueueInputError:
    return QueueInputError(
        N_(
            "sizing a site with an offered load of {load:.6g} Erlang needs more than {most:,} "
            "chargers, the most sizing explores at one site; check the arrival rate, the "
            "charging time and the targets",
            load=load,
            most=MAX_SERVERS,
        )
    )


def _g(k: float) -> float:
    """The charger-count part of the Cosmetatos correction [ratio]."""
    return (k - 1.0) * (math.sqrt(4.0 + 5.0 * k) - 2.0) / (16.0 * k)


def _checked_rates(
    arrivals_per_hour: NDArray[np.float64] | float, service_h: NDArray[np.float64] | float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lam = _arr(arrivals_per_hour)
    s = _arr(service_h)
    # Quick checks first (NaN fails them too); the masks only to name a bad value.
    lam_ok = lam.size and lam.min() >= 0 and lam.max() < np.inf
    if lam_ok and s.size and s.min() > 0 and s.max() < np.inf:
        return lam, s
    bad = ~np.isfinite(lam) | (lam < 0)
    if bad.any():
        raise QueueInputError(
            N_(
                "arrivals per hour = {value!r} is not allowed; give a finite rate >= 0 [1/h]",
                value=float(lam[bad].reshape(-1)[0]),
            )
        )
    bad = ~np.isfinite(s) | (s <= 0)
    if bad.any():
        raise QueueInputError(
            N_(
                "charging time = {value!r} h is not allowed; energy, power and power factor "
                "must be finite and > 0",
                value=float(s[bad].reshape(-1)[0]),
            )
        )
    return lam, s


def _checked_target_probability(p: NDArray[np.float64] | float | None) -> NDArray[np.float64]:
    if p is None:
        return np.asarray(np.inf)
    arr = _arr(p)
    if arr.size and arr.min() > 0 and arr.max() < 1:
        return arr
    bad = ~((arr > 0) & (arr < 1))
    if bad.any():
        raise QueueInputError(
            N_(
                "maximum probability of waiting = {value!r} is outside (0, 1); give a share "
                "strictly between 0 and 1, e.g. 0.05",
                value=float(arr[bad].reshape(-1)[0]),
            )
        )
    return arr


def _checked_target_wait(w: NDArray[np.float64] | float | None) -> NDArray[np.float64]:
    if w is None:
        return np.asarray(np.inf)
    arr = _arr(w)
    if arr.size and arr.min() > 0 and arr.max() < np.inf:
        return arr
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise QueueInputError(
            N_(
                "maximum mean wait = {value!r} is not allowed; give a time > 0",
                value=float(arr[bad].reshape(-1)[0]),
            )
        )
    return arr
