"""People (P9): workers by stage and people to train, against numbers worked by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import chikuden
from chikuden.errors import ParameterError
from chikuden.horizon import N_YEARS, year_index
from chikuden.model import system, workforce
from chikuden.model.outputs import Outputs
from chikuden.parameters import declarations
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario

I30 = year_index(2030)


def base(**overrides: Any) -> Scenario:
    return chikuden.load_scenario("proposal-2022").with_overrides(overrides)


def run(scenarios: Scenario | list[Scenario]) -> Outputs:
    p = Params.from_scenarios(scenarios if isinstance(scenarios, list) else [scenarios])
    return system.run(p, ["workforce.*"])


def test_people_are_capacity_times_people_per_gwh() -> None:
    # 100 GWh throughout (all of it in place in 2021), older lines staffed 2.5 times as
    # densely, no productivity gain: cells 100 x 100 x 2.5 = 25,000; R&D 100 x 22.22 x 2.5 =
    # 5,555.6; materials 100 x 80 x 0.6 = 4,800; minerals 100 x 26.67 x 0.2 = 533.3.
    p = Params.from_scenarios([base(**{"workforce.productivity_gain_share": 0})])
    stages = workforce.people_by_stage(p, np.full((1, N_YEARS), 100.0))
    assert stages["cells"][0, 0] == pytest.approx(25_000)
    assert stages["rd"][0, 0] == pytest.approx(5_555.56, rel=1e-6)
    assert stages["materials"][0, 0] == pytest.approx(4_800)
    assert stages["minerals"][0, 0] == pytest.approx(533.33, rel=1e-5)
    # Capacity growing from 100 to 300 GWh: the 200 new GWh are staffed at 100 a GWh:
    # 25,000 + 200 x 100 = 45,000 cell workers.
    grown = np.full((1, N_YEARS), 300.0)
    grown[0, 0] = 100.0
    stages = workforce.people_by_stage(p, grown)
    assert stages["cells"][0, 1] == pytest.approx(45_000)
    # A 3% productivity gain a year applies after 2030 only: 2031 has 0.97 x 45,000.
    p = Params.from_scenarios([base(**{"workforce.productivity_gain_share": 0.03})])
    stages = workforce.people_by_stage(p, grown)
    assert stages["cells"][0, year_index(2030)] == pytest.approx(45_000)
    assert stages["cells"][0, year_index(2031)] == pytest.approx(0.97 * 45_000)


def test_defaults_reproduce_metis_workforce_figures() -> None:
    # METI's Battery Industry Strategy (2022): ~20 GWh of domestic capacity and 22,000 / 3.6 =
    # 6,111 people making cells (with technology development) in 2022; 150 GWh in 2030 with
    # 22,000 people making cells (18,000 skilled, 4,000 in technology development) and
    # 30,000 across the supply chain.
    p = Params.from_scenarios([base()])
    capacity_gwh = np.full((1, N_YEARS), 150.0)
    capacity_gwh[0, :2] = 20.0  # 2021 and 2022
    stages = workforce.people_by_stage(p, capacity_gwh)
    i22 = year_index(2022)
    assert stages["cells"][0, i22] + stages["rd"][0, i22] == pytest.approx(22_000 / 3.6)
    assert stages["cells"][0, I30] == pytest.approx(18_000)
    assert stages["rd"][0, I30] == pytest.approx(4_000, rel=1e-6)
    total = sum(stages[s][0, I30] for s in workforce.STAGES)
    assert total == pytest.approx(30_000, rel=1e-6)


def test_training_need_by_hand() -> None:
    # People 100, 150, 150, 120 (2021-2024), 10% leave a year, counted from 2022:
    # 2022: +50 growth + 10 replacing leavers = 60; 2023: 0 + 15 = 15 (75);
    # 2024: 0 + 15 = 15 (90). 2021 is never counted (no year before it).
    people = np.full((1, N_YEARS), 120.0)
    people[0, :4] = [100.0, 150.0, 150.0, 120.0]
    need = workforce.training_need(people, np.array([0.1]), np.array([2022.0]))
    np.testing.assert_allclose(need[0, :4], [0.0, 60.0, 75.0, 90.0])
    # Counting from 2023 leaves out the 60 of 2022.
    later = workforce.training_need(people, np.array([0.1]), np.array([2023.0]))
    np.testing.assert_allclose(later[0, :4], [0.0, 0.0, 15.0, 30.0])


def test_indicators_by_hand() -> None:
    out = run(base())
    capacity_gwh = out.series["capacity.domestic_gwh"][0, I30]
    total = out.indicators["workforce.people_needed_2030"][0]
    assert out.indicators["workforce.people_per_gwh_2030"][0] == pytest.approx(total / capacity_gwh)
    assert out.indicators["workforce.target_people"][0] == 30_000
    assert out.indicators["workforce.training_need_vs_target_2030"][0] == pytest.approx(
        out.indicators["workforce.training_need_2030"][0] / 30_000
    )


def test_cell_intensity_lies_within_the_published_checks() -> None:
    # Panasonic Kansas 4,000 / 30 = 133; CATL Debrecen 9,000 / 100 = 90; Nevada 6,500 / 35
    # = 186; McKinsey 3,200 / 40 = 80: new lines (cells and their technology development,
    # 100 + 22.2 = 122.2 people per GWh) lie within 80..186.
    d = declarations()
    cells, rd = (d[f"workforce.{s}_people_per_gwh"].default for s in ("cells", "rd"))
    new_lines = cells + rd
    assert 3_200 / 40 <= new_lines <= 6_500 / 35


def test_people_per_gwh_of_2030_follow_the_calibration() -> None:
    # The default scenario: 20 GWh in 2021 growing to C GWh in 2030; people = 122.2 x (C +
    # 1.5 x 20) + 53.3 x C (materials 80 x 0.6 + refining 26.7 x 0.2).
    out = run(base())
    c = out.series["capacity.domestic_gwh"][0, I30]
    c0 = out.series["capacity.domestic_gwh"][0, 0]
    expected = (100 + 22.2222222) * (c + 1.5 * c0) + (80 * 0.6 + 26.6666667 * 0.2) * c
    assert out.indicators["workforce.people_needed_2030"][0] == pytest.approx(expected)


def test_default_scenario_is_finite_and_physical() -> None:
    out = run(base())
    for key, arr in {**out.indicators, **out.series}.items():
        if key.startswith("workforce."):
            assert np.all(np.isfinite(arr)), key
            assert np.all(arr >= 0.0), key
    trained = out.series["workforce.training_need_cumulative"][0]
    assert np.all(np.diff(trained) >= 0.0)
    total = out.series["workforce.people_total"]
    parts = sum(out.series[f"workforce.people_{s}"] for s in workforce.STAGES)
    np.testing.assert_allclose(parts, total)


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ParameterError, match=r"workforce\.attrition_share"):
        base(**{"workforce.attrition_share": -0.1})


NUDGEABLE = [
    ("workforce.cells_people_per_gwh", 50.0, 200.0),
    ("workforce.productivity_gain_share", 0.0, 0.1),
    ("workforce.attrition_share", 0.0, 0.2),
    ("workforce.legacy_staffing_ratio", 0.0, 5.0),
]


@settings(max_examples=25, deadline=None)
# no productivity gain, no attrition, older lines staffed like new ones
@example(rows=[(100.0, 0.0, 0.0, 1.0), (100.0, 0.1, 0.1, 2.5)])
@given(
    st.lists(
        st.tuples(*[st.floats(lo, hi, allow_subnormal=False) for _, lo, hi in NUDGEABLE]),
        min_size=2,
        max_size=3,
    )
)
def test_batch_equals_one_at_a_time(rows: list[tuple[float, ...]]) -> None:
    scenarios = [
        base(**{name: v for (name, _, _), v in zip(NUDGEABLE, row, strict=True)}) for row in rows
    ]
    batch = run(scenarios)
    for i, s in enumerate(scenarios):
        one = run(s)
        for group, whole in ((one.indicators, batch.indicators), (one.series, batch.series)):
            for key, arr in group.items():
                if key.startswith("workforce."):
                    full = np.broadcast_to(whole[key], (len(scenarios), *arr.shape[1:]))
                    np.testing.assert_array_equal(full[i], arr[0], err_msg=key)
