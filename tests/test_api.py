"""The Python API (chikuden.api, chikuden.calculators): numbers worked independently, every
result JSON-friendly, bad input a ParameterError naming the field, the value and the range,
and the CLI's JSON the same document as the API's (one code path under both faces)."""

from __future__ import annotations

import csv
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from chikuden import api, calculators
from chikuden.bounds import Bound
from chikuden.cli import app
from chikuden.errors import ChikudenError, ParameterError

runner = CliRunner()
DATA = resources.files("chikuden.data")
EXAMPLE = Path(str(DATA.joinpath("examples", "product-example.json")))
EXAMPLE_CSV = Path(str(DATA.joinpath("examples", "product-example.csv")))


def cli_json(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def strict_json(doc: Any) -> Any:
    """``doc`` through JSON with NaN and infinity refused (what a browser can parse)."""
    return json.loads(json.dumps(doc, allow_nan=False, ensure_ascii=False))


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load ``a`` [Erlang]: the textbook formula
    (Kleinrock, Queueing Systems I, eq. 3.40), written here independently of the model's
    recursive form."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


# -- charging sites ------------------------------------------------------------------------
def test_charger_sizing_by_hand() -> None:
    # 24 cars/h, 30 kWh at 90 kW: 20 min a session, offered load 24 x 1/3 h = 8 Erlang.
    site = calculators.charger_sizing(24.0, energy_kwh=30.0, power_kw=90.0)
    assert site.service_time_min == pytest.approx(20.0)
    assert site.offered_load_erlang == pytest.approx(8.0)
    assert site.minimum_chargers_for_stability == 9  # floor(8) + 1
    # The default target P(wait) <= 0.05: 13 chargers miss it, 14 meet it.
    assert erlang_c(13, 8.0) > 0.05 > erlang_c(14, 8.0)
    assert site.chargers == 14
    assert site.wait_probability == pytest.approx(erlang_c(14, 8.0), rel=1e-9)
    # Mean wait of M/M/c: C / (c mu - lambda) = C / (14 x 3 - 24) h.
    assert site.mean_wait_min == pytest.approx(erlang_c(14, 8.0) / 18.0 * 60.0, rel=1e-9)
    assert site.utilisation == pytest.approx(8.0 / 14.0)


def test_the_default_target_is_the_models_service_level() -> None:
    # charging.csv declares charging.highway_max_wait_probability_share = 0.05 ("without
    # waiting": at most 5 % of cars wait); sizing without a target uses it.
    rows = csv.DictReader(DATA.joinpath("parameters", "charging.csv").read_text().splitlines())
    declared = {r["name"]: r for r in rows}[calculators.DEFAULT_WAIT_PROBABILITY_FROM]
    assert float(declared["default"]) == calculators.default_wait_probability() == 0.05
    assert calculators.charger_sizing(24.0).max_wait_probability == 0.05


def test_charger_wait_by_hand_and_a_mean_wait_target() -> None:
    site = calculators.charger_wait(10, 24.0)
    assert site.chargers == 10 and not site.sized
    assert site.wait_probability == pytest.approx(erlang_c(10, 8.0), rel=1e-9)
    # Sizing for a mean wait of at most 1 min picks the fewest chargers whose wait is <= 1 min.
    sized = calculators.charger_sizing(24.0, max_mean_wait_min=1.0)
    waits = {c: erlang_c(c, 8.0) / (3.0 * c - 24.0) * 60.0 for c in range(9, 20)}
    assert sized.chargers == min(c for c, w in waits.items() if w <= 1.0)
    assert sized.max_wait_probability is None  # no default P(wait) beside a given target


def test_the_cli_prints_the_calculators_documents() -> None:
    doc = cli_json("charging", "size", "--arrivals-per-hour", "40", "--max-mean-wait-min", "2",
                   "--model", "mdc", "--json")  # fmt: skip
    api_doc = calculators.charger_sizing(40.0, max_mean_wait_min=2.0, model="mdc").to_dict()
    assert doc == strict_json(api_doc)
    doc = cli_json("charging", "wait", "--chargers", "14", "--arrivals-per-hour", "24", "--json")
    assert doc == strict_json(calculators.charger_wait(14, 24.0).to_dict())
    doc = cli_json("charging", "areas", "--year", "2035", "--json")
    assert doc == strict_json(api.service_areas(year=2035).to_dict())
    assert doc["total_chargers"] == sum(a["chargers"] for a in doc["areas"])
    doc = cli_json("charging", "connectors", "--year", "2025", "--json")
    assert doc == strict_json(api.charging_connectors(year=2025).to_dict())
    assert cli_json("charging", "corridor", "--json") == strict_json(
        api.logistics_corridor().to_dict()
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: calculators.charger_sizing(-1.0), "arrivals_per_hour = -1.0 is out of range; "
         "give a number >= 0 [1/h], e.g. 24"),
        (lambda: calculators.charger_sizing(True), "arrivals_per_hour = True is not a number"),
        (lambda: calculators.charger_sizing("24"), "arrivals_per_hour = '24' is not a number"),  # type: ignore[arg-type]
        (lambda: calculators.charger_sizing(24.0, power_factor=1.5),
         "power_factor = 1.5 is out of range; give a number in (0, 1], e.g. 0.8"),
        (lambda: calculators.charger_sizing(24.0, energy_kwh=math.nan),
         "energy_kwh = nan is not finite"),
        (lambda: calculators.charger_sizing(24.0, max_wait_probability=1.0),
         "max_wait_probability = 1.0 is out of range; give a number in (0, 1)"),
        (lambda: calculators.charger_sizing(24.0, model="mm1"),
         "model = 'mm1' is not a queueing model (did you mean 'mmc'?); use one of mmc, mdc"),
        (lambda: calculators.charger_wait(2.5, 24.0),  # type: ignore[arg-type]
         "chargers = 2.5 is not a whole number; give a whole number in 1..100,000"),
        (lambda: calculators.charger_sizing(1e9),
         "arrivals_per_hour 1e+09 x a charging time of 0.333 h is an offered load of 3.33333e+08"),
        (lambda: calculators.charger_sizing(1.0, energy_kwh=1e6, power_kw=1e-300),
         "energy_kwh / (power_kw x power_factor) = 1e+06 / (1e-300 x 1) gives a charging time"),
        (lambda: api.service_areas(year=2041),
         "year = 2041 is out of range; give a whole number in 2021..2040, e.g. 2030"),
    ],
)  # fmt: skip
def test_bad_site_input_names_the_field_value_and_range(call: Any, message: str) -> None:
    with pytest.raises(ParameterError) as err:
        call()
    assert str(err.value).startswith(message)


