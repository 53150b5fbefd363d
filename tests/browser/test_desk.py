"""The roadmap desk in chromium: an editor signs in through the form, enters an actual, sees
the board change and signs out; two browser contexts correcting the same actual: the second
gets the conflict page with both values, and the first one's value stays; a viewer sees no
form and the API answers the page's own call with 403; an editor publishes the annual review
and an admin opens the next revision and publishes it. On SQLite and, when
``CHIKUDEN_TEST_PG_URL`` is set (``make test``), on PostgreSQL."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from tests.accounts.conftest import SECRET, cheap
from tests.browser.web import free_port
from tests.roadmap.conftest import drop_database, new_database

from chikuden.accounts.settings import SecuritySettings
from chikuden.accounts.users import Accounts, transaction
from chikuden.roadmap.db import Ledger
from chikuden.roadmap.seed import seed

PW = "correct horse battery staple"
KPI = "capacity.domestic_operating"


PG_URL = os.environ.get("CHIKUDEN_TEST_PG_URL", "").strip()
BACKENDS = ["sqlite"] + ([pytest.param("postgresql", marks=pytest.mark.postgres)] if PG_URL else [])
USERS = (("ed", "editor"), ("ed2", "editor"), ("vi", "viewer"), ("ad", "admin"))


@pytest.fixture(scope="module", params=BACKENDS)
def desk_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A new database on the backend (a PostgreSQL one dropped afterwards)."""
    url = new_database(request.param, tmp_path_factory.mktemp("desk"), "desk")
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture(scope="module")
def desk_url(desk_db: str) -> Iterator[str]:
    import uvicorn

    from chikuden.web.app import Settings, create_app

    db = desk_db
    ledger = Ledger.open(db, user="tester", create=True)
    accounts = Accounts(SecuritySettings(secret_key=SECRET), cheap())
    with transaction(ledger, "setup") as s:
        seed(s)
        for name, role in USERS:
            accounts.add(s, name, role, PW)
    ledger.close()
    app = create_app(Settings(db=db, secret_key=SECRET), accounts=accounts)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-desk", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.chikuden.store.close()  # the database can be dropped


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for c in made:
        c.close()


def signed_in(browser: Browser, contexts: list[BrowserContext], url: str, user: str) -> Page:
    context = browser.new_context()
    contexts.append(context)
    page = context.new_page()
    page.goto(f"{url}/login?next=/roadmap")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PW)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/roadmap")
    assert user in page.inner_text("#who")
    return page


def test_enter_an_actual_see_the_board_change_sign_out(
    browser: Browser, contexts: list[BrowserContext], desk_url: str
) -> None:
    page = signed_in(browser, contexts, desk_url, "ed")
    row = f'tr[data-kpi="{KPI}"]'
    page.goto(f"{desk_url}/roadmap?year=2025")
    assert page.get_attribute(row, "data-status") == "no_data"
    page.goto(f"{desk_url}/roadmap/kpi/{KPI}")
    page.wait_for_selector("#kpi-chart[data-drawn='1']")  # plotly from /static, no network
    form = page.locator("#add-actual")
    form.locator("input[name=year]").fill("2025")
    # 68.75 GWh is on the path in 2025 (tests/web/test_desk.py works it out): on track
    form.locator("input[name=value]").fill("68.75")
    form.locator("input[name=source]").fill("browser test")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#saved")
    page.goto(f"{desk_url}/roadmap?year=2025")
    assert page.get_attribute(row, "data-status") == "on_track"
    page.click("#logout")
    page.wait_for_url(f"{desk_url}/login")
    page.goto(f"{desk_url}/roadmap/kpi/{KPI}")
    assert page.locator("#add-actual").count() == 0


def test_two_editors_same_actual_conflict_page(
    browser: Browser, contexts: list[BrowserContext], desk_url: str
) -> None:
    a = signed_in(browser, contexts, desk_url, "ed")
    b = signed_in(browser, contexts, desk_url, "ed2")
    for page in (a, b):
        page.goto(f"{desk_url}/roadmap/kpi/{KPI}")
    form_a = a.locator('form.edit-actual[data-year="2022"]')
    form_b = b.locator('form.edit-actual[data-year="2022"]')
    form_a.locator("input[name=value]").fill("21")
    form_a.locator("button[type=submit]").click()
    a.wait_for_selector("#saved")
    form_b.locator("input[name=value]").fill("22")
    form_b.locator("button[type=submit]").click()
    b.wait_for_selector("#conflict")
    assert b.inner_text("#mine-value") == "22"
    assert b.inner_text("#stored-value") == "21"
    a.reload()
    assert "21 GWh" in a.inner_text('#actuals tr[data-year="2022"] .value')


def test_a_viewer_sees_no_forms_and_the_api_refuses(
    browser: Browser, contexts: list[BrowserContext], desk_url: str
) -> None:
    page = signed_in(browser, contexts, desk_url, "vi")
    page.goto(f"{desk_url}/roadmap/kpi/{KPI}")
    assert page.locator("#add-actual").count() == 0
    assert page.locator("form.edit-actual").count() == 0
    page.goto(f"{desk_url}/roadmap/milestones")
    assert page.locator("#add-milestone").count() == 0
    page.goto(f"{desk_url}/roadmap/revisions")
    assert page.locator("#publish-review").count() == 0
    # the page's own session and CSRF token, as a script on it would send them
    status = page.evaluate(
        """async (kpi) => {
            const session = await (await fetch("/api/session")).json();
            const r = await fetch("/api/roadmap/actuals", {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRF-Token": session.csrf_token},
                body: JSON.stringify({kpi: kpi, year: 2025, value: 50, source: "browser"}),
            });
            return [session.role, r.status];
        }""",
        KPI,
    )
    assert status == ["viewer", 403]
    assert page.goto(f"{desk_url}/roadmap/users").status == 403  # type: ignore[union-attr]


def test_the_year_end_review_and_next_revision(
    browser: Browser, contexts: list[BrowserContext], desk_url: str
) -> None:
    editor = signed_in(browser, contexts, desk_url, "ed")
    editor.goto(f"{desk_url}/roadmap/revisions")
    assert editor.locator("#open-revision").count() == 0  # admins only
    editor.locator("#publish-review input[name=year]").fill("2025")
    editor.click("#publish-review button[type=submit]")
    editor.wait_for_selector("#done")
    assert editor.locator("#review-list tr[data-review]").count() >= 1
    admin = signed_in(browser, contexts, desk_url, "ad")
    admin.goto(f"{desk_url}/roadmap/revisions")
    latest = max(int(y) for y in admin.locator("#revisions tr").evaluate_all(
        "rows => rows.map(r => r.dataset.revision).filter(Boolean)"
    ))  # fmt: skip
    admin.locator("#open-revision input[name=year]").fill(str(latest + 1))
    admin.locator("#open-revision input[name=note]").fill("browser test")
    admin.click("#open-revision button[type=submit]")
    admin.wait_for_selector(f'#revisions tr[data-revision="{latest + 1}"][data-state="open"]')
    admin.click("#publish-revision button[type=submit]")
    admin.wait_for_selector(f'#revisions tr[data-revision="{latest + 1}"][data-state="closed"]')
