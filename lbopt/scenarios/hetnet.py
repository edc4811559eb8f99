"""HetNet of the OSLB paper (Jia et al. 2014, §6): hexagonal macro cells with 2–4 picocells at each cell's edge.

Set-up as the paper states it: 37 hexagonal cells with wrap-around, cell radius 577 m (ISD 1000 m), one omni
eNB per cell, 2–4 picocells placed at random at the cell edge, 22 normal cells with 10 users and 15 busy cells
with 10–40 users, CBR 1 Mbit/s per user. Macro and pico layers use separate carriers (no macro–pico
interference). The paper's Table 2 radio values are lost; lbopt uses the 3GPP TR 36.814 defaults of its tier
settings (macro 46 dBm / 14 dBi / 128.1 + 37.6 log10 d; pico 30 dBm / 5 dBi / 140.7 + 36.7 log10 d).

Choices of ours (stated in the instance description): picocells at 60–90 % of the inradius from the macro
site, at least 80 m apart; a share of each cell's users (default one third, the paper's equal split of arrivals
over centre, edge and pico users in its §2) dropped in a 30 m Gaussian cluster around one of the cell's
picocells, the rest uniform over the hexagon; macro carriers of 50 PRBs and picocell carriers of 25 PRBs.
"""

from __future__ import annotations

import inspect
from typing import Any, Literal

import numpy as np
import pandas as pd

from lbopt.errors import InvalidParameter
from lbopt.instance.model import Instance
from lbopt.radio.model import evaluate_users
from lbopt.scenarios.hexgrid import hex_grid
from lbopt.scenarios.users import drop_hotspots, drop_per_hex_cell, users_table

Serving = Literal["none", "max-rsrp", "macro-only"]


def _place_picos(
    rng: np.random.Generator, centre: np.ndarray, count: int, isd_m: float, min_sep_m: float
) -> np.ndarray:
    for _ in range(1000):
        r = rng.uniform(0.6, 0.9, count) * isd_m / 2.0
        phi = rng.uniform(0.0, 2 * np.pi, count)
        pts = centre + np.column_stack([r * np.cos(phi), r * np.sin(phi)])
        d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
        if count < 2 or d[np.triu_indices(count, 1)].min() >= min_sep_m:
            return pts
    raise InvalidParameter("could not place picocells apart; lower min_sep_m")


def hetnet(*args: Any, **kwargs: Any) -> Instance:
    """Jia et al.'s HetNet: hexagonal macro cells with picocells at their edges and busy cells (``generate hetnet``).

    Parameters
    ----------
    rings : int
        Rings of macro cells around the centre (1 → 7 cells, 3 → 37, the paper's).
    isd_m : float
        Inter-site distance of the macro cells (m).
    picos : (int, int)
        Inclusive range of picocells per macro cell, placed at the cell edge.
    normal_users, busy_users : int
        Users per normal and per busy macro cell.
    busy_cells : int
        How many macro cells are busy (chosen at random from the seed).
    pico_user_share : float
        Share of each cell's users dropped around one of its picocells.
    demand_bps : float
        Constant bit rate of every user (bit/s).
    pico_prb : int
        PRBs of a picocell (25, i.e. 5 MHz; 50 gives every cell the macro's bandwidth, as the paper assumes).
    wraparound : bool
        Periodic layout, so that edge cells have a full ring of neighbours.
    serving : {"max-rsrp", "macro-only", "none"}
        Initial association written to ``users.serving``: strongest RSRP over all cells, strongest macro only
        (the network before its picocells carry traffic), or none.
    seed : int
        Seed of every random choice.
    name : str, optional
        Instance name (default ``hetnet<cells>``).

    Returns
    -------
    Instance
        Cells (macro and pico, picocells with their ``parent``), links, users; the radio model of the paper
        (Shannon's rate, TR 36.814 path loss).

    Examples
    --------
    >>> net = hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    >>> net.cells["tier"].value_counts().to_dict(), len(net.users)
    ({'pico': 23, 'macro': 7}, 90)
    """
    return hetnet_with_busy(*args, **kwargs)[0]


