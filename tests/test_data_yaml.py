"""The bundled YAML (src/chikuden/data/**) read by the C loader gives what the pure-Python
loader gives, and holds nothing the strict reader for user input would refuse.

``chikuden.data.read_yaml`` parses the bundled files with PyYAML's ``CSafeLoader`` (libyaml)
instead of the pure-Python ``SafeLoader`` (about 0.03 s instead of 0.28 s for all of them), and
the strict reader in ``chikuden.reading`` stays the door for user input. Both claims are checked
on every bundled file, compared with types (``1 == 1.0 == True`` in Python; a date is not its
text) and floats by ``repr`` (NaN equals NaN, -0.0 differs from 0.0).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    NodeEvent,
)

import chikuden.data
from chikuden import reading
from chikuden.errors import ChikudenError

DATA = Path(chikuden.data.__file__).parent
BUNDLED = sorted(DATA.rglob("*.yaml"))


def typed(value: Any) -> Any:
    """``value`` as a tree in which every leaf carries its type, floats compared by ``repr``."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def write_out_aliases(text: str) -> str:
    """``text`` with each alias (``*name``) replaced by the node its anchor (``&name``) marks,
    written out again, and anchors dropped; everything else as the parser saw it (so a key
    given twice stays twice, and a control character is refused by the pure-Python reader)."""
    anchored: dict[str, list[Event]] = {}
    recording: list[tuple[str, list[Event], list[int]]] = []  # anchor, events, open depth
    out: list[Event] = []

    def put(event: Event) -> None:
        out.append(event)
        for name, events, depth in list(recording):
            events.append(event)
            if isinstance(event, CollectionStartEvent):
                depth[0] += 1
            elif isinstance(event, CollectionEndEvent):
                depth[0] -= 1
                if depth[0] == 0:
                    anchored[name] = events
                    recording.remove((name, events, depth))

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, AliasEvent):
            assert event.anchor is not None
            for replay in anchored[event.anchor]:
                put(replay)
            continue
        if isinstance(event, NodeEvent) and event.anchor is not None:
            name = event.anchor
            event = copy.copy(event)
            event.anchor = None
            if isinstance(event, CollectionStartEvent):
                recording.append((name, [], [0]))
            else:
                anchored[name] = [event]
        put(event)
    emitted: str = yaml.emit(out, allow_unicode=True, width=10_000)
    return emitted


def test_every_folder_of_bundled_yaml_is_covered() -> None:
    folders = {p.relative_to(DATA).parts[0] for p in BUNDLED}
    assert {"indicators", "parameters", "roadmap", "scenarios", "sources", "tables"} <= folders


def test_read_yaml_uses_the_c_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[type] = []
    real = yaml.load

    def spy(stream: Any, Loader: type) -> Any:
        used.append(Loader)
        return real(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "load", spy)
    chikuden.data.read_yaml("parameters", "rules.yaml")
    assert used == [yaml.CSafeLoader]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(DATA)))
def test_c_loader_reads_each_bundled_file_as_the_python_loader_does(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    reference = typed(yaml.load(text, Loader=yaml.SafeLoader))
    assert typed(yaml.load(text, Loader=yaml.CSafeLoader)) == reference
    assert typed(chikuden.data.read_yaml(*path.relative_to(DATA).parts)) == reference


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(DATA)))
def test_strict_reader_refuses_nothing_in_each_bundled_file(path: Path) -> None:
    # The one thing bundled data may use that user input may not: an anchor naming a list once
    # (the country codes of data/tables/schemas/40-minerals.yaml). Written out, the file must
    # pass every other check: no key twice, no control character, the limits of depth, size,
    # number text and count of values.
    text = path.read_text(encoding="utf-8")
    expanded = write_out_aliases(text)
    reading.load_yaml(expanded, str(path))  # raises ParameterError on any refusal
    assert typed(yaml.safe_load(expanded)) == typed(yaml.safe_load(text))


def test_writing_out_aliases_keeps_what_the_strict_reader_checks() -> None:
    text = "a: &x [1, 2]\nb: *x\n"
    with pytest.raises(ChikudenError, match="anchors and aliases"):
        reading.load_yaml(text, "t")
    assert reading.load_yaml(write_out_aliases(text), "t") == {"a": [1, 2], "b": [1, 2]}
    nested = "a: &x {k: [1, {m: 2}]}\nb: *x\nc: &y 3\nd: *y\n"
    assert yaml.safe_load(write_out_aliases(nested)) == yaml.safe_load(nested)
    with pytest.raises(ChikudenError, match="appears twice"):
        reading.load_yaml(write_out_aliases("a: &x 1\nb: *x\nb: 2\n"), "t")
