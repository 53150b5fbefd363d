"""Parameter declaration tables: one CSV per domain in ``chikuden/data/parameters/``.

Columns: ``name, kind, unit, default, min, max, description_en, description_ja, source, note``.

- ``kind`` is ``scalar`` (one number), ``path`` (a number per year, given as ``year:value``
  points joined by ``;`` and interpolated linearly, flat outside the points) or
  ``table:<schema>`` (rows of a data table whose columns ``data/tables/schemas/*.yaml`` declare;
  the default names a bundled table in ``data/tables/<name>.csv``).
- ``unit`` follows the suffix grammar of the architecture note; ``year`` values are integers
  and ``flag`` values are 0 or 1.
- ``source`` is one or more bibliography keys joined by ``;``.

The same table drives validation, ``chikuden params``, the provenance of results and the
sample space of batch runs.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Hashable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.data import DATA, read_yaml
from chikuden.errors import N_, Msg, ParameterError, did_you_mean
from chikuden.horizon import FIRST_YEAR, LAST_YEAR, N_YEARS, YEARS
from chikuden.parameters.documents import TableOverride
from chikuden.parameters.rules import Rule, check_table, parameter_rules_of, table_rules
from chikuden.parameters.sources import resolve_source, split_sources
from chikuden.reading import (
    MAX_ROWS,
    is_subnormal,
    read_csv_rows,
    read_text,
    show,
    to_number,
)

INTEGER_UNITS = frozenset({"year", "flag", "count", "people"})


@dataclass(frozen=True)
class Column:
    """One column of a table schema."""

    name: str
    type: str  # "str", "float", "int", "sources"
    unit: str = ""
    min: float = -math.inf
    max: float = math.inf
    allowed: tuple[str, ...] = ()
    required: bool = True
    default: Any = None
    description_en: str = ""
    description_ja: str = ""


@dataclass(frozen=True)
class TableSchema:
    """The columns a kind of table has."""

    name: str
    columns: dict[str, Column]
    description_en: str = ""
    description_ja: str = ""
    rules: tuple[Rule, ...] = ()  # cross-field rules between the cells of a table

    @property
    def numeric(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.type in ("float", "int")]


@dataclass(frozen=True)
class Table:
    """Validated rows of a table parameter, with where they came from."""

    schema: TableSchema
    label: str
    rows: tuple[dict[str, Any], ...]

    def column(self, name: str) -> NDArray[np.float64]:
        """One numeric column as a float array [column unit]."""
        return np.array([float(r[name]) for r in self.rows], dtype=float)

    def strings(self, name: str) -> list[str]:
        return [str(r[name]) for r in self.rows]

    def sources(self) -> set[str]:
        out: set[str] = set()
        for r in self.rows:
            out.update(r.get("source", ()))
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Table) and self.rows == other.rows

    def __hash__(self) -> int:
        # what __eq__ compares, the rows (not the label), in a hashable form: equal tables
        # hash equally
        return hash(tuple(_hashable(row) for row in self.rows))


def _hashable(value: Any) -> Hashable:
    """``value`` with dicts as tuples of items sorted by key and lists as tuples."""
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    plain: Hashable = value
    return plain


@dataclass(frozen=True)
class Declaration:
    """One declared parameter: a row of a declaration table.

    Its default is read from the table's text (``default_raw``) by :meth:`validate`, the check
    every value passes, when first asked for: loading a scenario reads only the defaults it
    needs. ``tests/test_parameters.py`` reads every default of the bundled tables.
    """

    name: str
    kind: str
    unit: str
    min: float
    max: float
    description_en: str
    description_ja: str
    source: tuple[str, ...]
    note: str = ""
    default_raw: str = ""
    """The ``default`` cell: a number, ``year:value`` points or a bundled table's name."""
    schema_name: str = ""
    """The table schema of a ``table:<schema>`` parameter (``data/tables/schemas/``)."""
    origin: str = ""
    """Where it is declared, for messages: ``capacity.csv: capacity.delay_years``."""

    @property
    def default(self) -> Any:
        """The default value, normalised like any value (float, year array or :class:`Table`)."""
        return _default(self)

    @property
    def schema(self) -> TableSchema | None:
        """The columns of a table parameter (None for a number or a path)."""
        return table_schemas()[self.schema_name] if self.schema_name else None

    @property
    def domain(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def integer(self) -> bool:
        return self.unit in INTEGER_UNITS

    @property
    def range_text(self) -> str:
        lo = _fmt(self.min)
        hi = _fmt(self.max)
        return f"{lo}..{hi}"

    def default_text(self) -> str:
        if self.kind == "scalar":
            return _fmt(float(self.default))
        if self.kind == "path":
            return "; ".join(f"{y}: {_fmt(v)}" for y, v in self.default_points)
        return str(self.default.label)

    @property
    def default_points(self) -> list[tuple[int, float]]:
        """The ``year: value`` points of a path's default (one point for a constant)."""
        parsed = parse_points(self.default_raw, self.name, self.origin)
        if isinstance(parsed, dict):
            return sorted(parsed.items())
        return [(FIRST_YEAR, parsed)]

    def validate(self, raw: Any, where: str = "", base_dir: Path | None = None) -> Any:
        """Check ``raw`` and return it normalised (float, year array, or :class:`Table`)."""
        if self.kind == "scalar":
            return self._scalar(raw, where)
        if self.kind == "path":
            return self._path(raw, where)
        return self._table(raw, where, base_dir)

    # -- scalar -----------------------------------------------------------------------------
    def _what(self) -> str:
        return f"{self.range_text} [{self.unit}]"

    def _scalar(self, raw: Any, where: str, label: str | None = None) -> float:
        label = label or self.name
        value = _number(raw, label, self._what(), where)
        self._check_range(value, label, where)
        return value

    def _check_range(self, value: float, label: str, where: str) -> None:
        if not math.isfinite(value):
            raise ParameterError(
                N_(
                    "{at}{label} = {value!r} is not a finite number; give a number in {allowed}",
                    at=_at(where),
                    label=label,
                    value=value,
                    allowed=self._what(),
                )
            )
        if not self.min <= value <= self.max:
            hint = N_("; a share is a fraction between 0 and 1") if self.unit == "share" else ""
            raise ParameterError(
                N_(
                    "{at}{label} = {value} is outside the allowed range {allowed}; use a value "
                    "in that range{hint}",
                    at=_at(where),
                    label=label,
                    value=_fmt(value),
                    allowed=self._what(),
                    hint=hint,
                )
            )
        if self.integer and value != int(value):
            raise ParameterError(
                N_(
                    "{at}{label} = {value} must be a whole number [{unit}]",
                    at=_at(where),
                    label=label,
                    value=_fmt(value),
                    unit=self.unit,
                )
            )

    # -- path -------------------------------------------------------------------------------
    def _path(self, raw: Any, where: str) -> NDArray[np.float64]:
        if isinstance(raw, str):
            raw = parse_points(raw, self.name, where)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            value = self._scalar(raw, where)
            return np.full(N_YEARS, value)
        if isinstance(raw, list):
            if len(raw) != N_YEARS:
                raise ParameterError(
                    N_(
                        "{at}{name}: a list needs one value per year {first}..{last} ({n} "
                        "values), got {got}; or give year: value points",
                        at=_at(where),
                        name=self.name,
                        first=FIRST_YEAR,
                        last=LAST_YEAR,
                        n=N_YEARS,
                        got=len(raw),
                    )
                )
            return np.array(
                [
                    self._scalar(v, where, f"{self.name}[{y}]")
                    for y, v in zip(YEARS, raw, strict=True)
                ]
            )
        if isinstance(raw, dict):
            if not raw:
                raise ParameterError(
                    N_("{at}{name}: no year: value points given", at=_at(where), name=self.name)
                )
            points: list[tuple[int, float]] = []
            for key, val in raw.items():
                year = _year(key, self.name, where)
                points.append((year, self._scalar(val, where, f"{self.name}[{year}]")))
            points.sort()
            xs = np.array([p[0] for p in points], dtype=float)
            ys = np.array([p[1] for p in points], dtype=float)
            path: NDArray[np.float64] = np.interp(YEARS, xs, ys)
            return path
        raise ParameterError(
            N_(
                "{at}{name} = {value}: expected a number, year: value points or {n} yearly "
                "values [{unit}]",
                at=_at(where),
                name=self.name,
                value=show(raw),
                n=N_YEARS,
                unit=self.unit,
            )
        )

    # -- table ------------------------------------------------------------------------------
    def _table(self, raw: Any, where: str, base_dir: Path | None) -> Table:
        assert self.schema is not None
        if isinstance(raw, Table):
            return raw
        if isinstance(raw, str):
            raw = {"table": raw}
        here = f"{where}: {self.name}" if where else self.name
        spec = TableOverride.read(raw, here)
        given = [k for k in ("table", "csv", "rows") if getattr(spec, k) is not None]
        if len(given) != 1:
            raise ParameterError(
                N_(
                    "{at}: give exactly one of table, csv or rows (got {got}); e.g. {{table: "
                    "plants-japan-2025}}",
                    at=here,
                    got=", ".join(given) or N_("none"),
                )
            )
        rows: list[dict[str, Any]]
        if spec.table is not None:
            rows, label = bundled_table_rows(spec.table, self.name, where), spec.table
        elif spec.csv is not None:
            path = Path(spec.csv)
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            if not path.is_file():
                raise ParameterError(
                    N_(
                        "{at}: CSV file {path!r} not found; paths are relative to the scenario "
                        "file's folder",
                        at=here,
                        path=str(path),
                    )
                )
            rows, label = _read_csv_rows(read_text(path, f"{here}: {path}"), here), path.name
        else:
            assert spec.rows is not None
            rows, label = [dict(r) for r in spec.rows], "inline rows"
        return validate_rows(
            self.schema, rows, label, f"{where}: {self.name}" if where else self.name
        )


def _at(where: str) -> Msg | str:
    """``where: `` before a message (a translated colon), nothing without a place."""
    return N_("{at}: ", at=where) if where else ""


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    if float(x).is_integer() and abs(x) < 1e16:
        return f"{int(x)}"
    return f"{x:.6g}"


def _number(raw: Any, label: str | Msg, allowed: str, where: str) -> float:
    value = to_number(raw)
    if value is None:
        raise ParameterError(
            N_(
                "{at}{label} = {value} is not a number; expected a number in {allowed} (plain "
                "digits, e.g. 0.25, 1500 or 1e6)",
                at=_at(where),
                label=label,
                value=show(raw),
                allowed=allowed,
            )
        )
    if is_subnormal(value):
        raise ParameterError(
            N_(
                "{at}{label} = {value!r} is too small to compute with (below {tiny:.3g}, the "
                "smallest full-precision number); use 0 or a larger value",
                at=_at(where),
                label=label,
                value=value,
                tiny=sys.float_info.min,
            )
        )
    return value


def parse_points(text: str, name: str, where: str = "") -> dict[int, float] | float:
    """Parse ``"2021:300;2030:3000"`` (or a single number) into path points."""
    text = text.strip()
    if ":" not in text:
        return _number(text, name, "a number", where)
    points: dict[int, float] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        year, _, value = part.partition(":")
        points[_year(year, name, where)] = _number(value, name, "a number", where)
    return points


def _year(raw: Any, name: str, where: str) -> int:
    """A year key of a path: a whole number inside the horizon."""
    year = _number(raw, f"{name} year", f"{FIRST_YEAR}..{LAST_YEAR}", where)
    if not (FIRST_YEAR <= year <= LAST_YEAR and year == int(year)):
        raise ParameterError(
            N_(
                "{at}{name}: year {year} is outside the horizon {first}..{last}; give points "
                "for whole years in that range",
                at=_at(where),
                name=name,
                year=show(raw),
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )
    return int(year)


def _choices(allowed: tuple[str, ...], shown: int = 12) -> str:
    """The allowed values of a column for a message: all of them, or the first few of many."""
    if len(allowed) <= shown:
        return ", ".join(allowed)
    return f"one of {len(allowed)} values such as {', '.join(allowed[:6])}"


def _read_csv_rows(text: str, where: str = "") -> list[dict[str, Any]]:
    return list(read_csv_rows(text, where))


@cache
def bundled_table_names() -> tuple[str, ...]:
    folder = DATA.joinpath("tables")
    return tuple(sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".csv")))


