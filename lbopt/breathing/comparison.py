"""The pilot-power comparison: one row per method from its evaluation — busy-degree spread and over-busy share before
and after one step on one period, coverage, ``‖Δp‖₁`` (every method on the same period)."""

from __future__ import annotations

import pandas as pd

from lbopt.instance.model import Instance
from lbopt.result import Result

__all__ = ["pilot_power_table"]

COLUMNS = (
    "level",
    "period",
    "busy_std_before",
    "busy_std_after",
    "over_busy_before",
    "over_busy_after",
    "coverage_after",
    "delta_p_l1_db",
)


def pilot_power_table(instance: Instance, results: dict[str, Result]) -> pd.DataFrame:
    """One row per method, every number from its evaluation (:mod:`lbopt.breathing.evaluate`)."""
    rows = [
        {"method": n, "status": r.status.value, **{k: (r.evaluation or {}).get(k) for k in COLUMNS}}
        | {"time_s": r.solver.time_s}
        for n, r in results.items()
    ]
    return pd.DataFrame(rows)
