"""Figures for notebooks: each takes a result (and an ``ax`` to draw into, else a new one) and returns the
matplotlib ``Axes``, so that it can be styled, combined and saved as the user likes.

* :func:`loads` — the load of every cell (or group) before and after a method;
* :func:`comparison` — one number per method of a comparison, with the certified bound when there is one;
* :func:`cell_map` — cells coloured by their load after, users by their serving cell (user-level instances);
* :func:`trace` — a method's trace table (ψ(k) of vGALA, the periods of MLB and OSLB, …).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import lbopt
>>> net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
>>> ax = lbopt.plot.loads(lbopt.solve(net, "mlb"))
>>> [t.get_text() for t in ax.get_legend().get_texts()]
['before', 'after']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lbopt.instance.model import Instance
from lbopt.result import Result

__all__ = ["cell_map", "comparison", "loads", "trace"]


def _axes(ax, figsize=(7.0, 3.5)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def loads(result: Result, ax: Any = None) -> Any:
    """Bars of every cell's load before and after a method, cells sorted by their load before.

    Parameters
    ----------
    result : Result
        A user- or cell-level result (its ``cells`` table has ``load_after``, and ``load_before`` when the method
        has a before state).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The bars (grey before, blue after) and a dashed line at full load (1).

    Raises
    ------
    ValueError
        When the result's cells have no loads (a vGALA or Breathing result: use their own tables).
    """
    cells = result.cells
    if "load_after" not in cells:
        raise ValueError(f"{result.method}: its cells table has no load_after")
    ax = _axes(ax)
    order = np.argsort(-cells["load_before"].to_numpy(float)) if "load_before" in cells else np.arange(len(cells))
    x = np.arange(len(cells))
    if "load_before" in cells:
        ax.bar(x - 0.2, cells["load_before"].to_numpy(float)[order], 0.4, label="before", color="0.7")
    ax.bar(x + 0.2, cells["load_after"].to_numpy(float)[order], 0.4, label="after", color="tab:blue")
    ax.axhline(1.0, color="k", linestyle="--", linewidth=0.8)
    ax.set_xticks(x, cells["id"].astype(str).to_numpy()[order], rotation=90, fontsize=6)
    ax.set_ylabel("load (PRBs used / PRBs)")
    ax.set_title(f"{result.method} on {result.instance}")
    ax.legend()
    return ax


def comparison(table: pd.DataFrame | Any, metric: str = "max_load_after", ax: Any = None) -> Any:
    """One bar per method of a comparison, with the certified bound when there is one.

    Parameters
    ----------
    table : Comparison or pandas.DataFrame
        A :class:`lbopt.api.Comparison` or its ``table``.
    metric : str
        The column to draw (any numeric column of the table; see the result format's comparison columns).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The bars, and ``max_load_bound`` as a dashed red line when the metric is ``max_load_after`` and a certified
        reference ran.

    Examples
    --------
    >>> from lbopt import compare, generate
    >>> net = generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    >>> cmp = compare(net, ["none", "mlb"], reference="ua-opt")
    >>> ax = comparison(cmp)
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_legend().get_texts()[0].get_text()
    (['none', 'mlb'], 'certified bound 0.33')
    """
    table = getattr(table, "table", table)
    ax = _axes(ax)
    ax.bar(table["method"].astype(str), table[metric].astype(float), color="tab:blue")
    if metric == "max_load_after" and "max_load_bound" in table and table["max_load_bound"].notna().any():
        bound = float(table["max_load_bound"].dropna().iloc[0])
        ax.axhline(bound, color="tab:red", linestyle="--", label=f"certified bound {bound:.3g}")
        ax.legend()
    ax.set_ylabel(metric)
    ax.tick_params(axis="x", rotation=45)
    return ax


def cell_map(result: Result, instance: Instance, ax: Any = None, max_users: int = 5000) -> Any:
    """A map of the cells coloured by their load after a method, and of its users coloured by their serving cell.

    Parameters
    ----------
    result : Result
        A user-level result (its ``users`` table has positions and ``serving_after``) or a cell-level one.
    instance : Instance
        The instance the result was solved on (cell positions).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    max_users : int
        Users drawn at most (a seeded subsample above it, the same every time).

    Returns
    -------
    matplotlib.axes.Axes
        The map, with a colour bar of the cells' loads.

    Raises
    ------
    ValueError
        When the cells have no positions (an MR-only or counter-based instance).
    """
    if not instance.has_geometry:
        raise ValueError(f"{instance.name}: the cells have no positions to draw")
    ax = _axes(ax, figsize=(6.5, 6.0))
    cells = instance.cells.merge(result.cells[["id", "load_after"]], on="id", how="left")
    users = result.tables.get("users")
    if users is not None and {"x_m", "y_m", "serving_after"} <= set(users.columns):
        if len(users) > max_users:
            users = users.sample(max_users, random_state=0)
        colour = pd.Index(cells["id"].astype(str)).get_indexer(users["serving_after"].astype(str))
        ax.scatter(users["x_m"], users["y_m"], c=colour % 20, cmap="tab20", s=4, alpha=0.6, linewidths=0)
    points = ax.scatter(cells["x_m"], cells["y_m"], c=cells["load_after"], cmap="viridis", s=60, edgecolors="k")
    ax.figure.colorbar(points, ax=ax, label="load after")
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    return ax


def trace(result: Result, columns: list[str] | None = None, ax: Any = None) -> Any:
    """A method's trace: the iterations of vGALA, the steps of the Zou algorithms, the periods of MLB and OSLB.

    Parameters
    ----------
    result : Result
        A result with a ``trace`` table.
    columns : list of str, optional
        Numeric columns to draw against the first column (its iteration, step or period); all by default.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        One line per column.

    Raises
    ------
    ValueError
        When the result has no trace.
    """
    table = result.tables.get("trace")
    if table is None or table.empty:
        raise ValueError(f"{result.method}: no trace table")
    ax = _axes(ax)
    x = table.columns[0]
    for col in columns or [c for c in table.columns[1:] if pd.api.types.is_numeric_dtype(table[c])]:
        ax.plot(table[x], table[col], marker="o", markersize=3, label=col)
    ax.set_xlabel(x)
    ax.legend(fontsize=7)
    return ax


def __dir__() -> list[str]:
    return sorted(__all__)
