"""City scale (issue "real networks", part 5): the user-level methods on 2,232 cells × 30,000 users.

Two layouts. A synthetic OpenCelliD export of the issue's size — 744 three-sector LTE sites uniform over
11 km × 11 km (about a German city's core), `range` 800 m — read by ``lbopt generate sites`` (co-sited cells become
sectors 120° apart), 30,000 users uniform over it at 1 Mbit/s, the default CQI link; and the real layout shipped
with lbopt, ``instances/melbourne-metro.yaml`` (Optus's 1,464 sites over metropolitan Melbourne, omni), with 30,000
users at 1 Mbit/s placed where the sites are (:func:`make_metro`). The issue's goals: ``oslb``
≤ 5 s and ≤ 1 GB end to end, ``mlb`` and ``zou-alg1`` ≤ 10 s, ``ua-opt``'s LP bound ≤ 30 s. Each case runs in a
fresh process (its own peak memory); the time is the whole method through :func:`lbopt.methods.solve`, evaluation
included.

    python benchmarks/bench_city.py [--out benchmarks/results/city.json]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from results_io import peak_rss_mb, run_in_fresh_processes

CASES = {
    "oslb": ("oslb", {}),
    "mlb": ("mlb", {}),
    "zou-alg1": ("zou-alg1", {}),
    "ua-opt LP bound": ("ua-opt", {"relaxation": True, "second_stage": "none"}),
    # the real layout shipped with lbopt: Optus's 1,464 sites over metropolitan Melbourne, users where the sites are
    "oslb, Melbourne metro": ("oslb", {}),
    "mlb, Melbourne metro": ("mlb", {}),
    "zou-alg1, Melbourne metro": ("zou-alg1", {}),
    "ua-opt LP bound, Melbourne metro": ("ua-opt", {"relaxation": True, "second_stage": "none"}),
    # the synthetic layout with plausible loads: users drawn cell by cell to a busy hour (lbopt generate busy-hour)
    "oslb, synthetic busy hour": ("oslb", {}),
    "mlb, synthetic busy hour": ("mlb", {}),
    # the whole command as a user runs it: a fresh interpreter, imports, reading the instance files, writing the result
    "oslb, command line": ("oslb", {}),
}
SITES, USERS = 744, 30_000
#: demand per user of the busy-hour case (bit/s)
BUSY_DEMAND_BPS = 2.5e5
#: spread of the metro users around their site (m)
METRO_SPREAD_M = 300.0


def city_sites(path: Path) -> Path:
    """A synthetic OpenCelliD export: 744 sites × 3 sectors (2,232 cells), seeded."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    lat = 48.137 + rng.uniform(-0.05, 0.05, SITES)
    lon = 11.575 + rng.uniform(-0.075, 0.075, SITES)
    rows = [
        {"radio": "LTE", "mcc": "262", "net": "01", "area": str(100 + s // 50), "cell": f"{3 * s + k:06d}", "unit": 0,
         "lon": f"{lon[s]:.6f}", "lat": f"{lat[s]:.6f}", "range": 800, "samples": 5, "changeable": 1, "created": 1,
         "updated": 1, "averageSignal": 0}
        for s in range(SITES)
        for k in range(3)
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def make():
    from lbopt.scenarios.drop import drop_on_layout
    from lbopt.scenarios.sites import from_sites

    with tempfile.TemporaryDirectory() as tmp:
        layout = from_sites(city_sites(Path(tmp) / "towers.csv"), mcc="262", mnc="01", radio="LTE")
    return drop_on_layout(layout, seed=2, uniform=USERS, demand_bps=1e6)


def make_busy():
    """The synthetic layout with a busy hour instead of uniform users (:func:`lbopt.scenarios.busy_hour.busy_hour`):
    PRB utilisation targets around 0.7, 20 busy cells at 1.1–1.5, at ``BUSY_DEMAND_BPS`` per user (about 30,000
    users)."""
    from lbopt.scenarios.busy_hour import busy_hour_instance
    from lbopt.scenarios.sites import from_sites

    with tempfile.TemporaryDirectory() as tmp:
        layout = from_sites(city_sites(Path(tmp) / "towers.csv"), mcc="262", mnc="01", radio="LTE")
    busy = [str(i) for i in layout.cells["id"].iloc[::111]]
    return busy_hour_instance(layout, busy=busy, demand_bps=BUSY_DEMAND_BPS, seed=2)


def make_metro():
    """The shipped metro layout (1,464 omni macro sites, Delaunay neighbours) with 30,000 users where the sites are:
    each user near a site drawn at random (Gaussian, σ = ``METRO_SPREAD_M``), so that the users' density follows the
    operator's site density (dense in the CBD, sparse at the urban fringe), at 1 Mbit/s."""
    import numpy as np

    from lbopt.instance import load_instance
    from lbopt.scenarios.hetnet import with_serving
    from lbopt.scenarios.users import users_table

    layout = load_instance(Path(__file__).resolve().parents[1] / "instances" / "melbourne-metro.yaml")
    rng = np.random.default_rng(2)
    sites = layout.cells[["x_m", "y_m"]].to_numpy()
    xy = sites[rng.integers(0, len(sites), USERS)] + rng.normal(0.0, METRO_SPREAD_M, (USERS, 2))
    return with_serving(layout.with_tables(users=users_table(xy, 1e6)), "max-rsrp")


def run_command(name: str) -> dict:
    """``lbopt solve city.yaml -m oslb --out DIR`` in a child process: wall time and the child's peak memory."""
    import resource
    import subprocess
    import sys

    from lbopt.instance import save_instance

    with tempfile.TemporaryDirectory() as tmp:
        inst = make()
        save_instance(inst, Path(tmp) / "city.yaml", tables="csv")
        lbopt = Path(sys.executable).with_name("lbopt")
        t0 = time.perf_counter()
        subprocess.run([str(lbopt), "solve", f"{tmp}/city.yaml", "-m", "oslb", "--out", f"{tmp}/out"], check=True,
                       capture_output=True)  # fmt: skip
        wall = time.perf_counter() - t0
    return {"case": name, "cells": inst.n_cells, "users": len(inst.users), "time_s": round(wall, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}  # fmt: skip


def run_case(name: str) -> dict:
    from lbopt.methods import solve

    if name.endswith("command line"):
        return run_command(name)

    method, params = CASES[name]
    t0 = time.perf_counter()
    inst = make_metro() if name.endswith("Melbourne metro") else make_busy() if name.endswith("busy hour") else make()
    build = time.perf_counter() - t0
    r = solve(inst, method, **params)
    ev = r.evaluation or {}
    before = r.cells.get("load_before")
    return {
        "case": name,
        "cells": inst.n_cells,
        "users": len(inst.users),
        "status": r.status.value,
        "mean_load_before": round(float(before.mean()), 3) if before is not None else None,
        "max_load_before": round(float(before.max()), 3) if before is not None else None,
        "max_load_after": ev.get("max_load_after"),
        "outage_users": ev.get("outage_users"),
        "build_s": round(build, 2),
        "time_s": round(r.solver.time_s, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    run_in_fresh_processes(__file__, CASES, run_case, "benchmarks/results/city.json")


if __name__ == "__main__":
    main()
