"""`chikuden graph`: the picture of the model drawn from its declared dataflow."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from chikuden.cli import app
from chikuden.model import system
from chikuden.parameters.declarations import declarations
from chikuden.report.graph import drawing, to_dot, to_mermaid, to_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_the_summary_draws_every_step_and_the_outputs_passed_between_steps() -> None:
    g = system.graph()
    d = drawing(g)
    steps = {label for label, kind in d.boxes.values() if kind == "step"}
    assert steps == {node.name for node in g.nodes}
    # an output another step reads has its own box, with an edge from its writer and one to
    # each reader; e.g. the plant economics read minerals' material cost of cells
    key = "minerals.material_cost_usd_per_kwh"
    box = next(b for b, (label, _) in d.boxes.items() if label == key)
    assert ("step_minerals_cost", box, "") in d.edges
    assert (box, "step_finance_plant", "") in d.edges
    # a step reading some of a domain's parameters says how many: carbon reads the 9 domestic
    # chemistry-mix shares of the minerals parameters
    n_minerals = sum(1 for n in declarations() if n.startswith("minerals."))
    assert ("params_minerals", "step_carbon", f"9 of {n_minerals}") in d.edges
    # every output is drawn once: on its own or counted in its step's group
    counted = 0
    for label, kind in d.boxes.values():
        if kind == "output":
            counted += 1
        elif kind == "outputs":
            counted += int(re.search(r": (\d+)", label).group(1))  # type: ignore[union-attr]
    assert counted == len(g.writer)


def test_detail_draws_every_parameter_and_output() -> None:
    g = system.graph()
    labels = {label for label, _ in drawing(g, detail=True).boxes.values()}
    assert set(g.writer) <= labels
    assert {p for node in g.nodes for p in node.params} <= labels


def test_dot_mermaid_and_svg_name_every_step() -> None:
    g = system.graph()
    dot, mermaid = to_dot(g), to_mermaid(g)
    assert dot.startswith("digraph chikuden {") and dot.rstrip().endswith("}")
    assert mermaid.startswith("flowchart LR")
    root = ET.fromstring(to_svg(g))  # well-formed XML
    texts = {t.text for t in root.iter(f"{SVG}text")}
    for node in g.nodes:
        ident = "step_" + node.name.replace(".", "_")  # finance.fund -> step_finance_fund
        assert f'{ident} [label="{node.name}"' in dot
        assert f'{ident}["{node.name}"]' in mermaid
        assert node.name in texts
    assert "http" not in to_svg(g).replace("http://www.w3.org/2000/svg", "")  # offline


def test_svg_boxes_do_not_overlap() -> None:
    root = ET.fromstring(to_svg(system.graph()))
    rects = [
        tuple(float(r.get(a, "0")) for a in ("x", "y", "width", "height"))
        for r in root.iter(f"{SVG}rect")
    ]
    for i, (x, y, w, h) in enumerate(rects):
        for x2, y2, w2, h2 in rects[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_cli_writes_the_graph_and_refuses_a_bad_format(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "model.svg"
    result = runner.invoke(app, ["graph", "--format", "svg", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == to_svg(system.graph())
    result = runner.invoke(app, ["graph"])
    assert result.exit_code == 0 and result.stdout == to_mermaid(system.graph())
    bad = runner.invoke(app, ["graph", "--format", "png"])
    assert bad.exit_code == 2 and "png" in bad.output
    missing = runner.invoke(app, ["graph", "-f", "dot", "-o", str(tmp_path / "no" / "g.dot")])
    assert missing.exit_code == 2 and "cannot write" in missing.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.svg"]  # nothing else left
