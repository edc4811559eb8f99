"""λ_2 and λ_max of 100,000-cell graphs (goal ≤ 5 s each): a hexagonal grid and a random geometric graph.

python benchmarks/bench_spectrum.py [--cells 100000] [--out benchmarks/results/spectrum.json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from results_io import peak_rss_mb, write_rows


def hex_graph(n: int):
    from lbopt.scenarios.hexgrid import hex_cells, neighbour_links
    from lbopt.stability.spectrum import adjacency_from_pairs

    cells = hex_cells(n_cells=n, isd_m=500.0)
    links = neighbour_links(cells, 505.0)
    index = {c: i for i, c in enumerate(cells["id"])}
    a = np.array([index[c] for c in links["a"]])
    b = np.array([index[c] for c in links["b"]])
    return adjacency_from_pairs(n, a, b)


def geometric_graph(n: int, seed: int = 0):
    from scipy.spatial import cKDTree

    from lbopt.stability.spectrum import adjacency_from_pairs

    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1, (n, 2))
    radius = np.sqrt(8.0 / (np.pi * n))  # mean degree about 8: connected with high probability
    pairs = cKDTree(xy).query_pairs(radius, output_type="ndarray")
    return adjacency_from_pairs(n, pairs[:, 0], pairs[:, 1])


def main() -> None:
    from lbopt.stability.spectrum import spectrum

    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=100_000)
    ap.add_argument("--out", default="benchmarks/results/spectrum.json")
    args = ap.parse_args()
    rows = []
    for name, build in (("hex grid", hex_graph), ("random geometric", geometric_graph)):
        adj = build(args.cells)
        t0 = time.perf_counter()
        s = spectrum(adj)
        dt = time.perf_counter() - t0
        big = s.components[0]
        rows.append(
            {
                "graph": name,
                "cells": args.cells,
                "edges": int(adj.nnz // 2),
                "components": len(s.components),
                "largest_component": len(big.cells),
                "lambda_2": big.lambda_2,
                "lambda_max": s.lambda_max,
                "residual_2": big.residual_2,
                "residual_max": big.residual_max,
                "method": big.method,
                "time_s": round(dt, 2),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
        print(json.dumps(rows[-1]))
    write_rows(rows, args.out)


if __name__ == "__main__":
    main()
