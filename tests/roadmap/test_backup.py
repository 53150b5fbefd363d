"""Backup and restore round-trip the whole ledger exactly."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from chikuden.commands.roadmap import app
from chikuden.roadmap import backup, review, revisions
from chikuden.roadmap import ledger as ops
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.seed import seed

from .conftest import new_database

runner = CliRunner()


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


# -- damaged and edited backups -----------------------------------------------------------------
def _col(doc: dict[str, Any], table: str, column: str) -> int:
    return list(doc["tables"][table]["columns"]).index(column)


def _set(table: str, column: str, value: Any, row: int = 0) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        doc["tables"][table]["rows"][row][_col(doc, table, column)] = value

    return edit


def _text(edit: Any) -> Any:
    """A mutation of the backup's text rather than its document."""
    edit.on_text = True
    return edit


def _workforce_actual(doc: dict[str, Any]) -> None:
    kpis = doc["tables"]["kpis"]
    kpi_id = next(r[0] for r in kpis["rows"] if r[_col(doc, "kpis", "key")] == "workforce.trained")
    actuals = doc["tables"]["actuals"]
    row = next(r for r in actuals["rows"] if r[_col(doc, "actuals", "kpi_id")] == kpi_id)
    row[_col(doc, "actuals", "value")] = 1e9  # workforce.trained allows 0..30,000,000


def _second_open_revision(doc: dict[str, Any]) -> None:
    for row in doc["tables"]["revisions"]["rows"]:
        row[_col(doc, "revisions", "state")] = "open"


