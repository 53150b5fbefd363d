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
from collections.abc import Iterator
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


# -- the reviewer's file: every English -> Japanese pair in one place ------------------------------
DATA = PACKAGE / "data"
REVIEW_FILE = "translations-ja.md"


def _data_pairs_of(doc: object, path: str, lang: str) -> Iterator[tuple[str, str, str]]:
    """``(where, English, translation)`` of a parsed YAML document: fields ``x_en`` /
    ``x_<lang>`` and ``en`` / ``<lang>`` side by side (``where``: the keys down to them)."""
    suffix = f"_{lang}"
    if isinstance(doc, dict):
        for key, value in doc.items():
            key = str(key)
            if isinstance(value, str) and key.endswith(suffix):
                stem = key[: -len(suffix)]
                en = doc.get(f"{stem}_en", doc.get(stem, ""))
                yield f"{path}.{stem}".strip("."), str(en), value
            elif isinstance(value, str) and key == lang:
                yield path, str(doc.get("en", "")), value
            elif not isinstance(value, str):
                yield from _data_pairs_of(value, f"{path}.{key}".strip("."), lang)
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            ident = value.get("id") if isinstance(value, dict) else None
            yield from _data_pairs_of(value, f"{path}[{ident if ident else i}]", lang)


def data_pairs(lang: str = "ja") -> Iterator[tuple[str, str, str, str]]:
    """Every English -> ``lang`` pair held in data: ``(file, where, English, translation)``
    for the YAML files (fields ``*_ja`` and ``ja``) and the CSV files (columns ``*_ja``) under
    ``chikuden/data``; ``file`` is relative to the package."""
    suffix = f"_{lang}"
    import csv

    from chikuden.data import read_yaml

    for path in sorted(DATA.rglob("*.yaml")):
        doc = read_yaml(*path.relative_to(DATA).parts)
        name = path.relative_to(PACKAGE).as_posix()
        for where, en, ja in _data_pairs_of(doc, "", lang):
            yield name, where, en, ja
    for path in sorted(DATA.rglob("*.csv")):
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
        name = path.relative_to(PACKAGE).as_posix()
        for i, row in enumerate(csv.DictReader(lines)):
            row_id = row.get("name") or row.get("id") or str(i + 1)
            for col, ja in row.items():
                if col and col.endswith(suffix) and ja:
                    stem = col[: -len(suffix)]
                    en = row.get(f"{stem}_en") or row.get(stem) or ""
                    yield name, f"{row_id}.{stem}", en, ja


def message_pairs(lang: str = "ja") -> Iterator[tuple[str, str, str, str]]:
    """Every message of the catalog of ``lang``: ``(code files, context, English,
    translation)``; plural forms are joined with `` / ``."""
    for m in read_catalog(lang):
        if not m.id:
            continue
        en = " / ".join(m.id) if isinstance(m.id, tuple | list) else m.id
        ja = " / ".join(m.string) if isinstance(m.string, tuple | list) else m.string
        files = ", ".join(sorted({str(f) for f, _ in m.locations}))
        yield files, m.context or "", en, ja or ""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def review_document(lang: str = "ja") -> str:
    """``docs/translations-ja.md``: every English -> Japanese pair, the catalog's messages by
    the code that writes them, then the data's texts by file (what a reviewer reads)."""
    lines = [
        "<!-- Generated by `python -m chikuden.docs` from the catalog and the data. "
        "Do not edit. -->",
        "# Japanese texts for review",
        "",
        "Every English text of chikuden with its Japanese, in one file. To correct a Japanese",
        "text, edit it where it lives (the file named above each table), then run",
        "`python -m chikuden.translations` (catalog messages: it recompiles the `.mo`) and",
        "`python -m chikuden.docs` (this file); `tests/test_japanese_style.py` checks the style",
        "(「。」「、」, full-width parentheses beside Japanese, 出典：, 当たり).",
        "",
        "- Messages of the report and the CLI: `src/chikuden/locale/ja/LC_MESSAGES/chikuden.po`,",
        "  the `msgstr` under the English `msgid` (keep every `{placeholder}`).",
        "- Texts of the data: the `*_ja` field (YAML) or column (CSV) beside the English.",
        "",
        f"## Messages: `src/chikuden/locale/{lang}/LC_MESSAGES/chikuden.po`",
        "",
    ]
    by_file: dict[str, list[tuple[str, str, str]]] = {}
    for files, context, en, ja in message_pairs(lang):
        by_file.setdefault(files, []).append((context, en, ja))
    for files in sorted(by_file):
        lines += [f"### {files}", "", "| context | English | 日本語 |", "|---|---|---|"]
        for context, en, ja in by_file[files]:
            lines.append(f"| {_cell(context)} | {_cell(en)} | {_cell(ja)} |")
        lines.append("")
    by_data: dict[str, list[tuple[str, str, str]]] = {}
    for name, where, en, ja in data_pairs(lang):
        by_data.setdefault(name, []).append((where, en, ja))
    for name in sorted(by_data):
        lines += [f"## Data: `src/chikuden/{name}`", "", "| where | English | 日本語 |"]
        lines.append("|---|---|---|")
        for where, en, ja in by_data[name]:
            lines.append(f"| {_cell(where)} | {_cell(en)} | {_cell(ja)} |")
        lines.append("")
    return "\n".join(lines)
