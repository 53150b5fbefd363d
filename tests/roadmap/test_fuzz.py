"""Fuzz tests of the ledger's doors: imports (CSV, xlsx), backups and the command line.

Each test drives the real command in-process (typer's CliRunner) with generated bad input and
checks what issue 10 asks of every door:

- the command ends with exit code 0 or 2 and no exception of its own (a traceback is a
  failure, whatever the input);
- on exit 2, stderr is one ``error: ...`` line (an import may follow it with one ``  row N:``
  line per bad row) and the ledger's rows are exactly what they were (a dump before and after);
- on exit 0, the ledger still reads: ``kpis``, ``actual list --json`` (strict JSON: no NaN) and
  ``review`` succeed on what was accepted.

Budgets (tests/fuzzing.py): quick in ``make test``, long in ``make fuzz``: 300 CSV files, 150
workbooks, 300 backups and 300 command lines, 1,050 cases per backend.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from tests.fuzzing import budget
from typer.testing import CliRunner, Result

from chikuden.commands.roadmap import app
from chikuden.roadmap.backup import dump
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.seed import seed_documents

from .conftest import copy_of

runner = CliRunner()
KPIS = sorted(seed_documents()["kpis"])
HEADER = ["kpi", "year", "value", "unit", "source", "note"]
UNITS = ["GWh", "TWh", "JPY", "億円", "兆円", "share", "%", "connectors", "万口", "people", "万人"]


@pytest.fixture
def ledger_url(
    backend: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One seeded ledger for all examples of a test: a refused input leaves it as it was, so
    the next example starts from the same rows (an accepted one moves the baseline on)."""
    folder = tmp_path / "ledger"
    folder.mkdir()
    yield copy_of(backend, True, folder, tmp_path_factory)


def _rows(url: str) -> dict[str, Any]:
    ledger = Ledger.open(url)
    try:
        with ledger.transaction() as s:
            return dict(dump(s)["tables"])
    finally:
        ledger.close()


def _invoke(args: list[str]) -> Result:
    result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args!r} raised {result.exception!r}") from result.exception
    assert result.exit_code in (0, 2), (args, result.exit_code, result.output)
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert lines and lines[0].startswith("error: "), (args, result.stderr)
        assert all(line.startswith("  row ") for line in lines[1:]), (args, result.stderr)
    return result


def _still_reads(url: str, out: Path) -> None:
    """What the ledger accepted, it can show and review."""
    for args in (
        ["kpis"],
        ["actual", "list"],
        ["review", "--year", "2025", "--out", str(out)],
    ):
        result = _invoke(["--db", url, *args])
        assert result.exit_code == 0, (args, result.stderr)
    listed = _invoke(["--db", url, "actual", "list", "--json"]).stdout
    json.loads(listed, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise AssertionError(f"the ledger printed {name}")


def _check(url: str, args: list[str], before: dict[str, Any], out: Path) -> Result:
    result = _invoke(["--db", url, *args])
    if result.exit_code == 2:
        assert _rows(url) == before, f"{args!r} failed and changed the ledger"
    else:
        _still_reads(url, out)
    return result


# -- cells and rows -------------------------------------------------------------------------------
def _numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(10**30), 10**30).map(str),
        st.sampled_from(
            ["1e29", "1e308", "1e400", "-1e-320", "NaN", "inf", "-Infinity", "1,234.5", "1_0"]
        ),
        st.sampled_from(["0", "5", "0.5", "68000", "30000000", "30000001", "-1", "9" * 20]),
        st.text(max_size=8),
    )


def _years() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(1990, 2035).map(str),
        st.sampled_from(["2025.0", "2025.5", "２０２５", "²⁰²⁵", "-2025", "20x5", "", "1" * 40]),
        st.floats(allow_nan=True).map(repr),
        st.text(max_size=6),
    )


def _texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=30),
        st.sampled_from(["METI", "", "=cmd|' /C calc'!A0", "a,b", 'say "hi"', "a\x00b", "x\x1b"]),
        st.integers(0, 700).map(lambda n: "s" * n),
    )


