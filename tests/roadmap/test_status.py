"""The arithmetic of trajectories, progress ratios and statuses, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from chikuden.roadmap.status import Thresholds, classify, progress_ratio, trajectory


def test_linear_trajectory_between_baseline_and_target() -> None:
    # Chargers: 29,463 in 2022 -> 300,000 in 2030. In 2025, 3/8 of the way:
    # 29,463 + (300,000 - 29,463) * 3 / 8 = 29,463 + 101,451.375 = 130,914.375
    assert trajectory(2025, 2022, 29_463, [2030], [300_000]) == pytest.approx(130_914.375)


def test_declared_path_goes_through_every_target_and_holds_after_the_last() -> None:
    # Baseline 10 (2020); targets 20 (2022), 50 (2025). 2021: halfway to 20 -> 15;
    # 2024: 20 + (50 - 20) * 2/3 = 40; 2027: after the last target -> 50.
    got = trajectory([2021, 2024, 2027], 2020, 10.0, [2025, 2022], [50.0, 20.0])
    assert got.tolist() == pytest.approx([15.0, 40.0, 50.0])


def test_targets_at_or_before_the_baseline_are_ignored() -> None:
    # A 2019 target before the 2020 baseline plays no part: 2025 is halfway from 0 to 100.
    assert trajectory(2025, 2020, 0.0, [2019, 2030], [999.0, 100.0]) == pytest.approx(50.0)


def test_ratio_of_progress_made_to_progress_planned() -> None:
    # Chargers 2025: (68,000 - 29,463) / (130,914.375 - 29,463) = 38,537 / 101,451.375
    # = 0.37986 -> off track (< 0.6).
    ratio = progress_ratio(
        np.array([29_463.0]), np.array([130_914.375]), np.array([68_000.0]), np.array([1.0])
    )
    assert ratio[0] == pytest.approx(38_537 / 101_451.375)
    assert classify(ratio).tolist() == ["off_track"]


def test_lower_is_better_counts_a_fall_as_progress() -> None:
    # Grid intensity: 0.437 (FY2022) -> 0.25 (FY2030); expected FY2023 = 0.437 - 0.187/8
    # = 0.413625. Actual 0.421: fell 0.016 of a planned 0.023375 -> 0.68449 -> at risk.
    expected = trajectory(2023, 2022, 0.437, [2030], [0.25])
    assert expected == pytest.approx(0.413625)
    ratio = progress_ratio(
        np.array([0.437]), np.array([expected]), np.array([0.421]), np.array([-1.0])
    )
    assert ratio[0] == pytest.approx(0.016 / 0.023375)
    assert classify(ratio).tolist() == ["at_risk"]
    # A rise of a lower-is-better KPI is negative progress: 0.45 -> (0.437-0.45)/0.023375.
    worse = progress_ratio(
        np.array([0.437]), np.array([expected]), np.array([0.45]), np.array([-1.0])
    )
    assert worse[0] == pytest.approx(-0.013 / 0.023375)
    assert classify(worse).tolist() == ["off_track"]


def test_ahead_of_the_path_is_on_track() -> None:
    # Certified capacity: 20 (2022) -> 150 (2030); 2024 expects 20 + 130 * 2/8 = 52.5.
    # 120 reached: (120 - 20) / 32.5 = 3.0769 -> on track.
    ratio = progress_ratio(np.array([20.0]), np.array([52.5]), np.array([120.0]), np.array([1.0]))
    assert ratio[0] == pytest.approx(100 / 32.5)
    assert classify(ratio).tolist() == ["on_track"]


def test_a_flat_plan_means_hold_the_line() -> None:
    # Expected = baseline: holding or improving is 1, slipping is 0 (both directions).
    base = np.array([5.0, 5.0, 5.0, 5.0])
    actual = np.array([5.0, 6.0, 4.0, 4.0])
    sign = np.array([1.0, 1.0, 1.0, -1.0])
    assert progress_ratio(base, base, actual, sign).tolist() == [1.0, 1.0, 0.0, 1.0]


def test_thresholds_are_inclusive_and_settable() -> None:
    ratios = np.array([0.9, 0.8999, 0.6, 0.5999, np.nan])
    assert classify(ratios).tolist() == [
        "on_track",
        "at_risk",
        "at_risk",
        "off_track",
        "no_data",
    ]
    # With thresholds 0.8 / 0.5 the second and fourth move up a class.
    assert classify(ratios, Thresholds(0.8, 0.5)).tolist() == [
        "on_track",
        "on_track",
        "at_risk",
        "at_risk",
        "no_data",
    ]


def test_batch_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(3)
    base, expected, actual = rng.uniform(0, 100, size=(3, 50))
    sign = rng.choice([-1.0, 1.0], size=50)
    batch = progress_ratio(base, expected, actual, sign)
    single = [
        progress_ratio(base[i : i + 1], expected[i : i + 1], actual[i : i + 1], sign[i : i + 1])[0]
        for i in range(50)
    ]
    assert batch.tolist() == pytest.approx(single)
