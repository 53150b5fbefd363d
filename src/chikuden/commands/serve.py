"""``chikuden serve``: the web simulator and its JSON API (FastAPI under uvicorn).

Only typer is imported at module level; fastapi, uvicorn and the model load when the command
runs. docs/web.md describes the pages and the API.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from chikuden.commands.common import fail, user_errors
from chikuden.commands.options import Number

PORT = Number("--port", 1, 65535, whole=True, example="8000")
WORKERS = Number("--workers", 1, 64, whole=True, example="2")
HostOpt = Annotated[
    str,
    typer.Option(
        "--host",
        help="Address to listen on; 127.0.0.1 (the default) serves this machine only, 0.0.0.0 "
        "every network it is on (saving scenarios is open to anyone who reaches it).",
        metavar="ADDRESS",
    ),
]
PortOpt = Annotated[
    str, typer.Option("--port", help=f"Port to listen on, {PORT.allowed()}.", metavar="NUMBER")
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database of saved scenarios: the roadmap ledger's (a file path or a SQLAlchemy "
        "URL; default $CHIKUDEN_DB, else the ledger file in the user's data folder). Created "
        "or upgraded to the current schema on first use.",
        metavar="URL",
    ),
]
WorkersOpt = Annotated[
    str,
    typer.Option(
        "--workers",
        help=f"Server processes, {WORKERS.allowed()}: 1 (the default) serves every request "
        "from one process; more use more cores (each keeps its own cache of evaluations).",
        metavar="NUMBER",
    ),
]


def serve(
    host: HostOpt = "127.0.0.1", port: PortOpt = "8000", db: DbOpt = None, workers: WorkersOpt = "1"
) -> None:
    """Serve the web simulator and its JSON API (http://HOST:PORT/, API at /api, its OpenAPI
    at /openapi.json)."""
    with user_errors():
        number = PORT.parse_int(port)
        processes = WORKERS.parse_int(workers)
        if not host.strip() or len(host) > 255 or not host.isprintable():
            fail(f"--host = {host[:60]!r} is not an address; give e.g. 127.0.0.1 or 0.0.0.0")
        from chikuden.roadmap.db import resolve_url

        resolve_url(db)  # a bad URL or a missing driver: one line now, not at the first save
        _check_listen(host, number)
        import uvicorn

        from chikuden.accounts.settings import SecuritySettings
        from chikuden.web.app import Settings, create_app

        env = SecuritySettings.from_env()  # $CHIKUDEN_SECRET_KEY, $CHIKUDEN_READ_OPEN
        settings = Settings(db=db, open_read=env.read_open, secret_key=env.secret_key)
        app = create_app(settings)
        if env.secret_key is None:
            typer.echo(
                "chikuden: no $CHIKUDEN_SECRET_KEY: the roadmap desk is read-only "
                "(set it to sign in and edit)"
            )
        if processes == 1:
            from chikuden.web.app import settle_heap

            settle_heap()
            typer.echo(f"chikuden: serving on http://{host}:{number}/ (Ctrl-C stops)")
            uvicorn.run(app, host=host, port=number, log_level="warning")
            return
        # the database created or upgraded here, once, before the processes start
        app.state.chikuden.store.ledger()
        app.state.chikuden.store.close()
        if db is not None:  # each process builds its application from the environment
            os.environ["CHIKUDEN_DB"] = db
        typer.echo(
            f"chikuden: serving on http://{host}:{number}/ with {processes} processes "
            "(Ctrl-C stops)"
        )
        uvicorn.run(
            "chikuden.web.app:app_from_env",
            factory=True,
            host=host,
            port=number,
            workers=processes,
            log_level="warning",
        )


def _check_listen(host: str, port: int) -> None:
    """One line (exit 2) if ``host:port`` cannot be listened on (in use, not an address)."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        fail(
            f"--host/--port: cannot listen on {host}:{port} ({exc.strerror or exc}); choose "
            "another --port, or stop what listens there"
        )
