"""``chikuden mc --workers N | --scheduler URL``: Monte Carlo on a Dask cluster (issue 15).

The chunks of a run are independent (a sample depends only on the seed, the method, the size
and its index), so a 2-worker local cluster must give exactly the numbers of the local run:
2,000 samples in chunks of 500 are 4 chunks, 2 on each worker, merged in chunk order. The
comparison is of the whole mc.json, every float equal (no tolerance).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from chikuden.cli import app
from chikuden.errors import ParameterError
from chikuden.parameters.scenario import load_scenario
from chikuden.uncertainty import montecarlo
from chikuden.uncertainty.distributed import client_for


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with client_for(2, None) as c:
        yield c


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_two_workers_give_the_local_numbers(client: Any, method: str) -> None:
    scenario = load_scenario("actual-2025")
    # Sobol keeps its balance in chunks of a power of two: 2,048 samples in 4 chunks of 512
    n, chunk = (2048, 512) if method == "sobol" else (2000, 500)
    local = montecarlo.run(scenario, n, seed=7, method=method, chunk=chunk).to_json()
    spread = montecarlo.run(scenario, n, seed=7, method=method, chunk=chunk, client=client)
    assert len(client.scheduler_info()["workers"]) == 2
    assert spread.to_json() == local
    assert local["samples"] == n and local["indicators"]  # not two empty documents


def test_mc_workers_cli_writes_the_same_json(tmp_path: Any) -> None:
    args = ["mc", "-s", "actual-2025", "-n", "2000", "--chunk", "500", "--seed", "3"]
    local = CliRunner().invoke(app, [*args, "--json"])
    assert local.exit_code == 0, local.output
    spread = CliRunner().invoke(app, [*args, "--workers", "2", "-o", str(tmp_path)])
    assert spread.exit_code == 0, spread.output
    written = json.loads((tmp_path / "actual-2025-mc" / "mc.json").read_text(encoding="utf-8"))
    assert written == json.loads(local.stdout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: nothing listens there


def test_unreachable_scheduler_is_one_line_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    from chikuden.uncertainty import distributed

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 2)
    url = f"tcp://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(app, ["mc", "-n", "100", "--scheduler", url])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --scheduler " + url)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--scheduler", "nonsense"], "--scheduler nonsense: not the address of a Dask"),
        (["--workers", "0"], "--workers 0: give a whole number from 1 to"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "give one of them"),
        (["--workers", "2", "--parquet", "p"], "--parquet: not available"),
    ],
)
def test_bad_cluster_options_exit_2(args: list[str], says: str) -> None:
    result = CliRunner().invoke(app, ["mc", "-n", "100", *args])
    assert result.exit_code == 2, result.output
    assert says in result.stderr


def test_run_refuses_parquet_with_a_client(client: Any, tmp_path: Any) -> None:
    with pytest.raises(ParameterError, match="--parquet"):
        montecarlo.run(load_scenario("actual-2025"), 100, client=client, parquet=tmp_path)
