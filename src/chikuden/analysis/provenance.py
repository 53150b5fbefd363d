"""Which parameters each output depends on, found by perturbing every parameter at once.

One vectorised evaluation of ``1 + P`` scenarios: row 0 is the scenario itself, row ``j+1``
nudges parameter ``j`` (a relative step of 1e-4 for real numbers, one unit for years, counts
and flags; tables nudge every numeric column). An output depends on a parameter when its value
in that row differs from row 0. This is local: an output at a kink (``max(0, x)`` with ``x``
well below zero) does not list ``x``. The report cites, for each figure, the sources of the
parameters found here plus the clause the figure serves.
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


def output_dependencies(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """Map each output key to the parameter names it depends on in ``scenario``."""
    base = Params.from_scenarios([scenario])
    decls = declarations()
    names = list(decls)
    m = 1 + len(names)
    arrays: dict[str, np.ndarray] = {}
    tables: dict[str, TableArrays] = {}
    for j, name in enumerate(names, start=1):
        decl = decls[name]
        if decl.kind == "table":
            t = base.table(name)
            nudged = _nudge_table(decl, t)
            cols = {}
            for c, arr in t.columns.items():
                stacked = np.repeat(arr, m, axis=0)
                stacked[j] = nudged.columns[c][0]
                cols[c] = stacked
            tables[name] = TableArrays(
                columns=cols,
                valid=np.repeat(t.valid, m, axis=0),
                codes={c: np.repeat(a, m, axis=0) for c, a in (t.codes or {}).items()},
                allowed=t.allowed,
            )
            continue
        arr = base[name]
        stacked = np.repeat(arr, m, axis=0)
        stacked[j] = _nudge(arr[0], decl.min, decl.max, decl.integer)
        arrays[name] = stacked
    batch = base.with_arrays(arrays, tables)
    out = system.run(batch)
    deps: dict[str, list[str]] = {}
    for group in (out.indicators, out.series, out.rows):
        for key, arr in group.items():
            full = np.broadcast_to(arr, (m, *arr.shape[1:]))
            row0 = full[0]
            changed = [
                names[j - 1]
                for j in range(1, m)
                if not np.array_equal(full[j], row0, equal_nan=True)
            ]
            deps[key] = changed
    return {k: tuple(v) for k, v in deps.items()}
