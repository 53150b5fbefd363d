"""Plain-text tables of the CLI (chikuden.commands.tables), laid out by rich.

Widths are worked out by hand: a CJK character (East Asian Wide, e.g. 日, 指) takes two terminal
columns, so "日本" is 4 columns wide; every column but the last is followed by one space of
padding and a one-space divider, so columns are two spaces apart and the rule under a column
covers the column and its padding.
"""

from __future__ import annotations

import unicodedata

from chikuden.commands.tables import text_table


def columns(text: str) -> int:
    """Terminal columns of ``text`` (wide and fullwidth characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def test_japanese_labels_align_by_terminal_columns() -> None:
    table = text_table(["指標", "value"], [["日本", "1"], ["abc", "12,000"]], right=[1])
    # column 0: max(4, 4, 3) = 4 columns (+1 padding), column 1: max(5, 1, 6) = 6 columns;
    # 4 + 1 + 1 (divider) + 6 = 12 columns on every line.
    assert table.splitlines() == [
        "指標   value",
        "----- ------",
        "日本       1",
        "abc   12,000",
    ]
    assert {columns(line) for line in table.splitlines()} == {12}


def test_left_aligned_last_column_has_no_trailing_spaces() -> None:
    table = text_table(["名前", "題名"], [["a", "2022年提言"], ["long-name", "x"]])
    lines = table.splitlines()
    # column 0 is 9 wide ("long-name"), so column 1 starts at column 9 + 2 = 11 on every line
    assert lines == [
        "名前       題名",
        "---------- ----------",
        "a          2022年提言",
        "long-name  x",
    ]
    assert all(line == line.rstrip() for line in lines)


def test_cells_are_plain_text_not_markup() -> None:
    # rich would read "[bold]" as markup and ":smile:" as an emoji code; cells are data.
    table = text_table(["a"], [["[bold]x[/bold] :smile:"]])
    assert table.splitlines()[2] == "[bold]x[/bold] :smile:"
    assert "\x1b" not in table


def test_wide_tables_do_not_wrap() -> None:
    label = "x" * 300  # wider than any terminal
    table = text_table(["indicator", "value"], [[label, "1"]], right=[1])
    # the value column is as wide as its header "value" (5) and aligns right
    assert table.splitlines()[2] == label + "  " + "    1"


def test_a_table_without_rows_has_its_header_and_rule() -> None:
    assert text_table(["a", "b"], []) == "a  b\n-- -"
