"""The calculators' endpoints: the same numbers as the Python API (and the queueing formula
worked here), and bad values as 422 naming the field."""

from __future__ import annotations

import math
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.test_api import error

from chikuden import api
from chikuden.data import DATA

EXAMPLE = DATA.joinpath("examples", "product-example.json")
EXAMPLE_CSV = DATA.joinpath("examples", "product-example.csv")


def erlang_c(c: int, load: float) -> float:
    """Probability of waiting in M/M/c (Erlang C), from its textbook formula."""
    top = load**c / math.factorial(c) * c / (c - load)
    return top / (sum(load**k / math.factorial(k) for k in range(c)) + top)


def _json(doc: dict[str, Any]) -> dict[str, Any]:
    """The answer without its words (``readable``): the Python API's ``to_dict()``."""
    return {k: v for k, v in doc.items() if k != "readable"}


def _lines(doc: dict[str, Any]) -> dict[str, str]:
    """The answer in words: each line's value by its key (the first line of a key)."""
    found: dict[str, str] = {}
    for line in doc["readable"]["lines"]:
        found.setdefault(line["key"], line["value"])
    return found


def test_service_area_sizes_the_site_by_erlang_c(sqlite_client: TestClient) -> None:
    # 24 cars/h x 30 kWh / 90 kW = 20 min each: an offered load of 24 x 20 / 60 = 8 Erlang.
    # The fewest chargers with P(wait) <= 0.05: 13 gives 0.069..., 14 gives 0.039...
    assert erlang_c(13, 8.0) > 0.05 > erlang_c(14, 8.0)
    doc = sqlite_client.post("/api/calculators/service-area", json={"arrivals_per_hour": 24}).json()
    assert doc["offered_load_erlang"] == pytest.approx(8.0)
    assert doc["chargers"] == 14
    assert doc["wait_probability"] == pytest.approx(erlang_c(14, 8.0), rel=1e-9)
    assert _json(doc) == api.charger_sizing(24.0).to_dict()


def test_service_area_with_chargers_gives_the_wait(sqlite_client: TestClient) -> None:
    doc = sqlite_client.post(
        "/api/calculators/service-area", json={"arrivals_per_hour": 24, "chargers": 13}
    ).json()
    assert doc["wait_probability"] == pytest.approx(erlang_c(13, 8.0), rel=1e-9)
    assert _json(doc) == api.charger_wait(13, 24.0).to_dict()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"arrivals_per_hour": 24, "power_factor": 2}, "power_factor"),
        ({"arrivals_per_hour": -1}, "arrivals_per_hour"),
        ({"arrivals_per_hour": "24"}, "arrivals_per_hour"),
        ({"arrivals_per_hour": 24, "chargers": 2.5}, "chargers"),
        ({"arrivals_per_hour": 24, "chargers": 3, "max_mean_wait_min": 1}, "chargers"),
        ({"arrivals_per_hour": 24, "model": "mm1"}, "model"),
        ({}, "arrivals_per_hour"),
    ],
)
def test_a_bad_site_is_a_422_naming_the_field(
    sqlite_client: TestClient, body: dict[str, object], field: str
) -> None:
    e = error(sqlite_client.post("/api/calculators/service-area", json=body), 422)
    assert e["field"] == field, e


def test_minerals_stress_equals_the_python_api(sqlite_client: TestClient) -> None:
    body = {
        "scenario": "actual-2025",
        "parameters": {"finance.jpy_per_usd": 120},
        "mineral": "lithium",
        "country": "AU",
        "cut": 0.3,
        "months": 9,
    }
    doc = sqlite_client.post("/api/calculators/minerals-stress", json=body).json()
    scenario = api.load_scenario("actual-2025", overrides={"finance.jpy_per_usd": 120})
    assert _json(doc) == api.minerals_stress(scenario, "lithium", "AU", 0.3, 9.0).to_dict()
    assert doc["scenarios"][0]["lost_gwh"] >= 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mineral": "gold"}, "mineral"),
        ({"country": "XX"}, "country"),
        ({"cut": 1.5}, "cut"),
        ({"months": 0}, "months"),
        ({"year": 2050}, "year"),
        ({"parameters": {"nope": 1}}, "parameters.nope"),
    ],
)
def test_a_bad_stress_test_is_a_422_naming_the_field(
    sqlite_client: TestClient, body: dict[str, object], field: str
) -> None:
    e = error(sqlite_client.post("/api/calculators/minerals-stress", json=body), 422)
    assert e["field"] == field, e


def test_product_from_a_json_or_csv_body_or_a_form_file(sqlite_client: TestClient) -> None:
    expected = api.product_assessment(EXAMPLE).to_dict()
    as_json = sqlite_client.post(
        "/api/calculators/product",
        content=EXAMPLE.read_bytes(),
        headers={"content-type": "application/json"},
    )
    assert as_json.status_code == 200, as_json.text
    got = as_json.json()
    assert {k: v for k, v in _json(got).items() if k != "file"} == {
        k: v for k, v in expected.items() if k != "file"
    }
    as_csv = sqlite_client.post(
        "/api/calculators/product",
        content=EXAMPLE_CSV.read_bytes(),
        headers={"content-type": "text/csv"},
        params={"model": "sqrt"},
    )
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.json()["fit"]["model"] == "sqrt"
    form = sqlite_client.post(
        "/api/calculators/product",
        files={"file": ("cell.csv", EXAMPLE_CSV.read_bytes(), "text/csv")},
    )
    assert form.status_code == 200, form.text
    assert form.json()["file"] == "cell.csv"


