"""Errors of the roadmap ledger: each one line a user can act on (the CLI exits with code 2)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from chikuden.errors import N_, ChikudenError, Msg


class LedgerError(ChikudenError):
    """A request the ledger cannot carry out: unknown key, bad value, missing ledger."""


class LedgerNotFoundError(LedgerError):
    """No ledger (or an outdated one) at the database URL."""


class ConflictError(LedgerError):
    """Someone else changed the record since it was read (optimistic locking). ``current``:
    the record as the ledger found it, when it found one (the desk shows it next to the
    value sent), else None."""

    current: object = None


@dataclass(frozen=True)
class RowProblem:
    """One bad row of an imported file: its row number as the spreadsheet shows it (the
    header is row 1), the field, the value and the reason (a one-line message that names the
    field and value, what is allowed and what to do)."""

    row: int
    field: str
    value: object
    reason: str
    msg: Msg | None = dataclasses.field(default=None, compare=False, repr=False)
    """The reason as a :class:`~chikuden.errors.Msg` (the desk shows it in the page's
    language); None: ``reason`` reads English everywhere."""

    @classmethod
    def of(cls, row: int, field: str, value: object, reason: Msg | ChikudenError) -> RowProblem:
        """A problem whose reason is a message (or a refused check's error)."""
        msg = reason.msg if isinstance(reason, ChikudenError) else reason
        return cls(row, field, value, str(reason), msg)

    def line(self) -> str:
        return f"row {self.row}: {self.reason}"

    def localized(self, lang: str) -> str:
        """The reason in ``lang``."""
        return self.reason if self.msg is None else self.msg.localized(lang)


class ImportRejectedError(LedgerError):
    """A file with bad rows (or a bad shape): nothing of it was imported."""

    def __init__(self, name: str, problems: Sequence[RowProblem]) -> None:
        self.name = name
        self.problems = list(problems)
        rows = len({p.row for p in self.problems})
        self.head = (
            N_(
                "{name}: {rows} bad row, nothing was imported; correct these rows and import "
                "the file again",
                name=name,
                rows=rows,
            )
            if rows == 1
            else N_(
                "{name}: {rows} bad rows, nothing was imported; correct these rows and import "
                "the file again",
                name=name,
                rows=rows,
            )
        )
        """The first line (the desk shows it, in the page's language, above the rows)."""
        super().__init__("\n".join([str(self.head), *(p.line() for p in self.problems)]))
