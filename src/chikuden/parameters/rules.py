"""Cross-field rules: what several values must satisfy together, checked before any model code.

Rules are data. Rules between parameters live in ``data/parameters/rules.yaml``; rules between
the cells of a table live under ``rules:`` in the table's schema (``data/tables/schemas/``).
Kinds:

- ``sum``: the values add up to ``equals`` (within ``tolerance``) or to at most ``at_most``,
  in every year for paths; in a table, per row, or per group of rows with ``by: column``;
- ``order``: the values do not decrease (a start year before its end year);
- ``exclusive``: at most one of the values is non-zero, in every year for paths (a target
  given as a share or in GWh, not both);
- ``unique``: no two rows of a table share the values of these columns;
- ``requires``: a table has at least one row with each listed value of a column;
- ``within``: in every row, the product of ``product`` columns is at most the ``at_most`` column
  (an upstream footprint includes the electricity it was computed with).

A violation raises :class:`~chikuden.errors.ParameterError` naming the values, the rule and
what to do, before the model runs.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import N_, Both, Msg, ParameterError
from chikuden.horizon import YEARS


@dataclass(frozen=True)
class Rule:
    """One declared rule between parameters or between the cells of a table."""

    id: str
    kind: str  # "sum", "order", "exclusive", "unique", "requires", "within"
    fields: tuple[str, ...]  # parameter names, or the table's column names
    equals: float | None = None
    at_most: float | None = None
    tolerance: float = 0.0
    by: str | None = None  # table sums: sum per group of rows with the same value here
    values: tuple[str, ...] = ()  # requires: the values that must appear
    limit_column: str | None = None  # within: the column the product may not exceed
    text_en: str = ""
    text_ja: str = ""

    @property
    def bound_text(self) -> Msg:
        if self.equals is not None:
            if self.tolerance:
                return N_(
                    "add up to {total:g} (within {tolerance:g})",
                    total=self.equals,
                    tolerance=self.tolerance,
                )
            return N_("add up to {total:g}", total=self.equals)
        return N_("add up to at most {total:g}", total=self.at_most)

    @property
    def text(self) -> Both:
        """The rule in words, in English and Japanese."""
        return Both(self.text_en, self.text_ja)


def _rule(spec: Mapping[str, Any], where: str, names: Sequence[str]) -> Rule:
    kinds = [k for k in ("sum", "order", "exclusive", "unique", "requires", "within") if k in spec]
    if len(kinds) != 1:
        raise RuntimeError(
            f"{where}: a rule has one of sum, order, exclusive, unique, requires, within"
        )
    kind = kinds[0]
    body = spec[kind]
    fields: list[str] = []
    values: tuple[str, ...] = ()
    if kind == "requires":
        ((column, wanted),) = body.items()
        fields, values = [column], tuple(str(v) for v in wanted)
    else:
        for pattern in [body] if isinstance(body, str) else body:
            hits = fnmatch.filter(names, pattern)
            if not hits:
                raise RuntimeError(f"{where}: {pattern!r} names nothing declared")
            fields.extend(hits)
    for name in (spec.get("by"), spec.get("at_most_column")):
        if name is not None and name not in names:
            raise RuntimeError(f"{where}: {name!r} names nothing declared")
    if kind == "sum" and ("equals" in spec) == ("at_most" in spec):
        raise RuntimeError(f"{where}: a sum rule has equals or at_most")
    return Rule(
        id=str(spec["id"]),
        kind=kind,
        fields=tuple(fields),
        equals=None if "equals" not in spec else float(spec["equals"]),
        at_most=None if "at_most" not in spec else float(spec["at_most"]),
        tolerance=float(spec.get("tolerance", 0.0)),
        by=spec.get("by"),
        values=values,
        limit_column=spec.get("at_most_column"),
        text_en=str(spec.get("en", "")),
        text_ja=str(spec.get("ja", "")),
    )


def parameter_rules_of(
    specs: Sequence[Mapping[str, Any]], names: Sequence[str]
) -> tuple[Rule, ...]:
    """The rules of ``rules.yaml`` (``specs``), their patterns expanded over the declared
    parameter ``names`` (read by :func:`chikuden.parameters.declarations.parameter_rules`)."""
    return tuple(_rule(s, f"rules.yaml: {s.get('id')}", names) for s in specs)


def table_rules(
    schema_name: str, specs: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> tuple[Rule, ...]:
    """The rules of one table schema (called when the schemas are read)."""
    return tuple(_rule(s, f"schema {schema_name}: {s.get('id')}", columns) for s in specs)


# -- parameters ------------------------------------------------------------------------------
def check_parameters(
    rules: Sequence[Rule],
    values: Mapping[str, NDArray[np.float64]],
    where: str,
    labels: Sequence[str] = (),
) -> None:
    """Check ``rules`` (:func:`chikuden.parameters.declarations.parameter_rules`) on arrays
    with a scenario axis first: ``(k,)`` or ``(k, years)``.

    ``labels`` name the scenarios of the batch for the message (``sample 3`` otherwise).
    """
    for rule in rules:
        arrays = np.broadcast_arrays(*(np.asarray(values[n], dtype=float) for n in rule.fields))
        stack = np.stack(arrays)  # (fields, k[, years])
        if rule.kind == "sum":
            bad = _sum_bad(rule, stack.sum(axis=0))
        elif rule.kind == "exclusive":
            bad = np.asarray((stack != 0).sum(axis=0) > 1)
        else:  # order: each value at most the next
            bad = np.asarray((stack[:-1] > stack[1:]).any(axis=0))
        if not bad.any():
            continue
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        k = idx[0]
        who = _who(k, stack.shape[1], labels)
        year = N_(" in {year}", year=int(YEARS[idx[1]])) if len(idx) > 1 else ""
        shown = ", ".join(f"{n} = {stack[(j, *idx)]:.6g}" for j, n in enumerate(rule.fields))
        if rule.kind == "sum":
            total = math.fsum(float(stack[(j, *idx)]) for j in range(len(rule.fields)))
            raise ParameterError(
                N_(
                    "{at}{who}: {shown} add up to {total:.6g}{year}; they must {bound} ({rule}); "
                    "change them so that they do",
                    at=where,
                    who=who,
                    shown=shown,
                    total=total,
                    year=year,
                    bound=rule.bound_text,
                    rule=rule.text,
                )
            )
        if rule.kind == "exclusive":
            raise ParameterError(
                N_(
                    "{at}{who}: {shown}{year} are given together; {rule}: give one and set the "
                    "others to 0",
                    at=where,
                    who=who,
                    shown=shown,
                    year=year,
                    rule=rule.text,
                )
            )
        raise ParameterError(
            N_(
                "{at}{who}: {shown}{year} are out of order; {rule}: each must be at most the "
                "next; change them so that they are in order",
                at=where,
                who=who,
                shown=shown,
                year=year,
                rule=rule.text,
            )
        )


def _sum_bad(rule: Rule, total: NDArray[np.float64]) -> NDArray[np.float64]:
    if rule.equals is not None:
        return np.asarray(~(np.abs(total - rule.equals) <= rule.tolerance))
    assert rule.at_most is not None
    return np.asarray(~(total <= rule.at_most + rule.tolerance))


def _who(k: int, n: int, labels: Sequence[str]) -> Msg | str:
    if n <= 1:
        return ""
    name = labels[k] if k < len(labels) else f"sample {k}"
    return N_(" (scenario {name}, {i} of {n})", name=name, i=k + 1, n=n)


# -- tables ----------------------------------------------------------------------------------
def check_table(rules: Sequence[Rule], rows: Sequence[Mapping[str, Any]], where: str) -> None:
    """Check a table's rules on its validated rows (numbers are floats, texts stripped)."""
    for rule in rules:
        if rule.kind == "unique":
            seen: dict[tuple[Any, ...], int] = {}
            for i, row in enumerate(rows, start=1):
                key = tuple(row[c] for c in rule.fields)
                if key in seen:
                    shown = ", ".join(f"{c} = {row[c]!r}" for c in rule.fields)
                    raise ParameterError(
                        N_(
                            "{at}: rows {first} and {second} both have {shown}; {rule}: give "
                            "each once",
                            at=where,
                            first=seen[key],
                            second=i,
                            shown=shown,
                            rule=rule.text,
                        )
                    )
                seen[key] = i
        elif rule.kind == "requires":
            (column,) = rule.fields
            present = {row[column] for row in rows}
            for value in rule.values:
                if value not in present:
                    raise ParameterError(
                        N_(
                            "{at}: no row has {column} = {value!r}; {rule}: add one",
                            at=where,
                            column=column,
                            value=value,
                            rule=rule.text,
                        )
                    )
        elif rule.kind == "sum" and rule.by is None:
            for i, row in enumerate(rows, start=1):
                total = math.fsum(float(row[c]) for c in rule.fields)
                if _sum_bad(rule, np.array(total)):
                    shown = " + ".join(rule.fields)
                    raise ParameterError(
                        N_(
                            "{at} row {i} ({id}): {shown} = {total:.6g}; they must {bound} "
                            "({rule}); lower them",
                            at=where,
                            i=i,
                            id=row.get("id", ""),
                            shown=shown,
                            total=total,
                            bound=rule.bound_text,
                            rule=rule.text,
                        )
                    )
        elif rule.kind == "sum":
            by = str(rule.by)
            groups: dict[Any, float] = {}
            for row in rows:
                groups[row[by]] = groups.get(row[by], 0.0) + math.fsum(
                    float(row[c]) for c in rule.fields
                )
            for group, total in groups.items():
                if _sum_bad(rule, np.array(total)):
                    raise ParameterError(
                        N_(
                            "{at}: the rows with {by} = {group!r} have {field} adding up to "
                            "{total:.6g}; they must {bound} ({rule}); change those rows",
                            at=where,
                            by=rule.by,
                            group=group,
                            field=rule.fields[0],
                            total=total,
                            bound=rule.bound_text,
                            rule=rule.text,
                        )
                    )
        elif rule.kind == "order":
            for i, row in enumerate(rows, start=1):
                cells = [float(row[c]) for c in rule.fields]
                if any(a > b for a, b in itertools.pairwise(cells)):
                    shown = ", ".join(f"{c} = {row[c]:g}" for c in rule.fields)
                    raise ParameterError(
                        N_(
                            "{at} row {i} ({id}): {shown} are out of order; {rule}",
                            at=where,
                            i=i,
                            id=row.get("id", ""),
                            shown=shown,
                            rule=rule.text,
                        )
                    )
        else:  # within
            assert rule.limit_column is not None
            for i, row in enumerate(rows, start=1):
                product = math.prod(float(row[c]) for c in rule.fields)
                limit = float(row[rule.limit_column])
                if product > limit * (1 + 1e-12):
                    shown = " x ".join(rule.fields)
                    raise ParameterError(
                        N_(
                            "{at} row {i} ({id}): {shown} = {product:.6g} exceeds {column} = "
                            "{limit:.6g}; {rule}",
                            at=where,
                            i=i,
                            id=row.get("id", ""),
                            shown=shown,
                            product=product,
                            column=rule.limit_column,
                            limit=limit,
                            rule=rule.text,
                        )
                    )
