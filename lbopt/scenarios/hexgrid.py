"""Hexagonal macro grid: R rings (N = 3R(R+1) + 1 sites) or the first N sites of the spiral, optional wrap-around."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.errors import InvalidParameter
from lbopt.instance.model import Instance
from lbopt.instance.schema import RadioConfig, Wraparound
from lbopt.radio.geometry import hex_axial_spiral, hex_lattice_xy, hex_wraparound_vectors, periodic_images


def rings_for(n_cells: int) -> int:
    """Smallest number of rings whose cluster has at least ``n_cells`` sites."""
    rings = 0
    while 3 * rings * (rings + 1) + 1 < n_cells:
        rings += 1
    return rings


def hex_cells(
    rings: int | None = None, n_cells: int | None = None, isd_m: float = 500.0, prefix: str = "c"
) -> pd.DataFrame:
    """Macro cells on a hexagonal lattice, centre first then ring by ring."""
    if (rings is None) == (n_cells is None):
        raise InvalidParameter("give exactly one of rings or n_cells")
    if rings is None:
        rings = rings_for(int(n_cells))
    xy = hex_lattice_xy(hex_axial_spiral(int(rings)), isd_m)
    if n_cells is not None:
        xy = xy[: int(n_cells)]
    return pd.DataFrame(
        {"id": [f"{prefix}{i}" for i in range(len(xy))], "x_m": xy[:, 0], "y_m": xy[:, 1], "tier": "macro"}
    )


def neighbour_links(
    cells: pd.DataFrame, max_distance_m: float, wrap: tuple[np.ndarray, np.ndarray] | None = None
) -> pd.DataFrame:
    """Links between cells closer than ``max_distance_m`` (nearest periodic image under wrap-around).

    A k-d tree finds the pairs, so 100,000 cells take well under a second; under wrap-around the tree holds the
    nine periodic images of every site.
    """
    from scipy.spatial import cKDTree

    xy = cells[["x_m", "y_m"]].to_numpy(float)
    n = len(xy)
    shifts = np.zeros((1, 2)) if wrap is None else periodic_images(*wrap)
    images = (xy[None, :, :] + shifts[:, None, :]).reshape(-1, 2)
    hits = cKDTree(images).query_ball_point(xy, r=max_distance_m, return_sorted=False)
    a = np.repeat(np.arange(n), [len(h) for h in hits])
    b = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits]) % n if n else np.empty(0, int)
    keep = a < b
    pairs = np.unique(np.column_stack([a[keep], b[keep]]), axis=0)
    ids = cells["id"].to_numpy(object)
    return pd.DataFrame({"a": ids[pairs[:, 0]], "b": ids[pairs[:, 1]]})


def hex_grid(
    rings: int | None = 2,
    n_cells: int | None = None,
    isd_m: float = 500.0,
    wraparound: bool = False,
    name: str | None = None,
    seed: int = 0,
) -> Instance:
    """A macro-only hexagonal grid with neighbour links and no users (``generate hexgrid``).

    Parameters
    ----------
    rings : int, optional
        Rings around the centre cell (1 → 7 cells, 2 → 19); ignored when ``n_cells`` is given.
    n_cells : int, optional
        Number of cells: the first ``n_cells`` of a spiral over the grid.
    isd_m : float
        Inter-site distance (m).
    wraparound : bool
        Periodic layout (``radio.wraparound``), for rings ≥ 1.
    name : str, optional
        Instance name.
    seed : int
        The instance's seed.

    Returns
    -------
    Instance
        Cells with positions and links between adjacent cells; add users with :func:`lbopt.generate.drop`.

    Examples
    --------
    >>> grid = hex_grid(rings=2)
    >>> grid.n_cells, len(grid.links)
    (19, 42)
    """
    cells = hex_cells(rings, n_cells, isd_m)
    radio = RadioConfig()
    wrap = None
    if wraparound:
        full = 3 * rings_for(len(cells)) * (rings_for(len(cells)) + 1) + 1
        if len(cells) != full:
            raise InvalidParameter("wrap-around needs complete rings (n_cells = 1, 7, 19, 37, 61, ...)")
        t1, t2 = hex_wraparound_vectors(rings_for(len(cells)), isd_m)
        radio = RadioConfig(wraparound=Wraparound(t1_m=tuple(t1), t2_m=tuple(t2)))
        wrap = (t1, t2)
    links = neighbour_links(cells, 1.01 * isd_m, wrap)
    return Instance(
        name=name or f"hex{len(cells)}",
        cells=cells,
        links=links,
        radio=radio,
        seed=seed,
        description=f"hexagonal macro grid, {len(cells)} sites, ISD {isd_m:g} m"
        + (", wrap-around" if wraparound else ""),
    )
