"""The desk's write API fuzzed with schemathesis as an admin signed in by API token (no
CSRF; an admin may call every operation, the editors' and the admins'): valid and invalid
requests for every /api/roadmap operation; none may give a 5xx and every status must be one
the OpenAPI documents. On SQLite and, when ``CHIKUDEN_TEST_PG_URL`` is set, on PostgreSQL.
Bounded and derandomised like tests/web/test_fuzz_api.py."""

from __future__ import annotations

import atexit
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, status_code_conformance
from schemathesis.generation import GenerationMode
from schemathesis.schemas import BaseSchema
from tests.accounts.conftest import SECRET, cheap

from chikuden.accounts import tokens
from chikuden.accounts.settings import SecuritySettings, utcnow
from chikuden.accounts.users import Accounts, transaction
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.seed import seed
from chikuden.web.app import Settings, create_app

EXAMPLES = 25
_FOLDER = tempfile.TemporaryDirectory(prefix="chikuden-desk-fuzz-")
PG_URL = os.environ.get("CHIKUDEN_TEST_PG_URL", "").strip()


def _setup(db: str) -> tuple[FastAPI, str]:
    ledger = Ledger.open(db, user="tester", create=True)
    accounts = Accounts(SecuritySettings(secret_key=SECRET), cheap())
    with transaction(ledger, "setup") as s:
        seed(s)
        user = accounts.add(s, "fuzzer", "admin", "correct horse battery staple")
        _, token = tokens.create(s, user, "fuzz", utcnow)
    ledger.close()
    app = create_app(
        Settings(db=db, secret_key=SECRET),
        accounts=Accounts(SecuritySettings(secret_key=SECRET), cheap()),
    )
    return app, token


def _schema(app: Any) -> BaseSchema:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(
        path_regex="^/api/roadmap"
    )
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES,
        deterministic=True,
    )
    return schema


SQLITE_APP, SQLITE_TOKEN = _setup(f"sqlite:///{Path(_FOLDER.name) / 'desk.sqlite'}")
sqlite_schema = _schema(SQLITE_APP)


def _check(case: schemathesis.Case[Any], token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, status_code_conformance],
    )


@pytest.mark.fuzz
@sqlite_schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_write_gives_a_server_error(case: schemathesis.Case[Any]) -> None:
    _check(case, SQLITE_TOKEN)


class _LazyPostgres:
    """The desk on a new PostgreSQL database, made at the first request (so that an xdist
    worker that runs none of these tests makes none); its OpenAPI document is the SQLite
    app's (the same routes), so loading the schema makes no database."""

    def __init__(self) -> None:
        self.name = f"chikuden_desk_fuzz_{uuid.uuid4().hex[:12]}"
        self.app: FastAPI | None = None
        self.token = ""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/openapi.json":
            await SQLITE_APP(scope, receive, send)
            return
        if self.app is None:
            from sqlalchemy import create_engine, text

            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            admin.dispose()
            self.app, self.token = _setup(PG_URL.rsplit("/", 1)[0] + f"/{self.name}")
        await self.app(scope, receive, send)

    def drop(self) -> None:
        if self.app is None:
            return
        from sqlalchemy import create_engine, text

        self.app.state.chikuden.store.close()
        self.app = None  # a later request (xdist may come back to the module) makes a new one
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()
        self.name = f"chikuden_desk_fuzz_{uuid.uuid4().hex[:12]}"


if PG_URL:
    PG = _LazyPostgres()
    atexit.register(PG.drop)  # whatever the order xdist runs the module's tests in
    pg_schema = _schema(PG)

    @pytest.fixture(scope="module", autouse=True)
    def _drop_pg_database() -> Iterator[None]:
        yield
        PG.drop()

    @pytest.mark.fuzz
    @pytest.mark.postgres
    @pg_schema.parametrize()
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def test_no_write_gives_a_server_error_on_postgresql(case: schemathesis.Case[Any]) -> None:
        _check(case, PG.token)
