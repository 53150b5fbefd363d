"""The outputs container: deferred series are computed once, on the first read."""

from __future__ import annotations

import numpy as np
import pytest

from chikuden.model.outputs import Outputs


def test_deferred_group_runs_once_on_first_read() -> None:
    calls: list[int] = []

    def make() -> dict[str, np.ndarray]:
        calls.append(1)
        return {"d.a": np.ones((2, 3)), "d.b": np.arange(3.0)}

    out = Outputs()
    out.serie("x.direct", np.zeros(3))
    out.series.defer(["d.a", "d.b"], make)
    # keys, membership and length compute nothing
    assert list(out.series) == ["x.direct", "d.a", "d.b"]
    assert "d.a" in out.series and len(out.series) == 3
    assert out.series.pending() == ("d.a", "d.b") and not calls
    assert out.series["d.b"].shape == (1, 3)  # a 1-d result is one shared scenario
    assert out.series["d.a"].shape == (2, 3)
    assert calls == [1] and out.series.pending() == ()
    assert {**out.series}.keys() == {"x.direct", "d.a", "d.b"}
    assert calls == [1]


def test_a_series_written_after_deferral_is_kept() -> None:
    out = Outputs()
    out.series.defer(["d.a", "d.b"], lambda: {"d.a": np.ones(2), "d.b": np.ones(2)})
    out.serie("d.a", np.full(2, 5.0))
    assert out.series["d.b"][0, 0] == 1.0
    assert out.series["d.a"][0, 0] == 5.0


def test_a_group_that_misses_a_key_is_an_error() -> None:
    out = Outputs()
    out.series.defer(["d.a", "d.b"], lambda: {"d.a": np.ones(2)})
    with pytest.raises(RuntimeError, match=r"d\.b"):
        out.series["d.a"]
    with pytest.raises(KeyError):
        out.series["nothing"]


def test_deferred_keys_keep_their_place_in_the_order() -> None:
    # keys iterate in the order they were written or deferred, before and after computing
    out = Outputs()
    out.serie("a", np.zeros(2))
    out.series.defer(["d1", "d2"], lambda: {"d1": np.ones(2), "d2": np.ones(2)})
    out.serie("z", np.zeros(2))
    assert list(out.series) == ["a", "d1", "d2", "z"]
    assert list(out.series.keys()) == ["a", "d1", "d2", "z"]
    assert out.series.get("d2") is not None and out.series.get("nothing") is None
    assert list(out.series) == ["a", "d1", "d2", "z"]
    assert [k for k, _ in out.series.items()] == ["a", "d1", "d2", "z"]


def test_deferring_a_key_twice_is_refused() -> None:
    out = Outputs()
    out.serie("a", np.zeros(2))
    with pytest.raises(ValueError, match="already"):
        out.series.defer(["a"], lambda: {"a": np.ones(2)})
