"""The pilot-power comparison: busy-degree spread and over-busy share before and after one step on one period,
coverage, ``‖Δp‖₁`` and the method's own time (every method on the same period)."""

from __future__ import annotations

import pandas as pd

from lbopt.instance.model import Instance
from lbopt.result import Result

__all__ = ["pilot_power_table"]

METRICS = (
    "period",
    "busy_std_before",
    "busy_std_after",
    "over_busy_before",
    "over_busy_after",
    "coverage",
    "delta_p_l1",
    "method_time_s",
)


def pilot_power_table(instance: Instance, results: dict[str, Result]) -> pd.DataFrame:
    """One row per method."""
    rows = [
        {"method": n, "status": r.status.value, **{k: r.metrics.get(k) for k in METRICS}, "time_s": r.solver.time_s}
        for n, r in results.items()
    ]
    return pd.DataFrame(rows)
