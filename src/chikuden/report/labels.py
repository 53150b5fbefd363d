"""Words for the rows of the model's tables, so that a report shows names, not codes.

The tables name their rows with ids (``lithium-mining-AU``) and code their columns with
vocabularies (minerals, stages, ISO country codes, project kinds): the schemas in
``chikuden/data/tables/schemas/`` list the allowed codes. A reader sees words instead:

- :func:`word` reads one code: ``lithium`` -> ``Lithium`` / ``リチウム``, ``AU`` ->
  ``Australia`` / ``オーストラリア`` (country names from babel's CLDR data), ``ZZ`` -> ``other
  countries`` / ``その他の国``; a value that is no code reads as it is.
- :func:`row_label` names a row: its own name column where the table has one (``name_en`` /
  ``name_ja``, ``name`` / ``name_ja``, ``project``, ``company``), otherwise words built from its
  coded columns (``Lithium mining, Australia`` / ``リチウム採掘（オーストラリア）``).
- :func:`row_words` names a chart bar from the columns the chart groups by.

The words are messages of the catalog (context ``vocabulary``), so the Japanese lives in the one
``.po`` file a reviewer reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from babel import Locale

from chikuden.formatting import format_share, locale_of
from chikuden.i18n import translator

OTHER_COUNTRIES = "ZZ"


@cache
def _vocabulary(lang: str) -> dict[str, str]:
    """The coded values of the tables and their words in ``lang``."""
    pgettext = translator(lang).pgettext
    return {
        # minerals (tables minerals-*.csv, column mineral)
        "lithium": pgettext("vocabulary", "Lithium"),
        "nickel": pgettext("vocabulary", "Nickel"),
        "cobalt": pgettext("vocabulary", "Cobalt"),
        "manganese": pgettext("vocabulary", "Manganese"),
        "graphite": pgettext("vocabulary", "Graphite"),
        "aluminium": pgettext("vocabulary", "Aluminium"),
        "copper": pgettext("vocabulary", "Copper"),
        # stages of supply (column stage)
        "mining": pgettext("vocabulary", "mining"),
        "refining": pgettext("vocabulary", "refining"),
        # how a project's output is secured (column kind) and its status
        "equity": pgettext("vocabulary", "equity"),
        "offtake": pgettext("vocabulary", "offtake"),
        "operating": pgettext("vocabulary", "operating"),
        "construction": pgettext("vocabulary", "under construction"),
        "planned": pgettext("vocabulary", "planned"),
        # direction of a motorway service area
        "up": pgettext("vocabulary", "up"),
        "down": pgettext("vocabulary", "down"),
        OTHER_COUNTRIES: pgettext("vocabulary", "other countries"),
    }


def word(value: Any, lang: str) -> str:
    """The word of a coded value in ``lang``; an ISO country code reads as the country's name;
    anything else as it is."""
    text = str(value)
    words = _vocabulary(lang)
    if text in words:
        return words[text]
    if len(text) == 2 and text.isupper():
        name = Locale.parse(locale_of(lang)).territories.get(text)
        if name and not str(name).isascii():  # CLDR writes コンゴ民主共和国(キンシャサ)
            return str(name).replace("(", "（").replace(")", "）")
        if name:
            return str(name)
    return text


def _mineral_stage(row: dict[str, Any], lang: str) -> str:
    # Translators: a mineral and a stage of its supply: "Lithium mining" (リチウム採掘)
    return (
        translator(lang)
        .pgettext("vocabulary", "{mineral} {stage}")
        .format(mineral=word(row["mineral"], lang), stage=word(row["stage"], lang))
    )


def _in_country(what: str, row: dict[str, Any], lang: str) -> str:
    # Translators: something in a country: "Lithium mining, Australia" (リチウム採掘（豪州）)
    return (
        translator(lang)
        .pgettext("vocabulary", "{what}, {country}")
        .format(what=what, country=word(row["country"], lang))
    )


def _cut(row: dict[str, Any], lang: str) -> str:
    # Translators: a supply shock: a country's exports of a mineral cut by a share for months
    return (
        translator(lang)
        .pgettext("vocabulary", "{mineral} from {country}: {cut} cut for {months} months")
        .format(
            mineral=word(row["mineral"], lang),
            country=word(row["country"], lang),
            cut=format_share(float(row["cut"]), lang),
            months=f"{float(row['months']):g}",
        )
    )


def row_label(row: dict[str, Any], lang: str) -> str:
    """The name of a table row for a reader of ``lang`` (its id only when nothing else names
    it)."""
    own = row.get(f"name_{lang}")  # name_en / name_ja; a table with "name" has it in English
    name = own or row.get("name_en") or row.get("name") or row.get("project") or row.get("company")
    if name:
        if "direction" in row:  # a service area: one row per direction
            # Translators: a place and its direction: "Ebina SA (up)" (海老名SA（上り）)
            return (
                translator(lang)
                .pgettext("vocabulary", "{name} ({direction})")
                .format(name=name, direction=word(row["direction"], lang))
            )
        return str(name)
    if "mineral" in row and "cut" in row and "country" in row:
        return _cut(row, lang)
    if "mineral" in row and "stage" in row and "country" in row:
        return _in_country(_mineral_stage(row, lang), row, lang)
    if "mineral" in row and "country" in row:
        return _in_country(word(row["mineral"], lang), row, lang)
    return str(row.get("id", next(iter(row.values()), "")))


def row_words(table: str, row: dict[str, Any], lang: str, columns: Sequence[str]) -> str:
    """The words of a chart bar grouping rows by ``columns`` of ``table``: ``Lithium mining``
    for (mineral, stage); the row's name when the columns name one row."""
    cols = tuple(columns)
    if cols == ("mineral", "stage"):
        return _mineral_stage(row, lang)
    if cols == ("mineral",):
        return word(row["mineral"], lang)
    if set(cols) <= {"mineral", "stage", "country", "cut", "months"}:
        return row_label({c: row[c] for c in cols if c in row}, lang)
    return " · ".join(word(row.get(c, ""), lang) for c in cols) or table
