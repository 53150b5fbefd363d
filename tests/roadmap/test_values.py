"""Every value the ledger stores is one it can hold, show and compute with.

The review of issue 10 imported ``workforce.trained,2025,1e29`` (12 of 13 KPIs had no
maximum), after which ``roadmap kpis``, ``actual list`` and ``review`` failed inside babel
with ``decimal.InvalidOperation``. Now every KPI declares a range, each bound with a source,
and every number is finite and within 2**53 in the ledger functions that import, the CLI and
(later) the web forms all call.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from chikuden.commands.roadmap import app
from chikuden.parameters.sources import resolve_source, split_sources
from chikuden.roadmap import ledger as ops
from chikuden.roadmap.backup import dump
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.seed import seed_documents
from chikuden.roadmap.status import progress_ratio

runner = CliRunner()


def test_the_finding_1e29_people_is_refused_and_the_ledger_still_reads(
    db_url: str, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["--db", db_url, "init"]).exit_code == 0
    ledger = Ledger.open(db_url)
    with ledger.transaction() as s:
        before = dump(s)
    path = tmp_path / "big.csv"
    path.write_text(
        "kpi,year,value,unit,source,note\n"
        "workforce.trained,2025,1e29,,x,\n"
        "workforce.trained,2024,1e9,,x,\n",
        "utf-8",
    )
    result = runner.invoke(app, ["--db", db_url, "import", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[1] == (
        "  row 2: value: '1e29' is too large for the ledger; numbers must lie within "
        "±9.0072e+15 (2**53); check the value and its unit"
    )
    # workforce.trained: 0..30,000,000 people (kpis.yaml: 1,000 x METI's 30,000 by 2030).
    assert lines[2] == (
        "  row 3: value: 1,000,000,000 people is outside the range of workforce.trained; "
        "allowed: 0..30,000,000 people"
    )
    with ledger.transaction() as s:
        assert dump(s) == before
    ledger.close()
    for args in (["kpis"], ["actual", "list"], ["review", "--year", "2025", "-o", str(tmp_path)]):
        result = runner.invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 0 and result.exception is None, args


def test_every_kpi_declares_a_range_and_the_source_of_each_bound() -> None:
    kpis = seed_documents()["kpis"]
    assert len(kpis) == 13
    for key, k in kpis.items():
        assert isinstance(k["min"], int | float) and isinstance(k["max"], int | float), key
        assert k["min"] < k["max"] <= ops.VALUE_LIMIT, key
        for bound in ("min_source", "max_source"):
            parts = split_sources(k[bound])
            assert parts, (key, bound)
            for part in parts:
                if part != "physical bound":
                    resolve_source(part)  # raises for an unknown key
            if "assumption" in parts:
                assert k.get("range_note"), f"{key}: the assumption of {bound} is not explained"


def test_a_kpi_needs_a_range(ledger: Ledger) -> None:
    args = ("test.x", "P1", "x", "x", "GWh", 2022, "assumption")
    with pytest.raises(LedgerError, match="needs a declared range"), ledger.transaction() as s:
        ops.add_kpi(s, *args, min_value=0)
    with pytest.raises(LedgerError, match="is not below max"), ledger.transaction() as s:
        ops.add_kpi(s, *args, min_value=5, max_value=5)
    with pytest.raises(LedgerError, match="too large"), ledger.transaction() as s:
        ops.add_kpi(s, *args, min_value=0, max_value=1e300)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "nan is not a number"),
        ("NaN", "'NaN' is not a number"),
        (math.inf, "inf is too large for the ledger"),
        ("-Infinity", "'-Infinity' is not a number"),
        # one number syntax everywhere (chikuden.reading): Python's float() reads these
        ("1_0", "'1_0' is not a number"),
        ("1,5", "'1,5' is not a number"),  # a decimal comma, not digits grouped by thousands
        ("١٢", "is not a number"),
        ("１２", "is not a number"),
        ("1e400", "'1e400' is too large"),  # float('1e400') is inf
        (10**400, "is too large"),  # an int no double holds (OverflowError before)
        (2**53 + 2, "9007199254740994 is too large"),
        (True, "True is not a number"),
        (dt.date(2025, 1, 1), "is not a number"),
    ],
)
def test_numbers_the_ledger_cannot_hold(value: Any, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        ops.check_number(value)


def test_numbers_it_can() -> None:
    assert ops.check_number("1,234.5") == 1234.5
    assert ops.check_number("-12,345,678") == -12_345_678.0
    assert ops.check_number(2**53) == 9_007_199_254_740_992.0
    assert ops.check_number(-0.0) == 0.0


@pytest.mark.parametrize("year", ["²⁰²⁵", "2025.5", "٢٠٢٥٠٠٠", True, math.nan, 10**30, "-2025"])
def test_years_that_are_not_years(year: Any) -> None:
    # "²⁰²⁵" is str.isdigit() but not int()-able: it ended in a ValueError before.
    with pytest.raises(LedgerError, match="is not a year from 2000"):
        ops.check_year(year)


def test_years_written_as_text() -> None:
    assert ops.check_year(" 2025 ") == 2025
    assert ops.check_year("２０２５") == 2025  # full-width digits, as a Japanese IME types them
    assert ops.check_year(2025.0) == 2025


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f"])
def test_text_with_control_characters_is_refused(text: str) -> None:
    # PostgreSQL cannot store NUL at all; the others break spreadsheets and terminals.
    with pytest.raises(LedgerError, match="holds the control character"):
        ops.check_text(text, "note")


def test_tabs_and_line_breaks_are_text() -> None:
    assert ops.check_text("a\tb\nc", "note") == "a\tb\nc"


def test_a_value_converted_beyond_the_range_is_refused(ledger: Ledger) -> None:
    # 1,000,000 兆円 is 1e18 JPY: within 2**53 as typed, beyond the KPI's 1e15 JPY once
    # converted (kpis.yaml: above Japan's GDP). Before, the KPI had no maximum.
    outside = pytest.raises(LedgerError, match=r"1,000,000 兆円 is outside the range .*1e\+15")
    with outside, ledger.transaction() as s:
        ops.add_actual(s, "charging.fund_cumulative", 2025, "1e6", "x", unit="兆円")


def test_a_tiny_planned_change_keeps_the_ratio_bounded() -> None:
    # Baseline 0, a plan of 1e-300 and an actual of 0.5: 0.5 / 1e-300 = 5e299 before, which
    # babel cannot format. A plan below 1e-9 of the values involved counts as no change, so
    # holding the baseline or better is 1.
    one = np.array
    ratio = progress_ratio(one([0.0]), one([1e-300]), one([0.5]), one([1.0]))
    assert ratio.tolist() == [1.0]
    # Ordinary plans are untouched: 29,463 -> 130,914 expected, 68,000 actual = 0.38
    # (docs/roadmap.md's worked example).
    ratio = progress_ratio(one([29_463.0]), one([130_914.0]), one([68_000.0]), one([1.0]))
    assert ratio[0] == pytest.approx((68_000 - 29_463) / (130_914 - 29_463))


def test_a_user_name_longer_than_its_column_is_refused(db_url: str) -> None:
    result = runner.invoke(app, ["--db", db_url, "--user", "x" * 121, "init"])
    assert result.exit_code == 2 and "at most 120 printable characters" in result.stderr
