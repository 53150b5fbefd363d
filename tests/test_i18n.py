"""The message catalogs (chikuden.i18n, chikuden.translations, src/chikuden/locale).

Every message the code and the report templates mark (``_("...")``, ``ngettext``,
``pgettext``) must be in the template ``chikuden.pot``, translated in the Japanese ``.po``
(not empty, not fuzzy) with the same placeholders, and compiled into the ``.mo`` the CLI
loads. ``make translations`` fixes the first and last; a translator fixes the rest.
"""

from __future__ import annotations

import gettext
import io
import re
import string
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from chikuden import translations
from chikuden.i18n import LANGS, pick, translator

PACKAGE = Path(translations.__file__).parent


@cache
def extracted() -> Catalog:
    return translations.extract()


def _key(message: Message) -> tuple[str | None, str]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, msgid


def _ids(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {_key(m) for m in catalog if m.id}


def _fields(text: str) -> set[str]:
    """Names of the ``{placeholders}`` of a format string (``{m:02d}`` -> ``m``)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _texts(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    """The text of a message (singular) or its texts (plural forms); none for no text."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def test_the_code_marks_messages_in_python_and_templates() -> None:
    files = {Path(path).name for m in extracted() for path, _ in m.locations}
    assert {"cli.py", "html.py", "report.html.j2", "review.html.j2", "formatting.py"} <= files


def test_the_template_holds_exactly_the_messages_of_the_code() -> None:
    with translations.TEMPLATE.open("rb") as fp:
        pot = read_po(fp)
    assert _ids(pot) == _ids(extracted()), "run `make translations`"


@pytest.mark.parametrize("lang", translations.TRANSLATED)
def test_every_message_is_translated(lang: str) -> None:
    catalog = translations.read_catalog(lang)
    have = {_key(m): m for m in catalog if m.id}
    missing = sorted(str(k) for k in _ids(extracted()) - set(have))
    assert not missing, f"not in the {lang} catalog (run `make translations`): {missing}"
    unused = sorted(str(k) for k in set(have) - _ids(extracted()))
    assert not unused, f"no longer used (run `make translations`): {unused}"
    empty = [
        str(k)
        for k, m in have.items()
        if not _texts(m.string) or not all(_texts(m.string)) or m.fuzzy
    ]
    assert not empty, f"empty or fuzzy translations in {lang}: {empty}"
    assert not catalog.obsolete


@pytest.mark.parametrize("lang", translations.TRANSLATED)
def test_translations_keep_the_placeholders_of_their_message(lang: str) -> None:
    for message in translations.read_catalog(lang):
        if not message.id:
            continue
        expected = set().union(*(_fields(t) for t in _texts(message.id)))
        for text in _texts(message.string):
            assert _fields(text) == expected, (message.id, text)
            # every placeholder filled, the translation formats (balanced braces, valid specs)
            text.format(**dict.fromkeys(expected, 1))


@pytest.mark.parametrize("lang", translations.TRANSLATED)
def test_the_compiled_catalog_is_the_po_file(lang: str) -> None:
    shipped = translations.catalog_file(lang, "mo").read_bytes()
    compiled = translations.mo_bytes(translations.read_catalog(lang))

    def entries(mo: bytes) -> dict[object, object]:
        parsed = gettext.GNUTranslations(io.BytesIO(mo))
        return {k: v for k, v in vars(parsed)["_catalog"].items() if k != ""}

    assert entries(shipped) == entries(compiled), "the .mo is stale: run `make translations`"


def test_translator_reads_english_ids_and_japanese_strings() -> None:
    # "Answers" -> 答え and "{n} row"/"{n} rows" -> "{n} 行" in the ja .po
    assert translator("en").gettext("Answers") == "Answers"
    assert translator("ja").gettext("Answers") == "答え"
    assert translator("ja").ngettext("{n} row", "{n} rows", 1) == "{n} 行"
    assert translator("ja").ngettext("{n} row", "{n} rows", 7) == "{n} 行"
    assert translator("en").ngettext("{n} row", "{n} rows", 7) == "{n} rows"
    assert translator("ja").pgettext("unit", "trucks") == "台"
    # a language chikuden does not write reads English
    assert translator("fr").gettext("Answers") == "Answers"
    assert pick("fr", "en text", "日本語") == "en text"
    assert pick("ja", "en text", "日本語") == "日本語"
    assert LANGS == ("en", "ja")


# A language choice by comparison is what the catalogs replace; data-held text goes through
# chikuden.i18n.pick (its one comparison is the exception).
BRANCH = re.compile(r"""[!=]=\s*['"]ja['"]|['"]ja['"]\s*[!=]=|\bLang\.ja\b|['"]ja['"]:\s*\{""")


def test_no_language_branches_are_left_in_the_package() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in (".py", ".j2") or path.name == "i18n.py":
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if BRANCH.search(line):
                found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_branch_pattern_finds_branches() -> None:
    assert BRANCH.search('x = "指標" if lang == "ja" else "indicator"')
    assert BRANCH.search("if lang != 'ja' or not unit:")
    assert BRANCH.search("ja = lang is Lang.ja")
    assert BRANCH.search('    "ja": {"pass": "..."},')
    assert not BRANCH.search('LOCALES = {"en": "en", "ja": "ja_JP"}')


def test_json_output_loads_neither_a_catalog_nor_rich() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from chikuden.cli import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    app(['run', '--json'], standalone_mode=False)\n"
        "from chikuden.i18n import translator\n"
        "print(translator.cache_info().currsize, any(m.startswith('rich') for m in sys.modules),"
        " 'babel.messages' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["0", "False", "False"]
