"""The association comparison: psi, on-grid power and latency of every method, and the relative gap of psi to its
certified optimum (``vgala-opt``'s, solved here when the instance has the energy columns and it is not compared)."""

from __future__ import annotations

import pandas as pd

from lbopt.instance.model import Instance
from lbopt.result import Result

__all__ = ["association_table"]

ENERGY = {"static_power_w", "load_power_w", "green_power_w"}


def _row(name: str, result: Result, psi_star: float | None) -> dict:
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


def association_table(instance: Instance, results: dict[str, Result]) -> pd.DataFrame:
    """One row per method; the gap is against the certified optimum of psi."""
    psi_star = None
    if set(instance.cells.columns) >= ENERGY:
        from lbopt.methods import solve

        opt = results.get("vgala-opt") or solve(instance, "vgala-opt")
        psi_star = opt.metrics.get("psi")
    return pd.DataFrame([_row(n, r, psi_star) for n, r in results.items()])
