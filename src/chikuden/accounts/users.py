"""Users: add, list, disable, set a role, reset a password, and authenticate.

Every function takes the ledger's session (:meth:`chikuden.roadmap.db.Ledger.transaction`):
a change commits with the rest of the unit of work and is audited under the session's user
(:func:`transaction` names the acting user). Nothing here logs a password or a hash; the log
lines name the user and what changed.

Sign-in (:func:`authenticate`) is rate-limited twice, both over ``failure_window_s``:

- per account: ``account_max_failures`` failed attempts since the account's last successful
  sign-in lock it until the oldest of them is older than the window;
- per address: ``address_max_failures`` failed attempts from one client address, whatever
  the names tried, lock that address the same way.

A locked attempt does not check the password and is not recorded, so a lock lasts at most one
window after the last failure that counted. Wrong name, wrong password and a disabled account
give the same answer, and an unknown name costs one Argon2 verification like a known one, so
the response does not tell which names exist (OWASP Authentication Cheat Sheet, "Authentication
and error messages").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from chikuden.accounts.errors import (
    AccountsError,
    AuthenticationError,
    LockedOutError,
    NotFoundError,
)
from chikuden.accounts.models import ADDRESS_LIMIT, USERNAME_LIMIT, LoginAttempt, User
from chikuden.accounts.passwords import Passwords
from chikuden.accounts.roles import check_role
from chikuden.accounts.settings import SecuritySettings
from chikuden.errors import N_

if TYPE_CHECKING:
    from chikuden.roadmap.db import Ledger

log = logging.getLogger("chikuden.accounts")

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._@-]{0,59}")
FAILED = N_("sign-in: wrong user name or password, or the account is disabled; try again")


def check_username(raw: str) -> str:
    """A user name as stored (lower case), or an :class:`AccountsError` saying what is allowed."""
    name = raw.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise AccountsError(
            N_(
                "user name: {value!r} is not allowed; give 1 to {limit} characters a-z, 0-9, "
                "'.', '_', '@' or '-', starting with a letter or digit",
                value=raw[:40],
                limit=USERNAME_LIMIT,
            )
        )
    return name


@contextmanager
def transaction(ledger: Ledger, who: str) -> Iterator[Session]:
    """A unit of work on ``ledger`` whose changes are audited under ``who``."""
    with ledger.transaction() as session:
        session.info["user"] = who
        yield session


@dataclass
class Accounts:
    """The users of a ledger, under ``settings`` (its clock, its limits)."""

    settings: SecuritySettings = field(default_factory=SecuritySettings)
    passwords: Passwords | None = None
    _dummy_hash: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.passwords is None:
            self.passwords = Passwords(
                self.settings.password_min_length, self.settings.password_max_length
            )

    @property
    def _pw(self) -> Passwords:
        assert self.passwords is not None
        return self.passwords

    # -- administration -------------------------------------------------------------------
    def get(self, session: Session, username: str) -> User:
        name = check_username(username)
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            raise NotFoundError(
                N_(
                    "user: no user {name!r}; see `chikuden users list`, or add one with "
                    "`chikuden users add NAME --role ROLE`",
                    name=name,
                )
            )
        return user

    def list(self, session: Session) -> list[User]:
        return list(session.scalars(select(User).order_by(User.username)))

    def add(
        self,
        session: Session,
        username: str,
        role: str,
        password: str,
        display_name: str = "",
    ) -> User:
        """A new user; the name must be free and the password meet the rule."""
        name = check_username(username)
        checked_role = check_role(role)
        display = _display_name(display_name)
        if session.scalar(select(User.id).where(User.username == name)) is not None:
            raise AccountsError(
                N_(
                    "user name: {name!r} exists already; choose another name, or change that "
                    "user with `chikuden users set-role` / `reset-password`",
                    name=name,
                )
            )
        self._pw.check(password, name)
        now = self.settings.now()
        user = User(
            username=name,
            display_name=display,
            role=checked_role,
            password_hash=self._pw.hash(password),
            disabled=False,
            sessions_valid_from=now,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        session.flush()
        log.info("user %s added with role %s", name, checked_role)
        return user

    def set_role(self, session: Session, username: str, role: str) -> User:
        user = self.get(session, username)
        user.role = check_role(role)
        user.updated_at = self.settings.now()
        session.flush()
        log.info("user %s now has role %s", user.username, user.role)
        return user

    def disable(self, session: Session, username: str, disabled: bool = True) -> User:
        """Disable (or enable) a user; disabling ends the user's sessions and tokens' use."""
        user = self.get(session, username)
        now = self.settings.now()
        user.disabled = disabled
        user.updated_at = now
        if disabled:
            user.sessions_valid_from = now
        session.flush()
        log.info("user %s %s", user.username, "disabled" if disabled else "enabled")
        return user

    def reset_password(self, session: Session, username: str, password: str) -> User:
        """A new password; the user's existing sessions end."""
        user = self.get(session, username)
        self._pw.check(password, user.username)
        now = self.settings.now()
        user.password_hash = self._pw.hash(password)
        user.sessions_valid_from = now
        user.updated_at = now
        session.flush()
        log.info("user %s has a new password", user.username)
        return user

    # -- sign-in --------------------------------------------------------------------------
    def retry_after(self, session: Session, username: str, address: str) -> int | None:
        """Seconds until the account or the address may try again (None: not locked)."""
        s = self.settings
        now = s.now()
        since = now - dt.timedelta(seconds=s.failure_window_s)
        last_ok = session.scalar(
            select(LoginAttempt.at)
            .where(LoginAttempt.username == username, LoginAttempt.ok.is_(True))
            .order_by(LoginAttempt.at.desc())
            .limit(1)
        )
        account_since = max(since, last_ok) if last_ok is not None else since
        waits = [
            _wait(
                session,
                LoginAttempt.username == username,
                account_since,
                s,
                now,
                s.account_max_failures,
            ),
            _wait(session, LoginAttempt.address == address, since, s, now, s.address_max_failures),
        ]
        locked = [w for w in waits if w is not None]
        return max(locked) if locked else None

    def authenticate(
        self, session: Session, username: str, password: str, address: str
    ) -> User | AuthenticationError:
        """The user whose name and password these are, else the error to show (returned,
        not raised, so that the failed attempt recorded here commits; :func:`sign_in`
        raises it after the commit)."""
        name = username.strip().lower()[:USERNAME_LIMIT]
        addr = (address or "unknown")[:ADDRESS_LIMIT]
        self.prune_attempts(session)
        wait = self.retry_after(session, name, addr)
        if wait is not None:
            log.warning("sign-in refused: %s from %s is locked for %d s", name, addr, wait)
            return LockedOutError(
                N_(
                    "sign-in: too many failed attempts for this account or from this address; "
                    "try again in {minutes}",
                    minutes=_minutes(wait),
                ),
                wait,
            )
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            self._pw.verify(self._dummy(), password)  # the same work as for a real user
            ok = False
        else:
            ok = self._pw.verify(user.password_hash, password) and not user.disabled
        session.add(LoginAttempt(username=name, address=addr, at=self.settings.now(), ok=ok))
        if not ok or user is None:
            session.flush()
            log.info("sign-in failed for %s from %s", name, addr)
            return AuthenticationError(FAILED)
        if self._pw.needs_rehash(user.password_hash):
            session.info["user"] = user.username
            user.password_hash = self._pw.hash(password)
            user.updated_at = self.settings.now()
        session.flush()
        log.info("sign-in of %s from %s", name, addr)
        return user

    def prune_attempts(self, session: Session) -> int:
        """Delete the sign-in attempts older than ``attempts_kept_s`` (never younger than the
        lockout window, whose failures decide the locks); returns how many."""
        s = self.settings
        keep = max(s.attempts_kept_s, s.failure_window_s)
        cutoff = s.now() - dt.timedelta(seconds=keep)
        result = session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._pw.hash("not a password of anyone")
        return self._dummy_hash


