"""Every console example of docs/accounts.md runs, in order, as written, on a new ledger
(the password on standard input); a line followed by ``error: ...`` fails with exit code 2
and that message."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chikuden.cli import app
from chikuden.roadmap.db import Ledger

DOC = Path(__file__).resolve().parents[2] / "docs" / "accounts.md"
PASSWORD = "correct horse battery staple\n"


def steps() -> list[tuple[int, str, str | None]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    out: list[tuple[int, str, str | None]] = []
    console = False
    for i, text in enumerate(lines):
        if text.startswith("```"):
            console = not console and text.strip() == "```console"
            continue
        if console and text.startswith("$ chikuden "):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            out.append((i + 1, text[2:], following if following.startswith("error: ") else None))
    return out


def test_the_examples_of_accounts_md_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "ledger.sqlite"
    Ledger.open(str(db), user="setup", create=True).close()
    monkeypatch.setenv("CHIKUDEN_DB", str(db))
    examples = steps()
    assert len(examples) >= 12
    for line, command, error in examples:
        result = CliRunner().invoke(app, shlex.split(command)[1:], input=PASSWORD)
        if error is None:
            assert result.exit_code == 0, f"docs/accounts.md:{line}: {result.output}"
        else:
            assert result.exit_code == 2, f"docs/accounts.md:{line}: {result.output}"
            assert result.stderr.strip() == error, f"docs/accounts.md:{line}: {result.stderr}"
