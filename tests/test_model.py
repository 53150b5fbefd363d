"""Whole-model properties: declarations match outputs, batches equal single runs, and a
parameter changes exactly the outputs that depend on it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.perturbation import output_dependencies

import chikuden
from chikuden.answers import parameters as answer_parameters
from chikuden.indicators import outputs, sections
from chikuden.parameters import declarations, list_scenarios
from chikuden.parameters.params import Params


def test_every_output_is_declared_and_every_declaration_is_produced() -> None:
    r = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    produced = set(r.indicators) | set(r.series) | set(r.rows)
    declared = set(outputs())
    assert produced - declared == set(), "outputs written but not declared"
    assert declared - produced == set(), "outputs declared but not written"
    kinds = {k: o.kind for k, o in outputs().items()}
    assert all(kinds[k] == "indicator" for k in r.indicators)
    assert all(kinds[k] == "series" for k in r.series)
    assert all(kinds[k] == "rows" for k in r.rows)


def test_charts_reference_declared_outputs() -> None:
    decl = outputs()
    for sec in sections():
        for chart in sec.charts:
            for key in chart.series:
                assert decl[key].kind == "series", (chart.id, key)
            for key in chart.targets:
                assert decl[key].kind == "indicator", (chart.id, key)
            for part in chart.parts:  # a stack chart: one indicator per bar in each part
                assert chart.kind == "stack" and len(part.keys) == len(chart.bars), chart.id
                for key in part.keys:
                    assert decl[key].kind == "indicator", (chart.id, key)
            if chart.kind == "rows":
                rows = decl[chart.rows]
                assert rows.kind == "rows" and chart.category, chart.id
                p = Params.from_scenarios([chikuden.load_scenario()])
                columns = p.table_values[rows.table or ""][0].rows[0]
                for column in (*chart.category, *([chart.stack] if chart.stack else [])):
                    assert column in columns, (chart.id, column)


def test_bundled_scenarios_give_finite_indicators_with_sources() -> None:
    for name in list_scenarios():
        r = chikuden.evaluate(chikuden.load_scenario(name))
        body = r.to_json(0)
        for key, ind in body["indicators"].items():
            decl = outputs()[key]
            if ind["value"] is not None and decl.unit in ("share",):
                assert 0.0 <= ind["value"] <= 1.0, (name, key)
            assert ind["sources"], (name, key)


NUDGEABLE = [
    ("market.demand_2030_gwh", 1000.0, 6000.0),
    ("targets.japan_share_2030", 0.05, 0.4),
    ("capacity.delay_years", 0.0, 4.0),
    ("capacity.utilisation_share", 0.4, 1.0),
    ("capacity.ramp_years", 1.0, 5.0),
]


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(*[st.floats(lo, hi, allow_subnormal=False) for _, lo, hi in NUDGEABLE]),
        min_size=2,
        max_size=4,
    )
)
def test_batch_equals_one_at_a_time(rows: list[tuple[float, ...]]) -> None:
    base = chikuden.load_scenario("proposal-2022")
    scenarios = [
        base.with_overrides({name: v for (name, _, _), v in zip(NUDGEABLE, row, strict=True)})
        for row in rows
    ]
    batch = chikuden.evaluate(scenarios)
    for i, s in enumerate(scenarios):
        one = chikuden.evaluate(s)
        for key, arr in one.indicators.items():
            np.testing.assert_array_equal(batch.indicators[key][i], arr[0], err_msg=key)
        for key, arr in one.series.items():
            np.testing.assert_array_equal(batch.series[key][i], arr[0], err_msg=key)


def test_from_samples_equals_from_scenarios() -> None:
    base = chikuden.load_scenario("proposal-2022")
    shares = np.array([0.1, 0.2, 0.3])
    batch = chikuden.evaluate(Params.from_samples(base, {"targets.japan_share_2030": shares}))
    for i, v in enumerate(shares):
        one = chikuden.evaluate(base.with_overrides({"targets.japan_share_2030": float(v)}))
        for key, arr in one.indicators.items():
            np.testing.assert_array_equal(batch.indicators[key][i], arr[0], err_msg=key)


def test_a_parameter_changes_what_depends_on_it_and_nothing_else() -> None:
    # Dependencies written down from the equations in model/market.py and model/capacity.py.
    deps = output_dependencies(chikuden.load_scenario("proposal-2022"))
    assert set(deps["market.global_demand_2030"]) == {"market.demand_2030_gwh"}
    assert set(deps["market.growth_2030_vs_2021"]) == {
        "market.demand_2030_gwh",
        "market.demand_base_gwh",
    }
    # a target is a share of the market or GWh (the other is 0; both enter the sum)
    assert set(deps["targets.japan_global_capacity_2030"]) == {
        "market.demand_2030_gwh",
        "targets.japan_share_2030",
        "targets.capacity_utilisation_share",
        "targets.japan_global_gwh_2030",
    }
    assert set(deps["targets.domestic_capacity_2030"]) == {
        "market.demand_2030_gwh",
        "targets.japan_share_2030",
        "targets.capacity_utilisation_share",
        "targets.japan_global_gwh_2030",
        "targets.domestic_fraction_share",
        "targets.domestic_gwh_2030",
    }
    # the proposal's pipeline (1 June 2022) holds only plants existing in Japan: no delay or
    # realisation applies, and a nudge of the date reaches no announcement (the next is 2023)
    assert set(deps["capacity.domestic_2030"]) == {"capacity.plants"}
    # Market demand depends on no capacity or finance parameter, and the stationary share
    # moves the segment split but not the total.
    assert set(deps["market.demand_total_gwh"]) == {
        "market.demand_base_gwh",
        "market.demand_2030_gwh",
        "market.growth_after_2030_share",
    }
    assert "market.stationary_share" in deps["market.demand_ev_gwh"]
    # Every declared parameter reaches at least one output (no dead parameters). A parameter
    # that matters only past a kink (a stockpile that already covers a shock) shows no local
    # dependence; for those, moving it to either end of its declared range must change
    # something. Empty tables (no countries flagged by default) cannot be nudged. A parameter
    # that a flag switches off by default is moved with its flag on. A parameter may matter only
    # in another bundled scenario: the proposal's pipeline of 1 June 2022 has no plant under
    # construction (delay and realisation shares act in actual-2025), and its small production
    # leaves no open cobalt or nickel demand for a stockpile to cover.
    scenario = chikuden.load_scenario("proposal-2022")
    used = set().union(*map(set, deps.values()))
    dead = []
    # the answers' thresholds move verdicts, not outputs (tests/test_answers.py)
    for name in sorted(set(declarations()) - used - set(answer_parameters())):
        decl = declarations()[name]
        if decl.kind == "table":
            if not scenario.value(name).rows:
                continue
            dead.append(name)
            continue
        if not any(_moves_at_an_end(s, name) for s in ("proposal-2022", "actual-2025")):
            dead.append(name)
    assert dead == [], f"parameters that change nothing: {dead}"


GATED = {"finance.us_45x_module_usd_per_kwh": {"finance.plant_makes_modules_flag": 1}}


def _moves_at_an_end(scenario: str, name: str) -> bool:
    """Whether ``name`` at its declared minimum or maximum changes any output of ``scenario``
    (with the flag that switches it on, for a parameter in :data:`GATED`)."""
    decl = declarations()[name]
    base = chikuden.load_scenario(scenario)
    if name in GATED:
        base = base.with_overrides(GATED[name])
    ref = chikuden.evaluate(base)
    for end in [v for v in (decl.min, decl.max) if np.isfinite(v)]:
        value = end if decl.kind == "scalar" else [end] * len(base.value(name))
        other = chikuden.evaluate(base.with_overrides({name: value}))
        if any(
            not np.array_equal(other.indicators[k], ref.indicators[k], equal_nan=True)
            for k in ref.indicators
        ) or any(
            not np.array_equal(getattr(other, g)[k], getattr(ref, g)[k], equal_nan=True)
            for g in ("series", "rows")
            for k in getattr(ref, g)
        ):
            return True
    return False


def test_promised_indicator_keys_exist() -> None:
    # The keys the minerals, carbon and demand-and-infrastructure issues promise users.
    minerals = ["lithium", "lithium_lce", "nickel", "cobalt", "manganese", "graphite"]
    keys = [f"minerals.demand_{w}_2030.{m}" for w in ("domestic", "global") for m in minerals]
    keys += [
        f"minerals.{k}.{m}"
        for k in ("hhi_mining", "hhi_refining", "secured_share_2030", "recycled_share_2030")
        for m in minerals
        if m != "lithium_lce"
    ]
    keys += [
        "carbon.footprint_2030_grid",
        "carbon.footprint_2030_clean_park",
        "carbon.manufacturing_energy_per_kwh",
        "carbon.clean_power_premium_per_kwh",
        "carbon.hydrogen_demand_2030",
        "vehicles.ev_sales_share_2030",
        "vehicles.battery_demand_domestic_2030",
        "vehicles.fleet_backup_energy_2030",
        "charging.connectors_needed_2030",
        "charging.fund_coverage",
        "charging.highway_chargers_needed_2030",
        "freight.terminal_power_mw",
        "stationary.cumulative_2030",
        "workforce.people_needed_2030",
        "regulation.warehouse_area_needed_m2",
    ]
    body = chikuden.evaluate(chikuden.load_scenario("proposal-2022")).to_json(0)["indicators"]
    assert [k for k in keys if k not in body] == []
    for key in keys:
        assert body[key]["sources"], key
    for key in [k for k in keys if "share" in k or "hhi" in k]:
        upper = 10_000 if "hhi" in key else 1
        assert 0 <= body[key]["value"] <= upper, key
