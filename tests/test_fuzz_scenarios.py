"""Fuzz tests of the door (issue 10): generated bad scenario files, ``--set`` values and table
overrides end in the project's own error or in a scenario the whole model evaluates.

Run in-process for speed. ``make test`` runs the quick budgets; ``make fuzz`` the long ones
(5,000 files + 3,000 ``--set`` values + 2,000 table overrides + 400 CLI runs = 10,400 cases
of bad input; ``tests/test_ranges.py`` fuzzes values inside the ranges).

What is asserted for every example: loading either raises :class:`ChikudenError` with a one-line
message, or gives a scenario that evaluates without any exception, with no infinite output and
NaN only in outputs that declare what it means, and whose audit findings, JSON and series CSV
are produced (the report's inputs). The CLI test
also checks that ``--json`` and the report path give the same verdict and that a refused run
writes nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st
from tests.fuzzing import budget
from typer.testing import CliRunner

import chikuden
from chikuden.analysis.findings import findings
from chikuden.cli import app
from chikuden.errors import ChikudenError
from chikuden.indicators import outputs
from chikuden.parameters import declarations, list_scenarios

pytestmark = pytest.mark.fuzz

DECLS = declarations()
NAMES = list(DECLS)
SCALARS = [n for n, d in DECLS.items() if d.kind == "scalar"]
PATHS = [n for n, d in DECLS.items() if d.kind == "path"]
TABLES = [n for n, d in DECLS.items() if d.kind == "table"]
BUNDLED = list(list_scenarios())

# -- values ------------------------------------------------------------------------------------
hostile_text = st.one_of(
    st.sampled_from(
        [
            "٣",
            "０.５",
            "1_0",
            "0x10",
            "1:30",
            "on",
            "~",
            ".inf",
            "-.inf",
            ".nan",
            "1e999",
            "-1e999",
            "\\ud800",
            "nan",
            "",
            " ",
            "2021:0.1;2050:0.2",
            "2021:.inf",
            "{rows: [a]}",
            "{table: nope}",
            "{csv: /etc/passwd}",
            "{csv: ../../x.csv}",
            "[0.1, 0.2]",
            "{2030: 1e400}",
            "&a [1]",
            "*a",
        ]
    ),
    st.text(max_size=20),
    st.text(alphabet="0123456789.eE+-_:;", max_size=12),
    st.integers(300, 5000).map(lambda n: "9" * n),  # past a float; past int()'s 4,300 digits
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.integers(min_value=-5, max_value=3000),
)
scalar_values = st.one_of(numbers, hostile_text, st.booleans(), st.none())
values = st.recursive(
    scalar_values,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(numbers, st.text(max_size=6)), children, max_size=4),
    ),
    max_leaves=10,
)


def table_rows(name: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Rows of the bundled default of table ``name``, some cells replaced, rows added/dropped."""
    rows = [dict(r) for r in DECLS[name].default.rows]
    columns = list(DECLS[name].schema.columns)  # type: ignore[union-attr]

    @st.composite
    def mutate(draw: st.DrawFn) -> list[dict[str, Any]]:
        out = [dict(r) for r in rows]
        for _ in range(draw(st.integers(0, 4))):
            action = draw(st.sampled_from(["cell", "cell", "drop", "copy", "column", "empty"]))
            if action == "cell" and out:
                row = draw(st.sampled_from(out))
                row[draw(st.sampled_from(columns))] = draw(values)
            elif action == "drop" and out:
                out.pop(draw(st.integers(0, len(out) - 1)))
            elif action == "copy" and out:
                row = dict(draw(st.sampled_from(out)))
                if "id" in row and draw(st.booleans()):
                    row["id"] = f"{row['id']}-copy"
                out.append(row)
            elif action == "column" and out:
                draw(st.sampled_from(out))[draw(st.text(max_size=8))] = draw(scalar_values)
            elif action == "empty":
                out = []
        return out

    return mutate()


# -- checks ------------------------------------------------------------------------------------
def evaluate_all_paths(scenario: chikuden.parameters.Scenario) -> None:
    """What `run --json` and `run` compute before writing: none may raise but our error."""
    results = chikuden.evaluate(scenario)
    declared = outputs()
    for group in (results.indicators, results.series, results.rows):
        for key, arr in group.items():
            values = np.asarray(arr, dtype=float)
            assert not np.isinf(values).any(), key
            assert declared[key].may_be_undefined or not np.isnan(values).any(), key
    findings(results, 0)
    results.to_json(0, with_sources=False)
    results.series_frame()


def load_or_refuse(name_or_path: Any, overrides: Any = None) -> None:
    try:
        scenario = chikuden.load_scenario(name_or_path, overrides=overrides)
    except ChikudenError as exc:
        msg = str(exc)
        assert "\n" not in msg and 0 < len(msg) < 1000, msg
        return
    try:
        evaluate_all_paths(scenario)
    except ChikudenError as exc:  # a rule the door missed would show here: say so
        pytest.fail(f"accepted at load but refused when evaluated: {exc}")


