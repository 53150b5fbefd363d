"""Leontief-inverse column sums of the economy domain's four sectors from the 2015 table.

Usage: ``python scripts/io2015_multipliers.py PATH`` from the repository root, where PATH is the
text file ``sample_IO_data_3.txt`` of github.com/ShiroTakeda/IO-analysis, downloaded unchanged
(356,558 characters: one comment line, then 187 rows of 187 tab-separated numbers in billion
yen). It is not kept in this repository and this script transcribes nothing from it.

The file's layout (as its own R script ``IO_analysis_3.r`` reads it): rows and columns 1-185
are the 2015 table's 185 sectors (統合小分類 187 less the two scrap rows, sector order of
``Make_IO/set/japan_2015_185x185_std.set`` in github.com/ShiroTakeda/Japanese_SAM_for_CGE);
column 186 is final demand net of imports, column 187 domestic production; row 186 is gross
value added, row 187 domestic production.

What it does:

1. checks the file: every row's intermediate sales plus final demand equal its production, and
   every column's intermediate inputs plus value added equal its production (within 0.05 bn
   yen: the cells are whole million yen, so the balances hold to float error); the value-added
   ratios of the four sectors equal economy.csv's ``*_value_added_ratio`` defaults at three
   decimals (scripts/io2015_value_added.py, same file);
2. forms the input coefficients A = Z / x (column-wise) and the inverse (I - A)^-1, the
   table's "(I-A)^-1 型" (closed type: imported inputs are not deducted, so a column sum
   overstates the domestic production induced; the file's single final-demand column is net of
   imports, so the import coefficients of the open type (I - (I - M)A)^-1 cannot be formed);
3. prints each sector's column sum, the all-sector mean, and the lower bound 1 + (1 - v_j) (the
   first two terms of I + A + A^2 + ...), and compares with economy.csv's ``*_io_multiplier``
   defaults (exit 1 when a default differs from the column sum at two decimals).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

CSV = Path(__file__).resolve().parents[1] / "src/chikuden/data/parameters/economy.csv"

N = 185
#: stage -> (1-based column of the 185, sector code, sector name)
SECTORS: dict[str, tuple[int, str, str]] = {
    "cells": (110, "3399", "その他の電気機械"),
    "materials": (47, "2029", "その他の無機化学工業製品"),
    "minerals": (78, "2711", "非鉄金属製錬・精製"),
    "vehicles": (114, "3511", "乗用車"),
}
TOLERANCE = 0.05  # bn JPY


def read_table(path: Path) -> NDArray[np.float64]:
    """The 187 x 187 table, comment line skipped."""
    table: NDArray[np.float64] = np.loadtxt(path, skiprows=1, dtype=np.float64)
    if table.shape != (N + 2, N + 2):
        raise SystemExit(f"{path}: expected {N + 2} x {N + 2} numbers, found {table.shape}")
    return table


def check(table: NDArray[np.float64]) -> list[str]:
    """The row and column balances; one line per failure."""
    z = table[:N, :N]
    final, x_row = table[:N, N], table[:N, N + 1]
    value_added, x_col = table[N, :N], table[N + 1, :N]
    problems = []
    for i in np.flatnonzero(np.abs(z.sum(axis=1) + final - x_row) > TOLERANCE):
        problems.append(f"row {i + 1}: Z + final demand != production")
    for j in np.flatnonzero(np.abs(z.sum(axis=0) + value_added - x_col) > TOLERANCE):
        problems.append(f"column {j + 1}: Z + value added != production")
    for i in np.flatnonzero(np.abs(x_row - x_col) > TOLERANCE):
        problems.append(f"sector {i + 1}: row and column production differ")
    return problems


def column_sums(table: NDArray[np.float64]) -> NDArray[np.float64]:
    """Column sums of (I - A)^-1 with A = Z / x column-wise."""
    z, x = table[:N, :N], table[N + 1, :N]
    a = z / np.where(x > 0, x, 1.0)[None, :]
    inverse = np.linalg.inv(np.eye(N) - a)
    sums: NDArray[np.float64] = inverse.sum(axis=0)
    return sums


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1])
        return 2
    table = read_table(Path(argv[0]))
    problems = check(table)
    for line in problems:
        print(line)
    if problems:
        return 1
    with CSV.open(encoding="utf-8") as f:
        defaults = {row["name"]: float(row["default"]) for row in csv.DictReader(f)}
    sums = column_sums(table)
    x = table[N + 1, :N]
    print(f"all {N} sectors: mean column sum {sums[x > 0].mean():.4f}")
    bad = 0
    for stage, (col, code, name) in SECTORS.items():
        j = col - 1
        ratio = table[N, j] / x[j]
        if round(ratio, 3) != defaults[f"economy.{stage}_value_added_ratio"]:
            print(f"{stage}: column {col} value-added ratio {ratio:.4f} is not economy.csv's")
            bad += 1
        default = defaults[f"economy.{stage}_io_multiplier"]
        print(
            f"economy.{stage}_io_multiplier: {code} {name}: column sum {sums[j]:.4f}"
            f" (lower bound 1 + {1 - ratio:.3f}; economy.csv {default})"
        )
        if round(sums[j], 2) != default:
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
