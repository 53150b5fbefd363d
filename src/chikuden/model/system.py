"""Wires the domain steps into one evaluation, in the order their declarations give.

Every module under ``chikuden.model`` may declare one step (:func:`chikuden.model.dataflow.step`);
this module finds them, builds the :class:`~chikuden.model.dataflow.Graph` at import (an invalid
declaration is an error here, naming the steps and keys) and runs the steps an evaluation needs.
A new domain adds its module, its parameters and its indicator YAML: nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

import chikuden.model
from chikuden.indicators import outputs as declared_outputs
from chikuden.model.cache import Cache
from chikuden.model.dataflow import Graph, Node, Step, build
from chikuden.model.outputs import Outputs, Series
from chikuden.parameters.declarations import declarations
from chikuden.parameters.params import Params


def discover() -> tuple[Step, ...]:
    """The steps declared in the modules of ``chikuden.model`` (each where it is defined)."""
    found: list[Step] = []
    for info in pkgutil.walk_packages(chikuden.model.__path__, "chikuden.model."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, Step) and value.func.__module__ == info.name:
                found.append(value)
    return tuple(found)


@cache
def graph() -> Graph:
    """The model's dataflow graph (built once per process)."""
    return build(discover(), list(declarations()), list(declared_outputs()))


def run(p: Params, outputs: Iterable[str] | None = None, cache: Cache | None = None) -> Outputs:
    """Evaluate the batch ``p``: every step, or only those the output keys ``outputs`` need.

    ``outputs`` are declared output keys or glob patterns (``capacity.*``); an unknown one
    raises ``KeyError`` with it. The result holds what the steps run wrote: the asked outputs
    and the others those steps give along the way.

    ``cache`` keeps, for later evaluations given the same cache, what steps derive from
    parameters alone (the minerals state) and what each step wrote, by the values of every
    parameter its outputs depend on (:meth:`Graph.behind`): a step run before on the same
    values is not run again, what it wrote then is written again (:func:`_write`). Exact, not
    approximate: a step's outputs are a function of the parameters it reads and of the outputs
    it reads (its declaration, checked by tests/test_dataflow.py), so of those parameters. The
    simulator moves one lever at a time: the steps it does not reach are kept. Without a
    cache, the evaluation uses one of its own (``out.cache``), shares nothing with any other
    and keeps no step's outputs.
    """
    g = graph()
    out = Outputs()
    plan = g.plan(None if outputs is None else g.outputs(outputs))
    if cache is None:
        for node in plan:
            node.step(p, out)
        return out
    out.cache = cache
    behind = {node.name: g.behind(node.name) for node in plan}
    value = {name: _fingerprint(p, name) for name in set().union(*behind.values())}
    for node in plan:
        key = ("step", node.name, p.n, tuple(map(value.__getitem__, behind[node.name])))
        ran: list[bool] = []

        def step(node: Node = node, ran: list[bool] = ran) -> _Written:
            before = (len(out.indicators), len(out.rows))
            node.step(p, out)
            ran.append(True)
            return _written(frozenset(node.writes), out, before)

        found = cache.get(key, step)
        if not ran:  # kept from an earlier evaluation
            _write(found, out)
    return out


# -- steps kept between evaluations given one cache ---------------------------------------


@dataclass(frozen=True)
class _Written:
    """What one run of a step wrote, to be written again into a later evaluation's outputs.

    ``series`` holds, in the order written, each series key with its array, or None for a
    series the step deferred: read from ``source`` (the evaluation it was written in, whose
    deferred group computes it on first read, as in that evaluation).
    """

    indicators: tuple[tuple[str, NDArray[np.float64]], ...]
    rows: tuple[tuple[str, NDArray[np.float64]], ...]
    series: tuple[tuple[str, NDArray[np.float64] | None], ...]
    source: Series


def _written(node_writes: frozenset[str], out: Outputs, before: tuple[int, int]) -> _Written:
    """The outputs the step that just ran wrote into ``out`` (made read-only: shared)."""
    indicators = tuple(list(out.indicators.items())[before[0] :])
    rows = tuple(list(out.rows.items())[before[1] :])
    pending = set(out.series.pending())
    series: list[tuple[str, NDArray[np.float64] | None]] = []
    for key in out.series:  # in order, a deferred group where it was deferred
        if key in node_writes:
            series.append((key, None if key in pending else dict.__getitem__(out.series, key)))
    for _, arr in (*indicators, *rows, *series):
        if arr is not None:
            arr.flags.writeable = False
    return _Written(indicators, rows, tuple(series), out.series)


def _write(found: _Written, out: Outputs) -> None:
    """Write a kept step's outputs into ``out`` as the step wrote them (deferred stay deferred)."""
    out.indicators.update(found.indicators)
    out.rows.update(found.rows)
    run: list[str] = []

    def flush() -> None:
        if run:
            keys, source = tuple(run), found.source
            out.series.defer(keys, lambda: {k: source[k] for k in keys})
            run.clear()

    for key, arr in found.series:
        if arr is None:
            run.append(key)
            continue
        flush()
        out.series[key] = arr
    flush()


def _fingerprint(p: Params, name: str) -> Hashable:
    """Parameter ``name`` of batch ``p`` by value: the shape and bytes of its array, or of a
    table's arrays (what a step reads of a table: :class:`~chikuden.parameters.params.
    TableArrays`)."""
    arr = p.arrays.get(name)
    if arr is not None:
        return (arr.shape, arr.tobytes())
    table = p.tables[name]
    arrays = sorted(table.columns.items()) + sorted((table.codes or {}).items())
    return (
        table.valid.shape,
        table.valid.tobytes(),
        tuple((k, v.shape, v.tobytes()) for k, v in arrays),
        tuple(sorted((table.allowed or {}).items())),
    )


graph()  # a declaration that does not form a valid dataflow fails at import, with the names
