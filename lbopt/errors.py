"""The errors a user can fix, as one hierarchy.

Every error lbopt raises for bad input, a missing input, a parameter out of range, a solver that is not installed or
a solver that failed is an :class:`LbOptError`; the command line prints its message in one line and exits 2.
Anything else that escapes is a bug in lbopt and keeps its traceback.

Each subclass also derives from the built-in exception it refines (``InvalidParameter`` is a ``ValueError``), so
code written against the built-ins keeps working.
"""

from __future__ import annotations

__all__ = [
    "InstanceError",
    "InvalidParameter",
    "LbOptError",
    "MissingInput",
    "OutputError",
    "SolverFailure",
    "SolverUnavailable",
    "UnknownMethod",
]


class LbOptError(Exception):
    """An error the user can fix; its message says what is wrong and what was expected."""


class InstanceError(LbOptError, ValueError):
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


class UnknownMethod(LbOptError, KeyError):
    """A method (or paper, engine, scenario) name that lbopt does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class MissingInput(LbOptError, ValueError):
    """The instance (or result folder) lacks what was asked of it: a table, a column, a result.json."""


class InvalidParameter(LbOptError, ValueError):
    """A parameter (a flag or a ``methods`` field) is out of range or does not fit the method."""


class SolverUnavailable(LbOptError, ImportError):
    """An optional package the request needs is not installed: the solver of an engine, or Dask for a cluster."""


class SolverFailure(LbOptError, RuntimeError):
    """A solver ended without a usable answer where lbopt cannot return a result with a status."""


class OutputError(LbOptError, OSError):
    """The output folder cannot be written (read-only, under a file, or it holds the instance's own files)."""
