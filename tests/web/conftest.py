"""Fixtures of the web API's tests: an app on a new saved-scenario database, SQLite and (when
``CHIKUDEN_TEST_PG_URL`` is set, as ``make test`` does from ``scripts/postgres.sh``)
PostgreSQL. The PostgreSQL runs carry the ``postgres`` marker; an unreachable server fails
them, never skips them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.roadmap.conftest import (  # noqa: F401  (the backends, and the postgres marker)
    PG_URL,
    backend,
    drop_database,
    new_database,
    pytest_collection_modifyitems,
)

from chikuden.web.app import Settings, create_app


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:  # noqa: F811  (the fixture)
    """A new, empty database on ``backend`` (a PostgreSQL one is dropped afterwards)."""
    url = new_database(backend, tmp_path, "web")
    try:
        yield url
    finally:
        drop_database(url)


def make_client(db: str, **settings: int) -> TestClient:
    return TestClient(create_app(Settings(db=db, **settings)))  # type: ignore[arg-type]


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c
        c.app.state.chikuden.store.close()  # type: ignore[attr-defined]


@pytest.fixture
def sqlite_client(tmp_path: Path) -> Iterator[TestClient]:
    """A client on SQLite only, for tests that do not touch the saved scenarios."""
    with make_client(f"sqlite:///{tmp_path / 'web.sqlite'}") as c:
        yield c
        c.app.state.chikuden.store.close()  # type: ignore[attr-defined]