def sign_in(ledger: Ledger, accounts: Accounts, username: str, password: str, address: str) -> User:
    """Authenticate in a transaction of its own (the attempt is recorded whatever the
    outcome); raises :class:`AuthenticationError` or :class:`LockedOutError`."""
    with transaction(ledger, username.strip().lower()[:USERNAME_LIMIT] or "anonymous") as s:
        result = accounts.authenticate(s, username, password, address)
    if isinstance(result, AuthenticationError):
        raise result
    return result


def _wait(
    session: Session,
    who: ColumnElement[bool],
    since: dt.datetime,
    s: SecuritySettings,
    now: dt.datetime,
    limit: int,
) -> int | None:
    """Seconds until fewer than ``limit`` failures matching ``who`` lie in the window."""
    failures = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(who, LoginAttempt.ok.is_(False), LoginAttempt.at > since)
            .order_by(LoginAttempt.at)
        )
    )
    if len(failures) < limit:
        return None
    # After the k-th oldest failure leaves the window, len - k remain: k = len - limit + 1.
    leaves = failures[len(failures) - limit] + dt.timedelta(seconds=s.failure_window_s)
    return max(1, int((leaves - now).total_seconds() + 0.999))


def _minutes(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _display_name(raw: str) -> str:
    text = " ".join(raw.split())
    if len(text) > 120 or not text.isprintable():
        raise AccountsError(
            N_(
                "display name: {value!r} is not allowed; give at most 120 printable characters",
                value=raw[:40],
            )
        )
    return text
