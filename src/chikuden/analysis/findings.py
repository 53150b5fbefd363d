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

from chikuden.formatting import MYRIAD_LANGS
from chikuden.i18n import pick, translator

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
        return pick(lang, self.text_en, self.text_ja)


def _finding(
    id: str, clause: str, status: str, say: Callable[[str], str], sources: tuple[str, ...]
) -> Finding:
    """A finding whose statement ``say(lang)`` writes in each language (message catalog)."""
    return Finding(id, clause, status, say("en"), say("ja"), sources)


def _gwh(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:,.0f} GWh"


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.1f}%"


def _close(a: float, b: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= TOLERANCE * max(abs(b), 1e-12)


Check = Callable[["Results", int], Finding]


def _verdict(ok: bool, lang: str, *, differs: bool = True) -> str:
    """``holds`` or ``differs in this scenario`` (``does not hold ...`` when not ``differs``)."""
    _ = translator(lang).gettext
    if ok:
        return _("holds")
    return _("differs in this scenario") if differs else _("does not hold in this scenario")


def _share_times_market(r: Results, i: int) -> Finding:
    share = r.value("targets.japan_share_2030", i)
    market = r.value("market.global_demand_2030", i)
    product = r.value("audit.share_times_market_gwh", i)
    stated = r.scenarios[i].value("audit.stated_global_capacity_gwh")
    ok = _close(product, stated)

    def say(lang: str) -> str:
        _ = translator(lang).gettext
        return _(
            "Share x market: {share} of {market} = {product}; the proposal states {stated} "
            "- {verdict}."
        ).format(
            share=_pct(share),
            market=_gwh(market),
            product=_gwh(product),
            stated=_gwh(stated),
            verdict=_verdict(ok, lang, differs=False),
        )

    return _finding(
        id="share-times-market",
        clause="P1",
        status="ok" if ok else "warn",
        say=say,
        sources=tuple(r.sources("audit.share_times_market_gwh", i)),
    )


def _domestic_quarter(r: Results, i: int) -> Finding:
    dom = r.value("targets.domestic_capacity_2030", i)
    stated = r.scenarios[i].value("audit.stated_domestic_capacity_gwh")
    ok = _close(dom, stated)

    def say(lang: str) -> str:
        _ = translator(lang).gettext
        return _(
            "The domestic base the targets imply is {domestic} against the stated {stated} "
            "- {verdict}."
        ).format(domestic=_gwh(dom), stated=_gwh(stated), verdict=_verdict(ok, lang))

    return _finding(
        id="domestic-target",
        clause="P1",
        status="ok" if ok else "warn",
        say=say,
        sources=tuple(r.sources("targets.domestic_capacity_2030", i)),
    )


def _growth(r: Results, i: int) -> Finding:
    growth = r.value("market.growth_2030_vs_2021", i)
    stated = r.scenarios[i].value("audit.stated_growth_ratio")
    ok = math.isfinite(growth) and abs(growth / stated - 1) <= 0.2

    def say(lang: str) -> str:
        _ = translator(lang).gettext
        return _(
            "World demand grows {growth}x from 2021 to 2030; the proposal says about {stated}x. "
            "IEA counts ~330 GWh for vehicles alone in 2021, so 3,000 GWh is about 9x that."
        ).format(growth=f"{growth:.1f}", stated=f"{stated:.0f}")

    return _finding(
        id="market-growth",
        clause="P1",
        status="ok" if ok else "info",
        say=say,
        sources=(*r.sources("market.growth_2030_vs_2021", i), "iea-gevo-2023"),
    )


def _utilisation(r: Results, i: int) -> Finding:
    util = r.scenarios[i].value("targets.capacity_utilisation_share")
    plant_util = r.scenarios[i].value("capacity.utilisation_share")
    product = r.value("audit.share_times_market_gwh", i)
    share = r.value("targets.japan_share_2030", i)

    def say(lang: str) -> str:
        _ = translator(lang).gettext
        return _(
            "The proposal equates a {share} share of production with capacity (utilisation "
            "{utilisation} in this scenario). Plants running at {plant_utilisation} would need "
            "{capacity} of capacity to produce that share; worldwide, capacity was more than "
            "2.5x demand in 2024."
        ).format(
            share=_pct(share),
            utilisation=_pct(util),
            plant_utilisation=_pct(plant_util),
            capacity=_gwh(product / plant_util),
        )

    return _finding(
        id="capacity-vs-production",
        clause="P1",
        status="info",
        say=say,
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

    def say(lang: str) -> str:
        _ = translator(lang).gettext
        if ok:
            outcome = _("the target is reached.")
        else:
            outcome = _("{gap} are still missing.").format(gap=_gwh(gap))
        return _(
            "The plants existing, certified or announced by {y}-{m:02d}-{d:02d} (the "
            "scenario's pipeline date) give {capacity} in Japan in 2030 against {target}: "
            "{outcome}"
        ).format(y=y, m=m, d=d, capacity=_gwh(cap), target=_gwh(target), outcome=outcome)

    return _finding(
        id="pipeline-reaches-target",
        clause="P1",
        status="ok" if ok else "warn",
        say=say,
        sources=tuple(r.sources("capacity.domestic_gap_2030", i)),
    )


def _trillion_yen(x: float, lang: str) -> str:
    """``5.80 trillion yen`` / ``5.80兆円``."""
    if not math.isfinite(x):
        return "n/a"
    return translator(lang).gettext("{n} trillion yen").format(n=f"{x / 1e12:.2f}")


def _per_gwh(x: float, lang: str) -> str:
    """Yen per GWh: ``12.3 bn yen per GWh`` / ``GWhあたり123億円`` (億 = 10^8)."""
    if not math.isfinite(x):
        return "n/a"
    _ = translator(lang).gettext
    if lang in MYRIAD_LANGS:
        return _("{n} hundred million yen per GWh").format(n=f"{x / 1e8:,.0f}")
    return _("{n} bn yen per GWh").format(n=f"{x / 1e9:.1f}")


def _stages_add_up(r: Results, i: int) -> Finding:
    parts = [r.value(f"finance.capital_need_{s}", i) for s in ("minerals", "materials", "cells")]
    total = r.value("audit.stages_sum_jpy", i)
    stated = r.scenarios[i].value("audit.stated_capital_need_total_jpy")
    ok = _close(total, stated)
    listed = " + ".join(f"{x / 1e12:.2f}" for x in parts)

    def say(lang: str) -> str:
        _ = translator(lang).gettext
        return _(
            "Minerals + materials + cells = {listed} = {total}; the proposal states {stated} "
            "- {verdict}."
        ).format(
            listed=listed,
            total=_trillion_yen(total, lang),
            stated=_trillion_yen(stated, lang),
            verdict=_verdict(ok, lang),
        )

    return _finding(
        id="stages-add-up",
        clause="P1",
        status="ok" if ok else "warn",
        say=say,
        sources=tuple(r.sources("audit.stages_sum_jpy", i)),
    )


def _fund_covers(r: Results, i: int) -> Finding:
    fund = r.value("finance.fund_size", i)
    need = r.value("finance.capital_need_total", i)
    share = r.value("audit.fund_share_of_need", i)
    demand = r.value("finance.subsidy_demand_total", i)
    balance = r.value("finance.fund_balance", i)
    imputed = r.value("finance.subsidy_demand_imputed", i)
    without = r.value("finance.fund_balance_without_imputed", i)

    def say(lang: str) -> str:
        _ = translator(lang).gettext

        def yen(x: float) -> str:
            return _trillion_yen(x, lang)

        if imputed > 0:  # the balance rests in part on rows that are estimates, not projects
            after = _(
                "The fund balance after that demand is {balance}; {without} without the "
                "{imputed} that imputed plant rows (residuals whose actual subsidy is unknown) "
                "ask for."
            ).format(balance=yen(balance), without=yen(without), imputed=yen(imputed))
        else:
            after = _("The fund balance after that demand is {balance}.").format(
                balance=yen(balance)
            )
        if math.isfinite(share):
            covers = _("covers {share} of the {need} capital need").format(
                share=_pct(share), need=yen(need)
            )
        else:  # a domestic target of 0 GWh (or reference needs of 0) needs no capital
            covers = _("has no capital need to cover: the need at the domestic target is 0")
        # Translators: {covers} is "covers {share} of the {need} capital need" or "has no
        # capital need to cover: ..."
        return _(
            "The fund of {fund} {covers}. The subsidy rules applied to every plant (and to the "
            "capacity still missing) ask for {demand}. {after}"
        ).format(fund=yen(fund), covers=covers, demand=yen(demand), after=after)

    # a shortfall is a warning, never "info": subsidy demand beyond the fund (a negative
    # balance) or a fund smaller than the capital need it is set against
    shortfall = balance < 0 or (math.isfinite(share) and share < 1)
    return _finding(
        id="fund-covers-need",
        clause="P1",
        status="warn" if shortfall else "ok",
        say=say,
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
    sources = tuple(r.sources("audit.cell_capex_implied_vs_published", i))
    if not math.isfinite(ratio):  # no cell plant in the table has both capacity and capex

        def say_unknown(lang: str) -> str:
            return (
                translator(lang)
                .gettext(
                    "The cell-manufacturing need implies {implied}; no cell plant in the plant "
                    "table has both a capacity and a capex, so there is no published cost to "
                    "compare it with."
                )
                .format(implied=_per_gwh(implied, lang))
            )

        return _finding(
            id="cell-capex-per-gwh", clause="P1", status="info", say=say_unknown, sources=sources
        )
    ok = ratio >= 0.8

    def say(lang: str) -> str:
        _ = translator(lang).gettext
        if ok:
            text = _(
                "The cell-manufacturing need implies {implied}; the certified plants in the "
                "bundled data cost a median {published} (the proposal's figure is {ratio} of "
                "that)."
            )
        else:
            text = _(
                "The cell-manufacturing need implies {implied}; the certified plants in the "
                "bundled data cost a median {published} (the proposal's figure is {ratio} of "
                "that): the proposal's cell figure looks low for today's plant costs."
            )
        return text.format(
            implied=_per_gwh(implied, lang), published=_per_gwh(published, lang), ratio=_pct(ratio)
        )

    return _finding(
        id="cell-capex-per-gwh",
        clause="P1",
        status="ok" if ok else "warn",
        say=say,
        sources=sources,
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

        def say_unknown(lang: str) -> str:
            return (
                translator(lang)
                .gettext(
                    "The {need} for critical minerals cannot be set against the production it "
                    "would supply: the scenario has no domestic production in 2030, or no "
                    "upstream capex per GWh of it (material intensities of 0)."
                )
                .format(need=_trillion_yen(need, lang))
            )

        return _finding(
            id="minerals-need-fits", clause="P1", status="info", say=say_unknown, sources=sources
        )

    def say(lang: str) -> str:
        _ = translator(lang).gettext
        bases = {"domestic": _gwh(domestic), "world": _gwh(world)}
        # stated figures are at least 1 GWh (their declared minimum): both logarithms are
        # defined
        if fits <= 0:  # no minerals need: nothing to place on the log scale
            closer = _("below both the {domestic} domestic base and the {world} target")
        elif abs(math.log(fits / domestic)) <= abs(math.log(fits / world)):
            closer = _(
                "closer to the {domestic} domestic base (on a log scale between {domestic} and "
                "{world})"
            )
        else:
            closer = _(
                "closer to the {world} global target (on a log scale between {domestic} and "
                "{world})"
            )
        return _(
            "At a bottom-up upstream capex of {per_gwh} of annual production (mining and "
            "refining for the scenario's chemistry mix), the {need} for critical minerals would "
            "supply about {fits} a year: {closer}."
        ).format(
            per_gwh=_per_gwh(per_gwh, lang),
            need=_trillion_yen(need, lang),
            fits=_gwh(fits),
            closer=closer.format(**bases),
        )

    return _finding(id="minerals-need-fits", clause="P1", status="info", say=say, sources=sources)


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
