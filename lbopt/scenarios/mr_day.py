"""A synthetic day of measurement reports (MR) over any antenna layout, with a tidal traffic pattern.

The Breathing paper's data (one day of MR records from three Beijing areas) are not public; this generator makes
data of the same shape. Every choice is ours:

* 24 hourly periods. Users per hour follow a daily activity curve, ``a(h) = 0.25 + 0.75 max(e^{−((h−11)/3)²},
  e^{−((h−20)/2.5)²})`` times ``users_peak``;
* a tide between zones: ``commercial`` Gaussian centres (σ = ``zone_std`` × the layout's extent) hold the share
  ``c(h) = 0.1 + 0.75 e^{−((h−13.5)/3.5)²}`` of the users (high in working hours), ``residential`` centres the rest
  but a uniform 20 % background; centres are drawn from the seed inside the layout;
* received CPICH of antenna a: ``P_a + G_a + G_rx − PL(d) − X_ua + n``, with the instance's tier path loss and
  antenna gains, log-normal shadowing ``X`` (a pure function of seed, user and antenna), and measurement noise
  ``n ~ N(0, noise_db²)``; each user reports its ``top_k`` strongest of its ``candidates`` nearest antennas that
  are above ``floor_dbm`` (its strongest always), strongest first (it is served by the strongest), strengths
  rounded to ``resolution_db`` (3GPP reports RSCP/RSRP in 1 dB steps; 0 keeps them continuous);
* CPICH powers: 33 dBm for macro antennas and 20 dBm otherwise when logged, bounds [P − 6, P + 3] dB.

Built in chunks of users so that millions of records fit in memory; :func:`mr_arrays` returns the rows as arrays
(records contiguous, strongest first), :func:`with_mr_day` puts them in an instance's ``mr`` table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.instance.model import Instance

CPICH_DBM = {"macro": 33.0}
CPICH_OTHER_DBM = 20.0
CPICH_RANGE_DB = (-6.0, 3.0)


def activity(hour: np.ndarray) -> np.ndarray:
    """Share of ``users_peak`` active in each hour."""
    h = np.asarray(hour, float)
    return 0.25 + 0.75 * np.maximum(np.exp(-(((h - 11) / 3) ** 2)), np.exp(-(((h - 20) / 2.5) ** 2)))


def commercial_share(hour: np.ndarray) -> np.ndarray:
    """Share of the active users in the commercial zones."""
    return 0.1 + 0.75 * np.exp(-(((np.asarray(hour, float) - 13.5) / 3.5) ** 2))


def cpich_columns(instance: Instance) -> pd.DataFrame:
    """The instance's cells with ``cpich_power_dbm``, ``cpich_min_dbm``, ``cpich_max_dbm`` (kept when present)."""
    cells = instance.cells.copy()
    tier = cells["tier"].to_numpy(object) if "tier" in cells else np.full(len(cells), "macro", object)
    if "cpich_power_dbm" not in cells:
        cells["cpich_power_dbm"] = [CPICH_DBM.get(t, CPICH_OTHER_DBM) for t in tier]
    if "cpich_min_dbm" not in cells:
        cells["cpich_min_dbm"] = cells["cpich_power_dbm"] + CPICH_RANGE_DB[0]
    if "cpich_max_dbm" not in cells:
        cells["cpich_max_dbm"] = cells["cpich_power_dbm"] + CPICH_RANGE_DB[1]
    return cells


