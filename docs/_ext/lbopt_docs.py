"""Pages generated from the data files the code itself uses, so that the documentation cannot drift from it.

* ``_generated/instance-tables.md`` — the instance tables, from ``lbopt/instance/columns.csv``;
* ``_generated/instance-settings.md`` — the ``radio`` and ``handover`` sections, from the pydantic document model;
* ``_generated/methods.md`` — every method with its parameters, from the method registry;
* ``_generated/result-format.md`` — every key of ``result.json`` and every CSV column, from ``lbopt/glossary.csv``.

Written when the builder starts (before Sphinx reads the sources); the pages include them.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parents[1]
OUT = HERE / "_generated"


def _cell(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: list[list[object]], header: list[str]) -> str:
    """A MyST pipe table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _range(row: pd.Series) -> str:
    lo, hi = row["minimum"], row["maximum"]
    parts = []
    if lo:
        parts.append(f"> {lo[:-1]}" if lo.endswith("+") else f"≥ {lo}")
    if hi:
        parts.append(f"≤ {hi}")
    return ", ".join(parts)


def instance_tables() -> str:
    from lbopt.instance.schema import TABLES

    cols = pd.read_csv(HERE.parent / "lbopt" / "instance" / "columns.csv", dtype=str, keep_default_na=False)
    out = []
    for name in TABLES:
        part = cols[cols["table"] == name]
        rows = [
            [
                f"`{r['column']}`",
                r["dtype"],
                r["unit"],
                "yes" if r["required"] == "true" else "",
                r["default"],
                _range(r),
                r["description"],
            ]
            for _, r in part.iterrows()
        ]
        out.append(
            f"### `{name}`\n\n" + table(rows, ["column", "type", "unit", "required", "default", "range", "meaning"])
        )
    return "\n".join(out)


def _type_name(annotation: object) -> str:
    """``float``, ``'a' | 'b'`` for a Literal, ``float | None``, ``mapping`` for a model."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args)
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return "mapping"
    if typing.get_origin(annotation) is dict:
        return "mapping"
    return "none" if annotation is type(None) else getattr(annotation, "__name__", str(annotation))


def _settings(model: type, prefix: str) -> list[list[object]]:
    rows = []
    for name, field in model.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "see below" if hasattr(default, "model_dump") or isinstance(default, dict) else f"`{default!r}`"
        rows.append([f"`{prefix}.{name}`", _type_name(field.annotation), shown, field.description or ""])
    return rows


def instance_settings() -> str:
    from lbopt.instance.schema import HandoverConfig, RadioConfig, TierRadio

    header = ["key", "type", "default", "meaning"]
    return "\n".join(
        [
            "### `radio`\n\n" + table(_settings(RadioConfig, "radio"), header),
            "### `radio.tiers.<tier>`\n\n" + table(_settings(TierRadio, "radio.tiers.<tier>"), header),
            "### `handover`\n\n" + table(_settings(HandoverConfig, "handover"), header),
        ]
    )


def methods() -> str:
    from lbopt.methods import FAMILIES, METHODS, param_info

    out = []
    for fam in FAMILIES.values():
        out.append(f"## {fam.name}\n\n{fam.summary}\n")
        for spec in (s for s in METHODS.values() if s.family == fam.name):
            out.append(f"### `{spec.name}`\n\n{spec.summary}.\n")
            if spec.engines:
                out.append(f"Engines: {', '.join(f'`{e}`' for e in spec.engines)}.\n")
            rows = [
                [f"`{p.flag}`", p.unit, f"`{p.default!r}`", p.range, p.description] for p in param_info(spec.params)
            ]
            if rows:
                out.append(table(rows, ["flag", "unit", "default", "range", "meaning"]))
    return "\n".join(out)


_SECTION_TITLES = {
    "evaluation": "`evaluation`: the same keys for every method of a family",
    "comparison": "Comparison columns (`comparison.csv`, `Comparison.table`)",
    "metrics": "`metrics`: each method's own numbers",
    "result": "Other keys of `result.json`",
}


def result_format() -> str:
    from lbopt.glossary import RESULT_SECTIONS, glossary

    g = glossary()
    out = []
    for section in [*RESULT_SECTIONS, *sorted(s for s in g["section"].unique() if s not in RESULT_SECTIONS)]:
        part = g[g["section"] == section]
        title = _SECTION_TITLES.get(section, f"`{section}`")
        rows = [[f"`{k}`", u, m] for k, u, m in zip(part["key"], part["unit"], part["meaning"], strict=True)]
        out.append(f"### {title}\n\n" + table(rows, ["key", "unit", "meaning"]))
    return "\n".join(out)


PAGES = {
    "instance-tables.md": instance_tables,
    "instance-settings.md": instance_settings,
    "methods.md": methods,
    "result-format.md": result_format,
}


def generate(app=None) -> None:
    OUT.mkdir(exist_ok=True)
    for name, make in PAGES.items():
        text = make()
        path = OUT / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:  # unchanged files keep Sphinx's cache
            path.write_text(text, encoding="utf-8")


def setup(app):
    app.connect("builder-inited", generate)
    return {"version": "1", "parallel_read_safe": True}
