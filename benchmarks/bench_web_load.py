"""The server under load: 50 simulated users for 60 s (locust, headless) against a
``chikuden serve`` (uvicorn, one process) on loopback started here.

Each user moves a slider (benchmarks/web_locust.py): ``POST /api/evaluate`` of the first
screen's outputs, then a pause of 0.5-1.5 s. Printed: requests, failures, median and p99
response time of the evaluate requests, and requests per second; the lower bound beside them
is the same request alone on the idle server (median of 50, measured first in this run).

Target (issue 16): no errors and p99 <= 100 ms for evaluate requests. The load average is
printed: on a shared machine other processes slow every number down.
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USERS = 50
SECONDS = 60
TARGET_P99_MS = 100.0


def main() -> None:
    import httpx

    from webserver import screen_outputs, served, slider_body

    here = Path(__file__).parent
    outputs = screen_outputs()
    with served() as url, tempfile.TemporaryDirectory(prefix="chikuden-locust-") as folder:
        with httpx.Client(base_url=url, timeout=30) as client:
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
            "-t", f"{SECONDS}s", "--host", url, "--csv", prefix, "--stop-timeout", "10",
        ]  # fmt: skip
        env = os.environ | {"PYTHONPATH": f"{here}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        subprocess.run(cmd, check=False, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=SECONDS + 120)  # fmt: skip
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
    print(f"{USERS} users for {SECONDS} s, POST /api/evaluate ({len(outputs)} outputs + answers):")
    print(f"  requests {requests:,}, failures {failures:,}, {rps:.1f} requests/s")
    print(f"  median {median:.0f} ms, p99 {p99:.0f} ms (ratio to one request alone: "
          f"{p99 / idle:.1f}); alone {idle:.1f} ms")  # fmt: skip
    print(f"  target: no errors and p99 <= {TARGET_P99_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
