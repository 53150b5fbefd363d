"""The model's time axes: the horizon, calendar years 2021 to 2040 inclusive, and the longer
axis of the years a representative plant can live in (its series cover the plant's whole life).
"""

from __future__ import annotations

import numpy as np

FIRST_YEAR = 2021
LAST_YEAR = 2040
YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)
N_YEARS = YEARS.size
# A plant's construction starts at the earliest in 2022 (the first production year's minimum)
# less 4 construction years, and its production ends at the latest in 2040 + 25 years of life
# - 1: the declared ranges of finance.plant_start_year, construction_years and plant_life_years
# (tests/test_finance.py checks that this axis covers them).
PLANT_FIRST_YEAR = 2018
PLANT_LAST_YEAR = 2064
PLANT_YEARS = np.arange(PLANT_FIRST_YEAR, PLANT_LAST_YEAR + 1)
# Axes a yearly series may be declared on (``axis:`` in an indicators YAML; default horizon).
AXES = {"horizon": YEARS, "plant": PLANT_YEARS}


def year_index(year: int) -> int:
    """Position of ``year`` on the horizon axis [index]."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} is outside the horizon {FIRST_YEAR}..{LAST_YEAR}")
    return year - FIRST_YEAR
