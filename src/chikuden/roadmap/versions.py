"""Version numbers that never repeat for a record's natural key.

A user changes a record by naming the version they read (``--version N``); the change goes
through only if the record is still at that version. That is safe only if a version, once
read, can never come back: otherwise an editor who read version 1 of an actual that someone
else has since removed and added again (starting afresh at 1) would overwrite the new record.
So :func:`number_versions`, the ``before_flush`` hook that :mod:`chikuden.roadmap.db`
registers on its :class:`~chikuden.roadmap.db.LedgerSession`, numbers every versioned record
(:class:`~chikuden.roadmap.models.Versioned`) itself:

- a new record gets one more than the highest version any record with the same natural key
  has had: the other rows with that key (a target in earlier revisions) and the
  :class:`~chikuden.roadmap.models.VersionMark` a deleted one left behind; else 1;
- a changed record gets its version + 1 (SQLAlchemy's UPDATE still names the version that was
  read, so a concurrent change is a conflict);
- a deleted record leaves a :class:`~chikuden.roadmap.models.VersionMark` with its version.

Rows written with SQL (a restore, the benchmark) carry their versions with them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from chikuden.roadmap.models import Versioned, VersionMark


def natural_key(obj: Versioned) -> str:
    """The record's natural key as text (``"12/2025"`` for KPI 12, year 2025)."""
    return "/".join(str(getattr(obj, column)) for column in obj.__natural_key__)


def _table(obj: Versioned) -> str:
    return str(obj.__tablename__)  # type: ignore[attr-defined]


def _mark(session: Session, obj: Versioned) -> VersionMark | None:
    with session.no_autoflush:
        return session.get(VersionMark, (_table(obj), natural_key(obj)))


def last_version(session: Session, obj: Versioned) -> int:
    """The highest version any other record with ``obj``'s natural key has had (0: none)."""
    cls: Any = type(obj)
    where = [getattr(cls, column) == getattr(obj, column) for column in obj.__natural_key__]
    with session.no_autoflush:
        rows = session.scalar(select(func.max(cls.version)).where(*where))
    mark = _mark(session, obj)
    return max(rows or 0, mark.version if mark is not None else 0)


def number_versions(session: Session, _context: Any, _instances: Any) -> None:
    """Number the versions of the versioned records this flush inserts, updates and deletes."""
    given: dict[tuple[str, str], int] = {}  # versions given in this flush, by table and key
    for obj in list(session.deleted):
        if not isinstance(obj, Versioned) or not obj.__natural_key__:
            continue
        version = inspect(obj).committed_state.get("version", obj.version)
        mark = _mark(session, obj)
        if mark is None:
            session.add(
                VersionMark(table_name=_table(obj), record_key=natural_key(obj), version=version)
            )
        elif mark.version < version:
            mark.version = version
    for obj in list(session.new):
        if not isinstance(obj, Versioned):
            continue
        if not obj.__natural_key__:
            obj.version = 1
            continue
        key = (_table(obj), natural_key(obj))
        obj.version = max(last_version(session, obj), given.get(key, 0)) + 1
        given[key] = obj.version
    for obj in list(session.dirty):
        if isinstance(obj, Versioned) and session.is_modified(obj, include_collections=False):
            state = inspect(obj)
            read = state.committed_state.get("version", obj.version)
            obj.version = read + 1
