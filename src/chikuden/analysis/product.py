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
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from chikuden import reading
from chikuden.analysis.fade import (
    CONFIDENCE,
    MIN_POINTS,
    FadeFit,
    ProductFileError,
    fit_fade,
)
from chikuden.errors import N_, Msg, did_you_mean
from chikuden.horizon import FIRST_YEAR, LAST_YEAR, year_index
from chikuden.model import carbon
from chikuden.model.carbon.power import GRID, PARK
from chikuden.parameters.declarations import Table, declarations
from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario
from chikuden.reading import show

# -- product files --------------------------------------------------------------------------
SafetyTest = Literal[
    "external_short_circuit",
    "overcharge",
    "forced_discharge",
    "crush",
    "high_temperature",
    "internal_short_circuit",
]
SafetyResult = Literal["pass", "fail"]
Metal = Literal["cobalt", "lithium", "nickel"]  # carbon.METALS (a test checks they agree)
SAFETY_TESTS: tuple[str, ...] = get_args(SafetyTest)
SAFETY_RESULTS: tuple[str, ...] = get_args(SafetyResult)
METALS = carbon.METALS
DEFAULT_TOLERANCE = 0.02
FIELDS: dict[str, Msg] = {
    "product": N_("name of the product"),
    "chemistry": N_("cell chemistry, a row of carbon.chemistries (e.g. NMC811, LFP)"),
    "capacity_kwh": N_("rated capacity of one cell or pack [kWh] (optional)"),
    "carbon_footprint_kgco2e_per_kwh": N_("declared cradle-to-gate footprint [kg CO2e per kWh]"),
    "recycled_content": N_("recycled shares by metal: cobalt, lithium, nickel [0..1] (optional)"),
    "safety_tests": N_("test -> pass or fail, for {tests}", tests=", ".join(SAFETY_TESTS)),
    "cycle_test": N_("efc (equivalent full cycles) and capacity_share (of rated) lists"),
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
    cycles: NDArray[np.float64]  # equivalent full cycles [cycles]
    capacity: NDArray[np.float64]  # remaining capacity [share of rated]
    origin: str = ""


# Limits of a product file, checked before it is parsed (assumptions, stated in docs/carbon.md).
#: Largest product file [bytes]: 100,000 points at up to 100 bytes each.
MAX_FILE_BYTES = 10_000_000
#: Most test points [count]: one a cycle over a 100,000-cycle test; the fit is linear in it.
MAX_POINTS = 100_000
#: Deepest nesting of JSON objects and lists [levels]; a product file needs 3.
MAX_DEPTH = 8
#: Longest text value (product name, chemistry) [characters].
MAX_TEXT = 200


@dataclass(frozen=True)
class Range:
    """The allowed values of a numeric field of a product file."""

    what: Msg
    lo: float
    hi: float
    lo_open: bool
    unit: str

    def bounds(self) -> str:
        """``(0, 1e9]``: the interval as the docs write it."""

        def num(x: float) -> str:
            return f"{x:g}".replace("e+0", "e").replace("e+", "e")

        return f"{'(' if self.lo_open else '['}{num(self.lo)}, {num(self.hi)}]"

    def text(self) -> Msg:
        """``a share of rated capacity, a number in (0, 10] [share]``."""
        return N_(
            "{what}, a number in {bounds} [{unit}]",
            what=self.what,
            bounds=self.bounds(),
            unit=self.unit,
        )

    def field(self) -> Any:
        """The pydantic constraints of this range (finite values only)."""
        return Field(
            gt=self.lo if self.lo_open else None,
            ge=None if self.lo_open else self.lo,
            le=self.hi,
            allow_inf_nan=False,
        )


#: The numeric fields of a product file and their ranges: the one place they are declared
#: (pydantic checks them; error messages and docs/carbon.md quote them).
RANGES = {
    "capacity_kwh": Range(N_("a capacity"), 0.0, 1e9, True, "kWh"),
    "carbon_footprint_kgco2e_per_kwh": Range(
        N_("a footprint"), 0.0, 10_000.0, False, "kg CO2e/kWh"
    ),
    "recycled_content": Range(N_("a recycled share"), 0.0, 1.0, False, "share"),
    "efc": Range(N_("equivalent full cycles"), 0.0, 1e7, False, "cycles"),
    "capacity_share": Range(N_("a share of rated capacity"), 0.0, 10.0, True, "share"),
}


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("true/false is not a number")
    return value


def _one_line_text(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in value):
            raise ValueError("a control character or line break in a one-line text")
    return value


def _result(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


NotBool = BeforeValidator(_not_bool)  # float() would read true as 1
Efc = Annotated[float, NotBool, RANGES["efc"].field()]
CapacityShare = Annotated[float, NotBool, RANGES["capacity_share"].field()]
CapacityKwh = Annotated[float, NotBool, RANGES["capacity_kwh"].field()]
Footprint = Annotated[float, NotBool, RANGES["carbon_footprint_kgco2e_per_kwh"].field()]
RecycledShare = Annotated[float, NotBool, RANGES["recycled_content"].field()]
Text = Annotated[
    str, BeforeValidator(_one_line_text), StringConstraints(min_length=1, max_length=MAX_TEXT)
]


class _CycleTest(BaseModel):
    """``cycle_test`` of a product file: two lists of equal length."""

    model_config = ConfigDict(extra="forbid")

    efc: Annotated[list[Efc], Field(max_length=MAX_POINTS)]
    capacity_share: Annotated[list[CapacityShare], Field(max_length=MAX_POINTS)]


class ProductFile(BaseModel):
    """The structure and types of a product file (JSON shape); ranges from :data:`RANGES`."""

    model_config = ConfigDict(extra="forbid")

    product: Text
    chemistry: Text
    capacity_kwh: CapacityKwh | None = None
    carbon_footprint_kgco2e_per_kwh: Footprint
    recycled_content: dict[Metal, RecycledShare] = Field(default_factory=dict)
    safety_tests: dict[SafetyTest, Annotated[SafetyResult, BeforeValidator(_result)]] = Field(
        default_factory=dict
    )
    cycle_test: _CycleTest

    @model_validator(mode="before")
    @classmethod
    def _empty_is_missing(cls, data: Any) -> Any:
        """A field given as null or an empty text is not given (a blank CSV cell)."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None and v != ""}
        return data


def read_product(path: str | Path, tolerance: float = DEFAULT_TOLERANCE) -> Product:
    """Read and check a product file (``.json`` or ``.csv``, UTF-8, at most MAX_FILE_BYTES)."""
    path = Path(path)
    where = str(path)
    kind = path.suffix.lower()
    if kind not in (".json", ".csv"):
        raise ProductFileError(
            f"{where}: unknown file type {path.suffix!r}; a product file is .json or .csv"
        )
    text = decode_text(_read_bytes(path, where), where)
    doc = json_document(text, where) if kind == ".json" else csv_document(text, where)
    return parse_product(doc, where, tolerance)


def _read_bytes(path: Path, where: str) -> bytes:
    if path.is_dir():
        raise ProductFileError(f"{where} is a folder; give a .json or .csv product file")
    if not path.is_file():
        raise ProductFileError(f"product file {where!r} not found; give a .json or .csv file")
    return reading.read_bytes(path, where, MAX_FILE_BYTES, ProductFileError)


def decode_text(raw: bytes, where: str) -> str:
    """``raw`` as UTF-8 text, or an error naming what was found instead."""
    return reading.decode(raw, where, ProductFileError, _SAVE)


_SAVE = N_("save the file as UTF-8 text (in Excel: CSV UTF-8)")


def json_document(text: str, where: str) -> dict[str, Any]:
    """A JSON product file as a document: duplicate keys and NaN/Infinity refused."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        doc = dict(items)
        if len(doc) < len(items):
            seen: set[str] = set()
            dup = next(k for k, _ in items if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            raise ProductFileError(
                N_("{at}: key {key!r} appears twice in one object; keep one", at=where, key=dup)
            )
        return doc

    def constant(name: str) -> Any:
        raise ProductFileError(
            N_(
                "{at}: {name} is not a number a product file may hold; give a finite number",
                at=where,
                name=name,
            )
        )

    try:
        doc = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=constant,
            parse_int=lambda s: int(s) if len(s) <= 20 else float(s),
        )
    except RecursionError:
        doc = None  # nested far deeper than MAX_DEPTH
    except json.JSONDecodeError as exc:
        raise ProductFileError(
            N_(
                "{at}: malformed JSON at line {line}, column {column}: {reason}; fix the file",
                at=where,
                line=exc.lineno,
                column=exc.colno,
                reason=exc.msg,
            )
        ) from None
    if doc is None or _depth(doc) > MAX_DEPTH:
        raise ProductFileError(
            N_(
                "{at}: lists and objects nest deeper than {n} levels; a product file needs 3 "
                "(the object, cycle_test, its lists)",
                at=where,
                n=MAX_DEPTH,
            )
        )
    if not isinstance(doc, dict):
        raise ProductFileError(
            N_(
                "{at}: expected a JSON object with the fields {fields}; found {kind}",
                at=where,
                fields=", ".join(FIELDS),
                kind=_kind(doc),
            )
        )
    return doc


def _depth(doc: Any) -> int:
    """Levels of nested lists and objects in ``doc``, counted without recursion; stops
    counting past MAX_DEPTH."""
    deepest = 0
    stack = [(doc, 1)]
    while stack:
        node, level = stack.pop()
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return deepest if isinstance(doc, dict | list) else 0


def _kind(value: Any) -> Msg | str:
    names = {dict: N_("an object"), list: N_("a list"), str: N_("a text"), bool: N_("true/false")}
    return names.get(type(value), N_("a number") if isinstance(value, int | float) else "null")


def csv_document(text: str, where: str) -> dict[str, Any]:
    """A CSV product file as the JSON shape.

    Two blocks separated by a blank line (``#`` lines are comments): ``field,value`` rows
    (``recycled_<metal>_share`` and ``safety_<test>`` fill the two mappings), then the cycle
    table with header ``efc,capacity_share``. A field given twice is an error.
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
            N_(
                "{at}: a CSV product file has two blocks separated by a blank line ({meta} "
                "rows, then {data} rows); found {n}",
                at=where,
                meta=",".join(CSV_META_HEADER),
                data=",".join(CSV_DATA_HEADER),
                n=len(blocks),
            )
        )
    try:
        meta_rows = list(csv.reader(io.StringIO("\n".join(blocks[0]))))
        data_rows = list(csv.reader(io.StringIO("\n".join(blocks[1]))))
    except csv.Error as exc:
        raise ProductFileError(
            N_("{at}: malformed CSV: {reason}; fix the file", at=where, reason=exc)
        ) from None
    for rows, header in ((meta_rows, CSV_META_HEADER), (data_rows, CSV_DATA_HEADER)):
        got = [c.strip() for c in rows[0]] if rows else []
        if got != header:
            raise ProductFileError(
                N_(
                    "{at}: block header {got} should be {header!r}",
                    at=where,
                    got=show(",".join(got)),
                    header=",".join(header),
                )
            )
    if len(data_rows) - 1 > MAX_POINTS:
        raise ProductFileError(
            N_(
                "{at}: cycle_test has {n:,} points, more than {most:,}; give fewer points",
                at=where,
                n=len(data_rows) - 1,
                most=MAX_POINTS,
            )
        )
    doc: dict[str, Any] = {}
    recycled: dict[str, str] = {}
    safety: dict[str, str] = {}
    for i, row in enumerate(meta_rows[1:], start=2):
        if len(row) != 2:
            raise ProductFileError(
                N_(
                    "{at}: field row {i} needs 2 cells (field,value): {row}",
                    at=where,
                    i=i,
                    row=show(",".join(row)),
                )
            )
        key, value = row[0].strip(), row[1].strip()
        if key.startswith("recycled_") and key.endswith("_share"):
            target, name = recycled, key[len("recycled_") : -len("_share")]
        elif key.startswith("safety_"):
            target, name = safety, key[len("safety_") :]
        else:
            target, name = doc, key
        if name in target:
            raise ProductFileError(
                N_("{at}: field {key!r} appears twice (row {i}); keep one", at=where, key=key, i=i)
            )
        target[name] = value
    if recycled:
        doc["recycled_content"] = recycled
    if safety:
        doc["safety_tests"] = safety
    efc: list[str] = []
    cap: list[str] = []
    for i, row in enumerate(data_rows[1:], start=2):
        if len(row) != 2:
            raise ProductFileError(
                N_(
                    "{at}: cycle row {i} needs 2 cells (efc,capacity_share): {row}",
                    at=where,
                    i=i,
                    row=show(",".join(row)),
                )
            )
        efc.append(row[0])
        cap.append(row[1])
    doc["cycle_test"] = {"efc": efc, "capacity_share": cap}
    return doc


def _loc(loc: tuple[Any, ...]) -> Msg | str:
    """A pydantic location as a path in the file: ``cycle_test point 3 efc``,
    ``safety_tests.crush``."""
    if len(loc) >= 3 and loc[0] == "cycle_test" and isinstance(loc[2], int):
        return N_("cycle_test point {i} {column}", i=loc[2] + 1, column=loc[1])
    return ".".join(str(part) for part in loc if part != "[key]")


def _explain(err: Any, where: str) -> Msg:
    """One pydantic error as one line: the field, the value, what is allowed, what to do."""
    loc, kind, value = tuple(err["loc"]), err["type"], err.get("input")
    field = str(loc[0]) if loc else ""
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        if field == "cycle_test" and len(loc) > 1:
            return N_(
                "{at}: cycle_test needs two lists, efc and capacity_share (of rated capacity); "
                "add the missing one",
                at=where,
            )
        return N_(
            "{at}: field {field!r} is missing; give the {what}",
            at=where,
            field=field,
            what=FIELDS[field],
        )
    if kind == "extra_forbidden":
        if len(loc) == 1:
            return N_(
                "{at}: unknown field {field!r}{hint}; fields: {fields}",
                at=where,
                field=field,
                hint=did_you_mean(field, FIELDS),
                fields=", ".join(FIELDS),
            )
        key = str(loc[-1])
        return N_(
            "{at}: cycle_test has an unknown key {key!r}{hint}; give efc and capacity_share",
            at=where,
            key=key,
            hint=did_you_mean(key, CSV_DATA_HEADER),
        )
    if kind == "literal_error" and loc[-1] == "[key]":
        key = str(loc[1])
        if field == "recycled_content":
            return N_(
                "{at}: {field} metal {key} is unknown{hint}; metals: {known}",
                at=where,
                field=field,
                key=show(key),
                hint=did_you_mean(key, METALS),
                known=", ".join(METALS),
            )
        return N_(
            "{at}: {field} test {key} is unknown{hint}; tests: {known}",
            at=where,
            field=field,
            key=show(key),
            hint=did_you_mean(key, SAFETY_TESTS),
            known=", ".join(SAFETY_TESTS),
        )
    if field == "safety_tests" and len(loc) == 2:
        return N_(
            "{at}: {place} = {value}: expected pass or fail; correct the file",
            at=where,
            place=_loc(loc),
            value=show(value),
        )
    if kind in ("too_long", "too_short") and field == "cycle_test":
        return N_(
            "{at}: cycle_test.{list} has {n:,} values, more than {most:,}; give fewer points",
            at=where,
            list=loc[-1],
            n=len(value),
            most=MAX_POINTS,
        )
    if kind in ("dict_type", "model_type", "list_type"):
        return N_(
            "{at}: {place} must be {want}, found {kind}; correct the file",
            at=where,
            place=_loc(loc),
            want=N_("a list") if kind == "list_type" else N_("an object"),
            kind=_kind(value),
        )
    numeric = RANGES.get(str(loc[1]) if field == "cycle_test" and len(loc) > 1 else field)
    if numeric is not None:
        return N_(
            "{at}: {place} = {value}: expected {allowed}; correct the file",
            at=where,
            place=_loc(loc),
            value=show(value),
            allowed=numeric.text(),
        )
    if field in ("product", "chemistry"):
        return N_(
            "{at}: {field} = {value}: expected one line of text of 1 to {most} characters "
            "({reason}); correct the file",
            at=where,
            field=field,
            value=show(value),
            most=MAX_TEXT,
            reason=msg,
        )
    return N_(  # pragma: no cover
        "{at}: {place} = {value}: {reason}; correct the file",
        at=where,
        place=_loc(loc),
        value=show(value),
        reason=msg,
    )


def parse_product(doc: Any, where: str, tolerance: float) -> Product:
    """Check a product document (JSON shape) and return the :class:`Product`.

    Pydantic checks the structure, the types and :data:`RANGES`; then the rules across fields
    that the fit needs: as many capacities as cycle counts, at least ``MIN_POINTS``, cycle
    counts strictly increasing, and no capacity after cycling above 100 % by more than
    ``tolerance``.
    """
    if not (isinstance(tolerance, int | float) and 0.0 <= tolerance <= 1.0):
        raise ProductFileError(f"tolerance = {tolerance!r}: expected a share in [0, 1]")
    if not isinstance(doc, dict):
        raise ProductFileError(
            N_("{at}: expected an object with {fields}", at=where, fields=", ".join(FIELDS))
        )
    try:
        checked = ProductFile.model_validate(doc)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        more = N_(" (and {n} more problems)", n=len(errors) - 1) if len(errors) > 1 else ""
        raise ProductFileError(_explain(errors[0], where) + more) from None
    declared = {str(metal): share for metal, share in checked.recycled_content.items()}
    recycled = {m: declared.get(m, 0.0) for m in METALS}
    cycles, capacity = _cycle_data(checked.cycle_test, where, tolerance)
    return Product(
        name=checked.product,
        chemistry=checked.chemistry,
        capacity_kwh=checked.capacity_kwh,
        footprint=checked.carbon_footprint_kgco2e_per_kwh,
        recycled=recycled,
        safety={str(test): str(result) for test, result in checked.safety_tests.items()},
        cycles=cycles,
        capacity=capacity,
        origin=where,
    )


def _cycle_data(
    raw: _CycleTest, where: str, tolerance: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    cycles = np.array(raw.efc, dtype=float)
    capacity = np.array(raw.capacity_share, dtype=float)
    if cycles.size != capacity.size:
        raise ProductFileError(
            N_(
                "{at}: cycle_test has {n} efc values but {m} capacity_share values; give one "
                "capacity per cycle count",
                at=where,
                n=cycles.size,
                m=capacity.size,
            )
        )
    if cycles.size < MIN_POINTS:
        raise ProductFileError(
            N_(
                "{at}: cycle_test has {n} points; at least {least} are needed to fit a fade "
                "model; add test points",
                at=where,
                n=cycles.size,
                least=MIN_POINTS,
            )
        )
    step = np.diff(cycles)
    if (step <= 0).any():
        i = int(np.argmax(step <= 0)) + 2
        raise ProductFileError(
            N_(
                "{at}: cycle_test point {i}: efc {efc:g} does not exceed the previous "
                "{previous:g}; cycle data must be strictly increasing in cycles (sort the points "
                "and drop repeats)",
                at=where,
                i=i,
                efc=cycles[i - 1],
                previous=cycles[i - 2],
            )
        )
    over = (cycles > 0) & (capacity > 1.0 + tolerance)
    if over.any():
        i = int(np.argmax(over)) + 1
        raise ProductFileError(
            N_(
                "{at}: cycle_test point {i}: capacity_share {share:g} after {efc:g} cycles is "
                "above 100% by more than the tolerance {tolerance:.0%}; give capacity as a share "
                "of rated capacity or raise the tolerance",
                at=where,
                i=i,
                share=capacity[i - 1],
                efc=cycles[i - 1],
                tolerance=tolerance,
            )
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

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (the API's name for :meth:`to_json`)."""
        return self.to_json()

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (``chikuden product assess --json``)."""
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
            N_(
                "{at}: chemistry {chemistry!r} is unknown{hint}; scenario {name} knows {known} "
                "(carbon.chemistries)",
                at=product.origin,
                chemistry=product.chemistry,
                hint=did_you_mean(product.chemistry, known),
                name=scenario.name,
                known=", ".join(known),
            )
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
