"""`chikuden product ...` end to end through typer's CliRunner (the sub-command's own app)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

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
        and "健全度80%までのサイクル数" in ja.stdout
        and "性能加算: 対象" in ja.stdout
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
