"""The roadmap desk (issue 17): the status board's server time, and concurrent editors.

1. Board: a SQLite ledger with the seeded content plus 500 KPIs with 10 years of actuals
   (2016-2025) and a 2030 target each. Timed: :func:`chikuden.web.desk.board` (the review's
   statuses, grouped, with the milestone timeline) and ``GET /roadmap?year=2025`` through
   Starlette's TestClient (rendering included), median of RUNS; the peer is a plain
   ``SELECT`` of every actual and target row (the data the board reads), in the same run.
   Target: <= 100 ms.
2. Editors: CHIKUDEN_BENCH_PG_URL (or scripts/postgres.sh's server when CHIKUDEN_TEST_PG_URL
   is set) gets a new database; `chikuden serve` (uvicorn) serves it on a loopback port in its
   own process; EDITORS threads of this process,
   each with its own API token and httpx client, for DURATION seconds (env
   CHIKUDEN_BENCH_DESK_S, default 60) read an actual's value and version and write value + 1
   with that version (on 409 read again). No lost update: each of the HOT actuals must end at
   its start value plus the number of writes to it that got 200. Printed: writes/s, 409 share,
   p50/p99 of the PUT, any 5xx, and the CPU of the run (not the start-up) of the server
   process, of its PostgreSQL backends and of the editors' own process, in all and per
   request: the three share the machine's cores.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

RUNS = 7
KPIS = 500
YEARS = range(2016, 2026)
TARGET_MS = 100.0
EDITORS = 20
HOT = ("capacity.domestic_operating", "capacity.japan_global", "workforce.trained")
SECRET = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
PW = "correct horse battery staple"


def _cheap_accounts() -> Any:
    from argon2 import PasswordHasher, profiles

    from chikuden.accounts.passwords import Passwords
    from chikuden.accounts.settings import SecuritySettings
    from chikuden.accounts.users import Accounts

    hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    return Accounts(SecuritySettings(secret_key=SECRET), Passwords(hasher=hasher))


def _big_ledger(url: str) -> None:
    from sqlalchemy import select

    from chikuden.roadmap import ledger as ops
    from chikuden.roadmap.db import Ledger
    from chikuden.roadmap.models import Actual, Revision, Target, utcnow
    from chikuden.roadmap.seed import seed

    ledger = Ledger.open(url, user="bench", create=True)
    with ledger.transaction() as s:
        seed(s)
        rev = s.scalars(select(Revision).order_by(Revision.year.desc())).first()
        assert rev is not None
        for i in range(KPIS):
            k = ops.add_kpi(
                s, f"bench.kpi_{i:03d}", "P1", f"KPI {i}", f"指標{i}", "GWh", 2016, "b",
                min_value=0.0, max_value=1e6,
            )  # fmt: skip
            for j, year in enumerate(YEARS):
                value = 10.0 + j * (1.0 + (i % 7) / 3.0)
                s.add(Actual(kpi_id=k.id, year=year, value=value, source="bench",
                             entered_by="bench", entered_at=utcnow()))  # fmt: skip
            s.add(Target(revision_id=rev.id, kpi_id=k.id, year=2030, value=40.0, source="b"))
    ledger.close()


def bench_board() -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from chikuden.roadmap.db import Ledger
    from chikuden.roadmap.models import Actual, Target
    from chikuden.web.app import Settings, create_app
    from chikuden.web.desk import board

    folder = Path(tempfile.mkdtemp(prefix="chikuden-bench-desk-"))
    url = f"sqlite:///{folder / 'ledger.sqlite'}"
    _big_ledger(url)
    ledger = Ledger.open(url, user="bench")

    cpu: dict[int, float] = {}

    def timed(fn: Any) -> float:
        """Median wall time [ms]; the median CPU time of this process is kept in ``cpu``."""
        fn()  # warm
        runs, cpus = [], []
        for _ in range(RUNS):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            runs.append((time.perf_counter() - start) * 1000)
            cpus.append((time.process_time() - start_cpu) * 1000)
        median = statistics.median(runs)
        cpu[id(fn)] = statistics.median(cpus)
        return median

    def peer() -> None:
        with ledger.transaction() as s:
            s.execute(select(Actual.kpi_id, Actual.year, Actual.value)).all()
            s.execute(select(Target.kpi_id, Target.year, Target.value)).all()

    result = board(ledger, 2025)
    n = len(result["result"].lines)
    base = timed(peer)
    base_cpu = cpu[id(peer)]

    def fn() -> None:
        board(ledger, 2025)

    fn_ms = timed(fn)
    fn_cpu = cpu[id(fn)]
    with TestClient(create_app(Settings(db=url))) as client:

        def page() -> None:
            client.get("/roadmap?year=2025").raise_for_status()

        http_ms = timed(page)
        http_cpu = cpu[id(page)]
    ledger.close()
    verdict = "ok" if http_ms <= TARGET_MS else f"over {TARGET_MS:.0f} ms"
    print(f"board of {n} KPIs x {len(YEARS)} years of actuals (median of {RUNS}; "
          f"load average {_load()}):")  # fmt: skip
    print("                                          wall ms   CPU ms   wall/peer")
    print(f"  peer: SELECT every actual and target   {base:7.1f}  {base_cpu:7.1f}")
    print(f"  desk.board (statuses, timeline)        {fn_ms:7.1f}  {fn_cpu:7.1f}  "
          f"{fn_ms / base:5.1f}x")  # fmt: skip
    print(f"  GET /roadmap (rendered page)           {http_ms:7.1f}  {http_cpu:7.1f}  "
          f"{http_ms / base:5.1f}x  {verdict}")  # fmt: skip


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_editors() -> None:
    import httpx
    from sqlalchemy import create_engine, text

    from chikuden.accounts import tokens
    from chikuden.accounts.settings import utcnow
    from chikuden.accounts.users import transaction
    from chikuden.roadmap.db import Ledger
    from chikuden.roadmap.seed import seed

    admin_url = os.environ.get("CHIKUDEN_BENCH_PG_URL") or os.environ.get("CHIKUDEN_TEST_PG_URL")
    if not admin_url:
        print("editors: no PostgreSQL (set CHIKUDEN_BENCH_PG_URL, e.g. from scripts/postgres.sh)")
        return
    duration = float(os.environ.get("CHIKUDEN_BENCH_DESK_S", "60"))
    name = f"chikuden_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    accounts = _cheap_accounts()
    ledger = Ledger.open(url, user="bench", create=True)
    keys: list[str] = []
    with transaction(ledger, "bench") as s:
        seed(s)
        for i in range(EDITORS):
            user = accounts.add(s, f"editor{i:02d}", "editor", PW)
            keys.append(tokens.create(s, user, "bench", utcnow)[1])
    ledger.close()

    # The server in its own process (`chikuden serve`, as deployed): the editors' 20 client
    # threads here would otherwise share its interpreter lock and count in its latency.
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chikuden = str(Path(sys.executable).with_name("chikuden"))
    server = subprocess.Popen(
        [chikuden, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", url],
        env={**os.environ, "CHIKUDEN_SECRET_KEY": SECRET},
        stdout=subprocess.DEVNULL,
        stderr=(Path(tempfile.gettempdir()) / f"{name}.log").open("w"),
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/session", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
    base = f"http://127.0.0.1:{port}/api/roadmap/actuals"

    def read(client: httpx.Client, key: str) -> dict[str, Any]:
        rows = client.get(base, params={"kpi": key}).raise_for_status().json()
        first: dict[str, Any] = rows[0]
        return first

    with httpx.Client() as c:
        start_values = {k: read(c, k) for k in HOT}
    ok: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def editor(i: int) -> None:
        headers = {"Authorization": f"Bearer {keys[i]}"}
        with httpx.Client(headers=headers, timeout=30) as client:
            n = i
            while time.monotonic() < stop:
                key = HOT[n % len(HOT)]
                n += 1
                row = read(client, key)
                t0 = time.perf_counter()
                r = client.put(
                    f"{base}/{key}/{row['year']}",
                    json={"version": row["version"], "value": row["value"] + 1},
                )
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    statuses[r.status_code] += 1
                    latencies.append(ms)
                    if r.status_code == 200:
                        ok[key] += 1

    threads = [threading.Thread(target=editor, args=(i,)) for i in range(EDITORS)]
    db_cpu_start = _backends_cpu(admin, name)
    server_cpu_start = _cpu_of(server.pid)
    load_before = _load()
    cpu_start = time.process_time()
    t_start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t_start
    cpu_s = time.process_time() - cpu_start
    load_after = _load()
    with httpx.Client() as c:
        end_values = {k: read(c, k) for k in HOT}
    server_cpu = _cpu_of(server.pid) - server_cpu_start
    db_cpu = sum(
        cpu - db_cpu_start.get(pid, 0.0) for pid, cpu in _backends_cpu(admin, name).items()
    )
    server.terminate()
    server.wait(timeout=30)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()

    lost = {
        k: (start_values[k]["value"] + ok[k], end_values[k]["value"])
        for k in HOT
        if start_values[k]["value"] + ok[k] != end_values[k]["value"]
    }
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    total = sum(statuses.values())
    q = statistics.quantiles(latencies, n=100)
    print(f"{EDITORS} editors for {elapsed:.0f} s on PostgreSQL, {len(HOT)} contended actuals:")
    saved = sum(ok.values())
    print(f"  PUTs {total}, saved {saved} ({saved / elapsed:.1f} writes/s)")
    print(f"  409 {statuses[409] / total:.0%}, 5xx {server_errors}, statuses {dict(statuses)}")
    print(f"  PUT latency p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms")
    print(f"  lost updates: {lost if lost else 'none'}")
    requests = 2 * total  # each PUT follows the GET of the version it names
    print(f"  CPU: server process {server_cpu:.1f} s, its PostgreSQL backends {db_cpu:.1f} s, "
          f"the editors' process (20 client threads) {cpu_s:.1f} s, in {elapsed:.0f} s wall "
          f"on {os.cpu_count()} cores")  # fmt: skip
    print(f"  CPU per request ({requests} GET or PUT): server {server_cpu / requests * 1e3:.2f} "
          f"ms, PostgreSQL {db_cpu / requests * 1e3:.2f} ms, "
          f"editors {cpu_s / requests * 1e3:.2f} ms")  # fmt: skip
    print(f"  load average {load_before} before, {load_after} after")


def _backends_cpu(admin: Any, name: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend process serving database ``name``
    (the server's pooled connections; the database server runs on this machine)."""
    from sqlalchemy import text

    with admin.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": name}
        ).scalars()
        found = list(pids)
    cpu: dict[int, float] = {}
    for pid in found:
        try:
            cpu[pid] = _cpu_of(pid)
        except OSError:  # gone meanwhile
            continue
    return cpu


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    bench_board()
    bench_editors()
