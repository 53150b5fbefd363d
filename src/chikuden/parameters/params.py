"""The arrays the model reads: every parameter stacked over a leading scenario axis.

A parameter that has the same value in every scenario of a batch is stored once, with a
leading axis of length 1, and numpy broadcasting does the rest. That keeps a batch of 100,000
scenarios that vary a handful of parameters cheap: the model only does per-scenario work where
scenarios differ.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.errors import ParameterError, did_you_mean
from chikuden.parameters.declarations import Declaration, Table, declarations, parameter_rules
from chikuden.parameters.rules import check_parameters
from chikuden.parameters.scenario import Scenario


def sum_rows(values: NDArray[np.float64], keepdims: bool = False) -> NDArray[np.float64]:
    """Sum over the last axis, a table's rows, adding them in row order [unit of values].

    A batch pads each scenario's rows with zeros up to its longest table. ``np.sum`` adds a
    contiguous axis pairwise, grouping the terms by their count, so the same rows with zeros
    after them may round differently; running sums in row order add the zeros exactly. Use it
    for every sum over table rows on the last axis (a sum over another axis already runs in
    order, and a sum with at most one non-zero term or of whole numbers is exact either way).
    """
    if values.shape[-1] == 0:
        return np.zeros((*values.shape[:-1], 1) if keepdims else values.shape[:-1])
    running = np.add.accumulate(values, axis=-1)
    return running[..., -1:] if keepdims else running[..., -1]


@dataclass(frozen=True)
class TableArrays:
    """Numeric columns of a table parameter, shape ``(k, rows)`` with ``k`` 1 or n."""

    columns: dict[str, NDArray[np.float64]]
    valid: NDArray[np.float64]  # 1.0 for a real row, 0.0 for padding
    codes: dict[str, NDArray[np.float64]] | None = None  # categorical column -> index into allowed
    allowed: dict[str, tuple[str, ...]] | None = None

    def __getitem__(self, column: str) -> NDArray[np.float64]:
        return self.columns[column]

    def is_(self, column: str, value: str) -> NDArray[np.bool_]:
        """Boolean mask ``(k, rows)``: rows whose categorical ``column`` equals ``value``."""
        assert self.codes is not None and self.allowed is not None
        code = self.allowed[column].index(value)
        mask: NDArray[np.bool_] = (self.codes[column] == code) & (self.valid > 0)
        return mask


class Params:
    """Validated parameter values as arrays over scenarios (first axis)."""

    def __init__(
        self,
        n: int,
        arrays: dict[str, NDArray[np.float64]],
        tables: dict[str, TableArrays],
        table_values: dict[str, list[Table]],
        names: list[str],
    ) -> None:
        self.n = n
        self.arrays = arrays
        self.tables = tables
        self.table_values = table_values
        self.names = names

    def __getitem__(self, name: str) -> NDArray[np.float64]:
        return self.arrays[name]

    def table(self, name: str) -> TableArrays:
        return self.tables[name]

    def __len__(self) -> int:
        return self.n

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_scenarios(cls, scenarios: Sequence[Scenario]) -> Params:
        """Stack the values of several scenarios; shared values are stored once."""
        if not scenarios:
            raise ParameterError("evaluate: no scenarios given; pass at least one")
        n = len(scenarios)
        arrays: dict[str, NDArray[np.float64]] = {}
        tables: dict[str, TableArrays] = {}
        table_values: dict[str, list[Table]] = {}
        for name, decl in declarations().items():
            if not any(name in s.overrides for s in scenarios):  # the default, built once
                if decl.kind == "table":
                    tables[name] = _default_table_arrays(name)
                    table_values[name] = [decl.default]
                else:
                    arrays[name] = _default_array(name)
                continue
            values = [s.value(name) for s in scenarios]
            if decl.kind == "table":
                shared = all(v is values[0] or v == values[0] for v in values[1:])
                used: list[Table] = values[:1] if shared else values
                default = shared and used[0] is decl.default
                tables[name] = _default_table_arrays(name) if default else _table_arrays(decl, used)
                table_values[name] = used
                continue
            first = values[0]
            if all(_same(v, first) for v in values[1:]):
                arr = np.asarray(first, dtype=float)[None, ...]
            else:
                arr = np.stack([np.asarray(v, dtype=float) for v in values])
            # Views of declaration defaults may be shared between runs: the model only reads.
            arr.flags.writeable = False
            arrays[name] = arr
        return cls(n, arrays, tables, table_values, [s.name for s in scenarios])

    @classmethod
    def from_samples(
        cls,
        base: Scenario,
        samples: Mapping[str, NDArray[np.float64]],
        names: list[str] | None = None,
    ) -> Params:
        """A batch that takes ``base`` and sets scalar or path parameters from arrays.

        ``samples[name]`` has shape ``(n,)`` for a scalar or ``(n, years)`` for a path (a
        ``(n,)`` array for a path sets a flat path), the same ``n >= 1`` for every name. Values
        are checked against the declared ranges as a whole array; tables are set through
        scenarios (:meth:`from_scenarios`).
        """
        one = cls.from_scenarios([base])
        decls = declarations()
        arrays = dict(one.arrays)
        sizes: dict[str, int] = {}
        for name, values in samples.items():
            if name not in decls:
                raise ParameterError(
                    f"from_samples: unknown parameter {name!r}{did_you_mean(name, decls)}"
                )
            decl = decls[name]
            arr = _sample_array(decl, values, one.arrays.get(name))
            _check_array(decl, arr)
            arr.flags.writeable = False  # as from_scenarios: the model only reads
            arrays[name] = arr
            sizes[name] = arr.shape[0]
        if len(set(sizes.values())) > 1:
            detail = ", ".join(f"{k}: {v}" for k, v in sizes.items())
            raise ParameterError(
                f"from_samples: sample arrays differ in length ({detail}); give every "
                "parameter the same number of samples"
            )
        n = next(iter(sizes.values()), 1)
        if names is not None and len(names) != n:
            raise ParameterError(
                f"from_samples: {len(names)} names for {n} samples; give one name per sample"
            )
        labels = names or [base.name] * n
        check_parameters(
            parameter_rules(), arrays, "from_samples", [f"sample {i}" for i in range(n)]
        )
        return cls(n, arrays, one.tables, one.table_values, labels)

    def with_arrays(
        self, arrays: Mapping[str, NDArray[np.float64]], tables: Mapping[str, TableArrays]
    ) -> Params:
        """A copy with some arrays replaced (used for perturbation batches).

        Each replacement has a leading scenario axis of length 1 or ``n``: the batch's ``n``,
        or any ``n`` when the batch is a single scenario (which then repeats ``n`` times).
        """
        sizes = {name: a.shape[0] if a.ndim else 0 for name, a in arrays.items()}
        sizes |= {name: t.valid.shape[0] for name, t in tables.items()}
        n = self.n if self.n > 1 else max([1, *sizes.values()])
        for name, size in sizes.items():
            if size not in (1, n):
                raise ParameterError(
                    f"with_arrays: {name} has {size} scenarios (leading axis) where the batch "
                    f"has {n}; give every replacement 1 or {n} scenarios"
                )
        return Params(
            n,
            {**self.arrays, **arrays},
            {**self.tables, **tables},
            self.table_values,
            self.names if n == self.n else [*self.names] * n,
        )


def _sample_array(
    decl: Declaration, values: object, current: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    """``values`` as a ``(n,)`` scalar or ``(n, years)`` path array for ``decl``."""
    if decl.kind == "table":
        raise ParameterError(
            f"from_samples: {decl.name} is a table; from_samples sets scalar and path "
            "parameters, so build scenarios with the table (Scenario.with_overrides) and use "
            "Params.from_scenarios"
        )
    assert current is not None
    try:
        arr = np.asarray(values, dtype=float).view()  # a view: made read-only, not the caller's
    except (TypeError, ValueError):
        raise ParameterError(
            f"from_samples: {decl.name} samples are not numbers; give an array of floats"
        ) from None
    years = current.shape[-1]
    if decl.kind == "path" and arr.ndim == 1:
        arr = np.repeat(arr[:, None], years, axis=1)
    want = "(n,)" if decl.kind == "scalar" else f"(n,) or (n, {years})"
    ok_shape = arr.ndim == 1 if decl.kind == "scalar" else arr.ndim == 2 and arr.shape[1] == years
    if not ok_shape or arr.shape[0] == 0:
        raise ParameterError(
            f"from_samples: {decl.name} samples have shape {arr.shape}; a {decl.kind} takes "
            f"shape {want} with n >= 1 samples"
        )
    return arr


def _same(a: object, b: object) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


def _check_array(decl: Declaration, arr: NDArray[np.float64]) -> None:
    bad = ~np.isfinite(arr) | (arr < decl.min) | (arr > decl.max)
    bad |= (arr != 0) & (np.abs(arr) < sys.float_info.min)  # subnormal: see reading.is_subnormal
    if decl.integer:
        bad |= arr != np.round(arr)
    if bad.any():
        idx = np.argwhere(bad)[0]
        raise ParameterError(
            f"{decl.name} = {float(arr[tuple(idx)])!r} (sample {int(idx[0])}) is outside the "
            f"allowed range {decl.range_text} [{decl.unit}]"
        )


@functools.cache
def _default_array(name: str) -> NDArray[np.float64]:
    """The array of a scalar or path parameter's default (leading axis 1): a constant of the
    bundled data, built once and read-only, as :func:`_default_table_arrays`."""
    arr = np.asarray(declarations()[name].default, dtype=float)[None, ...]
    arr.flags.writeable = False
    return arr


@functools.cache
def _default_table_arrays(name: str) -> TableArrays:
    """Arrays of a table parameter's bundled default: a constant of the bundled data, like
    :func:`declarations` itself, built once (read-only; the model never writes into
    parameter arrays)."""
    decl = declarations()[name]
    assert isinstance(decl.default, Table)
    arrays = _table_arrays(decl, [decl.default])
    for arr in (*arrays.columns.values(), arrays.valid, *(arrays.codes or {}).values()):
        arr.flags.writeable = False
    return arrays


def _table_arrays(decl: Declaration, values: list[Table]) -> TableArrays:
    assert decl.schema is not None
    width = max((len(t.rows) for t in values), default=0)
    cols: dict[str, NDArray[np.float64]] = {}
    for cname in decl.schema.numeric:
        arr = np.zeros((len(values), width))
        for i, t in enumerate(values):
            arr[i, : len(t.rows)] = t.column(cname)
        cols[cname] = arr
    valid = np.zeros((len(values), width))
    for i, t in enumerate(values):
        valid[i, : len(t.rows)] = 1.0
    codes: dict[str, NDArray[np.float64]] = {}
    allowed: dict[str, tuple[str, ...]] = {}
    for col in decl.schema.columns.values():
        if col.allowed:
            arr = np.full((len(values), width), -1.0)
            for i, t in enumerate(values):
                arr[i, : len(t.rows)] = [col.allowed.index(v) for v in t.strings(col.name)]
            codes[col.name] = arr
            allowed[col.name] = col.allowed
    return TableArrays(columns=cols, valid=valid, codes=codes, allowed=allowed)
