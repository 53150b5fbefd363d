"""A batch gives each scenario exactly what it gives alone (issue 10).

The model evaluates a batch with a leading scenario axis whose length is 1 for a value every
scenario shares and n for one that differs (docs/developing.md, "Rules of the model"). Whatever
the scenarios differ in (a scalar, a path, a table with more or fewer rows, a share that
switches a segment on or off), each must get the same indicators, yearly series and per-row
values in the batch as alone, in any position.

Same numbers means the same bits (NaN equal to NaN), with one stated exception: when the
minerals lifetimes (:data:`LIFETIME_PATH`) differ across the batch, the end-of-life step takes
its per-scenario path (a stack of Toeplitz views multiplied in chunks, see
``recycling.EndOfLife``), while each scenario alone takes the shared path (the lags folded into
one matrix). The two sum the same terms in a different order, so the ``minerals.*`` outputs then
agree to :data:`LIFETIME_RTOL` of the largest value of their unit (:func:`_minerals_scale`;
measured over 150 random pairs: at most 8e-16 of it, while a value near zero such as an open
supply of 0.4 t left from thousands differs by up to 1e-12 of itself). ``tests/test_minerals.py``
already accepts 1e-12 for that path. Every other output stays bit for bit.

- :func:`test_each_parameter_at_its_bounds_in_a_batch` and
  :func:`test_each_table_with_rows_removed_or_added_in_a_batch` are systematic: every scalar and
  path parameter at its declared min and max, and every bundled table with a row removed, a row
  copied under a new key and all rows removed, evaluated together with the unchanged scenario.
- :func:`test_random_scenarios_together_equal_each_alone` is the property test: random pairs and
  triples of valid scenarios (up to 6 scalars or paths and up to 2 tables with rows removed,
  copied, added or changed, drawn within their declared ranges from the bundled scenarios; the
  later scenarios drawn on their own or as variants of the first). A draw the model refuses
  alone with a :class:`~chikuden.errors.ChikudenError` is discarded; any other exception fails.
- Values that a declared rule ties together (chemistry mixes, passenger powertrain paths, the
  charging fund's years) are moved around a drawn one (:func:`rebalanced`), so that a bound or
  a draw is a valid scenario.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st
from tests.fuzzing import budget
from typer.testing import CliRunner

import chikuden
from chikuden.cli import app
from chikuden.errors import ChikudenError, ParameterError
from chikuden.horizon import FIRST_YEAR, LAST_YEAR, N_YEARS
from chikuden.indicators import outputs
from chikuden.model.outputs import DEFER_SERIES_FROM
from chikuden.parameters import Scenario, declarations, list_scenarios
from chikuden.parameters.declarations import parameter_rules
from chikuden.parameters.params import Params, sum_rows
from chikuden.results import Results

BASE = "proposal-2022"
# Parameters that send recycling.EndOfLife down its per-scenario path when they differ.
LIFETIME_PATH = (
    "minerals.ev_lifetime_years",
    "minerals.stationary_lifetime_years",
    "minerals.lifetime_shape",
    "minerals.backcast_growth_share",
)
LIFETIME_RTOL = 1e-12
SCALARS_AND_PATHS = [n for n, d in declarations().items() if d.kind != "table"]
TABLES = [n for n, d in declarations().items() if d.kind == "table"]


# -- comparing a batch with its scenarios alone -------------------------------------------------
def _lifetimes_differ(scenarios: Sequence[Scenario]) -> bool:
    first = scenarios[0]
    return any(
        not np.array_equal(np.asarray(s.value(n)), np.asarray(first.value(n)))
        for s in scenarios[1:]
        for n in LIFETIME_PATH
    )


def _minerals_scale(alone: Results) -> dict[str, float]:
    """The largest finite magnitude among the ``minerals.*`` outputs of each unit [that unit].

    On the per-scenario end-of-life path each term carries a rounding error relative to its
    own size; a difference of such terms (open supply = demand - secured - recycled) keeps the
    absolute error, not the relative one, so the tolerance is relative to this scale.
    """
    out: dict[str, float] = {}
    for group in (alone.indicators, alone.series, alone.rows):
        for key, arr in group.items():
            if key.startswith("minerals."):
                unit = outputs()[key].unit
                values = np.abs(np.asarray(arr, dtype=float))
                top = float(values[np.isfinite(values)].max(initial=0.0))
                out[unit] = max(out.get(unit, 0.0), top)
    return out


def _row_count(scenario: Scenario, key: str) -> int:
    table = outputs()[key].table
    assert table, f"{key}: a per-row output names its table"
    return len(scenario.value(table).rows)


def assert_same(
    batch: Results,
    i: int,
    alone: Results,
    scenario: Scenario,
    close_minerals: bool = False,
) -> None:
    """Scenario ``i`` of ``batch`` gives what ``alone`` gives: every indicator, series and row."""
    assert batch.names[i] == alone.names[0]
    scale = _minerals_scale(alone) if close_minerals else {}
    for group in ("indicators", "series", "rows"):
        got_all, want_all = getattr(batch, group), getattr(alone, group)
        assert set(got_all) == set(want_all), group
        for key in want_all:
            got, want = np.asarray(got_all[key][i]), np.asarray(want_all[key][0])
            if group == "rows":
                count = _row_count(scenario, key)
                assert want.shape == (count,), key
                assert got.shape[0] >= count, key
                got = got[:count]  # the rest pads the rows of other scenarios' tables
            if got.shape == want.shape and np.array_equal(got, want, equal_nan=True):
                continue  # the fast check; numpy.testing below says what differs
            where = f"scenario {i} ({scenario.name}) {group} {key}"
            if close_minerals and key.startswith("minerals."):
                atol = LIFETIME_RTOL * scale[outputs()[key].unit]
                np.testing.assert_allclose(got, want, rtol=LIFETIME_RTOL, atol=atol, err_msg=where)
            else:
                np.testing.assert_array_equal(got, want, err_msg=where)


def assert_batch_equals_alone(
    scenarios: Sequence[Scenario], alone: Sequence[Results] | None = None
) -> Results:
    """Evaluate ``scenarios`` together and compare each with ``alone`` (evaluated if not given)."""
    solo = list(alone) if alone is not None else [chikuden.evaluate(s) for s in scenarios]
    batch = chikuden.evaluate(list(scenarios))
    assert batch.n == len(scenarios)
    close = _lifetimes_differ(scenarios)
    for i, (s, one) in enumerate(zip(scenarios, solo, strict=True)):
        assert_same(batch, i, one, s, close_minerals=close)
    return batch


_ALONE: dict[str, Results] = {}


def _alone(name: str) -> Results:
    if name not in _ALONE:
        _ALONE[name] = chikuden.evaluate(chikuden.load_scenario(name))
    return _ALONE[name]


def _accepted(base: Scenario, overrides: dict[str, Any]) -> tuple[Scenario, Results] | None:
    """``base`` with ``overrides``, evaluated alone; None when refused with the project's own
    error (by the checks at the door or by the model)."""
    try:
        scenario = base.with_overrides(overrides)
        return scenario, chikuden.evaluate(scenario)
    except ChikudenError:
        return None


# -- values that must agree (declared rules): the others follow a drawn one ---------------------
# data/parameters/rules.yaml: the chemistry mixes add up to 1 in every year, the passenger
# powertrain paths to at most 1, the charging fund's first year is at most its last, a target is
# a share or GWh (the other 0). A value set alone to a bound would be refused, so the others of
# its rule are moved to keep it.
RULES = parameter_rules()
IN_A_RULE = {n for rule in RULES for n in rule.fields}


def _as_path(name: str, value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):  # a scenario's value: already one per year
        return value.astype(float)
    return np.asarray(declarations()[name].validate(value), dtype=float)


def rebalanced(base: Scenario, overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` plus the other values of each rule it touches, moved to keep the rule:
    shares rescaled to the room left, years of an order rule moved to the given one."""
    out = dict(overrides)
    for rule in RULES:
        given = [n for n in rule.fields if n in overrides]
        rest = [n for n in rule.fields if n not in overrides]
        if not given or not rest:
            continue
        if rule.kind == "order":
            first, value = rule.fields[0], float(overrides[given[0]])
            other = rest[0]
            now = float(base.value(other))
            out[other] = min(now, value) if other == first else max(now, value)
            continue
        if rule.kind == "exclusive":
            # a target given one way: the other ways are set to 0 (scalars)
            if any(np.any(_as_path(n, overrides[n]) != 0) for n in given):
                out.update(dict.fromkeys(rest, 0.0))
            continue
        assert rule.kind == "sum"
        exact = rule.equals is not None
        bound = rule.equals if rule.equals is not None else rule.at_most
        assert bound is not None
        room = bound - sum(_as_path(n, overrides[n]) for n in given)
        if np.any(room < 0):
            continue  # refused whatever the others are
        others = {n: _as_path(n, base.value(n)) for n in rest}
        total = sum(others.values())
        assert isinstance(total, np.ndarray)
        scale = np.divide(room, total, out=np.zeros_like(room), where=total > 0)
        if not exact:
            scale = np.minimum(scale, 1.0)
        for i, n in enumerate(rest):
            path = others[n] * scale
            if exact and i == 0:
                path = np.where(total > 0, path, room)  # nothing to rescale: the first takes it
            out[n] = np.clip(path, 0.0, 1.0).tolist()
    return out


