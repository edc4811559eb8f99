"""``cio-opt``: the best largest load that pair offsets alone can reach through A3, certified (small instances).

Offsets on the instance's neighbour pairs (``links``, or derived), antisymmetric and within the handover bounds
(optionally on the q-OffsetRange values, ``--offset-steps 3gpp``); every user on its current cell (strongest for
users without one) hands over as A3 decides under those offsets, once (:mod:`formulations.cio_association`). Its
optimum is at least ``ua-opt``'s (its associations are among ``ua-opt``'s candidates): the difference is what
handing users over one by one would add to what offsets can do. The MILP grows with users × candidates², so this is
for instances of a few hundred users.

Outputs: ``users.csv`` as ``ua-opt``'s, ``cio.csv`` (``source_cell, target_cell, cio_db``: the offset of every
directed neighbour relation, ready to configure; the pair's two relations carry ``O_ab`` and ``O_ba = −O_ab``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from formulations.cio_association import Q_OFFSET_RANGE_DB, OffsetProblem, solve_offsets
from lbopt.evaluate import evaluation_level, home_units
from lbopt.graph import neighbour_pairs
from lbopt.instance.model import Instance
from lbopt.methods.baselines import cell_table
from lbopt.optimum.ua import optimum_result
from lbopt.radio.handover import pair_relations, relation_table
from lbopt.radio.model import RadioCells, current_serving, user_cell_pairs
from lbopt.result import Result

__all__ = ["offset_problem", "run_cio_opt"]


def offset_problem(instance: Instance, level: str) -> tuple[OffsetProblem, dict[str, np.ndarray]]:
    """Candidates (start cell + cells one A3 event reaches), pairs and units as an :class:`OffsetProblem`."""
    ho = instance.handover
    lo, hi = max(ho.cio_min_db, -ho.cio_max_db), min(ho.cio_max_db, -ho.cio_min_db)
    bias = RadioCells.from_instance(instance).bias_db
    current = current_serving(instance)
    start = np.empty(len(instance.users), np.int64)

    def select(rows: slice, rsrp: np.ndarray) -> np.ndarray:
        r = np.arange(rsrp.shape[0])
        best = np.argmax(rsrp + bias[None, :], axis=1)
        own = best if current is None else np.where(current[rows] >= 0, current[rows], best)
        start[rows] = own
        keep = rsrp + hi > rsrp[r, own][:, None] + ho.hysteresis_db
        keep[r, own] = True
        return keep

    pairs = user_cell_pairs(instance, select)
    a, b, _ = neighbour_pairs(instance)
    index = {(int(i), int(j)): (e, 1.0) for e, (i, j) in enumerate(zip(a, b, strict=True))}
    index.update({(int(j), int(i)): (e, -1.0) for e, (i, j) in enumerate(zip(a, b, strict=True))})
    s = start[pairs["user"]]
    found = [index.get((int(x), int(y)), (-1, 1.0)) for x, y in zip(s, pairs["cell"], strict=True)]
    unit_of_cell, capacity = home_units(instance, level)
    prb = np.where(np.isfinite(pairs["prb"]), pairs["prb"], 1e9)  # a cell that cannot serve: never worth it
    problem = OffsetProblem(
        n_users=len(instance.users),
        user=pairs["user"],
        is_start=pairs["cell"] == s,
        rsrp_dbm=pairs["rsrp_dbm"],
        pair=np.array([f[0] for f in found], np.int64),
        sign=np.array([f[1] for f in found]),
        unit=unit_of_cell[pairs["cell"]],
        prb=prb,
        capacity=capacity,
        n_pairs=len(a),
        lo=lo,
        hi=hi,
        hysteresis_db=ho.hysteresis_db,
    )
    return problem, {"cell": pairs["cell"], "start": start, "a": a, "b": b, "prb": pairs["prb"]}


def run_cio_opt(
    instance: Instance,
    progress: Callable[[int], None] | None = None,
    *,
    time_limit: float,
    mip_gap: float,
    offset_steps: str,
    level: str | None = None,
    others: dict[str, Result] | None = None,
) -> Result:
    """Offsets and their A3 association to a certified optimum (:class:`lbopt.optimum.params.CioOptParams`)."""
    t0 = time.perf_counter()
    level = level or evaluation_level(instance)
    problem, data = offset_problem(instance, level)
    steps = Q_OFFSET_RANGE_DB if offset_steps == "3gpp" else None
    sol = solve_offsets(problem, time_limit=time_limit, mip_gap=mip_gap, steps=steps)
    cell_ids = instance.cells["id"].to_numpy(object)
    before, after = data["start"], data["cell"][sol.choice]
    users = instance.user_frame()
    starts = np.flatnonzero(problem.is_start)
    for when, cells, pick in (("before", before, starts), ("after", after, sol.choice)):
        users[f"serving_{when}"] = pd.Series(cell_ids[cells], dtype=object)
        users[f"rsrp_dbm_{when}"] = problem.rsrp_dbm[pick]
        users[f"prb_{when}"] = data["prb"][pick]
    n = instance.n_cells
    prb, counts = {}, {}
    for when, cells in (("before", before), ("after", after)):
        need = users[f"prb_{when}"].to_numpy(float)
        prb[when] = np.bincount(cells, np.where(np.isfinite(need), need, 0.0), n)
        counts[when] = np.bincount(cells, minlength=n)
    cio = relation_table(cell_ids, *pair_relations(data["a"], data["b"], sol.offsets))
    metrics = {
        "level": level,
        "objective": "max-load",
        "value": sol.value,
        "bound": sol.bound,
        "gap": sol.gap,
        "offset_steps": offset_steps,
        "offset_range_db": [problem.lo, problem.hi],
        "pairs": int(problem.n_pairs),
        "candidates": len(problem.user),
        "users": len(instance.users),
    }
    sol.facts.extra["bound_meaning"] = "no offsets (one A3 event from the current cells) do better"
    outcome = (sol.status, sol.value, sol.facts)
    cells = cell_table(instance, prb, counts)
    return optimum_result(
        instance, "cio-opt", outcome, level, t0, cells, metrics, {"users": users, "cio": cio}, progress
    )
