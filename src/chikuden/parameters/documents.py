"""The shapes of a scenario file, checked by hand: which keys, which types, how many.

This is the structural part of the check at the door. The values themselves (numbers in their
declared ranges, years in the horizon, table cells against their column schema) are checked by
the parameter declarations, which hold the ranges; the cross-field rules by
:mod:`chikuden.parameters.rules`.

A scenario file::

    name: faster-build                 # optional; lower-case letters, digits, '.', '-', '_'
    extends: proposal-2022             # optional; a bundled name or a path from this file's folder
    title: {en: "...", ja: "..."}      # optional
    description: {en: "...", ja: "..."}
    parameters:
      capacity.delay_years: 0                                        # a bare value
      targets.japan_share_2030: {value: 0.25, source: my-source, note: "..."}
      capacity.plants: {rows: [{id: a, ...}, ...]}                   # or {table: NAME}, {csv: PATH}

The strict reader (:func:`chikuden.reading.load_yaml`) hands over plain dicts, lists, texts,
numbers, booleans and ``None``; the Python API may also pass tuples and numpy numbers. Each
shape below is a table of its keys, each key with the check of its value. A document is read
whole: the problem reported is the first unknown key anywhere in it (a misspelt key explains a
missing one: ``{valeu: 1}`` lacks ``value``), else the first problem in the order of the keys
below. (These checks were pydantic models until issue 12, with the same messages but for three
fixes that tests/test_documents.py names. Importing pydantic and building the models took about
55 ms of every process that loads a scenario.)
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from chikuden.errors import N_, Msg, ParameterError
from chikuden.reading import MAX_ROWS, MAX_STRING, show

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
MAX_NAME = 64
"""Longest scenario name [characters]: it names the output folder."""
MAX_PARAMETERS = 5_000
"""Most parameters one scenario file may set (about 500 are declared)."""
MAX_KEY = 200
"""Longest parameter name or table column name [characters]."""
MAX_PATH = 1_000
"""Longest ``extends:`` or ``csv:`` path [characters]."""

_NAME_RE = re.compile(NAME_PATTERN.removesuffix("$") + r"\Z")


class _Problems:
    """What is wrong with one document: the first unknown key and the first other problem."""

    def __init__(self, hint: Msg) -> None:
        self.hint = hint
        self.unknown: Msg | None = None
        self.other: Msg | None = None

    def add(self, message: Msg, unknown: bool = False) -> None:
        if unknown and self.unknown is None:
            self.unknown = message
        elif not unknown and self.other is None:
            self.other = message

    def first(self) -> Msg | None:
        return self.unknown or self.other


# A check reads one value at a place (the dotted path of keys) and returns it, noting problems.
_Check = Callable[[Any, str, _Problems], Any]


def _not_mapping(at: str, value: Any, problems: _Problems) -> Msg:
    return N_(
        "{at} = {value} is not a mapping; {hint}", at=at, value=show(value), hint=problems.hint
    )


def _not_text(value: Any, at: str, problems: _Problems) -> None:
    problems.add(
        N_(
            "{at} = {value}: input should be a valid string; {hint}",
            at=at,
            value=show(value),
            hint=problems.hint,
        )
    )


def _text(max_length: int = MAX_STRING, min_length: int = 0, name: bool = False) -> _Check:
    """A text of ``min_length..max_length`` characters (``name``: a scenario name), or None."""

    def check(value: Any, at: str, problems: _Problems) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            _not_text(value, at, problems)
        elif len(value) > max_length:
            problems.add(
                N_("{at} is longer than the limit of {n:,} characters", at=at, n=max_length)
            )
        elif len(value) < min_length:
            problems.add(
                N_(
                    "{at} = {value}: string should have at least {n} character(s); {hint}",
                    at=at,
                    value=show(value),
                    n=min_length,
                    hint=problems.hint,
                )
                if min_length > 1
                else N_(
                    "{at} = {value}: string should have at least 1 character; {hint}",
                    at=at,
                    value=show(value),
                    hint=problems.hint,
                )
            )
        elif name and not _NAME_RE.match(value):
            problems.add(
                N_(
                    "{at} = {value} must be lower-case letters, digits, '.', '-' or '_' "
                    "(starting with a letter or digit)",
                    at=at,
                    value=show(value),
                )
            )
        return value

    return check


def _any(value: Any, at: str, problems: _Problems) -> Any:
    return value


def _sources(value: Any, at: str, problems: _Problems) -> Any:
    """One source key text, or a list of them (``None`` for none)."""
    if isinstance(value, list) and all(isinstance(v, str) and len(v) <= MAX_STRING for v in value):
        return value
    return _text()(value, at, problems)


def _too_many(at: str, limit: int, problems: _Problems) -> None:
    problems.add(N_("{at} has more than the limit of {n:,} entries", at=at, n=limit))


def _parameters(value: Any, at: str, problems: _Problems) -> Any:
    """The ``parameters:`` mapping: parameter name to any value (the declarations check it)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add(_not_mapping(at, value, problems))
    elif len(value) > MAX_PARAMETERS:
        _too_many(at, MAX_PARAMETERS, problems)
    else:
        for key in value:  # the first bad name is reported (a later one could not win)
            if not isinstance(key, str):
                _not_text(key, f"{at}.{key}", problems)
                break
            if len(key) > MAX_KEY:
                where = f"{at}.{show(key)}"
                problems.add(
                    N_("{at} is longer than the limit of {n:,} characters", at=where, n=MAX_KEY)
                )
                break
    return value


