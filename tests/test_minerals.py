"""Minerals domain: demand, concentration, security, recycling, stress test (P3, P9, P11).

Numbers are worked by hand in the comments. The model runs the steps up to minerals only, so
these tests do not depend on later domains.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from chikuden.commands.minerals import app
from chikuden.errors import ParameterError
from chikuden.horizon import YEARS, year_index
from chikuden.indicators import outputs
from chikuden.model import capacity, market, minerals, system
from chikuden.model.cache import Cache
from chikuden.model.minerals import demand, recycling, state, supply
from chikuden.model.minerals import disruption as stress
from chikuden.model.outputs import Outputs
from chikuden.parameters.declarations import declarations, validate_rows
from chikuden.parameters.params import Params, TableArrays
from chikuden.parameters.scenario import list_scenarios, load_scenario


def run(p: Params) -> Outputs:
    """The minerals outputs and the steps they depend on (market, capacity)."""
    return system.run(p, ["minerals.*"])


def params(**overrides: object) -> Params:
    return Params.from_scenarios([load_scenario("proposal-2022", overrides=overrides)])


# -- demand ------------------------------------------------------------------------------------
def test_demand_is_gwh_times_intensity_over_yield() -> None:
    # 100 GWh of NMC811 at a yield of 0.9: nickel = 100 x 0.658 kg/kWh x 1000 t/GWh / 0.9
    # = 73,111 t; lithium = 100 x 0.100 x 1000 / 0.9 = 11,111 t (x 5.323 = 59,144 t LCE).
    intensity = np.zeros((1, len(demand.CHEMISTRIES), len(demand.MATERIALS)))
    c = demand.CHEMISTRIES.index("nmc811")
    intensity[0, c, 0] = 0.100
    intensity[0, c, 1] = 0.658
    mix = np.zeros((1, len(demand.CHEMISTRIES), YEARS.size))
    mix[0, c] = 1.0
    per_gwh = demand.content_per_gwh(mix, intensity)
    d = demand.demand(np.full((1, YEARS.size), 100.0), per_gwh, np.full((1, YEARS.size), 0.9))
    assert d[0, 1, 0] == pytest.approx(73_111.11, rel=1e-6)
    assert d[0, 0, 0] == pytest.approx(11_111.11, rel=1e-6)
    assert d[0, 0, 0] * demand.LCE_PER_LI == pytest.approx(59_144.4, rel=1e-5)


def test_material_cost_per_kwh() -> None:
    # 0.1 kg Li/kWh at 15,000 $/t LCE = 0.1 x 5.323 x 15 $/kg = 7.98 $/kWh; yield 1.
    per_gwh = np.zeros((1, len(demand.MATERIALS), YEARS.size))
    per_gwh[0, 0] = 100.0  # t/GWh = 0.1 kg/kWh
    prices = np.zeros_like(per_gwh)
    prices[0, 0] = 15_000 * demand.LCE_PER_LI
    cost = demand.material_cost(per_gwh, np.ones((1, YEARS.size)), prices)
    assert cost[0, 0] == pytest.approx(7.9845, rel=1e-6)


def test_default_domestic_and_global_demand_2030_by_hand() -> None:
    p = params()
    out = run(p)
    i = year_index(2030)
    dom = out.series["capacity.domestic_production_gwh"][0, i]
    glob = out.series["capacity.japan_global_production_gwh"][0, i]
    # Nickel in kg/kWh (BatPaC via Busch 2024: NMC532 0.465, NMC622 0.546, NMC811 0.658,
    # NCA 0.710, solid-state as NMC811 0.658, the rest 0).
    # Domestic 2030 mix: 0.03 NMC532, 0.05 NMC622, 0.56 NMC811, 0.24 NCA, 0.07 solid-state
    #   -> 0.01395 + 0.0273 + 0.36848 + 0.1704 + 0.04606 = 0.62619 kg/kWh
    # Global 2030 mix: 0.018 NMC532, 0.095 NMC622, 0.312 NMC811, 0.161 NCA, 0.045 solid-state
    #   -> 0.00837 + 0.05187 + 0.205296 + 0.11431 + 0.02961 = 0.409456 kg/kWh
    domestic = 0.03 * 0.465 + 0.05 * 0.546 + 0.56 * 0.658 + 0.24 * 0.710 + 0.07 * 0.658
    global_ = 0.018 * 0.465 + 0.095 * 0.546 + 0.312 * 0.658 + 0.161 * 0.710 + 0.045 * 0.658
    assert domestic == pytest.approx(0.62619) and global_ == pytest.approx(0.409456)
    yield_2030 = 0.92
    ind = out.indicators
    assert ind["minerals.demand_domestic_2030.nickel"][0] == pytest.approx(
        dom * 1000 * domestic / yield_2030
    )
    assert ind["minerals.demand_global_2030.nickel"][0] == pytest.approx(
        glob * 1000 * global_ / yield_2030
    )


def test_material_cost_is_that_of_the_domestic_mix() -> None:
    # The material cost finance reads is that of cells made in Japan: all-LFP domestic cells
    # cost 0.091 kg Li x 5.323 x 15 $/kg LCE + 0.985 kg graphite x 4 $/kg + 0.725 kg Al x
    # 2.419 $/kg + 0.551 kg Cu x 9.147 $/kg (2030 prices) = 7.2659 + 3.94 + 1.7538 + 5.0400
    # = 17.9997 $/kWh before scrap; / yield 0.92 = 19.565 $/kWh. The global mix does not move it.
    lfp = {f"minerals.domestic_mix_{c}_share": float(c == "lfp") for c in demand.CHEMISTRIES}
    out = run(params(**lfp))
    by_hand = (0.091 * 5.323 * 15 + 0.985 * 4 + 0.725 * 2.419 + 0.551 * 9.147) / 0.92
    got = out.indicators["minerals.material_cost_2030_usd_per_kwh"][0]
    assert got == pytest.approx(by_hand)
    glob = {f"minerals.global_mix_{c}_share": float(c == "nmc811") for c in demand.CHEMISTRIES}
    other = run(params(**lfp, **glob)).indicators["minerals.material_cost_2030_usd_per_kwh"][0]
    assert other == got


def test_mix_that_does_not_add_up_says_year_and_by_how_much() -> None:
    with pytest.raises(ParameterError) as err:
        params(**{"minerals.global_mix_lfp_share": 0.5})  # refused when loaded, before the model
    msg = str(err.value)
    # 2021: 0.022 + 0.147 + 0.247 + 0.188 + 0.282 + 0.5 = 1.386
    assert "minerals.global_mix_lfp_share = 0.5" in msg and "add up to 1.386 in 2021" in msg
    assert "they must add up to 1 (within 0.001)" in msg


def test_eu_minimums_and_targets_are_the_parameters() -> None:
    # One figure, one place: the outputs show the parameters (Reg. 2023/1542 Art. 8: Co 16 %
    # from 2031; Annex XII: Li recovery 80 % by end-2031), and follow an override.
    base = run(params()).indicators
    assert base["minerals.eu_recycled_min_2031.cobalt"][0] == pytest.approx(0.16)
    assert base["minerals.eu_recycled_min_2036.nickel"][0] == pytest.approx(0.15)
    changed = run(
        params(
            **{
                "carbon.eu_recycled_2031_cobalt_share": 0.2,
                "minerals.eu_recovery_2031_lithium_share": 0.7,
            }
        )
    ).indicators
    assert changed["minerals.eu_recycled_min_2031.cobalt"][0] == pytest.approx(0.2)
    assert changed["minerals.eu_recovery_target_2031.lithium"][0] == pytest.approx(0.7)
    assert not hasattr(minerals, "EU_RECYCLED_MIN") and not hasattr(minerals, "EU_RECOVERY_TARGET")


# -- concentration -----------------------------------------------------------------------------
def _hhi_by_hand(rows: list[tuple[str, str, str, float]]) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = {}
    for mineral, stage, _country, t in rows:
        totals[(mineral, stage)] = totals.get((mineral, stage), 0.0) + t
    hhi: dict[tuple[str, str], float] = {}
    for mineral, stage, country, t in rows:
        key = (mineral, stage)
        share = 100.0 * t / totals[key]
        hhi[key] = hhi.get(key, 0.0) + (share * share if country != "ZZ" else 0.0)
    return hhi


def test_hhi_matches_an_independent_loop_over_the_usgs_rows() -> None:
    p = params()
    out = run(p)
    table = p.table_values["minerals.supply"][0]
    rows = [(r["mineral"], r["stage"], r["country"], float(r["tonnes"])) for r in table.rows]
    expected = _hhi_by_hand(rows)
    for (mineral, stage), value in expected.items():
        got = out.indicators[f"minerals.hhi_{stage}.{mineral}"][0]
        assert got == pytest.approx(value, rel=1e-12), (mineral, stage)
    # USGS 2023 lithium (t Li): Australia 86,000 of 184,680 listed = 46.57% ... HHI ~ 3,096
    assert out.indicators["minerals.hhi_mining.lithium"][0] == pytest.approx(3096.3, abs=0.1)
    # Nickel: Indonesia 1.8 of 3.6 Mt -> 50% -> 2,500 + 11.1^2 + 6.4^2 + 5.6^2 = 2,695
    assert out.indicators["minerals.hhi_mining.nickel"][0] == pytest.approx(2695.1, abs=0.1)


# USGS Mineral Commodity Summaries 2025, "World Mine Production and Reserves", 2024 estimates
# (lithium content, nickel, cobalt; manganese content in thousand t; natural graphite), as
# published; "other countries" as ZZ. Transcribed here from the chapters, not from the CSV.
MCS_2025 = {
    "lithium": {"AU": 88000, "CL": 49000, "CN": 41000, "ZW": 22000, "AR": 18000, "BR": 10000,
                "CA": 4300, "NA": 2700, "PT": 380},
    "nickel": {"ID": 2200000, "PH": 330000, "RU": 210000, "CA": 190000, "CN": 120000,
               "AU": 110000, "NC": 110000, "BR": 77000, "US": 8000, "ZZ": 300000},
    "cobalt": {"CD": 220000, "ID": 28000, "RU": 8700, "CA": 4500, "PH": 3800, "AU": 3600,
               "CU": 3500, "PG": 2800, "TR": 2700, "MG": 2600, "NC": 1500, "US": 300,
               "ZZ": 6200},
    "manganese": {"ZA": 7400, "GA": 4600, "AU": 2800, "GH": 820, "IN": 800, "CN": 770,
                  "BR": 590, "MY": 410, "CI": 360, "ZZ": 1300},
    "graphite": {"CN": 1270000, "MG": 89000, "MZ": 75000, "BR": 68000, "IN": 27800,
                 "TZ": 25000, "CA": 20000, "RU": 20000, "KR": 9600, "KP": 8100, "NO": 7000,
                 "LK": 3300, "TR": 3100, "VN": 2000, "UA": 1200, "MX": 900, "AT": 500,
                 "DE": 170},
}  # fmt: skip


def test_actual_2025_concentration_is_usgs_mcs_2025() -> None:
    # The issue: the actual scenario must use the newest USGS figures. HHI and top share of
    # mining recomputed from the published table above (ZZ in the total, not in the sum of
    # squares); e.g. graphite: China 1,270,000 of 1,630,670 listed = 77.9% (USGS: "78%").
    got = run(Params.from_scenarios([load_scenario("actual-2025")]))
    for mineral, rows in MCS_2025.items():
        total = sum(rows.values())
        shares = {c: 100.0 * t / total for c, t in rows.items()}
        hhi = sum(v * v for c, v in shares.items() if c != "ZZ")
        top = max(v for c, v in shares.items() if c != "ZZ") / 100.0
        assert got.indicators[f"minerals.hhi_mining.{mineral}"][0] == pytest.approx(hhi), mineral
        assert got.indicators[f"minerals.top_share_mining.{mineral}"][0] == pytest.approx(top)
    assert got.indicators["minerals.top_share_mining.graphite"][0] == pytest.approx(0.779, abs=5e-4)
    # the 2022 scenarios keep the older table (mine production 2023, graphite 2022)
    old = run(params())
    assert old.indicators["minerals.top_share_mining.graphite"][0] == pytest.approx(
        850 / 1307, 1e-3
    )


def test_flagged_countries_and_unknown_code() -> None:
    p = params(**{"minerals.countries_of_concern": {"rows": [{"country": "CN"}]}})
    out = run(p)
    # China refines 90% of battery graphite and mines 850 of 1,307 kt of natural graphite
    assert out.indicators["minerals.flagged_share_refining.graphite"][0] == pytest.approx(0.9)
    assert out.indicators["minerals.flagged_share_mining.graphite"][0] == pytest.approx(
        850 / 1307, rel=1e-3
    )
    assert out.indicators["minerals.open_flagged_2030.graphite"][0] > 0
    assert run(params()).indicators["minerals.flagged_share_refining.graphite"][0] == 0.0
    with pytest.raises(ParameterError, match="did you mean 'CN'"):
        load_scenario(
            "proposal-2022", {"minerals.countries_of_concern": {"rows": [{"country": "CNN"}]}}
        )


def test_import_mix_top_and_flagged_shares() -> None:
    # Bundled: graphite 90% from China (Yomiuri tally, 2024), the rest "ZZ"; lithium 2024 by
    # lithium content (MoF via Metalnomist): China (1,908 x 0.1879 + 32,354 x 0.1654) / 8,390
    # = 0.681 of carbonate and hydroxide imports; no nickel, cobalt or manganese.
    out = run(params())
    assert out.indicators["minerals.import_top_share.graphite"][0] == pytest.approx(0.9)
    li_c, li_h = 2 * 6.941 / 73.891, 6.941 / 41.963  # Li in Li2CO3 and in LiOH.H2O
    china = (1908 * li_c + 32354 * li_h) / (11520 * li_c + 37640 * li_h)
    assert out.indicators["minerals.import_top_share.lithium"][0] == pytest.approx(china, abs=5e-4)
    assert out.indicators["minerals.import_flagged_share.graphite"][0] == 0.0
    assert np.isnan(out.indicators["minerals.import_top_share.cobalt"][0])
    # A user table: cobalt 0.5 FI, 0.3 CN, 0.2 ZZ; China flagged -> top 0.5, flagged 0.3.
    # (ZZ is never the top country: it is many countries together.)
    rows = [
        {"id": "co-fi", "mineral": "cobalt", "country": "FI", "share": 0.5, "year": 2023},
        {"id": "co-cn", "mineral": "cobalt", "country": "CN", "share": 0.3, "year": 2023},
        {"id": "co-zz", "mineral": "cobalt", "country": "ZZ", "share": 0.2, "year": 2023},
    ]
    rows = [{**r, "source": "assumption"} for r in rows]
    mine = run(
        params(
            **{
                "minerals.imports": {"rows": rows},
                "minerals.countries_of_concern": {"rows": [{"country": "CN"}]},
            }
        )
    )
    assert mine.indicators["minerals.import_top_share.cobalt"][0] == pytest.approx(0.5)
    assert mine.indicators["minerals.import_flagged_share.cobalt"][0] == pytest.approx(0.3)
    assert np.isnan(mine.indicators["minerals.import_top_share.graphite"][0])


def test_import_shares_above_one_are_refused() -> None:
    rows = [
        {"id": f"g-{c}", "mineral": "graphite", "country": c, "share": 0.6, "year": 2023}
        for c in ("CN", "MZ")
    ]
    rows = [{**r, "source": "assumption"} for r in rows]
    # 0.6 + 0.6 = 1.2 > 1 (+ tolerance 0.001); refused when loaded, before the model
    with pytest.raises(ParameterError, match=r"mineral = 'graphite' have share adding up to 1\.2"):
        params(**{"minerals.imports": {"rows": rows}})


def test_negative_tonnes_are_refused() -> None:
    decl = declarations()["minerals.projects"]
    assert decl.schema is not None
    row = dict(decl.default.rows[0])
    row["tonnes_per_year"] = -5
    row["source"] = "assumption"
    with pytest.raises(ParameterError, match="outside 0"):
        validate_rows(decl.schema, [row], "test", "minerals.projects")


# -- security ----------------------------------------------------------------------------------
def test_security_caps_recycled_then_projects() -> None:
    # D = 100, recycled 30, projects 90 -> recycled 30, secured min(90, 70) = 70, open 0.
    conc = supply.Concentration(
        hhi=np.zeros((1, 5, 2)),
        top_share=np.full((1, 5, 2), 0.5),
        flagged_share=np.zeros((1, 5, 2)),
    )
    d = np.full((1, 5, 1), 100.0)
    sec = supply.security(d, np.full((1, 5, 1), 90.0), np.full((1, 5, 1), 30.0), conc)
    assert (
        sec.projects[0, 0, 0] == 70 and sec.open[0, 0, 0] == 0 and sec.secured_share[0, 0, 0] == 1
    )
    sec = supply.security(d, np.full((1, 5, 1), 20.0), np.full((1, 5, 1), 30.0), conc)
    # open = 100 - 30 - 20 = 50, half of it from the top refining country
    assert sec.open[0, 0, 0] == 50 and sec.open_top[0, 0, 0] == 25
    assert sec.secured_share[0, 0, 0] == pytest.approx(0.5)


def test_projects_secure_their_japanese_share_from_the_start_year() -> None:
    p = params()
    out = run(p)
    rows = out.rows["minerals.project_secured_t_2030"][0]
    # Olaroz stage 1: 3,288 t Li x 25% = 822 t; Taganito 30,000 t Ni x 1 = 30,000 t
    assert rows[0] == pytest.approx(822.0) and rows[4] == pytest.approx(30_000.0)


# -- recycling ---------------------------------------------------------------------------------
def test_end_of_life_with_a_small_lifetime_distribution() -> None:
    # f = (0, 0.5, 0.5); placed 10, 20, 30 in 2021-2023, nothing later, nothing before
    # (growth so high that the back-cast is ~0): EoL = 0, 5, 15, 25, 15, 0, ...
    pmf = np.zeros((1, recycling.MAX_AGE + 1))
    pmf[0, 1:3] = 0.5
    placed = np.zeros((1, YEARS.size))
    placed[0, :3] = (10, 20, 30)
    eol = recycling.end_of_life([placed], [np.ones((1, 1, YEARS.size))], [pmf], np.array([1e9]))
    assert np.allclose(eol[0, 0, :6], (0, 5, 15, 25, 15, 0))
    # With a back-cast at growth 1 (placed in 2020 = 10 / 2 = 5, 2019 = 2.5, ...):
    # EoL 2021 += 5 x 0.5 + 2.5 x 0.5 = 3.75; 2022 += 5 x 0.5 = 2.5
    eol = recycling.end_of_life([placed], [np.ones((1, 1, YEARS.size))], [pmf], np.array([1.0]))
    assert np.allclose(eol[0, 0, :3], (3.75, 7.5, 15))


def test_weibull_pmf_sums_to_one_and_has_the_mean() -> None:
    pmf = recycling.weibull_pmf(np.array([15.0]), np.array([3.5]))
    ages = np.arange(pmf.shape[1])
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert (pmf[0] * ages).sum() == pytest.approx(15.0, abs=0.05)


def test_weibull_pmf_is_scipy_stats_cdf_between_half_years() -> None:
    # f(a) = F(a + 1/2) - F(a - 1/2), F(-1/2) = 0, with F the cdf of scipy.stats.weibull_min at
    # the scale that gives the mean life (an independent implementation of the distribution).
    from scipy.stats import weibull_min

    means, shapes = np.array([15.0, 8.0, 12.0]), np.array([3.5, 2.0, 1.2])
    pmf = recycling.weibull_pmf(means, shapes)
    edges = np.concatenate([[0.0], np.arange(recycling.MAX_AGE + 1) + 0.5])
    for k in range(means.size):
        dist = weibull_min(shapes[k], scale=means[k] / math.gamma(1.0 + 1.0 / shapes[k]))
        assert dist.mean() == pytest.approx(means[k], rel=1e-12)
        np.testing.assert_allclose(pmf[k], np.diff(dist.cdf(edges)), rtol=1e-9, atol=1e-15)


def test_recovered_tonnes_by_hand() -> None:
    # EoL 100 t x collection 0.5 + scrap 20 t x 0.9 = 68 t, x recovery 0.8 = 54.4 t
    got = recycling.recovered(
        np.full((1, 1, 1), 100.0),
        np.full((1, 1, 1), 20.0),
        np.full((1, 1), 0.5),
        np.array([0.9]),
        np.full((1, 1, 1), 0.8),
    )
    assert got[0, 0, 0] == pytest.approx(54.4)


# -- stress test -------------------------------------------------------------------------------
def test_recovery_is_compared_with_the_eu_targets() -> None:
    # Defaults are the EU targets (Annex XII Part C): Li 50% (2027), 80% (2031); Ni, Co 90%, 95%.
    out = run(params())
    for year, li, other in ((2027, 0.5, 0.9), (2031, 0.8, 0.95)):
        assert out.indicators[f"minerals.eu_recovery_target_{year}.lithium"][0] == li
        assert out.indicators[f"minerals.eu_recovery_target_{year}.cobalt"][0] == other
        assert out.indicators[f"minerals.recovery_{year}.lithium"][0] == pytest.approx(li)
    # a flat 60% lithium recovery meets the 2027 target and misses the 2031 one
    low = run(params(**{"minerals.recovery_lithium_share": 0.6})).indicators
    assert low["minerals.recovery_2027.lithium"][0] == pytest.approx(0.6)
    assert (
        low["minerals.recovery_2031.lithium"][0]
        < low["minerals.eu_recovery_target_2031.lithium"][0]
    )


def test_stress_loss_by_hand() -> None:
    # D = 10,000 t, P = 100 GWh, all cells use it, all open, country 90%, cut 0.5, 6 months:
    # lost = 10,000 x 0.9 x 0.5 x 6/12 = 2,250 t -> 100 t/GWh -> 22.5 GWh; x 1e6 x 13,350
    one = np.ones((1, 1))
    r = stress.stress_loss(
        demand_t=one * 10_000,
        production_gwh=one * 100,
        uses_share=one,
        open_share=one,
        project_share=0 * one,
        exposure_share=one * 0.9,
        project_exposure_share=0 * one,
        cut=one * 0.5,
        months=one * 6,
        stockpile_days=0 * one,
        substitution_share=0 * one,
        cell_value_jpy_per_kwh=one * 13_350,
    )
    assert r.shortfall_t[0, 0] == pytest.approx(2250)
    assert r.lost_gwh[0, 0] == pytest.approx(22.5)
    assert r.lost_jpy[0, 0] == pytest.approx(22.5e6 * 13_350)
    # 60 days of stockpile cover 10,000 x 60/365 = 1,643.8 t: shortfall 606.2 t -> 6.06 GWh
    r = stress.stress_loss(
        one * 10_000, one * 100, one, one, 0 * one, one * 0.9, 0 * one, one * 0.5, one * 6,
        one * 60, 0 * one, one * 13_350,
    )  # fmt: skip
    assert r.shortfall_t[0, 0] == pytest.approx(2250 - 10_000 * 60 / 365)


def test_stress_exposure_is_japans_import_share_where_it_exists() -> None:
    # actual-2025 (USGS MCS 2025 table, imports: graphite CN 0.9, lithium CN 0.681, ...)
    p = Params.from_scenarios([load_scenario("actual-2025")])
    out = run(p)
    st = state.compute(
        p,
        out.series["capacity.domestic_production_gwh"],
        out.series["capacity.japan_global_production_gwh"],
    )
    allowed = p.table("minerals.supply").allowed
    assert allowed is not None
    countries = allowed["country"]
    li, gr = stress.STRESS_MINERALS.index("lithium"), stress.STRESS_MINERALS.index("graphite")
    shocks = np.array([[li, li, gr]], dtype=float)
    where = np.array([[countries.index(c) for c in ("CN", "AU", "CN")]], dtype=float)
    cost = (
        out.series["minerals.material_cost_usd_per_kwh"],
        out.series["minerals.material_cost_reference_usd_per_kwh"],
    )
    res = stress.shocks(p, st, cost, shocks, where, np.full((1, 3), 0.5), np.full((1, 3), 6.0))
    # China's lithium: its share of Japan's imports (0.681), not the larger of its world mining
    # (41,000 / 235,380 = 17.4%) and refining (65%) shares; Australia has no import row: world
    # mining 88,000 / 235,380 = 37.4%; China's graphite: imports 0.9
    assert res.exposure_share[0].tolist() == pytest.approx([0.681, 88000 / 235380, 0.9])
    assert res.at_import_share[0].tolist() == [1.0, 0.0, 1.0]
    # Without Japan's lithium rows the same China shock is attributed at the world share (65%
    # refining). The project secures no lithium from China, so the exposed tonnes scale with
    # the share: exposed(imports) / exposed(world) = 0.681 / 0.65.
    graphite_only = [
        r for r in p.table_values["minerals.imports"][0].rows if r["mineral"] != "lithium"
    ]
    p2 = Params.from_scenarios(
        [load_scenario("actual-2025", {"minerals.imports": {"rows": graphite_only}})]
    )
    res2 = stress.shocks(
        p2, st, cost, shocks[:, :1], where[:, :1], np.full((1, 1), 0.5), np.full((1, 1), 6.0)
    )
    assert res2.at_import_share[0, 0] == 0.0 and res2.exposure_share[0, 0] == pytest.approx(0.65)
    assert res.exposed_t[0, 0] / res2.exposed_t[0, 0] == pytest.approx(0.681 / 0.65)
    # the report's per-row outputs say which share each default shock used: graphite from
    # China at Japan's imports, the other four (no import row) at world shares
    assert out.rows["minerals.stress_at_import_share"][0].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_stress_api_says_which_share_it_used() -> None:
    from chikuden.supply_disruption import stress_test

    res = stress_test(["actual-2025"], "lithium", "CN", 0.5, 6)
    assert res.exposure_basis(0) == "japan_imports" and res.exposure_share[0] == 0.681
    record = res.to_json()[0]
    assert record["exposure_basis"] == "japan_imports" and record["exposure_share"] == 0.681
    world = stress_test(["actual-2025"], "lithium", "AU", 0.5, 6).to_json()[0]
    assert world["exposure_basis"] == "world_supply"
    text = CliRunner().invoke(
        app,
        [
            "stress",
            "-m",
            "lithium",
            "-c",
            "CN",
            "--cut",
            "0.5",
            "--months",
            "6",
            "-s",
            "actual-2025",
        ],
    )
    assert text.exit_code == 0 and "68.1% (Japan's imports)" in text.output


def test_stress_api_and_bad_shocks() -> None:
    from chikuden.supply_disruption import stress_test

    res = stress_test("proposal-2022", "graphite", "cn", 0.5, 6)
    assert res.country == "CN" and res.lost_gwh[0] > 0 and res.lost_jpy[0] > 0
    none = stress_test("proposal-2022", "graphite", "JP", 0.5, 6)
    assert none.lost_gwh[0] == 0  # Japan is not in the graphite supply table
    for args, words in (
        (("unobtainium", "CN", 0.5, 6), "not a mineral"),
        (("graphite", "XQ", 0.5, 6), "ISO 3166"),
        (("graphite", "CN", 1.5, 6), "larger than 100%"),
        (("graphite", "CN", -0.1, 6), "outside 0..1"),
        (("graphite", "CN", 0.5, 0), "months"),
    ):
        with pytest.raises(ParameterError, match=words):
            stress_test("proposal-2022", *args)


def test_cli_stress_prints_and_exits_2_on_bad_input(tmp_path: object) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app, ["stress", "--mineral", "graphite", "--country", "CN", "--cut", "0.5", "--months", "6"]
    )
    assert ok.exit_code == 0, ok.output
    assert "proposal-2022" in ok.output and "lost GWh" in ok.output
    js = runner.invoke(
        app,
        ["stress", "-m", "cobalt", "-c", "CD", "--cut", "1", "--months", "12", "--json"],
    )
    assert js.exit_code == 0 and '"lost_gwh"' in js.output
    for bad in (
        ["--mineral", "graphit", "--country", "CN", "--cut", "0.5", "--months", "6"],
        ["--mineral", "graphite", "--country", "CNN", "--cut", "0.5", "--months", "6"],
        ["--mineral", "graphite", "--country", "CN", "--cut", "2", "--months", "6"],
        ["--mineral", "graphite", "--country", "CN", "--cut", "0.5", "--months", "6",
         "--set", "minerals.domestic_mix_lfp_share=0.9"],
    ):  # fmt: skip
        res = runner.invoke(app, ["stress", *bad])
        assert res.exit_code == 2, res.output
        assert "error:" in res.output


def test_default_stress_rows_are_reported() -> None:
    out = run(params())
    lost = out.rows["minerals.stress_lost_gwh"][0]
    # graphite-cn, cobalt-cd, nickel-id, lithium-au, manganese-za (minerals-stress-default.csv)
    assert lost.shape == (5,) and lost[0] > 0  # graphite from China: no stockpile
    assert out.indicators["minerals.stress_worst_lost_gwh"][0] == pytest.approx(lost.max())


# -- the whole domain ---------------------------------------------------------------------------
def test_every_declared_output_is_written_and_labelled() -> None:
    out = run(params())
    written = {
        k for g in (out.indicators, out.series, out.rows) for k in g if k.startswith("minerals.")
    }
    declared = {k for k in outputs() if k.startswith("minerals.")}
    assert written == declared
    for key in declared:
        assert outputs()[key].label_ja and outputs()[key].label_en
    for m in ("lithium", "lithium_lce", "nickel", "cobalt", "manganese", "graphite"):
        assert f"minerals.demand_domestic_2030.{m}" in declared
        assert f"minerals.demand_global_2030.{m}" in declared


@pytest.mark.parametrize("name", list_scenarios())
def test_bundled_scenarios_give_finite_results_in_bounds(name: str) -> None:
    out = run(Params.from_scenarios([load_scenario(name)]))
    with_imports = {row["mineral"] for row in load_scenario(name).value("minerals.imports").rows}
    for key, arr in out.indicators.items():
        if not key.startswith("minerals."):
            continue
        if key.startswith("minerals.import_"):  # empty exactly where no import data is given
            assert np.isfinite(arr).all() == (key.rsplit(".", 1)[1] in with_imports), key
            continue
        assert np.isfinite(arr).all(), key
        if "share" in key:
            assert ((arr >= 0) & (arr <= 1 + 1e-12)).all(), key
        if "hhi" in key:
            assert ((arr >= 0) & (arr <= 10_000)).all(), key
        if key.endswith(("_t", "_jpy", "_gwh")) or "demand" in key:
            assert (arr >= 0).all(), key


@given(
    demand=st.lists(st.floats(1000, 6000), min_size=2, max_size=4),
    util=st.lists(st.floats(0.3, 1.0), min_size=2, max_size=4),
)
def test_batch_equals_one_at_a_time(demand: list[float], util: list[float]) -> None:
    n = min(len(demand), len(util))
    base = load_scenario("proposal-2022")
    samples = {
        "market.demand_2030_gwh": np.array(demand[:n]),
        "capacity.utilisation_share": np.array(util[:n]),
        "minerals.ev_lifetime_years": np.linspace(10, 20, n),
    }
    batch = run(Params.from_samples(base, samples))
    for i in range(n):
        one = run(Params.from_samples(base, {k: v[i : i + 1] for k, v in samples.items()}))
        for key, arr in one.indicators.items():
            if key.startswith("minerals."):
                b = np.broadcast_to(batch.indicators[key], (n,))[i]
                assert b == pytest.approx(arr[0], rel=1e-9, nan_ok=True), key
                assert math.isfinite(b) or math.isnan(arr[0])


def test_batch_that_varies_only_the_battery_life() -> None:
    # production is shared (k = 1) while the recycling lags differ per scenario (k = n)
    base = load_scenario("proposal-2022")
    lives = np.array([10.0, 15.0, 20.0])
    batch = run(Params.from_samples(base, {"minerals.ev_lifetime_years": lives}))
    for i, life in enumerate(lives):
        one = run(Params.from_samples(base, {"minerals.ev_lifetime_years": lives[i : i + 1]}))
        for key in ("minerals.recycled_share_2030.cobalt", "minerals.stress_worst_lost_gwh"):
            got = np.broadcast_to(batch.indicators[key], (3,))[i]
            assert got == pytest.approx(one.indicators[key][0]), (key, life)


# -- batches, chunks and kept preparations (the fast paths give the equations' results) ------
def _minerals_outputs(out: Outputs, n: int) -> dict[str, np.ndarray]:
    return {
        f"{group}:{key}": np.broadcast_to(arr, (n, *arr.shape[1:]))
        for group, values in (("i", out.indicators), ("s", out.series), ("r", out.rows))
        for key, arr in values.items()
        if key.startswith("minerals.")
    }


def test_batch_sharing_the_minerals_parameters_equals_one_at_a_time_exactly() -> None:
    # Production differs by scenario, everything else is shared: each scenario must give the
    # very same numbers alone and in the batch.
    base = load_scenario("proposal-2022")
    samples = {
        "market.demand_2030_gwh": np.array([1500.0, 2500.0, 3000.0, 4200.0, 5000.0]),
        "capacity.utilisation_share": np.array([0.5, 0.7, 0.8, 0.9, 1.0]),
        "capacity.delay_years": np.array([0.0, 2.0, 1.0, 0.0, 3.0]),
    }
    n = 5
    batch = _minerals_outputs(run(Params.from_samples(base, samples)), n)
    for i in range(n):
        one = run(Params.from_samples(base, {k: v[i : i + 1] for k, v in samples.items()}))
        for key, arr in _minerals_outputs(one, 1).items():
            np.testing.assert_array_equal(batch[key][i], arr[0], err_msg=key)


def test_batch_of_different_scenarios_equals_each_alone_exactly() -> None:
    # Recovery paths, chemistry weights (stationary share) and tables differ by scenario while
    # the lifetimes are shared: each scenario must give the very same numbers as alone.
    scenarios = [load_scenario(name) for name in list_scenarios()]
    scenarios.append(load_scenario("proposal-2022", {"market.stationary_share": 0.3}))
    n = len(scenarios)
    batch = _minerals_outputs(run(Params.from_scenarios(scenarios)), n)
    for i, s in enumerate(scenarios):
        for key, arr in _minerals_outputs(run(Params.from_scenarios([s])), 1).items():
            # a per-row output has the batch's longest table (actual-2025 has its own supply
            # table): scenario i's values are its first rows
            got = batch[key][i][..., : arr.shape[-1]] if key.startswith("r:") else batch[key][i]
            np.testing.assert_array_equal(got, arr[0], err_msg=f"{s.name} {key}")


def test_batch_varying_lifetimes_and_minerals_scalars() -> None:
    # Lifetimes, growth, realisation, scrap share and stress year per scenario take the
    # per-scenario Toeplitz path; alone, each scenario takes the shared path. Same numbers to
    # 1e-12.
    base = load_scenario("proposal-2022")
    samples = {
        "market.demand_2030_gwh": np.array([2000.0, 2600.0, 3100.0, 3900.0, 4500.0]),
        "minerals.ev_lifetime_years": np.array([8.0, 12.0, 15.0, 21.0, 30.0]),
        "minerals.stationary_lifetime_years": np.array([25.0, 11.0, 15.0, 9.0, 18.0]),
        "minerals.lifetime_shape": np.array([1.5, 2.0, 3.5, 5.0, 8.0]),
        "minerals.backcast_growth_share": np.array([0.0, 0.1, 0.2, 0.5, 1.0]),
        "minerals.project_realisation_share": np.array([0.2, 0.5, 1.0, 0.7, 0.0]),
        "minerals.scrap_recycled_share": np.array([0.5, 0.9, 1.0, 0.3, 0.7]),
        "minerals.stress_year": np.array([2021.0, 2025.0, 2030.0, 2035.0, 2040.0]),
    }
    n = 5
    batch = _minerals_outputs(run(Params.from_samples(base, samples)), n)
    for i in range(n):
        one = run(Params.from_samples(base, {k: v[i : i + 1] for k, v in samples.items()}))
        for key, arr in _minerals_outputs(one, 1).items():
            np.testing.assert_allclose(batch[key][i], arr[0], rtol=1e-12, atol=0, err_msg=key)


def _segments(k: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
    per_gwh = [rng.uniform(0.0, 900.0, (k, 3, YEARS.size)) for _ in range(2)]
    means = [rng.uniform(5.0, 30.0, k), rng.uniform(5.0, 30.0, k)]
    return per_gwh, means


@pytest.mark.parametrize("varies", ["nothing", "lifetimes", "growth", "content", "everything"])
def test_end_of_life_by_chunks_equals_the_direct_form(varies: str) -> None:
    # EndOfLife folds the lags into one matrix or stacks Toeplitz views; both must give
    # end_of_life(): sum over segments of (P w c) convolved with the pmf, plus the back-cast.
    rng = np.random.default_rng(7)
    n = 7
    production = rng.uniform(0.0, 3000.0, (n, YEARS.size))
    per_gwh, means = _segments(n if varies in ("content", "everything") else 1, rng)
    if varies not in ("lifetimes", "everything"):
        means = [m[:1] for m in means]
    shape = np.array([3.5]) if varies != "everything" else rng.uniform(1.5, 6.0, n)
    growth = np.array([0.2]) if varies not in ("growth", "everything") else rng.uniform(0, 1, n)
    model = recycling.EndOfLife(per_gwh, means, shape, growth)
    got = np.concatenate([model.chunk(production, s, min(s + 3, n)) for s in range(0, n, 3)])
    pmfs = [recycling.weibull_pmf(m, shape) for m in means]
    expected = recycling.end_of_life([production, production], per_gwh, pmfs, growth)
    np.testing.assert_allclose(np.broadcast_to(got, expected.shape), expected, rtol=1e-12)


def test_matmul_each_gives_a_row_the_same_result_alone_and_in_a_batch() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0, 3000, (50, 20)), rng.uniform(0, 900, (20, 120))
    whole = recycling.matmul_each(a, b)
    for i in (0, 17, 49):
        np.testing.assert_array_equal(whole[i], recycling.matmul_each(a[i : i + 1], b)[0])
    np.testing.assert_allclose(whole, a @ b, rtol=1e-13)


def test_secured_supply_by_mineral_adds_the_running_rows() -> None:
    # Rows: lithium 100 t (2021-2040), lithium 50 t (from 2030), nickel 30 t: 2030 lithium
    # 150 t, 2021 lithium 100 t, nickel 30 t; cobalt nothing.
    quantity = np.array([[100.0, 50.0, 30.0]])
    mineral = np.array([[0.0, 0.0, 1.0]])
    active = np.ones((1, 3, YEARS.size))
    active[0, 1, : year_index(2030)] = 0.0
    got = supply.by_mineral(quantity, mineral, active)
    assert got[0, 0, year_index(2030)] == 150.0 and got[0, 0, 0] == 100.0
    assert got[0, 1, 0] == 30.0 and not got[0, 2].any()


def test_flagged_countries_may_differ_by_scenario() -> None:
    # The supply table is shared, the countries of concern are not: the batch used to fail
    # reshaping the concentration arrays.
    flagged = load_scenario(
        "proposal-2022", {"minerals.countries_of_concern": {"rows": [{"country": "CN"}]}}
    )
    scenarios = [flagged, load_scenario("proposal-2022")]
    batch = _minerals_outputs(run(Params.from_scenarios(scenarios)), 2)
    for i, s in enumerate(scenarios):
        for key, arr in _minerals_outputs(run(Params.from_scenarios([s])), 1).items():
            np.testing.assert_array_equal(batch[key][i], arr[0], err_msg=key)
    assert batch["i:minerals.flagged_share_refining.graphite"].tolist() == [0.9, 0.0]


def test_kept_preparation_follows_the_parameters_and_is_read_only() -> None:
    # prepare() is kept by the value of the minerals parameters: an evaluation after another
    # with different values must not see the earlier one, and kept arrays cannot be changed.
    first = run(params()).indicators["minerals.recycled_share_2030.cobalt"][0]
    longer = run(params(**{"minerals.ev_lifetime_years": 25.0}))
    assert longer.indicators["minerals.recycled_share_2030.cobalt"][0] < first
    again = run(params())
    assert again.indicators["minerals.recycled_share_2030.cobalt"][0] == first
    p = params()  # a kept preparation holds copies, not views of the caller's parameters
    kept = state.prepared(p, Cache())
    with pytest.raises(ValueError, match="read-only"):
        kept.shares[0, 0] = 1.0
    assert not np.shares_memory(kept.yield_share, p["minerals.cell_yield_share"])


def test_kept_preparation_is_keyed_by_every_parameter_it_reads() -> None:
    # prepare() is kept by the value of the parameters in _input_names(); a parameter it read
    # outside that list would let an evaluation reuse a preparation made for other values.
    read: set[str] = set()
    p = params()

    class Recording(Params):
        def __getitem__(self, name: str) -> np.ndarray:
            read.add(name)
            return super().__getitem__(name)

        def table(self, name: str) -> TableArrays:
            read.add(name)
            return super().table(name)

    state.prepare(Recording(p.n, p.arrays, p.tables, p.table_values, p.names))
    arrays, tables = state._input_names()
    assert read and read <= set(arrays) | set(tables)


# -- large batches: indicators on the years they need, series when read ----------------------
VARIED = {
    "market.demand_2030_gwh": np.array([2000.0, 2600.0, 3100.0, 3900.0, 4500.0]),
    "capacity.delay_years": np.array([0.0, 2.0, 1.0, 0.0, 3.0]),
    "minerals.ev_lifetime_years": np.array([8.0, 12.0, 15.0, 21.0, 30.0]),
    "minerals.project_realisation_share": np.array([0.2, 0.5, 1.0, 0.7, 0.0]),
    "minerals.stress_year": np.array([2021.0, 2025.0, 2030.0, 2035.0, 2040.0]),
}


@pytest.mark.parametrize("varied", [["market.demand_2030_gwh"], list(VARIED)])
def test_deferred_series_give_the_numbers_of_the_direct_evaluation(
    monkeypatch: pytest.MonkeyPatch, varied: list[str]
) -> None:
    # The same batch evaluated directly (series written by the step) and deferred (indicators
    # from the years they need, series computed when read): every output equal bit for bit.
    p = Params.from_samples(load_scenario("proposal-2022"), {k: VARIED[k] for k in varied})
    monkeypatch.setattr(minerals, "DEFER_SERIES_FROM", 10**9)
    direct = run(p)
    assert not direct.series.pending()
    monkeypatch.setattr(minerals, "DEFER_SERIES_FROM", 2)
    deferred = run(p)
    assert set(deferred.series.pending()) == set(minerals.series_keys())
    assert "minerals.material_cost_usd_per_kwh" not in deferred.series.pending()  # finance reads it
    got, want = _minerals_outputs(deferred, 5), _minerals_outputs(direct, 5)
    assert set(got) == set(want)
    for key, arr in want.items():
        np.testing.assert_array_equal(got[key], arr, err_msg=key)
    assert not deferred.series.pending()


def test_state_on_some_years_is_those_years_of_the_whole_state() -> None:
    p = Params.from_samples(load_scenario("proposal-2022"), VARIED)
    out = Outputs()
    market.step(p, out)
    capacity.step(p, out)
    prod = (
        out.series["capacity.domestic_production_gwh"],
        out.series["capacity.japan_global_production_gwh"],
    )
    years = np.array([0, 9, 10, 15, 19])  # 2021, 2030, 2031, 2036, 2040
    whole, some = state.compute(p, *prod), state.compute(p, *prod, years)
    np.testing.assert_array_equal(some.years, years)
    pairs = [(whole.demand_domestic, some.demand_domestic), (whole.eol_gwh, some.eol_gwh)]
    pairs += [(whole.demand_global, some.demand_global)]
    pairs += [
        (w, s)
        for w, s in zip(vars(whole.security).values(), vars(some.security).values(), strict=True)
    ]
    for w, s in pairs:
        np.testing.assert_array_equal(w[..., years], s)
    np.testing.assert_array_equal(some.position(np.array([2036 - 2021, 2030 - 2021])), [3, 1])
    with pytest.raises(ValueError, match="2025"):
        some.position(np.array([2025 - 2021]))


def test_evaluate_keeps_deferred_series_until_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # chikuden.evaluate of a large batch pays for the minerals series only when they are read;
    # read, they are the direct evaluation's, broadcast to every scenario.
    import chikuden

    p = Params.from_samples(
        load_scenario("proposal-2022"), {"capacity.delay_years": VARIED["capacity.delay_years"]}
    )
    monkeypatch.setattr(minerals, "DEFER_SERIES_FROM", 10**9)
    direct = chikuden.evaluate(p)
    monkeypatch.setattr(minerals, "DEFER_SERIES_FROM", 2)
    lazy = chikuden.evaluate(p)
    assert set(lazy.series.pending()) == set(minerals.series_keys())
    assert list(lazy.series) == list(direct.series)  # same keys in the same order
    frame, want = lazy.series_frame(), direct.series_frame()
    assert frame.equals(want)
    assert lazy.series["minerals.open_t.graphite"].shape == (5, YEARS.size)


def test_lost_cells_are_valued_at_the_price_of_cells_made_in_japan() -> None:
    # One figure, one place: the stress test values a kWh not produced at the finance domain's
    # price of the domestic cells in the shock's year (2030 by default): BNEF's 62 USD/kWh plus
    # the domestic mix's material cost less the global mix's, at finance.jpy_per_usd (150).
    p = params()
    out = run(p)
    i = year_index(2030)
    own = out.series["minerals.material_cost_usd_per_kwh"][0, i]
    ref = out.series["minerals.material_cost_reference_usd_per_kwh"][0, i]
    yen_per_kwh = (62.0 + own - ref) * 150.0
    gwh = out.rows["minerals.stress_lost_gwh"][0]
    lost = out.rows["minerals.stress_lost_jpy"][0]
    assert gwh.max() > 0
    np.testing.assert_allclose(lost, gwh * 1e6 * yen_per_kwh, rtol=1e-12)
    # a dearer dollar values the same lost GWh more
    dear = run(params(**{"finance.jpy_per_usd": 200}))
    np.testing.assert_allclose(dear.rows["minerals.stress_lost_jpy"][0], lost * 200 / 150)
