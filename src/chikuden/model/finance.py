"""Finance: capital need, the fund and its drawdown, plant economics and equal footing (P0-P2, P9).

- **Capital need** by stage scales the proposal's estimate with the domestic target ``T``
  (from the market step): ``need_s = ref_s * T / ref_gwh``; at 150 GWh this is exactly
  2.2 + 1.5 + 2.1 = 5.8 trillion yen. Fund size = sum of appropriations; coverage =
  ``min(1, fund / need_total)``.
- **Subsidies** follow the rules of :mod:`chikuden.model.subsidy` for every project of the
  pipeline, paid over the construction years; the still-missing capacity in 2030 adds
  ``gap_gwh * need per GWh * base rate``, paid in the construction years before 2030.
- **Plant economics** of a representative gigafactory (:mod:`chikuden.model.plant_economics`)
  without support and with Japanese (capex grant from the rules), US (IRC 45X production
  credit), EU (IPCEI grant share of capex) and Chinese support (share of cell revenue).
- **Support per kWh** of annual capacity = PV of the support over construction and the first
  ``SUPPORT_YEARS`` (10) production years / capacity [JPY per kWh].
- **Equal footing**: with a capex grant ``s`` paid like capex, untaxed and not reducing the
  depreciable base, ``NPV_JP(s, r) = NPV_0(r) + s * PV_capex(r)``; the rate that gives the
  Japanese plant the US plant's IRR is ``s* = -NPV_0(r_US) / PV_capex(r_US)``.
- **Minerals bottom-up**: lithium hydroxide refining and pCAM capex per GWh, to ask which
  capacity the 2.2 trillion yen for minerals would build.

Currency conversion happens in :func:`in_yen` only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chikuden.horizon import YEARS, year_index
from chikuden.model import capacity, subsidy
from chikuden.model import plant_economics as pe
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params, TableArrays, sum_rows

TARGET_YEAR = 2030
STAGES = ("minerals", "materials", "cells")
CASES = ("without_support", "with_support", "us", "eu", "china")
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
KG_PER_T = 1000.0
# Scenarios per pass of the plant economics: a chunk's (plant years, cases, chunk) cash flows and
# the IRR iteration stay in cache, and each result is written once into its batch-sized array.
PLANT_CHUNK = 2048
# Scenarios per pass of the fund's drawdown (its (chunk, rows) and (chunk, years) arrays).
FUND_CHUNK = 4096


def in_yen(p: Params, material_cost_usd_per_kwh: np.ndarray) -> dict[str, np.ndarray]:
    """Every input given in a foreign currency, converted at the explicit exchange rates.

    The one place where USD and EUR become JPY. ``material_cost_usd_per_kwh`` is the minerals
    domain's material cost of cells by year [USD/kWh], ``(k, years)``.
    """
    usd = p["finance.jpy_per_usd"]
    eur = p["finance.jpy_per_eur"]
    credit_usd = p["finance.us_45x_cell_usd_per_kwh"] + p["finance.us_45x_module_usd_per_kwh"]
    return {
        "cell_price_jpy_per_kwh": p["finance.cell_price_usd_per_kwh"] * usd[:, None],
        "material_cost_jpy_per_kwh": material_cost_usd_per_kwh * usd[:, None],
        "us_credit_jpy_per_kwh": (credit_usd * usd)[:, None] * p["finance.us_45x_phase_share"],
        "lithium_refining_jpy_per_t_per_year": (
            p["finance.lithium_refining_capex_usd_per_t_per_year"] * usd
        ),
        "pcam_jpy_per_t_per_year": p["finance.pcam_capex_eur_per_t_per_year"] * eur,
    }


# -- capital need --------------------------------------------------------------------------------
def capital_need(ref_jpy: np.ndarray, target_gwh: np.ndarray, ref_gwh: np.ndarray) -> np.ndarray:
    """Funding need of a stage at the domestic target [JPY]: ``ref * target / ref_gwh``."""
    return ref_jpy * target_gwh / ref_gwh


def median_capex_per_gwh(plants: TableArrays) -> np.ndarray:
    """Median capex per GWh over the cell plants with capex and capacity [JPY per GWh], ``(k,)``.

    NaN when no row qualifies. Rows are sorted once (NaN last), no warnings.
    """
    gwh = plants["gwh"]
    capex = plants["capex_jpy"]
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


def minerals_capex_per_gwh(
    lithium_jpy_per_t_per_year: np.ndarray,
    lioh_per_lce: np.ndarray,
    lce_kg_per_kwh: np.ndarray,
    pcam_jpy_per_t_per_year: np.ndarray,
    pcam_per_metal: np.ndarray,
    metals_kg_per_kwh: np.ndarray,
) -> np.ndarray:
    """Bottom-up capex of lithium refining plus pCAM per GWh of annual cells [JPY per GWh].

    A GWh of cells a year needs ``kg_per_kwh * 1e6 / 1000`` tonnes a year of each material.
    """
    tonnes_per_gwh = pe.KWH_PER_GWH / KG_PER_T
    lithium = lithium_jpy_per_t_per_year * lioh_per_lce * lce_kg_per_kwh * tonnes_per_gwh
    pcam = pcam_jpy_per_t_per_year * pcam_per_metal * metals_kg_per_kwh * tonnes_per_gwh
    return lithium + pcam


def _capital(p: Params, out: Outputs, yen: dict[str, np.ndarray]) -> None:
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
        median_capex_per_gwh(p.table("capacity.plants")),
    )
    bottom_up = minerals_capex_per_gwh(
        yen["lithium_refining_jpy_per_t_per_year"],
        p["finance.lioh_per_lce_t_per_t"],
        p["finance.lithium_lce_kg_per_kwh"],
        yen["pcam_jpy_per_t_per_year"],
        p["finance.pcam_per_metal_t_per_t"],
        p["finance.nmc_metals_kg_per_kwh"],
    )
    out.indicator("finance.minerals_capex_per_gwh_bottom_up", bottom_up)
    with np.errstate(divide="ignore", invalid="ignore"):
        fits = np.where(bottom_up > 0, need["minerals"] / bottom_up, np.nan)
    out.indicator("finance.minerals_need_fits_gwh", fits)


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


def _fund(p: Params, out: Outputs) -> None:
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

    def part(lo: int, hi: int) -> dict[str, np.ndarray]:
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


def _fund_chunk(inp: dict[str, np.ndarray], plants: TableArrays) -> dict[str, np.ndarray]:
    """Project subsidies and the fund's drawdown for a chunk of scenarios."""
    rule = subsidy.Rules(
        base=inp["base"],
        uplifts=tuple(inp[f"uplift_{i}"] for i in range(len(subsidy.FLAGS))),
        cap=inp["cap"],
        rd_rate=inp["rd_rate"],
    )
    rate = rule.row_rates(plants)
    qualifies = subsidy.eligible(plants)
    amount = np.where(qualifies, plants["capex_jpy"] * rate, 0.0)
    construction = inp["construction"]
    expected, pipeline_cum = subsidy.expected_drawdown(
        plants, amount, inp["delay"], inp["share"], construction
    )
    gap_amount = inp["gap_gwh"] * inp["need_per_gwh"] * rule.base
    gap_cum = gap_amount[:, None] * subsidy.paid_share(float(TARGET_YEAR), construction)
    total_cum = pipeline_cum + gap_cum
    demand_pipeline = sum_rows(expected)
    demand = demand_pipeline + gap_amount
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
        "finance.fund_balance": fund_size - demand,
        "finance.subsidy_shortfall": np.maximum(demand - fund_size, 0.0),
        "finance.fund_exhausted_year": subsidy.first_year_above(total_cum, inp["budget_cum"]),
    }


