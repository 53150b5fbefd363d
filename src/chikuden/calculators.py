"""The domain calculators of the Python API: charging sites and the bundled service areas (P5),
the logistics corridor (P6), the critical-minerals stress test (P3, P11) and the product
assessment (P9).

Every calculator takes typed values (numbers, names, a scenario), checks each one before
anything is computed -- a bad value raises :class:`chikuden.errors.ParameterError` (a
``ValueError``) naming the field, the value and what is allowed -- and returns a frozen
dataclass with a ``to_dict()`` that :func:`json.dumps` accepts. The command line (``chikuden
charging``, ``minerals``, ``product``) and the web pages call these functions; the equations
are in the model (:mod:`chikuden.model`), which no face imports.

The numeric inputs are declared once, as :class:`chikuden.bounds.Bound` (:data:`ARRIVALS`,
:data:`CUT`, ...): the CLI's options take the same ranges under their own names.

Only the standard library is imported at module level; numpy and the model load on the first
call (the command line declares its options from the bounds at start-up).

>>> from chikuden.calculators import charger_sizing
>>> charger_sizing(24.0, energy_kwh=30.0, power_kw=90.0).chargers
14
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from chikuden.bounds import Bound
from chikuden.errors import N_, Msg, ParameterError

if TYPE_CHECKING:
    from chikuden.analysis.product import Assessment, Product
    from chikuden.parameters.params import Params
    from chikuden.parameters.scenario import Scenario
    from chikuden.supply_disruption import Shock

#: Parameter overrides as ``--set`` takes them: ``{"a.b": 1}`` or ``["a.b=1"]``.
Overrides = Mapping[str, Any] | Iterable[str] | None

DEFAULT_SCENARIO = "proposal-2022"
DEFAULT_YEAR = 2030


def year_bound(name: str = "year") -> Bound:
    """A year of the model's horizon (2021..2040)."""
    from chikuden.horizon import FIRST_YEAR, LAST_YEAR

    return Bound(name, FIRST_YEAR, LAST_YEAR, whole=True, example="2030")


def _scenario(scenario: Scenario | str | Path, overrides: Overrides) -> Scenario:
    """``scenario`` loaded (a name or path) with ``overrides`` applied."""
    from chikuden.parameters.scenario import Scenario, load_scenario

    if isinstance(scenario, Scenario):
        return scenario.with_overrides(overrides) if overrides else scenario
    if not isinstance(scenario, str | Path):
        raise ParameterError(
            N_(
                "scenario = {value}: give a bundled scenario's name, a YAML file's path or a "
                "loaded Scenario",
                value=_shown(scenario),
            )
        )
    return load_scenario(scenario, overrides=overrides)


def _params(scenario: Scenario | str | Path, overrides: Overrides) -> Params:
    from chikuden.parameters.params import Params

    return Params.from_scenarios([_scenario(scenario, overrides)])


def _shown(value: Any) -> str:
    from chikuden.reading import show

    return show(value if isinstance(value, str) else repr(value), 40)


def _choice(name: str, value: Any, choices: Sequence[str], what: Msg) -> str:
    """``value`` if it is one of ``choices``, else an error naming them."""
    from chikuden.errors import did_you_mean

    if isinstance(value, str) and value in choices:
        return value
    hint = did_you_mean(value, choices) if isinstance(value, str) else ""
    raise ParameterError(
        N_(
            "{name} = {value} is not {what}{hint}; use one of {allowed}",
            name=name,
            value=_shown(value),
            what=what,
            hint=hint,
            allowed=", ".join(choices),
        )
    )


# -- charging sites (P5) -------------------------------------------------------------------

#: The queueing models of a charging site: key -> name shown.
QUEUE_MODELS = {"mmc": "M/M/c (Erlang C)", "mdc": "M/D/c (Erlang C, Cosmetatos wait)"}
#: The parameter whose default is the target when none is given: at most 5 % of arriving cars
#: wait, the service level the model sizes the bundled service areas for (docs/charging.md).
DEFAULT_WAIT_PROBABILITY_FROM = "charging.highway_max_wait_probability_share"
#: Longest charging session the calculators accept [h] (about six weeks). An assumption: far
#: above any real session (100 kWh at 3 kW take 33 h), it keeps every printed time finite.
MAX_SESSION_H = 1_000.0

