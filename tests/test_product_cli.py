"""`chikuden product ...` end to end through typer's CliRunner (the sub-command's own app)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chikuden.commands.product import app

runner = CliRunner()
EXAMPLE = Path(str(resources.files("chikuden.data").joinpath("examples", "product-example.json")))


def test_assess_the_bundled_example() -> None:
    result = runner.invoke(app, ["assess", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Capacity-fade fit: power" in out
    assert "Cycles to 80% state of health: 2,764 (95% interval 2,734–2,795)" in out
    assert "Durability class: B" in out
    assert "EU class (assumed boundaries): A" in out
    assert "Performance top-up: eligible: +8.3% of capex (subsidy rate 41.7%)" in out
    assert result.stderr == ""


def test_assess_in_japanese_and_as_json() -> None:
    ja = runner.invoke(app, ["assess", str(EXAMPLE), "--lang", "ja"])
    assert (
        ja.exit_code == 0
        and "健全度80％までのサイクル数" in ja.stdout  # full-width ％ in Japanese
        and "性能加算：対象" in ja.stdout
    )
    js = runner.invoke(app, ["assess", str(EXAMPLE), "--json", "--model", "sqrt"])
    doc = json.loads(js.stdout)
    assert doc["fit"]["model"] == "sqrt"
    assert doc["top_up"]["eligible"] is True
    assert doc["carbon"]["assumed_class_boundaries"] is True


def test_example_command_prints_a_file_that_assesses(tmp_path: Path) -> None:
    for fmt in ("json", "csv"):
        printed = runner.invoke(app, ["example", "--format", fmt])
        assert printed.exit_code == 0
        path = tmp_path / f"mine.{fmt}"
        path.write_text(printed.stdout, encoding="utf-8")
        result = runner.invoke(app, ["assess", str(path), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["durability"]["class"] == "B"


def test_scenario_rules_and_overrides_change_the_decision() -> None:
    result = runner.invoke(
        app, ["assess", str(EXAMPLE), "--set", "carbon.performance_min_cycles=3000"]
    )
    assert result.exit_code == 0
    assert "Performance top-up: not eligible (subsidy rate 33.3%)" in result.stdout
    assert "cycles to end of life (lower 95% bound) 2,734 < 3,000" in result.stdout


def _write(tmp_path: Path, name: str, doc: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _example() -> dict[str, object]:
    doc: dict[str, object] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["cycle_test"]["efc"].__setitem__(3, 10), "strictly increasing"),
        (
            lambda d: d.__setitem__(
                "cycle_test", {"efc": [0, 10, 20], "capacity_share": [1, 0.99, 0.98]}
            ),
            "at least 5",
        ),
        (lambda d: d["cycle_test"]["capacity_share"].__setitem__(10, 1.2), "above 100%"),
        (lambda d: d.__setitem__("chemistry", "NMC999"), "chemistry 'NMC999' is unknown"),
        (lambda d: d.__setitem__("carbon_footprint_kgco2e_per_kwh", -1), "expected a footprint"),
    ],
)
def test_bad_product_files_exit_2_with_one_line_and_write_nothing(
    tmp_path: Path, edit: object, message: str
) -> None:
    doc = _example()
    edit(doc)  # type: ignore[operator]
    path = _write(tmp_path, "bad.json", doc)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(app, ["assess", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "args",
    [
        ["--set", "carbon.grid_kgco2e_per_kwh=-0.3"],
        ["--set", "carbon.eu_threshold_gco2e_per_kwh_delivered=-1"],
        ["--scenario", "no-such-scenario"],
        ["--year", "2050"],
    ],
)
def test_bad_options_exit_2(args: list[str]) -> None:
    result = runner.invoke(app, ["assess", str(EXAMPLE), *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "not found" in result.stderr


# -- files the review broke the command with (issue 10) ------------------------------------------
def _refused(path: Path, *options: str) -> str:
    """Run `assess`; check exit 2, nothing on stdout, one `error:` line, nothing written."""
    before = sorted(p.name for p in path.parent.iterdir())
    result = runner.invoke(app, ["assess", str(path), *options])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert sorted(p.name for p in path.parent.iterdir()) == before
    return result.stderr


def test_a_binary_file_is_refused_with_what_was_found(tmp_path: Path) -> None:
    # The review: a binary file ended in UnicodeDecodeError. 0x89 'PNG' is not UTF-8.
    path = tmp_path / "photo.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    err = _refused(path)
    assert "not UTF-8 text (byte 0x89 at offset 0;" in err
    assert "binary data" in err and "save the file as UTF-8" in err


def test_deeply_nested_json_is_refused_with_the_depth_limit(tmp_path: Path) -> None:
    # The review: deeply nested JSON ended in RecursionError. 100,000 levels, and 9 levels
    # (just past MAX_DEPTH = 8), give the same one line.
    for depth in (100_000, 9):
        path = tmp_path / f"deep{depth}.json"
        path.write_text('{"product": ' + "[" * depth + "]" * depth + "}", encoding="utf-8")
        assert "nest deeper than 8 levels" in _refused(path)


def test_utf16_and_shift_jis_files_are_named(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "product.json"
    path.write_text(text, encoding="utf-16")  # with a byte-order mark
    assert "the file is UTF-16 (little-endian, with a byte-order mark), not UTF-8" in _refused(path)
    path.write_bytes(text.encode("utf-16-le"))  # without one
    assert "UTF-16 without a byte-order mark" in _refused(path)
    doc = _example()
    doc["product"] = "蓄電池セル"
    path.write_bytes(json.dumps(doc, ensure_ascii=False).encode("cp932"))
    assert "Shift_JIS (cp932)" in _refused(path)
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    ok = runner.invoke(app, ["assess", str(path), "--json"])  # UTF-8 with a BOM is fine
    assert ok.exit_code == 0 and json.loads(ok.stdout)["product"] == "蓄電池セル"


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    from chikuden.analysis.product import MAX_FILE_BYTES

    path = tmp_path / "big.json"
    with path.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert f"larger than the limit of {MAX_FILE_BYTES:,} bytes" in _refused(path)


BROKEN = [
    ({"product": 42}, "product = 42: expected one line of text"),
    ({"product": "a\nb"}, "control character or line break"),
    ({"capacity_kwh": True}, "capacity_kwh = True: expected a capacity"),
    ({"recycled_content": [0.1]}, "recycled_content must be an object"),
    ({"cycle_test": [1, 2]}, "cycle_test must be an object, found a list"),
    ({"cycle_test.efc": 5}, "cycle_test.efc must be a list"),
    ({"cycle_test.cycles": []}, "unknown key 'cycles'"),
    ({"safety_tests.crash": "pass"}, "test 'crash' is unknown (did you mean 'crush'?)"),
    ({"safety_tests.crush": True}, "safety_tests.crush = True: expected pass or fail"),
    ({"cycle_test.efc.2": "1e999"}, "point 3 efc = '1e999': expected equivalent full cycles"),
    ({"cycle_test.capacity_share.0": 0}, "point 1 capacity_share = 0: expected a share"),
]


def _edit(doc: dict[str, Any], path: str, value: object) -> None:
    """Set ``value`` at a dotted ``path`` of the example (list indices as numbers)."""
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


@pytest.mark.parametrize(("change", "message"), BROKEN)
def test_structure_types_and_ranges_of_every_field(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    doc = _example()
    for path, value in change.items():
        _edit(doc, path, value)
    assert message in _refused(_write(tmp_path, "bad.json", doc))


def test_json_that_python_reads_loosely_is_refused(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "p.json"
    for written, message in (
        ("NaN", "NaN is not a number a product file may hold"),
        ("1e400", "capacity_kwh = inf: expected a capacity"),
        ("9" * 5000, "capacity_kwh = inf: expected a capacity"),  # past int()'s digit limit
        ('0.24, "capacity_kwh": 0.5', "key 'capacity_kwh' appears twice"),
    ):
        path.write_text(text.replace("0.24", written, 1), encoding="utf-8")
        assert message in _refused(path)
    path.write_text("[1, 2]", encoding="utf-8")
    assert "expected a JSON object" in _refused(path)


def test_too_many_points_are_refused(tmp_path: Path) -> None:
    from chikuden.analysis.product import MAX_POINTS

    doc = _example()
    n = MAX_POINTS + 1
    doc["cycle_test"] = {"efc": list(range(n)), "capacity_share": [0.9] * n}
    assert f"more than {MAX_POINTS:,}" in _refused(_write(tmp_path, "many.json", doc))


def test_csv_files_with_repeats_or_huge_cells_are_refused(tmp_path: Path) -> None:
    text = EXAMPLE.with_suffix(".csv").read_text(encoding="utf-8")
    path = tmp_path / "p.csv"
    for old, new, message in (
        ("chemistry,NMC811\n", "chemistry,NMC811\nchemistry,LFP\n", "'chemistry' appears twice"),
        ("product,", 'product,"' + "x" * 200_000 + '"', "malformed CSV"),
        ("0,1.0\n", "0,1.0\n25,0.99,extra\n", "cycle row 3 needs 2 cells"),
    ):
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        assert message in _refused(path)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--tolerance", "nan"], "--tolerance = 'nan' is not finite"),
        (["--tolerance", "1.5"], "--tolerance = '1.5' is out of range; give a number in [0, 1]"),
        (["--year", "２０５０"], "--year = '２０５０' is not a whole number"),
        (["--model", "cubic"], "'cubic' is not one of"),
        (["--set", "carbon.end_of_life_soh_share=1"], "end-of-life state of health = 1.0"),
    ],
)
def test_bad_options_are_one_line(options: list[str], message: str) -> None:
    assert message in _refused(EXAMPLE, *options)


def test_a_folder_is_not_a_product_file(tmp_path: Path) -> None:
    folder = tmp_path / "data.json"
    folder.mkdir()
    assert "is a folder" in _refused(folder)


def test_a_huge_interval_bound_prints_instead_of_crashing(tmp_path: Path) -> None:
    # Found by the fuzz test: 5 points falling from 1.0 to 0.001 by 755 cycles. The sqrt fit
    # puts end of life at ~1 cycle with a 95% interval up to ~7e32 cycles, which the text
    # renderer's number formatting (babel, decimal quantize) could not print.
    doc = _example()
    doc["cycle_test"] = {
        "efc": [0.0, 755.0, 1510.0, 2265.0, 3020.0],
        "capacity_share": [1.0, 0.001, 0.001, 0.001, 0.001],
    }
    doc["carbon_footprint_kgco2e_per_kwh"] = 0.0
    path = _write(tmp_path, "steep.json", doc)
    high = json.loads(runner.invoke(app, ["assess", str(path), "--json"]).stdout)
    assert high["cycles_to_end_of_life"]["high"] > 1e28
    for lang in ("en", "ja"):
        result = runner.invoke(app, ["assess", str(path), "--lang", lang])
        assert result.exit_code == 0, result.output
        assert "e+32" in result.stdout