# -- a batch a chunk of scenarios at a time ------------------------------------------------------
def _rows(values: np.ndarray, lo: int, hi: int) -> np.ndarray:
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
    n: int, size: int, part: Callable[[int, int], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """``part(lo, hi)`` (arrays with scenarios ``lo:hi`` first) for a batch of ``n``, ``size``
    scenarios at a time, each result written once into its batch-sized array; a batch of one
    chunk keeps ``part``'s arrays (an array shared by the batch keeps its single row)."""
    if n <= size:
        return part(0, n)
    results: dict[str, np.ndarray] = {}
    for lo in range(0, n, size):
        hi = min(lo + size, n)
        for key, value in part(lo, hi).items():
            if key not in results:
                results[key] = np.empty((n, *value.shape[1:]))
            results[key][lo:hi] = value
    return results


def _yearly(cumulative: np.ndarray) -> np.ndarray:
    """Amounts per year from cumulative amounts ``(k, years)``; the first year keeps all
    earlier payments."""
    out = np.empty(cumulative.shape)
    out[:, 0] = cumulative[:, 0]
    np.subtract(cumulative[:, 1:], cumulative[:, :-1], out=out[:, 1:])
    return out


# -- plant economics and equal footing -----------------------------------------------------------
def cash_margin(
    price_jpy_per_kwh: np.ndarray, material_jpy_per_kwh: np.ndarray, conversion_share: np.ndarray
) -> np.ndarray:
    """Cash margin of a kWh of cells by year [JPY/kWh]: price - materials - conversion.

    price_jpy_per_kwh : cell price, ``(k, years)``
    material_jpy_per_kwh : material cost from the minerals domain, ``(k, years)``
    conversion_share : other variable cost as a share of the price [share], ``(k, years)``
    """
    return price_jpy_per_kwh * (1.0 - conversion_share) - material_jpy_per_kwh


def _plant(p: Params, out: Outputs, yen: dict[str, np.ndarray]) -> None:
    price = yen["cell_price_jpy_per_kwh"]
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
        "start_year": p["finance.plant_start_year"],
        "construction_years": p["finance.construction_years"],
        "life_years": p["finance.plant_life_years"],
        "depreciation_years": p["finance.plant_depreciation_years"],
        "ramp_years": p["capacity.ramp_years"],
        "utilisation": p["capacity.utilisation_share"],
        "margin_jpy_per_kwh": cash_margin(
            price, yen["material_cost_jpy_per_kwh"], p["finance.cell_conversion_cost_share"]
        ),
        "fixed_opex_share": p["finance.plant_fixed_opex_share"],
        "tax_rate": p["finance.tax_rate_share"],
        "us_credit": yen["us_credit_jpy_per_kwh"],
        "china_credit": price * p["finance.china_support_share_of_revenue"],
        "jp_rate": jp_rate,
        "eu_rate": p["finance.eu_grant_share_of_capex"],
        "discount_rate": p["finance.discount_rate_share"],
    }
    # one plant axis for the whole batch; a chunk of scenarios at a time on it
    tau = pe.plant_axis(inputs["construction_years"], inputs["life_years"])
    n = max(v.shape[0] for v in inputs.values())

    def part(lo: int, hi: int) -> dict[str, np.ndarray]:
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


