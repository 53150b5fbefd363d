"""The roadmap desk over HTTP (TestClient, SQLite and PostgreSQL as tests/web): sign-in, the
board, entering and correcting actuals with optimistic locking, CSRF, roles, the audit log
naming the web user, the JSON write API."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.accounts.conftest import SECRET, Clock, cheap

from chikuden.accounts.models import User
from chikuden.accounts.settings import SecuritySettings, utcnow
from chikuden.accounts.users import Accounts, transaction
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.models import Actual, AuditLog, Kpi
from chikuden.roadmap.seed import seed
from chikuden.web.app import Settings, create_app

PW = "correct horse battery staple"
KPI = "capacity.domestic_operating"
# capacity.domestic_operating in the seeded ledger: baseline 20 GWh in 2022, target 150 GWh in
# 2030 (revisions 2022 and 2023 alike), no actual after 2022. The path in 2025 is
# 20 + (150 - 20) * (2025 - 2022) / (2030 - 2022) = 20 + 130 * 3 / 8 = 68.75 GWh, so an actual
# of 68.75 is a progress ratio of 1 (on track, threshold 0.9) and one of 30 a ratio of
# (30 - 20) / 48.75 = 0.205 (off track, below 0.6).


def make_client(db_url: str, read_open: bool = True) -> TestClient:
    security = SecuritySettings(secret_key=SECRET, read_open=read_open, account_max_failures=3)
    app = create_app(
        Settings(db=db_url, secret_key=SECRET, open_read=read_open),
        accounts=Accounts(security, cheap()),
    )
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def ledger_url(db_url: str) -> Iterator[str]:
    seed_desk(db_url)
    yield db_url


def seed_desk(db_url: str) -> None:
    """The seeded ledger with the users ed, ed2 (editors), vi (viewer), ad (admin)."""
    ledger = Ledger.open(db_url, user="tester", create=True)
    with ledger.transaction() as s:
        seed(s)
    accounts = Accounts(SecuritySettings(secret_key=SECRET), cheap())
    with transaction(ledger, "setup") as s:
        for name, role in (("ed", "editor"), ("ed2", "editor"), ("vi", "viewer"), ("ad", "admin")):
            accounts.add(s, name, role, PW)
    ledger.close()


@pytest.fixture
def client(ledger_url: str) -> Iterator[TestClient]:
    with make_client(ledger_url) as c:
        yield c


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, user: str, password: str = PW) -> None:
    form = client.get("/login")
    r = client.post(
        "/login",
        data={"username": user, "password": password, "next": "/roadmap",
              "csrf_token": csrf_of(form.text)},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/roadmap"


def status_of(client: TestClient, year: int, key: str) -> str:
    page = client.get(f"/roadmap?year={year}")
    assert page.status_code == 200, page.text
    found = re.search(rf'data-kpi="{re.escape(key)}" data-status="(\w+)"', page.text)
    assert found, f"{key} not on the board"
    return found.group(1)


def actuals_in_db(url: str, year: int) -> list[tuple[float, int, str]]:
    ledger = Ledger.open(url, user="tester")
    with ledger.transaction() as s:
        rows = s.execute(
            select(Actual.value, Actual.version, Actual.entered_by)
            .join(Kpi)
            .where(Kpi.key == KPI, Actual.year == year)
        ).all()
    ledger.close()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def audit_rows(url: str) -> list[AuditLog]:
    ledger = Ledger.open(url, user="tester")
    with ledger.transaction() as s:
        rows = list(s.scalars(select(AuditLog).order_by(AuditLog.id)))
        s.expunge_all()
    ledger.close()
    return rows


def test_editor_enters_an_actual_and_the_board_changes(client: TestClient, ledger_url: str) -> None:
    assert status_of(client, 2025, KPI) == "no_data"
    sign_in(client, "ed")
    page = client.get(f"/roadmap/kpi/{KPI}")
    assert 'id="add-actual"' in page.text
    r = client.post(
        f"/roadmap/kpi/{KPI}/actual",
        data={"csrf_token": csrf_of(page.text), "version": "", "year": "2025",
              "value": "68.75", "unit": "GWh", "source": "test: hand-worked path value"},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    assert status_of(client, 2025, KPI) == "on_track"
    assert actuals_in_db(ledger_url, 2025) == [(68.75, 1, "ed")]
    # the change log names the web user, not the OS user
    inserts = [
        a for a in audit_rows(ledger_url) if a.table_name == "actuals" and a.action == "insert"
    ]
    assert inserts[-1].who == "ed"
    # correct it to 30 GWh: off track
    page = client.get(f"/roadmap/kpi/{KPI}")
    form = re.search(r'data-year="2025">(.*?)</form>', page.text, re.S)
    assert form and 'name="version" value="1"' in form.group(1)
    r = client.post(
        f"/roadmap/kpi/{KPI}/actual",
        data={"csrf_token": csrf_of(page.text), "version": "1", "year": "2025",
              "value": "30", "source": "test: corrected"},
    )  # fmt: skip
    assert r.status_code == 303
    assert status_of(client, 2025, KPI) == "off_track"
    r = client.post("/logout", data={"csrf_token": csrf_of(client.get("/roadmap").text)})
    assert r.status_code == 303
    client.cookies.clear()
    assert 'id="add-actual"' not in client.get(f"/roadmap/kpi/{KPI}").text


def test_a_stale_version_is_a_conflict_page_and_no_lost_update(
    ledger_url: str,
) -> None:
    with make_client(ledger_url) as a, make_client(ledger_url) as b:
        sign_in(a, "ed")
        sign_in(b, "ed2")
        page_a = a.get(f"/roadmap/kpi/{KPI}").text
        page_b = b.get(f"/roadmap/kpi/{KPI}").text
        # both read the 2022 actual at version 1
        for who, c, page, value in (("ed", a, page_a, "21"), ("ed2", b, page_b, "22")):
            r = c.post(
                f"/roadmap/kpi/{KPI}/actual",
                data={"csrf_token": csrf_of(page), "version": "1", "year": "2022",
                      "value": value, "source": f"test: {who}"},
            )  # fmt: skip
            if who == "ed":
                assert r.status_code == 303
            else:
                assert r.status_code == 409
                assert 'id="conflict"' in r.text
                assert '<td id="mine-value">22</td>' in r.text
                assert '<td id="stored-value">21</td>' in r.text
        assert actuals_in_db(ledger_url, 2022) == [(21.0, 2, "ed")]
        rejected = [x for x in audit_rows(ledger_url) if x.action == "rejected"]
        assert [(x.who, x.table_name) for x in rejected] == [("ed2", "actuals")]
        # both add the same new year: the second is a conflict too, not an error page
        for c, page, code in ((a, page_a, 303), (b, page_b, 409)):
            r = c.post(
                f"/roadmap/kpi/{KPI}/actual",
                data={"csrf_token": csrf_of(page), "version": "", "year": "2024",
                      "value": "40", "source": "test"},
            )  # fmt: skip
            assert r.status_code == code


def test_viewer_sees_no_forms_and_gets_403(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "vi")
    page = client.get(f"/roadmap/kpi/{KPI}")
    assert page.status_code == 200
    assert '<form method="post" action="/roadmap/kpi' not in page.text
    token = client.get("/api/session").json()["csrf_token"]
    r = client.post(
        "/api/roadmap/actuals",
        json={"kpi": KPI, "year": 2025, "value": 50, "source": "x"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 403
    assert "needs the editor role" in r.json()["detail"]
    assert actuals_in_db(ledger_url, 2025) == []
    denied = [x for x in audit_rows(ledger_url) if x.action == "denied"]
    assert denied[-1].who == "vi"


def test_csrf_missing_or_wrong_changes_nothing(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ed")
    body = {"kpi": KPI, "year": 2025, "value": 50, "source": "x"}
    assert client.post("/api/roadmap/actuals", json=body).status_code == 403
    r = client.post("/api/roadmap/actuals", json=body, headers={"X-CSRF-Token": "0" * 64})
    assert r.status_code == 403
    r = client.post(
        f"/roadmap/kpi/{KPI}/actual",
        data={"csrf_token": "forged", "version": "", "year": "2025", "value": "50",
              "source": "x"},
    )  # fmt: skip
    assert r.status_code == 403
    assert actuals_in_db(ledger_url, 2025) == []
    token = client.get("/api/session").json()["csrf_token"]
    r = client.post("/api/roadmap/actuals", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    assert actuals_in_db(ledger_url, 2025) == [(50.0, 1, "ed")]


def test_tampered_session_is_anonymous(client: TestClient) -> None:
    sign_in(client, "ed")
    cookie = client.cookies["chikuden_session"]
    client.cookies.clear()
    flipped = "A" if cookie[-2] != "A" else "B"
    client.cookies.set("chikuden_session", cookie[:-2] + flipped + cookie[-1])
    page = client.get(f"/roadmap/kpi/{KPI}")
    assert 'id="add-actual"' not in page.text
    r = client.post(
        "/api/roadmap/actuals", json={"kpi": KPI, "year": 2025, "value": 1, "source": "x"}
    )
    assert r.status_code == 401


def test_closed_reading_sends_to_sign_in(ledger_url: str) -> None:
    with make_client(ledger_url, read_open=False) as c:
        r = c.get("/roadmap")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert c.get("/api/roadmap/actuals").status_code == 401
        sign_in(c, "vi")
        assert c.get("/roadmap").status_code == 200


def test_bad_input_is_400_nothing_changed_and_audited(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ed")
    page = client.get(f"/roadmap/kpi/{KPI}")
    r = client.post(
        f"/roadmap/kpi/{KPI}/actual",
        data={"csrf_token": csrf_of(page.text), "version": "", "year": "2025",
              "value": "lots", "source": "x"},
    )  # fmt: skip
    assert r.status_code == 400
    assert "value" in re.search(r'id="error">([^<]*)<', r.text).group(1)  # type: ignore[union-attr]
    assert actuals_in_db(ledger_url, 2025) == []
    token = client.get("/api/session").json()["csrf_token"]
    r = client.post(
        "/api/roadmap/actuals",
        json={"kpi": "no.such", "year": 2025, "value": 1, "source": "x"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 400 and "unknown KPI" in r.json()["detail"]
    rejected = [x for x in audit_rows(ledger_url) if x.action == "rejected"]
    assert [(x.who, x.record_id) for x in rejected] == [("ed", KPI), ("ed", "no.such/2025")]


def test_a_body_the_schema_refuses_is_422_nothing_changed_and_audited(
    client: TestClient, ledger_url: str
) -> None:
    """A write FastAPI's validation refuses before the desk's handler runs (a word where the
    value's number belongs, a body that is not JSON) is audited too, under the user."""
    sign_in(client, "ed")
    before = actuals_in_db(ledger_url, 2022)
    h = {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}
    r = client.put(
        f"/api/roadmap/actuals/{KPI}/2022", json={"version": 1, "value": "lots"}, headers=h
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "value"
    r = client.post(
        "/api/roadmap/actuals",
        content=b"{not json",
        headers=h | {"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert actuals_in_db(ledger_url, 2022) == before
    rejected = [x for x in audit_rows(ledger_url) if x.action == "rejected"]
    assert [(x.who, x.table_name) for x in rejected] == [("ed", "actuals"), ("ed", "actuals")]
    assert rejected[0].record_id == f"/api/roadmap/actuals/{KPI}/2022"
    assert client.get("/api/roadmap/actuals").status_code == 200  # reads: nothing audited
    assert len([x for x in audit_rows(ledger_url) if x.action == "rejected"]) == 2


def test_api_put_conflict_returns_both_values(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ed")
    token = client.get("/api/session").json()["csrf_token"]
    h = {"X-CSRF-Token": token}
    r = client.put(f"/api/roadmap/actuals/{KPI}/2022", json={"version": 1, "value": 21}, headers=h)
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.put(f"/api/roadmap/actuals/{KPI}/2022", json={"version": 1, "value": 25}, headers=h)
    assert r.status_code == 409
    assert r.json()["stored"]["value"] == 21 and r.json()["yours"]["value"] == 25
    assert actuals_in_db(ledger_url, 2022) == [(21.0, 2, "ed")]
    # the stored actual as the API lists it (the conflict's own read, not a second one)
    listed = client.get("/api/roadmap/actuals", params={"kpi": KPI}).json()
    assert r.json()["stored"] == next(
        {k: v for k, v in a.items() if k != "kpi"} for a in listed if a["year"] == 2022
    )
    rejected = [x for x in audit_rows(ledger_url) if x.action == "rejected"]
    assert [(x.who, x.table_name, x.record_id) for x in rejected] == [
        ("ed", "actuals", f"{KPI}/2022")
    ]
    assert "is at version 2, not 1" in json.loads(rejected[0].new or "{}")["detail"]


def test_admin_page_and_audit_filters(client: TestClient) -> None:
    sign_in(client, "ed")
    assert client.get("/roadmap/users").status_code == 403
    client.cookies.clear()
    sign_in(client, "ad")
    page = client.get("/roadmap/users")
    assert page.status_code == 200 and "ed2" in page.text
    assert "argon2" not in page.text
    audit = client.get("/roadmap/audit?user=setup&table=users")
    assert audit.status_code == 200
    whos = set(re.findall(r'<td class="who">([^<]*)</td>', audit.text))
    assert whos == {"setup"}
    assert "$argon2" not in audit.text
    assert client.get("/roadmap/audit?since=yesterday").status_code == 400


def test_without_a_secret_the_desk_is_read_only(ledger_url: str) -> None:
    with TestClient(create_app(Settings(db=ledger_url))) as c:
        assert c.get("/roadmap").status_code == 200
        r = c.post(
            "/api/roadmap/actuals", json={"kpi": KPI, "year": 2025, "value": 1, "source": "x"}
        )
        assert r.status_code == 403 and "CHIKUDEN_SECRET_KEY" in r.json()["detail"]


def test_token_writes_without_csrf(client: TestClient, ledger_url: str) -> None:
    from chikuden.accounts import tokens

    ledger = Ledger.open(ledger_url, user="tester")
    accounts = Accounts(SecuritySettings(secret_key=SECRET), cheap())
    with transaction(ledger, "setup") as s:
        _, secret = tokens.create(s, accounts.get(s, "ed"), "script", utcnow)
    ledger.close()
    r = client.post(
        "/api/roadmap/actuals",
        json={"kpi": KPI, "year": 2025, "value": 68.75, "source": "api"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert r.status_code == 201, r.text
    assert json.loads(r.text)["entered_by"] == "ed"


def test_lockout_after_failed_sign_ins(client: TestClient) -> None:
    # account_max_failures = 3 (make_client): the fourth try is refused even with the password
    for _ in range(3):
        form = client.get("/login")
        r = client.post(
            "/login",
            data={"username": "ed", "password": "wrong password wrong",
                  "csrf_token": csrf_of(form.text), "next": "/roadmap"},
        )  # fmt: skip
        assert r.status_code == 401
    form = client.get("/login")
    r = client.post(
        "/login",
        data={"username": "ed", "password": PW, "csrf_token": csrf_of(form.text),
              "next": "/roadmap"},
    )  # fmt: skip
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert client.get("/api/session").json()["user"] is None


def test_a_lowered_role_takes_effect_at_once(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ed")
    token = client.get("/api/session").json()["csrf_token"]
    body = {"kpi": KPI, "year": 2025, "value": 50, "source": "x"}
    ledger = Ledger.open(ledger_url, user="tester")
    accounts = Accounts(SecuritySettings(secret_key=SECRET), cheap())
    with transaction(ledger, "ad") as s:
        accounts.set_role(s, "ed", "viewer")
    ledger.close()
    r = client.post("/api/roadmap/actuals", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 403
    assert client.get("/roadmap/users").status_code == 403  # nor admin pages
    assert actuals_in_db(ledger_url, 2025) == []


def test_hashes_never_in_logs_audit_or_exports(
    client: TestClient, ledger_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from chikuden.roadmap.exchange import export_ledger

    caplog.set_level(logging.DEBUG)
    sign_in(client, "ad")
    form = client.get("/login")
    client.post(
        "/login",
        data={"username": "ed", "password": "wrong password wrong",
              "csrf_token": csrf_of(form.text), "next": "/"},
    )  # fmt: skip
    audit = client.get("/roadmap/audit?table=users").text
    ledger = Ledger.open(ledger_url, user="tester")
    with ledger.transaction() as s:
        export_ledger(s, tmp_path / "ledger.xlsx")
        hashes = [h for (h,) in s.execute(select(User.password_hash))]
    ledger.close()
    import zipfile

    with zipfile.ZipFile(tmp_path / "ledger.xlsx") as z:
        exported = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    assert len(hashes) == 4 and all(h.startswith("$argon2") for h in hashes)
    for text in (caplog.text, audit, exported):
        assert "$argon2" not in text
        assert PW not in text


def test_import_is_all_or_nothing_with_errors_per_row(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ed")
    page = client.get("/roadmap/exchange")
    token = csrf_of(page.text)
    bad = (
        "kpi,year,value,unit,source,note\n"
        f"{KPI},2025,60,GWh,test,\n"  # good (row 2)
        "no.such,2025,1,,test,\n"  # unknown KPI (row 3)
        f"{KPI},2024,lots,,test,\n"  # not a number (row 4)
    )
    r = client.post(
        "/roadmap/import",
        data={"csrf_token": token},
        files={"file": ("actuals.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 400
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td>", r.text)
    assert ("3", "kpi") in rows and ("4", "value") in rows and not any(n == "2" for n, _ in rows)
    assert actuals_in_db(ledger_url, 2025) == []  # the good row was not imported either
    good = f"kpi,year,value,unit,source,note\n{KPI},2025,60,GWh,test,\n"
    r = client.post(
        "/roadmap/import",
        data={"csrf_token": token},
        files={"file": ("actuals.csv", good.encode(), "text/csv")},
    )
    assert r.status_code == 200 and 'id="imported"' in r.text
    assert actuals_in_db(ledger_url, 2025) == [(60.0, 1, "ed")]
    export = client.get("/roadmap/export.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_revisions_page_shows_the_seeded_diff(client: TestClient) -> None:
    # revision 2023 changed two targets (METI's charging guideline of 18 Oct 2023), one of
    # them charging.connectors in 2030 (to 300,000 connectors: `chikuden roadmap targets`)
    page = client.get("/roadmap/revisions?a=2022&b=2023")
    assert page.status_code == 200
    changed = re.findall(r'<tr data-kpi="([^"]+)"', page.text)
    assert len(changed) == 2 and "charging.connectors" in changed


def test_kpi_page_shows_the_path_and_a_chart(client: TestClient) -> None:
    page = client.get(f"/roadmap/kpi/{KPI}").text
    # the path from 20 GWh (2022) to 150 GWh (2030): 20 + 130 * 3 / 8 = 68.75 in 2025
    cells = re.search(r'<table id="path"><tbody>\s*<tr>(.*?)</tr>\s*<tr>(.*?)</tr>', page, re.S)
    assert cells
    years = re.findall(r"<th>(\d+)</th>", cells.group(1))
    values = re.findall(r"<td>([^<]+)</td>", cells.group(2))
    assert dict(zip(years, values, strict=True))["2025"] == "68.75"
    figure = json.loads(re.search(r'id="kpi-figure">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert figure["data"] and "/static/plotly.min.js" in page


def test_admin_changes_a_role_editor_cannot_escalate(client: TestClient, ledger_url: str) -> None:
    sign_in(client, "ed")
    token = csrf_of(client.get("/roadmap").text)
    r = client.post("/roadmap/users/ed", data={"csrf_token": token, "role": "admin"})
    assert r.status_code == 403  # an editor cannot make itself admin
    client.cookies.clear()
    sign_in(client, "ad")
    token = csrf_of(client.get("/roadmap/users").text)
    r = client.post("/roadmap/users/ad", data={"csrf_token": token, "role": "viewer"})
    assert r.status_code == 400  # nor lower itself (the last admin could lock everyone out)
    r = client.post("/roadmap/users/vi", data={"csrf_token": token, "role": "editor"})
    assert r.status_code == 303
    page = client.get("/roadmap/users").text
    assert re.search(r'data-user="vi"><td>vi</td><td>editor</td>', page)
    changes = [a for a in audit_rows(ledger_url) if a.table_name == "users" and a.field == "role"]
    assert [(a.who, a.old, a.new) for a in changes] == [("ad", '"viewer"', '"editor"')]


def test_an_expired_session_cannot_write(ledger_url: str) -> None:
    clock = Clock(utcnow())
    security = SecuritySettings(secret_key=SECRET, clock=clock)
    app = create_app(
        Settings(db=ledger_url, secret_key=SECRET), accounts=Accounts(security, cheap())
    )
    with TestClient(app, follow_redirects=False) as c:
        sign_in(c, "ed")
        token = c.get("/api/session").json()["csrf_token"]
        clock.advance(security.session_max_age_s + 1)  # 8 h (OWASP's upper bound) and a second
        r = c.post(
            "/api/roadmap/actuals",
            json={"kpi": KPI, "year": 2025, "value": 50, "source": "x"},
            headers={"X-CSRF-Token": token},
        )
        assert r.status_code == 401
    assert actuals_in_db(ledger_url, 2025) == []


def test_milestone_change_and_stale_version(client: TestClient) -> None:
    sign_in(client, "ed")
    h = {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}
    page = client.get("/roadmap/milestones").text
    code, version = re.search(
        r'data-milestone="([^"]+)">.*?name="version" value="(\d+)"', page, re.S
    ).groups()  # type: ignore[union-attr]
    body = {"version": int(version), "status": "dropped", "evidence": "test"}
    r = client.patch(f"/api/roadmap/milestones/{code}", json=body, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "dropped"
    assert r.json()["version"] == int(version) + 1
    r = client.patch(f"/api/roadmap/milestones/{code}", json=body, headers=h)  # stale now
    assert r.status_code == 409 and "version" in r.json()["detail"]


def test_the_desk_in_japanese(client: TestClient) -> None:
    page = client.get("/roadmap?year=2025&lang=ja").text
    assert "2025年のKPIの進捗" in page and "工程表デスク" in page
