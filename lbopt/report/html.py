"""``report.html``: one self-contained page (plots inlined as PNG data URIs) from a result directory.

Sections: instance summary, solver facts, metrics, a map of cells and users coloured by serving cell, and
per-cell load bars before/after.
"""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lbopt.atomic import atomic_write
from lbopt.result import read_result

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0} td,th{padding:.25rem .7rem;border-bottom:1px solid #eee;text-align:left}
th{background:#f5f5f5} .status{display:inline-block;padding:.1rem .6rem;border-radius:.8rem;background:#e8f0fe}
img{max-width:100%} .muted{color:#666} .wide{overflow-x:auto;font-size:.85rem}
"""


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _kv_table(items: dict[str, Any]) -> str:
    rows = []
    for k, v in items.items():
        if isinstance(v, float):
            v = f"{v:.6g}"
        elif isinstance(v, (dict, list)):
            v = ", ".join(f"{a}: {b}" for a, b in v.items()) if isinstance(v, dict) else ", ".join(map(str, v))
        rows.append(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _colour_index(ids: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(ids.fillna("(none)"))
    return codes


def map_figure(cells: pd.DataFrame, users: pd.DataFrame | None, serving_col: str):
    """Cells (macro ▲, others ●) and users coloured by their serving cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 7))
    cmap = plt.get_cmap("tab20")
    if users is not None and serving_col in users:
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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


def _df_table(df: pd.DataFrame, max_rows: int = 60) -> str:
    shown = df.head(max_rows)
    body = shown.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="", border=0, escape=True)
    more = f"<p class='muted'>first {max_rows} of {len(df)} rows; all in the CSV beside this report</p>"
    return f"<div class='wide'>{body}</div>" + (more if len(df) > max_rows else "")


def comparison_figure(table: pd.DataFrame):
    """LDI before/after and handover volume per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    x = np.arange(len(table))
    ax1.bar(x - 0.2, table["ldi_before"], 0.4, label="before")
    ax1.bar(x + 0.2, table["ldi_after"], 0.4, label="after")
    ax1.set_xticks(x)
    ax1.set_xticklabels(table["method"])
    ax1.set_ylim(min(0.5, float(table[["ldi_before", "ldi_after"]].min().min()) - 0.05), 1.0)
    ax1.set_ylabel("load distribution index")
    ax1.legend(fontsize=8)
    ax2.bar(x, table["handover_volume_prb"].fillna(0), color="tab:gray")
    ax2.set_xticks(x)
    ax2.set_xticklabels(table["method"])
    ax2.set_ylabel("handover volume (PRB)")
    fig.suptitle("Methods compared")
    return fig


def trace_figure(trace: pd.DataFrame):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.2))
    if "period" in trace:  # balancing periods (MLB)
        ax.plot(trace["period"], trace["ldi_after"], marker="o")
        ax.set_xlabel("period")
        ax.set_ylabel("LDI")
        ax.set_title("Load distribution index per period")
    elif "psi" in trace:  # an iteration with its certificate (vGALA)
        ax.semilogy(trace["iteration"], trace["gap"].clip(lower=1e-16), label="certified gap φᵀ(ρ − s)")
        if "gap_to_optimum" in trace:
            ax.semilogy(
                trace["iteration"],
                trace["gap_to_optimum"].clip(lower=1e-16) * trace["psi"],
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


def dynamics_figure(loads: pd.DataFrame, trace: pd.DataFrame):
    """Handover dynamics: per-cell loads per step, handovers per step, and V(e(k)) against the bounds of eqs. 26–27."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    cells = [c for c in loads.columns if c != "step"]
    axes[0].plot(loads["step"], loads[cells].to_numpy(), lw=0.9)
    axes[0].plot(loads["step"], loads[cells].mean(axis=1), "k--", lw=1.5, label="mean")
    axes[0].set(xlabel="step", ylabel="load", title="Cell loads")
    axes[0].legend(fontsize=8)
    axes[1].bar(trace["step"], trace["handovers"], color="tab:blue", label="executed")
    axes[1].plot(trace["step"], trace["handovers_planned"], "r.", label="planned")
    axes[1].set(xlabel="step", ylabel="handovers", title="Handovers per step")
    axes[1].legend(fontsize=8)
    axes[2].semilogy(trace["step"], trace["v_after"].clip(lower=1e-12), "k-", label="V(e(k+1))")
    axes[2].semilogy(trace["step"], trace["v_next_bound"], "b.", label="(γ̂√V(e(k)) + α)²  (eq. 26)")
    finite = np.isfinite(trace["v_tilde"])
    axes[2].semilogy(trace["step"][finite], trace["v_tilde"][finite], "rx", label="Ṽ (eq. 27, finite only)")
    axes[2].set(xlabel="step", title="Disagreement and its bounds")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    return fig