@st.composite
def _row(draw: st.DrawFn) -> list[str]:
    row = [
        draw(st.one_of(st.sampled_from(KPIS), st.sampled_from(["charging.conectors", ""]))),
        draw(_years()),
        draw(_numbers()),
        draw(st.one_of(st.just(""), st.sampled_from(UNITS), st.text(max_size=5))),
        draw(_texts()),
        draw(_texts()),
    ]
    extra = draw(st.lists(st.one_of(st.just(""), st.text(max_size=5)), max_size=3))
    return row + extra


@st.composite
def _table(draw: st.DrawFn) -> list[list[str]]:
    header = draw(
        st.one_of(
            st.just(HEADER),
            st.just(HEADER[:4]),
            st.permutations(HEADER).map(list),
            st.lists(st.sampled_from([*HEADER, "colour", ""]), max_size=8),
        )
    )
    rows = draw(st.lists(_row(), max_size=6))
    duplicate = draw(st.booleans())
    if duplicate and rows:
        rows.append(list(rows[0]))
    return [header, *rows]


# -- CSV ------------------------------------------------------------------------------------------
@st.composite
def _csv_bytes(draw: st.DrawFn) -> bytes:
    table = draw(_table())
    if draw(st.booleans()):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(table)
        text = buffer.getvalue()
    else:  # written by hand: commas inside cells make extra cells, quotes stay quotes
        text = "\n".join(",".join(row) for row in table) + "\n"
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "shift_jis", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    tail = draw(st.sampled_from([b"", b"", b"", b"\xff\xfe", b"\x00", b"\x80abc"]))
    if draw(st.integers(0, 40)) == 0:
        # Over the 5 MB limit: a real row repeated (exchange.Limits.max_bytes).
        data += b"workforce.trained,2024,1,,x,\n" * 190_000
    return data + tail


