"""The one error type for bad input: it names the file, the field, the row and what was expected."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InstanceError(ValueError):
    """An instance file breaks format 1.

    Parameters
    ----------
    file : path of the file (the YAML file or the side table) at fault.
    field : dotted path of the field (``cells.tx_power_dbm``, ``radio.tiers.pico.pathloss``).
    message : what is wrong and what was expected.
    row : 0-based row of a table, when the fault is in one row.
    """

    def __init__(self, file: str, field: str | None, message: str, row: int | None = None):
        self.file = str(file)
        self.field = field
        self.row = row
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.field:
            where += f": field '{self.field}'"
        if self.row is not None:
            where += f", row {self.row}"
        return f"{where}: {self.message}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or an empty string."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
