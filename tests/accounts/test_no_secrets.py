"""Passwords, password hashes, API tokens and their hashes appear in no log line (every
logger at DEBUG, SQLAlchemy's statement log included), no audit row, no export and no
`chikuden roadmap audit` output. The backup holds the current password and token hashes
(a restored desk signs its users in as before) and nothing else of them: no password, no
token, no earlier hash."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from tests.accounts.conftest import Clock
from typer.testing import CliRunner

from chikuden.accounts import tokens
from chikuden.accounts.errors import AuthenticationError
from chikuden.accounts.models import ApiToken, User
from chikuden.accounts.settings import SecuritySettings
from chikuden.accounts.users import Accounts, sign_in, transaction
from chikuden.commands.roadmap import app as roadmap_app
from chikuden.roadmap.backup import dump
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.exchange import export_ledger
from chikuden.roadmap.models import AuditLog
from chikuden.web.auth import install

FIRST = "first pass phrase of the lead"
SECOND = "second pass phrase of the lead"
WRONG = "a wrong guess at the phrase"


def test_no_secret_is_logged_audited_or_exported(
    ledger: Ledger,
    accounts: Accounts,
    settings: SecuritySettings,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # the statements, as echo=True
    with transaction(ledger, "admin") as s:
        accounts.add(s, "carol", "admin", FIRST)
        first_hash = accounts.get(s, "carol").password_hash
    sign_in(ledger, accounts, "carol", FIRST, "10.0.0.1")
    with pytest.raises(AuthenticationError):
        sign_in(ledger, accounts, "carol", WRONG, "10.0.0.1")
    with transaction(ledger, "admin") as s:
        accounts.reset_password(s, "carol", SECOND)
        _, token = tokens.create(s, accounts.get(s, "carol"), "script", clock)
    with ledger.transaction() as s:
        tokens.verify(s, token, clock)
    app = FastAPI()
    install(app, ledger, settings, accounts)
    with TestClient(app) as client:
        page = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
        assert csrf is not None
        for password in (WRONG, SECOND):
            client.post(
                "/login",
                data={"username": "carol", "password": password, "csrf_token": csrf.group(1)},
            )
        assert client.get("/api/session").json()["user"] == "carol"
        client.get("/api/session", headers={"Authorization": f"Bearer {token}"})
    with ledger.transaction() as s:
        second_hash = s.scalars(select(User.password_hash)).one()
        token_hash = s.scalars(select(ApiToken.token_hash)).one()
        audit_rows = [
            json.dumps([a.who, a.action, a.table_name, a.record_id, a.field, a.old, a.new])
            for a in s.scalars(select(AuditLog))
        ]
        backup = json.dumps(dump(s), ensure_ascii=False)
        export_ledger(s, tmp_path / "ledger.xlsx")
    book = load_workbook(tmp_path / "ledger.xlsx", read_only=True)
    cells = "\n".join(
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
    )
    audit_cli = (
        CliRunner().invoke(roadmap_app, ["--db", ledger.url, "audit", "--limit", "1000"]).stdout
    )
    secrets = {
        "first password": FIRST,
        "second password": SECOND,
        "wrong password": WRONG,
        "first hash": first_hash.rsplit("$", 1)[1],
        "second hash": second_hash.rsplit("$", 1)[1],
        "first salt": first_hash.split("$")[-2],
        "token": token,
        "token body": token.removeprefix("ckd_"),
        "token hash": token_hash,
    }
    assert first_hash != second_hash
    # The places were filled: the log has the sign-ins, the audit the users' changes.
    assert "sign-in of carol" in caplog.text and "INSERT INTO users" in caplog.text
    assert any("<secret>" in row for row in audit_rows)
    places = {
        "log": caplog.text,
        "audit log": "\n".join(audit_rows),
        "backup": backup,
        "export": cells,
        "roadmap audit": audit_cli,
    }
    restorable = {"second hash", "token hash"}  # what a restore needs, in the backup only
    leaks = [
        f"{what} in the {where}"
        for where, text in places.items()
        for what, secret in secrets.items()
        if secret in text and not (where == "backup" and what in restorable)
    ]
    assert leaks == []
    assert second_hash in backup and token_hash in backup
