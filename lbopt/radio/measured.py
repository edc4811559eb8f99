"""Users from measurement reports: the path from an operator's MR export to user-level balancing, no geometry needed.

An instance with an ``mr`` table (``record, period, antenna, rss_dbm``, optionally ``serving`` and ``prb``) and no
``users`` table can run the user-level methods (OSLB, MLB, the Zou algorithms, ``ua-opt``) and the evaluator: the
records of one period are the users (:func:`measured_users`).

* **Which period**: ``radio.mr_period``, else the busiest (most PRBs when ``prb`` is given, else most records).
* **RSRP**: a record's reported strength towards each antenna is taken as that cell's RSRP; cells a record does not
  report are out of its reach (RSRP −∞). So the received power over the carrier is ``RSRP + 10 log10(12 n_prb)`` and
  the rest of the radio model (:mod:`lbopt.radio.model`) is unchanged: the SINR of a (user, cell) pair is its
  power over the reported others' (times ``radio.interference_load``) plus thermal noise, on one carrier (an MR lists
  the cells of the carrier it measures), then the link model and the PRBs a user needs there.
* **Serving cell**: the row with ``serving = 1``, else the record's first row.
* **Demand**: with ``prb``, the rate that keeps the logged PRBs in the serving cell, ``prb × rate(serving)``; else
  ``radio.default_demand_bps``.
* **Neighbours**: the instance's links, else cell positions (the usual rules), else — an MR-only instance — every
  pair of cells reported together in at least one record of the period (what automatic neighbour relations learn).

The users table it builds has ``id`` (``r<record>``), ``record``, ``period``, ``serving`` and ``demand_bps`` and no
positions;
:func:`measured_rx_dbm` gives the users × cells received powers the radio model reads instead of path loss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.instance.errors import InstanceError
from lbopt.instance.model import Instance

__all__ = ["is_measured", "measured_rx_dbm", "measured_users"]


def is_measured(instance: Instance) -> bool:
    """Whether the instance's users are MR records (:func:`measured_users` built them)."""
    users = instance.users
    return users is not None and "record" in users and "x_m" not in users and instance.mr is not None


def _period_rows(instance: Instance) -> pd.DataFrame:
    mr = instance.mr
    period = instance.radio.mr_period
    if period is None:
        weight = mr["prb"].where(_serving_rows(mr), 0.0) if "prb" in mr else _serving_rows(mr).astype(float)
        totals = weight.groupby(mr["period"]).sum()
        period = int(totals.idxmax())
    rows = mr[mr["period"] == period]
    if rows.empty:
        raise InstanceError(str(instance.path or instance.name), "radio.mr_period", f"no MR records in period {period}")
    return rows


def _serving_rows(mr: pd.DataFrame) -> pd.Series:
    """True on the serving row of each record: ``serving == 1``, else the record's first row."""
    if "serving" in mr:
        return mr["serving"].astype(int) == 1
    return ~mr["record"].duplicated()


def measured_users(instance: Instance) -> Instance:
    """The instance with the records of one MR period as its users (see the module docstring); unchanged when it
    already has users or no MR."""
    if instance.users is not None or instance.mr is None or len(instance.mr) == 0:
        return instance
    rows = _period_rows(instance)
    serving_rows = rows[_serving_rows(rows)].drop_duplicates("record")
    records = np.sort(rows["record"].unique())
    serving = serving_rows.set_index("record")["antenna"].reindex(records)
    users = pd.DataFrame(
        {
            "id": [f"r{r}" for r in records],
            "record": records,
            "period": rows["period"].iloc[0],
            "serving": serving.to_numpy(object),
            "demand_bps": instance.radio.default_demand_bps,
        }
    )
    first = instance.with_tables(users=users)
    rx = measured_rx_dbm(first)  # depends on the records only, not on their demand: computed once
    if "prb" in rows:
        users = users.assign(demand_bps=_demand_from_prb(first, serving_rows, records))
    links = co_reported_links(instance, rows) if instance.links is None and not instance.has_geometry else None
    out = instance.with_tables(users=users, **({"links": links} if links is not None else {}))
    object.__setattr__(out, "_measured_rx", (out.users, rx))
    return out


def _demand_from_prb(instance: Instance, serving_rows: pd.DataFrame, records: np.ndarray) -> np.ndarray:
    """``prb × rate(serving)``: the demand that needs the logged PRBs in the serving cell (default where the
    serving cell gives no rate)."""
    from lbopt.radio.model import RadioCells, rate_per_prb_bps, serving_sinr_db

    cells = RadioCells.from_instance(instance)
    rx = measured_rx_dbm(instance)
    pick = instance.cell_positions(instance.users["serving"])
    sinr = serving_sinr_db(rx, cells.band, cells.noise_dbm, instance.radio.interference_load, pick)
    rate = rate_per_prb_bps(sinr, instance.radio)
    prb = serving_rows.set_index("record")["prb"].reindex(records).to_numpy(float)
    demand = prb * rate
    return np.where(np.isfinite(demand) & (demand > 0), demand, instance.radio.default_demand_bps)


def measured_rx_dbm(instance: Instance) -> np.ndarray:
    """Users × cells received power over the carrier (dBm) from the users' MR records; −∞ where not reported."""
    cached = getattr(instance, "_measured_rx", None)
    users = instance.users
    if cached is not None and cached[0] is users:
        return cached[1]
    mr = instance.mr
    rows = mr[(mr["period"] == users["period"].iloc[0]) & mr["record"].isin(users["record"])]
    user = pd.Index(users["record"]).get_indexer(rows["record"])
    cell = instance.cell_positions(rows["antenna"])
    n_prb = instance.prb_capacity()
    rx = np.full((len(users), instance.n_cells), -np.inf)
    np.maximum.at(rx, (user, cell), rows["rss_dbm"].to_numpy(float) + 10.0 * np.log10(12.0 * n_prb[cell]))
    object.__setattr__(instance, "_measured_rx", (users, rx))
    return rx


def co_reported_links(instance: Instance, rows: pd.DataFrame) -> pd.DataFrame:
    """Neighbour pairs of an MR-only instance: cells reported together in at least one record."""
    cell = instance.cell_positions(rows["antenna"])
    record = pd.factorize(rows["record"])[0]
    import scipy.sparse as sp

    incidence = sp.csr_matrix((np.ones(len(cell)), (record, cell)), shape=(record.max() + 1, instance.n_cells))
    together = (incidence.T @ incidence).tocoo()
    keep = together.row < together.col
    ids = instance.cells["id"].to_numpy(object)
    return pd.DataFrame({"a": ids[together.row[keep]], "b": ids[together.col[keep]]})
