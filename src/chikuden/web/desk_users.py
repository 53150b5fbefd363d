"""The desk's admin page: users and API tokens (admins only; ``chikuden users`` on the
command line does the same).

- ``GET /roadmap/users``: the users and the API tokens;
- ``POST /roadmap/users``: add a user (name, role, display name, and the password typed
  twice, or ``generate=1`` for a one-time password shown once on the answering page);
- ``POST /roadmap/users/{name}/password``: reset a password the same two ways (the user's
  sessions end);
- ``POST /roadmap/tokens/{id}/revoke``: revoke an API token;
- ``POST /roadmap/users/{name}``: change a role, disable or enable (:mod:`chikuden.web.desk`).

A password goes from the form to the Argon2 hash and nowhere else: no log line, no audit row
(the audit log shows ``<secret>`` for the hash), no redirect URL. A generated one is on the
one page that answers the form, sent with ``Cache-Control: no-store``; the admin passes it on
and the user changes it with their administrator (there is no self-service page yet).
Every change is audited under the admin; a refused one (bad name, weak password, the two
entries differing) changes nothing, answers 400 and is audited as ``rejected``.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from chikuden.accounts import tokens
from chikuden.accounts.errors import AccountsError
from chikuden.accounts.users import Accounts, transaction
from chikuden.errors import N_
from chikuden.roadmap.db import Ledger
from chikuden.web import auth
from chikuden.web.auth import Identity
from chikuden.web.desk import (
    DeskError,
    _form,
    _lang,
    _ledger,
    _page,
    audit_rejected,
    desk_admin,
    router,
    said,
)

GENERATED_BYTES = 18
"""Random bytes of a generated password: 24 URL-safe characters, 144 bits (above the
15-character minimum of NIST SP 800-63B-4 §3.1.1.2)."""


def generate_password(accounts: Accounts, username: str) -> str:
    """A random password that meets the password rule for ``username``."""
    assert accounts.passwords is not None
    for _ in range(100):
        candidate = secrets.token_urlsafe(GENERATED_BYTES)
        try:
            accounts.passwords.check(candidate, username)
        except AccountsError:
            continue  # e.g. a one-letter user name inside it
        return candidate
    raise AccountsError(N_("password: could not generate one; type a password instead"))


def _password(form: dict[str, str], accounts: Accounts, username: str) -> tuple[str, bool]:
    """The new password of the form: generated (``generate=1``; True) or typed twice."""
    if form.get("generate") == "1":
        return generate_password(accounts, username), True
    first, second = form.get("password", ""), form.get("password2", "")
    if not first:
        raise AccountsError(
            N_("password: none given; type it twice, or tick 'generate' for a one-time password")
        )
    if first != second:
        raise AccountsError(N_("password: the two entries differ; type the same password twice"))
    return first, False


def users_context(ledger: Ledger, state: auth.AuthState) -> dict[str, Any]:
    with ledger.reading() as s:
        users = state.accounts.list(s)
        token_rows = tokens.list_tokens(s)
        s.expunge_all()
    return {"users": users, "tokens": token_rows}


def _answer(
    request: Request,
    who: Identity,
    status: int = 200,
    error: str = "",
    shown: tuple[str, str] | None = None,
) -> Response:
    state: auth.AuthState = request.app.state.chikuden_auth
    context = users_context(_ledger(request), state)
    response = _page(request, "users.html.j2", who, status, error=error, shown=shown, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/roadmap/users", response_class=HTMLResponse)
def users_page(request: Request, who: Identity = Depends(desk_admin)) -> Response:
    return _answer(request, who)


async def _refused(request: Request, who: Identity, record: str, exc: Exception) -> Response:
    ledger = _ledger(request)
    await run_in_threadpool(audit_rejected, ledger, who.username, "users", record, str(exc))
    status = getattr(exc, "status", 400)
    message = said(exc, _lang(request))
    return await run_in_threadpool(_answer, request, who, status, message)


@router.post("/roadmap/users", response_class=HTMLResponse)
async def user_add_form(request: Request, who: Identity = Depends(desk_admin)) -> Response:
    """Add a user (admins)."""
    state: auth.AuthState = request.app.state.chikuden_auth
    form = await _form(request)
    name = form.get("username", "")
    try:
        password, generated = _password(form, state.accounts, name)

        def run() -> str:
            with transaction(_ledger(request), who.username) as s:
                user = state.accounts.add(
                    s, name, form.get("role", ""), password, form.get("display_name", "")
                )
                return user.username

        added = await run_in_threadpool(run)
    except (AccountsError, DeskError) as exc:
        return await _refused(request, who, name[:60], exc)
    if generated:
        return await run_in_threadpool(_answer, request, who, 200, "", (added, password))
    return RedirectResponse(f"/roadmap/users?lang={_lang(request)}", status_code=303)


@router.post("/roadmap/users/{name}/password", response_class=HTMLResponse)
async def password_form(
    request: Request, name: str, who: Identity = Depends(desk_admin)
) -> Response:
    """Reset a user's password (admins); the user's sessions end."""
    state: auth.AuthState = request.app.state.chikuden_auth
    form = await _form(request)
    try:
        password, generated = _password(form, state.accounts, name)

        def run() -> str:
            with transaction(_ledger(request), who.username) as s:
                return state.accounts.reset_password(s, name, password).username

        user = await run_in_threadpool(run)
    except (AccountsError, DeskError) as exc:
        return await _refused(request, who, name[:60], exc)
    if generated:
        return await run_in_threadpool(_answer, request, who, 200, "", (user, password))
    return RedirectResponse(f"/roadmap/users?lang={_lang(request)}", status_code=303)


@router.post("/roadmap/tokens/{token_id}/revoke", response_class=HTMLResponse)
async def revoke_form(
    request: Request, token_id: int, who: Identity = Depends(desk_admin)
) -> Response:
    """Revoke an API token (admins)."""
    state: auth.AuthState = request.app.state.chikuden_auth

    def run() -> None:
        with transaction(_ledger(request), who.username) as s:
            tokens.revoke(s, token_id, state.settings.now)

    try:
        await run_in_threadpool(run)
    except AccountsError as exc:
        return await _refused(request, who, f"token {token_id}", exc)
    return RedirectResponse(f"/roadmap/users?lang={_lang(request)}", status_code=303)
