"""Baselines: no balancing (``none``) and strongest-RSRP association (``max-rsrp``).

``none`` reports the instance as it is: users on their ``serving`` cells (loads from the radio model), or, for a
cell-level instance, ``prb_demand / prb_capacity`` (``n_prb`` when no capacity is given).
``max-rsrp`` attaches every user to the cell of strongest ``RSRP + bias`` (``cells.bias_db``; range expansion when
positive for small cells). Its "before" state is the instance's current association when it has one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from formulations.status import SolverFacts, Status
from lbopt.instance.model import Instance
from lbopt.metrics import load_metrics
from lbopt.radio.measured import is_measured
from lbopt.radio.model import UserRadio, current_serving, evaluate_users
from lbopt.result import Result


def cell_table(instance: Instance, prb: dict[str, np.ndarray], users: dict[str, np.ndarray]) -> pd.DataFrame:
    """The cells table of a result: ids, tiers and positions, capacity, PRBs and loads per state, users served per
    state.
    """
    cells = instance.cells
    cap = instance.prb_capacity()
    table = pd.DataFrame({"id": cells["id"]})
    for col in ("tier", "parent", "x_m", "y_m"):
        if col in cells:
            table[col] = cells[col]
    table["prb_capacity"] = cap
    for when, values in prb.items():
        table[f"prb_{when}"] = values
        table[f"load_{when}"] = values / cap
    for when, values in users.items():
        table[f"users_{when}"] = values
    return table


def load_state_metrics(table: pd.DataFrame, states: list[str]) -> dict[str, float]:
    """The load statistics (:func:`lbopt.metrics.load_metrics`) and total PRBs of every state."""
    out: dict[str, float] = {}
    for when in states:
        out.update(load_metrics(table[f"load_{when}"].to_numpy(), when))
        out[f"total_prb_{when}"] = float(table[f"prb_{when}"].sum())
    return out


def _user_columns(instance: Instance, states: dict[str, UserRadio]) -> pd.DataFrame:
    users = instance.users
    ids = instance.cells["id"].to_numpy(object)
    table = instance.user_frame()
    for when, state in states.items():
        part = state.table(users["id"].to_numpy(object), ids, prefix="")
        for col in ("serving", "rsrp_dbm", "sinr_db", "rate_per_prb_bps", "prb"):
            table[f"{col}_{when}"] = part[col].to_numpy()
    return table


def _result(instance: Instance, method: str, t0: float, cells: pd.DataFrame, metrics: dict, tables: dict) -> Result:
    return Result(
        instance=instance.name,
        method=method,
        status=Status.FEASIBLE,
        solver=SolverFacts(name=method, time_s=time.perf_counter() - t0),
        cells=cells,
        metrics=metrics,
        tables=tables,
    )


def run_none(instance: Instance, progress: Callable[[int], None] | None = None) -> Result:
    """The current state, unchanged (loads before = after)."""
    t0 = time.perf_counter()
    serving = current_serving(instance)
    if serving is not None and (instance.has_geometry or is_measured(instance)):
        state = evaluate_users(instance, serving, progress=progress)
        prb = state.cell_load_prb(instance.n_cells)
        counts = np.bincount(state.serving[state.serving >= 0], minlength=instance.n_cells)
        cells = cell_table(instance, {"before": prb, "after": prb}, {"before": counts, "after": counts})
        tables = {"users": _user_columns(instance, {"before": state, "after": state})}
        metrics = load_state_metrics(cells, ["before", "after"])
        metrics.update(users=len(instance.users), handovers=0, unattached_users=int(np.sum(state.serving < 0)))
    else:
        prb = instance.cells["prb_demand"].to_numpy(float)
        cells = cell_table(instance, {"before": prb, "after": prb}, {})
        tables = {}
        metrics = load_state_metrics(cells, ["before", "after"])
    return _result(instance, "none", t0, cells, metrics, tables)


def run_max_rsrp(instance: Instance, progress: Callable[[int], None] | None = None) -> Result:
    """Every user on its strongest ``RSRP + bias`` cell; "before" is the current association when given."""
    t0 = time.perf_counter()
    n = instance.n_cells
    after = evaluate_users(instance, None, progress=progress)
    states = {"after": after}
    serving = current_serving(instance)
    if serving is not None:
        states = {"before": evaluate_users(instance, serving), "after": after}
    prb = {w: s.cell_load_prb(n) for w, s in states.items()}
    counts = {w: np.bincount(s.serving[s.serving >= 0], minlength=n) for w, s in states.items()}
    cells = cell_table(instance, prb, counts)
    metrics = load_state_metrics(cells, list(states))
    metrics["users"] = len(instance.users)
    if "before" in states:
        metrics["handovers"] = int(np.sum(states["before"].serving != after.serving))
    metrics["unattached_users"] = int(np.sum(after.serving < 0))
    return _result(instance, "max-rsrp", t0, cells, metrics, {"users": _user_columns(instance, states)})
