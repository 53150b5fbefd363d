"""`chikuden users ...`: the accounts of the roadmap desk (issue 17).

::

    chikuden users add alice --role editor --display-name "Alice Sato"   # asks for the password
    printf '%s\\n' "$PW" | chikuden users add bot --role editor --password-stdin
    chikuden users list
    chikuden users set-role alice admin
    chikuden users reset-password alice
    chikuden users disable alice
    chikuden users token create bot --name "nightly import"              # shown once
    chikuden users token list
    chikuden users token revoke 3

Users live in the ledger (``--db URL`` or ``$CHIKUDEN_DB``, as for ``chikuden roadmap``; run
``chikuden roadmap upgrade`` once on a ledger made before accounts existed). A password is
never an argument (it would stay in the shell's history and the process list): it is asked
twice on the terminal, or read as one line from standard input with ``--password-stdin``.
Every change is in the audit log under ``--user`` (default: the OS user). Bad input prints one
``error:`` line and exits with code 2, changing nothing.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from chikuden.commands.common import OneLineGroup
from chikuden.commands.roadmap import (
    DbOpt,
    UserOpt,
    _accepts_group_options,
    _errors,
    _ledger,
    _table,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from chikuden.accounts.users import Accounts

app = typer.Typer(
    cls=OneLineGroup,
    no_args_is_help=True,
    help="Accounts of the roadmap desk: users, roles (viewer < editor < admin), API tokens.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
token_app = typer.Typer(
    cls=OneLineGroup, no_args_is_help=True, help="API tokens for scripts (Bearer)."
)
app.add_typer(token_app, name="token")

NameArg = Annotated[str, typer.Argument(help="The user name (a-z, 0-9, '.', '_', '@', '-').")]
RoleHelp = "viewer (reads), editor (enters actuals, milestones, targets) or admin (everything)."
StdinOpt = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password as one line from standard input."),
]


@app.callback()
def _options(ctx: typer.Context, db: DbOpt = None, user: UserOpt = None) -> None:
    ctx.obj = {"db": db, "user": user}


@contextlib.contextmanager
def _accounts(ctx: typer.Context) -> Iterator[tuple[Session, Accounts]]:
    """One transaction on the ledger (audited under --user), inside the error handler."""
    from chikuden.accounts.users import Accounts

    with _errors(), _ledger(ctx) as ledger, ledger.transaction() as session:
        yield session, Accounts()


def _password(from_stdin: bool) -> str:
    """The new password, from standard input (one line) or asked twice on the terminal."""
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    try:
        value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    except typer.Abort:  # end of input before a password (no terminal, nothing piped)
        typer.echo(
            "error: password: none given; type it when asked, or pipe one line into "
            "--password-stdin",
            err=True,
        )
        raise typer.Exit(code=2) from None
    return value


@app.command()
def add(
    ctx: typer.Context,
    name: NameArg,
    role: Annotated[str, typer.Option("--role", help=RoleHelp)],
    display_name: Annotated[
        str, typer.Option("--display-name", help="The name shown on the pages.")
    ] = "",
    password_stdin: StdinOpt = False,
) -> None:
    """Add a user with a role and a password (asked, or --password-stdin)."""
    from chikuden.accounts.roles import check_role
    from chikuden.accounts.users import check_username

    with _errors():
        check_username(name)  # before asking for a password
        check_role(role, "--role")
    password = _password(password_stdin)
    with _accounts(ctx) as (session, accounts):
        user = accounts.add(session, name, role, password, display_name)
        text = f"user {user.username}: added as {user.role}"
    typer.echo(text)


@app.command("list")
def list_users(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The users: name, display name, role, disabled, created."""
    with _accounts(ctx) as (session, accounts):
        users = [
            {
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role,
                "disabled": u.disabled,
                "created_at": u.created_at.isoformat(timespec="seconds"),
            }
            for u in accounts.list(session)
        ]
    if as_json:
        typer.echo(json.dumps(users, ensure_ascii=False, indent=2))
        return
    rows = [
        [
            str(u["username"]),
            str(u["display_name"]),
            str(u["role"]),
            "yes" if u["disabled"] else "",
            str(u["created_at"]),
        ]
        for u in users
    ]
    _table(["user", "name", "role", "disabled", "created (UTC)"], rows)


@app.command()
def disable(ctx: typer.Context, name: NameArg) -> None:
    """Disable a user: no sign-in, sessions end, tokens stop working."""
    with _accounts(ctx) as (session, accounts):
        user = accounts.disable(session, name)
        text = f"user {user.username}: disabled"
    typer.echo(text)


@app.command()
def enable(ctx: typer.Context, name: NameArg) -> None:
    """Enable a disabled user again."""
    with _accounts(ctx) as (session, accounts):
        user = accounts.disable(session, name, disabled=False)
        text = f"user {user.username}: enabled"
    typer.echo(text)


@app.command("set-role")
def set_role(
    ctx: typer.Context,
    name: NameArg,
    role: Annotated[str, typer.Argument(help=RoleHelp)],
) -> None:
    """Give a user another role."""
    with _accounts(ctx) as (session, accounts):
        user = accounts.set_role(session, name, role)
        text = f"user {user.username}: {user.role}"
    typer.echo(text)


@app.command("reset-password")
def reset_password(ctx: typer.Context, name: NameArg, password_stdin: StdinOpt = False) -> None:
    """Set a new password (asked, or --password-stdin); the user's sessions end."""
    from chikuden.accounts.users import check_username

    with _errors():
        check_username(name)
    password = _password(password_stdin)
    with _accounts(ctx) as (session, accounts):
        user = accounts.reset_password(session, name, password)
        text = f"user {user.username}: new password set"
    typer.echo(text)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: NameArg,
    label: Annotated[str, typer.Option("--name", help="What the token is for.")],
) -> None:
    """Make an API token for a user; it is printed once and cannot be shown again."""
    from chikuden.accounts import tokens

    with _accounts(ctx) as (session, accounts):
        user = accounts.get(session, name)
        record, token = tokens.create(session, user, label, accounts.settings.now)
        text = f"token {record.id} for {user.username} ({record.name}):"
    typer.echo(text)
    typer.echo(token)
    typer.echo("keep it now: it is stored hashed and cannot be shown again", err=True)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
) -> None:
    """The API tokens (never the tokens themselves): id, user, name, made, last used, revoked."""
    from chikuden.accounts import tokens

    def when(value: object) -> str:
        return "" if value is None else f"{value:%Y-%m-%d %H:%M}"

    with _accounts(ctx) as (session, accounts):
        user = accounts.get(session, name) if name else None
        rows = [
            [
                str(t.id),
                u.username,
                t.name,
                when(t.created_at),
                when(t.last_used_at),
                when(t.revoked_at),
            ]
            for t, u in tokens.list_tokens(session, user)
        ]
    _table(["id", "user", "name", "made (UTC)", "last used", "revoked"], rows)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="The token's id (see `users token list`).")],
) -> None:
    """Revoke an API token: it stops working at once."""
    from chikuden.accounts import tokens

    with _accounts(ctx) as (session, accounts):
        record = tokens.revoke(session, token_id, accounts.settings.now)
        text = f"token {record.id}: revoked"
    typer.echo(text)


for _group in (app, token_app):
    for _info in _group.registered_commands:
        assert _info.callback is not None
        _info.callback = _accepts_group_options(_info.callback)
