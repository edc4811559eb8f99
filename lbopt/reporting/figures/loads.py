"""Report sections of the loads comparison (families cell-load and baseline) and of the OSLB reproduction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lbopt.reporting.blocks import df_table, esc, figure, heading, kv_table, number, paragraph, pyplot
from lbopt.reporting.figures.common import (
    best_per_measure_sections,
    cell_loads_section,
    claims_section,
    load_figure,
    map_section,
    maps_figure,
    reproduction_head,
    reproduction_tail,
)


def period_figure(trace: pd.DataFrame):
    """MLB: the load distribution index after each balancing period."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.plot(trace["period"], trace["ldi_after"], marker="o")
    ax.set(xlabel="period", ylabel="LDI", title="Load distribution index per period")
    return fig


def comparison_figure(table: pd.DataFrame):
    """LDI before/after, and the PRBs moved (in the cells left) and received (in the cells joined) per method."""
    plt = pyplot()

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    x = np.arange(len(table))
    ax1.bar(x - 0.2, table["ldi_before"], 0.4, label="before")
    ax1.bar(x + 0.2, table["ldi_after"], 0.4, label="after")
    ax1.set_xticks(x)
    ax1.set_xticklabels(table["method"], rotation=30, ha="right")
    ax1.set_ylim(min(0.5, float(table[["ldi_before", "ldi_after"]].min().min()) - 0.05), 1.0)
    ax1.set_ylabel("load distribution index")
    ax1.legend(fontsize=8)
    ax2.bar(x - 0.2, table["prb_moved"].fillna(0), 0.4, color="tab:gray", label="moved (source cells)")
    ax2.bar(x + 0.2, table["prb_received"].fillna(0), 0.4, color="tab:olive", label="received (target cells)")
    ax2.set_xticks(x)
    ax2.set_xticklabels(table["method"], rotation=30, ha="right")
    ax2.set_ylabel("PRBs handed over")
    ax2.legend(fontsize=8)
    fig.suptitle("Methods compared")
    return fig


def unit_loads_figure(loads: pd.DataFrame, bound: float | None = None):
    """Small multiples: one panel per method on one shared load axis, units in the order of their load before
    (the same start for every method), the load before as a grey line and after as bars; the certified bound of the
    largest load dashed."""
    plt = pyplot()

    methods = list(pd.unique(loads["method"]))
    first = loads[loads["method"] == methods[0]]
    order = first.sort_values("load_before", ascending=False, kind="stable")["unit"].tolist()
    cols = min(4, len(methods))
    rows = -(-len(methods) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), sharey=True, squeeze=False)
    x = np.arange(len(order))
    for ax, method in zip(axes.ravel(), methods, strict=False):
        part = loads[loads["method"] == method].set_index("unit").reindex(order)
        ax.bar(x, part["load_after"], width=1.0, color="tab:blue", label="after")
        ax.plot(x, part["load_before"], color="0.4", linewidth=1.0, label="before")
        if bound is not None:
            ax.axhline(bound, color="tab:red", linestyle="--", linewidth=1.0, label="certified bound")
        ax.axhline(1.0, color="k", linewidth=0.6)
        ax.set_title(method, fontsize=9)
        ax.set_xticks([])
    for ax in axes.ravel()[len(methods) :]:
        ax.set_visible(False)
    axes[0, 0].set_ylabel("unit load")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("Load of every unit, before (line) and after (bars), units by their load before", fontsize=10)
    return fig


