"""Reading a report page as a browser shows it once every fold is open.

A report packs its figures and its heavier folded parts (gzip, then base64: a ``script`` of
type ``application/x-gzip-base64``, a ``details`` with a ``data-packed`` attribute) and the page
inflates them when drawn or opened. These helpers do the same with the standard library, so
the tests read what a reader sees.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from typing import Any

PACKED_FOLD = re.compile(r'<details([^>]*) data-packed="([^"]*)"([^>]*)>(.*?)</details>', re.S)
PLOTLY = re.compile(r'<script type="application/x-gzip-base64" id="plotly-js">(.*?)</script>')
FIGURE = re.compile(
    r'<script type="(application/json|application/x-gzip-base64)" class="fig-data" '
    r'data-target="([^"]+)">(.*?)</script>',
    re.S,
)


def inflate(text: str) -> str:
    """A packed text (base64 of gzip) as it was."""
    return gzip.decompress(base64.b64decode(text)).decode("utf-8")


def unpack(page: str) -> str:
    """``page`` with every packed fold's content in place (the fold as a reader opens it)."""

    def opened(m: re.Match[str]) -> str:
        return f"<details{m[1]}{m[3]}>{m[4]}{inflate(m[2])}</details>"

    previous = None
    while previous != page:  # a fold may hold packed folds (a chart's data in a table of charts)
        previous, page = page, PACKED_FOLD.sub(opened, page)
    return page


def figures(page: str) -> list[tuple[str, dict[str, Any]]]:
    """Every figure of ``page`` in order: (the element it draws into, its plotly JSON)."""
    found = []
    for kind, target, text in FIGURE.findall(unpack(page)):
        found.append((target, json.loads(text if kind == "application/json" else inflate(text))))
    return found
