"""Derived levers of the web simulator: one number that the server expands into ordinary
parameter values before the model runs (``levers.yaml``: a lever with ``id`` and ``derived``).

``scale-total`` (the fund size): the number is the TOTAL of a yearly path; the scenario's own
path is scaled so its sum equals it (same years, same proportions). A scenario whose path sums
to 0 has nothing to scale (a 400).

One function, :func:`expand`, serves the page (query string), ``POST /api/evaluate``,
``/api/answers``, ``/api/compare``, ``POST /api/scenarios`` (``levers: {id: number}``) and the
YAML download and save, which write the expanded path as the scenario's value, so ``chikuden
run`` on the file gives the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chikuden.errors import did_you_mean
from chikuden.web.errors import ApiError

if TYPE_CHECKING:
    from chikuden.parameters.scenario import Scenario

KINDS = ("scale-total",)
"""The kinds of derived lever (issue 16's chemistry-mix lever, ``mix-share``, is not built yet)."""


@dataclass(frozen=True)
class DerivedSpec:
    """A derived lever of ``levers.yaml``."""

    id: str
    kind: str
    key: str  # the parameter it sets
    group: str
    en: str
    ja: str
    unit: str
    min: float
    max: float
    why: str
    slider: tuple[float, float] | None = None
    step: float | None = None


def specs() -> dict[str, DerivedSpec]:
    """The derived levers of ``levers.yaml`` by id."""
    from chikuden.web.pages import layout

    return {d.id: d for d in layout().derived}


def default(spec: DerivedSpec, base: Scenario) -> float:
    """The lever's number in scenario ``base`` (its path's total)."""
    import numpy as np

    return float(np.sum(np.asarray(base.value(spec.key), dtype=float)))


def expand(
    base: Scenario, given: Mapping[str, float], field: str = "levers"
) -> dict[str, list[float]]:
    """The parameter values (yearly paths, one value per year) the derived levers ``given``
    set on ``base``; an unknown id or a number out of range is a 422 naming ``field.id``, a
    path with nothing to scale a 400."""
    import numpy as np

    known = specs()
    out: dict[str, list[float]] = {}
    for lever_id, value in given.items():
        at = f"{field}.{lever_id}"
        spec = known.get(lever_id)
        if spec is None:
            hint = did_you_mean(lever_id, known) if len(lever_id) <= 200 else ""
            raise ApiError(
                422,
                f"{at}: unknown lever {lever_id[:80]!r}{hint}; derived levers: {', '.join(known)}",
                at,
                lever_id,
                ", ".join(known),
            )
        allowed = f"a number in {spec.min:g}..{spec.max:g} [{spec.unit}]"
        if not (isinstance(value, int | float) and math.isfinite(value)) or not (
            spec.min <= value <= spec.max
        ):
            raise ApiError(
                422, f"{at} = {value!r} is outside {allowed}; give {allowed}", at, value, allowed
            )
        path = np.asarray(base.value(spec.key), dtype=float)
        total = float(path.sum())
        if total == 0:
            raise ApiError(
                400,
                f"{at}: scenario {base.name!r} appropriates nothing to scale ({spec.key} is 0 "
                "in every year); set the yearly path in a scenario YAML instead",
                at,
                value,
                "a scenario whose path is not all 0",
            )
        out[spec.key] = [float(v) for v in path * (float(value) / total)]
    return out


def merged(values: Mapping[str, Any], expanded: Mapping[str, Any], field: str) -> dict[str, Any]:
    """``values`` and the ``expanded`` derived levers' values; a parameter set by both is a 422
    (one number per parameter)."""
    both = sorted(set(values) & set(expanded))
    if both:
        by = next(s.id for s in specs().values() if s.key == both[0])
        raise ApiError(
            422,
            f"{field}.{both[0]}: set both directly and by the lever {by!r}; give one of them",
            f"{field}.{both[0]}",
            values[both[0]],
            "the parameter or the lever, not both",
        )
    return {**values, **expanded}
