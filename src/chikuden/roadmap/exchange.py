"""Exchange with Excel: export the ledger or a fill-in template, import actuals (.xlsx, .csv).

An import is all or nothing. The file is read and every row checked first; if any row is bad,
:class:`~chikuden.roadmap.errors.ImportRejectedError` lists each bad row with its row number
(the header is row 1, as Excel shows it) and its reason, and nothing is written. Only a clean
file is written, in one transaction: a crash half-way leaves the ledger as it was.

Hostile or broken files are refused before they are parsed: too large, too many rows, not a
zip archive, unpacking to too much, XML entity declarations, macros; and cell by cell:
formulas (a cell of type ``f`` or text starting with ``=``). Workbooks are opened with
``read_only=True, data_only=False`` so a formula is seen as a formula, never as its cached value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chikuden.errors import N_, did_you_mean
from chikuden.reading import escape_controls
from chikuden.roadmap import ledger
from chikuden.roadmap.errors import ImportRejectedError, LedgerError, RowProblem
from chikuden.roadmap.models import Actual, utcnow
from chikuden.roadmap.revisions import TargetChange
from chikuden.roadmap.testhooks import pause
from chikuden.roadmap.units import accepted_units

ACTUALS_SHEET = "actuals"
ACTUAL_COLUMNS = ("kpi", "year", "value", "unit", "source", "note")
ACTUAL_REQUIRED = ("kpi", "year", "value", "source")
CHANGES_SHEET = "changes"
CHANGE_COLUMNS = ("kpi", "year", "value", "unit", "reason", "source", "note")
CHANGE_REQUIRED = ("kpi", "year", "value", "reason")


@dataclass(frozen=True)
class Limits:
    """What an imported file may be: size [bytes], unpacked size [bytes], rows, cells read
    from a workbook (blank ones included)."""

    max_bytes: int = 5_000_000
    max_unpacked_bytes: int = 100_000_000
    max_rows: int = 20_000
    max_cells: int = 2_000_000


@dataclass
class Table:
    """Rows of a sheet by their row number, plus the problems found while reading them."""

    name: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


# -- reading ------------------------------------------------------------------------------------
def read_table(
    path: Path,
    sheet: str,
    columns: Sequence[str],
    required: Sequence[str],
    limits: Limits = Limits(),
) -> Table:
    """Read sheet ``sheet`` of an .xlsx file (or a .csv file) into rows keyed by column."""
    name = path.name
    if not path.is_file():
        raise LedgerError(
            N_("file: {path!r} does not exist or is not a file; check the path", path=str(path))
        )
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise LedgerError(
            N_(
                "file: {name} has {size} bytes; at most {most} are accepted; split it into "
                "smaller files",
                name=name,
                size=f"{size:,}",
                most=f"{limits.max_bytes:,}",
            )
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        cells = _xlsx_rows(path, sheet, limits)
    elif suffix == ".csv":
        cells = _csv_rows(path, limits)
    else:
        raise LedgerError(
            N_(
                "file: {name!r} is neither .xlsx nor .csv; save it from Excel as .xlsx (Excel "
                "Workbook) or as CSV UTF-8",
                name=name,
            )
        )
    table = Table(name)
    header: list[str | None] | None = None
    for number, row in cells:
        if header is None:
            header = _header(name, row, columns, required)
            continue
        if all(_blank(value) for value, _ in row):
            continue
        if len(table.rows) + len(table.problems) >= limits.max_rows:
            raise LedgerError(
                N_(
                    "file: {name} has more than {most} rows; at most {most} are accepted; "
                    "split it into smaller files",
                    name=name,
                    most=f"{limits.max_rows:,}",
                )
            )
        record: dict[str, Any] = {}
        bad = False
        # A cell beyond the header counts as a cell under a blank header: in a workbook and in
        # a CSV file alike, a value there is a problem, never silently dropped.
        columns_of_row = [*header[: len(row)], *([None] * (len(row) - len(header)))]
        stray = [
            (index, value)
            for index, (col, (value, _)) in enumerate(zip(columns_of_row, row, strict=True))
            if col is None and not _blank(value)
        ]
        if stray:
            index, value = stray[0]
            table.problems.append(
                RowProblem.of(
                    number,
                    "",
                    value,
                    N_(
                        "{value!r} stands in column {column}, which has no header{more}; "
                        "allowed columns: {allowed} (in a CSV file, put a text with commas in "
                        'double quotes: "a, b")',
                        value=str(value)[:40],
                        column=_letters(index + 1),
                        more=N_(" and {n} more cell(s)", n=len(stray) - 1)
                        if len(stray) > 1
                        else "",
                        allowed=", ".join(columns),
                    ),
                )
            )
            bad = True
        for col, (value, formula) in zip(columns_of_row, row, strict=True):
            if col is None:
                continue
            if formula:
                table.problems.append(
                    RowProblem.of(
                        number,
                        col,
                        value,
                        N_(
                            "{field}: {value!r} is a formula; formulas are not accepted, paste "
                            "the value instead (Paste Special > Values)",
                            field=col,
                            value=str(value)[:40],
                        ),
                    )
                )
                bad = True
                continue
            record[col] = None if _blank(value) else value
        if not bad:
            table.rows.append((number, record))
    if header is None:
        raise LedgerError(
            N_(
                "file: {name} is empty; the first row must name the columns {columns} (export "
                "a template with `chikuden roadmap template`)",
                name=name,
                columns=", ".join(columns),
            )
        )
    return table


def _letters(column: int) -> str:
    """Excel's name of a column: 1 -> A, 27 -> AA."""
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(column))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header(
    name: str, row: list[tuple[Any, bool]], columns: Sequence[str], required: Sequence[str]
) -> list[str | None]:
    header: list[str | None] = []
    for value, formula in row:
        if _blank(value):
            header.append(None)
            continue
        col = str(value).strip().lower()
        if formula or col not in columns:
            raise LedgerError(
                N_(
                    "header: {value!r} in row 1 of {name} is not a column of this sheet{close}; "
                    "allowed: {allowed}",
                    value=str(value)[:40],
                    name=name,
                    close=did_you_mean(col, columns),
                    allowed=", ".join(columns),
                )
            )
        if col in header:
            raise LedgerError(
                N_(
                    "header: column {column!r} appears twice in row 1 of {name}",
                    column=col,
                    name=name,
                )
            )
        header.append(col)
    missing = [c for c in required if c not in header]
    if missing:
        raise LedgerError(
            N_(
                "header: {name} lacks the column(s) {missing} in row 1; required: {required}",
                name=name,
                missing=", ".join(missing),
                required=", ".join(required),
            )
        )
    return header


