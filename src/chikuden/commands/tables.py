"""Plain-text tables for the terminal, laid out by rich.

Every table the CLI prints goes through :func:`text_table`: a header, a rule of ``-`` under
each column and one line per row, columns two spaces apart, no border and no colour. rich
measures the cells, counting East Asian wide characters (Japanese labels) as two columns, so
the columns line up in a terminal whatever the language.

The table is rendered to a string by a console of its own: no colour codes or styles whether
or not stdout is a terminal, no wrapping (the console is wider than any table chikuden
prints, so the output does not depend on the terminal's width) and trailing spaces removed.
Imported only by the commands that print tables: rich stays off the path of ``--json``.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence

from rich import box
from rich.console import Console
from rich.table import Table

# Only the rule under the header is drawn: the third line of a rich box is the row between
# header and body (left edge, horizontal, column divider, right edge); spaces elsewhere.
RULE_UNDER_HEADER = box.Box("    \n    \n -  \n    \n    \n    \n    \n    \n", ascii=True)
WIDTH = 100_000
"""Console width [columns]: wider than any table, so that no cell wraps."""


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[int] = ()
) -> str:
    """An aligned plain-text table; columns whose index is in ``right`` align right."""
    table = Table(
        box=RULE_UNDER_HEADER,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),  # one space, plus the divider's: columns two spaces apart
        header_style=None,
        highlight=False,
    )
    for j, header in enumerate(headers):
        table.add_column(header, justify="right" if j in right else "left")
    for row in rows:
        table.add_row(*row)
    text = io.StringIO()
    console = Console(
        file=text,
        width=WIDTH,
        color_system=None,
        force_terminal=False,
        no_color=True,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
    )
    console.print(table)
    return "\n".join(line.rstrip() for line in text.getvalue().splitlines())