# -- systematic: every parameter at its bounds, every table with rows removed or added -----------
def _with_base(
    base: Scenario, changed: list[Scenario], alone: list[Results], together: bool = False
) -> None:
    """Each changed scenario in a pair with ``base`` (first, then second: what `compare` does),
    and with ``together`` all of them with ``base`` in the middle."""
    ref = _alone(base.name)
    for j, (s, one) in enumerate(zip(changed, alone, strict=True)):
        pair, solo = ([s, base], [one, ref]) if j % 2 == 0 else ([base, s], [ref, one])
        assert_batch_equals_alone(pair, solo)
    if together and len(changed) > 1:
        assert_batch_equals_alone([changed[0], base, *changed[1:]], [alone[0], ref, *alone[1:]])


@pytest.mark.parametrize("name", SCALARS_AND_PATHS)
def test_each_parameter_at_its_bounds_in_a_batch(name: str) -> None:
    # The review found 7 parameters (the passenger share paths, the initial stocks, the scrap
    # share) that crashed `compare` when only one scenario changed them.
    decl = declarations()[name]
    base = chikuden.load_scenario(BASE)
    batch: list[Scenario] = []
    alone: list[Results] = []
    for end in (decl.min, decl.max):
        value = end if decl.kind == "scalar" else [end] * N_YEARS
        accepted = _accepted(base, rebalanced(base, {name: value}))
        if accepted is not None:
            batch.append(accepted[0])
            alone.append(accepted[1])
    assert batch, f"{name}: neither bound is accepted"
    _with_base(base, batch, alone)


