"""Parameters of ``ua-opt`` and ``cio-opt``: the only copy of their defaults, units and ranges."""

from __future__ import annotations

from typing import Literal

from lbopt.instance.schema import StrictModel, param

__all__ = ["CioOptParams", "UaOptParams"]


class _Search(StrictModel):
    """What every certified search takes: its time and its tolerance."""

    time_limit: float = param(
        60.0, "s", "time for the MILP search; when it runs out the result is feasible, with the bound", gt=0, le=86_400
    )
    mip_gap: float = param(1e-4, "", "relative gap (value - bound) / value at which the search stops", ge=0, lt=1)


class UaOptParams(_Search):
    """``ua-opt``: user association to a certified optimum of the realised loads (:mod:`lbopt.optimum.ua`)."""

    objective: Literal["max-load", "sum-squares", "over-busy"] = param(
        "max-load", "", "largest unit load, sum of squared loads, or number of units at or above capacity"
    )
    second_stage: Literal["handovers", "prb-moved", "none"] = param(
        "handovers", "", "at the optimum, the fewest handovers or least PRBs moved (max-load, over-busy)"
    )
    reach: Literal["a3", "any"] = param(
        "a3", "", "candidate cells: those A3 offsets within the handover bounds can hold a user on, or every cell"
    )
    relaxation: bool = param(False, "", "solve the LP relaxation only: a bound and a rounded association")


class CioOptParams(_Search):
    """``cio-opt``: pair offsets and the A3 association they give, to a certified optimum (small instances)."""

    offset_steps: Literal["continuous", "3gpp"] = param(
        "continuous", "", "offsets anywhere in the bounds, or on the q-OffsetRange values of TS 36.331"
    )
