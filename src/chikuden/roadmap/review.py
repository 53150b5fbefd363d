"""The annual review (P12: verified every year): where each KPI stands, the model's 2030
projection, and overdue milestones; stored in the ledger and written as a report.

For the review of year ``Y`` each KPI is compared, on the trajectory of the revision in force
in ``Y`` (:func:`chikuden.roadmap.ledger.revision_for`), using its latest actual of a year
after its baseline year and no later than ``Y``; see :mod:`chikuden.roadmap.status` for the
arithmetic. A KPI with no such actual is ``no_data``; one without a target after its baseline
is ``no_target``. The projection is the 2030 value of the KPI's model indicator in the
ledger's scenario (setting ``scenario``), converted to the KPI's unit; when the indicator is
not (yet) an output of the model, the review says "no model projection".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chikuden.i18n import pick
from chikuden.roadmap import ledger
from chikuden.roadmap.models import (
    Actual,
    Kpi,
    Milestone,
    Pillar,
    Review,
    ReviewItem,
    ReviewMilestone,
    Target,
    utcnow,
)
from chikuden.roadmap.status import Thresholds, classify, progress_ratio, trajectory
from chikuden.roadmap.units import factor


@dataclass(frozen=True)
class Point:
    """A value of a KPI in a year, with where it comes from [KPI unit]."""

    year: int
    value: float
    source: str
    note: str = ""


@dataclass
class Line:
    """One KPI in a review."""

    kpi_id: int
    key: str
    pillar: str
    label_en: str
    label_ja: str
    unit: str
    direction: str
    note: str
    baseline_year: int
    status: str = "no_data"
    baseline: Point | None = None
    actual: Point | None = None
    expected: float | None = None
    ratio: float | None = None
    targets: list[Point] = field(default_factory=list)
    history: list[Point] = field(default_factory=list)
    indicator: str | None = None
    projection: float | None = None
    projection_note: str = ""

    @property
    def final_target(self) -> Point | None:
        return self.targets[-1] if self.targets else None

    def label(self, lang: str) -> str:
        return pick(lang, self.label_en, self.label_ja)


@dataclass(frozen=True)
class Overdue:
    """A milestone still open after its due date."""

    milestone_id: int
    code: str
    pillar: str
    title_en: str
    title_ja: str
    due: dt.date
    days_overdue: int
    source: str


@dataclass
class ReviewResult:
    """Everything a review found (what :func:`store` saves and the report shows)."""

    year: int
    revision_id: int
    revision_year: int
    scenario: str
    thresholds: Thresholds
    as_of: dt.date
    lines: list[Line]
    overdue: list[Overdue]
    review_id: int | None = None
    created_at: dt.datetime | None = None
    created_by: str = ""

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in ("on_track", "at_risk", "off_track", "no_data", "no_target")}
        for line in self.lines:
            out[line.status] += 1
        return out


def compute(
    session: Session,
    year: int,
    revision_year: int | None = None,
    thresholds: Thresholds | None = None,
    scenario: str | None = None,
    as_of: dt.date | None = None,
    projections: bool = True,
) -> ReviewResult:
    """Review ``year`` against the revision in force (or ``revision_year``); ``projections``
    False leaves out the model's 2030 projections (the desk's board, which shows statuses)."""
    year = ledger.check_year(year, "--year")
    rev = (
        ledger.revision(session, revision_year)
        if revision_year is not None
        else ledger.revision_for(session, year)
    )
    stored = ledger.settings(session)
    thresholds = thresholds or Thresholds(stored.on_track, stored.at_risk)
    ledger.check_thresholds(thresholds.on_track, thresholds.at_risk)
    scenario = ledger.check_text(scenario or stored.scenario, "--scenario", limit=200)
    as_of = as_of or min(dt.date(year, 12, 31), dt.date.today())

    lines: dict[int, Line] = {}
    rows = session.execute(select(Kpi, Pillar.code).join(Pillar).order_by(Pillar.id, Kpi.key))
    for kpi, pillar_code in rows:
        lines[kpi.id] = Line(
            kpi_id=kpi.id,
            key=kpi.key,
            pillar=pillar_code,
            label_en=kpi.label_en,
            label_ja=kpi.label_ja,
            unit=kpi.unit,
            direction=kpi.direction,
            note=kpi.note,
            baseline_year=kpi.baseline_year,
            indicator=kpi.indicator,
        )
    base_years = {kpi_id: line.baseline_year for kpi_id, line in lines.items()}
    for kpi_id, a_year, value, source, note in session.execute(
        select(Actual.kpi_id, Actual.year, Actual.value, Actual.source, Actual.note)
        .where(Actual.year <= year)
        .order_by(Actual.kpi_id, Actual.year)
    ):
        line = lines[kpi_id]
        point = Point(a_year, value, source, note)
        line.history.append(point)
        if a_year == base_years[kpi_id]:
            line.baseline = point
        elif a_year > base_years[kpi_id]:
            line.actual = point
    for kpi_id, t_year, value, source in session.execute(
        select(Target.kpi_id, Target.year, Target.value, Target.source)
        .where(Target.revision_id == rev.id)
        .order_by(Target.kpi_id, Target.year)
    ):
        if t_year > base_years[kpi_id]:
            lines[kpi_id].targets.append(Point(t_year, value, source))

    _statuses(list(lines.values()), thresholds)
    if projections:
        _projections(list(lines.values()), scenario)
    return ReviewResult(
        year=year,
        revision_id=rev.id,
        revision_year=rev.year,
        scenario=scenario,
        thresholds=thresholds,
        as_of=as_of,
        lines=list(lines.values()),
        overdue=overdue_milestones(session, as_of),
    )


def _statuses(lines: list[Line], thresholds: Thresholds) -> None:
    """Expected values, ratios and statuses of every KPI that has what they need."""
    ready: list[tuple[Line, Point, Point]] = []
    for line in lines:
        if not line.targets:
            line.status = "no_target"
        elif line.baseline is None or line.actual is None:
            line.status = "no_data"
        else:
            ready.append((line, line.baseline, line.actual))
    if not ready:
        return
    expected = np.array(
        [
            float(
                trajectory(
                    actual.year,
                    base.year,
                    base.value,
                    [t.year for t in line.targets],
                    [t.value for t in line.targets],
                )
            )
            for line, base, actual in ready
        ]
    )
    base_values = np.array([base.value for _, base, _ in ready])
    actual_values = np.array([actual.value for _, _, actual in ready])
    sign = np.array([1.0 if line.direction == "increase" else -1.0 for line, _, _ in ready])
    ratio = progress_ratio(base_values, expected, actual_values, sign)
    status = classify(ratio, thresholds)
    for i, (line, _, _) in enumerate(ready):
        line.expected = float(expected[i])
        line.ratio = float(ratio[i])
        line.status = str(status[i])


def _projections(lines: list[Line], scenario: str) -> None:
    """The model's 2030 value of each KPI's indicator in ``scenario`` [KPI unit]."""
    from chikuden.indicators import outputs

    declared = outputs()
    wanted = {
        line.indicator
        for line in lines
        if line.indicator in declared and declared[line.indicator].kind == "indicator"
    }
    results: Any = None
    failure = ""
    if wanted:
        from chikuden.api import evaluate, load_scenario
        from chikuden.errors import ChikudenError

        chosen = load_scenario(scenario)  # an unknown scenario is the user's error: raise it
        try:
            results = evaluate(chosen)
        except ChikudenError:
            raise
        except Exception as exc:  # a model bug must not stop the annual review; say so
            failure = f"no model projection: the model failed ({type(exc).__name__}: {exc})"
    for line in lines:
        if not line.indicator:
            line.projection_note = "no model projection: no model indicator is linked"
            continue
        if failure and line.indicator in wanted:
            line.projection_note = failure
            continue
        decl = declared.get(line.indicator)
        if decl is None or decl.kind != "indicator" or line.indicator not in results.indicators:
            line.projection_note = (
                f"no model projection: {line.indicator} is not an output of the model yet"
            )
            continue
        f = factor(decl.unit, line.unit)
        if f is None:
            line.projection_note = (
                f"no model projection: {line.indicator} is in {decl.unit}, the KPI in {line.unit}"
            )
            continue
        value = results.value(line.indicator) * f
        if not np.isfinite(value):
            line.projection_note = f"no model projection: {line.indicator} is not defined"
            continue
        line.projection = float(value)
        line.projection_note = f"{line.indicator}, scenario {scenario}"


def overdue_milestones(session: Session, as_of: dt.date) -> list[Overdue]:
    """Milestones still open on ``as_of`` whose due date has passed."""
    rows = session.execute(
        select(Milestone, Pillar.code)
        .join(Pillar)
        .where(Milestone.status == "open", Milestone.due.is_not(None), Milestone.due < as_of)
        .order_by(Milestone.due, Milestone.code)
    )
    out = []
    for m, pillar_code in rows:
        assert m.due is not None
        out.append(
            Overdue(
                milestone_id=m.id,
                code=m.code,
                pillar=pillar_code,
                title_en=m.title_en,
                title_ja=m.title_ja,
                due=m.due,
                days_overdue=(as_of - m.due).days,
                source=m.source,
            )
        )
    return out


def store(session: Session, result: ReviewResult) -> int:
    """Save the review and its lines; returns the review's id."""
    review = Review(
        year=result.year,
        revision_id=result.revision_id,
        scenario=result.scenario,
        on_track=result.thresholds.on_track,
        at_risk=result.thresholds.at_risk,
        as_of=result.as_of,
        created_at=utcnow(),
        created_by=str(session.info.get("user", "unknown")),
    )
    session.add(review)
    session.flush()
    items = [
        {
            "review_id": review.id,
            "kpi_id": line.kpi_id,
            "status": line.status,
            "baseline_value": line.baseline.value if line.baseline else None,
            "actual_year": line.actual.year if line.actual else None,
            "actual_value": line.actual.value if line.actual else None,
            "expected_value": line.expected,
            "ratio": line.ratio,
            "target_year": line.final_target.year if line.final_target else None,
            "target_value": line.final_target.value if line.final_target else None,
            "projection": line.projection,
            "projection_note": line.projection_note[:300],
        }
        for line in result.lines
    ]
    if items:
        session.execute(insert(ReviewItem), items)
    overdue = [
        {"review_id": review.id, "milestone_id": o.milestone_id, "due": o.due}
        | {"days_overdue": o.days_overdue}
        for o in result.overdue
    ]
    if overdue:
        session.execute(insert(ReviewMilestone), overdue)
    result.review_id = review.id
    result.created_at = review.created_at
    result.created_by = review.created_by
    return review.id


def stored_reviews(session: Session) -> list[tuple[Review, dict[str, int]]]:
    """Every stored review with its count of KPIs per status."""
    out = []
    for review in session.scalars(select(Review).order_by(Review.id)):
        counts: dict[str, int] = {}
        for (status,) in session.execute(
            select(ReviewItem.status).where(ReviewItem.review_id == review.id)
        ):
            counts[status] = counts.get(status, 0) + 1
        out.append((review, counts))
    return out
