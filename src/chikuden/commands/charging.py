"""`chikuden charging ...`: size chargers so drivers charge without waiting (P5), the bundled
expressway service areas, connectors needed by location, and the logistics corridor (P6).

Only typer is imported at module level; numpy and the model load inside the commands. Input
errors print one line ``error: ...`` on stderr and exit with code 2; nothing is written.
"""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any

import typer

from chikuden.commands.common import OneLineGroup, fail, user_errors
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


MODEL_NAMES = {Model.mmc: "M/M/c (Erlang C)", Model.mdc: "M/D/c (Erlang C, Cosmetatos wait)"}
DEFAULT_WAIT_PROBABILITY = 0.05
#: Longest charging session the commands accept [h] (about six weeks). An assumption: far
#: above any real session (100 kWh at 3 kW take 33 h), it keeps every printed time finite.
MAX_SESSION_H = 1_000.0

# The numeric options: name, range, unit and example, used by the check and the help text.
ARRIVALS = Number("--arrivals-per-hour", 0.0, unit="1/h", example="24")
ENERGY = Number("--energy-kwh", 0.0, lo_open=True, unit="kWh", example="30")
POWER = Number("--power-kw", 0.0, lo_open=True, unit="kW", example="90")
FACTOR = Number("--power-factor", 0.0, 1.0, lo_open=True, example="0.8")
WAIT_PROBABILITY = Number(
    "--max-wait-probability", 0.0, 1.0, lo_open=True, hi_open=True, example="0.05"
)
MEAN_WAIT = Number("--max-mean-wait-min", 0.0, lo_open=True, unit="min", example="1")

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


def _site(
    arrivals: str, energy: str, power: str, factor: str
) -> tuple[float, float, float, float, float]:
    """The site's options checked, before anything is computed: ``(arrivals [1/h], energy
    [kWh], power [kW], power factor, charging time [h])``.

    Each option must be a finite number in its range; the charging time
    ``energy / (power x factor)`` must be above 0 and at most MAX_SESSION_H; and the offered
    load ``arrivals x time`` must stay below ``queueing.MAX_SERVERS`` Erlang, the most chargers
    sizing explores at one site (a stable queue needs ``floor(load) + 1`` chargers).
    """
    from chikuden.model.charging.queueing import MAX_SERVERS

    lam = ARRIVALS.parse(arrivals)
    e, p, f = ENERGY.parse(energy), POWER.parse(power), FACTOR.parse(factor)
    service_h = e / p / f  # a float overflow gives inf, an underflow 0
    if not 0.0 < service_h <= MAX_SESSION_H:
        fail(
            f"--energy-kwh / (--power-kw x --power-factor) = {e:g} / ({p:g} x {f:g}) gives a "
            f"charging time of {service_h:.3g} h; the commands accept a session above 0 and up "
            f"to {MAX_SESSION_H:,.0f} h: check the energy and the power"
        )
    load = lam * service_h
    if not load < MAX_SERVERS:
        fail(
            f"--arrivals-per-hour {lam:g} x a charging time of {service_h:.3g} h is an offered "
            f"load of {load:.6g} Erlang, which needs more than {MAX_SERVERS:,} chargers, the "
            f"most sizing explores at one site; give an offered load below {MAX_SERVERS:,} "
            "Erlang (fewer arrivals or shorter sessions)"
        )
    return lam, e, p, f, service_h


def _site_doc(
    arrivals: float,
    energy_kwh: float,
    power_kw: float,
    power_factor: float,
    service_h: float,
    model: Model,
    result: Any,
) -> dict[str, Any]:
    from chikuden.model.charging import queueing

    load = arrivals * service_h
    return {
        "model": MODEL_NAMES[model],
        "arrivals_per_hour": arrivals,
        "energy_kwh": energy_kwh,
        "power_kw": power_kw,
        "power_factor": power_factor,
        "service_time_min": service_h * 60.0,
        "offered_load_erlang": load,
        "minimum_chargers_for_stability": int(queueing.stability_minimum(load)),
        "chargers": int(result.servers),
        "utilisation": float(result.utilisation),
        "wait_probability": float(result.wait_probability),
        "mean_wait_min": float(result.mean_wait_h) * 60.0,
    }


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
        lam, energy, power, factor, service_h = _site(
            arrivals_per_hour, energy_kwh, power_kw, power_factor
        )
        p_max = (
            None if max_wait_probability is None else WAIT_PROBABILITY.parse(max_wait_probability)
        )
        w_max = None if max_mean_wait_min is None else MEAN_WAIT.parse(max_mean_wait_min)
        if p_max is None and w_max is None:
            p_max = DEFAULT_WAIT_PROBABILITY

        from chikuden.model.charging import queueing

        result = queueing.size(
            lam,
            service_h,
            max_wait_probability=p_max,
            max_mean_wait_h=None if w_max is None else w_max / 60.0,
            deterministic=model is Model.mdc,
        )
        doc = _site_doc(lam, energy, power, factor, service_h, model, result)
        doc["targets"] = {"max_wait_probability": p_max, "max_mean_wait_min": w_max}
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
        from chikuden.model.charging import queueing

        count = Number("--chargers", 1, queueing.MAX_SERVERS, whole=True, example="14").parse_int(
            chargers
        )
        lam, energy, power, factor, service_h = _site(
            arrivals_per_hour, energy_kwh, power_kw, power_factor
        )
        result = queueing.performance(count, lam, service_h, deterministic=model is Model.mdc)
        doc = _site_doc(lam, energy, power, factor, service_h, model, result)
    typer.echo(json.dumps(doc, indent=2) if json_ else _site_text(doc))


