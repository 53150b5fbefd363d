"""docs/web.md documents every endpoint of the API, and no page of the app loads a script
from another host (FastAPI's CDN-based /docs and /redoc are off)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_every_endpoint_is_in_docs_web_md(sqlite_client: TestClient) -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(
        re.findall(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/api/[^ `?]+)", text, flags=re.M)
    )
    paths = sqlite_client.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api")
        for method in operations
    }
    assert routes, "no API routes found"
    assert routes == documented, routes ^ documented


def test_the_cdn_pages_of_fastapi_are_off(sqlite_client: TestClient) -> None:
    assert sqlite_client.get("/docs").status_code == 404
    assert sqlite_client.get("/redoc").status_code == 404
    assert sqlite_client.get("/openapi.json").status_code == 200
