"""Finance: capital need, the fund and its drawdown, plant economics and equal footing (P0-P2, P9).

- **Capital need** by stage scales the proposal's estimate with the domestic target ``T``
  (from the market step): ``need_s = ref_s * T / ref_gwh``; at 150 GWh this is exactly
  2.2 + 1.5 + 2.1 = 5.8 trillion yen. Fund size = sum of appropriations; coverage =
  ``min(1, fund / need_total)``.
- **Subsidies** follow the rules of :mod:`chikuden.model.finance.subsidy` for every project of the
  pipeline, paid over the construction years; the still-missing capacity in 2030 adds
  ``gap_gwh * need per GWh * base rate``, paid in the construction years before 2030. Rows of
  the plants table marked ``imputed`` (residuals that close a published total, their actual
  subsidy unknown) count in the fund balance, which is also given without their demand.
- **Plant economics** of a representative gigafactory
  (:mod:`chikuden.model.finance.plant_economics`) without support and with Japanese (capex
  grant from the rules), US (IRC 45X production credit for what the plant makes, at the US
  plant's own capex and tax rate), EU (IPCEI grant share of capex) and Chinese support
  (preferential income tax, below-market land and loans, grants pro rata to revenue, the VAT
  super-deduction; :func:`china_support`). Each kind of support is counted as the after-tax
  cash its jurisdiction's rules give (:func:`chikuden.model.finance.plant_economics.capex_grant`):
  a compressed grant (圧縮記帳) is untaxed when received but reduces the depreciable base.
- **Cash flows** of every case are series over the plant's whole life, from the start of
  construction to its last production year, on the calendar years of
  :data:`chikuden.horizon.PLANT_YEARS` (NaN outside the life): the NPV (discounted to the start
  of construction, the first year of the series), the IRR and the payback are those of the
  exported series.
- **Support per kWh** of annual capacity = PV of the support's after-tax cash over
  construction and the first ``SUPPORT_YEARS`` (10) production years / capacity [JPY per kWh].
- **Equal footing**: a capex grant ``s`` brings ``s * g(tau)`` with ``g`` the after-tax cash
  of a grant of the whole capex, so ``NPV_JP(s, r) = NPV_0(r) + s * PV_g(r)``; the rate that
  gives the Japanese plant the US plant's IRR is ``s* = -NPV_0(r_US) / PV_g(r_US)``.

Currency conversion happens in :func:`in_yen` only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import PLANT_YEARS, YEARS, year_index
from chikuden.model import capacity, dataflow
from chikuden.model.finance import plant_economics as pe
from chikuden.model.finance import subsidy
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params, TableArrays, sum_rows

TARGET_YEAR = 2030
STAGES = ("minerals", "materials", "cells")
CASES = ("without_support", "with_support", "us", "eu", "china")
# The series of each case's cash flows, in CASES order (finance.plant_cash_flow_<name>)
CASH_FLOW_SERIES = ("without_support", "japan", "us", "eu", "china")
# Support per kWh counts construction and the first 10 production years (the definition
# of the equal-footing comparison, P0).
SUPPORT_YEARS = 10
# The rules table: flags (FLAGS order) and R&D share of each kind of project it lists.
RULE_CASES = {
    "base": ((0, 0, 0, 0), 0.0),
    "mother_factory": ((1, 0, 0, 0), 0.0),
    "tech_dev": ((0, 1, 0, 0), 0.0),
    "clean_park": ((0, 0, 1, 0), 0.0),
    "performance": ((0, 0, 0, 1), 0.0),
    "all_preferences": ((1, 1, 1, 1), 0.0),
    "rd": ((0, 0, 0, 0), 1.0),
}
_CASE_FLAGS = np.array([flags for flags, _ in RULE_CASES.values()], dtype=float).T[:, None, :]
_CASE_RD_SHARE = np.array([rd for _, rd in RULE_CASES.values()])
# Scenarios per pass of the plant economics: a chunk's (plant years, cases, chunk) cash flows and
# the IRR iteration stay in cache, and each result is written once into its batch-sized array.
PLANT_CHUNK = 2048
# Scenarios per pass of the fund's drawdown (its (chunk, rows) and (chunk, years) arrays).
FUND_CHUNK = 4096


def in_yen(
    p: Params,
    material_cost_usd_per_kwh: NDArray[np.float64],
    reference_cost_usd_per_kwh: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """Every input given in a foreign currency, converted at the explicit exchange rates.

    The one place where the finance domain's dollars become yen (at ``finance.jpy_per_usd``,
    which every domain reads). ``material_cost_usd_per_kwh`` is the minerals domain's material
    cost of cells made in Japan by year [USD/kWh], ``(k, years)``, and
    ``reference_cost_usd_per_kwh`` that of the global mix, the cells behind the average price.
    The plants' capex is converted by :func:`plant_capex_jpy`.
    """
    usd = p["finance.jpy_per_usd"]
    # 45X for what the plant makes: cells, and modules only if it assembles them
    credit_usd = (
        p["finance.us_45x_cell_usd_per_kwh"]
        + p["finance.us_45x_module_usd_per_kwh"] * p["finance.plant_makes_modules_flag"]
    )
    price, material = prices_in_yen(p, material_cost_usd_per_kwh, reference_cost_usd_per_kwh)
    return {
        "cell_price_jpy_per_kwh": price,
        "material_cost_jpy_per_kwh": material,
        "us_credit_jpy_per_kwh": (credit_usd * usd)[:, None] * p["finance.us_45x_phase_share"],
        "us_plant_capex_jpy_per_gwh": p["finance.us_plant_capex_usd_per_gwh"] * usd,
    }


def prices_in_yen(
    p: Params, material_usd: NDArray[np.float64], reference_usd: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Price and material cost of the cells made in Japan [JPY/kWh], each ``(k, years)``: the
    :func:`cell_price` and the minerals domain's material cost at ``finance.jpy_per_usd``."""
    usd = p["finance.jpy_per_usd"][:, None]
    price = cell_price(p["finance.cell_price_usd_per_kwh"], material_usd, reference_usd)
    return price * usd, material_usd * usd


