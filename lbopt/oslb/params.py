"""Parameters of ``oslb``, ``chain`` and ``mlb``: the instance's ``methods.oslb`` / ``methods.mlb`` plus the
solve-time choices (engine, level, plan). The only copy of their defaults, units and ranges."""

from __future__ import annotations

from typing import Literal

from lbopt.instance.schema import MlbParams, OslbParams, param

__all__ = ["ChainMethodParams", "MlbParams", "OslbMethodParams"]


class ChainMethodParams(OslbParams):
    """The chain baseline (Case 3 of Jia et al.): the balance target and the level."""

    level: Literal["auto", "cell", "user"] = param(
        "auto", "", "cell level (cells.prb_demand) or user level (users with cell positions); auto picks by the data"
    )


class OslbMethodParams(ChainMethodParams):
    """OSLB: the flow plan (eq. 10) and, at user level, the handover procedure."""

    engine: Literal["auto", "highs", "pyomo", "ortools", "networkx"] = param(
        "auto", "", "min-cost flow engine (auto: HiGHS, whatever else is installed)"
    )
    integral: bool = param(False, "", "integral targets (largest remainder)")
    export: str | None = param(None, "", "write the cell-level LP into the result folder under this name (.mps or .lp)")
    plan: Literal["global", "distributed"] = param(
        "global", "", "user level: the global plan or the paper's distributed two-tier plan"
    )
    arc_capacity: Literal["edge", "share"] = param(
        "edge", "", "user level: arc capacities from edge users (reading b) or a share of the PRBs (reading a)"
    )
    periods: int = param(1, "", "balancing periods", ge=1, le=10_000)
    stop_rule: Literal["overshoot", "nearest", "no-overshoot"] = param(
        "overshoot",
        "",
        "user level: the last user moved on a pair may overshoot the planned PRBs (the paper), only if that is nearer "
        "the plan, or not at all",
    )
