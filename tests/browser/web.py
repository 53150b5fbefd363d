"""Helpers of the web simulator's browser tests: the application served by uvicorn on a free
loopback port in a thread of the test process (its own SQLite database), and pages opened with
every request watched (:func:`tests.browser.pages.watch`: anything not on 127.0.0.1 is aborted
and recorded, console errors are recorded)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from tests.browser.pages import ReportView

LANGS = ("en", "ja")
PAGES = ("/", "/finance", "/minerals", "/carbon", "/demand", "/uncertainty", "/optimize")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(db_url: str) -> Iterator[str]:
    """``create_app`` with the database ``db_url`` under uvicorn in a thread; yields its base
    URL (``http://127.0.0.1:PORT``) once it answers, and stops it afterwards."""
    import uvicorn

    from chikuden.web.app import Settings, create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(Settings(db=db_url)), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class OpenPage(Protocol):
    """The ``open_page`` fixture: a page of the simulator (path with its query string) in a
    fresh browser context, loaded and watched; ``name`` labels its screenshots."""

    def __call__(self, path: str, name: str = "", accept_downloads: bool = False) -> ReportView: ...
