"""The change log (the ``audit_log`` table): every insert, update and delete of an audited
record, with who and when.

:func:`log_changes`, which :mod:`chikuden.roadmap.db` registers as the ``after_flush`` hook of
its :class:`~chikuden.roadmap.db.LedgerSession`, writes, in the same transaction as the change
itself (so a rolled-back change leaves no audit row):

- an insert as one row with the record's values as JSON in ``new``;
- an update as one row per changed field with its ``old`` and ``new`` value (JSON);
- a delete as one row with the record's last values in ``old``.

``who`` is the session's user (``--user`` or the OS user). The version counter is not logged.
A class may name fields whose values are secret (``__audit_secret__``: logged as
:data:`SECRET`, so the log shows that a password hash changed, never the hash) and fields not
worth a row (``__audit_skip__``: e.g. a token's last-used time, written on every request).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from chikuden.roadmap.models import AuditLog, Base, utcnow

_SKIP = frozenset({"version"})
SECRET = "<secret>"
"""What the log holds in place of a value named by a class's ``__audit_secret__``."""


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def encode(value: Any) -> str:
    """A field value (or a dict of them) as the JSON text the log stores."""
    if isinstance(value, dict):
        return json.dumps({k: _plain(v) for k, v in value.items()}, ensure_ascii=False)
    return json.dumps(_plain(value), ensure_ascii=False)


def _skipped(obj: Base) -> frozenset[str]:
    return _SKIP | frozenset(getattr(obj, "__audit_skip__", ()))


def _shown(obj: Base, field: str, value: Any) -> Any:
    return SECRET if field in getattr(obj, "__audit_secret__", ()) else value


def _values(obj: Base) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    skip = _skipped(obj)
    return {
        a.key: _shown(obj, a.key, getattr(obj, a.key))
        for a in mapper.column_attrs
        if a.key not in skip
    }


def _record_id(obj: Base) -> str:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key)


def log_changes(session: Session, _context: UOWTransaction) -> None:
    """Write the audit rows of what this flush inserts, updates and deletes."""
    who = str(session.info.get("user", "unknown"))
    at = utcnow()
    rows: list[dict[str, Any]] = []

    def row(obj: Base, action: str, field: str | None, old: str | None, new: str | None) -> None:
        rows.append(
            {
                "at": at,
                "who": who,
                "action": action,
                "table_name": obj.__tablename__,
                "record_id": _record_id(obj),
                "field": field,
                "old": old,
                "new": new,
            }
        )

    for obj in session.new:
        if isinstance(obj, Base) and obj.__audited__:
            row(obj, "insert", None, None, encode(_values(obj)))
    for obj in session.dirty:
        if not (isinstance(obj, Base) and obj.__audited__):
            continue
        state = inspect(obj)
        skip = _skipped(obj)
        for attr in state.mapper.column_attrs:
            if attr.key in skip:
                continue
            hist = state.attrs[attr.key].history
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
            old, new = _shown(obj, attr.key, old), _shown(obj, attr.key, new)
            row(obj, "update", attr.key, encode(old), encode(new))
    for obj in session.deleted:
        if isinstance(obj, Base) and obj.__audited__:
            row(obj, "delete", None, encode(_values(obj)), None)
    if rows:
        session.connection().execute(insert(AuditLog), rows)
