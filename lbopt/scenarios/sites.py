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


#: the columns of an OpenCelliD export (cell_towers.csv); a list with these is read as one
OPENCELLID_COLUMNS = ("radio", "mcc", "net", "area", "cell", "lon", "lat")


def _is_opencellid(df: pd.DataFrame) -> bool:
    return set(OPENCELLID_COLUMNS) <= {c.strip().lower() for c in df.columns}


def _opencellid_filter(
    sites: pd.DataFrame, path: Path, mcc: str | None, mnc: str | None, radio: str | None
) -> pd.DataFrame:
    """The cells of one operator and one radio technology: filtered by ``--mcc/--mnc/--radio``; a list that still
    mixes operators or technologies is refused (one network of omni cells made of four would mean nothing)."""
    df = sites.rename(columns={c: c.strip().lower() for c in sites.columns})
    for column in ("radio", "mcc", "net"):
        df[column] = df[column].str.strip()
    keep = np.ones(len(df), bool)
    for value, column in ((mcc, "mcc"), (mnc, "net"), (radio, "radio")):
        if value is not None:
            keep &= (df[column].str.lower() == str(value).strip().lower()).to_numpy()
    df = df[keep].reset_index(drop=True)
    if df.empty:
        raise InstanceError(str(path), None, f"no cells match --mcc {mcc} --mnc {mnc} --radio {radio}")
    operators = (df["mcc"] + "-" + df["net"]).value_counts()
    radios = df["radio"].value_counts()
    if len(operators) > 1 or len(radios) > 1:
        listing = ", ".join(f"{k} ({v} cells)" for k, v in operators.items())
        techs = ", ".join(f"{k} ({v})" for k, v in radios.items())
        raise InstanceError(
            str(path),
            "mcc",
            f"the list mixes {len(operators)} operator(s) (mcc-mnc: {listing}) and {len(radios)} radio "
            f"technolog{'y' if len(radios) == 1 else 'ies'} ({techs}); choose one network with --mcc, --mnc and "
            "--radio",
        )
    return df


def _opencellid_cells(df: pd.DataFrame, xy: np.ndarray) -> pd.DataFrame:
    """Cells of an OpenCelliD list: global ids ``mcc-mnc-area-cell`` (text), macro tier, OpenCelliD's ``range``
    as the coverage radius (the tier's default where it is missing or 0), and co-sited cells as sectors of one site
    (positions within 1 m), their azimuths spread evenly (OpenCelliD records none)."""
    ids = (df["mcc"] + "-" + df["net"] + "-" + df["area"].str.strip() + "-" + df["cell"].str.strip()).to_numpy(object)
    cells = pd.DataFrame({"id": ids, "x_m": xy[:, 0], "y_m": xy[:, 1], "tier": "macro"})
    rng = (
        pd.to_numeric(df["range"].str.strip(), errors="coerce") if "range" in df else pd.Series(np.nan, index=df.index)
    )
    cells["radius_m"] = np.where(rng.to_numpy(float) > 0, rng.to_numpy(float), TIER_RADIUS_M["macro"])
    site = pd.factorize(pd.Series(list(map(tuple, np.round(xy).astype(np.int64)))))[0]
    size = np.bincount(site)[site]
    rank = pd.Series(site).groupby(site).cumcount().to_numpy()
    cells["site"] = [f"site{s}" for s in site]
    cells["azimuth_deg"] = np.where(size > 1, rank * 360.0 / np.maximum(size, 1), np.nan)
    return cells


def _site_cells(sites: pd.DataFrame, path: Path, xy: np.ndarray) -> pd.DataFrame:
    """Cells of a site list: ids as written, tiers from a column or the names, power and azimuth when given."""
    id_col, name_col = _column(sites, "id", path, False), _column(sites, "name", path, False)
    tier_col = _column(sites, "tier", path, False)
    ids = _site_ids(sites, id_col, path)
    if tier_col:
        tier = sites[tier_col].astype(str).str.lower().to_numpy(object)
    elif name_col:
        tier = infer_tier(sites[name_col])
    else:
        tier = np.full(len(sites), "macro", object)
    cells = pd.DataFrame({"id": ids, "x_m": xy[:, 0], "y_m": xy[:, 1], "tier": tier})
    cells["radius_m"] = [TIER_RADIUS_M.get(t, 100.0) for t in tier]
    for role, col in (("power", "tx_power_dbm"), ("azimuth", "azimuth_deg")):
        src = _column(sites, role, path, False)
        if src:
            cells[col] = pd.to_numeric(sites[src].replace("", np.nan), errors="coerce").to_numpy(float)
    return cells


