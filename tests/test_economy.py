"""Value added, trade and tax (issue 13): numbers worked by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import chikuden
from chikuden.cli import app
from chikuden.errors import ParameterError
from chikuden.horizon import N_YEARS, year_index
from chikuden.model import economy, system
from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario

I21 = year_index(2021)
I30 = year_index(2030)


def base(**overrides: Any) -> Scenario:
    return chikuden.load_scenario("actual-2025").with_overrides(overrides)


def run(scenarios: Scenario | list[Scenario]) -> Outputs:
    p = Params.from_scenarios(scenarios if isinstance(scenarios, list) else [scenarios])
    return system.run(p, ["economy.*"])


def flat(value: float) -> Any:
    return np.full((1, N_YEARS), value)


def test_stage_output_by_hand() -> None:
    # 10 GWh at 10,000 JPY/kWh with 5,000 JPY/kWh of materials, half of it minerals; materials
    # 60% and minerals 20% made in Japan (workforce defaults):
    # cells 10e6 kWh x 10,000 = 1e11; materials 10e6 x 5,000 x 0.5 x 0.6 = 1.5e10;
    # minerals 10e6 x 5,000 x 0.5 x 0.2 = 5e9. 8 million vehicles need 50 GWh; 10 GWh is a
    # fifth of it: 1.6 million vehicles x 2.5e6 JPY = 4e12.
    p = Params.from_scenarios([base()])
    out = economy.stage_output(p, flat(10.0), flat(1e4), flat(5e3), flat(8e6), flat(50.0))
    assert out["cells"][0, 0] == pytest.approx(1e11)
    assert out["materials"][0, 0] == pytest.approx(1.5e10)
    assert out["minerals"][0, 0] == pytest.approx(5e9)
    assert out["vehicles"][0, 0] == pytest.approx(4e12)
    # more cells than the vehicles need: every vehicle counts, no more
    out = economy.stage_output(p, flat(80.0), flat(1e4), flat(5e3), flat(8e6), flat(50.0))
    assert out["vehicles"][0, 0] == pytest.approx(8e6 * 2.5e6)


def test_trade_balance_by_hand() -> None:
    # 30 GWh made against 20 GWh of demand at 10,000 JPY/kWh: 10e6 kWh x 10,000 = 1e11 of
    # cells exported; materials 5,000 JPY/kWh, 40% of them made in Japan: the 30e6 kWh import
    # 30e6 x 5,000 x 0.6 = 9e10. Balance 1e11 - 9e10 = 1e10.
    share = np.array([0.4])
    got = economy.trade_balance(flat(30.0), flat(20.0), flat(1e4), flat(5e3), share)
    assert got[0, 0] == pytest.approx(1e10)
    # 10 GWh made: 10 GWh imported (-1e11) and 10e6 x 5,000 x 0.6 = 3e10 of materials
    got = economy.trade_balance(flat(10.0), flat(20.0), flat(1e4), flat(5e3), share)
    assert got[0, 0] == pytest.approx(-1.3e11)


def test_materials_domestic_share_by_hand() -> None:
    # half materials made 60% in Japan, half minerals refined 20% in Japan: 0.3 + 0.1 = 0.4
    p = Params.from_scenarios([base()])
    assert economy.materials_domestic_share(p)[0] == pytest.approx(0.4)


def test_indicators_follow_their_inputs() -> None:
    # actual-2025, 2030: production 93.2 GWh; cell price 62 USD/kWh + (34.181 - 28.975)
    # material cost difference = 67.206 USD/kWh x 150 = 10,080.9 JPY/kWh; cells output
    # 93.2e6 x 10,080.9 = 9.395e11 JPY; direct value added x 0.363 (the 2015 table's
    # 粗付加価値率 of 3399 その他の電気機械, 1,097.974 / 3,026.647) = 3.411e11, with the indirect
    # effect x 2.0 = 6.821e11.
    out = run(base())
    s, ind = out.series, out.indicators
    usd = 150.0
    price = (
        62.0
        + s["minerals.material_cost_usd_per_kwh"][0, I30]
        - s["minerals.material_cost_reference_usd_per_kwh"][0, I30]
    ) * usd
    production = s["capacity.domestic_production_gwh"][0, I30]
    assert production == pytest.approx(93.2)
    cells = production * 1e6 * price * 0.363
    assert ind["economy.value_added_cells_2030"][0] == pytest.approx(cells)
    assert ind["economy.value_added_cells_with_indirect_2030"][0] == pytest.approx(2 * cells)
    assert ind["economy.value_added_cells_2030"][0] == pytest.approx(3.411e11, rel=1e-3)
    # materials: 93.2e6 kWh x 5,127.2 JPY/kWh x 0.5 (not minerals) x 0.6 (made in Japan)
    # = 1.4336e11 of output x 0.389 (2029 その他の無機化学工業製品, 607.819 / 1,562.385)
    # = 5.577e10; minerals: 93.2e6 x 5,127.2 x 0.5 x 0.2 = 4.7785e10 x 0.269 (2711
    # 非鉄金属製錬・精製, 935.205 / 3,481.882) = 1.285e10; vehicles: 93.2 GWh covers the 49.85
    # the 8,716,372 vehicles made in Japan need, all count: x 2.5e6 JPY = 2.1791e13 x 0.171
    # (3511 乗用車, 2,729.768 / 15,988.340) = 3.726e12.
    assert ind["economy.value_added_materials_2030"][0] == pytest.approx(5.577e10, rel=1e-3)
    assert ind["economy.value_added_minerals_2030"][0] == pytest.approx(1.285e10, rel=1e-3)
    assert ind["economy.value_added_vehicles_2030"][0] == pytest.approx(3.726e12, rel=1e-3)
    chain = sum(ind[f"economy.value_added_{k}_2030"][0] for k in ("cells", "materials", "minerals"))
    assert ind["economy.value_added_chain_2030"][0] == pytest.approx(chain)
    # trade: the gain over 2021's production is the extra cells sold less the extra
    # materials they import: (93.2 - 16) x 1e6 x (price - material x 0.6)
    material = s["minerals.material_cost_usd_per_kwh"][0, I30] * usd
    gain = (production - s["capacity.domestic_production_gwh"][0, I21]) * 1e6
    gain = gain * (price - material * 0.6)
    assert ind["economy.trade_gain_2030"][0] == pytest.approx(gain)
    # tax: per GWh x capacity added 2021-2030 (20 -> 116.5 GWh), against the fund
    added = s["capacity.domestic_gwh"][0, I30] - s["capacity.domestic_gwh"][0, I21]
    assert ind["economy.tax_capacity_added_gwh"][0] == pytest.approx(added)
    total = ind["economy.tax_per_gwh"][0] * added
    assert ind["economy.tax_plants_life"][0] == pytest.approx(total)
    assert ind["economy.tax_vs_fund"][0] == pytest.approx(total / ind["finance.fund_size"][0])


def test_tax_is_the_rate_times_the_plants_taxable_profit() -> None:
    # No tax, no tax; doubling the plant's size leaves the tax per GWh where it is.
    assert run(base(**{"finance.tax_rate_share": 0.0})).indicators["economy.tax_per_gwh"][0] == 0
    one = run(base()).indicators["economy.tax_per_gwh"][0]
    two = run(base(**{"finance.plant_gwh": 40})).indicators["economy.tax_per_gwh"][0]
    assert two == pytest.approx(one)
    # Tax = t x taxable profit, and taxable profit (ebitda - depreciation) does not depend on
    # t: halving the rate halves the tax.
    half = run(base(**{"finance.tax_rate_share": 0.2974 / 2})).indicators["economy.tax_per_gwh"]
    assert half[0] == pytest.approx(one / 2)


def test_no_fund_leaves_the_ratio_undefined() -> None:
    p = Params.from_scenarios([base()])
    out = Outputs()
    out.indicators["finance.fund_size"] = np.zeros(1)
    full = system.run(p, ["economy.*", "finance.fund_size"])
    out.series["capacity.domestic_gwh"] = full.series["capacity.domestic_gwh"]
    out.indicators["finance.plant_tax_per_gwh"] = full.indicators["finance.plant_tax_per_gwh"]
    economy.tax(p, out)
    assert np.isnan(out.indicators["economy.tax_vs_fund"][0])


def test_negative_multiplier_is_a_clear_error() -> None:
    with pytest.raises(ParameterError, match=r"economy\.cells_io_multiplier"):
        base(**{"economy.cells_io_multiplier": -1.0})
    result = CliRunner().invoke(app, ["run", "--set", "economy.cells_io_multiplier=-1"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "economy.cells_io_multiplier" in lines[0]


@settings(max_examples=5, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 5, allow_subnormal=False), st.floats(0, 1, allow_subnormal=False)),
        min_size=2,
        max_size=3,
    )
)
def test_batch_equals_one_at_a_time(rows: list[tuple[float, float]]) -> None:
    scenarios = [
        base(**{"economy.cells_io_multiplier": m, "economy.minerals_share_of_material_cost": s})
        for m, s in rows
    ]
    batch = run(scenarios)
    for i, sc in enumerate(scenarios):
        one = run(sc)
        for group, whole in ((one.indicators, batch.indicators), (one.series, batch.series)):
            for key, arr in group.items():
                if key.startswith("economy."):
                    full = np.broadcast_to(whole[key], (len(scenarios), *arr.shape[1:]))
                    np.testing.assert_array_equal(full[i], arr[0], err_msg=key)
