"""Report sections of the association family (vGALA and its baselines) and of the vGALA reproduction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lbopt.reporting.blocks import df_table, figure, heading, pyplot
from lbopt.reporting.figures.common import (
    best_per_measure_sections,
    cell_loads_section,
    claims_section,
    reproduction_head,
    reproduction_tail,
)


def trace_figure(trace: pd.DataFrame):
    """vGALA: the certified gap and ψ(k) − ψ* (as the trace records them) per iteration; a certified solve: its
    upper − lower bound per iteration."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(8, 3.2))
    if "psi" in trace:  # an iteration with its certificate (vGALA)
        ax.semilogy(trace["iteration"], trace["gap"].clip(lower=1e-16), label="certified gap φᵀ(ρ − s)")
        if "psi_minus_optimum" in trace:
            ax.semilogy(
                trace["iteration"],
                trace["psi_minus_optimum"].clip(lower=1e-16),
                label="ψ(k) − ψ* (certified optimum)",
            )
        ax.set_xlabel("iteration")
        ax.set_ylabel("gap")
        ax.legend(fontsize=8)
        ax.set_title("Convergence")
    else:  # a certified solve: upper and lower bounds
        ax.semilogy(trace["iteration"], (trace["upper"] - trace["lower"]).clip(lower=1e-16))
        ax.set_xlabel("iteration")
        ax.set_ylabel("upper − lower bound")
        ax.set_title("Certified solve")
    return fig


def coverage_figure(coverage: pd.DataFrame, cells: pd.DataFrame):
    """Which cell serves each location (the paper's Fig. 4)."""
    plt = pyplot()

    order = {cid: i for i, cid in enumerate(cells["id"])}
    colour = coverage["cell"].map(order).fillna(-1).astype(int).to_numpy()
    cmap = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(7, 6.5))
    ax.scatter(coverage["x_m"], coverage["y_m"], c=cmap(colour % 20), s=5, marker="s", linewidths=0, rasterized=True)
    if {"x_m", "y_m"} <= set(cells.columns):
        tier = cells["tier"] if "tier" in cells else pd.Series(["macro"] * len(cells))
        for is_macro, marker, size in ((True, "^", 120), (False, "o", 50)):
            sel = (tier == "macro").to_numpy() == is_macro
            idx = np.flatnonzero(sel)
            ax.scatter(cells["x_m"][sel], cells["y_m"][sel], marker=marker, s=size, c=cmap(idx % 20), edgecolors="k")
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title("Coverage: serving cell of every location")
    return fig


def vgala_reproduction_figures(summary: pd.DataFrame) -> list:
    """Figs. 5–9 of Han & Ansari from the study's summary table (means with 95 % confidence intervals)."""
    plt = pyplot()

    figs = []
    head = summary[summary["experiment"] == "headline"]
    if len(head):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
        for ax, metric, label in (
            (axes[0], "ongrid_w", "on-grid power (W)"),
            (axes[1], "latency", "latency indicator"),
        ):
            err = np.vstack(
                [head[f"{metric}_mean"] - head[f"{metric}_low"], head[f"{metric}_high"] - head[f"{metric}_mean"]]
            )
            ax.bar(head["method"], head[f"{metric}_mean"], yerr=err, capsize=4, color="tab:blue")
            ax.set_ylabel(label)
            ax.tick_params(axis="x", labelsize=7)
        axes[1].set_yscale("log")
        fig.suptitle("Fig. 5: vGALA (theta 0.8, kappa 4) against LA and GA (latency on a log scale)")
        figs.append(fig)
    for exp, key, title in (
        ("kappa", "kappa", "Fig. 6: kappa (theta = 1)"),
        ("theta", "theta", "Fig. 7: theta (kappa = 4)"),
        ("solar", "solar_efficiency", "Fig. 8: solar efficiency (theta 0.8, kappa 4)"),
        ("load", "arrival_rate", "Offered load: the headline at 200-400 flows/s (theta 0.8, kappa 4)"),
    ):
        part = summary[summary["experiment"] == exp].sort_values(key)
        if not len(part):
            continue
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
        for method, rows in part.groupby("method"):
            for ax, metric in ((axes[0], "ongrid_w"), (axes[1], "latency")):
                ax.plot(rows[key], rows[f"{metric}_mean"], marker="o", label=method)
                ax.fill_between(rows[key], rows[f"{metric}_low"], rows[f"{metric}_high"], alpha=0.2)
        axes[0].set_ylabel("on-grid power (W)")
        axes[1].set_ylabel("latency indicator")
        if exp == "load":  # GA's latency is hundreds of times the others': a log scale shows all four
            axes[1].set_yscale("log")
            axes[1].set_ylabel("latency indicator (log scale)")
        for ax in axes:
            ax.set_xlabel(key)
        axes[0].legend(fontsize=8)
        fig.suptitle(title)
        figs.append(fig)
    cre = summary[summary["experiment"] == "cre"]
    if len(cre):
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        for _, r in cre.iterrows():
            label = r["method"] + (f" (kappa {r['kappa']:g})" if pd.notna(r["kappa"]) else "")
            ax.errorbar(
                r["latency_mean"],
                r["ongrid_w_mean"],
                xerr=r["latency_mean"] - r["latency_low"],
                yerr=r["ongrid_w_mean"] - r["ongrid_w_low"],
                fmt="o",
                capsize=3,
                label=label,
            )
        ax.set_xlabel("latency indicator")
        ax.set_ylabel("on-grid power (W)")
        ax.legend(fontsize=7)
        ax.set_title(f"Fig. 9: vGALA against CRE ({int(cre['drops'].max())} drops)")
        figs.append(fig)
    return figs


