"""How long and how wide a rendered report is in a real browser (headless chromium).

:func:`measure` opens a report file at a given window width and reads from the page: how
far down the detail by domain starts (the main body, answers first, is everything before
it, every ``<details>`` closed as the page loads) and the document's scroll width (more than
the window means the reader must scroll sideways). Uses the browser of the tests' fixture
(the system's chromium driven by the python ``playwright`` package; no download).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser

SCREEN = 900  # px, the height of one screen of a 1400 x 900 window

MEASURE_JS = """() => {
  // the main body ends where the detail by domain (or, without it, the appendix) starts
  const appendix = document.getElementById("detail") || document.getElementById("appendix");
  const top = appendix ? appendix.getBoundingClientRect().top + window.scrollY
                       : document.documentElement.scrollHeight;
  const open = document.querySelectorAll("details[open]").length;
  return {
    body: top,
    height: document.documentElement.scrollHeight,
    scrollWidth: document.documentElement.scrollWidth,
    open: open,
  };
}"""


@dataclass(frozen=True)
class Measure:
    width: int  # px, the window
    body: float  # px from the top of the page to the appendix
    height: int  # px, the whole page
    scroll_width: int  # px, document.documentElement.scrollWidth
    open_details: int

    @property
    def screens(self) -> float:
        """The main body in screens of :data:`SCREEN` px."""
        return self.body / SCREEN


def measure(
    browser: Browser, page_file: Path, width: int, height: int = SCREEN, open_all: bool = False
) -> Measure:
    """Open ``page_file`` in ``browser`` at ``width`` x ``height`` px; with ``open_all``, every
    ``<details>`` opened first."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(page_file.resolve().as_uri(), wait_until="load", timeout=180_000)
        if open_all:
            page.evaluate(
                "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
            )
        page.wait_for_timeout(500)  # plotly's responsive resize and packed folds settle
        got = page.evaluate(MEASURE_JS)
    finally:
        context.close()
    return Measure(
        width=width,
        body=float(got["body"]),
        height=int(got["height"]),
        scroll_width=int(got["scrollWidth"]),
        open_details=int(got["open"]),
    )
