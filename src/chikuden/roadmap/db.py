"""Where the ledger lives and how a unit of work runs against it.

The database is named by a SQLAlchemy URL: ``--db URL``, else ``$CHIKUDEN_DB``, else the SQLite
file ``roadmap.sqlite`` in ``platformdirs.user_data_dir("chikuden")``. A plain path means a
SQLite file; ``postgresql://`` URLs use the psycopg 3 driver.

Every command runs in one transaction (:meth:`Ledger.transaction`): it commits all of its
writes or none. On SQLite a transaction starts with ``BEGIN IMMEDIATE``, so writers queue
instead of failing half-way; on PostgreSQL the row versions do the same job. A stale update
(someone else changed the record since it was read) or a duplicate written at the same time
becomes a :class:`~chikuden.roadmap.errors.ConflictError`.
"""

from __future__ import annotations

import getpass
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InternalError,
    NoSuchModuleError,
    NotSupportedError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from chikuden.roadmap.changelog import log_changes
from chikuden.roadmap.errors import ConflictError, LedgerError, LedgerNotFoundError
from chikuden.roadmap.versions import number_versions

VERSION_TABLE = "roadmap_schema_version"
READING = "chikuden_reading"
"""The execution option of a reading unit of work (:meth:`Ledger.reading`)."""
ENV_DB = "CHIKUDEN_DB"


class LedgerSession(Session):
    """The session of every unit of work on the ledger (``info["user"]`` names the writer):
    versions numbered before each flush, changes logged after it."""


event.listen(LedgerSession, "before_flush", number_versions)
event.listen(LedgerSession, "after_flush", log_changes)


def default_url() -> str:
    """The default ledger: a SQLite file in the user's data folder."""
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('chikuden')) / 'roadmap.sqlite'}"


BACKENDS = ("sqlite", "postgresql")
"""The databases the ledger is written and tested for."""


def resolve_url(db: str | None = None) -> str:
    """The SQLAlchemy URL of the ledger from ``--db``, ``$CHIKUDEN_DB`` or the default; its
    database driver is importable (else a :class:`LedgerError` says what to install)."""
    raw = (db or os.environ.get(ENV_DB) or "").strip() or default_url()
    if "\x00" in raw:
        raise LedgerError(f"--db: {raw[:60]!r} holds a NUL character; give a file path or URL")
    if "://" not in raw:
        try:
            return f"sqlite:///{Path(raw).expanduser().resolve()}"
        except (OSError, RuntimeError) as exc:
            raise LedgerError(f"--db: {raw[:200]!r} is not a usable path ({exc})") from None
    scheme, rest = raw.split("://", 1)
    if scheme in ("postgres", "postgresql"):
        raw = f"postgresql+psycopg://{rest}"
    hint = "give a file path, sqlite:///PATH or postgresql://USER@HOST:PORT/NAME"
    try:
        url = make_url(raw)
        dialect = url.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise LedgerError(
            f"--db: {raw[:200]!r} is not a database URL chikuden can use ({exc}); {hint}"
        ) from None
    if dialect.name not in BACKENDS:
        raise LedgerError(
            f"--db: {redacted(raw)} is a {dialect.name} database; the ledger lives in SQLite "
            f"or PostgreSQL; {hint}"
        )
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        extra = " pip install 'chikuden[postgres]'" if dialect.name == "postgresql" else ""
        raise LedgerError(
            f"--db: the database driver for {redacted(raw)} is not installed ({exc}); "
            f"install it:{extra or ' see the SQLAlchemy dialect of the URL'}"
        ) from None
    return raw


