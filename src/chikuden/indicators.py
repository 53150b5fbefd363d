"""Declarations of the model's public outputs: indicators, series, per-row values and charts.

One YAML file per domain in ``chikuden/data/indicators/``::

    indicators:
      market.global_demand_2030:
        unit: GWh
        year: 2030
        clause: P1            # the proposal clause the figure serves
        label_en: Global battery demand in 2030
        label_ja: 2030年の世界の蓄電池需要
      capacity.domestic_year_target_reached:
        unit: year
        label_en: First year domestic capacity reaches the target
        label_ja: 国内生産能力が目標に達する最初の年
        undefined:            # optional: the value may be NaN, and what NaN means; the
          en: not by 2040     # report, the CLI table and the JSON print this text for it
          ja: 2040年までに達しない
    series:
      market.demand_ev_gwh: {unit: GWh, label_en: ..., label_ja: ...}
      finance.plant_cash_flow_us: {unit: JPY, axis: plant, ...}   # on another axis of
                                    # calendar years (chikuden.horizon.AXES; default horizon)
    rows:
      finance.project_subsidy_jpy: {table: capacity.plants, unit: JPY, label_en: ..., label_ja: ...}
    charts:
      - id: market-demand
        kind: area            # line | area | bar
        title_en: ...
        title_ja: ...
        series: [market.demand_ev_gwh, ...]
        targets: [market.global_demand_2030]   # optional indicators drawn as markers
      - id: minerals-concentration
        kind: rows            # horizontal bars of a per-row output
        rows: minerals.supply_share
        category: [mineral, stage]   # table columns naming a bar
        stack: country                # optional: table column splitting a bar
      - id: finance-cost-gap
        kind: stack           # vertical bars of indicators stacked part on part
        bars: [{en: Japan, ja: 日本}, ...]          # one bar each
        parts:                                     # one key per bar; sign -1 draws below 0
          - {en: Capex, ja: 設備投資, keys: [finance.cost_gap_capex_japan, ...]}
    section:
      title_en: Market
      title_ja: 市場
      intro_en: ...
      intro_ja: ...

Values are finite numbers, or NaN where an output declares ``undefined``: NaN then means "not
defined" in the declared sense (a target not reached on the horizon, an IRR with no root, a
ratio over a quantity that is zero in this scenario). No output is ever infinite, and no output
without an ``undefined`` declaration is ever NaN at any value inside the declared parameter
ranges (``tests/test_ranges.py`` checks every bound).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.data import read_yaml
from chikuden.horizon import AXES
from chikuden.i18n import pick


@dataclass(frozen=True)
class Output:
    """One declared output (indicator, series or row value)."""

    key: str
    kind: str  # "indicator", "series", "rows"
    unit: str
    label_en: str
    label_ja: str
    year: int | None = None
    clause: str | None = None
    description_en: str = ""
    description_ja: str = ""
    table: str | None = None
    sources: tuple[str, ...] = ()
    # what a NaN value means ("not reached by 2040"); empty: the output is always a number
    undefined_en: str = ""
    undefined_ja: str = ""
    axis: str = "horizon"  # a series: the calendar years of its values (chikuden.horizon.AXES)

    @property
    def years(self) -> NDArray[np.intp]:
        """The calendar years of a series' values [year]."""
        return AXES[self.axis]

    @property
    def domain(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def may_be_undefined(self) -> bool:
        """True when the output declares that it may be NaN ("not defined")."""
        return bool(self.undefined_en)

    def label(self, lang: str) -> str:
        return pick(lang, self.label_en, self.label_ja)

    def undefined(self, lang: str) -> str:
        """What a NaN value of this output means, in ``lang`` ("" when none is declared)."""
        return pick(lang, self.undefined_en, self.undefined_ja)


@dataclass(frozen=True)
class StackPart:
    """One part of a ``stack`` chart: its name and its indicator in each bar."""

    en: str
    ja: str
    keys: tuple[str, ...]
    sign: float = 1.0

    def name(self, lang: str) -> str:
        return pick(lang, self.en, self.ja)


@dataclass(frozen=True)
class Chart:
    id: str
    kind: str
    title_en: str
    title_ja: str
    series: tuple[str, ...]
    targets: tuple[str, ...] = ()
    unit: str = ""
    # kind "rows": horizontal bars of a per-row output, one bar per distinct value of the
    # ``category`` columns of its table, split by the ``stack`` column when given
    rows: str = ""
    category: tuple[str, ...] = ()
    stack: str = ""
    # kind "stack": vertical bars named ``bars`` ((en, ja) each), each the sum of its ``parts``
    bars: tuple[tuple[str, str], ...] = ()
    parts: tuple[StackPart, ...] = ()

    def title(self, lang: str) -> str:
        return pick(lang, self.title_en, self.title_ja)

    def bar(self, b: int, lang: str) -> str:
        """The name of bar ``b`` of a ``stack`` chart in ``lang``."""
        return pick(lang, *self.bars[b])

    @property
    def part_keys(self) -> tuple[str, ...]:
        """Every indicator a ``stack`` chart draws."""
        return tuple(k for part in self.parts for k in part.keys)


@dataclass(frozen=True)
class Section:
    domain: str
    order: int
    title_en: str
    title_ja: str
    intro_en: str = ""
    intro_ja: str = ""
    charts: tuple[Chart, ...] = ()
    outputs: tuple[str, ...] = field(default_factory=tuple)

    def title(self, lang: str) -> str:
        return pick(lang, self.title_en, self.title_ja)

    def intro(self, lang: str) -> str:
        return pick(lang, self.intro_en, self.intro_ja)


def _output(key: str, kind: str, spec: dict[str, Any]) -> Output:
    missing = [f for f in ("unit", "label_en", "label_ja") if f not in spec]
    if missing:
        raise RuntimeError(f"output {key}: missing {', '.join(missing)}")
    undefined = spec.get("undefined") or {}
    if undefined and (
        not isinstance(undefined, dict)
        or set(undefined) != {"en", "ja"}
        or not all(str(undefined[lang]).strip() for lang in ("en", "ja"))
    ):
        raise RuntimeError(f"output {key}: 'undefined' needs a text in en and ja, and nothing else")
    axis = str(spec.get("axis", "horizon"))
    if axis not in AXES or (axis != "horizon" and kind != "series"):
        raise RuntimeError(
            f"output {key}: axis {axis!r} is not one of {sorted(AXES)} or not a series"
        )
    return Output(
        key=key,
        kind=kind,
        unit=str(spec["unit"]),
        label_en=str(spec["label_en"]),
        label_ja=str(spec["label_ja"]),
        year=int(spec["year"]) if spec.get("year") is not None else None,
        clause=str(spec["clause"]) if spec.get("clause") else None,
        description_en=str(spec.get("description_en", "")),
        description_ja=str(spec.get("description_ja", "")),
        table=str(spec["table"]) if spec.get("table") else None,
        sources=tuple(spec.get("sources", ())),
        undefined_en=str(undefined.get("en", "")).strip(),
        undefined_ja=str(undefined.get("ja", "")).strip(),
        axis=axis,
    )


@cache
def _load() -> tuple[dict[str, Output], tuple[Section, ...]]:
    folder = resources.files("chikuden.data").joinpath("indicators")
    outputs: dict[str, Output] = {}
    sections: list[Section] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        doc: dict[str, Any] = read_yaml("indicators", entry.name) or {}
        keys: list[str] = []
        for kind, group in (("indicator", "indicators"), ("series", "series"), ("rows", "rows")):
            for key, spec in (doc.get(group) or {}).items():
                if key in outputs:
                    raise RuntimeError(f"{entry.name}: output {key} declared twice")
                outputs[key] = _output(key, kind, spec)
                keys.append(key)
        sec = doc.get("section") or {}
        charts = tuple(
            Chart(
                id=str(c["id"]),
                kind=str(c.get("kind", "line")),
                title_en=str(c["title_en"]),
                title_ja=str(c["title_ja"]),
                series=tuple(c.get("series", ())),
                targets=tuple(c.get("targets", ())),
                unit=str(c.get("unit", "")),
                rows=str(c.get("rows", "")),
                category=tuple(c.get("category", ())),
                stack=str(c.get("stack", "")),
                bars=tuple((str(b["en"]), str(b["ja"])) for b in c.get("bars", ())),
                parts=tuple(
                    StackPart(str(q["en"]), str(q["ja"]), tuple(q["keys"]), float(q.get("sign", 1)))
                    for q in c.get("parts", ())
                ),
            )
            for c in doc.get("charts") or ()
        )
        sections.append(
            Section(
                domain=entry.name[:-5].split("-", 1)[-1],
                order=int(sec.get("order", 100)),
                title_en=str(sec.get("title_en", entry.name)),
                title_ja=str(sec.get("title_ja", entry.name)),
                intro_en=str(sec.get("intro_en", "")),
                intro_ja=str(sec.get("intro_ja", "")),
                charts=charts,
                outputs=tuple(keys),
            )
        )
    sections.sort(key=lambda s: s.order)
    return outputs, tuple(sections)


def outputs() -> dict[str, Output]:
    """Every declared output, keyed by its dotted key."""
    return _load()[0]


def sections() -> tuple[Section, ...]:
    """Report sections in order, one per domain file."""
    return _load()[1]
