"""Sign-in, sessions, roles and CSRF for the web app (FastAPI), over :mod:`chikuden.accounts`.

``install(app, ledger)`` adds:

- ``GET /login`` (the form), ``POST /login`` (form fields ``username``, ``password``,
  ``csrf_token``, ``next``; 303 to ``next`` with a session cookie, 401 with the form again,
  429 with ``Retry-After`` when locked out), ``POST /logout`` (CSRF-checked; 303 to /login);
- ``GET /api/session``: who is signed in, the role and the CSRF token for API calls from the
  page (``X-CSRF-Token``);
- a handler that answers every :class:`~chikuden.accounts.errors.AccountsError` with its
  status (401, 403, 404, 429, 400) and ``{"detail": "..."}``.

Dependencies for the routes of the app: :func:`optional_user`, :func:`current_user`,
:func:`reader` (anyone when reading is open, else a viewer), :func:`require_role` (the role,
and for a state-changing method the CSRF token too) and :func:`csrf_protect`. A script signs
in with ``Authorization: Bearer ckd_...`` (an API token): no cookie, so no CSRF token needed.

The cookie ``chikuden_session`` is HttpOnly, SameSite=Lax, Secure when the request came over
HTTPS (behind a proxy, run uvicorn with ``--proxy-headers`` so that the scheme is the
client's) and expires with the session. A request refused for its role or its CSRF token is
written to the audit log (``action`` ``denied``, ``table_name`` ``access``, ``record_id`` the
method and path, ``field`` what was missing) under the user, or ``anonymous``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import bindparam, insert, select
from starlette.concurrency import run_in_threadpool

from chikuden.accounts.errors import (
    AccountsError,
    AuthenticationError,
    CsrfError,
    LockedOutError,
    PermissionDeniedError,
)
from chikuden.accounts.models import User
from chikuden.accounts.roles import allows, check_role
from chikuden.accounts.sessions import SessionData, SessionSigner
from chikuden.accounts.settings import SecuritySettings
from chikuden.accounts.tokens import check as check_token
from chikuden.accounts.tokens import note_use as note_token_use
from chikuden.accounts.users import Accounts, sign_in, transaction
from chikuden.errors import N_
from chikuden.i18n import LANGS, translator
from chikuden.reading import escape_controls
from chikuden.roadmap.changelog import encode
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.models import AuditLog
from chikuden.web.errors import request_lang

log = logging.getLogger("chikuden.web.auth")

COOKIE = "chikuden_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_LIMIT = 4096
"""Characters of a sign-in form field beyond which the form is refused (a password is at most
256 characters: :class:`~chikuden.accounts.settings.SecuritySettings`)."""


@dataclass
class AuthState:
    """What the dependencies need, kept on ``app.state.chikuden_auth``."""

    ledger: Ledger
    settings: SecuritySettings
    accounts: Accounts
    signer: SessionSigner


@dataclass(frozen=True)
class Identity:
    """Who makes a request: the user, the role, and how they proved it."""

    user_id: int
    username: str
    display_name: str
    role: str
    via: str  # "session" or "token"
    session: SessionData | None = None


def install(
    app: FastAPI,
    ledger: Ledger,
    settings: SecuritySettings | None = None,
    accounts: Accounts | None = None,
) -> AuthState:
    """Add sign-in, sign-out and the error handler to ``app``; raises
    :class:`~chikuden.accounts.errors.SecretKeyError` without a secret key (no write mode)."""
    settings = settings or SecuritySettings.from_env()
    state = AuthState(
        ledger=ledger,
        settings=settings,
        accounts=accounts or Accounts(settings),
        signer=SessionSigner(settings),
    )
    app.state.chikuden_auth = state
    app.include_router(router)
    app.add_exception_handler(AccountsError, _error_response)
    return state


def _state(request: Request) -> AuthState:
    state = getattr(request.app.state, "chikuden_auth", None)
    if not isinstance(state, AuthState):
        raise RuntimeError("chikuden.web.auth.install(app, ledger) was not called")
    return state


async def _error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccountsError)
    headers: dict[str, str] = {}
    if isinstance(exc, LockedOutError):
        headers["Retry-After"] = str(exc.retry_after_s)
    elif type(exc) is AuthenticationError:
        headers["WWW-Authenticate"] = "Bearer"
    lang = request_lang(request) if request.url.path.startswith("/api/") else _lang(request)
    return JSONResponse({"detail": exc.localized(lang)}, status_code=exc.status, headers=headers)


# -- who is asking ------------------------------------------------------------------------------
def _session_of(request: Request, state: AuthState) -> SessionData | None:
    """The request's session (None without a cookie); raises for a changed or expired one."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    return state.signer.loads(value)


