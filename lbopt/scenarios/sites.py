"""Real layouts: import a site list (latitude/longitude) and user positions, project to metres, build neighbours.

Tiers come from a column when the list has one, else from site names (regular expressions: ``minicell``,
``micro``, ``ucell`` → micro; ``pico`` → pico; ``femto`` → femto; anything else macro). Neighbours are the edges of
the Delaunay triangulation of the sites (``delaunay``), pairs closer than a distance (``distance``), or pairs
whose coverage radii overlap, a_ij = 1 iff r_i + r_j > d_ij (``radius``, the stability paper's rule).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from lbopt.graph import derived_pairs
from lbopt.instance.errors import InstanceError, short_repr
from lbopt.instance.model import Instance
from lbopt.radio.geometry import project_lonlat
from lbopt.scenarios.users import users_table

TIER_PATTERNS: dict[str, str] = {"micro": r"minicell|micro|ucell", "pico": r"pico", "femto": r"femto"}
#: coverage radius per tier for the ``radius`` neighbour rule (our choice; dense-urban values)
TIER_RADIUS_M: dict[str, float] = {"macro": 250.0, "micro": 120.0, "pico": 60.0, "femto": 30.0, "small": 60.0}

_ALIASES = {
    "lat": ("latitude", "lat"),
    "lon": ("longitude", "lon", "lng", "long"),
    "id": ("site_id", "id", "site"),
    "name": ("name", "site_name"),
    "tier": ("tier", "type", "class"),
    "power": ("tx_power_dbm", "power_dbm", "eirp_dbm", "power"),
    "azimuth": ("azimuth_deg", "azimuth"),
}


def _column(df: pd.DataFrame, role: str, path: Path, required: bool) -> str | None:
    lower = {c.lower(): c for c in df.columns}
    for alias in _ALIASES[role]:
        if alias in lower:
            return lower[alias]
    if required:
        raise InstanceError(str(path), role, f"no column for {role}; expected one of {list(_ALIASES[role])}")
    return None


def infer_tier(names: pd.Series, patterns: dict[str, str] = TIER_PATTERNS) -> np.ndarray:
    """Tier per site name; the first matching pattern wins, macro when none matches."""
    tier = np.full(len(names), "macro", dtype=object)
    undecided = np.ones(len(names), bool)
    for t, pattern in patterns.items():
        hit = names.fillna("").str.contains(pattern, flags=re.IGNORECASE, regex=True).to_numpy() & undecided
        tier[hit] = t
        undecided &= ~hit
    return tier


def neighbour_pairs(
    xy: np.ndarray,
    rule: Literal["delaunay", "distance", "radius"],
    max_distance_m: float = 400.0,
    radius_m: np.ndarray | None = None,
) -> np.ndarray:
    """Neighbour pairs ``(i, j)``, ``i < j``. A k-d tree finds the close pairs (no N × N distance matrix).

    Delaunay needs four sites not on one line; with fewer, or on one line, :func:`lbopt.graph.derived_pairs` joins
    the sites within twice the median nearest-neighbour distance.
    """
    from scipy.spatial import cKDTree

    if rule == "delaunay":  # Delaunay when it exists; few or collinear sites get the nearest-distance rule
        return derived_pairs(xy)
    tree = cKDTree(xy)
    if rule == "distance":
        pairs = tree.query_pairs(max_distance_m, output_type="ndarray")
        keep = np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1) < max_distance_m
    else:
        pairs = tree.query_pairs(2 * float(np.max(radius_m)), output_type="ndarray")
        d = np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1)
        keep = radius_m[pairs[:, 0]] + radius_m[pairs[:, 1]] > d
    pairs = np.sort(pairs[keep], axis=1)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))] if len(pairs) else np.empty((0, 2), int)


def _read_list(path: Path, what: str) -> pd.DataFrame:
    """A site or user list as text, exactly as written (ids keep their leading zeros); at least one row."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, index_col=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InstanceError(str(path), None, f"cannot read the {what}: {short_repr(str(exc))}") from None
    if df.empty:
        raise InstanceError(str(path), None, f"the {what} has no rows")
    return df


