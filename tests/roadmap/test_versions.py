"""Versions never repeat for a key, and every write names the version it read.

The review of issue 10 found two lost updates: an editor's stale ``actual set --version 1``
overwrote an actual that another editor had removed and added again (the new row started at
version 1 again), and ``settings KEY VALUE`` without a version overwrote another editor's
change. The stateful test at the end lets several editors add, correct, remove and re-add
actuals and change settings with the versions they read, some stale, and checks after every
step that the ledger holds exactly the last accepted write and that no version came back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from tests.fuzzing import budget
from typer.testing import CliRunner

from chikuden.commands.roadmap import app
from chikuden.roadmap import ledger as ops
from chikuden.roadmap import revisions
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.errors import ConflictError, LedgerError
from chikuden.roadmap.models import Setting

from .conftest import copy_of, drop_database

runner = CliRunner()


def cli(db: str, *args: str, user: str = "alice") -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, "--user", user, *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# -- the findings ---------------------------------------------------------------------------------
def test_a_stale_version_never_hits_an_actual_removed_and_added_again(db_url: str) -> None:
    # The finding, step by step: A reads workforce.trained 2022 at version 1 (the seed).
    cli(db_url, "init")
    code, out, _ = cli(db_url, "actual", "list", "workforce.trained", "--json", user="A")
    assert code == 0 and '"version": 1' in out
    # B removes it and adds it again with another value and source.
    args = ("workforce.trained", "2022")
    assert cli(db_url, "actual", "remove", *args, "--version", "1", user="B")[0] == 0
    code, out, _ = cli(db_url, "actual", "add", *args, "5", "--source", "B's count", user="B")
    assert code == 0 and "(version 2)" in out  # continues after the removed version 1
    # A's stale change names version 1: refused, with the current version and value.
    code, _, err = cli(db_url, "actual", "set", *args, "--value", "7", "--version", "1", user="A")
    assert code == 2
    assert err.startswith(
        "error: --version: the actual of workforce.trained for 2022 is at version 2, not 1 "
        '(now: 5 people, source "B\'s count")'
    )
    ledger = Ledger.open(db_url)
    with ledger.transaction() as s:
        record = ops.actual(s, "workforce.trained", 2022)
        assert (record.value, record.source, record.entered_by, record.version) == (
            5.0,
            "B's count",
            "B",
            2,
        )
    ledger.close()


def test_a_setting_changes_only_with_the_version_that_was_read(db_url: str) -> None:
    cli(db_url, "init")
    # Bob changes at_risk at the version he read (the seed's 1).
    assert cli(db_url, "settings", "at_risk", "0.5", "--version", "1", user="bob")[0] == 0
    # Alice, without a version, no longer overwrites Bob's change ...
    code, _, err = cli(db_url, "settings", "at_risk", "0.55")
    assert code == 2
    assert err == (
        "error: --version: required to change setting at_risk (now version 2: '0.5'); check "
        "that this is what you mean to change and pass --version 2\n"
    )
    # ... nor with the version she read before Bob's change.
    code, _, err = cli(db_url, "settings", "at_risk", "0.55", "--version", "1")
    assert code == 2 and "setting at_risk is at version 2, not 1 (now: '0.5')" in err
    code, out, _ = cli(db_url, "settings")
    assert code == 0 and "at_risk   0.5            2" in out


def test_a_default_setting_is_stored_once_then_needs_its_version(db_url: str) -> None:
    cli(db_url, "init", "--empty")  # no settings stored: the defaults apply
    code, out, _ = cli(db_url, "settings")
    assert code == 0 and "at_risk   0.6" in out
    code, _, err = cli(db_url, "settings", "at_risk", "0.5", "--version", "1")
    assert code == 2 and "is not stored (it holds its default '0.6')" in err
    assert cli(db_url, "settings", "at_risk", "0.5", user="bob")[0] == 0
    # A second editor who also saw the default is refused: the setting now has version 1.
    code, _, err = cli(db_url, "settings", "at_risk", "0.55")
    assert code == 2 and "pass --version 1" in err


# -- versions of targets, and the ledger functions ----------------------------------------------
def test_target_versions_continue_across_revisions_and_removals(ledger: Ledger) -> None:
    key = ("workforce.trained", 2030)
    with ledger.transaction() as s:
        rev = revisions.open_next(s, 2024)
        # Seeded in 2022 (version 1), copied into 2023 (2), copied into 2024 (3).
        versions = {t.year: t.version for t in _targets(s, rev.id, key[0])}
        assert versions == {2030: 3}
        ops.remove_target(s, *key, reason="dropped", version=3)
        ops.set_target(s, *key, 40_000, reason="back again", source="x")
        assert {t.year: t.version for t in _targets(s, rev.id, key[0])} == {2030: 4}
        # A stale version read before the removal is refused (now 4, not 3) ...
        with pytest.raises(ConflictError, match="is at version 4, not 3"):
            ops.set_target(s, *key, 1, reason="r", source="s", version=3)
        ops.remove_target(s, *key, reason="dropped again", version=4)
        # ... and so is one for a target that was removed since it was read.
        with pytest.raises(ConflictError, match=r"has no 2030 target of workforce\.trained any"):
            ops.set_target(s, *key, 1, reason="r", source="s", version=4)


def _targets(s: Any, revision_id: int, kpi: str) -> list[Any]:
    from chikuden.roadmap.models import Kpi, Target

    return list(
        s.scalars(select(Target).join(Kpi).where(Target.revision_id == revision_id, Kpi.key == kpi))
    )


@pytest.mark.parametrize(
    "write",
    [
        lambda s: ops.update_actual(s, "charging.connectors", 2025, None, value=1),
        lambda s: ops.delete_actual(s, "charging.connectors", 2025, None),
        lambda s: ops.update_milestone(s, "MS-P9-SOLID-STATE", None, evidence="x"),
        lambda s: ops.set_setting(s, "on_track", "0.95"),
    ],
    ids=["update_actual", "delete_actual", "update_milestone", "set_setting"],
)
def test_the_ledger_functions_need_the_version_that_was_read(ledger: Ledger, write: Any) -> None:
    # The web forms will call these functions directly: the check is theirs, not the CLI's.
    required = pytest.raises(ConflictError, match=r"--version: required to change .* --version 1")
    with required, ledger.transaction() as s:
        write(s)


def test_two_editors_racing_with_the_same_version_never_both_win(ledger: Ledger) -> None:
    # Eight threads each try to correct the same actual from version 1 at the same moment:
    # exactly one succeeds, the others get a conflict, and the stored value is the winner's.
    n = 8
    barrier = threading.Barrier(n)
    won: list[int] = []
    lost: list[int] = []

    def edit(i: int) -> None:
        editor = Ledger(ledger.engine, ledger.url, f"editor-{i}")
        barrier.wait()
        try:
            with editor.transaction() as s:
                ops.update_actual(s, "charging.connectors", 2025, 1, value=70_000 + i)
            won.append(i)
        except ConflictError:
            lost.append(i)

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == n - 1
    with ledger.transaction() as s:
        record = ops.actual(s, "charging.connectors", 2025)
        assert (record.value, record.version) == (70_000 + won[0], 2)


# -- editors with stale versions (stateful) ------------------------------------------------------
EDITORS = ("alice", "bob", "carol")
# workforce.trained 2022 is seeded (version 1); the other two start absent.
ACTUALS = (
    ("workforce.trained", 2022),
    ("workforce.trained", 2024),
    ("stationary.cumulative", 2024),
)
# Values that always keep 0 < at_risk < on_track (see ledger.check_thresholds).
SETTINGS = {"on_track": ("0.9", "0.95", "0.99"), "at_risk": ("0.5", "0.6", "0.7")}
# 0: the version the editor read (stale if someone wrote since); 1, 2: older ones; 3: one ahead.
STALE = st.sampled_from([0, 0, 0, 0, 1, 2, 3])


class Editors(RuleBasedStateMachine):
    """Editors who read, add, correct, remove and re-add actuals and change settings with the
    versions they read. The model is the ledger as it must be: for each actual its value,
    source and version (or absent), the highest version each key ever had, and each setting's
    value and version. A write is expected to succeed exactly when the version the editor
    names is the current one."""

    def __init__(self, make_db: Callable[[], str], drop_db: Callable[[str], None]) -> None:
        super().__init__()
        self.url = make_db()
        self.drop_db = drop_db
        engine_owner = Ledger.open(self.url, user="setup")
        self.editors = {e: Ledger(engine_owner.engine, engine_owner.url, e) for e in EDITORS}
        self.owner = engine_owner
        self.actuals: dict[tuple[str, int], tuple[float, str, int] | None] = {}
        self.highest: dict[tuple[str, int], int] = {}
        self.settings: dict[str, tuple[str, int]] = {}
        self.seen: dict[tuple[str, object], int | None] = {}
        self.writes = 0

    @initialize()
    def read_the_seed(self) -> None:
        with self.owner.transaction() as s:
            for key in ACTUALS:
                self.actuals[key] = _read_actual(s, key)
                record = self.actuals[key]
                self.highest[key] = 0 if record is None else record[2]
            for name in SETTINGS:
                stored = s.get(Setting, name)
                assert stored is not None
                self.settings[name] = (stored.value, stored.version)
        # Every editor read the whole ledger at the start.
        for editor in EDITORS:
            for key, record in self.actuals.items():
                self.seen[(editor, key)] = None if record is None else record[2]
            for name, (_, version) in self.settings.items():
                self.seen[(editor, name)] = version

    def teardown(self) -> None:
        self.owner.close()
        self.drop_db(self.url)

    def _version(self, editor: str, key: object, stale: int) -> int | None:
        """The version the editor read, or (stale > 0) an older or made-up one."""
        read = self.seen.get((editor, key))
        if stale == 0 or read is None:
            return read
        return max(1, read - stale) if stale < 3 else read + 1

    @rule(editor=st.sampled_from(EDITORS), key=st.sampled_from(ACTUALS))
    def read(self, editor: str, key: tuple[str, int]) -> None:
        record = self.actuals[key]
        self.seen[(editor, key)] = None if record is None else record[2]

    @rule(editor=st.sampled_from(EDITORS), name=st.sampled_from(list(SETTINGS)))
    def read_setting(self, editor: str, name: str) -> None:
        self.seen[(editor, name)] = self.settings[name][1]

    @rule(editor=st.sampled_from(EDITORS), key=st.sampled_from(ACTUALS))
    def add(self, editor: str, key: tuple[str, int]) -> None:
        value, source = self._next_value(editor)
        expected = self.actuals[key] is None
        try:
            with self.editors[editor].transaction() as s:
                record = ops.add_actual(s, key[0], key[1], value, source)
                version = record.version
        except LedgerError as exc:
            assert not expected, f"{editor} could not add {key}: {exc}"
            assert "already has an actual" in str(exc)
            event("add refused")
            return
        assert expected, f"{editor} added {key} over an existing actual"
        assert version == self.highest[key] + 1, "a version came back"
        event("add accepted" if version == 1 else "add accepted after a removal")
        self._accepted(key, value, source, version)

    @rule(
        editor=st.sampled_from(EDITORS),
        key=st.sampled_from(ACTUALS),
        stale=STALE,
    )
    def correct(self, editor: str, key: tuple[str, int], stale: int) -> None:
        value, source = self._next_value(editor)
        version = self._version(editor, key, stale)
        current = self.actuals[key]
        expected = current is not None and version == current[2]
        try:
            with self.editors[editor].transaction() as s:
                record = ops.update_actual(s, key[0], key[1], version, value=value, source=source)
                new_version = record.version
        except LedgerError as exc:
            assert not expected, f"{editor} could not correct {key} at {version}: {exc}"
            event("correction refused")
            return
        assert expected, f"{editor} corrected {key} with version {version}, now {current}"
        assert new_version == self.highest[key] + 1
        event("correction accepted")
        self._accepted(key, value, source, new_version)

    @rule(
        editor=st.sampled_from(EDITORS),
        key=st.sampled_from(ACTUALS),
        stale=STALE,
    )
    def remove(self, editor: str, key: tuple[str, int], stale: int) -> None:
        version = self._version(editor, key, stale)
        current = self.actuals[key]
        expected = current is not None and version == current[2]
        try:
            with self.editors[editor].transaction() as s:
                ops.delete_actual(s, key[0], key[1], version)
        except LedgerError as exc:
            assert not expected, f"{editor} could not remove {key} at {version}: {exc}"
            event("removal refused")
            return
        assert expected, f"{editor} removed {key} with version {version}, now {current}"
        event("removal accepted")
        self.actuals[key] = None

    @rule(
        editor=st.sampled_from(EDITORS),
        name=st.sampled_from(list(SETTINGS)),
        choice=st.integers(0, 2),
        stale=STALE,
    )
    def change_setting(self, editor: str, name: str, choice: int, stale: int) -> None:
        value = SETTINGS[name][choice]
        version = self._version(editor, name, stale)
        current_value, current_version = self.settings[name]
        expected = version == current_version
        try:
            with self.editors[editor].transaction() as s:
                record = ops.set_setting(s, name, value, version)
                new_version = record.version
        except ConflictError as exc:
            assert not expected, f"{editor} could not set {name} at {version}: {exc}"
            event("setting refused")
            return
        assert expected, f"{editor} set {name} with version {version}, now {current_version}"
        stored = repr(float(value))  # check_number, then repr(): '0.5'
        # Writing the value it already has changes nothing, so the version stays.
        assert new_version == (current_version if stored == current_value else current_version + 1)
        event("setting accepted")
        self.settings[name] = (stored, new_version)

    def _next_value(self, editor: str) -> tuple[float, str]:
        self.writes += 1
        return float(self.writes), f"{editor} write {self.writes}"

    def _accepted(self, key: tuple[str, int], value: float, source: str, version: int) -> None:
        self.actuals[key] = (value, source, version)
        self.highest[key] = version

    @invariant()
    def the_ledger_holds_the_last_accepted_write(self) -> None:
        if not self.actuals:
            return
        with self.owner.transaction() as s:
            for key in ACTUALS:
                assert _read_actual(s, key) == self.actuals[key], key
            for name in SETTINGS:
                stored = s.get(Setting, name)
                assert stored is not None
                assert (stored.value, stored.version) == self.settings[name], name


def _read_actual(s: Any, key: tuple[str, int]) -> tuple[float, str, int] | None:
    try:
        record = ops.actual(s, key[0], key[1])
    except LedgerError:
        return None
    return (record.value, record.source, record.version)


@pytest.mark.fuzz
def test_editors_with_stale_versions_never_lose_an_update(
    backend: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    counter = iter(range(1_000_000))

    def make_db() -> str:
        folder = tmp_path / f"run-{next(counter)}"
        folder.mkdir()
        return copy_of(backend, True, folder, tmp_path_factory)

    class EditorsOnFreshCopies(Editors):
        def __init__(self) -> None:
            super().__init__(make_db, drop_database)

    run_state_machine_as_test(
        EditorsOnFreshCopies,  # hypothesis takes a class (a function works but is not typed so)
        settings=hypothesis_settings(budget(quick=10, long=150), stateful_step_count=30),
    )
