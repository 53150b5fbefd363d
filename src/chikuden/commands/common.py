"""What every command shares: turning an input error into one line and exit code 2.

Only typer is imported at module level, so ``chikuden --help`` stays fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import NoReturn

import typer


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn a :class:`chikuden.errors.ChikudenError` into ``error: ...`` on stderr, exit 2."""
    from chikuden.errors import ChikudenError

    try:
        yield
    except ChikudenError as exc:
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        raise typer.Exit(code=2) from None


def fail(message: str) -> NoReturn:
    """Raise a :class:`chikuden.errors.ChikudenError` for a check a command makes itself."""
    from chikuden.errors import ChikudenError

    raise ChikudenError(message)
