"""``chikuden optimize``: the best use of the fund (docs/optimize.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chikuden.commands.common import fail, user_errors


def optimize(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="A bundled scenario or a YAML file.")
    ] = "proposal-2022",
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            help="gwh (domestic cell capacity by 2030), minerals (GWh of cells supplied by "
            "critical-minerals projects by 2030) or carbon (t CO2e a year avoided in 2030 "
            "against cells imported from China and materials made abroad; maximised).",
        ),
    ] = "gwh",
    fund: Annotated[
        float | None,
        typer.Option(
            "--fund",
            help="Fund size in yen; the scenario's yearly schedule (finance.budget_jpy) is "
            "scaled to it. Default: the scenario's fund.",
            metavar="JPY",
        ),
    ] = None,
    min_gwh: Annotated[
        float | None,
        typer.Option(
            "--min-gwh",
            help="Require this domestic cell capacity (existing included) by 2030.",
            metavar="GWH",
        ),
    ] = None,
    points: Annotated[
        int, typer.Option("--points", help="Fund sizes on the step curve (0 to twice the fund).")
    ] = 41,
    risk: Annotated[
        float | None,
        typer.Option(
            "--risk",
            help="Monte Carlo: also find the portfolio with the best mean of the worst ALPHA "
            "share of the samples (CVaR; 1: best in expectation).",
            metavar="ALPHA",
        ),
    ] = None,
    samples: Annotated[
        int, typer.Option("--samples", "-n", help="Monte Carlo samples for --risk.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the --risk samples.")] = 0,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for optimize.json and .html.", metavar="DIR")
    ] = Path("out"),
    json_: Annotated[
        bool, typer.Option("--json", help="Print the JSON result and write no report.")
    ] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: en or ja.")] = "en",
) -> None:
    """Allocate the fund across the plants pipeline and generic candidates (a MIP, HiGHS).

    Prints the chosen portfolio, its totals and the shadow prices of the budget; writes
    OUT/<scenario>-optimize/optimize.json and optimize.html with the step curve.
    """
    with user_errors():
        from chikuden.optimize import portfolio
        from chikuden.optimize.report import report_html
        from chikuden.parameters.scenario import load_scenario

        if lang not in ("en", "ja"):
            fail(f"--lang {lang!r}: give en or ja")
        if not 2 <= points <= 1001:
            fail(f"--points {points}: give a whole number from 2 to 1001")
        loaded = load_scenario(scenario)
        problem = portfolio.build(loaded, objective, fund, min_gwh)
        solution = portfolio.solve(problem)
        relaxation = portfolio.relax(problem)
        funds = portfolio.fund_grid(problem.fund_jpy, points)
        curve = portfolio.step_curve(problem, funds)
        doc = portfolio.to_json(solution, relaxation, list(funds), curve)
        if risk is not None:
            if not 10 <= samples <= 100_000:
                fail(f"--samples {samples}: give a whole number from 10 to 100,000")
            sampled = portfolio.outcomes(problem, loaded, samples, seed)
            best = portfolio.solve_risk(problem, sampled, risk)
            plain = sampled @ solution.units
            doc["risk"] = {
                "alpha": risk,
                "samples": samples,
                "seed": seed,
                "cvar": best.cvar,
                "mean": best.mean,
                "units": {
                    c.id: int(u)
                    for c, u in zip(problem.candidates, best.solution.units, strict=True)
                    if u > 0
                },
                "deterministic_cvar": portfolio.cvar(plain, risk),
                "deterministic_mean": float(plain.mean()),
            }
        if json_:
            typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        target = out / f"{loaded.name}-optimize"
        target.mkdir(parents=True, exist_ok=True)
        (target / "optimize.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (target / "optimize.html").write_text(report_html(doc, lang), encoding="utf-8")
    _print(doc, lang, target)


def _print(doc: dict[str, object], lang: str, target: Path) -> None:
    from typing import Any

    from rich.console import Console
    from rich.table import Table

    from chikuden.i18n import translator
    from chikuden.optimize.report import unit_text

    _ = translator(lang).gettext
    d: dict[str, Any] = dict(doc)
    table = Table(title=_("Best use of the fund: {scenario}").format(scenario=d["scenario"]))
    for name in (
        _("candidate"),
        _("stage"),
        _("units (* committed)"),
        _("GWh-equivalent"),
        _("CO2e avoided (t per year)"),
        _("start year"),
        _("subsidy (bn yen)"),
    ):
        table.add_column(name)
    for c in d["portfolio"]:
        table.add_row(
            c["id"],
            c["stage"],
            f"{c['units']}{' *' if c['committed'] else ''}",
            f"{c['gwh_eq']:,.1f}",
            f"{c['co2_t']:,.0f}",
            str(c["start_year"]),
            f"{c['subsidy_jpy'] / 1e9:,.1f}",
        )
    console = Console()
    console.print(table)
    rel = d["relaxation"]
    console.print(
        _(
            "objective {objective}: {value} {unit} by {year}; domestic cell capacity by then "
            "{gwh} GWh; subsidy {used} of {fund} bn yen"
        ).format(
            objective=d["objective"],
            value=f"{d['value']:,.1f}",
            unit=unit_text(d["objective_unit"], lang),
            year=d["target_year"],
            gwh=f"{d['domestic_gwh_target_year']:,.1f}",
            used=f"{d['totals']['subsidy_jpy'] / 1e9:,.1f}",
            fund=f"{d['fund_jpy'] / 1e9:,.1f}",
        ),
        highlight=False,
    )
    console.print(
        _("one more billion yen in the fund (LP relaxation): {dual} {unit}").format(
            dual=f"{rel['value_per_jpy_of_fund'] * 1e9:,.4g}",
            unit=unit_text(d["objective_unit"], lang),
        ),
        highlight=False,
    )
    for key, v in rel["duals"].items():
        if v:
            shown = f"{v * 1e9:,.4g} per bn yen" if key.startswith("budget-") else f"{v:,.4g}"
            console.print(f"  {key}: {shown}", highlight=False)
    if "risk" in d:
        r = d["risk"]
        console.print(
            _(
                "Monte Carlo ({samples} samples): best mean of the worst {alpha} share: {cvar} "
                "(the plan above: {plain}); its mean {mean} (the plan above: {plain_mean}); "
                "units: {units}"
            ).format(
                samples=f"{r['samples']:,}",
                alpha=f"{r['alpha']:g}",
                cvar=f"{r['cvar']:,.1f}",
                plain=f"{r['deterministic_cvar']:,.1f}",
                mean=f"{r['mean']:,.1f}",
                plain_mean=f"{r['deterministic_mean']:,.1f}",
                units=", ".join(f"{k} x{v}" for k, v in r["units"].items()),
            ),
            highlight=False,
        )
    for name in ("optimize.json", "optimize.html"):
        typer.echo(_("wrote {path}").format(path=target / name))
