"""The roadmap desk's year-end work: publishing the annual review, publishing a revision and
opening the next, adding milestones; and the JSON API for revisions, reviews, import and
export (:mod:`chikuden.web.desk` has the pages and the actuals).

Who may do what (docs/desk.md): an editor publishes the annual review (stores it in the
ledger, as ``chikuden roadmap review`` does), adds milestones and imports actuals; an admin
publishes the open revision (``chikuden roadmap publish``: its targets are frozen) and opens
the next one (``chikuden roadmap revise``, with an optional file of target changes). Each
write goes through the ledger's own function in one transaction audited under the web user;
a refused one changes nothing, answers 400 (409 for a conflict) with the ledger's one-line
message and is written to the audit log as ``rejected``.

Pages (forms, CSRF-checked): ``POST /roadmap/reviews``, ``POST /roadmap/revisions/publish``,
``POST /roadmap/revisions``, ``POST /roadmap/milestones``. JSON under ``/api/roadmap``:
``GET revisions``, ``GET revisions/diff?a=&b=``, ``POST revisions`` (open the next),
``POST revisions/publish``, ``GET reviews``, ``POST reviews``, ``POST milestones``,
``GET export`` (the workbook), ``POST import`` (multipart ``file``).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from chikuden.accounts.users import transaction
from chikuden.errors import N_
from chikuden.roadmap import ledger as ops
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import ConflictError, ImportRejectedError, LedgerError
from chikuden.roadmap.models import Milestone, Revision
from chikuden.web.auth import CSRF_FIELD, Identity
from chikuden.web.desk import (
    DeskError,
    _form,
    _lang,
    _ledger,
    _milestone_doc,
    _page,
    _refused,
    api,
    audit_rejected,
    desk_admin,
    desk_editor,
    desk_reader,
    error_lang,
    router,
    said,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_LIMIT = 1_048_576
"""Bytes of an uploaded workbook (the server's body limit, :data:`chikuden.web.app.
MAX_BODY_BYTES`, refuses larger requests first)."""


# -- the ledger's operations, as the web user ---------------------------------------------------
def _revision_doc(r: Revision) -> dict[str, Any]:
    return {
        "year": r.year,
        "state": r.state,
        "note": r.note,
        "opened_at": r.opened_at.isoformat(timespec="seconds"),
        "opened_by": r.opened_by,
        "closed_at": None if r.closed_at is None else r.closed_at.isoformat(timespec="seconds"),
        "closed_by": r.closed_by,
        "version": r.version,
    }


def publish_review(ledger: Ledger, who: str, year: int) -> dict[str, Any]:
    """Compute the annual review of ``year`` and store it (``chikuden roadmap review``,
    without writing the report files: the desk shows the report at /roadmap/review/YEAR).
    The review (the model's projections: the slow part) is computed in a reading unit of
    work and stored in a short writing one, so writers do not wait for the model."""
    from chikuden.roadmap import review

    with ledger.reading() as s:
        result = review.compute(s, year)
    with transaction(ledger, who) as s:
        review_id = review.store(s, result)
        return {
            "id": review_id,
            "year": result.year,
            "revision": result.revision_year,
            "scenario": result.scenario,
            "counts": result.counts(),
            "overdue_milestones": len(result.overdue),
        }


def publish_revision(ledger: Ledger, who: str) -> dict[str, Any]:
    """Close the open revision (``chikuden roadmap publish``)."""
    from chikuden.roadmap import revisions

    with transaction(ledger, who) as s:
        return _revision_doc(revisions.publish(s))


def open_revision(
    ledger: Ledger,
    who: str,
    year: int | None,
    note: str,
    changes: tuple[str, bytes] | None = None,
) -> tuple[dict[str, Any], int]:
    """Open the next revision (``chikuden roadmap revise``): the open one closes, the latest
    targets are copied, the target changes of the uploaded file (name, content) applied."""
    from chikuden.roadmap import exchange, revisions

    with transaction(ledger, who) as s, tempfile.TemporaryDirectory(prefix="chikuden-") as tmp:
        wanted = []
        if changes is not None:
            path = Path(tmp) / f"changes{_suffix(changes[0])}"
            path.write_bytes(changes[1])
            wanted = exchange.read_changes(s, path)
        rev = revisions.open_next(s, year, note, wanted)
        return _revision_doc(rev), len(wanted)


def add_milestone(ledger: Ledger, who: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A new milestone (open, or done with its date); a code in use is refused."""
    code = ops.check_text(fields.get("code"), "code", limit=60)
    pillar = ops.check_text(fields.get("pillar"), "pillar", limit=20)
    with transaction(ledger, who) as s:
        if s.scalar(select(Milestone.id).where(Milestone.code == code)) is not None:
            raise LedgerError(
                N_(
                    "code: milestone {code!r} exists already; choose another code or change "
                    "that milestone",
                    code=code,
                )
            )
        rest = {k: v for k, v in fields.items() if k not in ("code", "pillar")}
        return _milestone_doc(ops.add_milestone(s, code, pillar, **rest))


def import_upload(ledger: Ledger, who: str, filename: str, content: bytes) -> int:
    """Import actuals from an uploaded .xlsx or .csv, all or nothing (``chikuden roadmap
    import``); raises :class:`ImportRejectedError` listing the bad rows."""
    from chikuden.roadmap import exchange

    suffix = _suffix(filename)
    with tempfile.TemporaryDirectory(prefix="chikuden-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        with transaction(ledger, who) as s:
            return exchange.import_actuals(s, path).imported


def export_bytes(ledger: Ledger) -> bytes:
    """The whole ledger as a workbook (``chikuden roadmap export``)."""
    from chikuden.roadmap import exchange

    with tempfile.TemporaryDirectory(prefix="chikuden-export-") as folder:
        path = Path(folder) / "roadmap.xlsx"
        with ledger.reading() as s:
            exchange.export_ledger(s, path)
        return path.read_bytes()


def _suffix(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise LedgerError(
            N_(
                "file: {name!r} is not .xlsx or .csv; upload one of those",
                name=filename[:60],
            )
        )
    return suffix


def _year_field(raw: str, field: str = "year", required: bool = True) -> int | None:
    if raw == "" and not required:
        return None
    try:
        return ops.check_year(int(raw), field)
    except ValueError:
        raise DeskError(
            400, N_("{field}: {value!r} is not a year; give e.g. 2025", field=field, value=raw[:20])
        ) from None


async def _upload(request: Request, name: str, required: bool) -> tuple[str, bytes] | None:
    form = await request.form()
    upload = form.get(name)
    if upload is None or isinstance(upload, str) or not upload.filename:
        if required:
            raise DeskError(
                400, N_("{field}: no file uploaded; choose an .xlsx or .csv file", field=name)
            )
        return None
    content = await upload.read()
    return upload.filename, content


# -- the pages' forms ---------------------------------------------------------------------------
def _back(request: Request, message: str) -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(
        f"/roadmap/revisions?lang={_lang(request)}&done={quote(message[:200])}", status_code=303
    )


async def _refuse_page(
    request: Request, who: Identity, record: str, exc: Exception, table: str = "revisions"
) -> Response:
    from chikuden.web.desk import revisions_context

    ledger = _ledger(request)
    await run_in_threadpool(audit_rejected, ledger, who.username, table, record, str(exc))
    status = 409 if isinstance(exc, ConflictError) else getattr(exc, "status", 400)
    context = await run_in_threadpool(revisions_context, ledger, None, None)
    return _page(
        request, "revisions.html.j2", who, status, error=_first_line(exc, _lang(request)), done="",
        **context,
    )  # fmt: skip


def _first_line(exc: Exception, lang: str) -> str:
    """The first line of a refusal in ``lang`` (a rejected file: the count of its bad rows)."""
    if isinstance(exc, ImportRejectedError):
        return exc.head.localized(lang)
    return said(exc, lang).splitlines()[0]


@router.post("/roadmap/reviews", response_class=HTMLResponse)
async def review_form(request: Request, who: Identity = Depends(desk_editor)) -> Response:
    """Publish the annual review of the year in the form (editors)."""
    form = await _form(request)
    try:
        year = _year_field(form.get("year", ""))
        assert year is not None
        doc = await run_in_threadpool(publish_review, _ledger(request), who.username, year)
    except (LedgerError, DeskError) as exc:
        return await _refuse_page(request, who, f"review {form.get('year', '')[:20]}", exc)
    return _back(request, f"review {doc['year']} #{doc['id']}")


@router.post("/roadmap/revisions/publish", response_class=HTMLResponse)
async def publish_form(request: Request, who: Identity = Depends(desk_admin)) -> Response:
    """Publish (close) the open revision (admins)."""
    try:
        doc = await run_in_threadpool(publish_revision, _ledger(request), who.username)
    except LedgerError as exc:
        return await _refuse_page(request, who, "publish", exc)
    return _back(request, f"revision {doc['year']} {doc['state']}")


@router.post("/roadmap/revisions", response_class=HTMLResponse)
async def open_form(request: Request, who: Identity = Depends(desk_admin)) -> Response:
    """Open the next revision (admins): year (blank: the latest + 1), note, and an optional
    file of target changes."""
    form = await _form(request, files=("changes",))
    try:
        year = _year_field(form.get("year", ""), required=False)
        changes = await _upload(request, "changes", required=False)
        doc, _n = await run_in_threadpool(
            open_revision, _ledger(request), who.username, year, form.get("note", ""), changes
        )
    except (LedgerError, DeskError) as exc:
        return await _refuse_page(request, who, f"open {form.get('year', '')[:20]}", exc)
    return _back(request, f"revision {doc['year']} {doc['state']}")


MILESTONE_FIELDS = ("code", "pillar", "title_en", "title_ja", "due", "source", "note")


@router.post("/roadmap/milestones", response_class=HTMLResponse)
async def milestone_add_form(request: Request, who: Identity = Depends(desk_editor)) -> Response:
    """Add a milestone (editors)."""
    from chikuden.web.desk import milestone_rows

    ledger = _ledger(request)
    form = await _form(request)
    form.pop(CSRF_FIELD, None)
    fields: dict[str, Any] = {k: form.get(k, "") for k in MILESTONE_FIELDS}
    fields["due"] = fields["due"] or None
    try:
        await run_in_threadpool(add_milestone, ledger, who.username, fields)
    except LedgerError as exc:
        await run_in_threadpool(
            audit_rejected, ledger, who.username, "milestones", str(fields["code"])[:60], str(exc)
        )
        rows, pillars = await run_in_threadpool(milestone_rows, ledger)
        return _page(
            request, "milestones.html.j2", who, 409 if isinstance(exc, ConflictError) else 400,
            rows=rows, pillars=pillars, error=said(exc, _lang(request)), new=fields,
        )  # fmt: skip
    return RedirectResponse(f"/roadmap/milestones?lang={_lang(request)}", status_code=303)


# -- import and export -------------------------------------------------------------------------
@router.get("/roadmap/export.xlsx")
def export_file(request: Request, who: Identity | None = Depends(desk_reader)) -> Response:
    """The whole ledger as a workbook (``chikuden roadmap export``)."""
    return Response(
        export_bytes(_ledger(request)),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="roadmap.xlsx"'},
    )


@router.post("/roadmap/import", response_class=HTMLResponse)
async def import_form(request: Request, who: Identity = Depends(desk_editor)) -> Response:
    """Import actuals from an uploaded .xlsx or .csv: every row checked, all or nothing
    (``chikuden roadmap import``); the bad rows listed one by one."""
    ledger = _ledger(request)
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise DeskError(400, N_("file: no file uploaded; choose an .xlsx or .csv file of actuals"))
    filename = upload.filename
    content = await upload.read()

    try:
        imported = await run_in_threadpool(import_upload, ledger, who.username, filename, content)
    except ImportRejectedError as exc:
        head = str(exc.head)  # the audit row: English, as the CLI writes it
        await run_in_threadpool(audit_rejected, ledger, who.username, "actuals", "import", head)
        lang = _lang(request)
        problems = [
            {"row": p.row, "field": p.field, "reason": p.localized(lang)} for p in exc.problems
        ]
        return _page(
            request, "exchange.html.j2", who, 400, problems=problems,
            message=exc.head.localized(lang), imported=None,
        )  # fmt: skip
    except LedgerError as exc:
        await run_in_threadpool(audit_rejected, ledger, who.username, "actuals", "import", str(exc))
        return _page(
            request,
            "exchange.html.j2",
            who,
            400,
            problems=[],
            message=said(exc, _lang(request)),
            imported=None,
        )
    return _page(request, "exchange.html.j2", who, problems=[], message="", imported=imported)


# -- the JSON API -------------------------------------------------------------------------------
class RevisionIn(BaseModel):
    """The next revision: its year (default: the latest + 1) and what it is about."""

    model_config = ConfigDict(extra="forbid")
    year: int | None = Field(default=None, ge=1900, le=2100)
    note: str = Field(default="", max_length=2000)


class ReviewIn(BaseModel):
    """The year whose annual review to publish."""

    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=1900, le=2100)


class MilestoneIn(BaseModel):
    """A new milestone."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=60)
    pillar: str = Field(min_length=1, max_length=20, description="The pillar's code.")
    title_en: str = Field(min_length=1, max_length=300)
    title_ja: str = Field(min_length=1, max_length=300)
    due: dt.date | None = None
    source: str = Field(min_length=1, max_length=300)
    note: str = Field(default="", max_length=2000)


@api.get("/revisions")
def api_revisions(
    request: Request, who: Identity | None = Depends(desk_reader)
) -> list[dict[str, Any]]:
    """The revisions, oldest first."""
    with _ledger(request).reading() as s:
        return [_revision_doc(r) for r in ops.revisions(s)]


@api.get("/revisions/diff")
def api_diff(request: Request, a: int, b: int, who: Identity | None = Depends(desk_reader)) -> Any:
    """The targets that differ from revision ``a`` to ``b`` (``chikuden roadmap diff``)."""
    from chikuden.roadmap import revisions

    try:
        with _ledger(request).reading() as s:
            lines = revisions.diff(s, a, b)
    except LedgerError as exc:
        return JSONResponse({"detail": said(exc, error_lang(request))}, status_code=400)
    return [
        {"kpi": d.kpi, "unit": d.unit, "year": d.year, "old": d.old, "new": d.new,
         "kind": d.kind, "reasons": list(d.reasons)}
        for d in lines
    ]  # fmt: skip


@api.post("/revisions", status_code=201)
def api_open_revision(
    request: Request, body: RevisionIn, who: Identity = Depends(desk_admin)
) -> Any:
    """Open the next revision (admins): the open one closes, the targets are copied."""
    ledger = _ledger(request)
    try:
        doc, _n = open_revision(ledger, who.username, body.year, body.note)
    except LedgerError as exc:
        return _refused(request, ledger, who.username, "revisions", f"open {body.year}", exc)
    return doc


@api.post("/revisions/publish")
def api_publish_revision(request: Request, who: Identity = Depends(desk_admin)) -> Any:
    """Publish (close) the open revision (admins)."""
    ledger = _ledger(request)
    try:
        return publish_revision(ledger, who.username)
    except LedgerError as exc:
        return _refused(request, ledger, who.username, "revisions", "publish", exc)


@api.get("/reviews")
def api_reviews(
    request: Request, who: Identity | None = Depends(desk_reader)
) -> list[dict[str, Any]]:
    """The published reviews with their counts of KPIs per status."""
    from chikuden.roadmap import review

    with _ledger(request).reading() as s:
        return [
            {"id": r.id, "year": r.year, "scenario": r.scenario, "created_by": r.created_by,
             "created_at": r.created_at.isoformat(timespec="seconds"), "counts": counts}
            for r, counts in review.stored_reviews(s)
        ]  # fmt: skip


@api.post("/reviews", status_code=201)
def api_publish_review(
    request: Request, body: ReviewIn, who: Identity = Depends(desk_editor)
) -> Any:
    """Publish the annual review of ``year`` (editors)."""
    ledger = _ledger(request)
    try:
        return publish_review(ledger, who.username, body.year)
    except LedgerError as exc:
        return _refused(request, ledger, who.username, "reviews", str(body.year), exc)


@api.post("/milestones", status_code=201)
def api_add_milestone(
    request: Request, body: MilestoneIn, who: Identity = Depends(desk_editor)
) -> Any:
    """Add a milestone (editors)."""
    ledger = _ledger(request)
    try:
        return add_milestone(ledger, who.username, body.model_dump())
    except LedgerError as exc:
        return _refused(request, ledger, who.username, "milestones", body.code, exc)


@api.get("/export", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def api_export(request: Request, who: Identity | None = Depends(desk_reader)) -> Response:
    """The whole ledger as a workbook, one sheet per table (no accounts)."""
    return Response(
        export_bytes(_ledger(request)),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="roadmap.xlsx"'},
    )


@api.post("/import")
async def api_import(
    request: Request,
    file: UploadFile = File(description="Actuals: .xlsx (sheet 'actuals') or .csv"),
    who: Identity = Depends(desk_editor),
) -> Any:
    """Import actuals, all or nothing: ``{"imported": N}``, or 400 with ``{"detail",
    "problems": [{"row", "field", "reason"}]}`` and nothing imported."""
    ledger = _ledger(request)
    content = await file.read(UPLOAD_LIMIT + 1)
    try:
        if len(content) > UPLOAD_LIMIT:
            raise LedgerError(N_("file: over {limit} bytes; split it", limit=f"{UPLOAD_LIMIT:,}"))
        imported = await run_in_threadpool(
            import_upload, ledger, who.username, file.filename or "", content
        )
    except ImportRejectedError as exc:
        head = str(exc.head)  # the audit row: English, as the CLI writes it
        await run_in_threadpool(audit_rejected, ledger, who.username, "actuals", "import", head)
        lang = error_lang(request)
        problems = [
            {"row": p.row, "field": p.field, "reason": p.localized(lang)} for p in exc.problems
        ]
        return JSONResponse(
            {"detail": exc.head.localized(lang), "problems": problems}, status_code=400
        )
    except LedgerError as exc:
        return await run_in_threadpool(
            _refused, request, ledger, who.username, "actuals", "import", exc
        )
    return {"imported": imported}
