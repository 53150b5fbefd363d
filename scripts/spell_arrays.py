"""Spell array annotations with their dtype: ``np.ndarray`` -> ``NDArray[np.float64]`` etc.

Usage: ``python scripts/spell_arrays.py [PATH ...]`` (default ``src/chikuden``), from the
repository root. Idempotent: a file without a bare ``np.ndarray`` in an annotation is left alone.

Every ``np.ndarray`` inside a type expression becomes ``NDArray[<dtype>]`` and the file imports
``from numpy.typing import NDArray``. Type expressions are a parameter's or return annotation,
an annotated assignment or dataclass field, a ``cast`` target, a class's base such as
``dict[str, np.ndarray]`` and a type alias at module level such as ``Num = np.ndarray | float``.
The model's arrays are float unless :data:`DTYPES` says otherwise: bool masks are ``np.bool_``,
row and year indices ``np.intp``, each listed by module, the function or class the annotation is
in and the name annotated. A name listed there that the script does not find is reported (a
renamed function must be renamed here too). Then ``ruff check --fix --select I`` sorts the
imports and ``ruff format`` wraps the lines made longer. ``isinstance(x, np.ndarray)`` and other
run-time uses are left alone.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FLOAT = "np.float64"
BOOL = "np.bool_"
INT = "np.intp"  # np.arange, np.flatnonzero, argmax: the platform's index type
#: A whole annotation rather than a dtype (it contains "NDArray"): a value that may be either.
ANY_FLOAT_OR_BOOL = "NDArray[np.float64] | NDArray[np.bool_]"
IMPORT = "from numpy.typing import NDArray"

#: (module path under src/, qualified name of the enclosing function or class ("" for module
#: level), the annotated name: a parameter, "return", a field or a variable) -> its dtype, or
#: one dtype per ``np.ndarray`` of the annotation, in source order.
DTYPES: dict[tuple[str, str, str], str | tuple[str, ...]] = {
    # -- bool masks, int indices and years ------------------------------------------------------
    ("chikuden/indicators.py", "Output.years", "return"): INT,
    ("chikuden/parameters/params.py", "TableArrays.is_", "return"): BOOL,
    ("chikuden/model/outputs.py", "Outputs.indicator", "value"): (ANY_FLOAT_OR_BOOL,),
    # bool * 1.0 + bool is float64, which numpy's stubs type as some np.floating
    ("chikuden/model/outputs.py", "Outputs.serie", "value"): "np.floating[Any]",
    ("chikuden/model/outputs.py", "_as_series", "value"): "np.floating[Any]",
    ("chikuden/model/capacity.py", "in_pipeline", "return"): BOOL,
    ("chikuden/model/capacity.py", "Layout", "planned"): BOOL,
    ("chikuden/model/capacity.py", "Layout", "cells"): BOOL,
    ("chikuden/model/capacity.py", "Layout", "members"): INT,
    ("chikuden/model/capacity.py", "Layout", "masks"): BOOL,
    ("chikuden/model/capacity.py", "Layout", "curve_rows"): INT,
    ("chikuden/model/capacity.py", "Layout", "curve_of"): INT,
    ("chikuden/model/carbon/__init__.py", "in_force", "return"): BOOL,
    ("chikuden/model/charging/queueing.py", "_mean_wait", "deterministic"): BOOL,
    ("chikuden/model/charging/queueing.py", "performance", "deterministic"): BOOL,
    ("chikuden/model/charging/queueing.py", "size", "deterministic"): BOOL,
    ("chikuden/model/finance/plant_economics.py", "Plant", "calendar"): INT,
    ("chikuden/model/finance/plant_economics.py", "read_paths", "calendar"): INT,
    ("chikuden/model/finance/plant_economics.py", "in_life", "return"): BOOL,
    ("chikuden/model/finance/plant_economics.py", "on_calendar", "years"): INT,
    ("chikuden/model/finance/plant_economics.py", "on_calendar", "mask"): BOOL,
    ("chikuden/model/finance/plant_economics.py", "_pick", "rows"): INT,
    ("chikuden/model/finance/plant_economics.py", "polynomial", "lead"): INT,
    ("chikuden/model/finance/plant_economics.py", "leading_zeros", "return"): INT,
    ("chikuden/model/finance/plant_economics.py", "_at_rows", "rows"): INT,
    ("chikuden/model/finance/subsidy.py", "eligible", "return"): BOOL,
    ("chikuden/model/minerals/state.py", "MineralsState", "years"): INT,
    ("chikuden/model/minerals/state.py", "MineralsState.position", "year_index"): INT,
    ("chikuden/model/minerals/state.py", "MineralsState.position", "return"): INT,
    ("chikuden/model/minerals/supply.py", "group_onehot", "return"): BOOL,
    ("chikuden/model/minerals/supply.py", "flag_rows", "return"): BOOL,
    ("chikuden/model/minerals/supply.py", "concentration", "flagged"): BOOL,
    ("chikuden/model/minerals/disruption.py", "_at", "which"): INT,
    ("chikuden/model/minerals/disruption.py", "_at", "yi"): INT,
    ("chikuden/model/minerals/disruption.py", "_pick", "which"): INT,
    ("chikuden/model/minerals/supply.py", "_top_and_flagged", "onehot"): BOOL,
    ("chikuden/model/minerals/supply.py", "_top_and_flagged", "named"): BOOL,
    ("chikuden/model/minerals/supply.py", "_top_and_flagged", "flagged"): BOOL,
    ("chikuden/model/vehicles.py", "logistic_share", "years"): INT,
    ("chikuden/model/vehicles.py", "adoption_shares", "passenger"): BOOL,
    ("chikuden/model/vehicles.py", "import_shares", "passenger"): BOOL,
    ("chikuden/model/vehicles.py", "export_shares", "road"): BOOL,
    ("chikuden/model/vehicles.py", "electrified_share", "passenger"): BOOL,
    ("chikuden/model/vehicles.py", "_Segments", "passenger"): BOOL,
    ("chikuden/model/vehicles.py", "_Segments", "passenger_3d"): BOOL,
    ("chikuden/model/vehicles.py", "_Segments", "in_class_4d"): BOOL,
    ("chikuden/model/vehicles.py", "_Segments", "road"): BOOL,
    ("chikuden/model/vehicles.py", "_Segments", "light_4d"): BOOL,
    ("chikuden/model/vehicles.py", "_Segments", "heavy_4d"): BOOL,
    ("chikuden/supply_disruption.py", "Shock", "at_import_share"): BOOL,
}


@dataclass(frozen=True)
class Spot:
    """One ``np.ndarray`` in a type expression."""

    start: int  # offset in the file's text
    end: int
    key: tuple[str, str, str]
    index: int  # the how-many-th np.ndarray of its annotation


def _is_ndarray(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "ndarray"
        and isinstance(node.value, ast.Name)
        and node.value.id == "np"
    )


class _Finder(ast.NodeVisitor):
    def __init__(self, module: str, offsets: list[int]) -> None:
        self.module = module
        self.offsets = offsets  # offset of each line's start
        self.scope: list[str] = []
        self.spots: list[Spot] = []
        self.seen: set[tuple[str, str, str]] = set()  # every annotated name, spelled or not

    def _add(self, annotation: ast.AST | None, name: str) -> None:
        if annotation is None:
            return
        self.seen.add((self.module, ".".join(self.scope), name))
        found = [n for n in ast.walk(annotation) if isinstance(n, ast.Attribute) and _is_ndarray(n)]
        found.sort(key=lambda n: (n.lineno, n.col_offset))
        key = (self.module, ".".join(self.scope), name)
        for i, node in enumerate(found):
            assert node.end_lineno is not None and node.end_col_offset is not None
            start = self.offsets[node.lineno - 1] + node.col_offset
            end = self.offsets[node.end_lineno - 1] + node.end_col_offset
            self.spots.append(Spot(start, end, key, i))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in node.decorator_list:
            self.visit(deco)
        self.scope.append(node.name)
        a = node.args
        for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs]:
            self._add(arg.annotation, arg.arg)
        for star in (a.vararg, a.kwarg):
            if star is not None:
                self._add(star.annotation, star.arg)
        self._add(node.returns, "return")
        for default in [*a.defaults, *a.kw_defaults]:
            if default is not None:
                self.visit(default)
        for stmt in node.body:
            self.visit(stmt)
        self.scope.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            self._add(base, "(base)")
        self.scope.append(node.name)
        for stmt in node.body:
            self.visit(stmt)
        self.scope.pop()

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._add(node.annotation, ast.unparse(node.target))
        if node.value is not None:
            self.visit(node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        # a type alias at module level, such as ``Num = np.ndarray | float``
        value = node.value
        if not self.scope and isinstance(value, ast.Attribute | ast.BinOp | ast.Subscript):
            self._add(value, ast.unparse(node.targets[0]))
        else:
            self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "cast" and node.args:
            self._add(node.args[0], "(cast)")
            for arg in node.args[1:]:
                self.visit(arg)
            return
        self.generic_visit(node)


def find(text: str, module: str) -> _Finder:
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    finder = _Finder(module, offsets)
    finder.visit(ast.parse(text))
    return finder


def dtype(spot: Spot) -> str:
    given = DTYPES.get(spot.key, FLOAT)
    return given if isinstance(given, str) else given[spot.index]


def _add_import(text: str) -> str:
    if IMPORT in text:
        return text
    anchor = "import numpy as np\n"
    assert anchor in text, "a file that spells np.ndarray imports numpy as np"
    return text.replace(anchor, anchor + IMPORT + "\n", 1)


def spell(path: Path, root: Path, seen: set[tuple[str, str, str]]) -> bool:
    """Rewrite ``path``; True if it changed. Adds the names annotated in it to ``seen``."""
    text = path.read_text(encoding="utf-8")
    module = path.resolve().relative_to(root).as_posix()
    finder = find(text, module)
    seen |= finder.seen
    if not finder.spots:
        return False
    for spot in sorted(finder.spots, key=lambda s: s.start, reverse=True):
        spelled = dtype(spot)
        spelled = spelled if "NDArray" in spelled else f"NDArray[{spelled}]"
        text = text[: spot.start] + spelled + text[spot.end :]
    path.write_text(_add_import(text), encoding="utf-8")
    return True


def _files(paths: list[Path]) -> Iterator[Path]:
    for p in paths:
        yield from sorted(p.rglob("*.py")) if p.is_dir() else [p]


def main(argv: list[str]) -> int:
    repo = Path(__file__).resolve().parents[1]
    root = repo / "src"
    paths = [Path(a) for a in argv] or [root / "chikuden"]
    seen: set[tuple[str, str, str]] = set()
    files = list(_files(paths))
    changed = [f for f in files if spell(f, root, seen)]
    modules = {f.resolve().relative_to(root).as_posix() for f in files}
    for key in sorted(k for k in set(DTYPES) - seen if k[0] in modules):
        print(f"spell_arrays: not found (renamed?): {key}", file=sys.stderr)
    if changed:
        names = [str(f) for f in changed]
        ruff = [sys.executable, "-m", "ruff"]
        subprocess.run([*ruff, "check", "--fix", "--select", "I", "--quiet", *names], check=True)
        subprocess.run([*ruff, "format", "--quiet", *names], check=True)
    print(f"spell_arrays: {len(changed)} files changed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
