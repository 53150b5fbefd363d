"""`chikuden roadmap ...`: the 工程表 ledger (P12) — targets, actuals, annual review and revision.

A new user::

    chikuden roadmap init                      # a ledger with the proposal's targets and actuals
    chikuden roadmap template actuals.xlsx     # fill it in with Excel
    chikuden roadmap import actuals.xlsx       # all rows or none
    chikuden roadmap review --year 2025        # statuses, stored, and the report (en + ja)

The ledger is a SQLite file in the user's data folder unless ``--db URL`` (or ``CHIKUDEN_DB``)
names another, e.g. ``postgresql://user@host/ledger`` for a shared server. Every change is
audited under ``--user`` (default: the OS user). ``--db`` and ``--user`` go before or after the
command (``roadmap --db X init`` = ``roadmap init --db X``). Bad input, a mistyped option
included, prints one line ``error: ...`` and exits with code 2, changing nothing.

Only typer is imported at module level; the ledger's modules load inside the commands.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chikuden.commands.common import OneLineGroup

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from chikuden.roadmap.db import Ledger


app = typer.Typer(
    cls=OneLineGroup,
    no_args_is_help=True,
    help="The roadmap (工程表) ledger: targets, actuals, annual review and revision (P12).",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
actual_app = typer.Typer(
    cls=OneLineGroup, no_args_is_help=True, help="Actuals: what a KPI was in a year."
)
target_app = typer.Typer(
    cls=OneLineGroup, no_args_is_help=True, help="Targets of the open revision."
)
milestone_app = typer.Typer(
    cls=OneLineGroup, no_args_is_help=True, help="Milestones: due dates and status."
)
app.add_typer(actual_app, name="actual")
app.add_typer(target_app, name="target")
app.add_typer(milestone_app, name="milestone")

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Ledger database: a file path, sqlite:///PATH or postgresql://USER@HOST/NAME "
        "(default: $CHIKUDEN_DB, else roadmap.sqlite in the user data folder).",
        metavar="URL",
    ),
]
UserOpt = Annotated[
    str | None,
    typer.Option(
        "--user", help="Who makes the change (audit log); default: the OS user.", metavar="NAME"
    ),
]
VersionOpt = Annotated[
    int | None,
    typer.Option(
        "--version",
        help="The version of the record you read (shown by the list commands); a change made "
        "since then is a conflict and nothing is saved.",
    ),
]
SourceOpt = Annotated[
    str, typer.Option("--source", help="Where the figure comes from: a source key or a citation.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.callback()
def _options(ctx: typer.Context, db: DbOpt = None, user: UserOpt = None) -> None:
    ctx.obj = {"db": db, "user": user}


def _accepts_group_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command`` with ``--db`` and ``--user`` of its own, so that they may follow the
    command name as well as precede it; given in both places, they must agree."""
    signature = inspect.signature(command, eval_str=True)
    extra = [
        inspect.Parameter("db_", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=DbOpt),
        inspect.Parameter(
            "user_", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=UserOpt
        ),
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, db_: str | None = None, user_: str | None = None, **kwargs: Any) -> Any:
        ctx = kwargs.get("ctx") or args[0]
        with _errors():
            _merge_group_options(ctx, db=db_, user=user_)
        return command(*args, **kwargs)

    parameters = [*signature.parameters.values(), *extra]
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper


def _merge_group_options(ctx: typer.Context, **given: str | None) -> None:
    from chikuden.roadmap.errors import LedgerError

    if ctx.obj is None:
        ctx.obj = {}
    for name, value in given.items():
        if value is None:
            continue
        before = ctx.obj.get(name)
        if before is not None and before != value:
            raise LedgerError(
                f"--{name}: given twice, {before!r} before the command and {value!r} after it; "
                "give it once"
            )
        ctx.obj[name] = value


# -- helpers ------------------------------------------------------------------------------------
@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """A :class:`ChikudenError` becomes ``error: ...`` on stderr (one line per problem) and
    exit code 2."""
    from chikuden.errors import ChikudenError

    try:
        yield
    except ChikudenError as exc:
        for line in str(exc).splitlines():
            typer.echo(
                f"error: {line}" if line and not line.startswith("row ") else f"  {line}", err=True
            )
        raise typer.Exit(code=2) from None


