"""Figures every family of the loads comparison uses: the map of cells and users, per-cell load bars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.reporting.blocks import (
    TITLES_ATTR,
    df_table,
    esc,
    figure,
    heading,
    kv_table,
    number,
    paragraph,
    pre,
    pyplot,
)

#: users drawn on a map at most (a seeded subsample above it, the same every time)
MAP_MAX_USERS = 3000
#: cells drawn one by one (each with its id and value on hover in an SVG figure) up to this many
MAP_HOVER_CELLS = 400


def draw_map(
    ax,
    cells: pd.DataFrame,
    users: pd.DataFrame | None = None,
    value: str = "load_after",
    relations: pd.DataFrame | None = None,
    vmax: float | None = None,
    gid_prefix: str = "cell",
) -> tuple[object, dict[str, str]]:
    """Draw cells coloured by ``value`` (macro ▲, others ●), neighbour relations (``source_cell, target_cell``, e.g.
    ``cio.csv``) as grey lines, and users coloured by their serving cell with a line to it (subsampled above
    :data:`MAP_MAX_USERS`). Returns the cells' colour mapping (for a colour bar) and the hover titles by element id."""
    plt = pyplot()
    xy = cells[["x_m", "y_m"]].to_numpy(float)
    index = {cid: k for k, cid in enumerate(cells["id"].astype(str))}
    if relations is not None and len(relations) and {"source_cell", "target_cell"} <= set(relations):
        from matplotlib.collections import LineCollection

        a = relations["source_cell"].astype(str).map(index)
        b = relations["target_cell"].astype(str).map(index)
        ok = a.notna() & b.notna()
        pairs = np.unique(np.sort(np.stack([a[ok], b[ok]], axis=1).astype(int), axis=1), axis=0)
        ax.add_collection(LineCollection(xy[pairs], colors="0.75", linewidths=0.6, zorder=1))
    if users is not None and {"x_m", "y_m", "serving_after"} <= set(users):
        if len(users) > MAP_MAX_USERS:
            users = users.iloc[np.sort(np.random.default_rng(0).choice(len(users), MAP_MAX_USERS, replace=False))]
        serving = users["serving_after"].astype(str).map(index)
        on = serving.notna().to_numpy()
        home = serving[on].astype(int).to_numpy()
        pos = users[["x_m", "y_m"]].to_numpy(float)
        colours = plt.get_cmap("tab20")(home % 20)
        from matplotlib.collections import LineCollection

        ax.add_collection(
            LineCollection(np.stack([pos[on], xy[home]], axis=1), colors=colours, linewidths=0.3, alpha=0.3, zorder=2)
        )
        ax.scatter(pos[on, 0], pos[on, 1], c=colours, s=6, linewidths=0, alpha=0.8, zorder=2, label="users")
        if (~on).any():
            ax.scatter(pos[~on, 0], pos[~on, 1], c="k", marker="x", s=10, zorder=2, label="not served")
    values = cells[value].to_numpy(float) if value in cells else np.zeros(len(cells))
    norm = plt.Normalize(0.0, vmax if vmax is not None else max(1.0, float(np.nanmax(values, initial=0.0))))
    macro = (cells["tier"] == "macro").to_numpy() if "tier" in cells else np.ones(len(cells), bool)
    titles: dict[str, str] = {}
    mapping = plt.cm.ScalarMappable(norm=norm, cmap="viridis")
    if len(cells) <= MAP_HOVER_CELLS:
        for k, cid in enumerate(cells["id"].astype(str)):
            gid = f"{gid_prefix}-{k}"
            ax.scatter(
                *xy[k],
                marker="^" if macro[k] else "o",
                s=90 if macro[k] else 45,
                c=[mapping.to_rgba(values[k])],
                edgecolors="k",
                linewidths=0.6,
                zorder=3,
                gid=gid,
            )
            titles[gid] = f"{cid}: {value} {values[k]:.3g}"
    else:
        for sel, marker, size in ((macro, "^", 60), (~macro, "o", 30)):
            ax.scatter(
                xy[sel, 0],
                xy[sel, 1],
                marker=marker,
                s=size,
                c=values[sel],
                cmap="viridis",
                norm=norm,
                edgecolors="k",
                linewidths=0.4,
                zorder=3,
            )
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    return mapping, titles


