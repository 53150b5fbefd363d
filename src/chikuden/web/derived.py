"""Derived levers of the web simulator: one number that the server expands into ordinary
parameter values before the model runs (``levers.yaml``: a lever with ``id`` and ``derived``).

``scale-total`` (the fund size): the number is the TOTAL of a yearly path; the scenario's own
path is scaled so its sum equals it (same years, same proportions). A scenario whose path sums
to 0 has nothing to scale (a 400).

``mix-share`` (a chemistry's share of a mix): the number is one share of a mix that adds up to 1
(a ``sum`` rule of ``rules.yaml`` with ``equals: 1``), set in every year; the mix's other
shares are rescaled in proportion so each year still adds up to 1. A year whose other shares
are all 0 cannot take a share below 1 (a 400).

One function, :func:`expand`, serves the page (query string), ``POST /api/evaluate``,
``/api/answers``, ``/api/compare``, ``POST /api/scenarios`` (``levers: {id: number}``) and the
YAML download and save, which write the expanded path as the scenario's value, so ``chikuden
run`` on the file gives the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chikuden.errors import N_, did_you_mean, number_in
from chikuden.web.errors import ApiError
from chikuden.web.levers import DerivedSpec

if TYPE_CHECKING:
    from chikuden.parameters.scenario import Scenario


def specs() -> dict[str, DerivedSpec]:
    """The derived levers of ``levers.yaml`` by id."""
    from chikuden.web.levers import layout

    return {d.id: d for d in layout().derived}


def default(spec: DerivedSpec, base: Scenario) -> float:
    """The lever's number in scenario ``base``: its path's total, or its share in its year."""
    import numpy as np

    from chikuden.horizon import FIRST_YEAR

    path = np.asarray(base.value(spec.key), dtype=float)
    if spec.kind == "mix-share":
        assert spec.year is not None
        return float(path[spec.year - FIRST_YEAR])
    return float(path.sum())


def expand(
    base: Scenario, given: Mapping[str, float], field: str = "levers"
) -> dict[str, list[float]]:
    """The parameter values (yearly paths, one value per year) the derived levers ``given``
    set on ``base``; an unknown id or a number out of range is a 422 naming ``field.id``, a
    path with nothing to scale a 400."""

    known = specs()
    out: dict[str, list[float]] = {}
    for lever_id, value in given.items():
        at = f"{field}.{lever_id}"
        spec = known.get(lever_id)
        if spec is None:
            hint = did_you_mean(lever_id, known) if len(lever_id) <= 200 else ""
            raise ApiError(
                422,
                N_(
                    "{at}: unknown lever {lever!r}{hint}; derived levers: {known}",
                    at=at,
                    lever=lever_id[:80],
                    hint=hint,
                    known=", ".join(known),
                ),
                at,
                lever_id,
                ", ".join(known),
            )
        allowed = number_in(f"{spec.min:g}..{spec.max:g}", spec.unit)
        if not (isinstance(value, int | float) and math.isfinite(value)) or not (
            spec.min <= value <= spec.max
        ):
            raise ApiError(
                422,
                N_(
                    "{at} = {value!r} is outside {allowed}; give {allowed}",
                    at=at,
                    value=value,
                    allowed=allowed,
                ),
                at,
                value,
                str(allowed),
            )
        taken = sorted(set(out) & set(spec.sets))
        if taken:
            raise ApiError(
                422,
                N_(
                    "{at}: {key} is set by another lever too; give one of them", at=at, key=taken[0]
                ),
                at,
                value,
            )
        expanded = _mix(spec, base, float(value), at) if spec.mix else _total(spec, base, value, at)
        out.update(expanded)
    return out


def _total(spec: DerivedSpec, base: Scenario, value: float, at: str) -> dict[str, list[float]]:
    """scale-total: the scenario's path of ``spec.key`` scaled to sum to ``value``."""
    import numpy as np

    path = np.asarray(base.value(spec.key), dtype=float)
    total = float(path.sum())
    if total == 0:
        raise ApiError(
            400,
            N_(
                "{at}: scenario {name!r} appropriates nothing to scale ({key} is 0 in every "
                "year); set the yearly path in a scenario YAML instead",
                at=at,
                name=base.name,
                key=spec.key,
            ),
            at,
            value,
            "a scenario whose path is not all 0",
        )
    return {spec.key: [float(v) for v in path * (float(value) / total)]}


def _mix(spec: DerivedSpec, base: Scenario, value: float, at: str) -> dict[str, list[float]]:
    """mix-share: ``spec.key`` at ``value`` in every year, the mix's other shares rescaled in
    proportion to add up to ``1 - value`` in every year."""
    import numpy as np

    from chikuden.horizon import YEARS

    others = [k for k in spec.mix if k != spec.key]
    shares = np.array([np.asarray(base.value(k), dtype=float) for k in others])  # (n, years)
    rest = shares.sum(axis=0)
    empty = (rest == 0) & (value < 1)
    if empty.any():
        year = int(YEARS[np.argmax(empty)])
        raise ApiError(
            400,
            N_(
                "{at} = {value:g}: in scenario {name!r} the other shares of the mix are all 0 "
                "in {year}, so nothing can fill the remaining {rest:g}; give 1, or set the mix "
                "in a scenario YAML",
                at=at,
                value=value,
                name=base.name,
                year=year,
                rest=1 - value,
            ),
            at,
            value,
            "1 where the other shares are all 0",
        )
    scale = np.divide(1 - value, rest, out=np.zeros_like(rest), where=rest > 0)
    out = {spec.key: [value] * len(YEARS)}
    out.update({k: [float(v) for v in row * scale] for k, row in zip(others, shares, strict=True)})
    return out


def merged(values: Mapping[str, Any], expanded: Mapping[str, Any], field: str) -> dict[str, Any]:
    """``values`` and the ``expanded`` derived levers' values; a parameter set by both is a 422
    (one number per parameter)."""
    both = sorted(set(values) & set(expanded))
    if both:
        by = next(s.id for s in specs().values() if both[0] in s.sets)
        at = f"{field}.{both[0]}"
        raise ApiError(
            422,
            N_(
                "{at}: set both directly and by the lever {lever!r}; give one of them",
                at=at,
                lever=by,
            ),
            at,
            values[both[0]],
            "the parameter or the lever, not both",
        )
    return {**values, **expanded}
