"""The shapes of a scenario file, declared with pydantic: which keys, which types, how many.

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
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from chikuden.errors import ParameterError, did_you_mean
from chikuden.reading import MAX_ROWS, MAX_STRING, show

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
MAX_NAME = 64
"""Longest scenario name [characters]: it names the output folder."""
MAX_PARAMETERS = 5_000
"""Most parameters one scenario file may set (about 500 are declared)."""

Text = Annotated[str, StringConstraints(max_length=MAX_STRING)]
# One table cell: a number or a text; a list of texts only for a sources column (the Python API
# passes the rows of another table, whose sources are tuples).
Cell = Annotated[
    str | int | float | bool | list[Text] | tuple[Text, ...] | None,
    Field(union_mode="left_to_right"),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Bilingual(_Strict):
    """A title or description in English and Japanese."""

    en: Text | None = None
    ja: Text | None = None


class ScenarioDocument(_Strict):
    """The top level of a scenario file."""

    name: Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=MAX_NAME)] | None = None
    extends: Annotated[str, StringConstraints(min_length=1, max_length=1_000)] | None = None
    title: Bilingual | None = None
    description: Bilingual | None = None
    parameters: dict[Annotated[str, StringConstraints(max_length=200)], Any] | None = Field(
        default=None, max_length=MAX_PARAMETERS
    )


class CitedValue(_Strict):
    """``{value: ..., source: ..., note: ...}``: a parameter value with its citation."""

    value: Any
    source: Text | list[Text] | None = None
    note: Text | None = None


class TableOverride(_Strict):
    """``{table: NAME}``, ``{csv: PATH}`` or ``{rows: [...]}``: one of the three."""

    table: Annotated[str, StringConstraints(max_length=200)] | None = None
    csv: Annotated[str, StringConstraints(max_length=1_000)] | None = None
    rows: list[dict[Annotated[str, StringConstraints(max_length=200)], Cell]] | None = Field(
        default=None, max_length=MAX_ROWS
    )


_HINTS = {
    "ScenarioDocument": (
        "a scenario file has the keys name, extends, title, description and parameters"
    ),
    "Bilingual": "title and description are mappings with en and ja texts",
    "CitedValue": "a cited value is {value: ..., source: ..., note: ...}",
    "TableOverride": "a table is given as a bundled table name, {table: NAME}, {csv: PATH} or "
    "{rows: [{column: value, ...}, ...]}",
}

M = TypeVar("M", bound=_Strict)
_KEYS = sorted(
    {f for m in (ScenarioDocument, Bilingual, CitedValue, TableOverride) for f in m.model_fields}
)


def parse(model: type[M], data: Any, where: str) -> M:
    """``data`` as ``model``, or one line naming the field, the value, the rule and the fix."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ParameterError(f"{where}: {_describe(exc, model.__name__)}") from None


def _describe(exc: ValidationError, model: str) -> str:
    errors = exc.errors(include_url=False)
    # An unknown key explains a missing one ({valeu: 1} lacks value): name it first.
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [p for p in err["loc"] if not _is_type_name(p)]
    field = _field_text(loc, model)
    kind = err["type"]
    value = err.get("input")
    hint = _HINTS.get(model, "")
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        close = did_you_mean(key, _KEYS) if len(key) <= 200 else ""
        return f"unknown key {show(key)}{close}; {hint}"
    if model == "TableOverride" and len(loc) >= 2 and loc[0] == "rows":
        row = int(loc[1]) + 1
        if len(loc) == 2:
            return f"row {row} = {show(value)} is not a mapping of column: value; {hint}"
        return (
            f"row {row} column {show(loc[2])} = {show(value)} is not one number or text; "
            "a table cell holds one value"
        )
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if not loc:
            return f"the file holds {show(value)}, not a mapping of keys; {hint}"
        return f"{field} = {show(value)} is not a mapping; {hint}"
    if kind == "missing":
        return f"{field} is missing; {hint}"
    if kind == "string_pattern_mismatch":
        return (
            f"{field} = {show(value)} must be lower-case letters, digits, '.', '-' or '_'"
            " (starting with a letter or digit)"
        )
    if kind == "string_too_long":
        limit = (err.get("ctx") or {}).get("max_length")
        return f"{field} is longer than the limit of {limit:,} characters"
    if kind == "too_long":
        limit = (err.get("ctx") or {}).get("max_length")
        return f"{field} has more than the limit of {limit:,} entries"
    return f"{field} = {show(value)}: {err['msg'].lower()}; {hint}"


def _is_type_name(part: Any) -> bool:
    return isinstance(part, str) and (
        part in {"str", "int", "float", "bool", "none", "list", "dict"}
        or "[" in part
        or part.startswith(("constrained-str", "function-"))
        or part in _HINTS
    )


def _field_text(loc: list[Any], model: str) -> str:
    if not loc:
        return {"ScenarioDocument": "the file", "TableOverride": "the table"}.get(model, "value")
    return ".".join(str(p) for p in loc)
