"""Wires the domain modules into one evaluation.

Each domain module exposes ``step(p, out)``: it reads parameters (arrays) and what earlier
steps wrote into ``out``, calls its own equation functions and writes its results. The order
below is the order of dependence.
"""

from __future__ import annotations

from collections.abc import Callable

from chikuden.model import audit, capacity, finance, market
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

Step = Callable[[Params, Outputs], None]

STEPS: tuple[Step, ...] = (
    market.step,
    capacity.step,
    finance.step,
    audit.step,
)


def run(p: Params) -> Outputs:
    """Evaluate every domain for the batch ``p``."""
    out = Outputs()
    for step in STEPS:
        step(p, out)
    return out