ARRIVALS = Bound("arrivals_per_hour", 0.0, unit="1/h", example="24")
ENERGY = Bound("energy_kwh", 0.0, lo_open=True, unit="kWh", example="30")
POWER = Bound("power_kw", 0.0, lo_open=True, unit="kW", example="90")
FACTOR = Bound("power_factor", 0.0, 1.0, lo_open=True, example="0.8")
WAIT_PROBABILITY = Bound(
    "max_wait_probability", 0.0, 1.0, lo_open=True, hi_open=True, example="0.05"
)
MEAN_WAIT = Bound("max_mean_wait_min", 0.0, lo_open=True, unit="min", example="1")

#: The names of a site's inputs in the API (the CLI passes its option names instead).
SITE_FIELDS = {
    "arrivals_per_hour": "arrivals_per_hour",
    "energy_kwh": "energy_kwh",
    "power_kw": "power_kw",
    "power_factor": "power_factor",
}


def default_wait_probability() -> float:
    """The target of :func:`charger_sizing` when none is given: the declared default of
    ``charging.highway_max_wait_probability_share`` (0.05, with its source in
    data/parameters/charging.csv)."""
    from chikuden.parameters.declarations import declarations

    return float(declarations()[DEFAULT_WAIT_PROBABILITY_FROM].default)


def max_chargers() -> int:
    """The most chargers sizing explores at one site (:data:`queueing.MAX_SERVERS`)."""
    from chikuden.model.charging.queueing import MAX_SERVERS

    return MAX_SERVERS


def chargers_bound(name: str = "chargers") -> Bound:
    """Chargers at a site: a whole number from 1 to :func:`max_chargers`."""
    return Bound(name, 1, max_chargers(), whole=True, example="14")


def check_site(
    arrivals_per_hour: float,
    energy_kwh: float,
    power_kw: float,
    power_factor: float,
    names: Mapping[str, str] = SITE_FIELDS,
) -> float:
    """The charging time [h] of a site whose inputs each lie in their bound, after the checks
    across them: the time ``energy / (power x factor)`` must be above 0 and at most
    :data:`MAX_SESSION_H`, and the offered load ``arrivals x time`` below
    :func:`max_chargers` Erlang (a stable queue needs ``floor(load) + 1`` chargers).

    names : how the inputs are named in a message (the API's fields, or the CLI's options)
    """
    e, p, f = energy_kwh, power_kw, power_factor
    service_h = e / p / f  # a float overflow gives inf, an underflow 0
    if not 0.0 < service_h <= MAX_SESSION_H:
        raise ParameterError(
            N_(
                "{energy} / ({power} x {factor}) = {e:g} / ({p:g} x {f:g}) gives a charging "
                "time of {hours:.3g} h; the commands accept a session above 0 and up to "
                "{most:,.0f} h: check the energy and the power",
                energy=names["energy_kwh"],
                power=names["power_kw"],
                factor=names["power_factor"],
                e=e,
                p=p,
                f=f,
                hours=service_h,
                most=MAX_SESSION_H,
            )
        )
    load = arrivals_per_hour * service_h
    most = max_chargers()
    if not load < most:
        raise ParameterError(
            N_(
                "{arrivals} {rate:g} x a charging time of {hours:.3g} h is an offered load of "
                "{load:.6g} Erlang, which needs more than {most:,} chargers, the most sizing "
                "explores at one site; give an offered load below {most:,} Erlang (fewer "
                "arrivals or shorter sessions)",
                arrivals=names["arrivals_per_hour"],
                rate=arrivals_per_hour,
                hours=service_h,
                load=load,
                most=most,
            )
        )
    return service_h


