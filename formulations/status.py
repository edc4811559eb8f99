"""Solver-agnostic status and solver facts, shared by every formulation.

Each backend's own status is mapped onto :class:`Status` (the practice of linopy's ``constants.py`` and
cvxpy's ``settings.py``), so that a caller never branches on a backend's vocabulary.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class Status(str, enum.Enum):
    """Outcome of a method run, as written to ``result.json``.

    ``optimal``
        a certified optimum (gap within the stated tolerance); never an optimum the solver could not verify;
    ``feasible``
        a valid solution without an optimality certificate (heuristics, iterations, baselines);
    ``partial``
        the goal cannot be fully reached; the result holds what could be achieved and says what is missing;
    ``infeasible``
        no solution exists; the result says why;
    ``error``
        the solver failed (numerical trouble) and nothing usable came out; the result carries the stage and the
        solver's words.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    PARTIAL = "partial"
    INFEASIBLE = "infeasible"
    ERROR = "error"


@dataclass
class SolverFacts:
    """What a solver or an algorithm reports about one solve.

    Attributes
    ----------
    name : solver or algorithm name (``"highs"``, ``"networkx"``, ``"max-rsrp"``).
    version : its version string, or ``None`` for lbopt's own algorithms.
    time_s : wall-clock time in seconds; for a method run through :func:`lbopt.methods.solve`, of the whole method.
    solver_time_s : the solver's (or algorithm's) own time, model building excluded where the backend separates it.
    gap : relative optimality gap, ``0.0`` for a certified optimum, ``None`` when there is no bound.
    bound : the best proven bound on the objective, when known.
    build_time_s : model building time in seconds, when measured separately.
    termination : why the solver or algorithm stopped, beside the status (as Pyomo's ``TerminationCondition`` and
        cvxpy's status do): ``converged`` (its own stopping rule or optimality test met), ``iteration-limit``,
        ``time-limit``, ``inaccurate`` (the solver reports an optimum it could not verify to its tolerances, as
        cvxpy's ``optimal_inaccurate``), ``solver-error``; ``None`` for direct computations.
    extra : backend-specific facts (iterations, the solver's words, ...).
    """

    name: str
    version: str | None = None
    time_s: float | None = None
    solver_time_s: float | None = None
    gap: float | None = None
    bound: float | None = None
    build_time_s: float | None = None
    termination: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The facts as ``result.json``'s ``solver`` section."""
        return asdict(self)
