"""The consistency findings state the proposal's arithmetic correctly."""

from __future__ import annotations

import chikuden
from chikuden.analysis.findings import Finding, findings


def by_id(name: str, *sets: str) -> dict[str, Finding]:
    r = chikuden.evaluate(chikuden.load_scenario(name, list(sets) or None))
    return {f.id: f for f in findings(r)}


def test_proposal_arithmetic_holds() -> None:
    f = by_id("proposal-2022")
    # 20% x 3,000 GWh = 600 GWh; 600 x 25% = 150 GWh: both as stated in P1.
    assert f["share-times-market"].status == "ok"
    assert "600 GWh" in f["share-times-market"].text_en
    assert f["domestic-target"].status == "ok"
    # The pipeline of 1 June 2022 holds only the ~20 GWh existing in Japan (the certified plans
    # came in 2023-2024): 150 - 20 = 130 GWh short in 2030.
    gap = f["pipeline-reaches-target"]
    assert gap.status == "warn" and "130 GWh are still missing" in gap.text_en


def test_a_changed_share_breaks_the_stated_600() -> None:
    f = by_id("proposal-2022", "targets.japan_share_2030=0.25")
    # 25% x 3,000 = 750 GWh, not the stated 600.
    assert f["share-times-market"].status == "warn"
    assert "750 GWh" in f["share-times-market"].text_en


def test_findings_are_bilingual_and_cited() -> None:
    for name in chikuden.list_scenarios():
        r = chikuden.evaluate(chikuden.load_scenario(name))
        for f in findings(r):
            assert f.text_en and f.text_ja and f.sources, (name, f.id)
            assert f.clause.startswith("P")


def test_stages_add_up_to_the_stated_total_exactly() -> None:
    r = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    # P1: 2.2 + 1.5 + 2.1 = 5.8 trillion yen for 150 GWh; the model scales each stage by
    # target / 150 = 1, so the sum is exact.
    assert r.value("audit.stages_sum_jpy") == 5.8e12
    assert r.value("audit.stages_sum_minus_stated_jpy") == 0.0
    # The fund covers 3 / 5.8 = 51.72 % of the need.
    assert r.value("audit.fund_share_of_need") == 3.0 / 5.8
    f = {x.id: x for x in findings(r)}
    assert f["stages-add-up"].status == "ok" and "5.80 trillion yen" in f["stages-add-up"].text_en
    assert "51.7%" in f["fund-covers-need"].text_en


def test_minerals_fit_is_need_over_upstream_capex_per_gwh() -> None:
    r = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    per_gwh = r.value("minerals.upstream_capex_domestic_jpy") / r.value(
        "capacity.domestic_production_2030"
    )
    assert r.value("audit.upstream_capex_per_gwh") == per_gwh
    assert r.value("audit.minerals_need_fits_gwh") == 2.2e12 / per_gwh
    # Doubling the upstream need per GWh (a stated need twice as large) doubles the fit.
    r2 = chikuden.evaluate(
        chikuden.load_scenario("proposal-2022", ["finance.capital_need_minerals_ref_jpy=4.4e12"])
    )
    assert r2.value("audit.minerals_need_fits_gwh") == 2 * r.value("audit.minerals_need_fits_gwh")


def test_cell_capex_finding_compares_implied_and_published() -> None:
    r = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    # P1 cells: 2.1e12 / 150 GWh = 14 bn yen per GWh.
    assert r.value("finance.capex_per_gwh_implied_cells") == 14e9
    ratio = 14e9 / r.value("finance.capex_per_gwh_published_median")
    assert r.value("audit.cell_capex_implied_vs_published") == ratio
    assert ({x.id: x for x in findings(r)}["cell-capex-per-gwh"].status == "ok") == (ratio >= 0.8)


def test_the_pipeline_finding_names_the_scenarios_pipeline_date() -> None:
    # proposal-2022 counts the plants known on 1 June 2022: 20 GWh existing, 150 - 20 = 130
    # missing; actual-2025 those known on 31 Dec 2025.
    import chikuden
    from chikuden.analysis.findings import findings

    for name, date, date_ja in (
        ("proposal-2022", "2022-06-01", "2022年6月1日"),
        ("actual-2025", "2025-12-31", "2025年12月31日"),
    ):
        r = chikuden.evaluate(chikuden.load_scenario(name))
        (f,) = [x for x in findings(r, 0) if x.id == "pipeline-reaches-target"]
        assert f"announced by {date}" in f.text_en and date_ja in f.text_ja
        if name == "proposal-2022":
            assert "130 GWh are still missing" in f.text_en
