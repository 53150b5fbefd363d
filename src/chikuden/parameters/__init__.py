"""Parameters: declaration tables, bibliography, scenario files and the arrays the model reads."""

from chikuden.parameters.declarations import Declaration, declarations, table_schemas
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario, list_scenarios, load_scenario
from chikuden.parameters.sources import Source, bibliography, resolve_source

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
