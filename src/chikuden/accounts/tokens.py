"""API tokens for scripts: ``Authorization: Bearer ckd_...``.

A token is ``ckd_`` and 32 random bytes (``secrets.token_urlsafe``: 256 bits); it is shown
once, when made, and only its SHA-256 is stored. A fast hash is enough here, unlike for a
password: a 256-bit random value cannot be guessed from its hash, so no slow hash is needed
(OWASP Password Storage Cheat Sheet keeps slow hashes for low-entropy secrets). A token acts
with its user's role; it stops working when revoked or when its user is disabled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from chikuden.accounts.errors import AccountsError, AuthenticationError, NotFoundError
from chikuden.accounts.models import ApiToken, User
from chikuden.accounts.settings import Clock
from chikuden.errors import N_

log = logging.getLogger("chikuden.accounts")

PREFIX = "ckd_"
LAST_USE_STEP = dt.timedelta(minutes=1)
"""How finely a token's last use is kept: a script calling many times a minute updates the
row once a minute, not on every call (assumption: "last used" answers "is this token still
in use?", which minutes answer)."""
NAME_LIMIT = 80


def digest(token: str) -> str:
    """The SHA-256 (hex) stored for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(session: Session, user: User, name: str, clock: Clock) -> tuple[ApiToken, str]:
    """A new token of ``user`` named ``name``: the record and the token itself (show it
    once; it cannot be read back)."""
    label = " ".join(name.split())
    if not label or len(label) > NAME_LIMIT or not label.isprintable():
        raise AccountsError(
            N_(
                "token name: {value!r} is not allowed; give 1 to {limit} printable characters "
                "that say what the token is for (e.g. 'nightly import')",
                value=name[:40],
                limit=NAME_LIMIT,
            )
        )
    if user.disabled:
        raise AccountsError(N_("user: {name!r} is disabled; enable it first", name=user.username))
    token = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        name=label,
        token_hash=digest(token),
        created_at=clock(),
        last_used_at=None,
        revoked_at=None,
    )
    session.add(record)
    session.flush()
    log.info("token %d (%s) made for %s", record.id, label, user.username)
    return record, token


def list_tokens(session: Session, user: User | None = None) -> list[tuple[ApiToken, User]]:
    query = select(ApiToken, User).join(User, ApiToken.user_id == User.id).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return [(t, u) for t, u in session.execute(query)]


def revoke(session: Session, token_id: int, clock: Clock) -> ApiToken:
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFoundError(
            N_("token: no token {id}; see `chikuden users token list`", id=token_id)
        )
    if record.revoked_at is None:
        record.revoked_at = clock()
        session.flush()
        log.info("token %d revoked", token_id)
    return record


class Holder(NamedTuple):
    """The user a valid token speaks for: what a request needs to know of them."""

    id: int
    username: str
    display_name: str
    role: str


_LOOKUP = (
    select(
        ApiToken.id,
        ApiToken.last_used_at,
        ApiToken.revoked_at,
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.disabled,
    )
    .join(User, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"))
)
"""One statement (a Core select of the columns needed, compiled once and cached), run on
every request a script makes."""


def check(connection: Connection, token: str, clock: Clock) -> tuple[Holder, int | None]:
    """The user of a valid ``token`` and the token's id if its last use should be noted now
    (None: noted less than :data:`LAST_USE_STEP` ago); else :class:`AuthenticationError`.
    Only reads: one ``SELECT`` by the token's SHA-256 (an indexed, unique column)."""
    if not token.startswith(PREFIX):
        raise AuthenticationError(
            N_(
                "token: not a chikuden API token; make one with "
                "`chikuden users token create NAME --name WHAT`"
            )
        )
    found = connection.execute(_LOOKUP, {"digest": digest(token)}).first()
    if found is None:
        raise AuthenticationError(N_("token: unknown or revoked; ask an admin for a new one"))
    token_id, last, revoked, user_id, username, display_name, role, disabled = found
    if revoked is not None or disabled:
        raise AuthenticationError(N_("token: unknown or revoked; ask an admin for a new one"))
    due = token_id if last is None or clock() - last >= LAST_USE_STEP else None
    return Holder(user_id, username, display_name, role), due


def note_use(session: Session, token_id: int, clock: Clock) -> None:
    """Note the token's use now."""
    record = session.get(ApiToken, token_id)
    if record is not None:
        record.last_used_at = clock()
        session.flush()


def verify(session: Session, token: str, clock: Clock) -> User:
    """The user of a valid ``token`` (its last use noted, to the minute), else
    :class:`AuthenticationError`."""
    holder, due = check(session.connection(), token, clock)
    if due is not None:
        note_use(session, due, clock)
    user = session.get(User, holder.id)
    assert user is not None  # found with the token, in this transaction
    return user
