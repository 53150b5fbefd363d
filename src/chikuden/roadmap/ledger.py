"""Editing the ledger: KPIs, actuals, targets, milestones, measures and settings.

Each function works inside a transaction (a :class:`~sqlalchemy.orm.Session` from
:meth:`chikuden.roadmap.db.Ledger.transaction`) and raises a
:class:`~chikuden.roadmap.errors.LedgerError` naming the field, the value, what is allowed and
what to do. An update names the ``version`` of the record the user read; if the record has
moved on since, it raises :class:`~chikuden.roadmap.errors.ConflictError` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from chikuden.errors import N_, Msg, did_you_mean
from chikuden.reading import CONTROL_RE, show, to_number
from chikuden.roadmap.changelog import encode
from chikuden.roadmap.errors import ConflictError, LedgerError
from chikuden.roadmap.models import (
    DIRECTIONS,
    MEASURE_STATES,
    MILESTONE_STATES,
    Actual,
    AuditLog,
    Kpi,
    Measure,
    Milestone,
    Pillar,
    Revision,
    RevisionChange,
    Setting,
    Target,
    utcnow,
)
from chikuden.roadmap.units import accepted_units, factor

FIRST_YEAR = 2000
LAST_YEAR = 2100
TEXT_LIMIT = 2000
SOURCE_LIMIT = 500
VALUE_LIMIT = float(2**53)
"""The largest magnitude of any number the ledger stores [in the KPI's unit]: 2**53 =
9,007,199,254,740,992 is where a double (the columns' type) stops holding every whole number,
so counts and yen stay exact below it (a physical bound of the column, not a policy). Each KPI
also declares its own, tighter range (``kpis.yaml``)."""


# -- checks -------------------------------------------------------------------------------------
def check_year(year: Any, field: str = "year", last: int | None = None) -> int:
    """``year`` as an int within FIRST_YEAR..``last`` (default LAST_YEAR)."""
    last = LAST_YEAR if last is None else last
    given = year
    if isinstance(year, bool):
        year = None
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    if isinstance(year, str) and year.strip().isdecimal() and len(year.strip()) <= 6:
        year = int(year.strip())
    if not isinstance(year, int) or not FIRST_YEAR <= year <= last:
        raise LedgerError(
            N_(
                "{field}: {value} is not a year from {first} to {last}; give a calendar or "
                "fiscal year such as 2025",
                field=field,
                value=_short(given),
                first=FIRST_YEAR,
                last=last,
            )
        )
    return year


def check_number(value: Any, field: str = "value") -> float:
    """``value`` as a finite float of magnitude at most :data:`VALUE_LIMIT`; text in the number
    syntax of :mod:`chikuden.reading`, digits grouped by commas allowed (``1,234.5``)."""
    given = value
    parsed = to_number(value, thousands=True)
    number = math.nan if parsed is None else parsed
    if not math.isfinite(number) and not math.isinf(number):
        raise LedgerError(
            N_(
                "{field}: {value} is not a number; write a plain number such as 1234.5 (the "
                "unit goes in its own column)",
                field=field,
                value=_short(given),
            )
        )
    if not abs(number) <= VALUE_LIMIT:
        raise LedgerError(
            N_(
                "{field}: {value} is too large for the ledger; numbers must lie within "
                "±{limit} (2**53); check the value and its unit",
                field=field,
                value=_short(given),
                limit=f"{VALUE_LIMIT:.6g}",
            )
        )
    return number


def _short(value: Any, width: int = 40) -> str:
    """``repr(value)``, cut to ``width`` characters for a message."""
    return show(value, width)


def check_text(value: Any, field: str, required: bool = True, limit: int = TEXT_LIMIT) -> str:
    """A text field: no formulas, no control characters, not too long (``limit`` is the
    column's length), present when required."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise LedgerError(
            N_("{field}: is empty; it is required (say where the figure comes from)", field=field)
        )
    if text.startswith("="):
        raise LedgerError(
            N_(
                "{field}: {value!r} looks like a formula; formulas are not accepted, type the "
                "text itself",
                field=field,
                value=text[:40],
            )
        )
    bad = CONTROL_RE.search(text)
    if bad:
        raise LedgerError(
            N_(
                "{field}: {value} holds the control character {char!r}; type plain text (tabs "
                "and line breaks are allowed)",
                field=field,
                value=_short(text),
                char=bad.group(),
            )
        )
    if len(text) > limit:
        raise LedgerError(
            N_(
                "{field}: {n} characters; at most {limit} are allowed",
                field=field,
                n=len(text),
                limit=limit,
            )
        )
    return text


def to_kpi_unit(kpi: KpiBounds, value: float, unit: str | None, field: str = "unit") -> float:
    """``value`` given in ``unit`` (default: the KPI's unit) converted to the KPI's unit and
    checked against the KPI's allowed range."""
    given = (unit or "").strip() or kpi.unit
    f = factor(given, kpi.unit)
    if f is None:
        raise LedgerError(
            N_(
                "{field}: {unit!r} is not a unit of {kpi} (measured in {kpi_unit}); allowed: "
                "{allowed}",
                field=field,
                unit=given,
                kpi=kpi.key,
                kpi_unit=kpi.unit,
                allowed=", ".join(accepted_units(kpi.unit)),
            )
        )
    converted = value * f
    low, high = kpi.min_value, kpi.max_value
    low = -VALUE_LIMIT if low is None else low  # a KPI of an old ledger without a declared range
    high = VALUE_LIMIT if high is None else high
    if not low <= converted <= high:
        sign = N_(" (wrong sign?)") if low == 0 and converted < 0 else ""
        raise LedgerError(
            N_(
                "value: {value} {unit} is outside the range of {kpi}{sign}; allowed: "
                "{allowed} {kpi_unit}",
                value=_g(value),
                unit=given,
                kpi=kpi.key,
                sign=sign,
                allowed=f"{_g(low)}..{_g(high)}",
                kpi_unit=kpi.unit,
            )
        )
    return converted


def _g(x: float) -> str:
    """``x`` for a message: whole numbers in full (``30,000,000``), others to 6 digits."""
    if abs(x) < 1e15 and float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.6g}" if abs(x) < 1e15 else f"{x:.6g}"


def _check_version(record: Any, version: int | None, what: Msg, now: Msg | str) -> None:
    """``version`` (the version the user read) must be ``record``'s: a change needs it, and a
    stale one is a conflict. ``now`` describes the record's current value for the message."""
    if version is None:
        raise ConflictError(
            N_(
                "--version: required to change {what} (now version {version}: {now}); check "
                "that this is what you mean to change and pass --version {version}",
                what=what,
                version=record.version,
                now=now,
            )
        )
    if record.version != version:
        raise ConflictError(
            N_(
                "--version: {what} is at version {version}, not {read} (now: {now}): someone "
                "changed it since you read it; nothing was saved; look at it again and repeat "
                "your change",
                what=what,
                version=record.version,
                read=version,
                now=now,
            )
        )


def _actual_of(kpi_key: str, year: object) -> Msg:
    return N_("the actual of {kpi} for {year}", kpi=kpi_key, year=year)


def _actual_now(value: float, unit: str, source: str) -> Msg:
    return N_(
        "{value} {unit}, source {source}", value=_g(value), unit=unit, source=_short(source, 60)
    )


# -- look-ups -----------------------------------------------------------------------------------
def pillar(session: Session, code: str) -> Pillar:
    if not isinstance(code, str) or CONTROL_RE.search(code) or len(code) > 8:
        found = None
    else:
        found = session.scalar(select(Pillar).where(Pillar.code == code))
    if found is None:
        codes = list(session.scalars(select(Pillar.code)))
        raise LedgerError(
            N_(
                "pillar: unknown pillar {code!r}{hint}; allowed: {allowed}",
                code=code,
                hint=did_you_mean(code, codes),
                allowed=", ".join(codes),
            )
        )
    return found


def kpis(session: Session) -> dict[str, Kpi]:
    """Every KPI by key, in key order."""
    return {k.key: k for k in session.scalars(select(Kpi).order_by(Kpi.key))}


def _by_key(session: Session, column: Any, value: str, what: str) -> Any:
    """The row whose ``column`` equals ``value``; a clear error with a suggestion if none."""
    if not isinstance(value, str) or CONTROL_RE.search(value) or len(value) > 200:
        # no key holds these (and PostgreSQL cannot even compare a text with NUL in it)
        raise LedgerError(_unknown(what, _short(value), ""))
    found = session.scalar(select(column.class_).where(column == value))
    if found is None:
        known = list(session.scalars(select(column)))
        raise LedgerError(_unknown(what, repr(value), did_you_mean(value, known)))
    return found


def _unknown(what: str, value: str, close: Msg | str) -> Msg:
    """``{what}: unknown ... {value}{close}; see ...`` for a KPI, milestone or measure."""
    if what == "kpi":
        return N_(
            "kpi: unknown KPI {value}{close}; see `chikuden roadmap kpis` for the keys",
            value=value,
            close=close,
        )
    if what == "milestone":
        return N_(
            "milestone: unknown milestone {value}{close}; see `chikuden roadmap milestones`",
            value=value,
            close=close,
        )
    return N_(
        "measure: unknown measure {value}{close}; see `chikuden roadmap measures`",
        value=value,
        close=close,
    )


def kpi(session: Session, key: str) -> Kpi:
    found: Kpi = _by_key(session, Kpi.key, key, "kpi")
    return found


def milestone(session: Session, code: str) -> Milestone:
    found: Milestone = _by_key(session, Milestone.code, code, "milestone")
    return found


def measure(session: Session, code: str) -> Measure:
    found: Measure = _by_key(session, Measure.code, code, "measure")
    return found


def actual(session: Session, kpi_key: str, year: int) -> Actual:
    k = kpi(session, kpi_key)
    found = session.scalar(select(Actual).where(Actual.kpi_id == k.id, Actual.year == year))
    if found is None:
        raise LedgerError(
            N_(
                "year: {kpi} has no actual for {year}; add one with `chikuden roadmap actual "
                "add {kpi} {year} VALUE --source ...`",
                kpi=kpi_key,
                year=year,
            )
        )
    return found


# -- pillars, measures, milestones, KPIs ---------------------------------------------------------
def add_pillar(session: Session, code: str, title_en: str, title_ja: str, source: str) -> Pillar:
    record = Pillar(
        code=check_text(code, "code", limit=8),
        title_en=check_text(title_en, "title_en", limit=300),
        title_ja=check_text(title_ja, "title_ja", limit=300),
        source=check_text(source, "source", limit=300),
    )
    session.add(record)
    session.flush()
    return record


def add_kpi(
    session: Session,
    key: str,
    pillar_code: str,
    label_en: str,
    label_ja: str,
    unit: str,
    baseline_year: int,
    source: str,
    direction: str = "increase",
    min_value: float | None = None,
    max_value: float | None = None,
    indicator: str | None = None,
    note: str = "",
) -> Kpi:
    """A new KPI; ``indicator`` is a model output key (it may not exist yet)."""
    key = check_text(key, "key", limit=80)
    if session.scalar(select(Kpi.id).where(Kpi.key == key)) is not None:
        raise LedgerError(f"key: KPI {key!r} exists already; choose another key")
    if direction not in DIRECTIONS:
        raise LedgerError(f"direction: {direction!r}; allowed: {', '.join(DIRECTIONS)}")
    if min_value is None or max_value is None:
        raise LedgerError(
            f"min, max: KPI {key!r} needs a declared range (min {min_value!r}, max "
            f"{max_value!r}); give both bounds, each with its source or as a physical bound"
        )
    min_value = check_number(min_value, "min")
    max_value = check_number(max_value, "max")
    if min_value >= max_value:
        raise LedgerError(f"min: {min_value} is not below max {max_value}; swap them")
    record = Kpi(
        key=key,
        pillar_id=pillar(session, pillar_code).id,
        label_en=check_text(label_en, "label_en", limit=300),
        label_ja=check_text(label_ja, "label_ja", limit=300),
        unit=check_text(unit, "unit", limit=40),
        direction=direction,
        min_value=min_value,
        max_value=max_value,
        indicator=(indicator or "").strip() or None,
        baseline_year=check_year(baseline_year, "baseline_year"),
        source=check_text(source, "source", limit=300),
        note=check_text(note, "note", required=False),
    )
    session.add(record)
    session.flush()
    return record


def add_measure(session: Session, code: str, pillar_code: str, **fields: Any) -> Measure:
    status = fields.get("status", "active")
    if status not in MEASURE_STATES:
        raise LedgerError(_not_allowed("status", status, MEASURE_STATES))
    budget = fields.get("budget_jpy")
    record = Measure(
        code=check_text(code, "code", limit=60),
        pillar_id=pillar(session, pillar_code).id,
        title_en=check_text(fields.get("title_en"), "title_en", limit=300),
        title_ja=check_text(fields.get("title_ja"), "title_ja", limit=300),
        owner=check_text(fields.get("owner"), "owner", limit=120),
        fiscal_year=(
            None if fields.get("fiscal_year") is None else check_year(fields["fiscal_year"])
        ),
        budget_jpy=None if budget is None else check_number(budget, "budget_jpy"),
        status=status,
        source=check_text(fields.get("source"), "source", limit=300),
        note=check_text(fields.get("note"), "note", required=False),
    )
    session.add(record)
    session.flush()
    return record


def add_milestone(session: Session, code: str, pillar_code: str, **fields: Any) -> Milestone:
    status = fields.get("status", "open")
    if status not in MILESTONE_STATES:
        raise LedgerError(_not_allowed("status", status, MILESTONE_STATES))
    measure_code = fields.get("measure")
    record = Milestone(
        code=check_text(code, "code", limit=60),
        pillar_id=pillar(session, pillar_code).id,
        measure_id=measure(session, measure_code).id if measure_code else None,
        title_en=check_text(fields.get("title_en"), "title_en", limit=300),
        title_ja=check_text(fields.get("title_ja"), "title_ja", limit=300),
        due=_date(fields.get("due"), "due"),
        status=status,
        done_on=_date(fields.get("done_on"), "done_on"),
        evidence=check_text(fields.get("evidence"), "evidence", required=False),
        source=check_text(fields.get("source"), "source", limit=300),
        note=check_text(fields.get("note"), "note", required=False),
    )
    _check_milestone(record)
    session.add(record)
    session.flush()
    return record


def _not_allowed(field: str, value: object, allowed: tuple[str, ...]) -> Msg:
    return N_("{field}: {value!r}; allowed: {allowed}", field=field, value=value,
              allowed=", ".join(allowed))  # fmt: skip


def _date(value: Any, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise LedgerError(
            N_("{field}: {value!r} is not a date; write YYYY-MM-DD", field=field, value=value)
        ) from None


def _check_milestone(record: Milestone) -> None:
    if record.status == "done" and record.done_on is None:
        raise LedgerError(
            N_(
                "done_on: milestone {code} is done but has no date; give --done-on YYYY-MM-DD",
                code=record.code,
            )
        )
    if record.status != "done" and record.done_on is not None:
        raise LedgerError(
            N_(
                "done_on: milestone {code} is {status} but has a done date; set its status to "
                "done or leave the date out",
                code=record.code,
                status=record.status,
            )
        )


def update_milestone(
    session: Session,
    code: str,
    version: int | None,
    status: str | None = None,
    done_on: str | dt.date | None = None,
    evidence: str | None = None,
    due: str | dt.date | None = None,
) -> Milestone:
    """Change a milestone's status, done date, evidence or due date."""
    record = milestone(session, code)
    if version is None or record.version != version:
        _check_version(
            record,
            version,
            N_("milestone {code}", code=code),
            N_("{status}, due {due}", status=record.status, due=record.due),
        )
    if status is not None:
        if status not in MILESTONE_STATES:
            raise LedgerError(_not_allowed("status", status, MILESTONE_STATES))
        record.status = status
        if status != "done":
            record.done_on = None
    if done_on is not None:
        record.done_on = _date(done_on, "done_on")
    if evidence is not None:
        record.evidence = check_text(evidence, "evidence", required=False)
    if due is not None:
        record.due = _date(due, "due")
    _check_milestone(record)
    session.flush()
    return record


# -- actuals ------------------------------------------------------------------------------------
def add_actual(
    session: Session,
    kpi_key: str,
    year: Any,
    value: Any,
    source: str,
    unit: str | None = None,
    note: str = "",
) -> Actual:
    """Record what KPI ``kpi_key`` was in ``year``; a second actual for the same year is an
    error (correct the first with :func:`update_actual`)."""
    k = kpi(session, kpi_key)
    y = check_year(year, last=dt.date.today().year)
    v = to_kpi_unit(k, check_number(value), unit)
    existing = session.scalar(select(Actual).where(Actual.kpi_id == k.id, Actual.year == y))
    if existing is not None:
        raise LedgerError(
            N_(
                "year: {kpi} already has an actual for {year} ({value} {unit}, version "
                "{version}); correct it with `chikuden roadmap actual set {kpi} {year} VALUE "
                "--version {version}`",
                kpi=kpi_key,
                year=y,
                value=_g(existing.value),
                unit=k.unit,
                version=existing.version,
            )
        )
    record = Actual(
        kpi_id=k.id,
        year=y,
        value=v,
        source=check_text(source, "source", limit=SOURCE_LIMIT),
        note=check_text(note, "note", required=False),
        entered_by=str(session.info.get("user", "unknown")),
        entered_at=utcnow(),
    )
    session.add(record)
    session.flush()
    return record


class KpiBounds(Protocol):
    """What :func:`to_kpi_unit` reads of a KPI."""

    @property
    def key(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def min_value(self) -> float | None: ...
    @property
    def max_value(self) -> float | None: ...


_ACTUAL_FIELDS = ("value", "source", "note", "entered_by", "entered_at")
"""The fields of an actual a correction writes, in the order of the table's columns (the
order of the audit rows, as :mod:`chikuden.roadmap.changelog` writes them)."""

_ACTUAL_OF = (
    select(
        Actual.id,
        Actual.kpi_id,
        Actual.version,
        *(getattr(Actual, f) for f in _ACTUAL_FIELDS),
        Kpi.key,
        Kpi.unit,
        Kpi.min_value,
        Kpi.max_value,
    )
    .join(Kpi, Actual.kpi_id == Kpi.id)
    .where(Kpi.key == bindparam("key"), Actual.year == bindparam("year"))
)
_ACTUALS = cast(Table, Actual.__table__)
_SET_ACTUAL = (
    update(_ACTUALS)
    .where(_ACTUALS.c.id == bindparam("row_id"), _ACTUALS.c.version == bindparam("read"))
    .values({f: bindparam(f) for f in (*_ACTUAL_FIELDS, "version")})
)


def update_actual(
    session: Session,
    kpi_key: str,
    year: int,
    version: int | None,
    value: Any = None,
    unit: str | None = None,
    source: str | None = None,
    note: str | None = None,
) -> Actual:
    """Correct an actual; ``version`` is the version the user read (see ``actual list``).

    The desk's hot path (issue 17: 20 editors at once), so three Core statements: the actual
    with its KPI's unit and range in one ``SELECT``; ``UPDATE actuals SET ..., version =
    read + 1 WHERE id = ? AND version = read`` (no row: someone else wrote it in between, a
    :class:`ConflictError`); the audit rows of the changed fields in one ``INSERT``, as
    :func:`chikuden.roadmap.changelog.log_changes` writes them for the ORM's flushes. Returns
    a copy of the row as written, not attached to ``session`` (an instance of the row that
    ``session`` had loaded is expired)."""
    y = check_year(year)
    session.flush()  # Core statements below: nothing pending may be left behind them
    connection = session.connection()
    found = None
    if isinstance(kpi_key, str) and not CONTROL_RE.search(kpi_key) and len(kpi_key) <= 200:
        found = connection.execute(_ACTUAL_OF, {"key": kpi_key, "year": y}).first()
    if found is None:
        actual(session, kpi_key, y)  # the error that says which is unknown: the KPI or year
        raise ConflictError(
            N_(
                "year: the actual of {kpi} for {year} was added while this change was checked; "
                "nothing was saved; look at it again and repeat your change",
                kpi=kpi_key,
                year=y,
            )
        )
    try:
        if version is None or found.version != version:  # the messages made only when refused
            now = _actual_now(found.value, found.unit, found.source)
            _check_version(found, version, _actual_of(kpi_key, year), now)
    except ConflictError as exc:
        exc.current = Actual(
            id=found.id, kpi_id=found.kpi_id, year=y, version=found.version,
            **{f: getattr(found, f) for f in _ACTUAL_FIELDS},
        )  # fmt: skip
        raise
    new: dict[str, Any] = {
        "value": found.value if value is None else to_kpi_unit(found, check_number(value), unit),
        "source": found.source
        if source is None
        else check_text(source, "source", limit=SOURCE_LIMIT),
        "note": found.note if note is None else check_text(note, "note", required=False),
        "entered_by": str(session.info.get("user", "unknown")),
        "entered_at": utcnow(),
    }
    written = connection.execute(
        _SET_ACTUAL, {**new, "version": found.version + 1, "row_id": found.id, "read": version}
    )
    if written.rowcount != 1:
        raise ConflictError(
            N_(
                "--version: {what} was changed by someone else while this change was being "
                "saved; nothing was saved; look at it again and repeat your change",
                what=_actual_of(kpi_key, year),
            )
        )
    old = found._mapping
    rows = [
        {
            "at": new["entered_at"],
            "who": new["entered_by"],
            "action": "update",
            "table_name": Actual.__tablename__,
            "record_id": str(found.id),
            "field": f,
            "old": encode(old[f]),
            "new": encode(new[f]),
        }
        for f in _ACTUAL_FIELDS
        if old[f] != new[f]
    ]
    connection.execute(insert(AuditLog), rows)
    loaded = session.identity_map.get(session.identity_key(Actual, found.id))
    if loaded is not None:
        session.expire(loaded)
    return Actual(id=found.id, kpi_id=found.kpi_id, year=y, version=found.version + 1, **new)


def delete_actual(session: Session, kpi_key: str, year: int, version: int | None) -> None:
    """Remove an actual; ``version`` is the version the user read. The version is remembered
    (:mod:`chikuden.roadmap.versions`): an actual added again for the year starts above it."""
    record = actual(session, kpi_key, check_year(year))
    now = _actual_now(record.value, kpi(session, kpi_key).unit, record.source)
    _check_version(record, version, _actual_of(kpi_key, year), now)
    session.delete(record)
    session.flush()


# -- revisions and targets ---------------------------------------------------------------------
def revisions(session: Session) -> list[Revision]:
    return list(session.scalars(select(Revision).order_by(Revision.year)))


def revision(session: Session, year: Any) -> Revision:
    y = check_year(year, "revision")
    found = session.scalar(select(Revision).where(Revision.year == y))
    if found is None:
        years = [str(r.year) for r in revisions(session)]
        raise LedgerError(
            N_(
                "revision: there is no revision {year}; allowed: {allowed}",
                year=y,
                allowed=", ".join(years) or N_("none yet"),
            )
        )
    return found


def revision_for(session: Session, year: int) -> Revision:
    """The revision in force in ``year``: the latest one opened for ``year`` or before."""
    found = session.scalar(
        select(Revision).where(Revision.year <= year).order_by(Revision.year.desc()).limit(1)
    )
    if found is None:
        first = session.scalar(select(Revision).order_by(Revision.year).limit(1))
        if first is None:
            raise LedgerError(
                N_("revision: the ledger has no revision yet; run `chikuden roadmap revise`")
            )
        raise LedgerError(
            N_(
                "year: {year} is before the first revision ({first}); review {first} or later",
                year=year,
                first=first.year,
            )
        )
    return found


def open_revision(session: Session) -> Revision:
    """The open revision, locked until the end of the transaction (on PostgreSQL), so that a
    target cannot change in a revision that another editor is closing."""
    found = session.scalar(select(Revision).where(Revision.state == "open").with_for_update())
    if found is None:
        raise LedgerError(
            N_(
                "revision: no revision is open, so targets cannot change; open the next one "
                "with `chikuden roadmap revise`"
            )
        )
    return found


def _target_of(kpi_key: str, year: int) -> Msg:
    return N_("the {year} target of {kpi}", year=year, kpi=kpi_key)


def set_target(
    session: Session,
    kpi_key: str,
    year: Any,
    value: Any,
    reason: str,
    source: str,
    unit: str | None = None,
    note: str | None = None,
    version: int | None = None,
    into: Revision | None = None,
) -> Target:
    """Set the target of ``kpi_key`` for ``year`` in the open revision, logging the change
    (old value, new value, reason) in the revision's change log."""
    rev = into or open_revision(session)
    if rev.state != "open":
        raise LedgerError(
            N_("revision: revision {year} is closed; targets cannot change", year=rev.year)
        )
    k = kpi(session, kpi_key)
    y = check_year(year)
    if y <= k.baseline_year:
        raise LedgerError(
            N_(
                "year: a target of {kpi} must lie after its baseline year {baseline}; got {year}",
                kpi=kpi_key,
                baseline=k.baseline_year,
                year=y,
            )
        )
    v = to_kpi_unit(k, check_number(value), unit)
    why = check_text(reason, "reason")
    src = check_text(source, "source", limit=300)
    record = session.scalar(
        select(Target).where(Target.revision_id == rev.id, Target.kpi_id == k.id, Target.year == y)
    )
    old: float | None = None
    if record is None and version is not None:
        raise ConflictError(
            N_(
                "--version: revision {revision} has no {year} target of {kpi} any more (you "
                "read version {version}): someone removed it since; nothing was saved; look at "
                "the targets again (`chikuden roadmap targets`) and set it without --version",
                revision=rev.year,
                year=y,
                kpi=kpi_key,
                version=version,
            )
        )
    if record is None:
        record = Target(revision_id=rev.id, kpi_id=k.id, year=y, value=v, source=src)
        record.note = check_text(note, "note", required=False)
        session.add(record)
    else:
        _check_version(record, version, _target_of(kpi_key, y), f"{_g(record.value)} {k.unit}")
        old = record.value
        record.value = v
        record.source = src
        if note is not None:
            record.note = check_text(note, "note", required=False)
    session.add(
        RevisionChange(
            revision_id=rev.id,
            kpi_id=k.id,
            year=y,
            old_value=old,
            new_value=v,
            reason=why,
            source=src,
            changed_by=str(session.info.get("user", "unknown")),
            changed_at=utcnow(),
        )
    )
    session.flush()
    return record


def remove_target(
    session: Session, kpi_key: str, year: Any, reason: str, version: int | None
) -> None:
    rev = open_revision(session)
    k = kpi(session, kpi_key)
    y = check_year(year)
    record = session.scalar(
        select(Target).where(Target.revision_id == rev.id, Target.kpi_id == k.id, Target.year == y)
    )
    if record is None:
        raise LedgerError(
            N_(
                "year: revision {revision} has no {year} target for {kpi}",
                revision=rev.year,
                year=y,
                kpi=kpi_key,
            )
        )
    _check_version(record, version, _target_of(kpi_key, y), f"{_g(record.value)} {k.unit}")
    session.add(
        RevisionChange(
            revision_id=rev.id,
            kpi_id=k.id,
            year=y,
            old_value=record.value,
            new_value=None,
            reason=check_text(reason, "reason"),
            source="",
            changed_by=str(session.info.get("user", "unknown")),
            changed_at=utcnow(),
        )
    )
    session.delete(record)
    session.flush()


# -- settings -----------------------------------------------------------------------------------
DEFAULT_SETTINGS = {"on_track": "0.9", "at_risk": "0.6", "scenario": "proposal-2022"}
SETTING_HELP = {
    "on_track": "progress ratio at or above which a KPI is on track",
    "at_risk": "progress ratio at or above which a KPI is at risk (below: off track)",
    "scenario": "model scenario whose 2030 values are the projections",
}


@dataclass(frozen=True)
class Settings:
    on_track: float
    at_risk: float
    scenario: str


def settings(session: Session, lock: bool = False) -> Settings:
    """The settings in force (stored, else the defaults); with ``lock``, the stored rows stay
    locked until the end of the transaction (on PostgreSQL)."""
    query = select(Setting).with_for_update() if lock else select(Setting)
    stored = {s.key: s.value for s in session.scalars(query)}
    merged = {**DEFAULT_SETTINGS, **stored}
    return Settings(float(merged["on_track"]), float(merged["at_risk"]), merged["scenario"])


def check_thresholds(on_track: float, at_risk: float) -> None:
    if not (0 < at_risk < on_track <= 10):
        raise LedgerError(
            f"thresholds: on_track {on_track} and at_risk {at_risk}; allowed: "
            "0 < at_risk < on_track <= 10 (e.g. on_track 0.9, at_risk 0.6)"
        )


def set_setting(session: Session, key: str, value: str, version: int | None = None) -> Setting:
    """Change a setting. A stored setting changes only with the ``version`` the user read
    (``chikuden roadmap settings`` shows it); one that still holds its default is stored
    without a version (a second editor doing the same at once gets a conflict)."""
    if key not in DEFAULT_SETTINGS:
        raise LedgerError(
            f"setting: unknown setting {_short(key)}{did_you_mean(str(key), DEFAULT_SETTINGS)}; "
            f"allowed: {', '.join(DEFAULT_SETTINGS)}"
        )
    current = settings(session, lock=True)
    record = session.get(Setting, key)
    if record is None and version is not None:
        raise ConflictError(
            f"--version: setting {key} is not stored (it holds its default "
            f"{DEFAULT_SETTINGS[key]!r}), so it has no version {version}; leave out --version"
        )
    if record is not None:
        _check_version(record, version, N_("setting {key}", key=key), repr(record.value))
    if key in ("on_track", "at_risk"):
        number = check_number(value, key)
        pair = {"on_track": current.on_track, "at_risk": current.at_risk, key: number}
        check_thresholds(pair["on_track"], pair["at_risk"])
        value = repr(number)
    else:
        value = check_text(value, key, limit=200)
        from chikuden.api import load_scenario

        load_scenario(value)  # raises the model's own error for an unknown scenario
    if record is None:
        record = Setting(key=key, value=value)
        session.add(record)
    else:
        record.value = value
    session.flush()
    return record
