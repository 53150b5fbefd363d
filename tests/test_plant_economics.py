"""Plant economics: NPV, IRR and payback against numpy-financial and numbers worked by hand."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chikuden.model.finance import plant_economics as pe

# Cash-flow vectors with a known IRR from numpy-financial (np.roots, root nearest to zero).
VECTORS = [
    [-100.0, 39.0, 59.0, 55.0, 20.0],  # npf docstring example, IRR 28.095 %
    [-100.0, 0.0, 0.0, 74.0],  # IRR -9.55 %
    [-100.0, 100.0, 0.0, -7.0],  # IRR -8.33 %
    [0.0, 0.0, -140.0, -140.0, 15.7, 24.7, 33.1, 32.1, 32.1, 32.1, 32.1, 20.2, 20.2, 20.2],
    [-100.0, 230.0, -132.0],  # roots at 10 % and 20 %: the one nearest zero is 10 %
    [-5.0, -5.0, 1.0, 1.0, 1.0, 1.0],  # never pays back: IRR about -28 %
]


def test_irr_matches_numpy_financial_column_by_column() -> None:
    width = max(len(v) for v in VECTORS)
    flows = np.zeros((width, len(VECTORS)))
    for c, v in enumerate(VECTORS):
        flows[: len(v), c] = v  # trailing zeros change neither NPV nor IRR
    got = pe.irr(flows)
    want = [npf.irr(np.array(v)) for v in VECTORS]
    # Newton's method runs to a relative step of 1e-9 (error ~1e-18); numpy-financial's roots
    # are eigenvalues of the companion matrix, good to about 1e-14 on these vectors
    assert got == pytest.approx(want, rel=1e-12, abs=1e-14)
    assert got[0] == pytest.approx(0.28095, abs=1e-5)
    assert got[4] == pytest.approx(0.10, abs=1e-12)


def test_irr_of_a_large_batch_is_each_column_alone_bit_for_bit() -> None:
    # every step is elementwise over columns (no matrix product), so a column gets the same bits
    # in a batch of 4,000 as alone or in a batch of 5; numpy-financial agrees column by column
    rng = np.random.default_rng(3)
    flows = np.concatenate([-rng.uniform(5, 10, (3, 4000)), rng.uniform(0.5, 3, (20, 4000))])
    got = pe.irr(flows)
    want = np.array([npf.irr(flows[:, c]) for c in range(0, flows.shape[1], 40)])
    assert np.allclose(got[::40], want, rtol=1e-12, atol=1e-14)
    assert np.array_equal(pe.irr(flows[:, :5]), got[:5])
    for c in rng.choice(flows.shape[1], 20, replace=False):
        assert pe.irr(flows[:, c : c + 1])[0] == got[c]


def test_irr_is_the_root_to_the_last_bits() -> None:
    # P(x) = sum_t cf_t x^t in exact rationals changes sign within a few ulps of the x = 1/(1+r)
    # found, for the vectors of numpy-financial's cross-check and the plant-like flows above
    # (Newton's method stops at a relative step of 1e-9, after which the error is ~1e-18)
    rng = np.random.default_rng(4)
    plant_like = np.concatenate([-rng.uniform(5, 10, (3, 6)), rng.uniform(0.5, 3, (20, 6))])
    columns = [np.array(v) for v in VECTORS] + list(plant_like.T)
    for values in columns:
        rate = pe.irr(values[:, None])[0]
        if np.isnan(rate):
            continue
        x = Fraction(1.0 / (1.0 + rate))
        cf = [Fraction(float(v)) for v in values]

        def p(at: Fraction, cf: list[Fraction] = cf) -> Fraction:
            return sum((c * at**t for t, c in enumerate(cf)), Fraction(0))

        eps = Fraction(8 * 2**-52)  # 8 ulp of x near 1, and 1/(1 + r) adds one rounding
        assert (p(x * (1 - eps)) > 0) != (p(x * (1 + eps)) > 0), values


def test_irr_is_nan_without_a_sign_change() -> None:
    flows = np.array([[1.0, -1.0, 0.0], [2.0, -2.0, 0.0]])
    assert np.isnan(pe.irr(flows)).all()
    assert np.isnan(npf.irr(np.array([1.0, 2.0])))


@given(  # amounts in tenths (np.roots in numpy-financial overflows on subnormal floats)
    st.lists(st.integers(5, 200).map(lambda v: v / 10), min_size=1, max_size=4),
    st.lists(st.integers(0, 80).map(lambda v: v / 10), min_size=3, max_size=30),
)
def test_irr_of_any_conventional_project_matches_numpy_financial(
    outflows: list[float], inflows: list[float]
) -> None:
    values = np.array([-v for v in outflows] + inflows)
    want = npf.irr(values)
    got = pe.irr(values[:, None])[0]
    if np.isnan(want) or not -0.9 < want < 10.0:
        return  # outside the grid the model reports NaN
    assert got == pytest.approx(want, rel=1e-9, abs=1e-10)
    # at the IRR the NPV vanishes
    assert abs(npf.npv(got, values)) <= 1e-8 * np.abs(values).sum()


def test_polynomial_is_the_npv_in_x() -> None:
    values = np.array(VECTORS[3])
    value, slope = pe.polynomial(values[:, None], np.array([1 / 1.08]))
    assert value[0] == pytest.approx(npf.npv(0.08, values), rel=1e-12)
    # derivative by a central difference
    h = 1e-6
    up, _ = pe.polynomial(values[:, None], np.array([1 / 1.08 + h]))
    down, _ = pe.polynomial(values[:, None], np.array([1 / 1.08 - h]))
    assert slope[0] == pytest.approx((up[0] - down[0]) / (2 * h), rel=1e-6)


def test_leading_zeros_do_not_change_the_irr_at_all() -> None:
    # a batch pads short construction periods with leading zeros; the IRR must not move
    values = np.array(VECTORS[3][2:])
    padded = np.concatenate([np.zeros(3), values])
    both = np.zeros((padded.size, 2))
    both[: values.size, 0] = values
    both[:, 1] = padded
    got = pe.irr(both)
    assert got[0] == got[1]
    assert got[0] == pe.irr(values[:, None])[0]


def test_payback_interpolates_within_the_year() -> None:
    # cumulative: -100, -70, -30, +20 -> last negative at year index 2; the 50 of year 3
    # repays the remaining 30 after 30/50 = 0.6 of it: 3 + 0.6 = 3.6 years.
    flows = np.array([[-100.0, 5.0, -10.0], [30.0, 1.0, 1.0], [40.0, 1.0, 1.0]])
    flows = np.concatenate([flows, [[50.0, 1.0, 1.0], [60.0, 1.0, 1.0]]])
    years = np.arange(5.0)[:, None]
    got = pe.payback_years(flows, years, np.zeros(3))
    assert got[0] == pytest.approx(3.6, rel=1e-12)
    assert got[1] == 0.0  # never negative
    assert np.isnan(got[2])  # -10 + 4 stays negative
    # counted from a start half a year into the first year
    assert pe.payback_years(flows, years, np.full(3, 0.5))[0] == pytest.approx(3.1, rel=1e-12)


def _plant(**over: Any) -> pe.Plant:
    args: dict[str, Any] = {
        "capacity_gwh": np.array([1.0]),
        "capex_jpy_per_gwh": np.array([10e9]),
        "start_year": np.array([2029.0]),
        "construction_years": np.array([2.0]),
        "life_years": np.array([5.0]),
        "depreciation_years": np.array([5.0]),
        "ramp_years": np.array([1.0]),
        "utilisation": np.array([1.0]),
        "margin_jpy_per_kwh": np.full((1, 20), 3000.0),
        "fixed_opex_share": np.array([0.0]),
        "tax_rate": np.array([0.3]),
    }
    args.update(over)
    return pe.plant_cash_flows(**args)


def test_npv_matches_numpy_financial() -> None:
    # discounted to the start of construction, the plant's first year
    plant = _plant()
    cf = plant.cash_flow[:, 0]
    for rate in (0.0, 0.05, 0.08, 0.3):
        factors = pe.discount_factors(np.array([rate]), plant)
        got = pe.present_value(plant.cash_flow, factors)[0]
        assert got == pytest.approx(npf.npv(rate, cf), rel=1e-12)
    nan_rate = pe.discount_factors(np.full(1, np.nan), plant)
    assert np.isnan(pe.present_value(plant.cash_flow, nan_rate)).all()


def test_plant_cash_flows_worked_by_hand() -> None:
    # 1 GWh, 10 bn yen over 2 construction years; 1e6 kWh a year x 3,000 yen margin = 3 bn;
    # depreciation 2 bn a year; tax 0.3 x (3 - 2) = 0.3 bn -> 2.7 bn a year for 5 years.
    plant = _plant()
    assert plant.tau[:, 0].tolist() == [-2, -1, 0, 1, 2, 3, 4]
    assert plant.cash_flow[:, 0] == pytest.approx([-5e9, -5e9] + [2.7e9] * 5)
    assert plant.construction_years.tolist() == [2.0]
    # calendar years 2027..2033
    assert plant.calendar[:, 0].tolist() == [6, 7, 8, 9, 10, 11, 12]


def test_fractional_construction_and_life() -> None:
    # 1.5 construction years: 1/1.5 of capex in the year before production, 0.5/1.5 before.
    # 4.5 years of life: half the last year's output.
    plant = _plant(construction_years=np.array([1.5]), life_years=np.array([4.5]))
    capex = plant.capex[:, 0]
    assert capex[:2] == pytest.approx([10e9 * 0.5 / 1.5, 10e9 / 1.5])
    assert plant.output_kwh[-1, 0] == pytest.approx(0.5e6)
    # construction starts half a year into the axis: discounting counts from there
    assert pe.discount_factors(np.array([0.1]), plant)[0, 0] == pytest.approx(1.1**0.5)


def test_production_credit_present_value_by_hand() -> None:
    # 45 $/kWh x 150 yen/$ = 6,750 yen/kWh from 2029 at 100 %, then 75 / 50 / 25 / 0 %;
    # construction 2027-2028, discounted at 10 % to the start of 2027 (year index 0):
    # PV = 6,750 x (0.826446 + 0.563486 + 0.341507 + 0.155230) = 12,735.0 yen per kWh of capacity
    phase = np.zeros((1, 20))
    phase[0, 8:12] = [1.0, 0.75, 0.5, 0.25]  # 2029..2032
    plant = _plant(credits_jpy_per_kwh=[6750.0 * phase])
    (credit,) = plant.credits
    pv = pe.present_value(credit, pe.discount_factors(np.array([0.1]), plant))[0]
    want = 6750.0 * (1 / 1.1**2 + 0.75 / 1.1**3 + 0.5 / 1.1**4 + 0.25 / 1.1**5)
    assert pv / 1e6 == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(12735.0, abs=0.1)


def test_capex_grant_by_tax_treatment() -> None:
    # 1 GWh, 10 bn yen over 2 years, 5-year depreciation (2 bn a year), tax 30 %. A grant of the
    # whole capex, compressed: 5, 5 bn untaxed, then the depreciation it removes costs
    # 0.3 x 2 = 0.6 bn of tax in each of the 5 production years; taxed when received: 0.7 x 5.
    plant = _plant()
    compressed = pe.capex_grant(plant, np.array([0.3]), np.array([1.0]))[:, 0]
    assert compressed == pytest.approx([5e9, 5e9] + [-0.6e9] * 5)
    taxed = pe.capex_grant(plant, np.array([0.3]), np.array([0.0]))[:, 0]
    assert taxed == pytest.approx([3.5e9, 3.5e9] + [0.0] * 5)
    # the same tax in nominal terms, paid later when compressed
    assert compressed.sum() == pytest.approx(taxed.sum())
    # the plant's depreciation and taxable profit: 3 bn margin - 2 bn depreciation = 1 bn
    assert plant.depreciation[:, 0] == pytest.approx([0, 0] + [2e9] * 5)
    assert plant.taxable[:, 0] == pytest.approx([0, 0] + [1e9] * 5)


def test_plant_years_on_calendar_years_beyond_the_horizon() -> None:
    # construction 2027-2028, production 2029-2033: placed on 2025..2036 with NaN outside the
    # plant's life (not zero: the years are not the plant's), inside the horizon or beyond it
    plant = _plant()
    years = np.arange(2025, 2037)
    life = pe.in_life(plant, np.array([5.0]))
    assert life[:, 0].tolist() == [True] * 7
    (cash,) = pe.on_calendar(
        [plant.cash_flow], plant, np.array([2029.0]), years, outside=np.nan, mask=life
    )
    assert np.isnan(cash[0, :2]).all() and np.isnan(cash[0, -3:]).all()
    assert cash[0, 2:9] == pytest.approx([-5e9, -5e9] + [2.7e9] * 5)
    # a batch axis padded for a longer construction (3 years): the padding row is outside
    padded = _plant(tau=np.arange(-3.0, 5.0)[:, None])
    assert pe.in_life(padded, np.array([5.0]))[:, 0].tolist() == [False] + [True] * 7


def test_irr_near_and_far_from_zero_in_one_batch_is_each_alone() -> None:
    # Rates between -18 % and 23 % are bracketed from the grid points near 0 alone; the others
    # (here 28 %, -28 %, 300 % and none) from the whole grid, for those columns only.
    columns = [*VECTORS, [-1.0, 4.0], [-1.0, 0.5, 0.5, 0.5]]
    width = max(len(v) for v in columns)
    flows = np.zeros((width, len(columns)))
    for c, v in enumerate(columns):
        flows[: len(v), c] = v
    got = pe.irr(flows)
    assert got[-2] == pytest.approx(3.0, rel=1e-12)  # -1 + 4 / (1 + r) = 0
    assert got[-1] == pytest.approx(npf.irr(np.array(columns[-1])), rel=1e-12)
    for c in range(len(columns)):
        alone = pe.irr(flows[:, c : c + 1])[0]
        assert alone == got[c] or (np.isnan(alone) and np.isnan(got[c]))
