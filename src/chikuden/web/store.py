"""Saved scenarios: the web simulator's scenarios saved by name in the roadmap ledger's database.

A saved scenario is a scenario YAML (:class:`chikuden.roadmap.models.SavedScenario`), the text
``GET /api/scenarios/{name}.yaml`` gives and ``chikuden run --scenario FILE`` accepts. It
extends a bundled scenario directly: a scenario saved on top of a saved one copies that one's
values into its own file, so every file runs on its own. Names are unique among the bundled
and saved scenarios and never reused: there is no update and no delete, so a link to a saved
scenario keeps its numbers.

The database is the ledger's (``--db`` / ``$CHIKUDEN_DB`` / the default SQLite file, as
``chikuden roadmap``): opened on first use and created or upgraded to the current schema (the
table ``saved_scenarios``, migration 0003) like ``chikuden roadmap upgrade`` does.

Writing is open to anyone who can reach the server for now; issue 17 adds accounts.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from chikuden.parameters.scenario import Scenario, list_scenarios, scenario_from_text
from chikuden.reading import load_yaml

if TYPE_CHECKING:
    from chikuden.roadmap.db import Ledger

WRITER = "web"
"""Who the saved rows name as their writer until the server has accounts (issue 17)."""


@dataclass(frozen=True)
class Saved:
    """A saved scenario as listed: name, base (the bundled scenario it extends), title."""

    name: str
    base: str
    title: str
    created_at: str


def document(
    name: str,
    base: str,
    title: str,
    values: Mapping[str, float | list[float]],
    base_doc: str | None = None,
) -> str:
    """The scenario YAML of ``values`` set on ``base``: a bundled scenario it extends, or the
    YAML of a saved scenario (``base_doc``) whose values it copies, ours replacing theirs."""
    doc: dict[str, Any]
    if base_doc is None:
        doc = {"name": name, "extends": base}
        params: dict[str, Any] = {}
    else:
        doc = dict(load_yaml(base_doc, f"saved scenario {base}"))
        doc.pop("name", None)
        doc = {"name": name, **doc}
        params = dict(doc.get("parameters") or {})
    doc["title"] = {"en": title, "ja": title}
    doc.pop("description", None)
    for key, value in values.items():
        # a yearly path (a derived lever's, chikuden.web.derived) as one value per year
        params[key] = [_number(v) for v in value] if isinstance(value, list) else _number(value)
    doc["parameters"] = params
    if not params:
        del doc["parameters"]
    text: str = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    return text


def _number(value: float) -> float | int:
    """A whole number below 1e15 as its digits (3500, not 3500.0); the reader takes both, and
    a longer run of digits than reading.MAX_NUMBER_TEXT would be refused."""
    whole = math.isfinite(value) and value.is_integer() and abs(value) < 1e15
    return int(value) if whole else value


class ScenarioStore:
    """The saved scenarios of one database; loaded scenarios kept by name (they never change)."""

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._ledger: Ledger | None = None
        self._lock = threading.Lock()
        self._loaded: dict[str, Scenario] = {}

    def ledger(self) -> Ledger:
        with self._lock:
            if self._ledger is None:
                from chikuden.roadmap.db import Ledger

                self._ledger = Ledger.open(self.db, user=WRITER, create=True)
            return self._ledger

    def close(self) -> None:
        with self._lock:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None

    def list(self) -> list[Saved]:
        from sqlalchemy import select

        from chikuden.roadmap.models import SavedScenario

        with self.ledger().reading() as session:
            rows = session.execute(
                select(
                    SavedScenario.name,
                    SavedScenario.base,
                    SavedScenario.title,
                    SavedScenario.created_at,
                ).order_by(SavedScenario.name)
            ).all()
        return [Saved(r[0], r[1], r[2], r[3].isoformat(timespec="seconds")) for r in rows]

    def text(self, name: str) -> str | None:
        """The YAML of the saved scenario ``name`` (None: no such saved scenario)."""
        from sqlalchemy import select

        from chikuden.roadmap.models import SavedScenario

        with self.ledger().reading() as session:
            found = session.execute(
                select(SavedScenario.document).where(SavedScenario.name == name)
            ).scalar_one_or_none()
        return None if found is None else str(found)

    def scenario(self, name: str) -> Scenario | None:
        """The saved scenario ``name``, loaded (None: no such saved scenario)."""
        if name in self._loaded:
            return self._loaded[name]
        text = self.text(name)
        if text is None:
            return None
        loaded = scenario_from_text(text, f"saved scenario {name}", name)
        self._loaded[name] = loaded
        return loaded

    def exists(self, name: str) -> bool:
        return name in list_scenarios() or self.text(name) is not None

    def add(self, name: str, base: str, title: str, text: str) -> Scenario:
        """Check ``text`` as a scenario file and store it under ``name``; nothing is stored
        when the check fails (:class:`chikuden.errors.ChikudenError`) or the name is taken
        (:class:`chikuden.roadmap.errors.ConflictError`, also when another writer took it
        at the same moment)."""
        from sqlalchemy import select

        from chikuden.roadmap.errors import ConflictError
        from chikuden.roadmap.models import SavedScenario

        loaded = scenario_from_text(text, f"scenario {name}", name)
        with self.ledger().transaction() as session:
            taken = session.execute(
                select(SavedScenario.id).where(SavedScenario.name == name)
            ).first()
            if taken is not None or name in list_scenarios():
                raise ConflictError(
                    f"name: a scenario named {name!r} exists already; choose another name "
                    "(saved scenarios are never overwritten)"
                )
            session.add(
                SavedScenario(name=name, base=base, title=title, document=text, created_by=WRITER)
            )
        self._loaded[name] = loaded
        return loaded