def _copy(name: str, rows: list[dict[str, Any]], r: int) -> dict[str, Any]:
    """Row ``r`` copied under a new key: for each ``unique`` rule of the table's schema whose
    key the copy repeats, a key column set to an unused allowed value (or ``-copy`` appended).
    A key with no unused value left (every chemistry and mineral pair taken) stays: refused."""
    schema = declarations()[name].schema
    assert schema is not None
    copy = dict(rows[r])
    for rule in (u for u in schema.rules if u.kind == "unique"):
        used = {tuple(row[c] for c in rule.fields) for row in rows}
        for c in rule.fields:
            key = tuple(copy[f] for f in rule.fields)
            if key not in used:
                break
            column = schema.columns[c]
            for value in column.allowed or (f"{copy[c]}-copy",):
                if tuple(value if f == c else copy[f] for f in rule.fields) not in used:
                    copy[c] = value
                    break
    return copy


def _table_variants(name: str, base: Scenario) -> list[tuple[str, list[dict[str, Any]]]]:
    rows = [dict(r) for r in base.value(name).rows]
    if not rows:
        schema = declarations()[name].schema
        assert schema is not None and list(schema.columns) == ["country", "source", "note"]
        return [
            ("one row", [{"country": "CN"}]),
            ("two rows", [{"country": "CN"}, {"country": "ID"}]),
        ]
    middle = len(rows) // 2
    return [
        ("first row removed", rows[1:]),
        ("middle row removed", rows[:middle] + rows[middle + 1 :]),
        ("last row removed", rows[:-1]),
        ("middle row copied under a new key", [*rows, _copy(name, rows, middle)]),
        ("every row removed", []),
    ]


