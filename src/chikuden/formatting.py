"""Numbers as readers expect them, in English and Japanese (babel does the locale work).

One module for every face: the command line, the HTML report, the roadmap's report, the answers
and the web pages format numbers here (``chikuden.api.format_value`` / ``format_output`` for
callers of the API). It lives outside ``chikuden.report`` so that no face borrows another's.

- Money in yen reads ``3兆円`` / ``1,000億円`` in Japanese and ``¥3.0 trillion`` /
  ``¥100 billion`` in English (where the currency goes is a message of the catalog,
  ``¥{amount}`` / ``{amount}円``: :mod:`chikuden.i18n`). Babel's compact formatter picks the
  magnitude (兆, 億, 万 / trillion, billion, million) from the CLDR data; its Japanese output
  has no thousands separator (``1000億``) and its English output drops a trailing ``.0``
  (``3 trillion``), so the number part is re-formatted with
  :func:`babel.numbers.format_decimal` to add both.
- Shares (``share``, 0..1) read as percentages (``20%``, ``9.2%``; Japanese ``20％`` with the
  full-width sign), ratios as ``10×`` (Japanese ``10倍``).
- Negative numbers read ``-519.7`` in English and ``▲519.7`` in Japanese (the sign of
  Japanese government tables).
- Rounding noise is not a number: given the scale of the quantity it stands among (a table
  column, the values of one indicator across scenarios: :func:`scale_of`), a value below
  :data:`NOISE` of that scale reads ``0`` (``-¥531,667`` among trillions of yen), and a value
  that rounds to zero never reads ``-0``.
- Flags (``flag``, 0 or 1) read ``Yes`` / ``No`` (``はい`` / ``いいえ``).
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
grouped is locale data (:data:`LOCALES`, :data:`MYRIAD_LANGS`). Every unit string of the
model (indicators, parameters, charts) reads in Japanese through one vocabulary,
:func:`unit_text` (``JPY/kWh`` -> ``円/kWh``, ``warehouses`` -> ``棟``, ``m2`` -> ``m²``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from babel.numbers import (
    format_compact_decimal,
    format_decimal,
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


NEGATIVE = {"ja": "▲"}
"""The sign of a negative number by language (``-`` for any other): Japanese government
tables write ``▲519.7億円``."""

NOISE = 1e-6
"""A value below this fraction of the scale of the quantity it stands among reads ``0``: it is
rounding noise of the arithmetic (``-¥531,667`` among trillions of yen), not a figure."""


def _signed(value: float, lang: str, text_of: Callable[[float], str]) -> str:
    """``text_of(|value|)`` with the sign of ``lang`` when ``value`` is negative and the text
    shows a digit other than 0 (a value that rounds to zero never reads ``-0``)."""
    text = text_of(abs(value))
    if value < 0 and _NONZERO.search(text):
        return NEGATIVE.get(lang, "-") + text
    return text


_NONZERO = re.compile(r"[1-9]")


def scale_of(values: Iterable[float | None]) -> float:
    """The largest finite magnitude among ``values`` (0 if none): the scale against which
    :func:`format_value` drops rounding noise."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    return max(finite, default=0.0)


def format_number(value: float | None, lang: str = "en") -> str:
    """A plain quantity with thousands separators: ``7260.03`` -> ``7,260``."""
    if value is None or not _finite(value):
        return MISSING

    def text(x: float) -> str:
        if x >= HUGE:
            return _scientific(x, lang)
        return format_decimal(x, format=_magnitude_pattern(x), locale=locale_of(lang))

    return _signed(value, lang, text)


