"""Where the ledger lives, its migrations and what happens without one."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from chikuden.roadmap.db import (
    VERSION_TABLE,
    Ledger,
    head_revision,
    make_engine,
    redacted,
    resolve_url,
    schema_revision,
    upgrade,
)
from chikuden.roadmap.errors import LedgerError, LedgerNotFoundError
from chikuden.roadmap.models import Base


def test_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CHIKUDEN_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert resolve_url(None) == f"sqlite:///{tmp_path}/chikuden/roadmap.sqlite"
    assert resolve_url("ledger.sqlite") == f"sqlite:///{Path('ledger.sqlite').resolve()}"
    assert (
        resolve_url("postgresql://u:secret@db:5432/l") == "postgresql+psycopg://u:secret@db:5432/l"
    )
    assert resolve_url("postgres://u@db/l") == "postgresql+psycopg://u@db/l"
    monkeypatch.setenv("CHIKUDEN_DB", "sqlite:///from-env.sqlite")
    assert resolve_url(None) == "sqlite:///from-env.sqlite"
    assert resolve_url("sqlite:///given.sqlite") == "sqlite:///given.sqlite"
    assert "secret" not in redacted("postgresql+psycopg://u:secret@db/l")
    with pytest.raises(LedgerError, match="is not a database URL"):
        resolve_url("nonsense://")


def test_migrations_create_exactly_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    assert schema_revision(engine) is None
    upgrade(engine)
    upgrade(engine)  # a second upgrade does nothing
    assert schema_revision(engine) == head_revision() == "0002"
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        assert compare_metadata(ctx, Base.metadata) == []
    engine.dispose()


def test_no_ledger_is_a_clear_error(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(LedgerNotFoundError, match=r"no ledger at .*missing\.sqlite"):
        Ledger.open(str(tmp_path / "missing.sqlite"))
    assert not (tmp_path / "missing.sqlite").exists()  # and none was created
    engine = make_engine(db_url)
    with engine.begin() as conn:  # a database that exists but holds no ledger
        conn.execute(text("CREATE TABLE other (x INTEGER)"))
    engine.dispose()
    with pytest.raises(LedgerNotFoundError, match="holds no roadmap ledger"):
        Ledger.open(db_url)


def test_an_outdated_schema_asks_for_an_upgrade(empty_ledger: Ledger) -> None:
    with empty_ledger.engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '0000'"))
    with pytest.raises(LedgerNotFoundError, match="run `chikuden roadmap upgrade`"):
        Ledger.open(empty_ledger.url)


def test_an_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(LedgerError, match="cannot connect to postgresql\\+psycopg://u:\\*\\*\\*@"):
        Ledger.open("postgresql://u:pw@127.0.0.1:9/ledger?connect_timeout=2")
