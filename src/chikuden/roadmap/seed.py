"""``chikuden roadmap init``: a new ledger with the proposal's and METI's targets and the real
actuals of 2021-2025, from the bundled files in ``chikuden/data/roadmap/``.

- ``pillars.yaml`` — the proposal's clauses P1..P11;
- ``kpis.yaml`` — KPIs with unit, direction, range, model indicator and baseline year;
- ``measures.yaml``, ``milestones.yaml`` — budgets by fiscal year, dated steps;
- ``revisions.yaml`` — the targets of the first revision and later changes with reasons;
- ``actuals.csv`` — the actuals, in the import format (so they pass the importer's checks).

Every value cites a source key of the bibliography (``chikuden/data/sources/``); a test checks
that each one resolves.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from chikuden.data import read_yaml
from chikuden.roadmap import exchange, ledger, revisions
from chikuden.roadmap.backup import is_empty
from chikuden.roadmap.errors import LedgerError
from chikuden.roadmap.models import Setting, Target


def _yaml(name: str) -> Any:
    return read_yaml("roadmap", name)


def seed_documents() -> dict[str, Any]:
    """The bundled seed files, parsed (for the seed and for tests of their sources)."""
    return {
        name: _yaml(f"{name}.yaml")
        for name in ("pillars", "kpis", "measures", "milestones", "revisions")
    }


def seed(session: Session) -> dict[str, int]:
    """Fill an empty ledger with the bundled content; returns counts by kind."""
    if not is_empty(session):
        raise LedgerError(
            "init: the ledger already holds data; use another --db for a new ledger, "
            "or restore a backup with `chikuden roadmap restore FILE --replace`"
        )
    docs = seed_documents()
    for code, p in docs["pillars"].items():
        ledger.add_pillar(session, code, p["title_en"], p["title_ja"], f"proposal-2022:{code}")
    for key, k in docs["kpis"].items():
        ledger.add_kpi(
            session,
            key,
            k["pillar"],
            k["label_en"],
            k["label_ja"],
            k["unit"],
            k["baseline_year"],
            k["source"],
            direction=k.get("direction", "increase"),
            min_value=k.get("min"),
            max_value=k.get("max"),
            indicator=k.get("indicator"),
            note=k.get("note", ""),
        )
    for m in docs["measures"]:
        fields = {f: v for f, v in m.items() if f not in ("code", "pillar")}
        ledger.add_measure(session, m["code"], m["pillar"], **fields)
    for m in docs["milestones"]:
        fields = {f: v for f, v in m.items() if f not in ("code", "pillar")}
        ledger.add_milestone(session, m["code"], m["pillar"], **fields)
    targets = 0
    for entry in docs["revisions"]:
        changes = [
            revisions.TargetChange(
                kpi=c["kpi"],
                year=int(c["year"]),
                value=c["value"],
                reason=c["reason"],
                source=c.get("source", ""),
                note=c.get("note"),
            )
            for c in entry.get("changes", ())
        ]
        rev = revisions.open_next(session, int(entry["year"]), entry.get("note", ""), changes)
        for t in entry.get("targets", ()):
            kpi = ledger.kpi(session, t["kpi"])
            session.add(
                Target(
                    revision_id=rev.id,
                    kpi_id=kpi.id,
                    year=ledger.check_year(t["year"]),
                    value=ledger.to_kpi_unit(kpi, ledger.check_number(t["value"]), None),
                    source=ledger.check_text(t["source"], "source", limit=300),
                    note=ledger.check_text(t.get("note"), "note", required=False),
                )
            )
            targets += 1
        session.flush()
    revisions.publish(session)
    with resources.as_file(
        resources.files("chikuden.data").joinpath("roadmap", "actuals.csv")
    ) as path:
        report = exchange.import_actuals(session, path)
    for key, value in ledger.DEFAULT_SETTINGS.items():
        session.add(Setting(key=key, value=value))
    session.flush()
    return {
        "pillars": len(docs["pillars"]),
        "kpis": len(docs["kpis"]),
        "measures": len(docs["measures"]),
        "milestones": len(docs["milestones"]),
        "revisions": len(docs["revisions"]),
        "targets": targets,
        "actuals": report.imported,
    }