def redacted(url: str) -> str:
    """``url`` with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases or an in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


USER_LIMIT = 120
"""Characters of a user name (the audit log's ``who`` column)."""


def current_user(user: str | None = None) -> str:
    """Who is writing: ``--user`` if given, else the OS user."""
    if user and user.strip():
        name = user.strip()
        if len(name) > USER_LIMIT or not name.isprintable():
            raise LedgerError(
                f"--user: {name[:40]!r}{'…' if len(name) > 40 else ''} is not a user name the "
                f"audit log can hold; give at most {USER_LIMIT} printable characters"
            )
        return name
    try:
        return getpass.getuser()[:USER_LIMIT]
    except Exception:  # no login name in this environment (e.g. a container without USER)
        return "unknown"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the ledger's transaction behaviour. Statement parameters are
    kept out of SQLAlchemy's log and error messages (``hide_parameters``): they hold password
    and token hashes (:mod:`chikuden.accounts`)."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 60}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # BEGIN is ours (below), not the driver's
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            # a reading unit of work (Ledger.reading) takes no write lock: a plain (deferred)
            # BEGIN reads a consistent snapshot while writers go on
            reading = connection.get_execution_options().get(READING, False)
            connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    engine = create_engine(
        url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, hide_parameters=True
    )
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # a connection that sat idle may have been closed by the server (a restart, an idle
        # timeout): ping it first; if it is gone, the pool throws it away and takes another
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"an idle pooled connection is gone ({exc})") from exc

    return engine


POOL_SIZE = 20
"""PostgreSQL connections a server process keeps open (SQLAlchemy's default is 5, with 10 more
opened and closed as needed). The desk's benchmark (20 editors at once) made a new connection
for most requests with the default: each one a server process forked and signed in, several
ms of CPU on both sides. 20: the editors of the issue's load (issue 17), well under
PostgreSQL's default ``max_connections`` of 100 with ``serve --workers 2``; assumption."""
POOL_OVERFLOW = 20
"""Connections opened beyond :data:`POOL_SIZE` for a burst, closed when returned (the server's
thread pool runs up to 40 requests at once)."""
PING_IDLE_S = 2.0
"""A pooled connection idle this long is pinged (``SELECT 1``) before use; one in steady use
is not (SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip per unit of
work). A connection broken while in use (the database restarted during a request) still
fails that request, and the pool is then renewed (SQLAlchemy's disconnect handling).
Assumption: a restart of the database takes longer than 2 s, so connections from before it
have been idle at least that long by the time it answers again."""
_IDLE_SINCE = "chikuden_idle_since"


def reading_options(engine: Engine) -> dict[str, Any]:
    """The execution options of a reading unit of work (:meth:`Ledger.reading`) on ``engine``.

    On SQLite, :data:`READING`: a plain (deferred) ``BEGIN`` in place of ``BEGIN IMMEDIATE``.
    On PostgreSQL, autocommit as well: each statement runs on its own, with no ``BEGIN`` and no
    ``ROLLBACK`` sent around it (two round trips fewer for a one-statement read). What a read
    sees does not change: at PostgreSQL's READ COMMITTED (the ledger's isolation level) every
    statement takes its own snapshot, inside a transaction or not."""
    if engine.dialect.name == "postgresql":
        return {READING: True, "isolation_level": "AUTOCOMMIT"}
    return {READING: True}


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("chikuden.roadmap").joinpath("migrations"))
    )
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of chikuden knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    assert head is not None
    return str(head)


def schema_revision(engine: Engine) -> str | None:
    """The schema revision of the database (None: no ledger there)."""
    from alembic.runtime.migration import MigrationContext

    with engine.execution_options(**{READING: True}).connect() as conn:  # no write lock
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        rev = ctx.get_current_revision()
    return None if rev is None else str(rev)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the ledger's tables to ``revision`` in one transaction."""
    from alembic import command
    from alembic.util.exc import CommandError

    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
    except CommandError as exc:  # a schema revision this chikuden does not know
        raise LedgerNotFoundError(
            f"--db: cannot upgrade {redacted(str(engine.url))} ({exc}); it was written by "
            "another chikuden or is not a roadmap ledger: use the chikuden that wrote it"
        ) from None