# -- files -------------------------------------------------------------------------------------
def _valid_texts() -> list[str]:
    from importlib import resources

    folder = resources.files("chikuden.data").joinpath("scenarios")
    texts = [folder.joinpath(f"{n}.yaml").read_text("utf-8") for n in BUNDLED]
    texts.append(
        "name: mine\nextends: proposal-2022\nparameters:\n"
        "  targets.japan_share_2030: {value: 0.25, source: assumption, note: x}\n"
        "  capacity.delay_years: 1\n  market.stationary_share: {2021: 0.1, 2030: 0.3}\n"
    )
    return texts


VALID_TEXTS = _valid_texts()


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    """A valid scenario text, edited at the byte level and perhaps re-encoded."""
    text = draw(st.sampled_from(VALID_TEXTS))
    data = bytearray(
        text.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16", "cp932"])))
    )
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "fragment"]))
        if action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        else:
            fragment = draw(
                st.sampled_from(
                    [
                        "&a ",
                        "*a",
                        "<<: *a\n",
                        "\t",
                        "{",
                        "[" * 50,
                        ": ",
                        "- ",
                        "\n  x: 1\n",
                        "!!python/object:os.system ",
                        "!!binary AAAA ",
                        "? ",
                        "%YAML 1.1\n---\n",
                        "\n---\nname: two\n",
                        '"\\ud800"',
                        "9" * 500,  # a number past a float
                        "\u2028",
                        "\x00",
                    ]
                )
            )
            data[at:at] = fragment.encode("utf-8", "surrogatepass")
    return bytes(data)


@st.composite
def structured_files(draw: st.DrawFn) -> bytes:
    """A document with the right vocabulary and wrong shapes or values, as YAML."""
    params: dict[Any, Any] = {}
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["scalar", "path", "table", "unknown", "cited"]))
        if kind == "scalar":
            params[draw(st.sampled_from(SCALARS))] = draw(values)
        elif kind == "path":
            params[draw(st.sampled_from(PATHS))] = draw(
                st.one_of(
                    values, st.dictionaries(st.one_of(numbers, hostile_text), numbers, max_size=4)
                )
            )
        elif kind == "table":
            name = draw(st.sampled_from(TABLES))
            params[name] = draw(
                st.one_of(
                    st.fixed_dictionaries({"rows": table_rows(name)}),
                    st.fixed_dictionaries({"rows": values}),
                    st.fixed_dictionaries({"table": hostile_text}),
                    values,
                )
            )
        elif kind == "unknown":
            params[draw(st.one_of(st.text(max_size=30), numbers))] = draw(values)
        else:
            params[draw(st.sampled_from(NAMES))] = draw(
                st.dictionaries(
                    st.sampled_from(["value", "source", "note", "valeu", "sources"]),
                    values,
                    max_size=3,
                )
            )
    doc: dict[Any, Any] = {"parameters": params}
    for key in draw(
        st.lists(st.sampled_from(["name", "extends", "title", "description", "other"]), max_size=3)
    ):
        doc[key] = draw(
            st.one_of(
                values,
                st.sampled_from([*BUNDLED, "missing.yaml", "", "../x.yaml", "/dev/zero"]),
            )
        )
    if draw(st.booleans()):
        doc.setdefault("extends", draw(st.sampled_from(BUNDLED)))
    try:
        text = yaml.safe_dump(doc, allow_unicode=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        assume(False)
    return text.encode("utf-8", "surrogatepass")


@given(data=st.one_of(mutated_files(), structured_files(), st.binary(max_size=200)))
@budget(quick=300, long=5000)
def test_generated_scenario_files(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_bytes(data)
    load_or_refuse(path)


# -- --set -------------------------------------------------------------------------------------
@given(
    pairs=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(NAMES), st.text(max_size=30)),
            st.one_of(hostile_text, numbers.map(str)),
        ),
        min_size=1,
        max_size=4,
    ),
    base=st.sampled_from(BUNDLED),
)
@budget(quick=300, long=3000)
def test_generated_set_values(pairs: list[tuple[str, str]], base: str) -> None:
    load_or_refuse(base, [f"{k}={v}" for k, v in pairs])


# -- table overrides ---------------------------------------------------------------------------
@given(data=st.data(), base=st.sampled_from(BUNDLED))
@budget(quick=200, long=2000)
def test_generated_table_overrides(data: st.DataObject, base: str) -> None:
    name = data.draw(st.sampled_from(TABLES))
    rows = data.draw(table_rows(name))
    load_or_refuse(base, {name: {"rows": rows}})


# -- the command line --------------------------------------------------------------------------
runner = CliRunner()


@given(data=st.one_of(mutated_files(), structured_files()))
@budget(quick=25, long=400)
def test_cli_gives_one_verdict_and_writes_nothing_when_it_refuses(
    data: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "scenario.yaml"
    path.write_bytes(data)
    out = folder / "out"
    as_json = runner.invoke(app, ["run", "--scenario", str(path), "--json"])
    assert as_json.exit_code in (0, 2), as_json.output
    assert as_json.exception is None or isinstance(as_json.exception, SystemExit)
    if as_json.exit_code == 2:
        assert len(as_json.stderr.splitlines()) == 1 and as_json.stdout == ""
        report = runner.invoke(app, ["run", "--scenario", str(path), "--out", str(out)])
        assert report.exit_code == 2 and report.stderr == as_json.stderr
        assert not out.exists()
        return
    report = runner.invoke(app, ["run", "--scenario", str(path), "--out", str(out)])
    assert report.exit_code == 0, report.output
    assert report.exception is None
