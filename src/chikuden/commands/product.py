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
from typing import Annotated

import typer

from chikuden import calculators as calc
from chikuden.commands.common import OneLineGroup, user_errors
from chikuden.commands.options import Number, parse_year

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
    typer.echo(calc.assessment_text(result, lang.value))


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
