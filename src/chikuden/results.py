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
from numpy.typing import NDArray

from chikuden.errors import N_, ParameterError, did_you_mean
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
    indicators: dict[str, NDArray[np.float64]]
    series: Series  # large batches may compute some series on first read
    rows: dict[str, NDArray[np.float64]]
    scenarios: list[Scenario] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.names)

    def value(self, key: str, i: int = 0) -> float:
        """Indicator ``key`` of scenario ``i``."""
        return float(self.indicators[key][i])

    # -- provenance ---------------------------------------------------------------------------
    def parameters_behind(self, key: str) -> tuple[str, ...]:
        """The parameters output ``key`` depends on, from the model's declared dataflow.

        Those of the step that writes it and of every step whose outputs that step reads
        (:mod:`chikuden.model.dataflow`): what the computation of the figure may read.
        """
        return system.graph().parameters[key]

    def sources(self, key: str, i: int = 0) -> list[str]:
        """Bibliography keys behind output ``key`` in scenario ``i`` (clause first)."""
        out: list[str] = []
        decl = outputs()[key]
        if decl.clause:
            out.append(f"proposal-2022:{decl.clause}")
        out.extend(decl.sources)
        scenario = self.scenarios[i]
        for name in self.parameters_behind(key):
            table = self.params.table_values.get(name)
            if table is not None:
                out.extend(sorted(table[min(i, len(table) - 1)].sources()))
            out.extend(scenario.sources_of(name))
        return list(dict.fromkeys(out))

    # -- exports ------------------------------------------------------------------------------
    def to_json(
        self, i: int = 0, with_sources: bool = True, with_series: bool = False
    ) -> dict[str, Any]:
        """The public JSON shape for scenario ``i``: every indicator evaluated, in order.

        with_series : also the yearly series and per-row values evaluated (``series`` and
            ``rows``), each with its unit, labels, years (or table) and sources.
        """
        body: dict[str, Any] = {}
        for key, decl in outputs().items():
            if decl.kind != "indicator" or key not in self.indicators:
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
        doc: dict[str, Any] = {"scenario": self.names[i], "indicators": body}
        if with_series:
            decls = outputs()

            def values(arr: NDArray[np.float64]) -> list[float | None]:
                return [float(v) if math.isfinite(v) else None for v in arr.tolist()]

            def common(key: str) -> dict[str, Any]:
                d = decls[key]
                sources = self.sources(key, i) if with_sources else []
                return {"unit": d.unit, "label_en": d.label_en, "label_ja": d.label_ja} | {
                    "sources": sources
                }

            doc["series"] = {
                key: common(key)
                | {"years": decls[key].years.tolist(), "values": values(self.series[key][i])}
                for key in self.series
            }
            doc["rows"] = {
                key: common(key) | {"table": decls[key].table, "values": values(self.rows[key][i])}
                for key in self.rows
            }
        return doc

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
    scenarios: Scenario | Sequence[Scenario] | Params,
    outputs: Sequence[str] | None = None,
    cache: Cache | None = None,
) -> Results:
    """Evaluate one scenario, a list of scenarios, or a prepared :class:`Params` batch.

    outputs : output keys or glob patterns (``finance.fund_balance``, ``capacity.*``); only the
        steps they depend on run, and the results hold those outputs only. Default: everything.
        An unknown key raises :class:`~chikuden.errors.ParameterError` naming it.
    cache : kept between the evaluations given it (see :class:`chikuden.model.cache.Cache`):
        the minerals step's matrices, and each step's outputs by the values of the parameters
        they depend on, so that a step whose parameters did not change since an evaluation
        given the same cache is not run again (:func:`chikuden.model.system.run`; the
        simulator moves one lever at a time). By default the evaluation has its own and
        shares nothing.
    """
    if isinstance(scenarios, Params):
        params, given = scenarios, []
    else:
        given = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
        params = Params.from_scenarios(given)
    keys = None if outputs is None else set(output_keys(outputs))
    out = system.run(params, keys, cache)
    n = params.n

    def asked(group: Mapping[str, NDArray[np.float64]]) -> Mapping[str, NDArray[np.float64]]:
        return group if keys is None else {k: v for k, v in group.items() if k in keys}

    series = out.series
    if keys is not None:
        series = Series()
        for k in out.series:
            if k in keys:
                series[k] = out.series[k]
    return Results(
        names=params.names,
        params=params,
        indicators=_full(asked(out.indicators), n),
        series=_full_series(series, n),
        rows=_full(asked(out.rows), n),
        scenarios=given,
    )


def output_keys(patterns: Sequence[str]) -> tuple[str, ...]:
    """The declared output keys matched by ``patterns`` (keys or globs), in declaration order.

    Raises :class:`~chikuden.errors.ParameterError` for a pattern that matches nothing, with
    the closest keys and what to do.
    """
    if isinstance(patterns, str):
        patterns = [patterns]
    try:
        return system.graph().outputs(patterns)
    except KeyError as exc:
        bad = str(exc.args[0])
        known = list(outputs())
        raise ParameterError(
            N_(
                "output {key!r} is not a declared output{hint}; give a key from "
                "docs/indicators.md or a pattern such as 'capacity.*'",
                key=bad,
                hint=did_you_mean(bad, known),
            )
        ) from None


def _broadcast(value: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``value`` with its leading axis broadcast to ``n`` (a view; itself when already ``n``)."""
    return value if value.shape[0] == n else np.broadcast_to(value, (n, *value.shape[1:]))


def _full(arrays: Mapping[str, NDArray[np.float64]], n: int) -> dict[str, NDArray[np.float64]]:
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
