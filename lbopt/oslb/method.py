"""The ``oslb`` method: the optimal flow plan and, on user-level instances, the OSLB handover procedure.

``level="auto"`` picks the cell level when the instance gives ``cells.prb_demand`` (measured cell demands) and the
user level otherwise (users and cell positions; :mod:`lbopt.oslb.procedure`).

Cell-level instances (``cells.prb_demand``, ``links`` capacities) get the certified min-cost flow plan of eq. 10.
``result.json`` follows the contract: ``objective`` = total cost of the handed-over PRBs, ``flows`` =
``[{from, to, prb}]``, ``metrics.transferred_prb`` (Σ flows), ``metrics.unmet_prb`` (surplus the links could not
move), loads before/after as utilisation ``P_i / C_i``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from formulations.min_cost_flow import export_penalty, highs_model
from formulations.status import SolverFacts, Status
from lbopt.errors import InvalidParameter
from lbopt.instance.model import Instance
from lbopt.metrics import load_metrics
from lbopt.oslb.cell_level import CellPlan, plan_cell_level
from lbopt.oslb.targets import Target
from lbopt.result import Result


def flows_table(instance: Instance, plan: CellPlan) -> pd.DataFrame:
    """Arcs that carry flow, as cell ids: ``from, to, prb``."""
    ids = instance.cells["id"].to_numpy(object)
    x = plan.solution.flow
    used = x > 0
    return pd.DataFrame(
        {
            "from": pd.Series(ids[plan.problem.tail[used]], dtype=object),
            "to": pd.Series(ids[plan.problem.head[used]], dtype=object),
            "prb": x[used],
        }
    )


def cells_table(instance: Instance, plan: CellPlan) -> pd.DataFrame:
    """Per cell of a cell-level plan: demand, capacity and load before, the PRBs sent and received, load after."""
    p, x, n = plan.problem, plan.solution.flow, plan.problem.n_nodes
    after = plan.demand_after()
    columns = {"id": pd.Series(instance.cells["id"].to_numpy(object), dtype=object)}
    for col in ("tier", "parent", "x_m", "y_m"):
        if col in instance.cells:
            columns[col] = instance.cells[col].to_numpy()
    columns.update(
        component=plan.component,
        prb_capacity=plan.capacity,
        prb_before=plan.demand,
        prb_target=plan.target,
        prb_out=np.bincount(p.tail, x, n),
        prb_in=np.bincount(p.head, x, n),
        prb_after=after,
        unmet_prb=plan.solution.unmet_supply,
        load_before=plan.demand / plan.capacity,
        load_after=after / plan.capacity,
    )
    return pd.DataFrame(columns)


def plan_metrics(plan: CellPlan) -> dict[str, float]:
    """The flow plan's numbers: PRBs transferred, unmet, required and routable, and the load statistics after."""
    sol = plan.solution
    metrics = {
        "transferred_prb": float(sol.flow.sum()),
        "unmet_prb": sol.unmet,
        "required_prb": sol.required,
        "routed_prb": sol.routed,
        "components": int(plan.component.max()) + 1 if len(plan.component) else 0,
    }
    metrics.update(load_metrics(plan.demand / plan.capacity, "before"))
    metrics.update(load_metrics(plan.demand_after() / plan.capacity, "after"))
    return metrics


