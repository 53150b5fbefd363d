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