def _identify(request: Request) -> Identity | None:
    state = _state(request)
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(
                N_(
                    "authorization: give 'Bearer ckd_...' (an API token from "
                    "`chikuden users token create`)"
                )
            )
        # read without a write lock; write only when the token's last use is a minute old
        # (tokens.LAST_USE_STEP), not on every call of a script
        with state.ledger.read_connection() as conn:
            holder, due = check_token(conn, token.strip(), state.settings.now)
        if due is not None:
            with state.ledger.transaction() as s:
                note_token_use(s, due, state.settings.now)
        return Identity(holder.id, holder.username, holder.display_name, holder.role, "token")
    data = _session_of(request, state)
    if data is None or data.user_id is None:
        return None
    with state.ledger.read_connection() as conn:  # no write lock for finding who asks (SQLite)
        found = conn.execute(_SESSION_USER, {"id": data.user_id}).first()
    if found is None or found.disabled or data.issued < found.sessions_valid_from:
        raise AuthenticationError(
            N_(
                "session: this session ended (password reset, account disabled or removed); "
                "sign in again"
            )
        )
    return Identity(found.id, found.username, found.display_name, found.role, "session", data)


_SESSION_USER = select(
    User.id,
    User.username,
    User.display_name,
    User.role,
    User.disabled,
    User.sessions_valid_from,
).where(User.id == bindparam("id"))
"""The signed-in user of a session: one Core statement, compiled once."""


def optional_user(request: Request) -> Identity | None:
    """The signed-in user, or None (no session, or one that expired or was changed). A bad
    API token is still a 401: a script should hear that its token is wrong."""
    try:
        return _identify(request)
    except AuthenticationError:
        if request.headers.get("authorization"):
            raise
        return None


def current_user(request: Request) -> Identity:
    """The signed-in user; 401 when there is none (the message says why)."""
    identity = _identify(request)
    if identity is None:
        raise AuthenticationError(
            N_(
                "sign-in: this needs a signed-in user; sign in at /login or send "
                "'Authorization: Bearer ckd_...'"
            )
        )
    return identity


def reader(request: Request) -> Identity | None:
    """Anyone when reading is open (``read_open``), else a signed-in viewer or above."""
    if _state(request).settings.read_open:
        return optional_user(request)
    return current_user(request)


async def _csrf_given(request: Request) -> str | None:
    given = request.headers.get(CSRF_HEADER)
    if given:
        return given
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def _check_csrf(request: Request, identity: Identity | None) -> None:
    if request.method in SAFE_METHODS or (identity is not None and identity.via == "token"):
        return
    state = _state(request)
    try:
        data = identity.session if identity is not None else _session_of(request, state)
        if data is None:
            raise CsrfError(
                N_(
                    "csrf: no session to check the CSRF token against; load the page (or GET "
                    "/api/session) first, then send its token"
                )
            )
        state.signer.check_csrf(data, await _csrf_given(request))
    except AccountsError as exc:
        who = identity.username if identity is not None else "anonymous"
        await run_in_threadpool(audit_refusal, state, who, request, "csrf", str(exc))
        raise CsrfError(exc.msg if exc.msg is not None else str(exc)) from None


async def csrf_protect(
    request: Request, identity: Identity | None = Depends(optional_user)
) -> None:
    """For a state-changing method with a session cookie: the session's CSRF token, in the
    ``X-CSRF-Token`` header or the ``csrf_token`` form field (403 when missing or wrong)."""
    await _check_csrf(request, identity)


def require_role(role: str) -> Callable[..., Awaitable[Identity]]:
    """A dependency: the signed-in user if the role allows ``role`` (viewer < editor <
    admin), else 403 (audited); for a state-changing method, the CSRF token as well."""
    needed = check_role(role)

    async def dependency(request: Request, identity: Identity = Depends(current_user)) -> Identity:
        if not allows(identity.role, needed):
            state = _state(request)
            await run_in_threadpool(
                audit_refusal,
                state,
                identity.username,
                request,
                f"role:{needed}",
                f"role {identity.role}",
            )
            raise PermissionDeniedError(
                N_(
                    "role: {action} needs the {needed} role, {user} is {role}; ask an admin",
                    action=f"{request.method} {request.url.path}",
                    needed=needed,
                    user=identity.username,
                    role=identity.role,
                )
            )
        await _check_csrf(request, identity)
        return identity

    dependency.__name__ = f"require_{needed}"
    return dependency


