"""``chikuden mc``: Monte Carlo over the uncertain parameters (docs/uncertainty.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from chikuden.commands.common import fail, user_errors
from chikuden.commands.options import Scheduler, Workers


def mc(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="A bundled scenario or a YAML file.")
    ] = "proposal-2022",
    samples: Annotated[int, typer.Option("--samples", "-n", help="Number of samples.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed, the same result.")] = 0,
    method: Annotated[
        str, typer.Option("--method", help="mc (Monte Carlo), lhs (Latin hypercube) or sobol.")
    ] = "mc",
    outputs: Annotated[
        list[str] | None,
        typer.Option(
            "--outputs",
            help="Indicators or series to summarise: keys or patterns (repeatable or "
            "comma-separated). Default: the main capacity, market, finance and workforce ones.",
            metavar="KEY",
        ),
    ] = None,
    chunk: Annotated[
        int | None,
        typer.Option(
            "--chunk",
            help="Samples evaluated per batch (memory; not results). Default: "
            "chikuden.uncertainty.montecarlo.CHUNK.",
        ),
    ] = None,
    parquet: Annotated[
        Path | None,
        typer.Option(
            "--parquet", help="Write samples.parquet and results.parquet here.", metavar="DIR"
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for mc.json and mc.html.", metavar="DIR")
    ] = Path("out"),
    json_: Annotated[
        bool, typer.Option("--json", help="Print the JSON summary and write no report.")
    ] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: en or ja.")] = "en",
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Sample the uncertain parameters and report quantiles, target probabilities and fan charts.

    Writes OUT/<scenario>-mc/mc.json and mc.html (and Parquet files with --parquet).
    """
    with user_errors():
        from rich.progress import Progress

        from chikuden.parameters.scenario import load_scenario
        from chikuden.uncertainty import montecarlo
        from chikuden.uncertainty.distributed import client_for
        from chikuden.uncertainty.sampling import check_samples

        if lang not in ("en", "ja"):
            fail(f"--lang {lang!r}: give en or ja")
        check_samples(method, samples)
        keys = None
        if outputs is not None:
            keys = [k.strip() for item in outputs for k in item.split(",") if k.strip()]
            if not keys:
                fail("--outputs: no output key given; give a key such as capacity.domestic_2030")
        chunk = montecarlo.CHUNK if chunk is None else chunk
        if not 1 <= chunk <= montecarlo.MAX_CHUNK:
            fail(f"--chunk {chunk}: give a whole number from 1 to {montecarlo.MAX_CHUNK:,}")
        if parquet is not None and (workers is not None or scheduler is not None):
            fail("--parquet: not available with --workers or --scheduler; run without them")
        loaded = load_scenario(scenario)
        with (
            client_for(workers, scheduler) as client,
            Progress(disable=json_ or not sys.stderr.isatty(), transient=True) as bar,
        ):
            task = bar.add_task("samples", total=samples)
            result = montecarlo.run(
                loaded,
                samples,
                seed=seed,
                method=method,
                outputs=keys,
                chunk=chunk,
                progress=lambda k: bar.advance(task, k),
                parquet=parquet,
                client=client,
            )
        doc = result.to_json()
        if json_:
            typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        target = out / f"{loaded.name}-mc"
        target.mkdir(parents=True, exist_ok=True)
        (target / "mc.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (target / "mc.html").write_text(montecarlo.report_html(doc, lang), encoding="utf-8")
    from chikuden.i18n import pick, translator

    _ = translator(lang).gettext
    typer.echo(
        _("{scenario}: {samples} samples ({method}, seed {seed})").format(
            scenario=loaded.name, samples=f"{samples:,}", method=method, seed=seed
        )
    )
    for key, v in doc["indicators"].items():
        q = " / ".join("-" if v[k] is None else f"{v[k]:,.4g}" for k in ("q05", "q50", "q95"))
        typer.echo(f"  {key}: 5% / 50% / 95% = {q} {v['unit']}")
    for name, t in doc["targets"].items():
        p = "-" if t["probability"] is None else f"{t['probability']:.1%}"
        shown = pick(lang, name, t["label_ja"])
        typer.echo(_("  probability of {target}: {p}").format(target=shown, p=p))
    for name in ("mc.json", "mc.html"):
        typer.echo(_("wrote {path}").format(path=target / name))
    if parquet is not None:
        for name in ("samples.parquet", "results.parquet"):
            typer.echo(_("wrote {path}").format(path=parquet / name))