@pytest.mark.parametrize("name", TABLES)
def test_each_table_with_rows_removed_or_added_in_a_batch(name: str) -> None:
    base = chikuden.load_scenario(BASE)
    batch: list[Scenario] = []
    alone: list[Results] = []
    for label, rows in _table_variants(name, base):
        accepted = _accepted(base, {name: {"rows": rows}})
        if accepted is not None:
            batch.append(accepted[0])
            alone.append(accepted[1])
            assert accepted[1].n == 1, label
    assert batch, f"{name}: no variant is accepted"
    _with_base(base, batch, alone, together=True)  # tables of 3 or 4 row counts in one batch


def test_the_three_bundled_scenarios_together_equal_each_alone() -> None:
    names = list(list_scenarios())
    scenarios = [chikuden.load_scenario(n) for n in names]
    assert_batch_equals_alone(scenarios, [_alone(n) for n in names])
    assert_batch_equals_alone(scenarios[::-1], [_alone(n) for n in names[::-1]])


def test_sums_over_rows_do_not_see_the_padding() -> None:
    # A batch pads a shorter table with zeros. numpy's pairwise sum adds 15 values as 8
    # partial sums plus 7 in turn, and 16 (one of them a zero of padding) as 8 pairs: the
    # rounding may differ. sum_rows adds in row order, so trailing zeros change nothing.
    rng = np.random.default_rng(7)
    pairwise_differs = 0
    for width in range(1, 140):
        values = rng.uniform(0.0, 1e11, (3, width))
        padded = np.concatenate([values, np.zeros((3, 1 + width % 9))], axis=1)
        np.testing.assert_array_equal(sum_rows(padded), sum_rows(values))
        np.testing.assert_array_equal(sum_rows(padded, keepdims=True)[:, 0], sum_rows(values))
        pairwise_differs += not np.array_equal(padded.sum(axis=1), values.sum(axis=1))
    assert pairwise_differs > 0  # the reason for sum_rows: np.sum does see the padding
    assert sum_rows(np.zeros((2, 0))).shape == (2,)


def test_a_row_more_in_one_scenario_leaves_the_fund_drawdown_of_the_other() -> None:
    # Found by the fuzz test: actual-2025 with a plants row copied, together with actual-2025
    # with another subsidy cap; the other scenario's drawdown (a sum over its 15 plants,
    # padded to 16) differed from alone in the last bit of 2027 (1.2834407589731482e11 vs
    # ...470e11) until the rows were added in order.
    base = chikuden.load_scenario("actual-2025")
    rows = [dict(r) for r in base.value("capacity.plants").rows]
    more = base.with_overrides(
        {"capacity.plants": {"rows": [*rows, _copy("capacity.plants", rows, 0)]}}
    )
    cap = base.with_overrides({"finance.subsidy_max_rate_share": 0.2980240935732375})
    assert_batch_equals_alone([more, cap])
    assert_batch_equals_alone([cap, more])


