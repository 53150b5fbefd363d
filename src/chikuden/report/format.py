"""Numbers as readers expect them, in English and Japanese (babel does the locale work).

- Money in yen reads ``3兆円`` / ``1,000億円`` in Japanese and ``¥3.0 trillion`` /
  ``¥100 billion`` in English (where the currency goes is a message of the catalog,
  ``¥{amount}`` / ``{amount}円``: :mod:`chikuden.i18n`). Babel's compact formatter picks the
  magnitude (兆, 億, 万 / trillion, billion, million) from the CLDR data; its Japanese output
  has no thousands separator (``1000億``) and its English output drops a trailing ``.0``
  (``3 trillion``), so the number part is re-formatted with
  :func:`babel.numbers.format_decimal` to add both.
- Shares (``share``, 0..1) read as percentages (``20%``, ``9.2%``), ratios as ``10×``.
- Physical quantities (GWh, t, ...) get thousands separators and a precision that suits their
  size (``7,260``, ``12.5``, ``0.125``).
- Years, counts and flags are whole numbers; years have no separator (``2030``).
- Magnitudes from 10^18 up (only absurd but allowed inputs give them, e.g. a fund over a
  capital need of 10^-250 yen) read in scientific notation (``2.33E251×``): babel's decimal
  arithmetic works to 28 digits and cannot write them out.
- A model output that is not defined in a scenario (NaN, declared with ``undefined`` in its
  indicators YAML) reads as its declared text (``not by 2040`` / ``2040年までに達しない``):
  :func:`format_output`. Anything else that is not a finite number reads ``—``.

Every function takes ``lang`` (``"en"`` or ``"ja"``); unknown languages fall back to English.
Words (currency placement, the words of units) come from the message catalog; how numbers are
grouped is locale data (:data:`LOCALES`, :data:`MYRIAD_LANGS`).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from babel.numbers import (
    format_compact_decimal,
    format_decimal,
    format_percent,
    format_scientific,
    parse_decimal,
)

from chikuden.i18n import translator

if TYPE_CHECKING:
    from chikuden.indicators import Output

LANGS = ("en", "ja")
LOCALES = {"en": "en", "ja": "ja_JP"}
MISSING = "—"

MYRIAD_LANGS = frozenset({"ja"})
"""Languages whose readers group large numbers by 10^4 (万, 億, 兆): money and counts from
10,000 up read in babel's short compact form there (``3兆円``, ``3.3万``), money in words
elsewhere (``¥3.0 trillion``)."""

# Currency units the model uses (their signs and words: :func:`_with_currency`).
_CURRENCIES = ("JPY", "USD", "EUR")
_SHARE_UNITS = ("share",)
# Units that count things: whole numbers; in Japanese large counts read 30万口, 216万台.
_COUNT_UNITS = frozenset({"count", "connectors", "vehicles", "people", "trucks", "plants"})
_WHOLE_UNITS = frozenset({"year", "flag"}) | _COUNT_UNITS
_COMPACT_NUMBER = re.compile(r"^(?P<num>[0-9][0-9.,]*)(?P<rest>.*)$")


def locale_of(lang: str) -> str:
    """Babel locale for a report language."""
    return LOCALES.get(lang, "en")


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _magnitude_pattern(x: float) -> str:
    """A decimal pattern with a precision that suits the size of ``x`` [pattern]."""
    ax = abs(x)
    if ax >= 100 or ax == 0:
        return "#,##0"
    if ax >= 10:
        return "#,##0.#"
    if ax >= 1:
        return "#,##0.##"
    return "#,##0.###"


# From this magnitude on, numbers read in scientific notation [the quantity's unit].
HUGE = 1e18


def _scientific(value: float | Decimal, lang: str) -> str:
    """``2.33E251``: a magnitude of :data:`HUGE` or more, written so babel can round it."""
    return format_scientific(value, format="0.##E0", locale=locale_of(lang))


def format_number(value: float | None, lang: str = "en") -> str:
    """A plain quantity with thousands separators: ``7260.03`` -> ``7,260``."""
    if value is None or not _finite(value):
        return MISSING
    if abs(value) >= HUGE:
        return _scientific(value, lang)
    return format_decimal(value, format=_magnitude_pattern(value), locale=locale_of(lang))


def format_share(value: float | None, lang: str = "en") -> str:
    """A fraction 0..1 as a percentage: ``0.2`` -> ``20%``, ``0.0924`` -> ``9.2%``."""
    if value is None or not _finite(value):
        return MISSING
    if abs(value) >= HUGE:
        return _scientific(Decimal(value) * 100, lang) + "%"  # 100 x 1.8e308 is no float
    pattern = "#,##0%" if abs(value) >= 1 else "#,##0.#%"
    return format_percent(value, format=pattern, locale=locale_of(lang))


def format_ratio(value: float | None, lang: str = "en") -> str:
    """A ratio of two like quantities: ``10.0`` -> ``10×``, ``2.4231`` -> ``2.42×``."""
    if value is None or not _finite(value):
        return MISSING
    if abs(value) >= HUGE:
        return _scientific(value, lang) + "×"
    return format_decimal(value, format="#,##0.##", locale=locale_of(lang)) + "×"


def format_money(value: float | None, currency: str = "JPY", lang: str = "en") -> str:
    """A money amount in the compact form readers expect.

    ``3e12`` JPY -> ``3兆円`` (ja) / ``¥3.0 trillion`` (en); ``1e11`` -> ``1,000億円`` /
    ``¥100 billion``. English amounts below one million are written out (``¥3,000``).
    """
    if value is None or not _finite(value):
        return MISSING
    if abs(value) >= HUGE:
        return _with_currency(_scientific(value, lang), currency, lang)
    sign = "-" if value < 0 else ""
    amount = _significant(abs(value), 4)
    loc = locale_of(lang)
    if lang in MYRIAD_LANGS:
        compact = format_compact_decimal(amount, format_type="short", locale=loc, fraction_digits=1)
        number, rest = _split_compact(compact, loc)
        text = f"{format_decimal(number, format='#,##0.#', locale=loc)}{rest}"
        return sign + _with_currency(text, currency, lang)
    if amount < 1e6:
        plain = format_decimal(abs(value), format="#,##0", locale=loc)
        return sign + _with_currency(plain, currency, lang)
    compact = format_compact_decimal(amount, format_type="long", locale=loc, fraction_digits=1)
    number, rest = _split_compact(compact, loc)
    pattern = "#,##0.0" if number < 100 else "#,##0"
    text = f"{format_decimal(number, format=pattern, locale=loc)}{rest}"
    return sign + _with_currency(text, currency, lang)


def _with_currency(amount: str, currency: str, lang: str) -> str:
    """``amount`` with its currency: ``¥3.0 trillion``, ``3兆円``; ``12 CHF`` for others."""
    _ = translator(lang).gettext
    if currency == "JPY":
        return _("¥{amount}").format(amount=amount)
    if currency == "USD":
        return _("${amount}").format(amount=amount)
    if currency == "EUR":
        return _("€{amount}").format(amount=amount)
    return f"{amount} {currency}"


def _significant(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` significant digits, so that babel picks the magnitude the
    reader sees (9,999.6億 -> 1兆)."""
    if x == 0:
        return 0.0
    return round(x, digits - 1 - math.floor(math.log10(x)))