def _plant_chunk(inp: dict[str, np.ndarray], tau: np.ndarray) -> dict[str, np.ndarray]:
    """Plant economics outputs of a chunk of scenarios, ``(c,)`` or ``(c, years)`` each."""
    us_credit, china_credit = inp["us_credit"], inp["china_credit"]
    jp_rate, eu_rate = inp["jp_rate"], inp["eu_rate"]
    plant = pe.plant_cash_flows(
        capacity_gwh=inp["capacity_gwh"],
        capex_jpy_per_gwh=inp["capex_jpy_per_gwh"],
        start_year=inp["start_year"],
        construction_years=inp["construction_years"],
        life_years=inp["life_years"],
        depreciation_years=inp["depreciation_years"],
        ramp_years=inp["ramp_years"],
        utilisation=inp["utilisation"],
        margin_jpy_per_kwh=inp["margin_jpy_per_kwh"],
        fixed_opex_share=inp["fixed_opex_share"],
        tax_rate=inp["tax_rate"],
        credits_jpy_per_kwh=(us_credit, china_credit),
        tau=tau,
    )
    us, china = plant.credits
    support = (jp_rate * plant.capex, us, eu_rate * plant.capex, china)
    n_t = plant.tau.shape[0]
    k = max(plant.cash_flow.shape[1], *(s.shape[1] for s in support))
    flows = np.empty((n_t, len(CASES), k))
    flows[:, 0] = plant.cash_flow
    for c, extra in enumerate(support, start=1):
        np.add(plant.cash_flow, extra, out=flows[:, c])

    res: dict[str, np.ndarray] = {}
    factors = pe.discount_factors(inp["discount_rate"], plant)
    npv = pe.present_value(flows, factors)  # (cases, k)
    rates = pe.irr(flows.reshape(n_t, -1)).reshape(len(CASES), k)
    payback = pe.payback_years(flows, plant.tau, -plant.construction_years)
    for c, case in enumerate(CASES):
        res[f"finance.plant_npv_{case}"] = npv[c]
        res[f"finance.plant_irr_{case}"] = rates[c]
        res[f"finance.plant_payback_{case}"] = payback[c]

    window = factors * (plant.tau < SUPPORT_YEARS)
    capex_y, output_y, cash_y = pe.on_calendar(
        [plant.capex, plant.output_kwh, plant.cash_flow], plant, inp["start_year"]
    )
    per_kwh = 1.0 / plant.capacity_kwh
    yearly = (
        jp_rate[:, None] * capex_y,
        us_credit * output_y,
        eu_rate[:, None] * capex_y,
        china_credit * output_y,
    )
    for c, country in enumerate(("japan", "us", "eu", "china")):
        pv = pe.present_value(support[c], window)
        res[f"finance.support_per_kwh_{country}"] = pv * per_kwh
        res[f"finance.support_yearly_{country}"] = yearly[c] * per_kwh[:, None]
    res["finance.plant_cash_flow_without_support"] = cash_y
    res["finance.plant_cash_flow_japan"] = cash_y + yearly[0]
    res["finance.plant_cash_flow_us"] = cash_y + yearly[1]

    # equal footing: NPV_0(r_US) + s PV_capex(r_US) = 0
    at_us = pe.discount_factors(rates[2], plant)
    npv_0 = pe.present_value(plant.cash_flow, at_us)
    pv_capex = pe.present_value(plant.capex, at_us)
    with np.errstate(divide="ignore", invalid="ignore"):
        s_star = np.where(pv_capex > 0, -npv_0 / pv_capex, np.nan)
    res["finance.equal_footing_subsidy_rate_unclipped"] = s_star
    return res


def step(p: Params, out: Outputs) -> None:
    yen = in_yen(p, out.series["minerals.material_cost_usd_per_kwh"])
    _capital(p, out, yen)
    _fund(p, out)
    _plant(p, out, yen)
