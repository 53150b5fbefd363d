"""A ``chikuden serve`` on a free loopback port with a throwaway database, for the web
benchmarks (bench_web.py, bench_web_load.py): started as its own process, stopped on exit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SLIDER = "finance.subsidy_base_rate_share"
"""The lever a simulated user moves in bench_web.py (a share, 0..1)."""

LEVERS = {
    "finance.subsidy_base_rate_share": (0.2, 0.7),
    "targets.japan_share_2030": (0.1, 0.3),
    "capacity.realisation_share": (0.5, 1.0),
    "charging.fast_power_kw": (50.0, 150.0),
    "finance.fund_total_jpy": (1e12, 6e12),
}
"""The levers the simulated users of bench_web_load.py move (one each, in turn), with the part
of the slider they move over: levers of the simulator (src/chikuden/web/levers.yaml) that reach
different model steps (finance; capacity and all that follows it; charging; the fund, a derived
lever)."""

DERIVED = {"finance.fund_total_jpy"}
"""Derived levers (``levers`` of the request, not ``parameters``)."""


@dataclass(frozen=True)
class Served:
    """A running server: its base URL and process id."""

    url: str
    pid: int

    def cpu_s(self) -> float:
        """CPU time the server has used so far [s]: user + system time of its process and of
        the worker processes it started (``--workers``), from /proc."""
        return sum(_cpu_s(pid) for pid in _tree(self.pid))


def _tree(pid: int) -> list[int]:
    """``pid`` and every process under it (/proc/PID/task/TID/children)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:  # the task ended meanwhile
            continue
        for child in children:
            found += _tree(int(child))
    return found


def _cpu_s(pid: int) -> float:
    """User + system CPU time of process ``pid`` [s] (0 if it has ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def served(timeout_s: float = 60.0, workers: int = 1) -> Iterator[Served]:
    """A running ``chikuden serve`` (stopped when the block ends)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="chikuden-bench-web-") as folder:
        db = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        cmd = [sys.executable, "-m", "chikuden", "serve", "--port", str(port), "--db", db]
        if workers != 1:
            cmd += ["--workers", str(workers)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=os.environ.copy())
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/openapi.json", timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"chikuden serve did not start on {url}") from None
                    time.sleep(0.2)
            yield Served(url, proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def position(i: int) -> float:
    """The ``i``-th slider position, a fraction in [0, 1): a new one for every ``i`` (steps of
    the golden ratio), so that no request finds the moved lever's steps kept from an earlier
    one, as a slider dragged over a continuous range."""
    return (i * 0.6180339887498949) % 1.0


def slider_body(i: int, outputs: list[str], lever: str = SLIDER) -> dict[str, object]:
    """The request of the ``i``-th position of ``lever`` (within its LEVERS range)."""
    lo, hi = LEVERS[lever]
    value = lo + (hi - lo) * position(i)
    field = "levers" if lever in DERIVED else "parameters"
    return {field: {lever: value}, "outputs": outputs}


def screen_outputs() -> list[str]:
    """What the simulator's page asks for while a slider moves (its charts and cards:
    ``chikuden.web.pages.chart_outputs``, the ``outputs`` of the page's script); the answers'
    own indicators come with every evaluate."""
    from chikuden.web.pages import chart_outputs

    return chart_outputs()
