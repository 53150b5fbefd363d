"""The model's time axis: calendar years 2021 to 2040 inclusive."""

from __future__ import annotations

import numpy as np

FIRST_YEAR = 2021
LAST_YEAR = 2040
YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)
N_YEARS = YEARS.size


def year_index(year: int) -> int:
    """Position of ``year`` on the horizon axis [index]."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} is outside the horizon {FIRST_YEAR}..{LAST_YEAR}")
    return year - FIRST_YEAR
