"""Plane geometry: distances (with periodic wrap-around), hexagonal lattices, and WGS84 → metres.

Hexagonal cells are handled in axial lattice coordinates (q, r): site = q·a1 + r·a2 with
a1 = (ISD, 0) and a2 = (ISD/2, ISD·√3/2). A hexagonal cluster of R rings has N = 3R(R+1) + 1 sites and tiles
the plane under the translations T1 = (2R+1)·a1 − R·a2 and T2 = R·a1 + (R+1)·a2 (det = N), which gives the
standard wrap-around: a user sees every cell at its nearest periodic image.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius


def hex_axial_spiral(rings: int) -> np.ndarray:
    """Axial coordinates (q, r) of the sites of a hexagonal cluster, centre first, ring by ring."""
    coords = [(0, 0)]
    directions = [(1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1)]
    for k in range(1, rings + 1):
        q, r = -k, k  # start at direction 4 scaled by k, walk the six sides
        for dq, dr in directions:
            for _ in range(k):
                coords.append((q, r))
                q, r = q + dq, r + dr
    return np.array(coords, dtype=float)


def hex_lattice_xy(axial: np.ndarray, isd_m: float) -> np.ndarray:
    """Cartesian positions (m) of axial lattice coordinates for inter-site distance ``isd_m``."""
    a1 = np.array([isd_m, 0.0])
    a2 = np.array([isd_m / 2.0, isd_m * np.sqrt(3.0) / 2.0])
    return axial[:, :1] * a1 + axial[:, 1:2] * a2


def hex_wraparound_vectors(rings: int, isd_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The two translations T1, T2 (m) under which an R-ring hexagonal cluster tiles the plane."""
    t = hex_lattice_xy(np.array([[2 * rings + 1, -rings], [rings, rings + 1]], dtype=float), isd_m)
    return t[0], t[1]


def periodic_images(t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """The 9 shifts i·t1 + j·t2 with i, j ∈ {−1, 0, 1}: enough for a user inside the fundamental cluster."""
    ij = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)], dtype=float)
    return ij[:, :1] * np.asarray(t1, float) + ij[:, 1:2] * np.asarray(t2, float)


def distances_m(
    users_xy: np.ndarray,
    cells_xy: np.ndarray,
    wraparound: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Distances (users × cells) in metres, to the nearest periodic image when ``wraparound`` is given."""
    users_xy = np.asarray(users_xy, float)
    cells_xy = np.asarray(cells_xy, float)
    shifts = np.zeros((1, 2)) if wraparound is None else periodic_images(*wraparound)
    best = None
    for sx, sy in shifts:
        d2 = np.subtract.outer(users_xy[:, 0], cells_xy[:, 0] + sx)
        d2 *= d2
        dy = np.subtract.outer(users_xy[:, 1], cells_xy[:, 1] + sy)
        dy *= dy
        d2 += dy
        best = d2 if best is None else np.minimum(best, d2, out=best)
    return np.sqrt(best, out=best)


def point_in_hexagon(xy: np.ndarray, centre: np.ndarray, isd_m: float) -> np.ndarray:
    """True where a point lies in the hexagon of the lattice site ``centre``.

    The Voronoi cell of a site of the lattice above is a hexagon with inradius ``isd_m / 2`` whose edges are
    perpendicular to the six neighbour directions (0°, 60°, ..., 300°).
    """
    rel = np.asarray(xy, float) - np.asarray(centre, float)
    angles = np.deg2rad(np.arange(0, 360, 60))
    proj = rel @ np.stack([np.cos(angles), np.sin(angles)])
    return np.all(proj <= isd_m / 2.0 + 1e-9, axis=1)


def sample_in_hexagon(rng: np.random.Generator, n: int, centre: np.ndarray, isd_m: float) -> np.ndarray:
    """``n`` points uniform over the hexagonal Voronoi cell (inradius ``isd_m / 2``) of ``centre``."""
    out = np.empty((0, 2))
    circ = isd_m / np.sqrt(3.0)  # circumradius
    while len(out) < n:
        pts = rng.uniform(-circ, circ, size=(2 * (n - len(out)) + 8, 2)) + centre
        out = np.vstack([out, pts[point_in_hexagon(pts, centre, isd_m)]])
    return out[:n]


def project_lonlat(lat_deg: np.ndarray, lon_deg: np.ndarray, origin: tuple[float, float] | None = None) -> np.ndarray:
    """Local equirectangular projection of WGS84 coordinates to metres (x east, y north).

    Exact enough for a city (error below 0.1 % over tens of km away from the poles). ``origin`` is
    ``(lat, lon)``; the mean position when absent.
    """
    lat = np.asarray(lat_deg, float)
    lon = np.asarray(lon_deg, float)
    lat0, lon0 = origin if origin is not None else (float(lat.mean()), float(lon.mean()))
    x = np.deg2rad(lon - lon0) * np.cos(np.deg2rad(lat0)) * EARTH_RADIUS_M
    y = np.deg2rad(lat - lat0) * EARTH_RADIUS_M
    return np.column_stack([x, y])
