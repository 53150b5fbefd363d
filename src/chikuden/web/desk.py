"""The roadmap desk: the ledger (:mod:`chikuden.roadmap`) in the browser, and its JSON write API.

Pages under ``/roadmap`` (server-rendered, templates in ``web/templates/desk``):

- ``/roadmap?year=Y``: the KPI status board by pillar (:func:`chikuden.roadmap.review.compute`,
  the function behind ``chikuden roadmap review``) and the milestone timeline;
- ``/roadmap/kpi/{key}``: targets per revision, actuals with their sources and versions, the
  path to 2030; editors get the form to enter or correct an actual;
- ``/roadmap/milestones``: milestones with the form to change one (editors);
- ``/roadmap/review/{year}``: the annual review report (:func:`chikuden.roadmap.report.render`,
  the report ``chikuden roadmap review`` writes; not stored);
- ``/roadmap/audit``: the audit log, filtered by user, table and date;
- ``/roadmap/users``: the users (admins only).

The JSON API under ``/api/roadmap``: ``GET/POST /api/roadmap/actuals``,
``PUT /api/roadmap/actuals/{kpi}/{year}``, ``PATCH /api/roadmap/milestones/{code}``; a script
signs in with ``Authorization: Bearer ckd_...``, a page sends its session cookie and the
``X-CSRF-Token`` header.

Every write needs an editor (:func:`chikuden.web.auth.require_role`; CSRF for a cookie) and is
written by the ledger's functions in a transaction audited under the web user's name. A change
names the version the user read: a stale one is a conflict (409; the page shows the value the
user sent next to the one stored), never a lost update. A refused write (bad value, conflict)
changes nothing and is written to the audit log as ``action`` ``rejected``.

Without a secret key (no :mod:`chikuden.web.auth`) the desk is read-only: writes answer 403
saying how to set one.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import defaultdict
from typing import Any, Literal

import jinja2
import markupsafe
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import insert, select
from starlette.concurrency import run_in_threadpool

from chikuden.accounts.errors import AuthenticationError
from chikuden.accounts.users import transaction
from chikuden.charting import to_script_json
from chikuden.errors import N_, Msg, localized
from chikuden.i18n import LANGS, pick, templates
from chikuden.reading import CONTROL_RE, escape_controls
from chikuden.roadmap import ledger as ops
from chikuden.roadmap.changelog import encode
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import ConflictError, LedgerError
from chikuden.roadmap.models import Actual, AuditLog, Kpi, Milestone, Pillar, Revision, Target
from chikuden.web import auth
from chikuden.web.auth import Identity
from chikuden.web.errors import ErrorBody, request_lang

STATUSES = ("on_track", "at_risk", "off_track", "no_data", "no_target")
AUDIT_PAGE = 200
"""Audit rows shown per page (assumption: a screenful a person reads)."""


class DeskError(Exception):
    """A refused desk request: ``status`` and a one-line message (English ``str()``; a
    :class:`~chikuden.errors.Msg` or :class:`~chikuden.errors.ChikudenError` reads in the
    request's language through :meth:`localized`)."""

    def __init__(self, status: int, message: str | Msg | Exception) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = message

    def localized(self, lang: str) -> str:
        """The message in ``lang``."""
        return said(self.message, lang)


def said(refusal: object, lang: str) -> str:
    """A refusal's message in ``lang``: a :class:`DeskError`'s, a ``ChikudenError``'s or a
    ``Msg``'s translated, anything else as ``str()`` gives it."""
    if isinstance(refusal, DeskError):
        return refusal.localized(lang)
    return localized(refusal, lang)


# -- plumbing -------------------------------------------------------------------------------------
def _ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.chikuden.store.ledger()
    return ledger


def _auth_on(request: Request) -> bool:
    return isinstance(getattr(request.app.state, "chikuden_auth", None), auth.AuthState)


def _no_secret() -> DeskError:
    return DeskError(
        403,
        N_(
            "desk: this server has no secret key, so nobody can sign in and the desk is "
            "read-only; set CHIKUDEN_SECRET_KEY (32+ random characters) and restart"
        ),
    )


def desk_reader(request: Request) -> Identity | None:
    """Anyone when reading is open, else a signed-in user (401 otherwise)."""
    if not _auth_on(request):
        if request.app.state.chikuden.settings.open_read:
            return None
        raise _no_secret()
    return auth.reader(request)


_EDITOR = auth.require_role("editor")
_ADMIN = auth.require_role("admin")


async def _writer(request: Request) -> Identity:
    """The signed-in user of a write; a write without one (no session, an expired or changed
    session, a bad token) is written to the audit log (``denied``, field ``sign-in``) before
    it is refused (401)."""
    try:
        return auth.current_user(request)
    except AuthenticationError as exc:
        if request.method not in auth.SAFE_METHODS:
            state: auth.AuthState = request.app.state.chikuden_auth
            await run_in_threadpool(
                auth.audit_refusal, state, "anonymous", request, "sign-in", str(exc)
            )
        raise


async def desk_editor(request: Request) -> Identity:
    """A signed-in editor or admin; CSRF checked for a cookie session."""
    if not _auth_on(request):
        raise _no_secret()
    return await _EDITOR(request, await _writer(request))


async def desk_admin(request: Request) -> Identity:
    """A signed-in admin; CSRF checked for a cookie session."""
    if not _auth_on(request):
        raise _no_secret()
    return await _ADMIN(request, await _writer(request))


def audit_rejected(ledger: Ledger, who: str, table: str, record: str, detail: str) -> None:
    """Write a refused write to the audit log (its own transaction; nothing else changes)."""
    with transaction(ledger, who) as s:
        s.connection().execute(insert(AuditLog), rejected_row(who, table, record, detail))


def rejected_row(who: str, table: str, record: str, detail: str) -> dict[str, Any]:
    """The audit row of a refused write. Control characters of the input are written as
    escapes: the log holds printable text (a backup holding them could not be restored)."""
    record, detail = escape_controls(record), escape_controls(detail)
    field = detail.split(":", 1)[0][:60] if ":" in detail[:60] else None
    return {
        "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "who": who,
        "action": "rejected",
        "table_name": table[:40],
        "record_id": record[:80],
        "field": field,
        "old": None,
        "new": encode({"detail": detail[:300]}),
    }


def _plain(raw: str, field: str) -> str:
    """``raw`` if it holds no control character, else a 400 (PostgreSQL cannot even compare
    text with a NUL in it; no key or name of the ledger holds one)."""
    if CONTROL_RE.search(raw):
        raise DeskError(
            400, N_("{field}: {value!r} holds control characters; give a key or name as the "
                    "ledger lists it", field=field, value=escape_controls(raw[:40])),
        )  # fmt: skip
    return raw


def _lang(request: Request) -> str:
    """The page's language: ``lang`` of the query string (a language chikuden lacks reads
    English)."""
    lang = request.query_params.get("lang", "en")
    return lang if lang in LANGS else "en"


def error_lang(request: Request) -> str:
    """The language of an error's message: a page's ``lang``; for the API, ``lang`` of the
    query string or of the JSON body (:func:`chikuden.web.errors.request_lang`)."""
    if request.url.path.startswith("/api/"):
        return request_lang(request)
    return _lang(request)


@functools.cache
def _env(lang: str) -> jinja2.Environment:
    """The desk's templates in ``lang`` (made once per language: compiling them is most of a
    small page's time)."""
    env = templates("chikuden.web", "templates/desk", lang)
    env.filters["num"] = _num
    env.globals["pick"] = pick
    env.filters["json"] = lambda doc: markupsafe.Markup(to_script_json(doc))
    return env


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.6g}"