@dataclass(frozen=True)
class ChargingSite:
    """One charging site at its peak hour: the inputs, the queue and how it performs."""

    model: str  # the queueing model's name, e.g. "M/M/c (Erlang C)"
    arrivals_per_hour: float  # [1/h]
    energy_kwh: float  # per session [kWh]
    power_kw: float  # rated power of one charger [kW]
    power_factor: float  # mean delivered over rated power [share]
    service_time_min: float  # charging time of a session [min]
    offered_load_erlang: float  # arrivals x charging time [Erlang]
    minimum_chargers_for_stability: int  # floor(load) + 1 [chargers]
    chargers: int  # [chargers]
    utilisation: float  # [share]
    wait_probability: float  # probability that an arriving car waits [share]
    mean_wait_min: float  # [min]
    max_wait_probability: float | None = None  # the sizing target, when sized
    max_mean_wait_min: float | None = None  # the sizing target, when sized [min]
    sized: bool = False  # True: chargers found by charger_sizing; False: given

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (``chikuden charging size|wait --json``)."""
        doc: dict[str, Any] = {
            "model": self.model,
            "arrivals_per_hour": self.arrivals_per_hour,
            "energy_kwh": self.energy_kwh,
            "power_kw": self.power_kw,
            "power_factor": self.power_factor,
            "service_time_min": self.service_time_min,
            "offered_load_erlang": self.offered_load_erlang,
            "minimum_chargers_for_stability": self.minimum_chargers_for_stability,
            "chargers": self.chargers,
            "utilisation": self.utilisation,
            "wait_probability": self.wait_probability,
            "mean_wait_min": self.mean_wait_min,
        }
        if self.sized:
            doc["targets"] = {
                "max_wait_probability": self.max_wait_probability,
                "max_mean_wait_min": self.max_mean_wait_min,
            }
        return doc


def _site_inputs(
    arrivals_per_hour: float, energy_kwh: float, power_kw: float, power_factor: float, model: str
) -> tuple[float, float, float, float, float]:
    lam = ARRIVALS.check(arrivals_per_hour)
    e, p, f = ENERGY.check(energy_kwh), POWER.check(power_kw), FACTOR.check(power_factor)
    _choice("model", model, tuple(QUEUE_MODELS), N_("a queueing model"))
    return lam, e, p, f, check_site(lam, e, p, f)


def _site(
    lam: float, e: float, p: float, f: float, service_h: float, model: str, result: Any, **kw: Any
) -> ChargingSite:
    from chikuden.model.charging import queueing

    load = lam * service_h
    return ChargingSite(
        model=QUEUE_MODELS[model],
        arrivals_per_hour=lam,
        energy_kwh=e,
        power_kw=p,
        power_factor=f,
        service_time_min=service_h * 60.0,
        offered_load_erlang=load,
        minimum_chargers_for_stability=int(queueing.stability_minimum(load)),
        chargers=int(result.servers),
        utilisation=float(result.utilisation),
        wait_probability=float(result.wait_probability),
        mean_wait_min=float(result.mean_wait_h) * 60.0,
        **kw,
    )


def charger_sizing(
    arrivals_per_hour: float,
    energy_kwh: float = 30.0,
    power_kw: float = 90.0,
    power_factor: float = 1.0,
    max_wait_probability: float | None = None,
    max_mean_wait_min: float | None = None,
    model: str = "mmc",
) -> ChargingSite:
    """The fewest chargers at one site (a service area) that meet the waiting targets at the
    peak hour (P5).

    arrivals_per_hour : cars arriving to charge in the peak hour [1/h], >= 0
    energy_kwh : energy charged per session [kWh], > 0
    power_kw : rated power of one charger [kW], > 0
    power_factor : mean delivered over rated power during a session [share], in (0, 1]
    max_wait_probability : highest probability that an arriving car waits, in (0, 1); when
        neither target is given, :func:`default_wait_probability` (0.05)
    max_mean_wait_min : highest mean wait [min], > 0
    model : ``mmc`` exponential charging times (Erlang C) or ``mdc`` fixed ones (Cosmetatos)
    """
    lam, e, p, f, service_h = _site_inputs(
        arrivals_per_hour, energy_kwh, power_kw, power_factor, model
    )
    p_max = None if max_wait_probability is None else WAIT_PROBABILITY.check(max_wait_probability)
    w_max = None if max_mean_wait_min is None else MEAN_WAIT.check(max_mean_wait_min)
    if p_max is None and w_max is None:
        p_max = default_wait_probability()
    from chikuden.model.charging import queueing

    result = queueing.size(
        lam,
        service_h,
        max_wait_probability=p_max,
        max_mean_wait_h=None if w_max is None else w_max / 60.0,
        deterministic=model == "mdc",
    )
    return _site(
        lam,
        e,
        p,
        f,
        service_h,
        model,
        result,
        max_wait_probability=p_max,
        max_mean_wait_min=w_max,
        sized=True,
    )


def charger_wait(
    chargers: int,
    arrivals_per_hour: float,
    energy_kwh: float = 30.0,
    power_kw: float = 90.0,
    power_factor: float = 1.0,
    model: str = "mmc",
) -> ChargingSite:
    """Utilisation, probability of waiting and mean wait at a site with ``chargers`` chargers
    (a whole number from 1 to :func:`max_chargers`); the other inputs as
    :func:`charger_sizing`. Too few chargers for the offered load raise ParameterError."""
    count = int(chargers_bound().check(chargers))
    lam, e, p, f, service_h = _site_inputs(
        arrivals_per_hour, energy_kwh, power_kw, power_factor, model
    )
    from chikuden.model.charging import queueing

    result = queueing.performance(count, lam, service_h, deterministic=model == "mdc")
    return _site(lam, e, p, f, service_h, model, result)


@dataclass(frozen=True)
class ServiceArea:
    """One bundled expressway service area at the peak hour of a year."""

    id: str
    name: str
    name_ja: str
    road: str
    direction: str
    traffic_per_day: float  # [vehicles/day]
    traffic_basis: str
    traffic_year: float
    peak_hour_share: float  # [share]
    arrivals_per_hour: float  # cars arriving to charge [1/h]
    chargers: int
    utilisation: float  # [share]
    wait_probability: float  # [share]
    mean_wait_min: float  # [min]
    sources: tuple[str, ...]
    note: str

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (one entry of ``chikuden charging areas --json``)."""
        return {
            "id": self.id,
            "name": self.name,
            "name_ja": self.name_ja,
            "road": self.road,
            "direction": self.direction,
            "traffic_per_day": self.traffic_per_day,
            "traffic_basis": self.traffic_basis,
            "traffic_year": self.traffic_year,
            "peak_hour_share": self.peak_hour_share,
            "arrivals_per_hour": self.arrivals_per_hour,
            "chargers": self.chargers,
            "utilisation": self.utilisation,
            "wait_probability": self.wait_probability,
            "mean_wait_min": self.mean_wait_min,
            "sources": list(self.sources),
            "note": self.note,
        }


