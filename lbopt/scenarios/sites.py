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

from lbopt.graph import delaunay_pairs
from lbopt.instance.errors import InstanceError
from lbopt.instance.model import Instance
from lbopt.radio.geometry import distances_m, project_lonlat
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
    if rule == "delaunay":
        return delaunay_pairs(xy)
    d = distances_m(xy, xy)
    if rule == "distance":
        adj = d < max_distance_m
    else:
        adj = (radius_m[:, None] + radius_m[None, :]) > d
    i, j = np.nonzero(np.triu(adj, k=1))
    return np.column_stack([i, j])


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
    try:
        sites = pd.read_csv(sites_csv)
    except (OSError, pd.errors.ParserError) as exc:
        raise InstanceError(str(sites_csv), None, f"cannot read the site list: {exc}") from None
    lat, lon = _column(sites, "lat", sites_csv, True), _column(sites, "lon", sites_csv, True)
    id_col, name_col = _column(sites, "id", sites_csv, False), _column(sites, "name", sites_csv, False)
    tier_col = _column(sites, "tier", sites_csv, False)
    origin = (float(sites[lat].mean()), float(sites[lon].mean()))
    xy = project_lonlat(sites[lat].to_numpy(), sites[lon].to_numpy(), origin)
    ids = (
        sites[id_col].astype(str).to_numpy(object) if id_col else np.array([f"s{i}" for i in range(len(sites))], object)
    )
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
            cells[col] = sites[src].to_numpy(float)
    pairs = neighbour_pairs(xy, neighbours, max_distance_m, cells["radius_m"].to_numpy())
    links = pd.DataFrame({"a": ids[pairs[:, 0]], "b": ids[pairs[:, 1]]})
    users = None
    if users_csv is not None:
        users_csv = Path(users_csv)
        raw = pd.read_csv(users_csv)
        ulat, ulon = _column(raw, "lat", users_csv, True), _column(raw, "lon", users_csv, True)
        users = users_table(project_lonlat(raw[ulat].to_numpy(), raw[ulon].to_numpy(), origin), demand_bps)
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
