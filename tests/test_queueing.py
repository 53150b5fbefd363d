"""The queueing model of charging sites: hand-worked cases, an independent exact M/M/c solve
in rational arithmetic, a PyPI peer (pyworkforce), a simulation for M/D/c, sizing minimality,
batch-equals-single, and bad input."""

from __future__ import annotations

import heapq
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chikuden.errors import ChikudenError
from chikuden.model.charging import queueing as q


# -- an independent M/M/c solve -----------------------------------------------------------------
def exact_mmc(c: int, lam: Fraction, mu: Fraction) -> tuple[Fraction, Fraction]:
    """P(wait) and mean wait Wq of M/M/c from the birth-death balance equations, exactly.

    p_n = p_0 (lam/mu)^n / n! for n <= c and p_n = p_c rho^(n-c) above, rho = lam/(c mu);
    the tail sums to p_c / (1 - rho). P(wait) = P(N >= c) = p_c / (1 - rho) and, by Little,
    Wq = Lq / lam with Lq = p_c rho / (1 - rho)^2. Nothing here uses the Erlang B recursion.
    """
    a = lam / mu
    rho = a / c
    weights = [a**n / math.factorial(n) for n in range(c + 1)]
    tail = weights[c] * rho / (1 - rho)  # states above c
    p0 = 1 / (sum(weights) + tail)
    pc = weights[c] * p0
    p_wait = pc / (1 - rho)
    lq = pc * rho / (1 - rho) ** 2
    return p_wait, lq / lam


GRID = [(c, rho) for c in (1, 2, 3, 5, 8, 12, 20) for rho in ("1/10", "1/2", "4/5", "19/20")]


@pytest.mark.parametrize(("c", "rho"), GRID)
def test_erlang_c_and_mean_wait_match_an_exact_rational_solve(c: int, rho: str) -> None:
    mu = Fraction(3)  # 20-minute sessions [1/h]
    lam = Fraction(rho) * c * mu
    p_wait, wq = exact_mmc(c, lam, mu)
    r = q.performance(c, float(lam), float(1 / mu))
    assert float(r.wait_probability) == pytest.approx(float(p_wait), rel=1e-12)
    assert float(r.mean_wait_h) == pytest.approx(float(wq), rel=1e-12)
    assert float(r.utilisation) == pytest.approx(float(Fraction(rho)), rel=1e-15)


def test_erlang_c_matches_pyworkforce() -> None:
    import pyworkforce.queuing as erlang  # a declared test dependency (pyproject [test])

    for transactions, aht in ((24, 20.0), (5, 25.0), (130, 12.0), (1, 30.0)):
        peer = erlang.ErlangC(transactions=transactions, aht=aht, asa=1e-9, interval=60)
        load = transactions * aht / 60.0
        for c in range(math.floor(load) + 1, math.floor(load) + 12):
            ours = float(q.erlang_c(c, load))
            assert ours == pytest.approx(peer.waiting_probability(c), rel=1e-10), (load, c)


def test_hand_worked_small_cases() -> None:
    # c = 1: P(wait) = rho and Wq = rho s / (1 - rho) (M/M/1). lam = 2/h, s = 0.25 h: rho = 0.5,
    # Wq = 0.5 * 0.25 / 0.5 = 0.25 h.
    r = q.performance(1, 2.0, 0.25)
    assert float(r.wait_probability) == pytest.approx(0.5)
    assert float(r.mean_wait_h) == pytest.approx(0.25)
    # c = 2, a = 1: p_0 : p_1 : p_2 = 1 : 1 : 1/2, above 2 the states fall by rho = 1/2, so the
    # tail from 2 up is (1/2) / (1 - 1/2) = 1 and the total 1 + 1 + 1 = 3: P(wait) = 1/3.
    # Wq = C s / (c - a) = (1/3) * 1 / 1 = 1/3 h with s = 1 h.
    r = q.performance(2, 1.0, 1.0)
    assert float(r.wait_probability) == pytest.approx(1 / 3)
    assert float(r.mean_wait_h) == pytest.approx(1 / 3)
    # Erlang B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2 and B(1, a) = a / (1 + a).
    assert float(q.erlang_b(2, 1.0)) == pytest.approx(0.2)
    assert float(q.erlang_b(1, 3.0)) == pytest.approx(0.75)
    # The CLI example: 24 cars/h, 30 kWh at 90 kW -> 20 min, a = 8 Erlang; P(wait) is 0.0760
    # with 13 chargers and 0.0393 with 14 (see the pyworkforce check above), so 14 meet 5%.
    r = q.size(24.0, q.service_time_h(30.0, 90.0), max_wait_probability=0.05)
    assert float(r.servers) == 14
    assert float(r.wait_probability) == pytest.approx(0.0392801625, rel=1e-8)


