"""The loads comparison (families cell-load, handover, baseline): one row per method, from the evaluations.

Every column is the method's ``evaluation`` (:mod:`lbopt.evaluate`): the same measurement of every method's final
state, at one level, so the rows compare like with like and each can be recomputed from the method's ``users.csv``.
There is no gap column yet: a gap needs a certified lower bound of the realised loads (``ua-opt``, to come); the
planned volume of a flow plan over the flow optimum is reported as what it is, a ratio.
"""

from __future__ import annotations

import pandas as pd

from lbopt.instance.model import Instance
from lbopt.result import Result

__all__ = ["loads_table"]


#: the columns of the loads comparison, all from the methods' evaluations (:mod:`lbopt.evaluate`)
COLUMNS = (
    "level",
    "ldi_before",
    "ldi_after",
    "load_std_after",
    "max_load_after",
    "over_busy_after",
    "unmet_prb",
    "outage_users",
    "handovers",
    "prb_moved",
    "prb_received",
    "plan_volume_over_flow_optimum",
)


def loads_table(instance: Instance, results: dict[str, Result]) -> pd.DataFrame:
    """One row per method, every number from its ``evaluation`` (measured alike from its final state)."""
    rows = []
    for name, r in results.items():
        ev = r.evaluation or {}
        rows.append(
            {"method": name, "status": r.status.value, **{k: ev.get(k) for k in COLUMNS}, "time_s": r.solver.time_s}
        )
    table = pd.DataFrame(rows)
    levels = set(table["level"].dropna())
    if len(levels) > 1:  # cannot happen on one instance; a table of mixed levels would compare unlike things
        raise ValueError(f"evaluations at different levels: {sorted(levels)}")
    return table
