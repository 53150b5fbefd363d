"""The bibliography (``data/sources/*.yaml``, one file per domain).

Every default, scenario value and table row cites keys from it.

Keys are short slugs (``iea-gevo-2024``); the proposal's clauses are cited as
``proposal-2022:P1``, and a document with articles or chapters may declare ``clauses`` of its
own (``eu-battery-regulation-2023:Art7``). Assumptions of our own cite ``assumption`` and explain
themselves in the parameter's note, so a reader can tell a published figure from a modelling
choice.

One entry per document. An entry's ``url`` is the primary document (the ministry's, agency's,
company's or journal's own publication), empty where none is public; ``via`` lists the
secondary copies the figures were read in (news reports, databases, mirrors). A key merged into
another stays resolvable through the kept entry's ``aliases``, so a user's scenario file that
cites the old key still loads. The grade (``confidence``) follows a declared rule
(:func:`grade_problems`, hosts in ``data/sources/_grading.yaml``, docs/sources.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from chikuden.data import DATA, read_yaml
from chikuden.errors import N_, ParameterError, did_you_mean
from chikuden.reading import show

#: Grades of a document and what each means (docs/sources.md; the report prints the legend).
GRADES = ("H", "M", "L")
#: The grade each kind of entry must carry ("" for values a user sets).
KIND_GRADES: dict[str, tuple[str, ...]] = {
    "proposal": GRADES,
    "document": GRADES,
    "dataset": GRADES,
    "derived": ("D",),
    "assumption": ("A",),
    "user": ("",),
}


@dataclass(frozen=True)
class Copy:
    """A secondary copy a source's figures were read in: a news report, a database, a mirror."""

    name: str
    url: str = ""

    @property
    def host(self) -> str:
        """The copy's web host (``www.`` removed), or its name when it has no URL."""
        return host_of(self.url) or self.name


@dataclass(frozen=True)
class Source:
    """One entry of the bibliography."""

    key: str
    title: str
    publisher: str
    year: int | None
    url: str
    kind: str  # "document", "proposal", "dataset", "assumption", "derived", "user"
    confidence: str = ""
    note: str = ""
    clauses: dict[str, str] = field(default_factory=dict)
    via: tuple[Copy, ...] = ()
    aliases: tuple[str, ...] = ()

    def citation(self, clause: str | None = None) -> str:
        """Human-readable one-line citation [text]."""
        year = f" ({self.year})" if self.year else ""
        head = f"{self.publisher}, {self.title}{year}" if self.publisher else f"{self.title}{year}"
        if clause:
            head += f", {clause}: {self.clauses.get(clause, '')}".rstrip(": ")
        return head


