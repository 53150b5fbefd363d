"""Write a new migration by comparing the models with a ledger at the current head.

Usage: ``python -m chikuden.roadmap.migrations.new "message" --db sqlite:///dev.sqlite``
(the database is upgraded to head first, then Alembic autogenerates the difference).
"""

from __future__ import annotations

import argparse


def main() -> None:
    from alembic import command

    from chikuden.roadmap.db import _alembic_config, make_engine, resolve_url, upgrade

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("message")
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    engine = make_engine(resolve_url(args.db))
    upgrade(engine)
    with engine.begin() as conn:
        command.revision(_alembic_config(conn), message=args.message, autogenerate=True)


if __name__ == "__main__":
    main()