def test_md1_mean_wait_is_pollaczek_khinchine() -> None:
    # M/D/1: Wq = rho s / (2 (1 - rho)); Cosmetatos is exact at c = 1.
    for rho in (0.2, 0.5, 0.9):
        r = q.performance(1, rho, 1.0, deterministic=True)
        assert float(r.mean_wait_h) == pytest.approx(rho / (2 * (1 - rho)), rel=1e-12)


def _simulate_mdc(c: int, lam: float, s: float, n: int, seed: int) -> tuple[float, float]:
    """FCFS c-server queue with fixed service times: share of cars that wait, mean wait [h]."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / lam, n))
    free = [0.0] * c
    waits = np.empty(n)
    for i, t in enumerate(arrivals):
        start = max(heapq.heappop(free), t)
        waits[i] = start - t
        heapq.heappush(free, start + s)
    w = waits[n // 10 :]  # drop the warm-up
    return float((w > 0).mean()), float(w.mean())


@pytest.mark.parametrize(("c", "rho"), [(2, 0.6), (3, 0.8), (5, 0.7), (10, 0.85)])
def test_mdc_approximation_against_a_simulation(c: int, rho: float) -> None:
    lam = rho * c  # s = 1 h
    p_sim, w_sim = _simulate_mdc(c, lam, 1.0, 200_000, seed=c)
    r = q.performance(c, lam, 1.0, deterministic=True)
    assert float(r.mean_wait_h) == pytest.approx(w_sim, rel=0.08)
    # Erlang C is a slightly conservative stand-in for the M/D/c probability of waiting.
    assert p_sim - 0.05 <= float(r.wait_probability) <= p_sim + 0.05


# -- sizing --------------------------------------------------------------------------------------
def test_size_is_the_smallest_count_meeting_both_targets() -> None:
    mu = Fraction(2)
    for lam in (Fraction(1, 3), Fraction(5), Fraction(27, 2), Fraction(60)):
        a = lam / mu
        r = q.size(float(lam), float(1 / mu), max_wait_probability=0.1, max_mean_wait_h=0.05)
        c = int(r.servers)

        def meets(n: int, lam: Fraction = lam, a: Fraction = a) -> bool:
            if n <= a:
                return False
            p, w = exact_mmc(n, lam, mu)
            return p <= Fraction(1, 10) and w <= Fraction(1, 20)

        assert meets(c)
        assert not meets(c - 1)


def test_size_with_no_arrivals_needs_no_charger() -> None:
    r = q.size(np.array([0.0, 3.0]), 0.5, max_wait_probability=0.2)
    assert r.servers.tolist()[0] == 0
    assert r.servers.tolist()[1] >= 2


def test_size_with_only_a_mean_wait_target() -> None:
    # a = 2 Erlang, s = 1 h: with 3 chargers Wq = C(3, 2) / 1 = 4/9 h; with 4, C = 4/23 and
    # Wq = (4/23) / 2 = 2/23 h. A target of 0.1 h needs 4 chargers.
    assert float(q.performance(3, 2.0, 1.0).mean_wait_h) == pytest.approx(4 / 9)
    assert float(q.performance(4, 2.0, 1.0).mean_wait_h) == pytest.approx(2 / 23)
    assert float(q.size(2.0, 1.0, max_mean_wait_h=0.1).servers) == 4


sizes = st.floats(0.0, 200.0, allow_nan=False)
service = st.floats(0.05, 2.0, allow_nan=False)
targets = st.floats(0.001, 0.5, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(sizes, service, targets, st.floats(0.01, 2.0), st.booleans()),
        min_size=1,
        max_size=12,
    )
)
def test_a_batch_gives_the_same_as_one_site_at_a_time(
    sites: list[tuple[float, float, float, float, bool]],
) -> None:
    lam, s, p, w, det = (np.array(col) for col in zip(*sites, strict=True))
    batch = q.size(lam, s, max_wait_probability=p, max_mean_wait_h=w, deterministic=det)
    for i, (li, si, pi, wi, di) in enumerate(sites):
        one = q.size(li, si, max_wait_probability=pi, max_mean_wait_h=wi, deterministic=di)
        for field in ("servers", "utilisation", "wait_probability", "mean_wait_h"):
            assert getattr(batch, field)[i] == getattr(one, field), field
        load = li * si
        if load > 0:
            assert batch.servers[i] >= math.floor(load) + 1  # never below stability
            assert batch.utilisation[i] < 1.0
            assert batch.wait_probability[i] <= pi
            assert batch.mean_wait_h[i] <= wi
            fewer = batch.servers[i] - 1
            if fewer > load:  # one charger less is stable but misses a target
                r = q.performance(fewer, li, si, deterministic=di)
                assert r.wait_probability > pi or r.mean_wait_h > wi


def test_sizing_follows_the_erlang_b_recursion_worked_by_hand() -> None:
    # 1/B(0) = 1, 1/B(k) = 1 + (k/a) / B(k-1); C(k) = 1 / (rho + (1 - rho) / B(k)), rho = a/k.
    # a = 0.5: 1/B(1) = 1 + 2 * 1 = 3, 1/B(2) = 1 + 4 * 3 = 13; C(1) = rho = 0.5,
    #   C(2) = 1 / (0.25 + 0.75 * 13) = 1 / 10. A target of 0.3 needs 2 chargers, P(wait) 0.1.
    # a = 2: 1/B = 1.5, 2.5, 4.75, 10.5 for k = 1..4 (B(3) = 4/19, B(4) = 2/21);
    #   C(3) = 1 / (2/3 + 4.75/3) = 4/9, C(4) = 1 / (0.5 + 10.5/2) = 4/23.
    #   A target of 0.5 needs 3 chargers (4/9), one of 0.2 needs 4 (4/23).
    assert float(q.erlang_b(2, 0.5)) == pytest.approx(1 / 13, rel=1e-15)
    assert q.erlang_b(np.array([3, 4]), 2.0).tolist() == pytest.approx([4 / 19, 2 / 21], rel=1e-15)
    loads = np.array([0.5, 2.0, 2.0])
    r = q.size(loads, 1.0, max_wait_probability=np.array([0.3, 0.5, 0.2]))
    assert r.servers.tolist() == [2, 3, 4]
    assert r.wait_probability.tolist() == pytest.approx([0.1, 4 / 9, 4 / 23], rel=1e-15)
    # Wq = C s / (k - a): 0.1 / 1.5, (4/9) / 1, (4/23) / 2 hours.
    assert r.mean_wait_h.tolist() == pytest.approx([0.1 / 1.5, 4 / 9, 2 / 23], rel=1e-15)


def test_heterogeneous_loads_in_one_batch_give_what_each_gives_alone() -> None:
    # Loads from nothing (and a subnormal) to thousands of Erlang, in the order given and
    # reversed, with every target kind: each site gets the same four numbers in the batch as
    # alone; the busy site does not change the small ones (nor the order the sites come in).
    loads = np.array([0.0, 5e-324, 0.3, 0.5, 2.0, 4.0, 4.0, 37.5, 621.0, 2500.25, 7.0, 0.0])
    p = np.linspace(0.01, 0.6, loads.size)
    w = np.linspace(0.02, 1.5, loads.size)
    det = np.arange(loads.size) % 2 == 1

    def sized(i: slice | int, kind: str) -> q.QueueResult:
        return q.size(
            loads[i],
            1.0,
            max_wait_probability=p[i] if "p" in kind else None,
            max_mean_wait_h=w[i] if "w" in kind else None,
            deterministic=det[i],
        )

    fields = ("servers", "utilisation", "wait_probability", "mean_wait_h")
    for kind in ("p", "w", "pw"):
        batch = sized(slice(None), kind)
        back = sized(slice(None, None, -1), kind)
        for i, load in enumerate(loads):
            alone = sized(i, kind)
            for field in fields:
                assert getattr(batch, field)[i] == getattr(alone, field), (field, load, kind)
                assert getattr(back, field)[-1 - i] == getattr(alone, field), (field, load)
        busy = loads > 0
        assert (batch.servers[busy] >= np.floor(loads[busy]) + 1).all()
        assert (batch.servers[~busy] == 0).all()


# -- bad input -----------------------------------------------------------------------------------
def test_an_unstable_site_says_the_queue_grows_and_the_minimum_for_stability() -> None:
    with pytest.raises(q.UnstableQueueError, match=r"grow without bound.*at least 9 chargers"):
        q.performance(8, 24.0, 1 / 3)  # a = 8 Erlang on 8 chargers: rho = 1
    with pytest.raises(q.UnstableQueueError, match="at least 4 chargers"):
        q.performance(2, 3.5, 1.0)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_a_target_probability_outside_the_open_interval_is_refused(p: float) -> None:
    with pytest.raises(ChikudenError, match=r"outside \(0, 1\)"):
        q.size(10.0, 0.5, max_wait_probability=p)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"arrivals_per_hour": -1.0, "service_h": 0.5}, "arrivals per hour"),
        ({"arrivals_per_hour": float("inf"), "service_h": 0.5}, "arrivals per hour"),
        ({"arrivals_per_hour": 1.0, "service_h": 0.0}, "charging time"),
        ({"arrivals_per_hour": 1.0, "service_h": 0.5, "max_mean_wait_h": 0.0}, "mean wait"),
    ],
)
def test_bad_rates_and_targets_are_chikuden_errors(kwargs: dict[str, float], match: str) -> None:
    kwargs.setdefault("max_wait_probability", 0.05)
    with pytest.raises(ChikudenError, match=match):
        q.size(**kwargs)  # type: ignore[arg-type]


def test_sizing_needs_a_target_and_whole_chargers() -> None:
    with pytest.raises(ChikudenError, match="give a target"):
        q.size(1.0, 0.5)
    with pytest.raises(ChikudenError, match="whole number"):
        q.performance(2.5, 1.0, 0.5)


# -- the sizing limit (MAX_SERVERS) ---------------------------------------------------------------
def exact_erlang_b(c: int, a: Fraction) -> Fraction:
    """Erlang B from its definition, B = (a^c / c!) / sum_{k <= c} a^k / k!, exactly."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[c] / sum(terms)


