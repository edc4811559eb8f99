"""The pilot-power comparison: one row per method from its evaluation — busy-degree spread and over-busy share before
and after one step on one period, coverage, ``‖Δp‖₁`` (every method on the same period)."""

from __future__ import annotations

import pandas as pd

from lbopt.instance.model import Instance
from lbopt.result import Result
from lbopt.verdict import best_per_measure

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
#: the verdict's measures (:func:`lbopt.verdict.best_per_measure`)
VERDICT_MEASURES = (
    ("busy_std_after", "spread of the busy-degrees after the step", True),
    ("over_busy_after", "share of antennas over-busy after the step", True),
    ("coverage_after", "share of MR records covered", False),
    ("delta_p_l1_db", "total pilot-power change (dB, the cost of the step)", True),
)


def pilot_power_table(instance: Instance, results: dict[str, Result]) -> dict[str, pd.DataFrame]:
    """``comparison``: one row per method, every number from its evaluation (:mod:`lbopt.breathing.evaluate`);
    ``verdict``: the best method per measure."""
    rows = [
        {"method": n, "status": r.status.value, **{k: (r.evaluation or {}).get(k) for k in COLUMNS}}
        | {"time_s": r.solver.time_s}
        for n, r in results.items()
    ]
    table = pd.DataFrame(rows)
    return {"comparison": table, "verdict": best_per_measure(table, VERDICT_MEASURES)}
