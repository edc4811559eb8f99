"""The building blocks of ``report.html``: page style, figures as inline PNG, key-value and data tables.

Section functions (registered by families and studies) return lists of HTML strings built from these.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
from typing import Any

import pandas as pd

from lbopt.glossary import meaning
from lbopt.glossary import unit as glossary_unit

__all__ = [
    "CSS",
    "df_table",
    "esc",
    "figure",
    "figure_settings",
    "glossary_section",
    "glossary_terms",
    "heading",
    "kv_table",
    "number",
    "paragraph",
    "pre",
    "pyplot",
    "unit_of",
]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0} td,th{padding:.25rem .7rem;border-bottom:1px solid #eee;text-align:left}
th{background:#f5f5f5;overflow-wrap:anywhere} td{font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.status{display:inline-block;padding:.1rem .6rem;border-radius:.8rem;background:#e8f0fe}
img,figure.svg svg{max-width:100%;height:auto} figure.svg{margin:0} .muted{color:#666}
.wide{overflow-x:auto;font-size:.85rem}
a.term{color:inherit;text-decoration:underline dotted #999} nav.toc{font-size:.9rem;columns:2;margin:1rem 0}
nav.toc ol{margin:.2rem 0} dl.glossary dt{font-family:monospace;margin-top:.4rem} dl.glossary dd{margin-left:1.5rem}
"""


def esc(value: Any) -> str:
    """``value`` as text escaped for HTML."""
    return html.escape(str(value))


def pyplot():
    """matplotlib's pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


#: how :func:`figure` writes figures while a report is rendered (:func:`figure_settings`)
_FIGURES: dict[str, Any] = {"format": "png", "dpi": 110, "files": None}


@contextlib.contextmanager
def figure_settings(fmt: str = "png", dpi: int | None = None):
    """Figures as ``svg`` (inline vectors, element titles shown on hover), ``png`` (inline, at ``dpi``) or ``pdf``
    (an inline PNG preview linking to the file); yields the list of ``(file name, bytes)`` written beside the report
    as ``figures/figure-NN.<fmt>`` — every figure for ``svg`` and ``pdf``, and for ``png`` when a ``dpi`` is asked
    for (a figure for a paper)."""
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"--figures: expected svg, png or pdf, got '{fmt}'")
    files: list[tuple[str, bytes]] = []
    saved = dict(_FIGURES)
    _FIGURES.update(format=fmt, dpi=dpi or 110, files=files if fmt != "png" or dpi is not None else None)
    try:
        yield files
    finally:
        _FIGURES.clear()
        _FIGURES.update(saved)


def _encoded(fig, fmt: str, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def figure(fig, alt: str = "figure") -> str:
    """The figure inlined (SVG or PNG data URI), or written as a PDF beside the report with an inline PNG preview
    (:func:`figure_settings`); closes the figure."""
    fmt, dpi, files = _FIGURES["format"], _FIGURES["dpi"], _FIGURES["files"]
    name = f"figures/figure-{len(files) + 1:02d}.{fmt}" if files is not None else None
    if fmt == "svg":
        svg = _svg(fig, dpi, salt=name or alt)
        html_img = f"<figure class='svg' role='img' aria-label='{esc(alt)}'>{svg[svg.index('<svg') :]}</figure>"
        data = svg.encode("utf-8")
    else:
        data = _encoded(fig, "png", dpi)
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        html_img = f"<img alt='{esc(alt)}' src='{uri}'>"
        if fmt == "pdf":
            data = _encoded(fig, "pdf", dpi)
    if name is not None and files is not None:
        files.append((name, data))
        if fmt == "pdf":
            html_img = f"<a href='{name}'>{html_img}</a>"
    pyplot().close(fig)
    return html_img


#: hover titles of a figure's elements: ``fig.lbopt_titles = {gid: text}`` (an artist drawn with ``gid=...``)
TITLES_ATTR = "lbopt_titles"


def _svg(fig, dpi: int, salt: str) -> str:
    """The figure as SVG text: element ids salted per figure (several inline SVGs share one page) and a ``<title>``
    in every group whose id the figure names in ``fig.lbopt_titles``."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": salt}):
        text = _encoded(fig, "svg", dpi).decode("utf-8")
    for gid, title in getattr(fig, TITLES_ATTR, {}).items():
        text = text.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{esc(title)}</title>', 1)
    return text


def heading(text: str, level: int = 2) -> str:
    """A section heading; level-2 headings carry an id for the report's table of contents."""
    if level != 2:
        return f"<h{level}>{esc(text)}</h{level}>"
    slug = "".join(c if c.isalnum() else "-" for c in str(text).lower()).strip("-")
    return f"<h2 id='sec-{esc(slug)}'>{esc(text)}</h2>"


#: glossary keys the report being rendered has shown (:func:`glossary_terms`); None outside a report
_TERMS: dict[str, list[str]] = {}


@contextlib.contextmanager
def glossary_terms():
    """Collect the glossary keys that :func:`kv_table` and :func:`df_table` show while a report is rendered; each
    shown key links to its entry in the report's glossary section (:func:`glossary_section`)."""
    _TERMS["keys"] = []
    try:
        yield _TERMS["keys"]
    finally:
        _TERMS.pop("keys", None)


