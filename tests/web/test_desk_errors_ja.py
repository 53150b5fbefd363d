"""Every refused desk request a user can reach reads in the request's language.

A table of bad desk requests (the JSON API under ``/api/roadmap`` and the pages under
``/roadmap``: values the ledger refuses, unknown KPIs and years, stale versions, CSRF, sign-in,
roles, the import's per-row problems, the milestone and admin forms) is sent twice: with
``lang=ja`` (the query string) the one-line message is Japanese (kana or kanji, no English
clause) and the status is that of English; with ``lang=en`` and with no ``lang`` the message is
the English line main's server wrote before the desk's messages carried templates
(:data:`ENGLISH`, ``tests/web/desk_errors_en.json``, recorded once from stop 22's code by the
recorder this module held at commit 057d5f9, with that code's ``src`` first on
``PYTHONPATH``). A refusal asked in Japanese is still audited with the English line.

SQLite only: which backend holds the ledger changes no message; tests/web/test_desk.py and
tests/web/test_desk_year.py run the same refusals on PostgreSQL too.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.accounts.conftest import SECRET, Clock, cheap
from tests.web.test_desk import KPI, PW, csrf_of, make_client, seed_desk, sign_in
from tests.web.test_errors_ja import is_japanese

from chikuden.accounts.settings import SecuritySettings, utcnow
from chikuden.accounts.users import Accounts
from chikuden.web.app import Settings, create_app

HERE = Path(__file__).parent
RECORDED = HERE / "desk_errors_en.json"
ENGLISH: dict[str, list[Any]] = json.loads(RECORDED.read_text("utf-8"))

Answer = tuple[int, str]
Case = Callable[[TestClient, str | None], Answer]


def q(lang: str | None, path: str) -> str:
    """``path`` asking for ``lang`` (as it is without one)."""
    if lang is None:
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def json_message(r: Any) -> str:
    doc = r.json()
    return str(doc["detail"] if "detail" in doc else doc["error"]["message"])


def page_message(r: Any) -> str:
    """The refusal of a desk page: its ``role="alert"`` paragraphs, or a JSON body."""
    if r.headers.get("content-type", "").startswith("application/json"):
        return json_message(r)
    found = re.findall(r'<p class="error" role="alert"[^>]*>(.*?)</p>', r.text, re.S)
    assert found, r.text[:2000]
    return unescape("\n".join(found))


def _h(c: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": c.get("/api/session").json()["csrf_token"]}


def _editor(c: TestClient, user: str = "ed") -> dict[str, str]:
    sign_in(c, user)
    return _h(c)


# -- the cases: each signs in as it needs and sends one bad request ---------------------------
def api_unknown_kpi(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    body = {"kpi": "capacity.domestic_operatin", "year": 2025, "value": 1, "source": "x"}
    r = c.post(q(lang, "/api/roadmap/actuals"), json=body, headers=h)
    return r.status_code, json_message(r)


def api_out_of_range(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    body = {"kpi": KPI, "year": 2025, "value": -5, "source": "x"}
    r = c.post(q(lang, "/api/roadmap/actuals"), json=body, headers=h)
    return r.status_code, json_message(r)


def api_unknown_year(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    body = {"kpi": KPI, "year": 1900, "value": 30, "source": "x"}
    r = c.post(q(lang, "/api/roadmap/actuals"), json=body, headers=h)
    return r.status_code, json_message(r)


def api_no_actual(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    r = c.put(
        q(lang, f"/api/roadmap/actuals/{KPI}/2026"), json={"version": 1, "value": 3}, headers=h
    )
    return r.status_code, json_message(r)


def api_stale_version(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    c.put(f"/api/roadmap/actuals/{KPI}/2022", json={"version": 1, "value": 21}, headers=h)
    r = c.put(
        q(lang, f"/api/roadmap/actuals/{KPI}/2022"), json={"version": 1, "value": 25}, headers=h
    )
    assert r.json()["stored"]["value"] == 21
    return r.status_code, json_message(r)


def api_csrf_missing(c: TestClient, lang: str | None) -> Answer:
    sign_in(c, "ed")
    body = {"kpi": KPI, "year": 2025, "value": 50, "source": "x"}
    r = c.post(q(lang, "/api/roadmap/actuals"), json=body)
    return r.status_code, json_message(r)


def api_csrf_wrong(c: TestClient, lang: str | None) -> Answer:
    sign_in(c, "ed")
    body = {"kpi": KPI, "year": 2025, "value": 50, "source": "x"}
    r = c.post(q(lang, "/api/roadmap/actuals"), json=body, headers={"X-CSRF-Token": "0" * 64})
    return r.status_code, json_message(r)


def api_no_session(c: TestClient, lang: str | None) -> Answer:
    body = {"kpi": KPI, "year": 2025, "value": 50, "source": "x"}
    r = c.post(q(lang, "/api/roadmap/actuals"), json=body)
    return r.status_code, json_message(r)


def api_bad_token(c: TestClient, lang: str | None) -> Answer:
    body = {"kpi": KPI, "year": 2025, "value": 50, "source": "x"}
    r = c.post(q(lang, "/api/roadmap/actuals"), json=body, headers={"Authorization": "Bearer x"})
    return r.status_code, json_message(r)


def api_viewer(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c, "vi")
    body = {"kpi": KPI, "year": 2025, "value": 50, "source": "x"}
    r = c.post(q(lang, "/api/roadmap/actuals"), json=body, headers=h)
    return r.status_code, json_message(r)


def api_editor_publishes(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    r = c.post(q(lang, "/api/roadmap/revisions/publish"), json={}, headers=h)
    return r.status_code, json_message(r)


def api_import_rows(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    bad = f"kpi,year,value,unit,source,note\n{KPI},2025,-5,GWh,test,\nnope,2025,1,,test,\n"
    r = c.post(q(lang, "/api/roadmap/import"), files={"file": ("a.csv", bad.encode())}, headers=h)
    doc = r.json()
    return r.status_code, "\n".join([doc["detail"], *(p["reason"] for p in doc["problems"])])


def api_import_kind(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    r = c.post(q(lang, "/api/roadmap/import"), files={"file": ("a.txt", b"x")}, headers=h)
    return r.status_code, json_message(r)


def api_milestone_pillar(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    body = {"code": "MS-X", "pillar": "P99", "title_en": "x", "title_ja": "x", "source": "t"}
    r = c.post(q(lang, "/api/roadmap/milestones"), json=body, headers=h)
    return r.status_code, json_message(r)


def form_actual(value: str, year: str = "2025", version: str = "") -> Case:
    def case(c: TestClient, lang: str | None) -> Answer:
        sign_in(c, "ed")
        page = c.get(f"/roadmap/kpi/{KPI}")
        r = c.post(
            q(lang, f"/roadmap/kpi/{KPI}/actual"),
            data={"csrf_token": csrf_of(page.text), "version": version, "year": year,
                  "value": value, "source": "x"},
        )  # fmt: skip
        return r.status_code, page_message(r)

    return case


def form_conflict(c: TestClient, lang: str | None) -> Answer:
    h = _editor(c)
    c.put(f"/api/roadmap/actuals/{KPI}/2022", json={"version": 1, "value": 21}, headers=h)
    return form_actual("22", "2022", "1")(c, lang)


def form_csrf_forged(c: TestClient, lang: str | None) -> Answer:
    sign_in(c, "ed")
    r = c.post(
        q(lang, f"/roadmap/kpi/{KPI}/actual"),
        data={"csrf_token": "forged", "version": "", "year": "2025", "value": "50", "source": "x"},
    )
    return r.status_code, page_message(r)


def page_unknown_kpi(c: TestClient, lang: str | None) -> Answer:
    r = c.get(q(lang, "/roadmap/kpi/capacity.domestic_operatin"))
    return r.status_code, page_message(r)


def page_bad_year(c: TestClient, lang: str | None) -> Answer:
    r = c.get(q(lang, "/roadmap?year=20x5"))
    return r.status_code, page_message(r)


def page_bad_date(c: TestClient, lang: str | None) -> Answer:
    r = c.get(q(lang, "/roadmap/audit?since=yesterday"))
    return r.status_code, page_message(r)


def form_milestone(**change: str) -> Case:
    def case(c: TestClient, lang: str | None) -> Answer:
        sign_in(c, "ed")
        page = c.get("/roadmap/milestones").text
        form = {"csrf_token": csrf_of(page), "code": "MS-TEST-1", "pillar": "P9",
                "title_en": "A pilot line", "title_ja": "試作ライン", "due": "2027-03-31",
                "source": "test", "note": ""}  # fmt: skip
        if change.get("twice"):
            c.post("/roadmap/milestones", data=form)
        r = c.post(q(lang, "/roadmap/milestones"), data=form | change)
        return r.status_code, page_message(r)

    return case


def form_milestone_status(c: TestClient, lang: str | None) -> Answer:
    sign_in(c, "ed")
    page = c.get("/roadmap/milestones").text
    code = re.search(r'data-milestone="([^"]+)"', page)
    assert code
    r = c.post(
        q(lang, f"/roadmap/milestones/{code.group(1)}"),
        data={"csrf_token": csrf_of(page), "version": "1", "status": "finished"},
    )
    return r.status_code, page_message(r)


def admin_form(data: dict[str, str], user: str = "ad", path: str = "/roadmap/users") -> Case:
    def case(c: TestClient, lang: str | None) -> Answer:
        sign_in(c, user)
        csrf = csrf_of(c.get("/roadmap").text)
        r = c.post(q(lang, path), data={"csrf_token": csrf, **data})
        return r.status_code, page_message(r)

    return case


def login_failure(password: str, times: int) -> Case:
    def case(c: TestClient, lang: str | None) -> Answer:
        r: Any = None
        for i in range(times):
            form = c.get("/login")
            pw = password if i == times - 1 else "wrong password wrong"
            r = c.post(
                q(lang, "/login"),
                data={"username": "ed", "password": pw, "csrf_token": csrf_of(form.text),
                      "next": "/roadmap"},
            )  # fmt: skip
        found = re.search(r'<p class="error"[^>]*>(.*?)</p>', r.text, re.S)
        assert found, r.text
        return r.status_code, unescape(found.group(1))

    return case


def api_post(path: str, body: dict[str, Any], user: str, twice: bool = False) -> Case:
    def case(c: TestClient, lang: str | None) -> Answer:
        h = _editor(c, user)
        if twice:
            c.post(path, json=body, headers=h)
        r = c.post(q(lang, path), json=body, headers=h)
        return r.status_code, json_message(r)

    return case


def form_publish_twice(c: TestClient, lang: str | None) -> Answer:
    sign_in(c, "ad")
    csrf = csrf_of(c.get("/roadmap/revisions").text)
    c.post("/roadmap/revisions/publish", data={"csrf_token": csrf})
    r = c.post(q(lang, "/roadmap/revisions/publish"), data={"csrf_token": csrf})
    return r.status_code, page_message(r)


def form_changes_file(c: TestClient, lang: str | None) -> Answer:
    sign_in(c, "ad")
    csrf = csrf_of(c.get("/roadmap/revisions").text)
    bad = f"kpi,year,value,reason\n{KPI},2030,-1,test\nnope,2030,1,test\n"
    r = c.post(
        q(lang, "/roadmap/revisions"),
        data={"csrf_token": csrf, "year": "", "note": "x"},
        files={"changes": ("changes.csv", bad.encode())},
    )
    return r.status_code, page_message(r)


def form_import_rows(c: TestClient, lang: str | None) -> Answer:
    sign_in(c, "ed")
    csrf = csrf_of(c.get("/roadmap/exchange").text)
    bad = f"kpi,year,value,unit,source,note\n{KPI},2025,-5,GWh,test,\nnope,2025,1,,test,\n"
    r = c.post(
        q(lang, "/roadmap/import"),
        data={"csrf_token": csrf},
        files={"file": ("a.csv", bad.encode())},
    )
    cells = re.findall(r"<tr><td>\d+</td><td>[^<]*</td><td>([^<]*)</td></tr>", r.text)
    return r.status_code, "\n".join([page_message(r), *(unescape(x) for x in cells)])


PHRASE = "a fresh pass phrase for the new one"
CASES: dict[str, Case] = {
    "api unknown KPI": api_unknown_kpi,
    "api out of range": api_out_of_range,
    "api unknown year": api_unknown_year,
    "api no such actual": api_no_actual,
    "api stale version": api_stale_version,
    "api CSRF missing": api_csrf_missing,
    "api CSRF wrong": api_csrf_wrong,
    "api no session": api_no_session,
    "api bad token": api_bad_token,
    "api viewer writes": api_viewer,
    "api editor publishes": api_editor_publishes,
    "api import rows": api_import_rows,
    "api import kind": api_import_kind,
    "api milestone pillar": api_milestone_pillar,
    "api publish twice (none open)": api_post("/api/roadmap/revisions/publish", {}, "ad", True),
    "api revision not after": api_post("/api/roadmap/revisions", {"year": 2020}, "ad"),
    "api review before first": api_post("/api/roadmap/reviews", {"year": 2020}, "ed"),
    "form publish twice (none open)": form_publish_twice,
    "form changes file rows": form_changes_file,
    "form import rows": form_import_rows,
    "form not a number": form_actual("lots"),
    "form out of range": form_actual("-5"),
    "form year not a year": form_actual("30", year="20x5"),
    "form unknown year": form_actual("30", year="1900"),
    "form version not a number": form_actual("30", version="v1"),
    "form stale version": form_conflict,
    "form CSRF forged": form_csrf_forged,
    "page unknown KPI": page_unknown_kpi,
    "page bad year": page_bad_year,
    "page bad date": page_bad_date,
    "milestone code taken": form_milestone(twice="1"),
    "milestone bad date": form_milestone(due="2027-13-01"),
    "milestone bad pillar": form_milestone(pillar="P99"),
    "milestone bad status": form_milestone_status,
    "admin duplicate user": admin_form(
        {"username": "ed2", "role": "editor", "password": PHRASE, "password2": PHRASE}
    ),
    "admin weak password": admin_form(
        {"username": "carol", "role": "editor", "password": "short", "password2": "short"}
    ),
    "admin passwords differ": admin_form(
        {"username": "carol", "role": "editor", "password": PHRASE, "password2": PHRASE + "x"}
    ),
    "admin bad role": admin_form(
        {"username": "carol", "role": "boss", "password": PHRASE, "password2": PHRASE}
    ),
    "admin lowers own role": admin_form({"role": "viewer"}, path="/roadmap/users/ad"),
    "editor on admin form": admin_form({"role": "admin"}, user="ed", path="/roadmap/users/ed"),
    "login failure": login_failure("wrong password wrong", 1),
    "login lockout": login_failure(PW, 4),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("desk") / "seeded.sqlite"
    seed_desk(f"sqlite:///{path}")
    return path


@pytest.fixture
def client(template: Path, tmp_path: Path) -> Iterator[TestClient]:
    shutil.copy(template, tmp_path / "ledger.sqlite")
    with make_client(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as c:
        yield c


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("lang", [None, "en"])
def test_english_is_unchanged(client: TestClient, name: str, lang: str | None) -> None:
    assert list(CASES[name](client, lang)) == ENGLISH[name]


@pytest.mark.parametrize("name", list(CASES))
def test_japanese(client: TestClient, name: str) -> None:
    status, message = CASES[name](client, "ja")
    assert status == ENGLISH[name][0]
    for line in message.splitlines():
        assert japanese(line), line


def japanese(line: str) -> bool:
    """A Japanese line (:func:`tests.web.test_errors_ja.is_japanese`) once the commands it
    quotes (`chikuden roadmap kpis`, typed as they are in any language) are left out."""
    return is_japanese(re.sub(r"`[^`]*`", "", line))


def test_expired_session_in_japanese(template: Path, tmp_path: Path) -> None:
    """A session past its age: 401 with the message in the request's language."""
    shutil.copy(template, tmp_path / "ledger.sqlite")
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    clock = Clock(utcnow())
    security = SecuritySettings(secret_key=SECRET, clock=clock)
    app = create_app(Settings(db=url, secret_key=SECRET), accounts=Accounts(security, cheap()))
    answers = {}
    with TestClient(app, follow_redirects=False) as c:
        sign_in(c, "ed")
        h = _h(c)
        clock.advance(security.session_max_age_s + 1)
        for lang in ("en", "ja"):
            r = c.post(q(lang, "/api/roadmap/milestones"), json={}, headers=h)
            answers[lang] = (r.status_code, json_message(r))
    # the English line of stop 22's server (sessions.py)
    assert answers["en"] == (401, "session: your session has expired; sign in again")
    assert answers["ja"][0] == 401 and japanese(answers["ja"][1]), answers["ja"]


@pytest.mark.parametrize("name", ["api stale version", "form out of range", "api import rows"])
def test_audit_rows_keep_the_english_line(template: Path, tmp_path: Path, name: str) -> None:
    """A refusal asked in Japanese is audited in English, as before (the log is read by the
    team and by tools, whatever language each member's page is in)."""
    from tests.web.test_desk import audit_rows

    shutil.copy(template, tmp_path / "ledger.sqlite")
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    with make_client(url) as c:
        status, message = CASES[name](c, "ja")
    assert status == ENGLISH[name][0] and japanese(message.splitlines()[0])
    rejected = [a for a in audit_rows(url) if a.action == "rejected"]
    assert json.loads(rejected[-1].new or "{}")["detail"] == ENGLISH[name][1].splitlines()[0]