def _split_compact(text: str, locale: str) -> tuple[Decimal, str]:
    """Split babel's compact output ``'1000億'`` into ``(Decimal('1000'), '億')``."""
    match = _COMPACT_NUMBER.match(text)
    if match is None:  # pragma: no cover - babel always starts with digits for a positive amount
        raise ValueError(f"unexpected compact number {text!r}")
    return parse_decimal(match["num"], locale=locale), match["rest"]


def _currency_of(unit: str) -> str | None:
    """``"JPY"`` for ``"JPY"`` and ``"JPY per connector"``; None for other units."""
    head = unit.split(" ", 1)[0]
    return head if head in _CURRENCIES else None


def _format_count(value: float, lang: str) -> str:
    """Whole things: ``32,944``; in Japanese from 10,000 up in 万 / 億 (``3.3万``)."""
    if abs(value) >= HUGE:
        return _scientific(value, lang)
    loc = locale_of(lang)
    if lang in MYRIAD_LANGS and abs(value) >= 1e4:
        compact = format_compact_decimal(
            _significant(abs(value), 4), format_type="short", locale=loc, fraction_digits=1
        )
        number, rest = _split_compact(compact, loc)
        sign = "-" if value < 0 else ""
        return f"{sign}{format_decimal(number, format='#,##0.#', locale=loc)}{rest}"
    return format_decimal(round(value), format="#,##0", locale=loc)


