"""Scenario files: YAML that overrides declared defaults, each value with its source.

A bundled scenario looks like::

    name: meti-strategy-2022
    extends: proposal-2022            # optional: start from another scenario
    title: {en: "...", ja: "..."}
    description: {en: "...", ja: "..."}
    parameters:
      finance.subsidy_base_rate_share:
        value: 0.3333
        source: meti-subsidy-rounds-2023-2024
        note: "capex subsidy 1/3 (SME 1/2)"

A user's own file may write ``name: value`` without a source; such values cite the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from chikuden.data import DATA
from chikuden.errors import N_, ParameterError, ScenarioNotFoundError, did_you_mean
from chikuden.parameters.declarations import declarations, parameter_rules, rule_fields
from chikuden.parameters.documents import MAX_NAME, NAME_PATTERN, CitedValue, ScenarioDocument
from chikuden.parameters.rules import check_parameters
from chikuden.parameters.sources import resolve_source, split_sources
from chikuden.reading import MAX_EXTENDS, load_yaml, read_text, show

DEFAULT_SCENARIO = "proposal-2022"
_CITED_KEYS = {"value", "source", "note"}
_NAME_RE = re.compile(NAME_PATTERN)
_POINTS_RE = re.compile(
    r"^\s*[0-9]{4}\s*:\s*[-+0-9.eE]+\s*(;\s*[0-9]{4}\s*:\s*[-+0-9.eE]+\s*)*;?\s*$"
)


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter values: defaults plus the scenario's overrides."""

    name: str
    title_en: str = ""
    title_ja: str = ""
    description_en: str = ""
    description_ja: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    override_sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    override_notes: dict[str, str] = field(default_factory=dict)
    origin: str = ""
    uncertainty: dict[str, Any] = field(default_factory=dict)
    """The file's ``uncertainty:`` key merged over those it extends (docs/uncertainty.md)."""

    def value(self, name: str) -> Any:
        """The value of parameter ``name`` in this scenario (override or default)."""
        if name in self.overrides:
            return self.overrides[name]
        return declarations()[name].default

    def sources_of(self, name: str) -> tuple[str, ...]:
        """Bibliography keys behind this scenario's value of ``name``."""
        if name in self.override_sources:
            return self.override_sources[name]
        return declarations()[name].source

    def note_of(self, name: str) -> str:
        return self.override_notes.get(name, declarations()[name].note)

    def with_overrides(
        self,
        overrides: Mapping[str, Any] | Iterable[str],
        source: str = "user-override",
        where: str = "--set",
    ) -> Scenario:
        """A copy with more values set (``{"a.b": 1}`` or ``["a.b=1"]``), citing ``source``.

        where : how messages name the input the values came from (``--set`` on the command
            line, ``parameters`` in a web request)
        """
        pairs = _parse_overrides(overrides)
        values = dict(self.overrides)
        sources = dict(self.override_sources)
        notes = dict(self.override_notes)
        for key, raw in pairs.items():
            decl = _declaration(key, where)
            values[key] = decl.validate(raw, where)
            sources[key] = (source,)
            notes[key] = f"set to {show(raw)} by the user"
        out = replace(self, overrides=values, override_sources=sources, override_notes=notes)
        out.check_rules(where if source == "user-override" else source)
        return out

    def check_rules(self, where: str = "") -> None:
        """Raise :class:`ParameterError` if the values break a cross-field rule."""
        values = {r: np.asarray(self.value(r))[None, ...] for r in rule_fields()}
        check_parameters(parameter_rules(), values, where or self.origin or f"scenario {self.name}")


def _declaration(key: str, where: str) -> Any:
    decls = declarations()
    if key not in decls:
        hint = did_you_mean(key, decls) if len(key) <= 200 else ""
        raise ParameterError(
            N_(
                "{at}: unknown parameter {key}{hint}; `chikuden params` lists them all",
                at=where,
                key=show(key),
                hint=hint,
            )
        )
    return decls[key]


