"""The roadmap (工程表) ledger of proposal clause P12: targets, actuals and annual reviews.

Pillars (the proposal's clauses P1..P11), measures, milestones, KPIs that point at the model's
indicators, targets per revision and year, actuals with their sources, annual reviews and an
audit log of every change, stored with SQLAlchemy in SQLite (default) or PostgreSQL.

Modules, from the bottom up:

- ``models`` — tables; ``migrations/`` — the Alembic migrations that create them;
- ``changelog`` — the audit log of every change; ``versions`` — version numbers that never
  repeat; ``db`` — database URL, engine, migrations, :class:`~chikuden.roadmap.db.Ledger` (a
  transaction per unit of work, conflicts handled, the two session hooks above registered);
- ``ledger`` — editing: KPIs, actuals, targets, milestones, settings; ``seed`` — ``init``;
- ``revisions`` — open, publish and compare annual revisions;
- ``status`` — the pure arithmetic of trajectories and statuses; ``review`` — the annual
  review; ``report`` — its HTML report in English and Japanese;
- ``exchange`` — Excel/CSV import and export; ``backup`` — JSON backup and restore.
"""