def bundled_table_rows(name: str, param: str, where: str = "") -> list[dict[str, Any]]:
    names = bundled_table_names()
    if name not in names:
        raise ParameterError(
            N_(
                "{at}{param}: unknown bundled table {name!r}{hint}; bundled: {names}",
                at=_at(where),
                param=param,
                name=name,
                hint=did_you_mean(name, names),
                names=", ".join(names),
            )
        )
    text = DATA.joinpath("tables", f"{name}.csv").read_text("utf-8")
    return _read_csv_rows(text)


def validate_rows(schema: TableSchema, rows: list[dict[str, Any]], label: str, where: str) -> Table:
    """Check every row of a table against its schema; the error names row and column."""
    if len(rows) > MAX_ROWS:
        raise ParameterError(
            N_(
                "{at}: {n:,} rows, more than the limit of {most:,} rows per table",
                at=where,
                n=len(rows),
                most=MAX_ROWS,
            )
        )
    out: list[dict[str, Any]] = []
    given: set[str] = set()
    for r in rows:
        given.update(str(k) for k in r)
    unknown_cols = given - set(schema.columns)
    if unknown_cols:
        bad = sorted(unknown_cols)[0]
        raise ParameterError(
            N_(
                "{at}: unknown column {column!r}{hint}; columns of a {table} table: {columns}",
                at=where,
                column=bad,
                hint=did_you_mean(bad, schema.columns),
                table=schema.name,
                columns=", ".join(schema.columns),
            )
        )
    for i, row in enumerate(rows, start=1):
        ident = str(row.get("id") or f"#{i}")[:40]
        clean: dict[str, Any] = {}
        for col in schema.columns.values():
            cell = row.get(col.name)
            here = N_(
                "{at} row {i} ({id}) column {column}", at=where, i=i, id=ident, column=col.name
            )
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                if col.required:
                    raise ParameterError(
                        N_("{at} is empty; fill it in [{unit}]", at=here, unit=col.unit or col.type)
                    )
                cell = col.default
            if isinstance(cell, list | tuple) and col.type != "sources":
                raise ParameterError(
                    N_("{at} = {value} is a list; give one value", at=here, value=show(cell))
                )
            if col.type in ("float", "int"):
                value = _number(cell, here, f"{_fmt(col.min)}..{_fmt(col.max)} [{col.unit}]", "")
                if not (math.isfinite(value) and col.min <= value <= col.max):
                    raise ParameterError(
                        N_(
                            "{at} = {value} is outside {low}..{high} [{unit}]; correct the row",
                            at=here,
                            value=_fmt(value),
                            low=_fmt(col.min),
                            high=_fmt(col.max),
                            unit=col.unit,
                        )
                    )
                if col.type == "int" and value != int(value):
                    raise ParameterError(
                        N_("{at} = {value} must be a whole number", at=here, value=_fmt(value))
                    )
                clean[col.name] = int(value) if col.type == "int" else value
            elif col.type == "sources":
                text = ";".join(map(str, cell)) if isinstance(cell, list | tuple) else str(cell)
                keys = split_sources(text)
                for key in keys:
                    resolve_source(key, str(here))
                clean[col.name] = keys
            else:
                text = str(cell).strip()
                if col.allowed and text not in col.allowed:
                    raise ParameterError(
                        N_(
                            "{at} = {value} is not allowed{hint}; allowed: {allowed}",
                            at=here,
                            value=show(text),
                            hint=did_you_mean(text, col.allowed),
                            allowed=_choices(col.allowed),
                        )
                    )
                clean[col.name] = text
        out.append(clean)
    check_table(schema.rules, out, where)
    return Table(schema=schema, label=label, rows=tuple(out))


