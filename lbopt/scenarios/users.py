"""User drops: uniform, hotspot clusters, and a chosen number of users per cell.

All take a :class:`numpy.random.Generator` made from the scenario seed; ids are ``u0, u1, ...``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.radio.geometry import sample_in_hexagon


def users_table(xy: np.ndarray, demand_bps: float | np.ndarray | None = None, prefix: str = "u") -> pd.DataFrame:
    table = pd.DataFrame({"id": [f"{prefix}{i}" for i in range(len(xy))], "x_m": xy[:, 0], "y_m": xy[:, 1]})
    if demand_bps is not None:
        table["demand_bps"] = np.broadcast_to(np.asarray(demand_bps, float), (len(xy),)).copy()
    return table


def drop_uniform(rng: np.random.Generator, n: int, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """``n`` points uniform over the rectangle ``(x_min, y_min, x_max, y_max)``."""
    x0, y0, x1, y1 = bounds
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def drop_hotspots(
    rng: np.random.Generator,
    n: int,
    centres: np.ndarray,
    std_m: float,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """``n`` points in Gaussian clusters (standard deviation ``std_m``) around ``centres``."""
    centres = np.asarray(centres, float).reshape(-1, 2)
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    which = rng.choice(len(centres), size=n, p=p)
    return centres[which] + rng.normal(0.0, std_m, size=(n, 2))


def drop_per_hex_cell(
    rng: np.random.Generator, centres: np.ndarray, counts: np.ndarray, isd_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """``counts[i]`` users uniform in the hexagon of site ``i``; returns positions and the site of each user."""
    parts = [sample_in_hexagon(rng, int(c), centres[i], isd_m) for i, c in enumerate(counts)]
    home = np.repeat(np.arange(len(centres)), np.asarray(counts, int))
    return (np.vstack(parts) if parts else np.empty((0, 2))), home
