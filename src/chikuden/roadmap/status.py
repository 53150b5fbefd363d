"""The arithmetic of the annual review: trajectories, progress ratios and statuses.

A KPI's trajectory runs from its baseline (the actual of its baseline year) through the targets
of the revision in force, linearly between points (a target for every year is a declared
path); after the last target it stays at that target. For an actual of year ``t``::

    expected = trajectory(t)                       [KPI unit]
    ratio    = s * (actual - baseline) / |expected - baseline|

with ``s = +1`` for a KPI where higher is better and ``-1`` where lower is better, so the ratio
is the progress made in the good direction as a share of the progress planned by ``t``
(1 = exactly on the path, above 1 ahead of it, below 0 moving the wrong way). Where the plan
expects no change by ``t`` (less than :data:`RESOLUTION` of the values involved), holding the
baseline or better counts as 1 and anything worse as 0.
The status is ``on_track`` for ``ratio >= on_track``, ``at_risk`` for ``ratio >= at_risk``,
else ``off_track`` (thresholds are ledger settings, 0.9 and 0.6 by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Thresholds:
    """Progress ratios at which a KPI is on track / at risk [ratio]."""

    on_track: float = 0.9
    at_risk: float = 0.6


def trajectory(
    year: float | Sequence[float] | Floats,
    base_year: int,
    base_value: float,
    target_years: Sequence[int],
    target_values: Sequence[float],
) -> Floats:
    """Expected value(s) in ``year`` on the path from the baseline through the targets
    [KPI unit]; targets at or before the baseline year are ignored."""
    points = sorted(
        (y, v) for y, v in zip(target_years, target_values, strict=True) if y > base_year
    )
    xs = np.array([base_year, *(y for y, _ in points)], dtype=float)
    ys = np.array([base_value, *(v for _, v in points)], dtype=float)
    return np.asarray(np.interp(np.asarray(year, dtype=float), xs, ys), dtype=float)


RESOLUTION = 1e-9
"""A planned change smaller than this share of the values involved counts as no change
[ratio] (assumption: far below any published figure's precision, far above a double's rounding
of 1e-16). It keeps every ratio within ±2e9: a plan of 1e-300 from a baseline of 0 does not
turn an actual of 0.5 into a ratio of 5e299."""


def progress_ratio(base: Floats, expected: Floats, actual: Floats, sign: Floats) -> Floats:
    """Progress made over progress planned, direction-aware (see the module doc) [ratio]."""
    planned = expected - base
    achieved = sign * (actual - base)
    scale = np.abs(planned)
    size = np.maximum(np.maximum(np.abs(base), np.abs(expected)), np.abs(actual))
    moves = scale > RESOLUTION * size
    held = np.where(achieved >= 0, 1.0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(moves, achieved / np.where(moves, scale, 1.0), held)
    return np.asarray(ratio, dtype=float)


def classify(ratio: Floats, thresholds: Thresholds = Thresholds()) -> npt.NDArray[np.str_]:
    """Status per ratio: on_track, at_risk, off_track (no_data where the ratio is NaN)."""
    ratio = np.asarray(ratio, dtype=float)
    out = np.select(
        [np.isnan(ratio), ratio >= thresholds.on_track, ratio >= thresholds.at_risk],
        ["no_data", "on_track", "at_risk"],
        default="off_track",
    )
    return np.asarray(out, dtype=np.str_)
