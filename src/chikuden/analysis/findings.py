"""Findings: the proposal's own arithmetic, checked, as one finding with sources per check.

``findings(results, i)`` returns one :class:`Finding` per check for scenario ``i``. The
numbers come from the model's indicators (``audit.*``, ``targets.*``, ``capacity.*``,
``finance.*``); this module only compares them and says what the comparison means.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chikuden.results import Results

# Relative tolerance within which a stated figure counts as reproduced.
TOLERANCE = 0.005


@dataclass(frozen=True)
class Finding:
    """One checked statement of the proposal."""

    id: str
    clause: str  # "P1"
    status: str  # "ok" (holds), "warn" (does not hold or is doubtful), "info"
    text_en: str
    text_ja: str
    sources: tuple[str, ...] = field(default_factory=tuple)

    def text(self, lang: str) -> str:
        return self.text_ja if lang == "ja" else self.text_en


def _gwh(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:,.0f} GWh"


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.1f}%"


def _close(a: float, b: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= TOLERANCE * max(abs(b), 1e-12)


Check = Callable[["Results", int], Finding]


def _share_times_market(r: Results, i: int) -> Finding:
    share = r.value("targets.japan_share_2030", i)
    market = r.value("market.global_demand_2030", i)
    product = r.value("audit.share_times_market_gwh", i)
    stated = r.scenarios[i].value("audit.stated_global_capacity_gwh")
    ok = _close(product, stated)
    return Finding(
        id="share-times-market",
        clause="P1",
        status="ok" if ok else "warn",
        text_en=(
            f"Share x market: {_pct(share)} of {_gwh(market)} = {_gwh(product)}; the proposal "
            f"states {_gwh(stated)} - {'holds' if ok else 'does not hold in this scenario'}."
        ),
        text_ja=(
            f"シェア×市場：{_gwh(market)}の{_pct(share)} = {_gwh(product)}。提言は{_gwh(stated)}と"
            f"する — {'整合' if ok else 'このシナリオでは一致しない'}。"
        ),
        sources=tuple(r.sources("audit.share_times_market_gwh", i)),
    )


def _domestic_quarter(r: Results, i: int) -> Finding:
    dom = r.value("targets.domestic_capacity_2030", i)
    stated = r.scenarios[i].value("audit.stated_domestic_capacity_gwh")
    ok = _close(dom, stated)
    return Finding(
        id="domestic-target",
        clause="P1",
        status="ok" if ok else "warn",
        text_en=(
            f"The domestic base the targets imply is {_gwh(dom)} against the stated "
            f"{_gwh(stated)} - {'holds' if ok else 'differs in this scenario'}."
        ),
        text_ja=(
            f"目標から導かれる国内生産基盤は{_gwh(dom)}、提言は{_gwh(stated)} — "
            f"{'整合' if ok else 'このシナリオでは異なる'}。"
        ),
        sources=tuple(r.sources("targets.domestic_capacity_2030", i)),
    )


def _growth(r: Results, i: int) -> Finding:
    growth = r.value("market.growth_2030_vs_2021", i)
    stated = r.scenarios[i].value("audit.stated_growth_ratio")
    ok = math.isfinite(growth) and abs(growth / stated - 1) <= 0.2
    return Finding(
        id="market-growth",
        clause="P1",
        status="ok" if ok else "info",
        text_en=(
            f"World demand grows {growth:.1f}x from 2021 to 2030; the proposal says about "
            f"{stated:.0f}x. IEA counts ~330 GWh for vehicles alone in 2021, so 3,000 GWh is "
            "about 9x that."
        ),
        text_ja=(
            f"世界需要は2021年から2030年に{growth:.1f}倍。提言は約{stated:.0f}倍とする。IEAによれば"
            "2021年の車載用だけで約330GWhであり、3,000GWhはその約9倍にあたる。"
        ),
        sources=(*r.sources("market.growth_2030_vs_2021", i), "iea-gevo-2023"),
    )


def _utilisation(r: Results, i: int) -> Finding:
    util = r.scenarios[i].value("targets.capacity_utilisation_share")
    plant_util = r.scenarios[i].value("capacity.utilisation_share")
    product = r.value("audit.share_times_market_gwh", i)
    return Finding(
        id="capacity-vs-production",
        clause="P1",
        status="info",
        text_en=(
            f"The proposal equates a {_pct(r.value('targets.japan_share_2030', i))} share of "
            f"production with capacity (utilisation {_pct(util)} in this scenario). Plants "
            f"running at {_pct(plant_util)} would need {_gwh(product / plant_util)} of capacity "
            "to produce that share; worldwide, capacity was more than 2.5x demand in 2024."
        ),
        text_ja=(
            "提言は生産シェアと生産能力を同一視している（このシナリオの稼働率"
            f"{_pct(util)}）。稼働率{_pct(plant_util)}の工場でそのシェアを生産するには"
            f"{_gwh(product / plant_util)}の能力が必要。"
            "2024年の世界の生産能力は需要の2.5倍を超えた。"
        ),
        sources=(
            *r.sources("targets.japan_global_capacity_2030", i),
            "bnef-capacity-2024",
            "assumption",
        ),
    )


def _pipeline_gap(r: Results, i: int) -> Finding:
    cap = r.value("capacity.domestic_2030", i)
    gap = r.value("capacity.domestic_gap_2030", i)
    target = r.value("targets.domestic_capacity_2030", i)
    date = int(r.scenarios[i].value("capacity.pipeline_date"))
    y, m, d = date // 10000, date // 100 % 100, date % 100
    ok = gap <= 0
    return Finding(
        id="pipeline-reaches-target",
        clause="P1",
        status="ok" if ok else "warn",
        text_en=(
            f"The plants existing, certified or announced by {y}-{m:02d}-{d:02d} (the scenario's "
            f"pipeline date) give {_gwh(cap)} in Japan in 2030 against {_gwh(target)}: "
            + ("the target is reached." if ok else f"{_gwh(gap)} are still missing.")
        ),
        text_ja=(
            f"{y}年{m}月{d}日（シナリオの計画時点）までに既存・認定・公表済みの工場による"
            f"2030年の国内能力は{_gwh(cap)}、目標は{_gwh(target)}："
            + ("目標に達する。" if ok else f"{_gwh(gap)}が不足する。")
        ),
        sources=tuple(r.sources("capacity.domestic_gap_2030", i)),
    )


def _tn(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x / 1e12:.2f} trillion yen"


def _cho(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x / 1e12:.2f}兆円"


def _bn_per_gwh(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x / 1e9:.1f} bn yen per GWh"


def _oku_per_gwh(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"GWhあたり{x / 1e8:,.0f}億円"


def _stages_add_up(r: Results, i: int) -> Finding:
    parts = [r.value(f"finance.capital_need_{s}", i) for s in ("minerals", "materials", "cells")]
    total = r.value("audit.stages_sum_jpy", i)
    stated = r.scenarios[i].value("audit.stated_capital_need_total_jpy")
    ok = _close(total, stated)
    listed = " + ".join(f"{x / 1e12:.2f}" for x in parts)
    return Finding(
        id="stages-add-up",
        clause="P1",
        status="ok" if ok else "warn",
        text_en=(
            f"Minerals + materials + cells = {listed} = {_tn(total)}; the proposal states "
            f"{_tn(stated)} - {'holds' if ok else 'differs in this scenario'}."
        ),
        text_ja=(
            f"鉱物＋材料＋セル = {listed} = {_cho(total)}。提言は{_cho(stated)}とする — "
            f"{'整合' if ok else 'このシナリオでは異なる'}。"
        ),
        sources=tuple(r.sources("audit.stages_sum_jpy", i)),
    )


def _fund_covers(r: Results, i: int) -> Finding:
    fund = r.value("finance.fund_size", i)
    need = r.value("finance.capital_need_total", i)
    share = r.value("audit.fund_share_of_need", i)
    demand = r.value("finance.subsidy_demand_total", i)
    balance = r.value("finance.fund_balance", i)
    imputed = r.value("finance.subsidy_demand_imputed", i)
    balance_en = f" The fund balance after that demand is {_tn(balance)}"
    balance_ja = f"その需要を充当した後の基金残高は{_cho(balance)}"
    if imputed > 0:  # the balance rests in part on rows that are estimates, not projects
        without = r.value("finance.fund_balance_without_imputed", i)
        balance_en += (
            f"; {_tn(without)} without the {_tn(imputed)} that imputed plant rows "
            "(residuals whose actual subsidy is unknown) ask for."
        )
        balance_ja += f"（実際の補助額が不明な補完行の{_cho(imputed)}を除くと{_cho(without)}）。"
    else:
        balance_en += "."
        balance_ja += "。"
    if math.isfinite(share):
        covers_en = f"covers {_pct(share)} of the {_tn(need)} capital need"
        covers_ja = f"は必要資金{_cho(need)}の{_pct(share)}を賄う"
    else:  # a domestic target of 0 GWh (or reference needs of 0) needs no capital
        covers_en = "has no capital need to cover: the need at the domestic target is 0"
        covers_ja = "が賄う必要資金はない（国内目標での必要資金が0）"
    return Finding(
        id="fund-covers-need",
        clause="P1",
        status="info",
        text_en=(
            f"The fund of {_tn(fund)} {covers_en}. "
            f"The subsidy rules applied to every plant (and to the capacity still missing) ask "
            f"for {_tn(demand)}.{balance_en}"
        ),
        text_ja=(
            f"基金{_cho(fund)}{covers_ja}。補助ルールを全工場"
            f"（および不足する能力）に適用すると、必要な補助額は{_cho(demand)}。{balance_ja}"
        ),
        sources=tuple(
            dict.fromkeys(
                (
                    *r.sources("audit.fund_share_of_need", i),
                    *r.sources("finance.subsidy_demand_total", i),
                    *r.sources("finance.fund_balance_without_imputed", i),
                )
            )
        ),
    )


def _cell_capex(r: Results, i: int) -> Finding:
    implied = r.value("finance.capex_per_gwh_implied_cells", i)
    published = r.value("finance.capex_per_gwh_published_median", i)
    ratio = r.value("audit.cell_capex_implied_vs_published", i)
    if not math.isfinite(ratio):  # no cell plant in the table has both capacity and capex
        return Finding(
            id="cell-capex-per-gwh",
            clause="P1",
            status="info",
            text_en=(
                f"The cell-manufacturing need implies {_bn_per_gwh(implied)}; no cell plant in "
                "the plant table has both a capacity and a capex, so there is no published cost "
                "to compare it with."
            ),
            text_ja=(
                f"セル製造の必要資金は{_oku_per_gwh(implied)}を意味する。工場表に容量と投資額の"
                "両方があるセル工場がなく、比較する公表値がない。"
            ),
            sources=tuple(r.sources("audit.cell_capex_implied_vs_published", i)),
        )
    ok = ratio >= 0.8
    return Finding(
        id="cell-capex-per-gwh",
        clause="P1",
        status="ok" if ok else "warn",
        text_en=(
            f"The cell-manufacturing need implies {_bn_per_gwh(implied)}; the certified plants "
            f"in the bundled data cost a median {_bn_per_gwh(published)} "
            f"(the proposal's figure is {_pct(ratio)} of that)"
            + ("." if ok else ": the proposal's cell figure looks low for today's plant costs.")
        ),
        text_ja=(
            f"セル製造の必要資金は{_oku_per_gwh(implied)}を意味する。認定工場の投資額の中央値は"
            f"{_oku_per_gwh(published)}（提言の金額はその{_pct(ratio)}）"
            + ("。" if ok else "：提言のセル製造の金額は現在の工場費用に比べ低いとみられる。")
        ),
        sources=tuple(r.sources("audit.cell_capex_implied_vs_published", i)),
    )


def _minerals_fit(r: Results, i: int) -> Finding:
    need = r.value("finance.capital_need_minerals", i)
    per_gwh = r.value("audit.upstream_capex_per_gwh", i)
    fits = r.value("audit.minerals_need_fits_gwh", i)
    domestic = r.scenarios[i].value("audit.stated_domestic_capacity_gwh")
    world = r.scenarios[i].value("audit.stated_global_capacity_gwh")
    sources = tuple(r.sources("audit.minerals_need_fits_gwh", i))
    if not math.isfinite(per_gwh) or not math.isfinite(fits):
        # no domestic production in 2030, or no upstream capex per GWh of it
        return Finding(
            id="minerals-need-fits",
            clause="P1",
            status="info",
            text_en=(
                f"The {_tn(need)} for critical minerals cannot be set against the production it "
                "would supply: the scenario has no domestic production in 2030, or no upstream "
                "capex per GWh of it (material intensities of 0)."
            ),
            text_ja=(
                f"重要鉱物向けの{_cho(need)}が賄う生産量は求められない：このシナリオには2030年の"
                "国内生産がないか、GWhあたりの上流投資額が0（材料原単位が0）。"
            ),
            sources=sources,
        )
    # stated figures are at least 1 GWh (their declared minimum): both logarithms are defined
    between_en = f" (on a log scale between {_gwh(domestic)} and {_gwh(world)})"
    between_ja = f"{_gwh(domestic)}と{_gwh(world)}の間で"
    if fits <= 0:  # no minerals need: nothing to place on the log scale
        closer_en = f"below both the {_gwh(domestic)} domestic base and the {_gwh(world)} target"
        closer_ja = f"国内基盤{_gwh(domestic)}と世界目標{_gwh(world)}のいずれも下回る"
    elif abs(math.log(fits / domestic)) <= abs(math.log(fits / world)):
        closer_en = f"closer to the {_gwh(domestic)} domestic base{between_en}"
        closer_ja = f"{between_ja}国内基盤に近い（対数尺度）"
    else:
        closer_en = f"closer to the {_gwh(world)} global target{between_en}"
        closer_ja = f"{between_ja}世界目標に近い（対数尺度）"
    return Finding(
        id="minerals-need-fits",
        clause="P1",
        status="info",
        text_en=(
            f"At a bottom-up upstream capex of {_bn_per_gwh(per_gwh)} of annual production "
            f"(mining and refining for the scenario's chemistry mix), the {_tn(need)} for "
            f"critical minerals would supply about {_gwh(fits)} a year: {closer_en}."
        ),
        text_ja=(
            f"年間生産{_oku_per_gwh(per_gwh)}の上流投資（当該シナリオの電池化学構成に応じた"
            f"採掘・精製）とすると、重要鉱物向けの{_cho(need)}は年約{_gwh(fits)}分を賄う："
            f"{closer_ja}。"
        ),
        sources=sources,
    )


CHECKS: tuple[Check, ...] = (
    _share_times_market,
    _domestic_quarter,
    _growth,
    _utilisation,
    _pipeline_gap,
    _stages_add_up,
    _fund_covers,
    _cell_capex,
    _minerals_fit,
)


def findings(results: Results, i: int = 0) -> list[Finding]:
    """The audit findings for scenario ``i`` of ``results`` (needs the scenarios)."""
    return [check(results, i) for check in CHECKS]
