"""ua-opt / cio-opt benchmark: the issue's scale goals.

* ``ua-opt`` on 200 macro cells (hexagonal grid, ISD 500 m) × 5,000 users (3,500 uniform, 1,500 in 10 hotspots of
  150 m), 150 kbit/s each (mean cell load about 0.5): time to a 1 % gap (``--mip-gap 0.01``, time limit 60 s);
* the LP bound (``--relaxation``) on 2,000 cells × 30,000 users (the same drop, scaled);
* ``cio-opt`` on zou16 with 300 users to optimality (time limit 60 s).

Each case runs in a fresh process (its own peak memory).

    python benchmarks/bench_ua_opt.py [--out benchmarks/results/ua_opt.json]
"""

from __future__ import annotations

import time

from results_io import peak_rss_mb, run_in_fresh_processes

CASES = {
    "ua-opt 200x5000 gap 1%": ("grid", 200, 5000, "ua-opt", {"mip_gap": 0.01, "time_limit": 60.0}),
    "ua-opt LP bound 2000x30000": ("grid", 2000, 30000, "ua-opt", {"relaxation": True, "second_stage": "none"}),
    "cio-opt zou16 300 users": ("zou16", 16, 300, "cio-opt", {"time_limit": 60.0}),
}


def make(layout: str, n_cells: int, n_users: int):
    from lbopt.scenarios import hex_grid
    from lbopt.scenarios.drop import drop_on_layout
    from lbopt.scenarios.layouts import zou16

    if layout == "zou16":
        return zou16(n_users, seed=1)
    hotspot = n_users * 3 // 10
    return drop_on_layout(
        hex_grid(rings=None, n_cells=n_cells),
        seed=1,
        uniform=n_users - hotspot,
        hotspots=max(n_cells // 20, 1),
        hotspot_users=hotspot,
        hotspot_std_m=150.0,
        demand_bps=150e3,
    )


def run_case(name: str) -> dict:
    from lbopt.methods import solve

    layout, cells, users, method, params = CASES[name]
    t0 = time.perf_counter()
    inst = make(layout, cells, users)
    build = time.perf_counter() - t0
    r = solve(inst, method, **params)
    m = r.metrics
    return {
        "case": name,
        "cells": inst.n_cells,
        "users": len(inst.users),
        "status": r.status.value,
        "value": r.objective,
        "bound": m.get("bound"),
        "gap": m.get("gap"),
        "candidates": m.get("candidates"),
        "build_s": round(build, 2),
        "time_s": round(r.solver.time_s, 2),
        "termination": r.solver.termination,
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    run_in_fresh_processes(__file__, CASES, run_case, "benchmarks/results/ua_opt.json")


if __name__ == "__main__":
    main()
