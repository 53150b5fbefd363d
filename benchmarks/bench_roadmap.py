"""Annual review of a large roadmap ledger on SQLite: 500 KPIs x 10 years x 10 revisions.

Builds a ledger with 500 KPIs (a tenth linked to a model indicator), an actual for every KPI
and year 2015-2025 and 10 revisions (2016-2025), each with a target for every KPI and year
2016-2025 plus 2030 (55,000 targets). Times what ``chikuden roadmap review --year 2025``
does: ``review.compute`` + ``review.store`` and the report in both languages (best of 3);
the target is <= 2 s. The computation is also compared with a lower bound measured in the
same run: the bare SQL reads of the same rows with the sqlite3 module.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

N_KPIS = 500
YEARS = range(2015, 2026)  # actuals; 2015 is the baseline
REVISIONS = range(2016, 2026)
TARGET_YEARS = [*range(2016, 2026), 2030]
TARGET_SECONDS = 2.0


def build(path: Path) -> str:
    from sqlalchemy import insert

    from chikuden.roadmap.db import Ledger
    from chikuden.roadmap.models import Actual, Kpi, Pillar, Revision, Target, utcnow

    url = f"sqlite:///{path}"
    ledger = Ledger.open(url, user="bench", create=True)
    now = utcnow()
    with ledger.transaction() as s:
        s.execute(
            insert(Pillar),
            [
                {"id": i, "code": f"P{i}", "title_en": f"P{i}", "title_ja": f"P{i}"}
                | {"source": f"proposal-2022:P{i}", "version": 1}
                for i in range(1, 12)
            ],
        )
        s.execute(
            insert(Kpi),
            [
                {
                    "id": k,
                    "key": f"bench.kpi_{k:03d}",
                    "pillar_id": 1 + k % 11,
                    "label_en": f"KPI {k}",
                    "label_ja": f"KPI {k}",
                    "unit": "GWh",
                    "direction": "decrease" if k % 7 == 0 else "increase",
                    "min_value": 0.0,
                    "max_value": None,
                    "indicator": "targets.domestic_capacity_2030" if k % 10 == 0 else None,
                    "baseline_year": 2015,
                    "source": "assumption",
                    "note": "",
                    "version": 1,
                }
                for k in range(1, N_KPIS + 1)
            ],
        )
        s.execute(
            insert(Actual),
            [
                {
                    "kpi_id": k,
                    "year": y,
                    "value": 100.0 + k + (y - 2015) * (k % 13),
                    "source": "bench",
                    "note": "",
                    "entered_by": "bench",
                    "entered_at": now,
                    "version": 1,
                }
                for k in range(1, N_KPIS + 1)
                for y in YEARS
            ],
        )
        for r, year in enumerate(REVISIONS, start=1):
            s.execute(
                insert(Revision),
                [
                    {"id": r, "year": year, "state": "closed" if year < 2025 else "open"}
                    | {"note": "", "opened_at": now, "opened_by": "bench", "version": 1}
                ],
            )
            s.execute(
                insert(Target),
                [
                    {
                        "revision_id": r,
                        "kpi_id": k,
                        "year": y,
                        "value": 100.0 + k + (y - 2015) * (10 + r % 3),
                        "source": "bench",
                        "note": "",
                        "version": 1,
                    }
                    for k in range(1, N_KPIS + 1)
                    for y in TARGET_YEARS
                ],
            )
    ledger.close()
    return url


def bare_reads(path: Path) -> float:
    """The same rows the review reads, with sqlite3 and nothing else [s]."""
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("SELECT k.*, p.code FROM kpis k JOIN pillars p ON p.id = k.pillar_id").fetchall()
    conn.execute(
        "SELECT kpi_id, year, value, source, note FROM actuals WHERE year <= 2025 "
        "ORDER BY kpi_id, year"
    ).fetchall()
    conn.execute(
        "SELECT kpi_id, year, value, source FROM targets WHERE revision_id = 10 "
        "ORDER BY kpi_id, year"
    ).fetchall()
    conn.close()
    return time.perf_counter() - start


def main() -> None:
    from chikuden.roadmap import report, review
    from chikuden.roadmap.db import Ledger

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        url = build(path)
        ledger = Ledger.open(url, user="bench")
        # Warm up once (imports, the model's first evaluation), then time the best of 3.
        with ledger.transaction() as s:
            review.compute(s, 2025)
        timings, lower, whole = [], [], []
        for _ in range(3):
            report.fmt.cache_clear()
            start = time.perf_counter()
            with ledger.transaction() as s:
                result = review.compute(s, 2025)
                review.store(s, result)
            timings.append(time.perf_counter() - start)
            with ledger.transaction() as s:
                files = report.write(s, result, Path(tmp) / "out")
            whole.append(time.perf_counter() - start)
            lower.append(bare_reads(path))
        assert len(result.lines) == N_KPIS and result.revision_year == 2025
        size = sum(f.stat().st_size for f in files)
        ledger.close()
    best, bound, full = min(timings), min(lower), min(whole)
    verdict = "OK" if full <= TARGET_SECONDS else "TOO SLOW"
    print(
        f"review of {N_KPIS} KPIs x {len(YEARS) - 1} years x {len(REVISIONS)} revisions "
        f"(SQLite), with its report in English and Japanese: {full:.3f} s "
        f"[{verdict}: target <= {TARGET_SECONDS:.0f} s]"
    )
    print(f"  statuses, projections and storage: {best:.3f} s")
    print(
        f"  lower bound, bare SQL reads of the same rows: {bound:.3f} s; ratio {best / bound:.1f}x"
    )
    print(f"  report files: {size / 1e6:.1f} MB of HTML")
    print("  statuses: " + ", ".join(f"{k} {v}" for k, v in result.counts().items() if v))


if __name__ == "__main__":
    main()