def audit_refusal(state: AuthState, who: str, request: Request, field: str, detail: str) -> None:
    """Write a refused request to the audit log (its own transaction: the request changes
    nothing else)."""
    with transaction(state.ledger, who) as s:
        s.execute(
            insert(AuditLog).values(
                at=state.settings.now(),
                who=who,
                action="denied",
                table_name="access",
                record_id=escape_controls(f"{request.method} {request.url.path}")[:80],
                field=escape_controls(field)[:60],
                old=None,
                new=encode({"detail": escape_controls(detail)[:300]}),
            )
        )
    log.warning("refused %s %s for %s: %s", request.method, request.url.path, who, field)


# -- the routes ---------------------------------------------------------------------------------
router = APIRouter()


def _set_cookie(response: Response, request: Request, state: AuthState, data: SessionData) -> None:
    response.set_cookie(
        COOKIE,
        state.signer.dumps(data),
        max_age=state.settings.session_max_age_s,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _safe_next(raw: str | None) -> str:
    """A local path to go to after signing in (never another site: no open redirect)."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/"


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "en")
    return lang if lang in LANGS else "en"


def _login_page(lang: str, csrf: str, next_path: str, message: str = "") -> str:
    _ = translator(lang).gettext
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    e = html.escape
    title, name_label, password_label = _("Sign in"), _("User name"), _("Password")
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{e(title)} · chikuden</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{e(title)}</h1>{error}
<form method="post" action="/login?lang={lang}">
<input type="hidden" name="csrf_token" value="{e(csrf)}">
<input type="hidden" name="next" value="{e(next_path)}">
<p><label>{e(name_label)} <input name="username" autocomplete="username" required></label></p>
<p><label>{e(password_label)} <input name="password" type="password"
 autocomplete="current-password" required></label></p>
<p><button type="submit">{e(title)}</button></p>
</form></main></body></html>"""


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    state = _state(request)
    try:
        data = _session_of(request, state)
    except AuthenticationError:
        data = None
    fresh = data is None
    if data is None:
        data = state.signer.new(None)
    page = _login_page(_lang(request), state.signer.csrf_token(data), _safe_next(next))
    response = HTMLResponse(page)
    if fresh:
        _set_cookie(response, request, state, data)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    state = _state(request)
    form = await request.form()
    fields: dict[str, str] = {}
    for name in ("username", "password", "next", CSRF_FIELD):
        value = form.get(name, "")
        if not isinstance(value, str) or len(value) > FORM_LIMIT:
            raise AccountsError(
                N_(
                    "{field}: not a text field of at most {limit} characters",
                    field=name,
                    limit=FORM_LIMIT,
                )
            )
        fields[name] = value
    await _check_csrf(request, None)
    lang = _lang(request)
    next_path = _safe_next(fields["next"])
    address = request.client.host if request.client else "unknown"
    try:
        user = await run_in_threadpool(
            sign_in,
            state.ledger,
            state.accounts,
            fields["username"],
            fields["password"],
            address,
        )
    except AuthenticationError as exc:
        data = _session_of(request, state)
        assert data is not None  # the CSRF check found it
        page = _login_page(lang, state.signer.csrf_token(data), next_path, _failure(lang, exc))
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, LockedOutError) else {}
        return HTMLResponse(page, status_code=exc.status, headers=headers)
    response = RedirectResponse(next_path, status_code=303)
    _set_cookie(response, request, state, state.signer.new(user.id))  # a new session id
    return response


def _failure(lang: str, exc: AuthenticationError) -> str:
    _ = translator(lang).gettext
    if isinstance(exc, LockedOutError):
        minutes = (exc.retry_after_s + 59) // 60
        return _("Too many failed attempts; try again in {minutes} min.").format(minutes=minutes)
    return _("Wrong user name or password, or the account is disabled.")


@router.post("/logout")
async def logout(request: Request, _csrf: None = Depends(csrf_protect)) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/api/session")
def session_info(request: Request) -> dict[str, Any]:
    """Who is signed in and the CSRF token to send with state-changing API calls."""
    state = _state(request)
    identity = optional_user(request)
    data = identity.session if identity is not None else None
    return {
        "user": None if identity is None else identity.username,
        "display_name": None if identity is None else identity.display_name,
        "role": None if identity is None else identity.role,
        "via": None if identity is None else identity.via,
        "csrf_token": None if data is None else state.signer.csrf_token(data),
    }
