"""`chikuden product ...`: assess a product's cycle-life test data and declared values (P9).

``assess FILE`` fits a capacity-fade model to the cycle test, estimates the cycles to 80 %
state of health with a 95 % interval, classifies durability, carbon footprint (EU functional
unit, assumed class boundaries), recycled content and safety, and decides the subsidy top-up
the scenario's rules give. ``example`` prints the bundled example file.

The assessment is the API's (:func:`chikuden.calculators.product_assessment`); this module
parses the options and prints. Only typer (and the standard library) is imported at module
level; numpy and the model load inside the calculator. Input errors print one line
``error: ...`` on stderr and exit with code 2; the command writes no files.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chikuden import calculators as calc
from chikuden.commands.common import OneLineGroup, user_errors
from chikuden.commands.options import Number, parse_year

if TYPE_CHECKING:
    from chikuden.analysis.product import Assessment

app = typer.Typer(
    cls=OneLineGroup,
    no_args_is_help=True,
    help="Product performance and passport (P9): fit cycle-life data, classify durability, "
    "carbon footprint, recycled content and safety, and decide the subsidy top-up.",
    rich_markup_mode=None,
)


class Model(enum.StrEnum):
    """Capacity-fade model."""

    auto = "auto"
    sqrt = "sqrt"
    power = "power"
    linear = "linear"


class Lang(enum.StrEnum):
    """Language of the printed assessment."""

    en = "en"
    ja = "ja"


class Format(enum.StrEnum):
    """Format of the example product file."""

    json = "json"
    csv = "csv"


ScenarioOpt = Annotated[
    str,
    typer.Option(
        "--scenario", "-s", help="A bundled scenario name or a YAML file; its rules apply."
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a parameter, PATH=VALUE (repeatable), e.g. "
        "carbon.performance_min_cycles=2500.",
        metavar="PATH=VALUE",
    ),
]
ModelOpt = Annotated[
    Model,
    typer.Option(
        "--model",
        help="Fade model: sqrt (Q = q0 - c sqrt N), power (Q = 1 - a N^b), linear "
        "(Q = q0 - c N), or auto (the best fit of the three).",
    ),
]
TOLERANCE = Number.of("--tolerance", calc.TOLERANCE)
YearOpt = Annotated[
    str,
    typer.Option(
        "--year",
        help="Year of the modelled footprint of the same chemistry made in Japan, 2021..2040.",
        metavar="YEAR",
    ),
]
ToleranceOpt = Annotated[
    str,
    typer.Option(
        "--tolerance",
        help="How far above 100% of rated capacity a point after cycling may lie, "
        f"{TOLERANCE.allowed()}.",
        metavar="SHARE",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of the printed assessment.")]


@app.command()
def assess(
    file: Annotated[
        Path,
        typer.Argument(
            help="Product file (.json or .csv): declared values and the cycle test. "
            "`chikuden product example` prints one.",
            show_default=False,
        ),
    ],
    scenario: ScenarioOpt = "proposal-2022",
    set_: SetOpt = None,
    model: ModelOpt = Model.auto,
    year: YearOpt = "2030",
    tolerance: ToleranceOpt = "0.02",
    json_: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Fit the cycle data, classify the product and decide its subsidy top-up."""
    with user_errors():
        when = parse_year(year)
        tol = TOLERANCE.parse(tolerance)
        result = calc.product_assessment(file, scenario, list(set_ or ()), model.value, when, tol)
    if json_:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    typer.echo(render(result, lang.value))


@app.command()
def example(
    format_: Annotated[Format, typer.Option("--format", help="json or csv.")] = Format.json,
) -> None:
    """Print the bundled example product file (save it and edit it for your product)."""
    from importlib import resources

    name = f"product-example.{format_.value}"
    typer.echo(
        resources.files("chikuden.data").joinpath("examples", name).read_text("utf-8"), nl=False
    )


# -- text ----------------------------------------------------------------------------------