DAMAGE: dict[str, tuple[Any, str]] = {
    "truncated": (_text(lambda t: t[: len(t) // 2]), "not JSON"),
    "empty": (_text(lambda t: ""), "not JSON"),
    "not UTF-8": (_text(lambda t: t.encode("utf-8") + b"\xff\xfe"), "not UTF-8"),
    "NaN": (_text(lambda t: t.replace("20.0", "NaN", 1)), "NaN"),
    "Infinity": (_text(lambda t: t.replace("20.0", "-Infinity", 1)), "-Infinity"),
    "1e400": (_text(lambda t: t.replace("20.0", "1e400", 1)), "is not a finite number"),
    "deep nesting": (_text(lambda t: "[" * 100_000 + "]" * 100_000), "not JSON"),
    "a list": (lambda d: d.clear(), "not a chikuden roadmap backup"),
    "format version as text": (lambda d: d.update(format_version="1"), "format version '1'"),
    "old schema": (lambda d: d.update(schema="0001"), "schema revision '0001'"),
    "a table missing": (lambda d: d["tables"].pop("actuals"), "do not match the ledger's"),
    "a table too many": (lambda d: d["tables"].update(x={}), "do not match the ledger's"),
    "renamed column": (
        lambda d: d["tables"]["actuals"]["columns"].__setitem__(3, "amount"),
        "table actuals: has columns",
    ),
    "rows not a list": (lambda d: d["tables"]["kpis"].update(rows={}), "rows are not a list"),
    "short row": (lambda d: d["tables"]["actuals"]["rows"][0].pop(), "is not a list of 9"),
    "text for a number": (_set("actuals", "value", "20"), "'20' is not a finite number"),
    "null source": (_set("actuals", "source", None), "is missing"),
    "bool for a year": (_set("actuals", "year", True), "True is not a whole number"),
    "64-bit id": (_set("actuals", "id", 2**40), "is not a whole number the column holds"),
    "year 1900": (_set("actuals", "year", 1900), "is not a year from 2000"),
    "version 0": (_set("actuals", "version", 0), "is not a version"),
    "bad date": (_set("milestones", "due", "2025-13-45"), "is not a date"),
    "time zone": (_set("actuals", "entered_at", "2025-01-01T00:00:00+09:00"), "time zone"),
    "unknown status": (_set("milestones", "status", "finished"), "is not allowed"),
    "long code": (_set("pillars", "code", "P123456789"), "longer than the column's 8"),
    "NUL in text": (_set("actuals", "note", "a\x00b"), "holds control characters"),
    "dangling reference": (_set("actuals", "kpi_id", 9999), "9999 names no row of table kpis"),
    "duplicate id": (_set("actuals", "id", 2), "id (2,) appears twice"),
    "beyond the KPI's range": (_workforce_actual, "outside the range of workforce.trained"),
    "thresholds out of order": (
        lambda d: [
            r.__setitem__(1, "0.95") for r in d["tables"]["settings"]["rows"] if r[0] == "at_risk"
        ],
        "0 < at_risk < on_track",
    ),
    "two open revisions": (_second_open_revision, "more than one revision is open"),
}


def _damaged_file(doc: dict[str, Any], damage: Any, path: Path) -> Path:
    if getattr(damage, "on_text", False):
        text = json.dumps(doc, ensure_ascii=False, indent=1)
        out = damage(text)
        path.write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))
    else:
        copy = json.loads(json.dumps(doc))
        damage(copy)
        path.write_text(json.dumps(copy, ensure_ascii=False), "utf-8")
    return path


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_backup_is_one_line_and_changes_nothing(
    ledger: Ledger, tmp_path: Path, case: str
) -> None:
    # The finding: restoring a corrupted backup ended in a traceback in 9 of 13 cases. Every
    # kind of damage is now one line, and neither a new ledger file nor an existing ledger
    # (restore --replace) changes.
    damage, message = DAMAGE[case]
    with ledger.transaction() as s:
        doc = backup.dump(s)
    path = _damaged_file(doc, damage, tmp_path / "damaged.json")
    new_file = tmp_path / "new.sqlite"
    for db, extra in ((str(new_file), []), (ledger.url, ["--replace"])):
        result = runner.invoke(app, ["--db", db, "restore", str(path), *extra])
        assert result.exit_code == 2, (case, result.output, result.exception)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
        assert message in result.stderr, result.stderr
    assert not new_file.exists()
    assert _tables(ledger) == doc["tables"]


def test_the_finding_nan_in_an_edited_backup(ledger: Ledger, backend: str, tmp_path: Path) -> None:
    # On PostgreSQL NaN went into the Double column and `actual list --json` printed NaN; on
    # SQLite it ended in an IntegrityError traceback. Both refuse it at the door now.
    with ledger.transaction() as s:
        doc = backup.dump(s)
    doc["tables"]["actuals"]["rows"][0][_col(doc, "actuals", "value")] = math.nan
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(doc), "utf-8")  # json writes NaN as the bare word NaN
    assert "NaN" in path.read_text("utf-8")
    target = new_database(backend, tmp_path, "target")
    result = runner.invoke(app, ["--db", target, "restore", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: file: nan.json is not a chikuden backup (not JSON: NaN")
    # The ledger function refuses the document itself too (the JSON reader is not the only door).
    restored = Ledger.open(target, "tester", create=True)
    with (
        pytest.raises(LedgerError, match="nan is not a finite number"),
        restored.transaction() as s,
    ):
        backup.restore(s, doc)
    with restored.transaction() as s:
        assert backup.is_empty(s)
    restored.close()


def test_a_backup_written_twice_is_the_same_bytes(ledger: Ledger, tmp_path: Path) -> None:
    # backup -> restore -> backup is byte-identical (the restore checks change nothing).
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    with ledger.transaction() as s:
        backup.write(backup.dump(s), first)
    other = tmp_path / "restored.sqlite"
    assert runner.invoke(app, ["--db", str(other), "restore", str(first)]).exit_code == 0
    assert runner.invoke(app, ["--db", str(other), "backup", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_accounts_and_saved_scenarios_round_trip(
    ledger: Ledger, backend: str, tmp_path: Path
) -> None:
    """The desk's users and tokens and the saved scenarios are in the backup: after a restore
    into a new database the user signs in with the same password, the token still works, a
    revoked token stays revoked, and the scenario is there; the sign-in attempts are not."""
    from argon2 import PasswordHasher, profiles

    from chikuden.accounts import tokens
    from chikuden.accounts.errors import AuthenticationError
    from chikuden.accounts.models import LoginAttempt
    from chikuden.accounts.passwords import Passwords
    from chikuden.accounts.settings import SecuritySettings, utcnow
    from chikuden.accounts.users import Accounts, sign_in, transaction
    from chikuden.roadmap.models import SavedScenario

    accounts = Accounts(
        SecuritySettings(), Passwords(hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))
    )
    password = "a long pass phrase for the backup"
    with transaction(ledger, "admin") as s:
        user = accounts.add(s, "alice", "editor", password, "Alice 佐藤")
        _, kept = tokens.create(s, user, "nightly import", utcnow)
        old, revoked = tokens.create(s, user, "old script", utcnow)
        tokens.revoke(s, old.id, utcnow)
        s.add(SavedScenario(name="mine", base="baseline", title="t", document="name: mine\n",
                            created_by="web"))  # fmt: skip
    sign_in(ledger, accounts, "alice", password, "10.0.0.1")
    file = tmp_path / "backup.json"
    with ledger.transaction() as s:
        backup.write(backup.dump(s), file)
    restored = Ledger.open(new_database(backend, tmp_path, "restored"), "tester", create=True)
    with restored.transaction() as s:
        backup.restore(s, backup.read(file))
    assert _tables(restored) == _tables(ledger)
    assert set(_tables(restored)) >= {"users", "api_tokens", "saved_scenarios"}
    assert sign_in(restored, accounts, "alice", password, "10.0.0.2").display_name == "Alice 佐藤"
    with restored.transaction() as s:
        assert tokens.verify(s, kept, utcnow).username == "alice"
        with pytest.raises(AuthenticationError):
            tokens.verify(s, revoked, utcnow)
        assert s.scalar(select(SavedScenario.document).where(SavedScenario.name == "mine"))
        # only the sign-in made after the restore: the attempts are not in the backup
        assert [a.address for a in s.scalars(select(LoginAttempt))] == ["10.0.0.2"]
        # new users get fresh ids (the PostgreSQL sequences moved past the restored rows)
        bob = accounts.add(s, "bob", "viewer", "another long pass phrase here")
        assert bob.id == user.id + 1
    restored.close()


def test_a_version_1_backup_is_still_read(ledger: Ledger, backend: str, tmp_path: Path) -> None:
    """A backup written before the accounts and scenarios were in it restores, with those
    tables empty."""
    with ledger.transaction() as s:
        doc = backup.dump(s, ledger_only=True)
    doc["format_version"] = 1
    restored = Ledger.open(new_database(backend, tmp_path, "old"), "tester", create=True)
    with restored.transaction() as s:
        backup.restore(s, doc)
    tables = _tables(restored)
    assert tables["users"]["rows"] == [] and tables["saved_scenarios"]["rows"] == []
    assert tables["actuals"] == _tables(ledger)["actuals"]
    restored.close()