def format_share(value: float | None, lang: str = "en") -> str:
    """A fraction 0..1 as a percentage: ``0.2`` -> ``20%`` (Japanese ``20％``),
    ``0.0924`` -> ``9.2%``."""
    if value is None or not _finite(value):
        return MISSING
    # Translators: the percent sign after a number; Japanese writes the full-width ％
    sign = translator(lang).pgettext("unit", "%")

    def text(x: float) -> str:
        if x >= HUGE:
            return _scientific(Decimal(x) * 100, lang) + sign  # 100 x 1.8e308 is no float
        pattern = "#,##0" if x >= 1 else "#,##0.#"
        return format_decimal(x * 100, format=pattern, locale=locale_of(lang)) + sign

    return _signed(value, lang, text)


def format_ratio(value: float | None, lang: str = "en") -> str:
    """A ratio of two like quantities: ``10.0`` -> ``10×``, ``2.4231`` -> ``2.42×``
    (Japanese ``2.42倍``)."""
    if value is None or not _finite(value):
        return MISSING
    # Translators: a ratio after its number, "3.08×"; Japanese writes 3.08倍
    times = translator(lang).pgettext("unit", "×")

    def text(x: float) -> str:
        if x >= HUGE:
            return _scientific(x, lang) + times
        return format_decimal(x, format="#,##0.##", locale=locale_of(lang)) + times

    return _signed(value, lang, text)


def format_money(value: float | None, currency: str = "JPY", lang: str = "en") -> str:
    """A money amount in the compact form readers expect.

    ``3e12`` JPY -> ``3兆円`` (ja) / ``¥3.0 trillion`` (en); ``1e11`` -> ``1,000億円`` /
    ``¥100 billion``. English amounts below one million are written out (``¥3,000``).
    """
    if value is None or not _finite(value):
        return MISSING
    return _signed(value, lang, lambda x: _money(x, currency, lang))


def _money(value: float, currency: str, lang: str) -> str:
    """:func:`format_money` of a non-negative ``value``."""
    if value >= HUGE:
        return _with_currency(_scientific(value, lang), currency, lang)
    amount = _significant(value, 4)
    loc = locale_of(lang)
    if lang in MYRIAD_LANGS:
        compact = format_compact_decimal(amount, format_type="short", locale=loc, fraction_digits=1)
        number, rest = _split_compact(compact, loc)
        text = f"{format_decimal(number, format='#,##0.#', locale=loc)}{rest}"
        return _with_currency(text, currency, lang)
    if amount < 1e6:
        plain = format_decimal(value, format="#,##0", locale=loc)
        return _with_currency(plain, currency, lang)
    compact = format_compact_decimal(amount, format_type="long", locale=loc, fraction_digits=1)
    number, rest = _split_compact(compact, loc)
    pattern = "#,##0.0" if number < 100 else "#,##0"
    text = f"{format_decimal(number, format=pattern, locale=loc)}{rest}"
    return _with_currency(text, currency, lang)


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

    def text(x: float) -> str:
        if x >= HUGE:
            return _scientific(x, lang)
        loc = locale_of(lang)
        if lang in MYRIAD_LANGS and x >= 1e4:
            compact = format_compact_decimal(
                _significant(x, 4), format_type="short", locale=loc, fraction_digits=1
            )
            number, rest = _split_compact(compact, loc)
            return f"{format_decimal(number, format='#,##0.#', locale=loc)}{rest}"
        return format_decimal(round(x), format="#,##0", locale=loc)

    return _signed(value, lang, text)


def format_flag(value: float, lang: str = "en") -> str:
    """A flag (1 or 0) as a word: ``Yes`` / ``No`` (``はい`` / ``いいえ``); any other number as
    it is (a flag is declared 0..1, but a path may pass through values in between)."""
    _ = translator(lang).gettext
    if value == 1:
        return _("Yes")
    if value == 0:
        return _("No")
    return format_number(value, lang)


FORMATTED = 4096
"""How many formatted numbers :func:`format_value` keeps (least recently used dropped)."""


