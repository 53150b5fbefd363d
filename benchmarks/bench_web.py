"""Server time of one slider move: ``POST /api/evaluate`` for one scenario.

A request sets one lever (the base subsidy rate, to 50 different values in turn) and asks for
what the simulator's first screen shows (the answers' charts; the answers' indicators and
verdicts come with every evaluate). Measured, as medians of REPEAT requests:

- direct: the same work through the Python API in this process (the scenario with the value
  set, ``chikuden.api.evaluate`` of those outputs with a cache, the answers, the formatted
  numbers), the lower bound the server adds to;
- server: the time the endpoint reports (``elapsed_ms``: checking, evaluating, answering);
- loopback: the whole request from a client over HTTP on 127.0.0.1 to a ``chikuden serve``
  (uvicorn, one process), JSON both ways.

Target (issue 16): server time <= 10 ms median. The ratios show what the web layer costs
over the Python API. The load average is printed: on a shared machine other processes slow
every number down.
"""

from __future__ import annotations

import os
import statistics
import time

REPEAT = 200
TARGET_MS = 10.0


def main() -> None:
    import httpx

    from chikuden import api
    from chikuden.answers import format_key
    from webserver import SLIDER, screen_outputs, served, slider_body

    outputs = screen_outputs()
    wanted = list(dict.fromkeys([*outputs, *api.answer_outputs()]))
    base = api.load_scenario("proposal-2022")
    cache = api.Cache(max_entries=32)
    keys = [k for k in outputs if k in api.evaluate(base, outputs=outputs).indicators]

    def direct(i: int) -> None:
        scenario = base.with_overrides({SLIDER: 0.2 + (i % 50) / 100})
        res = api.evaluate(scenario, outputs=wanted, cache=cache)
        [a.to_dict() for a in api.answers(res, "en")]
        [format_key(res, k, res.value(k), "en") for k in keys]

    times = []
    for i in range(REPEAT + 10):
        start = time.perf_counter()
        direct(i)
        if i >= 10:
            times.append((time.perf_counter() - start) * 1000)
    direct_ms = statistics.median(times)

    with served() as url, httpx.Client(base_url=url, timeout=30) as client:
        server, loop = [], []
        for i in range(REPEAT + 10):
            start = time.perf_counter()
            response = client.post("/api/evaluate", json=slider_body(i, outputs))
            took = (time.perf_counter() - start) * 1000
            response.raise_for_status()
            if i >= 10:
                server.append(float(response.json()["elapsed_ms"]))
                loop.append(took)
    server_ms = statistics.median(server)
    loop_ms = statistics.median(loop)
    load = os.getloadavg()[0]
    print(f"one slider move, {len(outputs)} outputs + the answers, median of {REPEAT}:")
    print(f"  direct (chikuden.api)     {direct_ms:7.2f} ms")
    print(
        f"  server (elapsed_ms)       {server_ms:7.2f} ms  ratio {server_ms / direct_ms:5.2f}"
        f"  target <= {TARGET_MS:.0f} ms: {'met' if server_ms <= TARGET_MS else 'NOT met'}"
    )
    print(f"  loopback HTTP round trip  {loop_ms:7.2f} ms  ratio {loop_ms / direct_ms:5.2f}")
    print(f"  load average {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