@pytest.mark.parametrize(
    ("content", "kind", "params"),
    [
        (b"{not json", "application/json", {}),
        (b"false", "application/json", {}),  # not an object: crashed the depth count before
        (b"12", "application/json", {}),
        (b'{"product": "x"}', "application/json", {}),
        (b"field,value\n", "text/csv", {}),
        (None, "application/json", {"tolerance": "2"}),
        (None, "application/json", {"year": "2050"}),
    ],
)
def test_a_bad_product_is_a_4xx(
    sqlite_client: TestClient, content: bytes | None, kind: str, params: dict[str, str]
) -> None:
    body = EXAMPLE.read_bytes() if content is None else content
    response = sqlite_client.post(
        "/api/calculators/product", content=body, headers={"content-type": kind}, params=params
    )
    assert 400 <= response.status_code < 500, response.text
    error(response, response.status_code)


# -- in words --------------------------------------------------------------------------------


def test_a_site_in_words_in_both_languages(sqlite_client: TestClient) -> None:
    # 24 cars/h x 30 kWh / (90 kW x 0.8) = 25 min each: an offered load of 24 x 25 / 60 = 10
    # Erlang; the fewest chargers with P(wait) <= 0.05 and a mean wait P(wait) x 25 / (c - 10)
    # <= 1 min (the form's targets)
    wanted = next(
        c
        for c in range(11, 40)
        if erlang_c(c, 10.0) <= 0.05 and erlang_c(c, 10.0) * 25 / (c - 10) <= 1
    )
    body = {"arrivals_per_hour": 24, "power_factor": 0.8}
    body |= {"max_wait_probability": 0.05, "max_mean_wait_min": 1}
    en = sqlite_client.post("/api/calculators/service-area", json=body).json()
    ja = sqlite_client.post("/api/calculators/service-area", json=body | {"lang": "ja"}).json()
    words, ja_words = _lines(en), _lines(ja)
    assert words["chargers"] == ja_words["chargers"] == str(wanted)
    assert words["offered_load_erlang"] == "10 Erlang"
    assert (words["service_time_min"], ja_words["service_time_min"]) == ("25 min", "25分")
    assert (words["power_factor"], ja_words["power_factor"]) == ("80%", "80％")
    assert (words["arrivals_per_hour"], ja_words["arrivals_per_hour"]) == (
        "24 vehicles per hour",
        "24台/時間",
    )
    assert en["readable"]["summary"].startswith(f"The site needs {wanted} chargers of 90 kW: ")
    assert ja["readable"]["summary"].startswith(f"必要な充電器は90 kWが{wanted}基")
    labels = [line["label"] for line in ja["readable"]["lines"]]
    assert "車が待つ確率" in labels and "目標：平均待ち時間の上限" in labels
    assert all(label.isascii() for label in (line["label"] for line in en["readable"]["lines"]))


def test_a_stress_test_in_words(sqlite_client: TestClient) -> None:
    doc = sqlite_client.post("/api/calculators/minerals-stress", json={"lang": "ja"}).json()
    record = doc["scenarios"][0]
    words = _lines(doc)
    # the same numbers as the JSON, with their units, as chikuden.formatting writes them
    assert words["lost_gwh"] == api.format_value(record["lost_gwh"], "GWh", "ja") + " GWh"
    assert words["lost_jpy"] == api.format_value(record["lost_jpy"], "JPY", "ja")
    assert words["lost_jpy"].endswith("円")
    assert words["exposed_t"].endswith(" t/年")
    summary = doc["readable"]["summary"]
    assert summary.startswith(f"{record['year']}年の中国産黒鉛：50％減（6か月）。")
    assert words["lost_gwh"] in summary


def test_a_product_in_words(sqlite_client: TestClient) -> None:
    doc = sqlite_client.post(
        "/api/calculators/product",
        content=EXAMPLE.read_bytes(),
        headers={"content-type": "application/json"},
        params={"lang": "ja"},
    ).json()
    lines = doc["readable"]["lines"]
    durability = next(line for line in lines if line["key"] == "durability")
    assert durability["label"] == "耐久性クラス"
    assert durability["value"].startswith(doc["durability"]["class"] + "（")
    # every line the command line prints, but the first (the summary) and blank ones
    text = api.assessment_text(api.product_assessment(EXAMPLE), "ja").splitlines()
    assert doc["readable"]["summary"] == text[0]
    assert len(lines) == sum(1 for line in text[1:] if line.strip())


@pytest.mark.parametrize(
    ("path", "body", "field", "named"),
    [
        # the model words its check for the command line (--country): named as the field here
        ("minerals-stress", {"country": "XX"}, "country", "country 'XX'"),
        # too few chargers for the load: the queue grows without end
        ("service-area", {"arrivals_per_hour": 240, "chargers": 2}, "chargers", "2 chargers"),
    ],
)
def test_calculator_errors_name_the_field_not_a_command_line_option(
    sqlite_client: TestClient, path: str, body: dict[str, object], field: str, named: str
) -> None:
    e = error(sqlite_client.post(f"/api/calculators/{path}", json=body), 422)
    assert e["field"] == field and named in e["message"] and "--" not in e["message"], e


def test_a_bad_product_file_is_a_422_naming_the_file(sqlite_client: TestClient) -> None:
    response = sqlite_client.post(
        "/api/calculators/product",
        content=b'{"product": "x"}',
        headers={"content-type": "application/json"},
    )
    assert error(response, 422)["field"] == "file"
