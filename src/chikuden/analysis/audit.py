"""The consistency audit: the proposal's own arithmetic, checked, as findings with sources.

(Being written.) ``findings(results, i)`` returns one :class:`Finding` per check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chikuden.results import Results


@dataclass(frozen=True)
class Finding:
    """One checked statement of the proposal."""

    id: str
    clause: str  # "P1"
    status: str  # "ok" (holds), "warn" (does not hold or is doubtful), "info"
    text_en: str
    text_ja: str
    sources: tuple[str, ...] = field(default_factory=tuple)

    def text(self, lang: str) -> str:
        return self.text_ja if lang == "ja" else self.text_en


def findings(results: Results, i: int = 0) -> list[Finding]:
    """The audit findings for scenario ``i`` of ``results``."""
    return []
