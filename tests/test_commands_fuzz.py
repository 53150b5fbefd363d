"""Fuzz tests of the charging, minerals and product commands (issue 10): bad input of any kind
gives exit code 2 and one line ``error: ...`` on stderr, never a traceback, and writes nothing;
accepted input gives finite results that keep the commands' own promises.

Every call runs in-process through typer's CliRunner against ``chikuden.cli.app``. Budgets
(tests/fuzzing.py): quick in ``make test``, long in ``make fuzz``; the long budgets of this
file add up to 3,300 command calls.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import warnings
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import typer
import typer.testing
from hypothesis import event, given
from hypothesis import strategies as st
from tests.fuzzing import budget
from typer.testing import CliRunner, Result

from chikuden.cli import app

runner = CliRunner()
EXAMPLES = resources.files("chikuden.data").joinpath("examples")
EXAMPLE_JSON = EXAMPLES.joinpath("product-example.json").read_text(encoding="utf-8")
EXAMPLE_CSV = EXAMPLES.joinpath("product-example.csv").read_text(encoding="utf-8")


@functools.cache
def _command() -> Any:
    return typer.main.get_command(app)


@contextlib.contextmanager
def one_command_tree() -> Iterator[None]:
    """Let CliRunner reuse one click command tree: typer rebuilds it on every invoke (~40 ms),
    which would make the fuzz budgets measure typer instead of the commands."""
    if not hasattr(typer.testing, "_get_command"):  # a typer without the hook: just slower
        yield
        return
    with mock.patch.object(typer.testing, "_get_command", lambda _app: _command()):
        yield


def call(args: list[str], cwd: Path) -> Result:
    """Run ``chikuden *args`` in ``cwd`` and check what every call must satisfy."""
    before = sorted(os.listdir(cwd))
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a warning would reach the user's stderr
            result = runner.invoke(app, args)
    finally:
        os.chdir(old)
    shown = f"chikuden {args!r}: exit {result.exit_code}: {result.output[-500:]!r}"
    event(f"exit {result.exit_code}")
    assert result.exit_code in (0, 2), shown
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}: {result.exception!r}"
    )
    assert sorted(os.listdir(cwd)) == before, f"{shown}: wrote files"
    if result.exit_code == 2:
        assert result.stdout == "", shown
        assert result.stderr.startswith("error: "), shown
        assert len(result.stderr.splitlines()) == 1 and result.stderr.endswith("\n"), shown
        assert "Traceback" not in result.stderr, shown
    else:
        assert result.stderr == "", shown
    return result


def strict_json(text: str) -> Any:
    """JSON that must hold only finite numbers (``NaN``/``Infinity`` fail the test)."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"non-finite number {name} in the output")

    return json.loads(text, parse_constant=refuse)