def glossary_section(keys: list[str]) -> list[str]:
    """The report's glossary: every key it showed, once, with its unit and meaning (from ``glossary.csv``)."""
    if not keys:
        return []
    items = []
    for key in dict.fromkeys(keys):
        u = glossary_unit(key)
        items.append(f"<dt id='g-{esc(key)}'>{esc(key)}{f' [{esc(u)}]' if u else ''}</dt><dd>{esc(meaning(key))}</dd>")
    return [heading("Glossary"), "<dl class='glossary'>" + "".join(items) + "</dl>"]


def paragraph(text: str, muted: bool = False) -> str:
    """A paragraph of escaped text (grey when ``muted``)."""
    return f"<p{' class=muted' if muted else ''}>{esc(text)}</p>"


def pre(text: str) -> str:
    """Preformatted escaped text that wraps at the page width."""
    return f"<pre style='white-space:pre-wrap'>{esc(text)}</pre>"


#: units read from a key's suffix, for the numbers a report prints
UNITS = (
    ("_per_s", "/s"),
    ("_s", "s"),
    ("_db", "dB"),
    ("_dbm", "dBm"),
    ("_w", "W"),
    ("_bps", "bit/s"),
    ("_m", "m"),
    ("_hz", "Hz"),
)
#: a table wider than this many columns, with few rows, is shown transposed (no horizontal scrolling)
WIDE_COLUMNS = 9


def unit_of(key: str) -> str:
    """The unit a key's suffix names (``time_s`` → ``s``), or ``""``."""
    key = str(key).lower()
    return next((unit for suffix, unit in UNITS if key.endswith(suffix)), "")


def number(value: Any, key: str = "", with_unit: bool = True) -> str:
    """A value as a report prints it: 4 significant digits (3 for times), the unit its key names, thousands
    separated; empty for missing values.

    Examples
    --------
    >>> number(0.0006548119999933988, "step1_s"), number(0.036500000000000005), number(2.587, "cio_db")
    ('0.000655 s', '0.0365', '2.587 dB')
    >>> number(3535.499999999999, "max_flow"), number(None), number(12000, "users"), number(2014, "study_seed")
    ('3535', '', '12,000', '2014')
    >>> number(200.0, "arrival_rate_per_s")
    '200 /s'
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    unit = (unit_of(key) or glossary_unit(key)) if with_unit else ""
    if unit == "share":
        return f"{100 * value:.3g} %"
    digits = 3 if unit == "s" else 4
    if isinstance(value, int) or (abs(value) >= 1000 and float(value).is_integer()):
        text = f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))  # 2014 (a seed, a year) stays 2014
    elif abs(value) >= 10**digits:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.{digits}g}"
    return f"{text} {unit}" if unit else text


def _cell(key: str, value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{a}: {_cell(a, b)}" for a, b in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(key, v) for v in value)
    return number(value, key)


def _key(key: Any, tag: str = "th") -> str:
    """A key as a header cell; where the glossary defines it, its meaning as a tooltip and, in a report, a link to
    its entry in the report's glossary section."""
    text = meaning(str(key))
    if not text:
        return f"<{tag}>{esc(key)}</{tag}>"
    label = esc(key)
    if "keys" in _TERMS:
        _TERMS["keys"].append(str(key))
        label = f"<a class='term' href='#g-{esc(key)}'>{label}</a>"
    return f"<{tag} title='{esc(text)}'>{label}</{tag}>"


def kv_table(items: dict[str, Any]) -> str:
    """Keys and values, numbers formatted by :func:`number` (nested sections too); keys carry their glossary
    meaning as a tooltip."""
    rows = [f"<tr>{_key(k)}<td>{esc(_cell(k, v))}</td></tr>" for k, v in items.items()]
    return "<table>" + "".join(rows) + "</table>"


def df_table(df: pd.DataFrame, max_rows: int = 60) -> str:
    """A data table, numbers formatted per column (:func:`number`, units in the headers' suffixes); a table wider
    than :data:`WIDE_COLUMNS` columns with at most 12 rows is transposed so that it fits the page."""
    shown = df.head(max_rows)
    text = pd.DataFrame({c: [number(v, str(c), with_unit=False) for v in shown[c]] for c in shown.columns})
    transposed = len(text.columns) > WIDE_COLUMNS and len(text) <= 12
    if transposed:
        text = text.set_index(text.columns[0]).T
        text.columns.name = None
        text = text.reset_index(names="")
    body = text.to_html(index=False, border=0, escape=True)
    for name in text.columns:  # headers carry their glossary meaning as a tooltip
        body = body.replace(f"<th>{esc(name)}</th>", _key(name), 1)
    if transposed:
        for name in text.iloc[:, 0]:
            body = body.replace(f"<td>{esc(name)}</td>", _key(name, "td"), 1)
    more = f"<p class='muted'>first {max_rows} of {len(df)} rows; all in the CSV beside this report</p>"
    return f"<div class='wide'>{body}</div>" + (more if len(df) > max_rows else "")