def format_value(
    value: float | None, unit: str, lang: str = "en", scale: float | None = None
) -> str:
    """Format ``value`` [unit] for a reader of ``lang`` (the unit decides how).

    ``scale`` is the largest magnitude of the quantity ``value`` stands among (a table column:
    :func:`scale_of`): a value below :data:`NOISE` of it reads ``0``.
    """
    if value is None or not _finite(value):
        return MISSING
    if scale is not None and abs(value) < NOISE * scale:
        value = 0.0
    return _formatted(float(value), unit, lang)


@lru_cache(maxsize=FORMATTED)
def _formatted(value: float, unit: str, lang: str) -> str:
    """:func:`format_value` of a finite ``value``: a function of its arguments alone (the
    catalog's words and babel's locale data do not change while the process runs), kept for
    the most recent :data:`FORMATTED` (the simulator formats about fifty numbers per lever
    move, most of them unchanged)."""
    currency = _currency_of(unit)
    if currency:
        return format_money(value, currency, lang)
    if unit.split(" ", 1)[0] in _SHARE_UNITS:
        return format_share(value, lang)
    if unit == "ratio":
        return format_ratio(value, lang)
    if unit == "flag":
        return format_flag(value, lang)
    if unit == "year":
        return _signed(value, lang, lambda x: str(round(x)) if x < HUGE else _scientific(x, lang))
    if unit in _COUNT_UNITS:
        return _format_count(value, lang)
    return format_number(value, lang)


_PLAIN_HEADS = ("share", "ratio", "year", "flag")  # units format_value's text already says


def format_quantity(value: float | None, unit: str, lang: str = "en") -> str:
    """``value`` [unit] with the word of its unit where :func:`format_value` does not already
    say it: ``150 GWh``, ``30 min``, ``3万人``, ``¥3.0 trillion``, ``20%`` (the answers' and the
    calculators' numbers)."""
    text = format_value(value, unit, lang)
    head = unit.split(" ", 1)[0]
    if value is None or not math.isfinite(value) or head in (*_CURRENCIES, *_PLAIN_HEADS):
        return text
    word = display_unit(unit, lang)
    if not word:
        return text
    if word[0].isascii():  # "150 GWh", in every language
        return f"{text} {word}"
    # Translators: a number and its unit's word ("30,000 people" / "3万人")
    return translator(lang).gettext("{number} {unit}").format(number=text, unit=word)


def format_output(
    value: float | None, output: Output, lang: str = "en", scale: float | None = None
) -> str:
    """The value of model output ``output`` for a reader of ``lang``.

    A NaN of an output that declares ``undefined`` is its declared text in ``lang`` ("not by
    2040"); any other value goes through :func:`format_value` (``—`` if not finite, which the
    range tests keep from happening).
    """
    if value is not None and math.isnan(value) and output.may_be_undefined:
        return output.undefined(lang)
    return format_value(value, output.unit, lang, scale)


LABEL_CHARS = 60
"""Longest row label a report prints [characters]; longer names end in an ellipsis (a name may
be 5,000 characters, and 2,000 such rows would make the report tens of megabytes)."""


def short_label(text: str) -> str:
    """``text`` cut to :data:`LABEL_CHARS` characters, with an ellipsis when cut."""
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def display_unit(unit: str, lang: str = "en") -> str:
    """The unit to print beside a value from :func:`format_value`.

    Empty when the value already says it (money, shares, ratios, years, flags, plain counts);
    the rest of a compound unit otherwise (``"JPY per connector"`` -> ``"per connector"``).
    Japanese reads every word in Japanese (:func:`unit_text`): ``"trucks per day"`` ->
    ``"台/日"``, ``"JPY/kWh"`` -> ``"円/kWh"``.
    """
    if unit in ("ratio", "year", "flag", "count"):
        return ""
    head, _, rest = unit.partition(" ")
    if head in _SHARE_UNITS or _currency_of(unit):
        return unit_text(rest, lang)
    return unit_text(unit, lang)


