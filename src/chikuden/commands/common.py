"""What every command shares: turning an input error, or a command line that cannot be parsed,
into one line and exit code 2.

Only typer is imported at module level, so ``chikuden --help`` stays fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

try:
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - typer before 0.20 uses click itself
    from click.exceptions import NoArgsIsHelpError, UsageError  # type: ignore[no-redef,import-not-found,assignment,unused-ignore]


@contextlib.contextmanager
def user_errors(options: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a :class:`chikuden.errors.ChikudenError` into ``error: ...`` on stderr, exit 2.

    ``options``: the command's option for each field the model names: a message that starts
    with a field (``country 'XX' is not ...``) names the option (``--country 'XX' is not ...``).
    """
    from chikuden.errors import ChikudenError

    try:
        yield
    except ChikudenError as exc:
        message = " ".join(str(exc).split())
        field = message.split(" ", 1)[0]
        if options and field in options:
            message = options[field] + message[len(field) :]
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code=2) from None


def fail(message: str) -> NoReturn:
    """Raise a :class:`chikuden.errors.ChikudenError` for a check a command makes itself."""
    from chikuden.errors import ChikudenError

    raise ChikudenError(message)


class _OneLineUsageError(UsageError):
    """A mistyped command line, shown as one ``error:`` line (exit code 2) like every other
    input error, with the command whose ``--help`` explains it."""

    def show(self, file: Any = None) -> None:
        where = f"; see `{self.ctx.command_path} --help`" if self.ctx is not None else ""
        message = " ".join(self.format_message().split()).rstrip(".")
        message = message.replace("Value error, ", "")  # typer's wording of a bad choice
        typer.echo(f"error: {message}{where}", err=True)


class OneLineGroup(TyperGroup):
    """Every command group of chikuden: a command line it cannot parse (an unknown command or
    option, a missing or malformed value) is one ``error:`` line with exit code 2, and a
    group called without a command prints its help (exit code 0)."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _one_line_usage():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _one_line_usage():
            return super().invoke(ctx)


@contextlib.contextmanager
def _one_line_usage() -> Iterator[None]:
    try:
        yield
    except NoArgsIsHelpError as exc:
        assert exc.ctx is not None
        typer.echo(exc.ctx.get_help())
        raise typer.Exit(0) from None
    except _OneLineUsageError:
        raise
    except UsageError as exc:
        raise _OneLineUsageError(exc.format_message(), exc.ctx) from None
