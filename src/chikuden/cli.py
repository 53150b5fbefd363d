"""The ``chikuden`` command line: run a scenario, compare scenarios, list parameters and sources.

Only typer is imported at module level so that ``chikuden --help`` answers fast; numpy, pandas,
the model and the report load inside the commands that need them.

Input errors (:class:`chikuden.errors.ChikudenError`) become one line ``error: ...`` on stderr
and exit code 2, and no output is written: files go to a temporary folder beside the target
that is renamed into place only after everything succeeded. Any other exception is a bug and
surfaces as a traceback.
"""

from __future__ import annotations

import contextlib
import enum
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chikuden.commands import (
    charging,
    mc,
    minerals,
    optimize,
    product,
    roadmap,
    sensitivity,
    serve,
    solve,
    users,
)
from chikuden.commands.common import OneLineGroup, fail, user_errors

if TYPE_CHECKING:
    from chikuden.parameters.scenario import Scenario
    from chikuden.results import Results


class Lang(enum.StrEnum):
    """Language of labels, descriptions and number formats."""

    en = "en"
    ja = "ja"


app = typer.Typer(
    cls=OneLineGroup,
    name="chikuden",
    help="chikuden (蓄電): the 2022 Japanese battery-industry proposal as a verifiable model.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(roadmap.app, name="roadmap")
app.add_typer(charging.app, name="charging")
app.add_typer(minerals.app, name="minerals")
app.add_typer(product.app, name="product")
app.add_typer(users.app, name="users")
app.command(name="mc")(mc.mc)
app.command(name="optimize")(optimize.optimize)
app.command(name="sensitivity")(sensitivity.sensitivity)
app.command(name="solve")(solve.solve)
app.command(name="serve")(serve.serve)

DEFAULT_SCENARIO = "proposal-2022"

ScenarioOpt = Annotated[
    str,
    typer.Option(
        "--scenario",
        "-s",
        help="A bundled scenario name (see `chikuden scenarios`) or a path to a YAML file.",
        metavar="NAME|PATH",
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a parameter, PATH=VALUE (repeatable), e.g. targets.japan_share_2030=0.25.",
        metavar="PATH=VALUE",
    ),
]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of labels and numbers.")]
OutOpt = Annotated[
    Path,
    typer.Option(
        "--out", "-o", help="Folder to write into; each run writes one sub-folder.", metavar="DIR"
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print JSON to stdout and nothing else (writes no files)."),
]
OnlyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--only",
        help=(
            "Evaluate only these outputs and what they depend on: a key or a pattern such as "
            "'capacity.*' (repeatable, or comma-separated). Prints them (indicators in the "
            "table; series and per-row values too with --json) and writes no files."
        ),
        metavar="KEY",
    ),
]


# -- helpers -----------------------------------------------------------------------------------


def _print_json(doc: Any) -> None:
    typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))


def write_folder(target: Path, files: dict[str, str]) -> None:
    """Write ``files`` (name -> text) into the folder ``target``, all or nothing.

    The files go to a temporary folder beside ``target`` that replaces ``target`` only after
    every file is written; on failure nothing is left behind (not even a parent folder this
    call created).
    """
    import os
    import secrets
    import shutil

    parent = target.parent
    created: list[Path] = []
    for folder in (parent, *parent.parents):
        if folder.exists():
            break
        created.append(folder)
    tmp: Path | None = None
    old: Path | None = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stamp = f"{os.getpid()}-{secrets.token_hex(4)}"
        tmp = parent / f".{target.name}.tmp-{stamp}"
        tmp.mkdir()
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        if target.exists():
            old = parent / f".{target.name}.old-{stamp}"
            target.rename(old)
        tmp.rename(target)
        tmp = None
    except BaseException:
        if old is not None and not target.exists():
            old.rename(target)
            old = None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _write(out: Path, target: Path, files: dict[str, str]) -> None:
    """:func:`write_folder`, with a folder that cannot be written reported as a user error."""
    try:
        write_folder(target, files)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fail(f"--out {str(out)!r}: cannot write {str(target)!r} ({reason}); choose another folder")


