"""OSLB flow plan at scale: lbopt's `oslb` (build + solve + result) against a bare OR-Tools solve of the same arrays.

Hexagonal grids of 1,000 / 10,000 / 100,000 cells (ISD 500 m), skewed integer PRB demands (Gaussian hotspots,
one per 200 cells, over a uniform 5–30 PRB base load), capacity 50 PRBs per cell, 20–60 transferable PRBs per
link direction (the balance is reachable), unit costs.
Each size runs in a fresh process (peak memory is its own). The Pyomo reference path is compared with a bare
highspy solve of the same LP at 10,000 cells.

    python benchmarks/bench_oslb.py [--sizes 1000,10000,100000] [--out benchmarks/results/oslb.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from results_io import peak_rss_mb, write_rows


def make_instance(n: int, seed: int = 3):
    from lbopt.instance import Instance
    from lbopt.scenarios.hexgrid import hex_cells, neighbour_links

    rng = np.random.default_rng(seed)
    cells = hex_cells(n_cells=n, isd_m=500.0)
    xy = cells[["x_m", "y_m"]].to_numpy()
    hot = xy[rng.choice(n, size=max(1, n // 200), replace=False)]
    bump = np.zeros(n)
    for h in hot:
        bump += 35.0 * np.exp(-((xy - h) ** 2).sum(axis=1) / (2 * 600.0**2))
    cells["prb_demand"] = np.round(rng.uniform(5, 30, n) + bump)
    cells["prb_capacity"] = 50.0
    links = neighbour_links(cells, 505.0)
    links["capacity_ab"] = rng.integers(20, 61, len(links)).astype(float)
    links["capacity_ba"] = rng.integers(20, 61, len(links)).astype(float)
    links["cost"] = 1.0
    # text columns as the instance loader returns them (Python str objects, not pandas' Arrow strings)
    cells["id"] = cells["id"].astype(object)
    cells["tier"] = cells["tier"].astype(object)
    links[["a", "b"]] = links[["a", "b"]].astype(object)
    return Instance(name=f"hex{n}", cells=cells, links=links)


def bare_ortools(problem) -> tuple[float, float]:
    """Time and objective of SimpleMinCostFlow on the plan's arrays (int64), solve and flow extraction."""
    from ortools.graph.python import min_cost_flow

    tails, heads = problem.tail, problem.head
    caps = problem.capacity.astype(np.int64)
    costs = problem.cost.astype(np.int64)
    supplies = np.round(problem.supply).astype(np.int64)
    t0 = time.perf_counter()
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(np.arange(problem.n_nodes), supplies)
    smcf.solve_max_flow_with_min_cost()
    flows = smcf.flows(np.arange(problem.n_arcs))
    return time.perf_counter() - t0, float(costs @ flows)


def bare_highs(problem) -> tuple[float, float]:
    """The same LP(s) through highspy's matrix API directly (``formulations.min_cost_flow.solve_highs``)."""
    from formulations.min_cost_flow import solve_highs

    t0 = time.perf_counter()
    sol = solve_highs(problem)
    return time.perf_counter() - t0, sol.objective


def run_size(n: int, pyomo: bool) -> dict:
    from lbopt.methods import solve
    from lbopt.oslb.cell_level import plan_cell_level

    inst = make_instance(n)
    warm = make_instance(50)  # imports and first-call costs are not part of the measurement
    solve(warm, "oslb", engine="ortools", integral=True)
    bare_ortools(plan_cell_level(warm, integral=True, engine="ortools").problem)
    t0 = time.perf_counter()
    result = solve(inst, "oslb", engine="ortools", integral=True)
    t_oslb = time.perf_counter() - t0
    plan = plan_cell_level(inst, integral=True, engine="ortools")  # the same arrays, for the bare solvers
    t_bare, obj_bare = bare_ortools(plan.problem)
    row = {
        "cells": n,
        "arcs": plan.problem.n_arcs,
        "oslb_total_s": round(t_oslb, 4),
        "oslb_solver_s": round(result.solver.solver_time_s, 4),
        "bare_ortools_s": round(t_bare, 4),
        "ratio": round(t_oslb / t_bare, 2),
        "objective": result.objective,
        "objective_bare": obj_bare,
        "status": result.status.value,
    }
    if pyomo:
        from formulations.min_cost_flow import solve_pyomo

        solve_pyomo(plan_cell_level(warm, integral=True, engine="highs").problem)  # Pyomo's imports
        t0 = time.perf_counter()
        sol = solve_pyomo(plan.problem)
        row["pyomo_total_s"] = round(time.perf_counter() - t0, 3)
        row["pyomo_build_s"] = round(sol.facts.build_time_s, 3)
        t_h, _ = bare_highs(plan.problem)
        row["bare_highspy_s"] = round(t_h, 3)
        row["pyomo_ratio"] = round(row["pyomo_total_s"] / t_h, 2)
        row["pyomo_objective"] = sol.objective
    row["peak_rss_mb"] = peak_rss_mb()
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--out", default="benchmarks/results/oslb.json")
    ap.add_argument("--case", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case is not None:
        print(json.dumps(run_size(args.case, pyomo=args.case == 10000)))
        return
    rows = []
    for n in map(int, args.sizes.split(",")):
        res = subprocess.run([sys.executable, __file__, "--case", str(n)], capture_output=True, text=True, check=True)
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]))
    write_rows(rows, args.out)
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
