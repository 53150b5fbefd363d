"""Errors a user can act on.

Every error chikuden raises for bad input is a :class:`ChikudenError` (a ``ValueError``):
one line that names the parameter path or field, the bad value, what is allowed and what to
do. The CLI prints it and exits with code 2; the API answers 4xx.

An error the web shows is raised with a :class:`Msg` (built by :func:`N_`): an English message
template, the gettext msgid, with named placeholders, and their values. ``str(error)`` is the
English sentence (the CLI's text); ``error.localized(lang)`` is the same sentence in ``lang``,
the template translated by :func:`chikuden.i18n.translator` and the same values put in. A
value may itself be a :class:`Msg` (a clause such as :func:`did_you_mean`'s), translated in
turn. Parameter keys, field names and the values given are placed as they are, in any
language.
"""

from __future__ import annotations

from collections.abc import Iterable


class Msg:
    """A sentence in English with its template and values: ``str()`` is English,
    :meth:`localized` any language of :data:`chikuden.i18n.LANGS`."""

    __slots__ = ("english", "template", "values")

    def __init__(
        self, template: str, values: dict[str, object], english: str | None = None
    ) -> None:
        self.template = template
        self.values = values
        self.english = english

    def localized(self, lang: str) -> str:
        """The sentence in ``lang`` (English for ``en`` and any language chikuden lacks)."""
        from chikuden.i18n import SOURCE_LANG, translator

        if lang == SOURCE_LANG and self.english is not None:  # a library's own English words
            return self.english
        # English is the template itself: no catalog opened (``chikuden run --json`` opens none)
        text = self.template if lang == SOURCE_LANG else translator(lang).gettext(self.template)
        return text.format(**{k: _in(v, lang) for k, v in self.values.items()})

    def __str__(self) -> str:
        return self.localized("en")

    def __repr__(self) -> str:
        return f"N_({self.template!r}, **{self.values!r})"

    def __add__(self, other: object) -> Msg:
        """Two sentences as one: ``N_(...) + N_(...)`` or ``N_(...) + "text"``."""
        return Msg("{a}{b}", {"a": self, "b": other})

    def __radd__(self, other: object) -> Msg:
        return Msg("{a}{b}", {"a": other, "b": self})


def _in(value: object, lang: str) -> object:
    return value.localized(lang) if isinstance(value, Msg) else value


def N_(template: str, /, **values: object) -> Msg:
    """A message to translate when it is shown: ``N_("{field}: {value!r} is not a number",
    field=at, value=text)``. babel extracts ``template`` (``N_`` is one of its keywords)."""
    return Msg(template, values)


def worded(english: str, message: Msg) -> Msg:
    """``message`` whose English is another library's text (``english``, kept as it is): a
    pydantic or YAML parser's reason reads as the library wrote it in English, as ``message``
    translated in the other languages."""
    return Msg(message.template, message.values, english)


def localized(message: object, lang: str) -> str:
    """``message`` in ``lang``: a :class:`Msg` or :class:`ChikudenError` translated, anything
    else as ``str()`` gives it."""
    if isinstance(message, Msg | ChikudenError):
        return message.localized(lang)
    return str(message)


class ChikudenError(ValueError):
    """Base class of every input error chikuden reports to a user.

    Raised with a :class:`Msg`, it reads in the language of whoever shows it
    (:meth:`localized`); raised with a ``str``, it reads English everywhere."""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(str(message), *args)
        self.msg = message if isinstance(message, Msg) else None

    def localized(self, lang: str) -> str:
        """The message in ``lang``; ``str(self)`` (English) when it was raised as text."""
        return self.msg.localized(lang) if self.msg is not None else str(self)


class ParameterError(ChikudenError):
    """A parameter value, name or scenario file that cannot be used."""


class ScenarioNotFoundError(ChikudenError):
    """A scenario name or path that does not exist."""


def did_you_mean(word: str, choices: Iterable[str]) -> Msg | str:
    """``' (did you mean X?)'`` for the closest choice (a :class:`Msg`), or an empty string."""
    import difflib  # here: only a message needs it, and every start imports this module

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return N_(" (did you mean {close!r}?)", close=close[0]) if close else ""


def number_in(range_text: str, unit: str, integer: bool = False) -> Msg:
    """What a numeric field allows: ``a number in 0..1 [share]`` (``a whole number`` when
    ``integer``; no brackets without a unit)."""
    shown = f" [{unit}]" if unit else ""
    if integer:
        return N_("a whole number in {range}{unit}", range=range_text, unit=shown)
    return N_("a number in {range}{unit}", range=range_text, unit=shown)


class Both(Msg):
    """Text that data holds in both languages (a rule's ``en`` and ``ja``): no template, the
    language's own text (English where the Japanese is empty)."""

    __slots__ = ("ja",)

    def __init__(self, en: str, ja: str) -> None:
        super().__init__("{en}", {"en": en})
        self.ja = ja

    def localized(self, lang: str) -> str:
        from chikuden.i18n import pick

        en = str(self.values["en"])
        return pick(lang, en, self.ja or en)
