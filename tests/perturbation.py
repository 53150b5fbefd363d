"""An independent check of provenance: the parameters each output depends on, found by nudging.

The model's provenance comes from its declared dataflow (:mod:`chikuden.model.dataflow`);
this oracle finds, numerically, which parameters actually move each output, and the tests hold
the declared graph to it (every parameter found here must be behind the output in the graph).

Vectorised evaluations of the scenario itself and of batches in which row ``j`` nudges
parameter ``j`` of a chunk (a relative step of 1e-4 for real numbers, one unit for years, counts
and flags; tables nudge every numeric column). An output depends on a parameter when its value
in that row differs from row 0. This is local: an output at a kink (``max(0, x)`` with ``x``
well below zero) does not list ``x``.
"""

from __future__ import annotations

import numpy as np

from chikuden.model import system
from chikuden.parameters.declarations import Declaration, declarations
from chikuden.parameters.params import Params, TableArrays
from chikuden.parameters.scenario import Scenario

STEP = 1e-4


def _nudge(values: np.ndarray, lo: float, hi: float, integer: bool) -> np.ndarray:
    if integer:
        up = values + 1.0
        return np.where(up <= hi, up, values - 1.0)
    up = np.where(values != 0.0, values * (1.0 + STEP), values + STEP)
    down = np.where(values != 0.0, values * (1.0 - STEP), values - STEP)
    return np.where(up <= hi, up, np.where(down >= lo, down, values))


def _nudge_table(decl: Declaration, table: TableArrays) -> TableArrays:
    assert decl.schema is not None
    cols = {}
    for name, arr in table.columns.items():
        col = decl.schema.columns[name]
        cols[name] = np.where(
            table.valid > 0, _nudge(arr, col.min, col.max, col.type == "int"), arr
        )
    return TableArrays(columns=cols, valid=table.valid, codes=table.codes, allowed=table.allowed)


CHUNK = 48
"""Parameters nudged per evaluation: memory grows with the chunk times the largest table."""


def output_dependencies(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """Map each output key to the parameter names it depends on in ``scenario``.

    The parameters are nudged :data:`CHUNK` at a time, each chunk in one evaluation whose row 0
    is the scenario itself; parameters outside the chunk keep their single row, so memory stays
    bounded for large tables.
    """
    base = Params.from_scenarios([scenario])
    decls = declarations()
    names = list(decls)
    deps: dict[str, list[str]] = {}
    for start in range(0, len(names), CHUNK):
        chunk = names[start : start + CHUNK]
        m = 1 + len(chunk)
        arrays: dict[str, np.ndarray] = {}
        tables: dict[str, TableArrays] = {}
        for j, name in enumerate(chunk, start=1):
            decl = decls[name]
            if decl.kind == "table":
                table = base.table(name)
                tables[name] = _stacked_table(table, _nudge_table(decl, table), m, j)
                continue
            stacked = np.repeat(base[name], m, axis=0)
            stacked[j] = _nudge(base[name][0], decl.min, decl.max, decl.integer)
            arrays[name] = stacked
        out = system.run(base.with_arrays(arrays, tables))
        for group in (out.indicators, out.series, out.rows):
            for key, arr in group.items():
                full = np.broadcast_to(arr, (m, *arr.shape[1:]))
                row0 = full[0]
                deps.setdefault(key, []).extend(
                    chunk[j - 1]
                    for j in range(1, m)
                    if not np.array_equal(full[j], row0, equal_nan=True)
                )
    return {k: tuple(v) for k, v in deps.items()}


def _stacked_table(table: TableArrays, nudged: TableArrays, m: int, j: int) -> TableArrays:
    """``m`` copies of ``table`` with copy ``j`` replaced by ``nudged``."""
    cols = {}
    for c, arr in table.columns.items():
        stacked = np.repeat(arr, m, axis=0)
        stacked[j] = nudged.columns[c][0]
        cols[c] = stacked
    return TableArrays(
        columns=cols,
        valid=np.repeat(table.valid, m, axis=0),
        codes={c: np.repeat(a, m, axis=0) for c, a in (table.codes or {}).items()},
        allowed=table.allowed,
    )
