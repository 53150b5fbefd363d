"""``chikuden sensitivity``: Sobol, Morris or delta indices of indicators (docs/uncertainty.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from chikuden.commands.common import fail, user_errors
from chikuden.commands.options import Scheduler, Workers


def sensitivity(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="A bundled scenario or a YAML file.")
    ] = "proposal-2022",
    method: Annotated[
        str, typer.Option("--method", help="sobol (S1, ST), morris (mu*, sigma) or delta.")
    ] = "sobol",
    outputs: Annotated[
        list[str] | None,
        typer.Option(
            "--outputs",
            help="Indicators to analyse: keys or patterns (repeatable or comma-separated). "
            "Default: capacity in 2030, capital need and people needed.",
            metavar="KEY",
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            help="N: sobol base samples (a power of two, N (d + 2) runs), morris trajectories "
            "(N (d + 1) runs) or delta runs. Default 1024 (morris 20).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed, the same result.")] = 0,
    second_order: Annotated[
        bool,
        typer.Option(
            "--second-order",
            help="sobol: also S2 of every pair of parameters, in the JSON (SALib's default "
            "design, N (2d + 2) runs).",
        ),
    ] = False,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for sensitivity.json and .html.", metavar="DIR"),
    ] = Path("out"),
    json_: Annotated[
        bool, typer.Option("--json", help="Print the JSON and write no report.")
    ] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: en or ja.")] = "en",
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Rank the uncertain parameters by their effect on indicators (SALib).

    Writes OUT/<scenario>-sensitivity-<method>/sensitivity.json and sensitivity.html.
    """
    with user_errors():
        from rich.progress import Progress

        from chikuden.parameters.scenario import load_scenario
        from chikuden.uncertainty import sensitivity as sa
        from chikuden.uncertainty.distributed import client_for
        from chikuden.uncertainty.distributions import scenario_spec

        if lang not in ("en", "ja"):
            fail(f"--lang {lang!r}: give en or ja")
        if method not in sa.METHODS:
            fail(f"--method {method!r}: give one of {', '.join(sa.METHODS)}")
        n = sa.DEFAULT_SAMPLES[method] if samples is None else samples
        sa.check_samples(method, n)
        if seed < 0:
            fail(f"--seed {seed}: give a whole number of 0 or more")
        keys = None
        if outputs is not None:
            keys = [k.strip() for item in outputs for k in item.split(",") if k.strip()]
            if not keys:
                fail("--outputs: no output key given; give a key such as capacity.domestic_2030")
        loaded = load_scenario(scenario)
        spec = scenario_spec(loaded.uncertainty, loaded.origin or f"scenario {loaded.name}")
        sa.check_samples(method, n, len(spec.names), second_order)
        total = sa.runs(method, n, len(spec.names), second_order)
        with (
            client_for(workers, scheduler) as client,
            Progress(disable=json_ or not sys.stderr.isatty(), transient=True) as bar,
        ):
            task = bar.add_task("runs", total=total)
            result = sa.run(
                loaded,
                method,
                outputs=keys,
                samples=n,
                seed=seed,
                spec=spec,
                progress=lambda k: bar.advance(task, k),
                client=client,
                second_order=second_order,
            )
        doc = result.to_json()
        if json_:
            typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        target = out / f"{loaded.name}-sensitivity-{method}"
        target.mkdir(parents=True, exist_ok=True)
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        (target / "sensitivity.json").write_text(text, encoding="utf-8")
        (target / "sensitivity.html").write_text(sa.report_html(doc, lang), encoding="utf-8")
    from chikuden.commands.tables import text_table
    from chikuden.i18n import pick, translator

    _ = translator(lang).gettext
    typer.echo(
        _("{scenario}: {method}, N = {samples}, {runs} model runs (seed {seed})").format(
            scenario=loaded.name,
            method=method,
            samples=f"{n:,}",
            runs=f"{doc['runs']:,}",
            seed=seed,
        )
    )
    if doc["correlations_ignored"]:
        typer.echo(_("(parameters sampled independently: the rank correlations are not applied)"))
    for key, entry in doc["indicators"].items():
        typer.echo("")
        typer.echo(f"{key}: {pick(lang, entry['label'], entry['label_ja'])} [{entry['unit']}]")
        if "note" in entry:
            typer.echo(_("  no indices: the indicator is {why}").format(why=entry["note"]))
            continue
        headers, rows = sa.table_rows(doc, key)
        headers[1] = _("parameter")
        typer.echo(text_table(headers, rows, right={0, *range(2, len(headers))}))
    typer.echo("")
    for name in ("sensitivity.json", "sensitivity.html"):
        typer.echo(_("wrote {path}").format(path=target / name))
