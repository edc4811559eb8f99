"""Radio-model benchmark: RSRP, SINR and association for 1,000 cells × 100,000 users.

Each case runs in a fresh process so its peak memory (ru_maxrss) is its own. Build time (instance in memory)
is reported apart from the radio evaluation. Nearest-cell pruning is compared against the full evaluation:
share of users whose serving cell differs and the SINR error of the serving link.

    python benchmarks/bench_radio.py [--cells 1000] [--users 100000] [--out benchmarks/results/radio.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from results_io import peak_rss_mb


def make_instance(n_cells: int, n_users: int, seed: int = 1):
    from lbopt.instance import Instance, RadioConfig

    rng = np.random.default_rng(seed)
    side = 500.0 * np.sqrt(n_cells)  # about one cell per 0.25 km²
    macro = rng.random(n_cells) < 0.3
    cells = pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(n_cells)],
            "x_m": rng.uniform(0, side, n_cells),
            "y_m": rng.uniform(0, side, n_cells),
            "tier": np.where(macro, "macro", "pico"),
        }
    )
    users = pd.DataFrame(
        {
            "id": [f"u{i}" for i in range(n_users)],
            "x_m": rng.uniform(0, side, n_users),
            "y_m": rng.uniform(0, side, n_users),
        }
    )
    return Instance(name="bench", cells=cells, users=users, radio=RadioConfig(shadowing_std_db=8.0), seed=seed)


def run_case(n_cells: int, n_users: int, candidates: int | None, dump: str | None) -> dict:
    from lbopt.radio import evaluate_users

    t0 = time.perf_counter()
    inst = make_instance(n_cells, n_users)
    t1 = time.perf_counter()
    state = evaluate_users(inst, candidates=candidates)
    t2 = time.perf_counter()
    loads = state.cell_load_prb(n_cells)
    if dump:
        np.savez(dump, serving=state.serving, sinr=state.sinr_db)
    return {
        "cells": n_cells,
        "users": n_users,
        "candidates": candidates,
        "build_s": round(t1 - t0, 3),
        "radio_s": round(t2 - t1, 3),
        "peak_rss_mb": peak_rss_mb(),
        "total_prb": float(loads.sum()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--candidates", default="full,32,16,8")
    ap.add_argument("--out", default="benchmarks/results/radio.json")
    ap.add_argument("--case", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--dump", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case is not None:
        k = None if args.case == "full" else int(args.case)
        print(json.dumps(run_case(args.cells, args.users, k, args.dump)))
        return
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for case in args.candidates.split(","):
        dump = str(out.parent / f"radio-{case}.npz")
        res = subprocess.run(
            [
                sys.executable,
                __file__,
                "--cells",
                str(args.cells),
                "--users",
                str(args.users),
                "--case",
                case,
                "--dump",
                dump,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(res.stdout))
    full = np.load(out.parent / "radio-full.npz")
    for row, case in zip(rows, args.candidates.split(","), strict=True):
        pruned = np.load(out.parent / f"radio-{case}.npz")
        same = pruned["serving"] == full["serving"]
        err = np.abs(pruned["sinr"] - full["sinr"])[same]
        row["serving_mismatch_share"] = float(1 - same.mean())
        row["sinr_err_db_max"] = float(err.max())
        row["sinr_err_db_p99"] = float(np.quantile(err, 0.99))
        print(json.dumps(row))
    out.write_text(json.dumps(rows, indent=2) + "\n")
    for f in out.parent.glob("radio-*.npz"):
        f.unlink()


if __name__ == "__main__":
    main()
