"""Roles, and the accounts' migration (0004) up and down on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from tests.roadmap.conftest import new_database

from chikuden.accounts.errors import AccountsError, PermissionDeniedError
from chikuden.accounts.roles import ROLES, allows, require
from chikuden.roadmap.db import _alembic_config, make_engine, schema_revision, upgrade

ACCOUNT_TABLES = {"users", "api_tokens", "login_attempts"}


def test_roles_are_ordered() -> None:
    assert ROLES == ("viewer", "editor", "admin")
    # allows(role, needed) for every pair: a role allows itself and the roles before it.
    table = {(r, n): allows(r, n) for r in ROLES for n in ROLES}
    assert [n for (r, n), ok in table.items() if ok and r == "viewer"] == ["viewer"]
    assert [n for (r, n), ok in table.items() if ok and r == "editor"] == ["viewer", "editor"]
    assert [n for (r, n), ok in table.items() if ok and r == "admin"] == list(ROLES)
    require("admin", "editor")
    with pytest.raises(PermissionDeniedError, match="needs the admin role, you are editor"):
        require("editor", "admin", "adding a user")
    with pytest.raises(AccountsError, match="'root' is not a role"):
        allows("root", "viewer")


def test_migration_up_and_down(backend: str, tmp_path: Path) -> None:
    engine = make_engine(new_database(backend, tmp_path))
    upgrade(engine)
    assert schema_revision(engine) == "0004"
    assert set(inspect(engine).get_table_names()) >= ACCOUNT_TABLES
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0002")
    assert schema_revision(engine) == "0002"
    tables = set(inspect(engine).get_table_names())
    assert not ACCOUNT_TABLES & tables and {"actuals", "audit_log"} <= tables
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= ACCOUNT_TABLES
    engine.dispose()