def _parse_overrides(overrides: Mapping[str, Any] | Iterable[str]) -> dict[str, Any]:
    if isinstance(overrides, Mapping):
        return {str(k): v for k, v in overrides.items()}
    out: dict[str, Any] = {}
    for item in overrides:
        key, sep, text = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(
                f"--set {show(item)}: expected PATH=VALUE, e.g. --set targets.japan_share_2030=0.25"
            )
        if key in out:
            raise ParameterError(f"--set {show(key)} is given twice; give each parameter once")
        if _POINTS_RE.match(text):
            # "2021:0.8" or "2021:0.1;2030:0.5": year points, read by the path parser.
            out[key] = text.strip()
            continue
        # A number, a word, or a YAML mapping such as {rows: [...]}; numbers only in plain
        # ASCII decimal (reading.NUMBER_RE), so "1_0", "٣" and "０.５" are refused, not misread.
        out[key] = load_yaml(text, f"--set {show(key)}")
    return out


def _bundled_dir() -> Path:
    return DATA.joinpath("scenarios")


@cache
def list_scenarios() -> tuple[str, ...]:
    """Names of the bundled scenarios."""
    return tuple(sorted(p.name[:-5] for p in _bundled_dir().iterdir() if p.name.endswith(".yaml")))


def load_scenario(
    name_or_path: str | Path = DEFAULT_SCENARIO,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
) -> Scenario:
    """Load a bundled scenario by name, or a YAML file by path, then apply ``overrides``."""
    scenario = _load(str(name_or_path), ())
    if overrides:
        return scenario.with_overrides(overrides)
    if str(name_or_path) not in list_scenarios():  # a bundled one: tests/test_parameters.py
        scenario.check_rules()
    return scenario


def _locate(name_or_path: str, base_dir: Path | None) -> tuple[str, str, str, Path | None]:
    """Find a bundled scenario or a file: (identity, text, where, folder of the file)."""
    if name_or_path in list_scenarios():
        text = _bundled_dir().joinpath(f"{name_or_path}.yaml").read_text(encoding="utf-8")
        return f"bundled:{name_or_path}", text, f"scenario {name_or_path}", None
    unknown = ScenarioNotFoundError(
        N_(
            "unknown scenario {name}{hint}; bundled: {names}, or give a path to a .yaml file",
            name=show(name_or_path),
            hint=did_you_mean(name_or_path, list_scenarios()) if len(name_or_path) < 200 else "",
            names=", ".join(list_scenarios()),
        )
    )
    if "\x00" in name_or_path or not name_or_path.strip():
        raise unknown
    path = Path(name_or_path)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    try:
        exists = path.exists()
        is_file = path.is_file()
    except OSError as exc:  # a name too long for the file system, a path through a file
        raise ScenarioNotFoundError(
            f"scenario file {show(str(path))} cannot be opened ({exc.strerror or exc})"
        ) from None
    if path.suffix not in (".yaml", ".yml") and not exists:
        raise unknown
    if not is_file:
        raise ScenarioNotFoundError(
            f"scenario file {show(str(path))} not found"
            + (" (paths in extends: are relative to the file's folder)" if base_dir else "")
        )
    where = str(path) if len(str(path)) <= 200 else show(str(path), 200)
    return str(path.resolve()), read_text(path, where), where, path.parent


def scenario_from_text(text: str, where: str, default_name: str = "uploaded") -> Scenario:
    """A scenario from the text of a YAML file that is not on this machine (an upload to the
    web server), checked as a user's file is.

    Such a file can name nothing on this machine: it may extend only a bundled scenario, and a
    table parameter takes a bundled table or inline ``rows``, not a ``csv:`` path. A value
    without a source cites ``user-scenario-file``, as in any user's file.
    """
    doc = ScenarioDocument.read(load_yaml(text, where), where)
    if doc.extends is not None and doc.extends not in list_scenarios():
        raise ParameterError(
            N_(
                "{at}: extends: {name} is not a bundled scenario; a file sent to the server may "
                "extend only one of {names}",
                at=where,
                name=show(doc.extends),
                names=", ".join(list_scenarios()),
            )
        )
    for key, entry in (doc.parameters or {}).items():
        raw = entry.get("value") if isinstance(entry, dict) and _CITED_KEYS & set(entry) else entry
        if isinstance(raw, dict) and "csv" in raw:
            raise ParameterError(
                N_(
                    "{at}: {key}: csv: names a file on this machine; give the table's rows "
                    "inline (rows: [...]) or a bundled table (table: NAME)",
                    at=where,
                    key=key,
                )
            )
    scenario = _read(text, where, f"text:{where}", (), None, False, default_name)
    scenario.check_rules()
    return scenario


