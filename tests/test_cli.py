"""The command line, driven through typer's CliRunner (and once as ``python -m chikuden``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import chikuden
from chikuden import cli
from chikuden.cli import app, write_folder
from chikuden.errors import ChikudenError
from chikuden.indicators import outputs
from chikuden.parameters import bibliography, declarations

runner = CliRunner()
INDICATORS = [k for k, d in outputs().items() if d.kind == "indicator"]


def invoke(*args: str) -> typer.testing.Result:
    return runner.invoke(app, list(args))


# -- run ---------------------------------------------------------------------------------------
def test_run_writes_report_json_and_csv_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", "--out", str(out))
    assert result.exit_code == 0, result.output
    folder = out / "proposal-2022"
    assert sorted(p.name for p in folder.iterdir()) == [
        "indicators.json",
        "report.html",
        "series.csv",
    ]
    expected = chikuden.evaluate(chikuden.load_scenario("proposal-2022")).to_json(0)
    assert json.loads((folder / "indicators.json").read_text("utf-8")) == expected
    csv_lines = (folder / "series.csv").read_text("utf-8").splitlines()
    assert csv_lines[0] == "scenario,key,unit,year,value"
    assert csv_lines[1].startswith("proposal-2022,")
    # summary: English labels, formatted values, units
    for key in INDICATORS:
        assert outputs()[key].label_en in result.stdout
    assert "3,000" in result.stdout  # market.global_demand_2030 (P1: 3,000 GWh)
    assert "20%" in result.stdout  # targets.japan_share_2030
    assert f"wrote {folder / 'report.html'}" in result.stdout
    # nothing but the result folder is left in OUT (no temporary folders)
    assert [p.name for p in out.iterdir()] == ["proposal-2022"]


def test_run_in_japanese_prints_japanese_labels(tmp_path: Path) -> None:
    result = invoke("run", "--lang", "ja", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert outputs()["targets.domestic_capacity_2030"].label_ja in result.stdout
    assert "指標" in result.stdout
    html = (tmp_path / "proposal-2022" / "report.html").read_text("utf-8")
    assert '<html lang="ja">' in html


def test_run_json_prints_only_the_indicators_json_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", "--json", "--out", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # the whole stdout is one JSON document
    assert set(doc) == {"scenario", "indicators"}
    assert doc["scenario"] == "proposal-2022"
    assert set(doc["indicators"]) == set(INDICATORS)
    for entry in doc["indicators"].values():
        assert set(entry) == {"value", "unit", "year", "label_en", "label_ja", "sources"}
    assert doc["indicators"]["targets.japan_global_capacity_2030"]["value"] == pytest.approx(600)
    assert result.stderr == ""
    assert not out.exists()


def test_run_set_overrides_a_parameter_and_cites_the_user(tmp_path: Path) -> None:
    result = invoke(
        "run",
        "--json",
        "--set",
        "targets.japan_share_2030=0.25",
        "--set",
        "market.demand_2030_gwh=4000",
    )
    assert result.exit_code == 0, result.output
    ind = json.loads(result.stdout)["indicators"]
    # P1: 20% of 3,000 GWh = 600 GWh; with 25% of 4,000 GWh it is 1,000 GWh.
    assert ind["targets.japan_global_capacity_2030"]["value"] == pytest.approx(1000)
    assert ind["market.global_demand_2030"]["value"] == pytest.approx(4000)
    assert "user-override" in ind["targets.japan_share_2030"]["sources"]


def test_run_accepts_a_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: my-case\nextends: proposal-2022\nparameters:\n  targets.japan_share_2030: 0.1\n",
        encoding="utf-8",
    )
    result = invoke("run", "--scenario", str(path), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "o" / "my-case" / "indicators.json").read_text("utf-8"))
    assert doc["scenario"] == "my-case"
    # 10% of 3,000 GWh = 300 GWh
    assert doc["indicators"]["targets.japan_global_capacity_2030"]["value"] == pytest.approx(300)


def test_run_replaces_an_earlier_result_folder(tmp_path: Path) -> None:
    folder = tmp_path / "proposal-2022"
    folder.mkdir()
    (folder / "stale.txt").write_text("old", encoding="utf-8")
    result = invoke("run", "-s", "proposal-2022", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert not (folder / "stale.txt").exists()
    assert (folder / "report.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["proposal-2022"]


BAD_INPUT = [
    pytest.param(
        ["run", "--scenario", "proposal-2O22"], "did you mean 'proposal-2022'", id="scenario"
    ),
    pytest.param(["run", "--set", "market.demand_2030_gw=1"], "unknown parameter", id="set-name"),
    pytest.param(
        ["run", "--set", "targets.japan_share_2030=1.5"], "outside the allowed", id="range"
    ),
    pytest.param(
        ["run", "--set", "targets.japan_share_2030"], "expected PATH=VALUE", id="set-form"
    ),
    pytest.param(["compare", "proposal-2022", "nope"], "unknown scenario 'nope'", id="compare"),
    pytest.param(["compare", "proposal-2022"], "two or more", id="compare-one"),
    pytest.param(
        ["compare", "proposal-2022", "meti-strategy-2022", "--set", "x.y=1"],
        "unknown parameter",
        id="compare-set",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    result = invoke(*args, "--out", str(out))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert not out.exists()


def test_malformed_scenario_file_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nparameters:\n  market.demand_2030_gwh: [1, 2\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", "-s", str(path), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "malformed YAML" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not out.exists()


def test_missing_scenario_file_exits_2(tmp_path: Path) -> None:
    result = invoke("run", "-s", str(tmp_path / "absent.yaml"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "not found" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_out_folder_that_cannot_be_written_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me", encoding="utf-8")
    result = invoke("run", "--out", str(blocker))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --out {str(blocker)!r}: cannot write")
    assert len(result.stderr.splitlines()) == 1
    assert blocker.read_text("utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]


def test_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("run", "--lang", "fr", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_unexpected_exceptions_surface_as_tracebacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import chikuden.api

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(chikuden.api, "evaluate", broken)
    result = invoke("run", "--out", str(tmp_path / "out"))
    assert isinstance(result.exception, RuntimeError)
    assert result.exit_code == 1
    assert not (tmp_path / "out").exists()


def test_a_failure_while_writing_leaves_no_partial_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "case"
    # "sub/b.txt" cannot be written: the folder "sub" does not exist in the temporary folder.
    with pytest.raises(FileNotFoundError):
        write_folder(target, {"a.txt": "a", "sub/b.txt": "b"})
    assert list(tmp_path.iterdir()) == []  # not even the parents it created


def test_a_failure_while_writing_keeps_the_earlier_result(tmp_path: Path) -> None:
    target = tmp_path / "case"
    write_folder(target, {"a.txt": "first"})
    with pytest.raises(FileNotFoundError):
        write_folder(target, {"a.txt": "second", "sub/b.txt": "b"})
    assert (target / "a.txt").read_text("utf-8") == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["case"]


# -- compare -----------------------------------------------------------------------------------
def test_compare_prints_scenarios_side_by_side_and_writes_one_report(tmp_path: Path) -> None:
    result = invoke("compare", "proposal-2022", "actual-2025", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0]
    assert "proposal-2022" in header
    assert "actual-2025" in header
    folder = tmp_path / "compare-proposal-2022-actual-2025"
    assert (folder / "report.html").exists()
    docs = json.loads((folder / "indicators.json").read_text("utf-8"))
    assert [d["scenario"] for d in docs] == ["proposal-2022", "actual-2025"]
    assert "proposal-2022" in (folder / "series.csv").read_text("utf-8")


def test_compare_json_is_a_list_of_per_scenario_documents(tmp_path: Path) -> None:
    result = invoke(
        "compare", "proposal-2022", "meti-strategy-2022", "--json", "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)
    assert [d["scenario"] for d in docs] == ["proposal-2022", "meti-strategy-2022"]
    each = [
        chikuden.evaluate(chikuden.load_scenario(n)).to_json(0)
        for n in ("proposal-2022", "meti-strategy-2022")
    ]
    assert docs == each
    assert not (tmp_path / "o").exists()


def test_compare_set_applies_to_every_scenario(tmp_path: Path) -> None:
    result = invoke(
        "compare",
        "proposal-2022",
        "meti-strategy-2022",
        "--json",
        "--set",
        "targets.japan_share_2030=0.3",
        "--set",
        "targets.japan_global_gwh_2030=0",  # METI's target is in GWh: one kind or the other
    )
    assert result.exit_code == 0, result.output
    for doc in json.loads(result.stdout):
        assert doc["indicators"]["targets.japan_share_2030"]["value"] == pytest.approx(0.3)


def test_compare_in_japanese(tmp_path: Path) -> None:
    result = invoke("compare", "proposal-2022", "actual-2025", "--lang", "ja", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert outputs()["market.global_demand_2030"].label_ja in result.stdout


# -- params, scenarios, sources ----------------------------------------------------------------
def test_params_lists_every_declared_parameter() -> None:
    result = invoke("params")
    assert result.exit_code == 0, result.output
    for name, decl in declarations().items():
        assert name in result.stdout
        assert decl.description_en in result.stdout


def test_params_in_japanese_and_filtered_by_domain() -> None:
    result = invoke("params", "--lang", "ja", "--domain", "market")
    assert result.exit_code == 0, result.output
    market = [d for d in declarations().values() if d.domain == "market"]
    for decl in market:
        assert decl.name in result.stdout
        assert decl.description_ja in result.stdout
    others = [d.name for d in declarations().values() if d.domain != "market"]
    assert others
    assert not any(f"{name}  [" in result.stdout for name in others)


def test_params_json_has_unit_default_range_description_and_sources() -> None:
    result = invoke("params", "--json", "--domain", "targets")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    decls = declarations()
    assert {e["name"] for e in entries} == {n for n, d in decls.items() if d.domain == "targets"}
    for e in entries:
        decl = decls[e["name"]]
        assert e["unit"] == decl.unit
        assert e["default"] == decl.default_text()
        assert e["range"] == decl.range_text
        assert e["description"] == decl.description_en
        assert e["sources"] == list(decl.source)


def test_params_unknown_domain_exits_2_with_a_hint() -> None:
    result = invoke("params", "--domain", "markt")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --domain 'markt'")
    assert "did you mean 'market'" in result.stderr


def test_scenarios_lists_bundled_scenarios_with_titles() -> None:
    result = invoke("scenarios")
    assert result.exit_code == 0, result.output
    for name in chikuden.list_scenarios():
        assert name in result.stdout
        assert chikuden.load_scenario(name).title_en in result.stdout
    ja = invoke("scenarios", "--lang", "ja", "--json")
    assert ja.exit_code == 0, ja.output
    entries = json.loads(ja.stdout)
    assert [e["name"] for e in entries] == list(chikuden.list_scenarios())
    titles = {e["name"]: e["title"] for e in entries}
    assert titles["proposal-2022"] == chikuden.load_scenario("proposal-2022").title_ja


def test_sources_lists_the_bibliography() -> None:
    result = invoke("sources")
    assert result.exit_code == 0, result.output
    for key, src in bibliography().items():
        assert f"{key}  (" in result.stdout
        if src.url:
            assert src.url in result.stdout
    as_json = json.loads(invoke("sources", "--json").stdout)
    assert [e["key"] for e in as_json] == list(bibliography())
    proposal = next(e for e in as_json if e["key"] == "proposal-2022")
    assert "P1" in proposal["clauses"]


# -- the command tree --------------------------------------------------------------------------
def test_help_lists_every_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    for name in (
        "run",
        "compare",
        "params",
        "scenarios",
        "sources",
        "roadmap",
        "charging",
        "minerals",
        "product",
    ):
        assert name in result.stdout


@pytest.mark.parametrize("group", ["roadmap", "charging", "minerals", "product"])
def test_domain_sub_apps_are_registered(group: str) -> None:
    result = invoke(group, "--help")
    assert result.exit_code == 0, result.output
    assert f"{group} [OPTIONS] COMMAND" in result.stdout


def test_main_turns_a_chikuden_error_from_any_command_into_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = typer.Typer()

    @other.command()
    def boom() -> None:
        raise ChikudenError("thing = 3 is outside 0..1;\nuse a value in that range")

    @other.command()
    def fine() -> None:
        typer.echo("fine")

    monkeypatch.setattr(cli, "app", other)
    monkeypatch.setattr(sys, "argv", ["chikuden", "boom"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err == "error: thing = 3 is outside 0..1; use a value in that range\n"


def test_python_dash_m_chikuden_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chikuden", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "compare" in done.stdout


def test_the_cli_module_imports_no_numpy_or_pandas() -> None:
    # `chikuden --help` must stay fast: the heavy libraries load inside the commands.
    code = (
        "import sys, chikuden.cli; "
        "heavy = [m for m in ('numpy', 'pandas', 'jinja2', 'babel', 'chikuden.api') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_import_shares_above_one_in_a_scenario_file_exit_2_and_write_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "imports.yaml"
    path.write_text(
        "name: imports\nextends: proposal-2022\nparameters:\n  minerals.imports:\n    rows:\n"
        + "".join(
            f"    - {{id: g-{c}, mineral: graphite, country: {c}, share: 0.7, year: 2023,"
            " source: assumption}\n"
            for c in ("CN", "MZ")
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = invoke("run", "-s", str(path), "-o", str(out))
    assert result.exit_code == 2, result.output
    assert "mineral = 'graphite' have share adding up to 1.4" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not out.exists()
