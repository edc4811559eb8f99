"""The association comparison: one row per method from its evaluation (:mod:`lbopt.vgala.evaluate`), and the gap of
ψ to the certified lower bound of ψ* (``vgala-opt``'s solver bound, solved here when the instance has energy data and
it is not among the methods compared): ``(ψ − bound) / bound``, not negative because the bound is a lower bound (not
clamped: a negative gap would show a wrong bound)."""

from __future__ import annotations

import pandas as pd

from lbopt.instance.model import Instance
from lbopt.result import Result
from lbopt.verdict import best_per_measure

__all__ = ["association_table"]

ENERGY = {"static_power_w", "load_power_w", "green_power_w"}
COLUMNS = (
    "level",
    "psi",
    "ongrid_power_w",
    "latency_indicator",
    "ldi_after",
    "max_load_after",
    "over_busy_after",
    "admitted_share",
)
#: the verdict's measures (:func:`lbopt.verdict.best_per_measure`)
VERDICT_MEASURES = (
    ("psi", "ψ, vGALA's objective (energy and latency at the instance's κ)", True),
    ("gap_psi", "relative gap of ψ to the certified lower bound of ψ* (0.1 = 10 % above it)", True),
    ("ongrid_power_w", "power drawn from the grid (W)", True),
    ("latency_indicator", "latency indicator Σ ρ/(1 − ρ)", True),
    ("max_load_after", "largest cell load", True),
    ("admitted_share", "share of the offered traffic admitted", False),
)


def association_table(instance: Instance, results: dict[str, Result]) -> dict[str, pd.DataFrame]:
    """``comparison``: one row per method, every number from its evaluation, and the gap against the certified
    bound of ψ; ``verdict``: the best method per measure."""
    bound = None
    if set(instance.cells.columns) >= ENERGY:
        from lbopt.methods import solve

        opt = results.get("vgala-opt") or solve(instance, "vgala-opt")
        bound = opt.solver.bound if opt.status.value == "optimal" else None
    rows = []
    for name, r in results.items():
        ev = r.evaluation or {}
        psi = ev.get("psi")
        gap = (psi - bound) / abs(bound) if psi is not None and bound else None
        rows.append(
            {"method": name, "status": r.status.value, **{k: ev.get(k) for k in COLUMNS}, "gap_psi": gap}
            | {"time_s": r.solver.time_s}
        )
    table = pd.DataFrame(rows)
    return {"comparison": table, "verdict": best_per_measure(table, VERDICT_MEASURES)}
