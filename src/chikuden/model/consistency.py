"""The consistency audit's numbers: the proposal's stated figures against the model's.

Each check is a difference or ratio written as an indicator; ``chikuden.analysis.findings``
turns them into findings with text and sources.
"""

from __future__ import annotations

import numpy as np

from chikuden.model import dataflow
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params


@dataflow.step(
    params=("audit.stated_global_capacity_gwh", "audit.stated_domestic_capacity_gwh"),
    reads=(
        "targets.japan_share_2030",
        "market.global_demand_2030",
        "targets.domestic_capacity_2030",
    ),
    writes=("audit.share_times_market_*", "audit.domestic_target_minus_stated_gwh"),
)
def targets(p: Params, out: Outputs) -> None:
    """The stated capacity targets against share x market and the modelled domestic target."""
    ind = out.indicators
    share_times_market = ind["targets.japan_share_2030"] * ind["market.global_demand_2030"]
    out.indicator("audit.share_times_market_gwh", share_times_market)
    out.indicator(
        "audit.share_times_market_minus_stated_gwh",
        share_times_market - p["audit.stated_global_capacity_gwh"],
    )
    out.indicator(
        "audit.domestic_target_minus_stated_gwh",
        ind["targets.domestic_capacity_2030"] - p["audit.stated_domestic_capacity_gwh"],
    )


@dataflow.step(
    params=("audit.stated_capital_need_total_jpy", "audit.stated_fund_jpy"),
    reads=(
        "finance.capital_need_minerals",
        "finance.capital_need_materials",
        "finance.capital_need_cells",
        "finance.capital_need_total",
        "finance.fund_size",
        "finance.capex_per_gwh_implied_cells",
        "finance.capex_per_gwh_published_median",
    ),
    writes=(
        "audit.stages_sum_*",
        "audit.fund_share_of_need",
        "audit.stated_fund_share_of_stated_need",
        "audit.cell_capex_implied_vs_published",
    ),
)
def capital(p: Params, out: Outputs) -> None:
    """The stated capital need against its stages, the fund against the need, cell capex."""
    ind = out.indicators
    stages = (
        ind["finance.capital_need_minerals"]
        + ind["finance.capital_need_materials"]
        + ind["finance.capital_need_cells"]
    )
    out.indicator("audit.stages_sum_jpy", stages)
    out.indicator(
        "audit.stages_sum_minus_stated_jpy", stages - p["audit.stated_capital_need_total_jpy"]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        need = ind["finance.capital_need_total"]
        # NaN ("no capital need") when a domestic target of 0 GWh needs no capital
        out.indicator(
            "audit.fund_share_of_need", np.where(need > 0, ind["finance.fund_size"] / need, np.nan)
        )
        out.indicator(
            "audit.stated_fund_share_of_stated_need",
            p["audit.stated_fund_jpy"] / p["audit.stated_capital_need_total_jpy"],
        )
        out.indicator(
            "audit.cell_capex_implied_vs_published",
            ind["finance.capex_per_gwh_implied_cells"]
            / ind["finance.capex_per_gwh_published_median"],
        )


@dataflow.step(
    params=("audit.stated_growth_ratio",),
    reads=("market.growth_2030_vs_2021",),
    writes=("audit.growth_ratio_vs_stated",),
)
def growth(p: Params, out: Outputs) -> None:
    """The stated market growth against the modelled one."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out.indicator(
            "audit.growth_ratio_vs_stated",
            out.indicators["market.growth_2030_vs_2021"] / p["audit.stated_growth_ratio"],
        )


@dataflow.step(
    params=(),
    reads=(
        "capacity.domestic_production_2030",
        "minerals.upstream_capex_domestic_jpy",
        "finance.capital_need_minerals",
    ),
    writes=("audit.upstream_capex_per_gwh", "audit.minerals_need_fits_gwh"),
)
def upstream(p: Params, out: Outputs) -> None:
    """Mining and refining capex per GWh of domestic production in 2030, and the GWh the
    stated minerals need would fund at that rate."""
    ind = out.indicators
    # NaN ("no domestic production in 2030") without production to spread the capex over
    production = ind["capacity.domestic_production_2030"]
    with np.errstate(divide="ignore", invalid="ignore"):
        upstream_per_gwh = np.where(
            production > 0, ind["minerals.upstream_capex_domestic_jpy"] / production, np.nan
        )
        out.indicator("audit.upstream_capex_per_gwh", upstream_per_gwh)
        # NaN, not infinity, where upstream capex per GWh is 0 (material intensities of 0)
        out.indicator(
            "audit.minerals_need_fits_gwh",
            np.where(
                upstream_per_gwh > 0,
                ind["finance.capital_need_minerals"] / upstream_per_gwh,
                np.nan,
            ),
        )
