"""The container the domain steps write into: indicators, yearly series and per-row values."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Outputs:
    """What one evaluation produced, before labelling.

    - ``indicators[key]``: shape ``(k,)`` — one number per scenario;
    - ``series[key]``: shape ``(k, years)`` — one number per scenario and year;
    - ``rows[key]``: shape ``(k, rows)`` — one number per scenario and table row.

    ``k`` is 1 when the value is the same for every scenario of the batch, else n.
    """

    indicators: dict[str, np.ndarray] = field(default_factory=dict)
    series: dict[str, np.ndarray] = field(default_factory=dict)
    rows: dict[str, np.ndarray] = field(default_factory=dict)

    def indicator(self, key: str, value: np.ndarray | float) -> None:
        arr = np.asarray(value, dtype=float)
        self.indicators[key] = arr.reshape(-1) if arr.ndim else arr[None]

    def serie(self, key: str, value: np.ndarray) -> None:
        arr = np.asarray(value, dtype=float)
        self.series[key] = arr if arr.ndim == 2 else arr[None, :]