def numbers_in(doc: Any) -> Iterator[float]:
    if isinstance(doc, dict):
        for value in doc.values():
            yield from numbers_in(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from numbers_in(value)
    elif isinstance(doc, int | float) and not isinstance(doc, bool):
        yield float(doc)


# -- option values -----------------------------------------------------------------------------
FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
SPECIAL = [
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "+inf", "infinity", "1e999", "-1e999",
    "1e-999", "5e-324", "1.7976931348623157e308", "0", "-0", "+0", "0.0", "1", "-1", "0x10",
    "1_000", "1,5", "1.5.", ".", "+", "-", "e5", "1e", "١٢", "٣", "๓", "²", "Ⅻ", "１２", "０．５",
    "1\n", "\t2 ", "1e308", "99999999999999999999999", "9" * 400, "--json", "-5",
]  # fmt: skip


def number_text(realistic: st.SearchStrategy[float]) -> st.SearchStrategy[str]:
    """A value of a numeric option: often a plausible number, else anything a user might type
    or paste: special words, huge/tiny/negative numbers, other digits, random text."""
    floats = st.floats(allow_nan=True, allow_infinity=True)
    fmt = st.sampled_from(["{!r}", "{:g}", "{:e}", "{:.3f}", "{:.0f}"])
    written = st.builds(lambda x, f: f.format(x), floats, fmt)
    plausible = st.builds(lambda x, f: f.format(x), realistic, fmt)
    return st.one_of(
        plausible,
        plausible.map(lambda t: t.translate(FULL_WIDTH)),
        written,
        st.sampled_from(SPECIAL),
        st.integers(-(10**30), 10**30).map(str),
        st.text(st.characters(categories=["Nd"]), min_size=1, max_size=6),
        st.text(max_size=12),
    )


def plausible_text(realistic: st.SearchStrategy[float]) -> st.SearchStrategy[str]:
    """A number a user would give, as text."""
    fmt = st.sampled_from(["{!r}", "{:g}", "{:.3f}"])
    return st.builds(lambda x, f: f.format(x), realistic, fmt)


def options(
    data: st.DataObject, spec: dict[str, st.SearchStrategy[float]], optional: tuple[str, ...] = ()
) -> list[str]:
    """Arguments for the options of ``spec``: up to two of them (drawn) get any text at all,
    the others plausible numbers, so that both refusals and answers are exercised; an option
    named in ``optional`` may be left out."""
    wild = data.draw(st.sets(st.sampled_from(sorted(spec)), max_size=2), label="wild options")
    args: list[str] = []
    for name, realistic in spec.items():
        if name in optional and data.draw(st.booleans(), label=f"leave out {name}"):
            continue
        value = number_text(realistic) if name in wild else plausible_text(realistic)
        args += [name, data.draw(value, label=name)]
    return args


def whole_text(realistic: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    """A value of a whole-number option (chargers, a year)."""
    return st.one_of(
        realistic.map(str),
        realistic.map(lambda n: f"{n}.0"),
        st.integers(-(10**25), 10**25).map(str),
        number_text(st.floats(0, 3000)),
    )


# -- charging ----------------------------------------------------------------------------------
SITE = {
    "--arrivals-per-hour": st.floats(0.0, 500.0),
    "--energy-kwh": st.floats(1.0, 120.0),
    "--power-kw": st.floats(3.0, 350.0),
    "--power-factor": st.floats(0.05, 1.0),
}


@pytest.mark.fuzz
@budget(quick=40, long=900)
@given(data=st.data(), model=st.sampled_from(["mmc", "mdc"]))
def test_charging_size_any_options(data: st.DataObject, model: str, tmp_path: Path) -> None:
    spec = {
        **SITE,
        "--max-wait-probability": st.floats(0.001, 0.5),
        "--max-mean-wait-min": st.floats(0.01, 30.0),
    }
    optional = tuple(spec)[1:]
    args = ["charging", "size", "--json", "--model", model, *options(data, spec, optional)]
    with one_command_tree():
        result = call(args, tmp_path)
    if result.exit_code != 0:
        return
    doc = strict_json(result.stdout)
    assert all(math.isfinite(x) for x in numbers_in(doc))
    from chikuden.model.charging.queueing import MAX_SERVERS

    load, chargers = doc["offered_load_erlang"], doc["chargers"]
    assert 0 <= chargers <= MAX_SERVERS
    if load > 0:
        assert chargers >= math.floor(load) + 1 == doc["minimum_chargers_for_stability"]
        # the load per charger (0 when it underflows: 5e-324 arrivals an hour)
        assert doc["utilisation"] == pytest.approx(load / chargers, rel=1e-12)
        assert 0 <= doc["utilisation"] < 1
    targets = doc["targets"]
    if targets["max_wait_probability"] is not None:
        assert doc["wait_probability"] <= targets["max_wait_probability"]
    if targets["max_mean_wait_min"] is not None:
        assert doc["mean_wait_min"] <= targets["max_mean_wait_min"] * (1 + 1e-9)


@pytest.mark.fuzz
@budget(quick=30, long=600)
@given(
    data=st.data(),
    chargers=whole_text(st.integers(1, 200)),
    model=st.sampled_from(["mmc", "mdc"]),
)
def test_charging_wait_any_options(
    data: st.DataObject, chargers: str, model: str, tmp_path: Path
) -> None:
    args = ["charging", "wait", "--json", "--model", model, "--chargers", chargers]
    site = {**SITE, "--arrivals-per-hour": st.floats(0.0, 60.0)}  # mostly stable with <= 200
    args += options(data, site, optional=tuple(SITE)[1:])
    with one_command_tree():
        result = call(args, tmp_path)
    if result.exit_code != 0:
        return
    doc = strict_json(result.stdout)
    assert all(math.isfinite(x) for x in numbers_in(doc))
    assert doc["chargers"] > doc["offered_load_erlang"]  # stable, or refused
    assert 0 <= doc["wait_probability"] <= 1 and doc["mean_wait_min"] >= 0


@pytest.mark.fuzz
@budget(quick=5, long=100)
@given(
    command=st.sampled_from(["areas", "connectors"]),
    year=whole_text(st.integers(2015, 2045)),
)
def test_charging_year_of_areas_and_connectors(command: str, year: str, tmp_path: Path) -> None:
    with one_command_tree():
        result = call(["charging", command, "--json", "--year", year], tmp_path)
    if result.exit_code == 0:
        doc = strict_json(result.stdout)
        assert 2021 <= doc["year"] <= 2040
        assert all(math.isfinite(x) for x in numbers_in(doc))


# -- minerals ----------------------------------------------------------------------------------
MINERAL_OPTIONS = {
    "--mineral": (
        st.sampled_from(["graphite", "Lithium", " cobalt ", "lithium_lce", "nickel", "manganese"]),
        st.text(max_size=12),
    ),
    "--country": (st.sampled_from(["CN", "cd", "AU", "ZZ", "CL", "ID"]), st.text(max_size=4)),
    "--cut": (plausible_text(st.floats(0.0, 1.0)), number_text(st.floats(0.0, 1.0))),
    "--months": (plausible_text(st.floats(0.01, 36.0)), number_text(st.floats(0.01, 36.0))),
    "--year": (st.integers(2021, 2040).map(str), whole_text(st.integers(2018, 2042))),
    "--lang": (st.sampled_from(["en", "ja"]), st.text(max_size=3)),
}


@pytest.mark.fuzz
@budget(quick=15, long=600)
@given(data=st.data(), as_json=st.booleans())
def test_minerals_stress_any_options(data: st.DataObject, as_json: bool, tmp_path: Path) -> None:
    wild = data.draw(st.sets(st.sampled_from(sorted(MINERAL_OPTIONS)), max_size=2), label="wild")
    args = ["minerals", "stress"]
    for name, (usual, anything) in MINERAL_OPTIONS.items():
        if name == "--year" and data.draw(st.booleans(), label="leave out --year"):
            continue
        args += [name, data.draw(anything if name in wild else usual, label=name)]
    if as_json:
        args.append("--json")
    with one_command_tree():
        result = call(args, tmp_path)
    if result.exit_code == 0 and as_json:
        (record,) = strict_json(result.stdout)
        assert all(math.isfinite(x) for x in numbers_in(record))
        assert 0 <= record["cut"] <= 1 and 0 < record["months"] <= 36
        assert record["lost_gwh"] >= 0 and record["shortfall_t"] >= 0


# -- product files -----------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)
PATHS = [
    "product", "chemistry", "capacity_kwh", "carbon_footprint_kgco2e_per_kwh",
    "recycled_content", "recycled_content.cobalt", "recycled_content.lithium",
    "safety_tests", "safety_tests.crush", "safety_tests.overcharge", "cycle_test",
    "cycle_test.efc", "cycle_test.capacity_share", "cycle_test.efc.0", "cycle_test.efc.7",
    "cycle_test.capacity_share.3", "cycle_test.capacity_share.120", "extra_field",
]  # fmt: skip
HUGE = [1e308, -1e308, 5e-324, 0.0, -0.0, 10**40, -(10**40), 1e7, 1e7 + 1, 10.0, 10.000001]


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        index = int(last)
        if index < len(node):
            node[index] = value
    elif isinstance(node, dict):
        node[last] = value


@st.composite
def broken_example(draw: st.DrawFn) -> str:
    """The example file with one field changed (any JSON value, a huge or tiny number, a deep
    nest, a huge array), or left as it is."""
    doc = json.loads(EXAMPLE_JSON)
    kind = draw(st.sampled_from(["value", "number", "nest", "array", "variant", "none"]))
    path = draw(st.sampled_from(PATHS))
    if kind == "variant":  # a valid-looking product: Q = 1 - a N^b + noise, other numbers
        n = draw(st.integers(5, 300))
        last = draw(st.floats(10.0, 20_000.0))
        a, b = draw(st.floats(1e-5, 0.05)), draw(st.floats(0.3, 1.2))
        noise = draw(st.floats(0.0, 0.01))
        efc = [last * i / (n - 1) for i in range(n)]
        wiggle = [noise * math.sin(7.0 * i) for i in range(n)]
        cap = [max(1e-3, min(1.0, 1.0 - a * x**b + w)) for x, w in zip(efc, wiggle, strict=True)]
        doc["cycle_test"] = {"efc": efc, "capacity_share": cap}
        doc["carbon_footprint_kgco2e_per_kwh"] = draw(st.floats(0.0, 300.0))
        doc["recycled_content"] = {"cobalt": draw(st.floats(0.0, 1.0))}
        doc["chemistry"] = draw(st.sampled_from(["NMC811", "LFP", "NCA", "NMC999"]))
    elif kind == "value":
        _set(doc, path, draw(json_values))
    elif kind == "number":
        _set(doc, path, draw(st.sampled_from(HUGE)))
    elif kind == "nest":
        depth = draw(st.integers(1, 3000))
        _set(doc, path, "@@NEST@@")
        return json.dumps(doc).replace('"@@NEST@@"', "[" * depth + "]" * depth)
    elif kind == "array":
        n = draw(st.sampled_from([0, 1, 4, 5, 6, 500, 100_001]))
        x = draw(st.floats(0.0, 1.0))
        _set(doc, "cycle_test", {"efc": list(range(n)), "capacity_share": [x] * n})
    return json.dumps(doc)


@st.composite
def product_bytes(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file name and bytes: random bytes, the example in another encoding, a broken JSON
    example, an edited CSV example, or JSON text cut anywhere."""
    kind = draw(st.sampled_from(["bytes", "encoding", "json", "json", "json", "csv", "cut"]))
    if kind == "bytes":
        suffix = draw(st.sampled_from([".json", ".csv"]))
        return suffix, draw(st.binary(max_size=300))
    if kind == "encoding":
        codec = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "cp932", "utf-8-sig"]))
        text = EXAMPLE_JSON.replace("Example", draw(st.sampled_from(["例", "Example"])))
        return ".json", text.encode(codec)
    if kind == "json":
        return ".json", draw(broken_example()).encode("utf-8")
    if kind == "cut":
        text = draw(broken_example())
        return ".json", text[: draw(st.integers(0, len(text)))].encode("utf-8")
    lines = EXAMPLE_CSV.splitlines()
    i = draw(st.integers(0, len(lines) - 1))
    lines[i] = draw(st.sampled_from([lines[i], ""]) | st.text(max_size=30))
    return ".csv", "\n".join(lines).encode("utf-8")


@pytest.mark.fuzz
@budget(quick=25, long=1100)
@given(
    file=product_bytes(),
    tolerance=st.none() | number_text(st.floats(0.0, 0.1)),
    lang=st.sampled_from(["en", "ja"]),
    as_json=st.booleans(),
)
def test_product_assess_any_file(
    file: tuple[str, bytes], tolerance: str | None, lang: str, as_json: bool, tmp_path: Path
) -> None:
    suffix, raw = file
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    path = folder / f"product{suffix}"
    path.write_bytes(raw)
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)
    args = ["product", "assess", str(path), "--lang", lang]
    if tolerance is not None:
        args += ["--tolerance", tolerance]
    if as_json:
        args.append("--json")
    with one_command_tree():
        result = call(args, cwd)
    if result.exit_code == 0 and as_json:
        doc = strict_json(result.stdout)
        assert all(math.isfinite(x) for x in numbers_in(doc))
        life = doc["cycles_to_end_of_life"]
        high = math.inf if life["high"] is None else life["high"]
        assert 0 <= life["low"] <= life["estimate"] <= high
