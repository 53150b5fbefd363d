"""The ledger's tables (SQLAlchemy 2 ORM). The schema itself is created by the Alembic
migrations in ``migrations/``; a test checks that the two agree.

Every editable record carries ``version``, SQLAlchemy's ``version_id_col``: an UPDATE names the
version it read, so a second writer who read the same version updates nothing and gets a
:class:`~chikuden.roadmap.errors.ConflictError` instead of silently overwriting the first.
Versions never repeat for a record's natural key (``__natural_key__``):
:mod:`chikuden.roadmap.versions` numbers them, and :class:`VersionMark` remembers the last
version of a deleted record so that a record added again under the same key continues from
there.
Classes with ``__audited__ = True`` have every insert, update and delete written to
:class:`AuditLog` (see :mod:`chikuden.roadmap.changelog`). Times are UTC without a time zone
(:func:`utcnow`), the same on SQLite and PostgreSQL, so that a backup restores to the
microsecond.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DIRECTIONS = ("increase", "decrease")
MILESTONE_STATES = ("open", "done", "dropped")
MEASURE_STATES = ("requested", "funded", "active", "done")
REVISION_STATES = ("open", "closed")
STATUSES = ("on_track", "at_risk", "off_track", "no_data", "no_target")


def utcnow() -> dt.datetime:
    """Now in UTC, without a time zone (the ledger stores UTC throughout)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    __audited__: ClassVar[bool] = False


class Versioned:
    """Mixin: an optimistic-locking version counter, numbered by :mod:`chikuden.roadmap.versions`
    (on insert: one more than any earlier record with the same natural key, else 1; +1 on
    every update). ``__natural_key__`` names the columns that identify the record for a user."""

    __natural_key__: ClassVar[tuple[str, ...]] = ()
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The versions module sets every version itself (generator False): SQLAlchemy still
        # puts the version that was read into the WHERE clause of each UPDATE and DELETE.
        return {"version_id_col": cls.__dict__["version"], "version_id_generator": False}


def _check_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Pillar(Versioned, Base):
    """A clause of the proposal (P1..P11) that measures, milestones and KPIs serve."""

    __tablename__ = "pillars"
    __audited__ = True
    __natural_key__ = ("code",)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    title_en: Mapped[str] = mapped_column(String(300))
    title_ja: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300))


