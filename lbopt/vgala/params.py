"""Parameters of the association methods (vGALA, its certified optimum, LA, GA, UAG, max-rate, CRE): the instance's
``methods.vgala`` plus the solve-time choices. The only copy of their defaults, units and ranges."""

from __future__ import annotations

from typing import Literal

from lbopt.instance.schema import AssociationParams, StrictModel, VgalaParams, param

__all__ = ["AssociationParams", "LaParams", "UagParams", "VgalaIterationParams", "VgalaOptParams", "VgalaParams"]


class _Engine(StrictModel):
    engine: Literal["colgen", "pyomo", "cvxpy"] = param(
        "colgen", "", "association solver: column generation on HiGHS, Pyomo+HiGHS, or cvxpy (Clarabel)"
    )


class VgalaOptParams(VgalaParams):
    """``vgala-opt``: psi to a certified optimum. psi's on-grid power term is not written for cvxpy, so cvxpy is
    not offered here (it is for LA and UAG, whose objectives are DCP)."""

    engine: Literal["colgen", "pyomo"] = param(
        "colgen", "", "association solver: column generation on HiGHS, or Pyomo+HiGHS"
    )


class LaParams(AssociationParams, _Engine):
    """``la``: the latency indicator to a certified optimum."""


class UagParams(LaParams):
    """``uag``: a named performance function f(rho)."""

    performance: Literal["rho/(1-rho)", "rho^2", "-log(1-rho)"] = param(
        "rho/(1-rho)", "", "UAG performance function f(rho)"
    )


class VgalaIterationParams(VgalaParams):
    """``vgala``: the paper's iteration, stopped by its Frank-Wolfe certificate."""

    line_search: Literal["armijo", "exact"] = param("armijo", "", "step size rule of the iteration (eq. 21)")
    tol: float = param(5e-5, "", "stop when the certified gap is at most tol * psi", gt=0)
    certify: bool = param(True, "", "also solve psi to its certified optimum and report the gap to it")
