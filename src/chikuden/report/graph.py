"""A picture of the model: its steps, the parameters they read and the outputs they write.

Drawn from the declared dataflow (:func:`chikuden.api.dataflow_graph`), as Graphviz ``dot``
text, a Mermaid flowchart (which Markdown viewers render) or a self-contained SVG laid out here
(no Graphviz needed). The summary view draws, left to right:

- the parameters, one box per domain file (``finance parameters (53)``), with an edge to each
  step that reads some of them (labelled ``4 of 12`` when it reads only some);
- the steps, in columns by how many steps lie before them;
- each output that another step reads, as its own box between its writer and its readers;
- the rest of each step's outputs as one box (``minerals: 155 outputs``).

``detail=True`` draws every parameter and every output as its own box instead (large: for
tools that lay out and zoom, such as ``dot``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chikuden.api import Graph

FORMATS = ("mermaid", "dot", "svg")


@dataclass
class Drawing:
    """Boxes and edges to draw: ``kind`` is param, step, output or outputs (a group)."""

    boxes: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (label, kind)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, label)


def _id(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def drawing(graph: Graph, detail: bool = False) -> Drawing:
    """The boxes and edges of ``graph``: the summary view, or every name with ``detail``."""
    d = Drawing()
    shared = {key for node in graph.nodes for key in node.reads}
    by_domain: dict[str, list[str]] = defaultdict(list)
    for node in graph.nodes:
        for name in node.params:
            by_domain[name.split(".", 1)[0]].append(name)
    all_params = sorted({n for names in by_domain.values() for n in names})
    domain_size = {
        dom: sum(1 for n in all_params if n.split(".", 1)[0] == dom) for dom in by_domain
    }
    for node in graph.nodes:
        step = f"step_{_id(node.name)}"
        d.boxes[step] = (node.name, "step")
        if detail:
            for name in node.params:
                d.boxes.setdefault(f"p_{_id(name)}", (name, "param"))
                d.edges.append((f"p_{_id(name)}", step, ""))
        else:
            used: dict[str, int] = defaultdict(int)
            for name in node.params:
                used[name.split(".", 1)[0]] += 1
            for dom, count in used.items():
                box = f"params_{_id(dom)}"
                d.boxes.setdefault(box, (f"{dom} parameters ({domain_size[dom]})", "param"))
                label = "" if count == domain_size[dom] else f"{count} of {domain_size[dom]}"
                d.edges.append((box, step, label))
        rest = 0
        for key in node.writes:
            if detail or key in shared:
                d.boxes[f"o_{_id(key)}"] = (key, "output")
                d.edges.append((step, f"o_{_id(key)}", ""))
            else:
                rest += 1
        if rest:
            box = f"outputs_{_id(node.name)}"
            more = " more" if any(k in shared for k in node.writes) else ""
            d.boxes[box] = (f"{node.name}: {rest}{more} outputs", "outputs")
            d.edges.append((step, box, ""))
        for key in node.reads:
            d.edges.append((f"o_{_id(key)}", step, ""))
    return d


def to_dot(graph: Graph, detail: bool = False) -> str:
    """Graphviz ``dot`` text of the model's dataflow."""
    d = drawing(graph, detail)
    shape = {
        "step": "box, style=filled, fillcolor=lightblue",
        "param": "note",
        "output": "ellipse",
        "outputs": "folder",
    }
    lines = ["digraph chikuden {", "  rankdir=LR;", '  node [fontname="sans-serif"];']
    for box, (label, kind) in d.boxes.items():
        lines.append(f'  {box} [label="{label}", shape={shape[kind]}];')
    for a, b, label in d.edges:
        lines.append(f"  {a} -> {b}" + (f' [label="{label}"];' if label else ";"))
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(graph: Graph, detail: bool = False) -> str:
    """A Mermaid flowchart of the model's dataflow."""
    d = drawing(graph, detail)
    shape = {
        "step": ("[", "]"),
        "param": ("[/", "/]"),
        "output": ("([", "])"),
        "outputs": ("[(", ")]"),
    }
    lines = ["flowchart LR"]
    for box, (label, kind) in d.boxes.items():
        left, right = shape[kind]
        lines.append(f'  {box}{left}"{label}"{right}')
    for a, b, label in d.edges:
        lines.append(f"  {a} -->|{label}| {b}" if label else f"  {a} --> {b}")
    lines.append("  classDef step fill:#dbeafe,stroke:#1e3a8a")
    steps = [box for box, (_, kind) in d.boxes.items() if kind == "step"]
    lines.append(f"  class {','.join(steps)} step")
    return "\n".join(lines) + "\n"


