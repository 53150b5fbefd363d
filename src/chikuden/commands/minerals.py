"""`chikuden minerals ...`: the critical-minerals stress test (P3, P11).

The stress test is the API's (:func:`chikuden.calculators.minerals_stress`); this module
parses the options and prints. Only typer is imported at module level; the model loads inside
the calculator.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from chikuden import calculators as calc
from chikuden.commands.common import OneLineGroup, fail, user_errors
from chikuden.commands.options import Number, parse_year, shown

CUT = Number.of("--cut", calc.CUT)
STRESS_OPTIONS = {f: f"--{f}" for f in ("mineral", "country", "cut", "months", "year")}
"""The option of each field the stress test's model names in a message (``country 'XX'``)."""

app = typer.Typer(
    cls=OneLineGroup,
    no_args_is_help=True,
    help="Critical minerals: supply-disruption stress test (P3, P11).",
    rich_markup_mode=None,
)


@app.callback()
def _minerals() -> None:
    """Critical minerals: supply-disruption stress test (P3, P11)."""


@app.command()
def stress(
    mineral: Annotated[
        str, typer.Option("--mineral", "-m", help="lithium, nickel, cobalt, manganese or graphite.")
    ],
    country: Annotated[
        str,
        typer.Option(
            "--country", "-c", help="ISO 3166-1 alpha-2 code of the exporting country, e.g. CN."
        ),
    ],
    cut: Annotated[
        str,
        typer.Option(
            "--cut",
            help=f"Share of the country's exports lost, {CUT.allowed()} (0.5 = half).",
            metavar="SHARE",
        ),
    ],
    months: Annotated[
        str,
        typer.Option(
            "--months", help="Length of the shock in months, in (0, 36].", metavar="NUMBER"
        ),
    ],
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            "-s",
            help="Bundled scenario name or YAML path (repeatable; default proposal-2022).",
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Override a parameter, PATH=VALUE (repeatable).", metavar="PATH=VALUE"
        ),
    ] = None,
    year: Annotated[
        str | None,
        typer.Option(
            "--year",
            help="Year of the shock, 2021..2040 (default minerals.stress_year).",
            metavar="YEAR",
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of labels: en or ja.")] = "en",
    json_: Annotated[bool, typer.Option("--json", help="Print JSON and nothing else.")] = False,
) -> None:
    """Cut a country's exports of a mineral for some months: lost domestic cell production.

    Example: chikuden minerals stress --mineral graphite --country CN --cut 0.5 --months 6
    """
    with user_errors(STRESS_OPTIONS):
        share, length, when = _checked(mineral, country, cut, months, year, lang)
        shock = calc.minerals_stress(
            scenario or ["proposal-2022"], mineral, country, share, length, when, list(set_ or ())
        )
    if json_:
        typer.echo(json.dumps(shock.to_json(), ensure_ascii=False, indent=2))
        return
    from chikuden.commands.tables import text_table
    from chikuden.formatting import format_value
    from chikuden.i18n import translator

    _ = translator(lang).gettext
    head = _("{country} exports of {mineral} cut by {cut} for {months} months in {year}").format(
        country=shock.country,
        mineral=shock.mineral,
        cut=f"{shock.cut:.0%}",
        months=f"{shock.months:g}",
        year=shock.year,
    )
    typer.echo(head)
    headers = [
        _("scenario"),
        _("exposure"),
        _("exposed t/yr"),
        _("shortfall t"),
        _("lost GWh"),
        _("lost value"),
    ]
    basis = {  # Translators: appended to a percentage, hence the leading space in English
        "japan_imports": _(" (Japan's imports)"),
        "world_supply": _(" (world supply)"),
    }
    rows = [
        [
            name,
            format_value(float(shock.exposure_share[i]), "share", lang)
            + basis[shock.exposure_basis(i)],
            format_value(float(shock.exposed_t[i]), "t", lang),
            format_value(float(shock.shortfall_t[i]), "t", lang),
            format_value(float(shock.lost_gwh[i]), "GWh", lang),
            format_value(float(shock.lost_jpy[i]), "JPY", lang),
        ]
        for i, name in enumerate(shock.scenarios)
    ]
    typer.echo(text_table(headers, rows, right=range(2, 6)))


def _checked(
    mineral: str, country: str, cut: str, months: str, year: str | None, lang: str
) -> tuple[float, float, int | None]:
    """The options checked before anything is loaded or computed: ``(cut, months, year)``.

    The country's code is checked for its form here (two letters) and against the scenario's
    ``minerals.supply`` table by the stress test. The checks are the calculator's, naming the
    options.
    """
    calc.check_mineral(mineral, "--mineral")
    calc.check_country(country, "--country")
    share = CUT.parse(cut)
    length = Number.of("--months", calc.months_bound()).parse(months)
    when = None if year is None else parse_year(year)
    if lang not in ("en", "ja"):
        fail(f"--lang {shown(lang)}: use en or ja")
    return share, length, when
