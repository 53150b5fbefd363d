"""The model's runs on a Dask distributed cluster: ``chikuden mc``, ``sensitivity`` and ``solve``
with ``--workers N`` (a local cluster of ``N`` processes) or ``--scheduler tcp://host:port`` (a
running cluster; docs/uncertainty.md). One mechanism, :func:`map_chunks`: a job sent once to
every worker, a module-level function of (job, start, stop) mapped over ranges of runs, the
parts yielded in range order; the local loop of each analysis calls the same function on the
same ranges, so the cluster changes where the parts are computed, never what they hold.

Monte Carlo (:mod:`montecarlo`).
A sample's values depend only on the seed, the method, the sample size and its index
(:mod:`chikuden.uncertainty.sampling`), so the chunks of a run are independent: each is
sampled and evaluated on a worker (:func:`chikuden.uncertainty.montecarlo._evaluate_chunk`),
which sends back its mergeable statistics (sparse sketch counts, sums, extremes, target
counts; several chunks a task, :func:`group`), and the client adds them into the run's
statistics in place, in chunk order. The result is bit-identical to the local run: the counts
are integers, the extremes are exact, and the sums are added in the same order as the local
loop adds them.

The job (scenario, sampler and the asked outputs) is sent to every worker once
(``Client.scatter(..., broadcast=True)``); a Latin hypercube's permutations go with it.

Sensitivity (:mod:`sensitivity`): the job is the design's parameter values (every run) and the
model; a part is the asked indicators of runs ``start .. stop-1``, written into place.
Goal seeking (:mod:`goalseek`, ``solve --mc``): the job is the sampler and the target; a part
is the solutions of samples ``start .. stop-1``, concatenated in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from chikuden.errors import ParameterError

Job = TypeVar("Job")
Part = TypeVar("Part")

CONNECT_TIMEOUT = 10
"""Seconds to wait for a scheduler given by ``--scheduler`` before giving up."""
SPAWN_ENVIRON = "distributed.nanny.pre-spawn-environ"
MAX_WORKERS = 256
"""Most workers of a local cluster (``--workers``): one process each."""
CHUNKS_PER_WORKER = 4
"""The rule for sensitivity and solve on a cluster: at least this many chunks per worker
(:func:`chunk_for`). A run of 10,000 solves in the one chunk of 10,000 that suits a single
process keeps one worker busy and the other idle; in 8 chunks on 2 workers, both work, and when
chunks take unequal times the workers still end within about a quarter of one's share. Their
results do not depend on the chunk (a batch gives each run what it gives alone). Monte Carlo
keeps its ``--chunk``: the last bit of its means depends on it (docs/uncertainty.md)."""


QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings of the local cluster ``--workers`` starts (the defaults: the profiler on,
sampling each worker's stack every 10 ms; event-loop ticks every 20 ms; system monitors every
500 ms; the nannies' memory checks every 100 ms). Those monitors serve a dashboard we do not
start. Measured on this machine, 2 workers idle for 10 s: the client process (which for a
local cluster holds the scheduler and the nannies too) took 37 ms of CPU a second and each
worker 25-28, against 6 and 2-3 with these; 200,000 Monte Carlo samples took 1.6-1.7 s of CPU
on each worker and 0.5-0.7 s on the client, against 1.2-1.4 s and 0.2 s. On two cores the
client's CPU is taken from the workers, so the 2-worker speedup depends on it. Memory limits
are still enforced, checked every second."""


