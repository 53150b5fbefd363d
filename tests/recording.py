"""A recording ``Params`` and ``Outputs``: which parameters and outputs a step reads and writes.

Used by tests/test_dataflow.py to hold each step to its declaration.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.model.outputs import Outputs, Series
from chikuden.parameters.params import Params, TableArrays


class RecordingParams(Params):
    """``Params`` that records the name of every parameter read (arrays and tables)."""

    def __init__(self, base: Params) -> None:
        super().__init__(base.n, base.arrays, base.tables, base.table_values, base.names)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> np.ndarray:
        self.read.add(name)
        return super().__getitem__(name)

    def table(self, name: str) -> TableArrays:
        self.read.add(name)
        return super().table(name)


class _Log:
    def __init__(self) -> None:
        self.read: set[str] = set()
        self.written: set[str] = set()


class _Recording:
    """Records the keys read and written through ``[]`` (a mixin before the dict class)."""

    log: _Log

    def __getitem__(self, key: str) -> NDArray[np.float64]:
        self.log.read.add(key)
        value: NDArray[np.float64] = super().__getitem__(key)  # type: ignore[misc]
        return value

    def __setitem__(self, key: str, value: NDArray[np.float64]) -> None:
        self.log.written.add(key)
        super().__setitem__(key, value)  # type: ignore[misc]


class _RecordingDict(_Recording, dict[str, NDArray[np.float64]]):
    def __init__(self, log: _Log, *args: Any) -> None:
        super().__init__(*args)
        self.log = log


class _RecordingSeries(_Recording, Series):
    def __init__(self, log: _Log, *args: Any) -> None:
        super().__init__(*args)
        self.log = log

    def defer(self, keys: Any, make: Any) -> None:
        keys = tuple(keys)
        self.log.written.update(keys)
        super().defer(keys, make)


class RecordingOutputs(Outputs):
    """``Outputs`` that records every key read and written (indicators, series, rows)."""

    def __init__(self, before: Outputs) -> None:
        self.log = _Log()
        super().__init__(
            indicators=_RecordingDict(self.log, before.indicators),
            series=_RecordingSeries(self.log, dict(before.series.items())),
            rows=_RecordingDict(self.log, before.rows),
        )

    def start(self) -> _Log:
        """A fresh log for the next step."""
        self.log = _Log()
        for group in (self.indicators, self.series, self.rows):
            group.log = self.log  # type: ignore[attr-defined]
        return self.log
