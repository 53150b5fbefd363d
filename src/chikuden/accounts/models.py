"""The accounts' tables, on the ledger's metadata (:class:`chikuden.roadmap.models.Base`), so
that ``chikuden roadmap upgrade`` creates them (migration ``0004_accounts``).

``users`` and ``api_tokens`` are audited like the ledger's records: every insert, update and
delete is in ``audit_log`` under the acting user, with the password and token hashes shown as
``<secret>``. ``login_attempts`` is a log itself (every sign-in, failed or not) and is not
audited.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chikuden.accounts.roles import ROLES
from chikuden.roadmap.models import Base

USERNAME_LIMIT = 60
ADDRESS_LIMIT = 64


class User(Base):
    """A person who signs in to the desk, with one role."""

    __tablename__ = "users"
    __audited__ = True
    __audit_secret__: ClassVar[frozenset[str]] = frozenset({"password_hash"})
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LIMIT), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    sessions_valid_from: Mapped[dt.datetime] = mapped_column(DateTime)
    """Sessions issued before this time are invalid (set on a password reset or disable)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ApiToken(Base):
    """A token a script sends as ``Authorization: Bearer``; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __audited__ = True
    __audit_secret__: ClassVar[frozenset[str]] = frozenset({"token_hash"})
    __audit_skip__: ClassVar[frozenset[str]] = frozenset({"last_used_at"})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LoginAttempt(Base):
    """One sign-in attempt: the name tried (a user or not), the client address, when, ok."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LIMIT))
    address: Mapped[str] = mapped_column(String(ADDRESS_LIMIT))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    ok: Mapped[bool] = mapped_column(Boolean)


ACCOUNT_TABLES: tuple[type[Base], ...] = (User, ApiToken, LoginAttempt)