def test_cli_options_take_the_apis_bounds_under_their_own_names() -> None:
    from chikuden.commands import charging

    for option, bound in [
        (charging.ARRIVALS, calculators.ARRIVALS),
        (charging.POWER, calculators.POWER),
        (charging.FACTOR, calculators.FACTOR),
        (charging.WAIT_PROBABILITY, calculators.WAIT_PROBABILITY),
    ]:
        assert option.allowed() == bound.allowed()
        assert option.name.startswith("--") and option.name[2:].replace("-", "_") == bound.name


def test_a_bound_refuses_what_json_might_send() -> None:
    share = Bound("share", 0.0, 1.0, unit="share", example="0.5")
    assert share.check(1) == 1.0 and share.check(0.5) == 0.5
    for bad, why in [(None, "not a number"), (False, "not a number"), ([0.5], "not a number"),
                     (math.inf, "not finite"), (1.0000001, "out of range")]:  # fmt: skip
        with pytest.raises(ParameterError, match=why):
            share.check(bad)
    assert Bound("n", 1, 10, whole=True).allowed() == "a whole number in 1..10"
    assert Bound("e", 0.0, lo_open=True, unit="kWh").allowed() == "a number > 0 [kWh]"


# -- minerals ------------------------------------------------------------------------------
def test_minerals_stress_is_the_clis_and_json_friendly() -> None:
    shock = api.minerals_stress(["proposal-2022", "proposal-2022"], "graphite", "CN", 0.5, 6.0)
    doc = strict_json(shock.to_dict())
    assert doc["mineral"] == "graphite" and doc["year"] == 2030 and len(doc["scenarios"]) == 2
    assert doc["scenarios"][0] == doc["scenarios"][1]
    shock_args = ["--mineral", "graphite", "--country", "CN", "--cut", "0.5", "--months", "6"]
    two = ["-s", "proposal-2022", "-s", "proposal-2022"]
    cli = cli_json("minerals", "stress", *shock_args, *two, "--json")
    assert cli == doc["scenarios"]
    # A cut of nothing loses nothing; the loss grows with the cut.
    none = api.minerals_stress(mineral="graphite", cut=0.0).lost_gwh[0]
    half = api.minerals_stress(mineral="graphite", cut=0.5).lost_gwh[0]
    full = api.minerals_stress(mineral="graphite", cut=1.0).lost_gwh[0]
    assert none == 0.0 and 0.0 < half <= full


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"mineral": "gold"}, "mineral 'gold' is not a mineral of the stress test"),
        ({"mineral": "grafite"}, "(did you mean 'graphite'?)"),
        ({"country": "CHN"}, "country 'CHN' is not an ISO 3166-1 alpha-2 country code"),
        ({"cut": 1.5}, "cut = 1.5 is out of range; give a number in [0, 1] [share], e.g. 0.5"),
        ({"months": 0.0}, "months = 0.0 is out of range; give a number in (0, 36] [months]"),
        ({"year": 2020}, "year = 2020 is out of range"),
    ],
)
def test_bad_stress_input_is_refused_before_loading(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError) as err:
        api.minerals_stress(scenarios="no-such-scenario", **kw)
    assert message in str(err.value)


