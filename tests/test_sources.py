"""The bibliography: one entry per document, cited by the bundled data, graded by a rule.

What is checked here, and why each could fail:
- no two entries share a primary address (two keys for one document), no bundled file cites a
  merged key, and a merged key still resolves for a user's own scenario file;
- every entry is cited by something bundled (a parameter default, a scenario value, a table row,
  an indicator, a roadmap KPI, actual, measure or milestone, an audit finding);
- every entry follows the grading rule of ``sources.grade_problems``, and the rule itself refuses
  what docs/sources.md says it refuses (hand-built entries below);
- the report and ``chikuden sources`` show the grade and the copies read.
"""

from __future__ import annotations

import ast
import csv
import html
import io
import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import chikuden
from chikuden.cli import app
from chikuden.errors import ChikudenError
from chikuden.parameters.sources import (
    Copy,
    Source,
    aliases,
    bibliography,
    grade_problems,
    grading_hosts,
    resolve_source,
    split_sources,
)
from chikuden.report.html import render_report

ROOT = Path(__file__).resolve().parents[1]
SOURCE_FIELDS = {"source", "sources", "min_source", "max_source"}
NOT_A_KEY = {"physical bound"}  # a KPI bound that is a limit of the quantity itself


# -- what the bundled package cites -------------------------------------------------------------
def _yaml_citations(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SOURCE_FIELDS and isinstance(value, str):
                yield from split_sources(value)
            elif key in SOURCE_FIELDS and isinstance(value, list):
                for item in value:
                    yield from split_sources(str(item))
            else:
                yield from _yaml_citations(value)
    elif isinstance(node, list):
        for item in node:
            yield from _yaml_citations(item)


def _csv_citations(text: str) -> Iterator[str]:
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        yield from split_sources(row.get("source") or "")


def _code_citations(text: str, known: set[str]) -> Iterator[str]:
    """String constants in the package's code that are a key or key:clause (audit findings)."""
    for node in ast.walk(ast.parse(text)):
        value = node.value if isinstance(node, ast.Constant) else None
        if isinstance(value, str) and value.partition(":")[0] in known:
            yield value


def bundled_citations() -> dict[str, set[str]]:
    """Every key the package cites, with the files citing it (keys as written, clauses kept)."""
    known = set(bibliography()) | set(aliases())
    out: dict[str, set[str]] = {}
    data = resources.files("chikuden.data")
    for path in sorted(Path(str(data)).rglob("*")):
        rel = path.relative_to(Path(str(data))).as_posix()
        if rel.startswith("sources/") or not path.is_file():
            continue
        if path.suffix == ".yaml":
            keys: Iterator[str] = _yaml_citations(yaml.safe_load(path.read_text("utf-8")))
        elif path.suffix == ".csv":
            keys = _csv_citations(path.read_text("utf-8"))
        else:  # templates, examples, __pycache__/*.pyc (not text) ...
            continue
        for key in keys:
            if key not in NOT_A_KEY:
                out.setdefault(key, set()).add(f"data/{rel}")
    for path in sorted((ROOT / "src" / "chikuden").rglob("*.py")):
        for key in _code_citations(path.read_text("utf-8"), known):
            out.setdefault(key, set()).add(path.name)
    return out


def test_the_collector_finds_citations_of_every_kind() -> None:
    cited = bundled_citations()
    # one of each: a parameter default, a scenario value, a table row, an indicator, a KPI bound,
    # a milestone, an audit finding in code, a user's value
    expected = {
        "meti-battery-strategy-2022": "data/parameters/capacity.csv",
        "basc-2022": "data/scenarios/meti-strategy-2022.yaml",
        "usgs-mcs-2025": "data/tables/minerals-supply.csv",
        "nexco-yearend-2016": "data/indicators/62-charging.yaml",
        "meti-subsidy-round3-2024": "data/roadmap/kpis.yaml",
        "espa-designation-2022": "data/roadmap/milestones.yaml",
        "bnef-capacity-2024": "findings.py",
        "user-override": "scenario.py",
    }
    for key, where in expected.items():
        assert where in cited.get(key, set()), (key, cited.get(key))


def test_every_entry_is_cited_by_something_bundled() -> None:
    cited = {key.partition(":")[0] for key in bundled_citations()}
    uncited = sorted(set(bibliography()) - cited)
    assert uncited == [], f"entries cited by nothing bundled: {uncited}"


def test_every_bundled_citation_resolves_and_none_uses_a_merged_key() -> None:
    merged = aliases()
    for key, files in bundled_citations().items():
        resolve_source(key, "test")  # raises for an unknown key or clause
        assert key.partition(":")[0] not in merged, (
            f"{sorted(files)} cite the merged key {key!r}; cite {merged[key.partition(':')[0]]!r}"
        )


# -- one entry per document ---------------------------------------------------------------------
def test_no_two_entries_share_a_primary_address() -> None:
    seen: dict[str, str] = {}
    for key, src in bibliography().items():
        if src.url:
            assert src.url not in seen, f"{key} and {seen[src.url]} both have url {src.url}"
            seen[src.url] = key


def test_a_primary_address_is_never_the_copy_of_another_entry() -> None:
    primaries = {src.url: key for key, src in bibliography().items() if src.url}
    for key, src in bibliography().items():
        for copy in src.via:
            other = primaries.get(copy.url)
            assert other in (None, key), f"{key} reads {copy.url}, the primary of {other}"


def test_merged_keys_resolve_to_the_kept_entry() -> None:
    # basc-2022 and newswitch-meti-request-2022 were one article (newswitch.jp/p/34097, 6 Oct 2022)
    src, clause = resolve_source("newswitch-meti-request-2022")
    assert src.key == "basc-2022" and clause is None
    assert src.url == "https://newswitch.jp/p/34097"
    # one regulation, two keys before: the carbon-footprint article is now a clause
    src, clause = resolve_source("eu-battery-regulation-2023:Art7")
    assert src.key == "eu-battery-regulation-2023" and clause == "Art7"
    assert resolve_source("eu-battery-regulation-cf-2023")[0].key == "eu-battery-regulation-2023"
    for alias, key in aliases().items():
        assert alias not in bibliography()
        assert alias in bibliography()[key].aliases


def test_a_scenario_file_citing_a_merged_key_still_loads(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(
        "extends: proposal-2022\nparameters:\n"
        "  targets.japan_share_2030: {value: 0.25, source: meti-certified-capacity-2024}\n",
        "utf-8",
    )
    s = chikuden.load_scenario(f)
    assert s.sources_of("targets.japan_share_2030") == ("meti-certified-capacity-2024",)
    page = html.unescape(render_report(chikuden.evaluate([s]), lang="en"))
    assert 'id="src-meti-subsidy-round3-2024"' in page  # listed under the kept key
    assert 'id="src-meti-certified-capacity-2024"' not in page


def test_an_unknown_key_is_still_refused() -> None:
    with pytest.raises(ChikudenError, match="unknown source 'newswitch-2022'"):
        resolve_source("newswitch-2022")


# -- the grade follows a rule -------------------------------------------------------------------
def test_every_entry_follows_the_grading_rule() -> None:
    problems = {k: p for k, s in bibliography().items() if (p := grade_problems(s))}
    assert problems == {}


def _doc(confidence: str, url: str = "", *via: tuple[str, str]) -> Source:
    copies = tuple(Copy(name, u) for name, u in via)
    return Source("x", "t", "p", 2024, url, "document", confidence, via=copies)


PRIMARY = "https://www.meti.go.jp/press/x.pdf"
PRESS = ("Nikkei", "https://www.nikkei.com/article/x")
PRESS2 = ("Response", "https://response.jp/article/x")
MIRROR = ("mirror", "https://expydoc.com/doc/1")


@pytest.mark.parametrize(
    ("source", "broken"),
    [
        (_doc("H", PRIMARY), False),  # the primary document
        (_doc("H", "", PRESS, PRESS2), False),  # two consistent reports
        (_doc("H", "", PRESS), True),  # one report is M
        (_doc("M", "", PRESS), False),
        (_doc("H", "https://newswitch.jp/p/1"), True),  # a press article alone is one report
        (_doc("H", "https://newswitch.jp/p/1", PRESS), False),  # ... with a second one
        (_doc("M", "", MIRROR), True),  # read only on a mirror, no primary: L
        (_doc("L", "", MIRROR), False),
        (_doc("H", PRIMARY, MIRROR), True),  # a primary known, read on a mirror: not H
        (_doc("M", PRIMARY, MIRROR), False),
        (_doc("M", "", MIRROR, PRESS), False),  # a mirror and a report: M
        (_doc("L", "https://wikimili.com/en/x"), True),  # a mirror is never the primary
        (_doc("D", PRIMARY), True),  # documents are H, M or L
        (Source("d", "t", "chikuden", None, "", "derived", "D"), False),
        (Source("a", "t", "chikuden", None, "", "assumption", "H"), True),
    ],
)
def test_the_grading_rule(source: Source, broken: bool) -> None:
    assert bool(grade_problems(source)) is broken, grade_problems(source)


def test_mirror_hosts_are_never_primary_addresses_and_are_documented() -> None:
    hosts = grading_hosts()
    assert not set(hosts["mirror"]) & set(hosts["press"])
    page = (ROOT / "docs" / "sources.md").read_text("utf-8")
    for host in (*hosts["mirror"], *hosts["press"]):
        assert f"`{host}`" in page, f"docs/sources.md does not list {host}"


def test_the_proposal_links_the_record_of_its_hand_over() -> None:
    src = bibliography()["proposal-2022"]
    assert src.url.startswith("https://www.shibamasa.net/")
    assert "not published online" in src.note
    assert {c.url.split("/")[2] for c in src.via} >= {"www.japanmetal.com", "mobi-navi.com"}
    assert [f"P{i}" for i in range(13)] == list(src.clauses)


# -- the faces show grade and copies ------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "read_in", "legend"),
    [("en", "Read in", "L = read only"), ("ja", "参照した報道・写し", "L＝")],
)
def test_the_report_bibliography_shows_grade_and_copies(
    lang: str, read_in: str, legend: str
) -> None:
    s = chikuden.load_scenario("meti-strategy-2022")
    page = html.unescape(render_report(chikuden.evaluate([s]), lang=lang))
    bib = page.split('id="bibliography"', 1)[1]
    entry = bib.split('id="src-basc-2022"', 1)[1].split("</li>", 1)[0]
    assert "https://newswitch.jp/p/34097" in entry
    assert re.search(r'<span class="grade">[^<]* M</span>', entry)
    round1 = bib.split('id="src-meti-subsidy-round1-2023"', 1)[1].split("</li>", 1)[0]
    assert read_in in round1
    assert 'href="https://japannews.yomiuri.co.jp/business/companies/20230428-106356/"' in round1
    # meti-strategy-2022 cites yomiuri-capex-2022, read only on a mirror: the legend explains L
    assert 'id="src-yomiuri-capex-2022"' in bib
    assert legend in bib.split("</p>", 1)[0]


def test_the_sources_command_shows_grade_copies_and_merged_keys() -> None:
    result = CliRunner().invoke(app, ["sources"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("meti-subsidy-round3-2024  (", 1)[1].splitlines()
    assert lines[0] == "document, confidence H)"
    block = "\n".join(lines[1 : next(i for i, t in enumerate(lines) if i and t[:1] != " ")])
    assert "(primary document not found online)" in block
    assert "via Response, 9 Sep 2024" in block
    assert "also cited as meti-certified-capacity-2024" in block
    listed = json.loads(CliRunner().invoke(app, ["sources", "--json"]).stdout)
    as_json = {e["key"]: e for e in listed}
    assert as_json["yomiuri-capex-2022"]["confidence"] == "L"
    assert as_json["basc-2022"]["aliases"] == ["newswitch-meti-request-2022"]
    assert as_json["meti-subsidy-round1-2023"]["via"][0]["url"].startswith(
        "https://www.nippon.com/"
    )