def format_value(value: float | None, unit: str, lang: str = "en") -> str:
    """Format ``value`` [unit] for a reader of ``lang`` (the unit decides how)."""
    if value is None or not _finite(value):
        return MISSING
    currency = _currency_of(unit)
    if currency:
        return format_money(value, currency, lang)
    if unit.split(" ", 1)[0] in _SHARE_UNITS:
        return format_share(value, lang)
    if unit == "ratio":
        return format_ratio(value, lang)
    if unit in ("year", "flag"):
        return str(round(value)) if abs(value) < HUGE else _scientific(value, lang)
    if unit in _COUNT_UNITS:
        return _format_count(value, lang)
    return format_number(value, lang)


def format_output(value: float | None, output: Output, lang: str = "en") -> str:
    """The value of model output ``output`` for a reader of ``lang``.

    A NaN of an output that declares ``undefined`` is its declared text in ``lang`` ("not by
    2040"); any other value goes through :func:`format_value` (``—`` if not finite, which the
    range tests keep from happening).
    """
    if value is not None and math.isnan(value) and output.may_be_undefined:
        return output.undefined(lang)
    return format_value(value, output.unit, lang)


LABEL_CHARS = 60
"""Longest row label a report prints [characters]; longer names end in an ellipsis (a name may
be 5,000 characters, and 2,000 such rows would make the report tens of megabytes)."""


def short_label(text: str) -> str:
    """``text`` cut to :data:`LABEL_CHARS` characters, with an ellipsis when cut."""
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def display_unit(unit: str, lang: str = "en") -> str:
    """The unit to print beside a value from :func:`format_value`.

    Empty when the value already says it (money, shares, ratios, years, plain counts); the
    rest of a compound unit otherwise (``"JPY per connector"`` -> ``"per connector"``).
    Japanese replaces the words it knows: ``"trucks per day"`` -> ``"台/日"``.
    """
    if unit in ("ratio", "year", "flag", "count"):
        return ""
    head, _, rest = unit.partition(" ")
    if head in _SHARE_UNITS or _currency_of(unit):
        return _translate(rest, lang)
    return _translate(unit, lang)


@cache
def _unit_words(lang: str) -> tuple[dict[str, str], str]:
    """The translated words of units and the template of ``per <unit>``, for ``lang``.

    Other words (GWh, MW, kg, t, km) are symbols and stay as they are.
    """
    pgettext = translator(lang).pgettext
    words = {
        "years": pgettext("unit", "years"),
        "year": pgettext("unit", "year"),
        "day": pgettext("unit", "day"),
        "days": pgettext("unit", "days"),
        "hour": pgettext("unit", "hour"),
        "min": pgettext("unit", "min"),
        "people": pgettext("unit", "people"),
        "person": pgettext("unit", "person"),
        # Translators: METI counts charging points as 口 (30万口 充電口)
        "connectors": pgettext("unit", "connectors"),
        "connector": pgettext("unit", "connector"),
        "vehicles": pgettext("unit", "vehicles"),
        "vehicle": pgettext("unit", "vehicle"),
        "trucks": pgettext("unit", "trucks"),
        "truck": pgettext("unit", "truck"),
        "plants": pgettext("unit", "plants"),
    }
    # Translators: "trucks per day" reads 台/日: "/" attaches to the word before it
    return words, pgettext("unit", "per {unit}")


def _translate(unit: str, lang: str) -> str:
    """The words of ``unit`` in ``lang`` ("trucks per day" -> "台/日"); as it is in English."""
    words, per = _unit_words(lang)
    if not unit or (per == "per {unit}" and all(k == v for k, v in words.items())):
        return unit
    parts = unit.split(" ")
    out: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i] == "per" and i + 1 < len(parts):
            out.append(per.format(unit=words.get(parts[i + 1], parts[i + 1])))
            i += 2
            continue
        out.append(words.get(parts[i], parts[i]))
        i += 1
    return _join(out)


def _join(parts: list[str]) -> str:
    """Join translated unit words: Latin symbols keep their spaces, ``/x`` attaches."""
    text = ""
    for part in parts:
        if not text or part.startswith("/"):
            text += part
        else:
            text += " " + part
    return text
