"""The desk's write API fuzzed with schemathesis as an editor signed in by API token (no
CSRF): valid and invalid requests for every /api/roadmap operation; none may give a 5xx and
every status must be one the OpenAPI documents. Bounded and derandomised like
tests/web/test_fuzz_api.py."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, status_code_conformance
from schemathesis.generation import GenerationMode
from tests.accounts.conftest import SECRET, cheap

from chikuden.accounts import tokens
from chikuden.accounts.settings import SecuritySettings, utcnow
from chikuden.accounts.users import Accounts, transaction
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.seed import seed
from chikuden.web.app import Settings, create_app

EXAMPLES = 25
_FOLDER = tempfile.TemporaryDirectory(prefix="chikuden-desk-fuzz-")
_DB = f"sqlite:///{Path(_FOLDER.name) / 'desk.sqlite'}"


def _setup() -> str:
    ledger = Ledger.open(_DB, user="tester", create=True)
    accounts = Accounts(SecuritySettings(secret_key=SECRET), cheap())
    with transaction(ledger, "setup") as s:
        seed(s)
        user = accounts.add(s, "fuzzer", "editor", "correct horse battery staple")
        _, token = tokens.create(s, user, "fuzz", utcnow)
    ledger.close()
    return token


TOKEN = _setup()
APP = create_app(
    Settings(db=_DB, secret_key=SECRET),
    accounts=Accounts(SecuritySettings(secret_key=SECRET), cheap()),
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).include(path_regex="^/api/roadmap")
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
    deterministic=True,
)


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_write_gives_a_server_error(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        checks=[not_a_server_error, status_code_conformance],
    )