@dataclass(frozen=True)
class ServiceAreas:
    """Chargers needed at each bundled service area in one year of one scenario."""

    scenario: str
    year: int
    areas: tuple[ServiceArea, ...]

    @property
    def total_chargers(self) -> int:
        return sum(a.chargers for a in self.areas)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (``chikuden charging areas --json``)."""
        return {
            "scenario": self.scenario,
            "year": self.year,
            "total_chargers": self.total_chargers,
            "areas": [a.to_dict() for a in self.areas],
        }


def service_areas(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    overrides: Overrides = None,
    year: int = DEFAULT_YEAR,
) -> ServiceAreas:
    """Chargers needed at each bundled expressway service area at the peak hour of ``year``
    (2021..2040), sized by the scenario's queueing targets (P5)."""
    from chikuden.horizon import FIRST_YEAR

    when = int(year_bound().check(year))
    i = when - FIRST_YEAR
    p = _params(scenario, overrides)
    from chikuden.model import charging, system

    fleet = system.run(p, ["vehicles.bev_stock"]).series["vehicles.bev_stock"]
    arrivals, sized = charging.highway_sites(p, fleet)
    table = p.table_values[charging.SERVICE_AREAS][0]
    areas = tuple(
        ServiceArea(
            id=row["id"],
            name=row["name"],
            name_ja=row["name_ja"],
            road=row["road"],
            direction=row["direction"],
            traffic_per_day=row["traffic_per_day"],
            traffic_basis=row["traffic_basis"],
            traffic_year=row["traffic_year"],
            peak_hour_share=row["peak_hour_share"],
            arrivals_per_hour=float(arrivals[0, i, j]),
            chargers=int(sized.servers[0, i, j]),
            utilisation=float(sized.utilisation[0, i, j]),
            wait_probability=float(sized.wait_probability[0, i, j]),
            mean_wait_min=float(sized.mean_wait_h[0, i, j]) * 60.0,
            sources=tuple(row["source"]),
            note=row["note"],
        )
        for j, row in enumerate(table.rows)
    )
    return ServiceAreas(scenario=p.names[0], year=when, areas=areas)


