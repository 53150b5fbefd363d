"""Array annotations in the package name their dtype (``NDArray[np.float64]``, masks
``NDArray[np.bool_]``, indices ``NDArray[np.intp]``), never a bare ``np.ndarray``.

``scripts/spell_arrays.py`` rewrites bare ones; this test keeps new code spelled.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "chikuden"


def _annotations(tree: ast.AST) -> list[ast.expr]:
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.AnnAssign, ast.arg)) and node.annotation is not None:
            found.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            found.append(node.returns)
    return found


def test_no_bare_ndarray_in_an_annotation() -> None:
    bare = [
        f"{path.relative_to(SRC)}:{ann.lineno}: {ast.unparse(ann)}"
        for path in sorted(SRC.rglob("*.py"))
        for ann in _annotations(ast.parse(path.read_text(encoding="utf-8")))
        if "np.ndarray" in ast.unparse(ann) or "numpy.ndarray" in ast.unparse(ann)
    ]
    assert bare == [], "run python scripts/spell_arrays.py"


def test_the_check_finds_a_bare_annotation() -> None:
    tree = ast.parse("def f(x: np.ndarray) -> NDArray[np.float64]: ...")
    assert {ast.unparse(a) for a in _annotations(tree)} == {"np.ndarray", "NDArray[np.float64]"}