class Ledger:
    """A ledger database and the user who writes to it.

    >>> ledger = Ledger.open("sqlite:///tmp/ledger.sqlite", user="analyst", create=True)
    >>> with ledger.transaction() as session:  # doctest: +SKIP
    ...     ...
    """

    def __init__(self, engine: Engine, url: str, user: str) -> None:
        self.engine = engine
        self.url = url
        self.user = user
        self._sessions = sessionmaker(engine, class_=LedgerSession, expire_on_commit=False)
        self._reading_engine = engine.execution_options(**reading_options(engine))
        self._readers = sessionmaker(
            self._reading_engine,
            class_=LedgerSession,
            expire_on_commit=False,
        )

    @classmethod
    def open(cls, db: str | None = None, user: str | None = None, create: bool = False) -> Ledger:
        """Open the ledger at ``db``; with ``create``, create or upgrade its schema first."""
        who = current_user(user)  # checked before the database is touched
        url = resolve_url(db)
        path = sqlite_path(url)
        if path is not None:
            try:
                if create:
                    path.parent.mkdir(parents=True, exist_ok=True)
                exists = path.is_file()
            except OSError as exc:
                raise LedgerError(
                    f"--db: cannot use {path} ({exc.strerror or exc}); choose another path"
                ) from None
            if not exists and path.exists():
                raise LedgerError(f"--db: {path} is not a file; give the path of a ledger file")
            if not exists and not create:
                raise LedgerNotFoundError(
                    f"--db: no ledger at {path}; create one with `chikuden roadmap init` "
                    "or point --db (or CHIKUDEN_DB) at an existing one"
                )
        engine = make_engine(url)
        try:
            current = schema_revision(engine)
        except DBAPIError as exc:  # not a database, or a server that does not answer
            engine.dispose()
            if path is not None:
                raise LedgerError(
                    f"--db: {path} is not a SQLite database chikuden can open "
                    f"({_reason(exc)}); point --db (or CHIKUDEN_DB) at a ledger made by "
                    "`chikuden roadmap init`, or at a new file"
                ) from None
            raise LedgerError(
                f"--db: cannot connect to {redacted(url)} ({_reason(exc)}); "
                "start the database server or correct --db / CHIKUDEN_DB"
            ) from None
        head = head_revision()
        if create:
            try:
                upgrade(engine)
            except BaseException:
                engine.dispose()
                raise
        elif current is None:
            engine.dispose()
            raise LedgerNotFoundError(
                f"--db: {redacted(url)} holds no roadmap ledger; "
                "create one with `chikuden roadmap init`"
            )
        elif current != head:
            engine.dispose()
            raise LedgerNotFoundError(
                f"--db: the ledger's schema is at revision {current}, this chikuden needs "
                f"{head}; run `chikuden roadmap upgrade` (or use the chikuden that wrote it)"
            )
        return cls(engine, url, who)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: everything commits together at the end, or nothing does."""
        session = self._sessions()
        session.info["user"] = self.user
        try:
            with session.begin():
                yield session
        except StaleDataError:
            raise ConflictError(
                "conflict: a record you changed was changed or deleted by someone else since "
                "it was read, so nothing was saved; read it again and repeat your change"
            ) from None
        except IntegrityError as exc:
            if not _is_unique_violation(exc):
                raise
            raise ConflictError(
                "conflict: the record was written by someone else at the same time "
                f"({_reason(exc)}); nothing was saved; "
                "read the ledger again and repeat your change"
            ) from None
        except DataError as exc:  # a value the database's column cannot hold
            raise LedgerError(
                f"value: the database refused a value ({_reason(exc)}); nothing was saved; "
                "correct the value"
            ) from None
        except (ProgrammingError, InternalError, NotSupportedError):
            raise  # a fault of chikuden itself, not of the input
        except DatabaseError as exc:  # unreadable pages, a missing table: a damaged ledger
            raise LedgerError(
                f"--db: the ledger at {redacted(self.url)} cannot carry out the command "
                f"({_reason(exc)}); nothing was saved; if it is damaged, restore a backup "
                "into a new ledger (`chikuden roadmap restore`)"
            ) from None
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A unit of work that only reads: on SQLite a plain (deferred) ``BEGIN``, so a page
        read takes a shared lock only, and readers no longer queue one by one behind each
        other and behind writers; ended with a rollback. On PostgreSQL each statement runs
        in autocommit (:func:`reading_options`). Writing in it is a fault of the caller
        (SQLite would have to upgrade the lock; PostgreSQL would commit it at once)."""
        session = self._readers()
        session.info["user"] = self.user
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """:meth:`reading` for Core statements: a connection with the same options and no
        ORM session (what a request does on every call, such as finding who asks, costs
        less CPU this way); rolled back when returned to the pool."""
        with self._reading_engine.connect() as connection:
            yield connection

    def close(self) -> None:
        self.engine.dispose()


def _reason(exc: DBAPIError) -> str:
    """The first line of the database's own message."""
    lines = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def _is_unique_violation(exc: IntegrityError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    if code is not None:
        return bool(code == "23505")
    return "UNIQUE constraint failed" in str(exc.orig)
