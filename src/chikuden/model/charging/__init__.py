"""Charging infrastructure (P5): connectors needed by location, deployment, cost and the fund,
and expressway service areas sized so that drivers charge without waiting.

Equations (years y on the horizon; arrays carry a leading scenario axis):

- plug-in fleet: ``BEV(y)``, ``PHEV(y)`` [vehicles] (parameters until the vehicles domain
  provides them); ``P(y) = BEV + PHEV``;
- home and semi-public connectors [connectors]::

      detached homes = P * detached_share * home_uptake
      apartments     = P * (1 - detached_share) * apartment_share
      workplaces     = P * workplace_share

- public power after the EU AFIR fleet ratios [kW]: ``K = 1.3 BEV + 0.8 PHEV``, of which a
  share ``f`` at fast chargers; the expressway connectors ``H`` (below) take their part of it::

      public fast   = max(f K - H * p_highway, 0) / p_fast
      public normal = (1 - f) K / p_normal

- expressway sites (one row per carriageway) at the design peak hour [1/h]::

      lambda = traffic_per_day * direction_share * peak_hour_share * BEV / fleet * charge_share
      s      = energy_per_session / (power * power_factor)                       [h]

  each site gets the fewest chargers with P(wait) <= target and mean wait <= target
  (:func:`chikuden.model.charging.queueing.size`); the network needs ``H = scale * sum(sites)``;
- capex to reach the need from the 2021 level, by type [JPY], never undone by a fall in need::

      capex_cum(y) = sum_type cost_type * (max_{t <= y} need_type(t) - need_type(2021))

  the fund pays ``total / (last - first + 1)`` in each year from ``first`` to ``last``, and
  its coverage is ``min(1, fund_cum(y) / capex_cum(y))`` (detached homes excluded: private).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chikuden.horizon import YEARS, year_index
from chikuden.model import dataflow
from chikuden.model.charging import queueing
from chikuden.model.outputs import DEFER_SERIES_FROM, Outputs
from chikuden.parameters.params import Params

TARGET_YEAR = 2030
SERVICE_AREAS = "charging.service_areas"
#: Public location types whose capex the fund covers, in chart order.
PUBLIC_TYPES = ("apartments", "workplaces", "public_normal", "public_fast", "highway")


def home_connectors(
    plugins: NDArray[np.float64], detached_share: NDArray[np.float64], uptake: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Connectors at detached houses [connectors], shape ``(k, years)``.

    plugins : plug-in cars in use [vehicles], ``(k, years)``
    detached_share : owners living in detached houses [share], ``(k,)``
    uptake : of those, the share with a home charger [share], ``(k,)``
    """
    return plugins * (detached_share * uptake)[:, None]