def zou_reproduction_figures(summary: pd.DataFrame, traj: pd.DataFrame, example: pd.DataFrame) -> list:
    """Tables I–III beside ours, the greedy oscillation (Fig. 5) against Algorithm 1, and mean loads (Fig. 7)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = []
    accs = sorted(summary["accommodation"].unique())
    fig, axes = plt.subplots(1, len(accs), figsize=(4.4 * len(accs), 3.4), sharey=True)
    for ax, c in zip(np.atleast_1d(axes), accs, strict=True):
        part = summary[summary["accommodation"] == c]
        for k, (alg, rows) in enumerate(part.groupby("algorithm")):
            colour = f"C{k}"
            ax.errorbar(
                rows["users"],
                rows["std_final"],
                yerr=[rows["std_final"] - rows["ci_low"], rows["ci_high"] - rows["std_final"]],
                marker="o",
                color=colour,
                label=f"{alg} (ours)",
                capsize=2,
            )
            ax.plot(rows["users"], rows["paper"], ls="--", marker="s", mfc="none", color=colour, label=f"{alg} paper")
        ax.set(xlabel="users", title=f"accommodation c = {c:g}")
    np.atleast_1d(axes)[0].set_ylabel("final load std")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    figs.append(fig)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    for ax, alg in zip(axes[:2], ("greedy", "alg1"), strict=True):
        part = example[example["algorithm"] == alg].pivot(index="step", columns="cell", values="load")
        ax.plot(part.index, part.to_numpy(), lw=0.9)
        ax.plot(part.index, part.mean(axis=1), "k--", lw=1.5, label="mean")
        ax.set(xlabel="step", ylabel="load", title=f"{'Greedy CIO (Fig. 5)' if alg == 'greedy' else 'Algorithm 1'}")
        ax.legend(fontsize=8)
    for alg, rows in traj[traj["users"] == traj["users"].min()].groupby("algorithm"):
        axes[2].plot(rows["step"], rows["handovers"], label=alg)
    axes[2].set(xlabel="step", ylabel="handovers (mean over drops)", title="Handovers per step")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    figs.append(fig)
    users = sorted(traj["users"].unique())
    fig, axes = plt.subplots(1, len(users), figsize=(4.4 * len(users), 3.4))
    for ax, n in zip(np.atleast_1d(axes), users, strict=True):
        for alg, rows in traj[traj["users"] == n].groupby("algorithm"):
            ax.plot(rows["step"], rows["mean_load"], label=alg)
        ax.set(xlabel="step", ylabel="mean load", title=f"Mean load, {n} users (Fig. 7)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    figs.append(fig)
    return figs


def breathing_cells_figure(cells: pd.DataFrame):
    """Busy-degrees before / target / after and the pilot powers before and after, per antenna."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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