def _is_column(name: Any) -> bool:
    return isinstance(name, str) and len(name) <= MAX_KEY


def _is_cell(value: Any) -> bool:
    """One number or text (or nothing); a list of texts only for a sources column (the Python
    API passes the rows of another table, whose sources are tuples)."""
    if value is None or isinstance(value, str | numbers.Real):  # numbers.Real: bools too
        return True
    return isinstance(value, list | tuple) and all(
        isinstance(v, str) and len(v) <= MAX_STRING for v in value
    )


def _rows(value: Any, at: str, problems: _Problems) -> Any:
    """``rows: [{column: value, ...}, ...]``: at most MAX_ROWS mappings of one value each."""
    if value is None:
        return None
    if not isinstance(value, list):
        problems.add(
            N_(
                "{at} = {value}: input should be a valid list; {hint}",
                at=at,
                value=show(value),
                hint=problems.hint,
            )
        )
    elif len(value) > MAX_ROWS:
        _too_many(at, MAX_ROWS, problems)
    else:
        for number, row in enumerate(value, start=1):  # the first bad row or cell is reported
            if not isinstance(row, dict):
                problems.add(
                    N_(
                        "row {number} = {value} is not a mapping of column: value; {hint}",
                        number=number,
                        value=show(row),
                        hint=problems.hint,
                    )
                )
                break
            bad = next(
                ((c, v) for c, v in row.items() if not (_is_column(c) and _is_cell(v))), None
            )
            if bad is not None:
                column, cell = bad
                shown = cell if _is_column(column) else column  # a bad name is shown as the value
                problems.add(
                    N_(
                        "row {number} column {column} = {value} is not one number or text; a "
                        "table cell holds one value",
                        number=number,
                        column=show(column),
                        value=show(shown),
                    )
                )
                break
    return value


