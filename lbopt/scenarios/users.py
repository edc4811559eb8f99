"""User drops: uniform, hotspot clusters, and a chosen number of users per cell.

All take a :class:`numpy.random.Generator` made from the scenario seed; ids are ``u0, u1, ...``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.errors import InvalidParameter
from lbopt.radio.geometry import sample_in_hexagon


def users_table(xy: np.ndarray, demand_bps: float | np.ndarray | None = None, prefix: str = "u") -> pd.DataFrame:
    """A users table: ids ``<prefix><i>``, positions and, when given, a demand per user (bit/s)."""
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


def drop_in_cells(
    rng: np.random.Generator, cells_xy: np.ndarray, counts: np.ndarray, margin_m: float = 250.0
) -> tuple[np.ndarray, np.ndarray]:
    """``counts[i]`` users uniform over the Voronoi region of cell ``i`` (nearest-site area), for any layout.

    Rejection sampling over the cells' bounding box widened by ``margin_m``; cells on the hull have their regions
    clipped to that box.
    """
    from scipy.spatial import cKDTree

    counts = np.asarray(counts, int)
    lo = cells_xy.min(axis=0) - margin_m
    hi = cells_xy.max(axis=0) + margin_m
    tree = cKDTree(cells_xy)
    need = counts.copy()
    parts: list[np.ndarray] = []
    homes: list[np.ndarray] = []
    for _ in range(10_000):
        if need.sum() == 0:
            break
        pts = rng.uniform(lo, hi, size=(max(4 * int(need.sum()), 256), 2))
        _, nearest = tree.query(pts)
        for i in np.flatnonzero(need):
            mine = pts[nearest == i][: need[i]]
            parts.append(mine)
            homes.append(np.full(len(mine), i))
            need[i] -= len(mine)
    if need.sum():
        raise InvalidParameter("could not place every user; a cell's region is too small for rejection sampling")
    xy = np.vstack(parts) if parts else np.empty((0, 2))
    home = np.concatenate(homes) if homes else np.empty(0, int)
    order = np.argsort(home, kind="stable")
    return xy[order], home[order]


def drop_users(
    rng: np.random.Generator,
    cells_xy: np.ndarray,
    uniform: int = 0,
    hotspots: int = 0,
    hotspot_users: int = 0,
    hotspot_std_m: float = 100.0,
    per_cell: int = 0,
    busy_cells: np.ndarray | None = None,
    per_busy_cell: int = 0,
    margin_m: float = 250.0,
) -> np.ndarray:
    """Positions of a user drop over a layout: uniform users, hotspot clusters and per-cell counts combined.

    Parameters
    ----------
    uniform : users uniform over the cells' bounding box widened by ``margin_m``.
    hotspots, hotspot_users, hotspot_std_m : ``hotspot_users`` users in ``hotspots`` Gaussian clusters centred at
        random points of the box.
    per_cell : users in every cell's region; ``busy_cells`` (indices) get ``per_busy_cell`` instead.
    """
    lo = cells_xy.min(axis=0) - margin_m
    hi = cells_xy.max(axis=0) + margin_m
    box = (lo[0], lo[1], hi[0], hi[1])
    parts = [drop_uniform(rng, uniform, box)]
    if hotspots and hotspot_users:
        parts.append(drop_hotspots(rng, hotspot_users, drop_uniform(rng, hotspots, box), hotspot_std_m))
    if per_cell or per_busy_cell:
        counts = np.full(len(cells_xy), per_cell)
        if busy_cells is not None:
            counts[np.asarray(busy_cells, int)] = per_busy_cell
        parts.append(drop_in_cells(rng, cells_xy, counts, margin_m)[0])
    return np.vstack(parts)
