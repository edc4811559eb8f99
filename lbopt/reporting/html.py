"""``report.html``: one self-contained page (plots inlined as PNG data URIs) from a result folder.

The page is laid out here — header, instance, solver, metrics — and the rest is rendered by the sections the result's
family or study registered (:class:`lbopt.methods.spec.Family`, a study's ``REPORT``). This
module decides nothing about methods and computes nothing: it renders what the folder holds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from lbopt.reporting.blocks import (
    CSS,
    esc,
    figure_settings,
    glossary_section,
    glossary_terms,
    heading,
    kv_table,
    paragraph,
)
from lbopt.result import read_result

__all__ = ["render_report", "sections_of"]

VALIDATION_SECTIONS = "lbopt.reporting.figures.validation:sections"


def sections_of(data: dict) -> Callable[[dict, dict, Path], list[str]] | None:
    """The section function registered for a result's kind and family (or study)."""
    from lbopt.methods import FAMILIES
    from lbopt.methods.spec import load_target

    kind = data.get("kind", "method")
    family = data.get("family")
    if kind == "validation":
        target = VALIDATION_SECTIONS
    elif kind == "reproduction":
        from lbopt.experiments.reproduce import STUDIES, get_study

        target = get_study(family).REPORT if family in STUDIES else None
    elif family in FAMILIES:
        target = FAMILIES[family].compare_report if kind == "comparison" else FAMILIES[family].report
    else:
        target = None
    return load_target(target) if target else None


def _page(data: dict, body: list[str]) -> str:
    title = f"{esc(data['instance'])} / {esc(data['method'])}"
    head = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>lbopt report: {title}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(data['instance'])} — {esc(data['method'])}</h1>",
        f"<p><span class='status'>{esc(data['status'])}</span> "
        f"<span class='muted'>lbopt {esc(data.get('lbopt_version'))}"
        f"{' · ' + esc(data['family']) if data.get('family') else ''}</span></p>",
    ]
    if data.get("message"):
        head.append(f"<p>{esc(data['message'])}</p>")
    return "\n".join([*head, *body, "</body></html>"])


def render_report(out_dir: str | os.PathLike, figures: str = "png", dpi: int | None = None) -> Path:
    """Write ``out_dir/report.html`` from ``result.json`` and its tables; returns the path.

    ``figures``: ``png`` (inline, at ``dpi``, 110 by default), ``svg`` (inline vectors) or ``pdf`` (``figures/*.pdf``
    beside the report, each shown by an inline PNG preview that links to it). The folder is rewritten whole
    (:func:`lbopt.output.replaced_folder`), so the report always sits beside the result it describes.
    """
    from lbopt.output import replaced_folder

    out = Path(out_dir)
    data, tables = read_result(out)
    tables.setdefault("cells", pd.DataFrame(data.get("cells", [])))
    with glossary_terms() as terms, figure_settings(figures, dpi) as files:
        lead, body = _sections(data, tables, out)
    body += glossary_section(terms)
    text = _page(data, [*lead, _contents(body), *body])
    with replaced_folder(out, keep=True) as tmp:
        (tmp / "report.html").write_text(text, encoding="utf-8")
        for old in (tmp / "figures").glob("figure-*.*"):  # a previous report's figures
            old.unlink()
        if (tmp / "figures").is_dir() and not files:
            (tmp / "figures").rmdir()
        for name, content in files:
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(content)
    return out / "report.html"


def _contents(body: list[str]) -> str:
    """The table of contents: a link to every section heading of the body, after the verdict that opens the page."""
    found = re.findall(r"<h2 id='([^']+)'>(.*?)</h2>", "".join(body))
    if len(found) < 3:
        return ""
    items = "".join(f"<li><a href='#{anchor}'>{text}</a></li>" for anchor, text in found)
    return f"<nav class='toc'><b>Contents</b><ol>{items}</ol></nav>"


#: what a result's status says, in words (the report's first section)
STATUS_WORDS = {
    "optimal": "certified optimal within the stated gap",
    "feasible": "a valid result, not certified optimal",
    "partial": "the best the data allow; what could not be met is in the message and the metrics",
    "infeasible": "infeasible: the message names what makes it so",
    "error": "the solver failed: the message says how",
}


def _result_lead(data: dict) -> list[str]:
    """A single method's result first (its message is in the page's header): its status in words and its evaluation
    (the numbers measured alike for every method of its family, each linked to the glossary)."""
    status = str(data.get("status"))
    words = f"{data.get('method')} ended {status}: {STATUS_WORDS.get(status, status)}."
    return [
        heading("Result"),
        paragraph(words),
        kv_table(data["evaluation"]),
    ]


def _sections(data: dict, tables: dict, out: Path) -> tuple[list[str], list[str]]:
    """The page's lead (what opens it: a comparison's verdict) and its body."""
    sections = sections_of(data)
    out_sections = sections(data, tables, out) if sections is not None else []
    # a section function returns its HTML parts, or {"lead": [...], "body": [...]} when some open the page
    lead, own = (out_sections["lead"], out_sections["body"]) if isinstance(out_sections, dict) else ([], out_sections)
    if not lead and data.get("evaluation"):  # one method: what it achieved, measured by its family's evaluator
        lead = _result_lead(data)
    body = []
    if data.get("instance_summary"):
        body += [heading("Instance"), kv_table(data["instance_summary"])]
    solver = {k: v for k, v in (data.get("solver") or {}).items() if v not in (None, {}, [])}
    objective = {"objective": data["objective"]} if data.get("objective") is not None else {}
    body += [heading("Solver"), kv_table({**objective, **solver})]
    if data.get("parameters"):
        body += [heading("Parameters"), kv_table(data["parameters"])]
    if data.get("metrics"):
        body += [heading("Metrics"), kv_table(data["metrics"])]
    own.append(heading("Provenance"))
    own.append(kv_table(data.get("provenance") or {"provenance": "not recorded"}))
    return list(lead), body + own
