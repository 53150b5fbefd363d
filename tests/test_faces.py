"""No face imports the model: the command line, the HTML report, the roadmap's report and the
web pages call the Python API (chikuden.api, chikuden.calculators, chikuden.formatting), and the
roadmap ledger does not import the HTML report (issue 16, "one API under every face").

The scan reads every module's syntax tree, so it sees imports at module level, inside
functions and under ``if TYPE_CHECKING:``, relative imports, ``from chikuden import model`` and
``importlib.import_module("chikuden.model...")`` with a literal name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "chikuden"

#: The faces, relative to the package: files, and folders taken whole (``web`` once it exists).
FACES = ("cli.py", "commands", "report", "roadmap/report.py", "web")


def modules(root: Path, entries: tuple[str, ...]) -> Iterator[tuple[str, Path]]:
    """``(dotted module name, path)`` of every Python file among ``entries`` under ``root``."""
    for entry in entries:
        path = root / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
        for file in files:
            parts = file.relative_to(root.parent).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), file


def imported(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """``(line, dotted name)`` of everything ``path`` imports, wherever the import stands."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            yield node.lineno, base
            for alias in node.names:  # `from chikuden import model` names a module too
                yield node.lineno, f"{base}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def offending(root: Path, entries: tuple[str, ...], forbidden: str) -> list[str]:
    """``module:line imports name`` for each import of ``forbidden`` or a module under it (the
    first name of each line)."""
    found: dict[tuple[str, int], str] = {}
    for module, path in modules(root, entries):
        for line, name in imported(module, path):
            if name == forbidden or name.startswith(forbidden + "."):
                found.setdefault((module, line), name)
    return [f"{module}:{line} imports {name}" for (module, line), name in found.items()]


def test_the_scan_sees_every_form_of_import(tmp_path: Path) -> None:
    pkg = tmp_path / "chikuden"
    (pkg / "commands").mkdir(parents=True)
    (pkg / "model").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "commands" / "__init__.py").write_text("")
    (pkg / "commands" / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from chikuden.model.dataflow import Graph\n"  # 3
        "def f() -> None:\n"
        "    from ..model import system\n"  # 5
        "    from chikuden import model\n"  # 6
        "    import chikuden.model.charging.queueing as q\n"  # 7
        "    import importlib\n"
        "    importlib.import_module('chikuden.model.system')\n"  # 9
        "    from chikuden import models, api\n"  # neither is the model
    )
    (pkg / "cli.py").write_text("from chikuden.api import evaluate\n")
    found = offending(pkg, ("cli.py", "commands", "web"), "chikuden.model")
    assert [f.split(" ")[0] for f in found] == [
        "chikuden.commands.a:3",
        "chikuden.commands.a:5",
        "chikuden.commands.a:6",
        "chikuden.commands.a:7",
        "chikuden.commands.a:9",
    ]


def test_the_faces_are_found() -> None:
    names = {module for module, _ in modules(PACKAGE, FACES)}
    assert {
        "chikuden.cli",
        "chikuden.commands.charging",
        "chikuden.commands.minerals",
        "chikuden.commands.product",
        "chikuden.report.charts",
        "chikuden.report.graph",
        "chikuden.roadmap.report",
    } <= names


@pytest.mark.parametrize("face", FACES)
def test_no_face_imports_the_model(face: str) -> None:
    found = offending(PACKAGE, (face,), "chikuden.model")
    assert not found, (
        "a face imports the model; call chikuden.api (or chikuden.calculators) instead:\n"
        + "\n".join(found)
    )


def test_the_roadmap_does_not_import_the_html_report() -> None:
    found = offending(PACKAGE, ("roadmap",), "chikuden.report")
    assert not found, (
        "the roadmap imports the HTML report's package; shared number formatting is "
        "chikuden.formatting, chart style chikuden.charting:\n" + "\n".join(found)
    )
