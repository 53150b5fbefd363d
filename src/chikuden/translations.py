"""The message catalogs: extract, merge and compile them (``python -m chikuden.translations``).

1. Extract every message of the code (``_("...")``, ``ngettext``, ``pgettext``) and of the
   report templates (``{{ _("...") }}``) with babel, as ``locale/babel.cfg`` says, into the
   template ``locale/chikuden.pot``.
2. Merge the template into each translated catalog ``locale/<lang>/LC_MESSAGES/chikuden.po``:
   new messages come in untranslated, messages the code no longer uses go (no fuzzy matching: a
   guess from a similar message would ship unchecked text).
3. Compile each ``.po`` into the ``.mo`` that :func:`chikuden.i18n.translator` loads.

A file is rewritten only when its content changes (the creation and revision dates in the
headers alone do not count), so running this on an unchanged tree changes nothing.
``tests/test_i18n.py`` checks the same things without writing: the template matches the code,
every message is translated, and the ``.mo`` matches the ``.po``. Only this module and the
tests import babel's message machinery; the CLI loads the compiled catalog with the standard
library.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from chikuden.i18n import DOMAIN, LANGS, SOURCE_LANG

PACKAGE = Path(__file__).resolve().parent
LOCALE = PACKAGE / "locale"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
MAPPING = LOCALE / "babel.cfg"
TRANSLATED = tuple(lang for lang in LANGS if lang != SOURCE_LANG)
COMMENT_TAG = "Translators:"
WIDTH = 100
HEADER = """\
# Messages of chikuden (https://github.com/chikuden): English in the code, translated here.
# Edit the msgstr lines; keep every {placeholder} of the msgid. Regenerate with
# `make translations` (python -m chikuden.translations), which also compiles the .mo."""
_DATES = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.MULTILINE)


def catalog_file(lang: str, ext: str = "po") -> Path:
    """``locale/<lang>/LC_MESSAGES/chikuden.<ext>``."""
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.{ext}"


def extract() -> Catalog:
    """Every message of the code and templates, as babel extracts it."""
    import chikuden

    with MAPPING.open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp, str(MAPPING))  # type: ignore[no-untyped-call]
    catalog = Catalog(
        project="chikuden",
        version=chikuden.__version__,
        header_comment=HEADER,
        copyright_holder="the chikuden authors",
        msgid_bugs_address="",
        fuzzy=False,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, method_map, options_map, comment_tags=(COMMENT_TAG,), strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalog(lang: str) -> Catalog:
    """The catalog of ``lang`` as the translator left it."""
    with catalog_file(lang).open("rb") as fp:
        return read_po(fp, locale=lang, domain=DOMAIN)


def merged(catalog: Catalog, template: Catalog) -> Catalog:
    """``catalog`` with the messages of ``template``: new ones untranslated, unused ones gone."""
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=True)
    catalog.obsolete.clear()
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    """A catalog as the text of a ``.po`` / ``.pot`` file (file names without line numbers,
    so that moving code does not touch the catalogs)."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)
    return buf.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """A catalog compiled as a ``.mo`` file (translated, non-fuzzy messages only)."""
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def _write(path: Path, data: bytes, *, dated: bool = False) -> bool:
    """Write ``data`` unless the file already holds it (ignoring header dates if ``dated``)."""
    if path.exists():
        old = path.read_bytes()
        if old == data or (dated and _DATES.sub(b"", old) == _DATES.sub(b"", data)):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def main() -> int:
    template = extract()
    changed = [TEMPLATE] if _write(TEMPLATE, po_bytes(template), dated=True) else []
    for lang in TRANSLATED:
        po_file = catalog_file(lang)
        if po_file.exists():
            catalog = read_catalog(lang)
        else:
            catalog = Catalog(
                locale=lang, domain=DOMAIN, header_comment=HEADER, project="chikuden", fuzzy=False
            )
        catalog = merged(catalog, template)
        if _write(po_file, po_bytes(catalog), dated=True):
            changed.append(po_file)
        if _write(catalog_file(lang, "mo"), mo_bytes(read_catalog(lang))):
            changed.append(catalog_file(lang, "mo"))
        missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        if missing:
            print(f"{po_file}: {len(missing)} messages to translate", file=sys.stderr)
    for path in changed:
        print(f"wrote {path.relative_to(PACKAGE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