def _xlsx_rows(path: Path, sheet: str, limits: Limits) -> Iterator[tuple[int, list[Any]]]:
    name = path.name
    if not zipfile.is_zipfile(path):
        raise LedgerError(
            N_(
                "file: {name} is not an .xlsx workbook (not a zip archive); save it from Excel "
                "as .xlsx (Excel Workbook)",
                name=name,
            )
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            unpacked = sum(m.file_size for m in members)
            if unpacked > limits.max_unpacked_bytes:
                raise LedgerError(
                    N_(
                        "file: {name} unpacks to {size} bytes; at most {most} are accepted; "
                        "split it into smaller files",
                        name=name,
                        size=f"{unpacked:,}",
                        most=f"{limits.max_unpacked_bytes:,}",
                    )
                )
            for member in members:
                if "vbaproject" in member.filename.lower():
                    raise LedgerError(
                        N_(
                            "file: {name} contains macros; save it as .xlsx (Excel Workbook), "
                            "without macros",
                            name=name,
                        )
                    )
                if member.filename.lower().endswith((".xml", ".rels")):
                    with archive.open(member) as fh:
                        head = fh.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise LedgerError(
                            N_(
                                "file: {name} declares XML entities in {member} (Excel never "
                                "does); save the data again from Excel",
                                name=name,
                                member=member.filename,
                            )
                        )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        # a broken archive: bad CRC, a damaged deflate stream, a cut-off member, an unknown
        # compression method
        raise LedgerError(
            N_(
                "file: {name} is a damaged .xlsx ({reason}); save it again from Excel",
                name=name,
                reason=f"{type(exc).__name__}: {exc}",
            )
        ) from None

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise LedgerError(
            N_(
                "file: cannot read {name} as a workbook ({reason}); save it again from Excel as "
                ".xlsx",
                name=name,
                reason=f"{type(exc).__name__}: {exc}",
            )
        ) from None
    try:
        if sheet not in book.sheetnames:
            raise LedgerError(
                N_(
                    "sheet: {name} has no sheet {sheet!r} (found: {found}); put the rows on a "
                    "sheet named {sheet!r}, as in the template",
                    name=name,
                    sheet=sheet,
                    found=", ".join(book.sheetnames),
                )
            )
        ws = book[sheet]
        ws.reset_dimensions()  # rows as wide as their cells, not as the declared dimension
        cells = 0
        try:
            for number, row in enumerate(ws.iter_rows(), start=1):
                cells += len(row)
                if cells > limits.max_cells:
                    raise LedgerError(
                        N_(
                            "file: sheet {sheet!r} of {name} has more than {most} cells (blank "
                            "ones included); copy only the rows and columns of the template "
                            "into a new workbook",
                            sheet=sheet,
                            name=name,
                            most=f"{limits.max_cells:,}",
                        )
                    )
                yield (
                    number,
                    [
                        (
                            cell.value,
                            getattr(cell, "data_type", None) == "f"
                            or (isinstance(cell.value, str) and cell.value.startswith("=")),
                        )
                        for cell in row
                    ],
                )
        except LedgerError:
            raise
        except Exception as exc:  # malformed sheet XML
            raise LedgerError(
                N_(
                    "file: sheet {sheet!r} of {name} is damaged ({reason}); save it again from "
                    "Excel",
                    sheet=sheet,
                    name=name,
                    reason=f"{type(exc).__name__}: {exc}",
                )
            ) from None
    finally:
        book.close()


def _csv_rows(path: Path, limits: Limits) -> Iterator[tuple[int, list[Any]]]:
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LedgerError(
            N_(
                "file: {name} is not UTF-8 text; save it from Excel as 'CSV UTF-8 (comma "
                "delimited)'",
                name=name,
            )
        ) from None
    if "\x00" in text:
        raise LedgerError(
            N_("file: {name} is binary, not CSV text; export the sheet as CSV UTF-8", name=name)
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, row in enumerate(reader, start=1):
            yield number, [(v, v.lstrip().startswith("=")) for v in row]
    except csv.Error as exc:
        raise LedgerError(
            N_("file: {name} is not valid CSV ({reason}); export it again", name=name, reason=exc)
        ) from None


# -- importing actuals --------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportReport:
    """What an import did: actuals added and template rows left blank."""

    imported: int
    skipped_blank: int


def import_actuals(session: Session, path: Path, limits: Limits = Limits()) -> ImportReport:
    """Add the actuals in ``path`` (sheet ``actuals`` of an .xlsx, or a .csv) to the ledger,
    all of them or, if any row is bad, none."""
    table = read_table(path, ACTUALS_SHEET, ACTUAL_COLUMNS, ACTUAL_REQUIRED, limits)
    known = ledger.kpis(session)
    taken = {
        (kpi_id, year): (value, version)
        for kpi_id, year, value, version in session.execute(
            select(Actual.kpi_id, Actual.year, Actual.value, Actual.version)
        )
    }
    this_year = dt.date.today().year
    problems = list(table.problems)
    seen: dict[tuple[str, int], int] = {}
    good: list[dict[str, Any]] = []
    skipped = 0
    for number, rec in table.rows:
        if rec.get("value") is None and rec.get("source") is None and rec.get("note") is None:
            skipped += 1  # a template row nobody filled in
            continue
        row_problems: list[RowProblem] = []
        key = str(rec.get("kpi") or "").strip()
        kpi = known.get(key)
        if kpi is None:
            row_problems.append(
                RowProblem.of(
                    number,
                    "kpi",
                    rec.get("kpi"),
                    N_(
                        "kpi: unknown KPI {key!r}{close}; see the kpis sheet of the template for "
                        "the keys",
                        key=key,
                        close=did_you_mean(key, known),
                    ),
                )
            )
        year = _try(row_problems, number, rec, "year", ledger.check_year, "year", this_year)
        number_value = _try(row_problems, number, rec, "value", ledger.check_number, "value")
        source = _try(row_problems, number, rec, "source", ledger.check_text, "source", True, 500)
        note = _try(row_problems, number, rec, "note", ledger.check_text, "note", False)
        value = None
        if kpi is not None and number_value is not None:
            unit = None if rec.get("unit") is None else str(rec["unit"])
            try:
                value = ledger.to_kpi_unit(kpi, number_value, unit, "unit")
            except LedgerError as exc:
                row_problems.append(RowProblem.of(number, "unit", rec.get("unit"), exc))
        if kpi is not None and year is not None:
            repeated = _repeated(seen, key, year, number, "row")
            if repeated is not None:
                row_problems.append(repeated)
            elif (kpi.id, year) in taken:
                old, version = taken[(kpi.id, year)]
                row_problems.append(
                    RowProblem.of(
                        number,
                        "year",
                        year,
                        N_(
                            "year: {kpi} already has an actual for {year} ({value} {unit}, "
                            "version {version}); remove the row, or correct the ledger with "
                            "`chikuden roadmap actual set {kpi} {year} VALUE --version {version}`",
                            kpi=key,
                            year=year,
                            value=f"{old:,.6g}",
                            unit=kpi.unit,
                            version=version,
                        ),
                    )
                )
            else:
                seen[(key, year)] = number
        if row_problems:
            problems.extend(row_problems)
            continue
        assert kpi is not None and year is not None and value is not None
        good.append(
            {"kpi_id": kpi.id, "year": year, "value": value, "source": source, "note": note or ""}
        )
    if problems:
        raise ImportRejectedError(table.name, sorted(problems, key=lambda p: p.row))
    user = str(session.info.get("user", "unknown"))
    for step, values in enumerate(good, start=1):
        session.add(Actual(**values, entered_by=user, entered_at=utcnow()))
        session.flush()
        pause(step)
    return ImportReport(imported=len(good), skipped_blank=skipped)


def _try(
    problems: list[RowProblem], number: int, rec: dict[str, Any], col: str, fn: Any, *args: Any
) -> Any:
    """``fn(rec[col], *args)``, or None with the problem noted."""
    try:
        return fn(rec.get(col), *args)
    except LedgerError as exc:
        problems.append(RowProblem.of(number, col, rec.get(col), exc))
        return None


def read_changes(session: Session, path: Path, limits: Limits = Limits()) -> list[TargetChange]:
    """Target changes for a revision from ``path`` (sheet ``changes`` or a .csv); a blank
    value removes the target. Every bad row is reported at once."""
    table = read_table(path, CHANGES_SHEET, CHANGE_COLUMNS, CHANGE_REQUIRED, limits)
    known = ledger.kpis(session)
    problems = list(table.problems)
    changes: list[TargetChange] = []
    seen: dict[tuple[str, int], int] = {}
    for number, rec in table.rows:
        before = len(problems)
        key = str(rec.get("kpi") or "").strip()
        kpi = known.get(key)
        if kpi is None:
            problems.append(
                RowProblem.of(
                    number,
                    "kpi",
                    rec.get("kpi"),
                    N_("kpi: unknown KPI {key!r}{close}", key=key, close=did_you_mean(key, known)),
                )
            )
        year = _try(problems, number, rec, "year", ledger.check_year)
        reason = _try(problems, number, rec, "reason", ledger.check_text, "reason")
        _try(problems, number, rec, "source", ledger.check_text, "source", False, 300)
        _try(problems, number, rec, "note", ledger.check_text, "note", False)
        value = None
        if rec.get("value") is not None:
            value = _try(problems, number, rec, "value", ledger.check_number)
            if kpi is not None and value is not None:
                unit = None if rec.get("unit") is None else str(rec["unit"])
                try:
                    ledger.to_kpi_unit(kpi, value, unit)
                except LedgerError as exc:
                    problems.append(RowProblem.of(number, "unit", rec.get("unit"), exc))
        if kpi is not None and year is not None:
            repeated = _repeated(seen, key, year, number, "change")
            if repeated is not None:
                problems.append(repeated)
            else:
                seen[(key, year)] = number
        if len(problems) > before:
            continue
        assert year is not None and reason is not None
        changes.append(
            TargetChange(
                kpi=key,
                year=year,
                value=value,
                reason=reason,
                source=str(rec.get("source") or ""),
                unit=None if rec.get("unit") is None else str(rec["unit"]),
                note=None if rec.get("note") is None else str(rec["note"]),
            )
        )
    if problems:
        raise ImportRejectedError(table.name, sorted(problems, key=lambda p: p.row))
    return changes


def _repeated(
    seen: dict[tuple[str, int], int], key: str, year: int, number: int, what: str
) -> RowProblem | None:
    """The problem of a row whose KPI and year an earlier row of the file already gave."""
    if (key, year) not in seen:
        return None
    message = (
        N_(
            "year: {kpi} {year} appears already in row {row}; keep one row per KPI and year",
            kpi=key,
            year=year,
            row=seen[(key, year)],
        )
        if what == "row"
        else N_(
            "year: {kpi} {year} appears already in row {row}; keep one change per KPI and year",
            kpi=key,
            year=year,
            row=seen[(key, year)],
        )
    )
    return RowProblem.of(number, "year", year, message)


# -- exporting ----------------------------------------------------------------------------------
def _cell(ws: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        # a worksheet cannot hold control characters (an audit row may quote them from a
        # refused input): written as their \xNN escape, visible and nothing lost
        value = escape_controls(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    return cell


def _sheet(book: Any, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    ws = book.create_sheet(title)
    ws.append([_cell(ws, h) for h in header])
    for row in rows:
        ws.append([_cell(ws, v) for v in row])


def export_template(session: Session, path: Path, year: int | None = None) -> int:
    """A fill-in workbook: sheet ``actuals`` with one row per KPI for ``year`` (default: last
    year) and a ``kpis`` sheet that lists keys, labels, units and the latest actual."""
    from openpyxl import Workbook

    year = year or dt.date.today().year - 1
    book = Workbook(write_only=True)
    kpis = list(ledger.kpis(session).values())
    latest = _latest_actuals(session)
    _sheet(
        book,
        ACTUALS_SHEET,
        ACTUAL_COLUMNS,
        [[k.key, year, None, k.unit, None, None] for k in kpis],
    )
    _sheet(
        book,
        "kpis",
        ["kpi", "label_en", "label_ja", "unit", "accepted units", "min", "max", "latest actual"],
        [
            [
                k.key,
                k.label_en,
                k.label_ja,
                k.unit,
                ", ".join(accepted_units(k.unit)),
                k.min_value,
                k.max_value,
                latest.get(k.id, ""),
            ]
            for k in kpis
        ],
    )
    _sheet(
        book,
        "about",
        ["chikuden roadmap: actuals template / 実績入力テンプレート"],
        [
            ["Fill in value and source on the actuals sheet; leave rows you skip blank."],
            ["actuals シートの value と source を記入してください。空欄の行は無視されます。"],
            ["Values only, no formulas; the unit column may use the accepted units (kpis sheet)."],
            ["数式は使えません。単位は kpis シートの accepted units から選べます。"],
            ["Import: chikuden roadmap import FILE.xlsx"],
        ],
    )
    _save(book, path)
    return len(kpis)


def _latest_actuals(session: Session) -> dict[int, str]:
    out: dict[int, str] = {}
    for kpi_id, year, value in session.execute(
        select(Actual.kpi_id, Actual.year, Actual.value).order_by(Actual.year)
    ):
        out[kpi_id] = f"{year}: {value:,.6g}"
    return out


def export_ledger(session: Session, path: Path) -> None:
    """The whole ledger as a workbook, one sheet per table (for reading and archiving); not
    the accounts (no password or token hashes) nor the saved scenarios."""
    from openpyxl import Workbook

    from chikuden.roadmap.backup import dump

    book = Workbook(write_only=True)
    doc = dump(session, ledger_only=True)
    for table, body in doc["tables"].items():
        _sheet(book, table[:31], body["columns"], body["rows"])
    _save(book, path)


def _save(book: Any, path: Path) -> None:
    """Save ``book`` to ``path``, all or nothing (a write-only workbook saves only once, so it
    is saved into memory first and the bytes are written)."""
    from chikuden.roadmap.files import write_file

    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    write_file(path, lambda tmp: tmp.write_bytes(data))
