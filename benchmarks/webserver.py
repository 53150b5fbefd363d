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
from pathlib import Path

SLIDER = "finance.subsidy_base_rate_share"
"""The lever a simulated user moves (a share, 0..1)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def served(timeout_s: float = 60.0) -> Iterator[str]:
    """The base URL of a running ``chikuden serve`` (stopped when the block ends)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="chikuden-bench-web-") as folder:
        db = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        cmd = [sys.executable, "-m", "chikuden", "serve", "--port", str(port), "--db", db]
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
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def slider_body(i: int, outputs: list[str]) -> dict[str, object]:
    """The request of the ``i``-th slider position: the lever between 0.20 and 0.69."""
    return {"parameters": {SLIDER: 0.2 + (i % 50) / 100}, "outputs": outputs}


def screen_outputs() -> list[str]:
    """What the simulator's first screen shows: the answers' charts (the answers' own
    indicators come with every evaluate)."""
    from chikuden.answers import chart_outputs

    return chart_outputs()
