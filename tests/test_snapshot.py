"""Every number of the three bundled scenarios against a snapshot taken before issue 12.

Issue 12 (a declared dataflow) changes how the model is wired, not what it computes: every
indicator, yearly series and per-row value must match ``tests/snapshots/numbers.npz`` (written
by ``scripts/snapshot_numbers.py`` at b54e6c2, after issue 11's corrections) to 1e-12 relative.
A deliberate change of numbers re-takes the snapshot in a commit that says why.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import cast

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "snapshot_numbers", ROOT / "scripts/snapshot_numbers.py"
)
assert _spec is not None and _spec.loader is not None
snapshot_numbers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snapshot_numbers)


@pytest.fixture(scope="module")
def now() -> dict[str, np.ndarray]:
    # loaded from its path, the module is untyped; numbers() is declared to return this type
    return cast(dict[str, np.ndarray], snapshot_numbers.numbers())


@pytest.fixture(scope="module")
def before() -> dict[str, np.ndarray]:
    with np.load(snapshot_numbers.PATH) as saved:
        return {k: saved[k] for k in saved.files}


def test_the_same_numbers_are_computed(
    now: dict[str, np.ndarray], before: dict[str, np.ndarray]
) -> None:
    assert sorted(set(before) - set(now)) == [], "numbers in the snapshot no longer computed"
    assert sorted(set(now) - set(before)) == [], "new numbers: re-take the snapshot"


@pytest.mark.parametrize("scenario", snapshot_numbers.SCENARIOS)
def test_every_number_matches_the_snapshot(
    scenario: str, now: dict[str, np.ndarray], before: dict[str, np.ndarray]
) -> None:
    keys = [k for k in before if k.startswith(f"{scenario}|") and k in now]
    assert keys
    changed = []
    for key in keys:
        a, b = now[key], before[key]
        if a.shape != b.shape or not np.allclose(a, b, rtol=1e-12, atol=0.0, equal_nan=True):
            changed.append(key)
    assert changed == []
