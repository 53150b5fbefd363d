"""Errors a user can act on.

Every error chikuden raises for bad input is a :class:`ChikudenError` (a ``ValueError``):
one line that names the parameter path or field, the bad value, what is allowed and what to
do. The CLI prints it and exits with code 2; the API answers 4xx.
"""

from __future__ import annotations

from collections.abc import Iterable


class ChikudenError(ValueError):
    """Base class of every input error chikuden reports to a user."""


class ParameterError(ChikudenError):
    """A parameter value, name or scenario file that cannot be used."""


class ScenarioNotFoundError(ChikudenError):
    """A scenario name or path that does not exist."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``' (did you mean X?)'`` for the closest choice, or an empty string."""
    import difflib  # here: only a message needs it, and every start imports this module

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
