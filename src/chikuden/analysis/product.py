"""Product performance and passport (P9): fit a capacity-fade model to cycle-life test data,
classify durability, carbon footprint, recycled content and safety, and decide the subsidy
top-up the scenario's rules give.

The fade fit is :mod:`chikuden.analysis.fade` (three two-parameter models, the cycles to end
of life with a 95 % interval).

**Classes** (1 = A ... 4 = D) use the equations of :mod:`chikuden.model.carbon`: durability
from the cycles to end of life, the EU carbon class from the declared footprint per kWh
delivered ``1000 (CF + D) / (N_s (1 + s) / 2)`` [g CO2e/kWh]; recycled content 1 if every
metal the chemistry contains meets the EU 2036 minimum, 2 if it meets 2031, else 3. Safety
passes when every test of :data:`SAFETY_TESTS` (named after IEC 62660-3) is reported ``pass``.

**Top-up.** The product earns ``finance.subsidy_performance_topup_share`` when it passes every
safety test, lasts at least ``carbon.performance_min_cycles`` (lower 95 % bound) and its
footprint per kWh delivered is at most ``carbon.performance_max_gco2e_per_kwh_delivered``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chikuden.analysis.fade import (
    CONFIDENCE,
    MIN_POINTS,
    FadeFit,
    ProductFileError,
    fit_fade,
)
from chikuden.errors import did_you_mean
from chikuden.horizon import FIRST_YEAR, LAST_YEAR, year_index
from chikuden.model import carbon
from chikuden.model.power import GRID, PARK
from chikuden.parameters.declarations import Table, declarations
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario

# -- product files --------------------------------------------------------------------------
SAFETY_TESTS = (
    "external_short_circuit",
    "overcharge",
    "forced_discharge",
    "crush",
    "high_temperature",
    "internal_short_circuit",
)
SAFETY_RESULTS = ("pass", "fail")
METALS = carbon.METALS
DEFAULT_TOLERANCE = 0.02
FIELDS = {
    "product": "name of the product",
    "chemistry": "cell chemistry, a row of carbon.chemistries (e.g. NMC811, LFP)",
    "capacity_kwh": "rated capacity of one cell or pack [kWh] (optional)",
    "carbon_footprint_kgco2e_per_kwh": "declared cradle-to-gate footprint [kg CO2e per kWh]",
    "recycled_content": "recycled shares by metal: cobalt, lithium, nickel [0..1] (optional)",
    "safety_tests": f"test -> pass or fail, for {', '.join(SAFETY_TESTS)}",
    "cycle_test": "efc (equivalent full cycles) and capacity_share (of rated) lists",
}
CSV_META_HEADER = ["field", "value"]
CSV_DATA_HEADER = ["efc", "capacity_share"]


@dataclass(frozen=True)
class Product:
    """Declared values and cycle test data of one product."""

    name: str
    chemistry: str
    capacity_kwh: float | None
    footprint: float  # declared cradle-to-gate [kg CO2e/kWh]
    recycled: dict[str, float]  # metal -> share (0 where not declared)
    safety: dict[str, str]  # test -> "pass" / "fail"
    cycles: np.ndarray  # equivalent full cycles [cycles]
    capacity: np.ndarray  # remaining capacity [share of rated]
    origin: str = ""


def read_product(path: str | Path, tolerance: float = DEFAULT_TOLERANCE) -> Product:
    """Read and check a product file (``.json`` or ``.csv``)."""
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise ProductFileError(f"product file {where!r} not found; give a .json or .csv file")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return parse_product(_json_document(text, where), where, tolerance)
    if path.suffix.lower() == ".csv":
        return parse_product(csv_document(text, where), where, tolerance)
    raise ProductFileError(
        f"{where}: unknown file type {path.suffix!r}; a product file is .json or .csv"
    )


def _json_document(text: str, where: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProductFileError(
            f"{where}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; "
            "fix the file"
        ) from None
    if not isinstance(doc, dict):
        raise ProductFileError(f"{where}: expected a JSON object with {', '.join(FIELDS)}")
    return doc


def csv_document(text: str, where: str) -> dict[str, Any]:
    """A CSV product file as the JSON shape.

    Two blocks separated by a blank line (``#`` lines are comments): ``field,value`` rows
    (``recycled_<metal>_share`` and ``safety_<test>`` fill the two mappings), then the cycle
    table with header ``efc,capacity_share``.
    """
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    blocks: list[list[str]] = [[]]
    for ln in lines:
        if ln.strip():
            blocks[-1].append(ln)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if len(blocks) != 2:
        raise ProductFileError(
            f"{where}: a CSV product file has two blocks separated by a blank line "
            f"({','.join(CSV_META_HEADER)} rows, then {','.join(CSV_DATA_HEADER)} rows); "
            f"found {len(blocks)}"
        )
    meta_rows = list(csv.reader(io.StringIO("\n".join(blocks[0]))))
    data_rows = list(csv.reader(io.StringIO("\n".join(blocks[1]))))
    for rows, header in ((meta_rows, CSV_META_HEADER), (data_rows, CSV_DATA_HEADER)):
        got = [c.strip() for c in rows[0]]
        if got != header:
            raise ProductFileError(
                f"{where}: block header {','.join(got)!r} should be {','.join(header)!r}"
            )
    doc: dict[str, Any] = {}
    recycled: dict[str, str] = {}
    safety: dict[str, str] = {}
    for i, row in enumerate(meta_rows[1:], start=2):
        if len(row) != 2:
            raise ProductFileError(f"{where}: field row {i} needs 2 cells (field,value): {row}")
        key, value = row[0].strip(), row[1].strip()
        if key.startswith("recycled_") and key.endswith("_share"):
            recycled[key[len("recycled_") : -len("_share")]] = value
        elif key.startswith("safety_"):
            safety[key[len("safety_") :]] = value
        else:
            doc[key] = value
    if recycled:
        doc["recycled_content"] = recycled
    if safety:
        doc["safety_tests"] = safety
    efc: list[str] = []
    cap: list[str] = []
    for i, row in enumerate(data_rows[1:], start=2):
        if len(row) != 2:
            raise ProductFileError(
                f"{where}: cycle row {i} needs 2 cells (efc,capacity_share): {row}"
            )
        efc.append(row[0])
        cap.append(row[1])
    doc["cycle_test"] = {"efc": efc, "capacity_share": cap}
    return doc


def _number(value: Any, label: str, lo: float, hi: float, what: str) -> float:
    if isinstance(value, bool):
        value = None
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x) or not lo <= x <= hi:
        raise ProductFileError(f"{label} = {value!r}: expected {what}; correct the file")
    return x


def parse_product(doc: dict[str, Any], where: str, tolerance: float) -> Product:
    """Check a product document (JSON shape) and return the :class:`Product`."""
    unknown = sorted(set(doc) - set(FIELDS))
    if unknown:
        raise ProductFileError(
            f"{where}: unknown field {unknown[0]!r}{did_you_mean(unknown[0], FIELDS)}; "
            f"fields: {', '.join(FIELDS)}"
        )
    for key in ("product", "chemistry", "carbon_footprint_kgco2e_per_kwh", "cycle_test"):
        if key not in doc or doc[key] in (None, ""):
            raise ProductFileError(f"{where}: field {key!r} is missing; give the {FIELDS[key]}")
    footprint = _number(
        doc["carbon_footprint_kgco2e_per_kwh"],
        f"{where}: carbon_footprint_kgco2e_per_kwh",
        0.0,
        10_000.0,
        "a footprint >= 0 [kg CO2e per kWh]",
    )
    capacity_kwh = None
    if doc.get("capacity_kwh") not in (None, ""):
        capacity_kwh = _number(
            doc["capacity_kwh"], f"{where}: capacity_kwh", 1e-9, 1e9, "a capacity > 0 [kWh]"
        )
    recycled = {m: 0.0 for m in METALS}
    given = doc.get("recycled_content") or {}
    if not isinstance(given, dict):
        raise ProductFileError(f"{where}: recycled_content must map metals to shares")
    for metal, value in given.items():
        if metal not in METALS:
            raise ProductFileError(
                f"{where}: recycled_content metal {metal!r} is unknown"
                f"{did_you_mean(str(metal), METALS)}; metals: {', '.join(METALS)}"
            )
        recycled[metal] = _number(
            value, f"{where}: recycled_content.{metal}", 0.0, 1.0, "a share between 0 and 1"
        )
    safety: dict[str, str] = {}
    tests = doc.get("safety_tests") or {}
    if not isinstance(tests, dict):
        raise ProductFileError(f"{where}: safety_tests must map test names to pass or fail")
    for test, result in tests.items():
        text = str(result).strip().lower()
        if text not in SAFETY_RESULTS:
            raise ProductFileError(
                f"{where}: safety_tests.{test} = {result!r}: expected pass or fail"
            )
        safety[str(test)] = text
    cycles, capacity = _cycle_data(doc["cycle_test"], where, tolerance)
    return Product(
        name=str(doc["product"]),
        chemistry=str(doc["chemistry"]).strip(),
        capacity_kwh=capacity_kwh,
        footprint=footprint,
        recycled=recycled,
        safety=safety,
        cycles=cycles,
        capacity=capacity,
        origin=where,
    )


def _cycle_data(raw: Any, where: str, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(raw, dict) or "efc" not in raw or "capacity_share" not in raw:
        raise ProductFileError(
            f"{where}: cycle_test needs two lists, efc and capacity_share (of rated capacity)"
        )
    efc_raw, cap_raw = raw["efc"], raw["capacity_share"]
    if not isinstance(efc_raw, list) or not isinstance(cap_raw, list):
        raise ProductFileError(f"{where}: cycle_test.efc and .capacity_share must be lists")
    if len(efc_raw) != len(cap_raw):
        raise ProductFileError(
            f"{where}: cycle_test has {len(efc_raw)} efc values but {len(cap_raw)} "
            "capacity_share values; give one capacity per cycle count"
        )
    if len(efc_raw) < MIN_POINTS:
        raise ProductFileError(
            f"{where}: cycle_test has {len(efc_raw)} points; at least {MIN_POINTS} are needed "
            "to fit a fade model; add test points"
        )
    cycles = np.array(
        [
            _number(v, f"{where}: cycle_test point {i} efc", 0.0, 1e7, "cycles >= 0")
            for i, v in enumerate(efc_raw, start=1)
        ]
    )
    capacity = np.array(
        [
            _number(
                v,
                f"{where}: cycle_test point {i} capacity_share",
                1e-9,
                10.0,
                "a share of rated capacity > 0",
            )
            for i, v in enumerate(cap_raw, start=1)
        ]
    )
    step = np.diff(cycles)
    if (step <= 0).any():
        i = int(np.argmax(step <= 0)) + 2
        raise ProductFileError(
            f"{where}: cycle_test point {i}: efc {cycles[i - 1]:g} does not exceed the previous "
            f"{cycles[i - 2]:g}; cycle data must be strictly increasing in cycles (sort the "
            "points and drop repeats)"
        )
    over = (cycles > 0) & (capacity > 1.0 + tolerance)
    if over.any():
        i = int(np.argmax(over)) + 1
        raise ProductFileError(
            f"{where}: cycle_test point {i}: capacity_share {capacity[i - 1]:g} after "
            f"{cycles[i - 1]:g} cycles is above 100% by more than the tolerance "
            f"{tolerance:.0%}; give capacity as a share of rated capacity or raise the tolerance"
        )
    return cycles, capacity


# -- assessment -----------------------------------------------------------------------------
CLASS_LETTERS = ("A", "B", "C", "D")


def class_letter(value: float) -> str:
    """``1 -> "A"`` ... ``4 -> "D"``."""
    return CLASS_LETTERS[int(value) - 1]


def _value(scenario: Scenario, name: str) -> float | None:
    """The scenario's value of ``name``, or None if no domain declares it (yet)."""
    if name not in declarations():
        return None
    return float(scenario.value(name))


@dataclass(frozen=True)
class Unmet:
    """A condition of the top-up that the product does not meet (en / ja)."""

    code: str
    en: str
    ja: str


@dataclass(frozen=True)
class Assessment:
    """What :func:`assess` found for one product under one scenario."""

    product: Product
    scenario: str
    fit: FadeFit
    candidates: dict[str, float]
    durability_class: int
    durability_class_low: int
    delivered: float  # [g CO2e per kWh delivered]
    carbon_class: int
    threshold: float
    passes_threshold: bool
    recycled_class: int
    recycled_metals: tuple[str, ...]
    safety_status: str  # pass | fail | incomplete
    safety_failed: tuple[str, ...]
    safety_missing: tuple[str, ...]
    year: int
    modelled_grid: float  # [kg CO2e/kWh] same chemistry made in Japan on the grid
    modelled_park: float  # ... in a clean battery park
    eligible: bool
    unmet: tuple[Unmet, ...]
    topup_share: float | None
    subsidy_rate: float | None  # with the top-up when eligible
    rules: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape."""
        f = self.fit
        return {
            "product": self.product.name,
            "chemistry": self.product.chemistry,
            "file": self.product.origin,
            "scenario": self.scenario,
            "fit": {
                "model": f.model,
                "equation": f.equation,
                "parameters": f.params,
                "std_errors": f.std_errors,
                "rmse_share": f.rmse,
                "r2": f.r2,
                "points": f.points,
                "candidates_rmse_share": self.candidates,
            },
            "cycles_to_end_of_life": {
                "state_of_health": f.eol_soh,
                "estimate": f.cycles,
                "low": f.cycles_low,
                "high": f.cycles_high if math.isfinite(f.cycles_high) else None,
                "confidence": CONFIDENCE,
                "extrapolated": f.extrapolated,
                "last_tested": float(self.product.cycles[-1]),
            },
            "durability": {
                "class": class_letter(self.durability_class),
                "class_at_lower_bound": class_letter(self.durability_class_low),
            },
            "carbon": {
                "declared_kgco2e_per_kwh": self.product.footprint,
                "per_kwh_delivered_gco2e": self.delivered,
                "class": class_letter(self.carbon_class),
                "threshold_per_kwh_delivered_gco2e": self.threshold,
                "passes_threshold": self.passes_threshold,
                "assumed_class_boundaries": True,
                "modelled_year": self.year,
                "modelled_grid_kgco2e_per_kwh": self.modelled_grid,
                "modelled_clean_park_kgco2e_per_kwh": self.modelled_park,
            },
            "recycled_content": {
                "class": self.recycled_class,
                "declared": self.product.recycled,
                "metals_checked": list(self.recycled_metals),
            },
            "safety": {
                "status": self.safety_status,
                "failed": list(self.safety_failed),
                "missing": list(self.safety_missing),
            },
            "top_up": {
                "eligible": self.eligible,
                "unmet": [u.en for u in self.unmet],
                "top_up_share": self.topup_share,
                "subsidy_rate_share": self.subsidy_rate,
            },
            "rules": self.rules,
        }


def recycled_class(
    recycled: dict[str, float],
    metals: tuple[str, ...],
    min_2031: dict[str, float],
    min_2036: dict[str, float],
) -> int:
    """1 if every metal meets the EU 2036 minimum, 2 if every one meets 2031, else 3."""
    if all(recycled[m] >= min_2036[m] - 1e-12 for m in metals):
        return 1
    if all(recycled[m] >= min_2031[m] - 1e-12 for m in metals):
        return 2
    return 3


def assess(
    product: Product, scenario: Scenario, model: str = "auto", year: int = carbon.TARGET_YEAR
) -> Assessment:
    """Fit, classify and decide the top-up for ``product`` under ``scenario``'s rules."""
    table: Table = scenario.value("carbon.chemistries")
    known = table.strings("chemistry")
    if product.chemistry not in known:
        raise ProductFileError(
            f"{product.origin}: chemistry {product.chemistry!r} is unknown"
            f"{did_you_mean(product.chemistry, known)}; scenario {scenario.name} knows "
            f"{', '.join(known)} (carbon.chemistries)"
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ProductFileError(f"--year {year}: give a year in {FIRST_YEAR}..{LAST_YEAR}")
    v = {name: float(scenario.value(name)) for name in _RULES}
    eol = v["carbon.end_of_life_soh_share"]
    fit, candidates = fit_fade(product.cycles, product.capacity, eol, model)
    durability = [v[f"carbon.durability_class_{c}_cycles"] for c in "abc"]
    bounds = [v[f"carbon.eu_class_{c}_max"] for c in "abc"]
    life = float(carbon.delivered_energy_per_kwh(fit.cycles, eol))
    delivered = (
        carbon.G_PER_KG * (product.footprint + v["carbon.distribution_kgco2e_per_kwh"]) / life
    )
    threshold = v["carbon.eu_threshold_gco2e_per_kwh_delivered"]

    row = table.rows[known.index(product.chemistry)]
    present = {
        "cobalt": bool(row["has_cobalt"]),
        "lithium": True,
        "nickel": bool(row["has_nickel"]),
    }
    metals = tuple(m for m in METALS if present[m])
    rec = recycled_class(
        product.recycled,
        metals,
        {m: v[f"carbon.eu_recycled_2031_{m}_share"] for m in METALS},
        {m: v[f"carbon.eu_recycled_2036_{m}_share"] for m in METALS},
    )
    failed = tuple(t for t, r in product.safety.items() if r == "fail")
    missing = tuple(t for t in SAFETY_TESTS if t not in product.safety)
    status = "fail" if failed else ("incomplete" if missing else "pass")

    p = Params.from_scenarios([scenario])
    weights = carbon.one_chemistry_weights(p.table("carbon.chemistries"), product.chemistry)
    f = carbon.footprints(p, weights)
    yi = year_index(year)

    unmet: list[Unmet] = []
    if failed:
        unmet.append(
            Unmet(
                "safety",
                f"failed safety tests: {', '.join(failed)}",
                f"不合格の安全性試験：{', '.join(failed)}",
            )
        )
    if missing:
        unmet.append(
            Unmet(
                "safety",
                f"safety tests not reported: {', '.join(missing)}",
                f"報告のない安全性試験：{', '.join(missing)}",
            )
        )
    need = v["carbon.performance_min_cycles"]
    if fit.cycles_low < need:
        unmet.append(
            Unmet(
                "durability",
                f"cycles to end of life (lower 95% bound) {fit.cycles_low:,.0f} < {need:,.0f}",
                f"使用終了までのサイクル数（95%下限）{fit.cycles_low:,.0f} < {need:,.0f}",
            )
        )
    cap = v["carbon.performance_max_gco2e_per_kwh_delivered"]
    if delivered > cap:
        unmet.append(
            Unmet(
                "carbon",
                f"footprint per kWh delivered {delivered:.1f} > {cap:g} g CO2e",
                f"供給電力量1kWhあたりフットプリント {delivered:.1f} > {cap:g} g CO2e",
            )
        )
    eligible = not unmet
    topup = _value(scenario, "finance.subsidy_performance_topup_share")
    base = _value(scenario, "finance.subsidy_base_rate_share")
    most = _value(scenario, "finance.subsidy_max_rate_share")
    rate = None
    if topup is not None and base is not None:
        rate = base + (topup if eligible else 0.0)
        if most is not None:
            rate = min(rate, most)
    return Assessment(
        product=product,
        scenario=scenario.name,
        fit=fit,
        candidates=candidates,
        durability_class=int(carbon.durability_class(fit.cycles, *durability)),
        durability_class_low=int(carbon.durability_class(fit.cycles_low, *durability)),
        delivered=delivered,
        carbon_class=int(carbon.eu_class(delivered, *bounds)),
        threshold=threshold,
        passes_threshold=delivered <= threshold,
        recycled_class=rec,
        recycled_metals=metals,
        safety_status=status,
        safety_failed=failed,
        safety_missing=missing,
        year=year,
        modelled_grid=float(f.total[0, GRID, yi]),
        modelled_park=float(f.total[0, PARK, yi]),
        eligible=eligible,
        unmet=tuple(unmet),
        topup_share=topup,
        subsidy_rate=rate,
        rules=v,
    )


_RULES = (
    "carbon.end_of_life_soh_share",
    "carbon.distribution_kgco2e_per_kwh",
    "carbon.durability_class_a_cycles",
    "carbon.durability_class_b_cycles",
    "carbon.durability_class_c_cycles",
    "carbon.eu_class_a_max",
    "carbon.eu_class_b_max",
    "carbon.eu_class_c_max",
    "carbon.eu_threshold_gco2e_per_kwh_delivered",
    "carbon.eu_recycled_2031_cobalt_share",
    "carbon.eu_recycled_2031_lithium_share",
    "carbon.eu_recycled_2031_nickel_share",
    "carbon.eu_recycled_2036_cobalt_share",
    "carbon.eu_recycled_2036_lithium_share",
    "carbon.eu_recycled_2036_nickel_share",
    "carbon.performance_min_cycles",
    "carbon.performance_max_gco2e_per_kwh_delivered",
)
