"""Background runs of the uncertainty analyses for the web server (``/uncertainty``,
``/api/uncertainty/runs``).

A run is :func:`chikuden.report.uncertainty.analyse` of one scenario with a sample size and a
seed, the function ``chikuden run --uncertainty`` calls, so the same scenario, ``-n`` and
``--seed`` give the same numbers. Runs go one at a time in one daemon thread (a 2-core server
also answers the pages); at most ``max_queued`` wait (a 429 beyond). A run's id is a digest of
what decides its numbers (the scenario's name, the parameter values the page or the request
sets, the sample size and the seed), so asking again for a run that is queued, under way or
done gives that run; the ``kept_results`` most recently used results are kept in memory, an
older one is computed again when asked. Nothing is written to disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chikuden.errors import N_, ChikudenError, Msg, localized
from chikuden.web.errors import ApiError

if TYPE_CHECKING:
    from chikuden.parameters.scenario import Scenario

LOG = logging.getLogger(__name__)
STATUSES = ("queued", "running", "done", "failed")
PHASES = ("waiting", "montecarlo", "rest", "finished")
"""What a run is doing: waiting its turn, sampling (``done`` of ``total`` samples), the
sensitivity design, the what-it-takes solves and the fund's allocation (``rest``: no count),
finished."""


def run_id(scenario: str, values: dict[str, Any], samples: int, seed: int) -> str:
    """The id of a run: what decides its numbers, digested (24 hex digits)."""
    doc = {
        "scenario": scenario,
        "values": {k: _plain(v) for k, v in sorted(values.items())},
        "samples": samples,
        "seed": seed,
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _plain(value: Any) -> Any:
    """A parameter value as JSON: a number or a list of numbers (a yearly path)."""
    import numpy as np

    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else [float(v) for v in array.ravel()]


@dataclass
class Run:
    """One run of the analyses and where it stands."""

    id: str
    scenario: Scenario
    values: dict[str, Any]
    samples: int
    seed: int
    status: str = "queued"
    phase: str = "waiting"
    done: int = 0
    error: str | Msg = ""  # why it failed, read in the language of whoever asks
    result: dict[str, Any] | None = None
    page: str = ""  # the address of the page that shows it (set by the API)
    queued_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        """Where the run stands (``GET /api/uncertainty/runs/{id}``), without its result;
        ``error`` in ``lang``."""
        return {
            "id": self.id,
            "scenario": self.scenario.name,
            "samples": self.samples,
            "seed": self.seed,
            "status": self.status,
            "phase": self.phase,
            "done": self.done,
            "total": self.samples,
            "error": localized(self.error, lang) or None,
        }


class Runs:
    """The server's runs: a queue worked by one daemon thread and the results kept."""

    def __init__(self, max_queued: int, kept: int) -> None:
        if max_queued < 1 or kept < 1:
            raise ValueError(f"max_queued = {max_queued}, kept = {kept}: give 1 or more")
        self.max_queued = max_queued
        self.kept = kept
        self._lock = threading.Lock()
        self._runs: OrderedDict[str, Run] = OrderedDict()
        self._queue: queue.Queue[Run] = queue.Queue()
        self._worker: threading.Thread | None = None

    def get(self, rid: str) -> Run | None:
        with self._lock:
            found = self._runs.get(rid)
            if found is not None:
                self._runs.move_to_end(rid)
            return found

    def submit(self, scenario: Scenario, values: dict[str, Any], samples: int, seed: int) -> Run:
        """The run of these inputs: the one already known (queued, running or done), else a
        new one queued; a failed one is queued again. A full queue: a 429."""
        rid = run_id(scenario.name, values, samples, seed)
        with self._lock:
            known = self._runs.get(rid)
            if known is not None and known.status != "failed":
                self._runs.move_to_end(rid)
                return known
            waiting = sum(1 for r in self._runs.values() if r.status == "queued")
            if waiting >= self.max_queued:
                raise ApiError(
                    429,
                    N_(
                        "{n} runs are waiting already (at most {most}); try again in a few seconds",
                        n=waiting,
                        most=self.max_queued,
                    ),
                    None,
                    None,
                    f"at most {self.max_queued} runs waiting",
                )
            run = Run(rid, scenario, dict(values), samples, seed)
            self._runs[rid] = run
            self._evict()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._work, name="chikuden-uncertainty", daemon=True
                )
                self._worker.start()
        self._queue.put(run)
        return run

    def _evict(self) -> None:
        """Drop the least recently used finished runs beyond ``kept`` (under the lock)."""
        finished = [r.id for r in self._runs.values() if r.status in ("done", "failed")]
        for rid in finished[: max(0, len(finished) - self.kept)]:
            del self._runs[rid]

    def _work(self) -> None:
        while True:
            run = self._queue.get()
            try:
                self._one(run)
            finally:
                self._queue.task_done()

    def _one(self, run: Run) -> None:
        import chikuden
        from chikuden.report.uncertainty import analyse

        run.status, run.phase = "running", "montecarlo"

        def progress(k: int) -> None:
            run.done = min(run.samples, run.done + k)
            if run.done >= run.samples:
                run.phase = "rest"

        try:
            results = chikuden.evaluate(run.scenario)
            doc = analyse(run.scenario, results, run.samples, run.seed, progress=progress)
        except ChikudenError as exc:  # a scenario the analyses refuse: said, not raised
            run.error = exc.msg or str(exc)
            run.status = "failed"
        except Exception as exc:  # a fault of chikuden: logged, the run says it failed
            LOG.exception("uncertainty run %s failed", run.id)
            run.error = N_(
                "the analysis failed ({kind}); see the server's log", kind=type(exc).__name__
            )
            run.status = "failed"
        else:
            run.result = doc
            run.done = run.samples
            run.status = "done"
        run.phase = "finished"
        run.finished_at = time.time()
        with self._lock:
            self._evict()

    def wait(self, rid: str, timeout: float = 60.0) -> Run:
        """Block until run ``rid`` has finished (for tests and scripts); its final state."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(rid)
            if run is None:
                raise KeyError(rid)
            if run.status in ("done", "failed"):
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {rid} still {run.status} after {timeout:g} s")
            time.sleep(0.02)


__all__ = ["PHASES", "STATUSES", "Run", "Runs", "run_id"]
