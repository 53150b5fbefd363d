"""The allowed range of a numeric input, declared once for every face that takes it.

A :class:`Bound` names an input (``energy_kwh`` in the Python API, ``--energy-kwh`` on the
command line), its range, unit and an example. :meth:`Bound.allowed` is the text every face
shows (``a number > 0 [kWh]``) and :meth:`Bound.check` the check of a value given as a number
(the API); the CLI parses text into a number with the same bound
(:class:`chikuden.commands.options.Number`).

Only the standard library is imported here: the command line declares its options from these
bounds at start-up.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from typing import Any

from chikuden.errors import N_, Msg, ParameterError, number_in


def bound_text(x: float) -> str:
    """A range bound as text: 100,000 with separators, a year as 2040, else as %g."""
    whole = float(x).is_integer() and 1e4 <= abs(x) < 1e15
    return f"{x:,.0f}" if whole else f"{x:g}"


@dataclass(frozen=True)
class Bound:
    """A numeric input: its name, range, unit and an example.

    name : the input as the caller writes it (``energy_kwh``; ``--energy-kwh`` on the CLI)
    lo, hi : the range [unit]; ``math.inf`` for no upper limit (values are always finite)
    lo_open, hi_open : whether the range excludes ``lo`` / ``hi``
    whole : a whole number
    example : an allowed value, shown in the error message
    """

    name: str
    lo: float
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False
    unit: str = ""
    whole: bool = False
    example: str = ""

    def named(self, name: str) -> Bound:
        """The same bound under another name (a CLI option for an API field)."""
        return replace(self, name=name)

    def allowed(self) -> str:
        """What the input accepts, e.g. ``a number > 0 [kWh]`` or ``a whole number in 1..9``."""
        return str(self.allowed_text())

    def allowed_text(self) -> Msg:
        """:meth:`allowed` as a message each language reads (:class:`chikuden.errors.Msg`)."""
        unit = f" [{self.unit}]" if self.unit else ""
        if self.hi == math.inf:
            rng = f"{'>' if self.lo_open else '>='} {bound_text(self.lo)}"
            if self.whole:
                return N_("a whole number {range}{unit}", range=rng, unit=unit)
            return N_("a number {range}{unit}", range=rng, unit=unit)
        if self.whole:
            return number_in(f"{bound_text(self.lo)}..{bound_text(self.hi)}", self.unit, True)
        left = "(" if self.lo_open else "["
        right = ")" if self.hi_open else "]"
        return number_in(f"{left}{bound_text(self.lo)}, {bound_text(self.hi)}{right}", self.unit)

    def refuse(self, shown: str, why: Msg | str) -> ParameterError:
        """The error for a value (as ``shown``) refused because ``why``."""
        example = N_(", e.g. {example}", example=self.example) if self.example else ""
        return ParameterError(
            N_(
                "{name} = {value} {why}; give {allowed}{example}",
                name=self.name,
                value=shown,
                why=why,
                allowed=self.allowed_text(),
                example=example,
            )
        )

    def contains(self, value: float) -> bool:
        """Whether the finite number ``value`` lies in the range."""
        low_ok = value > self.lo if self.lo_open else value >= self.lo
        high_ok = value < self.hi if self.hi_open else value <= self.hi
        return low_ok and high_ok

    def check(self, value: Any) -> float:
        """``value`` as a float if it is a number in range (a whole one if :attr:`whole`), else
        a :class:`~chikuden.errors.ParameterError` naming the input, the value and the range.

        ``True``/``False`` and text are not numbers here (JSON's ``true`` is not 1)."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self.refuse(_shown(value), N_("is not a number"))
        x = float(value)
        if not math.isfinite(x):
            raise self.refuse(_shown(value), N_("is not finite"))
        if self.whole and not x.is_integer():
            raise self.refuse(_shown(value), N_("is not a whole number"))
        if not self.contains(x):
            raise self.refuse(_shown(value), N_("is out of range"))
        return x


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
