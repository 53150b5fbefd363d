"""The bibliography (``data/sources/*.yaml``, one file per domain).

Every default, scenario value and table row cites keys from it.

Keys are short slugs (``iea-gevo-2024``); the proposal's clauses are cited as
``proposal-2022:P1``. Assumptions of our own cite ``assumption`` and explain themselves in the
parameter's note, so a reader can tell a published figure from a modelling choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from chikuden.errors import ParameterError, did_you_mean
from chikuden.reading import show


@dataclass(frozen=True)
class Source:
    """One entry of the bibliography."""

    key: str
    title: str
    publisher: str
    year: int | None
    url: str
    kind: str  # "document", "proposal", "dataset", "assumption", "derived"
    confidence: str = ""
    note: str = ""
    clauses: dict[str, str] = field(default_factory=dict)

    def citation(self, clause: str | None = None) -> str:
        """Human-readable one-line citation [text]."""
        year = f" ({self.year})" if self.year else ""
        head = f"{self.publisher}, {self.title}{year}" if self.publisher else f"{self.title}{year}"
        if clause:
            head += f", {clause}: {self.clauses.get(clause, '')}".rstrip(": ")
        return head


@cache
def bibliography() -> dict[str, Source]:
    """All sources, keyed by slug."""
    folder = resources.files("chikuden.data").joinpath("sources")
    raw: dict[str, dict[str, Any]] = {}
    for entry_file in sorted(folder.iterdir(), key=lambda f: f.name):
        if not entry_file.name.endswith(".yaml"):
            continue
        part: dict[str, dict[str, Any]] = yaml.safe_load(entry_file.read_text("utf-8")) or {}
        for key in part:
            if key in raw:
                raise RuntimeError(f"sources/{entry_file.name}: key {key!r} defined twice")
        raw.update(part)
    out: dict[str, Source] = {}
    for key, entry in raw.items():
        out[key] = Source(
            key=key,
            title=str(entry["title"]),
            publisher=str(entry.get("publisher", "")),
            year=int(entry["year"]) if entry.get("year") else None,
            url=str(entry.get("url", "")),
            kind=str(entry.get("kind", "document")),
            confidence=str(entry.get("confidence", "")),
            note=str(entry.get("note", "")),
            clauses={str(k): str(v) for k, v in (entry.get("clauses") or {}).items()},
        )
    return out


def resolve_source(key: str, where: str = "source") -> tuple[Source, str | None]:
    """Split ``key`` into its bibliography entry and clause; raise a clear error if unknown."""
    base, _, clause = key.partition(":")
    bib = bibliography()
    if base not in bib:
        raise ParameterError(
            f"{where}: unknown source {show(key)}{did_you_mean(base, bib)}; "
            "add it to a file in chikuden/data/sources/ or cite an existing key"
        )
    src = bib[base]
    if clause and clause not in src.clauses:
        raise ParameterError(
            f"{where}: source {base!r} has no clause {show(clause)}; "
            f"allowed: {', '.join(src.clauses) or 'none'}"
        )
    return src, clause or None


def split_sources(text: str) -> tuple[str, ...]:
    """Split a ``;``-separated list of source keys."""
    return tuple(part.strip() for part in text.split(";") if part.strip())
