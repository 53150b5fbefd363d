"""The annual review of the seeded ledger, its storage and its report, worked by hand."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.report_pages import PLOTLY, inflate

from chikuden.charting import plotly_js
from chikuden.errors import ChikudenError
from chikuden.roadmap import ledger as ops
from chikuden.roadmap import report, review
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.models import Actual, Kpi, ReviewItem, ReviewMilestone, Revision, Target
from chikuden.roadmap.status import Thresholds


def _by_key(result: review.ReviewResult) -> dict[str, review.Line]:
    return {line.key: line for line in result.lines}


def test_review_2025_of_the_seeded_ledger(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        result = review.compute(s, 2025, as_of=dt.date(2025, 12, 31))
    assert result.revision_year == 2023  # the latest revision opened in or before 2025
    lines = _by_key(result)

    # Connectors: 29,463 (2022) -> 300,000 (2030); 2025 expects 130,914.375; 68,000 reached:
    # 38,537 / 101,451.375 = 0.380 -> off track.
    chargers = lines["charging.connectors"]
    assert chargers.expected == pytest.approx(130_914.375)
    assert chargers.ratio == pytest.approx(38_537 / 101_451.375)
    assert chargers.status == "off_track"

    # Battery budget: 1,000億 (FY2021) -> 3兆 (2030); 2025 expects 1,000 + 29,000 * 4/9
    # = 13,888.9億; actual 11,052億: 10,052 / 12,888.9 = 0.780 -> at risk.
    budget = lines["finance.battery_budget_cumulative"]
    assert budget.expected == pytest.approx(1e11 + 2.9e12 * 4 / 9)
    assert budget.ratio == pytest.approx(1.0052e12 / (2.9e12 * 4 / 9))
    assert budget.status == "at_risk"

    # Expressway connectors: 511 (2023) -> 2,000 (2030); 2025 expects 511 + 1,489 * 2/7
    # = 936.43; 890: 379 / 425.43 = 0.891 -> at risk (just under 0.9).
    highway = lines["charging.expressway_connectors"]
    assert highway.ratio == pytest.approx(379 / (1489 * 2 / 7))
    assert highway.status == "at_risk"

    # Certified capacity: the latest actual is 2024 (120 GWh vs 52.5 expected) -> on track.
    plans = lines["capacity.domestic_with_plans"]
    assert plans.actual is not None and plans.actual.year == 2024
    assert plans.ratio == pytest.approx(100 / 32.5)
    assert plans.status == "on_track"

    # Grid intensity (lower is better), latest FY2023: 0.016 / 0.023375 -> at risk.
    assert lines["carbon.grid_intensity"].ratio == pytest.approx(0.016 / 0.023375)
    assert lines["carbon.grid_intensity"].status == "at_risk"

    # Charging budget: 175億 (2023) -> 1,000億 (2030); 2024 expects 175 + 825/7 = 292.86億;
    # 471億: 296 / 117.86 = 2.51 -> on track.
    assert lines["charging.fund_cumulative"].ratio == pytest.approx(296 / (825 / 7))
    assert lines["charging.fund_cumulative"].status == "on_track"

    assert lines["vehicles.bev_sales_share"].status == "no_target"
    assert lines["stationary.cumulative"].status == "no_data"  # nothing after 2020
    assert lines["capacity.domestic_operating"].status == "no_data"
    assert result.counts() == {
        "on_track": 2,
        "at_risk": 3,
        "off_track": 1,
        "no_data": 6,
        "no_target": 1,
    }
    assert result.overdue == []


def test_an_earlier_year_uses_the_earlier_revision_and_actuals(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        result = review.compute(s, 2022)
    chargers = _by_key(result)["charging.connectors"]
    # 2022 is the baseline year: no later actual yet; the 2022 revision (150,000) applies.
    assert result.revision_year == 2022
    assert chargers.status == "no_data"
    assert chargers.final_target is not None and chargers.final_target.value == 150_000
    with pytest.raises(LedgerError, match="before the first revision"), ledger.transaction() as s:
        review.compute(s, 2021)


def test_thresholds_from_settings_or_given(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        ops.set_setting(s, "on_track", "0.85", version=1)
        lax = review.compute(s, 2025)
        strict = review.compute(s, 2025, thresholds=Thresholds(0.95, 0.7))
    # The expressway ratio 0.891 is on track from 0.85, at risk below 0.95 with 0.7 ...
    assert _by_key(lax)["charging.expressway_connectors"].status == "on_track"
    assert _by_key(strict)["charging.expressway_connectors"].status == "at_risk"
    # ... and the grid's 0.684 falls below 0.7: off track.
    assert _by_key(strict)["carbon.grid_intensity"].status == "off_track"


def test_overdue_milestones(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        ops.add_milestone(
            s,
            "MS-P10-PERMITS",
            "P10",
            title_en="Unified interpretation of warehouse rules",
            title_ja="倉庫規制の解釈の統一",
            due="2025-03-31",
            source="proposal-2022:P10",
        )
        result = review.compute(s, 2025, as_of=dt.date(2025, 12, 31))
        review.store(s, result)
    # Due 31 Mar 2025, still open on 31 Dec 2025: 275 days (30 + 31 + 30 + 31 + 31 + 30 + 31
    # + 30 + 31 = 275).
    assert [(o.code, o.days_overdue) for o in result.overdue] == [("MS-P10-PERMITS", 275)]
    with ledger.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ReviewMilestone)) == 1


def test_projection_from_the_model_or_a_plain_note(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        # targets.domestic_capacity_2030 is an indicator of the model: 600 GWh x 0.25 = 150
        # in the proposal-2022 scenario.
        ops.add_kpi(
            s,
            "test.linked",
            "P1",
            "linked",
            "連携",
            "GWh",
            2022,
            "assumption",
            min_value=0,
            max_value=10_000,
            indicator="targets.domestic_capacity_2030",
        )
        ops.add_kpi(
            s,
            "test.unlinked",
            "P1",
            "x",
            "x",
            "GWh",
            2022,
            "assumption",
            min_value=0,
            max_value=10_000,
            indicator="no.such_key",
        )
        ops.add_kpi(
            s,
            "test.other_unit",
            "P1",
            "x",
            "x",
            "share",
            2022,
            "assumption",
            min_value=0,
            max_value=1,
            indicator="targets.domestic_capacity_2030",
        )
        lines = _by_key(review.compute(s, 2025))
    assert lines["test.linked"].projection == pytest.approx(150.0)
    assert lines["test.unlinked"].projection is None
    assert "no.such_key is not an output of the model yet" in lines["test.unlinked"].projection_note
    assert lines["test.other_unit"].projection is None
    assert "is in GWh, the KPI in share" in lines["test.other_unit"].projection_note


def test_an_unknown_scenario_is_the_users_error(ledger: Ledger) -> None:
    unknown = pytest.raises(ChikudenError, match="proposal-2O22")
    with unknown, ledger.transaction() as s:
        review.compute(s, 2025, scenario="proposal-2O22")


def test_review_is_stored_with_one_item_per_kpi(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        result = review.compute(s, 2025)
        review_id = review.store(s, result)
    with ledger.transaction() as s:
        items = s.scalars(select(ReviewItem).where(ReviewItem.review_id == review_id)).all()
        stored = review.stored_reviews(s)
    assert len(items) == len(result.lines) == 13
    assert stored[0][1] == {k: v for k, v in result.counts().items() if v}
    off = [i for i in items if i.status == "off_track"]
    assert len(off) == 1 and off[0].expected_value == pytest.approx(130_914.375)


def test_report_in_both_languages_offline_with_sources(ledger: Ledger, tmp_path: Path) -> None:
    with ledger.transaction() as s:
        result = review.compute(s, 2025)
        review.store(s, result)
        files = report.write(s, result, tmp_path)
    assert [f.name for f in files] == [
        "roadmap-review-2025.en.html",
        "roadmap-review-2025.ja.html",
    ]
    en, ja = (f.read_text("utf-8") for f in files)
    for doc in (en, ja):
        # Self-contained: no script, stylesheet or image fetched from anywhere; plotly.js is
        # inlined once, as in the model's report.
        assert not re.search(r"<script[^>]*\ssrc\s*=", doc, re.I)
        assert not re.search(r"<link[^>]*\shref\s*=", doc, re.I)
        assert not re.search(r"@import|url\(\s*['\"]?https?:", doc, re.I)
        assert "<img" not in doc and "<iframe" not in doc
        bundles = PLOTLY.findall(doc)
        assert len(bundles) == 1 and inflate(bundles[0]) == plotly_js()
        page, _, _ = doc.partition('<script type="application/x-gzip-base64" id="plotly-js">')
        # One summary line per KPI, with its status.
        assert len(re.findall(r'<li id="sum-', page)) == 13
        # Every reference [n] points at an entry of the source list.
        refs = {int(n) for n in re.findall(r'href="#src-(\d+)"', page)}
        entries = {int(n) for n in re.findall(r'<li id="src-(\d+)"', page)}
        assert refs and refs == entries
        # One plotly figure per KPI, into its own element; no hand-drawn SVG chart.
        assert "<svg" not in page
        targets = re.findall(r'class="fig-data" data-target="([^"]+)"', page)
        assert targets == [f"plot-{line.key}" for line in result.lines]
        assert all(f'<div class="plot" id="{t}"' in page for t in targets)
    line = re.search(r'<li id="sum-charging.connectors">(.*?)</li>', en, re.S)
    assert line is not None
    text = re.sub(r"<[^>]+>", "", line.group(1))
    assert text.startswith("Off track")
    assert "68,000 connectors" in text and "300,000 connectors" in text
    assert "progress ratio 0.38×" in text
    assert "meti-charging-guideline-2023" in en and "charging-counts-2025" in en
    ja_line = re.search(r'<li id="sum-charging.connectors">(.*?)</li>', ja, re.S)
    assert ja_line is not None
    assert "遅れ" in ja_line.group(1) and "30万" in ja_line.group(1)
    assert "3兆円" in ja  # the 3 trillion yen fund reads the way Japanese readers expect
    assert 'lang="ja"' in ja and "順調" in ja


FIG_DATA = re.compile(
    r'<script type="application/json" class="fig-data" data-target="plot-([^"]+)">(.*?)</script>',
    re.S,
)


def _figures(doc: str) -> dict[str, dict[str, Any]]:
    return {key: json.loads(text) for key, text in FIG_DATA.findall(doc)}


def _traces(fig: dict[str, Any]) -> dict[str, tuple[list[Any], list[Any]]]:
    return {t["name"]: (t["x"], t["y"]) for t in fig["data"]}


def test_report_figures_show_the_ledgers_actuals_targets_and_projection(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        result = review.compute(s, 2025)
        en_doc, ja_doc = (report.render(s, result, lang) for lang in ("en", "ja"))
        kpi = s.scalars(select(Kpi).where(Kpi.key == "charging.connectors")).one()
        actuals = s.execute(
            select(Actual.year, Actual.value)
            .where(Actual.kpi_id == kpi.id, Actual.year <= 2025)
            .order_by(Actual.year)
        ).all()
        revision = s.scalars(select(Revision).where(Revision.year == result.revision_year)).one()
        targets = s.execute(
            select(Target.year, Target.value)
            .where(Target.kpi_id == kpi.id, Target.revision_id == revision.id)
            .order_by(Target.year)
        ).all()
    en, ja = _figures(en_doc), _figures(ja_doc)
    assert set(en) == set(ja) == {line.key for line in result.lines}
    # charging.connectors (data/roadmap/actuals.csv, revisions.yaml): actuals 29,463 (2022),
    # 30,000, 40,323, 68,000 (2025); baseline year 2022; targets of the revision in force.
    assert [tuple(r) for r in actuals] == [
        (2022, 29463.0),
        (2023, 30000.0),
        (2024, 40323.0),
        (2025, 68000.0),
    ]
    line = next(x for x in result.lines if x.key == "charging.connectors")
    traces = _traces(en["charging.connectors"])
    assert traces["Actuals"] == ([y for y, _ in actuals], [v for _, v in actuals])
    assert traces["Target"] == ([y for y, _ in targets], [v for _, v in targets])
    assert traces["Path to the targets"] == (
        [2022, *(y for y, _ in targets)],
        [29463.0, *(v for _, v in targets)],
    )
    assert line.projection is not None
    assert traces["Model projection 2030"] == ([2030], [line.projection])
    # The same figure in Japanese: the same numbers, Japanese names.
    ja_traces = _traces(ja["charging.connectors"])
    assert ja_traces["実績"] == traces["Actuals"] and ja_traces["目標"] == traces["Target"]
    assert ja_traces["目標への軌道"] == traces["Path to the targets"]
    assert ja_traces["モデルの2030年見通し"] == traces["Model projection 2030"]
    # Hover text reads like the tables: 68,000 connectors / 6.8万口.
    actual_trace = next(t for t in en["charging.connectors"]["data"] if t["name"] == "Actuals")
    assert actual_trace["text"][-1] == "68,000 connectors"
    # Yen on the main report's axis scale: the 3 trillion yen fund target is 3 on an axis of
    # trillion JPY (兆円); the 2022 actual of 4,316億円 = 0.4316 trillion.
    fund_en = en["finance.battery_budget_cumulative"]
    fund_ja = ja["finance.battery_budget_cumulative"]
    assert fund_en["layout"]["yaxis"]["title"]["text"] == "trillion JPY"
    assert fund_ja["layout"]["yaxis"]["title"]["text"] == "兆円"
    assert _traces(fund_en)["Target"][1] == pytest.approx([3.0])
    years, values = _traces(fund_en)["Actuals"]
    assert values[years.index(2022)] == pytest.approx(0.4316)
