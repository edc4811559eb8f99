"""The evaluation of the association family: every method's location shares measured the same way.

From the shares ``η_xj`` a method returns (``association.csv``) and the instance's own tables, the loads
``ρ_j = Σ_x λ_x ν_x / r_xj · η_xj`` (Han & Ansari eq. 5), recomputed here with pandas rather than taken from the
method, then the family's metrics of those loads at the instance's κ and θ (the same ψ for every method): the
latency indicator, on-grid power and ψ (eq. 11) where the instance has energy data, the load spread, and the admitted
share of the traffic.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lbopt.instance.model import Instance
from lbopt.metrics import load_distribution_index, load_std, over_busy_share
from lbopt.result import Result

__all__ = ["evaluate_association", "loads_from_shares"]


def loads_from_shares(instance: Instance, association) -> np.ndarray:
    """``ρ_j`` per cell (instance order) from a table ``location, cell, share``."""
    locations, rates = instance.locations, instance.rates
    pair = pd.MultiIndex.from_arrays([rates["location"], rates["cell"]]).get_indexer(
        pd.MultiIndex.from_arrays([association["location"], association["cell"]])
    )
    if (pair < 0).any():
        bad = association.iloc[int(np.flatnonzero(pair < 0)[0])][["location", "cell"]].tolist()
        raise ValueError(f"the association uses a pair the rates table does not allow: {bad}")
    at = pd.Index(locations["id"]).get_indexer(association["location"])
    demand = locations["arrival_rate"].to_numpy(float)[at] * locations["mean_size_bits"].to_numpy(float)[at]
    load = demand / rates["rate_bps"].to_numpy(float)[pair] * association["share"].to_numpy(float)
    cell = pd.Index(instance.cells["id"]).get_indexer(association["cell"])
    return np.bincount(cell, load, instance.n_cells)


def evaluate_association(instance: Instance, result: Result, level: str | None = None) -> dict[str, Any] | None:
    """The ``evaluation`` of an association result, or ``None`` when it returned no shares (always per cell)."""
    from lbopt.vgala.data import vgala_data

    association = result.tables.get("association")
    if association is None:
        return None
    rho = loads_from_shares(instance, association)
    data = vgala_data(instance)  # the instance's kappa, epsilon and theta: one psi for every method
    cap = 1.0 - data.epsilon
    served = association.groupby("location")["share"].sum()
    return {
        "level": "cell",
        "ldi_after": load_distribution_index(rho),
        "load_std_after": load_std(rho),
        "max_load_after": float(rho.max()),
        "over_busy_after": over_busy_share(rho, cap),
        "over_busy_threshold": cap,
        "admitted_share": float(served.reindex(instance.locations["id"]).fillna(0.0).mean()),
        **data.metrics(rho),
    }
