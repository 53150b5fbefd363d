"""The evaluation's cache: explicit, bounded, thread-safe, and the only state kept between runs."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import numpy as np
import pytest

import chikuden
from chikuden.model import system
from chikuden.model.cache import Cache, CacheStats
from chikuden.model.minerals import state
from chikuden.parameters.params import Params

SRC = Path(chikuden.__file__).parent


def test_get_makes_a_value_once_and_keeps_it() -> None:
    cache = Cache(max_entries=2)
    made: list[str] = []

    def make(value: str) -> str:
        made.append(value)
        return value

    assert cache.get("a", lambda: make("A")) == "A"
    assert cache.get("a", lambda: make("other")) == "A"  # kept: make is not called again
    assert made == ["A"]
    assert cache.stats() == CacheStats(hits=1, misses=1, evictions=0, entries=1)


def test_the_least_recently_used_entry_goes_beyond_the_bound() -> None:
    cache = Cache(max_entries=2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: -1)  # a is now the most recently used
    cache.get("c", lambda: 3)  # drops b
    assert len(cache) == 2
    assert cache.get("a", lambda: -1) == 1
    assert cache.get("b", lambda: 20) == 20  # made again
    assert cache.stats() == CacheStats(hits=2, misses=4, evictions=2, entries=2)
    with pytest.raises(ValueError, match="at least 1"):
        Cache(max_entries=0)


def test_threads_share_one_cache_safely() -> None:
    # 8 threads x 2,000 lookups over 20 keys in a cache of 8: every lookup is a hit or a miss,
    # the bound holds and every value returned is the one made for its key
    cache = Cache(max_entries=8)
    wrong: list[tuple[int, int]] = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for key in rng.integers(0, 20, 2_000).tolist():

            def make(key: int = key) -> int:
                return key * 10

            got = cache.get(key, make)
            if got != key * 10:
                wrong.append((key, got))

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = cache.stats()
    assert wrong == []
    assert stats.hits + stats.misses == 8 * 2_000
    assert stats.entries == len(cache) <= 8
    assert stats.misses - stats.evictions == stats.entries


def _one() -> Params:
    return Params.from_scenarios([chikuden.load_scenario("proposal-2022")])


def test_evaluations_given_one_cache_prepare_the_minerals_state_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[int] = []
    prepare = state.prepare

    def counted(p: Params) -> state.Materials:
        made.append(p.n)
        return prepare(p)

    monkeypatch.setattr(state, "prepare", counted)

    cache = Cache(max_entries=256)
    first = system.run(_one(), cache=cache)
    assert first.cache is cache
    assert len(made) == 1
    # a parameter upstream of the minerals step but not of its preparation (the Japanese share
    # moves capacity, which minerals reads): the step runs again, the preparation is found
    share = Params.from_scenarios(
        [chikuden.load_scenario("proposal-2022", {"targets.japan_share_2030": 0.25})]
    )
    before = cache.stats()
    second = system.run(share, cache=cache)
    assert len(made) == 1 and cache.stats().hits > before.hits
    key = "minerals.import_top_share.nickel"
    assert second.indicators[key][0] != first.indicators[key][0]  # the step did run again
    # other minerals values are another key: made anew, the first kept beside it
    longer = Params.from_scenarios(
        [chikuden.load_scenario("proposal-2022", {"minerals.ev_lifetime_years": 25.0})]
    )
    other = system.run(longer, cache=cache)
    assert len(made) == 2
    key = "minerals.recycled_share_2030.cobalt"
    assert other.indicators[key][0] < first.indicators[key][0]


def test_a_step_run_before_on_the_same_values_is_kept() -> None:
    # system.run given a cache keeps each step's outputs by the values of the parameters its
    # outputs depend on (Graph.behind): the same values in a new Params run no step again.
    # The default size holds a whole evaluation (29 steps and the minerals preparation).
    cache = Cache()
    first = system.run(_one(), cache=cache)
    steps = len(system.graph().nodes)
    made = cache.stats()
    assert made.misses == steps + 1  # every step and the minerals preparation
    second = system.run(_one(), cache=cache)
    assert cache.stats().misses == made.misses and cache.stats().hits == made.hits + steps
    for key, value in first.indicators.items():
        np.testing.assert_array_equal(second.indicators[key], value, err_msg=key)
    for key in first.series:
        np.testing.assert_array_equal(second.series[key], first.series[key], err_msg=key)


def test_the_api_passes_a_cache_to_the_evaluation() -> None:
    cache = Cache(max_entries=64)  # room for every step's outputs (29) and the minerals state
    scenario = chikuden.load_scenario("proposal-2022")
    first = chikuden.evaluate(scenario, cache=cache)
    made = cache.stats()
    # each of the 29 steps kept by the values of its parameters, and the minerals preparation
    steps = len(system.graph().nodes)
    assert steps == 29 and made.misses == steps + 1
    second = chikuden.evaluate(scenario, cache=cache)  # the same values: no step runs again
    assert cache.stats().misses == made.misses and cache.stats().hits == made.hits + steps
    key = "finance.plant_irr_with_support"
    assert second.value(key) == first.value(key)


def test_evaluations_without_a_cache_share_nothing() -> None:
    a, b = system.run(_one()), system.run(_one())
    assert a.cache is not b.cache
    for out in (a, b):  # each made its own preparation and found nothing from the other
        assert out.cache.stats() == CacheStats(hits=0, misses=1, evictions=0, entries=1)


def test_a_batch_with_minerals_parameters_per_scenario_keeps_nothing() -> None:
    # the key holds every minerals parameter by value; per-scenario values are not kept
    base = chikuden.load_scenario("proposal-2022")
    p = Params.from_samples(base, {"minerals.ev_lifetime_years": np.array([10.0, 20.0])})
    out = system.run(p)
    assert out.cache.stats().entries == 0


# -- no hidden state in the model and parameters ----------------------------------------------
# Functions cached for the life of the process: each returns a constant of the bundled data
# or of the code (no argument but a parameter name), so nothing a caller does changes it.
CONSTANTS = {
    "model/system.py": {"graph"},  # the dataflow graph, from the steps' declarations
    "model/minerals/__init__.py": {"series_keys"},  # output keys, from the code
    "model/minerals/state.py": {"_input_names"},  # parameter names, from declarations()
    "parameters/declarations.py": {
        *("bundled_table_names", "table_schemas", "declarations"),
        *("parameter_rules", "rule_fields"),  # the rules of rules.yaml over the declarations
        "_default",  # a declaration's default, read from its CSV text when first used
    },
    # arrays of a bundled default (a table's, a scalar's or a path's)
    "parameters/params.py": {"_default_table_arrays", "_default_array"},
    "parameters/scenario.py": {"list_scenarios"},
    "parameters/sources.py": {"grading_hosts", "_entries"},
}
# object.__setattr__ on a frozen object, where the object is being built
BUILDING = {("parameters/declarations.py", "declarations")}  # defaults set while loading
MUTATORS = {
    *("append", "extend", "insert", "pop", "popitem", "remove", "clear", "update"),
    *("setdefault", "add", "discard", "move_to_end", "appendleft"),
}
CONTAINERS = {"dict", "list", "set", "OrderedDict", "defaultdict", "deque", "Counter"}
LITERALS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)


def _module_containers(tree: ast.Module) -> set[str]:
    """Names a module binds at its top level to a mutable container."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        call = isinstance(value, ast.Call) and ast.unparse(value.func).split(".")[-1]
        if isinstance(value, LITERALS) or call in CONTAINERS:
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _hidden_state(path: Path, relative: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    containers = _module_containers(tree)
    found = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for fn in functions:
        for deco in fn.decorator_list:
            text = ast.unparse(deco)
            if "cache" in text and fn.name not in CONSTANTS.get(relative, set()):
                found.append(f"{relative}: @{text} on {fn.name}")
        for node in ast.walk(fn):
            if isinstance(node, ast.Global):
                found.append(f"{relative}:{node.lineno}: global {', '.join(node.names)}")
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "object.__setattr__"
                and (relative, fn.name) not in BUILDING
            ):
                found.append(f"{relative}:{node.lineno}: object.__setattr__ in {fn.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            target = node.value
            if isinstance(target, ast.Name) and target.id in containers:
                found.append(f"{relative}:{node.lineno}: writes into module-level {target.id}")
            if isinstance(target, ast.Attribute) and target.attr == "__dict__":
                found.append(f"{relative}:{node.lineno}: writes into an object's __dict__")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, method = node.func.value, node.func.attr
            if isinstance(owner, ast.Name) and owner.id in containers and method in MUTATORS:
                found.append(f"{relative}:{node.lineno}: {owner.id}.{method}()")
    return found


def test_the_scan_finds_the_kinds_of_hidden_state_it_looks_for(tmp_path: Path) -> None:
    # the caches this branch removed, in miniature: the scan must report each of them
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import functools\n"
        "_KEPT = {}\n"
        "_ORDER: list[int] = []\n"
        "@functools.lru_cache(maxsize=16)\n"
        "def matrix(g): return g\n"
        "def keep(k, v, table):\n"
        "    _KEPT[k] = v\n"
        "    _ORDER.append(k)\n"
        "    table.__dict__['_arrays'] = v\n"
        "    object.__setattr__(table, '_arrays', v)\n",
        encoding="utf-8",
    )
    found = _hidden_state(sample, "model/sample.py")
    assert len(found) == 5, found


def test_no_module_level_state_in_the_model_or_parameters() -> None:
    found = []
    for package in ("model", "parameters"):
        for path in sorted((SRC / package).rglob("*.py")):
            found += _hidden_state(path, path.relative_to(SRC).as_posix())
    assert found == []
    for relative, names in CONSTANTS.items():  # the allowed list names what exists
        text = (SRC / relative).read_text(encoding="utf-8")
        for name in names:
            assert f"def {name}(" in text, (relative, name)
