"""Parameter declarations, scenario files and overrides: valid input loads, bad input is named."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import chikuden
from chikuden.errors import ChikudenError, ParameterError, ScenarioNotFoundError
from chikuden.horizon import YEARS
from chikuden.parameters import bibliography, declarations, list_scenarios, resolve_source
from chikuden.parameters.declarations import Table


def test_every_declaration_is_bilingual_cited_and_in_range() -> None:
    # declarations() checks none of this (issue 12: not in every process start); a default is
    # read by Declaration.validate, the check a user's value passes, when first used: here.
    decls = declarations()
    assert decls, "no parameters declared"
    for name, d in decls.items():
        assert d.description_en and d.description_ja, name
        assert d.source, name
        for key in d.source:
            resolve_source(key, name)
        if d.kind == "scalar":
            assert d.min <= d.default <= d.max, name
        if d.kind == "path":
            assert d.default.shape == YEARS.shape, name
            assert np.all((d.min <= d.default) & (d.default <= d.max)), name
        if d.kind == "table":
            # the schema exists, and the bundled table passes it: every cell in its column's
            # range, every source key resolves, the table's own rules hold
            assert d.schema is not None and d.schema.name == d.schema_name, name
            assert isinstance(d.default, Table), name
            assert d.default.label == d.default_raw, name
        if d.unit == "share":
            assert d.min >= 0.0 and d.max <= 1.0, name


def test_assumptions_explain_themselves() -> None:
    for name, d in declarations().items():
        if "assumption" in d.source or "derived" in d.source:
            assert len(d.note) > 10, f"{name} cites an assumption or derivation without a note"


def test_bundled_scenarios_cite_every_value() -> None:
    assert "proposal-2022" in list_scenarios()
    for name in list_scenarios():
        s = chikuden.load_scenario(name)
        for key in s.overrides:
            assert s.sources_of(key), f"{name}: {key}"
            for src in s.sources_of(key):
                assert src.split(":")[0] in bibliography()


def test_bundled_scenarios_keep_the_rules_between_parameters(tmp_path: Path) -> None:
    # Loading a bundled scenario does not check its values against data/parameters/rules.yaml
    # again in every process (issue 12); this does, for each of them. A user's file is checked
    # when it loads (here), a bundled scenario with overrides too (test_door.py).
    for name in list_scenarios():
        chikuden.load_scenario(name).check_rules()
    f = tmp_path / "mine.yaml"
    f.write_text(
        "extends: proposal-2022\nparameters:\n"
        "  vehicles.passenger_bev_share: 0.6\n  vehicles.passenger_hev_share: 0.6\n",
        "utf-8",
    )
    with pytest.raises(ParameterError, match=re.escape("vehicles.passenger_bev_share = 0.6")):
        chikuden.load_scenario(f)


def test_unknown_scenario_suggests_the_closest() -> None:
    with pytest.raises(ScenarioNotFoundError, match="did you mean 'proposal-2022'"):
        chikuden.load_scenario("proposal-2020")


def test_unknown_parameter_suggests_the_closest() -> None:
    with pytest.raises(ParameterError, match=re.escape("did you mean 'targets.japan_share_2030'")):
        chikuden.load_scenario("proposal-2022", ["targets.japan_shar_2030=0.3"])


def test_share_out_of_range_names_path_value_range_and_unit() -> None:
    with pytest.raises(ParameterError) as err:
        chikuden.load_scenario("proposal-2022", ["targets.japan_share_2030=1.5"])
    msg = str(err.value)
    assert "targets.japan_share_2030" in msg and "1.5" in msg and "0..1" in msg
    assert "[share]" in msg and "\n" not in msg


def test_wrong_type_is_named() -> None:
    with pytest.raises(
        ParameterError, match=re.escape("market.demand_2030_gwh = 'lots' is not a number")
    ):
        chikuden.load_scenario("proposal-2022", ["market.demand_2030_gwh=lots"])


def test_path_year_outside_horizon() -> None:
    with pytest.raises(
        ParameterError, match=re.escape("year 2050 is outside the horizon 2021..2040")
    ):
        chikuden.load_scenario("proposal-2022", ["market.stationary_share={2021: 0.1, 2050: 0.2}"])


def test_path_points_interpolate_linearly_and_hold_flat() -> None:
    s = chikuden.load_scenario("proposal-2022", ["market.stationary_share={2025: 0.1, 2035: 0.2}"])
    path = s.value("market.stationary_share")
    # Before 2025 flat at 0.1; 2030 halfway: 0.15; after 2035 flat at 0.2.
    assert path[0] == 0.1 and math.isclose(path[YEARS.tolist().index(2030)], 0.15)
    assert path[-1] == 0.2


def test_negative_capacity_in_a_table_row_is_named() -> None:
    rows = [
        {
            "id": "bad",
            "company": "X",
            "site": "Y",
            "region": "JP",
            "stage": "cells",
            "status": "certified",
            "gwh": -5,
            "start_year": 2027,
            "source": "assumption",
        }
    ]
    with pytest.raises(ParameterError, match=r"row 1 \(bad\) column gwh = -5 is outside 0..1000"):
        chikuden.load_scenario("proposal-2022", {"capacity.plants": {"rows": rows}})


def test_year_column_outside_range() -> None:
    rows = [
        {
            "id": "late",
            "company": "X",
            "site": "Y",
            "region": "JP",
            "stage": "cells",
            "status": "certified",
            "gwh": 5,
            "start_year": 2045,
            "source": "assumption",
        }
    ]
    with pytest.raises(ParameterError, match="start_year = 2045"):
        chikuden.load_scenario("proposal-2022", {"capacity.plants": {"rows": rows}})


def test_malformed_yaml_names_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("parameters:\n  targets.japan_share_2030: [0.2\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="malformed YAML at line"):
        chikuden.load_scenario(f)


def test_user_file_without_sources_cites_the_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text("extends: proposal-2022\nparameters:\n  targets.japan_share_2030: 0.3\n", "utf-8")
    s = chikuden.load_scenario(f)
    assert s.name == "mine"
    assert s.value("targets.japan_share_2030") == 0.3
    assert s.sources_of("targets.japan_share_2030") == ("user-scenario-file",)
    # Inherited values keep their citations.
    assert s.sources_of("market.demand_2030_gwh") == ("proposal-2022:P1",)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    f = tmp_path / "typo.yaml"
    f.write_text("paramters:\n  targets.japan_share_2030: 0.3\n", "utf-8")
    with pytest.raises(ParameterError, match="did you mean 'parameters'"):
        chikuden.load_scenario(f)


SCALARS = [n for n, d in declarations().items() if d.kind == "scalar"]


@given(
    name=st.sampled_from(SCALARS),
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=8),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=3),
    ),
)
def test_any_value_loads_or_gives_our_error(name: str, value: object) -> None:
    decl = declarations()[name]
    try:
        s = chikuden.load_scenario("proposal-2022", {name: value})
    except ChikudenError as exc:
        assert name in str(exc)
        assert "\n" not in str(exc)
        return
    # It loaded: then it is a finite number inside the declared range.
    v = s.value(name)
    assert math.isfinite(v) and decl.min <= v <= decl.max


@given(
    name=st.sampled_from(SCALARS),
    excess=st.floats(min_value=1e-6, max_value=1e12, allow_nan=False),
    above=st.booleans(),
)
def test_out_of_range_values_are_always_rejected(name: str, excess: float, above: bool) -> None:
    decl = declarations()[name]
    bound = decl.max if above else decl.min
    if not math.isfinite(bound):
        return
    value = bound + excess * (1 if above else -1) * max(1.0, abs(bound))
    with pytest.raises(ParameterError, match="outside the allowed range"):
        chikuden.load_scenario("proposal-2022", {name: value})


@given(
    doc=st.recursive(
        st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), st.text(max_size=10)),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(
                st.one_of(
                    st.sampled_from(["parameters", "name", "extends", "title", *SCALARS[:5]]),
                    st.text(max_size=12),
                ),
                children,
                max_size=4,
            ),
        ),
        max_leaves=12,
    )
)
def test_generated_scenario_files_never_crash(
    doc: object, tmp_path_factory: pytest.TempPathFactory
) -> None:
    f = tmp_path_factory.mktemp("gen") / "gen.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        chikuden.load_scenario(f)
    except ChikudenError as exc:
        assert "\n" not in str(exc)


def test_set_accepts_year_points_that_yaml_would_misread() -> None:
    # YAML 1.1 reads 2021:0.8 as a base-60 number (2021 * 60 + 0.8); --set must not.
    s = chikuden.load_scenario("proposal-2022", ["market.stationary_share=2021:0.1;2031:0.2"])
    path = s.value("market.stationary_share")
    assert path[0] == 0.1 and math.isclose(path[5], 0.15) and path[-1] == 0.2
    one = chikuden.load_scenario("proposal-2022", ["market.stationary_share=2021:0.3"])
    assert np.all(one.value("market.stationary_share") == 0.3)


def test_equal_tables_hash_equally_whatever_their_label() -> None:
    # Table.__eq__ compares rows; its hash must agree (it hashed the label and the row count, so
    # equal tables with different labels hashed differently and a set kept both)
    from dataclasses import replace

    from chikuden.parameters.declarations import Table

    table = declarations()["minerals.supply"].default
    assert isinstance(table, Table)
    relabelled = replace(table, label="another file")
    rows_copied = replace(table, rows=tuple(dict(reversed(list(r.items()))) for r in table.rows))
    for same in (relabelled, rows_copied):
        assert same == table
        assert hash(same) == hash(table)
    assert len({table, relabelled, rows_copied}) == 1
    # a changed cell makes another table; its hash differs here (not required, but a hash of
    # the label and row count alone would not see the change)
    first = dict(table.rows[0])
    number = next(k for k, v in first.items() if isinstance(v, float))
    first[number] = first[number] + 1.0
    changed = replace(table, rows=(first, *table.rows[1:]))
    assert changed != table
    assert hash(changed) != hash(table)


def test_a_users_file_citing_an_unknown_source_is_refused(tmp_path: Path) -> None:
    # A bundled scenario's keys are resolved by tests/test_sources.py, not at every load; a
    # user's are resolved when the file loads, in a value's source and in a table row's.
    cases = {
        "{value: 0.25, source: no-such-report-2024}": "unknown source 'no-such-report-2024'",
        "{value: 0.25, source: 'proposal-2022:P99'}": "source 'proposal-2022' has no clause 'P99'",
    }
    for cited, expected in cases.items():
        f = tmp_path / "mine.yaml"
        f.write_text(
            f"extends: proposal-2022\nparameters:\n  targets.japan_share_2030: {cited}\n", "utf-8"
        )
        with pytest.raises(ParameterError, match=re.escape(expected)) as err:
            chikuden.load_scenario(f)
        assert "targets.japan_share_2030" in str(err.value)
    plants = declarations()["capacity.plants"].default
    row = {**plants.rows[0], "source": "no-such-report-2024"}
    with pytest.raises(ParameterError, match="column source: unknown source 'no-such-report"):
        chikuden.load_scenario("proposal-2022", {"capacity.plants": {"rows": [row]}})
