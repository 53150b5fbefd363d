"""Options checked at the door: numbers a command parses itself, and one-line usage errors.

A numeric option is declared as text (``str``) and parsed by :class:`Number` at the top of the
command, before anything is computed, so that every bad value -- not a number, NaN, infinite,
not whole, out of range -- gives one line naming the option, the value, what is allowed and
what to do (:class:`chikuden.errors.ChikudenError`, exit code 2). A number is written as
everywhere in chikuden (:data:`chikuden.reading.NUMBER_RE`): ASCII digits 0-9, an optional
sign, decimal point and exponent: ``24``, ``0.05``, ``1e3``. Full-width (``２４``) and other
scripts' digits are refused, as in scenario files and ``--set``.

Only typer is imported here, so ``chikuden --help`` stays fast.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, NoReturn

import typer

from chikuden.bounds import Bound

_WHOLE = re.compile(r"[+-]?[0-9]+")
#: Longest value shown in an error message [characters].
SHOWN_CHARS = 40


def shown(text: str) -> str:
    """``text`` as it appears in an error message: quoted, escaped, cut at SHOWN_CHARS."""
    from chikuden.reading import show

    return show(text, SHOWN_CHARS)


@dataclass(frozen=True)
class Number(Bound):
    """A numeric option: a :class:`chikuden.bounds.Bound` named as typed (``--power-kw``),
    parsed from text.

    The range, unit and example are those of the API's field when the option is one
    (:meth:`of` a bound of :mod:`chikuden.calculators`), so both faces refuse the same values
    with the same words.
    """

    @classmethod
    def of(cls, option: str, bound: Bound) -> Number:
        """The option ``option`` taking the values of ``bound``."""
        return cls(
            option,
            bound.lo,
            bound.hi,
            lo_open=bound.lo_open,
            hi_open=bound.hi_open,
            unit=bound.unit,
            whole=bound.whole,
            example=bound.example,
        )

    def _refuse(self, text: str, why: str) -> NoReturn:
        raise self.refuse(shown(text), why)

    def parse(self, text: str) -> float:
        """The value of ``text``, or a ChikudenError naming the option, value and range."""
        from chikuden.reading import NUMBER_RE

        plain = text.strip()
        if self.whole:
            if not _WHOLE.fullmatch(plain):
                self._refuse(text, "is not a whole number")
            if len(plain.lstrip("+-")) > 18:  # beyond every range; int() of it is costly
                self._refuse(text, "is out of range")
            value = float(int(plain))
        else:
            if not NUMBER_RE.match(plain):
                why = "is not finite" if plain.lower().lstrip("+-") in _SPECIAL else None
                self._refuse(text, why or "is not a number")
            value = float(plain)
            if not math.isfinite(value):
                self._refuse(text, "is too large (not finite)")
            if value == 0.0 and plain.lower().split("e")[0].strip("+-0.") != "":
                self._refuse(text, "is too small (it rounds to 0)")
        if not self.contains(value):
            self._refuse(text, "is out of range")
        return value

    def parse_int(self, text: str) -> int:
        """:meth:`parse` for a whole number."""
        return int(self.parse(text))


_SPECIAL = ("nan", "inf", "infinity")


def parse_year(text: str, option: str = "--year") -> int:
    """A year of the model's horizon (2021..2040) given as ``option``."""
    from chikuden.horizon import FIRST_YEAR, LAST_YEAR

    return Number(option, FIRST_YEAR, LAST_YEAR, whole=True, example="2030").parse_int(text)


# -- the cluster: chikuden mc, sensitivity and solve ----------------------------------------
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Run the model on a local Dask cluster of N processes (same results).",
        metavar="N",
    ),
]
"""``--workers N``: a local Dask cluster (:func:`chikuden.uncertainty.distributed.client_for`
checks N and refuses it with ``--scheduler``)."""
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Run the model on a running Dask cluster (same results).",
        metavar="tcp://HOST:PORT",
    ),
]
"""``--scheduler tcp://HOST:PORT``: a running Dask cluster (docs/uncertainty.md)."""
