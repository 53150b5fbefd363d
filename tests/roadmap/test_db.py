"""Where the ledger lives, its migrations and what happens without one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

import chikuden.accounts.models  # noqa: F401  (the accounts' tables share the metadata)
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
    assert schema_revision(engine) == head_revision() == "0004"
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


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    # The finding: `roadmap --db /etc/passwd kpis` ended in DatabaseError: file is not a
    # database. A text file and random bytes both give one line, for reading and for init.
    text = tmp_path / "passwd"
    text.write_text("root:x:0:0:root:/root:/bin/bash\n" * 50, "utf-8")
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 40)
    for path in (text, noise):
        for create in (False, True):
            with pytest.raises(LedgerError) as err:
                Ledger.open(str(path), create=create)
            message = str(err.value)
            assert message.startswith(f"--db: {path} is not a SQLite database chikuden can open")
            assert "(file is not a database)" in message and "\n" not in message
        assert path.stat().st_size > 0  # untouched


def test_a_folder_is_not_a_ledger_file(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="is not a file; give the path of a ledger file"):
        Ledger.open(str(tmp_path), create=True)


def test_a_missing_driver_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # The finding: a postgresql:// URL without psycopg ended in ModuleNotFoundError.
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` raises ImportError
    with pytest.raises(LedgerError) as err:
        resolve_url("postgresql://u@db.example/ledger")
    assert str(err.value).startswith(
        "--db: the database driver for postgresql+psycopg://u@db.example/ledger is not installed"
    )
    assert str(err.value).endswith("install it: pip install 'chikuden[postgres]'")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@db/l", "is a mysql database; the ledger lives in SQLite or PostgreSQL"),
        ("sqlite:///a\x00b", "holds a NUL character"),
        ("postgresql://u@db:notaport/l", "is not a database URL chikuden can use"),
    ],
)
def test_urls_chikuden_cannot_use(url: str, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        resolve_url(url)


def test_a_schema_revision_chikuden_does_not_know(empty_ledger: Ledger) -> None:
    with empty_ledger.engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'zzzz'"))
    with pytest.raises(LedgerNotFoundError, match="run `chikuden roadmap upgrade`"):
        Ledger.open(empty_ledger.url)
    # `upgrade` (open with create) cannot find 'zzzz' among the migrations: one line, not
    # alembic's CommandError.
    with pytest.raises(LedgerNotFoundError, match=r"cannot upgrade .*written by another chikuden"):
        Ledger.open(empty_ledger.url, create=True)


def test_a_damaged_ledger_file_is_a_clear_error(tmp_path: Path) -> None:
    from chikuden.roadmap.backup import dump
    from chikuden.roadmap.seed import seed

    path = tmp_path / "ledger.sqlite"
    made = Ledger.open(str(path), user="t", create=True)
    with made.transaction() as s:
        seed(s)
    made.close()
    data = path.read_bytes()
    page = 4096  # SQLite's default page size
    outcomes: set[str] = set()
    # Overwrite one page at a time with 0xFF and read everything: each damaged file either
    # still reads or gives one line, when opened or in the transaction; never a traceback.
    for start in range(0, len(data), page):
        damaged = bytearray(data)
        damaged[start : start + page] = b"\xff" * page
        path.write_bytes(bytes(damaged))
        try:
            opened = Ledger.open(str(path))
            try:
                with opened.transaction() as s:
                    dump(s)
            finally:
                opened.close()
            outcomes.add("read")
        except LedgerError as exc:
            assert "\n" not in str(exc)
            outcomes.add(str(exc).split("(")[0])
    assert f"--db: {path} is not a SQLite database chikuden can open " in outcomes
    assert f"--db: the ledger at sqlite:///{path} cannot carry out the command " in outcomes
