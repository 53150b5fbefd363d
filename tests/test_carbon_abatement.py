"""Abatement cost of clean power against the grid (carbon.abatement, P2), worked by hand.

Reference cell of tests/test_carbon.py: all NMC811, every material made abroad, proposal-2022
defaults, 2030. There: grid footprint 64.6 + 13.29 x 0.25 + 14.2725 x 0.224 = 71.11954 kg CO2e
per kWh of cells, the plant's electricity 13.29 kWh per kWh of cells, grid 0.25 kg/kWh at 22
JPY/kWh, PPA 0.03 kg/kWh at 16 JPY/kWh, nuclear 0.012 at 17, certificates 0.4 JPY/kWh reported
at 0.

For a contracted option only the plant's electricity changes, so the electricity cancels:

    A = el (P_o - P_grid) / (el (EF_grid - EF_o)) x 1000 = (P_o - P_grid) / (EF_grid - EF_o) x 1000
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from chikuden.horizon import year_index
from chikuden.model import carbon, chemistry, system
from chikuden.model.carbon import abatement
from chikuden.model.outputs import Outputs
from chikuden.parameters import load_scenario
from chikuden.parameters.params import Params

I22 = year_index(2022)
I30 = year_index(2030)
ELECTRICITY = 13.29
HEAT = 14.2725
LHV = 120.0 / 3.6
ABROAD = {f"carbon.{c}_japan_share": 0.0 for c in carbon.COMPONENTS}
NMC = {
    **{f"minerals.domestic_mix_{c}_share": float(c == "nmc811") for c in chemistry.CHEMISTRIES},
    **ABROAD,
}


def run(**overrides: float) -> Outputs:
    scenario = load_scenario("proposal-2022", overrides={**NMC, **overrides})
    return system.run(Params.from_scenarios([scenario]), ["carbon.abatement_*"])


def value(out: Outputs, key: str) -> float:
    return float(out.indicators[key][0])


# -- equations ------------------------------------------------------------------------------
def test_abatement_cost_is_premium_over_tonnes_saved() -> None:
    # 275.05 JPY per kWh of cells for 5.0949 kg saved: 275.05 / 0.0050949 t = 53,985 JPY/t
    assert abatement.abatement_cost(275.05, 5.0949) == pytest.approx(53985.4, abs=0.1)
    # a cheaper option that also saves: negative cost (-79.74 / 0.0029238 = -27,272.7)
    assert abatement.abatement_cost(-79.74, 2.9238) == pytest.approx(-27272.7, abs=0.1)
    # no saving, or more emissions: undefined, whatever the premium
    got = abatement.abatement_cost(np.array([10.0, -10.0, 10.0]), np.array([0.0, 0.0, -1.0]))
    assert np.isnan(got).all()


def test_certificates_save_the_plant_electricity_times_the_factor_gap() -> None:
    # 13.29 kWh x (0.25 - 0) = 3.3225 kg per kWh of cells; at a reported 0.1: 13.29 x 0.15
    assert abatement.certificate_reduction(13.29, 0.25, 0.0) == pytest.approx(3.3225)
    assert abatement.certificate_reduction(13.29, 0.25, 0.1) == pytest.approx(1.9935)


def test_rank_and_minimum_skip_undefined_options() -> None:
    costs = np.array(
        [
            [50.0, 1.6, -27.0, np.nan],  # the park is 3rd of 3 defined
            [-5.0, 1.6, np.nan, np.nan],  # 1st
            [np.nan, 1.6, 2.0, 3.0],  # the park itself undefined
            [2.0, 2.0, 3.0, np.nan],  # a tie shares the better rank
        ]
    )
    np.testing.assert_array_equal(abatement.rank_of(costs)[[0, 1, 3]], [3.0, 1.0, 1.0])
    assert math.isnan(abatement.rank_of(costs)[2])
    low = abatement.nan_min(np.array([[1.6, -27.0, np.nan], [np.nan, np.nan, np.nan]]))
    assert low[0] == -27.0
    assert math.isnan(low[1])


# -- the step on the reference cell ---------------------------------------------------------
def test_contracted_options_and_certificates_by_hand_in_2030() -> None:
    out = run()
    # PPA: (16 - 22) / (0.25 - 0.03) x 1000 = -27,272.73 JPY/t (cheaper than the 2030 grid)
    assert value(out, "carbon.abatement_2030_ppa_renewables") == pytest.approx(-6 / 0.22 * 1000)
    # nuclear: (17 - 22) / (0.25 - 0.012) x 1000 = -21,008.40
    assert value(out, "carbon.abatement_2030_nuclear") == pytest.approx(-5 / 0.238 * 1000)
    # on-site solar covers 10 %: 0.1 x (10 - 22) / (0.1 x (0.25 - 0.041)) x 1000 = -57,416.27
    assert value(out, "carbon.abatement_2030_onsite_solar") == pytest.approx(-12 / 0.209 * 1000)
    # certificates: 13.29 x 0.4 = 5.316 JPY for 13.29 x 0.25 = 3.3225 kg: 1,600 JPY/t
    assert value(out, "carbon.abatement_2030_grid_certificates") == pytest.approx(1600.0)
    prem = out.series["carbon.abatement_certificates_premium_jpy_per_kwh"][0, I30]
    assert prem == pytest.approx(5.316)
    reported = out.series["carbon.abatement_certificates_footprint_kgco2e_per_kwh"][0, I30]
    assert reported == pytest.approx(71.11954 - 3.3225)
    # 2022, grid 0.437: 0.4 / 0.437 x 1000 = 915.33 JPY/t
    series = out.series["carbon.abatement_grid_certificates_jpy_per_t"][0]
    assert series[I22] == pytest.approx(915.33, abs=0.01)
    # grey hydrogen (11.3 / 18.333 = 0.616 kg/kWh) emits more than the grid: undefined
    assert math.isnan(value(out, "carbon.abatement_2030_h2_grey"))


def test_clean_park_by_hand_and_against_the_alternatives() -> None:
    # From tests/test_carbon.py: park power 334 / 18.333 + 3 = 21.218 JPY/kWh, premium
    # 27.5625 x 21.218 + 10.5 x (21.218 - 12) - (13.29 x 22 + 14.2725 x 8) = 275.05 JPY;
    # park footprint 66.0246 (EF 0.185455 on all 27.5625 kWh, half the cathode and anode
    # processing in the park), grid 71.11954: saves 5.0949 kg -> 275.05 / 0.0050949 = 53,985
    ef = 3.4 / (LHV * 0.55)
    price = 334.0 / (LHV * 0.55) + 3.0
    premium = (
        (ELECTRICITY + HEAT) * price + 10.5 * (price - 12.0) - (ELECTRICITY * 22.0 + HEAT * 8.0)
    )
    park = (
        12.0
        + 12.0 * 0.5 * (ef - 0.5366)
        + 30.0
        + 9.0
        + 9.0 * 0.5 * (ef - 0.5366)
        + 3.0
        + 10.6
        + (ELECTRICITY + HEAT) * ef
    )
    saved = 64.6 + ELECTRICITY * 0.25 + HEAT * 0.224 - park
    assert saved == pytest.approx(5.0949, abs=1e-4)
    expected = premium / saved * 1000
    assert expected == pytest.approx(53985, abs=5)
    out = run()
    assert value(out, "carbon.abatement_2030_clean_park") == pytest.approx(expected)
    # 53,985 against certificates 1,600, PPA -27,273 and nuclear -21,008: the park is 4th,
    # the PPA cheapest, and the park costs 53,985 + 27,273 = 81,258 JPY/t more
    assert value(out, "carbon.abatement_2030_park_rank") == 4.0
    assert value(out, "carbon.abatement_2030_cheapest_alternative") == pytest.approx(
        -6 / 0.22 * 1000
    )
    assert value(out, "carbon.abatement_2030_park_over_cheapest") == pytest.approx(
        expected + 6 / 0.22 * 1000
    )


def test_alternatives_that_do_not_reduce_are_undefined_and_the_park_ranks_first() -> None:
    # PPA and nuclear at 0.5 kg/kWh and certificates reported at 0.5: above the 2030 grid's 0.25
    out = run(
        **{
            "carbon.ppa_kgco2e_per_kwh": 0.5,
            "carbon.nuclear_kgco2e_per_kwh": 0.5,
            "carbon.certificate_reported_kgco2e_per_kwh": 0.5,
        }
    )
    for key in abatement.ALTERNATIVES:
        assert math.isnan(value(out, f"carbon.abatement_2030_{key}")), key
    assert math.isnan(value(out, "carbon.abatement_2030_cheapest_alternative"))
    assert math.isnan(value(out, "carbon.abatement_2030_park_over_cheapest"))
    assert value(out, "carbon.abatement_2030_park_rank") == 1.0
    # 2022: the grid's 0.437 is below a reported 0.5 as well, so certificates are undefined
    assert math.isnan(out.series["carbon.abatement_grid_certificates_jpy_per_t"][0, I22])


def test_dearer_certificates_raise_only_their_own_cost() -> None:
    # 1.3 JPY/kWh: 1.3 / 0.25 x 1000 = 5,200 JPY/t; the park's cost does not move
    base = run()
    dear = run(**{"carbon.certificate_price_jpy_per_kwh": 1.3})
    assert value(dear, "carbon.abatement_2030_grid_certificates") == pytest.approx(5200.0)
    assert value(dear, "carbon.abatement_2030_clean_park") == value(
        base, "carbon.abatement_2030_clean_park"
    )


def test_every_bundled_scenario_ranks_the_park_last_of_four_in_2030() -> None:
    # Park 60,382 (proposal-2022), 63,589 (meti-strategy-2022), 475,094 (actual-2025, hydrogen
    # at today's 1,112 JPY/kg) JPY/t against PPA -27,273, nuclear -21,008 and certificates
    # 1,600: with the assumed 2030 prices the contracts are cheaper than the grid.
    for name in ("proposal-2022", "meti-strategy-2022", "actual-2025"):
        out = system.run(Params.from_scenarios([load_scenario(name)]), ["carbon.abatement_2030_*"])
        assert value(out, "carbon.abatement_2030_park_rank") == 4.0, name
        assert value(out, "carbon.abatement_2030_park_over_cheapest") > 0, name
