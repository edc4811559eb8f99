"""OSLB over several balancing periods: each period measures the loads the previous one left and plans again.

This is what an operator runs, and the protocol MLB follows (``--periods``), so that a comparison gives every
method the same number of periods. Period k starts from the association (``users.serving``) and the picocell
homes (``cells.parent``) that period k − 1 ended with, and runs the whole procedure of
:mod:`lbopt.oslb.procedure`. The loop ends early when a period moves nobody (settled).

The result is the last period's, with the state *before* taken from the first period (so that the evaluation
measures the whole run), a ``trace`` table (per period: handovers, re-homed picocells, planned and executed PRBs,
and the LDI and largest load after it as :mod:`lbopt.evaluate` measures them on the instance as given — the plan's
own view of a later period counts re-homed picocells' bandwidth in their new group) and ``metrics.periods_run``,
``metrics.settled``, ``metrics.handovers_all_periods``. The other plan metrics (planned, executed PRBs...) are the
last period's.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from lbopt.evaluate import evaluate_result
from lbopt.instance.model import Instance
from lbopt.oslb.report import user_level_result
from lbopt.result import Result

__all__ = ["run_periods"]

_TRACE = ("handovers", "rehomed_picocells", "required_prb", "routable_prb", "planned_prb", "executed_prb")


def _next_state(instance: Instance, result: Result) -> Instance:
    """The instance as the period left it: users on their new cells, re-homed picocells under their new macro."""
    after = result.tables["users"].set_index("id")["serving_after"].reindex(instance.users["id"])
    users = instance.users.assign(serving=after.to_numpy(object))
    cells = instance.cells
    if "parent" in cells and "group_after" in result.cells:
        group_after = result.cells.set_index("id")["group_after"].reindex(cells["id"]).to_numpy(object)
        is_pico = cells["parent"].notna().to_numpy()
        parent = cells["parent"].to_numpy(object).copy()
        parent[is_pico] = group_after[is_pico]
        cells = cells.assign(parent=parent)
    return replace(instance, users=users, cells=cells)


def _before_from(first: Result, final: Result) -> None:
    """The final result's "before" columns and metrics replaced by the first period's."""
    users = final.tables["users"]
    start = first.tables["users"].set_index("id").reindex(users["id"])
    for col in ("serving_before", "prb_before"):
        users[col] = start[col].to_numpy()
    cells = final.cells
    start_cells = first.cells.set_index("id").reindex(cells["id"])
    for col in ("prb_before", "load_before", "users_before"):
        if col in cells:
            cells[col] = start_cells[col].to_numpy()
    for key, value in first.metrics.items():
        if key.endswith("_before"):
            final.metrics[key] = value


def run_periods(instance: Instance, periods: int, **params) -> Result:
    """``periods`` periods of the OSLB procedure (module docstring); ``params`` as :func:`user_level_result`."""
    current, first, rows = instance, None, []
    result = None
    for period in range(1, periods + 1):
        result = user_level_result(current, **params)
        first = first or result
        measured = evaluate_result(instance, result)  # the one evaluator, on the instance as given: one accounting
        rows.append(
            {
                "period": period,
                **{k: result.metrics.get(k) for k in _TRACE},
                "ldi_after": measured["ldi_after"],
                "max_load_after": measured["max_load_after"],
            }
        )
        if not result.metrics["handovers"] and not result.metrics["rehomed_picocells"]:
            break
        current = _next_state(current, result)
    if result is None or first is None:  # pragma: no cover - periods >= 1 (the parameter model)
        raise ValueError("periods must be at least 1")
    if result is not first:
        _before_from(first, result)
    trace = pd.DataFrame(rows)
    result.tables["trace"] = trace
    result.metrics.update(
        periods=periods,
        periods_run=len(rows),
        settled=bool(rows[-1]["handovers"] == 0 and rows[-1]["rehomed_picocells"] == 0),
        handovers_all_periods=int(trace["handovers"].sum()),
    )
    return result