def unit_text(unit: str, lang: str = "en") -> str:
    """The whole of ``unit`` as a reader of ``lang`` reads it (for a table's unit column and a
    chart's axis): ``"JPY/kWh"`` -> ``"円/kWh"``, ``"USD per t per year"`` -> ``"ドル/t/年"``,
    ``"kg CO2e/kWh"`` -> ``"kg-CO2e/kWh"``, ``"m2"`` -> ``"m²"``. English keeps the words
    (``per``) and writes only the powers as superscripts."""
    if not unit:
        return unit
    words, per = _unit_words(lang)
    tokens = [t for t in _UNIT_TOKENS.split(unit) if t and not t.isspace()]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "per" and i + 1 < len(tokens):
            out.append(per.format(unit=words.get(tokens[i + 1], tokens[i + 1])))
            i += 2
            continue
        out.append(words.get(token, token))
        i += 1
    return _join(out, joined=lang in MYRIAD_LANGS)


_UNIT_TOKENS = re.compile(r"(\s+|/)")

_SUPERSCRIPTS = {"m2": "m²", "m3": "m³", "km2": "km²"}
"""Powers of length written as symbols in every language."""


@cache
def _unit_words(lang: str) -> tuple[dict[str, str], str]:
    """The vocabulary of units in ``lang`` and the template of ``per <unit>``: every word a
    declared unit uses that is not an international symbol (GWh, MW, kg, t, km, L, ha, HHI,
    CO2e stay as they are; ``tests/test_format.py`` walks every declared unit).
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
        # Translators: a person working a year (人年)
        "person-year": pgettext("unit", "person-year"),
        # Translators: METI counts charging points as 口 (30万口 充電口)
        "connectors": pgettext("unit", "connectors"),
        "connector": pgettext("unit", "connector"),
        "vehicles": pgettext("unit", "vehicles"),
        "vehicle": pgettext("unit", "vehicle"),
        "trucks": pgettext("unit", "trucks"),
        "truck": pgettext("unit", "truck"),
        "plants": pgettext("unit", "plants"),
        # Translators: buildings are counted with 棟
        "warehouses": pgettext("unit", "warehouses"),
        # Translators: households times days without power (世帯・日)
        "household-days": pgettext("unit", "household-days"),
        # Translators: "share per doubling" of a learning rate (倍増当たり)
        "doubling": pgettext("unit", "doubling"),
        "elasticity": pgettext("unit", "elasticity"),
        "shape": pgettext("unit", "shape"),
        "date": pgettext("unit", "date"),
        "share": pgettext("unit", "share"),
        "ratio": pgettext("unit", "ratio"),
        "flag": pgettext("unit", "flag"),
        "count": pgettext("unit", "count"),
        "table": pgettext("unit", "table"),
        # Translators: the currency in a compound unit ("JPY/kWh" reads 円/kWh)
        "JPY": pgettext("unit", "JPY"),
        "USD": pgettext("unit", "USD"),
        "EUR": pgettext("unit", "EUR"),
        **_SUPERSCRIPTS,
    }
    # Translators: "trucks per day" reads 台/日: "/" attaches to the word before it
    return words, pgettext("unit", "per {unit}")


def _join(parts: list[str], joined: bool) -> str:
    """Join translated unit words: ``/x`` attaches; in Japanese (``joined``) words attach too,
    and a symbol followed by CO2e or H2 takes a hyphen (``kg-CO2e``, as ministries write it);
    in English words keep their spaces."""
    text = ""
    for part in parts:
        if not text or part.startswith("/") or text.endswith("/"):
            text += part
        elif joined and part in ("CO2e", "CO2", "H2"):
            text += "-" + part
        elif joined and not (_LATIN_END.search(text) and _LATIN_START.match(part)):
            text += part
        else:
            text += " " + part
    return text


_LATIN_END = re.compile(r"[A-Za-z0-9²³]$")
_LATIN_START = re.compile(r"[A-Za-z0-9]")