def _load(names: list[str], overrides: list[str] | None) -> list[Scenario]:
    from chikuden.api import load_scenario

    return [load_scenario(name, overrides=list(overrides or ())) for name in names]


def _indicator_table(results: Results, lang: str) -> str:
    from chikuden.commands.tables import text_table
    from chikuden.formatting import display_unit, format_output
    from chikuden.i18n import translator
    from chikuden.indicators import outputs

    rows: list[list[str]] = []
    for key, decl in outputs().items():
        if decl.kind != "indicator" or key not in results.indicators:
            continue
        values = [format_output(results.value(key, i), decl, lang) for i in range(results.n)]
        rows.append([decl.label(lang), *values, display_unit(decl.unit, lang)])
    _ = translator(lang).gettext
    headers = [_("indicator"), *results.names, _("unit")]
    return text_table(headers, rows, right=range(1, 1 + results.n))


def _report_files(results: Results, lang: str) -> dict[str, str]:
    from chikuden.report.html import render_report

    files = {"report.html": render_report(results, lang=lang)}
    if results.n == 1:
        files["indicators.json"] = json.dumps(results.to_json(0), ensure_ascii=False, indent=2)
    else:
        files["indicators.json"] = json.dumps(
            [results.to_json(i) for i in range(results.n)], ensure_ascii=False, indent=2
        )
    files["series.csv"] = results.series_frame().to_csv(index=False)
    return files


def _only(only: list[str] | None) -> list[str] | None:
    """The keys of ``--only`` (repeated or comma-separated), checked; None when not given."""
    if only is None:
        return None
    from chikuden.results import output_keys

    keys = [k.strip() for item in only for k in item.split(",") if k.strip()]
    if not keys:
        fail("--only: no output key given; give a key such as finance.fund_balance or 'capacity.*'")
    try:
        output_keys(keys)
    except ValueError as exc:
        fail(f"--only: {exc}")
    return keys


def _print_only(loaded: Scenario, results: Results, lang: str) -> None:
    """The asked indicators as a table; the asked series and rows named (shown with --json)."""
    from chikuden.i18n import pick, translator

    _ = translator(lang).gettext
    title = pick(lang, loaded.title_en, loaded.title_ja)
    typer.echo(f"{loaded.name}: {title or loaded.name}")
    if results.indicators:
        typer.echo(_indicator_table(results, lang))
    others = [*results.series, *results.rows]
    if others:
        line = _("series and per-row values (print them with --json): {keys}")
        typer.echo(line.format(keys=", ".join(others)))


# -- commands ----------------------------------------------------------------------------------
@app.command()
def run(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    set_: SetOpt = None,
    lang: LangOpt = Lang.en,
    out: OutOpt = Path("out"),
    json_: JsonOpt = False,
    only: OnlyOpt = None,
) -> None:
    """Evaluate one scenario: write report.html, indicators.json and series.csv, print a summary.

    Files go to OUT/<scenario-name>/. With --only, evaluate just the outputs asked for.
    """
    with user_errors():
        from chikuden.api import evaluate

        asked = _only(only)
        (loaded,) = _load([scenario], set_)
        results = evaluate(loaded, outputs=asked)
        if json_:
            _print_json(results.to_json(0, with_series=asked is not None))
            return
        if asked is not None:
            _print_only(loaded, results, lang.value)
            return
        files = _report_files(results, lang.value)
        target = out / loaded.name
        _write(out, target, files)
    from chikuden.i18n import pick

    title = pick(lang, loaded.title_en, loaded.title_ja)
    typer.echo(f"{loaded.name}: {title or loaded.name}")
    typer.echo(_indicator_table(results, lang.value))
    typer.echo("")
    for name in files:
        typer.echo(f"wrote {target / name}")


