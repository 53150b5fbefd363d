"""Alembic environment of the roadmap ledger.

chikuden runs the migrations itself (:func:`chikuden.roadmap.db.upgrade`) with a connection in
``config.attributes["connection"]``; no alembic.ini is needed. To write a new migration::

    .venv/bin/python -m chikuden.roadmap.migrations.new "what changes" --db sqlite:///dev.sqlite
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

import chikuden.accounts.models  # noqa: F401  (its tables are on the same metadata)
from chikuden.roadmap.db import VERSION_TABLE
from chikuden.roadmap.models import Base


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        _configure(conn)