# -- product -------------------------------------------------------------------------------
def test_product_assessment_from_a_path_a_mapping_and_bytes_agree_with_the_cli() -> None:
    from_path = api.product_assessment(EXAMPLE).to_dict()
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    from_mapping = api.product_assessment(doc).to_dict()
    uploaded = api.product_from_bytes(EXAMPLE_CSV.read_bytes(), "csv", where="up.csv")
    from_bytes = api.product_assessment(uploaded).to_dict()
    for d in (from_mapping, from_bytes):
        assert {k: v for k, v in d.items() if k != "file"} == {
            k: v for k, v in from_path.items() if k != "file"
        }
    assert from_bytes["file"] == "up.csv"
    assert strict_json(from_path) == cli_json("product", "assess", str(EXAMPLE), "--json")
    # The CLI's text for the same file (tests/test_product_cli.py): 2,764 cycles to 80 %.
    assert round(from_path["cycles_to_end_of_life"]["estimate"]) == 2764


def test_bad_product_input_is_a_chikuden_error() -> None:
    with pytest.raises(ParameterError, match="model = 'cubic' is not a fade model"):
        api.product_assessment(EXAMPLE, model="cubic")
    with pytest.raises(ParameterError, match=r"tolerance = 2 is out of range"):
        api.product_assessment(EXAMPLE, tolerance=2)
    with pytest.raises(ParameterError, match="kind = 'xml' is not a product file type"):
        api.product_from_bytes(b"{}", "xml")  # type: ignore[arg-type]
    with pytest.raises(ChikudenError, match=r"up\.json: field 'product' is missing"):
        api.product_from_bytes(b'{"chemistry": "LFP"}', "json", where="up.json")
    with pytest.raises(ChikudenError, match="UTF-8"):
        api.product_from_bytes("製品".encode("shift_jis"), "json", where="up.json")


# -- the model -----------------------------------------------------------------------------
def test_evaluate_with_overrides_as_a_mapping_or_a_list() -> None:
    key = "targets.japan_global_capacity_2030"
    base = api.evaluate("proposal-2022", outputs=[key])
    # 600 GWh = the 20 % share x 3,000 GWh of global demand (P1); a 25 % share gives 750.
    assert base.value(key) == pytest.approx(600.0)
    assert list(base.indicators) == [key]
    as_map = api.evaluate("proposal-2022", {"targets.japan_share_2030": 0.25}, [key])
    as_list = api.evaluate("proposal-2022", ["targets.japan_share_2030=0.25"], [key])
    assert as_map.value(key) == as_list.value(key) == pytest.approx(750.0)
    with pytest.raises(ParameterError, match=r"targets\.japan_share_2030"):
        api.evaluate("proposal-2022", {"targets.japan_share_2030": 1.5})
    with pytest.raises(ParameterError, match="give at least one scenario"):
        api.evaluate([])


def test_a_cache_between_evaluations_gives_the_same_numbers() -> None:
    cache = api.Cache(max_entries=64)  # room for every step (29) and the minerals state
    plain = api.evaluate("proposal-2022")
    first = api.evaluate("proposal-2022", cache=cache)
    again = api.evaluate("proposal-2022", {"targets.japan_share_2030": 0.25}, cache=cache)
    fresh = api.evaluate("proposal-2022", {"targets.japan_share_2030": 0.25})
    assert first.to_json(0) == plain.to_json(0)
    assert again.to_json(0) == fresh.to_json(0)
    assert cache.stats().hits > 0  # the second evaluation did reuse steps


