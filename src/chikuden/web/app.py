"""The web application: :func:`create_app` builds it, ``chikuden serve`` runs it (uvicorn).

>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app(Settings(db="sqlite:///:memory:")))  # doctest: +SKIP
>>> client.post("/api/evaluate", json={"outputs": ["targets.*"]}).json()  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import FastAPI

from chikuden.web.store import ScenarioStore

if TYPE_CHECKING:
    from chikuden.accounts.users import Accounts
    from chikuden.api import Cache
    from chikuden.parameters.scenario import Scenario

MAX_BODY_BYTES = 1_048_576
"""The largest request body the server reads [bytes] (a scenario file is a few kB)."""

CACHE_ENTRIES = 1024
"""Most entries the server's evaluation cache keeps (least recently used dropped): about a dozen
model steps per evaluation (:func:`chikuden.results.evaluate` keeps each step's outputs by the
values of the parameters they depend on) and the minerals step's matrices; an assumption sized
for a few dozen people moving levers at once, each entry a few kB to a few tens of kB."""

DESCRIPTION = f"""\
The JSON API of chikuden's web simulator: the 2022 Japanese battery-industry proposal as a
model. Move levers (`GET /api/parameters`), evaluate the outputs you show (`POST
/api/evaluate`, only the model steps they need run), read the answers' verdicts, compare
scenarios, save them by name and download them as scenario files that `chikuden run` accepts.

Limits: a request body is at most {MAX_BODY_BYTES:,} bytes (413 beyond); at most 400 lever
values, 200 output patterns and 8 scenarios in a comparison per request. Lever values are JSON
numbers, finite and within the parameter's declared range. Every bad input is a 4xx whose body
is `{{"error": {{"field", "value", "allowed", "message"}}}}`; `message` is in the request's
language, `lang` of the query string, else `lang` of a JSON body (`en` or `ja`; English without
either), while `field`, `value` and `allowed` are the same in every language.

Saving scenarios is open to anyone who can reach the server for now (accounts: issue 17).
"""


@dataclass(frozen=True)
class Settings:
    """How the server runs.

    db : the database of saved scenarios, the roadmap ledger's: a SQLAlchemy URL or a file
        path; None: ``$CHIKUDEN_DB``, else the default ledger file (as ``chikuden roadmap
        --db``, :func:`chikuden.roadmap.db.resolve_url`)
    max_body_bytes : the largest request body read [bytes]; larger ones get 413
    open_read : whether reading the roadmap desk needs no sign-in (``$CHIKUDEN_READ_OPEN``);
        writing always needs one
    secret_key : the key that signs session cookies (``$CHIKUDEN_SECRET_KEY``, at least 32
        characters, the same for every server process); None: no sign-in, the desk is
        read-only and its writes answer 403 saying how to set one
    """

    db: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    open_read: bool = True
    secret_key: str | None = field(default=None, repr=False)


@dataclass
class WebState:
    """What the application keeps between requests."""

    settings: Settings
    store: ScenarioStore
    cache: Cache
    bundled: dict[str, Scenario] = field(default_factory=dict)


def create_app(settings: Settings | None = None, accounts: Accounts | None = None) -> FastAPI:
    """The application: the JSON API (:mod:`chikuden.web.api`, :mod:`chikuden.web.calculators`),
    the pages (:mod:`chikuden.web.pages`), and with a secret key the sign-in
    (:mod:`chikuden.web.auth`) and the roadmap desk (:mod:`chikuden.web.desk`).
    ``accounts``: the password policy and hasher (tests pass a cheap one)."""
    from chikuden.accounts.settings import SecuritySettings, require_secret_key
    from chikuden.api import Cache
    from chikuden.web import (  # noqa: F401  (the desk's routes register on import)
        analyses,
        api,
        auth,
        calculators,
        desk,
        desk_users,
        desk_year,
        errors,
        pages,
    )

    settings = settings or Settings()
    if settings.max_body_bytes < 1:
        raise ValueError(f"max_body_bytes = {settings.max_body_bytes}: give a positive size")
    app = FastAPI(
        title="chikuden",
        summary="The 2022 Japanese battery-industry proposal as a model: the simulator's API",
        description=DESCRIPTION.replace(
            f"{MAX_BODY_BYTES:,} bytes", f"{settings.max_body_bytes:,} bytes"
        ),
        version=_version(),
        docs_url=None,  # FastAPI's Swagger UI and ReDoc pages load their scripts from a CDN
        redoc_url=None,
    )
    state = WebState(settings, ScenarioStore(settings.db), Cache(max_entries=CACHE_ENTRIES))
    app.state.chikuden = state
    errors.install(app)
    if settings.secret_key is not None:
        security = SecuritySettings(secret_key=settings.secret_key, read_open=settings.open_read)
        require_secret_key(security)  # a short key is refused at start, not at first sign-in
        if accounts is not None:
            security = accounts.settings
        auth.install(app, state.store.ledger(), security, accounts)
    desk.install(app)
    app.add_middleware(errors.BodyLimit, limit=settings.max_body_bytes)
    app.include_router(api.router)
    app.include_router(calculators.router)
    analyses.install(app)
    pages.install(app)
    return app


def app_from_env() -> FastAPI:
    """The application as ``chikuden serve --workers N`` builds it in each process: its
    settings from the environment (``$CHIKUDEN_DB``, ``$CHIKUDEN_SECRET_KEY``,
    ``$CHIKUDEN_READ_OPEN``), as ``chikuden serve`` reads them."""
    from chikuden.accounts.settings import SecuritySettings

    env = SecuritySettings.from_env()
    app = create_app(Settings(open_read=env.read_open, secret_key=env.secret_key))
    settle_heap()
    return app


def settle_heap() -> None:
    """Before serving: collect, then move every object there is (modules, the model's data,
    the application) out of the garbage collector's sight (:func:`gc.freeze`). Without it,
    each full collection walks all of them while no request moves: in the desk's benchmark
    (20 editors, 2 shared cores) one every two seconds, of about 100 ms (the longest 230 ms;
    44 ms after freezing), a share of its slowest 1 % of writes."""
    import gc

    gc.collect()
    gc.freeze()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chikuden")
    except PackageNotFoundError:
        return "0"
