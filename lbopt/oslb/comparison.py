"""The loads comparison (families cell-load, handover, baseline, optimum): one row per method, from the evaluations.

Every column is the method's ``evaluation`` (:mod:`lbopt.evaluate`): the same measurement of every method's final
state, at one level, so the rows compare like with like and each can be recomputed from the method's ``users.csv``.

When a certified reference ran (``ua-opt``, in the methods or as ``--reference``), ``max_load_bound`` is its proven
lower bound of the largest load (the largest such bound when several ran) and every row gets

    gap_max_load = (max_load_after − max_load_bound) / max_load_bound,

how far the method's largest load is above the best any association of the candidates can reach, as a share of
that best. The reference covers every compared method's final association (they are among its candidates), so the
gap is never negative; a method that re-homed picocells (``rehomed_cells`` > 0) changed the units themselves, which
the reference does not model, and a method that leaves more users unserved than the reference (``outage_users``:
no serving cell, e.g. ``none`` on an instance whose users.serving is blank) carries less load; neither gets a gap.
The planned volume of a flow plan over the flow optimum is reported as what it is, a ratio.
"""

from __future__ import annotations

import pandas as pd

from lbopt.instance.model import Instance
from lbopt.result import Result
from lbopt.verdict import best_per_measure

__all__ = ["GAP_TOL", "loads_table"]

#: a gap above −GAP_TOL is rounding in the bound (HiGHS' dual bound carries ~1e-12 noise) and is written as 0
GAP_TOL = 1e-9

#: the columns of the loads comparison, all from the methods' evaluations (:mod:`lbopt.evaluate`)
COLUMNS = (
    "level",
    "ldi_before",
    "ldi_after",
    "load_std_after",
    "max_load_after",
    "over_busy_after",
    "unmet_prb",
    "outage_users",
    "handovers",
    "prb_moved",
    "prb_received",
    "rehomed_cells",
    "plan_volume_over_flow_optimum",
    "max_load_planned",
)


def _bound(results: dict[str, Result]) -> tuple[float | None, int]:
    """The largest certified bound of the largest load, and the users its reference leaves unserved."""
    refs = [r.evaluation for r in results.values() if (r.evaluation or {}).get("max_load_bound") is not None]
    if not refs:
        return None, 0
    best = max(refs, key=lambda ev: ev["max_load_bound"])
    return best["max_load_bound"], int(best.get("outage_users") or 0)


def _gap(row: dict, bound: float | None, outage: int) -> float | None:
    """``None`` where the bound does not speak about the row: no bound, re-homed picocells (other units), or more
    users left unserved than the reference leaves (less load to carry: another problem)."""
    if bound is None or row.get("max_load_after") is None or (row.get("rehomed_cells") or 0) > 0:
        return None
    if (row.get("outage_users") or 0) > outage:
        return None
    gap = (row["max_load_after"] - bound) / bound
    if gap < -GAP_TOL:
        raise ValueError(
            f"{row['method']}: largest load {row['max_load_after']:.9g} below the certified bound {bound:.9g}; "
            "the bound does not cover this method (a bug: please report it)"
        )
    return max(gap, 0.0)


def standing(results: dict[str, Result]) -> pd.DataFrame:
    """Where each method stands on the largest load, lowest first: the proven bound of any association, the best
    association found, the best pair offsets reach (``cio-opt``, one A3 event), what flow plans promised and what
    every method realised (all from evaluations and solver facts)."""
    rows = []
    for name, r in results.items():
        ev = r.evaluation or {}
        meaning = r.solver.extra.get("bound_meaning")
        certified = r.status.value == "optimal" and meaning is not None  # an optimum of the largest load itself
        if r.solver.bound is not None and meaning:  # a proven bound of the largest load, said in words
            rows.append({"what": f"bound: {meaning}", "method": name, "max_load": r.solver.bound, "certified": True})
        if ev.get("max_load_planned") is not None:
            rows.append(
                {
                    "what": "promised by its flow plan (PRBs moved as planned)",
                    "method": name,
                    "max_load": ev["max_load_planned"],
                    "certified": False,
                }
            )
        if ev.get("max_load_after") is not None:
            what = "realised" + (" (certified optimum)" if certified else "")
            rows.append(
                {
                    "what": what,
                    "method": name,
                    "max_load": ev["max_load_after"],
                    "certified": certified,
                }
            )
    table = pd.DataFrame(rows, columns=["what", "method", "max_load", "certified"])
    return table.sort_values("max_load", kind="stable").reset_index(drop=True)


