"""Parameters of BDBA, BFDBA and the pilot-power LP: the instance's ``methods.breathing`` plus the period."""

from __future__ import annotations

from lbopt.instance.schema import BreathingParams, param

__all__ = ["BreathingMethodParams"]


class BreathingMethodParams(BreathingParams):
    """One step on one MR period."""

    period: int | None = param(None, "", "MR period to balance (default: the most unbalanced)", ge=0)
