"""``chikuden solve``: what it takes for an indicator to reach a target (docs/uncertainty.md)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from chikuden.commands.common import fail, user_errors
from chikuden.commands.options import Scheduler, Workers


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:,.6g}"


def solve(
    target: Annotated[
        str,
        typer.Option(
            "--target",
            help="The indicator and the value it should reach, KEY=VALUE, e.g. "
            "finance.fund_balance=0.",
            metavar="KEY=VALUE",
        ),
    ],
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="A scalar parameter to vary within its declared range (repeatable: several "
            "move together, the smallest share of the way to the bounds that helps).",
            metavar="PARAM",
        ),
    ],
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="A bundled scenario or a YAML file.")
    ] = "proposal-2022",
    mc: Annotated[
        int | None,
        typer.Option(
            "--mc",
            help="Solve once per sample of the uncertain parameters (this many).",
            metavar="N",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the --mc samples.")] = 0,
    json_: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the text: en or ja.")] = "en",
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """What it takes: the parameter value at which an indicator reaches a target.

    No value in the parameter's range that reaches the target is an answer (exit 0) that says
    so, with the closest value the range gives.
    """
    with user_errors():
        from chikuden.parameters.scenario import load_scenario
        from chikuden.uncertainty import goalseek
        from chikuden.uncertainty.distributed import client_for

        if lang not in ("en", "ja"):
            fail(f"--lang {lang!r}: give en or ja")
        key, sep, text = target.partition("=")
        key = key.strip()
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not sep or not key or value != value or abs(value) == float("inf"):
            fail(
                f"--target {target!r}: give KEY=VALUE with a finite number, e.g. "
                "finance.fund_balance=0"
            )
        goalseek.check_keys(key, vary)
        if mc is None and (workers is not None or scheduler is not None):
            cluster = "--workers" if workers is not None else "--scheduler"
            fail(
                f"{cluster}: only with --mc N (one solve is one batch evaluation at a time); "
                "add --mc or run without it"
            )
        loaded = load_scenario(scenario)
        if mc is None:
            sol = goalseek.solve(loaded, key, value, vary)
            doc = goalseek.to_json(sol, loaded.name)
        else:
            goalseek.check_mc(loaded, key, vary, mc)
            with client_for(workers, scheduler) as client:
                sol = goalseek.solve_mc(loaded, key, value, vary, mc, seed=seed, client=client)
            doc = goalseek.to_json(sol, loaded.name, {"samples": mc, "seed": seed, "method": "mc"})
    if json_:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    _print(doc, lang)


def _print(doc: dict[str, Any], lang: str) -> None:
    from chikuden.i18n import translator

    _ = translator(lang).gettext
    t = doc["target"]
    unit = t["unit"]
    typer.echo(
        _("{scenario}: what it takes for {key} to reach {value} {unit}").format(
            scenario=doc["scenario"], key=t["key"], value=_fmt(t["value"]), unit=unit
        )
    )
    if "samples" in doc:
        typer.echo(
            _(
                "  {samples} samples (seed {seed}): a solution in {found:.1%}, none in {none:.1%}"
            ).format(
                samples=f"{doc['samples']:,}",
                seed=doc["seed"],
                found=doc["found_share"],
                none=doc["none_share"],
            )
        )
        for name, q in doc["required"].items():
            typer.echo(
                _("  {name} it takes: 5% / 50% / 95% = {q05} / {q50} / {q95}").format(
                    name=name, q05=_fmt(q["q05"]), q50=_fmt(q["q50"]), q95=_fmt(q["q95"])
                )
            )
        q = doc["closest_where_none"]
        if q["q50"] is not None:
            typer.echo(
                _(
                    "  where none: the closest {key}, 5% / 50% / 95% = {q05} / {q50} / {q95} {unit}"
                ).format(
                    key=t["key"],
                    q05=_fmt(q["q05"]),
                    q50=_fmt(q["q50"]),
                    q95=_fmt(q["q95"]),
                    unit=unit,
                )
            )
        return
    now = ", ".join(f"{p} = {_fmt(v)}" for p, v in doc["current"].items())
    typer.echo(
        _("  now: {value} {unit} with {now}").format(value=_fmt(doc["now"]), unit=unit, now=now)
    )
    if doc["found"]:
        req = ", ".join(f"{p} = {_fmt(v)}" for p, v in doc["required"].items())
        typer.echo(
            _("  it takes: {required} ({share:.1%} of the way to the bounds)").format(
                required=req, share=doc["change_share"]
            )
        )
        return
    closest = doc["closest"]
    if closest["indicator"] is None:
        typer.echo(_("  no value in the range reaches the target: the indicator is undefined"))
        return
    at = ", ".join(f"{p} = {_fmt(v)}" for p, v in closest["values"].items())
    typer.echo(
        _("  no value in the range reaches the target; the closest: {value} {unit} at {at}").format(
            value=_fmt(closest["indicator"]), unit=unit, at=at
        )
    )
