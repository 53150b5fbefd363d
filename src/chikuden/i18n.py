"""Translations: one gettext catalog per language, English message ids in the code.

Text the code writes is English in the source, marked for extraction::

    _ = translator(lang).gettext
    _("Key figures")
    translator(lang).ngettext("{n} row", "{n} rows", n).format(n=n)

Placeholders are named (``{n}``), so a translation may put them in another order. The
Japanese text lives in ``chikuden/locale/ja/LC_MESSAGES/chikuden.po``, which a translator
edits; ``chikuden.pot`` beside it is the template extracted by babel from the code and the
report templates (``babel.cfg``), and the ``.mo`` compiled from the ``.po`` is what is loaded.
``make translations`` (``scripts/translations.sh``) re-extracts, merges and compiles;
``tests/test_i18n.py`` fails when a message has no Japanese, when the ``.mo`` is older than
the ``.po`` or when a placeholder differs.

The catalog is read once, on the first Japanese text asked for: English needs no catalog
(the message ids are the English text), so ``chikuden run --json`` and English output never
open it. The compiled ``.mo`` is read with the standard library's :mod:`gettext` (which click
imports anyway) in about 0.7 ms; reading the ``.po`` with ``babel.messages.pofile`` instead
would cost 40-65 ms to import it and 27-36 ms to parse the catalog on every Japanese run
(measured on the development machine, 160-odd messages).

Text held in data (indicator labels in YAML, parameter descriptions in CSV, scenario titles,
ledger titles) carries both languages as fields: :func:`pick` chooses between them.
"""

from __future__ import annotations

import gettext
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

LANGS = ("en", "ja")
"""The languages chikuden writes; any other language reads English."""

DOMAIN = "chikuden"
SOURCE_LANG = "en"


@cache
def translator(lang: str) -> gettext.NullTranslations:
    """The translations into ``lang``: ``gettext``, ``ngettext``, ``pgettext``, ``npgettext``.

    English (and any language chikuden does not know) returns the message ids unchanged.
    """
    lang = str(lang)
    if lang == SOURCE_LANG or lang not in LANGS:
        return gettext.NullTranslations()
    from importlib import resources

    mo = resources.files("chikuden").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.mo")
    with mo.open("rb") as fp:
        return gettext.GNUTranslations(fp)


def pick(lang: str, en: str, ja: str) -> str:
    """The text of ``lang`` among a datum's two languages (English for any other language)."""
    return ja if lang == "ja" else en


def templates(package: str, folder: str, lang: str) -> jinja2.Environment:
    """The Jinja templates in ``package``'s ``folder`` with ``_()`` translating into ``lang``:
    autoescaped, strict (an undefined name is an error, never an empty string), block tags
    trimmed. The report, the simulator's pages and the desk each add their filters."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(lang))  # type: ignore[attr-defined]
    return env
