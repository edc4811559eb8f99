"""``ua-opt``: the certified optimum of the loads users end up with.

Every user is served by one of its candidate cells (:mod:`lbopt.optimum.candidates`: the A3 window by default)
with the PRBs it needs *in that cell* from the radio model; the association minimises the largest utilisation of
the evaluation units (cells, or macro cells with their picocells), then, at that optimum, the handovers
(:mod:`formulations.user_association`). The optimum is a lower bound of the realised largest load of every method
whose users stay on candidate cells: a comparison hands ``ua-opt`` the other methods' associations, which become
candidates too, so that every heuristic's ``gap_max_load`` is measured against a bound that covers it.

Units are the home groups: a method that re-homes picocells changes the units themselves, which ``ua-opt`` does
not model.

Outputs: ``users.csv`` (``serving_before``, ``serving_after``, ``prb_before``, ``prb_after``, ``candidates``),
``candidates.csv`` (``user, cell, rsrp_dbm, prb``, whether the reach rule or another method's association brought
the pair in, and whether it was chosen): the data the optimum was computed from. ``objective`` is the value of the
association found, ``metrics.bound`` the proven bound, ``solver.gap`` the relative gap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from formulations.user_association import AssignmentProblem, AssignmentSolution, solve_assignment
from lbopt.evaluate import evaluation_level, home_units
from lbopt.instance.model import Instance
from lbopt.methods.baselines import cell_table
from lbopt.optimum.candidates import Candidates, candidate_pairs, reach_rule, window_db
from lbopt.result import Result

__all__ = ["associations_of", "build_problem", "optimum_result", "run_ua_opt"]


def associations_of(instance: Instance, others: dict[str, Result] | None) -> dict[str, np.ndarray]:
    """The final serving cell (position, −1: none) of every user in each other result that has one."""
    out = {}
    ids = instance.users["id"]
    for name, result in (others or {}).items():
        users = result.tables.get("users")
        if users is None or "serving_after" not in users:
            continue
        after = users.set_index("id")["serving_after"].reindex(ids)
        out[name] = instance.cell_positions(after)
    return out


def build_problem(
    cand: Candidates, n_users: int, unit_of_cell: np.ndarray, capacity: np.ndarray
) -> tuple[AssignmentProblem, np.ndarray]:
    """The assignment problem over the users with at least one candidate, and those users' indices."""
    users = np.unique(cand.user)
    index = np.full(n_users, -1)
    index[users] = np.arange(len(users))
    current = np.full(len(users), -1)
    at_start = np.flatnonzero(cand.cell == cand.start[cand.user])
    current[index[cand.user[at_start]]] = at_start
    problem = AssignmentProblem(
        n_users=len(users),
        user=index[cand.user],
        unit=unit_of_cell[cand.cell],
        prb=cand.prb,
        capacity=capacity,
        current=current,
    )
    return problem, users


def _lookup(cand: Candidates, n_cells: int, cells: np.ndarray) -> np.ndarray:
    """Per user, the index of the candidate pair (user, ``cells[user]``); −1 where it is not a candidate."""
    key = cand.user * n_cells + cand.cell
    users = np.arange(len(cells))
    want = users * n_cells + cells
    pos = np.minimum(np.searchsorted(key, want), max(len(key) - 1, 0))
    found = (cells >= 0) & (len(key) > 0) & (key[pos] == want) if len(key) else np.zeros(len(cells), bool)
    return np.where(found, pos, -1)


def _as_choice(cand: Candidates, n_cells: int, users: np.ndarray, cells: np.ndarray) -> np.ndarray | None:
    """An association (a cell per user) as candidate indices of the model's users, or ``None`` when one of its
    pairs is not a candidate."""
    pos = _lookup(cand, n_cells, cells)[users]
    return pos if np.all(pos >= 0) else None


def _tables(
    instance: Instance, cand: Candidates, before: np.ndarray, after: np.ndarray, chosen: np.ndarray
) -> dict[str, pd.DataFrame]:
    cell_ids = instance.cells["id"].to_numpy(object)
    user_ids = instance.users["id"].to_numpy(object)
    users = instance.user_frame()
    for when, cells in (("before", before), ("after", after)):
        pos = _lookup(cand, instance.n_cells, cells)
        users[f"serving_{when}"] = pd.Series(cell_ids[cells], dtype=object)
        users[f"rsrp_dbm_{when}"] = np.where(pos >= 0, cand.rsrp_dbm[pos], np.nan)
        users[f"prb_{when}"] = np.where(pos >= 0, cand.prb[pos], np.inf)  # not a candidate: cannot be served
    users["candidates"] = np.bincount(cand.user, minlength=len(user_ids))
    candidates = pd.DataFrame(
        {
            "user": pd.Series(user_ids[cand.user], dtype=object),
            "cell": pd.Series(cell_ids[cand.cell], dtype=object),
            "rsrp_dbm": cand.rsrp_dbm,
            "prb": cand.prb,
            "in_reach": cand.in_reach,
            "chosen": chosen,
        }
    )
    return {"users": users, "candidates": candidates}


