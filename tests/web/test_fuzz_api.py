"""The API fuzzed from its own OpenAPI document with schemathesis: valid and invalid requests
generated for every operation; none may give a 5xx, every answer must match the documented
status codes, content types and response schemas. Bounded (``EXAMPLES`` per operation and
mode, derandomised) so that ``make test`` runs it in well under a minute."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from chikuden.web.app import Settings, create_app

EXAMPLES = 25
_FOLDER = tempfile.TemporaryDirectory(prefix="chikuden-fuzz-")
APP = create_app(Settings(db=f"sqlite:///{Path(_FOLDER.name) / 'fuzz.sqlite'}"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
    deterministic=True,
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gives_a_server_error(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(checks=CHECKS)