@dataclass(frozen=True)
class Connectors:
    """Charging connectors needed by location in one year, the 2030 targets and the fund."""

    scenario: str
    year: int
    connectors_by_location: dict[str, float]  # location -> [connectors]
    needed_excluding_homes: float  # [connectors]
    deployment_path: float  # installed public connectors on the path [connectors]
    target_2030: float  # [connectors]
    fast_target_2030: float  # [connectors]
    fund_coverage_by_year: tuple[float, ...]  # 2021..2040 [share]
    fund_coverage_2030: float  # [share]
    capex_to_2030_jpy: float  # [JPY]
    fund_to_2030_jpy: float  # [JPY]

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (``chikuden charging connectors --json``)."""
        return {
            "scenario": self.scenario,
            "year": self.year,
            "connectors_by_location": dict(self.connectors_by_location),
            "needed_excluding_homes": self.needed_excluding_homes,
            "deployment_path": self.deployment_path,
            "target_2030": self.target_2030,
            "fast_target_2030": self.fast_target_2030,
            "fund_coverage_by_year": list(self.fund_coverage_by_year),
            "fund_coverage_2030": self.fund_coverage_2030,
            "capex_to_2030_jpy": self.capex_to_2030_jpy,
            "fund_to_2030_jpy": self.fund_to_2030_jpy,
        }


def charging_connectors(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    overrides: Overrides = None,
    year: int = DEFAULT_YEAR,
) -> Connectors:
    """Connectors needed by location in ``year`` (2021..2040), the 2030 targets, the
    build-out cost to 2030 and how much of it the fund covers (P5)."""
    from chikuden.horizon import FIRST_YEAR

    when = int(year_bound().check(year))
    i = when - FIRST_YEAR
    p = _params(scenario, overrides)
    from chikuden.model import charging, system

    out = system.run(p, ["charging.*"])
    return Connectors(
        scenario=p.names[0],
        year=when,
        connectors_by_location={
            name: float(out.series[f"charging.need_{name}"][0, i])
            for name in ("homes", *charging.PUBLIC_TYPES)
        },
        needed_excluding_homes=float(out.series["charging.need_public_total"][0, i]),
        deployment_path=float(out.series["charging.installed_public"][0, i]),
        target_2030=float(out.indicators["charging.target_connectors_2030"][0]),
        fast_target_2030=float(out.indicators["charging.target_fast_connectors_2030"][0]),
        fund_coverage_by_year=tuple(
            float(v) for v in out.series["charging.fund_coverage_share"][0]
        ),
        fund_coverage_2030=float(out.indicators["charging.fund_coverage"][0]),
        capex_to_2030_jpy=float(out.indicators["charging.capex_to_2030_jpy"][0]),
        fund_to_2030_jpy=float(out.indicators["charging.fund_to_2030_jpy"][0]),
    )


# -- the logistics corridor (P6) -----------------------------------------------------------


@dataclass(frozen=True)
class CorridorYear:
    """Charging power and hydrogen one terminal of the corridor needs in one year."""

    year: int
    terminal_power_mw: float  # [MW]
    terminal_hydrogen_kg_per_day: float  # [kg/day]

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "terminal_power_mw": self.terminal_power_mw,
            "terminal_hydrogen_kg_per_day": self.terminal_hydrogen_kg_per_day,
        }


@dataclass(frozen=True)
class Corridor:
    """The expressway logistics corridor of one scenario: its terminals, by year."""

    scenario: str
    corridor_length_km: float  # [km]
    terminal_spacing_km: float  # [km]
    terminals: int
    heavy_trucks_per_day: float  # two-way [trucks/day]
    years: tuple[CorridorYear, ...]

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (``chikuden charging corridor --json``)."""
        return {
            "scenario": self.scenario,
            "corridor_length_km": self.corridor_length_km,
            "terminal_spacing_km": self.terminal_spacing_km,
            "terminals": self.terminals,
            "heavy_trucks_per_day": self.heavy_trucks_per_day,
            "years": [y.to_dict() for y in self.years],
        }


def logistics_corridor(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO, overrides: Overrides = None
) -> Corridor:
    """Charging power and hydrogen per logistics terminal on the corridor, by year (P6)."""
    p = _params(scenario, overrides)
    from chikuden.horizon import YEARS
    from chikuden.model import freight, vehicles
    from chikuden.model.outputs import Outputs

    out = Outputs()
    vehicles.step(p, out)  # freight reads the trucks and buses in use
    freight.step(p, out)
    power = out.series["freight.terminal_power_yearly_mw"][0]
    hydrogen = out.series["freight.terminal_hydrogen_yearly_kg_per_day"][0]
    return Corridor(
        scenario=p.names[0],
        corridor_length_km=float(p["freight.corridor_length_km"][0]),
        terminal_spacing_km=float(p["freight.terminal_spacing_km"][0]),
        terminals=int(out.indicators["freight.terminals"][0]),
        heavy_trucks_per_day=float(out.indicators["freight.heavy_trucks_per_day"][0]),
        years=tuple(
            CorridorYear(int(y), float(power[j]), float(hydrogen[j])) for j, y in enumerate(YEARS)
        ),
    )