@contextlib.contextmanager
def _ledger(ctx: typer.Context, create: bool = False) -> Iterator[Ledger]:
    from chikuden.roadmap.db import Ledger

    opts = ctx.obj or {}
    ledger = Ledger.open(opts.get("db"), opts.get("user"), create=create)
    try:
        yield ledger
    finally:
        ledger.close()


@contextlib.contextmanager
def _session(ctx: typer.Context) -> Iterator[Session]:
    """One transaction on the ledger, inside the error handler."""
    with _errors(), _ledger(ctx) as ledger, ledger.transaction() as session:
        yield session


def _table(headers: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> None:
    from chikuden.commands.tables import text_table

    typer.echo(text_table(headers, rows, right=right))


def _num(value: float | None, unit: str = "") -> str:
    """A value as readers expect it: ``¥1.1 trillion``, ``68,000 connectors``, ``1.6%``."""
    from chikuden.roadmap.report import fmt

    return fmt(value, unit, "en")


# -- the ledger as a whole ----------------------------------------------------------------------
@app.command()
def init(
    ctx: typer.Context,
    empty: Annotated[
        bool, typer.Option("--empty", help="Create the tables only, without the seed content.")
    ] = False,
) -> None:
    """Create a ledger with the proposal's and METI's targets and the actuals of 2021-2025."""
    from chikuden.roadmap.db import redacted
    from chikuden.roadmap.seed import seed

    with _errors(), _ledger(ctx, create=True) as ledger:
        counts: dict[str, int] = {}
        if not empty:
            with ledger.transaction() as session:
                counts = seed(session)
        url = redacted(ledger.url)
    typer.echo(f"ledger: {url}")
    for kind, n in counts.items():
        typer.echo(f"  {kind}: {n}")


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Upgrade the ledger's tables to this version of chikuden."""
    from chikuden.roadmap.db import head_revision, redacted

    with _errors(), _ledger(ctx, create=True) as ledger:
        typer.echo(f"ledger: {redacted(ledger.url)} at schema {head_revision()}")


@app.command()
def kpis(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """The KPIs: key, pillar, unit, direction, baseline year, latest actual, model link."""
    from sqlalchemy import select

    from chikuden.roadmap.models import Actual, Kpi, Pillar

    with _session(ctx) as session:
        latest: dict[int, tuple[int, float]] = {}
        for kpi_id, year, value in session.execute(
            select(Actual.kpi_id, Actual.year, Actual.value).order_by(Actual.year)
        ):
            latest[kpi_id] = (year, value)
        rows = session.execute(select(Kpi, Pillar.code).join(Pillar).order_by(Pillar.id, Kpi.key))
        entries: list[dict[str, Any]] = [
            {
                "kpi": k.key,
                "pillar": code,
                "label_en": k.label_en,
                "label_ja": k.label_ja,
                "unit": k.unit,
                "direction": k.direction,
                "baseline_year": k.baseline_year,
                "latest_year": latest.get(k.id, (None, None))[0],
                "latest_value": latest.get(k.id, (None, None))[1],
                "indicator": k.indicator,
                "version": k.version,
            }
            for k, code in rows
        ]
    if json_:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    _table(
        ["kpi", "pillar", "unit", "dir", "base", "latest", "indicator"],
        [
            [
                e["kpi"],
                e["pillar"],
                e["unit"],
                "↑" if e["direction"] == "increase" else "↓",
                str(e["baseline_year"]),
                f"{e['latest_year']}: {_num(e['latest_value'], e['unit'])}"
                if e["latest_year"]
                else "—",
                e["indicator"] or "",
            ]
            for e in entries
        ],
    )


# -- actuals ------------------------------------------------------------------------------------
@actual_app.command("add")
def actual_add(
    ctx: typer.Context,
    kpi: Annotated[str, typer.Argument(help="KPI key (see `chikuden roadmap kpis`).")],
    year: Annotated[int, typer.Argument(help="The year the figure describes.")],
    value: Annotated[str, typer.Argument(help="The value (a plain number).")],
    source: SourceOpt,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Unit of VALUE (default: the KPI's).")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="A note (e.g. a confidence tag).")] = "",
) -> None:
    """Record what a KPI was in a year."""
    from chikuden.roadmap import ledger

    with _session(ctx) as session:
        record = ledger.add_actual(session, kpi, year, value, source, unit=unit, note=note)
        shown = _num(record.value, ledger.kpi(session, kpi).unit)
        text = f"added {kpi} {record.year}: {shown} (version {record.version})"
    typer.echo(text)


@actual_app.command("set")
def actual_set(
    ctx: typer.Context,
    kpi: Annotated[str, typer.Argument(help="KPI key.")],
    year: Annotated[int, typer.Argument(help="Year of the actual to correct.")],
    version: VersionOpt = None,
    value: Annotated[str | None, typer.Option("--value", help="The corrected value.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Unit of --value.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="The corrected source.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="The corrected note.")] = None,
) -> None:
    """Correct an actual (needs --version: the version you read)."""
    from chikuden.roadmap import ledger

    with _session(ctx) as session:
        record = ledger.update_actual(
            session, kpi, year, version, value=value, unit=unit, source=source, note=note
        )
        shown = _num(record.value, ledger.kpi(session, kpi).unit)
        text = f"updated {kpi} {year}: {shown} (version {record.version})"
    typer.echo(text)


@actual_app.command("remove")
def actual_remove(
    ctx: typer.Context,
    kpi: Annotated[str, typer.Argument(help="KPI key.")],
    year: Annotated[int, typer.Argument(help="Year of the actual to remove.")],
    version: Annotated[int, typer.Option("--version", help="The version you read.")],
) -> None:
    """Remove an actual entered by mistake (the audit log keeps it)."""
    from chikuden.roadmap import ledger

    with _session(ctx) as session:
        ledger.delete_actual(session, kpi, year, version)
    typer.echo(f"removed {kpi} {year}")


@actual_app.command("list")
def actual_list(
    ctx: typer.Context,
    kpi: Annotated[str | None, typer.Argument(help="Only this KPI.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Actuals with source, who entered them, when, and their version."""
    from sqlalchemy import select

    from chikuden.roadmap import ledger
    from chikuden.roadmap.models import Actual, Kpi

    with _session(ctx) as session:
        query = select(Actual, Kpi.key, Kpi.unit).join(Kpi).order_by(Kpi.key, Actual.year)
        if kpi is not None:
            query = query.where(Actual.kpi_id == ledger.kpi(session, kpi).id)
        entries: list[dict[str, Any]] = [
            {
                "kpi": key,
                "year": a.year,
                "value": a.value,
                "unit": unit,
                "source": a.source,
                "note": a.note,
                "entered_by": a.entered_by,
                "entered_at": a.entered_at.isoformat(timespec="seconds"),
                "version": a.version,
            }
            for a, key, unit in session.execute(query)
        ]
    if json_:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    _table(
        ["kpi", "year", "value", "source", "by", "at", "version"],
        [
            [
                e["kpi"],
                str(e["year"]),
                _num(e["value"], e["unit"]),
                e["source"],
                e["entered_by"],
                e["entered_at"],
                str(e["version"]),
            ]
            for e in entries
        ],
        right=(2, 6),
    )


# -- targets and revisions ---------------------------------------------------------------------
@target_app.command("set")
def target_set(
    ctx: typer.Context,
    kpi: Annotated[str, typer.Argument(help="KPI key.")],
    year: Annotated[int, typer.Argument(help="Target year.")],
    value: Annotated[str, typer.Argument(help="Target value.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the target is set or changed.")],
    source: SourceOpt,
    unit: Annotated[str | None, typer.Option("--unit", help="Unit of VALUE.")] = None,
    version: VersionOpt = None,
) -> None:
    """Set a target in the open revision; the change log keeps old value, new value and reason."""
    from chikuden.roadmap import ledger

    with _session(ctx) as session:
        record = ledger.set_target(
            session, kpi, year, value, reason=reason, source=source, unit=unit, version=version
        )
        shown = _num(record.value, ledger.kpi(session, kpi).unit)
        text = f"target {kpi} {year}: {shown} (version {record.version})"
    typer.echo(text)


@target_app.command("remove")
def target_remove(
    ctx: typer.Context,
    kpi: Annotated[str, typer.Argument(help="KPI key.")],
    year: Annotated[int, typer.Argument(help="Target year.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the target is dropped.")],
    version: Annotated[int, typer.Option("--version", help="The version you read.")],
) -> None:
    """Remove a target from the open revision (logged with its reason)."""
    from chikuden.roadmap import ledger

    with _session(ctx) as session:
        ledger.remove_target(session, kpi, year, reason, version)
    typer.echo(f"removed the {year} target of {kpi}")


@app.command()
def targets(
    ctx: typer.Context,
    revision: Annotated[
        int | None, typer.Option("--revision", help="Revision year (default: the latest).")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Targets of a revision, with their source and version."""
    from sqlalchemy import select

    from chikuden.roadmap import ledger, revisions
    from chikuden.roadmap.errors import LedgerError
    from chikuden.roadmap.models import Kpi, Target

    with _session(ctx) as session:
        rev = ledger.revision(session, revision) if revision else revisions.latest(session)
        if rev is None:
            raise LedgerError("revision: the ledger has no revision yet")
        entries: list[dict[str, Any]] = [
            {
                "kpi": key,
                "year": t.year,
                "value": t.value,
                "unit": unit,
                "source": t.source,
                "version": t.version,
            }
            for t, key, unit in session.execute(
                select(Target, Kpi.key, Kpi.unit)
                .join(Kpi)
                .where(Target.revision_id == rev.id)
                .order_by(Kpi.key, Target.year)
            )
        ]
        head = f"revision {rev.year} ({rev.state})"
    if json_:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    typer.echo(head)
    _table(
        ["kpi", "year", "value", "source", "version"],
        [
            [e["kpi"], str(e["year"]), _num(e["value"], e["unit"]), e["source"], str(e["version"])]
            for e in entries
        ],
        right=(2, 4),
    )


@app.command()
def revise(
    ctx: typer.Context,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Year of the new revision (default: the latest + 1)."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="What this revision is about.")] = "",
    changes: Annotated[
        Path | None,
        typer.Option(
            "--changes",
            help="Target changes to apply (.xlsx sheet 'changes' or .csv: kpi, year, value, "
            "unit, reason, source, note; a blank value removes the target).",
        ),
    ] = None,
) -> None:
    """Open the next annual revision: close the open one, copy the targets, apply changes."""
    from chikuden.roadmap import exchange, revisions

    with _session(ctx) as session:
        wanted = exchange.read_changes(session, changes) if changes else []
        rev = revisions.open_next(session, year, note, wanted)
        text = f"opened revision {rev.year}; {len(wanted)} target change(s) applied"
    typer.echo(text)


@app.command()
def publish(ctx: typer.Context) -> None:
    """Close the open revision: its targets are frozen."""
    from chikuden.roadmap import revisions

    with _session(ctx) as session:
        rev = revisions.publish(session)
        text = f"published revision {rev.year}"
    typer.echo(text)


@app.command("revisions")
def revisions_list(ctx: typer.Context) -> None:
    """The revisions: year, state, who opened and closed them, number of changes."""
    from sqlalchemy import func, select

    from chikuden.roadmap import ledger
    from chikuden.roadmap.models import RevisionChange

    with _session(ctx) as session:
        counts = {
            rev_id: n
            for rev_id, n in session.execute(
                select(RevisionChange.revision_id, func.count()).group_by(
                    RevisionChange.revision_id
                )
            )
        }
        rows = [
            [
                str(r.year),
                r.state,
                f"{r.opened_by} {r.opened_at:%Y-%m-%d}",
                f"{r.closed_by} {r.closed_at:%Y-%m-%d}" if r.closed_at else "",
                str(counts.get(r.id, 0)),
                r.note,
            ]
            for r in ledger.revisions(session)
        ]
    _table(["revision", "state", "opened", "closed", "changes", "note"], rows, right=(4,))


@app.command()
def diff(
    ctx: typer.Context,
    rev_a: Annotated[int, typer.Argument(help="Revision year to compare from.", metavar="REV_A")],
    rev_b: Annotated[int, typer.Argument(help="Revision year to compare to.", metavar="REV_B")],
    json_: JsonOpt = False,
) -> None:
    """What changed between two revisions: targets added, changed, removed, and why."""
    from chikuden.roadmap import revisions

    with _session(ctx) as session:
        lines = revisions.diff(session, rev_a, rev_b)
    if json_:
        doc = [
            {
                "kpi": d.kpi,
                "year": d.year,
                "unit": d.unit,
                "change": d.kind,
                "from": d.old,
                "to": d.new,
                "reasons": list(d.reasons),
            }
            for d in lines
        ]
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if not lines:
        typer.echo(f"no target differs between revisions {rev_a} and {rev_b}")
        return
    _table(
        ["kpi", "year", "change", "from", "to", "why"],
        [
            [
                d.kpi,
                str(d.year),
                d.kind,
                _num(d.old, d.unit),
                _num(d.new, d.unit),
                " | ".join(d.reasons) or "(no reason logged)",
            ]
            for d in lines
        ],
    )


# -- milestones and measures -------------------------------------------------------------------
@app.command()
def milestones(ctx: typer.Context) -> None:
    """The milestones: due date, status, done date and version."""
    from sqlalchemy import select

    from chikuden.roadmap.models import Milestone, Pillar

    with _session(ctx) as session:
        rows = [
            [
                m.code,
                code,
                m.title_en,
                m.due.isoformat() if m.due else "",
                m.status,
                m.done_on.isoformat() if m.done_on else "",
                str(m.version),
            ]
            for m, code in session.execute(
                select(Milestone, Pillar.code).join(Pillar).order_by(Pillar.id, Milestone.code)
            )
        ]
    _table(["code", "pillar", "milestone", "due", "status", "done", "version"], rows)


@milestone_app.command("set")
def milestone_set(
    ctx: typer.Context,
    code: Annotated[
        str, typer.Argument(help="Milestone code (see `chikuden roadmap milestones`).")
    ],
    version: Annotated[int, typer.Option("--version", help="The version you read.")],
    status: Annotated[str | None, typer.Option("--status", help="open, done or dropped.")] = None,
    done_on: Annotated[str | None, typer.Option("--done-on", help="YYYY-MM-DD.")] = None,
    evidence: Annotated[str | None, typer.Option("--evidence", help="What shows it.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="New due date, YYYY-MM-DD.")] = None,
) -> None:
    """Change a milestone's status, done date, evidence or due date."""
    from chikuden.roadmap import ledger

    with _session(ctx) as session:
        m = ledger.update_milestone(session, code, version, status, done_on, evidence, due)
        text = f"milestone {m.code}: {m.status} (version {m.version})"
    typer.echo(text)


@app.command()
def measures(ctx: typer.Context) -> None:
    """The measures: owner, fiscal year, budget and status."""
    from sqlalchemy import select

    from chikuden.roadmap.models import Measure, Pillar

    with _session(ctx) as session:
        rows = [
            [
                m.code,
                code,
                m.title_en,
                m.owner,
                str(m.fiscal_year or ""),
                _num(m.budget_jpy, "JPY"),
                m.status,
            ]
            for m, code in session.execute(
                select(Measure, Pillar.code).join(Pillar).order_by(Pillar.id, Measure.code)
            )
        ]
    _table(["code", "pillar", "measure", "owner", "FY", "budget", "status"], rows, right=(5,))


# -- review --------------------------------------------------------------------------------------
@app.command()
def review(
    ctx: typer.Context,
    year: Annotated[int, typer.Option("--year", help="The year to verify, e.g. 2025.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the report (English and Japanese).")
    ] = Path("out/roadmap"),
    revision: Annotated[
        int | None,
        typer.Option("--revision", help="Targets of this revision (default: the one in force)."),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Model scenario of the projections (default: setting)."),
    ] = None,
    on_track: Annotated[
        float | None, typer.Option("--on-track", help="Ratio from which a KPI is on track.")
    ] = None,
    at_risk: Annotated[
        float | None, typer.Option("--at-risk", help="Ratio from which a KPI is at risk.")
    ] = None,
) -> None:
    """The annual verification: status of every KPI, 2030 projections, overdue milestones.

    The review is stored in the ledger and written as OUT/roadmap-review-YEAR.{en,ja}.html.
    """
    from chikuden.roadmap import ledger as ledger_ops
    from chikuden.roadmap import report
    from chikuden.roadmap import review as review_ops
    from chikuden.roadmap.status import Thresholds

    with _session(ctx) as session:
        thresholds = None
        if on_track is not None or at_risk is not None:
            stored = ledger_ops.settings(session)
            thresholds = Thresholds(
                on_track if on_track is not None else stored.on_track,
                at_risk if at_risk is not None else stored.at_risk,
            )
        result = review_ops.compute(session, year, revision, thresholds, scenario)
        review_ops.store(session, result)
        files = report.write(session, result, out)
    labels = {"on_track": "on track", "at_risk": "AT RISK", "off_track": "OFF TRACK"}
    labels |= {"no_data": "no data", "no_target": "no target"}
    typer.echo(
        f"review {result.year} (#{result.review_id}) against revision {result.revision_year}, "
        f"scenario {result.scenario}"
    )
    for line in result.lines:
        detail = ""
        if line.actual is not None and line.expected is not None:
            detail = (
                f": {_num(line.actual.value, line.unit)} in {line.actual.year} vs "
                f"{_num(line.expected, line.unit)} expected (ratio {line.ratio:.2f})"
            )
        typer.echo(f"  {labels[line.status]:<10} {line.key}{detail}")
    for o in result.overdue:
        typer.echo(f"  overdue    {o.code}: due {o.due}, {o.days_overdue} days")
    for path in files:
        typer.echo(f"wrote {path}")


@app.command()
def reviews(ctx: typer.Context) -> None:
    """The stored reviews with their counts per status."""
    from chikuden.roadmap import review as review_ops

    with _session(ctx) as session:
        rows = [
            [
                str(r.id),
                str(r.year),
                r.scenario,
                f"{r.created_by} {r.created_at:%Y-%m-%d %H:%M}",
                ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
            ]
            for r, counts in review_ops.stored_reviews(session)
        ]
    _table(["id", "year", "scenario", "made", "statuses"], rows)


# -- exchange with Excel, backup ---------------------------------------------------------------
@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Actuals: .xlsx (sheet 'actuals') or .csv.")],
) -> None:
    """Import actuals: every row is checked first; one bad row and nothing is imported."""
    from chikuden.roadmap import exchange

    with _session(ctx) as session:
        result = exchange.import_actuals(session, file)
    typer.echo(f"imported {result.imported} actual(s) from {file.name}")
    if result.skipped_blank:
        typer.echo(f"  {result.skipped_blank} template row(s) left blank were skipped")


@app.command()
def template(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The .xlsx file to write.")],
    year: Annotated[
        int | None, typer.Option("--year", help="Year to pre-fill (default: last year).")
    ] = None,
) -> None:
    """Write a fill-in workbook for actuals (one row per KPI)."""
    from chikuden.roadmap import exchange, ledger

    with _session(ctx) as session:
        if year is not None:
            ledger.check_year(year, "--year")
        n = exchange.export_template(session, file, year)
    typer.echo(f"wrote {file} ({n} KPIs)")


@app.command()
def export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The .xlsx file to write.")],
) -> None:
    """Export the whole ledger to a workbook, one sheet per table."""
    from chikuden.roadmap import exchange

    with _session(ctx) as session:
        exchange.export_ledger(session, file)
    typer.echo(f"wrote {file}")


@app.command()
def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The JSON file to write.")],
) -> None:
    """Back up the whole ledger (every table and row) to a JSON file."""
    from chikuden.roadmap import backup as backup_ops

    with _session(ctx) as session:
        doc = backup_ops.dump(session)
    with _errors():
        backup_ops.write(doc, file)
    rows = sum(len(t["rows"]) for t in doc["tables"].values())
    typer.echo(f"wrote {file} ({rows} rows)")


@app.command()
def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup written by `chikuden roadmap backup`.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Empty a ledger that holds data before restoring.")
    ] = False,
) -> None:
    """Restore a backup into an empty ledger (created if needed), in one transaction.

    The backup is read and checked row by row first; a restore that fails leaves no new
    ledger file behind."""
    from chikuden.roadmap import backup as backup_ops
    from chikuden.roadmap.db import resolve_url, sqlite_path

    with _errors():
        doc = backup_ops.read(file)
        path = sqlite_path(resolve_url((ctx.obj or {}).get("db")))
        new = [] if path is None else [p for p in (path, *path.parents) if not p.exists()]
        try:
            with _ledger(ctx, create=True) as ledger, ledger.transaction() as session:
                rows = backup_ops.restore(session, doc, replace=replace)
        except BaseException:
            for created in new:  # the new ledger file, then the folders made for it
                with contextlib.suppress(OSError):
                    created.unlink() if created == path else created.rmdir()
            raise
    typer.echo(f"restored {rows} rows from {file}")


# -- settings and audit -------------------------------------------------------------------------
@app.command()
def settings(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="Setting to change.")] = None,
    value: Annotated[str | None, typer.Argument(help="Its new value.")] = None,
    version: VersionOpt = None,
) -> None:
    """Show the settings, or change one: on_track, at_risk (thresholds), scenario."""
    from sqlalchemy import select

    from chikuden.roadmap import ledger
    from chikuden.roadmap.errors import LedgerError
    from chikuden.roadmap.models import Setting

    with _session(ctx) as session:
        if key is not None:
            if value is None:
                raise LedgerError(f"settings: give a value for {key}")
            ledger.set_setting(session, key, value, version)
        stored = {s.key: s for s in session.scalars(select(Setting))}
        rows = [
            [
                name,
                stored[name].value if name in stored else default,
                str(stored[name].version) if name in stored else "",
                ledger.SETTING_HELP[name],
            ]
            for name, default in ledger.DEFAULT_SETTINGS.items()
        ]
    _table(["setting", "value", "version", "meaning"], rows)


@app.command()
def audit(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Option("--table", help="Only this table.")] = None,
    record: Annotated[str | None, typer.Option("--record", help="Only this record id.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="The newest N entries.")] = 50,
) -> None:
    """The audit log: who changed what and when, with old and new values."""
    from sqlalchemy import select

    from chikuden.roadmap.errors import LedgerError
    from chikuden.roadmap.ledger import check_text
    from chikuden.roadmap.models import AuditLog

    with _session(ctx) as session:
        if not 1 <= limit <= 1_000_000:
            raise LedgerError(f"--limit: {limit}; give a number of entries from 1 to 1,000,000")
        table = check_text(table, "--table", required=False, limit=40) or None
        record = check_text(record, "--record", required=False, limit=80) or None
        query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
        if table:
            query = query.where(AuditLog.table_name == table)
        if record:
            query = query.where(AuditLog.record_id == record)
        rows = [
            [
                f"{a.at:%Y-%m-%d %H:%M:%S}",
                a.who,
                a.action,
                f"{a.table_name}/{a.record_id}",
                a.field or "",
                _short(a.old),
                _short(a.new),
            ]
            for a in session.scalars(query)
        ]
    _table(["at (UTC)", "who", "action", "record", "field", "old", "new"], rows[::-1])


def _short(text: Any, width: int = 60) -> str:
    if text is None:
        return ""
    shown = str(text)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


for _group in (app, actual_app, target_app, milestone_app):
    for _info in _group.registered_commands:
        assert _info.callback is not None
        _info.callback = _accepts_group_options(_info.callback)
