"""Cold-start times of the CLI and the API, each in fresh processes against a lower bound.

Targets (issue 12), each the median of several fresh processes after one warm-up run:

- ``chikuden --help`` <= 0.5 s (lower bound ``python -c pass``): the CLI imports only typer at
  module level and loads numpy, the model and the report inside the commands that need them;
- ``chikuden run --scenario proposal-2022 --json`` <= 0.5 s (lower bound ``python -c "import
  numpy"``, which any evaluation needs);
- first API use, ``import chikuden; chikuden.load_scenario("proposal-2022")``, <= 100 ms (the
  same lower bound).

First API use imports numpy, PyYAML (the strict reader reads the scenario file) and the
parameter modules, and reads the declaration tables and the scenario; checks of the bundled
data (source keys, defaults, schemas, the rules on a bundled scenario) run in the tests instead
(docs/developing.md, "Cold start"). About 25 ms above numpy's import remain: PyYAML's import
~8 ms, chikuden's and the standard modules it needs ~9 ms, the declaration tables ~3 ms.

``run --json`` includes the sources of every indicator: provenance comes from the declared
dataflow (:mod:`chikuden.model.dataflow`), not from perturbing every parameter (~1 s before
issue 12).

The children run without ``PYTHONDONTWRITEBYTECODE``: an installed package has its bytecode
compiled (pip compiles it at install; an editable install writes ``__pycache__`` on first
import), and a cold start means a fresh process, not a fresh compile. The warm-up run writes
the bytecode into a temporary folder (``PYTHONPYCACHEPREFIX``), not into the source tree.
Besides the median wall time each line shows the median CPU time of the child (user +
system), which depends less on what else the machine runs.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
HELP_TARGET_S = 0.5
RUN_TARGET_S = 0.5
API_TARGET_S = 0.1
SCENARIO = "proposal-2022"
_PYCACHE = tempfile.TemporaryDirectory(prefix="chikuden-bench-pycache-")


def _script() -> list[str]:
    """The installed ``chikuden`` script beside this Python, else ``python -m chikuden``."""
    script = Path(sys.executable).with_name("chikuden")
    if script.exists():
        return [str(script)]
    found = shutil.which("chikuden")
    if found:
        return [found]
    return [sys.executable, "-m", "chikuden"]


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_seconds(cmd: list[str], runs: int = RUNS) -> tuple[float, float]:
    """Median wall and CPU time of ``cmd`` over ``runs`` fresh processes [s], after one
    warm-up run (which also writes the bytecode of an editable install)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE.name
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    walls, cpus = [], []
    for _ in range(runs):
        cpu = _child_cpu()
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - start)
        cpus.append(_child_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _line(label: str, seconds: tuple[float, float], note: str) -> None:
    wall, cpu = seconds
    print(f"{label:<44}{wall * 1000:8.1f} ms  (CPU {cpu * 1000:6.1f} ms)  {note}")


def _verdict(
    label: str, seconds: tuple[float, float], bound: tuple[float, float], target: float
) -> None:
    wall = seconds[0]
    verdict = "PASS" if wall <= target else "FAIL"
    print(
        f"  {label}: {wall / bound[0]:.2f} x the lower bound "
        f"(CPU {seconds[1] / bound[1]:.2f} x); target {target * 1000:.0f} ms: {verdict}"
    )


def main() -> None:
    chikuden = _script()
    python = sys.executable
    name = Path(chikuden[0]).name if len(chikuden) == 1 else "python -m chikuden"

    bound_pass = median_seconds([python, "-c", "pass"])
    bound_numpy = median_seconds([python, "-c", "import numpy"])
    _line("python -c pass", bound_pass, f"(lower bound, median of {RUNS})")
    _line('python -c "import numpy"', bound_numpy, f"(lower bound, median of {RUNS})")

    help_s = median_seconds([*chikuden, "--help"])
    _line(f"{name} --help", help_s, f"(median of {RUNS})")
    _verdict("--help", help_s, bound_pass, HELP_TARGET_S)

    api_s = median_seconds([python, "-c", f"import chikuden; chikuden.load_scenario({SCENARIO!r})"])
    _line("import chikuden; load_scenario(...)", api_s, f"(median of {RUNS})")
    _verdict("first API use", api_s, bound_numpy, API_TARGET_S)

    run_s = median_seconds([*chikuden, "run", "--scenario", SCENARIO, "--json"])
    _line(f"{name} run -s {SCENARIO} --json", run_s, f"(median of {RUNS})")
    _verdict("run --json", run_s, bound_numpy, RUN_TARGET_S)


if __name__ == "__main__":
    main()