def _with_cosited(pairs: np.ndarray, site: np.ndarray) -> np.ndarray:
    """``pairs`` plus every pair of cells on one site (sorted, unique)."""
    code = pd.factorize(site)[0]
    order = np.argsort(code, kind="stable")
    extra = [
        (a, b)
        for group in np.split(order, np.flatnonzero(np.diff(code[order])) + 1)
        for i, a in enumerate(group)
        for b in group[i + 1 :]
    ]
    if not extra:
        return pairs
    both = np.vstack([pairs.reshape(-1, 2), np.sort(np.array(extra), axis=1)])
    return np.unique(both, axis=0)


def from_sites(
    sites_csv: str | Path,
    users_csv: str | Path | None = None,
    neighbours: Literal["delaunay", "distance", "radius"] = "delaunay",
    max_distance_m: float = 400.0,
    demand_bps: float = 1e6,
    name: str | None = None,
    source: str | None = None,
    seed: int = 0,
    mcc: str | None = None,
    mnc: str | None = None,
    radio: str | None = None,
) -> Instance:
    """A real layout from a site list or an OpenCelliD export, and optionally user positions (``generate sites``).

    Positions are projected to metres about the layout's centre. An OpenCelliD export (``radio, mcc, net, area,
    cell, unit, lon, lat, range, …``) must be filtered to one operator and technology by ``mcc``, ``mnc`` and
    ``radio``; its cell ids stay text, ``range`` is the coverage radius, and co-sited cells are sectors of one site
    (azimuths spread evenly) that neighbour each other.

    Parameters
    ----------
    sites_csv : path
        Site list (latitude and longitude columns, optional name and tier) or OpenCelliD export.
    users_csv : path, optional
        User positions (latitude and longitude).
    neighbours : {"delaunay", "distance", "radius"}
        Links from the Delaunay triangulation of the sites, pairs closer than ``max_distance_m``, or pairs whose
        coverage radii overlap.
    max_distance_m : float
        For ``neighbours="distance"`` (m).
    demand_bps : float
        Constant bit rate of the users (bit/s).
    name, source : str, optional
        Instance name, and the data's provenance and credit stored in the instance.
    seed : int
        The instance's seed.
    mcc, mnc, radio : str, optional
        OpenCelliD filters: mobile country code, network code (column ``net``), technology (GSM, UMTS, LTE, NR).

    Returns
    -------
    Instance
        Cells (positions, tiers, azimuths for sectors), links, and users on their strongest cell when given.

    Raises
    ------
    lbopt.InstanceError
        A mixed export without filters (with what it holds), filters on a plain site list, missing columns.
    """
    sites_csv = Path(sites_csv)
    sites = _read_list(sites_csv, "site list")
    if _is_opencellid(sites):
        sites = _opencellid_filter(sites, sites_csv, mcc, mnc, radio)
    elif any(v is not None for v in (mcc, mnc, radio)):
        raise InstanceError(
            str(sites_csv), None, "--mcc, --mnc and --radio filter an OpenCelliD export; this is not one"
        )
    lat, lon = _column(sites, "lat", sites_csv, True), _column(sites, "lon", sites_csv, True)
    site_lat, site_lon = _degrees(sites, lat, 90.0, sites_csv), _degrees(sites, lon, 180.0, sites_csv)
    origin = (float(site_lat.mean()), float(site_lon.mean()))
    xy = project_lonlat(site_lat, site_lon, origin)
    cells = _opencellid_cells(sites, xy) if _is_opencellid(sites) else _site_cells(sites, sites_csv, xy)
    ids = cells["id"].to_numpy(object)
    pairs = neighbour_pairs(xy, neighbours, max_distance_m, cells["radius_m"].to_numpy())
    sectors = ""
    if "site" in cells:  # sectors of one site are neighbours of each other
        pairs = _with_cosited(pairs, cells["site"].to_numpy(object))
        sectors = f" on {cells['site'].nunique()} sites (co-sited cells as sectors, azimuths spread evenly)"
        cells = cells.drop(columns=["site"])
        filters = ", ".join(f"{k} {v}" for k, v in (("mcc", mcc), ("mnc", mnc), ("radio", radio)) if v is not None)
        sectors += f"; OpenCelliD cells of {filters}" if filters else "; OpenCelliD cells"
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
            f"{len(cells)} cells{sectors} from {sites_csv.name} (projected about lat {origin[0]:.6f}, "
            f"lon {origin[1]:.6f}); "
            f"neighbours: {neighbours}"
            + (f"; {len(users)} users from {Path(users_csv).name}" if users is not None else "")
        ),
    )
