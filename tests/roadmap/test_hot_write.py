"""The desk's hot path (issue 17, 20 editors on PostgreSQL): a correction of an actual in
three Core statements, reads without a transaction on PostgreSQL, and the connection pool
that pings only idle connections. Each runs on SQLite and PostgreSQL (tests/roadmap/conftest).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from chikuden.roadmap import db
from chikuden.roadmap import ledger as ops
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import ConflictError, LedgerError
from chikuden.roadmap.models import Actual, AuditLog, utcnow

from .conftest import PG_URL, copy_of, pg_admin

KPI = "charging.connectors"  # seeded: 2025 at 68,000, version 1, entered by "tester"


def _statements(ledger: Ledger) -> list[str]:
    seen: list[str] = []

    @event.listens_for(ledger.engine, "before_cursor_execute")
    def _seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (ours, db.py)
            seen.append(statement.split()[0].upper())

    return seen


def _audit(ledger: Ledger, record_id: int) -> list[tuple[str, str | None, Any, Any, str]]:
    with ledger.reading() as s:
        rows = s.scalars(
            select(AuditLog)
            .where(AuditLog.table_name == "actuals", AuditLog.record_id == str(record_id))
            .where(AuditLog.action == "update")
            .order_by(AuditLog.id)
        ).all()
        return [
            (r.action, r.field, json.loads(r.old or "null"), json.loads(r.new or "null"), r.who)
            for r in rows
        ]


def test_a_correction_is_three_statements_audited_as_a_flush_would(ledger: Ledger) -> None:
    bob = Ledger(ledger.engine, ledger.url, "bob")
    with ledger.reading() as s:
        core_id = ops.actual(s, KPI, 2025).id
        orm = ops.actual(s, KPI, 2024)
        orm_id, orm_value = orm.id, orm.value
    seen = _statements(ledger)
    with bob.transaction() as s:
        written = ops.update_actual(s, KPI, 2025, 1, value=68_500, note="final")
    # one SELECT (the actual with its KPI's range), the UPDATE, the audit rows in one INSERT
    assert seen == ["SELECT", "UPDATE", "INSERT"]
    assert (written.value, written.version, written.entered_by) == (68_500.0, 2, "bob")
    # The same correction through the ORM (its flush hooks write the audit rows): the rows
    # must come out alike, field by field.
    with bob.transaction() as s:
        record = s.get(Actual, orm_id)
        assert record is not None
        record.value, record.note = orm_value + 500, "final"
        record.entered_by, record.entered_at = "bob", utcnow()
    core, flushed = _audit(ledger, core_id), _audit(ledger, orm_id)
    assert [r[:2] for r in core] == [r[:2] for r in flushed]
    assert [r[1] for r in core] == ["value", "note", "entered_by", "entered_at"]
    assert core[0][2:] == (68_000.0, 68_500.0, "bob")
    assert core[2][2:] == ("tester", "bob", "bob")
    assert {type(r[3]) for r in core + flushed if r[1] == "entered_at"} == {str}  # ISO text
    with ledger.reading() as s:
        stored = ops.actual(s, KPI, 2025)
        assert (stored.value, stored.version, stored.note) == (68_500.0, 2, "final")


def test_a_write_between_the_read_and_the_update_is_a_conflict(ledger: Ledger) -> None:
    """Someone else's write lands after the SELECT of the version and before the UPDATE: the
    UPDATE ... WHERE version = read matches no row, and nothing is saved (no lost update)."""
    with ledger.reading() as s:
        record_id = ops.actual(s, KPI, 2025).id

    @event.listens_for(ledger.engine, "before_execute")
    def _meanwhile(conn: Any, clause: Any, *_: Any) -> None:
        if clause is ops._SET_ACTUAL:
            conn.execute(text("UPDATE actuals SET version = 7 WHERE id = :id"), {"id": record_id})

    conflict = pytest.raises(ConflictError, match="changed by someone else while")
    with conflict, ledger.transaction() as s:
        ops.update_actual(s, KPI, 2025, 1, value=1.0)
    event.remove(ledger.engine, "before_execute", _meanwhile)
    with ledger.reading() as s:
        stored = ops.actual(s, KPI, 2025)
        assert (stored.value, stored.version) == (68_000.0, 1)  # all rolled back together
    assert _audit(ledger, record_id) == []


def test_a_stale_version_carries_the_stored_record(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        ops.update_actual(s, KPI, 2025, 1, value=68_100)
    with pytest.raises(ConflictError) as err, ledger.transaction() as s:
        ops.update_actual(s, KPI, 2025, 1, value=99_999)
    current = err.value.current
    assert isinstance(current, Actual)
    assert (current.value, current.version, current.year) == (68_100.0, 2, 2025)


def test_an_unknown_kpi_or_year_says_which(ledger: Ledger) -> None:
    unknown = pytest.raises(LedgerError, match=r"unknown KPI 'charging\.conectors'")
    with unknown, ledger.transaction() as s:
        ops.update_actual(s, "charging.conectors", 2025, 1, value=1)
    with pytest.raises(LedgerError, match="has no actual for 2019"), ledger.transaction() as s:
        ops.update_actual(s, KPI, 2019, 1, value=1)
    with pytest.raises(LedgerError, match="unknown KPI"), ledger.transaction() as s:
        ops.update_actual(s, "bad\x00key", 2025, 1, value=1)


def test_reads_on_postgresql_run_outside_a_transaction(ledger: Ledger, backend: str) -> None:
    """A read sends no BEGIN (and so no ROLLBACK) on PostgreSQL; SQLite keeps its deferred
    BEGIN (a consistent snapshot without a write lock)."""
    with ledger.read_connection() as conn:
        assert conn.execute(select(Actual.id).limit(1)).scalar() is not None
        dbapi = conn.connection.dbapi_connection
        if backend == "postgresql":
            import psycopg.pq

            assert dbapi.info.transaction_status == psycopg.pq.TransactionStatus.IDLE  # type: ignore[union-attr]
        else:
            assert dbapi.in_transaction  # type: ignore[union-attr]
    with ledger.transaction() as s:  # a write still runs in one
        s.execute(select(Actual.id).limit(1))
        dbapi = s.connection().connection.dbapi_connection
        if backend == "postgresql":
            assert dbapi.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS  # type: ignore[union-attr]


if PG_URL:  # only PostgreSQL has a server that can end a pooled connection

    @pytest.mark.postgres
    @pytest.mark.parametrize("idle_s", [0.0, 3600.0])
    def test_a_pooled_connection_the_server_closed_is_replaced_after_idling(
        tmp_path: Any,
        tmp_path_factory: pytest.TempPathFactory,
        idle_s: float,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The server ends the pooled connection (a restart, an idle timeout). Idle long
        enough, it is pinged and replaced; in steady use (not pinged) the next read fails once."""
        url = copy_of("postgresql", True, tmp_path, tmp_path_factory)
        ledger = Ledger.open(url, user="tester")
        try:
            with ledger.read_connection() as conn:
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            admin = pg_admin()
            with admin.connect() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
            admin.dispose()
            monkeypatch.setattr(db, "PING_IDLE_S", idle_s)
            if idle_s > 0:
                with pytest.raises(DBAPIError), ledger.read_connection() as conn:
                    conn.execute(text("SELECT pg_backend_pid()"))
                return
            with ledger.read_connection() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
        finally:
            ledger.close()
