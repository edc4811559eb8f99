"""Report sections of ``lbopt validate``: the checks, the continuous certificate per cell, the spectrum."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lbopt.reporting.blocks import df_table, heading, kv_table


def sections(data: dict, tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, list[str]]:
    """The verdicts lead the page; then the checks, the continuous certificate per cell and the spectrum."""
    lead = [heading("Verdicts"), kv_table(data["verdicts"])] if data.get("verdicts") else []
    parts: list[str] = []
    if "checks" in tables:
        parts += [heading("Checks (verdict, and whether the cross-check beside it agrees)"), df_table(tables["checks"])]
    if "continuous" in tables:
        parts += [
            heading("Continuous certificate per cell (Gershgorin margin −S_ii − Σ|S_ij|)"),
            kv_table({k: v for k, v in (data.get("continuous") or {}).items() if k != "cells_breaking_condition"}),
            df_table(tables["continuous"]),
        ]
    spec = data.get("spectrum")
    if spec:
        parts += [
            heading("Cell graph spectrum"),
            kv_table({k: v for k, v in spec.items() if k != "components"}),
            df_table(pd.DataFrame(spec.get("components", []))),
        ]
    return {"lead": lead, "body": parts}