@cache
def table_schemas() -> dict[str, TableSchema]:
    """Schemas of table parameters, from ``data/tables/schemas/*.yaml`` (one file per domain)."""
    folder = DATA.joinpath("tables", "schemas")
    raw: dict[str, dict[str, Any]] = {}
    for entry in sorted(folder.iterdir(), key=lambda f: f.name):
        if entry.name.endswith(".yaml"):
            raw.update(read_yaml("tables", "schemas", entry.name) or {})
    out: dict[str, TableSchema] = {}
    for name, spec in raw.items():
        cols: dict[str, Column] = {}
        for cname, c in spec["columns"].items():
            cols[cname] = Column(
                name=cname,
                type=str(c.get("type", "str")),
                unit=str(c.get("unit", "")),
                min=float(c.get("min", -math.inf)),
                max=float(c.get("max", math.inf)),
                allowed=tuple(str(a) for a in c.get("allowed", ())),
                required=bool(c.get("required", True)),
                default=c.get("default"),
                description_en=str(c.get("description_en", "")),
                description_ja=str(c.get("description_ja", "")),
            )
        out[name] = TableSchema(
            name=name,
            columns=cols,
            description_en=str(spec.get("description_en", "")),
            description_ja=str(spec.get("description_ja", "")),
            rules=table_rules(name, spec.get("rules", ()), list(cols)),
        )
    return out


