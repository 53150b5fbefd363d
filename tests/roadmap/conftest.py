"""Fixtures of the ledger tests: every ledger test runs on SQLite and, when
``CHIKUDEN_TEST_PG_URL`` is set (``make test`` sets it from ``scripts/postgres.sh``), on
PostgreSQL too. Those runs carry the ``postgres`` marker (``-m "not postgres"`` leaves them
out). When the variable is set but the server does not answer, they fail: they never skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from chikuden.roadmap.db import Ledger
from chikuden.roadmap.seed import seed

PG_URL = os.environ.get("CHIKUDEN_TEST_PG_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pg_admin() -> Any:
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def new_database(backend: str, tmp_path: Any, name: str = "ledger") -> str:
    """The URL of a new, empty database on ``backend`` (dropped by :func:`drop_databases`)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.sqlite'}"
    db = f"chikuden_test_{uuid.uuid4().hex[:12]}"
    admin = pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    admin.dispose()
    _created.append(db)
    return PG_URL.rsplit("/", 1)[0] + f"/{db}"


_created: list[str] = []


@pytest.fixture(autouse=True)
def drop_databases() -> Iterator[None]:
    yield
    if not _created:
        return
    admin = pg_admin()
    with admin.connect() as conn:
        while _created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_created.pop()}" WITH (FORCE)'))
    admin.dispose()


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database made by :func:`new_database` or :func:`copy_of` now rather
    than at the end of the test (a SQLite file stays in the test's folder)."""
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    if name in _created:
        _created.remove(name)
    admin = pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(backend: str, tmp_path: Any) -> str:
    """An empty database (no ledger yet)."""
    return new_database(backend, tmp_path)


def _template(backend: str, seeded: bool, tmp_factory: Any) -> str:
    """A database made once per test session (migrated, and seeded if asked) to copy from."""
    key = (backend, seeded)
    if key not in _templates:
        name = f"template_{'seeded' if seeded else 'empty'}"
        url = new_database(backend, tmp_factory.mktemp(name), name)
        if backend == "postgresql":
            _created.pop()  # kept for the whole session
        made = Ledger.open(url, user="tester", create=True)
        if seeded:
            with made.transaction() as session:
                seed(session)
        made.close()
        _templates[key] = url
    return _templates[key]


_templates: dict[tuple[str, bool], str] = {}


@pytest.fixture(scope="session", autouse=True)
def drop_templates() -> Iterator[None]:
    yield
    names = [url.rsplit("/", 1)[1] for (b, _), url in _templates.items() if b == "postgresql"]
    if names:
        admin = pg_admin()
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def copy_of(backend: str, seeded: bool, tmp_path: Any, tmp_factory: Any) -> str:
    """A fresh database with the content of the template (a file copy or CREATE ... TEMPLATE)."""
    template = _template(backend, seeded, tmp_factory)
    if backend == "sqlite":
        target = tmp_path / "ledger.sqlite"
        shutil.copyfile(template.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    db = f"chikuden_test_{uuid.uuid4().hex[:12]}"
    admin = pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}" TEMPLATE "{template.rsplit("/", 1)[1]}"'))
    admin.dispose()
    _created.append(db)
    return PG_URL.rsplit("/", 1)[0] + f"/{db}"


@pytest.fixture
def ledger(
    backend: str, tmp_path: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ledger]:
    """A ledger as ``init`` makes it: the bundled targets and actuals (user ``tester``)."""
    opened = Ledger.open(copy_of(backend, True, tmp_path, tmp_path_factory), user="tester")
    yield opened
    opened.close()


@pytest.fixture
def empty_ledger(
    backend: str, tmp_path: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ledger]:
    """A ledger with its tables and nothing in them."""
    opened = Ledger.open(copy_of(backend, False, tmp_path, tmp_path_factory), user="tester")
    yield opened
    opened.close()
