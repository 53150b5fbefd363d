"""Server time of one slider move: ``POST /api/evaluate`` for one scenario.

A request sets one lever (the base subsidy rate, a new value every request: no request finds
the moved lever's steps kept) and asks for what the simulator's page asks for while a slider
moves (its charts and cards; the answers' indicators and verdicts come with every evaluate).
Measured, as medians of REPEAT requests, wall time and CPU time:

- direct, all steps: the same work through the Python API in this process with no cache (the
  scenario with the value set, ``chikuden.api.evaluate`` of those outputs, the answers, the
  formatted numbers): every model step the outputs need runs, the model's whole cost;
- direct, steps kept: the same with a ``Cache`` between requests, as the server keeps one: only
  the steps the moved lever reaches run (finance.fund and finance.plant for the subsidy rate);
  the lower bound the server adds to;
- server: the time the endpoint reports (``elapsed_ms``: checking, evaluating, answering) and
  the server process's CPU time per request (/proc);
- loopback: the whole request from a client over HTTP on 127.0.0.1 to a ``chikuden serve``
  (uvicorn, one process), JSON both ways.

Target (issue 16): server time <= 10 ms median. The ratios show what the web layer costs
over the Python API. The load average is printed: on a shared machine other processes slow
every wall-time number down (CPU times much less).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

REPEAT = 200
TARGET_MS = 10.0


def _timed(work: Callable[[int], None]) -> tuple[float, float]:
    """Median wall and CPU time of ``work(i)`` [ms], after 10 runs to warm up."""
    wall, cpu = [], []
    for i in range(REPEAT + 10):
        start, start_cpu = time.perf_counter(), time.process_time()
        work(i)
        if i >= 10:
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    import httpx

    from chikuden import api
    from chikuden.answers import format_key
    from webserver import SLIDER, position, screen_outputs, served, slider_body

    outputs = screen_outputs()
    wanted = list(dict.fromkeys([*outputs, *api.answer_outputs()]))
    base = api.load_scenario("proposal-2022")
    keys = [k for k in outputs if k in api.evaluate(base, outputs=outputs).indicators]

    def direct(cache: api.Cache | None) -> Callable[[int], None]:
        def work(i: int) -> None:
            scenario = base.with_overrides({SLIDER: 0.2 + 0.5 * position(i)})
            res = api.evaluate(scenario, outputs=wanted, cache=cache)
            [a.to_json() for a in api.answers(res, "en")]
            [format_key(res, k, res.value(k), "en") for k in keys]

        return work

    cold_ms, cold_cpu = _timed(direct(None))
    kept_ms, kept_cpu = _timed(direct(api.Cache(max_entries=1024)))

    with served() as server, httpx.Client(base_url=server.url, timeout=30) as client:
        took, loop = [], []
        for i in range(REPEAT + 10):
            if i == 10:
                cpu_before = server.cpu_s()
            start = time.perf_counter()
            response = client.post("/api/evaluate", json=slider_body(i, outputs))
            spent = (time.perf_counter() - start) * 1000
            response.raise_for_status()
            if i >= 10:
                took.append(float(response.json()["elapsed_ms"]))
                loop.append(spent)
        server_cpu = (server.cpu_s() - cpu_before) * 1000 / REPEAT
    server_ms = statistics.median(took)
    loop_ms = statistics.median(loop)
    load = os.getloadavg()[0]
    print(f"one slider move, {len(outputs)} outputs + the answers, median of {REPEAT}:")
    print(f"  {'':28} {'wall':>9} {'CPU':>9}  ratio to direct, steps kept (wall)")
    ratio = cold_ms / kept_ms
    print(f"  {'direct, all steps':28} {cold_ms:7.2f}ms {cold_cpu:7.2f}ms  {ratio:5.2f}")
    print(f"  {'direct, steps kept':28} {kept_ms:7.2f}ms {kept_cpu:7.2f}ms  {1:5.2f}")
    print(
        f"  {'server (elapsed_ms; CPU/req)':28} {server_ms:7.2f}ms {server_cpu:7.2f}ms  "
        f"{server_ms / kept_ms:5.2f}  target <= {TARGET_MS:.0f} ms: "
        f"{'met' if server_ms <= TARGET_MS else 'NOT met'}"
    )
    print(f"  {'loopback HTTP round trip':28} {loop_ms:7.2f}ms {'':>9}  {loop_ms / kept_ms:5.2f}")
    print("  (server CPU/req: the server process's CPU time over the requests, averaged)")
    print(f"  load average {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
