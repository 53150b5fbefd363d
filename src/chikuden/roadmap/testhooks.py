"""A pause between the writes of a long transaction, switched on only by tests.

The crash tests start an import (or a revision) in a subprocess with
``CHIKUDEN_TEST_PAUSE_SECONDS`` and ``CHIKUDEN_TEST_PAUSE_FILE`` set, wait until the file says
that rows were written (flushed, not committed), kill the process with SIGKILL and check that
the ledger is unchanged. Without the variables :func:`pause` does nothing.
"""

from __future__ import annotations

import os
import time


def pause(step: int) -> None:
    """Record that ``step`` writes were flushed, then sleep (test runs only)."""
    seconds = os.environ.get("CHIKUDEN_TEST_PAUSE_SECONDS")
    if not seconds:
        return
    marker = os.environ.get("CHIKUDEN_TEST_PAUSE_FILE")
    if marker:
        with open(marker, "a", encoding="utf-8") as fh:
            fh.write(f"{step}\n")
    time.sleep(float(seconds))
