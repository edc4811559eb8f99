"""The solver-agnostic result of a method run and its files (``result.json`` + CSV tables).

``result.json`` carries the contract keys of DESIGN.md (``lbopt_version``, ``instance``, ``method``, ``status``,
``objective``, ``solver``, ``metrics``, ``cells``) plus method-specific sections. Tables (``cells``, ``users``,
``flows``, ...) are also written as ``<table>.csv`` sharing the input tables' ids, so before and after sit side by
side. Files are written atomically: each is written to a temporary name and renamed into place, and nothing is
written before the whole result exists.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from formulations.status import SolverFacts, Status
from lbopt._version import __version__
from lbopt.atomic import atomic_write

__all__ = ["Result", "SolverFacts", "Status", "read_result", "write_result"]


@dataclass
class Result:
    """What a method returns.

    Attributes
    ----------
    instance, method : names.
    status : :class:`Status`.
    objective : objective value, or ``None`` for methods without one.
    solver : :class:`SolverFacts`.
    metrics : scalar metrics (``ldi_before``, ``ldi_after``, ...).
    cells : per-cell table (``id``, ``load_before``, ``load_after``, ...).
    tables : further tables written as CSV (``users``, ``flows``, ...).
    extra : further JSON sections (``spectrum``, ``epsilon_max``, ``iterations``, ``message``, ...).
    """

    instance: str
    method: str
    status: Status
    solver: SolverFacts
    cells: pd.DataFrame
    objective: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "lbopt_version": __version__,
            "instance": self.instance,
            "method": self.method,
            "status": Status(self.status).value,
            "objective": self.objective,
            "solver": self.solver.to_dict(),
            "metrics": self.metrics,
            "cells": self.cells.to_dict(orient="records"),
        }
        for name, df in self.tables.items():
            if name == "flows":  # a contract key: flows are small and belong in the JSON too
                out["flows"] = df.to_dict(orient="records")
        out.update(self.extra)
        out["tables"] = sorted(["cells", *self.tables])
        return _jsonable(out)


def _jsonable(value: Any) -> Any:
    """numpy scalars to Python, NaN/inf to ``None`` (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Status):
        return value.value
    return value


def _replace_into(target: Path, text: str | None = None, df: pd.DataFrame | None = None) -> None:
    if df is not None:
        atomic_write(target, lambda p: df.to_csv(p, index=False))
    else:
        atomic_write(target, lambda p: p.write_text(text or "", encoding="utf-8"))


def write_result(result: Result, out_dir: str | os.PathLike) -> Path:
    """Write ``result.json`` and one CSV per table into ``out_dir``; returns the path of ``result.json``."""
    out = Path(out_dir)
    payload = json.dumps(result.to_json_dict(), indent=2, allow_nan=False)
    out.mkdir(parents=True, exist_ok=True)
    _replace_into(out / "cells.csv", df=result.cells)
    for name, df in result.tables.items():
        _replace_into(out / f"{name}.csv", df=df)
    _replace_into(out / "result.json", text=payload + "\n")
    return out / "result.json"


def read_result(out_dir: str | os.PathLike) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """``result.json`` as a dict and the CSV tables it lists."""
    out = Path(out_dir)
    path = out / "result.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no result.json here; run `lbopt solve ... --out {out}` first")
    data = json.loads(path.read_text(encoding="utf-8"))
    tables = {}
    for name in data.get("tables", ["cells"]):
        csv = out / f"{name}.csv"
        if csv.is_file():
            tables[name] = pd.read_csv(
                csv, dtype={"id": str, "serving": str, "serving_before": str, "serving_after": str}
            )
    return data, tables