def _degrees(df: pd.DataFrame, column: str, limit: float, path: Path) -> np.ndarray:
    """A latitude or longitude column as finite degrees within ±``limit``, naming the first bad row."""
    values = pd.to_numeric(df[column].str.strip(), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) | (np.abs(values) > limit)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InstanceError(
            str(path), column, f"got {short_repr(df[column].iloc[row])}; expected degrees within ±{limit:g}", row=row
        )
    return values


def _site_ids(sites: pd.DataFrame, id_col: str | None, path: Path) -> np.ndarray:
    """Site ids as written (text), none blank and none repeated; ``s0, s1, ...`` when the list has no id column."""
    if id_col is None:
        return np.array([f"s{i}" for i in range(len(sites))], object)
    ids = sites[id_col].str.strip()
    for bad, what in ((ids == "", "is blank"), (ids.duplicated(), "repeats an earlier id")):
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InstanceError(str(path), id_col, f"the site id {what}: {short_repr(ids.iloc[row])}", row=row)
    return ids.to_numpy(object)


def from_sites(
    sites_csv: str | Path,
    users_csv: str | Path | None = None,
    neighbours: Literal["delaunay", "distance", "radius"] = "delaunay",
    max_distance_m: float = 400.0,
    demand_bps: float = 1e6,
    name: str | None = None,
    source: str | None = None,
    seed: int = 0,
) -> Instance:
    """An instance from a site list and (optionally) user positions, both with latitude/longitude columns."""
    sites_csv = Path(sites_csv)
    sites = _read_list(sites_csv, "site list")
    lat, lon = _column(sites, "lat", sites_csv, True), _column(sites, "lon", sites_csv, True)
    id_col, name_col = _column(sites, "id", sites_csv, False), _column(sites, "name", sites_csv, False)
    tier_col = _column(sites, "tier", sites_csv, False)
    site_lat, site_lon = _degrees(sites, lat, 90.0, sites_csv), _degrees(sites, lon, 180.0, sites_csv)
    origin = (float(site_lat.mean()), float(site_lon.mean()))
    xy = project_lonlat(site_lat, site_lon, origin)
    ids = _site_ids(sites, id_col, sites_csv)
    if tier_col:
        tier = sites[tier_col].astype(str).str.lower().to_numpy(object)
    elif name_col:
        tier = infer_tier(sites[name_col])
    else:
        tier = np.full(len(sites), "macro", object)
    cells = pd.DataFrame({"id": ids, "x_m": xy[:, 0], "y_m": xy[:, 1], "tier": tier})
    cells["radius_m"] = [TIER_RADIUS_M.get(t, 100.0) for t in tier]
    for role, col in (("power", "tx_power_dbm"), ("azimuth", "azimuth_deg")):
        src = _column(sites, role, sites_csv, False)
        if src:
            cells[col] = pd.to_numeric(sites[src].replace("", np.nan), errors="coerce").to_numpy(float)
    pairs = neighbour_pairs(xy, neighbours, max_distance_m, cells["radius_m"].to_numpy())
    links = pd.DataFrame({"a": ids[pairs[:, 0]], "b": ids[pairs[:, 1]]})
    users = None
    if users_csv is not None:
        users_csv = Path(users_csv)
        raw = _read_list(users_csv, "user list")
        ulat, ulon = _column(raw, "lat", users_csv, True), _column(raw, "lon", users_csv, True)
        user_xy = project_lonlat(_degrees(raw, ulat, 90.0, users_csv), _degrees(raw, ulon, 180.0, users_csv), origin)
        users = users_table(user_xy, demand_bps)
    return Instance(
        name=name or sites_csv.stem,
        cells=cells,
        links=links,
        users=users,
        seed=seed,
        source=source,
        description=(
            f"{len(cells)} sites from {sites_csv.name} (projected about lat {origin[0]:.6f}, lon {origin[1]:.6f}); "
            f"neighbours: {neighbours}"
            + (f"; {len(users)} users from {Path(users_csv).name}" if users is not None else "")
        ),
    )
