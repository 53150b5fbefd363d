"""`chikuden charging ...`: size chargers so drivers charge without waiting (P5), the bundled
expressway service areas, connectors needed by location, and the logistics corridor (P6).

The numbers come from the API's calculators (:mod:`chikuden.calculators`); this module parses
the options and prints. Only typer is imported at module level; numpy and the model load inside
the calculators. Input errors print one line ``error: ...`` on stderr and exit with code 2;
nothing is written.
"""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any

import typer

from chikuden import calculators as calc
from chikuden.commands.common import OneLineGroup, user_errors
from chikuden.commands.options import Number, parse_year

app = typer.Typer(
    cls=OneLineGroup,
    no_args_is_help=True,
    help="Charging infrastructure (P5) and expressway logistics (P6): queueing-based sizing "
    "of chargers, the bundled service areas, connectors needed by location, terminal power.",
    rich_markup_mode=None,
)


class Model(enum.StrEnum):
    """Queueing model of a charging site."""

    mmc = "mmc"
    mdc = "mdc"


#: Longest charging session the commands accept [h]: the calculators' limit, stated in
#: docs/charging.md.
MAX_SESSION_H = calc.MAX_SESSION_H

# The numeric options: the calculators' bounds under the options' names, used by the check
# and the help text.
ARRIVALS = Number.of("--arrivals-per-hour", calc.ARRIVALS)
ENERGY = Number.of("--energy-kwh", calc.ENERGY)
POWER = Number.of("--power-kw", calc.POWER)
FACTOR = Number.of("--power-factor", calc.FACTOR)
WAIT_PROBABILITY = Number.of("--max-wait-probability", calc.WAIT_PROBABILITY)
MEAN_WAIT = Number.of("--max-mean-wait-min", calc.MEAN_WAIT)
#: How the checks across a site's inputs name them here.
SITE_OPTIONS = {
    "arrivals_per_hour": ARRIVALS.name,
    "energy_kwh": ENERGY.name,
    "power_kw": POWER.name,
    "power_factor": FACTOR.name,
}

ArrivalsOpt = Annotated[
    str,
    typer.Option(
        "--arrivals-per-hour",
        help=f"Cars arriving to charge in the peak hour, {ARRIVALS.allowed()}.",
        metavar="NUMBER",
    ),
]
EnergyOpt = Annotated[
    str,
    typer.Option(
        "--energy-kwh",
        help=f"Energy charged per session, {ENERGY.allowed()}.",
        metavar="NUMBER",
    ),
]
PowerOpt = Annotated[
    str,
    typer.Option(
        "--power-kw", help=f"Rated power of one charger, {POWER.allowed()}.", metavar="NUMBER"
    ),
]
FactorOpt = Annotated[
    str,
    typer.Option(
        "--power-factor",
        help=f"Mean delivered over rated power during a session (taper), {FACTOR.allowed()}. "
        "The model uses charging.highway_power_factor_share (0.8); 1 charges at the rated "
        "power.",
        metavar="SHARE",
    ),
]
ModelOpt = Annotated[
    Model,
    typer.Option(
        "--model",
        help="mmc: exponential charging times (Erlang C); mdc: fixed charging time "
        "(Cosmetatos approximation of the mean wait).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON and nothing else.")]
ScenarioOpt = Annotated[
    str,
    typer.Option("--scenario", "-s", help="A bundled scenario name or a path to a YAML file."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Override a parameter (repeatable), e.g. charging.highway_power_kw=150.",
    ),
]
YearOpt = Annotated[str, typer.Option("--year", help="Year to show, 2021..2040.", metavar="YEAR")]


def _echo_json(doc: Any) -> None:
    typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))


def _table(headers: list[str], rows: list[list[str]], right: range) -> str:
    from chikuden.commands.tables import text_table

    return text_table(headers, rows, right=right)


