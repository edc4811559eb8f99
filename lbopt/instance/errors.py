"""Instance errors name the file, the field, the row and what was expected (:class:`lbopt.errors.InstanceError`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from lbopt.errors import InstanceError

__all__ = ["InstanceError", "did_you_mean", "short_repr"]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or an empty string."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def short_repr(value: object, limit: int = 80) -> str:
    """``repr`` of a value cut to ``limit`` characters: an error message never echoes a whole table or file."""
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # a numpy scalar reads as its Python value
        value = value.item()
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