@pytest.mark.fuzz
@budget(quick=25, long=300)
@given(data=_csv_bytes())
def test_fuzz_csv_import(ledger_url: str, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "actuals.csv"
    path.write_bytes(data)
    _check(ledger_url, ["import", str(path)], _rows(ledger_url), tmp_path / "report")


# -- xlsx -----------------------------------------------------------------------------------------
def _cell(value: str, kind: int) -> Any:
    """The text of a generated cell as a workbook would hold it: text, a number, a date."""
    import datetime as dt

    if kind == 1:
        try:
            return float(value)
        except ValueError:
            return value
    if kind == 2:
        try:
            return int(value)
        except ValueError:
            return value
    if kind == 3:
        return dt.datetime(2025, 1, 1)
    if kind == 4:
        return True
    if kind == 5 and value:
        return "=" + value
    return value


@st.composite
def _xlsx_bytes(draw: st.DrawFn) -> bytes:
    table = draw(_table())
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = draw(st.sampled_from(["actuals"] * 5 + ["Sheet1", "Actuals"]))
    for row in table:
        kinds = draw(st.lists(st.integers(0, 6), min_size=len(row), max_size=len(row)))
        cells = [_cell(v, k) for v, k in zip(row, kinds, strict=True)]
        # openpyxl refuses control characters in cells; a workbook cannot hold them either.
        ws.append([_printable(c) for c in cells])
    if draw(st.booleans()):
        book.create_sheet("kpis").append(["other", "sheet"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    # Positions as shares of the length: the file's bytes vary with the time it is saved.
    for share in draw(st.lists(st.floats(0, 1, exclude_max=True), max_size=3)):
        data[int(share * len(data))] ^= 0xFF  # a damaged file, sometimes
    if draw(st.integers(0, 8)) == 0:
        data = data[: int(draw(st.floats(0, 1)) * len(data))]
    return bytes(data)


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("?", value)
    if isinstance(value, float) and value != value:
        return "nan"  # openpyxl writes NaN as text either way
    return value


@pytest.mark.fuzz
@budget(quick=15, long=150)
@given(data=_xlsx_bytes())
def test_fuzz_xlsx_import(ledger_url: str, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "actuals.xlsx"
    path.write_bytes(data)
    _check(ledger_url, ["import", str(path)], _rows(ledger_url), tmp_path / "report")


# -- backups --------------------------------------------------------------------------------------
_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=10),
        st.sampled_from(["2025-01-01", "2025-01-01T00:00:00", "open", "done", "on_track"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@st.composite
def _damaged_backup(draw: st.DrawFn, original: str) -> bytes:
    kind = draw(st.sampled_from(["node", "node", "node", "remove", "text", "number", "bytes"]))
    if kind in ("node", "remove"):
        doc = json.loads(original)
        paths = [p for p in _paths(doc) if p]
        # Prefer the rows, where most of a backup is.
        rows = [p for p in paths if len(p) >= 4 and p[2] == "rows"]
        use_rows = bool(rows) and draw(st.booleans())
        path = draw(st.sampled_from(rows if use_rows else paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if kind == "remove":
            parent.pop(path[-1])
        else:
            parent[path[-1]] = draw(_json)
        return json.dumps(doc, ensure_ascii=False, allow_nan=True).encode("utf-8")
    data = original.encode("utf-8")
    if kind == "text":  # truncated
        return data[: draw(st.integers(0, len(data) - 1))]
    if kind == "number":  # a number token replaced
        old = draw(st.sampled_from(["20.0", "68000.0", "0.0171", "1", "2022", "0.6"]))
        new = draw(st.sampled_from(["NaN", "Infinity", "1e400", "1e29", "-1", "9" * 30, '"x"']))
        return original.replace(old, new, draw(st.integers(1, 3))).encode("utf-8")
    damaged = bytearray(data)
    for position in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=5)):
        damaged[position] = draw(st.integers(0, 255))
    return bytes(damaged)


@pytest.mark.fuzz
def test_fuzz_restore_of_damaged_backups(
    ledger_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    original_file = tmp_path / "original.json"
    assert _invoke(["--db", ledger_url, "backup", str(original_file)]).exit_code == 0
    original = original_file.read_text("utf-8")
    counter = iter(range(10**6))

    @budget(quick=25, long=300)
    @given(data=_damaged_backup(original), into_new=st.booleans())
    def restore(data: bytes, into_new: bool) -> None:
        path = tmp_path / "damaged.json"
        path.write_bytes(data)
        if into_new:  # a new SQLite file: created only if the restore succeeds
            new_file = tmp_path / f"new-{next(counter)}.sqlite"
            result = _invoke(["--db", str(new_file), "restore", str(path)])
            assert new_file.exists() == (result.exit_code == 0)
            if result.exit_code == 0:
                _still_reads(str(new_file), tmp_path / "report")
            return
        before = _rows(ledger_url)
        result = _check(ledger_url, ["restore", str(path), "--replace"], before, tmp_path / "r")
        if result.exit_code == 0:  # back to the original for the next example
            reset = ["--db", ledger_url, "restore", str(original_file), "--replace"]
            assert _invoke(reset).exit_code == 0

    restore()


# -- command lines ------------------------------------------------------------------------------
COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("kpis",): ["--json"],
    ("actual", "add"): ["--source", "--unit", "--note"],
    ("actual", "set"): ["--version", "--value", "--unit", "--source", "--note"],
    ("actual", "remove"): ["--version"],
    ("actual", "list"): ["--json"],
    ("target", "set"): ["--reason", "--source", "--unit", "--version"],
    ("target", "remove"): ["--reason", "--version"],
    ("targets",): ["--revision", "--json"],
    ("revise",): ["--year", "--note", "--changes"],
    ("publish",): [],
    ("revisions",): [],
    ("diff",): ["--json"],
    ("milestones",): [],
    ("milestone", "set"): ["--version", "--status", "--done-on", "--evidence", "--due"],
    ("measures",): [],
    ("review",): ["--year", "--out", "--revision", "--scenario", "--on-track", "--at-risk"],
    ("reviews",): [],
    ("import",): [],
    ("template",): ["--year"],
    ("export",): [],
    ("backup",): [],
    ("restore",): ["--replace"],
    ("settings",): ["--version"],
    ("audit",): ["--table", "--record", "--limit"],
    ("upgrade",): [],
    ("init",): ["--empty"],
    ("actual",): [],
    ("nonsense",): [],
}
GARBAGE = ["text", "noise", "empty", "folder", "truncated ledger", "other database", "missing"]


def _garbage(kind: str, folder: Path, ledger_file: Path | None) -> str:
    """A --db that is not a ledger."""
    path = folder / f"garbage-{kind.replace(' ', '-')}"
    if kind == "text":
        path.write_text("root:x:0:0:root:/root:/bin/bash\n", "utf-8")
    elif kind == "noise":
        path.write_bytes(bytes(range(256)) * 20)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "folder":
        path.mkdir()
    elif kind == "truncated ledger" and ledger_file is not None:
        path.write_bytes(ledger_file.read_bytes()[:20_000])
    elif kind == "other database":
        import sqlite3

        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE roadmap_schema_version (version_num TEXT)")
            conn.execute("INSERT INTO roadmap_schema_version VALUES ('zzzz')")
    return str(path)


def _values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(KPIS),
        _years(),
        _numbers(),
        st.sampled_from(["1", "2", "0", "-1", "99999999999999999999", "open", "done", "x.csv"]),
        st.sampled_from(["2025-06-01", "2025-13-01", "proposal-2022", "nope", "on_track"]),
        st.sampled_from(["at_risk", "0.5", "0.95", "scenario", "actuals", "audit_log"]),
        st.text(max_size=12),
    )


@st.composite
def _command_line(draw: st.DrawFn) -> tuple[list[str], str | None, str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    options = COMMANDS[command] + ["--bogus", "--db", "--user", "--help"]
    tokens: list[str] = []
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.booleans()):
            tokens.append(draw(st.sampled_from(options)))
        tokens.append(draw(_values()))
    where = draw(st.sampled_from(["ledger"] * 4 + GARBAGE + ["url"]))
    place = draw(st.sampled_from(["before", "after", "both", "env"]))
    user = draw(st.one_of(st.none(), st.text(max_size=8), st.just("u" * 130)))
    return [*command, *tokens], user, f"{where}|{place}"


URLS = ["mysql://u@localhost/x", "postgresql://u@127.0.0.1:9/x?connect_timeout=1", "nonsense://"]


@pytest.mark.fuzz
def test_fuzz_command_lines(
    ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # review's default --out, template FILE etc. land here
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    ledger_file = Path(ledger_url.removeprefix("sqlite:///")) if "sqlite" in ledger_url else None
    counter = iter(range(10**6))

    @budget(quick=40, long=300)
    @given(line=_command_line(), url_index=st.integers(0, len(URLS) - 1))
    def call(line: tuple[list[str], str | None, str], url_index: int) -> None:
        args, user, how = line
        where, place = how.split("|")
        folder = work / f"example-{next(counter)}"
        folder.mkdir()
        if where == "ledger":
            db = ledger_url
        elif where == "url":
            db = URLS[url_index]
        else:
            db = _garbage(where, folder, ledger_file)
        garbage_before = _snapshot_file(db)
        monkeypatch.setenv("CHIKUDEN_DB", db if place == "env" else str(folder / "unused"))
        group = ["--db", db] if place in ("before", "both") else []
        after = ["--db", db] if place in ("after", "both") else []
        if user is not None:
            group += ["--user", user]
        before = _rows(ledger_url)
        command = (
            [*group, *args[:2], *after, *args[2:]]
            if args[:1]
            in (
                ["actual"],
                ["target"],
                ["milestone"],
            )
            else [*group, *args[:1], *after, *args[1:]]
        )
        result = _invoke(command)
        if result.exit_code == 2:
            assert result.stderr.count("\n") == 1 or args[0] in ("import", "revise"), (
                command,
                result.stderr,
            )
            assert _rows(ledger_url) == before, f"{command!r} failed and changed the ledger"
            assert _snapshot_file(db) == garbage_before, f"{command!r} failed and changed {db}"

    call()


def _snapshot_file(db: str) -> bytes | None:
    path = Path(db.removeprefix("sqlite:///"))
    if "://" in db and not db.startswith("sqlite:///"):
        return None
    return path.read_bytes() if path.is_file() else None
