"""Reading untrusted input: bytes to text to Python values, within stated limits.

Every file a user hands chikuden (a scenario YAML, a table CSV, a product file) and every
``--set`` value or numeric option passes through here before any model code runs. What is
refused, with one line that names the place, the value and what to do:

- text that is not UTF-8 (the message names what it looks like: UTF-16 with or without a
  byte-order mark, binary data, Shift_JIS, an 8-bit encoding), control characters and
  characters that cannot be written back (lone surrogates);
- files, strings, numbers, nesting and tables larger than the limits below;
- YAML anchors and aliases (``&a`` / ``*a``): they are how a 600-byte file expands into gigabytes,
  and a scenario never needs them;
- the same key twice in one mapping (YAML would silently keep the last);
- numbers in any syntax but plain ASCII decimal (``0.25``, ``-3``, ``1e6``): YAML 1.1 would read
  ``1_0`` as 10, ``2021:0.8`` as a base-60 number and ``on`` as true; Python would read ``٣``
  and ``０.５`` as digits.

The limits are far above what the bundled data needs (its largest table has 68 rows, its largest
file 6 kB), so they only ever stop input that would make a run slow or its report huge.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from chikuden.errors import N_, ChikudenError, Msg, ParameterError

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Largest scenario or table file [bytes] (4 MiB)."""
MAX_DEPTH = 10
"""Deepest nesting of YAML mappings and lists (a scenario with inline table rows needs 6)."""
MAX_NODES = 200_000
"""Most YAML values in one file (a 10,000-row table of 15 columns has 150,000)."""
MAX_STRING = 5_000
"""Longest text value [characters] (a note, a title, a table cell)."""
MAX_NUMBER_TEXT = 100
"""Longest written number [characters]; longer digit strings are refused, not converted."""
MAX_ROWS = 2_000
"""Most rows in one table parameter (Japan has about 900 expressway service and parking areas;
a run with a 2,000-row table takes about 0.9 GB and 6 s)."""
MAX_EXTENDS = 10
"""Longest ``extends:`` chain of scenario files."""

# One number syntax everywhere: ASCII digits, optional sign, fraction and exponent.
NUMBER_RE = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_INT_RE = re.compile(r"^[-+]?[0-9]+$")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def show(value: Any, width: int = 60) -> str:
    """``repr(value)`` cut to ``width`` characters, for error messages that stay one line."""
    text = repr(value)
    if len(text) > width:
        suffix = f"... ({len(text):,} chars)"
        return text[: max(width - len(suffix), 10)] + suffix
    return text


def _fail(
    where: str, message: str | Msg, error: type[ChikudenError] = ParameterError
) -> ChikudenError:
    return error(N_("{at}: {reason}", at=where, reason=message) if where else message)


# -- bytes to text -----------------------------------------------------------------------------
_BOMS = (
    (b"\xff\xfe\x00\x00", N_("UTF-32 (little-endian, with a byte-order mark)")),
    (b"\x00\x00\xfe\xff", N_("UTF-32 (big-endian, with a byte-order mark)")),
    (b"\xff\xfe", N_("UTF-16 (little-endian, with a byte-order mark)")),
    (b"\xfe\xff", N_("UTF-16 (big-endian, with a byte-order mark)")),
)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tab and line breaks: refused in every text a user gives."""


def escape_controls(text: str) -> str:
    """``text`` with each control character of :data:`CONTROL_RE` as its ``\\xNN`` escape: for
    quoting a refused input where control characters cannot go (the audit log, a worksheet)."""
    return CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


SAVE_AS_UTF8 = N_("save the file as UTF-8")


def read_bytes(
    path: Path,
    where: str,
    limit: int = MAX_FILE_BYTES,
    error: type[ChikudenError] = ParameterError,
) -> bytes:
    """The bytes of the file ``path``, refusing more than ``limit`` without reading them all."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise _fail(
            where, f"cannot read {str(path)!r} ({exc.strerror or exc}); check the path", error
        ) from None
    if len(data) > limit:
        raise _fail(where, f"the file is larger than the limit of {limit:,} bytes", error)
    return data


