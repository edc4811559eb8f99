"""The verdict of a comparison: which method is best on each measure, in words and numbers.

A family's comparison names its measures (the column, what it means, whether lower is better); certified references
(``ua-opt``) are the yardstick and never contenders. The report renders the table as the first section of the page.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["Measure", "best_per_measure"]

#: (column of the comparison table, what it means, lower is better)
Measure = tuple[str, str, bool]


def best_per_measure(table: pd.DataFrame, measures: Iterable[Measure], references: Iterable[str] = ()) -> pd.DataFrame:
    """Which method is best on each measure, its value, the runner-up and every method tied with the best.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per method (``method`` and the measures' columns).
    measures : iterable of (column, meaning, lower_is_better)
        The measures in the order the verdict lists them; one the table lacks, or no method reports, is left out.
    references : iterable of str
        Certified references, left out of the ranking.

    Returns
    -------
    pandas.DataFrame
        ``measure, column, best, value, runner_up, runner_up_value, methods_measured``; ``best`` names every method
        tied with the best (relative tolerance 1e-9).

    Examples
    --------
    >>> t = pd.DataFrame({"method": ["a", "b", "c"], "cost": [2.0, 1.0, 1.0], "score": [0.5, 0.9, None]})
    >>> v = best_per_measure(t, [("cost", "cost", True), ("score", "score", False)])
    >>> v[["column", "best", "value", "runner_up"]].values.tolist()
    [['cost', 'b, c', 1.0, 'a'], ['score', 'b', 0.9, 'a']]
    """
    rows = []
    contenders = table[~table["method"].isin(set(references))]
    for column, meaning, lower in measures:
        values = pd.to_numeric(contenders[column], errors="coerce") if column in contenders else pd.Series(dtype=float)
        ranked = contenders.assign(v=values).dropna(subset=["v"]).sort_values("v", ascending=lower, kind="stable")
        if ranked.empty:
            continue
        best = ranked.iloc[0]
        tied = ranked[np.isclose(ranked["v"], best["v"], rtol=1e-9, atol=1e-12)]["method"].tolist()
        runner = ranked[~ranked["method"].isin(tied)].head(1)
        rows.append(
            {
                "measure": meaning,
                "column": column,
                "best": ", ".join(tied),
                "value": float(best["v"]),
                "runner_up": runner["method"].iloc[0] if len(runner) else None,
                "runner_up_value": float(runner["v"].iloc[0]) if len(runner) else None,
                "methods_measured": len(ranked),
            }
        )
    return pd.DataFrame(rows)
