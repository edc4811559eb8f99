"""One evaluator for every method of the loads comparison (families cell-load, handover, baseline).

A method returns its final state; the evaluator measures it, the same way for every method, with the one radio model
(:func:`lbopt.radio.evaluate_users`):

* user level — the serving cell of every user before and after (``users.serving_before/after``) and, where the
  method re-homes picocells, the group of every cell after (``cells.group_after``): the PRBs of every user *in its
  serving cell* (recomputed here, not taken from the method), cell loads ``P_j / C_j`` and group loads (a macro cell
  and its picocells share one group; a re-homed picocell takes its users' PRBs to its new group, each group keeps
  its own bandwidth);
* cell level (no users) — the cells' PRBs before and after the method's flows (``cells.prb_before/after``).

The ``evaluation`` section (keys of DESIGN.md): ``level`` (``group`` when the instance has picocells with parents,
else ``cell``), ``ldi_before``, ``ldi_after``, ``load_std_after``, ``max_load_after``, ``over_busy_after`` (share of
units at or above ``over_busy_threshold`` = 1, i.e. at or beyond capacity), ``unmet_prb`` (PRBs above capacity,
summed over the units after), ``outage_users`` (no serving cell, or no finite PRB need in it: below CQI 1 with a
CQI link model) and ``outage_demand_bps`` (their demand, not served), ``handovers`` (users
whose serving cell changed), ``prb_moved`` (their PRBs in the cells they left) and ``prb_received`` (their PRBs in
the cells they joined: the two differ because a transfer is non-conservative); at group level ``rehomed_cells``
(picocells the method moved to another group). For a method that makes a flow plan,
``plan_volume_over_flow_optimum`` is its planned volume over the certified flow optimum (a ratio; not a gap of
the realised loads), and ``max_load_planned`` the largest load its plan promised (groups.csv's ``load_planned``).
A certified reference (``ua-opt``) adds ``max_load_bound``, its proven lower bound of the
largest load at the same level, which the comparison measures every method's ``gap_max_load`` against.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lbopt.instance.model import Instance
from lbopt.metrics import load_distribution_index, load_std, over_busy_share
from lbopt.result import Result

__all__ = [
    "OVER_BUSY",
    "evaluate_result",
    "evaluation_level",
    "home_units",
    "unit_ids",
    "unit_load_vectors",
    "unit_loads",
]

OVER_BUSY = 1.0


def evaluation_level(instance: Instance) -> str:
    """``group`` when some cell names a parent (macro cell + picocells share a group), else ``cell``."""
    return "group" if "parent" in instance.cells and instance.cells["parent"].notna().any() else "cell"


def home_units(instance: Instance, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, the index of its evaluation unit at home (units in the order of their head cells), and the PRB
    capacity of every unit (the sum of its cells')."""
    from lbopt.oslb.procedure import cell_groups

    capacity = instance.prb_capacity()
    if level != "group":
        return np.arange(instance.n_cells), capacity
    of_cell = cell_groups(instance).of_cell
    return of_cell, np.bincount(of_cell, capacity)


