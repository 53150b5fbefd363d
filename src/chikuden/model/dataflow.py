"""The model's dataflow: steps that declare what they read and write, and the graph they form.

Each domain module declares its step next to it::

    @dataflow.step(
        params=("minerals.*", "market.stationary_share"),        # parameters it reads
        reads=("capacity.domestic_production_gwh",),              # outputs of other steps
        writes=("minerals.*",),                                   # outputs it writes
    )
    def step(p: Params, out: Outputs) -> None: ...

Names may be glob patterns (``fnmatch``), and ``!pattern`` removes names a pattern before it
chose: a parameter pattern stands for every declared parameter it matches
(``chikuden.parameters.declarations``), an output pattern for every declared output
(``chikuden.indicators``, the indicator YAML files). A declaration is exact:
``tests/test_dataflow.py`` runs every step under a recording ``Params``/``Outputs`` and checks
that it reads exactly the parameters and outputs it declares and writes exactly its outputs.

:func:`build` turns the steps into a :class:`Graph`: each declared output written by exactly one
step, every read written by some step, no cycle (each an error naming what is wrong), an order
of evaluation derived from the reads (a topological sort; among steps that could run next, the
one whose name sorts first), and for every output the parameters it depends on (the parameters
of the step that writes it and, through its reads, of every step before it).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chikuden.model.outputs import Outputs
from chikuden.parameters.params import Params

_T = TypeVar("_T")
_MEMO = 256
"""Most sets of names a graph remembers the outputs and plan of."""


class DataflowError(RuntimeError):
    """The steps' declarations do not form a valid dataflow (a bug in the model, not input)."""


@dataclass(frozen=True)
class Step:
    """A model step with its declaration (patterns as written; :class:`Graph` expands them)."""

    func: Callable[[Params, Outputs], None]
    params: tuple[str, ...]
    reads: tuple[str, ...]
    writes: tuple[str, ...]

    @property
    def name(self) -> str:
        """The module path below ``chikuden.model`` (``minerals``), followed by the function's
        name when it is not ``step`` (``finance.fund``: a domain with several steps)."""
        module = self.func.__module__
        prefix = "chikuden.model."
        name = module[len(prefix) :] if module.startswith(prefix) else module
        return name if self.func.__name__ == "step" else f"{name}.{self.func.__name__}"

    @property
    def domain(self) -> str:
        """The domain the step belongs to (``finance`` for ``finance.fund``)."""
        return self.name.split(".", 1)[0]

    def __call__(self, p: Params, out: Outputs) -> None:
        self.func(p, out)


def step(
    *, params: Sequence[str], reads: Sequence[str] = (), writes: Sequence[str]
) -> Callable[[Callable[[Params, Outputs], None]], Step]:
    """Declare a model step: the parameters and other steps' outputs it reads, what it writes."""

    def declare(func: Callable[[Params, Outputs], None]) -> Step:
        return Step(func, tuple(params), tuple(reads), tuple(writes))

    return declare


def expand(patterns: Iterable[str], names: Sequence[str], what: str, owner: str) -> tuple[str, ...]:
    """The ``names`` matched by ``patterns``, in the order of ``names``.

    A pattern starting with ``!`` removes what it matches from what the patterns before it
    chose (``("minerals.*", "!minerals.price_*")``). A pattern matching nothing is an error
    naming it.
    """
    chosen: set[str] = set()
    for pattern in patterns:
        drop = pattern.startswith("!")
        bare = pattern[1:] if drop else pattern
        found = fnmatch.filter(names, bare) if _is_glob(bare) else [bare]
        if not found or found[0] not in names:
            raise DataflowError(f"step {owner!r}: {what} {pattern!r} matches no declared {what}")
        if drop:
            chosen.difference_update(found)
        else:
            chosen.update(found)
    return tuple(n for n in names if n in chosen)


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


@dataclass(frozen=True)
class Node:
    """A step with its declaration expanded to names."""

    step: Step
    params: tuple[str, ...]
    reads: tuple[str, ...]
    writes: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.step.name


