"""A busy hour on a real layout: users drawn cell by cell until each cell's PRB utilisation reaches a target.

A site list says where the cells are, not how busy they are. Operators describe a busy hour by its per-cell PRB
utilisation (counters); :func:`busy_hour` builds users that produce a chosen utilisation profile:

1. **Targets.** Every cell gets a target utilisation ``U_c`` drawn from a Beta distribution of the given mean and
   standard deviation (the body of a busy hour); cells whose site lies within ``hotspot_radius_m`` of a hotspot
   centre (a station, a mall) draw theirs uniformly from ``hotspot_utilisation`` instead (above 1: the cells a
   balancing method should relieve).
2. **Candidates.** Users are drawn in rounds: ``per_site`` uniform in a disc around every site that still has a cell
   below its target, of radius the distance to the nearest other site (at least ``margin_m``), so that sparse
   suburbs fill as well as the dense centre; each candidate is attached to its strongest cell and needs ``B_u``
   PRBs there (the instance's radio model, with ``radio.interference_load`` as the interferers' activity).
3. **Selection.** Each cell takes its candidates in their random order, skipping any that would take it past
   ``U_c × n_prb``, until no cell has a whole PRB left or ``max_rounds`` rounds are drawn. A user's PRBs do not
   depend on the other users (interference is set by ``interference_load``) and its shadowing follows its id, which
   the selected users keep, so the users' loads are the targets to within a PRB; a cell whose service area is too
   small to hold enough candidates stays below its target (the returned table shows by how much). Candidates below
   CQI 1 (no PRBs: outage) are taken at their cell's acceptance rate of the others, so that each cell's share of
   users in outage is that of the candidates in its area.

The utilisation profile is an assumption, not a measurement: the instance says so in its description.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lbopt.errors import InstanceError, InvalidParameter
from lbopt.instance.model import Instance
from lbopt.radio.model import evaluate_users
from lbopt.scenarios.drop import busy_cells
from lbopt.scenarios.users import users_table

__all__ = ["busy_hour", "busy_hour_instance", "realised", "sectorise", "utilisation_targets"]


def sectorise(layout: Instance, tiers: tuple[str, ...] = ("macro",), sectors: int = 3) -> Instance:
    """Every cell of ``tiers`` split into ``sectors`` co-sited cells with azimuths spread evenly (0°, 120°, 240°
    for three; ids ``<id>-1`` …), the other cells kept omni. Neighbours: the sectors of one site, and every
    sector pair of two sites that were neighbours. Assumed geometry, for site lists without azimuths."""
    cells = layout.cells
    split = cells["tier"].isin(tiers).to_numpy() if "tier" in cells else np.ones(len(cells), bool)
    count = np.where(split, sectors, 1)
    site = np.repeat(np.arange(len(cells)), count)
    rank = np.arange(len(site)) - np.repeat(np.cumsum(count) - count, count)
    out = cells.iloc[site].reset_index(drop=True)
    ids = cells["id"].astype(str).to_numpy(object)[site]
    out["id"] = np.where(split[site], [f"{i}-{r + 1}" for i, r in zip(ids, rank, strict=True)], ids)
    out["azimuth_deg"] = np.where(split[site], rank * 360.0 / sectors, np.nan)
    members = [np.flatnonzero(site == s) for s in range(len(cells))]
    pairs = [(a, b) for m in members for k, a in enumerate(m) for b in m[k + 1 :]]
    if layout.links is not None and len(layout.links):
        pos_a, pos_b = layout.cell_positions(layout.links["a"]), layout.cell_positions(layout.links["b"])
        pairs += [(a, b) for p, q in zip(pos_a, pos_b, strict=True) for a in members[p] for b in members[q]]
    ab = np.array(pairs, int).reshape(-1, 2)
    links = pd.DataFrame({"a": out["id"].to_numpy(object)[ab[:, 0]], "b": out["id"].to_numpy(object)[ab[:, 1]]})
    return layout.with_tables(cells=out, links=links, users=None)


def utilisation_targets(
    rng: np.random.Generator,
    cells_xy: np.ndarray,
    mean: float,
    std: float,
    hotspots_xy: np.ndarray,
    hotspot_radius_m: float,
    hotspot_utilisation: tuple[float, float],
    hot_cells: np.ndarray | None = None,
) -> np.ndarray:
    """Step 1 of the module docstring: a target utilisation per cell (``hot_cells``: indices of cells that draw
    from ``hotspot_utilisation`` wherever they are)."""
    if not 0.0 < mean < 1.0 or not 0.0 < std**2 < mean * (1.0 - mean):
        raise InvalidParameter(
            f"--utilisation, --utilisation-sd: a Beta utilisation needs 0 < mean < 1 and 0 < sd² < mean (1 − mean); "
            f"got {mean}, {std}"
        )
    if not 0.0 < hotspot_utilisation[0] <= hotspot_utilisation[1]:
        raise InvalidParameter(f"--busy-utilisation: expected LOW HIGH with 0 < LOW <= HIGH; got {hotspot_utilisation}")
    common = mean * (1.0 - mean) / std**2 - 1.0  # Beta(a, b) with a + b = common
    target = rng.beta(mean * common, (1.0 - mean) * common, len(cells_xy))
    hubs = np.asarray(hotspots_xy, float).reshape(-1, 2)
    hot = np.zeros(len(cells_xy), bool)
    if hot_cells is not None:
        hot[np.asarray(hot_cells, int)] = True
    if len(hubs):
        distance = np.hypot(*(cells_xy[:, None, :] - hubs[None, :, :]).transpose(2, 0, 1))
        hot |= distance.min(axis=1) <= hotspot_radius_m
    target[hot] = rng.uniform(*hotspot_utilisation, int(hot.sum()))
    return target


def busy_hour(
    layout: Instance,
    *,
    mean_utilisation: float = 0.7,
    std_utilisation: float = 0.15,
    hotspots_xy: np.ndarray | None = None,
    hotspot_radius_m: float = 60.0,
    hotspot_utilisation: tuple[float, float] = (1.1, 1.5),
    hot_cells: np.ndarray | None = None,
    demand_bps: float = 1e6,
    per_site: int = 8,
    max_rounds: int = 40,
    margin_m: float = 100.0,
    seed: int = 0,
) -> tuple[Instance, pd.DataFrame]:
    """Users on ``layout`` whose strongest-cell PRB utilisation follows the targets of the module docstring.

    Returns the instance (users on their strongest cell) and one row per cell: ``id``, ``target_utilisation``,
    ``utilisation`` (what the selected users load it with) and ``users``.

    Examples
    --------
    >>> from lbopt.scenarios import hex_grid
    >>> inst, cells = busy_hour(hex_grid(1), mean_utilisation=0.6, std_utilisation=0.1, seed=1)
    >>> bool((cells["utilisation"] <= cells["target_utilisation"] + 1e-9).all())
    True
    """
    if not layout.has_geometry:
        raise InstanceError(
            str(layout.path or layout.name), "cells.x_m", "a busy hour places users around the cells: the layout "
            "needs cell positions (x_m, y_m)"
        )  # fmt: skip
    rng = np.random.default_rng(seed)
    xy = layout.cells[["x_m", "y_m"]].to_numpy(float)
    hubs = np.empty((0, 2)) if hotspots_xy is None else np.asarray(hotspots_xy, float)
    target = utilisation_targets(
        rng, xy, mean_utilisation, std_utilisation, hubs, hotspot_radius_m, hotspot_utilisation, hot_cells
    )
    capacity = layout.prb_capacity()
    budget = target * capacity
    used = np.zeros(len(xy))
    seen, taken = np.zeros(len(xy)), np.zeros(len(xy))  # served candidates per cell: seen while open, taken
    sites, site_of = np.unique(xy, axis=0, return_inverse=True)  # co-sited sectors share a region
    site_of = site_of.ravel()
    radius = np.full(len(sites), margin_m)
    if len(sites) > 1:
        from scipy.spatial import cKDTree

        radius = np.maximum(cKDTree(sites).query(sites, k=2)[0][:, 1], margin_m)
    chosen, outage = [], []
    for round_ in range(max_rounds):
        # ids stay with the candidates: a user's shadowing and line of sight are functions of its id
        open_site = np.bincount(site_of, budget - used >= 1.0, len(sites)) > 0
        if not open_site.any():  # no cell has a whole PRB left
            break
        centre = np.repeat(sites[open_site], per_site, axis=0)
        r = np.repeat(radius[open_site], per_site) * np.sqrt(rng.random(len(centre)))
        angle = rng.uniform(0.0, 2.0 * np.pi, len(centre))
        points = centre + np.column_stack([r * np.cos(angle), r * np.sin(angle)])
        pool = users_table(points, demand_bps, prefix=f"u{round_}-")
        batch = len(pool)
        state = evaluate_users(layout.with_tables(users=pool), None)
        served = np.isfinite(state.prb)
        take, waiting = np.zeros(batch, bool), np.zeros(batch, bool)
        for u in range(batch):  # candidates in their random order, each cell up to its budget
            c = state.serving[u]
            if budget[c] - used[c] < 1.0:
                continue
            if not served[u]:
                waiting[u] = True  # in outage, met while its cell was open
            elif used[c] + state.prb[u] <= budget[c] + 1e-9:
                used[c] += state.prb[u]
                take[u] = True
                taken[c] += 1
            seen[c] += served[u]
        chosen.append(pool[take])
        outage.append(pool[waiting].assign(cell=state.serving[waiting]))
    # candidates below CQI 1 at each cell's acceptance rate: the cell's share of outage is its candidates'
    out = pd.concat(outage, ignore_index=True)
    rate = np.divide(taken, seen, out=np.zeros(len(xy)), where=seen > 0)
    rank = out.groupby("cell").cumcount().to_numpy()
    count = out.groupby("cell")["cell"].transform("size").to_numpy()
    chosen.append(out[rank < np.round(rate[out["cell"].to_numpy()] * count)].drop(columns=["cell"]))
    users = pd.concat(chosen, ignore_index=True)
    instance = layout.with_tables(users=users)
    final = evaluate_users(instance, None)
    users["serving"] = layout.cells["id"].to_numpy(object)[final.serving]
    load = final.cell_load_prb(len(xy)) / capacity
    table = pd.DataFrame(
        {
            "id": layout.cells["id"].to_numpy(object),
            "target_utilisation": target,
            "utilisation": load,
            "users": np.bincount(final.serving, minlength=len(xy)),
        }
    )
    return instance.with_tables(users=users), table


def busy_hour_instance(
    layout: Instance,
    *,
    mean_utilisation: float = 0.7,
    std_utilisation: float = 0.15,
    busy: Sequence[str] = (),
    busy_utilisation: tuple[float, float] = (1.1, 1.5),
    demand_bps: float = 1e6,
    seed: int = 0,
    name: str | None = None,
) -> Instance:
    """``lbopt generate busy-hour``: :func:`busy_hour` with the hot cells named by id, and a description of what
    was assumed and what the users realise (mean utilisation, cells above 1, cells short of their target).

    Examples
    --------
    >>> from lbopt.scenarios import hex_grid
    >>> inst = busy_hour_instance(hex_grid(1), mean_utilisation=0.6, std_utilisation=0.1, busy=["c0"], seed=2)
    >>> "assumed" in inst.description, len(inst.users) > 0
    (True, True)
    """
    hot = busy_cells(layout, busy)
    inst, table = busy_hour(
        layout,
        mean_utilisation=mean_utilisation,
        std_utilisation=std_utilisation,
        hotspot_utilisation=busy_utilisation,
        hot_cells=hot,
        demand_bps=demand_bps,
        seed=seed,
    )
    lo, hi = busy_utilisation
    description = (
        f"busy hour on {layout.name}: {len(inst.users)} users at {demand_bps:g} bit/s drawn cell by cell until each "
        f"cell's PRB utilisation reaches an assumed target (Beta, mean {mean_utilisation:g}, sd {std_utilisation:g}"
        + (f"; {lo:g}-{hi:g} for {len(hot)} busy cells" if len(hot) else "")
        + f"): {realised(table)}. Targets are assumptions, not counters."
    )
    return inst.with_tables(name=name or f"{layout.name}-busy-hour", description=description)


def realised(table: pd.DataFrame) -> str:
    """What a busy hour's users realise (:func:`busy_hour`'s table), in the words its instances' descriptions use."""
    load, target = table["utilisation"], table["target_utilisation"]

    def cells(n: int) -> str:
        return f"{n} cell" if n == 1 else f"{n} cells"

    return (
        f"realised mean utilisation {load.mean():.2f}, {cells(int((load > 1).sum()))} above 1, "
        f"{cells(int((load < target - 0.1).sum()))} more than 0.1 below their target"
    )
