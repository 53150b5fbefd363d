"""``chikuden serve`` end to end: a real uvicorn on a free loopback port answers the API and
keeps saved scenarios in the database given by ``--db``; a port in use is one line, exit 2."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from chikuden.cli import app as cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_answers_on_loopback_and_saves_to_the_db(tmp_path: Path, workers: str) -> None:
    # with 2 processes the scenario saved through one is read by whichever answers next
    port = _free_port()
    db = tmp_path / "ledger.sqlite"
    cmd = [sys.executable, "-m", "chikuden", "serve", "--port", str(port), "--db", str(db)]
    cmd += ["--workers", workers]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 60 s on a busy machine
            try:
                httpx.get(f"{url}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.2)
        body = {"parameters": {"targets.japan_share_2030": 0.3}, "name": "from-serve"}
        saved = httpx.post(f"{url}/api/scenarios", json=body, timeout=60)
        assert saved.status_code == 201, saved.text
        got = httpx.post(
            f"{url}/api/evaluate",
            json={"scenario": "from-serve", "outputs": ["targets.domestic_capacity_2030"]},
            timeout=60,
        ).json()
        assert got["outputs"]["targets.domestic_capacity_2030"] == 225.0  # 3,000 x 0.3 x 0.25
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert db.is_file()  # the ledger's database, created on first use


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --host/--port: cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize("workers", ["0", "1.5", "65", "two"])
def test_a_bad_number_of_workers_is_one_line_and_exit_2(workers: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", str(_free_port()), "--workers", workers])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --workers = '{workers}'"), result.stderr
    assert "1..64" in result.stderr and result.stderr.count("\n") == 1, result.stderr