def _site(arrivals: str, energy: str, power: str, factor: str) -> tuple[float, float, float, float]:
    """The site's options checked, before anything is computed: ``(arrivals [1/h], energy
    [kWh], power [kW], power factor)``.

    Each option must be a finite number in its range, then the checks across them apply
    (:func:`chikuden.calculators.check_site`: the charging time and the offered load).
    """
    lam = ARRIVALS.parse(arrivals)
    e, p, f = ENERGY.parse(energy), POWER.parse(power), FACTOR.parse(factor)
    calc.check_site(lam, e, p, f, names=SITE_OPTIONS)
    return lam, e, p, f


def _site_text(doc: dict[str, Any]) -> str:
    lines = [
        f"model              {doc['model']}",
        f"charging time      {doc['service_time_min']:.1f} min "
        f"({doc['energy_kwh']:g} kWh at {doc['power_kw']:g} kW x {doc['power_factor']:g})",
        f"offered load       {doc['offered_load_erlang']:.2f} Erlang "
        f"(stable from {doc['minimum_chargers_for_stability']} chargers)",
    ]
    if "targets" in doc:
        t = doc["targets"]
        parts = []
        if t["max_wait_probability"] is not None:
            parts.append(f"P(wait) <= {t['max_wait_probability']:g}")
        if t["max_mean_wait_min"] is not None:
            parts.append(f"mean wait <= {t['max_mean_wait_min']:g} min")
        lines.append(f"target             {' and '.join(parts)}")
    lines += [
        f"chargers           {doc['chargers']}",
        f"utilisation        {doc['utilisation']:.3f}",
        f"P(wait)            {doc['wait_probability']:.4f}",
        f"mean wait          {doc['mean_wait_min']:.2f} min",
    ]
    return "\n".join(lines)


@app.command()
def size(
    arrivals_per_hour: ArrivalsOpt,
    energy_kwh: EnergyOpt = "30",
    power_kw: PowerOpt = "90",
    power_factor: FactorOpt = "1",
    max_wait_probability: Annotated[
        str | None,
        typer.Option(
            "--max-wait-probability",
            help="Target: highest probability that an arriving car waits, "
            f"{WAIT_PROBABILITY.allowed()}. Default 0.05 when no target is given.",
            metavar="SHARE",
        ),
    ] = None,
    max_mean_wait_min: Annotated[
        str | None,
        typer.Option(
            "--max-mean-wait-min",
            help=f"Target: highest mean wait, {MEAN_WAIT.allowed()}.",
            metavar="NUMBER",
        ),
    ] = None,
    model: ModelOpt = Model.mmc,
    json_: JsonOpt = False,
) -> None:
    """The fewest chargers at one site that meet the waiting targets at the peak hour."""
    with user_errors():
        lam, energy, power, factor = _site(arrivals_per_hour, energy_kwh, power_kw, power_factor)
        p_max = (
            None if max_wait_probability is None else WAIT_PROBABILITY.parse(max_wait_probability)
        )
        w_max = None if max_mean_wait_min is None else MEAN_WAIT.parse(max_mean_wait_min)
        site = calc.charger_sizing(lam, energy, power, factor, p_max, w_max, model.value)
        doc = site.to_dict()
    typer.echo(json.dumps(doc, indent=2) if json_ else _site_text(doc))


@app.command()
def wait(
    chargers: Annotated[
        str,
        typer.Option(
            "--chargers",
            help="Chargers at the site, a whole number from 1 to the sizing limit "
            "(queueing.MAX_SERVERS, 100,000).",
            metavar="N",
        ),
    ],
    arrivals_per_hour: ArrivalsOpt,
    energy_kwh: EnergyOpt = "30",
    power_kw: PowerOpt = "90",
    power_factor: FactorOpt = "1",
    model: ModelOpt = Model.mmc,
    json_: JsonOpt = False,
) -> None:
    """Utilisation, probability of waiting and mean wait with a given number of chargers."""
    with user_errors():
        count = Number.of("--chargers", calc.chargers_bound()).parse_int(chargers)
        lam, energy, power, factor = _site(arrivals_per_hour, energy_kwh, power_kw, power_factor)
        doc = calc.charger_wait(count, lam, energy, power, factor, model.value).to_dict()
    typer.echo(json.dumps(doc, indent=2) if json_ else _site_text(doc))