def export_model(plan: CellPlan, name: str, ids: list[str]) -> bytes:
    """The solved flow LP (eq. 10 with virtual source and sink; the unrouted surplus penalised, so a partial plan's
    model is the one that was solved) as MPS or LP text, by the suffix of ``name``, named after the cells ``ids``."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".mps", ".lp"):
        raise InvalidParameter(f"--export wants a .mps or .lp file name, got '{Path(name).name}'")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"model{suffix}"
        highs_model(plan.problem, ids).writeModel(str(path))
        return path.read_bytes()


def run_chain(
    instance: Instance,
    progress: Callable[[int], None] | None = None,
    *,
    target: Target | None,
    beta: float | None,
    level: str,
) -> Result:
    """The paper's Case 3 baseline (:mod:`lbopt.oslb.chain`); at user level executed like OSLB's plan."""
    if level == "auto":
        level = "cell" if "prb_demand" in instance.cells else "user"
    if level == "user":
        from lbopt.oslb.report import user_level_result

        result = user_level_result(instance, target=target, beta=beta, plan="chain")
        result.method = "chain"
        result.status = Status.FEASIBLE  # the chain plan ignores link capacities: feasible, never certified
        return result
    from lbopt.oslb.chain import chain_plan

    t0 = time.perf_counter()
    plan = plan_cell_level(instance, target=target, beta=beta, engine="highs")
    p = plan.problem
    k = p.n_arcs // 2
    net = chain_plan(plan.demand, plan.capacity, p.tail[:k], p.head[:k], target or instance.methods.oslb.target)
    flow = np.concatenate([np.maximum(net, 0), np.maximum(-net, 0)])
    violation = np.maximum(flow - p.capacity, 0)
    optimum = plan.solution.objective
    plan.solution.flow = flow
    plan.solution.unmet_supply = np.zeros(p.n_nodes)
    plan.solution.objective = float(p.cost @ flow)
    metrics = plan_metrics(plan)
    metrics["capacity_violation_prb"] = float(violation.sum())
    metrics["optimum_cost"] = optimum
    metrics["handover_volume_prb"] = float(p.cost @ flow)
    metrics["flow_optimum_prb"] = optimum
    return Result(
        instance=instance.name,
        method="chain",
        status=Status.FEASIBLE,
        objective=float(p.cost @ flow),
        solver=SolverFacts(name="chain", time_s=time.perf_counter() - t0),
        cells=cells_table(instance, plan),
        metrics=metrics,
        tables={"flows": flows_table(instance, plan)},
        extra={"level": "cell"},
    )


def run_oslb(
    instance: Instance,
    progress: Callable[[int], None] | None = None,
    *,
    engine: str,
    target: Target | None,
    beta: float | None,
    integral: bool,
    export: str | None,
    level: str,
    plan: str,
    arc_capacity: str,
    stop_rule: str,
    periods: int,
) -> Result:
    """OSLB on a cell-level or user-level instance (see the module docstring); parameters:
    :class:`lbopt.oslb.params.OslbMethodParams`."""
    if level == "auto":
        level = "cell" if "prb_demand" in instance.cells else "user"
    if level == "user":
        if export:
            raise InvalidParameter("--export writes the cell-level model; use it with --level cell")
        from lbopt.oslb.periods import run_periods

        return run_periods(
            instance,
            periods,
            target=target,
            beta=beta,
            integral=integral,
            engine=engine,
            plan=plan,
            arc_capacity=arc_capacity,
            stop_rule=stop_rule,
        )
    if level != "cell":
        raise InvalidParameter(f"unknown level '{level}'; expected auto, cell or user")
    if periods > 1:
        raise InvalidParameter("--periods: a cell-level instance has one plan (no users to re-measure); use 1")
    t0 = time.perf_counter()
    plan = plan_cell_level(instance, target=target, beta=beta, integral=integral, engine=engine)
    extra: dict = {
        "level": "cell",
        "target": target or instance.methods.oslb.target,
        "integral": integral,
    }
    files = {}
    if export:
        files[Path(export).name] = export_model(plan, export, [str(c) for c in instance.cells["id"]])
        extra["exported_model_penalty"] = export_penalty(plan.problem)
        extra["exported_model"] = Path(export).name
    sol = plan.solution
    sol.facts.extra["total_time_s"] = time.perf_counter() - t0
    if sol.unmet > 0:
        extra["message"] = (
            f"the balanced state is out of reach: the links can move {sol.routed:.6g} of the {sol.required:.6g} "
            f"surplus PRBs; the plan is the cheapest maximum flow and {sol.unmet:.6g} PRBs stay unmet"
        )
    return Result(
        instance=instance.name,
        method="oslb",
        status=sol.status,
        objective=sol.objective,
        solver=sol.facts,
        cells=cells_table(instance, plan),
        metrics={**plan_metrics(plan), "handover_volume_prb": sol.objective, "flow_optimum_prb": sol.objective},
        tables={"flows": flows_table(instance, plan)},
        extra=extra,
        files=files,
    )