# -- SVG --------------------------------------------------------------------------------------
CHAR_W = 7.0  # px per character of the 12 px sans-serif labels (an estimate, wide side)
BOX_H = 24.0
ROW_GAP = 10.0
COL_GAP = 70.0
PAD = 12.0
FILL = {"step": "#dbeafe", "param": "#fef3c7", "output": "#ffffff", "outputs": "#f3f4f6"}


def _columns(d: Drawing) -> dict[str, int]:
    """Column of each box: one right of the boxes it comes from; a parameter box just left of
    the first step that reads it."""
    into: dict[str, list[str]] = defaultdict(list)
    out_of: dict[str, list[str]] = defaultdict(list)
    for a, b, _ in d.edges:
        into[b].append(a)
        out_of[a].append(b)
    col: dict[str, int] = {}

    def place(box: str) -> int:
        if box not in col:
            col[box] = 0 if not into[box] else 1 + max(place(a) for a in into[box])
        return col[box]

    for box in d.boxes:
        place(box)
    for box, (_, kind) in d.boxes.items():
        if kind == "param":
            col[box] = min(col[b] for b in out_of[box]) - 1
    return col


def to_svg(graph: Graph, detail: bool = False) -> str:
    """A self-contained SVG of the model's dataflow, laid out in columns left to right."""
    d = drawing(graph, detail)
    col = _columns(d)
    n_cols = max(col.values()) + 1
    widths = [0.0] * n_cols
    for box, (label, _) in d.boxes.items():
        widths[col[box]] = max(widths[col[box]], len(label) * CHAR_W + 2 * PAD)
    x0 = [PAD + sum(widths[:c]) + c * COL_GAP for c in range(n_cols)]
    into: dict[str, list[str]] = defaultdict(list)
    for a, b, _ in d.edges:
        into[b].append(a)
    order = {box: i for i, box in enumerate(d.boxes)}
    first_reader: dict[str, int] = {}
    for a, b, _ in d.edges:
        if d.boxes[a][1] == "param":
            first_reader[a] = min(first_reader.get(a, order[b]), order[b])
    y: dict[str, float] = {}
    for c in range(n_cols):
        # parameters first, by the step that reads them; then the other boxes by the mean row
        # of the boxes they come from (one sweep of the barycentre heuristic)
        params = sorted(
            (b for b in d.boxes if col[b] == c and b in first_reader), key=first_reader.__getitem__
        )
        others = [b for b in d.boxes if col[b] == c and b not in first_reader]
        others.sort(key=lambda b: sum(y[a] for a in into[b]) / max(1, len(into[b])))
        for i, box in enumerate([*params, *others]):
            y[box] = PAD + i * (BOX_H + ROW_GAP)
    height = max(y.values()) + BOX_H + PAD
    width = x0[-1] + widths[-1] + PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="12">',
        "<title>chikuden: the model's dataflow</title>",
    ]
    for a, b, label in d.edges:
        xa = x0[col[a]] + widths[col[a]]
        xb = x0[col[b]]
        ya, yb = y[a] + BOX_H / 2, y[b] + BOX_H / 2
        mid = (xa + xb) / 2
        parts.append(
            f'<path d="M{xa:.1f},{ya:.1f} C{mid:.1f},{ya:.1f} {mid:.1f},{yb:.1f} '
            f'{xb:.1f},{yb:.1f}" fill="none" stroke="#9ca3af"/>'
        )
        if label:
            parts.append(  # mid-edge, where edges from one box have parted
                f'<text x="{mid:.1f}" y="{(ya + yb) / 2 - 3:.1f}" text-anchor="middle" '
                f'font-size="10" fill="#6b7280">{escape(label)}</text>'
            )
    for box, (label, kind) in d.boxes.items():
        x, w = x0[col[box]], widths[col[box]]
        rx = BOX_H / 2 if kind == "output" else 3
        parts.append(
            f'<rect x="{x:.1f}" y="{y[box]:.1f}" width="{w:.1f}" height="{BOX_H:.0f}" '
            f'rx="{rx:.0f}" fill="{FILL[kind]}" stroke="#374151"/>'
        )
        parts.append(
            f'<text x="{x + PAD:.1f}" y="{y[box] + BOX_H / 2 + 4:.1f}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def render(graph: Graph, fmt: str, detail: bool = False) -> str:
    """The picture of ``graph`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "dot":
        return to_dot(graph, detail)
    if fmt == "mermaid":
        return to_mermaid(graph, detail)
    if fmt == "svg":
        return to_svg(graph, detail)
    raise ValueError(f"format {fmt!r}: give one of {', '.join(FORMATS)}")
