"""The consistency audit's numbers: the proposal's stated figures against the model's.

Each check is a difference or ratio written as an indicator; ``chikuden.analysis.audit``
turns them into findings with text and sources.
"""

from __future__ import annotations

import numpy as np

from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params


def step(p: Params, out: Outputs) -> None:
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
    with np.errstate(divide="ignore", invalid="ignore"):
        out.indicator(
            "audit.growth_ratio_vs_stated",
            ind["market.growth_2030_vs_2021"] / p["audit.stated_growth_ratio"],
        )
