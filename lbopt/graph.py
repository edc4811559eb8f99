"""The cell graph: neighbour pairs from the instance's links, or derived from geometry when it has none.

Derived neighbours are the edges of the Delaunay triangulation of the cell sites (joggled, so co-located sites
do not break it); with fewer than four cells, or all on a line, every pair within twice the median nearest-site
distance is a neighbour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from lbopt.instance.model import Instance


def delaunay_pairs(xy: np.ndarray) -> np.ndarray:
    """Unique edges (i < j) of the Delaunay triangulation of ``xy``."""
    from scipy.spatial import Delaunay

    simplices = Delaunay(xy, qhull_options="QJ").simplices
    edges = np.vstack([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])
    return np.unique(np.sort(edges, axis=1), axis=0)


def _collinear(xy: np.ndarray) -> bool:
    centred = xy - xy.mean(axis=0)
    return np.linalg.matrix_rank(centred, tol=1e-6 * max(1.0, float(np.abs(centred).max()))) < 2


def derived_pairs(xy: np.ndarray) -> np.ndarray:
    """Neighbour pairs (i < j) from positions alone."""
    n = len(xy)
    if n < 2:
        return np.empty((0, 2), int)
    if n >= 4 and not _collinear(xy):
        return delaunay_pairs(xy)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    reach = 2.0 * np.median(d.min(axis=1))
    i, j = np.nonzero(np.triu(d <= reach, k=1))
    return np.column_stack([i, j])


def neighbour_pairs(instance: Instance) -> tuple[np.ndarray, np.ndarray, pd.DataFrame | None]:
    """Positions (a, b) of every neighbour pair and the links table they come from (``None`` when derived)."""
    if instance.links is not None:
        return (
            instance.cell_positions(instance.links["a"]),
            instance.cell_positions(instance.links["b"]),
            instance.links,
        )
    if not instance.has_geometry:
        empty = np.empty(0, int)
        return empty, empty, None
    pairs = derived_pairs(instance.cells[["x_m", "y_m"]].to_numpy(float))
    return pairs[:, 0], pairs[:, 1], None


def components(n_cells: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label of every cell in the undirected neighbour graph."""
    adj = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n_cells, n_cells))
    return connected_components(adj, directed=False)[1]