def decode(
    data: bytes,
    where: str,
    error: type[ChikudenError] = ParameterError,
    save: str | Msg = SAVE_AS_UTF8,
) -> str:
    """UTF-8 ``data`` as text (a UTF-8 byte-order mark is dropped); anything else is refused
    with what the bytes look like: UTF-16/32, Shift_JIS, an 8-bit encoding or binary data.
    Control characters other than tab and line breaks are refused too."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise _fail(
                where, N_("the file is {name}, not UTF-8; {save}", name=name, save=save), error
            )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(
            where,
            N_(
                "not UTF-8 text (byte 0x{byte:02x} at offset {offset}; it looks like {like}); "
                "{save}",
                byte=data[exc.start],
                offset=exc.start,
                like=_looks_like(data),
                save=save,
            ),
            error,
        ) from None
    bad = CONTROL_RE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise _fail(
            where,
            N_(
                "control character U+{code:04X} on line {line} (it looks like {like}); {save}",
                code=ord(bad.group()),
                line=line,
                like=_looks_like(data),
                save=save,
            ),
            error,
        )
    return text.removeprefix("\ufeff")


def _looks_like(data: bytes) -> Msg:
    head = data[:4096]
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if (odd > len(head) // 4 and even == 0) or (even > len(head) // 4 and odd == 0):
            return N_("UTF-16 without a byte-order mark")
        return N_("binary data")
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        return N_("binary data or an 8-bit encoding such as Latin-1")
    kana = sum("\u3040" <= ch <= "\u30ff" for ch in text)
    kanji = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    if kana or kanji >= 2:  # one stray kanji is what Latin-1 accents often decode to
        return N_("Shift_JIS (cp932)")
    return N_("an 8-bit encoding such as Latin-1 or Windows-1252")


def read_text(path: Path, where: str) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    return decode(read_bytes(path, where), where)


def check_text(value: str, where: str, limit: int = MAX_STRING) -> str:
    """Refuse text longer than ``limit`` or holding lone surrogates (not writable as UTF-8)."""
    if len(value) > limit:
        raise _fail(
            where,
            N_(
                "text of {n:,} characters is longer than the limit of {most:,}",
                n=len(value),
                most=limit,
            ),
        )
    if _SURROGATE_RE.search(value):
        raise _fail(
            where,
            _surrogate(value),
        )
    return value


def _surrogate(value: str) -> Msg:
    return N_(
        "{value} holds a lone surrogate (an escape such as \\ud800 that is not a character); "
        "remove it",
        value=show(value),
    )


# -- numbers -----------------------------------------------------------------------------------
_THOUSANDS_RE = re.compile(r"^[-+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?$")


def to_number(raw: Any, thousands: bool = False) -> float | None:
    """``raw`` as a float if it is a number or a number written in plain ASCII, else None.

    Booleans are not numbers. Integers too large for a float give ``inf`` (refused later as not
    finite, with the value shown), never an exception. With ``thousands``, text may group
    digits by commas the way spreadsheets print them (``1,234.5``); ``1,5`` stays refused.
    """
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if thousands and _THOUSANDS_RE.match(text):
            text = text.replace(",", "")
        if len(text) <= MAX_NUMBER_TEXT and NUMBER_RE.match(text):
            return float(text)
        return None
    if isinstance(raw, numbers.Real):  # int, float, numpy scalars, fractions
        try:
            return float(raw)
        except OverflowError:  # an integer (or fraction) beyond the range of a double
            return -math.inf if raw < 0 else math.inf
    return None


def is_subnormal(value: float) -> bool:
    """Whether ``value`` is a non-zero number below the smallest full-precision double.

    Such a value (5e-324, say) is no meaningful input, and as a divisor it overflows a ratio
    that the model defines as "not defined" at exactly 0. Inputs refuse it.
    """
    return value != 0.0 and abs(value) < sys.float_info.min


# -- YAML --------------------------------------------------------------------------------------
class _Resolver(BaseResolver):
    """YAML tags of plain scalars, restricted to one number syntax and true/false/null."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(rf"^[-+]?[0-9]{{1,{MAX_NUMBER_TEXT}}}$"),
    list("-+0123456789"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that chikuden refuses (an alias, a limit passed, a duplicate key)."""


def _refuse(event: Any, problem: Msg) -> _Refused:
    refused = _Refused(None, None, str(problem), event.start_mark)
    refused.msg = problem  # type: ignore[attr-defined]
    return refused


class _Constructor(SafeConstructor):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, ScalarNode):
                    if key_node.value in seen:
                        raise _refuse(
                            key_node,
                            N_(
                                "key {key} appears twice in one mapping; give each key once",
                                key=show(key_node.value),
                            ),
                        )
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        return int(str(self.construct_scalar(node)))

    def construct_yaml_float(self, node: ScalarNode) -> float:
        text = str(self.construct_scalar(node)).lower()
        if text.endswith(".inf"):
            return -math.inf if text.startswith("-") else math.inf
        if text == ".nan":
            return math.nan
        return float(text)


_Constructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:int", _Constructor.construct_yaml_int
)
_Constructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:float", _Constructor.construct_yaml_float
)


class _Loader(Reader, Scanner, Parser, Composer, _Constructor, _Resolver):
    """A YAML loader that refuses anchors and aliases and bounds depth, values and text."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _refuse(
                event,
                N_(
                    "YAML anchors and aliases (&name, *name) are not allowed in a scenario "
                    "file; write each value out"
                ),
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _refuse(event, N_("more than {n:,} values in one file", n=MAX_NODES))
        if isinstance(event, ScalarEvent):
            value = event.value
            if len(value) > MAX_STRING:
                raise _refuse(
                    event,
                    N_(
                        "a value of {n:,} characters is longer than the limit of {most:,}",
                        n=len(value),
                        most=MAX_STRING,
                    ),
                )
            if _SURROGATE_RE.search(value):
                raise _refuse(
                    event,
                    _surrogate(value),
                )
            if event.implicit[0] and _INT_RE.match(value) and len(value) > MAX_NUMBER_TEXT:
                raise _refuse(
                    event, N_("a number written with {n:,} digits is too large", n=len(value))
                )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _refuse(event, N_("values are nested more than {n} levels deep", n=MAX_DEPTH))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, where: str) -> Any:
    """Parse ``text`` as one YAML document within the limits; errors name line and column."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        return loader.get_single_data()
    except yaml.reader.ReaderError as exc:
        raise _fail(
            where,
            N_(
                "character 0x{code:x} at position {position} is a control character, which "
                "YAML does not allow; remove it",
                code=exc.character,
                position=exc.position,
            ),
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "syntax error"
        if isinstance(exc, _Refused) and mark is not None:
            raise _fail(
                where,
                N_(
                    "line {line}, column {column}: {reason}",
                    line=mark.line + 1,
                    column=mark.column + 1,
                    reason=exc.msg,  # type: ignore[attr-defined]
                ),
            ) from None
        if mark:
            raise _fail(
                where,
                N_(
                    "malformed YAML at line {line}, column {column}: {reason}; fix the file",
                    line=mark.line + 1,
                    column=mark.column + 1,
                    reason=problem,
                ),
            ) from None
        raise _fail(where, N_("malformed YAML: {reason}; fix the file", reason=problem)) from None
    finally:
        if loader is not None:
            loader.dispose()


# -- CSV ---------------------------------------------------------------------------------------
def read_csv_rows(text: str, where: str) -> list[dict[str, str]]:
    """Rows of a CSV table (``#`` lines are comments); a row with more cells than the header
    or a header naming a column twice is refused."""
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(lines)))
    try:
        header = next(reader, None)
        if header is None:
            return []
        header = [h.strip() for h in header]
        for h in header:
            check_text(h, f"{where} header")
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise _fail(
                where,
                N_("column {column!r} appears twice in the header; name it once", column=dupes[0]),
            )
        rows: list[dict[str, str]] = []
        for number, cells in enumerate(reader, start=1):
            if not cells:
                continue
            if len(cells) > len(header):
                raise _fail(
                    where,
                    N_(
                        "row {number} has {n} cells but the header has {columns} columns; quote "
                        "cells that contain a comma",
                        number=number,
                        n=len(cells),
                        columns=len(header),
                    ),
                )
            for cell in cells:
                check_text(cell, f"{where} row {number}")
            rows.append(dict(zip(header, cells, strict=False)))
    except csv.Error as exc:
        line = reader.line_num
        raise _fail(
            where, N_("malformed CSV at line {line}: {reason}; fix the file", line=line, reason=exc)
        ) from None
    return rows
