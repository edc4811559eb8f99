"""``lbopt compare``: several methods on one instance, measured the same way from their own result tables.

Every method's loads are recomputed here from what it returned — at group level (macro cell + picocells, after
any picocell re-homing) for user-level instances, from ``users.serving_after`` and ``users.prb_after``; from
``cells.load_before/after`` for cell-level ones — so the columns compare like with like. The handover volume of a
plan-based method (``oslb``, ``chain``) is its planned PRBs; of the others, the PRBs their handovers freed. The gap
is measured against the certified optimum of the OSLB flow plan (``oslb``'s global min-cost flow).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.instance.model import Instance
from lbopt.methods import solve
from lbopt.metrics import load_distribution_index, load_std
from lbopt.result import Result

OSLB_PARAMS = {"engine", "target", "beta", "integral", "level", "plan", "arc_capacity"}


def group_loads(instance: Instance, result: Result, when: str) -> np.ndarray | None:
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


def comparison_row(instance: Instance, name: str, result: Result, optimum: float | None) -> dict:
    m = result.metrics
    loads = {w: group_loads(instance, result, w) for w in ("before", "after")}
    if loads["after"] is None:
        loads = {w: result.cells[f"load_{w}"].to_numpy() for w in ("before", "after")}
    planned = name in ("oslb", "chain")
    volume = result.objective if planned and result.objective is not None else m.get("transferred_prb", 0.0)
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


ASSOCIATION_METHODS = {"vgala", "vgala-opt", "la", "ga", "uag", "max-rate", "cre-la", "cre-ga", "cre-lg"}


def association_row(name: str, result: Result, psi_star: float | None) -> dict:
    m = result.metrics
    psi = m.get("psi")
    return {
        "method": name,
        "status": result.status.value,
        "psi": psi,
        "ongrid_power_w": m.get("ongrid_power_w"),
        "latency_indicator": m.get("latency_indicator"),
        "gap_to_psi_optimum": (psi - psi_star) / abs(psi_star) if psi is not None and psi_star else None,
        "max_load": m.get("max_load"),
        "iterations": m.get("iterations"),
        "time_s": result.solver.time_s,
    }


BREATHING_METHODS = {"bdba", "bfdba", "power-lp"}
BREATHING_METRICS = (
    "period",
    "busy_std_before",
    "busy_std_after",
    "over_busy_before",
    "over_busy_after",
    "coverage",
    "delta_p_l1",
    "method_time_s",
)


def breathing_row(name: str, result: Result) -> dict:
    return {
        "method": name,
        "status": result.status.value,
        **{k: result.metrics.get(k) for k in BREATHING_METRICS},
        "time_s": result.solver.time_s,
    }


def compare(instance: Instance, methods: list[str], **params) -> tuple[pd.DataFrame, dict[str, Result]]:
    """Run ``methods`` on ``instance``; returns the comparison table and every method's result."""
    families = [ASSOCIATION_METHODS, BREATHING_METHODS]
    mixed = [f for f in families if set(methods) & f and not set(methods) <= f]
    if mixed:
        raise ValueError(
            f"compare methods of one family: {', '.join(sorted(set(methods) & mixed[0]))} do not compare with "
            f"{', '.join(sorted(set(methods) - mixed[0]))}"
        )
    if set(methods) <= BREATHING_METHODS:
        period = params.get("period")
        results = {
            name: solve(instance, name, **({"period": period} if period is not None else {})) for name in methods
        }
        return pd.DataFrame([breathing_row(n, r) for n, r in results.items()]), results
    if set(methods) <= ASSOCIATION_METHODS:
        results = {name: solve(instance, name) for name in methods}
        psi_star = None
        energy = {"static_power_w", "load_power_w", "green_power_w"} <= set(instance.cells.columns)
        if energy:
            opt = results.get("vgala-opt") or solve(instance, "vgala-opt")
            psi_star = opt.metrics.get("psi")
        return pd.DataFrame([association_row(n, r, psi_star) for n, r in results.items()]), results
    results: dict[str, Result] = {}
    oslb_params = {k: v for k, v in params.items() if k in OSLB_PARAMS}
    for name in methods:
        if name == "oslb":
            kwargs = oslb_params
        elif name == "chain":  # the chain plan takes only the balance target and beta
            kwargs = {k: v for k, v in oslb_params.items() if k in ("target", "beta")}
        else:
            kwargs = {}
        results[name] = solve(instance, name, **kwargs)
    optimum = None
    if "oslb" in results:
        optimum = results["oslb"].metrics.get("global_optimum_prb", results["oslb"].objective)
    table = pd.DataFrame([comparison_row(instance, n, r, optimum) for n, r in results.items()])
    return table, results
