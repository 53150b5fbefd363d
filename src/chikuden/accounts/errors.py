"""Errors of the accounts layer: one line a user can act on (CLI exit 2, HTTP 4xx)."""

from __future__ import annotations

from chikuden.errors import ChikudenError


class AccountsError(ChikudenError):
    """A request about users or tokens that cannot be carried out (HTTP 400 / exit 2)."""

    status = 400


class NotFoundError(AccountsError):
    """No such user or token (HTTP 404)."""

    status = 404


class AuthenticationError(AccountsError):
    """Not signed in, or the credentials are wrong, expired or revoked (HTTP 401)."""

    status = 401


class LockedOutError(AuthenticationError):
    """Too many failed sign-ins for the account or from the address (HTTP 429)."""

    status = 429

    def __init__(self, message: object, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermissionDeniedError(AccountsError):
    """Signed in, but the role does not allow the action (HTTP 403)."""

    status = 403


class CsrfError(AccountsError):
    """A state-changing request without the session's CSRF token (HTTP 403)."""

    status = 403


class SecretKeyError(AccountsError):
    """No usable server secret: sessions cannot be signed, so write mode cannot start."""
