"""Figures every family of the loads comparison uses: the map of cells and users, per-cell load bars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.reporting.blocks import df_table, figure, heading, kv_table, paragraph, pre, pyplot


def map_figure(cells: pd.DataFrame, users: pd.DataFrame | None, serving_col: str):
    """Cells (macro ▲, others ●) and users coloured by their serving cell."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(8, 7))
    cmap = plt.get_cmap("tab20")
    if users is not None and serving_col in users and {"x_m", "y_m"} <= set(users):
        order = {cid: i for i, cid in enumerate(cells["id"])}
        colour = users[serving_col].map(order).fillna(-1).to_numpy()
        attached = colour >= 0
        if attached.sum() <= 20000:  # association lines, user → serving cell
            from matplotlib.collections import LineCollection

            home = cells[["x_m", "y_m"]].to_numpy()[colour[attached].astype(int)]
            segs = np.stack([users[["x_m", "y_m"]].to_numpy()[attached], home], axis=1)
            ax.add_collection(
                LineCollection(segs, colors=cmap(colour[attached].astype(int) % 20), linewidths=0.4, alpha=0.35)
            )
        ax.scatter(
            users["x_m"][attached],
            users["y_m"][attached],
            c=cmap(colour[attached].astype(int) % 20),
            s=9,
            alpha=0.8,
            linewidths=0,
            label="users (colour = serving cell)",
        )
        if (~attached).any():
            ax.scatter(users["x_m"][~attached], users["y_m"][~attached], c="k", marker="x", s=12, label="unattached")
    tier = cells["tier"] if "tier" in cells else pd.Series(["macro"] * len(cells))
    macro = (tier == "macro").to_numpy()
    idx = np.arange(len(cells))
    ax.scatter(
        cells["x_m"][macro],
        cells["y_m"][macro],
        marker="^",
        s=90,
        c=cmap(idx[macro] % 20),
        edgecolors="k",
        label="macro cells",
        zorder=3,
    )
    if (~macro).any():
        ax.scatter(
            cells["x_m"][~macro],
            cells["y_m"][~macro],
            marker="o",
            s=40,
            c=cmap(idx[~macro] % 20),
            edgecolors="k",
            label="small cells",
            zorder=3,
        )
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("Cells and users by serving cell")
    return fig


def load_figure(cells: pd.DataFrame):
    """Per-cell load before/after (grouped bars), with the capacity line at 1."""
    plt = pyplot()

    states = [s for s in ("before", "planned", "after") if f"load_{s}" in cells]
    n = len(cells)
    fig, ax = plt.subplots(figsize=(11, 4))
    width = 0.8 / max(len(states), 1)
    x = np.arange(n)
    for k, s in enumerate(states):
        ax.bar(x + (k - (len(states) - 1) / 2) * width, cells[f"load_{s}"], width=width, label=s)
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="capacity")
    ax.set_xlabel("cell")
    ax.set_ylabel("load (PRB utilisation)")
    if n <= 60:
        ax.set_xticks(x)
        ax.set_xticklabels(cells["id"], rotation=90, fontsize=7)
    ax.legend(fontsize=8)
    ax.set_title("Cell loads")
    return fig


def map_section(cells: pd.DataFrame, users: pd.DataFrame | None) -> list[str]:
    """The map of cells and users by serving cell (after the method when it says so), when cells have positions."""
    if not {"x_m", "y_m"} <= set(cells.columns):
        return []
    serving_col = "serving_after" if users is not None and "serving_after" in users else "serving"
    return [heading("Map"), figure(map_figure(cells, users, serving_col), "map of cells and users")]


def cell_loads_section(cells: pd.DataFrame) -> list[str]:
    """Per-cell load bars before / planned / after, when the cells table has loads."""
    if not any(f"load_{s}" in cells for s in ("before", "after")):
        return []
    return [heading("Cell loads"), figure(load_figure(cells), "cell loads")]


def reproduction_head(data: dict) -> list[str]:
    """The paper a reproduction follows and the run's choices (seeds, study seed, study options)."""
    params = data.get("parameters") or {}
    run = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in params.items() if v is not None)
    bands = (
        "Bands and error bars: Student-t 95 % intervals of the mean over the drops, clipped to the quantity's "
        "range (a load or a count is never below 0, a share or an LDI never above 1); the claims use paired tests."
    )
    return [
        heading("Reproduction"),
        paragraph(str(data.get("paper", ""))),
        paragraph(f"This run: {run}.", muted=True),
        paragraph(bands, muted=True),
    ]


def claims_section(data: dict) -> list[str]:
    """Each claim of the paper with its verdict and the paired numbers behind it (the study's ``claims``)."""
    claims = data.get("claims") or []
    if not claims:
        return []
    rows = pd.DataFrame(
        {
            "claim": [c["claim"] for c in claims],
            "holds": [{True: "true", False: "false"}.get(c["holds"], str(c["holds"])) for c in claims],
            "numbers": ["; ".join(f"{k}: {v}" for k, v in (c.get("numbers") or {}).items()) for c in claims],
        }
    )
    return [
        heading("The paper's claims, with paired tests", 3),
        paragraph(
            "Per point, the mean paired difference over the drops with a bootstrap 95 % interval and the Wilcoxon "
            "signed-rank p-value; a claim holds where the interval and the test both agree with it at every point, "
            "fails where they both contradict it at one, and is inconclusive otherwise.",
            muted=True,
        ),
        df_table(rows, max_rows=40),
    ]


def paper_claims_section(data: dict) -> list[str]:
    """The claims with their verdicts and the paper's own words."""
    return [*claims_section(data), heading("What the paper claims", 3), kv_table(data.get("paper_claims") or {})]


def setup_section(data: dict) -> list[str]:
    """The set-up, with our choices."""
    return [heading("Set-up and choices of ours", 3), pre(str(data.get("setup", "")))]


def reproduction_tail(data: dict) -> list[str]:
    """The claims with their verdicts, what the paper claims, and the set-up with our choices."""
    return [*paper_claims_section(data), *setup_section(data)]
