"""The user-level OSLB outcome as a :class:`~lbopt.result.Result`: tables beside the input's ids, and metrics."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from lbopt.instance.model import Instance
from lbopt.metrics import load_distribution_index, load_metrics
from lbopt.oslb.procedure import FLOOR_TOL, UserLevelOutcome, run_user_level
from lbopt.radio.handover import relation_table
from lbopt.result import Result
from lbopt.stability.transfers import handover_stability


def _group_loads(
    outcome: UserLevelOutcome, serving: np.ndarray, prb: np.ndarray, group_of_cell: np.ndarray
) -> np.ndarray:
    return np.bincount(group_of_cell[serving], prb, outcome.groups.n)


def _error_split(o: UserLevelOutcome, planned_net_out: np.ndarray) -> dict[str, np.ndarray]:
    """The non-conservative error of every group, ``realised − planned``, split into three parts that add up to it:

    * shortfall: the planned net transfer out of the group that was not executed,
      ``(planned_out − planned_in) − (executed_out − executed_in)`` (executed counted in the source cells' PRBs);
    * inflation: what the users who joined the group need there beyond what they needed where they came from,
      ``received_in − executed_in``;
    * within the group: PRB changes of users who stayed in the group (zero when nobody changes cell inside it).
    """
    n = o.groups.n
    before = o.groups.of_cell[o.serving_before]
    after = o.group_after[o.serving_after]
    left = before != after
    executed_out = np.bincount(before[left], o.prb_before[left], n)
    executed_in = np.bincount(after[left], o.prb_before[left], n)
    received_in = np.bincount(after[left], o.prb_after[left], n)
    within = np.bincount(after[~left], o.prb_after[~left] - o.prb_before[~left], n)
    return {
        "executed_out_prb": executed_out,
        "executed_in_prb": executed_in,
        "received_in_prb": received_in,
        "error_shortfall_prb": planned_net_out - (executed_out - executed_in),
        "error_inflation_prb": received_in - executed_in,
        "error_within_group_prb": within,
    }


def tables(instance: Instance, o: UserLevelOutcome) -> dict[str, pd.DataFrame]:
    """The result tables of a user-level OSLB run: cells, groups, flows, plans, pairs, users, handovers, cio (per
    directed relation) and the CIO deviations.
    """
    ids = instance.cells["id"].to_numpy(object)
    user_ids = instance.users["id"].to_numpy(object)
    g = o.groups
    n_cells = len(ids)
    head_ids = ids[g.head]
    p = o.problem
    k = len(o.ga)
    planned_out = np.zeros(g.n)
    planned_in = np.zeros(g.n)
    for a, b, y in zip(o.ga, o.gb, o.plan_net, strict=True):
        src, dst = (a, b) if y > 0 else (b, a)
        planned_out[src] += abs(np.floor(abs(y) + FLOOR_TOL))
        planned_in[dst] += abs(np.floor(abs(y) + FLOOR_TOL))
    planned = o.demand - planned_out + planned_in
    realised = _group_loads(o, o.serving_after, o.prb_after, o.group_after)
    split = _error_split(o, planned_out - planned_in)
    groups = pd.DataFrame(
        {
            "group": head_ids,
            "prb_capacity": o.capacity,
            "prb_before": o.demand,
            "prb_target": o.target,
            "prb_planned": planned,
            "prb_after": realised,
            "load_before": o.demand / o.capacity,
            "load_planned": planned / o.capacity,
            "load_after": realised / o.capacity,
            "nonconservative_error_prb": realised - planned,
            **split,
        }
    )
    cap = instance.prb_capacity()
    prb_cell_before = np.bincount(o.serving_before, o.prb_before, n_cells)
    prb_cell_after = np.bincount(o.serving_after, o.prb_after, n_cells)
    cells = pd.DataFrame({"id": ids})
    for col in ("tier", "parent", "x_m", "y_m"):
        if col in instance.cells:
            cells[col] = instance.cells[col]
    cells["group"] = head_ids[g.of_cell]
    cells["group_after"] = head_ids[o.group_after]
    cells["prb_capacity"] = cap
    cells["prb_before"] = prb_cell_before
    cells["prb_after"] = prb_cell_after
    cells["load_before"] = prb_cell_before / cap
    cells["load_after"] = prb_cell_after / cap
    cells["users_before"] = np.bincount(o.serving_before, minlength=n_cells)
    cells["users_after"] = np.bincount(o.serving_after, minlength=n_cells)
    moved = np.flatnonzero(o.serving_after != o.serving_before)
    handovers = pd.DataFrame(
        {
            "user": user_ids[moved],
            "from": ids[o.serving_before[moved]],
            "to": ids[o.serving_after[moved]],
            "prb_before": o.prb_before[moved],
            "prb_after": o.prb_after[moved],
            "planned": o.execution.selected_for[moved] == o.groups.of_cell[o.serving_after[moved]],
        }
    )
    users = instance.user_frame()
    users["serving_before"] = ids[o.serving_before]
    users["serving_after"] = ids[o.serving_after]
    users["prb_before"] = o.prb_before
    users["prb_after"] = o.prb_after
    users["planned_group"] = np.where(
        o.execution.selected_for >= 0, head_ids[np.maximum(o.execution.selected_for, 0)], None
    )
    x = o.plan_net
    flows = pd.DataFrame(
        {
            "from": np.where(x > 0, head_ids[o.ga], head_ids[o.gb]),
            "to": np.where(x > 0, head_ids[o.gb], head_ids[o.ga]),
            "prb": np.floor(np.abs(x) + FLOOR_TOL),
        }
    )
    flows = flows[flows["prb"] > 0].reset_index(drop=True)
    plans = pd.DataFrame(
        {
            "a": head_ids[o.ga],
            "b": head_ids[o.gb],
            "global_net_prb": o.solution.flow[:k] - o.solution.flow[k:],
            **({} if o.distributed_net is None else {"distributed_net_prb": o.distributed_net}),
            "capacity_ab": p.capacity[:k],
            "capacity_ba": p.capacity[k:],
        }
    )
    cio = relation_table(ids, *o.cio_relations)
    pairs = pd.DataFrame(o.execution.pair_rows)
    if len(pairs):
        pairs["from_group"] = head_ids[pairs["from_group"].to_numpy(int)]
        pairs["to_group"] = head_ids[pairs["to_group"].to_numpy(int)]
    return {
        "cells": cells,
        "groups": groups,
        "users": users,
        "handovers": handovers,
        "flows": flows,
        "plans": plans,
        "cio": cio,
        "pairs": pairs,
        "cio_deviations": o.deviations,
    }


def _rounding_loss(o: UserLevelOutcome) -> dict:
    """With 3GPP offset steps: the requirements the continuous offsets would miss, beside those the steps miss
    (``cio_deviating_requirements``) and the total violation of each (dB)."""
    if o.cio_continuous is None:
        return {}
    return {
        "cio_deviating_requirements_continuous": len(o.cio_continuous.deviating),
        "cio_violation_db": float(o.cio.violation_db.sum()),
        "cio_violation_db_continuous": float(o.cio_continuous.violation_db.sum()),
    }


def _shortfall_words(m: dict) -> str:
    """The plan minus what moved, in words: a shortfall, or users the offsets moved beyond the plan."""
    short = m["shortfall_prb"]
    if short >= 0:
        return f"{short:.0f} planned PRBs were not moved (shortfall)"
    unplanned = m["unplanned_handovers"]
    others = (
        f"and {unplanned} handovers were not planned: users the offsets moved with the planned ones"
        if unplanned
        else "and every handover was planned"
    )
    return (
        f"{-short:.0f} PRBs more than planned moved (the last user a pair's walk takes may hold more PRBs than the "
        f"pair's plan had left, {others})"
    )


def _plan_vs_execution(m: dict) -> str:
    """Why the certified plan's loads are not the loads users end up with, in numbers."""
    return (
        f"The flow plan is optimal for the group-level flow model: its arcs carry {m['planned_prb']:.0f} PRBs of "
        f"handovers (a PRB passing through a group counts on each arc) and bring {m['routable_prb']:.0f} of the "
        f"{m['required_prb']:.0f} surplus PRBs to where they are needed (the arc capacities allow no more). "
        f"Executed through A3 with the offsets the CIO LP could set, {m['handovers']} handovers moved users holding "
        f"{m['executed_prb']:.0f} PRBs in their source cells: {_shortfall_words(m)}. The moved users need "
        f"{m['received_prb']:.0f} PRBs in their new cells "
        f"({m['inflation_prb']:+.0f}, inflation: a transfer is not conservative). The loads users end up with "
        "differ from the plan's by these amounts; the groups table splits each group's error into shortfall, "
        "inflation and changes within the group."
    )


def user_level_result(instance: Instance, **params) -> Result:
    """Run the user-level OSLB procedure (:func:`lbopt.oslb.procedure.run_user_level`) and assemble its result:
    tables, plan and execution metrics, stability analysis of the executed transfers.
    """
    t0 = time.perf_counter()
    o = run_user_level(instance, **params)
    t = tables(instance, o)
    cells = t.pop("cells")  # the per-cell table is the Result's own, not a side table
    groups = t["groups"]
    handovers = t["handovers"]
    rehomed_prb = 0.0
    for pico in o.execution.rehomed:
        rehomed_prb += float(o.prb_before[o.serving_before == pico].sum())
    transferred = float(handovers["prb_before"].sum()) + rehomed_prb
    metrics = {}
    metrics.update(load_metrics(groups["load_before"].to_numpy(), "before"))
    metrics.update(load_metrics(groups["load_planned"].to_numpy(), "planned"))
    metrics.update(load_metrics(groups["load_after"].to_numpy(), "after"))
    metrics.update(
        {
            "cell_ldi_before": load_distribution_index(cells["load_before"].to_numpy()),
            "cell_ldi_after": load_distribution_index(cells["load_after"].to_numpy()),
            "planned_prb": float(t["flows"]["prb"].sum()),
            "routable_prb": o.solution.routed,
            "executed_prb": float(groups["executed_out_prb"].sum()),
            # the plan not carried out, and what the moved users need beyond their PRBs in the source cells
            "shortfall_prb": float(t["flows"]["prb"].sum() - groups["executed_out_prb"].sum()),
            "inflation_prb": float(groups["received_in_prb"].sum() - groups["executed_out_prb"].sum()),
            "transferred_prb": transferred,
            "received_prb": float(handovers["prb_after"].sum()) + rehomed_prb,
            "required_prb": o.solution.required,
            "unmet_prb": max(0.0, o.solution.required - transferred),
            "plan_unmet_prb": o.solution.unmet,
            "global_optimum_prb": o.solution.objective,
            "handovers": len(handovers),
            "unplanned_handovers": int((~handovers["planned"]).sum()),
            "rehomed_picocells": len(o.execution.rehomed),
            "cio_exact": bool(o.cio.exact),
            "cio_deviating_requirements": len(o.deviations),
            "cio_total_abs_db": float(np.abs(o.cio_relations[2]).sum()),
            "offset_steps": instance.handover.offset_steps,
            "offset_relations": instance.handover.relations,
            **_rounding_loss(o),
            "nonconservative_error_prb": float(np.abs(groups["nonconservative_error_prb"]).sum()),
            "nonconservative_error_max_prb": float(np.abs(groups["nonconservative_error_prb"]).max()),
            "groups": o.groups.n,
            "handover_volume_prb": float(np.floor(np.abs(o.plan_net) + FLOOR_TOL).sum()),
            "flow_optimum_prb": o.solution.objective,
        }
    )
    if o.distributed_net is not None:
        metrics["distributed_plan_prb"] = float(np.abs(o.distributed_net).sum())
    explanation = _plan_vs_execution(metrics)
    moved = np.flatnonzero(o.serving_after != o.serving_before)
    events = pd.DataFrame(
        {"step": 1, "user": moved, "source": o.serving_before[moved], "target": o.serving_after[moved]}
    )
    analysis, stability = handover_stability(
        instance, o.serving_before, events, o.prb_matrix.per_cell(1.0 / instance.prb_capacity()), 1, one_shot=True
    )
    if analysis is not None:
        t["stability"] = analysis
    facts = o.solution.facts
    facts.extra["total_time_s"] = time.perf_counter() - t0
    facts.extra["cio_lp"] = o.cio.facts.to_dict()
    return Result(
        instance=instance.name,
        method="oslb",
        status=o.solution.status,
        objective=float(np.floor(np.abs(o.plan_net) + FLOOR_TOL).sum()),
        solver=facts,
        cells=cells,
        metrics=metrics,
        tables=t,
        extra={
            "level": "user",
            "plan": o.plan,
            "target": params.get("target") or instance.methods.oslb.target,
            "plan_vs_execution": explanation,
            "stability": stability,
        },
    )