def reproduction_figure(summary: pd.DataFrame):
    """Means with 95 % confidence bands per method against the busy-cell users (Figs. 10–12 of Jia et al.)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.8))
    for name, rows in blocking.groupby("scenario"):
        ax.semilogy(rows["total_rate"], rows["blocking"].clip(lower=1e-12), marker=".", label=name)
    ax.set_xlabel("total arrival rate λ1 + λ2")
    ax.set_ylabel("blocking probability")
    ax.set_title("Two cells, Kaufman–Roberts (Fig. 3)")
    ax.legend(fontsize=8)
    return fig


def coverage_figure(coverage: pd.DataFrame, cells: pd.DataFrame):
    """Which cell serves each location (the paper's Fig. 4)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
        fig.suptitle("Fig. 5: vGALA (theta 0.8, kappa 4) against LA and GA")
        figs.append(fig)
    for exp, key, title in (
        ("kappa", "kappa", "Fig. 6: kappa (theta = 1)"),
        ("theta", "theta", "Fig. 7: theta (kappa = 4)"),
        ("solar", "solar_efficiency", "Fig. 8: solar efficiency (theta 0.8, kappa 4)"),
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = list(pd.unique(coverage["method"]))
    fig, axes = plt.subplots(1, len(methods), figsize=(3.6 * len(methods), 3.8))
    cmap = plt.get_cmap("tab20")
    codes = {c: i for i, c in enumerate(sorted(pd.unique(coverage["cell"])))}
    for ax, method in zip(np.atleast_1d(axes), methods, strict=True):
        part = coverage[coverage["method"] == method]
        ax.scatter(
            part["x_m"],
            part["y_m"],
            c=cmap(part["cell"].map(codes).to_numpy() % 20),
            s=3,
            marker="s",
            linewidths=0,
            rasterized=True,
        )
        ax.set_title(method)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Coverage: the serving cell of every location")
    return fig


def render_report(out_dir: str | os.PathLike) -> Path:
    """Write ``out_dir/report.html`` from ``result.json`` and its tables; returns the path."""
    out = Path(out_dir)
    data, tables = read_result(out)
    cells = tables.get("cells", pd.DataFrame(data.get("cells", [])))
    users = tables.get("users")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>lbopt report: {html.escape(data['instance'])} / {html.escape(data['method'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(data['instance'])} — {html.escape(data['method'])}</h1>",
        f"<p><span class='status'>{html.escape(data['status'])}</span> "
        f"<span class='muted'>lbopt {html.escape(str(data.get('lbopt_version')))}</span></p>",
    ]
    if data.get("message"):
        parts.append(f"<p>{html.escape(str(data['message']))}</p>")
    summary = data.get("instance_summary")
    if summary:
        parts += ["<h2>Instance</h2>", _kv_table(summary)]
    solver = {k: v for k, v in (data.get("solver") or {}).items() if v not in (None, {}, [])}
    parts += ["<h2>Solver</h2>", _kv_table({"objective": data.get("objective"), **solver})]
    if data["method"] == "reproduce-vgala":
        parts += ["<h2>Reproduction</h2>", f"<p>{html.escape(str(data.get('paper', '')))}</p>"]
        for fig in vgala_reproduction_figures(tables["summary"]):
            parts.append(f"<img alt='figure' src='{_png(fig)}'>")
        if "coverage_maps" in tables:
            parts.append(f"<img alt='coverage maps' src='{_png(coverage_maps_figure(tables['coverage_maps']))}'>")
        parts += ["<h3>What the paper claims</h3>", _kv_table(data.get("paper_claims") or {})]
        parts += [
            "<h3>Set-up and choices of ours</h3>",
            f"<pre style='white-space:pre-wrap'>{html.escape(str(data.get('setup', '')))}</pre>",
        ]
        parts += ["<h3>Summary table</h3>", _df_table(tables["summary"], max_rows=200)]
    elif data["method"] == "reproduce-breathing":
        parts += ["<h2>Reproduction</h2>", f"<p>{html.escape(str(data.get('paper', '')))}</p>"]
        for fig in breathing_reproduction_figures(
            tables["periods"], tables["summary"], tables.get("traces", pd.DataFrame())
        ):
            parts.append(f"<img alt='figure' src='{_png(fig)}'>")
        parts += ["<h3>What the paper claims</h3>", _kv_table(data.get("paper_claims") or {})]
        parts += ["<h3>Day means per area and method</h3>", _df_table(tables["summary"], max_rows=40)]
        if "mlp" in tables:
            parts += ["<h3>Monotone MLP against the exact coverage (area A, peak hour)</h3>", _df_table(tables["mlp"])]
        if "sampling" in tables:
            parts += ["<h3>Sampled Jacobian (Remark 4.1; area A, peak hour)</h3>", _df_table(tables["sampling"])]
        parts += [
            "<h3>Set-up and choices of ours</h3>",
            f"<pre style='white-space:pre-wrap'>{html.escape(str(data.get('setup', '')))}</pre>",
        ]
    elif data["method"] == "reproduce-zou":
        parts += ["<h2>Reproduction</h2>", f"<p>{html.escape(str(data.get('paper', '')))}</p>"]
        for fig in zou_reproduction_figures(tables["summary"], tables["trajectories"], tables["greedy_example"]):
            parts.append(f"<img alt='figure' src='{_png(fig)}'>")
        parts += ["<h3>What the paper claims</h3>", _kv_table(data.get("paper_claims") or {})]
        parts += ["<h3>Best algorithm per row (ours and the paper's)</h3>", _df_table(tables["best"], max_rows=40)]
        parts += [
            "<h3>Set-up and choices of ours</h3>",
            f"<pre style='white-space:pre-wrap'>{html.escape(str(data.get('setup', '')))}</pre>",
        ]
        parts += ["<h3>Tables I–III: ours beside the paper's</h3>", _df_table(tables["summary"], max_rows=200)]
    elif "summary" in tables and data["method"].startswith("reproduce"):
        parts += [
            "<h2>Reproduction</h2>",
            f"<p>{html.escape(str(data.get('paper', '')))}</p>",
            f"<img alt='reproduction' src='{_png(reproduction_figure(tables['summary']))}'>",
        ]
        if "blocking" in tables:
            parts.append(f"<img alt='blocking' src='{_png(blocking_figure(tables['blocking']))}'>")
        claims = data.get("paper_claims") or {}
        parts += ["<h3>What the paper claims</h3>", _kv_table(claims)]
        parts += [
            "<h3>Set-up and choices of ours</h3>",
            f"<pre style='white-space:pre-wrap'>{html.escape(str(data.get('setup', '')))}</pre>",
        ]
        parts += ["<h3>Summary table</h3>", _df_table(tables["summary"], max_rows=200)]
    if "checks" in tables:
        parts += ["<h2>Checks</h2>", _df_table(tables["checks"])]
    if "continuous" in tables:
        parts += [
            "<h2>Continuous certificate per cell (Gershgorin margin −S_ii − Σ|S_ij|)</h2>",
            _kv_table({k: v for k, v in (data.get("continuous") or {}).items() if k != "cells_breaking_condition"}),
            _df_table(tables["continuous"]),
        ]
    if data.get("spectrum"):
        spec = data["spectrum"]
        parts += [
            "<h2>Cell graph spectrum</h2>",
            _kv_table({k: v for k, v in spec.items() if k != "components"}),
            _df_table(pd.DataFrame(spec.get("components", []))),
        ]
    if "coverage" in tables:
        parts += ["<h2>Coverage</h2>", f"<img alt='coverage' src='{_png(coverage_figure(tables['coverage'], cells))}'>"]
    if "comparison" in tables and "psi" in tables["comparison"]:
        parts += ["<h2>Comparison</h2>", _df_table(tables["comparison"])]
        maps = []
        for method in data.get("methods", []):
            cov = out / method / "coverage.csv"
            if cov.is_file():
                maps.append(pd.read_csv(cov, dtype={"cell": str, "location": str}).assign(method=method))
        if maps:
            fig = coverage_maps_figure(pd.concat(maps, ignore_index=True))
            parts.append(f"<img alt='coverage maps' src='{_png(fig)}'>")
    elif "comparison" in tables and "busy_std_after" in tables["comparison"]:
        parts += [
            "<h2>Comparison (one period, busy-degrees before and after the step)</h2>",
            _df_table(tables["comparison"]),
        ]
    elif "comparison" in tables:
        comp = tables["comparison"]
        parts += [
            "<h2>Comparison</h2>",
            _df_table(comp.drop(columns=["time_s"], errors="ignore")),
            f"<img alt='comparison' src='{_png(comparison_figure(comp))}'>",
            "<p class='muted'>Loads at group level (macro cell + picocells) for user-level instances. "
            "Gap: handover volume over the certified optimum of the OSLB flow plan, minus one.</p>",
        ]
    if data.get("metrics"):
        parts += ["<h2>Metrics</h2>", _kv_table(data.get("metrics", {}))]
    for key in ("rule", "message"):
        if data.get(key) and key != "message":
            parts.append(f"<p><b>{key}:</b> {html.escape(str(data[key]))}</p>")
    if "groups" in tables and "load_after" in tables["groups"]:
        groups = tables["groups"].rename(columns={"group": "id"})
        parts += [
            "<h2>Group loads (macro cell + picocells)</h2>",
            f"<img alt='group loads' src='{_png(load_figure(groups))}'>",
        ]
    if "trace" in tables and "v_tilde" in tables["trace"] and "loads" in tables:
        fig = dynamics_figure(tables["loads"], tables["trace"])
        parts += ["<h2>Handover dynamics</h2>", f"<img alt='dynamics' src='{_png(fig)}'>"]
    elif "trace" in tables:
        parts += ["<h2>Trace</h2>", f"<img alt='trace' src='{_png(trace_figure(tables['trace']))}'>"]
    if "pairs" in tables and len(tables["pairs"]):
        parts += ["<h2>Planned transfers and how they were executed</h2>", _df_table(tables["pairs"])]
    association = "coverage" in tables or ("comparison" in tables and "psi" in tables["comparison"])
    if {"x_m", "y_m"} <= set(cells.columns) and (users is not None or not association):
        serving_col = "serving_after" if users is not None and "serving_after" in users else "serving"
        parts += [
            "<h2>Map</h2>",
            f"<img alt='map of cells and users' src='{_png(map_figure(cells, users, serving_col))}'>",
        ]
    if {"busy_before", "busy_after", "power_after_dbm"} <= set(cells.columns):
        parts += [
            "<h2>Busy-degrees and pilot powers</h2>",
            f"<img alt='busy' src='{_png(breathing_cells_figure(cells))}'>",
        ]
    if any(f"load_{s}" in cells for s in ("before", "after")):
        parts += ["<h2>Cell loads</h2>", f"<img alt='cell loads' src='{_png(load_figure(cells))}'>"]
    parts.append("</body></html>")
    target = out / "report.html"
    text = "\n".join(parts)
    return atomic_write(target, lambda p: p.write_text(text, encoding="utf-8"))
