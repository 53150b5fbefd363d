"""`chikuden users ...` through typer's CliRunner, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from chikuden.accounts.models import ApiToken, User
from chikuden.accounts.passwords import Passwords
from chikuden.cli import app
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.models import AuditLog

runner = CliRunner()
PW = "correct horse battery staple"


def run(ledger: Ledger, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["users", "--db", ledger.url, "--user", "root-admin", *args], input=stdin
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_users_end_to_end(ledger: Ledger) -> None:
    code, out, _ = run(
        ledger, "add", "alice", "--role", "editor", "--password-stdin", stdin=PW + "\n"
    )
    assert (code, out) == (0, "user alice: added as editor\n")
    # Asked on the terminal: twice, the second must agree.
    code, out, err = run(
        ledger, "add", "bob", "--role", "viewer", "--display-name", "Bob Ito", stdin=f"{PW}\n{PW}\n"
    )
    assert code == 0 and "added as viewer" in out and "Repeat for confirmation" in err
    code, out, _ = run(ledger, "list", "--json")
    listed = json.loads(out)
    assert [(u["username"], u["display_name"], u["role"], u["disabled"]) for u in listed] == [
        ("alice", "", "editor", False),
        ("bob", "Bob Ito", "viewer", False),
    ]
    assert run(ledger, "set-role", "bob", "admin")[1] == "user bob: admin\n"
    assert run(ledger, "disable", "bob")[1] == "user bob: disabled\n"
    assert run(ledger, "enable", "bob")[1] == "user bob: enabled\n"
    new = "a brand new pass phrase"
    assert run(ledger, "reset-password", "alice", "--password-stdin", stdin=new + "\n")[0] == 0
    with ledger.transaction() as s:
        alice = s.scalars(select(User).where(User.username == "alice")).one()
        assert Passwords().verify(alice.password_hash, new)
        assert not Passwords().verify(alice.password_hash, PW)
        who = set(s.scalars(select(AuditLog.who).where(AuditLog.table_name == "users")))
    assert who == {"root-admin"}
    code, out, _ = run(ledger, "list")
    assert code == 0 and "bob" in out and "admin" in out


def test_tokens(ledger: Ledger) -> None:
    run(ledger, "add", "bot", "--role", "editor", "--password-stdin", stdin=PW + "\n")
    code, out, err = run(ledger, "token", "create", "bot", "--name", "nightly import")
    assert code == 0 and "cannot be shown again" in err
    head, token = out.splitlines()
    assert head == "token 1 for bot (nightly import):" and token.startswith("ckd_")
    code, out, _ = run(ledger, "token", "list")
    assert "nightly import" in out and token not in out
    assert run(ledger, "token", "revoke", "1")[1] == "token 1: revoked\n"
    with ledger.transaction() as s:
        assert s.scalars(select(ApiToken.revoked_at)).one() is not None
    code, _, err = run(ledger, "token", "revoke", "7")
    assert code == 2 and "no token 7" in err


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("add", "alice", "--role", "boss", "--password-stdin"), PW, "'boss' is not a role"),
        (("add", "alice", "--role", "editor", "--password-stdin"), "short", "too short"),
        (("add", "Bad Name", "--role", "editor", "--password-stdin"), PW, "is not allowed"),
        (("add", "alice", "--role", "editor", "--password", PW), None, "No such option"),
        (("set-role", "nobody", "admin"), None, "no user 'nobody'"),
        (("disable", "nobody"), None, "no user 'nobody'"),
        (("token", "create", "nobody", "--name", "x"), None, "no user 'nobody'"),
        (("reset-password", "nobody", "--password-stdin"), PW, "no user 'nobody'"),
    ],
)
def test_bad_input_exits_2_and_changes_nothing(
    ledger: Ledger, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    code, out, err = run(ledger, *args, stdin=None if stdin is None else stdin + "\n")
    assert code == 2 and message in err and out == ""
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    with ledger.transaction() as s:
        assert s.scalars(select(User)).all() == []
        assert s.scalars(select(AuditLog)).all() == []


def test_no_password_on_input_is_exit_2(ledger: Ledger) -> None:
    code, out, err = run(ledger, "add", "alice", "--role", "editor", stdin="")
    assert code == 2 and out.strip() == "" and "error: password: none given" in err
    with ledger.transaction() as s:
        assert s.scalars(select(User)).all() == []


def test_duplicate_user(ledger: Ledger) -> None:
    run(ledger, "add", "alice", "--role", "editor", "--password-stdin", stdin=PW + "\n")
    code, _, err = run(
        ledger, "add", "alice", "--role", "admin", "--password-stdin", stdin=PW + "\n"
    )
    assert code == 2 and "'alice' exists already" in err
