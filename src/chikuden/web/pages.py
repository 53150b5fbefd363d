"""The simulator's pages (built in branch s16-pages): ``install(app)`` adds them."""

from __future__ import annotations

from typing import Any


def install(app: Any) -> None:
    """Add the page routes and static files to ``app`` (none yet)."""