# -- the critical-minerals stress test (P3, P11) -------------------------------------------

CUT = Bound("cut", 0.0, 1.0, unit="share", example="0.5")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def stress_minerals() -> tuple[str, ...]:
    """The minerals of the stress test (``lithium_lce`` is also read as lithium)."""
    from chikuden.model.minerals.disruption import STRESS_MINERALS

    return STRESS_MINERALS


def months_bound(name: str = "months") -> Bound:
    """Length of a shock: above 0, at most 36 months."""
    from chikuden.model.minerals.disruption import MAX_MONTHS

    return Bound(name, 0.0, MAX_MONTHS, lo_open=True, unit="months", example="6")


def check_mineral(mineral: Any, name: str = "mineral") -> str:
    """``mineral`` (any case, spaces around) if the stress test knows it, else an error."""
    from chikuden.errors import did_you_mean

    known = stress_minerals()
    text = mineral.strip().lower() if isinstance(mineral, str) else ""
    if text not in (*known, "lithium_lce"):
        shown = _shown(mineral)
        raise ParameterError(
            N_(
                "{name} {value} is not a mineral of the stress test{hint}; use one of {allowed}",
                name=name,
                value=shown,
                hint=did_you_mean(text, known),
                allowed=", ".join(known),
            )
        )
    return text


def check_country(country: Any, name: str = "country") -> str:
    """``country`` if it has the form of an ISO 3166-1 alpha-2 code (two letters); whether the
    scenario's ``minerals.supply`` table lists it is checked by the stress test."""
    if not (isinstance(country, str) and _COUNTRY.fullmatch(country.strip())):
        raise ParameterError(
            N_(
                "{name} {value} is not an ISO 3166-1 alpha-2 country code; use two letters, e.g. "
                "CN (China), AU (Australia), or ZZ for other countries together",
                name=name,
                value=_shown(country),
            )
        )
    return country


def minerals_stress(
    scenarios: Scenario | str | Path | Sequence[Scenario | str | Path] = DEFAULT_SCENARIO,
    mineral: str = "graphite",
    country: str = "CN",
    cut: float = 0.5,
    months: float = 6.0,
    year: int | None = None,
    overrides: Overrides = None,
) -> Shock:
    """Cut ``country``'s exports of ``mineral`` by ``cut`` for ``months`` in ``year``: the
    domestic cell production lost, in each scenario (P3, P11).

    scenarios : one scenario or several (names, YAML paths or loaded Scenarios)
    mineral : lithium, nickel, cobalt, manganese or graphite
    country : ISO 3166-1 alpha-2 code of the exporting country (ZZ: other countries together)
    cut : share of the country's exports lost [share], in [0, 1]
    months : length of the shock [months], in (0, 36]
    year : year of the shock, 2021..2040; default each scenario's ``minerals.stress_year``
    overrides : parameter overrides applied to every scenario

    Returns a :class:`chikuden.supply_disruption.Shock` (arrays with one value per scenario;
    ``to_dict()`` for JSON).
    """
    check_mineral(mineral)
    check_country(country)
    share = CUT.check(cut)
    length = months_bound().check(months)
    when = None if year is None else int(year_bound().check(year))
    from chikuden.supply_disruption import stress_test

    items: Sequence[Scenario | str | Path]
    if isinstance(scenarios, str | Path) or not isinstance(scenarios, Sequence):
        items = [scenarios]
    else:
        items = scenarios
    loaded = [_scenario(s, overrides) for s in items]
    return stress_test(loaded, mineral, country, share, length, when)


# -- the product assessment (P9) -----------------------------------------------------------

FADE_MODELS = ("auto", "sqrt", "power", "linear")
TOLERANCE = Bound("tolerance", 0.0, 1.0, unit="share", example="0.02")
PRODUCT_KINDS = ("json", "csv")


