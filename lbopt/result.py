"""The solver-agnostic result of a method run and its files (``result.json`` + CSV tables).

``result.json`` carries the contract keys of DESIGN.md (``lbopt_version``, ``instance``, ``method``, ``status``,
``objective``, ``solver``, ``metrics``, ``cells``) plus method-specific sections. Tables (``cells``, ``users``,
``flows``, ...) are also written as ``<table>.csv`` sharing the input tables' ids, so before and after sit side by
side. Files are written atomically: each is written to a temporary name and renamed into place, and nothing is
written before the whole result exists.
"""

from __future__ import annotations

import dataclasses
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
from lbopt.errors import MissingInput

__all__ = ["Result", "SolverFacts", "Status", "read_result", "write_result"]


#: keys of ``result.json`` that no extra section may overwrite
CONTRACT_KEYS = frozenset(
    {"lbopt_version", "instance", "method", "status", "objective", "solver", "metrics", "cells", "flows", "tables"}
    | {"kind", "family", "parameters", "instance_summary", "provenance", "evaluation"}
)


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
    extra : further JSON sections (``spectrum``, ``epsilon_max``, ``iterations``, ``message``, ...); a section
        cannot take the name of a contract key (:data:`CONTRACT_KEYS`).
    kind : ``method``, ``comparison``, ``validation`` or ``reproduction``: what the report renders.
    family : the method's family (set by :func:`lbopt.methods.solve`), or the study's paper for a reproduction.
    parameters : the validated parameters the method ran with.
    instance_summary : sizes of the instance (set by :func:`lbopt.methods.solve`).
    children : results written in sub-folders of their names (a comparison's methods).
    files : further files written into the result folder as they are (an exported model).
    provenance : lbopt version, git commit, command line, seed, engine, date (:mod:`lbopt.provenance`).
    evaluation : the family's measurement of the method's final state (:mod:`lbopt.evaluate`).
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
    kind: str = "method"
    family: str | None = None
    parameters: dict[str, Any] | None = None
    instance_summary: dict[str, Any] | None = None
    children: dict[str, Result] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    provenance: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None

    def raise_for_status(self) -> Result:
        """Raise :class:`lbopt.errors.SolverFailure` when the status is ``error``; else return the result."""
        if Status(self.status) == Status.ERROR:
            from lbopt.errors import SolverFailure

            raise SolverFailure(f"{self.method} on {self.instance}: {self.extra.get('message', 'the solver failed')}")
        return self

    @classmethod
    def from_folder(cls, folder: str | os.PathLike) -> Result:
        """The result a ``--out`` folder holds (:func:`read_result`'s ``result.json`` and tables), with the results
        of its sub-folders as ``children``."""
        data, tables = read_result(folder)
        known = {f.name for f in dataclasses.fields(SolverFacts)}
        cells = tables.pop("cells", None)
        children = {
            sub.name: cls.from_folder(sub) for sub in sorted(Path(folder).iterdir()) if (sub / "result.json").is_file()
        }
        return cls(
            instance=data["instance"],
            method=data["method"],
            status=Status(data["status"]),
            solver=SolverFacts(**{k: v for k, v in (data.get("solver") or {"name": "?"}).items() if k in known}),
            cells=cells if cells is not None else pd.DataFrame(data.get("cells", [])),
            objective=data.get("objective"),
            metrics=data.get("metrics") or {},
            tables=tables,
            extra={k: v for k, v in data.items() if k not in CONTRACT_KEYS},
            kind=data.get("kind", "method"),
            family=data.get("family"),
            parameters=data.get("parameters"),
            instance_summary=data.get("instance_summary"),
            children=children,
            provenance=data.get("provenance"),
            evaluation=data.get("evaluation"),
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The result as ``result.json`` holds it (contract keys first; tables are written beside it as CSV)."""
        out: dict[str, Any] = {
            "lbopt_version": __version__,
            "instance": self.instance,
            "method": self.method,
            "status": Status(self.status).value,
            "objective": self.objective,
            "solver": self.solver.to_dict(),
            "metrics": self.metrics,
            "cells": self.cells.to_dict(orient="records"),
            "kind": self.kind,
            "family": self.family,
        }
        if self.parameters is not None:
            out["parameters"] = self.parameters
        if self.instance_summary is not None:
            out["instance_summary"] = self.instance_summary
        if self.provenance is not None:
            out["provenance"] = self.provenance
        if self.evaluation is not None:
            out["evaluation"] = self.evaluation
        for name, df in self.tables.items():
            if name == "flows":  # a contract key: flows are small and belong in the JSON too
                out["flows"] = df.to_dict(orient="records")
        clash = sorted(set(self.extra) & (set(out) | CONTRACT_KEYS))
        if clash:
            raise ValueError(f"result sections {clash} would overwrite contract keys of result.json")
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


def write_files(result: Result, folder: Path) -> Path:
    """Write ``result.json`` and one CSV per table into ``folder`` (no atomicity; see :func:`write_result`)."""
    payload = json.dumps(result.to_json_dict(), indent=2, allow_nan=False)
    folder.mkdir(parents=True, exist_ok=True)
    result.cells.to_csv(folder / "cells.csv", index=False)
    for name, df in result.tables.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    for name, content in result.files.items():
        (folder / Path(name).name).write_bytes(content)
    (folder / "result.json").write_text(payload + "\n", encoding="utf-8")
    return folder / "result.json"


def write_result(result: Result, out_dir: str | os.PathLike) -> Path:
    """Write ``result`` (and each child result in a sub-folder of its name) as one folder that replaces
    ``out_dir`` whole (:mod:`lbopt.output`); returns the path of ``result.json``."""
    from lbopt.output import replaced_folder

    out = Path(out_dir)
    with replaced_folder(out) as tmp:
        for name, child in result.children.items():
            write_files(child, tmp / name)
        write_files(result, tmp)
    return out / "result.json"


def read_result(out_dir: str | os.PathLike) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """``result.json`` as a dict and the CSV tables it lists."""
    out = Path(out_dir)
    path = out / "result.json"
    if not path.is_file():
        raise MissingInput(f"{path}: no result.json here; run `lbopt solve ... --out {out}` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MissingInput(f"{path}: not a result.json lbopt can read ({exc})") from None
    required = {"instance": str, "method": str, "status": str, "tables": list}
    wrong = [k for k, t in required.items() if not isinstance(data, dict) or not isinstance(data.get(k), t)]
    if wrong:
        raise MissingInput(f"{path}: not a result.json written by lbopt (missing or malformed: {', '.join(wrong)})")
    tables = {}
    for name in data["tables"]:
        csv = out / f"{Path(str(name)).name}.csv"
        if csv.is_file():
            try:
                tables[name] = pd.read_csv(
                    csv, dtype={"id": str, "serving": str, "serving_before": str, "serving_after": str}
                )
            except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
                raise MissingInput(f"{csv}: a table of this result cannot be read ({exc})") from None
    return data, tables