def test_erlang_b_stops_early_once_blocking_underflows_and_stays_exact() -> None:
    # With a = 1/3 Erlang, 1/B(k) passes 1e308 near k = 160 (1/B ~ k! 3^k): the recursion stops
    # there; every count above has B = 0 in floats, as the exact value (below 1e-400) rounds to.
    counts = np.array([1, 2, 5, 20, 150, 170, 400, q.MAX_SERVERS])
    for a in (Fraction(1, 3), Fraction(7), Fraction(120)):
        ours = q.erlang_b(counts, float(a))
        exact = [float(exact_erlang_b(int(c), a)) if c <= 400 else 0.0 for c in counts]
        assert ours == pytest.approx(exact, rel=1e-12, abs=1e-300), a


def test_performance_refuses_more_chargers_than_the_limit() -> None:
    assert float(q.performance(q.MAX_SERVERS, 1.0, 1 / 3).wait_probability) == 0.0
    for bad in (q.MAX_SERVERS + 1, 1e8, math.inf, math.nan):
        with pytest.raises(q.QueueInputError, match=f"whole number in 1..{q.MAX_SERVERS:,}"):
            q.performance(bad, 1.0, 1 / 3)


@pytest.mark.filterwarnings("ignore:overflow encountered in multiply:RuntimeWarning")
def test_an_offered_load_that_overflows_is_refused_not_an_overflow_error() -> None:
    # 1e300 cars/h x 1e10 h: both finite, the product is inf in floats.
    with pytest.raises(q.QueueInputError, match="needs more than 100,000 chargers"):
        q.size(1e300, 1e10, max_wait_probability=0.05)
    with pytest.raises(q.QueueInputError, match="offered load of 100000 Erlang"):
        q.size(100_000.0, 1.0, max_wait_probability=0.05)


