"""The validated instance: a plain data container of tables (pandas DataFrames) and settings.

Rows keep their file order; a cell's position in ``cells`` is its index in every array the methods build.
Algorithms are free functions elsewhere (no god-object).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lbopt.instance.schema import HandoverConfig, MethodsConfig, RadioConfig


@dataclass
class Instance:
    """One network scenario.

    Attributes
    ----------
    name : instance name (``result.json``'s ``instance``).
    cells : one row per cell (antenna, base station); columns from ``columns.csv``.
    links : neighbour pairs with transferable PRBs, costs and pair CIOs, or ``None``.
    users : user positions, CBR demands and serving cells, or ``None``.
    locations, rates : the vGALA location grid and its allowed (location, cell) rates, or ``None``.
    mr : measurement-report records (record, period, antenna, rss_dbm), or ``None``.
    radio, handover, methods : settings (pydantic models).
    seed : the seed all randomness derives from (``None``: 0).
    """

    name: str
    cells: pd.DataFrame
    links: pd.DataFrame | None = None
    users: pd.DataFrame | None = None
    locations: pd.DataFrame | None = None
    rates: pd.DataFrame | None = None
    mr: pd.DataFrame | None = None
    radio: RadioConfig = field(default_factory=RadioConfig)
    handover: HandoverConfig = field(default_factory=HandoverConfig)
    methods: MethodsConfig = field(default_factory=MethodsConfig)
    seed: int | None = None
    description: str | None = None
    source: str | None = None
    path: Path | None = None
    files: tuple[Path, ...] = ()  # the instance file and its side tables (an --out may not hold them)

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.cells)

    @property
    def has_geometry(self) -> bool:
        """True when the cells have positions (``x_m``, ``y_m``)."""
        return {"x_m", "y_m"} <= set(self.cells.columns)

    def cell_positions(self, ids: pd.Series | np.ndarray) -> np.ndarray:
        """Positions (row numbers in ``cells``) of cell ids; -1 for a missing id (``None``)."""
        cells = self.cells
        cached = getattr(self, "_id_index", None)
        if cached is None or cached[0] is not cells:  # rebuilt when the cells table is replaced
            cached = (cells, pd.Index(cells["id"].to_numpy(object), dtype=object))
            object.__setattr__(self, "_id_index", cached)
        # object dtype on both sides: pandas would otherwise convert every id to an Arrow string first
        return cached[1].get_indexer(pd.Index(np.asarray(ids, dtype=object), dtype=object))

    def prb_capacity(self) -> np.ndarray:
        """PRBs each cell can serve: ``prb_capacity``, else ``n_prb``, else its tier's default carrier size."""
        cells = self.cells
        if "prb_capacity" in cells:
            return cells["prb_capacity"].to_numpy(float)
        if "n_prb" in cells:
            return cells["n_prb"].to_numpy(float)
        tiers = cells["tier"] if "tier" in cells else pd.Series(["macro"] * len(cells))
        return np.array([self.radio.tiers[t].n_prb for t in tiers], float)

    def user_frame(self) -> pd.DataFrame:
        """A copy of the users' ids and, when they have them, positions: the first columns of a result's users."""
        cols = ["id", *(c for c in ("x_m", "y_m") if c in self.users)]
        return self.users[cols].copy()

    def with_tables(self, **tables: Any) -> Instance:
        """A copy with some tables replaced."""
        return replace(self, **tables)

    def summary(self) -> dict[str, Any]:
        """Sizes of the tables and the data families present, for ``lbopt check`` and reports."""
        tiers = self.cells["tier"].value_counts().to_dict() if "tier" in self.cells else {}
        out: dict[str, Any] = {"name": self.name, "cells": self.n_cells, "tiers": tiers}
        for table in ("links", "users", "locations", "rates", "mr"):
            df = getattr(self, table)
            out[table] = 0 if df is None else len(df)
        out["geometry"] = self.has_geometry
        return out
