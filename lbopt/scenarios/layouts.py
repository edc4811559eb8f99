"""Random (Poisson) macro/small-cell layouts with a location grid (the vGALA set-up) and the stability paper's 16 BSs.

vGALA (Han & Ansari §VI, Table I): 3 MBSs and 7 SCBSs placed at random in 2 km × 2 km, 10 m × 10 m locations
(40,000), Poisson flow arrivals with mean size 250 kbit, static power 750 W / 37 W, load-power coefficient
500 / 4, green capacity uniform in 750–1300 W / 37–48 W, 10 MHz per tier on separate carriers. The per-location
arrival rate is the total rate spread uniformly over the grid (modulated by optional hotspots); the allowed
(location, cell) pairs are those within the uplink path-loss threshold α* (``max_pathloss_db``) plus each
location's strongest cell; ``rate_bps`` = full-carrier Shannon rate from the radio model.

Zou et al. §IV: 16 BSs 500 m apart, 46 dBm, 14 dBi + 5 dBi, 180 kHz PRBs, 10 MHz (50 PRBs),
128.1 + 37.6 log10 max(d, 0.035). The layout of their Fig. 4 is not given numerically; lbopt places the 16 BSs
on a 4 × 4 patch of the triangular lattice (rows offset by 250 m), so every BS's nearest neighbours are exactly
500 m away, and gives each a coverage radius of 300 m (a_ij = 1 iff r_i + r_j > d_ij joins lattice neighbours).
Users are dropped uniformly plus hotspots at the BSs the paper names overloaded; the per-user CBR demand (not
given) is calibrated so that the initial mean load equals the paper's (Tables I–III, "Avg load").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.instance.model import Instance
from lbopt.instance.schema import MethodsConfig, RadioConfig, TierRadio, VgalaParams, ZouParams
from lbopt.radio.model import evaluate_users, user_cell_matrices
from lbopt.scenarios.hexgrid import neighbour_links
from lbopt.scenarios.users import drop_hotspots, drop_uniform, users_table

#: Zou et al. Tables I–III: initial mean load per number of users, and the overloaded BSs the text names
ZOU_MEAN_LOAD = {200: 0.27125, 250: 0.33875, 300: 0.40875, 350: 0.475, 400: 0.54125, 500: 0.6799}
#: ρ_th per user count: the paper's 0.5 / 0.5 / 0.6 for 200 / 300 / 400 users; ours (stated) for 250, 350, 500
ZOU_THRESHOLD = {200: 0.5, 250: 0.5, 300: 0.5, 350: 0.55, 400: 0.6, 500: 0.75}
ZOU_OVERLOADED = {200: (12,), 250: (12,), 300: (3, 12), 350: (3, 12), 400: (0, 3, 7, 12), 500: (0, 3, 7, 12)}


def vgala_layout(
    width_m: float = 2000.0,
    height_m: float = 2000.0,
    n_macro: int = 3,
    n_small: int = 7,
    poisson: bool = False,
    grid_m: float = 10.0,
    arrival_rate_total: float = 200.0,
    mean_size_bits: float = 250e3,
    hotspots: int = 0,
    max_pathloss_db: float = 150.0,
    seed: int = 0,
    name: str | None = None,
) -> Instance:
    """Han & Ansari's set-up: macro and small cells over a rectangle, a location grid, and the rate of every
    (location, cell) pair (``generate vgala``).

    Parameters
    ----------
    width_m, height_m : float
        The area (m).
    n_macro, n_small : int
        Macro and small cells (with ``poisson=True``, the means of Poisson counts, at least one macro); positions
        are uniform.
    poisson : bool
        Draw the numbers of cells instead of fixing them.
    grid_m : float
        Spacing of the location grid (m); the paper's 10 m gives 40,000 locations over 2 km × 2 km.
    arrival_rate_total : float
        Flows per second over the whole area (the paper's "200", whose unit it does not give).
    mean_size_bits : float
        Mean flow size ν (bit).
    hotspots : int
        Gaussian hotspots added to the uniform arrival density.
    max_pathloss_db : float
        Uplink path-loss threshold α* (eq. 15): cells beyond it cannot serve a location.
    seed : int
        Seed of every random choice.
    name : str, optional
        Instance name.

    Returns
    -------
    Instance
        Cells with their energy columns (static and load power, green power), ``locations`` and ``rates``.

    Examples
    --------
    >>> net = vgala_layout(seed=4, grid_m=100.0)
    >>> net.n_cells, len(net.locations), len(net.rates) <= net.n_cells * len(net.locations)
    (10, 400, True)
    """
    rng = np.random.default_rng(seed)
    if poisson:
        n_macro = max(1, int(rng.poisson(n_macro)))
        n_small = int(rng.poisson(n_small))
    bounds = (0.0, 0.0, width_m, height_m)
    xy = drop_uniform(rng, n_macro + n_small, bounds)
    macro = np.arange(n_macro + n_small) < n_macro
    cells = pd.DataFrame(
        {
            "id": [f"m{i}" for i in range(n_macro)] + [f"s{i}" for i in range(n_small)],
            "x_m": xy[:, 0],
            "y_m": xy[:, 1],
            "tier": np.where(macro, "macro", "small"),
            "n_prb": 50,
            "static_power_w": np.where(macro, 750.0, 37.0),
            "load_power_w": np.where(macro, 500.0, 4.0),
            "green_power_w": np.where(macro, rng.uniform(750.0, 1300.0, len(xy)), rng.uniform(37.0, 48.0, len(xy))),
        }
    )
    gx = np.arange(grid_m / 2, width_m, grid_m)
    gy = np.arange(grid_m / 2, height_m, grid_m)
    mx, my = np.meshgrid(gx, gy)
    loc_xy = np.column_stack([mx.ravel(), my.ravel()])
    weight = np.ones(len(loc_xy))
    if hotspots:
        centres = drop_uniform(rng, hotspots, bounds)
        d2 = ((loc_xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        weight += 4.0 * np.exp(-d2 / (2 * 150.0**2)).sum(axis=1)
    locations = pd.DataFrame(
        {
            "id": [f"x{i}" for i in range(len(loc_xy))],
            "arrival_rate": arrival_rate_total * weight / weight.sum(),
            "mean_size_bits": mean_size_bits,
            "x_m": loc_xy[:, 0],
            "y_m": loc_xy[:, 1],
        }
    )
    instance = Instance(
        name=name or f"vgala{n_macro}+{n_small}",
        cells=cells,
        locations=locations,
        radio=RadioConfig(link="shannon"),  # the paper's eq. (1)
        methods=MethodsConfig(vgala=VgalaParams(kappa=4.0, epsilon=1e-3, theta=0.8)),
        seed=seed,
        description=(
            f"vGALA set-up (Han & Ansari §VI): {n_macro} MBS + {n_small} SCBS uniform in "
            f"{width_m:g} m x {height_m:g} m, "
            f"{len(loc_xy)} locations of {grid_m:g} m, total arrival rate {arrival_rate_total:g} /s, mean flow "
            f"{mean_size_bits:g} bit, allowed pairs: path loss <= {max_pathloss_db:g} dB plus the strongest cell"
        ),
    )
    instance = instance.with_tables(rates=rates_table(instance, max_pathloss_db))
    return instance


def rates_table(instance: Instance, max_pathloss_db: float) -> pd.DataFrame:
    """Allowed (location, cell) pairs and their full-carrier rates ``n_prb · W_prb · log2(1 + SINR)``."""
    probe = instance.with_tables(users=instance.locations[["id", "x_m", "y_m"]])
    m = user_cell_matrices(probe)
    from lbopt.radio.model import RadioCells

    cells = RadioCells.from_instance(probe)
    pathloss = cells.tx_power_dbm + cells.antenna_gain_dbi + instance.radio.rx_gain_dbi - m["rx_dbm"]
    allowed = pathloss <= max_pathloss_db
    allowed[np.arange(len(allowed)), np.argmax(m["rsrp_dbm"], axis=1)] = True
    rate = m["rate_per_prb_bps"] * cells.n_prb[None, :]
    loc, cell = np.nonzero(allowed)
    return pd.DataFrame(
        {
            "location": instance.locations["id"].to_numpy(object)[loc],
            "cell": cells.ids[cell],
            "rate_bps": rate[loc, cell],
        }
    )


def zou16_cells(isd_m: float = 500.0, radius_m: float = 300.0) -> pd.DataFrame:
    """The 16 base stations of Zou et al. on a 4 × 4 lattice (odd rows shifted by half a distance) with their
    coverage radius.
    """
    r, c = np.divmod(np.arange(16), 4)
    return pd.DataFrame(
        {
            "id": [f"bs{i}" for i in range(16)],
            "x_m": c * isd_m + (r % 2) * isd_m / 2,
            "y_m": r * isd_m * np.sqrt(3) / 2,
            "tier": "macro",
            "n_prb": 50,
            "radius_m": radius_m,
        }
    )


def zou16(
    users: int = 200,
    hotspot_share: float = 0.15,
    hotspot_std_m: float = 250.0,
    overloaded: tuple[int, ...] | None = None,
    mean_load: float | None = None,
    seed: int = 0,
    name: str | None = None,
) -> Instance:
    """Zou et al.'s 16 base stations on a 4 × 4 lattice with users and a calibrated CBR demand (``generate zou16``).

    Parameters
    ----------
    users : int
        Users dropped uniformly over the lattice's area.
    hotspot_share, hotspot_std_m : float
        Share of the users in Gaussian clusters around the overloaded BSs and the clusters' spread (m).
    overloaded : tuple of int, optional
        Positions of the overloaded BSs; default the paper's for ``users`` (ours for 250, 350 and 500 users, see
        ``ZOU_OVERLOADED``).
    mean_load : float, optional
        Mean initial load the demand is calibrated to; default the paper's for ``users``.
    seed : int
        Seed of the user drop.
    name : str, optional
        Instance name (default ``zou16-<users>``).

    Returns
    -------
    Instance
        Cells with coverage radii, links, users with their serving cells.

    Examples
    --------
    >>> net = zou16(200, seed=1)
    >>> net.n_cells, len(net.users)
    (16, 200)
    """
    rng = np.random.default_rng(seed)
    cells = zou16_cells()
    over = ZOU_OVERLOADED.get(users, (12,)) if overloaded is None else overloaded
    target = ZOU_MEAN_LOAD.get(users) if mean_load is None else mean_load
    n_hot = round(hotspot_share * users) if over else 0
    xy_bs = cells[["x_m", "y_m"]].to_numpy()
    lo, hi = xy_bs.min(axis=0) - 250.0, xy_bs.max(axis=0) + 250.0
    xy = np.vstack(
        [
            drop_uniform(rng, users - n_hot, (lo[0], lo[1], hi[0], hi[1])),
            drop_hotspots(rng, n_hot, xy_bs[list(over)], hotspot_std_m),
        ]
    )
    radio = RadioConfig(
        link="shannon",  # the paper's eq. (2)
        tiers={"macro": TierRadio(pathloss="zou", tx_power_dbm=46.0, antenna_gain_dbi=14.0, n_prb=50)},
        rx_gain_dbi=5.0,
        interference="shared",
        prb_rounding="none",
    )
    instance = Instance(
        name=name or f"zou16-{users}",
        cells=cells,
        links=neighbour_links(cells, 2 * 300.0),
        users=users_table(xy, 1.0),
        radio=radio,
        methods=MethodsConfig(zou=ZouParams(threshold=ZOU_THRESHOLD.get(users, 0.5))),
        seed=seed,
    )
    state = evaluate_users(instance, None)
    demand = 1e6
    if target is not None:
        demand = target * cells["n_prb"].sum() / state.prb.sum()  # prb_rounding = none: PRBs are linear in demand
    table = instance.users.assign(demand_bps=demand, serving=cells["id"].to_numpy(object)[state.serving])
    return instance.with_tables(
        users=table,
        description=(
            f"Zou et al. §IV set-up: 16 BSs on a triangular lattice, 500 m apart, radius 300 m; {users} users, "
            f"{n_hot} of them in hotspots at {', '.join(f'bs{i}' for i in over)}; CBR {demand:.6g} bit/s calibrated "
            f"to an initial mean load of {target}; serving = strongest RSRP"
        ),
    )
