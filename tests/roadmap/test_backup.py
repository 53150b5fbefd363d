"""Backup and restore round-trip the whole ledger exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chikuden.roadmap import backup, review, revisions
from chikuden.roadmap import ledger as ops
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.seed import seed

from .conftest import new_database


def _change_things(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        ops.update_actual(s, "charging.connectors", 2025, 1, value=68_123.5, note="revised")
        ops.add_actual(s, "workforce.trained", 2025, 4_321, "METI", note="日本語の注記")
        revisions.open_next(
            s,
            changes=[revisions.TargetChange("workforce.trained", 2030, 35_000, "why", "x")],
        )
        ops.update_milestone(s, "MS-P9-SOLID-STATE", 1, evidence="pilot line")
        ops.set_setting(s, "at_risk", "0.55", version=1)
        review.store(s, review.compute(s, 2025))


def _tables(ledger: Ledger) -> dict[str, Any]:
    with ledger.transaction() as s:
        return dict(backup.dump(s)["tables"])


def test_backup_restore_round_trip(ledger: Ledger, backend: str, tmp_path: Path) -> None:
    _change_things(ledger)
    file = tmp_path / "ledger-backup.json"
    with ledger.transaction() as s:
        backup.write(backup.dump(s), file)
    restored = Ledger.open(new_database(backend, tmp_path, "restored"), "tester", create=True)
    with restored.transaction() as s:
        written = backup.restore(s, backup.read(file))
    original = _tables(ledger)
    assert _tables(restored) == original
    assert written == sum(len(t["rows"]) for t in original.values())
    # Microseconds and non-ASCII text survive.
    assert any(":" in str(v) and "." in str(v) for v in original["audit_log"]["rows"][0])
    # New records get fresh ids after the restore (sequences moved past the restored rows).
    with restored.transaction() as s:
        added = ops.add_actual(s, "capacity.japan_global", 2024, 80, "x")
        assert added.id == max(r[0] for r in original["actuals"]["rows"]) + 1
    restored.close()


def test_restore_refuses_a_ledger_with_data_unless_replace(ledger: Ledger, tmp_path: Path) -> None:
    with ledger.transaction() as s:
        doc = backup.dump(s)
    _change_things(ledger)
    with pytest.raises(LedgerError, match="not empty"), ledger.transaction() as s:
        backup.restore(s, doc)
    with ledger.transaction() as s:
        backup.restore(s, doc, replace=True)
    assert _tables(ledger) == doc["tables"]


def test_sqlite_backup_restores_into_each_backend(backend: str, tmp_path: Path) -> None:
    source = Ledger.open(f"sqlite:///{tmp_path / 'source.sqlite'}", "tester", create=True)
    with source.transaction() as s:
        seed(s)
    _change_things(source)
    with source.transaction() as s:
        doc = backup.dump(s)
    target = Ledger.open(new_database(backend, tmp_path, "target"), "tester", create=True)
    with target.transaction() as s:
        backup.restore(s, doc)
    assert _tables(target) == doc["tables"]
    source.close()
    target.close()


def test_bad_backup_files(empty_ledger: Ledger, tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{nope", "utf-8")
    with pytest.raises(LedgerError, match="not JSON"):
        backup.read(tmp_path / "a.json")
    (tmp_path / "b.json").write_text('{"format": "other"}', "utf-8")
    with pytest.raises(LedgerError, match="not a chikuden roadmap backup"):
        backup.read(tmp_path / "b.json")
    with empty_ledger.transaction() as s:
        doc = backup.dump(s)
    doc["schema"] = "9999"
    with (
        pytest.raises(LedgerError, match="schema revision '9999'"),
        empty_ledger.transaction() as s,
    ):
        backup.restore(s, doc)