def product_from_bytes(
    raw: bytes, kind: Literal["json", "csv"], where: str = "upload", tolerance: float = 0.02
) -> Product:
    """A product file's content (an upload) read and checked as :func:`product_assessment`
    reads a file: UTF-8, at most ``analysis.product.MAX_FILE_BYTES``, JSON or CSV."""
    from chikuden.analysis import product as pr
    from chikuden.analysis.fade import ProductFileError

    _choice("kind", kind, PRODUCT_KINDS, N_("a product file type"))
    tol = TOLERANCE.check(tolerance)
    if not isinstance(raw, bytes):
        raise ParameterError(f"{where}: the content is {type(raw).__name__}; give bytes")
    if len(raw) > pr.MAX_FILE_BYTES:
        raise ProductFileError(
            N_(
                "{at} holds {n:,} bytes, more than the {most:,} a product file may have; give "
                "fewer test points",
                at=where,
                n=len(raw),
                most=pr.MAX_FILE_BYTES,
            )
        )
    text = pr.decode_text(raw, where)
    doc = pr.json_document(text, where) if kind == "json" else pr.csv_document(text, where)
    return pr.parse_product(doc, where, tol)


def product_assessment(
    product: str | Path | Mapping[str, Any] | Product,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    overrides: Overrides = None,
    model: str = "auto",
    year: int = DEFAULT_YEAR,
    tolerance: float = 0.02,
) -> Assessment:
    """Fit a product's cycle-life test, classify durability, carbon footprint, recycled
    content and safety, and decide the subsidy top-up the scenario's rules give (P9).

    product : a product file's path (``.json`` or ``.csv``), its JSON shape as a mapping, or a
        :class:`chikuden.analysis.product.Product` (:func:`product_from_bytes` reads uploads)
    model : the capacity-fade model: sqrt, power, linear, or auto (the best fit)
    year : year of the modelled footprint of the same chemistry made in Japan, 2021..2040
    tolerance : how far above 100 % of rated capacity a point after cycling may lie [share],
        in [0, 1]

    Returns a :class:`chikuden.analysis.product.Assessment` (``to_dict()`` for JSON).
    """
    when = int(year_bound().check(year))
    tol = TOLERANCE.check(tolerance)
    _choice("model", model, FADE_MODELS, N_("a fade model"))
    from chikuden.analysis import product as pr

    if isinstance(product, pr.Product):
        item = product
    elif isinstance(product, str | Path):
        item = pr.read_product(product, tolerance=tol)
    elif isinstance(product, Mapping):
        item = pr.parse_product(dict(product), "product", tol)
    else:
        raise ParameterError(
            f"product = {_shown(product)}: give a product file's path, its JSON shape as a "
            "mapping, or a Product"
        )
    loaded = _scenario(scenario, overrides)
    return pr.assess(item, loaded, model=model, year=when)


def assessment_text(a: Assessment, lang: str = "en") -> str:
    """A product's assessment in words for a reader of ``lang`` (``chikuden product assess``
    prints it)."""
    return "\n".join(line for _, line in assessment_lines(a, lang))


