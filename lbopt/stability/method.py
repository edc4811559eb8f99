"""Zou et al.'s handover algorithms as lbopt methods: ``zou-alg1``, ``zou-alg2``, ``zou-alg3``, ``zou-greedy``.

The instance gives the users, the radio (PRBs per user and cell, RSRP), the adjacency (``links``, else the coverage
radii, else Delaunay; :func:`lbopt.stability.spectrum.cell_adjacency`) and the A3 settings (``handover``);
``methods.zou`` the threshold ρ_th, the accommodation c, the number of steps and the greedy gain. The simulation
and the readings taken are in :mod:`lbopt.stability.handover`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from formulations.status import SolverFacts, Status
from lbopt.instance.model import Instance
from lbopt.metrics import load_metrics
from lbopt.radio.handover import pair_relations, relation_table
from lbopt.radio.model import served_prb, serving_or_strongest, user_cell_matrices
from lbopt.result import Result
from lbopt.stability.handover import HandoverRun, HandoverSetting, simulate_handover
from lbopt.stability.spectrum import cell_adjacency

#: the last share of the steps in which handovers still happening mean the scheme has not stopped
TAIL_SHARE = 0.1


def handover_setting(instance: Instance, algorithm: str, **overrides) -> HandoverSetting:
    """The simulation settings from ``methods.zou`` and ``handover``, overridden by non-None keyword values."""
    params = instance.methods.zou.model_dump()
    params.update({k: v for k, v in overrides.items() if v is not None})
    ho = instance.handover
    return HandoverSetting(
        algorithm=algorithm,
        hysteresis_db=ho.hysteresis_db,
        cio_min_db=ho.cio_min_db,
        cio_max_db=ho.cio_max_db,
        offset_steps=ho.offset_steps,
        **params,
    )


def handover_inputs(instance: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(rsrp_dbm, user_load, serving, adjacency)`` of the instance for :func:`simulate_handover`; a user a cell
    cannot serve adds no load there (:func:`lbopt.radio.model.served_prb`)."""
    m = user_cell_matrices(instance, outputs=("rsrp_dbm", "prb"))
    user_load = served_prb(m["prb"], in_place=True)  # our own matrix: the cells' count, then the load share
    user_load /= instance.prb_capacity()[None, :]
    adjacency, _ = cell_adjacency(instance)
    return m["rsrp_dbm"], user_load, serving_or_strongest(instance, m["rsrp_dbm"]), adjacency.toarray()


def reach_inputs(
    instance: Instance, setting: HandoverSetting
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Callable[[np.ndarray, np.ndarray], None]]:
    """:func:`handover_inputs` with the PRBs of the pairs A3 can reach only, and the ``on_moved`` hook of
    :func:`simulate_handover` that keeps it so.

    The simulation reads RSRP everywhere (A3 over the neighbours, the CIO LP's requirements) but a user's load only in
    its serving cell and in cells with ``RSRP ≥ RSRP_serving + Hys − O_max − 2 × margin`` (requests, the A3 groups of
    accepted users, A3 targets). So RSRP is the full matrix (:func:`lbopt.radio.reach.reach_radio` writes it) and
    ``user_load`` holds those pairs (NaN elsewhere, never read); after a step, the rows of users whose new cell puts
    such pairs below what is kept are computed in full. The run is the full matrices' run (tested); what it saves
    is the SINR, rate and PRBs of every other pair.
    """
    from lbopt.radio.reach import reach_radio

    reach_db = max(0.0, setting.cio_max_db - setting.hysteresis_db) + 2.0 * setting.margin_db + 1e-9
    n_users = len(instance.users)
    rsrp = np.empty((n_users, instance.n_cells))
    reach, start = reach_radio(instance, reach_db, rsrp_out=rsrp)
    capacity = instance.prb_capacity()
    user_load = np.full(rsrp.shape, np.nan)

    def fill(kept) -> None:
        user_load[kept.user, kept.cell] = served_prb(kept.prb) / capacity[kept.cell]

    fill(reach)
    state = {"reach": reach}

    def on_moved(moved: np.ndarray, serving: np.ndarray) -> None:
        wider = state["reach"].following(instance, moved, serving, reach_db)
        if wider is not state["reach"]:
            fill(wider)
            state["reach"] = wider

    adjacency, _ = cell_adjacency(instance)
    return rsrp, user_load, start, adjacency.toarray(), on_moved


def run_summary(run: HandoverRun) -> dict:
    """Scalar metrics of a run: loads before/after, handovers, and the non-conservative terms."""
    tail = max(1, int(np.ceil(TAIL_SHARE * run.steps)))
    events = run.events
    planned_total = int(run.planned.sum())
    realised_planned = int(events["planned"].sum()) if len(events) else 0
    active = ~np.isnan(run.alpha)
    return {
        **load_metrics(run.loads[0], "before"),
        **load_metrics(run.loads[-1], "after"),
        "steps": run.steps,
        "handovers": int(run.realised.sum()),
        "handovers_planned": planned_total,
        "handovers_unplanned": int(run.realised.sum()) - realised_planned,
        "handovers_not_executed": planned_total - realised_planned,
        "last_active_step": run.last_active_step(),
        "handovers_in_last_steps": int(run.realised[-tail:].sum()),
        "stopped": bool(run.realised[-tail:].sum() == 0),
        "nonconservative_load": float(run.loads[-1].sum() - run.loads[0].sum()),
        "alpha_max": float(np.nanmax(run.alpha)) if active.any() else 0.0,
        "gamma_hat_max": float(np.nanmax(run.gamma_hat)) if active.any() else 0.0,
        "v_tilde_last": float(run.v_tilde[active][-1]) if active.any() else 0.0,
        "bound_holds_every_step": bool(run.bound_holds.all()),
        "unrepresentable_pairs": int(run.unrepresentable.sum()),
        "a3_inconsistent": int(run.a3_inconsistent.sum()),
    }


