"""Declarative optimisation models of lbopt, one module per model.

Inputs are plain arrays and DataFrames; outputs are a solution plus the solver's facts
(:class:`formulations.status.SolverFacts`). Nothing here reads files, prints, or imports :mod:`lbopt`.
Solver packages (Pyomo, highspy, cvxpy, OR-Tools, pyscipopt) are imported inside the functions that use them,
so that importing this package stays cheap.
"""

from formulations.status import SolverFacts, Status

__all__ = ["SolverFacts", "Status"]
