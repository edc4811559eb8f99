"""The Breathing methods at scale (goals: 10,000 antennas and 10,000,000 MR records — Jacobian estimate plus one
BDBA step ≤ 10 s, BFDBA ≥ 5× faster than BDBA, peak memory reported; the MLP ≥ 10× faster than the exact coverage
of one neighbourhood).

python benchmarks/bench_breathing.py [--antennas 10000] [--records 10000000] [--out benchmarks/results/breathing.json]

The records are one period's (the step works on one period): a synthetic MR hour over a hexagonal layout of
``--antennas`` macro antennas (ISD 500 m) with ``--records`` users, top-4 reports. Generation and grouping are
outside the clock; the clock covers the association, busy-degrees, the Jacobian and the step.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from results_io import peak_rss_mb, write_rows


def main() -> None:
    from lbopt.breathing.coverage import MinimumPower, neighbourhood
    from lbopt.breathing.day import Antennas, BreathingSetting, breathing_step
    from lbopt.breathing.jacobian import estimate_jacobian
    from lbopt.breathing.mlp import MonotoneMLP, training_powers
    from lbopt.breathing.mr import from_grouped
    from lbopt.scenarios.hexgrid import hex_grid
    from lbopt.scenarios.mr_day import activity, cpich_columns, mr_arrays

    ap = argparse.ArgumentParser()
    ap.add_argument("--antennas", type=int, default=10_000)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--out", default="benchmarks/results/breathing.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    inst = hex_grid(rings=None, n_cells=args.antennas, isd_m=500.0, seed=1)
    cells = cpich_columns(inst)
    logged = cells["cpich_power_dbm"].to_numpy(float)
    # one period (hour 0) with --records users
    users_peak = round(args.records / float(activity(0)))
    rows = mr_arrays(inst, users_peak=users_peak, hours=1, seed=1, chunk_users=500_000)
    rows["period"][:] = 0
    mr = from_grouped(rows["record"], rows["period"], rows["antenna"], rows["rss_dbm"], logged)
    del rows
    gen_s = time.perf_counter() - t0
    n = args.antennas
    cap = np.full(n, 50.0)
    max_users = np.full(n, args.records / n / 0.7)
    out = {"antennas": n, "records": mr.n_records, "rows": len(mr.antenna), "generate_s": round(gen_s, 1)}

    ant = Antennas(cap, max_users, logged - 6, logged + 3)
    floor = MinimumPower(ant.p_low, np.ones(n), np.empty(0, int), 0)  # p_min(t) is timed apart (not here)
    for sample in (None, 200):
        for method in ("bdba", "bfdba"):
            setting = BreathingSetting(method=method, sample=sample)
            step = breathing_step(mr, logged, ant, setting, floor)
            key = f"{method}{'' if sample is None else f'_sample{sample}'}"
            out[f"{key}_s"] = round(step.time_s, 2)
            out[f"{key}_steps2_3_s"] = round(step.time_s - step.info["step1_s"], 3)
            out[f"{key}_info"] = {k: v for k, v in step.info.items() if k != "step1_s"}
    out["step1_s"] = round(step.info["step1_s"], 2)
    out["bfdba_speedup"] = round(out["bdba_s"] / out["bfdba_s"], 2)
    out["bfdba_speedup_steps2_3"] = round(out["bdba_steps2_3_s"] / out["bfdba_steps2_3_s"], 2)
    t0 = time.perf_counter()
    jac = estimate_jacobian(mr, logged, cap, max_users, 1.0)
    out["jacobian_s"] = round(time.perf_counter() - t0, 2)
    out["jacobian_nnz"] = int(jac.nnz)
    del jac

    # coverage of one neighbourhood: exact against the monotone MLP
    nb = neighbourhood(mr, n // 2)
    lo, hi = logged[nb.members] - 6, logged[nb.members] + 3

    def exact(x):
        p = logged.copy()
        p[nb.members] = x
        return nb.coverage(mr, p, -85.0)

    train = training_powers(lo, hi, 300, 1)
    mlp = MonotoneMLP.init(lo, hi)
    mlp.fit(train, np.array([exact(x) for x in train]))
    test = training_powers(lo, hi, 102, 2)[2:]
    truth = np.array([exact(x) for x in test])
    t0 = time.perf_counter()
    for x in test:
        exact(x)
    exact_us = (time.perf_counter() - t0) / len(test) * 1e6
    t0 = time.perf_counter()
    for x in test:
        mlp.predict(x)
    mlp_us = (time.perf_counter() - t0) / len(test) * 1e6
    t0 = time.perf_counter()
    pred = mlp.predict(test)
    batch_us = (time.perf_counter() - t0) / len(test) * 1e6
    out.update(
        {
            "neighbourhood_antennas": len(nb.members),
            "neighbourhood_records": len(nb.weight),
            "coverage_exact_us": round(exact_us, 1),
            "coverage_mlp_us": round(mlp_us, 1),
            "coverage_mlp_batch_us": round(batch_us, 2),
            "mlp_mae": float(np.abs(pred - truth).mean()),
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    print(json.dumps(out, indent=1))
    write_rows([out], args.out)


if __name__ == "__main__":
    main()
