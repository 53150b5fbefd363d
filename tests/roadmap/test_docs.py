"""Every example of docs/roadmap.md runs, in order, as written.

Console lines ``$ chikuden roadmap ...`` run one after the other in one empty folder, with
``CHIKUDEN_DB`` pointing at a new ledger there; a line followed by ``error: ...`` must fail
with exit code 2 and that message. A ```csv block is the file that the next command naming a
.csv file reads.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chikuden.commands.roadmap import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "roadmap.md"


def steps() -> list[tuple[int, str, str | None, str | None]]:
    """(line, command, documented error, csv text to write first)."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    out: list[tuple[int, str, str | None, str | None]] = []
    block: str | None = None
    csv_lines: list[str] = []
    pending_csv: str | None = None
    for i, text in enumerate(lines):
        if text.startswith("```"):
            if block is None:
                block = text.strip()[3:] or "plain"
                csv_lines = []
            else:
                if block == "csv":
                    pending_csv = "\n".join(csv_lines) + "\n"
                block = None
            continue
        if block == "csv":
            csv_lines.append(text)
        elif block == "console" and text.startswith("$ chikuden roadmap"):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            error = following if following.startswith("error: ") else None
            uses_csv = any(arg.endswith(".csv") for arg in shlex.split(text))
            out.append((i + 1, text[2:], error, pending_csv if uses_csv else None))
            if uses_csv:
                pending_csv = None
    return out


def test_the_examples_of_roadmap_md_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHIKUDEN_DB", str(tmp_path / "ledger.sqlite"))
    runner = CliRunner()
    examples = steps()
    assert len(examples) >= 15 and sum(1 for e in examples if e[2]) >= 3
    for line, command, error, csv in examples:
        args = shlex.split(command)[2:]
        if csv is not None:
            name = next(a for a in args if a.endswith(".csv"))
            if not (tmp_path / name).exists():
                (tmp_path / name).write_text(csv, encoding="utf-8")
        result = runner.invoke(app, args)
        where = f"docs/roadmap.md:{line}: {command}\n{result.output}"
        if error is None:
            assert result.exit_code == 0, where
        else:
            assert result.exit_code == 2, where
            assert result.stderr.startswith(error.removesuffix("...")), where
    assert (tmp_path / "report" / "roadmap-review-2025.ja.html").exists()
    assert (tmp_path / "restored.sqlite").exists()
