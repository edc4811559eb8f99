"""Report sections of the pilot-power family (BDBA, BFDBA, the LP) and of the Breathing reproduction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lbopt.reporting.blocks import df_table, figure, heading, pyplot
from lbopt.reporting.figures.common import (
    best_per_measure_sections,
    cell_loads_section,
    claims_section,
    map_section,
    paper_claims_section,
    reproduction_head,
    setup_section,
)


def breathing_cells_figure(cells: pd.DataFrame):
    """Busy-degrees before / target / after and the pilot powers before and after, per antenna."""
    plt = pyplot()

    fig, axes = plt.subplots(2, 1, figsize=(11, 6), sharex=True)
    x = np.arange(len(cells))
    for k, (col, label) in enumerate((("busy_before", "before"), ("busy_after", "after"))):
        axes[0].bar(x + (k - 0.5) * 0.4, cells[col], width=0.4, label=label)
    axes[0].plot(x, cells["busy_target"], "k_", ms=8, label="target b*")
    axes[0].set(ylabel="busy-degree", title="Busy-degree per antenna")
    axes[0].legend(fontsize=8)
    axes[1].vlines(x, cells["power_before_dbm"], cells["power_after_dbm"], color="tab:blue")
    axes[1].plot(x, cells["power_after_dbm"], "o", ms=3, color="tab:blue", label="after")
    axes[1].plot(x, cells["power_before_dbm"], "_", color="k", label="before")
    axes[1].plot(x, cells["power_max_dbm"], "v", ms=3, color="tab:red", label="p_max")
    axes[1].plot(x, cells["power_min_t_dbm"], "^", ms=3, color="tab:green", label="p_min(t)")
    axes[1].set(xlabel="antenna", ylabel="CPICH power (dBm)", title="Pilot powers")
    axes[1].legend(fontsize=8, ncol=4)
    fig.tight_layout()
    return fig


def breathing_reproduction_figures(periods: pd.DataFrame, summary: pd.DataFrame, traces: pd.DataFrame) -> list:
    """Std and over-busy share per hour (Figs. 6, 8, 9), selected antennas over the day (Fig. 7), times (Fig. 10)."""
    plt = pyplot()

    figs = []
    areas = sorted(periods["area"].unique())
    hourly = periods.groupby(["area", "method", "period"], as_index=False)[["busy_std", "over_busy"]].mean()
    fig, axes = plt.subplots(2, len(areas), figsize=(4.4 * len(areas), 6.4), squeeze=False)
    for k, area in enumerate(areas):
        for method, rows in hourly[hourly["area"] == area].groupby("method"):
            axes[0, k].plot(rows["period"], rows["busy_std"], marker=".", label=method)
            axes[1, k].plot(rows["period"], rows["over_busy"], marker=".", label=method)
        axes[0, k].set(title=f"area {area}: std of busy-degrees", xlabel="hour")
        axes[1, k].set(title=f"area {area}: over-busy share", xlabel="hour")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    figs.append(fig)
    if len(traces):
        antennas = list(dict.fromkeys(traces["antenna"]))
        fig, axes = plt.subplots(1, len(antennas), figsize=(3.4 * len(antennas), 3.2), squeeze=False)
        for ax, a in zip(axes[0], antennas, strict=True):
            for method, rows in traces[traces["antenna"] == a].groupby("method"):
                ax.plot(rows["period"], rows["busy"], label=method)
            ax.set(title=f"antenna {a} (Fig. 7)", xlabel="hour", ylabel="busy-degree")
        axes[0, 0].legend(fontsize=7)
        fig.tight_layout()
        figs.append(fig)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    methods = [m for m in ("bdba", "bfdba", "power-lp") if m in set(summary["method"])]
    width = 0.8 / len(methods)
    for k, method in enumerate(methods):
        rows = summary[summary["method"] == method].set_index("area").loc[areas]
        ax.bar(np.arange(len(areas)) + (k - (len(methods) - 1) / 2) * width, rows["time_s"] * 1e3, width, label=method)
    ax.set_xticks(np.arange(len(areas)))
    ax.set_xticklabels([f"area {a}" for a in areas])
    ax.set(ylabel="ms per period", yscale="log", title="Running time per period (Fig. 10)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    figs.append(fig)
    return figs


def method_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> list[str]:
    """One pilot-power step: busy-degrees and powers per antenna, the map."""
    cells = tables["cells"]
    parts: list[str] = []
    if {"busy_before", "busy_after", "power_after_dbm"} <= set(cells.columns):
        parts += [heading("Busy-degrees and pilot powers"), figure(breathing_cells_figure(cells), "busy")]
    return (
        parts
        + map_section(
            cells,
            None,
            value="busy_after",
            title="Antennas coloured by their busy-degree after the step (MR records, the users, have no positions)",
        )
        + cell_loads_section(cells)
    )


def comparison_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, list[str]]:
    """The verdict (opening the page), then the comparison of pilot-power methods on one period: the busy-degrees
    before and after each step."""
    body = [heading("Comparison (one period, busy-degrees before and after the step)"), df_table(tables["comparison"])]
    return {"lead": best_per_measure_sections(tables), "body": body}


def reproduction_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, list[str]]:
    """The claims' verdicts first; then the Breathing paper's Figs. 6-10, the MLP and the sampling studies."""
    figs = breathing_reproduction_figures(tables["periods"], tables["summary"], tables.get("traces", pd.DataFrame()))
    parts = [*reproduction_head(data), *(figure(f) for f in figs), *paper_claims_section(data)]
    parts += [heading("Day means per area and method", 3), df_table(tables["summary"], max_rows=40)]
    if "mlp" in tables:
        parts += [heading("Monotone MLP against the exact coverage (area A, peak hour)", 3), df_table(tables["mlp"])]
    if "sampling" in tables:
        parts += [heading("Sampled Jacobian (Remark 4.1; area A, peak hour)", 3), df_table(tables["sampling"])]
    return {"lead": claims_section(data), "body": parts + setup_section(data)}