def test_process_tables_of_15_and_16_steps_together() -> None:
    # The cell-manufacturing energy sums the process steps (carbon.footprints): 15 steps
    # alone and the same 15 padded to 16 next to a 16-step table must give the same bits (45
    # of 60 such pairs differed with np.sum).
    rng = np.random.default_rng(5)
    base = chikuden.load_scenario(BASE)
    rows = [dict(r) for r in base.value("carbon.process_steps").rows]
    for _ in range(5):
        steps = [dict(rows[i % 4], kwh_per_kwh=float(rng.uniform(0.1, 9.0))) for i in range(16)]
        longer = base.with_overrides({"carbon.process_steps": {"rows": steps}})
        shorter = base.with_overrides({"carbon.process_steps": {"rows": steps[:-1]}})
        assert_batch_equals_alone([longer, shorter])


# -- compare on the command line ------------------------------------------------------------------
def test_compare_with_a_scenario_that_changes_one_share(tmp_path: Any) -> None:
    # The review's example: `extends: proposal-2022` with one passenger share path changed
    # crashed `compare` ("all input arrays must have the same shape").
    mine = tmp_path / "my.yaml"
    mine.write_text("extends: proposal-2022\nparameters:\n  vehicles.passenger_bev_share: 0.01\n")
    result = CliRunner().invoke(app, ["compare", "proposal-2022", str(mine), "--json"])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    both = json.loads(result.stdout)
    assert [b["scenario"] for b in both] == ["proposal-2022", "my"]
    for i, name in enumerate(("proposal-2022", str(mine))):
        alone = chikuden.evaluate(chikuden.load_scenario(name)).to_json(0, with_sources=False)
        for key, want in json.loads(json.dumps(alone))["indicators"].items():
            assert both[i]["indicators"][key]["sources"], key  # sources: test_model.py
            assert {**both[i]["indicators"][key], "sources": []} == want, (name, key)


