"""chikuden (蓄電): a national battery-industry strategy as a linked, verifiable model.

>>> import chikuden
>>> res = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
>>> res.value("targets.japan_global_capacity_2030")
600.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Results", "__version__", "evaluate", "list_scenarios", "load_scenario"]

if TYPE_CHECKING:
    from chikuden.api import Results, evaluate, list_scenarios, load_scenario


def __getattr__(name: str) -> Any:
    # Lazy: `import chikuden` (and `chikuden --help`) stays fast; numpy loads on first use.
    if name in ("Results", "evaluate", "list_scenarios", "load_scenario"):
        from chikuden import api

        return getattr(api, name)
    raise AttributeError(name)
