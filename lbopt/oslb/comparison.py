"""The loads comparison (families cell-load, handover, baseline): every method's loads recomputed from what it
returned — at group level (macro cell + picocells, after any picocell re-homing) for user-level instances, from
``users.serving_after`` and ``users.prb_after``; from ``cells.load_before/after`` for cell-level ones — so the
columns compare like with like. A method's handover volume is ``metrics.handover_volume_prb`` when it plans one
(its planned PRBs), else the PRBs its handovers freed. The gap is measured against ``metrics.reference_volume_prb``
of the result that gives one (OSLB's global min-cost flow optimum).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.instance.model import Instance
from lbopt.metrics import load_distribution_index, load_std
from lbopt.result import Result

__all__ = ["group_loads", "loads_table"]


def group_loads(instance: Instance, result: Result, when: str) -> np.ndarray | None:
    """Loads of the cell groups (macro + picocells) from ``users.serving_<when>`` and ``users.prb_<when>``."""
    users = result.tables.get("users")
    if users is None or f"serving_{when}" not in users or f"prb_{when}" not in users:
        return None
    from lbopt.oslb.procedure import cell_groups

    g = cell_groups(instance)
    ids = instance.cells["id"]
    home = pd.Series(ids.to_numpy(object)[g.head[g.of_cell]], index=ids)
    cells = result.cells.set_index("id")
    # a re-homed picocell takes its users' PRBs to the new group; each group keeps its own bandwidth
    group_of = cells["group_after"] if when == "after" and "group_after" in cells else home
    heads = pd.unique(home)
    cap = pd.Series(instance.prb_capacity(), index=ids).groupby(home).sum().reindex(heads)
    prb = users.groupby(group_of.reindex(users[f"serving_{when}"]).to_numpy())[f"prb_{when}"].sum()
    return (prb.reindex(heads).fillna(0.0) / cap).to_numpy()


def _row(instance: Instance, name: str, result: Result, optimum: float | None) -> dict:
    m = result.metrics
    loads = {w: group_loads(instance, result, w) for w in ("before", "after")}
    if loads["after"] is None:
        loads = {w: result.cells[f"load_{w}"].to_numpy() for w in ("before", "after")}
    volume = m.get("handover_volume_prb", m.get("transferred_prb", 0.0))
    return {
        "method": name,
        "status": result.status.value,
        "ldi_before": load_distribution_index(loads["before"]),
        "ldi_after": load_distribution_index(loads["after"]),
        "load_std_after": load_std(loads["after"]),
        "max_load_after": float(np.max(loads["after"])),
        "transferred_prb": float(m.get("transferred_prb", 0.0)),
        "handover_volume_prb": float(volume or 0.0),
        "gap_vs_optimum": (float(volume) / optimum - 1.0) if optimum and volume is not None else None,
        "unmet_prb": m.get("unmet_prb"),
        "handovers": m.get("handovers"),
        "nonconservative_error_prb": m.get("nonconservative_error_prb"),
        "time_s": result.solver.time_s,
    }


def loads_table(instance: Instance, results: dict[str, Result]) -> pd.DataFrame:
    """One row per method (see the module docstring)."""
    optimum = next(
        (r.metrics["reference_volume_prb"] for r in results.values() if "reference_volume_prb" in r.metrics), None
    )
    return pd.DataFrame([_row(instance, n, r, optimum) for n, r in results.items()])
