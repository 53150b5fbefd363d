"""`chikuden roadmap ...` end to end through typer's CliRunner (the commands a user types)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chikuden.commands.roadmap import app
from chikuden.roadmap.backup import dump
from chikuden.roadmap.db import Ledger

runner = CliRunner()


def run(db: str, *args: str, user: str = "alice") -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, "--user", user, *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_new_user_init_import_review(db_url: str, tmp_path: Path) -> None:
    code, out, _ = run(db_url, "init")
    assert code == 0 and "kpis: 13" in out and "actuals: 29" in out
    # The template, filled in with Excel, comes back in.
    template = tmp_path / "actuals.xlsx"
    assert run(db_url, "template", str(template), "--year", "2025")[0] == 0
    book = load_workbook(template)
    for row in book["actuals"].iter_rows(min_row=2):
        if row[0].value == "charging.quick_connectors":
            row[2].value, row[4].value = 16_000, "METI 充電インフラの整備状況 2025"
    book.save(template)
    code, out, _ = run(db_url, "import", str(template))
    assert code == 0 and "imported 1 actual(s)" in out and "12 template row(s)" in out
    code, out, _ = run(db_url, "review", "--year", "2025", "--out", str(tmp_path / "out"))
    assert code == 0
    assert "OFF TRACK  charging.connectors: 68,000 connectors in 2025" in out
    # Quick connectors: 10,128 (2024) -> 30,000 (2030): 2025 expects 10,128 + 19,872/6
    # = 13,440; 16,000 reached: 5,872 / 3,312 = 1.77 -> on track.
    assert "on track   charging.quick_connectors" in out and "(ratio 1.77)" in out
    html = (tmp_path / "out" / "roadmap-review-2025.en.html").read_text("utf-8")
    line = re.search(r'<li id="sum-charging.quick_connectors">(.*?)</li>', html, re.S)
    assert line is not None and "On track" in line.group(1)
    assert "METI 充電インフラの整備状況 2025" in html  # the imported source is cited
    assert (tmp_path / "out" / "roadmap-review-2025.ja.html").exists()
    code, out, _ = run(db_url, "reviews")
    assert code == 0 and "on_track 3" in out


def test_errors_exit_2_with_one_line_and_change_nothing(db_url: str, tmp_path: Path) -> None:
    run(db_url, "init")
    ledger = Ledger.open(db_url)
    with ledger.transaction() as s:
        before = dump(s)
    code, _, err = run(db_url, "actual", "add", "charging.conectors", "2025", "1", "--source", "x")
    assert code == 2
    assert err == (
        "error: kpi: unknown KPI 'charging.conectors' (did you mean 'charging.connectors'?); "
        "see `chikuden roadmap kpis` for the keys\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kpi,year,value,unit,source\n"
        "charging.connectors,2025,5,GWh,x\n"
        "charging.connectors,2019,-1,,x\n",
        "utf-8",
    )
    code, _, err = run(db_url, "import", str(bad))
    assert code == 2
    lines = err.splitlines()
    assert lines[0].startswith("error: bad.csv: 2 bad rows, nothing was imported")
    assert lines[1].startswith("  row 2: unit: 'GWh' is not a unit of charging.connectors")
    assert lines[2].startswith("  row 2: year: charging.connectors already has an actual")
    assert lines[3].startswith("  row 3: value: -1 connectors is outside the range")
    assert "wrong sign" in lines[3]
    assert run(db_url, "diff", "2022", "2031")[0] == 2
    assert run(db_url, "review", "--year", "2025", "--on-track", "0.5")[0] == 2  # below at_risk
    (tmp_path / "file").write_text("x")
    code, _, err = run(db_url, "review", "--year", "2025", "--out", str(tmp_path / "file"))
    assert code == 2 and "cannot write the report" in err  # and the review was not stored
    with ledger.transaction() as s:
        assert dump(s) == before
    ledger.close()


def test_conflicting_versions_through_the_cli(db_url: str) -> None:
    run(db_url, "init")
    args = ("actual", "set", "charging.connectors", "2025", "--value")
    assert run(db_url, *args, "68100", "--version", "1", user="bob")[0] == 0
    code, _, err = run(db_url, *args, "68200", "--version", "1")
    assert code == 2 and "is at version 2, not 1" in err
    code, out, _ = run(db_url, "actual", "list", "charging.connectors")
    assert "68,100 connectors" in out and "bob" in out
    code, out, _ = run(db_url, "audit", "--table", "actuals")
    assert "bob" in out and "68000.0" in out and "68100.0" in out


def test_revise_and_diff(db_url: str, tmp_path: Path) -> None:
    run(db_url, "init")
    changes = tmp_path / "changes.csv"
    changes.write_text(
        "kpi,year,value,unit,reason,source\n"
        "charging.connectors,2030,30,万口,Revised plan,METI 2024\n"
        "stationary.household_price,2030,,,Target withdrawn,\n",
        "utf-8",
    )
    code, out, _ = run(db_url, "revise", "--changes", str(changes), "--note", "2024 update")
    assert code == 0 and "opened revision 2024; 2 target change(s) applied" in out
    code, out, _ = run(db_url, "diff", "2023", "2024")
    assert code == 0
    assert re.search(r"charging\.connectors\s+2030\s+changed", out) is None  # 30万 = 300,000
    assert "stationary.household_price  2030  removed" in out and "Target withdrawn" in out
    code, out, _ = run(db_url, "diff", "2022", "2024", "--json")
    assert '"change": "changed"' in out and "150000.0" in out
    assert run(db_url, "publish")[0] == 0
    code, _, err = run(
        db_url, "target", "set", "workforce.trained", "2030", "1", "--reason", "r", "--source", "s"
    )
    assert code == 2 and "no revision is open" in err


def test_bad_changes_file_opens_no_revision(db_url: str, tmp_path: Path) -> None:
    run(db_url, "init")
    changes = tmp_path / "changes.csv"
    changes.write_text("kpi,year,value,reason\nworkforce.trained,2030,x,r\nnope,2030,1,\n", "utf-8")
    code, _, err = run(db_url, "revise", "--changes", str(changes))
    assert code == 2 and "row 2:" in err and "row 3:" in err
    code, out, _ = run(db_url, "revisions")
    assert "2024" not in out


def test_backup_and_restore_commands(db_url: str, tmp_path: Path) -> None:
    run(db_url, "init")
    file = tmp_path / "b.json"
    assert run(db_url, "backup", str(file))[0] == 0
    other = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    code, out, _ = run(other, "restore", str(file))
    assert code == 0 and "restored" in out
    code, _, err = run(other, "restore", str(file))
    assert code == 2 and "not empty" in err
    assert run(other, "restore", str(file), "--replace")[0] == 0
    a, b = Ledger.open(db_url), Ledger.open(other)
    with a.transaction() as s1, b.transaction() as s2:
        assert dump(s1)["tables"] == dump(s2)["tables"]
    a.close()
    b.close()


def test_listing_commands(db_url: str, tmp_path: Path) -> None:
    run(db_url, "init")
    for args, expected in [
        (("kpis",), "charging.connectors"),
        (("targets",), "revision 2023 (closed)"),
        (("milestones",), "MS-P11-DESIGNATION"),
        (("measures",), "¥332 billion"),
        (("settings",), "proposal-2022"),
        (("revisions",), "closed"),
        (("export", str(tmp_path / "l.xlsx")), "wrote"),
        (("upgrade",), "at schema 0004"),
    ]:
        code, out, _ = run(db_url, *args)
        assert code == 0 and expected in out, (args, out)


def test_database_from_environment_or_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("CHIKUDEN_DB", raising=False)
    result = runner.invoke(app, ["kpis"])
    assert result.exit_code == 2 and "run `chikuden roadmap init`" not in result.stdout
    assert "no ledger at" in result.stderr
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0
    assert (tmp_path / "data" / "chikuden" / "roadmap.sqlite").exists()
    monkeypatch.setenv("CHIKUDEN_DB", str(tmp_path / "env.sqlite"))
    assert runner.invoke(app, ["init", "--empty"]).exit_code == 0
    assert (tmp_path / "env.sqlite").exists()


def test_group_options_before_or_after_the_command(tmp_path: Path) -> None:
    # The finding: `roadmap init --db X` said only "No such option: --db".
    db = str(tmp_path / "after.sqlite")
    result = runner.invoke(app, ["init", "--empty", "--db", db, "--user", "carol"])
    assert result.exit_code == 0 and (tmp_path / "after.sqlite").exists()
    result = runner.invoke(app, ["actual", "list", "--db", db, "--json"])
    assert result.exit_code == 0 and result.stdout.strip() == "[]"
    # Given in both places, they must agree.
    result = runner.invoke(app, ["--db", db, "kpis", "--db", db])
    assert result.exit_code == 0
    result = runner.invoke(app, ["--db", db, "kpis", "--db", str(tmp_path / "other.sqlite")])
    assert result.exit_code == 2
    assert (
        result.stderr.startswith("error: --db: given twice, ") and "give it once" in result.stderr
    )
    # The user given after the command is the one the audit log records.
    result = runner.invoke(app, ["settings", "at_risk", "0.5", "--db", db, "--user", "dave"])
    assert result.exit_code == 0
    result = runner.invoke(app, ["audit", "--db", db, "--table", "settings"])
    assert "dave" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["actual", "set", "k", "2025", "--valu", "1"], "error: No such option: --valu"),
        (["actual", "add", "k"], "error: Missing argument 'year'"),
        (["actual", "add", "k", "twenty", "1", "--source", "s"], "error: Invalid value for"),
        (["bogus"], "error: No such command 'bogus'"),
        (["--bogus", "kpis"], "error: No such option: --bogus"),
        (["review"], "error: Missing option '--year'"),
    ],
)
def test_a_mistyped_command_line_is_one_error_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert (result.exit_code == 2 and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(message), result.stderr
    assert "--help`" in result.stderr


def test_a_group_without_a_command_shows_its_help() -> None:
    for args in ([], ["actual"], ["target"], ["milestone"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Commands:" in result.stdout, args


def test_outputs_that_cannot_be_written_are_one_line_and_leave_nothing(
    db_url: str, tmp_path: Path
) -> None:
    # The finding: backup or export to an unwritable path ended in FileNotFoundError.
    run(db_url, "init")
    (tmp_path / "a-file").write_text("x")
    long_name = "x" * 300  # longer than a file name may be (255 bytes)
    for command in ("backup", "export", "template"):
        suffix = ".json" if command == "backup" else ".xlsx"
        for target in (
            tmp_path / "a-file" / f"out{suffix}",  # a folder that is a file
            tmp_path,  # a folder
            tmp_path / "new1" / "new2" / f"{long_name}{suffix}",  # folders made, then refused
        ):
            code, out, err = run(db_url, command, str(target))
            assert code == 2 and out == "", (command, target)
            assert err.startswith("error: file: cannot write ") and err.count("\n") == 1
    code, _, err = run(db_url, "review", "--year", "2025", "--out", str(tmp_path / "a-file"))
    assert code == 2 and err.startswith("error: --out: cannot write the report")
    code, _, err = run(
        db_url, "review", "--year", "2025", "--out", str(tmp_path / "new1" / long_name)
    )
    assert code == 2 and err.startswith("error: --out: cannot write ")
    # No temporary file, no folder left behind.
    assert {p.name for p in tmp_path.iterdir()} - {"ledger.sqlite"} == {"a-file"}


def test_restoring_a_folder_or_a_missing_file(db_url: str, tmp_path: Path) -> None:
    code, _, err = run(db_url, "restore", str(tmp_path))
    assert code == 2 and err.startswith("error: file: cannot read ")
    code, _, err = run(db_url, "restore", str(tmp_path / "missing.json"))
    assert code == 2 and "does not exist" in err
    assert not Path(db_url.removeprefix("sqlite:///")).exists()  # no ledger was created