def map_figure(
    cells: pd.DataFrame,
    users: pd.DataFrame | None,
    value: str = "load_after",
    relations: pd.DataFrame | None = None,
    title: str | None = None,
):
    """One map (:func:`draw_map`) with its colour bar."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 7), layout="constrained")
    mapping, titles = draw_map(ax, cells, users, value, relations)
    fig.colorbar(mapping, ax=ax, shrink=0.8, label=value)
    shown = "" if users is None or "x_m" not in users else f"; users by serving cell{_subsampled(users)}"
    ax.set_title(title or f"Cells coloured by {value}{shown}", fontsize=10)
    setattr(fig, TITLES_ATTR, titles)
    return fig


def maps_figure(panels: dict[str, tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]], value: str):
    """Small multiples, two per row: one map per method (cells, users, relations), one colour scale for all."""
    plt = pyplot()
    n = len(panels)
    rows = (n + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(11, 4.6 * rows + 0.6), squeeze=False, layout="constrained")
    vmax = max(1.0, *(float(c[value].max()) for c, _, _ in panels.values() if value in c))
    titles: dict[str, str] = {}
    mapping = None
    for k, (ax, (method, (cells, users, relations))) in enumerate(zip(axes.flat, panels.items(), strict=False)):
        mapping, t = draw_map(ax, cells, users, value, relations, vmax=vmax, gid_prefix=f"m{k}-cell")
        titles.update(t)
        ax.set_title(method, fontsize=10)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if mapping is not None:
        fig.colorbar(mapping, ax=axes.ravel().tolist(), shrink=0.5, aspect=30, label=value)
    first_users = next(iter(panels.values()))[1]
    fig.suptitle(f"Cells coloured by {value}; users by serving cell{_subsampled(first_users)}", fontsize=11)
    setattr(fig, TITLES_ATTR, titles)
    return fig


def _subsampled(users: pd.DataFrame | None) -> str:
    return f" ({MAP_MAX_USERS:,} of {len(users):,} shown)" if users is not None and len(users) > MAP_MAX_USERS else ""


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


def map_section(
    cells: pd.DataFrame,
    users: pd.DataFrame | None,
    relations: pd.DataFrame | None = None,
    value: str = "load_after",
    title: str | None = None,
) -> list[str]:
    """The map of the cells coloured by ``value``, their relations and the users by serving cell after the method,
    when the cells have positions."""
    if not {"x_m", "y_m"} <= set(cells.columns):
        return []
    return [heading("Map"), figure(map_figure(cells, users, value, relations, title), "map of cells and users")]


def cell_loads_section(cells: pd.DataFrame) -> list[str]:
    """Per-cell load bars before / planned / after, when the cells table has loads."""
    if not any(f"load_{s}" in cells for s in ("before", "after")):
        return []
    return [heading("Cell loads"), figure(load_figure(cells), "cell loads")]


def best_per_measure_sections(tables: dict[str, pd.DataFrame], lead: str | None = None) -> list[str]:
    """A comparison's verdict in words: the best method per measure and the runner-up, as the comparison chose them
    (its ``verdict`` table, :func:`lbopt.verdict.best_per_measure`), after a ``lead`` sentence."""
    table = tables.get("verdict")
    if table is None or not len(table):
        return []
    lines = []
    for _, row in table.iterrows():
        text = f"{row['measure']}: {row['best']} ({number(row['value'], row['column'])})"
        if isinstance(row.get("runner_up"), str):
            text += f", then {row['runner_up']} ({number(row['runner_up_value'], row['column'])})"
        lines.append(f"<li>{esc(text)}</li>")
    intro = "Best of the compared methods on each measure (a certified reference is the yardstick, not a contender):"
    return [
        heading("Verdict"),
        *([paragraph(lead)] if lead else []),
        paragraph(intro),
        "<ul>" + "".join(lines) + "</ul>",
    ]


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
    """The verdict of a reproduction, which opens its report: each claim of the paper, whether it holds and the
    paired numbers behind it (the study's ``claims``)."""
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
        heading("Verdict: the paper's claims, with paired tests"),
        paragraph(
            "Per point, the mean paired difference over the drops with a bootstrap 95 % interval and the Wilcoxon "
            "signed-rank p-value; a claim holds where the interval and the test both agree with it at every point, "
            "fails where they both contradict it at one, and is inconclusive otherwise.",
            muted=True,
        ),
        df_table(rows, max_rows=40),
    ]


def paper_claims_section(data: dict) -> list[str]:
    """The paper's own words for each claim (the verdicts open the report: :func:`claims_section`)."""
    return [heading("What the paper claims", 3), kv_table(data.get("paper_claims") or {})]


def setup_section(data: dict) -> list[str]:
    """The set-up, with our choices."""
    return [heading("Set-up and choices of ours", 3), pre(str(data.get("setup", "")))]


def reproduction_tail(data: dict) -> list[str]:
    """What the paper claims, and the set-up with our choices."""
    return [*paper_claims_section(data), *setup_section(data)]
