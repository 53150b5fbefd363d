"""Errors of the roadmap ledger: each one line a user can act on (the CLI exits with code 2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chikuden.errors import ChikudenError


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

    def line(self) -> str:
        return f"row {self.row}: {self.reason}"


class ImportRejectedError(LedgerError):
    """A file with bad rows (or a bad shape): nothing of it was imported."""

    def __init__(self, name: str, problems: Sequence[RowProblem]) -> None:
        self.name = name
        self.problems = list(problems)
        rows = len({p.row for p in self.problems})
        head = (
            f"{name}: {rows} bad row{'s' if rows != 1 else ''}, nothing was imported; "
            "correct these rows and import the file again"
        )
        super().__init__("\n".join([head, *(p.line() for p in self.problems)]))