class Measure(Versioned, Base):
    """A policy action with an owner and a budget [JPY] for a fiscal year."""

    __tablename__ = "measures"
    __audited__ = True
    __natural_key__ = ("code",)
    __table_args__ = (CheckConstraint(_check_in("status", MEASURE_STATES), name="status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    title_en: Mapped[str] = mapped_column(String(300))
    title_ja: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(120))
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    budget_jpy: Mapped[float | None] = mapped_column(Double)
    status: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")


class Milestone(Versioned, Base):
    """A dated step: due date (optional), status, the day it was done and the evidence."""

    __tablename__ = "milestones"
    __audited__ = True
    __natural_key__ = ("code",)
    __table_args__ = (CheckConstraint(_check_in("status", MILESTONE_STATES), name="status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"))
    title_en: Mapped[str] = mapped_column(String(300))
    title_ja: Mapped[str] = mapped_column(String(300))
    due: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")


class Kpi(Versioned, Base):
    """An outcome indicator: unit, direction, allowed range and an optional model indicator."""

    __tablename__ = "kpis"
    __audited__ = True
    __natural_key__ = ("key",)
    __table_args__ = (CheckConstraint(_check_in("direction", DIRECTIONS), name="direction"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    label_en: Mapped[str] = mapped_column(String(300))
    label_ja: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))
    min_value: Mapped[float | None] = mapped_column(Double)
    max_value: Mapped[float | None] = mapped_column(Double)
    indicator: Mapped[str | None] = mapped_column(String(120))
    baseline_year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")


class Revision(Versioned, Base):
    """An annual version of the roadmap's targets; only the open one can change."""

    __tablename__ = "revisions"
    __audited__ = True
    __natural_key__ = ("year",)
    __table_args__ = (CheckConstraint(_check_in("state", REVISION_STATES), name="state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    state: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    opened_by: Mapped[str] = mapped_column(String(120))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[str | None] = mapped_column(String(120))


class Target(Versioned, Base):
    """The value a KPI should reach in a year, as set by one revision."""

    __tablename__ = "targets"
    __audited__ = True
    __natural_key__ = ("kpi_id", "year")
    __table_args__ = (UniqueConstraint("revision_id", "kpi_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Double)
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")


class RevisionChange(Base):
    """The change log of a revision: which target changed, from what, to what, and why."""

    __tablename__ = "revision_changes"
    __audited__ = True
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"))
    year: Mapped[int] = mapped_column(Integer)
    old_value: Mapped[float | None] = mapped_column(Double)
    new_value: Mapped[float | None] = mapped_column(Double)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300), default="")
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Actual(Versioned, Base):
    """What a KPI was in a year, with its source, a note, who entered it and when."""

    __tablename__ = "actuals"
    __audited__ = True
    __natural_key__ = ("kpi_id", "year")
    __table_args__ = (UniqueConstraint("kpi_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Double)
    source: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Setting(Versioned, Base):
    """A ledger-wide setting (status thresholds, the model scenario of projections)."""

    __tablename__ = "settings"
    __audited__ = True
    __natural_key__ = ("key",)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Review(Base):
    """An annual verification: the settings it used; its lines are :class:`ReviewItem`."""

    __tablename__ = "reviews"
    __audited__ = True
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    scenario: Mapped[str] = mapped_column(String(200))
    on_track: Mapped[float] = mapped_column(Double)
    at_risk: Mapped[float] = mapped_column(Double)
    as_of: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(120))


class ReviewItem(Base):
    """One KPI's line of a review (derived, so not audited field by field)."""

    __tablename__ = "review_items"
    __table_args__ = (
        CheckConstraint(_check_in("status", STATUSES), name="status"),
        Index("ix_review_items_review", "review_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"))
    status: Mapped[str] = mapped_column(String(12))
    baseline_value: Mapped[float | None] = mapped_column(Double)
    actual_year: Mapped[int | None] = mapped_column(Integer)
    actual_value: Mapped[float | None] = mapped_column(Double)
    expected_value: Mapped[float | None] = mapped_column(Double)
    ratio: Mapped[float | None] = mapped_column(Double)
    target_year: Mapped[int | None] = mapped_column(Integer)
    target_value: Mapped[float | None] = mapped_column(Double)
    projection: Mapped[float | None] = mapped_column(Double)
    projection_note: Mapped[str] = mapped_column(String(300), default="")


class ReviewMilestone(Base):
    """A milestone that was overdue on the review's date."""

    __tablename__ = "review_milestones"
    __table_args__ = (Index("ix_review_milestones_review", "review_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"))
    due: Mapped[dt.date] = mapped_column(Date)
    days_overdue: Mapped[int] = mapped_column(Integer)


class VersionMark(Base):
    """The last version a deleted record had, by table and natural key (``kpi_id/year`` of an
    actual or target): a record added again under that key starts above it, so a version a
    user read never comes back."""

    __tablename__ = "version_marks"
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class AuditLog(Base):
    """Who changed what, when: one row per changed field (or per inserted/deleted record)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_record", "table_name", "record_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    who: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(10))
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(80))
    field: Mapped[str | None] = mapped_column(String(60))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class SavedScenario(Base):
    """A scenario saved from the web simulator (``POST /api/scenarios`` or an upload): its
    scenario YAML, which ``chikuden run --scenario FILE`` accepts as it is. Saved once under a
    name that is never reused (no update, no delete: a link to it keeps its numbers).

    Not part of the ledger's backup (:data:`TABLES_IN_ORDER`): the scenarios are the web
    users' working files, not the roadmap's record."""

    __tablename__ = "saved_scenarios"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    base: Mapped[str] = mapped_column(String(64))  # the bundled scenario it extends
    title: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)  # the scenario YAML
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


TABLES_IN_ORDER: tuple[type[Base], ...] = (
    Pillar,
    Measure,
    Milestone,
    Kpi,
    Revision,
    Target,
    RevisionChange,
    Actual,
    Setting,
    Review,
    ReviewItem,
    ReviewMilestone,
    VersionMark,
    AuditLog,
)
"""Every table, parents before children (the order of a backup and of a restore)."""