def reproduction_figure(summary: pd.DataFrame):
    """Means with 95 % confidence bands per method against the busy-cell users (Figs. 10–12 of Jia et al.)."""
    plt = pyplot()

    metrics = [
        ("ldi", "LDI (Fig. 10)"),
        ("busy_load", "busy-cell load (Fig. 11)"),
        ("light_max_load", "most-loaded light cell (Fig. 12)"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, (metric, title) in zip(axes, metrics, strict=True):
        part = summary[summary["metric"] == metric]
        for method, rows in part.groupby("method", sort=False):
            ax.plot(rows["busy_users"], rows["mean"], marker="o", label=method)
            ax.fill_between(rows["busy_users"], rows["ci_low"], rows["ci_high"], alpha=0.2)
        ax.set_xlabel("users per busy cell")
        ax.set_title(title)
    axes[0].legend(fontsize=8)
    return fig


def blocking_figure(blocking: pd.DataFrame):
    """Fig. 3 of Jia et al.: Kaufman–Roberts blocking of a balanced and an unbalanced pair against the total arrival
    rate.
    """
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(6, 3.8))
    for name, rows in blocking.groupby("scenario"):
        ax.semilogy(rows["total_rate"], rows["blocking"].clip(lower=1e-12), marker=".", label=name)
    ax.set_xlabel("total arrival rate λ1 + λ2")
    ax.set_ylabel("blocking probability")
    ax.set_title("Two cells, Kaufman–Roberts (Fig. 3)")
    ax.legend(fontsize=8)
    return fig


def method_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> list[str]:
    """One result of the cell-load or baseline family: rule, group loads, periods, executed transfers, map, loads."""
    parts: list[str] = []
    if data.get("rule"):
        parts.append(f"<p><b>rule:</b> {esc(data['rule'])}</p>")
    groups = tables.get("groups")
    if groups is not None and "load_after" in groups:
        parts += [
            heading("Group loads (macro cell + picocells)"),
            figure(load_figure(groups.rename(columns={"group": "id"})), "group loads"),
        ]
    trace = tables.get("trace")
    if trace is not None and "period" in trace:
        parts += [heading("Trace"), figure(period_figure(trace), "trace")]
    if data.get("plan_vs_execution"):
        keys = ("planned_prb", "routable_prb", "executed_prb", "received_prb", "shortfall_prb", "inflation_prb")
        parts += [
            heading("Plan and execution"),
            paragraph(data["plan_vs_execution"]),
            kv_table({k: data["metrics"][k] for k in keys if k in data.get("metrics", {})}),
        ]
    pairs = tables.get("pairs")
    if pairs is not None and len(pairs):
        parts += [heading("Planned transfers and how they were executed"), df_table(pairs)]
    cells = tables["cells"]
    return parts + map_section(cells, tables.get("users"), tables.get("cio")) + cell_loads_section(cells)


def comparison_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, list[str]]:
    """The verdict (opening the page), then where each method stands, the comparison table and its figure."""
    comp = tables["comparison"]
    level = ", ".join(map(str, comp["level"].dropna().unique())) or "cell"
    body = [
        *standing_sections(tables),
        heading("Comparison"),
        df_table(comp.drop(columns=["time_s"], errors="ignore")),
        figure(comparison_figure(comp), "comparison"),
        *unit_loads_sections(tables),
        *maps_sections(comp, folder),
        paragraph(
            f"Every row is the method's evaluation, measured alike from its final state at {level} level "
            "(a group is a macro cell with its picocells). plan_volume_over_flow_optimum: a flow plan's planned PRBs "
            "over the certified flow optimum (a ratio about the plan, not a gap of the loads users end up with). "
            "max_load_bound: ua-opt's proven lower bound of the largest load over every association of its candidates "
            "(which include every compared method's); gap_max_load = (max_load_after - max_load_bound) / "
            "max_load_bound, none for a method that re-homed picocells (other units).",
            muted=True,
        ),
    ]
    return {"lead": verdict_sections(tables), "body": body}


def maps_sections(comp: pd.DataFrame, folder: Path) -> list[str]:
    """One map per compared method (its sub-folder's cells, users and offsets), on one colour scale."""
    panels = {}
    for method in comp["method"].astype(str):
        sub = folder / method
        if not (sub / "cells.csv").is_file():
            continue
        cells = pd.read_csv(sub / "cells.csv", dtype={"id": str})
        if not {"x_m", "y_m", "load_after"} <= set(cells.columns):
            continue
        users = pd.read_csv(sub / "users.csv", dtype={"serving_after": str}) if (sub / "users.csv").is_file() else None
        cio = pd.read_csv(sub / "cio.csv", dtype=str) if (sub / "cio.csv").is_file() else None
        panels[method] = (cells, users, cio)
    if not panels:
        return []
    return [heading("Maps"), figure(maps_figure(panels, "load_after"), "maps of cells and users per method")]


def unit_loads_sections(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Every method's unit loads as small multiples (the comparison's ``unit_loads`` table)."""
    loads = tables.get("unit_loads")
    if loads is None or not len(loads):
        return []
    comp = tables["comparison"]
    bound = comp["max_load_bound"].dropna() if "max_load_bound" in comp else pd.Series(dtype=float)
    return [figure(unit_loads_figure(loads, float(bound.iloc[0]) if len(bound) else None), "unit loads")]


def verdict_sections(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The verdict, led by the certified bound of the largest load when the comparison has one."""
    comp = tables["comparison"]
    bound = comp["max_load_bound"].dropna() if "max_load_bound" in comp else pd.Series(dtype=float)
    lead = (
        f"The certified bound of the largest load is {number(float(bound.iloc[0]))}: no association of the "
        "candidates does better."
        if len(bound)
        else "No certified bound in this comparison (add --reference ua-opt for one)."
    )
    return best_per_measure_sections(tables, lead)


def standing_sections(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Where each method stands against the certified optimum of the realised loads (the comparison's own table)."""
    table = tables.get("standing")
    if table is None or not len(table):
        return []
    return [
        heading("Where each method stands (largest load, lowest first)"),
        paragraph(
            "A bound is proven: no association among the candidates (or no offset setting, for cio-opt) gives a lower "
            "largest load. What a flow plan promised counts its planned PRBs as moved unchanged; what every method "
            "realised is measured by the one evaluator from its final association.",
            muted=True,
        ),
        df_table(table),
    ]


def reproduction_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, list[str]]:
    """The claims' verdicts first; then Jia et al.'s Figs. 10-12 and Fig. 3."""
    parts = [*reproduction_head(data), figure(reproduction_figure(tables["summary"]), "reproduction")]
    if "blocking" in tables:
        parts.append(figure(blocking_figure(tables["blocking"]), "blocking"))
    body = [*parts, *reproduction_tail(data), heading("Summary table", 3), df_table(tables["summary"], max_rows=200)]
    return {"lead": claims_section(data), "body": body}
