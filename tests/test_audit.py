"""The consistency audit states the proposal's arithmetic correctly."""

from __future__ import annotations

import chikuden
from chikuden.analysis.audit import Finding, findings


def by_id(name: str, *sets: str) -> dict[str, Finding]:
    r = chikuden.evaluate(chikuden.load_scenario(name, list(sets) or None))
    return {f.id: f for f in findings(r)}


def test_proposal_arithmetic_holds() -> None:
    f = by_id("proposal-2022")
    # 20% x 3,000 GWh = 600 GWh; 600 x 25% = 150 GWh: both as stated in P1.
    assert f["share-times-market"].status == "ok"
    assert "600 GWh" in f["share-times-market"].text_en
    assert f["domestic-target"].status == "ok"
    # The bundled pipeline gives 121.5 GWh in 2030: 28.5 GWh short of 150 ("28" after rounding
    # half to even).
    gap = f["pipeline-reaches-target"]
    assert gap.status == "warn" and "28 GWh are still missing" in gap.text_en


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