def assessment_lines(a: Assessment, lang: str = "en") -> list[tuple[str, str]]:
    """The lines of :func:`assessment_text`, each with the section of the assessment's JSON
    shape it tells (``product``, ``fit``, ``cycles_to_end_of_life``, ``durability``,
    ``carbon``, ``recycled_content``, ``safety``, ``top_up``): the web's product calculator
    shows them as rows, each marked with its section."""
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
    lines: list[tuple[str, str]] = []
    section = "product"

    def add(text: str) -> None:
        lines.append((section, text))

    add(f"{a.product.name} — {a.product.chemistry} ({a.scenario})")
    add("")
    section = "fit"
    fit = _("Capacity-fade fit: {model}, {equation} ({points} points, RMSE {rmse}, R² {r2})")
    add(
        fit.format(
            model=f.model,
            equation=f.equation,
            points=f.points,
            rmse=f"{f.rmse:.4f}",
            r2=f"{f.r2:.4f}",
        )
    )
    for name, value in f.params.items():
        add(f"  {name} = {sig(value)} ± {sig(f.std_errors[name])}")
    others = [f"{m} {r:.4f}" for m, r in a.candidates.items() if m != f.model]
    if others:
        add("  " + _("other models (RMSE): {models}").format(models=", ".join(others)))
    last = num(float(a.product.cycles[-1]))
    if f.extrapolated:
        where = _("extrapolated beyond the tested {n} cycles").format(n=last)
    else:
        where = _("within the tested {n} cycles").format(n=last)
    section = "cycles_to_end_of_life"
    cycles = _("Cycles to {soh} state of health: {cycles} (95% interval {low}–{high}), {where}")
    add(
        cycles.format(
            soh=format_share(f.eol_soh, lang),
            cycles=num(f.cycles),
            low=num(f.cycles_low),
            high=num(f.cycles_high),
            where=where,
        )
    )
    add("")
    section = "durability"
    r = a.rules
    bounds = _("A >= {a}, B >= {b}, C >= {c} cycles; assumed boundaries").format(
        a=num(r["carbon.durability_class_a_cycles"]),
        b=num(r["carbon.durability_class_b_cycles"]),
        c=num(r["carbon.durability_class_c_cycles"]),
    )
    add(
        _("Durability class: {cls} ({bounds})").format(
            cls=class_letter(a.durability_class), bounds=bounds
        )
    )
    section = "carbon"
    verdict = _("passes") if a.passes_threshold else _("exceeds it")
    add(
        _(
            "Carbon footprint: {footprint} {unit} declared -> {delivered} g CO2e per kWh delivered"
        ).format(footprint=num(a.product.footprint), unit=unit, delivered=f"{a.delivered:.1f}")
    )
    eu_class = _(
        "EU class (assumed boundaries): {cls}; assumed EU threshold {threshold} g: {verdict}"
    )
    add(
        "  "
        + eu_class.format(
            cls=class_letter(a.carbon_class), threshold=num(a.threshold), verdict=verdict
        )
    )
    modelled = _("modelled, {chem} made in Japan in {year}: grid {g}, clean battery park {p}")
    add(
        "  "
        + modelled.format(
            chem=a.product.chemistry, year=a.year, g=num(a.modelled_grid), p=num(a.modelled_park)
        )
        + f" {unit}"
    )
    section = "recycled_content"
    shares = ", ".join(
        f"{m} {format_share(a.product.recycled[m], lang)}" for m in a.recycled_metals
    )
    recycled = {
        1: _("meets the EU 2036 minimums"),
        2: _("meets the EU 2031 minimums"),
        3: _("below the EU 2031 minimums"),
    }[a.recycled_class]
    add(_("Recycled content: {verdict} ({shares})").format(verdict=recycled, shares=shares))
    section = "safety"
    status = {
        "pass": _("all {n} tests passed"),
        "fail": _("failed"),
        "incomplete": _("incomplete"),
    }[a.safety_status].format(n=len(SAFETY_TESTS))
    detail = ", ".join((*a.safety_failed, *a.safety_missing))
    if detail:
        status += f" ({detail})"
    add(_("Safety (IEC 62660-3 tests): {status}").format(status=status))
    add("")
    section = "top_up"
    if a.eligible and a.topup_share is not None:
        head = _("eligible: +{t} of capex").format(t=format_share(a.topup_share, lang))
    elif a.eligible:
        head = _("top-up share not declared (finance.subsidy_performance_topup_share)")
    else:
        head = _("not eligible")
    if a.subsidy_rate is not None:
        rate = _("subsidy rate {r}").format(r=format_share(a.subsidy_rate, lang))
        head += f" ({rate})"
    add(_("Performance top-up: {verdict}").format(verdict=head))
    for u in a.unmet:
        add(f"  - {pick(lang, u.en, u.ja)}")
    return lines


__all__ = [
    "ARRIVALS",
    "CUT",
    "DEFAULT_WAIT_PROBABILITY_FROM",
    "ENERGY",
    "FACTOR",
    "FADE_MODELS",
    "MAX_SESSION_H",
    "MEAN_WAIT",
    "POWER",
    "QUEUE_MODELS",
    "TOLERANCE",
    "WAIT_PROBABILITY",
    "ChargingSite",
    "Connectors",
    "Corridor",
    "CorridorYear",
    "ServiceArea",
    "ServiceAreas",
    "assessment_lines",
    "assessment_text",
    "charger_sizing",
    "charger_wait",
    "charging_connectors",
    "check_country",
    "check_mineral",
    "check_site",
    "default_wait_probability",
    "logistics_corridor",
    "minerals_stress",
    "product_assessment",
    "product_from_bytes",
    "service_areas",
    "stress_minerals",
]
