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
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from chikuden.errors import ParameterError, ScenarioNotFoundError, did_you_mean
from chikuden.parameters.declarations import declarations
from chikuden.parameters.sources import resolve_source, split_sources

DEFAULT_SCENARIO = "proposal-2022"
_TOP_KEYS = {"name", "extends", "title", "description", "parameters"}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_POINTS_RE = re.compile(r"^\s*\d{4}\s*:\s*[-+0-9.eE_]+\s*(;\s*\d{4}\s*:\s*[-+0-9.eE_]+\s*)*;?\s*$")


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
        self, overrides: Mapping[str, Any] | Iterable[str], source: str = "user-override"
    ) -> Scenario:
        """A copy with more values set (``{"a.b": 1}`` or ``["a.b=1"]``), citing ``source``."""
        pairs = _parse_overrides(overrides)
        values = dict(self.overrides)
        sources = dict(self.override_sources)
        notes = dict(self.override_notes)
        for key, raw in pairs.items():
            decl = _declaration(key, "--set")
            values[key] = decl.validate(raw, "--set")
            sources[key] = (source,)
            notes[key] = f"set to {raw!r} by the user"
        return replace(self, overrides=values, override_sources=sources, override_notes=notes)


def _declaration(key: str, where: str) -> Any:
    decls = declarations()
    if key not in decls:
        raise ParameterError(
            f"{where}: unknown parameter {key!r}{did_you_mean(key, decls)}; "
            "`chikuden params` lists them all"
        )
    return decls[key]


def _parse_overrides(overrides: Mapping[str, Any] | Iterable[str]) -> dict[str, Any]:
    if isinstance(overrides, Mapping):
        return dict(overrides)
    out: dict[str, Any] = {}
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(
                f"--set {item!r}: expected PATH=VALUE, e.g. --set targets.japan_share_2030=0.25"
            )
        if _POINTS_RE.match(text):
            # "2021:0.8" or "2021:0.1;2030:0.5": year points, which YAML 1.1 would misread
            # as a base-60 number; the path parser reads them as given.
            out[key.strip()] = text.strip()
            continue
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ParameterError(f"--set {item!r}: value is not valid YAML ({exc})") from None
        out[key.strip()] = value
    return out


def _bundled_dir() -> Any:
    return resources.files("chikuden.data").joinpath("scenarios")


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
        scenario = scenario.with_overrides(overrides)
    return scenario


def _load(name_or_path: str, chain: tuple[str, ...]) -> Scenario:
    if name_or_path in chain:
        raise ParameterError(f"scenario {name_or_path!r}: extends itself via {' -> '.join(chain)}")
    path = Path(name_or_path)
    if name_or_path in list_scenarios():
        text = _bundled_dir().joinpath(f"{name_or_path}.yaml").read_text(encoding="utf-8")
        where, base_dir, bundled = f"scenario {name_or_path}", None, True
    elif path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ScenarioNotFoundError(f"scenario file {str(path)!r} not found")
        text = path.read_text(encoding="utf-8")
        where, base_dir, bundled = str(path), path.parent, False
    else:
        raise ScenarioNotFoundError(
            f"unknown scenario {name_or_path!r}{did_you_mean(name_or_path, list_scenarios())}; "
            f"bundled: {', '.join(list_scenarios())}, or give a path to a .yaml file"
        )
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ParameterError(f"{where}: malformed YAML{at}: {problem}; fix the file") from None
    if not isinstance(doc, dict):
        raise ParameterError(f"{where}: expected a mapping with a 'parameters' section")
    extra = set(doc) - _TOP_KEYS
    if extra:
        key = sorted(extra)[0]
        raise ParameterError(
            f"{where}: unknown key {key!r}{did_you_mean(key, _TOP_KEYS)}; "
            f"allowed: {', '.join(sorted(_TOP_KEYS))}"
        )
    name = str(doc.get("name") or (path.stem if not bundled else name_or_path))
    if not _NAME_RE.match(name):
        raise ParameterError(
            f"{where}: name {name!r} must be lower-case letters, digits, '.', '-' or '_'"
        )
    if doc.get("extends"):
        base = _load(str(doc["extends"]), (*chain, name_or_path))
    else:
        base = Scenario(name=name)
    values = dict(base.overrides)
    sources = dict(base.override_sources)
    notes = dict(base.override_notes)
    params = doc.get("parameters") or {}
    if not isinstance(params, dict):
        raise ParameterError(f"{where}: 'parameters' must be a mapping of name: value")
    for key, entry in params.items():
        decl = _declaration(str(key), where)
        if isinstance(entry, dict) and "value" in entry:
            raw = entry["value"]
            cited = entry.get("source")
            if isinstance(cited, list):
                keys = tuple(str(k) for k in cited)
            else:
                keys = split_sources(str(cited or ""))
            note = str(entry.get("note", ""))
        else:
            raw, keys, note = entry, (), ""
        if not keys:
            if bundled:
                raise ParameterError(f"{where}: {key} has no source; every bundled value is cited")
            keys = ("user-scenario-file",)
            note = note or f"from {where}"
        for k in keys:
            resolve_source(k, f"{where}: {key}")
        values[str(key)] = decl.validate(raw, where, base_dir)
        sources[str(key)] = keys
        notes[str(key)] = note
    title = doc.get("title") or {}
    desc = doc.get("description") or {}
    if not isinstance(title, dict) or not isinstance(desc, dict):
        raise ParameterError(f"{where}: title and description are mappings with en and ja")
    return Scenario(
        name=name,
        title_en=str(title.get("en", base.title_en or name)),
        title_ja=str(title.get("ja", base.title_ja or name)),
        description_en=str(desc.get("en", "")),
        description_ja=str(desc.get("ja", "")),
        overrides=values,
        override_sources=sources,
        override_notes=notes,
        origin=where,
    )