def plant_capex_jpy(p: Params) -> NDArray[np.float64]:
    """Each row of the plants table's capex, ``capex_jpy + capex_usd * JPY/USD`` [JPY],
    ``(k, rows)``: with :func:`in_yen`, where the finance domain's dollars become yen."""
    plants = p.table("capacity.plants")
    return plants["capex_jpy"] + plants["capex_usd"] * p["finance.jpy_per_usd"][:, None]


def cell_price(
    average_usd_per_kwh: NDArray[np.float64],
    material_usd_per_kwh: NDArray[np.float64],
    reference_usd_per_kwh: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Price of the cells made in Japan [USD/kWh], ``(k, years)``: the average price plus the
    difference between their material cost and that of the mix behind the average.

    average_usd_per_kwh : average cell price (BNEF's survey) [USD/kWh]
    material_usd_per_kwh : material cost of the cells made in Japan [USD/kWh]
    reference_usd_per_kwh : material cost of the global mix [USD/kWh]

    Cell prices follow material costs (BNEF 2023: "battery prices closely followed raw
    material prices"), so a nickel-rich cell sells for more than the average by what its
    materials cost more; a test checks the NMC-over-LFP premium this gives against IEA's.
    """
    return np.asarray(average_usd_per_kwh + (material_usd_per_kwh - reference_usd_per_kwh))


# -- capital need --------------------------------------------------------------------------------
def capital_need(
    ref_jpy: NDArray[np.float64], target_gwh: NDArray[np.float64], ref_gwh: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Funding need of a stage at the domestic target [JPY]: ``ref * target / ref_gwh``."""
    return ref_jpy * target_gwh / ref_gwh


def median_capex_per_gwh(plants: TableArrays, capex: NDArray[np.float64]) -> NDArray[np.float64]:
    """Median capex per GWh over the cell plants with capex and capacity [JPY per GWh], ``(k,)``.

    capex : each row's capex in yen [JPY], ``(k, rows)`` (:func:`in_yen`)
    NaN when no row qualifies. Rows are sorted once (NaN last), no warnings.
    """
    gwh = plants["gwh"]
    ok = plants.is_("stage", "cells") & (capex > 0) & (gwh > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.sort(np.where(ok, capex / gwh, np.nan), axis=1)
    count = ok.sum(axis=1)
    if ratio.shape[1] == 0:
        return np.full(count.shape, np.nan)
    rows = np.arange(ratio.shape[0])
    lo = ratio[rows, np.maximum((count - 1) // 2, 0)]
    hi = ratio[rows, np.maximum(count // 2, 0)]
    return np.where(count > 0, 0.5 * (lo + hi), np.nan)


@dataflow.step(
    params=(
        "finance.capital_need_*",
        "finance.jpy_per_usd",
        "capacity.plants",
    ),
    reads=("targets.domestic_capacity_2030",),
    writes=("finance.capital_need_*", "finance.capex_per_gwh_*"),
)
def capital(p: Params, out: Outputs) -> None:
    """The capital the domestic target needs, by stage, and the capex per GWh it implies."""
    target = out.indicators["targets.domestic_capacity_2030"]
    ref_gwh = p["finance.capital_need_ref_gwh"]
    need = {
        s: capital_need(p[f"finance.capital_need_{s}_ref_jpy"], target, ref_gwh) for s in STAGES
    }
    total = need["minerals"] + need["materials"] + need["cells"]
    i30 = year_index(TARGET_YEAR)
    for s in STAGES:
        out.indicator(f"finance.capital_need_{s}", need[s])
        only_2030 = np.full((need[s].shape[0], YEARS.size), np.nan)
        only_2030[:, i30] = need[s]
        out.serie(f"finance.capital_need_{s}_jpy", only_2030)
    out.indicator("finance.capital_need_total", total)
    refs = sum(p[f"finance.capital_need_{s}_ref_jpy"] for s in STAGES)
    out.indicator("finance.capital_need_per_gwh", refs / ref_gwh)
    out.indicator(
        "finance.capex_per_gwh_implied_cells", p["finance.capital_need_cells_ref_jpy"] / ref_gwh
    )
    out.indicator(
        "finance.capex_per_gwh_published_median",
        median_capex_per_gwh(p.table("capacity.plants"), plant_capex_jpy(p)),
    )


# -- the fund ------------------------------------------------------------------------------------
def rules(p: Params) -> subsidy.Rules:
    """The subsidy rules of the batch (P1, P2, P9)."""
    return subsidy.Rules(
        base=p["finance.subsidy_base_rate_share"],
        uplifts=(
            p["finance.subsidy_mother_factory_uplift_share"],
            p["finance.subsidy_tech_dev_uplift_share"],
            p["finance.subsidy_clean_park_uplift_share"],
            p["finance.subsidy_performance_topup_share"],
        ),
        cap=p["finance.subsidy_max_rate_share"],
        rd_rate=p["finance.subsidy_rd_rate_share"],
    )


@dataflow.step(
    params=(
        "finance.budget_jpy",
        "finance.subsidy_*",
        "finance.construction_years",
        "finance.jpy_per_usd",
        "capacity.plants",
        "capacity.pipeline_date",
        "capacity.delay_years",
        "capacity.realisation_share",
        "capacity.announced_realisation_share",
    ),
    reads=(
        "capacity.domestic_gap_2030",
        "finance.capital_need_per_gwh",
        "finance.capital_need_total",
    ),
    writes=(
        "finance.budget_*",
        "finance.drawdown_*",
        "finance.fund_*",
        "finance.project_*",
        "finance.subsidy_*",
    ),
)
def fund(p: Params, out: Outputs) -> None:
    """The fund: size, coverage, the subsidy rules and every project's subsidy by year."""
    plants = p.table("capacity.plants")
    rule = rules(p)
    # every kind of project at once, one column each: (k, cases)
    case_rates = subsidy.subsidy_rate(
        rule.base[:, None],
        [u[:, None] for u in rule.uplifts],
        list(_CASE_FLAGS),
        rule.cap[:, None],
        rule.rd_rate[:, None],
        _CASE_RD_SHARE,
    )
    for c, case in enumerate(RULE_CASES):
        out.indicator(f"finance.subsidy_rate_{case}", case_rates[:, c])
    budget = p["finance.budget_jpy"]
    budget_cum = np.cumsum(budget, axis=1)
    fund_size = budget_cum[:, -1]
    need_total = out.indicators["finance.capital_need_total"]
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(need_total > 0, np.minimum(1.0, fund_size / need_total), 1.0)
    out.serie("finance.budget_jpy", budget)
    out.serie("finance.budget_cumulative_jpy", budget_cum)
    out.indicator("finance.fund_size", fund_size)
    out.indicator("finance.fund_coverage", coverage)
    # certified subsidies of the plants in the scenario's pipeline (capacity.pipeline_date)
    in_pipeline = capacity.in_pipeline(plants, p["capacity.pipeline_date"])
    out.indicator(
        "finance.subsidy_certified_total",
        sum_rows(np.where(subsidy.eligible(plants) & in_pipeline, plants["subsidy_jpy"], 0.0)),
    )

    inputs = {
        "capex": plant_capex_jpy(p),
        "base": rule.base,
        **{f"uplift_{i}": u for i, u in enumerate(rule.uplifts)},
        "cap": rule.cap,
        "rd_rate": rule.rd_rate,
        "delay": p["capacity.delay_years"],
        "share": capacity.scenario_share(p, plants),
        "construction": p["finance.construction_years"],
        "gap_gwh": out.indicators["capacity.domestic_gap_2030"],
        "need_per_gwh": out.indicators["finance.capital_need_per_gwh"],
        "budget_cum": budget_cum,
        "fund_size": fund_size,
    }
    n = max(plants.valid.shape[0], *(v.shape[0] for v in inputs.values()))

    def part(lo: int, hi: int) -> dict[str, NDArray[np.float64]]:
        return _fund_chunk(
            {k: _rows(v, lo, hi) for k, v in inputs.items()}, _table_rows(plants, lo, hi)
        )

    for key, value in _in_chunks(n, FUND_CHUNK, part).items():
        if key.startswith("finance.project_"):
            out.rows[key] = value
        elif value.ndim == 1:
            out.indicator(key, value)
        else:
            out.serie(key, value)


def _fund_chunk(
    inp: dict[str, NDArray[np.float64]], plants: TableArrays
) -> dict[str, NDArray[np.float64]]:
    """Project subsidies and the fund's drawdown for a chunk of scenarios."""
    rule = subsidy.Rules(
        base=inp["base"],
        uplifts=tuple(inp[f"uplift_{i}"] for i in range(len(subsidy.FLAGS))),
        cap=inp["cap"],
        rd_rate=inp["rd_rate"],
    )
    rate = rule.row_rates(plants)
    qualifies = subsidy.eligible(plants)
    amount = np.where(qualifies, inp["capex"] * rate, 0.0)
    construction = inp["construction"]
    expected, pipeline_cum = subsidy.expected_drawdown(
        plants, amount, inp["delay"], inp["share"], construction
    )
    gap_amount = inp["gap_gwh"] * inp["need_per_gwh"] * rule.base
    gap_cum = gap_amount[:, None] * subsidy.paid_share(float(TARGET_YEAR), construction)
    total_cum = pipeline_cum + gap_cum
    demand_pipeline = sum_rows(expected)
    demand = demand_pipeline + gap_amount
    demand_imputed = sum_rows(np.where(plants["imputed"] > 0, expected, 0.0))
    fund_size = inp["fund_size"]
    return {
        "finance.project_subsidy_jpy": amount,
        "finance.project_subsidy_rate": np.where(qualifies, rate, 0.0),
        "finance.drawdown_pipeline_jpy": _yearly(pipeline_cum),
        "finance.drawdown_gap_jpy": _yearly(gap_cum),
        "finance.drawdown_total_jpy": _yearly(total_cum),
        "finance.drawdown_cumulative_jpy": total_cum,
        "finance.subsidy_demand_pipeline": demand_pipeline,
        "finance.subsidy_demand_gap": gap_amount,
        "finance.subsidy_demand_total": demand,
        "finance.subsidy_demand_imputed": demand_imputed,
        "finance.fund_balance": fund_size - demand,
        "finance.fund_balance_without_imputed": fund_size - (demand - demand_imputed),
        "finance.subsidy_shortfall": np.maximum(demand - fund_size, 0.0),
        "finance.fund_exhausted_year": subsidy.first_year_above(total_cum, inp["budget_cum"]),
    }


# -- a batch a chunk of scenarios at a time ------------------------------------------------------
def _rows(values: NDArray[np.float64], lo: int, hi: int) -> NDArray[np.float64]:
    """Scenarios ``lo:hi`` of a batch array; an array shared by the batch (one row) as is."""
    return values if values.shape[0] == 1 else values[lo:hi]


def _table_rows(table: TableArrays, lo: int, hi: int) -> TableArrays:
    """Scenarios ``lo:hi`` of a table parameter; a table shared by the batch as is."""
    if table.valid.shape[0] == 1:
        return table
    return TableArrays(
        columns={k: v[lo:hi] for k, v in table.columns.items()},
        valid=table.valid[lo:hi],
        codes={k: v[lo:hi] for k, v in (table.codes or {}).items()},
        allowed=table.allowed,
    )


def _in_chunks(
    n: int, size: int, part: Callable[[int, int], dict[str, NDArray[np.float64]]]
) -> dict[str, NDArray[np.float64]]:
    """``part(lo, hi)`` (arrays with scenarios ``lo:hi`` first) for a batch of ``n``, ``size``
    scenarios at a time, each result written once into its batch-sized array; a batch of one
    chunk keeps ``part``'s arrays (an array shared by the batch keeps its single row)."""
    if n <= size:
        return part(0, n)
    results: dict[str, NDArray[np.float64]] = {}
    for lo in range(0, n, size):
        hi = min(lo + size, n)
        for key, value in part(lo, hi).items():
            if key not in results:
                results[key] = np.empty((n, *value.shape[1:]))
            results[key][lo:hi] = value
    return results


def _yearly(cumulative: NDArray[np.float64]) -> NDArray[np.float64]:
    """Amounts per year from cumulative amounts ``(k, years)``; the first year keeps all
    earlier payments."""
    out = np.empty(cumulative.shape)
    out[:, 0] = cumulative[:, 0]
    np.subtract(cumulative[:, 1:], cumulative[:, :-1], out=out[:, 1:])
    return out


# -- plant economics and equal footing -----------------------------------------------------------
def cash_margin(
    price_jpy_per_kwh: NDArray[np.float64],
    material_jpy_per_kwh: NDArray[np.float64],
    conversion_share: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Cash margin of a kWh of cells by year [JPY/kWh]: price - materials - conversion.

    price_jpy_per_kwh : cell price, ``(k, years)``
    material_jpy_per_kwh : material cost from the minerals domain, ``(k, years)``
    conversion_share : other variable cost as a share of the price [share], ``(k, years)``
    """
    return price_jpy_per_kwh * (1.0 - conversion_share) - material_jpy_per_kwh


@dataflow.step(
    params=(
        "finance.plant_*",
        "finance.cell_*",
        "finance.subsidy_*",
        "finance.construction_years",
        "finance.tax_rate_share",
        "finance.discount_rate_share",
        "finance.jpy_per_usd",
        "finance.jp_*",
        "finance.us_*",
        "finance.eu_*",
        "finance.china_*",
        "capacity.ramp_years",
        "capacity.utilisation_share",
    ),
    reads=("minerals.material_cost_reference_usd_per_kwh", "minerals.material_cost_usd_per_kwh"),
    writes=("finance.plant_*", "finance.support_*", "finance.equal_footing_*"),
)
def plant(p: Params, out: Outputs) -> None:
    """Economics of a representative gigafactory with and without each country's support."""
    yen = in_yen(
        p,
        out.series["minerals.material_cost_usd_per_kwh"],
        out.series["minerals.material_cost_reference_usd_per_kwh"],
    )
    price = yen["cell_price_jpy_per_kwh"]
    materials = yen["material_cost_jpy_per_kwh"]
    jp_rate = rules(p).rate(
        [
            p["finance.plant_mother_factory_flag"],
            p["finance.plant_tech_dev_flag"],
            p["finance.plant_clean_park_flag"],
            p["finance.plant_performance_certified_flag"],
        ],
        np.zeros(1),  # the representative plant is a production plant: no R&D share
    )
    inputs = {
        "capacity_gwh": p["finance.plant_gwh"],
        "capex_jpy_per_gwh": p["finance.plant_capex_jpy_per_gwh"],
        "us_capex_jpy_per_gwh": yen["us_plant_capex_jpy_per_gwh"],
        "start_year": p["finance.plant_start_year"],
        "construction_years": p["finance.construction_years"],
        "life_years": p["finance.plant_life_years"],
        "depreciation_years": p["finance.plant_depreciation_years"],
        "ramp_years": p["capacity.ramp_years"],
        "utilisation": p["capacity.utilisation_share"],
        "margin_jpy_per_kwh": cash_margin(
            price, materials, p["finance.cell_conversion_cost_share"]
        ),
        "fixed_opex_share": p["finance.plant_fixed_opex_share"],
        "tax_rate": p["finance.tax_rate_share"],
        "us_tax_rate": p["finance.us_tax_rate_share"],
        "us_credit": yen["us_credit_jpy_per_kwh"],
        "jp_rate": jp_rate,
        "jp_reduces_base": p["finance.jp_grant_reduces_base_flag"],
        "eu_rate": p["finance.eu_grant_share_of_capex"],
        "eu_reduces_base": p["finance.eu_grant_reduces_base_flag"],
        "cn_tax_rate": p["finance.china_tax_rate_share"],
        "cn_preferential_rate": p["finance.china_preferential_tax_rate_share"],
        # grants pro rata to revenue and the VAT super-deduction, per kWh sold [JPY/kWh]
        "cn_credit": price * p["finance.china_grant_share_of_revenue"][:, None]
        + materials * p["finance.china_vat_credit_share_of_materials"],
        "cn_land": p["finance.china_land_discount_share_of_capex"],
        "cn_reduces_base": p["finance.china_grant_reduces_base_flag"],
        "cn_loan_share": p["finance.china_loan_share_of_capex"],
        "cn_loan_gap": p["finance.china_loan_rate_gap_share"],
        "cn_loan_years": p["finance.china_loan_years"],
        "discount_rate": p["finance.discount_rate_share"],
    }
    # one plant axis for the whole batch; a chunk of scenarios at a time on it
    tau = pe.plant_axis(inputs["construction_years"], inputs["life_years"])
    n = max(v.shape[0] for v in inputs.values())

    def part(lo: int, hi: int) -> dict[str, NDArray[np.float64]]:
        return _plant_chunk({k: _rows(v, lo, hi) for k, v in inputs.items()}, tau)

    for key, value in _in_chunks(n, PLANT_CHUNK, part).items():
        if value.ndim == 1:
            out.indicator(key, value)
        else:
            out.serie(key, value)

    s_star = out.indicators["finance.equal_footing_subsidy_rate_unclipped"]
    out.indicator("finance.plant_subsidy_rate_japan", jp_rate)
    out.indicator(
        "finance.plant_capex", p["finance.plant_gwh"] * p["finance.plant_capex_jpy_per_gwh"]
    )
    out.indicator("finance.equal_footing_subsidy_rate", np.clip(s_star, 0.0, 1.0))
    out.indicator(
        "finance.equal_footing_reachable",
        np.where(np.isfinite(s_star), np.abs(s_star - 0.5) <= 0.5 + 1e-9, np.nan),
    )


def china_support(plant: pe.Plant, inp: dict[str, NDArray[np.float64]]) -> NDArray[np.float64]:
    """After-tax cash China's support brings a plant built like ``plant`` [JPY], ``(T, k)``.

    Against the same plant at the statutory rate ``t`` without support, at the preferential
    rate ``t'`` (high and new technology enterprise) it gains ``(t - t') * taxable``, plus
    below-market land as a capex grant of share ``land`` (:func:`pe.capex_grant` at ``t'``),
    grants pro rata to revenue and the VAT super-deduction ``(1 - t') * credit * q``, and the
    interest saved on policy loans ``(1 - t') * gap * loan share * capex`` in each of the first
    ``min(loan years, life)`` production years (part years pro rata).
    """
    t, t_pref = inp["cn_tax_rate"], inp["cn_preferential_rate"]
    (credit,) = plant.credits
    capex_total = inp["capacity_gwh"] * inp["capex_jpy_per_gwh"]
    loan_end = np.minimum(inp["cn_loan_years"], inp["life_years"])
    loan_years = np.minimum(np.maximum(loan_end - plant.tau, 0.0), 1.0) * (plant.tau >= 0)
    interest = inp["cn_loan_gap"] * inp["cn_loan_share"] * capex_total * loan_years
    support: NDArray[np.float64] = (
        (t - t_pref) * plant.taxable
        + inp["cn_land"] * pe.capex_grant(plant, t_pref, inp["cn_reduces_base"])
        + (1.0 - t_pref) * (credit + interest)
    )
    return support


def _plant_chunk(
    inp: dict[str, NDArray[np.float64]], tau: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """Plant economics outputs of a chunk of scenarios, ``(c,)`` or ``(c, years)`` each.

    The Japanese plant (the EU and Chinese cases build the same plant) and the US plant, each
    with its own capex and tax rate; every case's cash flow is its country's plant plus the
    after-tax cash of that country's support.
    """
    common = {
        k: inp[k]
        for k in (
            "capacity_gwh",
            "start_year",
            "construction_years",
            "life_years",
            "depreciation_years",
            "ramp_years",
            "utilisation",
            "margin_jpy_per_kwh",
            "fixed_opex_share",
        )
    }
    plant = pe.plant_cash_flows(
        **common,
        capex_jpy_per_gwh=inp["capex_jpy_per_gwh"],
        tax_rate=inp["tax_rate"],
        credits_jpy_per_kwh=(inp["cn_credit"],),
        tau=tau,
    )
    us_plant = pe.plant_cash_flows(
        **common,
        capex_jpy_per_gwh=inp["us_capex_jpy_per_gwh"],
        tax_rate=inp["us_tax_rate"],
        credits_jpy_per_kwh=(inp["us_credit"],),
        tau=tau,
    )
    (us_credit,) = us_plant.credits  # 45X: untaxed
    # a Japanese or EU grant: the share times the after-tax cash of a grant of the whole capex
    japan = inp["jp_rate"] * pe.capex_grant(plant, inp["tax_rate"], inp["jp_reduces_base"])
    eu = inp["eu_rate"] * pe.capex_grant(plant, inp["tax_rate"], inp["eu_reduces_base"])
    china = china_support(plant, inp)
    china_base = plant.cash_flow + (inp["tax_rate"] - inp["cn_tax_rate"]) * plant.taxable
    # each case in CASES order: its country's plant and the after-tax cash of its support
    cases = (
        (plant.cash_flow, None),
        (plant.cash_flow, japan),
        (us_plant.cash_flow, us_credit),
        (plant.cash_flow, eu),
        (china_base, china),
    )
    n_t = plant.tau.shape[0]
    k = max(a.shape[1] for pair in cases for a in pair if a is not None)
    flows = np.empty((n_t, len(CASES), k))
    for c, (base, extra) in enumerate(cases):
        if extra is None:
            flows[:, c] = base
        else:
            np.add(base, extra, out=flows[:, c])

    res: dict[str, NDArray[np.float64]] = {}
    factors = pe.discount_factors(inp["discount_rate"], plant)
    npv = pe.present_value(flows, factors)  # (cases, k)
    rates = pe.irr(flows.reshape(n_t, -1)).reshape(len(CASES), k)
    payback = pe.payback_years(flows, plant.tau, -plant.construction_years)
    for c, case in enumerate(CASES):
        res[f"finance.plant_npv_{case}"] = npv[c]
        res[f"finance.plant_irr_{case}"] = rates[c]
        res[f"finance.plant_payback_{case}"] = payback[c]

    window = factors * (plant.tau < SUPPORT_YEARS)
    per_kwh = 1.0 / plant.capacity_kwh
    support = {"japan": japan, "us": us_credit, "eu": eu, "china": china}
    yearly = pe.on_calendar(list(support.values()), plant, inp["start_year"])
    for (country, flow), by_year in zip(support.items(), yearly, strict=True):
        res[f"finance.support_per_kwh_{country}"] = pe.present_value(flow, window) * per_kwh
        res[f"finance.support_yearly_{country}"] = by_year * per_kwh[:, None]
    # each case's cash flows over the plant's whole life, by calendar year (NaN outside it): the
    # flows the NPV, IRR and payback above are computed from
    cash = pe.on_calendar(
        list(flows.transpose(1, 0, 2)),
        plant,
        inp["start_year"],
        PLANT_YEARS,
        outside=np.nan,
        mask=pe.in_life(plant, inp["life_years"]),
    )
    for name, by_year in zip(CASH_FLOW_SERIES, cash, strict=True):
        res[f"finance.plant_cash_flow_{name}"] = by_year

    # equal footing: NPV_0(r_US) + s PV_grant(r_US) = 0, the grant after its tax effect
    at_us = pe.discount_factors(rates[2], plant)
    npv_0 = pe.present_value(plant.cash_flow, at_us)
    pv_grant = pe.present_value(
        pe.capex_grant(plant, inp["tax_rate"], inp["jp_reduces_base"]), at_us
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        s_star = np.where(pv_grant > 0, -npv_0 / pv_grant, np.nan)
    res["finance.equal_footing_subsidy_rate_unclipped"] = s_star
    # corporate tax over the plant's life, undiscounted, per GWh of capacity: summed in year
    # order (the batch's longer plant axis only adds exact zeros)
    res["finance.plant_tax_per_gwh"] = (
        inp["tax_rate"] * np.cumsum(plant.taxable, axis=0)[-1] / inp["capacity_gwh"]
    )
    return res
