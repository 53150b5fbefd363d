"""Roles: viewer < editor < admin. A role allows everything the roles below it allow.

- ``viewer``: reads the desk (when reading is closed to the public);
- ``editor``: enters and edits actuals, milestones, targets of the open revision; imports;
- ``admin``: everything, and the accounts themselves (users, roles, tokens).
"""

from __future__ import annotations

from typing import Literal

from chikuden.accounts.errors import AccountsError, PermissionDeniedError
from chikuden.errors import N_

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "editor", "admin")
"""Every role, weakest first."""


def check_role(value: str, field: str = "role") -> Role:
    """``value`` as a role, or an :class:`AccountsError` naming the allowed ones."""
    for role in ROLES:
        if value == role:
            return role
    raise AccountsError(
        N_(
            "{field}: {value!r} is not a role; give one of {allowed}",
            field=field,
            value=value[:40],
            allowed=", ".join(ROLES),
        )
    )


def allows(role: str, needed: str) -> bool:
    """Whether a user with ``role`` may do what needs ``needed``."""
    return ROLES.index(check_role(role)) >= ROLES.index(check_role(needed, "needed role"))


def require(role: str, needed: str, action: str = "this action") -> None:
    """Raise :class:`PermissionDeniedError` unless ``role`` allows ``needed``."""
    if not allows(role, needed):
        raise PermissionDeniedError(
            N_(
                "role: {action} needs the {needed} role, you are {role}; ask an admin "
                "(`chikuden users set-role NAME {needed}`)",
                action=action,
                needed=needed,
                role=role,
            )
        )
