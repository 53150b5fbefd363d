"""Start-up time of ``chikuden --help`` against the lower bound ``python -c pass``.

The target is 0.5 s for ``chikuden --help``: the CLI imports only typer at module level and
loads numpy, pandas and the model inside the commands. Both commands run in fresh processes,
several times each, and the median is reported.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 7
TARGET_S = 0.5


def _command() -> list[str]:
    """``chikuden --help`` via the installed script beside this Python, else ``-m chikuden``."""
    script = Path(sys.executable).with_name("chikuden")
    if script.exists():
        return [str(script), "--help"]
    found = shutil.which("chikuden")
    if found:
        return [found, "--help"]
    return [sys.executable, "-m", "chikuden", "--help"]


def median_seconds(cmd: list[str], runs: int = RUNS) -> float:
    """Median wall time of ``cmd`` over ``runs`` fresh processes [s] (one warm-up run first)."""
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    help_cmd = _command()
    bound = median_seconds([sys.executable, "-c", "pass"])
    cli = median_seconds(help_cmd)
    label = " ".join(Path(help_cmd[0]).name if i == 0 else a for i, a in enumerate(help_cmd))
    print(f"{'python -c pass':<28}{bound * 1000:8.1f} ms  (lower bound, median of {RUNS})")
    print(f"{label:<28}{cli * 1000:8.1f} ms  (median of {RUNS})")
    print(f"{'ratio':<28}{cli / bound:8.2f} x")
    verdict = "holds" if cli <= TARGET_S else "MISSED"
    print(f"target {TARGET_S:.1f} s for chikuden --help: {verdict}")


if __name__ == "__main__":
    main()
