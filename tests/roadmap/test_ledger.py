"""Editing the ledger: the seed, actuals, targets and revisions, conflicts and the audit log."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from chikuden.parameters.sources import resolve_source, split_sources
from chikuden.roadmap import ledger as ops
from chikuden.roadmap import revisions
from chikuden.roadmap.backup import dump
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import ConflictError, LedgerError
from chikuden.roadmap.models import Actual, AuditLog, Kpi, Revision, RevisionChange, Target
from chikuden.roadmap.seed import seed_documents


def test_seed_holds_the_proposal_targets_and_real_actuals(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        # The proposal's 150 GWh domestic and 600 GWh global (P1), revision 2023 in force.
        rev = ops.revision(s, 2023)
        targets = revisions.targets_of(s, rev)
        assert targets[("capacity.domestic_with_plans", 2030)] == 150.0
        assert targets[("capacity.japan_global", 2030)] == 600.0
        # 3 trillion yen fund (P1) and METI's 300,000 connectors (guideline of Oct 2023).
        assert targets[("finance.battery_budget_cumulative", 2030)] == 3e12
        assert targets[("charging.connectors", 2030)] == 300_000.0
        # The 2022 revision still has the Green Growth Strategy's 150,000.
        assert revisions.targets_of(s, ops.revision(s, 2022))[("charging.connectors", 2030)] == (
            150_000.0
        )
        # FY2022 cumulative budget: 1,000 + 3,316 = 4,316 億円 = 431.6 bn yen.
        budget = ops.actual(s, "finance.battery_budget_cumulative", 2022)
        assert budget.value == pytest.approx(4.316e11)
        assert "3,316" in budget.note and "[H]" in budget.note
        # BEV share 1.71% in 2022 is stored as a share.
        assert ops.actual(s, "vehicles.bev_sales_share", 2022).value == pytest.approx(0.0171)
        assert ops.actual(s, "charging.connectors", 2024).value == 40_323.0
        assert ops.milestone(s, "MS-P11-DESIGNATION").done_on == dt.date(2022, 12, 20)
        assert ops.settings(s).on_track == 0.9
        # Both seeded revisions are closed (published).
        assert [r.state for r in ops.revisions(s)] == ["closed", "closed"]


def test_every_seed_value_cites_a_known_source(ledger: Ledger) -> None:
    cited: list[str] = []
    docs = seed_documents()
    cited += [k["source"] for k in docs["kpis"].values()]
    cited += [m["source"] for m in docs["measures"]]
    cited += [m["source"] for m in docs["milestones"]]
    for entry in docs["revisions"]:
        cited += [t["source"] for t in entry.get("targets", ())]
        cited += [c["source"] for c in entry.get("changes", ())]
    with ledger.transaction() as s:
        cited += list(s.scalars(select(Actual.source)))
    assert len(cited) > 60
    for text in cited:
        keys = split_sources(text)
        assert keys, f"empty source {text!r}"
        for key in keys:
            resolve_source(key)  # raises for an unknown key or clause


def test_add_actual_converts_units_and_records_who_and_when(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        a = ops.add_actual(s, "charging.fund_cumulative", 2025, "650", "budget docs", unit="億円")
        # 650 億円 = 650 * 1e8 JPY
        assert a.value == 6.5e10
        assert a.entered_by == "tester"
        assert a.version == 1


@pytest.mark.parametrize(
    ("kpi", "year", "value", "unit", "message"),
    [
        ("charging.conectors", 2024, 1, None, "unknown KPI 'charging.conectors' (did you mean"),
        ("charging.connectors", 1999, 1, None, "year: 1999 is not a year from 2000"),
        ("charging.connectors", dt.date.today().year + 1, 1, None, "is not a year from 2000"),
        ("charging.connectors", 2020, "lots", None, "'lots' is not a number"),
        ("charging.connectors", 2020, 5, "GWh", "'GWh' is not a unit of charging.connectors"),
        ("charging.connectors", 2020, -5, None, "outside the range of charging.connectors"),
        ("vehicles.bev_sales_share", 2020, 150, "%", "allowed: 0..1 share"),
        ("charging.connectors", 2024, 1, None, "already has an actual for 2024"),
    ],
)
def test_bad_actuals_are_refused_and_change_nothing(
    ledger: Ledger, kpi: str, year: int, value: object, unit: str | None, message: str
) -> None:
    with ledger.transaction() as s:
        before = dump(s)
    with pytest.raises(LedgerError) as err, ledger.transaction() as s:
        ops.add_actual(s, kpi, year, value, "a source", unit=unit)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    with ledger.transaction() as s:
        assert dump(s) == before


def test_update_with_the_read_version_and_the_audit_trail(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        a = ops.actual(s, "charging.connectors", 2025)
        assert a.version == 1
    other = Ledger(ledger.engine, ledger.url, "bob")
    with other.transaction() as s:
        updated = ops.update_actual(s, "charging.connectors", 2025, 1, value=68_500, note="final")
        assert updated.version == 2
    with ledger.transaction() as s:
        rows = s.scalars(
            select(AuditLog)
            .where(AuditLog.table_name == "actuals", AuditLog.record_id == str(a.id))
            .order_by(AuditLog.id)
        ).all()
    # One insert by the seed, then one row per changed field by bob.
    assert rows[0].action == "insert" and rows[0].who == "tester"
    changed = {
        r.field: (json.loads(r.old or "null"), json.loads(r.new or "null")) for r in rows[1:]
    }
    assert {r.who for r in rows[1:]} == {"bob"}
    assert changed["value"] == (68_000.0, 68_500.0)
    assert changed["note"][1] == "final"
    assert changed["entered_by"] == ("tester", "bob")
    assert "version" not in changed


def test_a_stale_version_is_a_conflict(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        ops.update_actual(s, "charging.connectors", 2025, 1, value=68_100)
    with pytest.raises(ConflictError, match="is at version 2, not 1"), ledger.transaction() as s:
        ops.update_actual(s, "charging.connectors", 2025, 1, value=99_999)
    with ledger.transaction() as s:
        assert ops.actual(s, "charging.connectors", 2025).value == 68_100


def test_the_second_writer_of_the_same_record_gets_a_conflict(ledger: Ledger) -> None:
    # Alice and Bob both read the actual at version 1; Bob saves first. Alice's UPDATE names
    # version 1, matches no row, and fails: her value does not overwrite Bob's silently.
    alice = Ledger(ledger.engine, ledger.url, "alice")
    bob = Ledger(ledger.engine, ledger.url, "bob")
    with alice.transaction() as s:
        mine = s.scalar(select(Actual).where(Actual.year == 2025).limit(1))
        assert mine is not None and mine.version == 1
        record_id = mine.id
    with bob.transaction() as s:
        theirs = s.get(Actual, record_id)
        assert theirs is not None
        theirs.value = 1.0
    conflict = pytest.raises(ConflictError, match="changed or deleted by someone else")
    with conflict, alice.transaction() as s:
        s.add(mine)  # the object Alice read before Bob's change (version 1)
        mine.value = 2.0
    with ledger.transaction() as s:
        final = s.get(Actual, record_id)
        assert final is not None and final.value == 1.0 and final.version == 2
        assert (
            s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.who == "alice")) == 0
        )


def test_targets_change_only_in_an_open_revision_and_are_logged(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="no revision is open"), ledger.transaction() as s:
        ops.set_target(s, "charging.connectors", 2030, 1, reason="r", source="s")
    with ledger.transaction() as s:
        rev = revisions.open_next(s, note="annual update")
        assert rev.year == 2024  # the year after the latest revision (2023)
        # The targets were copied from 2023.
        assert revisions.targets_of(s, rev) == revisions.targets_of(s, ops.revision(s, 2023))
        current = s.scalar(
            select(Target)
            .join(Kpi)
            .where(Target.revision_id == rev.id, Kpi.key == "charging.connectors")
        )
        # Versions of a KPI's target for a year never repeat, across revisions too: 2022's
        # 150,000 was version 1, its copy in 2023 version 2, changed to 300,000 version 3,
        # and the copy in 2024 is version 4.
        assert current is not None and current.version == 4
        with pytest.raises(LedgerError, match="pass --version 4"):
            ops.set_target(s, "charging.connectors", 2030, 250_000, reason="r", source="s")
        ops.set_target(
            s, "charging.connectors", 2030, 250_000, reason="budget cut", source="x", version=4
        )
        ops.set_target(s, "charging.connectors", 2027, 150_000, reason="interim", source="x")
        with pytest.raises(LedgerError, match="after its baseline year 2022"):
            ops.set_target(s, "charging.connectors", 2022, 1, reason="r", source="s")
    with ledger.transaction() as s:
        changes = s.scalars(select(RevisionChange).order_by(RevisionChange.id)).all()
        last_two = [(c.year, c.old_value, c.new_value, c.reason) for c in changes[-2:]]
        assert last_two == [
            (2030, 300_000.0, 250_000.0, "budget cut"),
            (2027, None, 150_000.0, "interim"),
        ]
        lines = revisions.diff(s, 2023, 2024)
        assert [(d.kpi, d.year, d.kind, d.old, d.new) for d in lines] == [
            ("charging.connectors", 2027, "added", None, 150_000.0),
            ("charging.connectors", 2030, "changed", 300_000.0, 250_000.0),
        ]
        assert lines[1].reasons == ("2024: budget cut",)
        # Over two revisions the diff gathers the reasons of both years.
        two = {(d.kpi, d.year): d for d in revisions.diff(s, 2022, 2024)}
        assert two[("charging.connectors", 2030)].old == 150_000.0
        assert len(two[("charging.connectors", 2030)].reasons) == 2
        revisions.publish(s)
    with pytest.raises(LedgerError, match="no revision is open"), ledger.transaction() as s:
        ops.set_target(s, "charging.connectors", 2030, 1, reason="r", source="s", version=5)


def test_revision_years_only_move_forward(ledger: Ledger) -> None:
    backwards = pytest.raises(LedgerError, match="not after the latest revision 2023")
    with backwards, ledger.transaction() as s:
        revisions.open_next(s, 2023)
    with ledger.transaction() as s:
        revisions.open_next(s, 2026)
        revisions.open_next(s, 2027)  # closes 2026
        states = {r.year: r.state for r in s.scalars(select(Revision))}
    assert states == {2022: "closed", 2023: "closed", 2026: "closed", 2027: "open"}


def test_revise_applies_changes_and_removals(ledger: Ledger) -> None:
    changes = [
        revisions.TargetChange("workforce.trained", 2030, 40_000, "more plants", "x"),
        revisions.TargetChange("stationary.household_price", 2030, None, "dropped"),
    ]
    with ledger.transaction() as s:
        rev = revisions.open_next(s, 2025, changes=changes)
        got = revisions.targets_of(s, rev)
    assert got[("workforce.trained", 2030)] == 40_000
    assert ("stationary.household_price", 2030) not in got


def test_milestones_and_settings(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        m = ops.update_milestone(s, "MS-P9-SOLID-STATE", 1, status="done", done_on="2029-06-01")
        assert m.version == 2
        with pytest.raises(LedgerError, match="is done but has no date"):
            ops.add_milestone(s, "X", "P9", title_en="x", title_ja="x", source="s", status="done")
        ops.set_setting(s, "on_track", "0.95", version=1)
        with pytest.raises(LedgerError, match="0 < at_risk < on_track"):
            ops.set_setting(s, "at_risk", "0.99", version=1)
        with pytest.raises(LedgerError, match="unknown setting 'on_trak'"):
            ops.set_setting(s, "on_trak", "1")
        assert ops.settings(s).on_track == 0.95
