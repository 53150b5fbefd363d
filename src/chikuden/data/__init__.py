"""The bundled data: parameter, table and indicator declarations, the bibliography, the
scenarios and the roadmap seed, shipped with the package.

The declarations are ours and trusted, so their YAML is read by :func:`read_yaml` with PyYAML's
C loader (libyaml, about ten times faster than the pure-Python one; PyYAML's wheels for
Linux, macOS and Windows include it). Anything a user hands chikuden (a
scenario file, a ``--set`` value, a roadmap import) goes through the strict reader in
:mod:`chikuden.reading` instead, and so do the bundled scenarios, read as a user's file is.
``tests/test_data_yaml.py`` checks that both loaders give the same values for every bundled
file and that the strict reader refuses none of them (docs/developing.md, "Reading
YAML").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DATA = Path(__file__).parent
"""The folder of the bundled data. The package is installed as files (setuptools never zips
it), so a path does what ``importlib.resources.files("chikuden.data")`` does, without that
module's imports (zipfile, tempfile ...: about 8 ms of the first API use, issue 12)."""


def read_yaml(*parts: str) -> Any:
    """The bundled YAML file ``data/<parts...>``, parsed (``None`` for an empty file)."""
    import yaml  # here, not at module level: not every reader of bundled data needs it

    text = DATA.joinpath(*parts).read_text(encoding="utf-8")
    return yaml.load(text, Loader=yaml.CSafeLoader)
