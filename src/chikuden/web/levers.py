"""Which parameters are levers of the web simulator: ``levers.yaml`` read and checked against
the parameter tables and the answers (the groups, the plain levers, the derived levers the server
expands — :mod:`chikuden.web.derived` — the answers' charts and the cards shown). Both the pages
and the API read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

KINDS = ("scale-total", "mix-share")
"""The kinds of derived lever."""


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
    year: int | None = None  # mix-share: the year whose share the slider starts at
    mix: tuple[str, ...] = ()  # mix-share: every share of the mix (``key`` among them)

    @property
    def sets(self) -> tuple[str, ...]:
        """The parameters the lever sets."""
        return self.mix or (self.key,)


def mix_of(key: str) -> tuple[str, ...]:
    """The shares of the mix ``key`` belongs to (a sum rule that equals 1); () if none."""
    from chikuden.parameters.declarations import parameter_rules

    for rule in parameter_rules():
        if rule.kind == "sum" and rule.equals == 1 and key in rule.fields:
            return rule.fields
    return ()


@dataclass(frozen=True)
class LeverSpec:
    """One lever of ``levers.yaml``."""

    key: str
    group: str
    why: str
    slider: tuple[float, float] | None = None
    step: float | None = None
    year: int | None = None


@dataclass(frozen=True)
class Layout:
    """``levers.yaml``: the groups of levers, the answers' charts and the cards shown."""

    groups: tuple[tuple[str, str, str], ...]  # id, en, ja
    levers: tuple[LeverSpec, ...]
    charts: tuple[str, ...]
    cards: tuple[str, ...]
    derived: tuple[DerivedSpec, ...] = ()  # levers the server expands (chikuden.web.derived)
    order: tuple[str, ...] = ()  # every lever's key or id, in the file's order


class LeversDeclarationError(RuntimeError):
    """``levers.yaml`` names something that does not exist or cannot be a lever."""


@cache
def layout() -> Layout:
    """``levers.yaml``, checked (once)."""
    import yaml

    return parse_layout(
        yaml.safe_load(resources.files("chikuden.web").joinpath("levers.yaml").read_text())
    )


def parse_layout(doc: Any) -> Layout:
    """A ``levers.yaml`` document checked against the parameter tables and the answers."""
    from chikuden.answers import questions
    from chikuden.horizon import FIRST_YEAR, LAST_YEAR
    from chikuden.indicators import outputs
    from chikuden.parameters.declarations import declarations

    decls = declarations()
    groups: list[tuple[str, str, str]] = []
    levers: list[LeverSpec] = []
    derived: list[DerivedSpec] = []
    order: list[str] = []
    for g in doc["groups"]:
        groups.append((str(g["id"]), str(g["en"]), str(g["ja"])))
        for spec in g["levers"]:
            if "derived" in spec:
                derived.append(_derived_spec(spec, str(g["id"])))
                order.append(derived[-1].id)
                continue
            key = str(spec["key"])
            order.append(key)
            where = f"levers.yaml: {key}"
            unknown = sorted(set(spec) - {"key", "why", "slider", "step", "year"})
            if unknown:
                raise LeversDeclarationError(f"{where}: unknown field {unknown[0]!r}")
            if not str(spec.get("why", "")).strip():
                raise LeversDeclarationError(f"{where}: say 'why' it is a lever")
            if key not in decls:
                raise LeversDeclarationError(f"{where}: not a parameter")
            d = decls[key]
            year = spec.get("year")
            if d.kind not in ("scalar", "path") or (d.kind == "path") != (year is not None):
                raise LeversDeclarationError(f"{where}: a scalar, or a path with its 'year'")
            if year is not None and not FIRST_YEAR <= int(year) <= LAST_YEAR:
                raise LeversDeclarationError(
                    f"{where}: year {year} is outside {FIRST_YEAR}..{LAST_YEAR}"
                )
            slider = spec.get("slider")
            if slider is not None:
                lo, hi = float(slider[0]), float(slider[1])
                if not d.min <= lo < hi <= d.max:
                    raise LeversDeclarationError(
                        f"{where}: slider {slider} must lie inside [{d.min}, {d.max}]"
                    )
                slider = (lo, hi)
            step = spec.get("step")
            levers.append(
                LeverSpec(
                    key,
                    str(g["id"]),
                    str(spec["why"]),
                    slider,
                    None if step is None else float(step),
                    None if year is None else int(year),
                )
            )
    known = {q.id for q in questions()}
    charts = tuple(str(c) for c in doc["charts"])
    for c in charts:
        if c not in known:
            raise LeversDeclarationError(f"levers.yaml: charts: {c!r} is not an answer's id")
    cards = tuple(str(c) for c in doc["cards"])
    for c in cards:
        if c not in outputs() or outputs()[c].kind != "indicator":
            raise LeversDeclarationError(f"levers.yaml: cards: {c!r} is not an indicator")
    return Layout(tuple(groups), tuple(levers), charts, cards, tuple(derived), tuple(order))


