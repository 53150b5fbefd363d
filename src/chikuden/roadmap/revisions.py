"""Annual revisions of the roadmap: open the next one, publish it, compare two.

A revision holds a full set of targets. Opening the next revision closes the open one (if any)
and copies the latest revision's targets; target changes then go into the new revision's
change log with their reasons (:func:`chikuden.roadmap.ledger.set_target`). Opening, copying
and any changes given with it happen in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chikuden.errors import N_
from chikuden.roadmap import ledger
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.models import Kpi, Revision, RevisionChange, Target, utcnow
from chikuden.roadmap.testhooks import pause


@dataclass(frozen=True)
class TargetChange:
    """A target to set (or, with ``value`` None, to remove) in a revision, and why."""

    kpi: str
    year: int
    value: float | None
    reason: str
    source: str = ""
    unit: str | None = None
    note: str | None = None


def latest(session: Session) -> Revision | None:
    return session.scalar(select(Revision).order_by(Revision.year.desc()).limit(1))


def close(session: Session, rev: Revision) -> Revision:
    rev.state = "closed"
    rev.closed_at = utcnow()
    rev.closed_by = str(session.info.get("user", "unknown"))
    session.flush()
    return rev


def publish(session: Session) -> Revision:
    """Close the open revision: its targets are frozen from now on."""
    return close(session, ledger.open_revision(session))


def open_next(
    session: Session,
    year: int | None = None,
    note: str = "",
    changes: Sequence[TargetChange] = (),
) -> Revision:
    """Open the revision for ``year`` (default: the year after the latest revision, or this
    year for an empty ledger), copying the latest targets and applying ``changes``."""
    last = latest(session)
    if year is None:
        year = last.year + 1 if last is not None else dt.date.today().year
    year = ledger.check_year(year, "--year")
    if last is not None and year <= last.year:
        raise LedgerError(
            N_(
                "--year: {year} is not after the latest revision {last}; open {next} or later",
                year=year,
                last=last.year,
                next=last.year + 1,
            )
        )
    for rev in session.scalars(select(Revision).where(Revision.state == "open")):
        close(session, rev)
    new = Revision(
        year=year,
        state="open",
        note=ledger.check_text(note, "note", required=False),
        opened_at=utcnow(),
        opened_by=str(session.info.get("user", "unknown")),
    )
    session.add(new)
    session.flush()
    if last is not None:
        for step, old in enumerate(
            session.scalars(select(Target).where(Target.revision_id == last.id)), start=1
        ):
            session.add(
                Target(
                    revision_id=new.id,
                    kpi_id=old.kpi_id,
                    year=old.year,
                    value=old.value,
                    source=old.source,
                    note=old.note,
                )
            )
            session.flush()
            pause(step)
    apply_changes(session, new, changes)
    return new


def apply_changes(session: Session, rev: Revision, changes: Sequence[TargetChange]) -> None:
    """Set or remove targets of ``rev`` (open) with their reasons; one change per KPI and
    year (a second one for the same target is refused: which of the two would be meant?)."""
    seen: set[tuple[str, int]] = set()
    for change in changes:
        if (change.kpi, change.year) in seen:
            raise LedgerError(
                N_(
                    "changes: {kpi} {year} is changed twice; keep one change per KPI and year",
                    kpi=change.kpi,
                    year=change.year,
                )
            )
        seen.add((change.kpi, change.year))
    for change in changes:
        if change.value is None:
            _remove(session, rev, change)
            continue
        current = session.scalar(
            select(Target)
            .join(Kpi, Kpi.id == Target.kpi_id)
            .where(Target.revision_id == rev.id, Kpi.key == change.kpi, Target.year == change.year)
        )
        ledger.set_target(
            session,
            change.kpi,
            change.year,
            change.value,
            reason=change.reason,
            source=change.source or (current.source if current else ""),
            unit=change.unit,
            note=change.note,
            version=current.version if current else None,
            into=rev,
        )


def _remove(session: Session, rev: Revision, change: TargetChange) -> None:
    k = ledger.kpi(session, change.kpi)
    record = session.scalar(
        select(Target).where(
            Target.revision_id == rev.id, Target.kpi_id == k.id, Target.year == change.year
        )
    )
    if record is None:
        raise LedgerError(
            N_(
                "year: revision {revision} has no {year} target for {kpi}",
                revision=rev.year,
                year=change.year,
                kpi=k.key,
            )
        )
    session.add(
        RevisionChange(
            revision_id=rev.id,
            kpi_id=k.id,
            year=change.year,
            old_value=record.value,
            new_value=None,
            reason=ledger.check_text(change.reason, "reason"),
            source=ledger.check_text(change.source, "source", required=False, limit=300),
            changed_by=str(session.info.get("user", "unknown")),
            changed_at=utcnow(),
        )
    )
    session.delete(record)
    session.flush()


# -- comparing revisions ------------------------------------------------------------------------
@dataclass(frozen=True)
class DiffLine:
    """One target that differs between two revisions [KPI unit]."""

    kpi: str
    unit: str
    year: int
    old: float | None
    new: float | None
    reasons: tuple[str, ...]

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def targets_of(session: Session, rev: Revision) -> dict[tuple[str, int], float]:
    rows = session.execute(
        select(Kpi.key, Target.year, Target.value)
        .join(Kpi, Kpi.id == Target.kpi_id)
        .where(Target.revision_id == rev.id)
    )
    return {(key, year): value for key, year, value in rows}


def diff(session: Session, rev_a: int | str, rev_b: int | str) -> list[DiffLine]:
    """Targets that differ from revision ``rev_a`` to ``rev_b`` (by year), with the reasons
    logged by the revisions after ``rev_a`` up to ``rev_b``."""
    a, b = ledger.revision(session, rev_a), ledger.revision(session, rev_b)
    old, new = targets_of(session, a), targets_of(session, b)
    units = {key: unit for key, unit in session.execute(select(Kpi.key, Kpi.unit))}
    low, high = sorted((a.year, b.year))
    logged: dict[tuple[str, int], list[str]] = {}
    rows = session.execute(
        select(Kpi.key, RevisionChange.year, RevisionChange.reason, Revision.year)
        .join(Kpi, Kpi.id == RevisionChange.kpi_id)
        .join(Revision, Revision.id == RevisionChange.revision_id)
        .where(Revision.year > low, Revision.year <= high)
        .order_by(Revision.year, RevisionChange.id)
    )
    for key, year, reason, rev_year in rows:
        logged.setdefault((key, year), []).append(f"{rev_year}: {reason}")
    lines = []
    for key_year in sorted(set(old) | set(new)):
        before, after = old.get(key_year), new.get(key_year)
        if before == after:
            continue
        lines.append(
            DiffLine(
                kpi=key_year[0],
                unit=units.get(key_year[0], ""),
                year=key_year[1],
                old=before,
                new=after,
                reasons=tuple(logged.get(key_year, ())),
            )
        )
    return lines