def _metrics(
    instance: Instance,
    cand: Candidates,
    problem: AssignmentProblem,
    sol: AssignmentSolution,
    context: dict[str, Any],
) -> dict[str, Any]:
    n_users = len(instance.users)
    start_value = problem.value(context["objective"], problem.current) if np.all(problem.current >= 0) else None
    metrics: dict[str, Any] = {
        "level": context["level"],
        "objective": context["objective"],
        "value": sol.value,
        "bound": sol.bound,
        "gap": sol.gap,
        "lp_bound": sol.lp_bound,
        "value_before": start_value,
        "reach": context["reach"],
        "reach_rule": reach_rule(instance, context["reach"]),
        "window_db": window_db(instance.handover) if context["reach"] == "a3" else None,
        "candidates": int(problem.n_candidates),
        "candidates_per_user": problem.n_candidates / max(problem.n_users, 1),
        "single_candidate_users": int(np.sum(np.diff(problem.starts) == 1)),
        "users": n_users,
        "users_outside_model": int(n_users - problem.n_users),
        "pairs_from_methods": int(np.sum(~cand.in_reach)),
        "methods_covered": context["covered"],
        "units": int(problem.n_units),
    }
    for key, value in sol.second_stage.items():
        metrics[f"second_stage_{key}"] = value
    return metrics


def run_ua_opt(
    instance: Instance,
    progress: Callable[[int], None] | None = None,
    *,
    objective: str,
    second_stage: str,
    reach: str,
    time_limit: float,
    mip_gap: float,
    relaxation: bool,
    level: str | None = None,
    others: dict[str, Result] | None = None,
) -> Result:
    """Solve the association of the module docstring (:class:`lbopt.optimum.params.UaOptParams`).

    ``level``: the evaluation level (``cell`` or ``group``; by default :func:`lbopt.evaluate.evaluation_level`);
    ``others``: results of methods compared with this one, whose associations become candidates and warm starts.
    """
    t0 = time.perf_counter()
    level = level or evaluation_level(instance)
    unit_of_cell, capacity = home_units(instance, level)
    associations = associations_of(instance, others)
    cand = candidate_pairs(instance, reach, tuple(associations.values()))
    problem, users = build_problem(cand, len(instance.users), unit_of_cell, capacity)
    warm = [_as_choice(cand, instance.n_cells, users, cells) for cells in (cand.strongest, *associations.values())]
    sol = solve_assignment(
        problem,
        objective=objective,
        second_stage=second_stage,
        time_limit=time_limit,
        mip_gap=mip_gap,
        warm_starts=tuple(w for w in warm if w is not None),
        relaxation=relaxation,
    )
    before = cand.start
    after = before.copy()
    after[users] = cand.cell[sol.choice]
    chosen = np.zeros(problem.n_candidates, bool)
    chosen[sol.choice] = True
    tables = _tables(instance, cand, before, after, chosen)
    n = instance.n_cells
    states = {"before": before, "after": after}
    prb = {}
    for when, cells in states.items():
        need = tables["users"][f"prb_{when}"].to_numpy(float)
        prb[when] = np.bincount(cells, np.where(np.isfinite(need), need, 0.0), n)
    counts = {w: np.bincount(cells, minlength=n) for w, cells in states.items()}
    cells = cell_table(instance, prb, counts)
    context = {"objective": objective, "level": level, "reach": reach, "covered": sorted(associations)}
    metrics = _metrics(instance, cand, problem, sol, context)
    if objective == "max-load":
        sol.facts.extra["bound_of"] = "max_load_after"  # the evaluator carries the bound into the evaluation
        sol.facts.extra["bound_meaning"] = "no association of the candidates does better"
    return optimum_result(
        instance, "ua-opt", (sol.status, sol.value, sol.facts), level, t0, cells, metrics, tables, progress
    )


def optimum_result(
    instance: Instance,
    method: str,
    outcome: tuple,
    level: str,
    t0: float,
    cells: pd.DataFrame,
    metrics: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    progress: Callable[[int], None] | None,
) -> Result:
    """The result of a certified optimum: ``outcome`` is (status, value, solver facts); the level goes into the
    facts (the evaluator reads a bound only at its own level)."""
    status, value, facts = outcome
    facts.extra["level"] = level
    facts.time_s = time.perf_counter() - t0
    if progress is not None:
        progress(len(instance.users))
    return Result(
        instance=instance.name,
        method=method,
        status=status,
        objective=value,
        solver=facts,
        cells=cells,
        metrics=metrics,
        tables=tables,
    )
