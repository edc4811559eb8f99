"""Report sections of a certified optimum of the realised loads (``ua-opt``, ``cio-opt``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lbopt.reporting.blocks import heading, kv_table, paragraph
from lbopt.reporting.figures.common import cell_loads_section, map_section

_CERTIFICATE = ("objective", "value", "bound", "gap", "lp_bound", "value_before", "level", "units")
_MODEL = (
    "reach",
    "reach_rule",
    "window_db",
    "candidates",
    "candidates_per_user",
    "single_candidate_users",
    "users",
    "users_outside_model",
    "pairs_from_methods",
    "methods_covered",
)


def method_sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> list[str]:
    """The certificate (value, proven bound, gap), the candidate set it holds for, the second stage, the loads."""
    metrics = data.get("metrics", {})
    status = data.get("status")
    verdict = (
        f"certified optimum: no association of the candidates does better than {metrics.get('bound'):.6g}"
        if status == "optimal"
        else f"not certified: the best association found is within a relative gap of {metrics.get('gap'):.3g} of "
        f"the proven bound {metrics.get('bound'):.6g}"
    )
    parts = [
        heading("Certificate"),
        paragraph(verdict),
        kv_table({k: metrics[k] for k in _CERTIFICATE if metrics.get(k) is not None}),
        heading("Candidates (what the bound holds for)"),
        kv_table({k: metrics[k] for k in _MODEL if metrics.get(k) not in (None, [])}),
    ]
    stage = {k.removeprefix("second_stage_"): v for k, v in metrics.items() if k.startswith("second_stage_")}
    if stage:
        parts += [heading("Second stage (at the optimum)"), kv_table(stage)]
    cells = tables["cells"]
    return parts + map_section(cells, tables.get("users"), tables.get("cio")) + cell_loads_section(cells)
