"""The model's declared dataflow: every step reads and writes exactly what it declares, the
order and the errors follow from the declarations, and ``evaluate(outputs=...)`` runs only what
the asked outputs need (chikuden.model.dataflow, chikuden.model.system)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.perturbation import output_dependencies
from tests.recording import RecordingOutputs, RecordingParams

import chikuden
from chikuden.answers import parameters as answer_parameters
from chikuden.errors import ParameterError
from chikuden.indicators import outputs
from chikuden.model import dataflow, system
from chikuden.model.outputs import Outputs
from chikuden.parameters.declarations import declarations
from chikuden.parameters.params import Params

SCENARIOS = ("proposal-2022", "meti-strategy-2022", "actual-2025")


def _record(p: Params) -> dict[str, tuple[set[str], set[str], set[str]]]:
    """Step name -> (parameters read, outputs of other steps read, outputs written)."""
    rp = RecordingParams(p)
    out = RecordingOutputs(Outputs())
    seen: dict[str, tuple[set[str], set[str], set[str]]] = {}
    for node in system.graph().nodes:
        log = out.start()
        rp.read = set()
        node.step(rp, out)
        for key in out.series.pending():  # a deferred group reads when computed
            out.series[key]
        seen[node.name] = (set(rp.read), log.read - log.written, set(log.written))
    return seen


@pytest.fixture(scope="module")
def recorded() -> list[dict[str, tuple[set[str], set[str], set[str]]]]:
    runs = [_record(Params.from_scenarios([chikuden.load_scenario(s)])) for s in SCENARIOS]
    # a batch large enough for the steps that defer their series (minerals: 1,024 scenarios)
    base = chikuden.load_scenario("proposal-2022")
    shares = np.linspace(0.1, 0.3, 1100)
    runs.append(_record(Params.from_samples(base, {"targets.japan_share_2030": shares})))
    return runs


@pytest.mark.parametrize("name", [n.name for n in system.graph().nodes])
def test_each_step_reads_and_writes_exactly_what_it_declares(
    name: str, recorded: list[dict[str, tuple[set[str], set[str], set[str]]]]
) -> None:
    node = system.graph().node(name)
    params = set().union(*(r[name][0] for r in recorded))
    reads = set().union(*(r[name][1] for r in recorded))
    assert sorted(params - set(node.params)) == [], "parameters read but not declared"
    assert sorted(set(node.params) - params) == [], "parameters declared but never read"
    assert sorted(reads - set(node.reads)) == [], "outputs read but not declared"
    assert sorted(set(node.reads) - reads) == [], "outputs declared as read but never read"
    for run in recorded:  # every run writes the same, exactly the declared outputs
        assert sorted(run[name][2] ^ set(node.writes)) == []


def test_every_declared_output_and_parameter_has_its_place() -> None:
    g = system.graph()
    assert set(g.writer) == set(outputs())
    read = {name for node in g.nodes for name in node.params}
    # no parameter nobody reads; the answers' thresholds are read by chikuden.answers, a face
    faces = set(answer_parameters())
    assert [n for n in declarations() if n not in read and n not in faces] == []


def test_the_order_puts_every_writer_before_its_readers() -> None:
    g = system.graph()
    position = {node.name: i for i, node in enumerate(g.nodes)}
    for node in g.nodes:
        for key in node.reads:
            assert position[g.writer[key].name] < position[node.name], (node.name, key)


def _step(
    name: str, params: tuple[str, ...], reads: tuple[str, ...], writes: tuple[str, ...]
) -> dataflow.Step:
    def func(p: Params, out: Outputs) -> None:
        return None

    func.__module__ = f"chikuden.model.{name}"
    func.__name__ = "step"
    return dataflow.Step(func, params, reads, writes)


PARAMS = ["a.x", "a.y", "b.x", "c.x"]
OUTS = ["a.one", "a.two", "b.one", "c.one"]


def test_order_and_dependencies_of_a_small_graph() -> None:
    # c reads b, b reads a: the order is a, b, c whatever order the steps come in; c.one
    # depends on the parameters of all three, a.two only on a's.
    g = dataflow.build(
        [
            _step("c", ("c.x",), ("b.one",), ("c.one",)),
            _step("b", ("b.x",), ("a.one",), ("b.one",)),
            _step("a", ("a.*",), (), ("a.*",)),
        ],
        PARAMS,
        OUTS,
    )
    assert [n.name for n in g.nodes] == ["a", "b", "c"]
    assert g.parameters["c.one"] == ("a.x", "a.y", "b.x", "c.x")
    assert g.parameters["a.two"] == ("a.x", "a.y")
    assert [n.name for n in g.plan(["b.one"])] == ["a", "b"]
    assert [n.name for n in g.plan(g.outputs(["a.*"]))] == ["a"]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (  # a cycle: a reads b, b reads a
            [
                _step("a", ("a.*",), ("b.one",), ("a.*",)),
                _step("b", ("b.x",), ("a.one",), ("b.one",)),
                _step("c", ("c.x",), (), ("c.one",)),
            ],
            "cycle: 'a' -> 'b' -> 'a'",
        ),
        (  # a read of an output nobody declares
            [_step("a", ("a.*",), ("z.one",), ("a.*", "b.one", "c.one"))],
            "output 'z.one' matches no declared output",
        ),
        (  # two writers
            [
                _step("a", ("a.*",), (), ("a.*", "b.one")),
                _step("b", ("b.x", "c.x"), (), ("b.one", "c.one")),
            ],
            "'b.one' is written by two steps",
        ),
        (  # an output written by nobody
            [_step("a", ("a.*", "b.x", "c.x"), (), ("a.*",))],
            "written by no step: b.one, c.one",
        ),
        (  # a parameter pattern that matches nothing
            [_step("a", ("q.*",), (), ("a.*", "b.one", "c.one"))],
            "parameter 'q.*' matches no declared parameter",
        ),
    ],
)
def test_invalid_declarations_name_what_is_wrong(steps: list[dataflow.Step], message: str) -> None:
    with pytest.raises(dataflow.DataflowError, match=message.replace("(", r"\(")):
        dataflow.build(steps, PARAMS, OUTS)


# -- ask for what you need ---------------------------------------------------------------------
def test_asked_outputs_equal_the_full_evaluation_and_nothing_else() -> None:
    scenario = chikuden.load_scenario("meti-strategy-2022")
    full = chikuden.evaluate(scenario)
    some = chikuden.evaluate(scenario, outputs=["finance.fund_balance", "capacity.*"])
    asked = {"finance.fund_balance"} | {k for k in outputs() if k.startswith("capacity.")}
    got = set(some.indicators) | set(some.series) | set(some.rows)
    assert got == asked
    for key in some.indicators:
        np.testing.assert_array_equal(some.indicators[key], full.indicators[key])
    for key in some.series:
        np.testing.assert_array_equal(some.series[key], full.series[key])


def test_only_the_steps_an_output_needs_run(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def spy(self: dataflow.Step, p: Params, out: Outputs) -> None:
        ran.append(self.name)
        self.func(p, out)

    monkeypatch.setattr(dataflow.Step, "__call__", spy)
    chikuden.evaluate(chikuden.load_scenario("proposal-2022"), outputs=["finance.fund_balance"])
    # the fund (finance.fund) reads the capacity gap (capacity, which reads market's targets)
    # and the capital need (finance.capital); nothing else is needed: not minerals, whose
    # material cost only the plant economics (finance.plant) read
    assert ran == ["market", "capacity", "finance.capital", "finance.fund"]


def test_an_unknown_output_is_refused_with_a_hint() -> None:
    scenario = chikuden.load_scenario("proposal-2022")
    with pytest.raises(ParameterError, match=r"'finance\.fund_balanse'.*did you mean"):
        chikuden.evaluate(scenario, outputs=["finance.fund_balanse"])
    with pytest.raises(ParameterError, match=r"'nothing\.\*'"):
        chikuden.evaluate(scenario, outputs=["nothing.*"])


# -- provenance from the graph -----------------------------------------------------------------
@pytest.mark.parametrize("name", SCENARIOS)
def test_the_graph_names_every_parameter_a_nudge_shows_an_output_depends_on(name: str) -> None:
    # The perturbation oracle (tests/perturbation.py) finds, numerically, the parameters that
    # move each output; the declared graph must list each of them behind that output.
    found = output_dependencies(chikuden.load_scenario(name))
    declared = system.graph().parameters
    missing = {
        key: sorted(set(params) - set(declared[key]))
        for key, params in found.items()
        if set(params) - set(declared[key])
    }
    assert missing == {}
