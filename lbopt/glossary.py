"""What every number lbopt reports means: one data file (``glossary.csv``: key, unit, meaning) that the reports use
for their tooltips and units, and that a test holds against every key the methods emit.

Examples
--------
>>> meaning("gap_max_load").startswith("(max_load_after − max_load_bound)")
True
>>> unit("ongrid_power_w"), unit("ldi_after")
('W', '')
"""

from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

__all__ = ["glossary", "meaning", "unit"]


@functools.lru_cache(maxsize=1)
def glossary() -> pd.DataFrame:
    """The glossary, indexed by key."""
    with resources.files("lbopt").joinpath("glossary.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, keep_default_na=False).set_index("key")


def meaning(key: str) -> str | None:
    """What ``key`` means, or None when the glossary does not define it."""
    table = glossary()
    return str(table.at[key, "meaning"]) if key in table.index else None


def unit(key: str) -> str:
    """The unit of ``key`` ("" for dimensionless or unknown keys)."""
    table = glossary()
    return str(table.at[key, "unit"]) if key in table.index else ""