@app.command()
def compare(
    scenarios: Annotated[
        list[str],
        typer.Argument(
            help="Two or more scenario names or YAML paths.",
            show_default=False,
            metavar="SCENARIO",
        ),
    ],
    set_: SetOpt = None,
    lang: LangOpt = Lang.en,
    out: OutOpt = Path("out"),
    json_: JsonOpt = False,
) -> None:
    """Indicators of several scenarios side by side; one report with the charts overlaid.

    Files go to OUT/compare-<a>-<b>.../.
    """
    with user_errors():
        if len(scenarios) < 2:
            fail(f"compare: got {len(scenarios)} scenario; give two or more names or paths")
        from chikuden.api import evaluate

        loaded = _load(scenarios, set_)
        results = evaluate(loaded)
        if json_:
            _print_json([results.to_json(i) for i in range(results.n)])
            return
        files = _report_files(results, lang.value)
        target = out / ("compare-" + "-".join(s.name for s in loaded))
        _write(out, target, files)
    from chikuden.commands import answers as faces

    typer.echo(faces.table(results, lang.value))
    typer.echo("")
    typer.echo(_indicator_table(results, lang.value))
    typer.echo("")
    for name in files:
        typer.echo(f"wrote {target / name}")


@app.command()
def answers(
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            "-s",
            help=(
                "A bundled scenario name (see `chikuden scenarios`) or a path to a YAML file; "
                "repeat it to set scenarios side by side."
            ),
            metavar="NAME|PATH",
        ),
    ] = None,
    set_: SetOpt = None,
    lang: LangOpt = Lang.en,
    json_: JsonOpt = False,
) -> None:
    """The questions the proposal raises, answered: status (met, at risk, not met) and one
    sentence with the numbers. Several --scenario: side by side, with the delta to the first.
    """
    with user_errors():
        from chikuden.answers import outputs_needed
        from chikuden.api import evaluate
        from chikuden.commands import answers as faces

        loaded = _load(scenario or [DEFAULT_SCENARIO], set_)
        results = evaluate(loaded, outputs=outputs_needed())
        if json_:
            doc = faces.json_doc(results, lang.value)
            _print_json(doc[0] if len(doc) == 1 else doc)
            return
        if results.n == 1:
            from chikuden.i18n import pick

            title = pick(lang, loaded[0].title_en, loaded[0].title_ja)
            typer.echo(f"{loaded[0].name}: {title or loaded[0].name}")
        typer.echo(faces.table(results, lang.value))