def _csrf(request: Request, who: Identity | None) -> str:
    if who is None or who.session is None or not _auth_on(request):
        return ""
    state: auth.AuthState = request.app.state.chikuden_auth
    return state.signer.csrf_token(who.session)


def _page(
    request: Request,
    template: str,
    who: Identity | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = _lang(request)
    can_edit = who is not None and who.role in ("editor", "admin")
    text = (
        _env(lang)
        .get_template(template)
        .render(
            lang=lang,
            who=who,
            can_edit=can_edit,
            is_admin=who is not None and who.role == "admin",
            csrf=_csrf(request, who),
            auth_on=_auth_on(request),
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(text, status_code=status)


# -- reading --------------------------------------------------------------------------------------
def _this_year() -> int:
    return dt.date.today().year - 1  # the latest year with published actuals (assumption)


def board(ledger: Ledger, year: int) -> dict[str, Any]:
    """The board of ``year``: the review's lines grouped by pillar with counts per status, and
    the milestones by due date."""
    from chikuden.roadmap import review

    with ledger.reading() as s:
        result = review.compute(s, year, projections=False)
        pillars = {p.code: p for p in s.scalars(select(Pillar).order_by(Pillar.id))}
        titles = {code: (p.title_en, p.title_ja) for code, p in pillars.items()}
        milestones = [
            (m, code)
            for m, code in s.execute(
                select(Milestone, Pillar.code).join(Pillar).order_by(Milestone.due, Milestone.code)
            )
        ]
        timeline = [
            {
                "code": m.code,
                "pillar": code,
                "title_en": m.title_en,
                "title_ja": m.title_ja,
                "due": m.due,
                "status": m.status,
                "done_on": m.done_on,
                "overdue": m.status == "open" and m.due is not None and m.due < result.as_of,
            }
            for m, code in milestones
        ]
    groups: dict[str, list[Any]] = defaultdict(list)
    counts: dict[str, dict[str, int]] = {}
    for line in result.lines:
        groups[line.pillar].append(line)
        counts.setdefault(line.pillar, dict.fromkeys(STATUSES, 0))[line.status] += 1
    return {
        "result": result,
        "groups": dict(groups),
        "counts": counts,
        "titles": titles,
        "timeline": timeline,
    }


def kpi_detail(ledger: Ledger, key: str, lang: str = "en") -> dict[str, Any]:
    """A KPI's actuals, its targets per revision, and this year's review line of it (status,
    path to 2030 and the model's projection) with its chart (:func:`report.kpi_figure`)."""
    from chikuden.roadmap import report, review
    from chikuden.roadmap.status import trajectory

    with ledger.reading() as s:
        k = ops.kpi(s, key)
        result = review.compute(s, _this_year())
        line = next(x for x in result.lines if x.key == key)
        path: list[tuple[int, float]] = []
        if line.baseline is not None and line.targets:
            years = list(range(line.baseline.year, max(t.year for t in line.targets) + 1))
            values = trajectory(
                years,
                line.baseline.year,
                line.baseline.value,
                [t.year for t in line.targets],
                [t.value for t in line.targets],
            )
            path = list(zip(years, (float(v) for v in values), strict=True))
        actuals = list(s.scalars(select(Actual).where(Actual.kpi_id == k.id).order_by(Actual.year)))
        targets: dict[int, list[Target]] = defaultdict(list)
        revs = {r.id: r for r in s.scalars(select(Revision).order_by(Revision.year))}
        for t in s.scalars(
            select(Target).where(Target.kpi_id == k.id).order_by(Target.revision_id, Target.year)
        ):
            targets[t.revision_id].append(t)
        s.expunge_all()
    return {
        "kpi": k,
        "actuals": actuals,
        "revisions": [(revs[rid], ts) for rid, ts in targets.items()],
        "line": line,
        "review_year": result.year,
        "path_2030": path,
        "figure": report.kpi_figure(line, lang),
        "status_names": report.status_names(lang),
    }


# -- the routes -----------------------------------------------------------------------------------
router = APIRouter(include_in_schema=False)
"""The pages (HTML; not in the OpenAPI document)."""


class Detail(BaseModel):
    """A refused request: one line naming the field, the value and what to do."""

    detail: str = Field(
        description="One line: what is wrong and what to do, in the request's language "
        "(lang of the query string; English without it)"
    )


def _detail(description: str) -> dict[str, Any]:
    """A documented error answer: the desk's ``{"detail"}`` or, for a body the app's
    error handlers refuse first (malformed JSON, unknown route), ``{"error": {...}}``."""
    return {"model": Detail | ErrorBody, "description": description}


API_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _detail("A value the ledger refuses (unknown KPI, bad unit...): nothing changed"),
    401: _detail("Not signed in, or a bad API token"),
    403: _detail(
        "The role does not allow it, the CSRF token is missing or wrong, or the server has "
        "no secret key (the desk is read-only)"
    ),
    404: _detail("Unknown route"),
    409: _detail("Conflict: the record changed since the version given; nothing changed"),
    413: {"model": ErrorBody, "description": "Body over the size limit"},
    422: {"model": ErrorBody, "description": "A field with a value that is not allowed"},
}
api = APIRouter(prefix="/api/roadmap", tags=["roadmap"], responses=API_RESPONSES)


def _year(raw: str | None) -> int:
    if raw is None or raw == "":
        return _this_year()
    try:
        return ops.check_year(int(raw), "year")
    except ValueError:
        raise DeskError(
            400, N_("year: {value!r} is not a year; give e.g. 2025", value=raw[:20])
        ) from None


@router.get("/roadmap", response_class=HTMLResponse)
def board_page(
    request: Request, year: str | None = None, who: Identity | None = Depends(desk_reader)
) -> Response:
    from chikuden.roadmap.report import status_names

    y = _year(year)
    data = board(_ledger(request), y)
    names = status_names(_lang(request))
    return _page(request, "board.html.j2", who, year=y, status_names=names, **data)


@router.get("/roadmap/kpi/{key}", response_class=HTMLResponse)
def kpi_page(request: Request, key: str, who: Identity | None = Depends(desk_reader)) -> Response:
    try:
        data = kpi_detail(_ledger(request), _plain(key, "kpi"), _lang(request))
    except LedgerError as exc:
        raise DeskError(404, exc) from None
    saved = request.query_params.get("saved", "")
    return _page(request, "kpi.html.j2", who, saved=saved, form=None, error="", **data)


async def _form(request: Request, files: tuple[str, ...] = ()) -> dict[str, str]:
    """The text fields of the form (stripped); ``files``: the file fields, left out."""
    form = await request.form()
    out: dict[str, str] = {}
    for name, value in form.items():
        if name in files:
            continue
        if not isinstance(value, str) or len(value) > 10_000:
            raise DeskError(
                400, N_("{field}: not a text field of at most 10,000 characters", field=name)
            )
        out[name] = value.strip()
    return out


def _version(raw: str) -> int | None:
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise DeskError(
            400, N_("version: {value!r} is not a version number", value=raw[:20])
        ) from None


def _actual_doc(a: Actual | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "year": a.year,
        "value": a.value,
        "source": a.source,
        "note": a.note,
        "version": a.version,
        "entered_by": a.entered_by,
        "entered_at": a.entered_at.isoformat(timespec="seconds"),
    }


_ACTUAL_ROWS = (
    select(
        Kpi.key.label("kpi"),
        Actual.year,
        Actual.value,
        Actual.source,
        Actual.note,
        Actual.version,
        Actual.entered_by,
        Actual.entered_at,
    )
    .join(Kpi, Actual.kpi_id == Kpi.id)
    .order_by(Kpi.key, Actual.year)
)


def _stored_actual(ledger: Ledger, key: str, year: int) -> dict[str, Any] | None:
    with ledger.read_connection() as conn:
        found = conn.execute(_ACTUAL_ROWS.where(Kpi.key == key, Actual.year == year)).first()
    if found is None:
        return None
    doc = found._asdict()
    del doc["kpi"]
    doc["entered_at"] = found.entered_at.isoformat(timespec="seconds")
    return doc


def save_actual(
    ledger: Ledger,
    who: str,
    key: str,
    year: Any,
    version: int | None,
    value: Any,
    source: str | None,
    unit: str | None = None,
    note: str | None = "",
    create: bool | None = None,
) -> dict[str, Any]:
    """Add (``version`` None) or correct the actual of ``key`` in ``year`` as ``who``.
    Adding one that exists meanwhile is a :class:`ConflictError` too (someone else added it
    first)."""
    with transaction(ledger, who) as s:
        if version is None and create is not False:
            k = ops.kpi(s, key)
            y = ops.check_year(year)
            if s.scalar(select(Actual.id).where(Actual.kpi_id == k.id, Actual.year == y)):
                raise ConflictError(
                    N_(
                        "version: {kpi} has an actual for {year} already (someone added it "
                        "since you read the page); nothing was saved; compare and correct it",
                        kpi=key,
                        year=y,
                    )
                )
            record = ops.add_actual(s, key, y, value, source or "", unit, note or "")
        else:
            record = ops.update_actual(
                s, key, ops.check_year(year), version, value, unit, source, note
            )
        return _actual_doc(record) or {}


@router.post("/roadmap/kpi/{key}/actual", response_class=HTMLResponse)
async def actual_form(request: Request, key: str, who: Identity = Depends(desk_editor)) -> Response:
    ledger = _ledger(request)
    form = await _form(request)
    form.pop(auth.CSRF_FIELD, None)
    year_raw = form.get("year", "")
    try:
        version = _version(form.get("version", ""))
        await run_in_threadpool(
            save_actual,
            ledger,
            who.username,
            key,
            _int_or_raw(year_raw),
            version,
            form.get("value", ""),
            form.get("source", ""),
            form.get("unit") or None,
            form.get("note", ""),
        )
    except ConflictError as exc:
        await run_in_threadpool(audit_rejected, ledger, who.username, "actuals", key, str(exc))
        year = _int_or_raw(year_raw)
        stored = (
            await run_in_threadpool(_stored_actual, ledger, key, year)
            if isinstance(year, int)
            else None
        )
        return _page(
            request, "conflict.html.j2", who, 409, key=key, stored=stored,
            mine={k: form.get(k, "") for k in ("value", "source", "note", "version")},
            message=exc.localized(_lang(request)),
        )  # fmt: skip
    except (LedgerError, DeskError) as exc:
        await run_in_threadpool(audit_rejected, ledger, who.username, "actuals", key, str(exc))
        try:
            data = kpi_detail(ledger, key, _lang(request))
        except LedgerError:
            raise DeskError(404, exc) from None
        return _page(
            request, "kpi.html.j2", who, 400, saved="", error=said(exc, _lang(request)),
            form={k: form.get(k, "") for k in ("year", "value", "unit", "source", "note")},
            **data,
        )  # fmt: skip
    return RedirectResponse(
        f"/roadmap/kpi/{key}?saved={year_raw}&lang={_lang(request)}", status_code=303
    )


def _int_or_raw(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        return raw


def milestone_rows(ledger: Ledger) -> tuple[list[Any], list[str]]:
    """The milestones with their pillar's code, by due date; and the pillars' codes."""
    with ledger.reading() as s:
        rows = list(s.execute(select(Milestone, Pillar.code).join(Pillar).order_by(Milestone.due)))
        pillars = list(s.scalars(select(Pillar.code).order_by(Pillar.id)))
        s.expunge_all()
    return rows, pillars


@router.get("/roadmap/milestones", response_class=HTMLResponse)
def milestones_page(request: Request, who: Identity | None = Depends(desk_reader)) -> Response:
    rows, pillars = milestone_rows(_ledger(request))
    return _page(request, "milestones.html.j2", who, rows=rows, pillars=pillars, error="", new={})


@router.post("/roadmap/milestones/{code}", response_class=HTMLResponse)
async def milestone_form(
    request: Request, code: str, who: Identity = Depends(desk_editor)
) -> Response:
    ledger = _ledger(request)
    form = await _form(request)
    try:
        await run_in_threadpool(
            save_milestone,
            ledger,
            who.username,
            code,
            _version(form.get("version", "")),
            form.get("status") or None,
            form.get("done_on") or None,
            form.get("evidence"),
            form.get("due") or None,
        )
    except (LedgerError, DeskError) as exc:
        await run_in_threadpool(audit_rejected, ledger, who.username, "milestones", code, str(exc))
        status = 409 if isinstance(exc, ConflictError) else 400
        rows, pillars = await run_in_threadpool(milestone_rows, ledger)
        return _page(
            request, "milestones.html.j2", who, status, rows=rows, pillars=pillars,
            error=said(exc, _lang(request)), new={},
        )  # fmt: skip
    return RedirectResponse(f"/roadmap/milestones?lang={_lang(request)}", status_code=303)


def save_milestone(
    ledger: Ledger,
    who: str,
    code: str,
    version: int | None,
    status: str | None,
    done_on: str | None,
    evidence: str | None,
    due: str | None,
) -> dict[str, Any]:
    with transaction(ledger, who) as s:
        m = ops.update_milestone(s, code, version, status, done_on, evidence, due)
        return _milestone_doc(m)


def _milestone_doc(m: Milestone) -> dict[str, Any]:
    return {
        "code": m.code,
        "status": m.status,
        "due": None if m.due is None else m.due.isoformat(),
        "done_on": None if m.done_on is None else m.done_on.isoformat(),
        "evidence": m.evidence,
        "version": m.version,
    }


@router.get("/roadmap/review/{year}", response_class=HTMLResponse)
def review_page(
    request: Request, year: str, who: Identity | None = Depends(desk_reader)
) -> Response:
    """The annual review report of ``year`` as ``chikuden roadmap review`` writes it."""
    from chikuden.roadmap import report, review

    y = _year(year)
    with _ledger(request).reading() as s:
        result = review.compute(s, y)
        text = report.render(s, result, _lang(request))
    return HTMLResponse(text)


@router.get("/roadmap/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: str = "",
    table: str = "",
    since: str = "",
    until: str = "",
    who: Identity | None = Depends(desk_reader),
) -> Response:
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(AUDIT_PAGE)
    if user:
        query = query.where(AuditLog.who == _plain(user, "user")[:120])
    if table:
        query = query.where(AuditLog.table_name == _plain(table, "table")[:40])
    for raw, name, op in ((since, "since", "ge"), (until, "until", "lt")):
        if not raw:
            continue
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise DeskError(
                400,
                N_("{field}: {value!r} is not a date; give YYYY-MM-DD", field=name, value=raw[:20]),
            ) from None
        start = dt.datetime.combine(day, dt.time())
        if op == "ge":
            query = query.where(AuditLog.at >= start)
        else:
            query = query.where(AuditLog.at < start + dt.timedelta(days=1))
    with _ledger(request).reading() as s:
        rows = list(s.scalars(query))
        tables = sorted(set(s.scalars(select(AuditLog.table_name).distinct())))
        s.expunge_all()
    filters = {"user": user, "table": table, "since": since, "until": until}
    return _page(request, "audit.html.j2", who, rows=rows, tables=tables, filters=filters)


def revisions_context(ledger: Ledger, a: str | None, b: str | None) -> dict[str, Any]:
    """The revisions, the target differences between ``a`` and ``b`` (default: the last
    two), the published reviews, the open revision and the year the next one would have."""
    from chikuden.roadmap import review, revisions

    with ledger.reading() as s:
        revs = ops.revisions(s)
        reviews = review.stored_reviews(s)
        s.expunge_all()
        years = [r.year for r in revs]
        lines: list[Any] = []
        if len(years) >= 2:
            ya = _year(a) if a else years[-2]
            yb = _year(b) if b else years[-1]
            try:
                lines = revisions.diff(s, ya, yb)
            except LedgerError as exc:
                raise DeskError(400, exc) from None
        else:
            ya = yb = years[-1] if years else 0
    return {
        "revs": revs,
        "a": ya,
        "b": yb,
        "lines": lines,
        "reviews": reviews,
        "open_rev": next((r for r in revs if r.state == "open"), None),
        "next_year": (years[-1] + 1) if years else dt.date.today().year,
        "review_year": _this_year(),
    }


@router.get("/roadmap/revisions", response_class=HTMLResponse)
def revisions_page(
    request: Request,
    a: str | None = None,
    b: str | None = None,
    done: str = "",
    who: Identity | None = Depends(desk_reader),
) -> Response:
    """The revisions and the target differences between two of them (``chikuden roadmap
    diff A B``; by default the last two), the published reviews; the forms to publish the
    review (editors), to publish the open revision and open the next one (admins)."""
    context = revisions_context(_ledger(request), a, b)
    return _page(request, "revisions.html.j2", who, error="", done=done[:200], **context)


@router.get("/roadmap/exchange", response_class=HTMLResponse)
def exchange_page(request: Request, who: Identity | None = Depends(desk_reader)) -> Response:
    return _page(request, "exchange.html.j2", who, problems=[], message="", imported=None)


@router.post("/roadmap/users/{name}", response_class=HTMLResponse)
async def user_form(request: Request, name: str, who: Identity = Depends(desk_admin)) -> Response:
    """Change a user's role or disable/enable the account (admins; new users, passwords and
    tokens: :mod:`chikuden.web.desk_users`). An admin cannot lower or disable their own
    account here."""
    from chikuden.accounts.errors import AccountsError

    state: auth.AuthState = request.app.state.chikuden_auth
    ledger = _ledger(request)
    form = await _form(request)
    role = form.get("role") or None
    disabled = form.get("disabled") == "1"
    try:
        if name == who.username and (disabled or (role is not None and role != "admin")):
            raise DeskError(
                400,
                N_(
                    "user: {name} is you; ask another admin to lower or disable your account",
                    name=name,
                ),
            )

        def run() -> None:
            with transaction(ledger, who.username) as s:
                if role is not None:
                    state.accounts.set_role(s, name, role)
                state.accounts.disable(s, name, disabled)

        await run_in_threadpool(run)
    except (AccountsError, DeskError) as exc:
        await run_in_threadpool(audit_rejected, ledger, who.username, "users", name, str(exc))
        raise DeskError(getattr(exc, "status", 400), exc) from None
    return RedirectResponse(f"/roadmap/users?lang={_lang(request)}", status_code=303)


# -- the JSON API ---------------------------------------------------------------------------------
class ActualIn(BaseModel):
    """A new actual."""

    model_config = ConfigDict(extra="forbid")
    kpi: str = Field(max_length=80, description="The KPI's key (`chikuden roadmap kpis`).")
    year: int = Field(ge=1900, le=2100)
    value: float = Field(allow_inf_nan=False)
    source: str = Field(min_length=1, max_length=500)
    unit: str | None = Field(default=None, max_length=40)
    note: str = Field(default="", max_length=2000)


class ActualChange(BaseModel):
    """A correction of an actual: the version read, and the fields to change."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=0, description="The version you read (GET /api/roadmap/actuals).")
    value: float | None = Field(default=None, allow_inf_nan=False)
    source: str | None = Field(default=None, min_length=1, max_length=500)
    unit: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class MilestoneChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=0)
    status: Literal["open", "done", "dropped"] | None = None
    done_on: dt.date | None = None
    evidence: str | None = Field(default=None, max_length=2000)
    due: dt.date | None = None


def _refused(
    request: Request, ledger: Ledger, who: str, table: str, record: str, exc: Exception
) -> JSONResponse:
    """The answer to a write the ledger refused, audited (in English, as the CLI writes it);
    the answer's ``detail`` in the request's language."""
    audit_rejected(ledger, who, table, record, str(exc))
    status = 409 if isinstance(exc, ConflictError) else 400
    return JSONResponse({"detail": said(exc, error_lang(request))}, status_code=status)


@api.get("/actuals", response_model=list[dict[str, Any]])
def api_actuals(request: Request, kpi: str | None = None) -> Response:
    """The actuals (of one KPI), with their versions."""
    # who asks, found here rather than by a dependency: one trip to the thread pool for the
    # request, not two (a script reads this before every correction)
    desk_reader(request)
    query = _ACTUAL_ROWS
    if kpi is not None:
        query = query.where(Kpi.key == _plain(kpi, "kpi")[:80])
    with _ledger(request).read_connection() as conn:
        rows = [r._asdict() for r in conn.execute(query)]
    for row in rows:
        row["entered_at"] = row["entered_at"].isoformat(timespec="seconds")
    return JSONResponse(rows)


@api.post("/actuals", status_code=201)
def api_add_actual(request: Request, body: ActualIn, who: Identity = Depends(desk_editor)) -> Any:
    ledger = _ledger(request)
    try:
        doc = save_actual(
            ledger, who.username, body.kpi, body.year, None, body.value, body.source,
            body.unit, body.note,
        )  # fmt: skip
    except LedgerError as exc:
        return _refused(request, ledger, who.username, "actuals", f"{body.kpi}/{body.year}", exc)
    return {"kpi": body.kpi, **doc}


def correct_actual(
    ledger: Ledger, who: str, key: str, year: int, change: ActualChange
) -> tuple[dict[str, Any], None] | tuple[None, LedgerError]:
    """The API's correction of an actual in one transaction: the change with its audit rows,
    or, when the ledger refuses it, the refusal's audit row (``rejected``) in its place
    (:func:`chikuden.roadmap.ledger.update_actual` writes nothing before its checks pass).
    Returns the actual as written, or the refusal."""
    with transaction(ledger, who) as s:
        try:
            record = ops.update_actual(
                s, key, year, change.version, change.value, change.unit, change.source,
                change.note,
            )  # fmt: skip
            return _actual_doc(record) or {}, None
        except LedgerError as exc:
            refused = exc
        row = rejected_row(who, "actuals", f"{key}/{year}", str(refused))
        s.connection().execute(insert(AuditLog), row)
    return None, refused


@api.put("/actuals/{kpi}/{year}")
def api_set_actual(
    request: Request, kpi: str, year: int, body: ActualChange, who: Identity = Depends(desk_editor)
) -> Any:
    ledger = _ledger(request)
    try:
        doc, refused = correct_actual(ledger, who.username, kpi, year, body)
    except LedgerError as exc:  # refused by the database at commit (audited on its own)
        doc, refused = None, exc
        _refused(request, ledger, who.username, "actuals", f"{kpi}/{year}", exc)
    if refused is None:
        return JSONResponse({"kpi": kpi, **(doc or {})})
    if not isinstance(refused, ConflictError):
        return JSONResponse({"detail": refused.localized(error_lang(request))}, status_code=400)
    current = refused.current
    stored = (
        _actual_doc(current)
        if isinstance(current, Actual)
        else _stored_actual(ledger, kpi, year)  # not known: a write that raced ours
    )
    return JSONResponse(
        {
            "detail": refused.localized(error_lang(request)),
            "yours": body.model_dump(),
            "stored": stored,
        },
        status_code=409,
    )


@api.patch("/milestones/{code}")
def api_milestone(
    request: Request, code: str, body: MilestoneChange, who: Identity = Depends(desk_editor)
) -> Any:
    ledger = _ledger(request)
    try:
        return save_milestone(
            ledger, who.username, code, body.version, body.status,
            None if body.done_on is None else body.done_on.isoformat(), body.evidence,
            None if body.due is None else body.due.isoformat(),
        )  # fmt: skip
    except LedgerError as exc:
        return _refused(request, ledger, who.username, "milestones", code, exc)


async def _desk_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DeskError)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": exc.localized(error_lang(request))}, status_code=exc.status)
    return _page(request, "error.html.j2", None, exc.status, message=exc.localized(_lang(request)))


async def _auth_error_page(request: Request, exc: Exception) -> Response:
    """A desk page asked without sign-in: to the sign-in form (the API keeps its 401)."""
    if request.url.path.startswith("/roadmap") and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return await auth._error_response(request, exc)


def install(app: FastAPI) -> None:
    """Add the desk's pages and API to ``app``; :mod:`chikuden.web.desk_year` and
    :mod:`chikuden.web.desk_users` must be imported first (they add their routes to ours:
    :func:`chikuden.web.app.create_app` does)."""
    import sys

    missing = [m for m in ("desk_year", "desk_users") if f"chikuden.web.{m}" not in sys.modules]
    if missing:
        raise RuntimeError(f"import chikuden.web.{missing[0]} before desk.install(app)")
    app.include_router(router)
    app.include_router(api)
    app.add_exception_handler(DeskError, _desk_error)
    if _installed(app):
        app.add_exception_handler(AuthenticationError, _auth_error_page)
        app.add_exception_handler(RequestValidationError, _audited_validation)  # type: ignore[arg-type]


async def _audited_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A desk write the API schema refuses before any handler of ours runs (a 422, or a 400
    for a body that is not JSON) is answered as everywhere else and written to the audit log
    as ``rejected`` under the user who sent it (``anonymous`` when nobody is signed in):
    issue 17 asks that every refused attempt be audited."""
    import json

    from chikuden.web.errors import on_validation

    response = await on_validation(request, exc)
    path = request.url.path
    if request.method in auth.SAFE_METHODS or not path.startswith(("/api/roadmap/", "/roadmap")):
        return response
    try:
        who = auth.current_user(request).username
    except AuthenticationError:
        who = "anonymous"
    parts = [p for p in path.split("/") if p and p not in ("api", "roadmap")]
    table = parts[0] if parts else "roadmap"
    detail = json.loads(bytes(response.body))["error"]["message"]
    await run_in_threadpool(audit_rejected, _ledger(request), who, table, path, detail)
    return response


def _installed(app: FastAPI) -> bool:
    return isinstance(getattr(app.state, "chikuden_auth", None), auth.AuthState)
