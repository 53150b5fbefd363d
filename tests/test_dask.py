"""``chikuden mc | sensitivity | solve --workers N | --scheduler URL``: the model's runs on a
Dask cluster (issue 15).

The chunks of a run are independent (a sample depends only on the seed, the method, the size
and its index), so a 2-worker local cluster must give exactly the numbers of the local run:
2,000 samples in chunks of 500 are 4 chunks, 2 on each worker, merged in chunk order. The
comparison is of the whole mc.json, every float equal (no tolerance). Sensitivity and goal
seeking likewise: the runs of the design (sobol N = 32 over actual-2025's 17 parameters is
32 x 19 = 608 runs, in chunks of 200 locally) and the solves of the samples (200 in chunks of
50 locally) on the workers give the same JSON and the same arrays, bit for bit. On the cluster
those chunks are smaller (at least 4 per worker: 608 / 8 -> 76 runs, 200 / 8 -> 25 samples),
which their results do not depend on.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from chikuden.cli import app
from chikuden.errors import ParameterError
from chikuden.parameters.scenario import load_scenario
from chikuden.uncertainty import distributed, goalseek, montecarlo
from chikuden.uncertainty import sensitivity as sa
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


def test_tasks_of_several_chunks_give_the_local_numbers(client: Any) -> None:
    # 3,000 samples in chunks of 200 are 15 chunks; at least 4 tasks per worker on 2 workers
    # means ceil(15 / 8) = 2 chunks a task: 7 tasks of 2 chunks and the last of one.
    ranges = [(a, min(3000, a + 200)) for a in range(0, 3000, 200)]
    tasks = distributed.group(client, ranges)
    assert tasks == [(a, min(3000, a + 400)) for a in range(0, 3000, 400)]
    assert len(tasks) == 8
    scenario = load_scenario("actual-2025")
    local = montecarlo.run(scenario, 3000, seed=5, chunk=200).to_json()
    spread = montecarlo.run(scenario, 3000, seed=5, chunk=200, client=client)
    assert spread.to_json() == local  # every float: the sums added chunk by chunk, in order


def test_mc_workers_cli_writes_the_same_json(tmp_path: Any) -> None:
    args = ["mc", "-s", "actual-2025", "-n", "2000", "--chunk", "500", "--seed", "3"]
    local = CliRunner().invoke(app, [*args, "--json"])
    assert local.exit_code == 0, local.output
    spread = CliRunner().invoke(app, [*args, "--workers", "2", "-o", str(tmp_path)])
    assert spread.exit_code == 0, spread.output
    written = json.loads((tmp_path / "actual-2025-mc" / "mc.json").read_text(encoding="utf-8"))
    assert written == json.loads(local.stdout)


@pytest.mark.parametrize(("method", "n", "chunk"), [("sobol", 32, 200), ("morris", 10, 50)])
def test_sensitivity_on_two_workers_gives_the_local_indices(
    client: Any, method: str, n: int, chunk: int
) -> None:
    scenario = load_scenario("actual-2025")
    local = sa.run(scenario, method, samples=n, seed=5, chunk=chunk)
    spread = sa.run(scenario, method, samples=n, seed=5, chunk=chunk, client=client)
    assert local.runs > 2 * chunk  # several chunks, so both workers take some
    assert spread.to_json() == local.to_json()
    # not two empty documents: some indicator has indices
    assert any(v[sa.RANK_BY[method]][0] is not None for v in local.indices.values())


def test_the_sensitivity_runs_on_the_cluster_are_the_local_runs(client: Any) -> None:
    """The outputs of every run, not only the indices computed from them."""
    scenario = load_scenario("actual-2025")
    spec = montecarlo._spec_for(scenario)[0]
    _, values = sa.design(spec, "sobol", 32, 5)
    job = sa._Runs(
        sa._Model(scenario, ["capacity.domestic_2030"]), values, ["capacity.domestic_2030"]
    )
    ranges = [(0, 200), (200, 400), (400, 608)]
    spread = list(distributed.map_chunks(client, sa._evaluate_runs, job, ranges))
    for (a, b), part in zip(ranges, spread, strict=True):
        local = sa._evaluate_runs(job, a, b)["capacity.domestic_2030"]
        assert local.shape == (b - a,)
        np.testing.assert_array_equal(part["capacity.domestic_2030"], local, strict=True)


def test_solve_mc_on_two_workers_gives_the_local_solutions(client: Any) -> None:
    scenario = load_scenario("actual-2025")
    args = (scenario, "capacity.domestic_2030", 100.0, ["capacity.ramp_years"], 200)
    local = goalseek.solve_mc(*args, seed=4, chunk=50)
    spread = goalseek.solve_mc(*args, seed=4, chunk=50, client=client)
    assert local.found.any()  # a real answer, not all NaN
    for field in ("now", "found", "s", "achieved", "best_s", "best_value"):
        np.testing.assert_array_equal(getattr(spread, field), getattr(local, field), strict=True)
    for p in local.vary:
        np.testing.assert_array_equal(spread.values[p], local.values[p], strict=True)
        np.testing.assert_array_equal(spread.current[p], local.current[p], strict=True)
    assert spread.evaluations == local.evaluations


def _worker_settings() -> dict[str, Any]:
    import dask

    return {key: dask.config.get(key) for key in distributed.QUIET}


def test_the_local_cluster_runs_without_the_dashboard_monitors(client: Any) -> None:
    # the settings reach the worker processes (the nannies pass the config on): no stack
    # profiler, the ticks and monitors every second or more, not every 10 to 500 ms
    got = client.run(_worker_settings)
    assert len(got) == 2
    for settings in got.values():
        assert settings == distributed.QUIET
        assert settings["distributed.worker.profile.enabled"] is False


def _threads_and_malloc() -> dict[str, str | None]:
    import os

    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    return {k: os.environ.get(k) for k in (*names, "MALLOC_TRIM_THRESHOLD_")}


def test_the_local_workers_run_one_thread_each(client: Any) -> None:
    # Two worker processes on two cores: one task thread each, and numpy's BLAS and OpenMP
    # held to one thread (no oversubscription); and without Dask's MALLOC_TRIM_THRESHOLD_
    assert all(n == 1 for n in client.nthreads().values()) and len(client.nthreads()) == 2
    for env in client.run(_threads_and_malloc).values():
        assert env == {
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "MALLOC_TRIM_THRESHOLD_": None,
        }


def test_sensitivity_and_solve_take_at_least_four_chunks_per_worker(client: Any) -> None:
    # 2 workers, 4 chunks each: 10,000 solves in chunks of 10,000 / 8 = 1,250
    assert distributed.chunk_for(client, 10_000, 10_000) == 1_250
    assert distributed.chunk_for(client, 1_000_000, 10_000) == 10_000  # 100 chunks already
    assert distributed.chunk_for(client, 609, 200) == 77  # ceil(609 / 8)
    assert distributed.chunk_for(client, 3, 200) == 1


def test_sensitivity_and_solve_cli_with_workers_write_the_same_json(tmp_path: Any) -> None:
    sens = ["sensitivity", "-s", "actual-2025", "-n", "32", "--seed", "2"]
    sens += ["--outputs", "capacity.domestic_2030"]
    local = CliRunner().invoke(app, [*sens, "--json"])
    assert local.exit_code == 0, local.output
    spread = CliRunner().invoke(app, [*sens, "--workers", "2", "-o", str(tmp_path)])
    assert spread.exit_code == 0, spread.output
    path = tmp_path / "actual-2025-sensitivity-sobol" / "sensitivity.json"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(local.stdout)

    seek = ["solve", "-s", "actual-2025", "--target", "capacity.domestic_2030=100"]
    seek += ["--vary", "capacity.ramp_years", "--mc", "100", "--seed", "2", "--json"]
    local = CliRunner().invoke(app, seek)
    assert local.exit_code == 0, local.output
    spread = CliRunner().invoke(app, [*seek, "--workers", "2"])
    assert spread.exit_code == 0, spread.output
    assert json.loads(spread.stdout) == json.loads(local.stdout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: nothing listens there


def test_scheduler_address_runs_on_that_cluster(client: Any) -> None:
    args = ["mc", "-s", "actual-2025", "-n", "1000", "--chunk", "250", "--seed", "8", "--json"]
    local = CliRunner().invoke(app, args)
    spread = CliRunner().invoke(app, [*args, "--scheduler", client.scheduler.address])
    assert spread.exit_code == 0, spread.output
    assert json.loads(spread.stdout) == json.loads(local.stdout)


def test_workers_running_another_chikuden_are_refused(client: Any) -> None:
    mine = distributed.fingerprint()
    assert mine.startswith("0.1.0+") and len(mine) == len("0.1.0+") + 12
    distributed.check_workers(client, "tcp://here:8786")  # the same install: accepted
    with pytest.raises(ParameterError) as e:
        distributed.check_workers(client, "tcp://here:8786", mine="0.0.9+000000000000")
    assert "2 of 2 workers run another chikuden than this one (0.0.9+000000000000; " in str(e.value)
    assert f"has {mine}" in str(e.value)


SOLVE_MC = ["solve", "--target", "finance.fund_balance=0"]
SOLVE_MC += ["--vary", "finance.subsidy_base_rate_share", "--mc", "100"]
COMMANDS = [["mc", "-n", "100"], ["sensitivity", "-n", "32"], SOLVE_MC]
"""The three commands that take --workers and --scheduler, with small valid arguments."""


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_unreachable_scheduler_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 2)
    url = f"tcp://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(app, [*command, "--scheduler", url])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --scheduler " + url)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--scheduler", "nonsense"], "--scheduler nonsense: not the address of a Dask"),
        (["--workers", "0"], "--workers 0: give a whole number from 1 to"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "give one of them"),
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_bad_cluster_options_exit_2(command: list[str], args: list[str], says: str) -> None:
    result = CliRunner().invoke(app, [*command, *args])
    assert result.exit_code == 2, result.output
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["mc", "-n", "100", "--workers", "2", "--parquet", "p"], "--parquet: not available"),
        ([*SOLVE_MC[:-2], "--workers", "2"], "--workers: only with --mc N"),
        ([*SOLVE_MC[:-2], "--scheduler", "tcp://127.0.0.1:1"], "--scheduler: only with --mc N"),
    ],
)
def test_what_a_cluster_cannot_do_exit_2(args: list[str], says: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert says in result.stderr


def test_run_refuses_parquet_with_a_client(client: Any, tmp_path: Any) -> None:
    with pytest.raises(ParameterError, match="--parquet"):
        montecarlo.run(load_scenario("actual-2025"), 100, client=client, parquet=tmp_path)
