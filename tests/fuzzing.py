"""Example budgets of the property-based fuzz tests (Hypothesis).

``make test`` runs every fuzz test with its quick budget and a fixed seed, so CI is repeatable
and takes seconds; ``make fuzz`` (``CHIKUDEN_FUZZ=1``) runs only the tests marked ``fuzz``, each
with its long budget and fresh random examples. The long budgets add up to at least 10,000
scenario files, ``--set`` values and table overrides and 1,000 ledger imports, backups and CLI
calls (issue 10).

A fuzz test asserts that bad input gives the project's own error
(:class:`chikuden.errors.ChikudenError`, or exit code 2 with one ``error:`` line on the CLI) and
never another exception.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("CHIKUDEN_FUZZ") == "1"


def budget(quick: int, long: int) -> settings:
    """Hypothesis settings: ``quick`` examples in ``make test``, ``long`` in ``make fuzz``."""
    return settings(
        max_examples=long if LONG else quick,
        derandomize=not LONG,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
