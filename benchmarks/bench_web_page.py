"""First load of the web simulator's pages in headless Chromium, against an empty page served
by the same server in the same run.

Target (issue 16): a page's first load <= 1 s in headless Chromium. The application
(``create_app``, a throwaway SQLite database) runs under uvicorn on a free loopback port in a
thread of this process; each page is opened RUNS times in a fresh browser context (nothing
cached) at 1400 x 900. Each line shows the medians of: first contentful paint, the ratio of it
to the empty page's, the load event, and for the simulator "ready" (the four answer charts drawn
by the page's script from the data the server embedded). The server is warmed by one request
per page before measuring (the first evaluation after start imports and compiles the model:
its time is printed on its own). The CPU time used while measuring and the load average are
printed: on a shared machine other processes slow every wall time down.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from browser import ARGS, EMPTY, PAINT, chromium

RUNS = 5
TARGET_MS = 1000.0
PAGES = ("/", "/?lang=ja", "/finance", "/minerals", "/carbon", "/demand", "/uncertainty")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def main() -> None:
    import urllib.request

    import uvicorn
    from fastapi.responses import HTMLResponse
    from playwright.sync_api import Browser, sync_playwright

    from chikuden.web.app import Settings, create_app

    path = chromium()
    if path is None:
        print("no chromium: run scripts/chromium.sh (apt-get install chromium fonts-noto-cjk)")
        return
    folder = Path(tempfile.mkdtemp(prefix="chikuden-bench-web-"))
    app = create_app(Settings(db=f"sqlite:///{folder / 'ledger.sqlite'}"))
    app.add_api_route("/_empty", lambda: HTMLResponse(EMPTY), include_in_schema=False)
    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    for page in ("/_empty", *PAGES):  # warm: imports, the model's first evaluation, templates
        start = time.perf_counter()
        with urllib.request.urlopen(base + page) as res:
            res.read()
        if page == "/":
            print(f"first request after start: {(time.perf_counter() - start) * 1000:.0f} ms")

    def measure(browser: Browser, url: str, ready: bool) -> tuple[float, float, float]:
        fcp, load, done = [], [], []
        for _ in range(RUNS):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.wait_for_function("performance.getEntriesByType('paint').length > 0")
            if ready:
                page.wait_for_selector("body[data-ready]")
                done.append(float(page.evaluate("performance.now()")))
            first, loaded = page.evaluate(PAINT)
            fcp.append(float(first))
            load.append(float(loaded))
            context.close()
        ready_ms = statistics.median(done) if done else float("nan")
        return statistics.median(fcp), statistics.median(load), ready_ms

    cpu = time.process_time()
    wall = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=ARGS)
        empty, _, _ = measure(browser, base + "/_empty", ready=False)
        print(f"empty page over loopback: first contentful paint {empty:.0f} ms (median of {RUNS})")
        print(f"{'page':<16} {'FCP':>8} {'ratio':>6} {'load':>8} {'ready':>8}")
        for page in PAGES:
            fcp, load, ready = measure(
                browser, base + page, ready=page.startswith("/?") or page == "/"
            )
            worst = max(fcp, load)
            verdict = "ok" if worst <= TARGET_MS else f"over {TARGET_MS:.0f} ms"
            shown = f"{ready:>6.0f}ms" if ready == ready else f"{'':>8}"
            print(
                f"{page:<16} {fcp:>6.0f}ms {fcp / empty:>5.1f}x {load:>6.0f}ms {shown}  {verdict}"
            )
        browser.close()
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"CPU over the {wall:.0f} s of measuring: this process (the server, in a thread) "
        f"{cpu:.1f} s; chromium and playwright's driver (ended) "
        f"{children.ru_utime + children.ru_stime:.1f} s; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    server.should_exit = True
    thread.join(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
