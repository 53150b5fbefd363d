"""Placeholder while the domain is written."""

from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params


def step(p: Params, out: Outputs) -> None:
    return None