@dataclass(frozen=True)
class Graph:
    """Steps in order of evaluation, who writes each output, what each output depends on."""

    nodes: tuple[Node, ...]  # in order of evaluation
    writer: Mapping[str, Node]  # output key -> the node that writes it
    parameters: Mapping[str, tuple[str, ...]]  # output key -> parameters it depends on
    upstream: Mapping[str, tuple[str, ...]] = field(repr=False)  # node -> nodes it needs
    # outputs() and plan() of the sets of names asked before (a Monte Carlo run asks the same
    # few hundred keys for every chunk); neither depends on the order of the names
    _memo: dict[tuple[str, frozenset[str]], tuple[Any, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def outputs(self, patterns: Iterable[str]) -> tuple[str, ...]:
        """The output keys matched by ``patterns`` (keys or globs), in declaration order.

        A pattern that matches nothing raises ``KeyError`` with the pattern.
        """
        asked = frozenset(patterns)
        memo = self._memo.get(("outputs", asked))
        if memo is not None:
            return memo
        keys = list(self.writer)
        chosen: set[str] = set()
        for pattern in patterns:
            found = fnmatch.filter(keys, pattern) if _is_glob(pattern) else [pattern]
            if not found or found[0] not in self.writer:
                raise KeyError(pattern)
            chosen.update(found)
        return self._remember("outputs", asked, tuple(k for k in keys if k in chosen))

    def plan(self, keys: Iterable[str] | None = None) -> tuple[Node, ...]:
        """The nodes to run, in order, to compute ``keys`` (every node when ``None``)."""
        if keys is None:
            return self.nodes
        asked = frozenset(keys)
        memo = self._memo.get(("plan", asked))
        if memo is not None:
            return memo
        needed: set[str] = set()
        for key in asked:
            writer = self.writer[key].name
            needed.add(writer)
            needed.update(self.upstream[writer])
        return self._remember("plan", asked, tuple(n for n in self.nodes if n.name in needed))

    def behind(self, name: str) -> tuple[str, ...]:
        """The parameters the outputs of step ``name`` depend on (its own and, through its
        reads, those of every step before it): what its outputs are a function of, sorted."""
        asked = frozenset((name,))
        memo = self._memo.get(("behind", asked))
        if memo is not None:
            return memo
        found: set[str] = set()
        for key in self.node(name).writes:
            found.update(self.parameters[key])
        return self._remember("behind", asked, tuple(sorted(found)))

    def _remember(self, kind: str, asked: frozenset[str], answer: tuple[_T, ...]) -> tuple[_T, ...]:
        if len(self._memo) >= _MEMO:
            self._memo.clear()
        self._memo[(kind, asked)] = answer
        return answer


def build(steps: Iterable[Step], parameters: Sequence[str], outputs: Sequence[str]) -> Graph:
    """The graph of ``steps`` over the declared ``parameters`` and ``outputs`` (names in order).

    Raises :class:`DataflowError` naming the steps and keys when an output is written by two
    steps or by none, a step reads an output no step writes, or the reads form a cycle.
    """
    nodes: dict[str, Node] = {}
    for s in steps:
        if s.name in nodes:
            raise DataflowError(f"two steps named {s.name!r}; give each its own function")
        nodes[s.name] = Node(
            s,
            expand(s.params, parameters, "parameter", s.name),
            expand(s.reads, outputs, "output", s.name),
            expand(s.writes, outputs, "output", s.name),
        )
    writer: dict[str, Node] = {}
    for node in nodes.values():
        for key in node.writes:
            if key in writer:
                raise DataflowError(
                    f"output {key!r} is written by two steps: {writer[key].name!r} and "
                    f"{node.name!r}; narrow one step's writes"
                )
            writer[key] = node
    unwritten = [k for k in outputs if k not in writer]
    if unwritten:
        raise DataflowError(
            f"outputs declared but written by no step: {', '.join(unwritten[:10])}"
            + (f" (and {len(unwritten) - 10} more)" if len(unwritten) > 10 else "")
        )
    needs = {
        name: sorted({writer[k].name for k in node.reads} - {name}) for name, node in nodes.items()
    }
    for name, node in nodes.items():
        own = [k for k in node.reads if writer[k].name == name]
        if own:
            raise DataflowError(f"step {name!r} reads its own outputs: {', '.join(own)}")
    order = _topological(needs)
    upstream: dict[str, tuple[str, ...]] = {}
    for name in order:
        seen = set(needs[name])
        for before in needs[name]:
            seen.update(upstream[before])
        upstream[name] = tuple(n for n in order if n in seen)
    ordered = tuple(nodes[n] for n in order)
    return Graph(ordered, writer, _parameters(ordered, writer, parameters), upstream)


def _topological(needs: Mapping[str, Sequence[str]]) -> list[str]:
    """Kahn's algorithm; among the steps ready to run, the first by name. A cycle is an error."""
    waiting = {name: set(before) for name, before in needs.items()}
    order: list[str] = []
    while waiting:
        ready = sorted(name for name, before in waiting.items() if not before)
        if not ready:
            raise DataflowError(f"the steps' reads form a cycle: {_cycle(waiting)}")
        first = ready[0]
        order.append(first)
        del waiting[first]
        for before in waiting.values():
            before.discard(first)
    return order


def _cycle(waiting: Mapping[str, set[str]]) -> str:
    """One cycle among ``waiting`` (every one of them waits for another), as ``a -> b -> a``."""
    path = [min(waiting)]
    while True:
        nxt = min(waiting[path[-1]])
        if nxt in path:
            loop = [*path[path.index(nxt) :], nxt]
            return " -> ".join(f"{n!r}" for n in loop) + " (each reads an output of the next)"
        path.append(nxt)


def _parameters(
    nodes: Sequence[Node], writer: Mapping[str, Node], parameters: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """Output key -> the parameters it depends on, in declaration order.

    An output depends on the parameters of the step that writes it and on those of every output
    that step reads (recursively): at the granularity of a step, what its computation may read.
    """
    rank = {name: i for i, name in enumerate(parameters)}
    by_node: dict[str, set[str]] = {}
    for node in nodes:  # in order: a node's reads are written by nodes already done
        behind = set(node.params)
        for key in node.reads:
            behind |= by_node[writer[key].name]
        by_node[node.name] = behind
    return {
        key: tuple(sorted(by_node[node.name], key=rank.__getitem__)) for key, node in writer.items()
    }