def host_of(url: str) -> str:
    """The host of ``url`` in lower case without a leading ``www.`` ("" for no URL)."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _on(host: str, listed: tuple[str, ...]) -> bool:
    return any(host == h or host.endswith("." + h) for h in listed)


@cache
def grading_hosts() -> dict[str, tuple[str, ...]]:
    """The hosts the grading rule names: ``mirror`` (unclear provenance) and ``press``."""
    raw: dict[str, list[str]] = read_yaml("sources", "_grading.yaml")
    return {kind: tuple(str(h).lower() for h in raw[kind]) for kind in ("mirror", "press")}


def is_mirror(url: str) -> bool:
    """True when ``url`` is on a host of unclear provenance (a blog, a document mirror)."""
    return _on(host_of(url), grading_hosts()["mirror"])


def is_press(url: str) -> bool:
    """True when ``url`` is a news or trade-press report (a report, not the primary)."""
    return _on(host_of(url), grading_hosts()["press"])


def grade_problems(src: Source) -> list[str]:
    """What in ``src`` breaks the grading rule (empty when it follows it).

    - ``url`` is the primary document: never a copy on a mirror host (that goes in ``via``);
    - H needs the primary (a ``url`` that is neither a press report nor a mirror copy) or
      several consistent reports (two or more on different hosts, counting a press ``url``);
    - figures read only on mirror copies (every ``via`` on a mirror host, no report) are L
      without a primary ``url``, and at most M with one;
    - derived figures are D, assumptions A, values a user sets carry no grade.
    """
    out: list[str] = []
    allowed = KIND_GRADES.get(src.kind)
    if allowed is None:
        return [f"unknown kind {src.kind!r}; allowed: {', '.join(KIND_GRADES)}"]
    if src.confidence not in allowed:
        out.append(f"a {src.kind} entry is graded {' or '.join(map(repr, allowed))}")
    if src.kind not in ("proposal", "document", "dataset"):
        return out
    if src.url and is_mirror(src.url):
        out.append(f"url {src.url} is a mirror copy: give the primary or leave url empty")
    for copy in src.via:
        if copy.url and host_of(copy.url) == host_of(src.url):
            out.append(f"via {copy.url} is on the primary's own host: it is not a copy")
    reports = {c.host for c in src.via if not is_mirror(c.url)}
    if src.url and is_press(src.url):
        reports.add(host_of(src.url))
    primary = bool(src.url) and not is_press(src.url) and not is_mirror(src.url)
    if src.confidence == "H" and not primary and len(reports) < 2:
        out.append("H needs the primary document's url or two or more reports on different hosts")
    if src.via and not reports:
        if not src.url and src.confidence != "L":
            out.append("every copy read is on a mirror host and no primary is known: grade L")
        if src.url and src.confidence == "H":
            out.append("every copy read is on a mirror host: grade M or L, not H")
    return out


@cache
def _entries() -> tuple[dict[str, Source], dict[str, str]]:
    folder = DATA.joinpath("sources")
    raw: dict[str, dict[str, Any]] = {}
    for entry_file in sorted(folder.iterdir(), key=lambda f: f.name):
        if not entry_file.name.endswith(".yaml") or entry_file.name.startswith("_"):
            continue
        part: dict[str, dict[str, Any]] = read_yaml("sources", entry_file.name) or {}
        for key in part:
            if key in raw:
                raise RuntimeError(f"sources/{entry_file.name}: key {key!r} defined twice")
        raw.update(part)
    out: dict[str, Source] = {}
    alias_of: dict[str, str] = {}
    for key, entry in raw.items():
        via = tuple(
            Copy(name=str(c["name"]), url=str(c.get("url", ""))) for c in entry.get("via") or ()
        )
        aliases = tuple(str(a) for a in entry.get("aliases") or ())
        for alias in aliases:
            if alias in raw or alias in alias_of:
                raise RuntimeError(f"sources: alias {alias!r} of {key!r} is already a key or alias")
            alias_of[alias] = key
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
            via=via,
            aliases=aliases,
        )
    return out, alias_of


def bibliography() -> dict[str, Source]:
    """All sources, keyed by slug (merged keys are not listed: see :func:`aliases`)."""
    return _entries()[0]


def aliases() -> dict[str, str]:
    """Keys merged into another entry, each with the key it resolves to."""
    return _entries()[1]


def resolve_source(key: str, where: str = "source") -> tuple[Source, str | None]:
    """Split ``key`` into its bibliography entry and clause; raise a clear error if unknown."""
    base, _, clause = key.partition(":")
    bib = bibliography()
    base = aliases().get(base, base)
    if base not in bib:
        raise ParameterError(
            N_(
                "{at}: unknown source {key}{hint}; add it to a file in chikuden/data/sources/ or "
                "cite an existing key",
                at=where,
                key=show(key),
                hint=did_you_mean(base, bib),
            )
        )
    src = bib[base]
    if clause and clause not in src.clauses:
        raise ParameterError(
            N_(
                "{at}: source {key!r} has no clause {clause}; allowed: {allowed}",
                at=where,
                key=base,
                clause=show(clause),
                allowed=", ".join(src.clauses) or N_("none"),
            )
        )
    return src, clause or None


def split_sources(text: str) -> tuple[str, ...]:
    """Split a ``;``-separated list of source keys."""
    return tuple(part.strip() for part in text.split(";") if part.strip())
