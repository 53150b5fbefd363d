"""The model's steps for benchmarks that time some of them (chikuden.model.system's graph)."""

from __future__ import annotations

from collections.abc import Iterable

from chikuden.model import system
from chikuden.model.dataflow import Step
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params


def all_steps() -> tuple[Step, ...]:
    """Every step, in the order of evaluation."""
    return tuple(node.step for node in system.graph().nodes)


def steps_for(*patterns: str) -> tuple[Step, ...]:
    """The steps the outputs ``patterns`` need, in order."""
    g = system.graph()
    return tuple(node.step for node in g.plan(g.outputs(patterns)))


def run_steps(p: Params, steps: Iterable[Step], out: Outputs | None = None) -> Outputs:
    """Run ``steps`` in the given order on ``p``; ``out`` may hold what they read from others."""
    out = Outputs() if out is None else out
    for step in steps:
        step(p, out)
    return out
