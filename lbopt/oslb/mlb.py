"""The MLB baseline: load-based CIO stepping in the spirit of Kwan et al. (VTC-Fall 2010, ref. [7] of Jia et al.).

Kwan's exact law is lost (NOTES §1.7); lbopt implements this rule and states it in every result:

every period, for each pair of neighbouring groups (macro cell + its picocells) joined by a macro–macro link,
with group loads ``L = PRB demand / PRB capacity`` (the "virtual" load, may exceed 1):

* if ``L_i − L_j > threshold``: ``O_ij ← min(O_ij + step, O_max)`` (and ``O_ji = −O_ij``): i pushes users to j;
* if ``L_j − L_i > threshold``: the step goes the other way;
* otherwise the offset is held.

Then every macro user evaluates the A3 event (``RSRP_j + O_ij > RSRP_i + Hys``) towards the macro cells and
hands over to the best cell that enters it; PRBs are recomputed in the new cell. Defaults: 10 periods,
threshold 0.1, step 1 dB, offsets within the handover settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from formulations.status import SolverFacts, Status
from lbopt.instance.model import Instance
from lbopt.metrics import load_metrics
from lbopt.oslb.procedure import group_pairs, user_state
from lbopt.radio.handover import pair_relations, relation_table
from lbopt.result import Result
from lbopt.stability.handover import nearest_step
from lbopt.stability.transfers import handover_stability


def run_mlb(
    instance: Instance,
    progress: Callable[[int], None] | None = None,
    *,
    periods: int,
    load_gap: float,
    step_db: float,
) -> Result:
    """Run the MLB rule of the module docstring for ``periods`` periods (:class:`lbopt.instance.schema.MlbParams`)."""
    t0 = time.perf_counter()
    ho = instance.handover
    state = user_state(instance)
    groups, serving, reach = state.groups, state.serving, state.reach
    prb = state.prb
    rows = np.arange(len(serving))
    capacity = np.bincount(groups.of_cell, instance.prb_capacity(), groups.n)
    ga, gb, head_link = group_pairs(instance, groups)
    use = head_link >= 0
    ga, gb = ga[use], gb[use]
    ha, hb = groups.head[ga], groups.head[gb]
    lo, hi = max(ho.cio_min_db, -ho.cio_max_db), min(ho.cio_max_db, -ho.cio_min_db)
    offsets = np.zeros(len(ga))
    drive = offsets.copy()
    heads = np.zeros(instance.n_cells, bool)
    heads[groups.head] = True
    reach_db = max(0.0, ho.cio_max_db - ho.hysteresis_db)
    start = serving.copy()

    def group_loads(s: np.ndarray) -> np.ndarray:
        return np.bincount(groups.of_cell[s], prb[rows, s], groups.n) / capacity

    trace = []
    events = 0
    moves = []
    for period in range(periods):
        loads = group_loads(serving)
        diff = loads[ga] - loads[gb]
        drive = np.clip(drive + step_db * ((diff > load_gap).astype(float) - (diff < -load_gap)), lo, hi)
        offsets = nearest_step(drive, lo, hi) if ho.offset_steps == "3gpp" else drive  # what a 3GPP cell applies
        source, target_cell, o = pair_relations(ha, hb, offsets)
        cio = sp.csr_matrix((o, (source, target_cell)), shape=(instance.n_cells, instance.n_cells))
        on_head = serving == groups.head[groups.of_cell[serving]]
        users = np.flatnonzero(on_head)
        target = reach.a3_target(users, serving, cio, ho.hysteresis_db, heads)
        moved = target >= 0
        moves.append(
            pd.DataFrame(
                {"step": period + 1, "user": users[moved], "source": serving[users[moved]], "target": target[moved]}
            )
        )
        serving = serving.copy()
        serving[users[moved]] = target[moved]
        reach = reach.following(instance, users[moved], serving, reach_db)
        prb = reach.values("served_prb")
        events += int(moved.sum())
        after = group_loads(serving)
        trace.append({"period": period + 1, "handovers": int(moved.sum()), **load_metrics(after, "after")})
    before_g, after_g = group_loads(start), group_loads(serving)
    ids = instance.cells["id"].to_numpy(object)
    changed = np.flatnonzero(serving != start)
    metrics = {**load_metrics(before_g, "before"), **load_metrics(after_g, "after")}
    metrics.update(
        {
            "handovers": len(changed),
            "handover_events": events,
            "transferred_prb": float(prb[changed, start[changed]].sum()),
            "received_prb": float(prb[changed, serving[changed]].sum()),
            "unmet_prb": float("nan"),
            "periods": periods,
        }
    )
    cap = instance.prb_capacity()
    n = len(ids)
    transfers = pd.concat(moves, ignore_index=True)
    analysis, stability = handover_stability(instance, start, transfers, prb.per_cell(1.0 / cap), periods)
    cells = pd.DataFrame({"id": ids, "group": ids[groups.head[groups.of_cell]], "prb_capacity": cap})
    for col in ("tier", "parent", "x_m", "y_m"):
        if col in instance.cells:
            cells[col] = instance.cells[col]
    for when, s in (("before", start), ("after", serving)):
        cells[f"prb_{when}"] = np.bincount(s, prb[rows, s], n)
        cells[f"load_{when}"] = cells[f"prb_{when}"] / cap
    users = instance.user_frame().assign(
        serving_before=ids[start], serving_after=ids[serving], prb_before=prb[rows, start], prb_after=prb[rows, serving]
    )
    return Result(
        instance=instance.name,
        method="mlb",
        status=Status.FEASIBLE,
        solver=SolverFacts(name="mlb", time_s=time.perf_counter() - t0),
        cells=cells,
        metrics=metrics,
        tables={
            "groups": pd.DataFrame(
                {"group": ids[groups.head], "prb_capacity": capacity, "load_before": before_g, "load_after": after_g}
            ),
            "users": users,
            "trace": pd.DataFrame(trace),
            "cio": relation_table(ids, *pair_relations(ha, hb, offsets)),
            "transfers": transfers.assign(source=ids[transfers["source"]], target=ids[transfers["target"]]),
            **({"stability": analysis} if analysis is not None else {}),
        },
        extra={
            "stability": stability,
            "rule": (
                f"every period, per macro-macro pair: O_ij += {step_db:g} dB if L_i - L_j > {load_gap:g}, "
                f"-= if L_j - L_i > {load_gap:g}, within [{lo:g}, {hi:g}] dB; then A3 with Hys "
                f"{ho.hysteresis_db:g} dB for macro users towards macro cells"
            ),
        },
    )
