"""What the page benchmarks (bench_report_paint, bench_web_page) share: the headless Chromium
they launch, its flags and the script that reads a page's first paint and load time.

The flags are the browser tests' own, read from tests/browser/pages.py (CHROMIUM_ARGS):
headless, no sandbox (root in CI), nothing Chromium itself would fetch.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.browser

from tests.browser.pages import CHROMIUM_ARGS as ARGS

__all__ = ["ARGS", "EMPTY", "PAINT", "chromium"]
PAINT = """() => {
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const nav = performance.getEntriesByType("navigation")[0];
  return [fcp ? fcp.startTime : NaN, nav ? nav.loadEventEnd : NaN];
}"""
"""First contentful paint and load end [ms from navigation start], NaN when not reached."""
EMPTY = "<!doctype html><html><head><meta charset='utf-8'></head><body><p>chikuden</p></body>"
"""The lower bound's page: the same browser and transport, nothing to parse."""


def chromium() -> str | None:
    """``$CHIKUDEN_CHROMIUM``, else chromium on PATH; None when there is none."""
    given = os.environ.get("CHIKUDEN_CHROMIUM", "").strip()
    return given or shutil.which("chromium") or shutil.which("chromium-browser")
