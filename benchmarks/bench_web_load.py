"""The server under load: 50 simulated users for 60 s (locust, headless, its own process)
against a ``chikuden serve`` (uvicorn, its own process; ``WORKERS`` processes) on loopback.

Each user moves one lever of the simulator (benchmarks/web_locust.py: five levers reaching
different model steps, the users taking them in turn; a new position each request):
``POST /api/evaluate`` of what the page asks for, then a pause of 0.3-1 s (an assumption, a
person dragging a slider and reading the answer: web_locust.WAIT_S). Printed: requests,
failures, median and p99 response time of the evaluate requests, requests per second; the CPU
time the server and locust used over the run as a share of one core; the lower bound beside
them is the same request alone on the idle server (median of 50, measured first in this run).

Target (issue 16): no errors and p99 <= 100 ms for evaluate requests. The machine has 2 cores
and locust takes much of one; the load average is printed: on a shared machine other
processes slow every number down.
"""

from __future__ import annotations

import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USERS = 50
SECONDS = 60
TARGET_P99_MS = 100.0
WORKERS = int(os.environ.get("CHIKUDEN_BENCH_WORKERS", "1"))
"""Server processes (``chikuden serve --workers``); 1 unless $CHIKUDEN_BENCH_WORKERS says."""


def main() -> None:
    import httpx

    from webserver import screen_outputs, served, slider_body

    here = Path(__file__).parent
    outputs = screen_outputs()
    load_before = os.getloadavg()[0]
    with (
        served(workers=WORKERS) as server,
        tempfile.TemporaryDirectory(prefix="chikuden-locust-") as folder,
    ):
        with httpx.Client(base_url=server.url, timeout=30) as client:
            alone = []
            for i in range(60):
                start = time.perf_counter()
                client.post("/api/evaluate", json=slider_body(i, outputs)).raise_for_status()
                if i >= 10:
                    alone.append((time.perf_counter() - start) * 1000)
        prefix = str(Path(folder) / "run")
        cmd = [
            sys.executable, "-m", "locust", "-f", str(here / "web_locust.py"),
            "--headless", "--only-summary", "-u", str(USERS), "-r", str(USERS),
            "-t", f"{SECONDS}s", "--host", server.url, "--csv", prefix, "--stop-timeout", "10",
        ]  # fmt: skip
        env = os.environ | {"PYTHONPATH": f"{here}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_cpu, start = server.cpu_s(), time.perf_counter()
        subprocess.run(cmd, check=False, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=SECONDS + 120)  # fmt: skip
        wall = time.perf_counter() - start
        server_cpu = server.cpu_s() - server_cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as fh:
            rows = {row["Name"]: row for row in csv.DictReader(fh)}
    row = rows["evaluate"]
    requests = int(row["Request Count"])
    failures = int(row["Failure Count"])
    p99 = float(row["99%"])
    median = float(row["50%"])
    rps = float(row["Requests/s"])
    idle = statistics.median(alone)
    ok = failures == 0 and p99 <= TARGET_P99_MS
    shown = f"{WORKERS} server process" + ("es" if WORKERS > 1 else "")
    print(f"{USERS} users for {SECONDS} s, POST /api/evaluate ({len(outputs)} outputs + answers),"
          f" {shown}:")  # fmt: skip
    print(f"  requests {requests:,}, failures {failures:,}, {rps:.1f} requests/s")
    print(f"  median {median:.0f} ms, p99 {p99:.0f} ms (ratio to one request alone: "
          f"{p99 / idle:.1f}); alone {idle:.1f} ms")  # fmt: skip
    print(f"  target: no errors and p99 <= {TARGET_P99_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    print(f"  CPU over the {wall:.0f} s run, share of one core: server {server_cpu / wall:.0%} "
          f"({server_cpu * 1000 / max(requests, 1):.1f} ms a request), locust "
          f"{locust_cpu / wall:.0%}")  # fmt: skip
    print(f"  load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
          f"{os.cpu_count()} cores")  # fmt: skip


if __name__ == "__main__":
    main()
