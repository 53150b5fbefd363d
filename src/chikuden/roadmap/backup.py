"""Backup and restore: the whole ledger, every table and row, as one JSON document.

``dump`` reads every table in primary-key order; values are JSON numbers and strings (dates
and times in ISO 8601, UTC). ``restore`` writes such a document into an empty ledger (or, with
``replace``, a ledger it empties first) in one transaction, keeping every id, so that
``dump(restored) == dump(original)``. The audit log is restored as it was; the restore itself
adds no audit rows, so the copy is exact.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Table, delete, func, insert, select, text
from sqlalchemy.orm import Session

from chikuden.roadmap.db import head_revision
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.models import TABLES_IN_ORDER

FORMAT = "chikuden-roadmap-backup"
FORMAT_VERSION = 1


def _tables() -> list[Table]:
    tables = []
    for model in TABLES_IN_ORDER:
        table = model.__table__
        assert isinstance(table, Table)
        tables.append(table)
    return tables


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def dump(session: Session) -> dict[str, Any]:
    """Every row of every table of the ledger."""
    tables: dict[str, Any] = {}
    for table in _tables():
        rows = session.execute(select(table).order_by(*table.primary_key.columns))
        tables[table.name] = {
            "columns": [c.name for c in table.columns],
            "rows": [[_encode(v) for v in row] for row in rows],
        }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema": head_revision(),
        "tables": tables,
    }


def write(doc: dict[str, Any], path: Path) -> None:
    """Write a backup document to ``path`` (atomically: a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def read(path: Path) -> dict[str, Any]:
    """Read a backup document; check that it is one."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LedgerError(f"file: {str(path)!r} does not exist; give a backup file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LedgerError(f"file: {path.name} is not a chikuden backup (not JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LedgerError(
            f"file: {path.name} is not a chikuden roadmap backup; "
            "make one with `chikuden roadmap backup FILE`"
        )
    return doc


def is_empty(session: Session) -> bool:
    return all(session.scalar(select(func.count()).select_from(table)) == 0 for table in _tables())


def restore(session: Session, doc: dict[str, Any], replace: bool = False) -> int:
    """Write the backup ``doc`` into the ledger of ``session``; returns the rows written."""
    if doc.get("format_version") != FORMAT_VERSION:
        raise LedgerError(
            f"backup: format version {doc.get('format_version')!r}; this chikuden reads "
            f"version {FORMAT_VERSION}"
        )
    head = head_revision()
    if doc.get("schema") != head:
        raise LedgerError(
            f"backup: written with schema revision {doc.get('schema')!r}, this chikuden has "
            f"{head}; restore it with the chikuden that wrote it, then upgrade"
        )
    body = doc.get("tables")
    tables = _tables()
    if not isinstance(body, dict) or set(body) != {t.name for t in tables}:
        raise LedgerError("backup: the tables in the file do not match the ledger's tables")
    if not is_empty(session):
        if not replace:
            raise LedgerError(
                "restore: the target ledger is not empty; restore into a new database "
                "(e.g. --db sqlite:///restored.sqlite) or pass --replace to overwrite it"
            )
        for table in reversed(tables):
            session.execute(delete(table))
    written = 0
    for table in tables:
        part = body[table.name]
        columns = [c.name for c in table.columns]
        if part.get("columns") != columns:
            raise LedgerError(
                f"backup: table {table.name} has columns {part.get('columns')}, "
                f"the ledger has {columns}"
            )
        decoders = [_decoder(table.c[name].type) for name in columns]
        rows = [
            {name: dec(value) for name, dec, value in zip(columns, decoders, row, strict=True)}
            for row in part.get("rows", [])
        ]
        if rows:
            session.execute(insert(table), rows)
            written += len(rows)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        _reset_sequences(session, tables)
    return written


def _decoder(kind: Any) -> Any:
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    return lambda v: v


def _reset_sequences(session: Session, tables: list[Table]) -> None:
    """After rows were written with explicit ids, point each id sequence past the largest."""
    for table in tables:
        if "id" not in table.c:
            continue
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )
        )
