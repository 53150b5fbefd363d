"""Wires the domain steps into one evaluation, in the order their declarations give.

Every module under ``chikuden.model`` may declare one step (:func:`chikuden.model.dataflow.step`);
this module finds them, builds the :class:`~chikuden.model.dataflow.Graph` at import (an invalid
declaration is an error here, naming the steps and keys) and runs the steps an evaluation needs.
A new domain adds its module, its parameters and its indicator YAML: nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache

import chikuden.model
from chikuden.indicators import outputs as declared_outputs
from chikuden.model.cache import Cache
from chikuden.model.dataflow import Graph, Step, build
from chikuden.model.outputs import Outputs
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
    and the others those steps give along the way. ``cache`` keeps what steps derive from
    parameters alone for later evaluations given the same cache; without one, the evaluation
    uses a cache of its own (``out.cache``) and shares nothing with any other.
    """
    g = graph()
    out = Outputs()
    if cache is not None:
        out.cache = cache
    for node in g.plan(None if outputs is None else g.outputs(outputs)):
        node.step(p, out)
    return out


graph()  # a declaration that does not form a valid dataflow fails at import, with the names