def render(a: Assessment, lang: str = "en") -> str:
    """The assessment as text for a reader of ``lang``."""
    from chikuden.analysis.product import SAFETY_TESTS, class_letter
    from chikuden.formatting import format_number, format_share
    from chikuden.i18n import pick, translator

    _ = translator(lang).gettext
    f = a.fit

    def num(x: float) -> str:
        # Beyond 1e15 grouped digits say nothing (and babel's decimal formatting fails from
        # 1e28): an interval bound of 7e32 cycles prints as 7.1e+32.
        return format_number(x, lang) if abs(x) < 1e15 else f"{x:.2g}"

    def sig(x: float) -> str:
        return f"{x:.4g}"

    unit = "kg CO2e/kWh"
    lines = [f"{a.product.name} — {a.product.chemistry} ({a.scenario})", ""]
    fit = _("Capacity-fade fit: {model}, {equation} ({points} points, RMSE {rmse}, R² {r2})")
    lines.append(
        fit.format(
            model=f.model,
            equation=f.equation,
            points=f.points,
            rmse=f"{f.rmse:.4f}",
            r2=f"{f.r2:.4f}",
        )
    )
    for name, value in f.params.items():
        lines.append(f"  {name} = {sig(value)} ± {sig(f.std_errors[name])}")
    others = [f"{m} {r:.4f}" for m, r in a.candidates.items() if m != f.model]
    if others:
        lines.append("  " + _("other models (RMSE): {models}").format(models=", ".join(others)))
    last = num(float(a.product.cycles[-1]))
    if f.extrapolated:
        where = _("extrapolated beyond the tested {n} cycles").format(n=last)
    else:
        where = _("within the tested {n} cycles").format(n=last)
    cycles = _("Cycles to {soh} state of health: {cycles} (95% interval {low}–{high}), {where}")
    lines.append(
        cycles.format(
            soh=format_share(f.eol_soh, lang),
            cycles=num(f.cycles),
            low=num(f.cycles_low),
            high=num(f.cycles_high),
            where=where,
        )
    )
    lines.append("")
    r = a.rules
    bounds = _("A >= {a}, B >= {b}, C >= {c} cycles; assumed boundaries").format(
        a=num(r["carbon.durability_class_a_cycles"]),
        b=num(r["carbon.durability_class_b_cycles"]),
        c=num(r["carbon.durability_class_c_cycles"]),
    )
    lines.append(
        _("Durability class: {cls} ({bounds})").format(
            cls=class_letter(a.durability_class), bounds=bounds
        )
    )
    verdict = _("passes") if a.passes_threshold else _("exceeds it")
    lines.append(
        _(
            "Carbon footprint: {footprint} {unit} declared -> {delivered} g CO2e per kWh delivered"
        ).format(footprint=num(a.product.footprint), unit=unit, delivered=f"{a.delivered:.1f}")
    )
    eu_class = _(
        "EU class (assumed boundaries): {cls}; assumed EU threshold {threshold} g: {verdict}"
    )
    lines.append(
        "  "
        + eu_class.format(
            cls=class_letter(a.carbon_class), threshold=num(a.threshold), verdict=verdict
        )
    )
    modelled = _("modelled, {chem} made in Japan in {year}: grid {g}, clean battery park {p}")
    lines.append(
        "  "
        + modelled.format(
            chem=a.product.chemistry, year=a.year, g=num(a.modelled_grid), p=num(a.modelled_park)
        )
        + f" {unit}"
    )
    shares = ", ".join(
        f"{m} {format_share(a.product.recycled[m], lang)}" for m in a.recycled_metals
    )
    recycled = {
        1: _("meets the EU 2036 minimums"),
        2: _("meets the EU 2031 minimums"),
        3: _("below the EU 2031 minimums"),
    }[a.recycled_class]
    lines.append(
        _("Recycled content: {verdict} ({shares})").format(verdict=recycled, shares=shares)
    )
    status = {
        "pass": _("all {n} tests passed"),
        "fail": _("failed"),
        "incomplete": _("incomplete"),
    }[a.safety_status].format(n=len(SAFETY_TESTS))
    detail = ", ".join((*a.safety_failed, *a.safety_missing))
    if detail:
        status += f" ({detail})"
    lines.append(_("Safety (IEC 62660-3 tests): {status}").format(status=status))
    lines.append("")
    if a.eligible and a.topup_share is not None:
        head = _("eligible: +{t} of capex").format(t=format_share(a.topup_share, lang))
    elif a.eligible:
        head = _("top-up share not declared (finance.subsidy_performance_topup_share)")
    else:
        head = _("not eligible")
    if a.subsidy_rate is not None:
        rate = _("subsidy rate {r}").format(r=format_share(a.subsidy_rate, lang))
        head += f" ({rate})"
    lines.append(_("Performance top-up: {verdict}").format(verdict=head))
    for u in a.unmet:
        lines.append(f"  - {pick(lang, u.en, u.ja)}")
    return "\n".join(lines)
