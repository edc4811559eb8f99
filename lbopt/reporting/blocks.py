"""The building blocks of ``report.html``: page style, figures as inline PNG, key-value and data tables.

Section functions (registered by families and studies) return lists of HTML strings built from these.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import pandas as pd

__all__ = ["CSS", "df_table", "esc", "figure", "heading", "kv_table", "paragraph", "pre", "pyplot"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0} td,th{padding:.25rem .7rem;border-bottom:1px solid #eee;text-align:left}
th{background:#f5f5f5} .status{display:inline-block;padding:.1rem .6rem;border-radius:.8rem;background:#e8f0fe}
img{max-width:100%} .muted{color:#666} .wide{overflow-x:auto;font-size:.85rem}
"""


def esc(value: Any) -> str:
    return html.escape(str(value))


def pyplot():
    """matplotlib's pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure(fig, alt: str = "figure") -> str:
    """An ``<img>`` with the figure inlined as a PNG data URI; closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    pyplot().close(fig)
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return f"<img alt='{esc(alt)}' src='{uri}'>"


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


def paragraph(text: str, muted: bool = False) -> str:
    return f"<p{' class=muted' if muted else ''}>{esc(text)}</p>"


def pre(text: str) -> str:
    return f"<pre style='white-space:pre-wrap'>{esc(text)}</pre>"


def kv_table(items: dict[str, Any]) -> str:
    rows = []
    for k, v in items.items():
        if isinstance(v, float):
            v = f"{v:.6g}"
        elif isinstance(v, dict):
            v = ", ".join(f"{a}: {b}" for a, b in v.items())
        elif isinstance(v, list):
            v = ", ".join(map(str, v))
        rows.append(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def df_table(df: pd.DataFrame, max_rows: int = 60) -> str:
    shown = df.head(max_rows)
    body = shown.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="", border=0, escape=True)
    more = f"<p class='muted'>first {max_rows} of {len(df)} rows; all in the CSV beside this report</p>"
    return f"<div class='wide'>{body}</div>" + (more if len(df) > max_rows else "")
