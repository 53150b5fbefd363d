"""Value-added ratios of the economy domain from Japan's 2015 input-output table.

Usage: ``python scripts/io2015_value_added.py`` from the repository root. Prints, for each
stage of the chain, the 2015 table's sector, its gross value added (粗付加価値部門計) and its
domestic production (国内生産額) in the sector's column, and their ratio (粗付加価値率); then
checks that ``src/chikuden/data/parameters/economy.csv`` holds the ratios rounded to three
decimals (exit 1 when it does not).

The table: 総務省ほか10府省庁, 平成27年（2015年）産業連関表, transactions at producers' prices,
統合小分類 (187 sectors), billion yen, as transcribed in the 185-sector text file
``sample_IO_data_3.txt`` of github.com/ShiroTakeda/IO-analysis (rows 186 and 187 are the value
added and production rows; the sector order is that of
``Make_IO/set/japan_2015_185x185_std.set`` in github.com/ShiroTakeda/Japanese_SAM_for_CGE,
187 sectors less the two scrap rows 鉄屑 and 非鉄金属屑, which have no column). Column 110 of
the 185 is 3399, column 47 is 2029, column 78 is 2711 and column 114 is 3511. The same file's
columns sum to 1,017,818 billion yen of production and 548,239 billion yen of value added.

Why these sectors: 電池 (basic sector 3399-031) is one of the four basic sectors of 3399
その他の電気機械 (with 電球類, 電気照明器具 and その他の電気機械器具); the 187-sector table is the
finest published level at which value added is read here. Cathode active materials, the bulk of
a cell's material cost, are inorganic compounds (2029 その他の無機化学工業製品). Refined nickel,
cobalt and lithium are 2711 非鉄金属製錬・精製. Vehicles are 3511 乗用車.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

CSV = Path(__file__).resolve().parents[1] / "src/chikuden/data/parameters/economy.csv"

#: parameter -> (sector code, sector name, gross value added, domestic production) [bn JPY]
SECTORS: dict[str, tuple[str, str, float, float]] = {
    "economy.cells_value_added_ratio": ("3399", "その他の電気機械", 1097.974, 3026.647),
    "economy.materials_value_added_ratio": (
        "2029",
        "その他の無機化学工業製品",
        607.819,
        1562.385,
    ),
    "economy.minerals_value_added_ratio": ("2711", "非鉄金属製錬・精製", 935.205, 3481.882),
    "economy.vehicles_value_added_ratio": ("3511", "乗用車", 2729.768, 15988.340),
}


def ratios() -> dict[str, float]:
    """Gross value added over domestic production, by parameter."""
    return {name: va / x for name, (_, _, va, x) in SECTORS.items()}


def main() -> int:
    with CSV.open(encoding="utf-8") as f:
        defaults = {row["name"]: float(row["default"]) for row in csv.DictReader(f)}
    bad = 0
    for name, ratio in ratios().items():
        code, sector, va, x = SECTORS[name]
        print(f"{name}: {code} {sector}: {va:,.3f} / {x:,.3f} = {ratio:.4f}")
        if defaults[name] != round(ratio, 3):
            print(f"  economy.csv has {defaults[name]}, the table gives {round(ratio, 3)}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