def loads_table(
    instance: Instance, results: dict[str, Result], references: dict[str, Result] | None = None
) -> dict[str, pd.DataFrame]:
    """``comparison``: one row per method, every number from its ``evaluation`` (measured alike from its final
    state), with the gap of its largest load to the certified bound of the references (or of a reference among the
    rows); ``verdict``: the best method per measure (:func:`verdict`); with a certified optimum among them,
    ``standing``: where each stands (:func:`standing`)."""
    everything = {**results, **(references or {})}
    bound, outage = _bound(everything)
    rows = []
    for name, r in results.items():
        ev = r.evaluation or {}
        row = {"method": name, "status": r.status.value, **{k: ev.get(k) for k in COLUMNS}}
        row.update(max_load_bound=bound, gap_max_load=_gap(row, bound, outage), time_s=r.solver.time_s)
        rows.append(row)
    table = pd.DataFrame(rows)
    levels = set(table["level"].dropna())
    if len(levels) > 1:  # cannot happen on one instance; a table of mixed levels would compare unlike things
        raise ValueError(f"evaluations at different levels: {sorted(levels)}")
    out = {"comparison": table, "verdict": verdict(table, {n for n, r in everything.items() if r.family == "optimum"})}
    loads = unit_load_table(instance, everything, next(iter(levels), "cell"))
    if len(loads):
        out["unit_loads"] = loads
    if any(r.family == "optimum" for r in everything.values()):
        out["standing"] = standing(everything)
    return out


def unit_load_table(instance: Instance, results: dict[str, Result], level: str) -> pd.DataFrame:
    """Every method's load of every evaluation unit before and after, long (``method, unit, load_before,
    load_after``), measured as the evaluator measures them (user level: from each method's users.csv; cell level:
    its cells table)."""
    from lbopt.evaluate import unit_ids, unit_load_vectors

    frames = []
    for name, r in results.items():
        users = r.tables.get("users")
        if users is not None and {"serving_before", "serving_after", "prb_before", "prb_after"} <= set(users.columns):
            before, after = unit_load_vectors(instance, r, level)
            ids = unit_ids(instance, level)
        elif level == "cell" and {"load_before", "load_after"} <= set(r.cells.columns):
            before, after = r.cells["load_before"].to_numpy(float), r.cells["load_after"].to_numpy(float)
            ids = r.cells["id"].to_numpy(object)
        else:
            continue
        frames.append(pd.DataFrame({"method": name, "unit": ids, "load_before": before, "load_after": after}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


#: the verdict's measures: (column, what it means, lower is better)
VERDICT_MEASURES = (
    ("max_load_after", "largest load", True),
    ("gap_max_load", "relative gap of the largest load to the certified bound (0.1 = 10 % above it)", True),
    ("ldi_after", "load distribution index (balance, 1 = equal)", False),
    ("over_busy_after", "share of units at or above full load", True),
    ("outage_users", "users in outage", True),
    ("handovers", "handovers (the cost of balancing)", True),
)


def verdict(table: pd.DataFrame, references: set[str]) -> pd.DataFrame:
    """Which method is best on each of :data:`VERDICT_MEASURES` (the certified references apart: they are the
    yardstick), its value, the runner-up and every method tied with the best."""
    return best_per_measure(table, VERDICT_MEASURES, references)
