"""The text the calculator commands print, against a recording taken before issue 16 moved
their numbers behind the Python API (``chikuden.calculators``).

``tests/snapshots/cli_calculators.json`` holds, for 36 command lines of ``chikuden charging``,
``minerals`` and ``product`` (tables in English and Japanese, targets, both queueing models,
``--set`` and ``--year``, and every kind of bad input), the exit code, stdout and stderr the
commands printed at d5e4e30, before the refactor. The JSON of the same commands is compared
with the API's documents in tests/test_api.py. A deliberate change of wording or numbers
re-records the file (``python -m tests.test_cli_golden``) in a commit that says why.
"""

from __future__ import annotations

import json
import shlex
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chikuden.cli import app

RECORDING = Path(__file__).parent / "snapshots" / "cli_calculators.json"
EXAMPLES = Path(str(resources.files("chikuden.data").joinpath("examples")))
RECORDED: dict[str, dict[str, Any]] = json.loads(RECORDING.read_text("utf-8"))


def run(line: str) -> dict[str, Any]:
    """Exit code, stdout and stderr of ``chikuden LINE`` (``EX`` is the bundled examples)."""
    args = [arg.replace("EX", str(EXAMPLES), 1) for arg in shlex.split(line)]
    result = CliRunner().invoke(app, args)
    return {"code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}


def test_the_recording_covers_every_calculator_command() -> None:
    commands = {" ".join(line.split()[:2]) for line in RECORDED}
    assert commands == {
        "charging size",
        "charging wait",
        "charging areas",
        "charging connectors",
        "charging corridor",
        "minerals stress",
        "product assess",
    }
    assert sum(r["code"] == 2 for r in RECORDED.values()) >= 15  # the bad input is there too


@pytest.mark.parametrize("line", sorted(RECORDED))
def test_the_commands_print_what_they_printed_before(line: str) -> None:
    assert run(line) == RECORDED[line]


if __name__ == "__main__":  # re-record: python -m tests.test_cli_golden
    RECORDING.write_text(
        json.dumps({line: run(line) for line in RECORDED}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
