"""Units of KPIs and the few conversions a spreadsheet may need (億円 -> JPY, % -> share).

A KPI stores its values in one canonical unit. An imported value may be given in another unit
of the same quantity; it is converted with the factor below. Any other unit is an error: the
ledger never guesses.
"""

from __future__ import annotations

# canonical unit -> {accepted unit: factor to the canonical unit}
CONVERSIONS: dict[str, dict[str, float]] = {
    "GWh": {"GWh": 1.0, "TWh": 1e3, "MWh": 1e-3, "kWh": 1e-6},
    "JPY": {"JPY": 1.0, "円": 1.0, "千円": 1e3, "百万円": 1e6, "億円": 1e8, "兆円": 1e12},
    "share": {"share": 1.0, "%": 0.01},
    "connectors": {"connectors": 1.0, "口": 1.0, "万口": 1e4},
    "people": {"people": 1.0, "人": 1.0, "万人": 1e4},
    "kgCO2/kWh": {"kgCO2/kWh": 1.0, "gCO2/kWh": 1e-3, "t-CO2/kWh": 1e3},
    "JPY/kWh": {"JPY/kWh": 1.0, "円/kWh": 1.0, "万円/kWh": 1e4},
}


def accepted_units(unit: str) -> list[str]:
    """Units a value of a KPI measured in ``unit`` may be given in."""
    return list(CONVERSIONS.get(unit, {unit: 1.0}))


def factor(given: str, unit: str) -> float | None:
    """Factor turning a value in ``given`` into ``unit``; None when they do not convert."""
    given = given.strip()
    if given == unit:
        return 1.0
    return CONVERSIONS.get(unit, {}).get(given)
