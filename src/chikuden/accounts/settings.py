"""The security settings of the accounts layer, each with its source or its reason.

Each default's source or reason is next to it below and in docs/accounts.md.

Without a secret key there is no write mode: :func:`require_secret_key` refuses with a message
that says how to make one. chikuden does not generate and store a key by itself: a team runs
the desk behind a proxy, often in several processes or containers, and a key made on first
start in one process's data folder would differ between them (sessions valid in one worker and
not the next) and would vanish with a container; a key set once by the operator does neither.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from chikuden.accounts.errors import SecretKeyError

ENV_SECRET = "CHIKUDEN_SECRET_KEY"
ENV_READ_OPEN = "CHIKUDEN_READ_OPEN"
SECRET_MIN_LENGTH = 32

Clock = Callable[[], dt.datetime]
"""Now in UTC without a time zone (as the ledger stores times); tests pass their own."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class SecuritySettings:
    """What the accounts layer needs to know; see the module's table for each default."""

    secret_key: str | None = None
    """``$CHIKUDEN_SECRET_KEY``; never in the repository; at least 32 characters (RFC 2104
    §3: an HMAC key no shorter than the hash output; ``token_urlsafe(32)`` gives 256 bits)."""
    read_open: bool = True
    """``$CHIKUDEN_READ_OPEN``: anyone may read the desk (issue 17: open or closed, a
    setting); writing always needs a sign-in."""
    password_min_length: int = 15
    """NIST SP 800-63B-4 §3.1.1.2: a password used as the only factor SHALL have at least
    15 characters."""
    password_max_length: int = 256
    """NIST SP 800-63B-4 §3.1.1.2: allow at least 64; the cap bounds one hash's work
    (assumption)."""
    account_max_failures: int = 10
    """NIST SP 800-63B §5.2.2 (rev. 3; §3.2.2 in rev. 4): at most 100 consecutive failures
    per account. 10 is an assumption: a team of a few dozen people makes few typos, and an
    attacker is held to 10 guesses per window (960 a day) against a 15-character password."""
    address_max_failures: int = 50
    """OWASP Authentication Cheat Sheet (protect against automated attacks): limit by source
    as well as by account, against password spraying across accounts. 50 lets an office
    behind one NAT address mistype (assumption)."""
    failure_window_s: int = 900
    """15 minutes: the observation window, and in effect the lockout's length, since a
    failure older than this no longer counts (assumption; OWASP leaves both to choose)."""
    attempts_kept_s: int = 30 * 86400
    """Sign-in attempts older than this are deleted at the next sign-in (30 days: a month of
    who tried to sign in from where, to look into a suspected attack; assumption). At least
    ``failure_window_s``: younger attempts decide the lockouts."""
    session_max_age_s: int = 8 * 3600
    """OWASP Session Management Cheat Sheet: an absolute timeout of 4 to 8 hours for an
    application used through a working day."""
    clock: Clock = field(default=utcnow, compare=False)

    @classmethod
    def from_env(cls) -> SecuritySettings:
        """The settings with ``$CHIKUDEN_SECRET_KEY`` and ``$CHIKUDEN_READ_OPEN`` read (change
        others with :func:`dataclasses.replace`)."""
        return cls(
            secret_key=os.environ.get(ENV_SECRET) or None,
            read_open=_flag(os.environ.get(ENV_READ_OPEN, "1")),
        )

    def now(self) -> dt.datetime:
        return self.clock()


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SecretKeyError(
        f"{ENV_READ_OPEN}: {raw[:20]!r} is not a switch; give 1 (anyone may read the desk) "
        "or 0 (reading needs a sign-in)"
    )


def require_secret_key(settings: SecuritySettings) -> str:
    """The server secret, or a :class:`SecretKeyError` saying how to set one."""
    key = settings.secret_key
    how = (
        f"set {ENV_SECRET} to a random value of at least {SECRET_MIN_LENGTH} characters, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`, the same for every "
        "server process, and keep it out of the repository"
    )
    if not key:
        raise SecretKeyError(
            f"{ENV_SECRET}: not set; sign-in and write mode need a secret key to sign "
            f"sessions: {how}"
        )
    if len(key) < SECRET_MIN_LENGTH:
        raise SecretKeyError(
            f"{ENV_SECRET}: {len(key)} characters is too short a secret key; {how}"
        )
    return key
