"""Cost gap (finance.cost_gap): levelised cell cost by country and component, worked by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import chikuden
from chikuden.model.finance import cost_gap
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

# A plant of 10 years at 80% utilisation, 100 yen per dollar, Japan's cost of capital 0 (so
# its capex is recovered in straight line and its support is annualised at 1 / 10), China's 10%.
HAND: dict[str, Any] = {
    "finance.jpy_per_usd": 100,
    "capacity.utilisation_share": 0.8,
    "finance.plant_life_years": 10,
    "finance.discount_rate_share": 0,
    "finance.plant_capex_jpy_per_gwh": 12e9,
    "finance.us_plant_capex_usd_per_gwh": 1.2e8,
    "finance.gap_china_capex_ratio_to_us": 0.5,
    "finance.gap_china_cost_of_capital_share": 0.1,
    "finance.gap_korea_cost_of_capital_share": 0.1,
    "carbon.grid_price_jpy_per_kwh": 20,
    "finance.gap_china_power_price_usd_per_kwh": 0.08,
    "workforce.cells_people_per_gwh": 100,
    "finance.gap_japan_labour_cost_jpy": 4e6,
    "finance.gap_china_labour_cost_usd": 20000,
}


def params(**overrides: Any) -> Params:
    scenario = chikuden.load_scenario("proposal-2022").with_overrides({**HAND, **overrides})
    return Params.from_scenarios([scenario])


def upstream() -> Outputs:
    """The outputs the step reads: 10 kWh of plant electricity and 50 USD of materials per kWh
    of cells, support per kWh of annual capacity (present values) of 4,000 yen in Japan and
    800 in China."""
    out = Outputs()
    out.indicator("carbon.manufacturing_electricity_per_kwh", 10.0)
    out.indicator("minerals.material_cost_2030_usd_per_kwh", 50.0)
    for country, pv in (("japan", 4000.0), ("china", 800.0), ("us", 0.0), ("eu", 0.0)):
        out.indicator(f"finance.support_per_kwh_{country}", pv)
    return out


def test_recovery_factor_by_hand() -> None:
    # 1.08^15 = 3.172169, 0.08 / (1 - 1 / 3.172169) = 0.08 / 0.684758 = 0.116830
    rate = np.array([0.08, 0.1, 0.0])
    years = np.array([15.0, 10.0, 10.0])
    # 1.1^10 = 2.593742, 0.1 / (1 - 0.385543) = 0.162745; at r = 0, 1 / 10
    expected = [0.116830, 0.162745, 0.1]
    assert cost_gap.recovery_factor(rate, years) == pytest.approx(expected, abs=1e-6)


def test_cost_by_component_and_gap_to_china_by_hand() -> None:
    out = upstream()
    cost_gap.step(params(), out)
    ind = {k: float(v[0]) for k, v in out.indicators.items()}
    # Japan: capex 12e9 / 1e6 = 12,000 yen per kWh of capacity, / (10 years x 0.8) = 1,500;
    # cost of capital 0; electricity 10 kWh x 20 yen = 200; labour 100 people x 4e6 yen /
    # (1e6 kWh x 0.8) = 500; materials 50 USD x 100 = 5,000. Total 7,200.
    assert ind["finance.cost_gap_capex_japan"] == pytest.approx(1500.0)
    assert ind["finance.cost_gap_capital_japan"] == pytest.approx(0.0, abs=1e-9)
    assert ind["finance.cost_gap_energy_japan"] == pytest.approx(200.0)
    assert ind["finance.cost_gap_labour_japan"] == pytest.approx(500.0)
    assert ind["finance.cost_gap_materials_japan"] == pytest.approx(5000.0)
    assert ind["finance.cost_gap_total_japan"] == pytest.approx(7200.0)
    # China: capex 0.5 x 1.2e8 USD x 100 / 1e6 = 6,000 per kWh of capacity, / 8 = 750; cost
    # of capital 6,000 x (0.162745 - 0.1) / 0.8 = 470.59; electricity 10 x 0.08 x 100 = 80;
    # labour 100 x 20,000 x 100 / 0.8e6 = 250; materials 5,000. Total 6,550.59.
    assert ind["finance.cost_gap_capex_china"] == pytest.approx(750.0)
    assert ind["finance.cost_gap_capital_china"] == pytest.approx(470.59, abs=0.01)
    assert ind["finance.cost_gap_energy_china"] == pytest.approx(80.0)
    assert ind["finance.cost_gap_labour_china"] == pytest.approx(250.0)
    assert ind["finance.cost_gap_total_china"] == pytest.approx(6550.59, abs=0.01)
    # Support: Japan 4,000 x 0.1 / 0.8 = 500, China 800 x 0.1 / 0.8 = 100 (both annualised at
    # the plant economics' discount rate, here 0, over 10 years).
    assert ind["finance.cost_gap_support_japan"] == pytest.approx(500.0)
    assert ind["finance.cost_gap_support_china"] == pytest.approx(100.0)
    assert ind["finance.cost_gap_net_japan"] == pytest.approx(6700.0)
    # Gap to China 7,200 - 6,550.59 = 649.41; net of each support 6,700 - 6,450.59 = 249.41;
    # Japan's support closes 500 / 649.41 = 0.7699 of it.
    assert ind["finance.cost_gap_to_china"] == pytest.approx(649.41, abs=0.01)
    assert ind["finance.cost_gap_to_china_net"] == pytest.approx(249.41, abs=0.01)
    assert ind["finance.cost_gap_share_closed_by_support"] == pytest.approx(0.76993, abs=1e-5)
    # Korea: capex as Japan's, 12,000, at 10%: credit 0.15 x 12,000 = 1,800, annualised at
    # Korea's 10%: 1,800 x 0.162745 / 0.8 = 366.18; cost of capital 12,000 x 0.062745 / 0.8.
    assert ind["finance.cost_gap_support_korea"] == pytest.approx(366.18, abs=0.01)
    assert ind["finance.cost_gap_capital_korea"] == pytest.approx(941.18, abs=0.01)
    # China is the cheapest here: the EU is 966 + 474 + 216 + 563 + 5,000 = 7,218, the US and
    # Korea more; so the gap to the cheapest is the gap to China.
    totals = [ind[f"finance.cost_gap_total_{c}"] for c in cost_gap.COUNTRIES]
    assert min(totals) == ind["finance.cost_gap_total_china"]
    assert ind["finance.cost_gap_total_eu"] == pytest.approx(7218.4, abs=0.1)
    assert ind["finance.cost_gap_to_cheapest"] == ind["finance.cost_gap_to_china"]


def test_no_share_closed_when_japan_is_cheaper_than_china() -> None:
    # Japan's capex 5e9 per GWh (5,000 per kWh: 625 a kWh made) against China's at twice the
    # US plant's (24,000 per kWh: 3,000 a kWh made plus its cost of capital): Japan's total,
    # 625 + 200 + 500 + 5,000 = 6,325, is the lowest of the five.
    out = upstream()
    p = params(**{"finance.plant_capex_jpy_per_gwh": 5e9, "finance.gap_china_capex_ratio_to_us": 2})
    cost_gap.step(p, out)
    ind = {k: float(v[0]) for k, v in out.indicators.items()}
    assert ind["finance.cost_gap_total_japan"] == pytest.approx(6325.0)
    assert ind["finance.cost_gap_to_china"] < 0
    assert np.isnan(ind["finance.cost_gap_share_closed_by_support"])
    assert ind["finance.cost_gap_to_cheapest"] == 0.0


def test_bundled_scenario_adds_up() -> None:
    r = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    ind = {k: float(v[0]) for k, v in r.indicators.items()}
    for c in cost_gap.COUNTRIES:
        parts = sum(ind[f"finance.cost_gap_{part}_{c}"] for part in cost_gap.COMPONENTS)
        assert ind[f"finance.cost_gap_total_{c}"] == pytest.approx(parts)
        net = ind[f"finance.cost_gap_total_{c}"] - ind[f"finance.cost_gap_support_{c}"]
        assert ind[f"finance.cost_gap_net_{c}"] == pytest.approx(net)
    # the materials are the minerals domain's, the same everywhere: 2030 USD/kWh x JPY/USD
    usd = ind["minerals.material_cost_2030_usd_per_kwh"] * 150
    assert ind["finance.cost_gap_materials_korea"] == pytest.approx(usd)
