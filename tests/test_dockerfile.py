"""The Dockerfile still matches the package (no container runtime is needed to check this;
`make docker-smoke` builds and runs the image where `docker info` works): the Python of the
base image is one the package allows, the install brings the PostgreSQL driver the deploy
docs rely on (``CHIKUDEN_DB=postgresql://...``), the command is a real ``chikuden`` command
listening on the exposed port, and no secret is baked in."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_dockerfile_matches_the_package() -> None:
    text = (ROOT / "Dockerfile").read_text("utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    base = re.search(r"^FROM python:(\d+)\.(\d+)", text, re.M)
    assert base, "the base image is not python:X.Y"
    low = re.search(r">=\s*(\d+)\.(\d+)", project["requires-python"])
    assert low and (int(base[1]), int(base[2])) >= (int(low[1]), int(low[2]))
    install = re.search(r"pip install '?\.\[([a-z,]+)\]'?", text)
    assert install and "postgres" in install[1].split(",")
    assert "postgres" in project["optional-dependencies"]
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M)[1])  # type: ignore[index]
    assert cmd[:2] == ["chikuden", "serve"] and "chikuden" in project["scripts"]
    port = cmd[cmd.index("--port") + 1]
    assert re.search(rf"^EXPOSE {port}$", text, re.M)
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"  # reachable from outside the container
    assert not re.search(r"^ENV .*SECRET", text, re.M)  # the key comes at run time