def _float_or(text: str, fallback: float) -> float:
    text = text.strip()
    return float(text) if text else fallback


@cache
def _default(decl: Declaration) -> Any:
    return decl.validate(decl.default_raw, decl.origin)


@cache
def declarations() -> dict[str, Declaration]:
    """Every declared parameter, keyed by its dotted name, in file order.

    The bundled tables are ours: that their source keys resolve, their defaults pass their own
    checks and their schemas exist is tested (tests/test_parameters.py), not checked again in
    every process; a default is read when first used (:attr:`Declaration.default`).
    """
    folder = DATA.joinpath("parameters")
    out: dict[str, Declaration] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".csv"):
            continue
        for row in _read_csv_rows(entry.read_text(encoding="utf-8")):
            name = row["name"].strip()
            where = f"{entry.name}: {name}"
            if name in out:
                raise RuntimeError(f"{where}: declared twice")
            kind = row["kind"].strip()
            unit = row["unit"].strip()
            lo = _float_or(row.get("min", ""), -math.inf)
            hi = _float_or(row.get("max", ""), math.inf)
            if unit == "share":
                lo, hi = max(lo, 0.0), min(hi, 1.0)
            sources = split_sources(row["source"])
            if not sources:
                raise RuntimeError(f"{where}: a default needs a source")
            schema_name = kind.removeprefix("table:") if kind.startswith("table:") else ""
            if not schema_name and kind not in ("scalar", "path"):
                raise RuntimeError(f"{where}: unknown kind {kind!r}")
            out[name] = Declaration(
                name=name,
                kind="table" if schema_name else kind,
                unit=unit,
                min=lo,
                max=hi,
                description_en=row["description_en"].strip(),
                description_ja=row["description_ja"].strip(),
                source=sources,
                note=row.get("note", "").strip(),
                default_raw=row["default"].strip(),
                schema_name=schema_name,
                origin=where,
            )
    return out


@cache
def parameter_rules() -> tuple[Rule, ...]:
    """The rules between parameters, from ``data/parameters/rules.yaml``."""
    return parameter_rules_of(read_yaml("parameters", "rules.yaml") or [], list(declarations()))


@cache
def rule_fields() -> tuple[str, ...]:
    """Every parameter some rule reads."""
    return tuple(dict.fromkeys(n for r in parameter_rules() for n in r.fields))
