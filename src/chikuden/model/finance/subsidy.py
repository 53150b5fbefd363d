"""Subsidy rules as data, each project's subsidy, and the fund's drawdown by year (P1, P2, P9).

The capex subsidy rate of a project with flags ``f`` (mother factory, technology development,
clean battery park, certified performance) and an R&D share ``d`` of its capex is::

    rate = (1 - d) * min(cap, base + sum_f uplift_f * flag_f) + d * rate_rd

and its subsidy ``S = capex * rate``. Only projects in Japan that are not yet producing
qualify. A project's subsidy is paid evenly over the ``C`` construction years before its
first production year; a not-yet-producing project starts ``delay`` years late and counts
with its expected share (:func:`chikuden.model.capacity.expected_share`: 0 outside the
scenario's pipeline, the realisation share of its status), the same rule
:func:`chikuden.model.capacity.plant_capacity` applies to capacity. The share of ``S`` paid by
the end of calendar year ``y`` is::

    F(y) = clip((y + 1 - (start - C)) / C, 0, 1)

(fractional start years and construction times work the same way). The fund is exhausted in
the first year in which cumulative drawdown exceeds cumulative appropriations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import YEARS
from chikuden.parameters.params import TableArrays, sum_rows

FLAGS = ("mother_factory", "tech_dev", "clean_park", "performance_certified")


def subsidy_rate(
    base: NDArray[np.float64],
    uplifts: Sequence[NDArray[np.float64]],
    flags: Sequence[NDArray[np.float64]],
    cap: NDArray[np.float64],
    rd_rate: NDArray[np.float64],
    rd_share: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Subsidy as a share of capex [share] under the rules; arrays broadcast.

    base, cap, rd_rate : base rate, cap on base plus uplifts, R&D rate [share]
    uplifts : uplifts for the flags in :data:`FLAGS` order [share]
    flags : the project's flags, same order [0 or 1]
    rd_share : share of the project's capex that is R&D [share]
    """
    rate = base
    for uplift, flag in zip(uplifts, flags, strict=True):
        rate = rate + uplift * flag
    return (1.0 - rd_share) * np.minimum(cap, rate) + rd_share * rd_rate


class Rules(NamedTuple):
    """The subsidy rules of one batch, each ``(k,)`` [share]."""

    base: NDArray[np.float64]
    uplifts: tuple[NDArray[np.float64], ...]  # in FLAGS order
    cap: NDArray[np.float64]
    rd_rate: NDArray[np.float64]

    def rate(
        self, flags: Sequence[NDArray[np.float64]], rd_share: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Rate for projects with ``flags`` and ``rd_share`` of shape ``(k,)``."""
        return subsidy_rate(self.base, self.uplifts, flags, self.cap, self.rd_rate, rd_share)

    def row_rates(self, plants: TableArrays) -> NDArray[np.float64]:
        """Rate of every row of a plants table [share], ``(k, rows)``."""
        col = [a[:, None] for a in (self.base, self.cap, self.rd_rate)]
        return subsidy_rate(
            col[0],
            [u[:, None] for u in self.uplifts],
            [plants[f] for f in FLAGS],
            col[1],
            col[2],
            plants["rd_share"],
        )


def eligible(plants: TableArrays) -> NDArray[np.bool_]:
    """Rows that can get a Japanese subsidy [bool] ``(k, rows)``: in Japan, not yet producing."""
    return plants.is_("region", "JP") & ~plants.is_("status", "existing")


def expected_drawdown(
    plants: TableArrays,
    amounts: NDArray[np.float64],
    delay_years: NDArray[np.float64],
    share: NDArray[np.float64],
    construction_years: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Expected subsidy per row [JPY] ``(k, rows)`` and cumulative payments ``(k, years)``.

    share : expected share of each row [share], ``(k, rows)``
    (:func:`chikuden.model.capacity.expected_share`). Plants not yet producing start
    ``delay_years`` late; existing plants keep their year: the rule of
    :func:`chikuden.model.capacity.plant_capacity`.
    """
    planned = ~plants.is_("status", "existing")
    expected = amounts * share
    zero = np.zeros(1)
    cumulative = cumulative_drawdown(
        np.where(planned, expected, 0.0), plants["start_year"], delay_years, construction_years
    )
    if (~planned & (expected != 0)).any():
        cumulative = cumulative + cumulative_drawdown(
            np.where(planned, 0.0, expected), plants["start_year"], zero, construction_years
        )
    return expected, cumulative


def paid_share(
    start_year: NDArray[np.float64] | float, construction_years: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Share of a subsidy paid by the end of each calendar year [share], shape ``(..., years)``.

    start_year : first production year [year], any shape ``(...)``
    construction_years : years of construction before it [years], broadcastable to ``(...)``
    """
    first = np.asarray(start_year - construction_years)[..., None]
    share = (YEARS + 1.0 - first) / np.asarray(construction_years)[..., None]
    return np.minimum(np.maximum(share, 0.0, out=share), 1.0, out=share)


def cumulative_drawdown(
    amounts: NDArray[np.float64],
    start_year: NDArray[np.float64],
    shift_years: NDArray[np.float64],
    construction_years: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Cumulative payments of all projects by the end of each year [JPY], shape ``(k, years)``.

    amounts : each project's subsidy [JPY], shape ``(k, rows)``
    start_year : each project's planned first production year [whole years], ``(k, rows)``
    shift_years : delay added to every project [years], shape ``(k,)``
    construction_years : [years], shape ``(k,)``

    Equals ``sum_rows amounts * paid_share(start_year + shift, C)`` without building a
    ``(k, rows, years)`` array: the paid share depends on a row only through
    ``year - start_year``, so projects are summed by start year and one curve per scenario,
    over ``year - start_year``, is read at each start year's offset.
    """
    n_k = max(amounts.shape[0], shift_years.shape[0], construction_years.shape[0])
    total = np.zeros((n_k, YEARS.size))
    carried = (amounts != 0).any(axis=0)
    starts = np.sort(start_year[:, carried], axis=None)
    if starts.size == 0:
        return total
    starts = starts[np.append(True, starts[1:] != starts[:-1])]  # np.unique, without its overhead
    first, last = int(starts[0]), int(starts[-1])
    since = np.arange(YEARS[0] - last, YEARS[-1] - first + 1, dtype=float)  # year - start
    curve = np.clip(
        (since + 1.0 + (construction_years - shift_years)[:, None]) / construction_years[:, None],
        0.0,
        1.0,
    )
    for year in starts:
        # a row sum in row order, not a matrix product: the same additions for any batch
        grouped = sum_rows(np.where(start_year == year, amounts, 0.0), keepdims=True)
        at = last - int(year)
        total += grouped * curve[:, at : at + YEARS.size]
    return total


def first_year_above(
    series: NDArray[np.float64], level: NDArray[np.float64]
) -> NDArray[np.float64]:
    """First calendar year in which ``series > level`` beyond rounding [year]; NaN if never.

    series, level : [JPY], shapes broadcasting to ``(k, years)``
    """
    tol = np.maximum(np.abs(level), np.abs(series))
    tol *= 1e-9
    tol += 1.0
    hit = np.subtract(series, level) > tol
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), YEARS[first], np.nan)