def test_sizing_answers_up_to_the_limit_and_refuses_past_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a = 40 Erlang against P(wait) <= 5%: the count is found with the default limit; a limit
    # equal to it still answers, one charger lower refuses.
    need = int(q.size(40.0, 1.0, max_wait_probability=0.05).servers)
    assert 41 < need < 60  # above the stability minimum 41
    monkeypatch.setattr(q, "MAX_SERVERS", need)
    assert int(q.size(40.0, 1.0, max_wait_probability=0.05).servers) == need
    monkeypatch.setattr(q, "MAX_SERVERS", need - 1)
    with pytest.raises(q.QueueInputError, match=f"more than {need - 1:,} chargers"):
        q.size(np.array([1.0, 40.0]), 1.0, max_wait_probability=0.05)
    monkeypatch.setattr(q, "MAX_SERVERS", 40)  # below the stability minimum itself
    with pytest.raises(q.QueueInputError, match="offered load of 40 Erlang"):
        q.size(40.0, 1.0, max_wait_probability=0.05)


def test_heavy_and_light_sites_together_equal_each_alone() -> None:
    # Loads past 4,096 Erlang take the wider sort key (8 steps per Erlang exceed int16), and
    # targets per site (not one number for all) take the per-site path; each site as alone.
    loads = np.array([0.3, 5000.5, 2.2, 0.3, 4100.0, 0.0, 17.9])
    p = np.array([0.05, 0.2, 0.01, 0.3, 0.05, 0.05, 0.1])
    det = np.array([False, True, False, True, False, False, True])
    batch = q.size(loads, 1.0, max_wait_probability=p, max_mean_wait_h=0.1, deterministic=det)
    for i in range(loads.size):
        one = q.size(
            loads[i],
            1.0,
            max_wait_probability=p[i],
            max_mean_wait_h=0.1,
            deterministic=bool(det[i]),
        )
        assert batch.servers[i] == one.servers and batch.mean_wait_h[i] == one.mean_wait_h
        assert batch.wait_probability[i] == one.wait_probability
    assert batch.servers[5] == 0 and (batch.servers[loads > 0] > np.floor(loads[loads > 0])).all()
