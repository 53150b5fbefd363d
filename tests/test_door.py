"""Input checked at the door (issue 10): each finding of the hostile-input review, by name.

Every case must end in the project's own error (one line naming the field, the value, what is
allowed) before any model code runs, and on the CLI in exit code 2 with nothing written.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import chikuden
from chikuden import reading
from chikuden.cli import app
from chikuden.errors import ChikudenError, ParameterError
from chikuden.parameters.params import Params

runner = CliRunner()
PLANT = {
    "id": "p1",
    "company": "X",
    "site": "Y",
    "region": "JP",
    "stage": "cells",
    "status": "certified",
    "gwh": 5,
    "start_year": 2027,
    "source": "assumption",
}


def refused(path_or_name: str | Path, overrides: object = None) -> str:
    """Load and expect our error; return its one-line message."""
    with pytest.raises(ChikudenError) as err:
        chikuden.load_scenario(path_or_name, overrides=overrides)  # type: ignore[arg-type]
    msg = str(err.value)
    assert "\n" not in msg and len(msg) < 600, msg
    return msg


def write(tmp_path: Path, text: str | bytes, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# -- numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9" * 400, "too large"),  # OverflowError: int too large to convert to float
        ("9" * 5000, "too large"),  # Exceeds the limit (4300 digits) for integer string conversion
        ("1e999", "not a finite number"),  # float('1e999') is inf
        (".nan", "not a finite number"),
    ],
)
def test_numbers_too_large_for_a_float_are_refused(
    tmp_path: Path, value: str, expected: str
) -> None:
    f = write(tmp_path, f"parameters:\n  vehicles.survival_shape: {value}\n")
    msg = refused(f)
    assert expected in msg
    if "finite" in msg:
        assert "vehicles.survival_shape" in msg


@pytest.mark.parametrize("column", ["gwh", "start_year"])
def test_huge_numbers_in_table_cells_are_refused(column: str) -> None:
    row = {**PLANT, column: 10**400}  # the review's OverflowError in capacity.plants
    msg = refused("proposal-2022", {"capacity.plants": {"rows": [row]}})
    assert f"column {column}" in msg and "outside" in msg


@pytest.mark.parametrize("key", [".inf", ".nan", "-.inf", "2030.5", "1e4"])
def test_path_years_must_be_whole_years_in_the_horizon(tmp_path: Path, key: str) -> None:
    f = write(tmp_path, f"parameters:\n  market.stationary_share: {{value: {{{key}: 0.5}}}}\n")
    msg = refused(f)
    assert "market.stationary_share: year" in msg and "2021..2040" in msg


@pytest.mark.parametrize("text", ["٣", "０.５", "1_0", "0x1", "1:30:00", "on", "yes", "½"])
def test_set_reads_plain_ascii_numbers_only(text: str) -> None:
    # YAML 1.1 reads 1_0 as 10, 1:30:00 as 5400 and on/yes as true; Python's float() reads
    # Arabic-Indic and full-width digits. None of these is a number here.
    msg = refused("proposal-2022", [f"vehicles.survival_shape={text}"])
    assert "vehicles.survival_shape" in msg and "is not a number" in msg


def test_set_still_reads_plain_numbers_and_year_points() -> None:
    s = chikuden.load_scenario(
        "proposal-2022",
        ["vehicles.survival_shape=2.5", "market.stationary_share=2021:0.1;2030:1e-1"],
    )
    assert s.value("vehicles.survival_shape") == 2.5
    assert (s.value("market.stationary_share") == 0.1).all()


# -- text --------------------------------------------------------------------------------------
def test_utf16_with_a_byte_order_mark_is_named(tmp_path: Path) -> None:
    f = write(tmp_path, "name: x\n".encode("utf-16"))
    assert "UTF-16 (little-endian, with a byte-order mark), not UTF-8" in refused(f)


def test_latin1_is_named_with_the_offending_byte(tmp_path: Path) -> None:
    f = write(tmp_path, "title: {en: café}\n".encode("latin-1"))
    msg = refused(f)
    assert "not UTF-8" in msg and "0xe9 at offset 15" in msg and "Latin-1" in msg


def test_shift_jis_is_recognised(tmp_path: Path) -> None:
    f = write(tmp_path, "title: {ja: 蓄電池の提言}\n".encode("cp932"))
    assert "Shift_JIS" in refused(f)


def test_random_bytes_are_named_binary(tmp_path: Path) -> None:
    f = write(tmp_path, bytes(range(256)) * 4)
    assert "binary data" in refused(f)


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    f = write(tmp_path, b"\xef\xbb\xbfparameters:\n  vehicles.survival_shape: 2.5\n")
    assert chikuden.load_scenario(f).value("vehicles.survival_shape") == 2.5


@pytest.mark.parametrize("where", ["name", "title: {en", "parameters:\n  x: {value: 1, note"])
def test_lone_surrogates_are_refused(tmp_path: Path, where: str) -> None:
    closing = "}" * where.count("{")
    f = write(tmp_path, f'{where}: "a\\ud800b"{closing}\n')
    assert "lone surrogate" in refused(f)


def test_a_two_million_character_name_is_refused_quickly(tmp_path: Path) -> None:
    f = write(tmp_path, "name: " + "a" * 2_000_000 + "\n")
    msg = refused(f)
    assert "longer than the limit of 5,000" in msg


def test_very_long_titles_are_refused(tmp_path: Path) -> None:
    f = write(tmp_path, "title: {en: " + "x" * 100_000 + "}\n")
    assert "longer than the limit" in refused(f)


def test_a_file_larger_than_the_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    f = write(tmp_path, b"#" * (reading.MAX_FILE_BYTES + 1))
    assert f"limit of {reading.MAX_FILE_BYTES:,} bytes" in refused(f)


# -- structure ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["~\n", "0\n", "[1, 2]\n", "just text\n", ""])
def test_a_top_level_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    assert "not a mapping" in refused(write(tmp_path, text))


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    # 100,000 levels: the parser keeps its states in a list, the composer stops at level 11
    f = write(tmp_path, "parameters: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "nested more than 10 levels" in refused(f)


def test_billion_laughs_is_refused_at_once(tmp_path: Path) -> None:
    # The 600-byte pattern that took 34 s and 5.3 GB: nine levels of nine aliases each.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("parameters: {}")
    f = write(tmp_path, "\n".join(lines) + "\n")
    # refused where the first anchor is composed, before any alias could be expanded
    assert "line 1, column 5: YAML anchors and aliases" in refused(f)


def test_the_same_key_twice_is_refused(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "parameters:\n  targets.japan_share_2030: 0.2\n  targets.japan_share_2030: 0.3\n",
    )
    assert "'targets.japan_share_2030' appears twice" in refused(f)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["a"], "row 1 = 'a' is not a mapping"),
        ([[1, 2]], "row 1 = [1, 2] is not a mapping"),
        ([{**PLANT, "gwh": {"nested": 1}}], "row 1 column 'gwh'"),
        ([{**PLANT, "gwh": [1, 2]}], "row 1 column 'gwh' = [1, 2] is not one number or text"),
        ([{**PLANT, "gwh": ["1", "2"]}], "column gwh = ['1', '2'] is a list; give one value"),
        ("not a list", "rows"),
    ],
)
def test_malformed_table_rows_are_refused(rows: object, expected: str) -> None:
    assert expected in refused("proposal-2022", {"capacity.plants": {"rows": rows}})


def test_a_table_override_gives_exactly_one_form() -> None:
    msg = refused("proposal-2022", {"capacity.plants": {"table": "plants-japan-2025", "rows": []}})
    assert "exactly one of table, csv or rows" in msg


def test_a_cited_value_with_a_typo_names_the_key(tmp_path: Path) -> None:
    f = write(tmp_path, "parameters:\n  targets.japan_share_2030: {valeu: 0.3, source: x}\n")
    assert "unknown key 'valeu' (did you mean 'value'?)" in refused(f)


def test_a_name_that_cannot_name_a_folder_is_refused(tmp_path: Path) -> None:
    assert "lower-case letters" in refused(write(tmp_path, "name: ../../etc\n"))


# -- CSV tables --------------------------------------------------------------------------------
def test_a_csv_row_with_more_cells_than_the_header_is_refused(tmp_path: Path) -> None:
    header = ",".join(PLANT)
    row = ",".join(str(v) for v in PLANT.values()) + ",extra"
    write(tmp_path, f"{header}\n{row}\n", "plants.csv")
    f = write(tmp_path, "parameters:\n  capacity.plants: {csv: plants.csv}\n")
    assert "row 1 has 10 cells but the header has 9 columns" in refused(f)


def test_a_csv_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    header = ",".join(PLANT)
    row = ",".join(str(v) for v in {**PLANT, "site": "Zürich"}.values())
    write(tmp_path, f"{header}\n{row}\n".encode("latin-1"), "plants.csv")
    f = write(tmp_path, "parameters:\n  capacity.plants: {csv: plants.csv}\n")
    assert "plants.csv: not UTF-8" in refused(f)


def test_more_rows_than_the_limit_are_refused() -> None:
    rows = [{**PLANT, "id": f"p{i}"} for i in range(reading.MAX_ROWS + 1)]
    msg = refused("proposal-2022", {"capacity.plants": {"rows": rows}})
    assert "rows has more than the limit of 2,000 entries" in msg


# -- extends -----------------------------------------------------------------------------------
def test_extends_resolves_from_the_files_folder_not_the_working_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = tmp_path / "scenarios"
    sub.mkdir()
    write(sub, "extends: proposal-2022\nparameters:\n  capacity.delay_years: 2\n", "base.yaml")
    child = write(sub, "extends: base.yaml\n", "child.yaml")
    monkeypatch.chdir(tmp_path)  # base.yaml is not in the working folder
    assert chikuden.load_scenario(child).value("capacity.delay_years") == 2


def test_a_long_extends_chain_is_refused(tmp_path: Path) -> None:
    for i in range(1200):  # the review's 1,200-file chain ended in a RecursionError
        write(tmp_path, f"extends: c{i + 1}.yaml\n", f"c{i}.yaml")
    write(tmp_path, "extends: proposal-2022\n", "c1200.yaml")
    assert f"longer than the limit of {reading.MAX_EXTENDS} files" in refused(tmp_path / "c0.yaml")


def test_an_extends_loop_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: ./a.yaml\n", "b.yaml")  # the same file by another spelling
    assert "comes back to this file" in refused(tmp_path / "a.yaml")


# -- cross-field rules -------------------------------------------------------------------------
def test_shares_that_must_add_up_to_one_are_checked_at_load() -> None:
    msg = refused("proposal-2022", ["minerals.domestic_mix_lfp_share=0"])
    assert "minerals.domestic_mix_lfp_share = 0" in msg and "must add up to 1" in msg


def test_start_before_end_is_checked_for_parameters_and_table_rows() -> None:
    msg = refused("proposal-2022", ["charging.fund_first_year=2031"])  # last year is 2030
    assert "charging.fund_first_year = 2031, charging.fund_last_year = 2030" in msg
    decl = chikuden.parameters.declarations()["minerals.projects"]
    row = {**decl.default.rows[0], "start_year": 2030, "end_year": 2025}
    msg = refused("proposal-2022", {"minerals.projects": {"rows": [row]}})
    assert "start_year = 2030, end_year = 2025 are out of order" in msg


def test_duplicate_ids_in_a_table_are_refused() -> None:
    msg = refused("proposal-2022", {"capacity.plants": {"rows": [PLANT, PLANT]}})
    assert "rows 1 and 2 both have id = 'p1'" in msg


def test_samples_are_checked_by_the_same_rules() -> None:
    import numpy as np

    base = chikuden.load_scenario("proposal-2022")
    with pytest.raises(ParameterError, match="sample 1"):
        Params.from_samples(base, {"charging.fund_first_year": np.array([2023.0, 2035.0])})


# -- the command line --------------------------------------------------------------------------
BAD_FILES: dict[str, bytes] = {
    "utf16": "name: x\n".encode("utf-16"),
    "aliases": b"a: &a [1]\nb: *a\n",
    "not-a-mapping": b"~\n",
    "bad-rows": b"parameters:\n  capacity.plants: {rows: [a]}\n",
    "huge": b"parameters:\n  vehicles.survival_shape: " + b"9" * 5000 + b"\n",
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
@pytest.mark.parametrize("json_", [False, True])
def test_cli_gives_one_line_exit_2_and_creates_no_folder(
    tmp_path: Path, case: str, json_: bool
) -> None:
    f = write(tmp_path, BAD_FILES[case], "bad.yaml")
    out = tmp_path / "new" / "out"
    args = ["run", "--scenario", str(f), "--out", str(out)] + (["--json"] if json_ else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert not (tmp_path / "new").exists()


def test_cli_compare_refuses_a_bad_file_among_good_ones(tmp_path: Path) -> None:
    f = write(tmp_path, BAD_FILES["aliases"], "bad.yaml")
    result = runner.invoke(app, ["compare", "proposal-2022", str(f), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "anchors and aliases" in result.stderr
    assert not (tmp_path / "o").exists()


def test_show_keeps_error_messages_short() -> None:
    text = reading.show("x" * 10_000)
    assert len(text) <= 60 and "10,002 chars" in text
    assert reading.show(0.25) == "0.25"


def test_to_number_never_raises() -> None:
    assert reading.to_number(10**400) == math.inf
    assert reading.to_number(-(10**400)) == -math.inf
    assert reading.to_number(True) is None and reading.to_number("1e5") == 1e5


# -- resource limits ---------------------------------------------------------------------------
REPORT_BOUND_BYTES = 16 * 1024 * 1024  # docs/cli.md: the report of the largest input is < 16 MiB


def test_the_largest_input_the_door_admits_gives_a_bounded_report() -> None:
    """The three tables with per-row outputs at the row limit, every text at its length limit.

    The report of the bundled scenario is about 6.5 MB (most of it the chart library); this
    input, at the limits, gives 7.6 MB (row labels are cut at 60 characters; measured 2026-12).
    """
    from chikuden.parameters import declarations
    from chikuden.report.html import render_report

    overrides: dict[str, object] = {}
    for name in ("capacity.plants", "charging.service_areas", "minerals.projects"):
        rows = [dict(r) for r in declarations()[name].default.rows]
        big = []
        for i in range(reading.MAX_ROWS):
            row = {**rows[i % len(rows)], "id": f"r{i}"}
            for text in ("note", "name", "site", "company", "project"):
                if text in row:
                    row[text] = f"{i}" + "x" * (reading.MAX_STRING - 10)
            big.append(row)
        overrides[name] = {"rows": big}
    results = chikuden.evaluate(chikuden.load_scenario("proposal-2022", overrides))
    assert len(render_report(results, lang="ja").encode("utf-8")) < REPORT_BOUND_BYTES


@pytest.mark.parametrize("text", ["5e-324", "-1e-310", "2e-308"])
def test_subnormal_numbers_are_refused(text: str) -> None:
    # Below 2.2251e-308 a double loses precision; as a divisor such a value overflowed ratios the
    # model defines as "not defined" at exactly 0 (the long fuzz run found 5e-324 people and a
    # 5e-324 domestic fraction giving infinite ratios). 0 itself stays allowed.
    msg = refused("proposal-2022", [f"targets.domestic_fraction_share={text}"])
    assert "too small to compute with" in msg
    import numpy as np

    with pytest.raises(ParameterError, match=r"targets\.domestic_fraction_share"):
        Params.from_samples(
            chikuden.load_scenario("proposal-2022"),
            {"targets.domestic_fraction_share": np.array([0.25, float(text)])},
        )
    assert chikuden.load_scenario("proposal-2022", ["targets.domestic_fraction_share=0"])
