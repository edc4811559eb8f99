"""vGALA at scale: the certified association program and the vGALA iteration.

* Paper scale: `lbopt generate vgala` (3 MBS + 7 SCBS, 40,000 locations, ~380,000 allowed pairs), ψ with κ = 4,
  θ = 0.8: time to a certified relative gap ≤ 1e-6 (goal ≤ 5 s) and of the iteration to its certified 1e-6
  (goal ≤ 0.5 s), with exact line search and with the paper's backtracking.
* Large: 1,000,000 locations × 100 cells, each location allowed on its 10 nearest cells (rates from the radio
  model's log-distance law and Shannon, interference ignored for the data), same objective: both finish; time
  and peak memory.
* SCIP (pyscipopt through Pyomo) on a small instance (200 locations × 6 cells) beside ours.

Each case runs in a fresh process.     python benchmarks/bench_vgala.py [--out benchmarks/results/vgala.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np
from results_io import peak_rss_mb, write_rows


def paper_case() -> dict:
    from formulations.association import solve_association
    from lbopt.scenarios import vgala_layout
    from lbopt.vgala.data import vgala_data
    from lbopt.vgala.iteration import vgala_iteration

    inst = vgala_layout(seed=1)
    t0 = time.perf_counter()
    data = vgala_data(inst)
    t_data = time.perf_counter() - t0
    obj = data.psi()
    t0 = time.perf_counter()
    sol = solve_association(data.problem, obj, tol=1e-6)
    t_opt = time.perf_counter() - t0
    row = {
        "case": "paper 40,000 x 10",
        "pairs": len(data.problem.loc),
        "data_s": round(t_data, 3),
        "certified_s": round(t_opt, 3),
        "certified_gap": sol.gap,
        "master_iterations": sol.iterations,
    }
    for ls in ("exact", "armijo"):
        t0 = time.perf_counter()
        it = vgala_iteration(data.problem, obj, tol=1e-6, line_search=ls)
        row[f"iteration_{ls}_s"] = round(time.perf_counter() - t0, 3)
        row[f"iteration_{ls}_n"] = it.iterations
        row[f"iteration_{ls}_rel_to_opt"] = (it.psi - sol.objective) / sol.objective
    return row


def large_problem(n_loc: int, n_cells: int, k: int, seed: int = 0):
    from scipy.spatial import cKDTree

    from formulations.association import AssociationProblem

    rng = np.random.default_rng(seed)
    side = 1000.0 * np.sqrt(n_cells / 2.5)  # ~2.5 cells per km²
    cells = rng.uniform(0, side, (n_cells, 2))
    locs = rng.uniform(0, side, (n_loc, 2))
    dist, idx = cKDTree(cells).query(locs, k=k)
    pl = 128.1 + 37.6 * np.log10(np.maximum(dist, 35.0) / 1000.0)
    snr_db = 46 + 14 - pl - (-174 + 10 * np.log10(10e6) + 9)
    rate = 10e6 * np.log2(1 + 10 ** (snr_db / 10))
    lam_nu = np.full(n_loc, 0.5 * n_cells / n_loc * 1.5e8)  # about half-loaded cells on average
    load = (lam_nu[:, None] / rate).ravel()
    loc = np.repeat(np.arange(n_loc), k)
    return AssociationProblem(n_loc, n_cells, loc, idx.ravel(), load, np.full(n_cells, 0.999))


def large_case() -> dict:
    from formulations.association import solve_association
    from formulations.association_objectives import psi
    from lbopt.vgala.iteration import vgala_iteration

    t0 = time.perf_counter()
    problem = large_problem(1_000_000, 100, 10)
    t_build = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    obj = psi(4.0, np.full(100, 0.8), rng.uniform(0.1, 0.6, 100))
    t0 = time.perf_counter()
    sol = solve_association(problem, obj, tol=1e-6)
    t_opt = time.perf_counter() - t0
    t0 = time.perf_counter()
    it = vgala_iteration(problem, obj, tol=1e-6, line_search="exact")
    t_it = time.perf_counter() - t0
    return {
        "case": "1,000,000 x 100 (10 per location)",
        "pairs": len(problem.loc),
        "data_s": round(t_build, 2),
        "certified_s": round(t_opt, 2),
        "certified_gap": sol.gap,
        "master_iterations": sol.iterations,
        "iteration_exact_s": round(t_it, 2),
        "iteration_exact_n": it.iterations,
        "iteration_exact_rel_to_opt": (it.psi - sol.objective) / sol.objective,
    }


def scip_case() -> dict:
    from formulations.association import solve_association, solve_association_pyomo
    from formulations.association_objectives import psi

    problem = large_problem(200, 6, 4, seed=5)
    obj = psi(4.0, np.full(6, 0.8), np.linspace(0.1, 0.6, 6))
    t0 = time.perf_counter()
    ours = solve_association(problem, obj, tol=1e-6)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    scip = solve_association_pyomo(problem, obj, solver="scip")
    t_scip = time.perf_counter() - t0
    return {
        "case": "SCIP check 200 x 6",
        "certified_s": round(t_ours, 3),
        "scip_s": round(t_scip, 3),
        "objective": ours.objective,
        "scip_objective": scip.objective,
        "scip_bound": scip.lower_bound,
    }


CASES = {"paper": paper_case, "large": large_case, "scip": scip_case}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="paper,scip,large")
    ap.add_argument("--out", default="benchmarks/results/vgala.json")
    ap.add_argument("--case", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        row = CASES[args.case]()
        row["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(row))
        return
    rows = []
    for case in args.cases.split(","):
        res = subprocess.run([sys.executable, __file__, "--case", case], capture_output=True, text=True, check=True)
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]))
    write_rows(rows, args.out)


if __name__ == "__main__":
    main()
