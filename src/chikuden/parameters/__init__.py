"""Parameters: declaration tables, bibliography, scenario files and the arrays the model reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chikuden.parameters.declarations import Declaration, declarations, table_schemas
from chikuden.parameters.scenario import Scenario, list_scenarios, load_scenario
from chikuden.parameters.sources import Source, bibliography, resolve_source

if TYPE_CHECKING:
    from chikuden.parameters.params import Params

__all__ = [
    "Declaration",
    "Params",
    "Scenario",
    "Source",
    "bibliography",
    "declarations",
    "list_scenarios",
    "load_scenario",
    "resolve_source",
    "table_schemas",
]


def __getattr__(name: str) -> Any:
    # Params is imported when asked for: loading a scenario does not need the arrays the model
    # reads (benchmarks/bench_cli.py, first API use). The other names are on that path anyway.
    # (A lazy ``declarations`` would be shadowed by its own module once that is imported.)
    if name == "Params":
        from chikuden.parameters.params import Params

        return Params
    raise AttributeError(name)