def coverage_maps_figure(coverage: pd.DataFrame):
    """The serving cell of every location under each method: two maps per row, one colour per cell (the same in every
    map) with a legend of the cells."""
    plt = pyplot()
    from matplotlib.patches import Patch

    methods = list(pd.unique(coverage["method"]))
    cols = min(2, len(methods))
    rows = -(-len(methods) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 5.0 * rows), squeeze=False)
    cmap = plt.get_cmap("tab20")
    cells = sorted(pd.unique(coverage["cell"]))
    codes = {c: i for i, c in enumerate(cells)}
    for ax, method in zip(axes.ravel(), methods, strict=False):
        part = coverage[coverage["method"] == method]
        ax.scatter(
            part["x_m"],
            part["y_m"],
            c=cmap(part["cell"].map(codes).to_numpy() % 20),
            s=4,
            marker="s",
            linewidths=0,
            rasterized=True,
        )
        ax.set_title(method)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.ravel()[len(methods) :]:
        ax.set_visible(False)
    handles = [Patch(color=cmap(codes[c] % 20), label=str(c)) for c in cells[:20]]
    fig.legend(handles=handles, loc="lower center", ncol=min(10, len(handles)), fontsize=8, title="serving cell")
    fig.suptitle("Coverage: the serving cell of every location")
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig


def method_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> list[str]:
    """One association: the coverage map, the convergence (or the certified solve's bounds), loads."""
    cells = tables["cells"]
    parts: list[str] = []
    if "coverage" in tables:
        parts += [heading("Coverage"), figure(coverage_figure(tables["coverage"], cells), "coverage")]
    if "trace" in tables:
        parts += [heading("Trace"), figure(trace_figure(tables["trace"]), "trace")]
    return parts + cell_loads_section(cells)


def comparison_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, list[str]]:
    """The verdict (opening the page), the association table and the coverage map of every method (from the
    methods' folders)."""
    comp = tables["comparison"]
    gaps = comp["gap_psi"].dropna() if "gap_psi" in comp else pd.Series(dtype=float)
    lead = (
        "ψ is measured against the certified lower bound of its optimum (vgala-opt's): gap_psi."
        if len(gaps)
        else "No certified bound of ψ (the instance has no energy data)."
    )
    parts = [heading("Comparison"), df_table(comp)]
    maps = []
    for method in data.get("methods", []):
        cov = folder / method / "coverage.csv"
        if cov.is_file():
            maps.append(pd.read_csv(cov, dtype={"cell": str, "location": str}).assign(method=method))
    if maps:
        parts.append(figure(coverage_maps_figure(pd.concat(maps, ignore_index=True)), "coverage maps"))
    return {"lead": best_per_measure_sections(tables, lead), "body": parts}


def reproduction_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, list[str]]:
    """The claims' verdicts first; then Han & Ansari's Figs. 4-9."""
    parts = [*reproduction_head(data), *(figure(f) for f in vgala_reproduction_figures(tables["summary"]))]
    if "coverage_maps" in tables:
        parts.append(figure(coverage_maps_figure(tables["coverage_maps"]), "coverage maps"))
    if "load" in tables:
        parts += [heading("The headline at each offered load (per-drop medians)", 3), df_table(tables["load"])]
    body = [*parts, *reproduction_tail(data), heading("Summary table", 3), df_table(tables["summary"], max_rows=200)]
    return {"lead": claims_section(data), "body": body}
