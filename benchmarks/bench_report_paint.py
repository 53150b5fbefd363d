"""First paint of the reports in headless Chromium, against an empty page in the same run.

Target (issue 14): first contentful paint <= 1 s for each bundled scenario's report, in both
languages, and for the three-scenario compare. Measured with the Performance API
(``first-contentful-paint``) in a fresh page of Debian's chromium (scripts/chromium.sh), the
report opened from file:// at 1400 x 900; each line shows the median of RUNS loads, the ratio
to an empty page's first paint and the load event. Charts are drawn when scrolled into view
(chikuden.charting.RENDER_JS), so the first paint waits for parsing the page and
plotly.js, not for drawing 50 charts; "all charts" is the time to draw every chart (as
before printing), which no reader waits for at once.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
from pathlib import Path

from browser import ARGS, EMPTY, PAINT, chromium

RUNS = 3
TARGET_MS = 1000.0
SCENARIOS = ("proposal-2022", "meti-strategy-2022", "actual-2025")


def main() -> None:
    from playwright.sync_api import Browser, sync_playwright

    import chikuden
    from chikuden.report.html import render_report

    path = chromium()
    if path is None:
        print("no chromium: run scripts/chromium.sh (apt-get install chromium fonts-noto-cjk)")
        return
    folder = Path(tempfile.mkdtemp(prefix="chikuden-bench-paint-"))
    pages: list[tuple[str, Path]] = []
    empty = folder / "empty.html"
    empty.write_text(EMPTY, encoding="utf-8")
    for names in [*((s,) for s in SCENARIOS), SCENARIOS]:
        results = chikuden.evaluate([chikuden.load_scenario(n) for n in names])
        for lang in ("en", "ja") if len(names) == 1 else ("en",):
            label = f"{'+'.join(names) if len(names) == 1 else 'compare (3)'} {lang}"
            file = folder / f"{len(pages)}.html"
            file.write_text(render_report(results, lang=lang), encoding="utf-8")
            pages.append((label, file))

    def measure(browser: Browser, file: Path, draw: bool = False) -> tuple[float, float, float]:
        fcp, load, drawn = [], [], []
        for _ in range(RUNS):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(file.as_uri(), wait_until="load")
            page.wait_for_function("performance.getEntriesByType('paint').length > 0")
            first, loaded = page.evaluate(PAINT)
            fcp.append(float(first))
            load.append(float(loaded))
            if draw:
                total = page.evaluate("document.querySelectorAll('script.fig-data').length")
                start = page.evaluate("performance.now()")
                page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
                page.wait_for_function(
                    f"document.querySelectorAll('[data-drawn]').length >= {total}",
                    timeout=300_000,
                )
                drawn.append(float(page.evaluate("performance.now()")) - float(start))
            page.close()
        done = statistics.median(drawn) if drawn else float("nan")
        return statistics.median(fcp), statistics.median(load), done

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=ARGS)
        base, _, _ = measure(browser, empty)
        print(f"empty page: first contentful paint {base:.0f} ms (median of {RUNS})")
        print(f"{'report':<28} {'size':>8} {'FCP':>8} {'ratio':>6} {'load':>8} {'all charts':>11}")
        for label, file in pages:
            fcp, load, drawn = measure(browser, file, draw=True)
            size = file.stat().st_size / 1e6
            verdict = "ok" if fcp <= TARGET_MS else f"over {TARGET_MS:.0f} ms"
            print(
                f"{label:<28} {size:>6.2f}MB {fcp:>6.0f}ms {fcp / base:>5.1f}x "
                f"{load:>6.0f}ms {drawn:>9.0f}ms  {verdict}"
            )
        browser.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