def test_compare_gives_each_indicators_delta_to_the_first() -> None:
    key = "targets.japan_global_capacity_2030"
    one = api.evaluate("proposal-2022", outputs=[key]).value(key)
    other = api.load_scenario("proposal-2022", {"targets.japan_share_2030": 0.3})
    c = api.compare(["proposal-2022", other], outputs=[key])
    doc = strict_json(c.to_dict())
    assert doc["scenarios"] == ["proposal-2022", "proposal-2022"]
    entry = doc["indicators"][key]
    assert entry["values"] == pytest.approx([one, 900.0])  # 30 % x 3,000 GWh
    assert entry["delta"] == pytest.approx([0.0, 900.0 - one])
    assert [a["id"] for a in doc["answers"][0]["answers"]] == [
        q["id"] for q in yaml.safe_load(DATA.joinpath("answers.yaml").read_text("utf-8"))["answers"]
    ]
    with pytest.raises(ParameterError, match="compare: got 1 scenario"):
        api.compare(["proposal-2022"])


def test_answers_match_the_cli_in_both_languages() -> None:
    res = api.evaluate("proposal-2022", outputs=api.answer_outputs())
    for lang in ("en", "ja"):
        cli = cli_json("answers", "--lang", lang, "--json")
        assert cli["answers"] == strict_json([a.to_dict() for a in api.answers(res, lang)])
    with pytest.raises(ParameterError, match="lang = 'fr'"):
        api.answers(res, "fr")
    with pytest.raises(ParameterError, match=r"scenarios 0\.\.0"):
        api.answers(res, "en", 1)


# -- what can be set and read --------------------------------------------------------------
def test_parameters_are_the_declaration_tables() -> None:
    levers = {lever.key: lever for lever in api.parameters()}
    rows = {}
    for path in DATA.joinpath("parameters").iterdir():
        if path.name.endswith(".csv"):
            rows.update(
                {r["name"]: r for r in csv.DictReader(path.read_text("utf-8").splitlines())}
            )
    assert set(levers) == set(rows)
    need = levers["finance.capital_need_cells_ref_jpy"]  # finance.csv: 2.1e12, 0..2e13 (P1)
    assert (need.default, need.min, need.max, need.unit) == (2.1e12, 0.0, 2e13, "JPY")
    assert need.label_ja == rows[need.key]["description_ja"]
    (src,) = need.sources
    assert src.key == "proposal-2022:P1" and src.title and src.to_dict()["url"] is not None
    budget = levers["finance.budget_jpy"]  # a path: 2021:0;2022:6e11;2026:6e11;2027:0
    assert budget.kind == "path" and budget.to_dict()["default"] == [
        {"year": 2021, "value": 0.0}, {"year": 2022, "value": 6e11},
        {"year": 2026, "value": 6e11}, {"year": 2027, "value": 0.0},
    ]  # fmt: skip
    table = levers["charging.service_areas"]
    assert table.kind == "table" and table.min is None and table.max is None
    strict_json([lever.to_dict() for lever in levers.values()])
    assert {lever.domain for lever in api.parameters("charging")} == {"charging"}
    with pytest.raises(ParameterError, match=r"\(did you mean 'finance'\?\)"):
        api.parameters("financ")


def test_indicators_are_the_declared_ones() -> None:
    found = {i.key: i for i in api.indicators()}
    declared: dict[str, dict[str, Any]] = {}
    for path in DATA.joinpath("indicators").iterdir():
        if path.name.endswith(".yaml"):
            declared.update(yaml.safe_load(path.read_text("utf-8")).get("indicators") or {})
    assert set(found) == set(declared)
    cap = found["targets.japan_global_capacity_2030"]
    assert (cap.unit, cap.clause, cap.year) == ("GWh", "P1", 2030)
    strict_json([i.to_dict() for i in found.values()])


def test_format_value_and_output() -> None:
    # The readings chikuden.formatting documents: compact yen, percentages, undefined text.
    assert api.format_value(3e12, "JPY", "ja") == "3兆円"
    assert api.format_value(3e12, "JPY", "en") == "¥3.0 trillion"
    assert api.format_output(0.25, "targets.japan_share_2030", "ja") == "25％"
    assert api.format_output(math.nan, "finance.fund_exhausted_year", "en") == "not by 2040"
    with pytest.raises(ParameterError, match=r"key = 'targets\.nope' is not a declared output"):
        api.format_output(1.0, "targets.nope")
    with pytest.raises(ParameterError, match="lang = 'de'"):
        api.format_value(1.0, "GWh", "de")
