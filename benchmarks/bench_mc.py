"""``chikuden mc`` at the issue's size (issue 15): 1,000,000 samples of the whole model with the
30 bundled uncertain parameters (data/uncertainty.yaml: every model domain, vehicles and charging
included), statistics (quantile sketch, mean, undefined share) for every indicator.

Target (checked here, never in tests): at most 20 s and 2 GB peak memory on the project's
2-core machine. Each figure below is measured in the same run:

- the run as a user runs it: ``chikuden mc --samples N --outputs <every indicator> --json
  --workers 2`` (a local Dask cluster of :data:`WORKERS` processes, one a core), its wall time
  from start to exit (cluster start, imports and the report included), the CPU time of all its
  processes, and the peak of their summed resident memory (sampled every 0.1 s); and the same
  command on :data:`FIXED` samples, what it costs whatever the number of samples (the three
  processes' imports, the cluster's start, each worker's first chunk, the report);
- the same run in one process: ``montecarlo.run`` in chunks of ``montecarlo.CHUNK`` (the one
  default, also ``chikuden mc``'s), in a fresh child process, whose peak resident memory
  (``ru_maxrss``) is then the run's own (imports and a small warm-up run included);
- the lower bound: merely writing the same output arrays, i.e. allocating and filling, chunk
  by chunk, every array the model's steps write for these outputs (indicators, yearly series,
  per-row values, each of the shape the model gives it), with nothing computed; and the ratio;
- the same samples as 1,000 batches of 1,000 (the run with ``chunk=1,000``), and the ratio;
- single evaluations (``chunk=1``), timed on the first 1,000 samples and extrapolated to
  :data:`N`, and the ratio.

``python benchmarks/bench_mc.py [N]`` runs it at another size (the extrapolations scale).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

from chikuden.uncertainty.montecarlo import CHUNK

N = 1_000_000
WORKERS = 2
FIXED = 2 * WORKERS * CHUNK
"""Samples of the short ``--workers`` run that shows the command's fixed cost (a chunk or two
a worker)."""
BATCH = 1_000
SINGLES = 1_000
SCENARIO = "actual-2025"
TARGET_S = 20.0
TARGET_MB = 2_000.0


def indicators() -> list[str]:
    """Every declared indicator (the issue's "statistics for every indicator")."""
    from chikuden.indicators import outputs

    return [k for k, d in outputs().items() if d.kind == "indicator"]


def _child(samples: int, chunk: int) -> None:
    """Run in a fresh process: warm up, time one run, print its time and the peak RSS."""
    from chikuden.parameters.scenario import load_scenario
    from chikuden.uncertainty import montecarlo

    scenario = load_scenario(SCENARIO)
    keys = indicators()
    montecarlo.run(scenario, 2 * chunk if chunk > 1 else 20, seed=0, outputs=keys, chunk=chunk)
    start, cpu = time.perf_counter(), time.process_time()
    montecarlo.run(scenario, samples, seed=1, outputs=keys, chunk=chunk)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mb": peak_mb}))


def _in_child(samples: int, chunk: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(samples), str(chunk)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _cli(samples: int, workers: int) -> dict[str, float]:
    """``chikuden mc`` on ``workers`` processes, as a user runs it: wall and CPU time of the
    whole command (every process it starts), and the peak of their summed resident memory."""
    import psutil

    cmd = [sys.executable, "-m", "chikuden", "mc", "--scenario", SCENARIO]
    cmd += ["--samples", str(samples), "--seed", "1", "--outputs", ",".join(indicators())]
    cmd += ["--json", "--workers", str(workers)]
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
        root, peak = psutil.Process(proc.pid), 0
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:  # a process ended while being read
                pass
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        if proc.returncode:
            errors.seek(0)
            raise RuntimeError(f"chikuden mc failed: {errors.read().decode()[-2000:]}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process reaped so far
    cpu = children.ru_utime + children.ru_stime
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak / 2**20}


def _write_bound(samples: int) -> tuple[float, str]:
    """Seconds to allocate and fill, chunk by chunk, the arrays the model's steps write for
    every indicator (their shapes from one evaluated chunk), and what those arrays are."""
    from chikuden.model import system
    from chikuden.parameters.params import Params
    from chikuden.parameters.scenario import load_scenario
    from chikuden.uncertainty.distributions import default_spec
    from chikuden.uncertainty.sampling import Sampler

    scenario = load_scenario(SCENARIO)
    drawn = Sampler(default_spec(), CHUNK, 0, "mc").sample(0, CHUNK)
    out = system.run(Params.from_samples(scenario, drawn), indicators())
    series = [dict.__getitem__(out.series, k) for k in list(dict.keys(out.series))]
    written = [*out.indicators.values(), *out.rows.values(), *series]
    shapes = [a.shape for a in written]
    chunks = [min(CHUNK, samples - a) for a in range(0, samples, CHUNK)]
    start = time.perf_counter()
    for n in chunks:
        for shape in shapes:
            np.full((n, *shape[1:]) if shape[0] == CHUNK else shape, 1.0)
    what = (
        f"{len(out.indicators)} indicators, {len(out.rows)} per-row outputs and "
        f"{len(series)} yearly series the steps write, "
        f"{sum(a.nbytes for a in written) / 1e6:,.0f} MB a chunk"
    )
    return time.perf_counter() - start, what


def main(samples: int = N) -> None:
    from chikuden.uncertainty.distributions import default_spec

    spec = default_spec()
    domains = sorted({n.split(".")[0] for n in spec.names})
    print(
        f"{len(spec.names)} uncertain parameters from {len(domains)} domains "
        f"({', '.join(domains)}); statistics for {len(indicators())} indicators; "
        f"scenario {SCENARIO}"
    )
    print(f"load average before the runs: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cli = _cli(samples, WORKERS)
    cli["cpu"] -= before.ru_utime + before.ru_stime
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    fixed = _cli(FIXED, WORKERS)
    fixed["cpu"] -= before.ru_utime + before.ru_stime
    met = "met" if cli["seconds"] <= TARGET_S and cli["peak_mb"] <= TARGET_MB else "NOT met"
    print(
        f"chikuden mc --workers {WORKERS} ({WORKERS} worker processes and the command's own), "
        f"{samples:,} samples in chunks of {CHUNK:,}: {cli['seconds']:.1f} s from start to exit "
        f"({samples / cli['seconds']:,.0f} samples/s; CPU time of all processes "
        f"{cli['cpu']:.1f} s), peak {cli['peak_mb']:,.0f} MB summed over the processes "
        f"(target <= {TARGET_S:g} s and <= {TARGET_MB:,.0f} MB: {met})"
    )
    print(
        f"  the same command on {FIXED:,} samples (its fixed cost: imports, cluster start, "
        f"each worker's first chunk, the report): {fixed['seconds']:.1f} s, CPU time of all "
        f"processes {fixed['cpu']:.1f} s; load average now "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    run = _in_child(samples, CHUNK)
    t_run, peak = run["seconds"], run["peak_mb"]
    print(
        f"the same in one process (montecarlo.run): {t_run:.1f} s ({samples / t_run:,.0f} "
        f"samples/s; CPU time {run['cpu']:.1f} s), peak {peak:,.0f} MB; {WORKERS} processes "
        f"against one: {t_run / cli['seconds']:.2f}x the speed, "
        f"{cli['cpu'] / run['cpu']:.2f}x the CPU time"
    )
    t_write, what = _write_bound(samples)
    print(
        f"lower bound, writing the same output arrays ({what}): {t_write:.2f} s; "
        f"ratio {t_run / t_write:.1f}x"
    )
    batches = _in_child(samples, BATCH)
    t_batches = batches["seconds"]
    print(
        f"the same samples as batches of {BATCH:,}: {t_batches:.1f} s (CPU time "
        f"{batches['cpu']:.1f} s); ratio {t_run / t_batches:.2f}x "
        f"(CPU {run['cpu'] / batches['cpu']:.2f}x)"
    )
    singles = min(SINGLES, samples)
    single = _in_child(singles, 1)
    t_single, cpu_single = (single[k] * samples / singles for k in ("seconds", "cpu"))
    print(
        f"single evaluations ({singles:,} timed, extrapolated to {samples:,}): "
        f"{t_single:,.0f} s (CPU time {cpu_single:,.0f} s); ratio {t_run / t_single:.4f}x "
        f"(CPU {run['cpu'] / cpu_single:.4f}x)"
    )
    print(
        "(wall times include waiting for the CPU when the machine is shared; CPU time is the "
        "process's own work)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else N)
