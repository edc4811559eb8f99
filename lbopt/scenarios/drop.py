"""``lbopt generate drop``: users dropped on an existing layout."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lbopt.errors import InstanceError
from lbopt.instance.errors import did_you_mean
from lbopt.instance.model import Instance
from lbopt.scenarios.hetnet import with_serving
from lbopt.scenarios.users import drop_users, users_table

__all__ = ["drop_on_layout"]


def drop_on_layout(
    base: Instance,
    *,
    seed: int = 0,
    uniform: int = 0,
    hotspots: int = 0,
    hotspot_users: int = 0,
    hotspot_std_m: float = 100.0,
    per_cell: int = 0,
    busy: Sequence[str] = (),
    per_busy_cell: int = 0,
    demand_bps: float = 1e6,
    serving: bool = True,
    name: str | None = None,
) -> Instance:
    """Users dropped on an existing layout (``generate drop``): the layout with a new users table.

    Parameters
    ----------
    base : Instance
        A layout with cell positions.
    seed : int
        Seed of every random choice.
    uniform : int
        Users uniform over the layout's bounding box.
    hotspots, hotspot_users : int
        Gaussian hotspot clusters and the users in them.
    hotspot_std_m : float
        Spread of a hotspot (m).
    per_cell : int
        Users in every cell's region.
    busy, per_busy_cell : sequence of str, int
        Cells that get ``per_busy_cell`` users instead.
    demand_bps : float
        Constant bit rate of every user (bit/s).
    serving : bool
        Attach every user to its strongest cell (``users.serving``).
    name : str, optional
        Instance name.

    Returns
    -------
    Instance
        ``base`` with the users.

    Examples
    --------
    >>> from lbopt.scenarios import hex_grid
    >>> inst = drop_on_layout(hex_grid(1), per_cell=3, seed=1)
    >>> len(inst.users), bool(inst.users["serving"].notna().all())
    (21, True)
    """
    busy_at = busy_cells(base, busy)
    xy = drop_users(
        np.random.default_rng(seed),
        base.cells[["x_m", "y_m"]].to_numpy(),
        uniform,
        hotspots,
        hotspot_users,
        hotspot_std_m,
        per_cell,
        busy_at,
        per_busy_cell,
    )
    inst = base.with_tables(users=users_table(xy, demand_bps), seed=seed, name=name or base.name)
    return with_serving(inst, "max-rsrp") if serving else inst


def busy_cells(base: Instance, busy: Sequence[str]) -> np.ndarray:
    """Positions of the cells named by ``--busy`` (ids as text); an unknown id is an error naming the flag."""
    ids = [str(i) for i in base.cells["id"]]
    for b in busy:
        if b not in ids:
            raise InstanceError(str(base.path or base.name), "--busy", f"unknown cell '{b}'{did_you_mean(b, ids)}")
    return np.array([ids.index(b) for b in busy], int)
