"""A process killed (SIGKILL) in the middle of an import or a revision changes nothing.

The subprocess runs the real command with a test-only pause after each flushed write
(:mod:`chikuden.roadmap.testhooks`); once it reports that a row was written inside its open
transaction, the test kills it and compares the whole ledger with what it was before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from chikuden.roadmap.backup import dump
from chikuden.roadmap.db import Ledger, sqlite_path
from chikuden.roadmap.revisions import latest

RUN = "import sys; from chikuden.commands.roadmap import app; app(sys.argv[1:])"


def _snapshot(ledger: Ledger) -> dict[str, Any]:
    with ledger.transaction() as s:
        return dump(s)


def _kill_after_first_write(ledger: Ledger, args: list[str], tmp_path: Path) -> None:
    marker = tmp_path / "progress"
    env = os.environ | {
        "CHIKUDEN_TEST_PAUSE_SECONDS": "120",
        "CHIKUDEN_TEST_PAUSE_FILE": str(marker),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN, "--db", ledger.url, "--user", "crash", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while not (marker.exists() and marker.read_text().strip()):
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(f"the command ended early: {out!r} {err!r}")
            assert time.monotonic() < deadline, "the command wrote nothing in 120 s"
            time.sleep(0.05)
        path = sqlite_path(ledger.url)
        if path is not None:  # the write transaction is open: SQLite keeps a rollback journal
            assert path.with_name(path.name + "-journal").exists()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_killed_import_leaves_the_ledger_unchanged(ledger: Ledger, tmp_path: Path) -> None:
    rows = ["kpi,year,value,unit,source,note"] + [
        f"charging.quick_connectors,{year},{1000 + year},,METI," for year in range(2010, 2020)
    ]
    (tmp_path / "actuals.csv").write_text("\n".join(rows) + "\n", "utf-8")
    before = _snapshot(ledger)
    _kill_after_first_write(ledger, ["import", str(tmp_path / "actuals.csv")], tmp_path)
    assert _snapshot(ledger) == before
    # The ledger is not left locked or damaged: the same import now goes through.
    with ledger.transaction() as s:
        from chikuden.roadmap.exchange import import_actuals

        assert import_actuals(s, tmp_path / "actuals.csv").imported == 10


def test_killed_revision_leaves_the_ledger_unchanged(ledger: Ledger, tmp_path: Path) -> None:
    before = _snapshot(ledger)
    _kill_after_first_write(ledger, ["revise", "--note", "crash test"], tmp_path)
    assert _snapshot(ledger) == before
    with ledger.transaction() as s:
        rev = latest(s)
        assert rev is not None and rev.year == 2023 and rev.state == "closed"
