"""The CLI's error lines are the English ones of before the ledger's messages carried templates
(issue 16/17): every refusal below, through ``chikuden roadmap`` as a user types it, writes to
stderr byte for byte what stop 22's code wrote (``cli_errors_en.json``, recorded from that
code by the recorder this module held at commit 057d5f9, with that code's ``src`` first on
``PYTHONPATH``)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chikuden.commands.roadmap import app

HERE = Path(__file__).parent
RECORDED = HERE / "cli_errors_en.json"
KPI = "charging.connectors"


def refusals(tmp_path: Path) -> dict[str, list[object]]:
    """Each refused command's exit code and stderr, on one ledger in order."""
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner = CliRunner()

    def run(*args: str, user: str = "alice") -> list[object]:
        result = runner.invoke(app, ["--db", db, "--user", user, *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return [result.exit_code, result.stderr]

    assert run("init")[0] == 0
    assert run("actual", "set", KPI, "2025", "--value", "68100", "--version", "1")[0] == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"kpi,year,value,unit,source\n{KPI},2025,5,GWh,x\n{KPI},2019,-1,,x\nnope,2024,1,,x\n"
        f"{KPI},2024,=1+1,,x\n",
        "utf-8",
    )
    (tmp_path / "a.txt").write_text("x", "utf-8")
    (tmp_path / "empty.csv").write_text("", "utf-8")
    (tmp_path / "header.csv").write_text("kpi,yaer,value\n", "utf-8")
    return {
        "unknown KPI": run("actual", "add", "charging.conectors", "2025", "1", "--source", "x"),
        "out of range": run("actual", "add", KPI, "2024", "--source", "x", "--", "-5"),
        "not a number": run("actual", "add", KPI, "2024", "lots", "--source", "x"),
        # (a year out of range is left out: the message names this year, the last allowed)
        "actual exists": run("actual", "add", KPI, "2025", "1", "--source", "x"),
        "no actual": run("actual", "set", KPI, "2026", "--value", "1", "--version", "1"),
        "stale version": run("actual", "set", KPI, "2025", "--value", "1", "--version", "1"),
        "rows": run("import", str(bad)),
        "not a table file": run("import", str(tmp_path / "a.txt")),
        "empty file": run("import", str(tmp_path / "empty.csv")),
        "bad header": run("import", str(tmp_path / "header.csv")),
        "no revision": run("diff", "2022", "2031"),
        "revision not after": run("revise", "--year", "2020"),
        "milestone status": run("milestone", "set", "nope", "--version", "1", "--status", "x"),
    }


def test_the_cli_writes_the_english_lines_of_before(tmp_path: Path) -> None:
    found = refusals(tmp_path)
    recorded = json.loads(RECORDED.read_text("utf-8"))
    assert found.keys() == recorded.keys()
    for name, answer in found.items():
        assert answer == recorded[name], name
        assert answer[0] == 2, name
