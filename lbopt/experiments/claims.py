"""A paper's claims against paired evidence: each claim ``holds`` (``true``, ``false`` or ``inconclusive``) with
the paired test behind it and its numbers, never the best point alone.

Two methods run on the same drops, so their results pair up: per drop the difference ``d = a − b``. For the pairs a
paper compares, :func:`paired` gives the mean difference with a bootstrap confidence interval (percentile, seeded,
10,000 resamples) and the Wilcoxon signed-rank and sign tests' two-sided p-values (scipy). :func:`verdict` reads
them at 5 %: a claim "a below b" holds when the interval lies below 0 *and* the Wilcoxon test rejects equality;
it fails when both say the opposite; anything else is inconclusive. A claim over several points (every busy-cell
load, every row of a table) holds when it holds at every point, fails when it fails at one, else is inconclusive.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ALPHA", "all_points", "as_holds", "claim", "equivalent", "paired", "paired_rows", "verdict"]

ALPHA = 0.05
BOOTSTRAP = 10_000
#: the fewest pairs with which a two-sided Wilcoxon test can reach 5 % (2 / 2^6 = 0.031)
MIN_PAIRS = 6


def paired(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray, seed: int = 0) -> dict[str, Any]:
    """Paired comparison of ``a`` and ``b`` (same drops, same order): ``n``, ``mean_diff``, ``ci_low``,
    ``ci_high`` (bootstrap of the mean difference), ``median_diff``, ``p_wilcoxon``, ``p_sign``, ``wins`` (a < b),
    ``ties``, ``losses``.

    Examples
    --------
    >>> out = paired([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [2.0, 3.5, 3.9, 5.2, 6.1, 7.3, 8.0, 9.4])
    >>> out["n"], round(out["mean_diff"], 3), out["wins"], out["ci_high"] < 0
    (8, -1.175, 8, True)
    """
    from scipy import stats

    x, y = np.asarray(a, float), np.asarray(b, float)
    keep = np.isfinite(x) & np.isfinite(y)
    d = x[keep] - y[keep]
    n = len(d)
    out: dict[str, Any] = {
        "n": n,
        "wins": int(np.sum(d < 0)),
        "ties": int(np.sum(d == 0)),
        "losses": int(np.sum(d > 0)),
    }
    if n == 0:
        return {
            **out,
            "mean_diff": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "median_diff": np.nan,
            "p_wilcoxon": np.nan,
            "p_sign": np.nan,
        }
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, n, size=(BOOTSTRAP, n))].mean(axis=1)
    nonzero = d[d != 0]
    p_w = float(stats.wilcoxon(nonzero).pvalue) if len(nonzero) >= 1 else 1.0
    p_s = float(stats.binomtest(int(np.sum(d > 0)), len(nonzero)).pvalue) if len(nonzero) else 1.0
    return {
        **out,
        "mean_diff": float(d.mean()),
        "ci_low": float(np.quantile(means, 0.025)),
        "ci_high": float(np.quantile(means, 0.975)),
        "median_diff": float(np.median(d)),
        "p_wilcoxon": p_w,
        "p_sign": p_s,
    }


def verdict(stats: dict[str, Any], claim_sign: int) -> str:
    """``true`` / ``false`` / ``inconclusive`` for "a − b has the sign ``claim_sign``" (−1: a below b, +1: above)."""
    if not stats["n"] or not np.isfinite(stats["mean_diff"]):
        return "inconclusive"
    significant = stats["p_wilcoxon"] < ALPHA
    below, above = stats["ci_high"] < 0, stats["ci_low"] > 0
    if significant and ((below and claim_sign < 0) or (above and claim_sign > 0)):
        return "true"
    if significant and ((above and claim_sign < 0) or (below and claim_sign > 0)):
        return "false"
    return "inconclusive"


def equivalent(stats: dict[str, Any], margin: float) -> str:
    """ "a and b are similar": ``true`` when the interval of the mean difference lies within ±``margin``, ``false``
    when it lies wholly outside, else ``inconclusive``."""
    if stats["n"] < MIN_PAIRS or not np.isfinite(stats["mean_diff"]):
        return "inconclusive"
    if -margin <= stats["ci_low"] and stats["ci_high"] <= margin:
        return "true"
    if (stats["ci_low"] > margin or stats["ci_high"] < -margin) and stats["p_wilcoxon"] < ALPHA:
        return "false"
    return "inconclusive"


def all_points(verdicts: list[str]) -> str:
    """A claim over several points: true at every one, false at one, else inconclusive."""
    if verdicts and all(v == "true" for v in verdicts):
        return "true"
    if any(v == "false" for v in verdicts):
        return "false"
    return "inconclusive"


def paired_rows(
    cases: pd.DataFrame, by: str, pairs: list[tuple[str, str, str]], claim_signs: dict[str, int]
) -> pd.DataFrame:
    """Per value of ``by`` and per ``(name, column_a, column_b)``: :func:`paired` with its verdict for the sign in
    ``claim_signs[name]``."""
    rows = []
    for point, part in cases.groupby(by):
        for name, col_a, col_b in pairs:
            stats = paired(part[col_a], part[col_b])
            rows.append({by: point, "pair": name, **stats, "holds": verdict(stats, claim_signs[name])})
    return pd.DataFrame(rows)


def claim(text: str, holds: str, **numbers: Any) -> dict[str, Any]:
    """One entry of ``claims`` in ``result.json``: ``{claim, holds, numbers}``, ``holds`` being ``true``,
    ``false`` (JSON booleans) or ``"inconclusive"``."""
    clean = {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in numbers.items()}
    return {"claim": text, "holds": as_holds(holds), "numbers": clean}


def as_holds(verdict_text: str) -> bool | str:
    """A verdict as ``result.json`` writes it: ``true``/``false`` as JSON booleans, else ``"inconclusive"``."""
    return {"true": True, "false": False}.get(verdict_text, "inconclusive")
