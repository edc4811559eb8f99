"""Report sections of the handover family (Zou et al.'s schemes) and of the Zou reproduction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lbopt.reporting.blocks import df_table, figure, heading, pyplot
from lbopt.reporting.figures.common import (
    cell_loads_section,
    claims_section,
    map_section,
    paper_claims_section,
    reproduction_head,
    setup_section,
)


def dynamics_figure(loads: pd.DataFrame, trace: pd.DataFrame):
    """Handover dynamics: per-cell loads per step, handovers per step, and V(e(k)) against the bounds of eqs. 26–27."""
    plt = pyplot()

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
    plt = pyplot()

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


def method_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> list[str]:
    """One simulated handover scheme: its dynamics against the bounds of eqs. 26-27, map, loads."""
    parts: list[str] = []
    if "trace" in tables and "loads" in tables:
        parts += [heading("Handover dynamics"), figure(dynamics_figure(tables["loads"], tables["trace"]), "dynamics")]
    cells = tables["cells"]
    return parts + map_section(cells, tables.get("users"), tables.get("cio")) + cell_loads_section(cells)


def reproduction_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, list[str]]:
    """The claims' verdicts first; then Tables I-III beside the paper's, the greedy oscillation and the mean loads."""
    figs = zou_reproduction_figures(tables["summary"], tables["trajectories"], tables["greedy_example"])
    body = [
        *reproduction_head(data),
        *(figure(f) for f in figs),
        *paper_claims_section(data),
        heading("Algorithm 1 against Algorithms 2 and 3, paired per row (ours; paper_diff: the paper's)", 3),
        df_table(tables["paired"], max_rows=60),
        *setup_section(data),
        heading("Tables I–III: ours beside the paper's", 3),
        df_table(tables["summary"], max_rows=200),
    ]
    return {"lead": claims_section(data), "body": body}
