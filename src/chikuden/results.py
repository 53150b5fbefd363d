"""Labelled results of an evaluation: indicators, yearly series and per-row values.

``Results`` wraps the model's raw arrays at the edge: it broadcasts them to the batch size,
attaches units, labels and sources, and converts to pandas or to the public JSON shape.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from chikuden.indicators import outputs
from chikuden.model import system
from chikuden.model.cache import Cache
from chikuden.model.outputs import Series
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Results:
    """The outcome of :func:`evaluate` for a batch of ``n`` scenarios."""

    names: list[str]
    params: Params
    indicators: dict[str, np.ndarray]
    series: dict[str, np.ndarray]  # a Series: large batches may compute some on first read
    rows: dict[str, np.ndarray]
    scenarios: list[Scenario] = field(default_factory=list)
    _provenance: dict[int, dict[str, tuple[str, ...]]] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.names)

    def value(self, key: str, i: int = 0) -> float:
        """Indicator ``key`` of scenario ``i``."""
        return float(self.indicators[key][i])

    # -- provenance ---------------------------------------------------------------------------
    def parameters_behind(self, i: int = 0) -> dict[str, tuple[str, ...]]:
        """For scenario ``i``: each output key -> the parameters it depends on."""
        if i not in self._provenance:
            from chikuden.analysis.provenance import output_dependencies

            if not self.scenarios:
                raise ValueError("provenance needs the scenarios; evaluate Scenario objects")
            self._provenance[i] = output_dependencies(self.scenarios[i])
        return self._provenance[i]

    def sources(self, key: str, i: int = 0) -> list[str]:
        """Bibliography keys behind output ``key`` in scenario ``i`` (clause first)."""
        out: list[str] = []
        decl = outputs()[key]
        if decl.clause:
            out.append(f"proposal-2022:{decl.clause}")
        out.extend(decl.sources)
        scenario = self.scenarios[i]
        for name in self.parameters_behind(i).get(key, ()):
            table = self.params.table_values.get(name)
            if table is not None:
                out.extend(sorted(table[min(i, len(table) - 1)].sources()))
            out.extend(scenario.sources_of(name))
        return list(dict.fromkeys(out))

    # -- exports ------------------------------------------------------------------------------
    def to_json(self, i: int = 0, with_sources: bool = True) -> dict[str, Any]:
        """The public JSON shape for scenario ``i``."""
        body: dict[str, Any] = {}
        for key, decl in outputs().items():
            if decl.kind != "indicator":
                continue
            value = float(self.indicators[key][i])
            body[key] = {
                "value": None if not math.isfinite(value) else value,
                "unit": decl.unit,
                "year": decl.year,
                "label_en": decl.label_en,
                "label_ja": decl.label_ja,
                "sources": self.sources(key, i) if with_sources else [],
            }
        return {"scenario": self.names[i], "indicators": body}

    def to_frame(self) -> pd.DataFrame:
        """Indicators as a DataFrame: one row per scenario, one column per key."""
        import pandas as pd

        return pd.DataFrame(
            {k: v for k, v in self.indicators.items()},
            index=pd.Index(self.names, name="scenario"),
        )

    def series_frame(self) -> pd.DataFrame:
        """Yearly series in long form: scenario, key, unit, year, value.

        Each series on its declared axis of calendar years: the horizon, or the longer axis of
        a plant's life (``axis: plant``), whose years outside the plant's life are empty.
        """
        import pandas as pd

        decl = outputs()
        frames = []
        for key, arr in self.series.items():
            years = decl[key].years
            frames.append(
                pd.DataFrame(
                    {
                        "scenario": np.repeat(self.names, years.size),
                        "key": key,
                        "unit": decl[key].unit,
                        "year": np.tile(years, self.n),
                        "value": arr.reshape(-1),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)


def evaluate(
    scenarios: Scenario | Sequence[Scenario] | Params, cache: Cache | None = None
) -> Results:
    """Evaluate one scenario, a list of scenarios, or a prepared :class:`Params` batch.

    cache : kept between the evaluations given it (see :class:`chikuden.model.cache.Cache`);
        by default the evaluation has its own and shares nothing
    """
    if isinstance(scenarios, Params):
        params, given = scenarios, []
    else:
        given = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
        params = Params.from_scenarios(given)
    out = system.run(params, cache=cache)
    n = params.n
    return Results(
        names=params.names,
        params=params,
        indicators=_full(out.indicators, n),
        series=_full_series(out.series, n),
        rows=_full(out.rows, n),
        scenarios=given,
    )


def _broadcast(value: np.ndarray, n: int) -> np.ndarray:
    """``value`` with its leading axis broadcast to ``n`` (a view; itself when already ``n``)."""
    return value if value.shape[0] == n else np.broadcast_to(value, (n, *value.shape[1:]))


def _full(arrays: Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Broadcast each array's leading axis to ``n``."""
    return {k: _broadcast(v, n) for k, v in arrays.items()}


def _full_series(series: Series, n: int) -> Series:
    """:func:`_full` of the series, leaving deferred groups deferred (broadcast when read)."""
    out = Series()
    pending = set(series.pending())
    run: list[str] = []

    def flush() -> None:
        if run:
            keys = tuple(run)
            out.defer(keys, lambda: _full({k: series[k] for k in keys}, n))
            run.clear()

    for key in series:
        if key in pending:
            run.append(key)
            continue
        flush()
        out[key] = _broadcast(series[key], n)
    flush()
    return out