# -- Params.from_samples and Params.with_arrays ---------------------------------------------------
def _sample_values(decl: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` values within the declared range, the first and last the bounds themselves."""
    lo, hi = decl.min, decl.max
    if decl.integer:
        return rng.integers(int(lo), int(hi) + 1, n).astype(float)
    draw = rng.uniform(lo, hi, n)
    draw[0], draw[-1] = lo, hi
    return draw


def _sampled_alone(domain: str) -> list[str]:
    """The domain's scalar and path parameters that no rule ties to others (those, rebalanced
    together, are drawn in the fuzz test)."""
    return [
        n_
        for n_ in SCALARS_AND_PATHS
        if declarations()[n_].domain == domain and n_ not in IN_A_RULE
    ]


@pytest.mark.parametrize(
    "domain",
    sorted({d.domain for d in declarations().values() if _sampled_alone(d.domain)}),
)
def test_from_samples_of_every_parameter_equals_the_scenarios(domain: str) -> None:
    # Every scalar and path parameter of the domain sampled at once (bounds included), through
    # Params.from_samples, against the same values set one scenario at a time.
    rng = np.random.default_rng(20220601)
    base = chikuden.load_scenario(BASE)
    n = 3
    names = _sampled_alone(domain)
    samples = {name: _sample_values(declarations()[name], n, rng) for name in names}
    solo = [
        _accepted(
            base,
            {
                name: float(v[i])
                if declarations()[name].kind == "scalar"
                else [float(v[i])] * N_YEARS
                for name, v in samples.items()
            },
        )
        for i in range(n)
    ]
    keep = [i for i, one in enumerate(solo) if one is not None]
    assert keep, f"{domain}: every draw is refused alone, so the batch compares nothing"
    batch = chikuden.evaluate(Params.from_samples(base, {k: v[keep] for k, v in samples.items()}))
    close = any(name in LIFETIME_PATH for name in samples)
    for j, i in enumerate(keep):
        accepted = solo[i]
        assert accepted is not None
        assert_same(batch, j, accepted[1], accepted[0], close_minerals=close)


def test_a_large_batch_equals_its_scenarios_alone() -> None:
    # 1,100 scenarios cross the sizes at which steps change how they compute: the minerals
    # step defers its series from 1,024 scenarios on. Every scalar
    # parameter is drawn within +-20% of its value (kept in its range; jointly drawn extremes
    # may be refused, e.g. more than 100,000 chargers at a site, refusing the whole batch), the
    # shares that must add up excepted. Three of the scenarios, alone, give the same numbers.
    rng = np.random.default_rng(20220601)
    base = chikuden.load_scenario(BASE)
    n = DEFER_SERIES_FROM + 76
    samples: dict[str, np.ndarray] = {}
    for name in SCALARS_AND_PATHS:
        decl = declarations()[name]
        if decl.kind != "scalar" or name in IN_A_RULE:
            continue
        draw = np.clip(float(base.value(name)) * rng.uniform(0.8, 1.2, n), decl.min, decl.max)
        samples[name] = np.round(draw) if decl.integer else draw
    batch = chikuden.evaluate(Params.from_samples(base, samples))
    for i in (0, 515, n - 1):
        scenario = base.with_overrides({name: float(v[i]) for name, v in samples.items()})
        assert_same(batch, i, chikuden.evaluate(scenario), scenario, close_minerals=True)


def test_with_arrays_takes_tables_that_differ_per_scenario() -> None:
    # A batch whose table differs per scenario, built by replacing the arrays of one scenario
    # (as the provenance perturbations do), equals those scenarios evaluated together.
    base = chikuden.load_scenario(BASE)
    rows = [dict(r) for r in base.value("vehicles.segments").rows]
    fewer = base.with_overrides({"vehicles.segments": {"rows": rows[:-2]}})
    together = Params.from_scenarios([base, fewer])
    made = Params.from_scenarios([base]).with_arrays(
        {}, {"vehicles.segments": together.table("vehicles.segments")}
    )
    assert made.n == 2 and len(made.names) == 2
    want = chikuden.evaluate(together)
    got = chikuden.evaluate(made)
    for key, arr in want.indicators.items():
        np.testing.assert_array_equal(got.indicators[key], arr, err_msg=key)


@pytest.mark.parametrize(
    "sizes",
    [(2, 3), (3, 2)],
    ids=["batch of 2 given 3", "arrays of 3 and 2"],
)
def test_with_arrays_refuses_arrays_of_another_batch_size(sizes: tuple[int, int]) -> None:
    base = chikuden.load_scenario(BASE)
    two = Params.from_scenarios([base, base.with_overrides({"market.demand_2030_gwh": 2000})])
    arrays = {"market.demand_2030_gwh": np.full(sizes[1], 2500.0)}
    start = (
        two
        if sizes[0] == 2
        else Params.from_samples(base, {"targets.japan_share_2030": np.full(3, 0.2)})
    )
    with pytest.raises(ParameterError, match=r"market\.demand_2030_gwh"):
        start.with_arrays(arrays, {})


@pytest.mark.parametrize(
    ("samples", "match"),
    [
        (
            {
                "market.demand_2030_gwh": np.array([2000.0]),
                "targets.japan_share_2030": np.ones(2) / 5,
            },
            "length",
        ),
        ({"market.demand_2030_gwh": np.float64(2000.0)}, "market.demand_2030_gwh"),
        ({"market.demand_2030_gwh": np.array([])}, "market.demand_2030_gwh"),
        ({"market.demand_2030_gwh": np.full((2, 3), 2000.0)}, "market.demand_2030_gwh"),
        ({"vehicles.passenger_bev_share": np.full((2, 3), 0.1)}, "vehicles.passenger_bev_share"),
        ({"capacity.plants": np.zeros(2)}, "capacity.plants"),
    ],
    ids=[
        "lengths differ",
        "not an array",
        "no samples",
        "scalar given a path",
        "path of 3 years",
        "a table",
    ],
)
def test_from_samples_refuses_arrays_of_the_wrong_shape(
    samples: dict[str, Any], match: str
) -> None:
    with pytest.raises(ParameterError, match=match):
        Params.from_samples(chikuden.load_scenario(BASE), samples)


# -- property test: random valid scenarios, together and alone ------------------------------------
def _number(decl: Any) -> st.SearchStrategy[float]:
    if decl.integer:
        return st.integers(int(decl.min), int(decl.max)).map(float)
    return st.floats(
        decl.min, decl.max, allow_nan=False, allow_infinity=False, allow_subnormal=False
    )


@st.composite
def _path(draw: st.DrawFn, decl: Any) -> Any:
    if draw(st.booleans()):
        return draw(_number(decl))  # a flat path
    years = draw(st.lists(st.integers(FIRST_YEAR, LAST_YEAR), min_size=1, max_size=4, unique=True))
    return {year: draw(_number(decl)) for year in years}


def _column_value(column: Any) -> st.SearchStrategy[Any]:
    if column.allowed:
        return st.sampled_from(column.allowed)
    lo, hi = column.min, column.max
    assert math.isfinite(lo) and math.isfinite(hi), column.name
    if column.type == "int":
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def _table(draw: st.DrawFn, name: str, base: Scenario) -> dict[str, Any]:
    """Rows of ``name`` after 1 to 3 edits: a row removed, one copied under a new id, a cell
    changed within its column's range or allowed values."""
    schema = declarations()[name].schema
    assert schema is not None
    rows = [dict(r) for r in base.value(name).rows]
    editable = [c for c in schema.columns.values() if c.type in ("float", "int") or c.allowed]
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["remove", "copy", "change"] if rows else ["add"]))
        if edit == "add":
            rows.append(
                {
                    c.name: draw(_column_value(c))
                    if c in editable
                    else ("assumption",)
                    if c.type == "sources"
                    else f"new-{len(rows)}"
                    for c in schema.columns.values()
                }
            )
            continue
        r = draw(st.integers(0, len(rows) - 1))
        if edit == "remove":
            del rows[r]
        elif edit == "copy":
            rows.append(_copy(name, rows, r))
        else:
            column = draw(st.sampled_from(editable))
            rows[r][column.name] = draw(_column_value(column))
    return {"rows": rows}


@st.composite
def scenarios(draw: st.DrawFn, base: Scenario | None = None) -> Scenario:
    """``base`` (default: a bundled scenario) with up to 6 scalars or paths and up to 2 tables
    drawn within their declared ranges."""
    if base is None:
        base = chikuden.load_scenario(draw(st.sampled_from(list_scenarios())))
    overrides: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(SCALARS_AND_PATHS), max_size=6, unique=True)):
        decl = declarations()[name]
        overrides[name] = draw(_number(decl)) if decl.kind == "scalar" else draw(_path(decl))
    for name in draw(st.lists(st.sampled_from(TABLES), max_size=2, unique=True)):
        overrides[name] = draw(_table(name, base))
    if not overrides:
        return base
    try:
        return base.with_overrides(rebalanced(base, overrides))
    except ChikudenError:  # a table edit that its schema refuses (checked at the door)
        assume(False)
        raise


@st.composite
def batches(draw: st.DrawFn) -> list[Scenario]:
    """2 or 3 scenarios: the first drawn, each other one drawn on its own or from the first
    with a few more changes (what `compare` of a scenario and its variant gives)."""
    first = draw(scenarios())
    rest = draw(st.lists(st.one_of(scenarios(), scenarios(first)), min_size=1, max_size=2))
    return [first, *rest]


@pytest.mark.fuzz
@budget(quick=40, long=2000)
@given(batch=batches())
def test_random_scenarios_together_equal_each_alone(batch: list[Scenario]) -> None:
    alone = [_evaluated(s) for s in batch]
    assume(all(one is not None for one in alone))  # refused alone: not a batch question
    # what the accepted batches exercise (shown by --hypothesis-show-statistics)
    differ = [n for n in TABLES if len({len(s.value(n).rows) for s in batch}) > 1]
    event(f"{len(batch)} scenarios")
    event("tables of different row counts" if differ else "tables of equal row counts")
    event("lifetimes differ" if _lifetimes_differ(batch) else "lifetimes shared")
    assert_batch_equals_alone(batch, [one for one in alone if one is not None])


def _evaluated(scenario: Scenario) -> Results | None:
    try:
        return chikuden.evaluate(scenario)
    except ChikudenError:
        return None