@app.command()
def params(
    lang: LangOpt = Lang.en,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain",
            "-d",
            help="Only the parameters of this domain (e.g. market).",
            metavar="DOMAIN",
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Every declared parameter: unit, default, allowed range, description and sources."""
    with user_errors():
        from chikuden.errors import did_you_mean
        from chikuden.parameters import declarations

        decls = list(declarations().values())
        if domain is not None:
            domains = sorted({d.domain for d in decls})
            if domain not in domains:
                fail(
                    f"--domain {domain!r} is not a domain{did_you_mean(domain, domains)}; "
                    f"domains: {', '.join(domains)}"
                )
            decls = [d for d in decls if d.domain == domain]
    from chikuden.i18n import pick, translator

    entries = [
        {
            "name": d.name,
            "kind": d.kind,
            "unit": d.unit,
            "default": d.default_text(),
            "range": "" if d.kind == "table" else d.range_text,
            "description": pick(lang, d.description_en, d.description_ja),
            "sources": list(d.source),
        }
        for d in decls
    ]
    if json_:
        _print_json(entries)
        return
    _ = translator(lang).gettext
    labels = (_("default"), _("range"), _("sources"))
    for e in entries:
        typer.echo(f"{e['name']}  [{e['unit']}]  ({e['kind']})")
        typer.echo(f"    {e['description']}")
        rng = f"   {labels[1]}: {e['range']}" if e["range"] else ""
        typer.echo(f"    {labels[0]}: {e['default']}{rng}")
        typer.echo(f"    {labels[2]}: {'; '.join(e['sources'])}")


class GraphFormat(enum.StrEnum):
    """Formats of ``chikuden graph``."""

    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


@app.command()
def graph(
    format_: Annotated[
        GraphFormat, typer.Option("--format", "-f", help="mermaid, dot (Graphviz) or svg.")
    ] = GraphFormat.mermaid,
    detail: Annotated[
        bool,
        typer.Option(
            "--detail", help="Every parameter and output as its own box (large; for dot)."
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout.", metavar="FILE"
        ),
    ] = None,
) -> None:
    """A picture of the model: steps, the parameters they read, the outputs they write."""
    with user_errors():
        from chikuden.api import dataflow_graph
        from chikuden.report.graph import render

        text = render(dataflow_graph(), format_.value, detail)
        if output is None:
            typer.echo(text, nl=False)
            return
        _write_file(output, text)
    typer.echo(f"wrote {output}")


def _write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole (a temporary file renamed into place) or not at all."""
    import os
    import secrets

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        fail(f"--output {str(path)!r}: cannot write ({exc.strerror or exc}); choose another file")


@app.command()
def scenarios(
    lang: LangOpt = Lang.en,
    json_: JsonOpt = False,
) -> None:
    """The bundled scenarios with their titles."""
    with user_errors():
        from chikuden.api import list_scenarios, load_scenario

        loaded = [load_scenario(name) for name in list_scenarios()]
    from chikuden.i18n import pick

    entries = [
        {
            "name": s.name,
            "title": pick(lang, s.title_en, s.title_ja) or s.name,
            "description": pick(lang, s.description_en, s.description_ja),
        }
        for s in loaded
    ]
    if json_:
        _print_json(entries)
        return
    from chikuden.commands.tables import text_table
    from chikuden.i18n import translator

    _ = translator(lang).gettext
    headers = [_("name"), _("title")]
    typer.echo(text_table(headers, [[e["name"], e["title"]] for e in entries]))


@app.command()
def sources(
    json_: JsonOpt = False,
) -> None:
    """The bibliography: every source a default, scenario value or table row may cite.

    Each entry shows its grade (confidence H, M, L; D derived, A assumption), the primary
    document's address, the copies its figures were read in (``via``) and the older keys merged
    into it (``aliases``, still accepted in scenario files). The grading rule: docs/sources.md.
    """
    from chikuden.parameters import bibliography

    bib = bibliography()
    if json_:
        _print_json(
            [
                {
                    "key": s.key,
                    "title": s.title,
                    "publisher": s.publisher,
                    "year": s.year,
                    "url": s.url,
                    "via": [{"name": c.name, "url": c.url} for c in s.via],
                    "kind": s.kind,
                    "confidence": s.confidence,
                    "aliases": list(s.aliases),
                    "note": s.note,
                    "clauses": s.clauses,
                }
                for s in bib.values()
            ]
        )
        return
    for s in bib.values():
        meta = ", ".join(
            x for x in (s.kind, f"confidence {s.confidence}" if s.confidence else "") if x
        )
        typer.echo(f"{s.key}  ({meta})")
        typer.echo(f"    {s.citation()}")
        if s.url:
            typer.echo(f"    {s.url}")
        elif s.kind in ("proposal", "document", "dataset"):
            typer.echo("    (primary document not found online)")
        for c in s.via:
            typer.echo(f"    via {c.name}" + (f": {c.url}" if c.url else ""))
        if s.aliases:
            typer.echo(f"    also cited as {', '.join(s.aliases)}")
    typer.echo(
        "\nConfidence: H primary document or several consistent reports; M one report; "
        "L only a copy of unclear provenance; D derived; A assumption (docs/sources.md)."
    )


def main() -> None:
    """Entry point of the ``chikuden`` script."""
    from chikuden.errors import ChikudenError

    try:
        app()
    except ChikudenError as exc:  # raised by a sub-command that does not handle it itself
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        sys.exit(2)
