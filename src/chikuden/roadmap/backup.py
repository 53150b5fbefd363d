"""Backup and restore: the whole ledger, every table and row, as one JSON document.

``dump`` reads every table in primary-key order; values are JSON numbers and strings (dates
and times in ISO 8601, UTC). ``restore`` writes such a document into an empty ledger (or, with
``replace``, a ledger it empties first) in one transaction, keeping every id, so that
``dump(restored) == dump(original)``. A backup is checked row by row before anything is
written (:func:`check`): one that was edited or damaged into something the ledger could not
hold (NaN, a number beyond its KPI's range, text too long for its column, a dangling
reference, a missing column) is refused with a one-line error and changes nothing. The audit
log is restored as it was; the restore itself adds no audit rows, so the copy is exact.

Besides the ledger's tables (:data:`~chikuden.roadmap.models.TABLES_IN_ORDER`) a backup
holds the web server's saved scenarios and the desk's accounts (users and API tokens, with
their password and token hashes, so that a restored desk signs its users in as before; a
backup file is as confidential as the database itself). Not held: the sign-in attempts (a
log that only decides lockouts and is pruned). Format version 1 (written before the
accounts and scenarios were included) is still read: those tables are then empty.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from chikuden.accounts.roles import ROLES
from chikuden.reading import CONTROL_RE, show
from chikuden.roadmap.db import head_revision
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.ledger import (
    DEFAULT_SETTINGS,
    FIRST_YEAR,
    LAST_YEAR,
    VALUE_LIMIT,
    check_number,
    check_thresholds,
)
from chikuden.roadmap.models import (
    DIRECTIONS,
    MEASURE_STATES,
    MILESTONE_STATES,
    REVISION_STATES,
    STATUSES,
    TABLES_IN_ORDER,
    SavedScenario,
)

FORMAT = "chikuden-roadmap-backup"
FORMAT_VERSION = 2
READS = (1, 2)
"""Format versions :func:`check` reads (1: without scenarios and accounts)."""


def _models() -> tuple[type[Any], ...]:
    from chikuden.accounts.models import ApiToken, User

    return (*TABLES_IN_ORDER, SavedScenario, User, ApiToken)


def _tables(version: int = FORMAT_VERSION) -> list[Table]:
    tables = []
    for model in TABLES_IN_ORDER if version == 1 else _models():
        table = model.__table__
        assert isinstance(table, Table)
        tables.append(table)
    return tables


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def dump(session: Session, ledger_only: bool = False) -> dict[str, Any]:
    """Every row of every table of the backup; ``ledger_only``: of the ledger's tables only
    (no accounts, no saved scenarios: what ``chikuden roadmap export`` shows)."""
    tables: dict[str, Any] = {}
    for table in _tables(1 if ledger_only else FORMAT_VERSION):
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
    from chikuden.roadmap.files import write_file

    text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    write_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read(path: Path) -> dict[str, Any]:
    """Read a backup document and check every row of it (:func:`check`)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LedgerError(f"file: {str(path)!r} does not exist; give a backup file") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise LedgerError(f"file: cannot read {str(path)[:200]!r} ({reason})") from None
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise LedgerError(
            f"file: {path.name} is not a chikuden backup (not UTF-8: {exc})"
        ) from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise LedgerError(
            f"file: {path.name} is not a chikuden backup (not JSON: {reason})"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LedgerError(
            f"file: {path.name} is not a chikuden roadmap backup; "
            "make one with `chikuden roadmap backup FILE`"
        )
    check(doc)
    return doc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a ledger holds")


def is_empty(session: Session) -> bool:
    return all(session.scalar(select(func.count()).select_from(table)) == 0 for table in _tables())


def restore(session: Session, doc: dict[str, Any], replace: bool = False) -> int:
    """Write the backup ``doc`` into the ledger of ``session``; returns the rows written.

    The document is checked first (:func:`check`): a backup the ledger could not hold changes
    nothing."""
    rows_by_table = check(doc)
    tables = _tables()
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
        rows = rows_by_table[table.name]
        if rows:
            session.execute(insert(table), rows)
            written += len(rows)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        _reset_sequences(session, tables)
    return written


# -- checking a backup ---------------------------------------------------------------------------
_ALLOWED = {
    ("measures", "status"): MEASURE_STATES,
    ("milestones", "status"): MILESTONE_STATES,
    ("kpis", "direction"): DIRECTIONS,
    ("revisions", "state"): REVISION_STATES,
    ("review_items", "status"): STATUSES,
    ("settings", "key"): tuple(DEFAULT_SETTINGS),
    ("users", "role"): ROLES,
}
_YEARS = {
    ("kpis", "baseline_year"),
    ("revisions", "year"),
    ("targets", "year"),
    ("revision_changes", "year"),
    ("actuals", "year"),
    ("reviews", "year"),
    ("measures", "fiscal_year"),
    ("review_items", "actual_year"),
    ("review_items", "target_year"),
}
INT_LIMIT = 2**31
"""Integers are 32-bit in the ledger's columns (PostgreSQL ``integer``)."""


class _Bad(Exception):
    """A value that does not fit its column (the message says why)."""


def check(doc: Any) -> dict[str, list[dict[str, Any]]]:
    """Check that the backup ``doc`` is one the ledger can hold, row by row; returns its rows
    decoded (dates as dates), by table.

    Checked: the format, version and schema; each table's columns; for every value its type,
    that numbers are finite and within :data:`~chikuden.roadmap.ledger.VALUE_LIMIT` (integers
    32-bit), text fits its column and holds no control characters, dates are ISO 8601 without a
    time zone; allowed values (statuses, directions); unique keys; that every reference points
    at a row of the backup; that actuals and targets lie within their KPI's range and thresholds
    are in order. The first problem found raises a one-line :class:`LedgerError`."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LedgerError("backup: not a chikuden roadmap backup (no format field)")
    version = doc.get("format_version")
    if type(version) is not int or version not in READS:
        raise LedgerError(
            f"backup: format version {show(version)}; this chikuden reads versions "
            f"{', '.join(map(str, READS))}"
        )
    head = head_revision()
    if doc.get("schema") != head:
        raise LedgerError(
            f"backup: written with schema revision {show(doc.get('schema'))}, this chikuden "
            f"has {head}; restore it with the chikuden that wrote it, then upgrade"
        )
    body = doc.get("tables")
    if not isinstance(body, dict) or set(body) != {t.name for t in _tables(version)}:
        raise LedgerError("backup: the tables in the file do not match the ledger's tables")
    tables = _tables()
    out: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        out[table.name] = _check_table(table, body[table.name]) if table.name in body else []
    _check_keys(tables, out)
    _check_meaning(out)
    return out


def _damaged(where: str, problem: str) -> LedgerError:
    return LedgerError(
        f"backup: {where}: {problem}; the file was edited or damaged, nothing was restored; "
        "restore an intact backup"
    )


def _check_table(table: Table, part: Any) -> list[dict[str, Any]]:
    columns = [c.name for c in table.columns]
    if not isinstance(part, dict) or set(part) != {"columns", "rows"}:
        raise _damaged(f"table {table.name}", "is not an object with 'columns' and 'rows'")
    if part["columns"] != columns:
        raise _damaged(
            f"table {table.name}", f"has columns {show(part['columns'])}, the ledger {columns}"
        )
    if not isinstance(part["rows"], list):
        raise _damaged(f"table {table.name}", "its rows are not a list")
    checkers = [_checker(table, column) for column in table.columns]
    rows = []
    for number, row in enumerate(part["rows"], start=1):
        where = f"table {table.name}, row {number}"
        if not isinstance(row, list) or len(row) != len(columns):
            raise _damaged(where, f"is not a list of {len(columns)} values: {show(row)}")
        decoded = {}
        for name, check_value, value in zip(columns, checkers, row, strict=True):
            try:
                decoded[name] = check_value(value)
            except _Bad as exc:
                raise _damaged(f"{where}, column {name}", f"{show(value)} {exc}") from None
        rows.append(decoded)
    return rows


def _checker(table: Table, column: Column[Any]) -> Any:
    kind = column.type
    nullable = bool(column.nullable) and not column.primary_key
    allowed = _ALLOWED.get((table.name, column.name))
    year = (table.name, column.name) in _YEARS

    def check_value(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise _Bad("is missing; the column needs a value")
        if isinstance(kind, Boolean):
            if type(value) is not bool:
                raise _Bad("is not true or false")
            return value
        if isinstance(kind, DateTime):
            if not isinstance(value, str):
                raise _Bad("is not a date and time (ISO 8601 text)")
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                raise _Bad("is not a date and time (ISO 8601)") from None
            if moment.tzinfo is not None:
                raise _Bad("has a time zone; the ledger stores UTC without one")
            return moment
        if isinstance(kind, Date):
            if not isinstance(value, str):
                raise _Bad("is not a date (YYYY-MM-DD text)")
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise _Bad("is not a date (YYYY-MM-DD)") from None
        if isinstance(kind, Integer):
            if type(value) is not int or not -INT_LIMIT <= value < INT_LIMIT:
                raise _Bad("is not a whole number the column holds (32-bit)")
            if year and not FIRST_YEAR <= value <= LAST_YEAR:
                raise _Bad(f"is not a year from {FIRST_YEAR} to {LAST_YEAR}")
            if column.name == "version" and value < 1:
                raise _Bad("is not a version (1 or more)")
            return value
        if isinstance(kind, Double):
            if type(value) not in (int, float) or not math.isfinite(value):
                raise _Bad("is not a finite number")
            if abs(value) > VALUE_LIMIT:
                raise _Bad(f"is beyond ±{VALUE_LIMIT:.6g}, the largest number the ledger holds")
            return value
        if isinstance(kind, String | Text):
            if not isinstance(value, str):
                raise _Bad("is not text")
            length = getattr(kind, "length", None)
            if length is not None and len(value) > length:
                raise _Bad(f"is longer than the column's {length} characters")
            if CONTROL_RE.search(value):
                raise _Bad("holds control characters")
            if allowed is not None and value not in allowed:
                raise _Bad(f"is not allowed; allowed: {', '.join(allowed)}")
            return value
        raise _Bad(f"has a column type the check does not know ({kind})")  # pragma: no cover

    return check_value


def _check_keys(tables: list[Table], rows: dict[str, list[dict[str, Any]]]) -> None:
    """Unique keys are unique and every reference points at a row of the backup."""
    for table in tables:
        for constraint in table.constraints:
            if not isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint):
                continue
            names = [c.name for c in constraint.columns]
            seen: set[tuple[Any, ...]] = set()
            for number, row in enumerate(rows[table.name], start=1):
                key = tuple(row[n] for n in names)
                if key in seen:
                    raise _damaged(
                        f"table {table.name}, row {number}",
                        f"{', '.join(names)} {show(key)} appears twice; it must be unique",
                    )
                seen.add(key)
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            known = {row[fk.column.name] for row in rows[parent]}
            for number, row in enumerate(rows[table.name], start=1):
                value = row[fk.parent.name]
                if value is not None and value not in known:
                    raise _damaged(
                        f"table {table.name}, row {number}, column {fk.parent.name}",
                        f"{show(value)} names no row of table {parent}",
                    )


def _check_meaning(rows: dict[str, list[dict[str, Any]]]) -> None:
    """What the ledger's functions would refuse: values outside their KPI's range, thresholds
    out of order, two open revisions, a done milestone without its date."""
    kpis = {k["id"]: k for k in rows["kpis"]}
    for number, k in enumerate(rows["kpis"], start=1):
        low, high = k["min_value"], k["max_value"]
        if low is not None and high is not None and low >= high:
            raise _damaged(f"table kpis, row {number}", f"min {low} is not below max {high}")
    for table in ("actuals", "targets"):
        for number, row in enumerate(rows[table], start=1):
            k = kpis[row["kpi_id"]]
            low = -VALUE_LIMIT if k["min_value"] is None else k["min_value"]
            high = VALUE_LIMIT if k["max_value"] is None else k["max_value"]
            if not low <= row["value"] <= high:
                raise _damaged(
                    f"table {table}, row {number}, column value",
                    f"{row['value']!r} is outside the range of {k['key']} ({low}..{high})",
                )
    stored = {row["key"]: row["value"] for row in rows["settings"]}
    merged = {**DEFAULT_SETTINGS, **stored}
    try:
        on_track = check_number(merged["on_track"], "on_track")
        at_risk = check_number(merged["at_risk"], "at_risk")
        check_thresholds(on_track, at_risk)
    except LedgerError as exc:
        raise _damaged("table settings", str(exc)) from None
    if sum(1 for r in rows["revisions"] if r["state"] == "open") > 1:
        raise _damaged("table revisions", "more than one revision is open")
    for number, m in enumerate(rows["milestones"], start=1):
        if (m["status"] == "done") != (m["done_on"] is not None):
            raise _damaged(
                f"table milestones, row {number}",
                f"status {m['status']!r} with done_on {m['done_on']!r}; a date goes with done",
            )


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