def _load(name_or_path: str, chain: tuple[str, ...], base_dir: Path | None = None) -> Scenario:
    ident, text, where, folder = _locate(name_or_path, base_dir)
    bundled = folder is None
    default_name = name_or_path if bundled else Path(name_or_path).stem
    return _read(text, where, ident, chain, folder, bundled, default_name)


def _read(
    text: str,
    where: str,
    ident: str,
    chain: tuple[str, ...],
    folder: Path | None,
    bundled: bool,
    default_name: str,
) -> Scenario:
    if ident in chain:
        raise ParameterError(f"{where}: the extends: chain comes back to this file; remove a link")
    if len(chain) >= MAX_EXTENDS:
        raise ParameterError(
            f"{where}: the extends: chain is longer than the limit of {MAX_EXTENDS} files; "
            "extend a file nearer to a bundled scenario"
        )
    doc = ScenarioDocument.read(load_yaml(text, where), where)
    name = doc.name or default_name
    if not _NAME_RE.match(name) or len(name) > MAX_NAME:
        raise ParameterError(
            N_(
                "{at}: name {name} must be lower-case letters, digits, '.', '-' or '_' (at most "
                "{most}); add `name: my-scenario` to the file",
                at=where,
                name=show(name),
                most=MAX_NAME,
            )
        )
    base = _load(doc.extends, (*chain, ident), folder) if doc.extends else Scenario(name=name)
    values = dict(base.overrides)
    sources = dict(base.override_sources)
    notes = dict(base.override_notes)
    for key, entry in (doc.parameters or {}).items():
        decl = _declaration(key, where)
        if isinstance(entry, dict) and _CITED_KEYS & set(entry):
            cited = CitedValue.read(entry, f"{where}: {key}")
            raw = cited.value
            if isinstance(cited.source, list):
                keys = tuple(k.strip() for k in cited.source if k.strip())
            else:
                keys = split_sources(cited.source or "")
            note = cited.note or ""
        else:
            raw, keys, note = entry, (), ""
        if not keys:
            if bundled:
                raise ParameterError(
                    N_("{at}: {key} has no source; every bundled value is cited", at=where, key=key)
                )
            keys = ("user-scenario-file",)
            note = note or f"from {where}"
        if not bundled:  # a bundled scenario's keys are resolved by tests/test_sources.py
            for k in keys:
                resolve_source(k, f"{where}: {key}")
        values[key] = decl.validate(raw, where, folder)
        sources[key] = keys
        notes[key] = note
    uncertainty = _uncertainty(base.uncertainty, doc.uncertainty, where)
    title = doc.title
    desc = doc.description
    return Scenario(
        name=name,
        title_en=(title.en if title and title.en else None) or base.title_en or name,
        title_ja=(title.ja if title and title.ja else None) or base.title_ja or name,
        description_en=(desc.en if desc else None) or "",
        description_ja=(desc.ja if desc else None) or "",
        overrides=values,
        override_sources=sources,
        override_notes=notes,
        origin=where,
        uncertainty=uncertainty,
    )


def _uncertainty(base: dict[str, Any], raw: Any, where: str) -> dict[str, Any]:
    """The ``uncertainty:`` key of a file over that of the file it extends, checked."""
    if raw is None:
        return base
    from chikuden.uncertainty.distributions import read_spec

    read_spec(raw, where)  # one line naming the field if anything is wrong
    params = {**(base.get("parameters") or {}), **(raw.get("parameters") or {})}
    pairs = {
        tuple(sorted(p[:2])): p
        for p in [*(base.get("correlations") or []), *(raw.get("correlations") or [])]
    }  # a pair given again replaces the one it extends
    return {"parameters": params, "correlations": list(pairs.values())}
