"""The Python API: ``load_scenario`` and ``evaluate``."""

from chikuden.parameters.scenario import list_scenarios, load_scenario
from chikuden.results import Results, evaluate

__all__ = ["Results", "evaluate", "list_scenarios", "load_scenario"]
