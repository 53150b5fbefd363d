"""Signed session cookies and the CSRF token bound to each session.

A session cookie's value is ``{"u": user id or null, "s": session id, "i": issued, "e":
expires}`` signed with the server secret by itsdangerous (HMAC-SHA1 over a key derived
with the salt ``chikuden.session``; a changed byte fails the signature). Nothing secret is
in it (it is signed, not encrypted): the user's id and two times. The reader checks the
signature, then the expiry against the clock, then (in :mod:`chikuden.web.auth`) that the
user still exists, is enabled and had no password reset since ``issued``.

A session without a user (``u`` null) is the pre-session of the sign-in form: it carries the
CSRF token of that form, so a forged cross-site sign-in fails too (OWASP CSRF Prevention Cheat
Sheet, "Login CSRF"). Signing in replaces it with a new session id (no session fixation).

The CSRF token is the synchroniser token of the session, derived rather than stored:
HMAC-SHA256(secret, "csrf:" + session id); a request that changes state must send it back
(form field ``csrf_token`` or header ``X-CSRF-Token``), compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from chikuden.accounts.errors import AuthenticationError, CsrfError
from chikuden.accounts.settings import SecuritySettings, require_secret_key
from chikuden.errors import N_


@dataclass(frozen=True)
class SessionData:
    user_id: int | None
    sid: str
    issued: dt.datetime
    expires: dt.datetime


class SessionSigner:
    """Make and read session cookie values and their CSRF tokens."""

    def __init__(self, settings: SecuritySettings) -> None:
        self.settings = settings
        self._key = require_secret_key(settings)
        self._serializer = URLSafeSerializer(self._key, salt="chikuden.session")

    def new(self, user_id: int | None) -> SessionData:
        now = self.settings.now()
        return SessionData(
            user_id=user_id,
            sid=secrets.token_urlsafe(16),
            issued=now,
            expires=now + dt.timedelta(seconds=self.settings.session_max_age_s),
        )

    def dumps(self, data: SessionData) -> str:
        payload = {
            "u": data.user_id,
            "s": data.sid,
            "i": data.issued.isoformat(),
            "e": data.expires.isoformat(),
        }
        return str(self._serializer.dumps(payload))

    def loads(self, value: str) -> SessionData:
        """The session of a cookie value; :class:`AuthenticationError` if it was changed,
        is not a session or has expired."""
        try:
            payload: Any = self._serializer.loads(value)
            data = SessionData(
                user_id=payload["u"] if payload["u"] is None else int(payload["u"]),
                sid=str(payload["s"]),
                issued=dt.datetime.fromisoformat(payload["i"]),
                expires=dt.datetime.fromisoformat(payload["e"]),
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            raise AuthenticationError(
                N_(
                    "session: the session cookie is not valid (changed or from another "
                    "server); sign in again"
                )
            ) from None
        if self.settings.now() >= data.expires:
            raise AuthenticationError(N_("session: your session has expired; sign in again"))
        return data

    def csrf_token(self, data: SessionData) -> str:
        mac = hmac.new(self._key.encode("utf-8"), b"csrf:" + data.sid.encode(), hashlib.sha256)
        return mac.hexdigest()

    def check_csrf(self, data: SessionData, given: str | None) -> None:
        """Raise :class:`CsrfError` unless ``given`` is the session's CSRF token."""
        if not given:
            raise CsrfError(
                N_(
                    "csrf: the request carries no CSRF token (form field csrf_token or header "
                    "X-CSRF-Token); reload the page and submit again"
                )
            )
        expected = self.csrf_token(data)
        if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
            raise CsrfError(
                N_(
                    "csrf: the CSRF token does not match this session; reload the page and "
                    "submit again"
                )
            )