@app.command()
def areas(
    scenario: ScenarioOpt = "proposal-2022",
    set_: SetOpt = None,
    year_: YearOpt = "2030",
    json_: JsonOpt = False,
) -> None:
    """Chargers needed at each bundled expressway service area in a year, with sources."""
    with user_errors():
        year = parse_year(year_)
        found = calc.service_areas(scenario, list(set_ or ()), year).to_dict()
        docs, total = found["areas"], found["total_chargers"]
    if json_:
        _echo_json(found)
        return
    rows = [
        [
            f"{d['name']} ({d['direction']})",
            d["road"],
            f"{d['traffic_per_day']:,.0f}",
            d["traffic_basis"],
            f"{d['arrivals_per_hour']:.1f}",
            str(d["chargers"]),
            f"{d['utilisation']:.2f}",
            f"{d['wait_probability']:.3f}",
            f"{d['mean_wait_min']:.2f}",
            ";".join(d["sources"]),
        ]
        for d in docs
    ]
    headers = [
        "area",
        "road",
        "vehicles/day",
        "count",
        "arrivals/h",
        "chargers",
        "util.",
        "P(wait)",
        "wait min",
        "sources",
    ]
    typer.echo(f"scenario {found['scenario']}, peak hour of {year}")
    typer.echo(_table(headers, rows, right=range(2, 9)))
    typer.echo(f"total chargers at the {len(docs)} bundled sites: {total}")
    typer.echo(
        "peak-hour share: JSTE typical K value (assumption at each site); "
        "see `chikuden sources` for the keys"
    )


@app.command()
def connectors(
    scenario: ScenarioOpt = "proposal-2022",
    set_: SetOpt = None,
    year_: YearOpt = "2030",
    json_: JsonOpt = False,
) -> None:
    """Connectors needed by location in a year, the 2030 target, cost and fund coverage."""
    with user_errors():
        year = parse_year(year_)
        doc = calc.charging_connectors(scenario, list(set_ or ()), year).to_dict()
        by_location: dict[str, float] = doc["connectors_by_location"]
    if json_:
        _echo_json(doc)
        return
    rows = [[name.replace("_", " "), f"{v:,.0f}"] for name, v in by_location.items()]
    rows.append(["needed (excl. detached homes)", f"{doc['needed_excluding_homes']:,.0f}"])
    rows.append(["deployment path", f"{doc['deployment_path']:,.0f}"])
    rows.append(["target 2030 (incl. fast)", f"{doc['target_2030']:,.0f}"])
    rows.append(["fast target 2030", f"{doc['fast_target_2030']:,.0f}"])
    typer.echo(f"scenario {doc['scenario']}, connectors in {year}")
    typer.echo(_table(["location", "connectors"], rows, right=range(1, 2)))
    typer.echo(
        f"build-out cost 2021-2030 {doc['capex_to_2030_jpy'] / 1e8:,.0f} oku yen; "
        f"fund paid by 2030 {doc['fund_to_2030_jpy'] / 1e8:,.0f} oku yen; "
        f"coverage {doc['fund_coverage_2030']:.1%}"
    )


@app.command()
def corridor(
    scenario: ScenarioOpt = "proposal-2022",
    set_: SetOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Charging power and hydrogen per logistics terminal on the corridor, by year (P6)."""
    with user_errors():
        doc = calc.logistics_corridor(scenario, list(set_ or ())).to_dict()
    if json_:
        _echo_json(doc)
        return
    typer.echo(
        f"scenario {doc['scenario']}: {doc['corridor_length_km']:g} km corridor, "
        f"{doc['terminals']} terminals every {doc['terminal_spacing_km']:g} km, "
        f"{doc['heavy_trucks_per_day']:,.0f} heavy trucks a day (two-way)"
    )
    rows = [
        [
            str(d["year"]),
            f"{d['terminal_power_mw']:.2f}",
            f"{d['terminal_hydrogen_kg_per_day']:,.0f}",
        ]
        for d in doc["years"]
    ]
    typer.echo(_table(["year", "MW per terminal", "kg H2/day per terminal"], rows, range(1, 3)))