def trace_table(run: HandoverRun) -> pd.DataFrame:
    """One row per step: handovers, loads (mean, std), and the terms of the oscillation bound."""
    return pd.DataFrame(
        {
            "step": np.arange(1, run.steps + 1),
            "handovers_planned": run.planned,
            "handovers": run.realised,
            "mean_load": run.mean_load[1:],
            "load_std": run.load_std[1:],
            "alpha": run.alpha,
            "gamma_hat": run.gamma_hat,
            "v_before": run.v[:-1],
            "v_after": run.v[1:],
            "v_next_bound": run.v_next_bound,
            "v_tilde": run.v_tilde,
        }
    )


def run_zou(
    instance: Instance,
    algorithm: str,
    progress: Callable[[int], None] | None = None,
    **params: Any,
) -> Result:
    """Simulate one of Zou et al.'s handover schemes on ``instance`` and return its result; ``params``:
    :class:`lbopt.instance.schema.ZouParams`."""
    t0 = time.perf_counter()
    setting = handover_setting(instance, algorithm, **params)
    rsrp, user_load, start, adjacency, on_moved = reach_inputs(instance, setting)
    run = simulate_handover(rsrp, user_load, start, adjacency, setting, on_moved)
    ids = instance.cells["id"].to_numpy(object)
    user_ids = instance.users["id"].to_numpy(object)
    cells = pd.DataFrame({"id": ids, "load_before": run.loads[0], "load_after": run.loads[-1]})
    for col in ("tier", "x_m", "y_m"):
        if col in instance.cells:
            cells[col] = instance.cells[col].to_numpy()
    rows = np.arange(len(start))
    users = instance.user_frame().assign(
        serving_before=ids[start],
        serving_after=ids[run.serving],
        load_before=user_load[rows, start],
        load_after=user_load[rows, run.serving],
    )
    ev = run.events
    events = pd.DataFrame(
        {
            "step": ev["step"].astype(int),
            "user": user_ids[ev["user"].astype(int)],
            "source": ids[ev["source"].astype(int)],
            "target": ids[ev["target"].astype(int)],
            "planned": ev["planned"].astype(bool),
        }
    )
    loads = pd.DataFrame(run.loads, columns=ids).assign(step=np.arange(run.steps + 1))
    label = {"alg1": "Algorithm 1", "alg2": "Algorithm 2", "alg3": "Algorithm 3", "greedy": "greedy CIO scheme"}
    return Result(
        instance=instance.name,
        method=f"zou-{algorithm}",
        status=Status.FEASIBLE,
        solver=SolverFacts(name="zou-handover", time_s=time.perf_counter() - t0),
        cells=cells,
        metrics=run_summary(run),
        tables={
            "trace": trace_table(run),
            "loads": loads[["step", *ids]],
            "events": events,
            "epsilon": pd.DataFrame(
                {
                    "step": run.epsilon["step"].astype(int),
                    "cell": ids[run.epsilon["i"].astype(int)],
                    "neighbour": ids[run.epsilon["j"].astype(int)],
                    "epsilon": run.epsilon["epsilon"].astype(float),
                }
            ),
            "users": users,
            "cio": relation_table(ids, *pair_relations(run.links[:, 0], run.links[:, 1], run.offsets_db)),
        },
        extra={
            "rule": (
                f"Zou et al. {label[algorithm]}: "
                + (
                    f"every step O_ab += {setting.greedy_gain_db:g} dB x (rho_a - rho_b) on every link"
                    if algorithm == "greedy"
                    else f"threshold {setting.threshold:g}, accommodation {setting.accommodation:g} (per-step "
                    f"budget of the receiving cell), CIO LP, execution '{setting.execution}'"
                )
                + f"; {setting.steps} steps, A3 with Hys {setting.hysteresis_db:g} dB, offsets in "
                f"[{setting.cio_min_db:g}, {setting.cio_max_db:g}] dB"
            ),
            "setting": setting.__dict__,
        },
    )


#: registry entries (``functools.partial`` keeps the signature that ``lbopt.methods.solve`` checks flags against)
run_alg1 = partial(run_zou, algorithm="alg1")  # candidates ranked by |ρ_{u,i} − ρ_{u,j}| ascending
run_alg2 = partial(run_zou, algorithm="alg2")  # by ρ_{u,i}, the load in the current cell
run_alg3 = partial(run_zou, algorithm="alg3")  # by ρ_{u,j}, the load in the target cell
run_greedy = partial(run_zou, algorithm="greedy")  # offsets driven by load differences only (Fig. 5)