def _zones(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    return lo + (hi - lo) * (0.15 + 0.7 * rng.uniform(size=(n, 2)))


def _positions(
    rng: np.random.Generator, n: int, share: float, commercial: np.ndarray, residential: np.ndarray, std: float, lo, hi
) -> np.ndarray:
    kind = rng.choice(3, size=n, p=[0.2, 0.8 * share, 0.8 * (1 - share)])
    xy = lo + (hi - lo) * rng.uniform(size=(n, 2))
    for k, centres in ((1, commercial), (2, residential)):
        idx = np.flatnonzero(kind == k)
        pick = rng.integers(0, len(centres), len(idx))
        xy[idx] = centres[pick] + rng.normal(0, std, (len(idx), 2))
    return np.clip(xy, lo, hi)


def mr_arrays(
    instance: Instance,
    users_peak: int = 2000,
    hours: int = 24,
    top_k: int = 4,
    candidates: int = 12,
    noise_db: float = 2.0,
    shadowing_db: float = 6.0,
    resolution_db: float = 1.0,
    floor_dbm: float = -125.0,
    n_commercial: int = 2,
    n_residential: int = 4,
    zone_std: float = 0.12,
    seed: int = 0,
    chunk_users: int = 200_000,
) -> dict[str, np.ndarray]:
    """MR rows of a synthetic day: ``record``, ``period``, ``antenna`` (cell position), ``rss_dbm``.

    Rows are grouped by record, records by period, strongest (serving) row first.
    """
    from scipy.spatial import cKDTree

    from lbopt.radio.model import RadioCells, received_power_dbm

    rng = np.random.default_rng(seed)
    cells = RadioCells.from_instance(instance)
    cpich = cpich_columns(instance)["cpich_power_dbm"].to_numpy(float)
    offset = cpich - cells.tx_power_dbm  # CPICH below the cell's total transmit power
    lo = cells.xy.min(axis=0) - 250.0
    hi = cells.xy.max(axis=0) + 250.0
    std = zone_std * float(np.max(hi - lo))
    commercial, residential = _zones(rng, lo, hi, n_commercial), _zones(rng, lo, hi, n_residential)
    tree = cKDTree(cells.xy)
    k = min(candidates, cells.n)
    radio = instance.radio.model_copy(update={"shadowing_std_db": shadowing_db})
    out: dict[str, list[np.ndarray]] = {"record": [], "period": [], "antenna": [], "rss_dbm": []}
    next_record = 0
    for hour in range(hours):
        n_users = round(users_peak * float(activity(hour % 24)))
        share = float(commercial_share(hour % 24))
        for start in range(0, n_users, chunk_users):
            m = min(chunk_users, n_users - start)
            xy = _positions(rng, m, share, commercial, residential, std, lo, hi)
            _, cand = tree.query(xy, k=k)
            cand = cand.reshape(m, k)
            # users are new every hour; their keys index the shadowing (a pure function of seed, user, antenna)
            keys = np.arange(next_record, next_record + m, dtype=np.int64)
            rx = received_power_dbm(cells, xy, keys, radio, seed, cand) + offset[cand]
            rx += rng.normal(0, noise_db, rx.shape) if noise_db > 0 else 0.0
            if resolution_db > 0:
                rx = np.round(rx / resolution_db) * resolution_db
            order = np.argsort(-rx, axis=1, kind="stable")[:, : min(top_k, k)]
            top = np.take_along_axis(rx, order, axis=1)
            ant = np.take_along_axis(cand, order, axis=1)
            keep = top >= floor_dbm
            keep[:, 0] = True
            rec = np.broadcast_to(keys[:, None], keep.shape)
            out["record"].append(rec[keep])
            out["period"].append(np.full(int(keep.sum()), hour, np.int32))
            out["antenna"].append(ant[keep].astype(np.int32))
            out["rss_dbm"].append(top[keep])
            next_record += m
    return {key: np.concatenate(v) if v else np.empty(0) for key, v in out.items()}


def with_mr_day(instance: Instance, **params) -> Instance:
    """A synthetic day of measurement reports over the cells of an existing instance (``generate mr``).

    Parameters
    ----------
    instance : Instance
        A layout with cell positions (a site list, a grid).
    **params
        Settings of the MR day (:func:`mr_arrays`): ``users_peak``, ``hours``, ``top_k``, ``noise_db``,
        ``shadowing_db``, ``resolution_db``, ``floor_dbm``, ``seed``, the zones of the tidal pattern.

    Returns
    -------
    Instance
        The instance with CPICH power columns and the ``mr`` table.

    Examples
    --------
    >>> from lbopt.scenarios import hex_grid
    >>> day = with_mr_day(hex_grid(rings=1), users_peak=200, seed=1)
    >>> list(day.mr.columns)
    ['record', 'period', 'antenna', 'rss_dbm']"""
    rows = mr_arrays(instance, **params)
    ids = instance.cells["id"].to_numpy(object)
    mr = pd.DataFrame(
        {
            "record": rows["record"].astype(np.int64),
            "period": rows["period"].astype(np.int64),
            "antenna": ids[rows["antenna"]],
            "rss_dbm": rows["rss_dbm"].astype(float),
        }
    )
    return instance.with_tables(cells=cpich_columns(instance), mr=mr)


def breathing_area(
    n_antennas: int = 60,
    isd_m: float = 800.0,
    jitter: float = 0.25,
    users_peak: int = 6000,
    seed: int = 0,
    name: str | None = None,
    **params,
) -> Instance:
    """An area like the Breathing paper's datasets: macro antennas on a jittered hexagonal layout with a synthetic
    day of measurement reports (``generate breathing``).

    Parameters
    ----------
    n_antennas : int
        Macro antennas.
    isd_m : float
        Inter-site distance of the hexagonal layout (m).
    jitter : float
        Each site moved uniformly within ``jitter × isd_m``.
    users_peak : int
        Users at the busiest hour.
    seed : int
        Seed of every random choice.
    name : str, optional
        Instance name.
    **params
        Further settings of the MR day (:func:`mr_arrays`: ``hours``, ``top_k`` antennas per record, ``noise_db``,
        ``shadowing_db``, ``resolution_db``, ``floor_dbm``, zones of the tidal pattern).

    Returns
    -------
    Instance
        Cells with CPICH powers and bounds, the ``mr`` table (``record, period, antenna, rss_dbm``).

    Examples
    --------
    >>> day = breathing_area(12, 800.0, users_peak=500, seed=3)
    >>> day.n_cells, int(day.mr["period"].nunique())
    (12, 24)"""
    from lbopt.scenarios.hexgrid import hex_grid

    base = hex_grid(rings=None, n_cells=n_antennas, isd_m=isd_m, seed=seed)
    rng = np.random.default_rng(seed)
    cells = base.cells.copy()
    cells[["x_m", "y_m"]] += rng.uniform(-jitter * isd_m, jitter * isd_m, (len(cells), 2))
    inst = base.with_tables(cells=cells, links=None, name=name or f"breathing-{n_antennas}-{isd_m:g}m", seed=seed)
    inst = with_mr_day(inst, users_peak=users_peak, seed=seed, **params)
    return inst.with_tables(
        description=(
            f"{n_antennas} macro antennas, jittered hexagonal layout (ISD {isd_m:g} m, jitter {jitter:g}); synthetic "
            f"24-hour MR day, {users_peak} users at the peak hour, tidal commercial/residential pattern"
        )
    )
