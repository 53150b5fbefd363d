"""Number formatting for readers (chikuden.formatting).

Expected strings are worked out by hand. What babel itself gives (checked with babel 2.19):
``format_compact_decimal(1e11, locale="ja_JP", fraction_digits=1) == "1000億"`` (no thousands
separator) and ``format_compact_decimal(3e12, format_type="long", locale="en",
fraction_digits=1) == "3 trillion"`` (no ``.0``); the formatter adds both.
"""

from __future__ import annotations

import math
import re

import pytest
from babel.numbers import format_compact_decimal

from chikuden.formatting import (
    MISSING,
    display_unit,
    format_money,
    format_number,
    format_share,
    format_value,
    scale_of,
    unit_text,
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
        (-3e12, "▲3兆円", "-¥3.0 trillion"),  # Japanese tables mark negatives with ▲
        (-5.197e10, "▲519.7億円", "-¥52.0 billion"),  # 5.197e10 / 1e8 = 519.7億
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
    # Japanese writes the full-width percent sign: 20％
    assert format_value(value, "share", "ja") == text.replace("%", "％")


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
    assert format_value(8.6763, "ratio", "ja") == "8.68倍"  # Japanese: 倍
    assert format_value(3.0794, "ratio", "ja") == "3.08倍"  # the progress ratio of the issue
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


# -- issue 14: signs, noise, flags and the vocabulary of units ---------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "ja", "en"),
    [
        (-28.49, "GWh", "▲28.5", "-28.5"),  # 10..100: one decimal
        (-0.005, "share", "▲0.5％", "-0.5%"),  # -0.005 x 100 = -0.5
        (-57416.0, "t", "▲57,416", "-57,416"),
        (-2.5, "ratio", "▲2.5倍", "-2.5×"),
        (-32943.8, "connectors", "▲3.3万", "-32,944"),
    ],
)
def test_negatives_read_with_a_triangle_in_japanese(
    value: float, unit: str, ja: str, en: str
) -> None:
    assert format_value(value, unit, "ja") == ja
    assert format_value(value, unit, "en") == en


@pytest.mark.parametrize(
    ("value", "unit"),
    [(-0.0001, "GWh"), (-0.00001, "share"), (-0.001, "ratio"), (-0.0, "t"), (-0.4, "count")],
)
def test_a_value_that_rounds_to_zero_never_reads_minus_zero(value: float, unit: str) -> None:
    # -0.0001 GWh at three decimals is 0.000 -> "0"; -0.00001 = -0.001% at one decimal -> "0%";
    # -0.001 at two decimals -> "0×"; -0.4 things round to 0.
    for lang in ("en", "ja"):
        text = format_value(value, unit, lang)
        assert not text.startswith(("-", "▲")), text
        assert "1" not in text, text


def test_rounding_noise_against_the_scale_of_the_column_reads_zero() -> None:
    # -531,667 yen in a column whose largest value is 3e12 yen: 531,667 / 3e12 = 1.8e-7 < 1e-6
    assert format_value(-531667.0, "JPY", "en", scale=3e12) == "¥0"
    assert format_value(-531667.0, "JPY", "ja", scale=3e12) == "0円"
    # alone it is a figure: -¥531,667 (written out below a million)
    assert format_value(-531667.0, "JPY", "en") == "-¥531,667"
    # 4e6 / 3e12 = 1.3e-6 >= 1e-6: kept (4,000,000 -> 400万円)
    assert format_value(4e6, "JPY", "ja", scale=3e12) == "400万円"
    assert scale_of([1.0, -3e12, math.nan, None]) == 3e12


def test_flags_read_as_words() -> None:
    assert format_value(1.0, "flag", "en") == "Yes"
    assert format_value(0.0, "flag", "en") == "No"
    assert format_value(1.0, "flag", "ja") == "はい"
    assert format_value(0.0, "flag", "ja") == "いいえ"


@pytest.mark.parametrize(
    ("unit", "ja", "en"),
    [
        ("JPY/kWh", "円/kWh", "JPY/kWh"),
        ("JPY per kWh", "円/kWh", "JPY per kWh"),
        ("USD per t per year", "ドル/t/年", "USD per t per year"),
        ("warehouses", "棟", "warehouses"),
        ("m2", "m²", "m²"),
        ("kWh per m2", "kWh/m²", "kWh per m²"),
        ("kg CO2e/kWh", "kg-CO2e/kWh", "kg CO2e/kWh"),
        ("JPY/t CO2e", "円/t-CO2e", "JPY/t CO2e"),
        ("USD per person-year", "ドル/人年", "USD per person-year"),
        ("household-days", "世帯・日", "household-days"),
    ],
)
def test_whole_units_read_in_japanese(unit: str, ja: str, en: str) -> None:
    assert unit_text(unit, "ja") == ja
    assert unit_text(unit, "en") == en


ALLOWED_SYMBOLS = re.compile(r"GWh|TWh|MWh|kWh|MW|GW|kW|CO2e?|LCE|HHI|EV|km|kg|ha|H2")


def _declared_units() -> set[str]:
    from chikuden.indicators import outputs, sections
    from chikuden.parameters.declarations import declarations

    units = {d.unit for d in outputs().values()}
    units |= {d.unit for d in declarations().values() if d.kind != "table"}
    units |= {c.unit for s in sections() for c in s.charts if c.unit}
    return units


def test_every_declared_unit_reads_in_japanese_without_english_words() -> None:
    # Every unit of an indicator, a parameter or a chart axis: its Japanese (the unit column,
    # the whole unit, the chart axis) keeps no English word of three letters or more once
    # the international symbols are taken out.
    from chikuden.charting import axis_scale

    left: dict[str, str] = {}
    for unit in sorted(_declared_units()):
        for text in (display_unit(unit, "ja"), unit_text(unit, "ja")):
            for peak in (1.0, 1e13):
                text += " " + axis_scale(unit, "ja", peak).label
            rest = ALLOWED_SYMBOLS.sub("", text)
            if re.search(r"[A-Za-z]{3,}", rest):
                left[unit] = text
    assert left == {}
