"""What a formulation raises when it cannot answer, so that callers can tell the user's fault from a bug.

``formulations`` never imports ``lbopt``; lbopt's method layer turns these into its own errors
(:mod:`lbopt.errors`). Each class also derives from the built-in it refines.
"""

from __future__ import annotations

__all__ = ["FormulationError", "SolverError", "SolverNotInstalled", "UnsupportedData"]


class FormulationError(Exception):
    """Base class of the errors below."""


class SolverNotInstalled(FormulationError, ImportError):
    """The engine's solver package is not installed."""


class UnsupportedData(FormulationError, ValueError):
    """The data do not fit the chosen engine (fractional data for an integer engine, a non-DCP objective, ...)."""


class SolverError(FormulationError, RuntimeError):
    """The solver ended without a usable solution (its own words in the message; ``stage``: which solve)."""

    def __init__(self, message: str, stage: str | None = None):
        super().__init__(message)
        self.stage = stage