@contextmanager
def client_for(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A ``dask.distributed.Client``: on a new local cluster of ``workers`` processes (one
    thread each), or connected to ``scheduler``; ``None`` when neither is given. Bad input (both
    given, a worker count out of range, an unreachable scheduler) raises
    :class:`ParameterError` with one line."""
    if workers is not None and scheduler is not None:
        raise ParameterError("--workers and --scheduler: give one of them, not both")
    if workers is None and scheduler is None:
        yield None
        return
    import logging

    # The cluster's own log lines (worker start and stop) are not chikuden's output.
    log = logging.getLogger("distributed")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with _client(workers, scheduler) as client:
            yield client
    finally:
        log.setLevel(level)


@contextmanager
def _client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if workers is not None:
        if not 1 <= workers <= MAX_WORKERS:
            raise ParameterError(
                f"--workers {workers}: give a whole number from 1 to {MAX_WORKERS}"
            )
        import dask

        # Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's
        # adaptive mmap threshold: every large numpy array is then mapped and unmapped anew,
        # and the model runs at about half its speed (2.9 s against 5.2 s for 200,000 samples
        # in one process). Keep glibc's default for the workers we start.
        with (
            dask.config.set({f"{SPAWN_ENVIRON}.MALLOC_TRIM_THRESHOLD_": None, **QUIET}),
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never a clash with another run
            ) as cluster,
            Client(cluster) as client,  # type: ignore[no-untyped-call]
        ):
            yield client
        return
    assert scheduler is not None
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
    except ValueError:
        raise ParameterError(
            f"--scheduler {scheduler}: not the address of a Dask scheduler; give "
            "tcp://host:port (8786 is Dask's usual port)"
        ) from None
    except (OSError, TimeoutError) as e:
        raise ParameterError(
            f"--scheduler {scheduler}: no Dask scheduler answered within {CONNECT_TIMEOUT} s "
            f"({type(e).__name__}); check the address (tcp://host:port) and that the "
            "scheduler is running"
        ) from None
    try:
        check_workers(client, scheduler)
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]


def fingerprint() -> str:
    """chikuden's version and a digest of the files that make its numbers: every ``.py`` file
    of the package and every file under ``data/`` (what a wheel of it installs too)."""
    import hashlib
    from pathlib import Path

    import chikuden

    root = Path(chikuden.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        if path.suffix == ".py" or path.relative_to(root).parts[0] == "data":
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{chikuden.__version__}+{digest.hexdigest()[:12]}"


def check_workers(client: Any, scheduler: str, mine: str | None = None) -> None:
    """Refuse (one line) a cluster whose workers do not run this chikuden (``mine``: this
    process's :func:`fingerprint`): other code or data would give other numbers, silently.
    Only the workers connected now are asked."""
    mine = fingerprint() if mine is None else mine
    try:
        theirs: dict[str, str] = client.run(fingerprint)
    except Exception as e:  # a worker without chikuden cannot even unpickle the function
        raise ParameterError(
            f"--scheduler {scheduler}: its workers cannot run chikuden ({type(e).__name__}: "
            f"{str(e)[:80]}); install the same chikuden ({mine}) on every worker "
            "(docs/uncertainty.md#on-several-machines)"
        ) from None
    other = sorted(f"{w} has {fp}" for w, fp in theirs.items() if fp != mine)
    if other:
        raise ParameterError(
            f"--scheduler {scheduler}: {len(other)} of {len(theirs)} workers run another "
            f"chikuden than this one ({mine}; {other[0]}); install the same chikuden on every "
            "worker (docs/uncertainty.md#on-several-machines)"
        )


def chunk_for(client: Any, total: int, chunk: int) -> int:
    """``chunk``, or less so that ``total`` runs make at least :data:`CHUNKS_PER_WORKER`
    chunks per worker of the client's cluster (the workers connected now; at least 1)."""
    workers = max(1, len(client.scheduler_info()["workers"]))
    return max(1, min(chunk, -(-total // (CHUNKS_PER_WORKER * workers))))


TASK_SAMPLES = 16_384
"""Monte Carlo on a cluster: about this many samples a task (:func:`group`; four chunks of
``montecarlo.CHUNK``, about a second of work). A task evaluates its chunks one by one and
sends back their statistics combined (sparse counts, each chunk's sums apart), so the client
receives and adds a quarter as many parts as chunks, and the scheduler plans a quarter as many
tasks; the numbers are those of the chunks merged one by one."""


def group(client: Any, ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Consecutive ``ranges`` (chunks of equal size, the last one maybe shorter) joined into
    tasks of about :data:`TASK_SAMPLES` runs, but at least :data:`CHUNKS_PER_WORKER` tasks per
    worker of the client's cluster (the workers connected now) when there are chunks enough."""
    if not ranges:
        return []
    workers = max(1, len(client.scheduler_info()["workers"]))
    size = ranges[0][1] - ranges[0][0]
    per = max(1, min(TASK_SAMPLES // size, -(-len(ranges) // (CHUNKS_PER_WORKER * workers))))
    return [
        (ranges[i][0], ranges[min(i + per, len(ranges)) - 1][1]) for i in range(0, len(ranges), per)
    ]


def map_chunks(
    client: Any,
    evaluate: Callable[[Job, int, int], Part],
    job: Job,
    ranges: Sequence[tuple[int, int]],
) -> Iterator[Part]:
    """``evaluate(job, start, stop)`` for each range on the cluster (a module-level function,
    sent by name); yield the parts in range order."""
    # hash=False: a fresh key, not one Dask derives by hashing the whole job (the scenario,
    # and a Latin hypercube's permutations or a sensitivity design: up to 240 MB)
    shared = client.scatter(job, broadcast=True, hash=False)
    futures = [client.submit(evaluate, shared, a, b, pure=False) for a, b in ranges]
    try:
        for i, future in enumerate(futures):
            part: Part = future.result()
            futures[i] = None  # released: the worker drops its copy (about 4.6 MB a part)
            yield part
    finally:
        client.cancel([f for f in futures if f is not None])
