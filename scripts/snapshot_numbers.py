"""Write every number of the three bundled scenarios to tests/snapshots/numbers.npz.

Run once at a commit whose numbers are right (the snapshot of issue 12 was taken at b54e6c2,
after issue 11's corrections); tests/test_snapshot.py then holds every later evaluation to it.
A deliberate change of numbers re-runs this script and says why in its commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import chikuden

SCENARIOS = ("proposal-2022", "meti-strategy-2022", "actual-2025")
PATH = Path(__file__).resolve().parents[1] / "tests" / "snapshots" / "numbers.npz"


def numbers() -> dict[str, np.ndarray]:
    """``scenario|kind|key`` -> the values of one evaluation of each bundled scenario."""
    out: dict[str, np.ndarray] = {}
    for name in SCENARIOS:
        res = chikuden.evaluate(chikuden.load_scenario(name))
        for kind, group in (
            ("indicator", res.indicators),
            ("series", res.series),
            ("rows", res.rows),
        ):
            for key, arr in group.items():
                out[f"{name}|{kind}|{key}"] = np.array(arr[0], dtype=float)
    return out


if __name__ == "__main__":
    PATH.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(PATH, allow_pickle=False, **numbers())  # float arrays only
    print(f"wrote {PATH}", file=sys.stderr)