def hetnet_with_busy(
    rings: int = 3,
    isd_m: float = 1000.0,
    picos: tuple[int, int] = (2, 4),
    normal_users: int = 10,
    busy_cells: int = 15,
    busy_users: int = 30,
    pico_user_share: float = 1 / 3,
    demand_bps: float = 1e6,
    *,
    pico_prb: int = 25,
    wraparound: bool = True,
    serving: Serving = "max-rsrp",
    seed: int = 0,
    name: str | None = None,
) -> tuple[Instance, np.ndarray]:
    """:func:`hetnet` (its parameters), also returning the positions of the busy macro cells."""
    rng = np.random.default_rng(seed)
    grid = hex_grid(rings=rings, isd_m=isd_m, wraparound=wraparound, seed=seed)
    macros = grid.cells.assign(n_prb=50)
    n_macro = len(macros)
    centres = macros[["x_m", "y_m"]].to_numpy()
    counts = rng.integers(picos[0], picos[1] + 1, n_macro)
    pico_rows = []
    for i in range(n_macro):
        for k, xy in enumerate(_place_picos(rng, centres[i], int(counts[i]), isd_m, 80.0)):
            pico_rows.append(
                {
                    "id": f"{macros['id'][i]}p{k}",
                    "x_m": xy[0],
                    "y_m": xy[1],
                    "tier": "pico",
                    "parent": macros["id"][i],
                    "n_prb": pico_prb,
                }
            )
    cells = pd.concat([macros.assign(parent=None), pd.DataFrame(pico_rows)], ignore_index=True)
    cells = cells[["id", "x_m", "y_m", "tier", "parent", "n_prb"]]

    busy = np.zeros(n_macro, bool)
    busy[rng.choice(n_macro, size=min(busy_cells, n_macro), replace=False)] = True
    per_cell = np.where(busy, busy_users, normal_users)
    n_pico_users = np.round(per_cell * pico_user_share).astype(int)
    xy, _ = drop_per_hex_cell(rng, centres, per_cell - n_pico_users, isd_m)
    parts = [xy]
    for i in range(n_macro):
        if n_pico_users[i]:
            mine = cells.loc[cells["parent"] == macros["id"][i], ["x_m", "y_m"]].to_numpy()
            parts.append(drop_hotspots(rng, int(n_pico_users[i]), mine, 30.0))
    users = users_table(np.vstack(parts), demand_bps)

    links = pd.concat(
        [
            grid.links,
            pd.DataFrame(
                {"a": cells.loc[cells["tier"] == "pico", "parent"], "b": cells.loc[cells["tier"] == "pico", "id"]}
            ),
        ],
        ignore_index=True,
    )
    busy_ids = ", ".join(macros["id"][busy])
    instance = Instance(
        name=name or f"hetnet{n_macro}",
        cells=cells,
        links=links,
        users=users,
        radio=grid.radio.model_copy(update={"link": "shannon"}),  # the paper's rate model
        seed=seed,
        description=(
            f"OSLB HetNet (Jia et al. 2014 §6): {n_macro} macro cells, ISD {isd_m:g} m"
            f"{', wrap-around' if wraparound else ''}, {len(pico_rows)} picocells at 60-90 % of the inradius, "
            f"{normal_users} users per normal cell, {busy_users} per busy cell ({busy_ids}), "
            f"{pico_user_share:.2f} of them around a picocell; macro 50 PRBs, pico {pico_prb} PRBs; "
            f"CBR {demand_bps:g} bit/s; initial association: {serving}"
        ),
    )
    if serving != "none":
        instance = with_serving(instance, serving)
    return instance, np.flatnonzero(busy)


def with_serving(instance: Instance, rule: Serving) -> Instance:
    """The instance with ``users.serving`` set by strongest RSRP (over all cells or over macro cells only)."""
    bias = None
    if rule == "macro-only":
        bias = np.where(instance.cells["tier"].to_numpy() == "macro", 0.0, -np.inf)
    state = evaluate_users(instance, None, bias_db=bias)
    users = instance.users.copy()
    users["serving"] = instance.cells["id"].to_numpy(object)[state.serving]
    return instance.with_tables(users=users)


#: what ``help()``, notebooks and the API reference show: the parameters of :func:`hetnet_with_busy`
hetnet.__signature__ = inspect.signature(hetnet_with_busy).replace(return_annotation=Instance)  # type: ignore[attr-defined]

__all__ = ["hetnet", "hetnet_with_busy", "with_serving"]
