"""The slider's requests run only what they need (issue 16: "evaluate only the outputs on
screen, through the declared dataflow"): the simulator asks for the outputs it shows, the
server runs only the model steps those outputs (and the answers) need, and between requests
it runs again only the steps a moved lever reaches. Steps are counted, not timed."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import make_client

from chikuden import api
from chikuden.model import dataflow
from chikuden.web.pages import chart_outputs

# The 12 steps the answers read (docs/answers.md: capacity against 150 GWh, the fund, equal
# footing, carbon, minerals, charging, stationary, workforce) and what they read in turn, from
# the steps' declarations (@dataflow.step in src/chikuden/model): market -> capacity ->
# finance.*, minerals.*, vehicles -> charging; carbon; stationary; workforce.
SCREEN_STEPS = {
    *("market", "capacity", "carbon", "finance.capital", "finance.fund", "finance.plant"),
    *("minerals.cost", "minerals", "vehicles", "charging", "stationary", "workforce"),
}
ALL_STEPS = 29  # every @dataflow.step of src/chikuden/model
# finance.subsidy_* is read by the steps finance.fund and finance.plant (their declarations);
# no other step of SCREEN_STEPS reads their outputs
SUBSIDY_STEPS = ["finance.fund", "finance.plant"]


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the model steps run, in order."""
    names: list[str] = []
    call = dataflow.Step.__call__

    def counting(self: dataflow.Step, p: object, out: object) -> None:
        names.append(self.name)
        call(self, p, out)  # type: ignore[arg-type]

    monkeypatch.setattr(dataflow.Step, "__call__", counting)
    yield names


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(f"sqlite:///{tmp_path / 'web.sqlite'}") as c:
        yield c


def _page_outputs(client: TestClient) -> list[str]:
    page = client.get("/").text
    found = re.search(r'<script type="application/json" id="sim-data">(.*?)</script>', page, re.S)
    assert found is not None
    data = json.loads(html.unescape(found.group(1)))
    outputs: list[str] = data["outputs"]
    return outputs


def test_the_simulator_asks_for_what_it_shows_and_the_server_runs_only_its_steps(
    fresh: TestClient, ran: list[str]
) -> None:
    outputs = _page_outputs(fresh)
    # the outputs the page's script sends are those its charts and cards read: levers.yaml's
    # four charts (eight series, bars and target lines that are outputs, one of them a card too)
    # and six cards
    assert outputs == chart_outputs() and len(outputs) == 13
    assert all("*" not in key for key in outputs)
    ran.clear()
    body = {"parameters": {"finance.subsidy_base_rate_share": 0.41}, "outputs": outputs}
    assert fresh.post("/api/evaluate", json=body).status_code == 200
    # the page's own render put the scenario in the cache: a new subsidy rate runs only the
    # steps that read it
    assert ran == SUBSIDY_STEPS
    ran.clear()
    with make_client("sqlite:///:memory:") as cold:  # nothing kept: every needed step runs
        assert cold.post("/api/evaluate", json=body).status_code == 200
    assert set(ran) == SCREEN_STEPS and len(ran) == len(SCREEN_STEPS)
    ran.clear()
    with make_client("sqlite:///:memory:") as cold:
        everything = {**body, "outputs": ["*"]}
        assert cold.post("/api/evaluate", json=everything).status_code == 200
    assert len(ran) == len(set(ran)) == ALL_STEPS


def test_a_moved_lever_runs_again_only_the_steps_it_reaches(ran: list[str]) -> None:
    cache = api.Cache(max_entries=256)
    outputs = [*chart_outputs(), *api.answer_outputs()]
    base = api.load_scenario("proposal-2022")
    api.evaluate(base, outputs=outputs, cache=cache)
    assert set(ran) == SCREEN_STEPS
    for value in (0.3, 0.45):
        ran.clear()
        moved = base.with_overrides({"finance.subsidy_base_rate_share": value})
        kept = api.evaluate(moved, outputs=outputs, cache=cache)
        assert ran == SUBSIDY_STEPS
        ran.clear()
        alone = api.evaluate(moved, outputs=outputs)  # no cache: every step runs
        assert set(ran) == SCREEN_STEPS
        # the same numbers, the same keys in the same order, as an evaluation on its own
        assert kept.to_json(0) == alone.to_json(0)
        for group in ("indicators", "series", "rows"):
            mine, theirs = getattr(kept, group), getattr(alone, group)
            assert list(mine) == list(theirs)
            for key in theirs:
                assert np.array_equal(mine[key], theirs[key], equal_nan=True), key
    ran.clear()  # a lever only the charging step reads (its declaration: charging.*)
    moved = base.with_overrides({"charging.fast_power_kw": 150.0})
    api.evaluate(moved, outputs=outputs, cache=cache)
    assert ran == ["charging"]
    ran.clear()  # back to a state seen before: nothing runs
    seen = base.with_overrides({"finance.subsidy_base_rate_share": 0.3})
    api.evaluate(seen, outputs=outputs, cache=cache)
    assert ran == []
