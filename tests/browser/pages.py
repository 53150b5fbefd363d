"""Helpers of the browser tests: Debian's chromium driven by the Python ``playwright`` package
(never ``playwright install``), a report loaded with every request watched, charts drawn by
scrolling, screenshots kept under ``out/test-artifacts/``, and WCAG contrast.

A new check of the page is a few lines in a test module of this folder::

    def test_answers_box_is_above_the_fold(open_report: OpenReport) -> None:
        view = open_report("proposal-2022", "ja")          # 1400 x 900, at the top
        box = view.page.locator("#answers").bounding_box()
        assert box is not None and box["y"] + box["height"] <= view.height
        view.screenshot("answers-ja")

    def test_status_pills_contrast(open_report: OpenReport) -> None:
        view = open_report("actual-2025", "en")
        for ratio in view.contrasts(".pill"):
            assert ratio >= 4.5

``view.errors`` and ``view.outside`` (console and page errors, requests that would have left
the machine) are checked by :meth:`ReportView.check_clean`.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "out" / "test-artifacts"
SCENARIOS = ("proposal-2022", "meti-strategy-2022", "actual-2025")
LANGS = ("en", "ja")
WIDTH, HEIGHT = 1400, 900
# Headless, no sandbox (root in CI), and nothing that Chromium itself would fetch.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = (
    "the browser tests need Debian's chromium and fonts-noto-cjk: run scripts/chromium.sh "
    "(apt-get install chromium fonts-noto-cjk) or set CHIKUDEN_CHROMIUM to a chromium binary"
)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def chromium_path() -> str:
    """The chromium binary: ``$CHIKUDEN_CHROMIUM`` (set by ``make test`` from
    scripts/chromium.sh), else chromium on PATH; the test FAILS (never skips) without one."""
    given = os.environ.get("CHIKUDEN_CHROMIUM", "").strip()
    found = given or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        pytest.fail(f"no chromium found ({given or 'not on PATH'}); {INSTALL_HINT}")
    return found


def is_local(url: str) -> bool:
    """Whether a request stays on this machine: file:, data:, blob:, about: or a loopback host."""
    parts = urlsplit(url)
    if parts.scheme in {"file", "data", "blob", "about"}:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and (parts.hostname or "") in LOCAL_HOSTS


def _channel(c: float) -> float:
    c /= 255.0
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour given as 0-255 channels."""
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio (lighter + 0.05) / (darker + 0.05), from 1 to 21."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def parse_rgb(css: str) -> tuple[float, float, float]:
    """The channels of a computed ``rgb(r, g, b)`` / ``rgba(r, g, b, a)`` colour."""
    found = re.match(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)", css)
    if found is None:
        raise ValueError(f"not an rgb colour: {css}")
    return float(found.group(1)), float(found.group(2)), float(found.group(3))


# The figures of the page: each element a ``script.fig-data`` block draws into.
_CHART_TARGETS = """() => [...document.querySelectorAll("script.fig-data")]
  .map(b => document.getElementById(b.getAttribute("data-target")))
  .filter(e => e !== null)"""

# The text colour and the first opaque background colour behind each element of a selector.
_COLOURS = """sel => [...document.querySelectorAll(sel)].map(e => {
  let bg = "rgba(0, 0, 0, 0)";
  for (let n = e; n; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor;
    if (!/rgba\\(.*,\\s*0\\)$/.test(c) && c !== "transparent") { bg = c; break; }
  }
  return [getComputedStyle(e).color, bg === "rgba(0, 0, 0, 0)" ? "rgb(255, 255, 255)" : bg];
})"""


@dataclass
class ReportView:
    """A report open in a page: what it logged and what it tried to fetch from elsewhere."""

    page: Page
    name: str
    width: int = WIDTH
    height: int = HEIGHT
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def check_clean(self) -> None:
        """No console error, no page error and no request that left (or would leave) the
        machine."""
        assert not self.outside, f"{self.name}: requests off the machine: {self.outside[:5]}"
        assert not self.errors, f"{self.name}: console/page errors: {self.errors[:5]}"

    def chart_count(self) -> int:
        return int(self.page.evaluate(f"({_CHART_TARGETS})().length"))

    def drawn_count(self) -> int:
        """Figures drawn: marked by the page's script and holding plotly's SVG."""
        script = f"""() => ({_CHART_TARGETS})()
          .filter(e => e.getAttribute("data-drawn") === "1" && e.querySelector("svg.main-svg"))
          .length"""
        return int(self.page.evaluate(script))

    def scroll_through(self) -> None:
        """Open every <details>, then scroll down to the first figure not drawn yet, wait
        until the page's script has drawn it (its neighbours within a screen come with it),
        and again until every figure is drawn; ends back at the top."""
        page = self.page
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        first_undrawn = f"""() => {{
          const all = ({_CHART_TARGETS})();
          const i = all.findIndex(e => e.getAttribute("data-drawn") !== "1");
          if (i >= 0) all[i].scrollIntoView();
          return i;
        }}"""
        for _ in range(self.chart_count() + 1):
            index = int(page.evaluate(first_undrawn))
            if index < 0:
                break
            page.wait_for_function(
                f"""() => ({_CHART_TARGETS})()[{index}].getAttribute("data-drawn") === "1" """
            )
        page.evaluate("window.scrollTo(0, 0)")

    def japanese_width(self, text: str, size_px: int = 16) -> tuple[float, float]:
        """Rendered widths in the page's body font at ``size_px``: of ``text`` and of as many
        U+FFFF (a noncharacter: no font has it, so it is drawn as the missing-glyph box)."""
        script = """([text, size]) => {
          const w = s => {
            const e = document.createElement("span");
            e.style.font = size + "px " + getComputedStyle(document.body).fontFamily;
            e.style.whiteSpace = "pre";
            e.textContent = s;
            document.body.appendChild(e);
            const width = e.getBoundingClientRect().width;
            e.remove();
            return width;
          };
          return [w(text), w("\\uFFFF".repeat([...text].length))];
        }"""
        shown, tofu = self.page.evaluate(script, [text, size_px])
        return float(shown), float(tofu)

    def contrasts(self, selector: str) -> list[float]:
        """The WCAG contrast ratio of each element of ``selector``: its text colour against
        the first opaque background colour behind it (white when none)."""
        pairs = self.page.evaluate(_COLOURS, selector)
        return [contrast_ratio(parse_rgb(fg), parse_rgb(bg)) for fg, bg in pairs]

    def screenshot(self, label: str, selector: str = "") -> Path:
        """A PNG under out/test-artifacts/ named after the report and ``label``: of the
        viewport, or of the first element of ``selector`` (scrolled into view)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{label}.png"
        if selector:
            self.page.locator(selector).first.screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path))
        return path


def watch(page: Page, view: ReportView) -> None:
    """Record console errors and page errors; let local requests through and abort (and
    record) every other one."""

    def route(r: Route) -> None:
        if is_local(r.request.url):
            r.continue_()
        else:
            view.outside.append(r.request.url)
            r.abort()

    page.on("console", lambda m: view.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: view.errors.append(f"page error: {e}"))
    page.route("**/*", route)


class OpenReport(Protocol):
    """The ``open_report`` fixture: a bundled scenario's report (or ``compare`` of several
    names joined by '+') loaded in a fresh page of the given size, scrolled to the top."""

    def __call__(
        self, scenario: str, lang: str, width: int = WIDTH, height: int = HEIGHT
    ) -> ReportView: ...
