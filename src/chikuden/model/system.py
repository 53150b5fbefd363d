"""Wires the domain modules into one evaluation.

Each domain module exposes ``step(p, out)``: it reads parameters (arrays) and what earlier
steps wrote into ``out``, calls its own equation functions and writes its results. The order
below is the order of dependence.
"""

from __future__ import annotations

from collections.abc import Callable

from chikuden.model import (
    capacity,
    carbon,
    charging,
    consistency,
    finance,
    freight,
    market,
    minerals,
    regulation,
    stationary,
    vehicles,
    workforce,
)
from chikuden.model.cache import Cache
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

Step = Callable[[Params, Outputs], None]

STEPS: tuple[Step, ...] = (
    market.step,
    capacity.step,
    minerals.step,
    carbon.step,
    finance.step,
    vehicles.step,
    charging.step,
    freight.step,
    stationary.step,
    workforce.step,
    regulation.step,
    consistency.step,
)


def run(
    p: Params,
    steps: tuple[Step, ...] = STEPS,
    out: Outputs | None = None,
    cache: Cache | None = None,
) -> Outputs:
    """Evaluate the batch ``p`` through ``steps`` (every domain, in order, by default).

    A prefix of ``STEPS`` (or the steps without one domain, when nothing after it reads its
    outputs) is what benchmarks and partial evaluations use; ``out`` may hold beforehand what
    the steps read from domains left out. ``cache`` keeps what steps derive from parameters
    alone for later evaluations that are given the same cache; without one, the evaluation
    uses a cache of its own (``out.cache``, a new one unless ``out`` is given) and shares
    nothing with any other.
    """
    out = Outputs() if out is None else out
    if cache is not None:
        out.cache = cache
    for step in steps:
        step(p, out)
    return out
