"""The bundled proposal-2022 scenario reproduces every number the proposal states.

The numbers are those marked [N] in ../shared/proposal/summary.md (clauses P1 and P5); each
is computed by the model and cited to its clause.
"""

from __future__ import annotations

import pytest

import chikuden

# (indicator, the proposal's number, clause) — from summary.md:
# P1: ~3,000 GWh market in 2030, ~10x today; 20% share -> 600 GWh worldwide, ~150 GWh in
#     Japan; a 3 trillion yen fund; need 2.2 + 1.5 + 2.1 = 5.8 trillion yen.
# P5: a charging fund of 100 billion yen or more.
STATED = [
    ("market.global_demand_2030", 3000.0, "P1"),
    ("market.growth_2030_vs_2021", 10.0, "P1"),
    ("targets.japan_share_2030", 0.2, "P1"),
    ("targets.japan_global_capacity_2030", 600.0, "P1"),
    ("targets.domestic_capacity_2030", 150.0, "P1"),
    ("finance.fund_size", 3e12, "P1"),
    ("finance.capital_need_minerals", 2.2e12, "P1"),
    ("finance.capital_need_materials", 1.5e12, "P1"),
    ("finance.capital_need_cells", 2.1e12, "P1"),
    ("finance.capital_need_total", 5.8e12, "P1"),
    ("charging.fund_to_2030_jpy", 1e11, "P5"),
]


@pytest.fixture(scope="module")
def results() -> chikuden.Results:
    return chikuden.evaluate(chikuden.load_scenario("proposal-2022"))


@pytest.mark.parametrize(("key", "stated", "clause"), STATED)
def test_stated_number_is_reproduced_and_cited(
    results: chikuden.Results, key: str, stated: float, clause: str
) -> None:
    assert results.value(key) == pytest.approx(stated, rel=1e-12)
    assert f"proposal-2022:{clause}" in results.sources(key)


def test_required_indicator_keys_exist(results: chikuden.Results) -> None:
    # The keys the foundation issue requires (more exist; docs/indicators.md lists all).
    required = [
        "market.global_demand_2030",
        "market.growth_2030_vs_2021",
        "targets.japan_share_2030",
        "targets.japan_global_capacity_2030",
        "targets.domestic_capacity_2030",
        "capacity.domestic_2030",
        "capacity.domestic_gap_2030",
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
    ]
    body = results.to_json(0)["indicators"]
    for key in required:
        assert key in body, key
        assert set(body[key]) == {"value", "unit", "year", "label_en", "label_ja", "sources"}
    for key in ("finance.fund_coverage", "finance.equal_footing_subsidy_rate"):
        assert 0.0 <= body[key]["value"] <= 1.0
