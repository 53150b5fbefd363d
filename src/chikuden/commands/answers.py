"""The answers as terminal tables and JSON: ``chikuden answers`` and the top of ``compare``.

Statuses print as words (met, at risk, not met), never as colour alone.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chikuden.answers import Answer
    from chikuden.results import Results

DIFFERS = "≠"  # marks a question whose status differs between the scenarios


def by_scenario(results: Results, lang: str) -> list[list[Answer]]:
    """The answers of every scenario of ``results``."""
    from chikuden.answers import answers

    return [answers(results, lang, i) for i in range(results.n)]


def json_doc(results: Results, lang: str) -> list[dict[str, Any]]:
    """One document per scenario: its name and its answers."""
    return [
        {"scenario": results.names[i], "answers": [a.to_json() for a in found]}
        for i, found in enumerate(by_scenario(results, lang))
    ]


def table(results: Results, lang: str) -> str:
    """One scenario: question, status, answer. Several: the status and headline number of
    each side by side, the delta of each against the first, and ``≠`` where statuses differ."""
    from chikuden.answers import delta_text, format_key, status_word
    from chikuden.commands.tables import text_table
    from chikuden.i18n import translator

    _ = translator(lang).gettext
    found = by_scenario(results, lang)
    if results.n == 1:
        rows = [[a.question, status_word(a.status, lang), a.sentence] for a in found[0]]
        return text_table([_("question"), _("status"), _("answer")], rows)
    headers = [_("question")]
    for name in results.names:
        headers += [name, ""]
    for name in results.names[1:]:
        headers.append(_("delta {name}").format(name=name))
    headers.append(_("differs"))
    rows = []
    for q, first in enumerate(found[0]):
        row = [first.question]
        for i in range(results.n):
            a = found[i][q]
            value = a.headline_value
            number = format_key(results, a.headline, math.nan if value is None else value, lang)
            row += [status_word(a.status, lang), number]
        for i in range(1, results.n):
            row.append(
                delta_text(
                    results, first.headline, first.headline_value, found[i][q].headline_value, lang
                )
            )
        row.append(DIFFERS if len({found[i][q].status for i in range(results.n)}) > 1 else "")
        rows.append(row)
    right = [2 + 2 * i for i in range(results.n)] + list(
        range(1 + 2 * results.n, 1 + 2 * results.n + results.n - 1)
    )
    return text_table(headers, rows, right=right)