class _Shape:
    """A mapping with declared keys, read by :meth:`read` (subclasses are dataclasses)."""

    KEYS: ClassVar[dict[str, _Check]]
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    HINT: ClassVar[Msg]

    if TYPE_CHECKING:

        def __init__(self, **values: Any) -> None: ...

    @classmethod
    def read(cls, data: Any, where: str) -> Self:
        """``data`` as this shape, or one line naming the field, the value, the rule and the
        fix (:class:`ParameterError`)."""
        if not isinstance(data, dict):
            raise ParameterError(
                N_(
                    "{at}: the file holds {value}, not a mapping of keys; {hint}",
                    at=where,
                    value=show(data),
                    hint=cls.HINT,
                )
            )
        problems = _Problems(cls.HINT)
        out = cls._fields(data, "", problems)
        message = problems.first()
        if message is not None:
            raise ParameterError(N_("{at}: {reason}", at=where, reason=message))
        return out

    @classmethod
    def _fields(cls, data: Mapping[Any, Any], prefix: str, problems: _Problems) -> Self:
        values: dict[str, Any] = {}
        for key, check in cls.KEYS.items():
            at = f"{prefix}{key}"
            if key in data:
                values[key] = check(data[key], at, problems)
            elif key in cls.REQUIRED:
                problems.add(N_("{at} is missing; {hint}", at=at, hint=problems.hint))
        for key in data:
            if key not in cls.KEYS:
                problems.add(
                    N_(
                        "unknown key {key}{hint}; {shape}",
                        key=show(key),
                        hint=cls._close(key),
                        shape=problems.hint,
                    ),
                    True,
                )
        return cls(**values)

    @classmethod
    def _close(cls, key: Any) -> Msg | str:
        """``" (did you mean 'value'?)"`` when the key of any shape closest to ``key`` is one of
        this shape's (a key of another shape, say ``table`` in a cited value, gets no hint)."""
        if not isinstance(key, str) or len(key) > MAX_KEY:
            return ""
        import difflib  # here: only a message needs it

        close = difflib.get_close_matches(key, _ALL_KEYS, n=1, cutoff=0.6)
        return (
            N_(" (did you mean {close!r}?)", close=close[0])
            if close and close[0] in cls.KEYS
            else ""
        )

    @classmethod
    def nested(cls, value: Any, at: str, problems: _Problems) -> Self | None:
        """The check of this shape as the value of a key of another shape (None for none)."""
        if value is None:
            return None
        if not isinstance(value, dict):
            problems.add(_not_mapping(at, value, problems))
            return None
        return cls._fields(value, f"{at}.", problems)


@dataclass(frozen=True)
class Bilingual(_Shape):
    """A title or description in English and Japanese."""

    en: str | None = None
    ja: str | None = None

    KEYS: ClassVar[dict[str, _Check]] = {"en": _text(), "ja": _text()}
    HINT: ClassVar[Msg] = N_("title and description are mappings with en and ja texts")


@dataclass(frozen=True)
class ScenarioDocument(_Shape):
    """The top level of a scenario file."""

    name: str | None = None
    extends: str | None = None
    title: Bilingual | None = None
    description: Bilingual | None = None
    parameters: dict[str, Any] | None = None
    uncertainty: dict[str, Any] | None = None

    KEYS: ClassVar[dict[str, _Check]] = {
        "name": _text(MAX_NAME, name=True),
        "extends": _text(MAX_PATH, min_length=1),
        "title": Bilingual.nested,
        "description": Bilingual.nested,
        "parameters": _parameters,
        "uncertainty": _any,  # checked by chikuden.uncertainty.distributions.read_spec
    }
    HINT: ClassVar[Msg] = N_(
        "a scenario file has the keys name, extends, title, description, parameters and uncertainty"
    )


@dataclass(frozen=True)
class CitedValue(_Shape):
    """``{value: ..., source: ..., note: ...}``: a parameter value with its citation."""

    value: Any = None  # required: REQUIRED below
    source: str | list[str] | None = None
    note: str | None = None

    KEYS: ClassVar[dict[str, _Check]] = {"value": _any, "source": _sources, "note": _text()}
    REQUIRED: ClassVar[tuple[str, ...]] = ("value",)
    HINT: ClassVar[Msg] = N_("a cited value is {{value: ..., source: ..., note: ...}}")


@dataclass(frozen=True)
class TableOverride(_Shape):
    """``{table: NAME}``, ``{csv: PATH}`` or ``{rows: [...]}``: one of the three."""

    table: str | None = None
    csv: str | None = None
    rows: list[dict[str, Any]] | None = None

    KEYS: ClassVar[dict[str, _Check]] = {
        "table": _text(MAX_KEY),
        "csv": _text(MAX_PATH),
        "rows": _rows,
    }
    HINT: ClassVar[Msg] = N_(
        "a table is given as a bundled table name, {{table: NAME}}, {{csv: PATH}} or "
        "{{rows: [{{column: value, ...}}, ...]}}"
    )


_SHAPES = (ScenarioDocument, Bilingual, CitedValue, TableOverride)
_ALL_KEYS = sorted({key for shape in _SHAPES for key in shape.KEYS})
"""The keys of every shape: a key of one shape in another gets no "did you mean"."""
