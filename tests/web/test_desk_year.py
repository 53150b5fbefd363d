"""The desk through a year (issue 17, "Done when"): the annual review published, the revision
published and the next one opened, milestones added; the admin page adding users, resetting
passwords and revoking tokens; the JSON API for revisions, reviews, import and export; every
refused write audited. SQLite and PostgreSQL (tests/web/conftest.py)."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from tests.accounts.conftest import SECRET, Clock, cheap
from tests.web.test_desk import KPI, PW, audit_rows, csrf_of, make_client, seed_desk, sign_in

from chikuden.accounts import tokens
from chikuden.accounts.models import LoginAttempt
from chikuden.accounts.settings import SecuritySettings, utcnow
from chikuden.accounts.users import Accounts, transaction
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.models import Milestone, Review, Revision


@pytest.fixture
def ledger_url(db_url: str) -> str:
    seed_desk(db_url)
    return db_url


@pytest.fixture
def client(ledger_url: str) -> Iterator[TestClient]:
    with make_client(ledger_url) as c:
        yield c


def _h(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}


def _revisions(url: str) -> list[tuple[int, str, str | None]]:
    ledger = Ledger.open(url, user="tester")
    with ledger.reading() as s:
        rows = [(r.year, r.state, r.closed_by) for r in s.scalars(select(Revision))]
    ledger.close()
    return sorted(rows)


def test_a_year_on_the_desk(client: TestClient, ledger_url: str) -> None:
    """Review published by an editor; the next revision opened and published by an admin."""
    # The seed (data/roadmap) has revisions 2022 and 2023, both published.
    assert _revisions(ledger_url)[-1][:2] == (2023, "closed")
    mark = audit_rows(ledger_url)[-1].id
    sign_in(client, "ed")
    page = client.get("/roadmap/revisions")
    assert 'id="publish-review"' in page.text and 'id="open-revision"' not in page.text
    r = client.post("/roadmap/reviews", data={"csrf_token": csrf_of(page.text), "year": "2025"})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert re.search(r'data-review="\d+"><td>\d+</td><td><a href="/roadmap/review/2025', page.text)
    # an editor may not open a revision: 403, audited, nothing changed
    r = client.post("/roadmap/revisions", data={"csrf_token": csrf_of(page.text), "year": "2024"})
    assert r.status_code == 403
    assert audit_rows(ledger_url)[-1].action == "denied"
    client.cookies.clear()
    sign_in(client, "ad")
    page = client.get("/roadmap/revisions")
    csrf = csrf_of(page.text)
    assert 'id="publish-revision"' not in page.text  # none is open
    # publishing with none open: 400 with the ledger's message, audited as rejected
    r = client.post("/roadmap/revisions/publish", data={"csrf_token": csrf})
    assert r.status_code == 400 and 'id="error"' in r.text
    last = audit_rows(ledger_url)[-1]
    assert (last.who, last.action, last.table_name) == ("ad", "rejected", "revisions")
    # a year not after the latest revision: refused
    r = client.post("/roadmap/revisions", data={"csrf_token": csrf, "year": "2023"})
    assert r.status_code == 400 and "not after the latest revision 2023" in r.text
    r = client.post(
        "/roadmap/revisions", data={"csrf_token": csrf, "year": "2024", "note": "annual"}
    )
    assert r.status_code == 303, r.text
    assert _revisions(ledger_url)[-1] == (2024, "open", None)
    page = client.get("/roadmap/revisions")
    assert 'id="publish-revision"' in page.text
    r = client.post("/roadmap/revisions/publish", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert _revisions(ledger_url)[-1] == (2024, "closed", "ad")
    changes = [a for a in audit_rows(ledger_url) if a.table_name == "revisions" and a.id > mark]
    assert {(a.who, a.action) for a in changes} == {
        ("ad", "insert"),
        ("ad", "update"),
        ("ad", "rejected"),
    }


def test_open_a_revision_with_target_changes(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ad")
    csrf = csrf_of(client.get("/roadmap/revisions").text)
    changes = "kpi,year,value,unit,reason,source,note\nworkforce.trained,2030,35000,,why,x,\n"
    r = client.post(
        "/roadmap/revisions",
        data={"csrf_token": csrf, "year": "2024", "note": ""},
        files={"changes": ("changes.csv", changes.encode(), "text/csv")},
    )
    assert r.status_code == 303, r.text
    diff = client.get("/api/roadmap/revisions/diff", params={"a": 2023, "b": 2024}).json()
    assert [(d["kpi"], d["year"], d["new"], d["kind"]) for d in diff] == [
        ("workforce.trained", 2030, 35000.0, "changed")
    ]
    assert diff[0]["reasons"] == ["2024: why"]


def test_revision_and_review_api(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ed")
    h = _h(client)
    assert [r["year"] for r in client.get("/api/roadmap/revisions").json()] == [2022, 2023]
    r = client.post("/api/roadmap/reviews", json={"year": 2025}, headers=h)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["year"] == 2025 and doc["revision"] == 2023
    # the counts cover every KPI of the ledger once
    assert sum(doc["counts"].values()) == len(client.get("/api/roadmap/actuals").json() and
                                              _kpi_keys(ledger_url))  # fmt: skip
    listed = client.get("/api/roadmap/reviews").json()
    assert [(x["id"], x["created_by"]) for x in listed] == [(doc["id"], "ed")]
    r = client.post("/api/roadmap/revisions", json={"year": 2024}, headers=h)
    assert r.status_code == 403  # admins only
    client.cookies.clear()
    sign_in(client, "ad")
    h = _h(client)
    r = client.post("/api/roadmap/revisions", json={"year": 2024, "note": "n"}, headers=h)
    assert r.status_code == 201 and r.json()["state"] == "open"
    r = client.post("/api/roadmap/revisions", json={"year": 2024}, headers=h)
    assert r.status_code == 400 and "not after the latest revision 2024" in r.json()["detail"]
    r = client.post("/api/roadmap/revisions/publish", headers=h)
    assert r.status_code == 200 and r.json()["closed_by"] == "ad"
    assert client.post("/api/roadmap/revisions/publish", headers=h).status_code == 400
    r = client.get("/api/roadmap/revisions/diff", params={"a": 2023, "b": 1999})
    assert r.status_code == 400


def _kpi_keys(url: str) -> list[str]:
    from chikuden.roadmap.models import Kpi

    ledger = Ledger.open(url, user="tester")
    with ledger.reading() as s:
        keys = list(s.scalars(select(Kpi.key)))
    ledger.close()
    return keys


def test_add_a_milestone(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ed")
    page = client.get("/roadmap/milestones").text
    assert 'id="add-milestone"' in page
    form = {"csrf_token": csrf_of(page), "code": "MS-TEST-1", "pillar": "P9",
            "title_en": "A pilot line", "title_ja": "試作ライン", "due": "2027-03-31",
            "source": "test", "note": ""}  # fmt: skip
    r = client.post("/roadmap/milestones", data=form)
    assert r.status_code == 303, r.text
    assert 'data-milestone="MS-TEST-1"' in client.get("/roadmap/milestones").text
    # the same code again: 400, the form kept, audited
    r = client.post("/roadmap/milestones", data=form)
    assert r.status_code == 400 and "exists already" in r.text and 'value="試作ライン"' in r.text
    # a bad date: 400
    r = client.post("/roadmap/milestones", data=form | {"code": "MS-TEST-2", "due": "2027-13-01"})
    assert r.status_code == 400 and "due: " in r.text
    rejected = [a for a in audit_rows(ledger_url) if a.action == "rejected"]
    assert [(a.who, a.table_name, a.record_id) for a in rejected] == [
        ("ed", "milestones", "MS-TEST-1"),
        ("ed", "milestones", "MS-TEST-2"),
    ]
    # the API
    body = {"code": "MS-TEST-3", "pillar": "P9", "title_en": "x", "title_ja": "x",
            "source": "test"}  # fmt: skip
    r = client.post("/api/roadmap/milestones", json=body, headers=_h(client))
    assert r.status_code == 201 and r.json()["status"] == "open" and r.json()["version"] == 1
    r = client.post("/api/roadmap/milestones", json=body | {"code": "MS-X", "pillar": "P99"},
                    headers=_h(client))  # fmt: skip
    assert r.status_code == 400 and "P99" in r.json()["detail"]
    ledger = Ledger.open(ledger_url, user="tester")
    with ledger.reading() as s:
        codes = set(s.scalars(select(Milestone.code).where(Milestone.code.like("MS-TEST-%"))))
    ledger.close()
    assert codes == {"MS-TEST-1", "MS-TEST-3"}


def test_import_and_export_api(client: TestClient, ledger_url: str) -> None:
    r = client.get("/api/roadmap/export")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    assert "actuals" in book.sheetnames and "users" not in book.sheetnames
    sign_in(client, "ed")
    h = _h(client)
    good = f"kpi,year,value,unit,source,note\n{KPI},2024,40,GWh,test,\n"
    bad = good + f"{KPI},2025,-5,GWh,test,\nnope,2025,1,,test,\n"
    r = client.post("/api/roadmap/import", files={"file": ("a.csv", bad.encode())}, headers=h)
    assert r.status_code == 400
    assert [p["row"] for p in r.json()["problems"]] == [3, 4]
    assert "nothing was imported" in r.json()["detail"]
    assert [a["year"] for a in client.get(f"/api/roadmap/actuals?kpi={KPI}").json()] == [2022]
    r = client.post("/api/roadmap/import", files={"file": ("a.txt", b"x")}, headers=h)
    assert r.status_code == 400 and "not .xlsx or .csv" in r.json()["detail"]
    r = client.post("/api/roadmap/import", files={"file": ("a.csv", good.encode())}, headers=h)
    assert r.status_code == 200 and r.json() == {"imported": 1}
    rejected = [a for a in audit_rows(ledger_url) if a.action == "rejected"]
    assert [(a.who, a.record_id) for a in rejected] == [("ed", "import"), ("ed", "import")]


def test_admin_adds_users_resets_passwords_revokes_tokens(
    client: TestClient, ledger_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in(client, "ad")
    page = client.get("/roadmap/users")
    assert page.headers["cache-control"] == "no-store"
    csrf = csrf_of(page.text)
    typed = "a fresh pass phrase for the new one"
    form = {"csrf_token": csrf, "username": "carol", "role": "editor",
            "display_name": "Carol", "password": typed, "password2": typed + "x"}  # fmt: skip
    r = client.post("/roadmap/users", data=form)
    assert r.status_code == 400 and "the two entries differ" in r.text
    r = client.post("/roadmap/users", data=form | {"password2": typed})
    assert r.status_code == 303, re.findall(r'id="error">([^<]*)', r.text)
    with make_client(ledger_url) as other:
        sign_in(other, "carol", typed)
    # a generated one-time password, shown once
    r = client.post("/roadmap/users", data={"csrf_token": csrf, "username": "dan",
                                            "role": "viewer", "generate": "1"})  # fmt: skip
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    found = re.search(r'<code id="one-time-password">([^<]+)</code>', r.text)
    assert found and len(found.group(1)) == 24
    generated = found.group(1)
    with make_client(ledger_url) as other:
        sign_in(other, "dan", generated)
        # reset carol's password: her session ends
        sign_in(other, "carol", typed)
        r = client.post("/roadmap/users/carol/password", data={"csrf_token": csrf,
                                                                "generate": "1"})  # fmt: skip
        assert r.status_code == 200
        new = re.search(r'<code id="one-time-password">([^<]+)</code>', r.text)
        assert new and new.group(1) != generated
        assert other.get("/api/session").json()["user"] is None
        sign_in(other, "carol", new.group(1))
    # a weak typed password: 400, audited, nothing changed
    weak = {"csrf_token": csrf, "password": "short", "password2": "short"}
    r = client.post("/roadmap/users/carol/password", data=weak)
    assert r.status_code == 400
    # tokens: listed and revoked
    ledger = Ledger.open(ledger_url, user="tester")
    accounts = Accounts(SecuritySettings(secret_key=SECRET), cheap())
    with transaction(ledger, "setup") as s:
        record, secret = tokens.create(s, accounts.get(s, "ed"), "nightly", utcnow)
    ledger.close()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/session", headers=bearer).json()["user"] == "ed"
    assert f'data-token="{record.id}"' in client.get("/roadmap/users").text
    r = client.post(f"/roadmap/tokens/{record.id}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 303
    with make_client(ledger_url) as other:
        assert other.get("/api/session", headers=bearer).status_code == 401
    assert client.post("/roadmap/tokens/9999/revoke", data={"csrf_token": csrf}).status_code == 404
    rejected = [(a.who, a.table_name, a.record_id) for a in audit_rows(ledger_url)
                if a.action == "rejected"]  # fmt: skip
    assert rejected == [("ad", "users", "carol"), ("ad", "users", "carol"),
                        ("ad", "users", "token 9999")]  # fmt: skip
    # no password, typed or generated, in any log line or audit row
    audit = " ".join(f"{a.old} {a.new}" for a in audit_rows(ledger_url))
    for password in (typed, generated, new.group(1)):
        assert password not in caplog.text and password not in audit


def test_an_editor_cannot_use_the_admin_forms(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ed")
    csrf = csrf_of(client.get("/roadmap").text)
    for path, data in (
        ("/roadmap/users", {"username": "eve", "role": "admin", "generate": "1"}),
        ("/roadmap/users/ed/password", {"generate": "1"}),
        ("/roadmap/users/ed", {"role": "admin"}),
    ):
        r = client.post(path, data={"csrf_token": csrf, **data})
        assert r.status_code == 403, path
    denied = [a for a in audit_rows(ledger_url) if a.action == "denied"]
    assert [(a.who, a.field) for a in denied] == [("ed", "role:admin")] * 3


def test_expired_session_and_no_session_writes_are_audited(ledger_url: str) -> None:
    clock = Clock(utcnow())
    security = SecuritySettings(secret_key=SECRET, clock=clock)
    from chikuden.web.app import Settings, create_app

    app = create_app(
        Settings(db=ledger_url, secret_key=SECRET), accounts=Accounts(security, cheap())
    )
    with TestClient(app, follow_redirects=False) as c:
        sign_in(c, "ed")
        h = _h(c)
        clock.advance(security.session_max_age_s + 1)
        r = c.post("/api/roadmap/milestones", json={}, headers=h)
        assert r.status_code == 401
    last = audit_rows(ledger_url)[-1]
    assert (last.who, last.action, last.field, last.record_id) == (
        "anonymous",
        "denied",
        "sign-in",
        "POST /api/roadmap/milestones",
    )


def test_old_sign_in_attempts_are_pruned(ledger_url: str) -> None:
    """Attempts older than attempts_kept_s go at the next sign-in; younger ones stay."""
    from chikuden.accounts.users import sign_in as do_sign_in

    clock = Clock(utcnow())
    security = SecuritySettings(secret_key=SECRET, clock=clock, attempts_kept_s=86400)
    accounts = Accounts(security, cheap())
    ledger = Ledger.open(ledger_url, user="tester")
    do_sign_in(ledger, accounts, "ed", PW, "10.0.0.1")
    clock.advance(3600)
    do_sign_in(ledger, accounts, "ed", PW, "10.0.0.2")
    clock.advance(86400 - 3600 + 1)  # the first is now a day and a second old, the second not
    do_sign_in(ledger, accounts, "ed", PW, "10.0.0.3")
    with ledger.reading() as s:
        kept = sorted(a.address for a in s.scalars(select(LoginAttempt)))
    ledger.close()
    assert kept == ["10.0.0.2", "10.0.0.3"]


def test_reading_takes_no_write_lock(tmp_path: Path) -> None:
    """While another connection holds the SQLite write lock (BEGIN IMMEDIATE), a page read
    goes through; in a writing unit of work it would wait for the lock. (SQLite only: the lock
    is SQLite's.)"""
    import sqlite3
    import threading

    path = str(tmp_path / "lock.sqlite")
    ledger_url = f"sqlite:///{path}"
    seed_desk(ledger_url)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    ledger = Ledger.open(ledger_url, user="tester")
    seen: list[int] = []

    def read() -> None:
        with ledger.reading() as s:
            seen.append(len(list(s.scalars(select(Review.id)))))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(timeout=20)  # a hang guard: a blocked read waits for busy_timeout (60 s)
    blocked = thread.is_alive()
    writer.execute("ROLLBACK")
    writer.close()
    thread.join()
    ledger.close()
    assert not blocked and seen == [0]


def test_a_refused_input_with_control_characters_keeps_export_and_backup_working(
    client: TestClient, ledger_url: str
) -> None:
    """Found by the fuzz test: a refused write quoting a control character in the audit log
    made the export fail (a worksheet cannot hold one) and the backup unrestorable (the
    check refuses control characters). The audit row holds its escape instead."""

    from chikuden.roadmap import backup

    sign_in(client, "ed")
    r = client.put("/api/roadmap/actuals/no%01such/2025", json={"version": 1, "value": 1},
                   headers=_h(client))  # fmt: skip
    assert r.status_code == 400
    last = audit_rows(ledger_url)[-1]
    assert (last.action, last.record_id) == ("rejected", "no\\x01such/2025")
    assert client.get("/api/roadmap/export").status_code == 200
    ledger = Ledger.open(ledger_url, user="tester")
    with ledger.reading() as s:
        doc = backup.dump(s)
    with ledger.transaction() as s:  # checked, then written over the same ledger
        assert backup.restore(s, doc, replace=True) == sum(
            len(t["rows"]) for t in doc["tables"].values()
        )
    ledger.close()


def test_a_nul_in_a_key_is_400_not_a_server_error(client: TestClient) -> None:
    """Found by the fuzz test on PostgreSQL, which cannot compare text holding a NUL: the
    reads that look a key or name up refuse control characters first."""
    for path in ("/api/roadmap/actuals?kpi=a%00b", "/roadmap/kpi/a%00b", "/roadmap/audit?user=%00",
                 "/roadmap/audit?table=%01"):  # fmt: skip
        r = client.get(path)
        assert r.status_code == 400, path
        assert "holds control characters" in r.text
