"""The uncertainty analyses and the fund optimiser through the web (``/uncertainty``,
``/optimize``, chikuden.web.analyses), against the same work through the Python API.

- direct: ``chikuden.report.uncertainty.analyse`` of proposal-2022 in this process (what
  ``chikuden run --uncertainty -n N`` runs), wall and CPU time; the lower bound;
- server: a run through a ``chikuden serve`` on loopback, from ``POST /api/uncertainty/runs``
  to the poll (every 50 ms) that sees it done, each with a new seed so that nothing is cached;
  then the page that shows it (``GET /uncertainty?samples=N&seed=K``);
- optimiser: ``POST /api/optimize`` (41 fund sizes) against the same calls in this process.

Medians of REPEAT, at the report's default samples (1,000) and at the server's bound
(web/analyses.yaml). The default should finish "in a few seconds" on the development machine
(issue 16's page); the ratio shows what the background run and the polling add. The load
average is printed: on a shared machine other processes slow every number down.
"""

from __future__ import annotations

import os
import statistics
import time

REPEAT = 3


def main() -> None:
    import httpx

    import chikuden
    from chikuden.report.uncertainty import analyse
    from chikuden.web.analyses import OptimizeInput, limits, optimized
    from webserver import served

    scenario = chikuden.load_scenario("proposal-2022")
    results = chikuden.evaluate(scenario)
    sizes = (1000, limits().max_samples)
    direct: dict[int, tuple[float, float]] = {}
    analyse(scenario, results, 100, 0)  # warm: imports, caches
    for n in sizes:
        walls, cpus = [], []
        for k in range(REPEAT):
            start, cpu = time.perf_counter(), time.process_time()
            analyse(scenario, results, n, 1000 + k)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
        direct[n] = (statistics.median(walls), statistics.median(cpus))
    start = time.perf_counter()
    optimized(scenario, OptimizeInput("gwh", None, None, 41))
    opt_direct = time.perf_counter() - start

    with served() as running, httpx.Client(base_url=running.url, timeout=120) as client:
        client.post("/api/uncertainty/runs", json={"samples": 100, "seed": 0})  # warm
        time.sleep(3)
        server: dict[int, float] = {}
        page_s: list[float] = []
        for n in sizes:
            walls = []
            for k in range(REPEAT):
                start = time.perf_counter()
                run = client.post("/api/uncertainty/runs", json={"samples": n, "seed": 2000 + k})
                run.raise_for_status()
                rid = run.json()["id"]
                while run.json()["status"] in ("queued", "running"):
                    time.sleep(0.05)
                    run = client.get(f"/api/uncertainty/runs/{rid}")
                walls.append(time.perf_counter() - start)
                assert run.json()["status"] == "done", run.text
                start = time.perf_counter()
                client.get("/uncertainty", params={"samples": n, "seed": 2000 + k})
                page_s.append(time.perf_counter() - start)
            server[n] = statistics.median(walls)
        start = time.perf_counter()
        client.post("/api/optimize", json={}).raise_for_status()
        opt_server = time.perf_counter() - start

    print(f"uncertainty analyses of proposal-2022, median of {REPEAT}:")
    for n in sizes:
        wall, cpu = direct[n]
        print(
            f"  {n:>6,} samples  direct {wall:6.2f} s (CPU {cpu:5.2f} s)   server run "
            f"{server[n]:6.2f} s  ratio {server[n] / wall:5.2f}"
        )
    print(f"  the page that shows a done run: {statistics.median(page_s) * 1000:7.0f} ms median")
    print(
        f"fund optimiser (41 fund sizes): direct {opt_direct:5.2f} s, POST /api/optimize "
        f"{opt_server:5.2f} s, ratio {opt_server / opt_direct:5.2f}"
    )
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
