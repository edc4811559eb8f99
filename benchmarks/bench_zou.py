"""Zou et al.'s handover simulation (goal: 16 cells × 500 users × 200 steps ≤ 2 s), and how it scales.

python benchmarks/bench_zou.py [--out benchmarks/results/zou.json]

Times :func:`lbopt.stability.handover.simulate_handover` alone (the radio matrices are built once, outside the
clock) for Algorithm 1 (direct and A3 execution) and the greedy scheme, on the paper's 16-BS set-up with 500 users
and on a larger hexagonal layout.
"""

from __future__ import annotations

import argparse
import json
import time

from results_io import peak_rss_mb, write_rows


def cases():
    import numpy as np

    from lbopt.instance.schema import MethodsConfig, ZouParams
    from lbopt.scenarios import zou16
    from lbopt.scenarios.hexgrid import hex_grid
    from lbopt.scenarios.users import drop_users, users_table

    yield "zou16", zou16(500, seed=1), 200
    grid = hex_grid(rings=8, seed=1)  # 217 cells
    rng = np.random.default_rng(1)
    xy = drop_users(rng, grid.cells[["x_m", "y_m"]].to_numpy(), uniform=6000, hotspots=12, hotspot_users=3000)
    big = grid.with_tables(users=users_table(xy, 2e5))
    big.methods = MethodsConfig(zou=ZouParams(threshold=0.7))
    yield "hexgrid-217", big, 50


def main() -> None:
    from lbopt.stability.handover import simulate_handover
    from lbopt.stability.method import handover_inputs, handover_setting

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/zou.json")
    args = ap.parse_args()
    rows = []
    for name, instance, steps in cases():
        rsrp, user_load, start, adjacency = handover_inputs(instance)
        for alg, execution in (("alg1", "direct"), ("alg1", "a3"), ("greedy", None)):
            setting = handover_setting(instance, alg, steps=steps, execution=execution)
            t0 = time.perf_counter()
            run = simulate_handover(rsrp, user_load, start, adjacency, setting)
            dt = time.perf_counter() - t0
            rows.append(
                {
                    "instance": name,
                    "cells": instance.n_cells,
                    "users": len(instance.users),
                    "steps": steps,
                    "algorithm": alg if execution is None else f"{alg}-{execution}",
                    "handovers": int(run.realised.sum()),
                    "time_s": round(dt, 3),
                    "peak_rss_mb": peak_rss_mb(),
                }
            )
            print(json.dumps(rows[-1]))
    write_rows(rows, args.out)


if __name__ == "__main__":
    main()
