"""Number formatting for readers (chikuden.report.format).

Expected strings are worked out by hand. What babel itself gives (checked with babel 2.19):
``format_compact_decimal(1e11, locale="ja_JP", fraction_digits=1) == "1000億"`` (no thousands
separator) and ``format_compact_decimal(3e12, format_type="long", locale="en",
fraction_digits=1) == "3 trillion"`` (no ``.0``); the formatter adds both.
"""

from __future__ import annotations

import math

import pytest
from babel.numbers import format_compact_decimal

from chikuden.report.format import (
    MISSING,
    display_unit,
    format_money,
    format_number,
    format_share,
    format_value,
)


def test_babel_compact_output_is_what_the_formatter_builds_on() -> None:
    # If babel's CLDR data changes these, the adjustments in format_money need a look.
    assert format_compact_decimal(1e11, locale="ja_JP", fraction_digits=1) == "1000億"
    assert format_compact_decimal(3e12, locale="ja_JP", fraction_digits=1) == "3兆"
    assert (
        format_compact_decimal(3e12, format_type="long", locale="en", fraction_digits=1)
        == "3 trillion"
    )


@pytest.mark.parametrize(
    ("value", "ja", "en"),
    [
        (3e12, "3兆円", "¥3.0 trillion"),  # P1 fund: 3 trillion yen
        (1e11, "1,000億円", "¥100 billion"),  # P5 fund: 100 billion yen = 1,000億円
        (5.8e12, "5.8兆円", "¥5.8 trillion"),  # P1 need 2.2 + 1.5 + 2.1 = 5.8 trillion
        (2.2e12, "2.2兆円", "¥2.2 trillion"),
        (1.846e11, "1,846億円", "¥185 billion"),  # round 1 max subsidy 1,846億円
        (1.587e11, "1,587億円", "¥159 billion"),  # 158.7 -> 159 (no decimals from 100 up)
        (4.34e11, "4,340億円", "¥434 billion"),
        (5e7, "5,000万円", "¥50.0 million"),
        (3000.0, "3,000円", "¥3,000"),  # below a million English writes the number out
        (0.0, "0円", "¥0"),
        (-3e12, "-3兆円", "-¥3.0 trillion"),
        # 9,999.6億 is shown as 1兆: rounded to 4 significant digits (9.99960e11 -> 1.000e12)
        # before babel picks the magnitude.
        (9.9996e11, "1兆円", "¥1.0 trillion"),
        (1e15, "1,000兆円", "¥1,000 trillion"),
    ],
)
def test_yen_amounts_read_as_in_each_language(value: float, ja: str, en: str) -> None:
    assert format_money(value, "JPY", "ja") == ja
    assert format_money(value, "JPY", "en") == en
    assert format_value(value, "JPY", "ja") == ja
    assert format_value(value, "JPY", "en") == en


def test_other_currencies_use_their_symbol_or_name() -> None:
    assert format_value(4e9, "USD", "en") == "$4.0 billion"  # Panasonic Kansas ~$4 bn
    assert format_value(4e9, "USD", "ja") == "40億ドル"  # 4e9 / 1e8 = 40億
    assert format_value(7.34e9, "EUR", "en") == "€7.3 billion"  # CATL Debrecen EUR 7.34 bn


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.2, "20%"), (0.0924, "9.2%"), (0.107, "10.7%"), (1.0, "100%"), (0.0, "0%")],
)
def test_shares_read_as_percentages(value: float, text: str) -> None:
    assert format_share(value, "en") == text
    assert format_value(value, "share", "ja") == text


def test_share_per_year_keeps_the_rest_of_the_unit() -> None:
    assert format_value(0.0924, "share per year", "en") == "9.2%"
    assert display_unit("share per year", "en") == "per year"
    assert display_unit("share per year", "ja") == "/年"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3000.0, "3,000"),
        (7260.025889, "7,260"),  # 100 and above: no decimals
        (150.0, "150"),
        (28.49, "28.5"),  # 10..100: one decimal
        (1.2345, "1.23"),  # 1..10: two decimals
        (0.012345, "0.012"),  # below 1: three decimals
        (1234567.0, "1,234,567"),
    ],
)
def test_gwh_have_thousands_separators_and_sized_precision(value: float, text: str) -> None:
    assert format_value(value, "GWh", "en") == text
    assert format_value(value, "GWh", "ja") == text
    assert format_number(value, "en") == text


def test_ratios_years_and_counts() -> None:
    assert format_value(10.0, "ratio", "en") == "10×"
    assert format_value(8.6763, "ratio", "ja") == "8.68×"
    assert format_value(2030.0, "year", "en") == "2030"  # no thousands separator in a year
    assert format_value(30000.0, "count", "en") == "30,000"
    assert display_unit("years", "ja") == "年"
    assert display_unit("GWh", "ja") == "GWh"
    assert display_unit("JPY", "en") == ""  # the value already says ¥ / 円
    assert display_unit("share", "en") == ""


@pytest.mark.parametrize(
    ("value", "ja", "en"),
    [
        (300000.0, "30万", "300,000"),  # METI's target of 30万口 charging points
        (32943.8, "3.3万", "32,944"),  # 3.29438万 -> one decimal
        (2.16e6, "216万", "2,160,000"),
        (9999.0, "9,999", "9,999"),  # below 1万 Japanese writes the number out
        (5.4, "5", "5"),  # whole things
    ],
)
def test_counts_of_things_are_whole_and_read_in_man_in_japanese(
    value: float, ja: str, en: str
) -> None:
    assert format_value(value, "connectors", "ja") == ja
    assert format_value(value, "connectors", "en") == en


@pytest.mark.parametrize(
    ("unit", "ja", "en"),
    [
        ("connectors", "口", "connectors"),
        ("trucks per day", "台/日", "trucks per day"),
        ("kg per day", "kg/日", "kg per day"),
        ("kWh per km", "kWh/km", "kWh per km"),
        ("min", "分", "min"),
        ("count", "", ""),
        ("JPY per connector", "/口", "per connector"),
    ],
)
def test_units_read_in_japanese(unit: str, ja: str, en: str) -> None:
    assert display_unit(unit, "ja") == ja
    assert display_unit(unit, "en") == en


def test_money_per_thing_formats_the_money_and_keeps_the_per() -> None:
    # 1.2e6 yen = 120万円 = ¥1.2 million
    assert format_value(1.2e6, "JPY per connector", "ja") == "120万円"
    assert format_value(1.2e6, "JPY per connector", "en") == "¥1.2 million"


@pytest.mark.parametrize("unit", ["GWh", "JPY", "share", "ratio", "year", "connectors"])
def test_missing_values_show_a_dash(unit: str) -> None:
    assert format_value(math.nan, unit, "en") == MISSING
    assert format_value(None, unit, "ja") == MISSING
    assert format_value(math.inf, unit, "en") == MISSING