def _params(scenario: str, set_: list[str] | None) -> Any:
    from chikuden.api import load_scenario
    from chikuden.parameters.params import Params

    return Params.from_scenarios([load_scenario(scenario, overrides=list(set_ or ()))])


def _year_index(text: str) -> tuple[int, int]:
    """The ``--year`` option checked: ``(year, index in the horizon)``."""
    from chikuden.horizon import FIRST_YEAR

    when = parse_year(text)
    return when, when - FIRST_YEAR


@app.command()
def areas(
    scenario: ScenarioOpt = "proposal-2022",
    set_: SetOpt = None,
    year_: YearOpt = "2030",
    json_: JsonOpt = False,
) -> None:
    """Chargers needed at each bundled expressway service area in a year, with sources."""
    with user_errors():
        from chikuden.model import charging, system

        year, i = _year_index(year_)
        p = _params(scenario, set_)
        fleet = system.run(p, ["vehicles.bev_stock"]).series["vehicles.bev_stock"]
        arrivals, sized = charging.highway_sites(p, fleet)
        table = p.table_values[charging.SERVICE_AREAS][0]
        docs = []
        for j, row in enumerate(table.rows):
            docs.append(
                {
                    "id": row["id"],
                    "name": row["name"],
                    "name_ja": row["name_ja"],
                    "road": row["road"],
                    "direction": row["direction"],
                    "traffic_per_day": row["traffic_per_day"],
                    "traffic_basis": row["traffic_basis"],
                    "traffic_year": row["traffic_year"],
                    "peak_hour_share": row["peak_hour_share"],
                    "arrivals_per_hour": float(arrivals[0, i, j]),
                    "chargers": int(sized.servers[0, i, j]),
                    "utilisation": float(sized.utilisation[0, i, j]),
                    "wait_probability": float(sized.wait_probability[0, i, j]),
                    "mean_wait_min": float(sized.mean_wait_h[0, i, j]) * 60.0,
                    "sources": list(row["source"]),
                    "note": row["note"],
                }
            )
        total = sum(d["chargers"] for d in docs)
    if json_:
        _echo_json({"scenario": p.names[0], "year": year, "total_chargers": total, "areas": docs})
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
    typer.echo(f"scenario {p.names[0]}, peak hour of {year}")
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
        from chikuden.model import charging, system

        year, i = _year_index(year_)
        p = _params(scenario, set_)
        out = system.run(p, ["charging.*"])
        by_location = {
            name: float(out.series[f"charging.need_{name}"][0, i])
            for name in ("homes", *charging.PUBLIC_TYPES)
        }
        doc = {
            "scenario": p.names[0],
            "year": year,
            "connectors_by_location": by_location,
            "needed_excluding_homes": float(out.series["charging.need_public_total"][0, i]),
            "deployment_path": float(out.series["charging.installed_public"][0, i]),
            "target_2030": float(out.indicators["charging.target_connectors_2030"][0]),
            "fast_target_2030": float(out.indicators["charging.target_fast_connectors_2030"][0]),
            "fund_coverage_by_year": [
                float(v) for v in out.series["charging.fund_coverage_share"][0]
            ],
            "fund_coverage_2030": float(out.indicators["charging.fund_coverage"][0]),
            "capex_to_2030_jpy": float(out.indicators["charging.capex_to_2030_jpy"][0]),
            "fund_to_2030_jpy": float(out.indicators["charging.fund_to_2030_jpy"][0]),
        }
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
        from chikuden.horizon import YEARS
        from chikuden.model import freight, vehicles
        from chikuden.model.outputs import Outputs

        p = _params(scenario, set_)
        out = Outputs()
        vehicles.step(p, out)  # freight reads the trucks and buses in use
        freight.step(p, out)
        power = out.series["freight.terminal_power_yearly_mw"][0]
        hydrogen = out.series["freight.terminal_hydrogen_yearly_kg_per_day"][0]
        doc = {
            "scenario": p.names[0],
            "corridor_length_km": float(p["freight.corridor_length_km"][0]),
            "terminal_spacing_km": float(p["freight.terminal_spacing_km"][0]),
            "terminals": int(out.indicators["freight.terminals"][0]),
            "heavy_trucks_per_day": float(out.indicators["freight.heavy_trucks_per_day"][0]),
            "years": [
                {
                    "year": int(y),
                    "terminal_power_mw": float(power[j]),
                    "terminal_hydrogen_kg_per_day": float(hydrogen[j]),
                }
                for j, y in enumerate(YEARS)
            ],
        }
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
