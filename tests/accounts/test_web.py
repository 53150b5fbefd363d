"""chikuden.web.auth mounted on a bare FastAPI app: sign-in, cookies, CSRF, roles, tokens,
expired and tampered sessions, the lockout over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.accounts.conftest import Clock, cheap

from chikuden.accounts import tokens
from chikuden.accounts.settings import SecuritySettings
from chikuden.accounts.users import Accounts, transaction
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.models import AuditLog
from chikuden.web.auth import (
    COOKIE,
    Identity,
    install,
    reader,
    require_role,
)

PW = "correct horse battery staple"


def make_app(ledger: Ledger, settings: SecuritySettings) -> tuple[FastAPI, list[str]]:
    """An app with one reading route, an editor's write and an admin's action; ``done``
    records the writes that went through."""
    app = FastAPI()
    install(app, ledger, settings, Accounts(settings, cheap()))
    done: list[str] = []

    @app.get("/read")
    def read(who: Identity | None = Depends(reader)) -> dict[str, str | None]:
        return {"user": None if who is None else who.username}

    @app.post("/api/actual")
    def write(who: Identity = Depends(require_role("editor"))) -> dict[str, str]:
        done.append(f"actual by {who.username}")
        return {"ok": who.username}

    @app.post("/form")
    async def form(
        request: Request, who: Identity = Depends(require_role("editor"))
    ) -> dict[str, str]:
        value = (await request.form()).get("value")
        done.append(f"form {value} by {who.username}")
        return {"ok": who.username}

    @app.post("/api/admin/thing")
    def admin(who: Identity = Depends(require_role("admin"))) -> dict[str, str]:
        done.append(f"admin by {who.username}")
        return {"ok": who.username}

    return app, done


@pytest.fixture
def users(ledger: Ledger, accounts: Accounts) -> Ledger:
    with transaction(ledger, "setup") as s:
        for name, role in (("ed", "editor"), ("vi", "viewer"), ("ad", "admin")):
            accounts.add(s, name, role, PW)
    return ledger


@pytest.fixture
def client(users: Ledger, settings: SecuritySettings) -> Iterator[TestClient]:
    app, _ = make_app(users, settings)
    with TestClient(app) as c:
        yield c


def form_csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page)
    assert found, page
    return found.group(1)


def login(client: TestClient, name: str, password: str = PW, nxt: str = "/") -> str:
    """Sign in through the form; returns the CSRF token of the new session."""
    page = client.get("/login")
    assert page.status_code == 200
    r = client.post(
        "/login",
        data={
            "username": name,
            "password": password,
            "csrf_token": form_csrf(page.text),
            "next": nxt,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    token = client.get("/api/session").json()["csrf_token"]
    assert isinstance(token, str)
    return token


def audit(ledger: Ledger) -> list[tuple[str, str, str, str | None]]:
    with ledger.transaction() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "denied").order_by(AuditLog.id))
        return [(a.who, a.record_id, a.table_name, a.field) for a in rows]


def test_sign_in_sets_a_new_safe_cookie(client: TestClient) -> None:
    page = client.get("/login")
    pre = client.cookies[COOKIE]
    assert "httponly" in page.headers["set-cookie"].lower()
    r = client.post(
        "/login",
        data={
            "username": "ed",
            "password": PW,
            "csrf_token": form_csrf(page.text),
            "next": "/read",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/read"
    cookie = r.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "max-age", "path", "samesite"} <= attributes
    assert "samesite=lax" in cookie.lower() and "max-age=28800" in cookie.lower()
    assert "secure" not in attributes  # plain http here; https: next test
    assert client.cookies[COOKIE] != pre  # a new session on sign-in (no fixation)
    assert client.get("/read").json() == {"user": "ed"}
    assert client.get("/api/session").json()["role"] == "editor"


def test_cookie_is_secure_over_https(users: Ledger, settings: SecuritySettings) -> None:
    app, _ = make_app(users, settings)
    with TestClient(app, base_url="https://testserver") as c:
        r = c.get("/login")
        assert "secure" in {p.strip().lower() for p in r.headers["set-cookie"].split(";")}


@pytest.mark.parametrize("nxt", ["//evil.example/x", "https://evil.example/", "\\\\evil"])
def test_no_open_redirect(client: TestClient, nxt: str) -> None:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": "ed", "password": PW, "csrf_token": form_csrf(page.text), "next": nxt},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_sign_in_form_needs_its_csrf_token(client: TestClient, users: Ledger) -> None:
    page = client.get("/login")
    base = {"username": "ed", "password": PW}
    missing = client.post("/login", data=base, follow_redirects=False)
    assert missing.status_code == 403 and "no CSRF token" in missing.json()["detail"]
    wrong = client.post("/login", data={**base, "csrf_token": "0" * 64}, follow_redirects=False)
    assert wrong.status_code == 403 and "does not match" in wrong.json()["detail"]
    assert client.get("/read").json() == {"user": None}
    assert [(who, field) for who, _, _, field in audit(users)] == [
        ("anonymous", "csrf"),
        ("anonymous", "csrf"),
    ]
    ok = client.post(
        "/login", data={**base, "csrf_token": form_csrf(page.text)}, follow_redirects=False
    )
    assert ok.status_code == 303


def test_wrong_password_shows_the_form_again(client: TestClient) -> None:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={
            "username": "ed",
            "password": "wrong password here",
            "csrf_token": form_csrf(page.text),
        },
    )
    assert r.status_code == 401
    assert "Wrong user name or password" in r.text and 'name="csrf_token"' in r.text
    assert client.get("/read").json() == {"user": None}


def test_japanese_sign_in_page(client: TestClient) -> None:
    r = client.get("/login?lang=ja")
    assert '<html lang="ja">' in r.text and "ログイン" in r.text


def test_csrf_on_api_and_forms(client: TestClient, users: Ledger) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    token = login(client, "ed")
    assert client.post("/api/actual").status_code == 403
    assert client.post("/api/actual", headers={"X-CSRF-Token": "f" * 64}).status_code == 403
    assert client.post("/form", data={"value": "1"}).status_code == 403
    r = client.post("/api/actual", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json() == {"ok": "ed"}
    r = client.post("/form", data={"value": "7", "csrf_token": token})
    assert r.status_code == 200
    assert [field for *_, field in audit(users)] == ["csrf"] * 3
    assert [who for who, *_ in audit(users)] == ["ed"] * 3


def test_role_escalation_is_refused_and_audited(users: Ledger, settings: SecuritySettings) -> None:
    app, done = make_app(users, settings)
    with TestClient(app) as c:
        token = login(c, "ed")
        r = c.post("/api/admin/thing", headers={"X-CSRF-Token": token})
        assert r.status_code == 403
        assert "needs the admin role, ed is editor" in r.json()["detail"]
        assert done == []  # nothing happened
        assert audit(users) == [("ed", "POST /api/admin/thing", "access", "role:admin")]
        login(c, "vi")
        assert c.post("/api/actual", headers={"X-CSRF-Token": token}).status_code == 403
        assert c.get("/read").json() == {"user": "vi"}  # a viewer reads
    with TestClient(app) as c:
        token = login(c, "ad")
        assert c.post("/api/admin/thing", headers={"X-CSRF-Token": token}).status_code == 200
        assert c.post("/api/actual", headers={"X-CSRF-Token": token}).status_code == 200
    assert done == ["admin by ad", "actual by ad"]


def test_not_signed_in(client: TestClient) -> None:
    r = client.post("/api/actual")
    assert r.status_code == 401 and "needs a signed-in user" in r.json()["detail"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_expired_session(client: TestClient, clock: Clock) -> None:
    token = login(client, "ed")
    clock.advance(8 * 3600)
    r = client.post("/api/actual", headers={"X-CSRF-Token": token})
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    assert client.get("/read").json() == {"user": None}  # reading is open: anonymous


def test_tampered_session(client: TestClient) -> None:
    token = login(client, "ed")
    value = client.cookies[COOKIE]
    client.cookies.clear()
    client.cookies.set(COOKIE, value[:-3] + ("abc" if not value.endswith("abc") else "xyz"))
    r = client.post("/api/actual", headers={"X-CSRF-Token": token})
    assert r.status_code == 401 and "not valid" in r.json()["detail"]


def test_password_reset_ends_sessions(
    client: TestClient, users: Ledger, accounts: Accounts, clock: Clock
) -> None:
    token = login(client, "ed")
    clock.advance(1)
    with transaction(users, "ad") as s:
        accounts.reset_password(s, "ed", "another long pass phrase")
    r = client.post("/api/actual", headers={"X-CSRF-Token": token})
    assert r.status_code == 401 and "session ended" in r.json()["detail"]


def test_logout_needs_csrf_and_ends_the_session(client: TestClient) -> None:
    token = login(client, "ed")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    r = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert COOKIE not in client.cookies
    assert client.get("/api/session").json()["user"] is None


def test_api_token(client: TestClient, users: Ledger, clock: Clock) -> None:
    with transaction(users, "ad") as s:
        user = Accounts().get(s, "ed")
        record, token = tokens.create(s, user, "script", clock)
    bearer = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/actual", headers=bearer)  # no cookie, so no CSRF token needed
    assert r.status_code == 200 and r.json() == {"ok": "ed"}
    assert client.post("/api/admin/thing", headers=bearer).status_code == 403
    assert client.get("/read", headers={"Authorization": "Bearer ckd_wrong"}).status_code == 401
    assert client.get("/read", headers={"Authorization": "Basic abc"}).status_code == 401
    with transaction(users, "ad") as s:
        tokens.revoke(s, record.id, clock)
    r = client.post("/api/actual", headers=bearer)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_reading_closed(users: Ledger, settings: SecuritySettings) -> None:
    app, _ = make_app(users, replace(settings, read_open=False))
    with TestClient(app) as c:
        assert c.get("/read").status_code == 401
        login(c, "vi")
        assert c.get("/read").json() == {"user": "vi"}


def test_lockout_over_http(client: TestClient, clock: Clock) -> None:
    page = client.get("/login")
    csrf = form_csrf(page.text)
    for _ in range(3):  # the fixture's limit: 3 failures per account in 900 s
        r = client.post("/login", data={"username": "ed", "password": "x" * 20, "csrf_token": csrf})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "ed", "password": PW, "csrf_token": csrf})
    assert r.status_code == 429 and r.headers["retry-after"] == "900"
    assert "Too many failed attempts; try again in 15 min." in r.text
    clock.advance(901)
    r = client.post(
        "/login",
        data={"username": "ed", "password": PW, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_install_refuses_without_a_secret_key(users: Ledger) -> None:
    from chikuden.accounts.errors import SecretKeyError

    with pytest.raises(SecretKeyError, match="CHIKUDEN_SECRET_KEY: not set"):
        install(FastAPI(), users, SecuritySettings(secret_key=None))


def test_a_tokens_last_use_is_noted_to_the_minute(
    client: TestClient, users: Ledger, clock: Clock
) -> None:
    """A script calling often writes the token's row once a minute, not on every call."""
    from chikuden.accounts.models import ApiToken

    with transaction(users, "ad") as s:
        record, token = tokens.create(s, Accounts().get(s, "ed"), "script", clock)
    bearer = {"Authorization": f"Bearer {token}"}

    def last_use() -> object:
        with users.reading() as s:
            return s.get(ApiToken, record.id).last_used_at  # type: ignore[union-attr]

    t0 = clock.now
    assert client.post("/api/actual", headers=bearer).status_code == 200
    assert last_use() == t0  # the first use is noted
    clock.advance(59)
    assert client.post("/api/actual", headers=bearer).status_code == 200
    assert last_use() == t0  # 59 s later: not written again
    clock.advance(1)
    assert client.post("/api/actual", headers=bearer).status_code == 200
    assert last_use() == t0 + dt.timedelta(seconds=60)
