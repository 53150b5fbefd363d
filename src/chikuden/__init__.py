"""chikuden (蓄電): a national battery-industry strategy as a linked, verifiable model.

>>> import chikuden
>>> res = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
>>> res.value("targets.japan_global_capacity_2030")
600.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Answer",
    "Results",
    "__version__",
    "answers",
    "evaluate",
    "list_scenarios",
    "load_scenario",
]

if TYPE_CHECKING:
    from chikuden import answers
    from chikuden.answers import Answer
    from chikuden.api import Results, evaluate, list_scenarios, load_scenario


# Lazy: `import chikuden` (and `chikuden --help`) stays fast; numpy loads on first use, and
# loading a scenario does not import the model (tests/test_imports.py).
_HOMES = {
    "Answer": "chikuden.answers",
    "Results": "chikuden.results",
    "evaluate": "chikuden.results",
    "list_scenarios": "chikuden.parameters.scenario",
    "load_scenario": "chikuden.parameters.scenario",
}


def __getattr__(name: str) -> Any:
    if name == "answers":  # the module: chikuden.answers.answers(results, lang)
        import importlib

        return importlib.import_module("chikuden.answers")
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(name)