def unit_loads(
    serving: np.ndarray, prb: np.ndarray, capacity: np.ndarray, unit_of_cell: np.ndarray, home_of_cell: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PRBs, capacities and loads of the evaluation units (the heads in ``home_of_cell``).

    ``unit_of_cell`` maps a serving cell to the unit its PRBs count in (after any re-homing); every unit keeps the
    bandwidth of its home cells.
    """
    heads = np.unique(home_of_cell)
    index = np.full(len(home_of_cell), -1)
    index[heads] = np.arange(len(heads))
    ok = (serving >= 0) & np.isfinite(prb)
    used = np.bincount(index[unit_of_cell[serving[ok]]], prb[ok], len(heads))
    cap = np.bincount(index[home_of_cell], capacity, len(heads))
    return used, cap, used / cap


def _planned_max_load(instance: Instance, result: Result, level: str) -> float | None:
    """The largest group load a flow plan promised (``groups.csv``'s ``load_planned``: every planned PRB moved as
    planned, conservatively), when its groups are the evaluation units."""
    groups = result.tables.get("groups")
    if groups is None or "load_planned" not in groups:
        return None
    if level != "group" and evaluation_level(instance) == "group":  # groups are not the cells evaluated
        return None
    return float(groups["load_planned"].max())


def _plan_ratio(metrics: dict[str, Any]) -> float | None:
    volume, optimum = metrics.get("handover_volume_prb"), metrics.get("flow_optimum_prb")
    return float(volume) / float(optimum) if volume is not None and optimum else None


def _units(instance: Instance, result: Result, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, the row of its unit's head at home and after any re-homing of picocells (``cells.group_after``)."""
    if level != "group":
        own = np.arange(instance.n_cells)
        return own, own
    from lbopt.oslb.procedure import cell_groups

    groups = cell_groups(instance)
    home = groups.head[groups.of_cell]
    if "group_after" not in result.cells:
        return home, home
    group_after = result.cells.set_index("id")["group_after"].reindex(instance.cells["id"])
    return home, instance.cell_positions(group_after)


def unit_ids(instance: Instance, level: str) -> np.ndarray:
    """The evaluation units' ids in the order :func:`unit_load_vectors` gives their loads (their head cells')."""
    if level != "group":
        return instance.cells["id"].to_numpy(object)
    from lbopt.oslb.procedure import cell_groups

    groups = cell_groups(instance)
    return instance.cells["id"].to_numpy(object)[np.unique(groups.head[groups.of_cell])]


def unit_load_vectors(instance: Instance, result: Result, level: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Loads of the evaluation units before and after, from ``users.csv``'s serving cells and PRBs as the evaluation
    writes them (units in the order of their head cells)."""
    users = result.tables["users"]
    home, moved_to = _units(instance, result, level or evaluation_level(instance))
    capacity = instance.prb_capacity()
    before = unit_loads(
        instance.cell_positions(users["serving_before"]), users["prb_before"].to_numpy(float), capacity, home, home
    )[2]
    after = unit_loads(
        instance.cell_positions(users["serving_after"]), users["prb_after"].to_numpy(float), capacity, moved_to, home
    )[2]
    return before, after


def _user_level(instance: Instance, result: Result, level: str) -> dict[str, Any]:
    from lbopt.radio import evaluate_users
    from lbopt.radio.model import served_prb, user_demand_bps

    users = result.tables["users"]
    before = instance.cell_positions(users["serving_before"])
    after = instance.cell_positions(users["serving_after"])
    prb_before = evaluate_users(instance, before).prb
    prb_after = evaluate_users(instance, after).prb
    capacity = instance.prb_capacity()
    home, moved_to = _units(instance, result, level)
    _, _, load_before = unit_loads(before, prb_before, capacity, home, home)
    used_after, cap, load_after = unit_loads(after, prb_after, capacity, moved_to, home)
    moved = (after != before) & (before >= 0) & (after >= 0)
    outage = (after < 0) | ~np.isfinite(prb_after)
    # the evaluator's PRBs go into the users table, so that anyone can recompute the evaluation from users.csv
    users["prb_before"], users["prb_after"] = prb_before, prb_after
    rehomed = {"rehomed_cells": int(np.sum(home != moved_to))} if level == "group" else {}
    return {
        **_loads(level, load_before, load_after, used_after, cap),
        **rehomed,
        "outage_users": int(outage.sum()),
        "outage_demand_bps": float(user_demand_bps(instance)[outage].sum()),
        "handovers": int(moved.sum()),
        # PRBs of the moved users that a cell can serve (one moved into or out of outage counts in outage_users)
        "prb_moved": float(served_prb(prb_before[moved]).sum()),
        "prb_received": float(served_prb(prb_after[moved]).sum()),
    }


def _loads(level, before, after, used_after, cap) -> dict[str, Any]:
    return {
        "level": level,
        "ldi_before": load_distribution_index(before),
        "ldi_after": load_distribution_index(after),
        "load_std_after": load_std(after),
        "max_load_after": float(np.max(after)),
        "over_busy_after": over_busy_share(after, OVER_BUSY),
        "over_busy_threshold": OVER_BUSY,
        "unmet_prb": float(np.maximum(used_after - cap, 0).sum()),
    }


def _cell_level(result: Result) -> dict[str, Any]:
    cells = result.cells
    cap = cells["prb_capacity"].to_numpy(float)
    before, after = cells["prb_before"].to_numpy(float), cells["prb_after"].to_numpy(float)
    flows = result.tables.get("flows")
    moved = float(flows["prb"].sum()) if flows is not None else float(np.maximum(before - after, 0).sum())
    return {
        **_loads("cell", before / cap, after / cap, after, cap),
        "outage_users": None,
        "outage_demand_bps": None,
        "handovers": None,
        "prb_moved": moved,
        "prb_received": moved,  # a cell-level flow is conservative: what leaves a cell arrives in another
    }


def evaluate_result(instance: Instance, result: Result, level: str | None = None) -> dict[str, Any] | None:
    """The ``evaluation`` of a result of the loads comparison, or ``None`` when it returned no final state.

    ``level``: ``cell`` or ``group``; by default :func:`evaluation_level` (group when picocells have parents). A
    cell-level instance (no users) is evaluated per cell.
    """
    users = result.tables.get("users")
    if users is not None and {"serving_before", "serving_after"} <= set(users.columns):
        evaluation = _user_level(instance, result, level or evaluation_level(instance))
    elif {"prb_before", "prb_after", "prb_capacity"} <= set(result.cells.columns):
        evaluation = _cell_level(result)
    else:
        return None
    ratio = _plan_ratio(result.metrics)
    if ratio is not None:
        evaluation["plan_volume_over_flow_optimum"] = ratio
    planned = _planned_max_load(instance, result, evaluation["level"])
    if planned is not None:
        evaluation["max_load_planned"] = planned
    facts = result.solver
    bounds_max_load = facts.extra.get("bound_of") == "max_load_after"
    if facts.bound is not None and bounds_max_load and facts.extra.get("level") == evaluation["level"]:
        evaluation["max_load_bound"] = float(facts.bound)  # a bound of the largest load at this very level
    return evaluation
