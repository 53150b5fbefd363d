"""Excel and CSV: template, export, and the all-or-nothing import of actuals."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from chikuden.roadmap import exchange
from chikuden.roadmap import ledger as ops
from chikuden.roadmap.backup import dump
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import ImportRejectedError, LedgerError

HEADER = ["kpi", "year", "value", "unit", "source", "note"]


def _xlsx(path: Path, rows: list[list[Any]], sheet: str = "actuals") -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(ledger: Ledger, path: Path, limits: exchange.Limits = exchange.Limits()) -> Any:
    with ledger.transaction() as s:
        return exchange.import_actuals(s, path, limits)


def _snapshot(ledger: Ledger) -> dict[str, Any]:
    with ledger.transaction() as s:
        return dump(s)


def test_template_filled_in_and_imported(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    with ledger.transaction() as s:
        assert exchange.export_template(s, path, 2025) == 13
    book = load_workbook(path)
    assert book.sheetnames == ["actuals", "kpis", "about"]
    ws = book["actuals"]
    assert [c.value for c in ws[1]] == HEADER
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "stationary.cumulative":
            row[2].value = 9.1
            row[4].value = "JEMA 2026"
        if row[0].value == "workforce.trained":
            row[2].value = 12000
            row[4].value = "METI"
            row[5].value = "[M] estimate"
    book.save(path)
    report = _import(ledger, path)
    # Two rows filled in, the other eleven left blank.
    assert (report.imported, report.skipped_blank) == (2, 11)
    with ledger.transaction() as s:
        assert ops.actual(s, "stationary.cumulative", 2025).value == 9.1
        trained = ops.actual(s, "workforce.trained", 2025)
        assert (trained.value, trained.note, trained.entered_by) == (
            12000,
            "[M] estimate",
            "tester",
        )


def test_csv_import_converts_units(ledger: Ledger, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "a.csv",
        [
            ",".join(HEADER),
            "charging.fund_cumulative,2025,650,億円,budget,",
            'vehicles.bev_sales_share,2025,"1.9",%,JADA,',
            "stationary.household_price,2024,19,万円/kWh,survey,[M]",
        ],
    )
    assert _import(ledger, path).imported == 3
    with ledger.transaction() as s:
        # 650 億円 = 6.5e10 JPY; 1.9% = 0.019; 19万円/kWh = 190,000 JPY/kWh.
        assert ops.actual(s, "charging.fund_cumulative", 2025).value == 6.5e10
        assert ops.actual(s, "vehicles.bev_sales_share", 2025).value == pytest.approx(0.019)
        assert ops.actual(s, "stationary.household_price", 2024).value == 190_000


def test_every_bad_row_is_reported_and_nothing_changes(ledger: Ledger, tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            ["charging.quick_connectors", 2025, 14000, "connectors", "METI", None],  # good
            ["charging.quick_conectors", 2025, 1, None, "METI", None],  # 3: unknown KPI
            ["charging.connectors", "20x5", 1, None, "METI", None],  # 4: year
            ["charging.connectors", 2015, "many", None, "METI", None],  # 5: value
            ["charging.connectors", 2016, 5, "GWh", "METI", None],  # 6: unit
            ["charging.connectors", 2017, -5, None, "METI", None],  # 7: sign
            ["charging.connectors", 2024, 1, None, "METI", None],  # 8: in the ledger already
            ["charging.quick_connectors", 2025, 1, None, "METI", None],  # 9: twice in the file
            ["charging.connectors", 2018, "=1+1", None, "METI", None],  # 10: formula
            ["workforce.trained", 2024, 5, None, None, None],  # 11: no source
        ],
    )
    before = _snapshot(ledger)
    with pytest.raises(ImportRejectedError) as err:
        _import(ledger, path)
    problems = {p.row: p for p in err.value.problems}
    assert [p.row for p in err.value.problems] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "did you mean 'charging.quick_connectors'" in problems[3].reason
    assert "'20x5' is not a year" in problems[4].reason
    assert "'many' is not a number" in problems[5].reason
    assert "'GWh' is not a unit of charging.connectors" in problems[6].reason
    assert "wrong sign" in problems[7].reason
    assert "already has an actual for 2024" in problems[8].reason
    assert "appears already in row 2" in problems[9].reason
    assert "is a formula" in problems[10].reason
    assert "source: is empty" in problems[11].reason
    lines = str(err.value).splitlines()
    assert lines[0] == (
        "bad.xlsx: 9 bad rows, nothing was imported; correct these rows and import the file again"
    )
    assert lines[1].startswith("row 3: ")
    assert _snapshot(ledger) == before


def test_a_real_formula_cell_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "formula.xlsx"
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "actuals"
    ws.append(HEADER)
    ws.append(["charging.quick_connectors", 2025, None, None, "METI", None])
    ws["C2"] = "=SUM(1,2)"
    ws["C2"].data_type = "f"
    book.save(path)
    with pytest.raises(ImportRejectedError, match="row 2: value: '=SUM"):
        _import(ledger, path)


def test_csv_formula_injection_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "a.csv",
        [",".join(HEADER), 'charging.quick_connectors,2025,1,,"=HYPERLINK(""http://x"")",'],
    )
    with pytest.raises(ImportRejectedError, match="source: '=HYPERLINK"):
        _import(ledger, path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: _xlsx(p / "a.xlsx", [HEADER], sheet="Sheet1"), "has no sheet 'actuals'"),
        (lambda p: _xlsx(p / "a.xlsx", [["kpi", "year", "value"]]), "lacks the column(s) source"),
        (lambda p: _xlsx(p / "a.xlsx", [[*HEADER, "colour"]]), "'colour' in row 1"),
        (lambda p: _xlsx(p / "a.xlsx", [["kpi", "kpi", "year", "value", "source"]]), "twice"),
        (lambda p: _xlsx(p / "a.xlsx", []), "is empty"),
        (lambda p: _csv(p / "a.txt", ["x"]), "neither .xlsx nor .csv"),
        (lambda p: _csv(p / "a.xlsx", ["not a zip"]), "not an .xlsx workbook"),
        (lambda p: p / "missing.csv", "does not exist"),
        (
            lambda p: (p / "a.csv").write_bytes("kpi,year\n".encode("utf-16")) and p / "a.csv",
            "not UTF-8",
        ),
    ],
)
def test_files_of_the_wrong_shape(ledger: Ledger, tmp_path: Path, make: Any, message: str) -> None:
    path = make(tmp_path)
    before = _snapshot(ledger)
    with pytest.raises(LedgerError) as err:
        _import(ledger, path)
    assert message in str(err.value)
    assert _snapshot(ledger) == before


def test_size_and_row_caps(ledger: Ledger, tmp_path: Path) -> None:
    rows = [",".join(HEADER)] + [f"charging.quick_connectors,{2000 + i},1,,s," for i in range(20)]
    path = _csv(tmp_path / "a.csv", rows)
    with pytest.raises(LedgerError, match="more than 10 rows; at most 10 are accepted"):
        _import(ledger, path, exchange.Limits(max_rows=10))
    with pytest.raises(LedgerError, match=r"bytes; at most 100 are accepted"):
        _import(ledger, path, exchange.Limits(max_bytes=100))
    xlsx = _xlsx(tmp_path / "a.xlsx", [HEADER])
    with pytest.raises(LedgerError, match="unpacks to"):
        _import(ledger, xlsx, exchange.Limits(max_unpacked_bytes=1000))


def _rezip(
    src: Path, dst: Path, extra: dict[str, bytes], patch: dict[str, bytes] | None = None
) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = (patch or {}).get(item.filename, zin.read(item.filename))
            zout.writestr(item, data)
        for name, data in extra.items():
            zout.writestr(name, data)
    return dst


def test_hostile_workbooks(ledger: Ledger, tmp_path: Path) -> None:
    plain = _xlsx(tmp_path / "plain.xlsx", [HEADER])
    macros = _rezip(plain, tmp_path / "macros.xlsx", {"xl/vbaProject.bin": b"\0" * 10})
    with pytest.raises(LedgerError, match="contains macros"):
        _import(ledger, macros)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><worksheet>&lol2;</worksheet>'
    )
    entity = _rezip(plain, tmp_path / "entity.xlsx", {}, {"xl/worksheets/sheet1.xml": laughs})
    with pytest.raises(LedgerError, match="declares XML entities"):
        _import(ledger, entity)
    broken = _rezip(plain, tmp_path / "broken.xlsx", {}, {"xl/workbook.xml": b"<nonsense"})
    with pytest.raises(LedgerError, match=r"cannot read broken\.xlsx as a workbook"):
        _import(ledger, broken)


def test_text_that_looks_like_a_formula_is_refused_everywhere(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="looks like a formula"), ledger.transaction() as s:
        ops.add_actual(s, "workforce.trained", 2024, 100, "=cmd|' /C calc'!A0")


def test_export_writes_one_sheet_per_table(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    with ledger.transaction() as s:
        exchange.export_ledger(s, path)
    book = load_workbook(path, read_only=True)
    assert "actuals" in book.sheetnames and "audit_log" in book.sheetnames
    rows = list(book["actuals"].iter_rows(values_only=True))
    assert rows[0][:4] == ("id", "kpi_id", "year", "value")
    assert len(rows) == 30  # header + the 29 seeded actuals
    book.close()


def test_exported_text_never_becomes_a_formula(ledger: Ledger, tmp_path: Path) -> None:
    # Text that reached the ledger without the checks (e.g. an old backup) is written as text.
    with ledger.transaction() as s:
        a = ops.actual(s, "charging.connectors", 2025)
        a.note = '=HYPERLINK("http://example.invalid")'
    path = tmp_path / "ledger.xlsx"
    with ledger.transaction() as s:
        exchange.export_ledger(s, path)
    ws = load_workbook(path)["actuals"]
    notes = [row[5] for row in ws.iter_rows(min_row=2)]
    cell = next(c for c in notes if str(c.value).startswith("="))
    assert cell.data_type == "s"


def test_a_csv_row_longer_than_its_header_is_refused_like_a_workbook_row(
    ledger: Ledger, tmp_path: Path
) -> None:
    # The finding: a note with an unquoted comma was cut to its first part ("first count")
    # and imported; the same row in a workbook was refused. Now both refuse it, row by row.
    row = ["workforce.trained", 2024, 5, None, "METI", "first count", " 2 sites"]
    csv_path = _csv(
        tmp_path / "a.csv",
        [",".join(HEADER), "workforce.trained,2024,5,,METI,first count, 2 sites"],
    )
    xlsx_path = _xlsx(tmp_path / "a.xlsx", [HEADER, row])
    before = _snapshot(ledger)
    for path in (csv_path, xlsx_path):
        with pytest.raises(ImportRejectedError) as err:
            _import(ledger, path)
        [problem] = err.value.problems
        assert problem.row == 2
        assert problem.reason.startswith(
            "' 2 sites' stands in column G, which has no header; allowed columns: kpi, year"
        )
        assert 'double quotes: "a, b"' in problem.reason
    assert _snapshot(ledger) == before
    # Quoted, the comma belongs to the note; blank cells past the header are no problem.
    quoted = _csv(
        tmp_path / "b.csv",
        [",".join(HEADER), 'workforce.trained,2024,5,,METI,"first count, 2 sites",,'],
    )
    assert _import(ledger, quoted).imported == 1
    with ledger.transaction() as s:
        assert ops.actual(s, "workforce.trained", 2024).note == "first count, 2 sites"


def test_cells_far_to_the_right_are_seen(ledger: Ledger, tmp_path: Path) -> None:
    # Rows used to be read up to column 30 only: a value in column AH vanished.
    row: list[Any] = ["workforce.trained", 2024, 5, None, "METI", None] + [None] * 27 + ["x"]
    path = _xlsx(tmp_path / "a.xlsx", [HEADER, row])
    with pytest.raises(ImportRejectedError, match="stands in column AH"):
        _import(ledger, path)
    csv_row = "workforce.trained,2024,5,,METI," + "," * 28 + "x"  # 34 cells, as above
    with pytest.raises(ImportRejectedError, match="stands in column AH"):
        _import(ledger, _csv(tmp_path / "a.csv", [",".join(HEADER), csv_row]))


def test_a_workbook_with_too_many_cells_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "a.xlsx", [HEADER] + [[None] * 5 + ["x"]] * 10)
    with pytest.raises(LedgerError, match="more than 50 cells"):
        _import(ledger, path, exchange.Limits(max_cells=50))


def test_a_workbook_number_no_double_holds_is_a_row_problem(ledger: Ledger, tmp_path: Path) -> None:
    # openpyxl reads <v>1000...0</v> (400 digits) as a Python int; float() of it overflowed.
    plain = _xlsx(tmp_path / "plain.xlsx", [HEADER, ["workforce.trained", 2024, 7, None, "s"]])
    with zipfile.ZipFile(plain) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert b"<v>7</v>" in sheet
    huge = sheet.replace(b"<v>7</v>", b"<v>1" + b"0" * 400 + b"</v>")
    path = _rezip(plain, tmp_path / "huge.xlsx", {}, {"xl/worksheets/sheet1.xml": huge})
    with pytest.raises(ImportRejectedError, match=r"row 2: value: 1000.* is too large"):
        _import(ledger, path)


def test_duplicate_target_changes_are_refused(ledger: Ledger, tmp_path: Path) -> None:
    # The finding: revise --changes applied both rows (the second silently won); import
    # refuses the same KPI and year twice, and so does revise now.
    path = _csv(
        tmp_path / "changes.csv",
        [
            "kpi,year,value,unit,reason,source",
            "workforce.trained,2030,40000,,more plants,x",
            "workforce.trained,2030,45000,,even more,x",
        ],
    )
    with pytest.raises(ImportRejectedError) as err, ledger.transaction() as s:
        exchange.read_changes(s, path)
    [problem] = err.value.problems
    assert problem.row == 3
    assert "workforce.trained 2030 appears already in row 2" in problem.reason
    # The ledger function refuses them too (the web forms will call it directly).
    from chikuden.roadmap import revisions

    twice = [
        revisions.TargetChange("workforce.trained", 2030, 40_000, "a", "x"),
        revisions.TargetChange("workforce.trained", 2030, 45_000, "b", "x"),
    ]
    before = _snapshot(ledger)
    with pytest.raises(LedgerError, match="changed twice"), ledger.transaction() as s:
        revisions.open_next(s, changes=twice)
    assert _snapshot(ledger) == before