def semi_public_connectors(
    plugins: NDArray[np.float64],
    detached_share: NDArray[np.float64],
    apartment_share: NDArray[np.float64],
    workplace_share: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Connectors at apartment buildings and at workplaces [connectors], ``(k, years)`` each."""
    apartments = plugins * ((1.0 - detached_share) * apartment_share)[:, None]
    return apartments, plugins * workplace_share[:, None]


def public_connectors(
    bev: NDArray[np.float64],
    phev: NDArray[np.float64],
    kw_per_bev: NDArray[np.float64],
    kw_per_phev: NDArray[np.float64],
    fast_share: NDArray[np.float64],
    fast_kw: NDArray[np.float64],
    normal_kw: NDArray[np.float64],
    highway_connectors: NDArray[np.float64],
    highway_kw: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Public normal and roadside fast connectors [connectors] from AFIR power ratios.

    bev, phev : cars in use [vehicles], ``(k, years)``
    kw_per_bev, kw_per_phev : public power per car [kW per vehicle], ``(k,)``
    fast_share : share of public power at fast chargers [share], ``(k,)``
    fast_kw, normal_kw : mean power per connector [kW], ``(k,)``
    highway_connectors : expressway connectors [connectors], ``(k, years)``
    highway_kw : power per expressway connector [kW], ``(k,)``
    """
    power = bev * kw_per_bev[:, None] + phev * kw_per_phev[:, None]
    fast_power = np.maximum(
        power * fast_share[:, None] - highway_connectors * highway_kw[:, None], 0.0
    )
    normal = power * (1.0 - fast_share)[:, None] / normal_kw[:, None]
    return normal, fast_power / fast_kw[:, None]


def site_arrivals_per_hour(
    traffic_per_day: NDArray[np.float64],
    peak_hour_share: NDArray[np.float64],
    direction_share: NDArray[np.float64],
    ev_traffic_share: NDArray[np.float64],
    charge_share: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Cars arriving to charge at each site in the design peak hour [1/h], ``(k, years, rows)``.

    traffic_per_day : two-way daily traffic of the site's section [vehicles/day], ``(k, rows)``
    peak_hour_share : share of the day's traffic in the peak hour [share], ``(k, rows)``
    direction_share : share on the site's carriageway [share], ``(k,)``
    ev_traffic_share : battery-electric share of traffic [share], ``(k, years)``
    charge_share : share of passing BEVs that charge at the site [share], ``(k,)``
    """
    peak = traffic_per_day * peak_hour_share * direction_share[:, None]  # (k, rows)
    return peak[:, None, :] * (ev_traffic_share * charge_share[:, None])[:, :, None]


def size_sites(
    arrivals_per_hour: NDArray[np.float64],
    service_h: NDArray[np.float64],
    max_wait_probability: NDArray[np.float64],
    max_mean_wait_h: NDArray[np.float64],
    deterministic: NDArray[np.float64],
) -> queueing.QueueResult:
    """Chargers per site meeting both targets, for every scenario, year and site at once.

    arrivals_per_hour : ``(k, years, rows)`` [1/h]; the other arguments are ``(k,)``.
    """
    return queueing.size(
        arrivals_per_hour,
        service_h[:, None, None],
        max_wait_probability=max_wait_probability[:, None, None],
        max_mean_wait_h=max_mean_wait_h[:, None, None],
        deterministic=deterministic[:, None, None] > 0.5,
    )


def cumulative_capex(
    needs: dict[str, NDArray[np.float64]], costs: dict[str, NDArray[np.float64]]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative and yearly capex to build up to the need from the 2021 level [JPY].

    needs[type] : connectors needed [connectors], ``(k, years)``
    costs[type] : installed cost [JPY per connector], ``(k,)``
    """
    total = _built_cost(needs, costs)
    yearly = np.empty(total.shape)
    np.subtract(total[:, :1], 0.0, out=yearly[:, :1])  # what np.diff(prepend=0.0) forms
    np.subtract(total[:, 1:], total[:, :-1], out=yearly[:, 1:])
    return total, yearly


def _built_cost(
    needs: dict[str, NDArray[np.float64]], costs: dict[str, NDArray[np.float64]]
) -> NDArray[np.float64]:
    """Cumulative capex alone [JPY], ``(k, years)`` (see :func:`cumulative_capex`)."""
    years = next(iter(needs.values())).shape[1]
    total: NDArray[np.float64] = np.zeros((1, years))
    for name, need in needs.items():
        built = np.maximum.accumulate(need, axis=1)
        built -= need[:, :1]
        total = total + built * costs[name][:, None]
    return total


def fund_path(
    total: NDArray[np.float64], first: NDArray[np.float64], last: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Fund paid out per year [JPY], the same amount every year from ``first`` to ``last``."""
    active = (YEARS[None, :] >= first[:, None]) & (YEARS[None, :] <= last[:, None])
    years = np.maximum(last - first + 1.0, 1.0)
    return np.where(active, (total / years)[:, None], 0.0)


def coverage(fund_cum: NDArray[np.float64], capex_cum: NDArray[np.float64]) -> NDArray[np.float64]:
    """Share of the cumulative capex the cumulative fund pays [share], 1 where nothing is due."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = fund_cum / capex_cum
    return np.where(capex_cum > 0, np.minimum(ratio, 1.0), 1.0)


def highway_sites(
    p: Params, bev_stock: NDArray[np.float64]
) -> tuple[NDArray[np.float64], queueing.QueueResult]:
    """Arrivals [1/h] and sizing of every bundled site, shape ``(k, years, rows)``.

    bev_stock : battery-electric light vehicles in use [vehicles], shape ``(k, years)``
    (the vehicles domain's ``vehicles.bev_stock``).

    Padding rows of a table (scenarios with fewer rows) have no traffic and get 0 chargers.
    """
    arrivals, sized, inverse = _distinct_sites(p, bev_stock)
    return arrivals[..., inverse], _site_rows(sized, inverse)


def _distinct_sites(
    p: Params, bev_stock: NDArray[np.float64]
) -> tuple[NDArray[np.float64], queueing.QueueResult, NDArray[np.intp]]:
    """:func:`highway_sites` for the distinct rows, ``(k, years, distinct)``, and the distinct
    row of each row, ``(rows,)``: rows with the same traffic and peak-hour share in every
    scenario (the two carriageways of a section: the bundled table's 18 rows hold 8 pairs)
    are sized once."""
    sites = p.table(SERVICE_AREAS)
    traffic, peak = np.broadcast_arrays(
        sites["traffic_per_day"] * sites.valid, sites["peak_hour_share"]
    )
    rows = np.concatenate([traffic, peak], axis=0)  # (2k, rows): a column per row
    _, first, inverse = np.unique(rows, axis=1, return_index=True, return_inverse=True)
    arrivals, sized = _sized(p, traffic[:, first], peak[:, first], bev_stock)
    return arrivals, sized, inverse.reshape(-1)


def _site_rows(sized: queueing.QueueResult, inverse: NDArray[np.intp]) -> queueing.QueueResult:
    """The sizing of the distinct rows copied to every row (``inverse``, the last axis)."""
    return queueing.QueueResult(
        servers=sized.servers[..., inverse],
        utilisation=sized.utilisation[..., inverse],
        wait_probability=sized.wait_probability[..., inverse],
        mean_wait_h=sized.mean_wait_h[..., inverse],
    )


def _sized(
    p: Params,
    traffic: NDArray[np.float64],
    peak_hour_share: NDArray[np.float64],
    bev_stock: NDArray[np.float64],
) -> tuple[NDArray[np.float64], queueing.QueueResult]:
    """Arrivals [1/h] and sizing of the sites with ``traffic`` [vehicles/day] and
    ``peak_hour_share`` [share], ``(k, rows)`` each (see :func:`highway_sites`)."""
    arrivals = site_arrivals_per_hour(
        traffic,
        peak_hour_share,
        p["charging.highway_direction_share"],
        bev_stock / p["charging.vehicle_fleet"][:, None],
        p["charging.highway_charge_share"],
    )
    service_h = queueing.service_time_h(
        p["charging.highway_session_energy_kwh"],
        p["charging.highway_power_kw"],
        p["charging.highway_power_factor_share"],
    )
    sized = size_sites(
        arrivals,
        service_h,
        p["charging.highway_max_wait_probability_share"],
        p["charging.highway_max_mean_wait_min"] / 60.0,
        p["charging.highway_deterministic_flag"],
    )
    return arrivals, sized


@dataclass(frozen=True)
class _State:
    """The step's figures over the first ``y`` years of the horizon, ``(k, y)`` each (the
    distinct sites ``(k, y, distinct rows)``)."""

    homes: NDArray[np.float64]
    apartments: NDArray[np.float64]
    workplaces: NDArray[np.float64]
    normal: NDArray[np.float64]
    fast: NDArray[np.float64]
    highway: NDArray[np.float64]
    public: NDArray[np.float64]
    sample: NDArray[np.float64]
    capex_cum: NDArray[np.float64]
    capex_yearly: NDArray[np.float64]
    home_capex: NDArray[np.float64]
    fund: NDArray[np.float64]
    fund_cum: NDArray[np.float64]
    covered: NDArray[np.float64]
    arrivals: NDArray[np.float64]  # of the distinct rows (:func:`_distinct_sites`)
    sized: queueing.QueueResult  # of the distinct rows
    inverse: NDArray[np.intp]  # the distinct row of each row


def _state(p: Params, bev: NDArray[np.float64], phev: NDArray[np.float64]) -> _State:
    """Connectors, sites, capex and fund from the fleet ``bev``, ``phev`` [vehicles] of the
    first ``y`` years of the horizon, ``(k, y)``: every figure of a year depends only on
    that year and those before it, so the first ``y`` years are the same whatever ``y``."""
    y = bev.shape[1]
    plugins = bev + phev
    arrivals, sized, inverse = _distinct_sites(p, bev)
    # chargers of every row: each distinct row's times its count of rows (whole numbers, so
    # the same sum as row by row)
    counts = np.bincount(inverse, minlength=sized.servers.shape[2]).astype(float)
    sample = (sized.servers * counts).sum(axis=2)  # (k, y)
    highway = sample * p["charging.highway_network_scale"][:, None]

    # -- connectors by location ----------------------------------------------------------------
    detached = p["charging.detached_home_share"]
    homes = home_connectors(plugins, detached, p["charging.home_charger_uptake_share"])
    apartments, workplaces = semi_public_connectors(
        plugins,
        detached,
        p["charging.apartment_charging_share"],
        p["charging.workplace_charging_share"],
    )
    normal, fast = public_connectors(
        bev,
        phev,
        p["charging.public_kw_per_bev"],
        p["charging.public_kw_per_phev"],
        p["charging.public_fast_power_share"],
        p["charging.fast_power_kw"],
        p["charging.normal_power_kw"],
        highway,
        p["charging.highway_power_kw"],
    )
    needs = {
        "apartments": apartments,
        "workplaces": workplaces,
        "public_normal": normal,
        "public_fast": fast,
        "highway": highway,
    }
    public = apartments + workplaces + normal + fast + highway

    # -- cost and fund ---------------------------------------------------------------------------
    normal_cost = p["charging.normal_connector_cost_jpy"]
    capex_cum, capex_yearly = cumulative_capex(
        needs,
        {
            "apartments": normal_cost,
            "workplaces": normal_cost,
            "public_normal": normal_cost,
            "public_fast": p["charging.fast_connector_cost_jpy"],
            "highway": p["charging.highway_connector_cost_jpy"],
        },
    )
    home_capex = _built_cost({"homes": homes}, {"homes": p["charging.home_connector_cost_jpy"]})
    fund = fund_path(
        p["charging.fund_total_jpy"], p["charging.fund_first_year"], p["charging.fund_last_year"]
    )[:, :y]
    fund_cum = np.cumsum(fund, axis=1)
    covered = coverage(fund_cum, capex_cum)
    return _State(
        homes=homes,
        apartments=apartments,
        workplaces=workplaces,
        normal=normal,
        fast=fast,
        highway=highway,
        public=public,
        sample=sample,
        capex_cum=capex_cum,
        capex_yearly=capex_yearly,
        home_capex=home_capex,
        fund=fund,
        fund_cum=fund_cum,
        covered=covered,
        arrivals=arrivals,
        sized=sized,
        inverse=inverse,
    )


SERIES = (
    "charging.need_homes",
    "charging.need_apartments",
    "charging.need_workplaces",
    "charging.need_public_normal",
    "charging.need_public_fast",
    "charging.need_highway",
    "charging.need_public_total",
    "charging.installed_public",
    "charging.highway_sample_chargers",
    "charging.capex_yearly_jpy",
    "charging.fund_yearly_jpy",
    "charging.fund_coverage_share",
)
"""The step's yearly series, in the order it gives them."""


def _series(p: Params, st: _State) -> dict[str, NDArray[np.float64]]:
    """The yearly series of :data:`SERIES` from the whole horizon's :class:`_State`."""
    values = (
        st.homes,
        st.apartments,
        st.workplaces,
        st.normal,
        st.fast,
        st.highway,
        st.public,
        p["charging.installed_connectors"],
        st.sample,
        st.capex_yearly,
        st.fund,
        st.covered,
    )
    return dict(zip(SERIES, values, strict=True))


@dataflow.step(
    params=("charging.*",),
    reads=("vehicles.bev_stock", "vehicles.phev_stock"),
    writes=("charging.*",),
)
def step(p: Params, out: Outputs) -> None:
    i30 = year_index(TARGET_YEAR)
    bev = out.series["vehicles.bev_stock"]
    phev = out.series["vehicles.phev_stock"]
    if p.n < DEFER_SERIES_FROM:
        st = _state(p, bev, phev)
        for key, value in _series(p, st).items():
            out.serie(key, value)
    else:
        # A large batch (a Monte Carlo chunk) often asks for indicators alone, and they read
        # the years to 2030: the sites of the years after it (four fifths of the sizing, the
        # loads grow with the fleet) are sized only if a series is read.
        st = _state(p, bev[:, : i30 + 1], phev[:, : i30 + 1])
        out.series.defer(SERIES, lambda: _series(p, _state(p, bev, phev)))

    target = p["charging.target_connectors_2030"]
    fast_target = p["charging.target_fast_connectors_2030"]
    public = st.public[:, i30]
    fast_2030 = st.fast[:, i30] + st.highway[:, i30]
    with np.errstate(divide="ignore", invalid="ignore"):
        out.indicator("charging.target_coverage_2030", target / public)
        out.indicator("charging.fast_target_coverage_2030", fast_target / fast_2030)
    out.indicator("charging.connectors_needed_2030", public)
    out.indicator("charging.fast_connectors_needed_2030", fast_2030)
    out.indicator("charging.home_connectors_needed_2030", st.homes[:, i30])
    out.indicator("charging.target_connectors_2030", target)
    out.indicator("charging.target_fast_connectors_2030", fast_target)
    out.indicator(
        "charging.deployment_gap_2030", public - p["charging.installed_connectors"][:, i30]
    )
    out.indicator("charging.highway_chargers_needed_2030", st.sample[:, i30])
    out.indicator("charging.highway_network_needed_2030", st.highway[:, i30])
    out.indicator(
        "charging.highway_target_connectors_2030", p["charging.highway_target_connectors_2030"]
    )
    out.indicator(
        "charging.highway_wait_probability_target", p["charging.highway_max_wait_probability_share"]
    )
    out.indicator("charging.highway_mean_wait_target_min", p["charging.highway_max_mean_wait_min"])
    out.indicator("charging.capex_to_2030_jpy", st.capex_cum[:, i30])
    out.indicator("charging.home_capex_to_2030_jpy", st.home_capex[:, i30])
    out.indicator("charging.fund_to_2030_jpy", st.fund_cum[:, i30])
    out.indicator("charging.fund_coverage", st.covered[:, i30])

    sized = _site_rows(
        queueing.QueueResult(*(v[:, i30] for v in dataclasses.astuple(st.sized))), st.inverse
    )  # 2030, every row
    out.rows["charging.site_arrivals_per_hour_2030"] = st.arrivals[:, i30, st.inverse]
    out.rows["charging.site_chargers_2030"] = sized.servers
    out.rows["charging.site_utilisation_2030"] = sized.utilisation
    out.rows["charging.site_wait_probability_2030"] = sized.wait_probability
    out.rows["charging.site_mean_wait_2030_min"] = sized.mean_wait_h * 60.0
