"""Fixtures of the browser tests (helpers in :mod:`tests.browser.pages`): one headless
chromium per test process, the bundled scenarios' reports written once per process, and
``open_report`` to load one of them in a fresh page; the web simulator served once per process
(``web_server``, :mod:`tests.browser.web`) and ``open_page`` to load one of its pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from tests.browser.pages import (
    CHROMIUM_ARGS,
    HEIGHT,
    WIDTH,
    OpenReport,
    ReportView,
    chromium_path,
    watch,
)
from tests.browser.web import OpenPage, serve

import chikuden
from chikuden.report.html import render_report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """The report.html of a bundled scenario (or of several joined by '+', as `compare`)."""
    folder = tmp_path_factory.mktemp("reports")

    @cache
    def write(scenario: str, lang: str) -> Path:
        names = scenario.split("+")
        results = chikuden.evaluate([chikuden.load_scenario(n) for n in names])
        path = folder / f"{scenario}-{lang}.html"
        path.write_text(render_report(results, lang=lang), encoding="utf-8")
        return path

    return write


@pytest.fixture
def open_report(browser: Browser, report_file: Callable[[str, str], Path]) -> Iterator[OpenReport]:
    contexts: list[BrowserContext] = []

    def load(scenario: str, lang: str, width: int = WIDTH, height: int = HEIGHT) -> ReportView:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        view = ReportView(page, f"{scenario}-{lang}-{width}", width, height)
        watch(page, view)
        page.goto(report_file(scenario, lang).as_uri(), wait_until="load")
        return view

    yield load
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the simulator on a free loopback port, with its own SQLite database."""
    db = tmp_path_factory.mktemp("web") / "ledger.sqlite"
    with serve(f"sqlite:///{db}") as url:
        yield url


@pytest.fixture
def open_page(browser: Browser, web_server: str) -> Iterator[OpenPage]:
    contexts: list[BrowserContext] = []

    def load(path: str, name: str = "", accept_downloads: bool = False) -> ReportView:
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=accept_downloads
        )
        contexts.append(context)
        page = context.new_page()
        label = name or path.strip("/").replace("/", "-").split("?")[0] or "simulator"
        view = ReportView(page, f"web-{label}", WIDTH, HEIGHT)
        watch(page, view)
        page.goto(web_server + path, wait_until="load")
        return view

    yield load
    for context in contexts:
        context.close()
