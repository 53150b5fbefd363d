"""Finance: capital need, subsidy rules, fund drawdown, plant support and equal footing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chikuden
from chikuden.errors import ParameterError
from chikuden.horizon import YEARS, year_index
from chikuden.indicators import outputs
from chikuden.model import capacity, finance, plant_economics, subsidy
from chikuden.parameters import Params
from chikuden.results import Results

PROPOSAL = chikuden.load_scenario("proposal-2022")


@pytest.fixture(scope="module")
def res() -> Results:
    return chikuden.evaluate(PROPOSAL)


def plant_row(id: str, **cols: Any) -> dict[str, Any]:
    row = {
        "id": id,
        "company": id,
        "site": "Japan",
        "region": "JP",
        "stage": "cells",
        "status": "certified",
        "gwh": 10,
        "start_year": 2027,
        "source": "assumption",
    }
    row.update(cols)
    return row


# -- capital need and fund -------------------------------------------------------------------------
def test_capital_need_reproduces_the_proposal_exactly(res: Results) -> None:
    # P1: 2.2 + 1.5 + 2.1 = 5.8 trillion yen for 150 GWh; at the 150 GWh target the scaling
    # 2.2e12 * 150 / 150 is exact in floating point.
    assert res.value("targets.domestic_capacity_2030") == 150.0
    assert res.value("finance.capital_need_minerals") == 2.2e12
    assert res.value("finance.capital_need_materials") == 1.5e12
    assert res.value("finance.capital_need_cells") == 2.1e12
    assert res.value("finance.capital_need_total") == 5.8e12
    assert res.value("finance.capex_per_gwh_implied_cells") == pytest.approx(14e9)  # 2.1e12/150
    # the bar chart's series carry the need in 2030 only
    cells = res.series["finance.capital_need_cells_jpy"][0]
    assert cells[year_index(2030)] == 2.1e12
    assert np.isnan(np.delete(cells, year_index(2030))).all()


def test_capital_need_scales_with_the_target() -> None:
    # a 25 % share instead of 20 %: 187.5 GWh in Japan -> 5.8e12 * 187.5 / 150 = 7.25e12
    r = chikuden.evaluate(PROPOSAL.with_overrides({"targets.japan_share_2030": 0.25}))
    assert r.value("finance.capital_need_total") == pytest.approx(7.25e12, rel=1e-12)


def test_fund_size_and_coverage(res: Results) -> None:
    # 600 bn yen a year over FY2022-2026 = 3 trillion; coverage 3 / 5.8 = 0.517
    assert res.value("finance.fund_size") == 3e12
    assert res.value("finance.fund_coverage") == pytest.approx(3 / 5.8, rel=1e-14)
    assert res.series["finance.budget_cumulative_jpy"][0][-1] == 3e12


def test_published_capex_median_and_minerals_bottom_up(res: Results) -> None:
    # cell plants with capex, bn yen per GWh: 434/20 = 21.7, 330/25 = 13.2, 489/20 = 24.45,
    # 245/9 = 27.2, 153.3/5 = 30.66, 463/16 = 28.94, 83.3/6.5 = 12.8, 600/30 = 20
    # -> median of 8 values (21.7 + 24.45) / 2 = 23.075
    assert res.value("finance.capex_per_gwh_published_median") == pytest.approx(23.075e9)
    # lithium: 26,000 $/(t/yr) x 150 yen/$ x 1.136 t LiOH/t LCE x 0.59 kg/kWh x 1,000 t per
    # (kg/kWh x GWh) = 2.614 bn yen/GWh; pCAM: 12,500 EUR x 160 x 1.587 x 0.899 x 1,000
    # = 2.853 bn yen/GWh; total 5.467 bn yen/GWh
    lithium = 26_000 * 150 * 1.136 * 0.59 * 1_000
    pcam = 12_500 * 160 * 1.587 * 0.899 * 1_000
    assert res.value("finance.minerals_capex_per_gwh_bottom_up") == pytest.approx(lithium + pcam)
    fits = res.value("finance.minerals_need_fits_gwh")
    assert fits == pytest.approx(2.2e12 / (lithium + pcam))  # 402 GWh
    assert abs(fits - 600) < abs(fits - 150)  # the minerals money fits the global target


# -- subsidy rules -------------------------------------------------------------------------------
def test_project_subsidies_under_the_proposal_rules(res: Results) -> None:
    ids = [r["id"] for r in res.params.table_values["capacity.plants"][0].rows]
    got = dict(zip(ids, res.rows["finance.project_subsidy_jpy"][0], strict=True))
    # Honda / GS Yuasa: mother factory -> 1/3 + 1/6 = 1/2 of 434 bn yen = 217 bn yen
    assert got["honda-gsyuasa"] == pytest.approx(434e9 / 2)
    # Toyota round 3: mother factory and technology development: 1/3 + 1/6 + 1/6 = 2/3 (cap)
    assert got["toyota-r3"] == pytest.approx(245e9 * 2 / 3)
    # Mazda: base rate only
    assert got["mazda-panasonic"] == pytest.approx(83.3e9 / 3)
    # not eligible: existing plants and plants abroad
    assert got["existing-jp"] == 0.0
    assert got["panasonic-kansas"] == 0.0


def test_actual_rules_give_less_than_certified_for_honda() -> None:
    actual = {f"finance.subsidy_{k}_share": 0.0 for k in ("mother_factory_uplift",)}
    r = chikuden.evaluate(PROPOSAL.with_overrides(actual))
    ids = [row["id"] for row in r.params.table_values["capacity.plants"][0].rows]
    honda = r.rows["finance.project_subsidy_jpy"][0][ids.index("honda-gsyuasa")]
    assert honda == pytest.approx(434e9 / 3)  # 144.7 bn yen against 158.7 bn certified


def test_rd_share_and_cap() -> None:
    # 100 bn yen, a quarter R&D: 0.75 x 100 x min(cap 0.4, 1/3 + 1/6) + 0.25 x 100 x 1/2
    # = 30 + 12.5 = 42.5 bn yen
    rows = [plant_row("a", capex_jpy=100e9, rd_share=0.25, mother_factory=1)]
    r = chikuden.evaluate(
        PROPOSAL.with_overrides(
            {"capacity.plants": {"rows": rows}, "finance.subsidy_max_rate_share": 0.4}
        )
    )
    assert r.rows["finance.project_subsidy_jpy"][0, 0] == pytest.approx(42.5e9)
    assert r.rows["finance.project_subsidy_rate"][0, 0] == pytest.approx(0.425)


def test_disbursement_and_the_year_the_fund_runs_out() -> None:
    # Two plants at the base rate 1/3, paid evenly over 2 construction years before start:
    #   a: 300 bn capex, start 2025 -> 100 bn paid 50 + 50 in 2023 and 2024
    #   b: 600 bn capex, start 2027 -> 200 bn paid 100 + 100 in 2025 and 2026
    # An existing 200 GWh plant closes the 2030 gap, so no gap subsidy.
    # Budget 200 bn in 2022 only: cumulative payments 50, 100, 200, 300 -> 2025 uses the fund
    # exactly (not exceeded); it runs out in 2026.
    rows = [
        plant_row("a", capex_jpy=300e9, start_year=2025),
        plant_row("b", capex_jpy=600e9, start_year=2027),
        plant_row("old", status="existing", gwh=200, start_year=2015),
    ]
    base = {
        "capacity.plants": {"rows": rows},
        "finance.subsidy_mother_factory_uplift_share": 0.0,
        "finance.budget_jpy": {2021: 0, 2022: 200e9, 2023: 0},
    }
    r = chikuden.evaluate(PROPOSAL.with_overrides(base))
    paid = r.series["finance.drawdown_pipeline_jpy"][0]
    want = np.zeros(YEARS.size)
    want[[year_index(y) for y in (2023, 2024, 2025, 2026)]] = [50e9, 50e9, 100e9, 100e9]
    assert paid == pytest.approx(want)
    assert r.value("capacity.domestic_gap_2030") == 0.0
    assert r.value("finance.subsidy_demand_total") == pytest.approx(300e9)
    assert r.value("finance.fund_exhausted_year") == 2026
    assert r.value("finance.subsidy_shortfall") == pytest.approx(100e9)
    assert r.value("finance.fund_balance") == pytest.approx(-100e9)

    # one year of delay and half realisation: b's 100 bn (half of 200) is paid in 2026-2027
    late = chikuden.evaluate(
        PROPOSAL.with_overrides(
            {**base, "capacity.delay_years": 1, "capacity.realisation_share": 0.5}
        )
    )
    paid = late.series["finance.drawdown_pipeline_jpy"][0]
    want = np.zeros(YEARS.size)
    want[[year_index(y) for y in (2024, 2025, 2026, 2027)]] = [25e9, 25e9, 50e9, 50e9]
    assert paid == pytest.approx(want)
    assert np.isnan(late.value("finance.fund_exhausted_year"))  # 150 bn < 200 bn


def test_gap_subsidy_is_paid_before_2030(res: Results) -> None:
    # gap 150 - 20 = 130 GWh (the pipeline of 1 June 2022 holds only the existing ~20 GWh)
    # x (5.8e12 / 150) x 1/3 = 1,675.6 bn yen, in 2028 and 2029
    gap = res.value("capacity.domestic_gap_2030")
    assert gap == pytest.approx(130.0)
    amount = gap * 5.8e12 / 150 / 3
    assert res.value("finance.subsidy_demand_gap") == pytest.approx(amount)
    yearly = res.series["finance.drawdown_gap_jpy"][0]
    assert yearly[year_index(2028)] == pytest.approx(amount / 2)
    assert yearly[year_index(2029)] == pytest.approx(amount / 2)
    assert yearly.sum() == pytest.approx(amount)


def test_default_fund_is_never_exhausted_and_json_shows_null(res: Results) -> None:
    assert np.isnan(res.value("finance.fund_exhausted_year"))
    body = res.to_json(with_sources=False)["indicators"]
    assert body["finance.fund_exhausted_year"]["value"] is None
    total = res.series["finance.drawdown_cumulative_jpy"][0]
    assert total[-1] == pytest.approx(res.value("finance.subsidy_demand_total"))


def test_subsidy_is_paid_before_the_capacity_model_starts_the_plant() -> None:
    # The payment timing follows the capacity model's rule for delays: every planned cell plant
    # in Japan is fully paid by the end of the year before its first capacity.
    p = Params.from_scenarios([PROPOSAL.with_overrides({"capacity.delay_years": 2})])
    plants = p.table("capacity.plants")
    per_plant = capacity.plant_capacity(
        plants, p["capacity.ramp_years"], p["capacity.delay_years"], p["capacity.realisation_share"]
    )[0]
    amounts = np.where(subsidy.eligible(plants), 1.0, 0.0)
    for j in np.flatnonzero(amounts[0] * (plants["gwh"][0] > 0)):
        one = np.zeros_like(amounts)
        one[0, j] = 1.0
        _, paid = subsidy.expected_drawdown(
            plants, one, p["capacity.delay_years"], np.ones(1), p["finance.construction_years"]
        )
        first = np.flatnonzero(per_plant[j] > 0)[0]
        assert paid[0, first - 1] == pytest.approx(1.0)
        assert paid[0, first - 2] < 1.0


# -- plant economics and equal footing -----------------------------------------------------------
def test_support_per_kwh_by_hand(res: Results) -> None:
    # Japan: 1/2 of 14,000 yen/kWh over 2 construction years, discounted at 8 % to the start:
    # 7,000 x (1 + 1/1.08) / 2 = 6,740.7 yen per kWh of annual capacity
    assert res.value("finance.support_per_kwh_japan") == pytest.approx(7000 * (1 + 1 / 1.08) / 2)
    # EU: 0.3065 x 14,000 x (1 + 1/1.08) / 2
    eu = 0.3065 * 14000 * (1 + 1 / 1.08) / 2
    assert res.value("finance.support_per_kwh_eu") == pytest.approx(eu)
    # US: 45 $/kWh x 150 yen/$ x 0.8 utilisation x ramp 1/3, 2/3, 1 from 2027, phase-down
    # 1 (2027-29), 0.75, 0.5, 0.25 (2030-32); production year i is discounted (2 + i) years
    shares = [1 / 3, 2 / 3, 1.0, 0.75, 0.5, 0.25]
    us = sum(6750 * 0.8 * s / 1.08 ** (2 + i) for i, s in enumerate(shares))
    assert res.value("finance.support_per_kwh_us") == pytest.approx(us)
    assert us == pytest.approx(13615.7, abs=0.1)
    # yearly profile: 6,750 x 0.8 x 1/3 = 1,800 yen/kWh in 2027
    assert res.series["finance.support_yearly_us"][0][year_index(2027)] == pytest.approx(1800)


def test_npv_with_a_capex_grant_is_linear_in_the_rate(res: Results) -> None:
    # NPV_JP - NPV_0 = s x PV(capex) = 0.5 x 280 bn x (1 + 1/1.08) / 2
    diff = res.value("finance.plant_npv_with_support") - res.value(
        "finance.plant_npv_without_support"
    )
    assert diff == pytest.approx(0.5 * 280e9 * (1 + 1 / 1.08) / 2)


def test_model_cash_flows_match_numpy_financial(res: Results) -> None:
    import numpy_financial as npf  # a declared test dependency (pyproject [test])

    p = Params.from_scenarios([PROPOSAL])
    yen = finance.in_yen(p, res.series["minerals.material_cost_usd_per_kwh"][:1])
    plant = plant_economics.plant_cash_flows(
        capacity_gwh=p["finance.plant_gwh"],
        capex_jpy_per_gwh=p["finance.plant_capex_jpy_per_gwh"],
        start_year=p["finance.plant_start_year"],
        construction_years=p["finance.construction_years"],
        life_years=p["finance.plant_life_years"],
        depreciation_years=p["finance.plant_depreciation_years"],
        ramp_years=p["capacity.ramp_years"],
        utilisation=p["capacity.utilisation_share"],
        # price x (1 - conversion share) - materials, written out here independently
        margin_jpy_per_kwh=yen["cell_price_jpy_per_kwh"]
        * (1 - p["finance.cell_conversion_cost_share"])
        - yen["material_cost_jpy_per_kwh"],
        fixed_opex_share=p["finance.plant_fixed_opex_share"],
        tax_rate=p["finance.tax_rate_share"],
    )
    cf = plant.cash_flow[:, 0]
    assert res.value("finance.plant_irr_without_support") == pytest.approx(
        npf.irr(cf), rel=1e-9, abs=1e-10
    )
    assert res.value("finance.plant_npv_without_support") == pytest.approx(npf.npv(0.08, cf))
    with_grant = cf + 0.5 * plant.capex[:, 0]
    assert res.value("finance.plant_irr_with_support") == pytest.approx(
        npf.irr(with_grant), rel=1e-9, abs=1e-10
    )


def test_equal_footing_rate_gives_the_us_irr(res: Results) -> None:
    s_star = res.value("finance.equal_footing_subsidy_rate")
    assert 0 < s_star < 1
    assert res.value("finance.equal_footing_reachable") == 1.0
    assert res.value("finance.equal_footing_subsidy_rate_unclipped") == s_star
    # a Japanese plant subsidised at exactly s* (no uplifts, no cap) earns the US plant's IRR
    plug = PROPOSAL.with_overrides(
        {
            "finance.subsidy_base_rate_share": s_star,
            "finance.subsidy_max_rate_share": 1.0,
            "finance.plant_mother_factory_flag": 0,
        }
    )
    r = chikuden.evaluate(plug)
    assert r.value("finance.plant_irr_with_support") == pytest.approx(
        res.value("finance.plant_irr_us"), abs=1e-9
    )
    assert r.value("finance.plant_irr_us") == res.value("finance.plant_irr_us")


def test_equal_footing_unreachable_when_the_plant_loses_money_to_operate() -> None:
    # Conversion costs of 55 % of the price plus materials (43-47 % of it) leave about no cash
    # margin, and fixed costs are 5 % of capex a year: the Japanese plant loses money
    # every year it runs, so even a 100 % capex grant cannot give it the US plant's 5 % IRR,
    # which 45X makes positive.
    r = chikuden.evaluate(
        PROPOSAL.with_overrides(
            {"finance.cell_conversion_cost_share": 0.55, "finance.plant_fixed_opex_share": 0.05}
        )
    )
    assert r.value("finance.plant_irr_us") > 0
    assert r.value("finance.equal_footing_subsidy_rate_unclipped") > 1
    assert r.value("finance.equal_footing_subsidy_rate") == 1.0
    assert r.value("finance.equal_footing_reachable") == 0.0


def test_support_ranks_and_irr_order(res: Results) -> None:
    irr = {c: res.value(f"finance.plant_irr_{c}") for c in finance.CASES}
    assert irr["without_support"] < irr["china"] < irr["eu"] < irr["with_support"] < irr["us"]
    assert res.value("finance.plant_payback_us") < res.value(
        "finance.plant_payback_without_support"
    )


# -- batches, outputs and errors -------------------------------------------------------------------
VARIED = {
    "finance.discount_rate_share": st.floats(0.0, 0.25),
    "finance.subsidy_base_rate_share": st.floats(0.0, 0.6),
    "finance.construction_years": st.floats(1.0, 4.0),
    "finance.plant_life_years": st.floats(5.0, 25.0),
    "finance.plant_start_year": st.integers(2022, 2040).map(float),
    "capacity.delay_years": st.floats(0.0, 5.0),
    "capacity.realisation_share": st.floats(0.0, 1.0),
    "finance.plant_capex_jpy_per_gwh": st.floats(5e9, 4e10),
}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.fixed_dictionaries(VARIED), min_size=2, max_size=4))
def test_batch_equals_one_at_a_time(draws: list[dict[str, float]]) -> None:
    samples = {k: np.array([d[k] for d in draws]) for k in VARIED}
    batch = chikuden.evaluate(Params.from_samples(PROPOSAL, samples))
    for i, d in enumerate(draws):
        one = chikuden.evaluate(PROPOSAL.with_overrides(d))
        for group in ("indicators", "series", "rows"):
            for key, arr in getattr(one, group).items():
                if not key.startswith("finance."):
                    continue
                # exactly: the model uses the same elementwise steps for any batch size
                np.testing.assert_array_equal(getattr(batch, group)[key][i], arr[0], key)


def test_a_batch_in_chunks_equals_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # A large batch runs the fund, the plant economics (on one plant axis) and capacity a chunk
    # of scenarios at a time; small chunks put edges between these 7 scenarios, which change
    # nothing.
    monkeypatch.setattr(finance, "PLANT_CHUNK", 3)
    monkeypatch.setattr(finance, "FUND_CHUNK", 4)
    monkeypatch.setattr(capacity, "CHUNK", 2)
    rng = np.random.default_rng(7)
    ranges = {
        "finance.discount_rate_share": (0.0, 0.25),
        "finance.construction_years": (1.0, 4.0),
        "finance.plant_life_years": (5.0, 25.0),
        "finance.plant_capex_jpy_per_gwh": (5e9, 4e10),
        "finance.jpy_per_usd": (80.0, 250.0),
        "finance.us_45x_cell_usd_per_kwh": (0.0, 100.0),
        "capacity.ramp_years": (1.0, 10.0),
        "capacity.delay_years": (0.0, 5.0),
        "capacity.utilisation_share": (0.3, 1.0),
        "capacity.realisation_share": (0.0, 1.0),
        "finance.subsidy_base_rate_share": (0.0, 0.6),
    }
    samples = {k: rng.uniform(lo, hi, 7) for k, (lo, hi) in ranges.items()}
    samples["finance.plant_start_year"] = rng.integers(2022, 2041, 7).astype(float)
    batch = chikuden.evaluate(Params.from_samples(PROPOSAL, samples))
    for i in range(7):
        one = chikuden.evaluate(
            PROPOSAL.with_overrides({k: float(v[i]) for k, v in samples.items()})
        )
        for group in ("indicators", "series", "rows"):
            for key, arr in getattr(one, group).items():
                if key.startswith(("finance.", "capacity.")):
                    np.testing.assert_array_equal(getattr(batch, group)[key][i], arr[0], key)


def test_every_finance_output_is_declared_and_written(res: Results) -> None:
    declared = {k: o for k, o in outputs().items() if o.domain == "finance"}
    written = {
        k
        for group in (res.indicators, res.series, res.rows)
        for k in group
        if k.startswith("finance.")
    }
    assert written == set(declared)
    for key in ("finance.project_subsidy_jpy", "finance.project_subsidy_rate"):
        assert declared[key].table == "capacity.plants"
    for key in (
        "finance.capital_need_minerals",
        "finance.capital_need_materials",
        "finance.capital_need_cells",
        "finance.capital_need_total",
        "finance.fund_size",
        "finance.fund_coverage",
        "finance.plant_irr_without_support",
        "finance.plant_irr_with_support",
        "finance.support_per_kwh_japan",
        "finance.support_per_kwh_us",
        "finance.equal_footing_subsidy_rate",
    ):
        assert key in declared


@pytest.mark.parametrize(
    "override",
    [
        {"finance.budget_jpy": {2022: -1e9}},
        {"finance.subsidy_base_rate_share": 1.5},
        {"finance.subsidy_performance_topup_share": -0.1},
        {"finance.jpy_per_usd": 0},
        {"finance.plant_start_year": 2030.5},
    ],
)
def test_bad_input_is_a_parameter_error(override: dict[str, Any]) -> None:
    with pytest.raises(ParameterError):
        PROPOSAL.with_overrides(override)


def test_bad_sample_array_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"finance\.tax_rate_share"):
        Params.from_samples(PROPOSAL, {"finance.tax_rate_share": np.array([0.3, 1.2])})


def test_cash_margin_by_hand_and_mineral_prices_reach_the_plant() -> None:
    # 9,300 yen/kWh price, 28 % conversion cost, 4,350 yen/kWh materials:
    # 9,300 x 0.72 - 4,350 = 6,696 - 4,350 = 2,346 yen/kWh.
    got = finance.cash_margin(np.array([[9300.0]]), np.array([[4350.0]]), np.array([[0.28]]))
    assert got[0, 0] == pytest.approx(2346.0)
    # Dearer lithium raises the material cost of cells and lowers the plant's IRR: the minerals
    # domain's prices feed the finance domain's cell cost.
    base = chikuden.evaluate(PROPOSAL)
    dear = chikuden.evaluate(
        PROPOSAL.with_overrides({"minerals.price_lithium_lce_usd_per_t": 20000})
    )
    assert dear.value("finance.plant_irr_without_support") < base.value(
        "finance.plant_irr_without_support"
    )