def _derived_spec(spec: Any, group: str) -> DerivedSpec:
    """A derived lever of ``levers.yaml`` (``id``, ``derived``, ``key``, ``en``, ``ja``,
    ``unit``, ``range``, ``why``; optional ``slider``, ``step``; ``year`` for a mix-share),
    checked."""
    from chikuden.horizon import FIRST_YEAR, LAST_YEAR
    from chikuden.parameters.declarations import declarations

    lever_id = str(spec.get("id", ""))
    where = f"levers.yaml: {lever_id or spec.get('key')}"
    optional = {"slider", "step", "year"}
    fields = {"id", "derived", "key", "en", "ja", "unit", "range", "why", *optional}
    unknown = sorted(set(spec) - fields)
    if unknown:
        raise LeversDeclarationError(f"{where}: unknown field {unknown[0]!r}")
    missing = sorted(f for f in fields - optional if not str(spec.get(f, "")).strip())
    if missing:
        raise LeversDeclarationError(f"{where}: a derived lever needs {missing[0]!r}")
    if spec["derived"] not in KINDS:
        raise LeversDeclarationError(
            f"{where}: derived {spec['derived']!r} is not one of {', '.join(KINDS)}"
        )
    decls = declarations()
    key = str(spec["key"])
    if key not in decls or decls[key].kind != "path":
        raise LeversDeclarationError(f"{where}: {key!r} is not a path parameter")
    if lever_id in decls:
        raise LeversDeclarationError(f"{where}: the id must not be a parameter's key")
    mix = mix_of(key) if spec["derived"] == "mix-share" else ()
    if spec["derived"] == "mix-share" and not mix:
        raise LeversDeclarationError(f"{where}: {key!r} is not a share of a mix that adds up to 1")
    year = spec.get("year")
    if (year is not None) != (spec["derived"] == "mix-share"):
        raise LeversDeclarationError(f"{where}: a 'year' is for a mix-share, and it needs one")
    if year is not None and not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise LeversDeclarationError(f"{where}: year {year} is outside {FIRST_YEAR}..{LAST_YEAR}")
    lo, hi = float(spec["range"][0]), float(spec["range"][1])
    if not lo < hi:
        raise LeversDeclarationError(f"{where}: range {spec['range']} is empty")
    slider = spec.get("slider")
    if slider is not None:
        slider = (float(slider[0]), float(slider[1]))
        if not lo <= slider[0] < slider[1] <= hi:
            raise LeversDeclarationError(f"{where}: slider {spec['slider']} must lie inside range")
    step = spec.get("step")
    return DerivedSpec(
        id=lever_id,
        kind=str(spec["derived"]),
        key=key,
        group=group,
        en=str(spec["en"]),
        ja=str(spec["ja"]),
        unit=str(spec["unit"]),
        min=lo,
        max=hi,
        why=str(spec["why"]),
        slider=slider,
        step=None if step is None else float(step),
        year=None if year is None else int(year),
        mix=mix,
    )
