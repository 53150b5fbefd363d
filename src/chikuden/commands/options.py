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
from typing import Annotated

import typer

from chikuden.commands.common import fail

_WHOLE = re.compile(r"[+-]?[0-9]+")
#: Longest value shown in an error message [characters].
SHOWN_CHARS = 40


def shown(text: str) -> str:
    """``text`` as it appears in an error message: quoted, escaped, cut at SHOWN_CHARS."""
    from chikuden.reading import show

    return show(text, SHOWN_CHARS)


def _bound(x: float) -> str:
    """A range bound as text: 100,000 with separators, a year as 2040, else as %g."""
    whole = float(x).is_integer() and 1e4 <= abs(x) < 1e15
    return f"{x:,.0f}" if whole else f"{x:g}"


@dataclass(frozen=True)
class Number:
    """A numeric option: its name, range, unit and an example.

    option : the option as typed, e.g. ``--power-kw``
    lo, hi : the range [unit]; ``math.inf`` for no upper limit (values are always finite)
    lo_open, hi_open : whether the range excludes ``lo`` / ``hi``
    whole : a whole number (digits only, no decimal point or exponent)
    example : an allowed value, shown in the error message
    """

    option: str
    lo: float
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False
    unit: str = ""
    whole: bool = False
    example: str = ""

    def allowed(self) -> str:
        """What the option accepts, e.g. ``a number > 0 [kWh]`` or ``a whole number in 1..9``."""
        kind = "a whole number" if self.whole else "a number"
        if self.hi == math.inf:
            rng = f"{'>' if self.lo_open else '>='} {_bound(self.lo)}"
        elif self.whole:
            rng = f"in {_bound(self.lo)}..{_bound(self.hi)}"
        else:
            left = "(" if self.lo_open else "["
            right = ")" if self.hi_open else "]"
            rng = f"in {left}{_bound(self.lo)}, {_bound(self.hi)}{right}"
        unit = f" [{self.unit}]" if self.unit else ""
        return f"{kind} {rng}{unit}"

    def _refuse(self, text: str, why: str) -> None:
        example = f", e.g. {self.example}" if self.example else ""
        fail(f"{self.option} = {shown(text)} {why}; give {self.allowed()}{example}")

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
        low_ok = value > self.lo if self.lo_open else value >= self.lo
        high_ok = value < self.hi if self.hi_open else value <= self.hi
        if not (low_ok and high_ok):
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
