"""A cell-level instance from an operator's counters: PRB utilisation per cell and a neighbour relation table.

Inputs (CSV, one header row):

* cells: ``id``, ``prb_utilisation`` (share of the PRBs used in the busy hour, 0 … 1, or per cent with
  ``--percent``), and the cell's PRBs as ``prb_capacity`` or ``n_prb``; ``tier`` is kept when present.
* relations: ``source``, ``target``, ``handover_attempts`` (the busy hour's handover attempts from the source cell
  towards the target, the counter every RAN keeps per neighbour relation).

Output: ``cells.prb_demand = utilisation × capacity`` and ``prb_capacity``; one link per unordered pair with a
relation in either direction. The PRBs transferable from a to b (``capacity_ab``) are a's demand times the share of
a's handover attempts that go to b — our reading, as OSLB's edge-user arc capacity reads the users a cell can hand
over: traffic moves where users already hand over, in proportion. A pair with attempts in one direction only can
carry PRBs in that direction only. Costs are 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lbopt.instance.errors import InstanceError, short_repr
from lbopt.instance.model import Instance

__all__ = ["from_kpi"]


def _read(path: Path, what: str, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, index_col=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InstanceError(str(path), None, f"cannot read the {what}: {short_repr(str(exc))}") from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InstanceError(str(path), missing[0], f"the {what} needs the column(s) {', '.join(missing)}")
    if df.empty:
        raise InstanceError(str(path), None, f"the {what} has no rows")
    return df


def _numbers(df: pd.DataFrame, column: str, path: Path, low: float, high: float) -> np.ndarray:
    """A column as finite numbers within [low, high], naming the first bad row."""
    values = pd.to_numeric(df[column].str.strip(), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) | (values < low) | (values > high)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InstanceError(
            str(path),
            column,
            f"got {short_repr(df[column].iloc[row])}; expected a number in [{low:g}, {high:g}]",
            row=row,
        )
    return values


def _ids(df: pd.DataFrame, column: str, path: Path, known: pd.Index | None = None) -> np.ndarray:
    ids = df[column].str.strip()
    bad = ids == ""
    if known is not None:
        bad |= ~ids.isin(known)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        what = "is blank" if ids.iloc[row] == "" else f"names an unknown cell {short_repr(ids.iloc[row])}"
        raise InstanceError(str(path), column, f"the cell id {what}", row=row)
    return ids.to_numpy(object)


def from_kpi(
    cells_csv: str | Path, relations_csv: str | Path, percent: bool = False, name: str | None = None
) -> Instance:
    """A cell-level instance from counters: PRB utilisation per cell and handover attempts per neighbour relation
    (``generate kpi``).

    Parameters
    ----------
    cells_csv : path
        ``id, prb_utilisation, prb_capacity`` (or ``n_prb``), optionally ``tier``: the busy hour's counters.
    relations_csv : path
        ``source, target, handover_attempts`` per directed neighbour relation.
    percent : bool
        Utilisation given in percent instead of a fraction.
    name : str, optional
        Instance name.

    Returns
    -------
    Instance
        Cells with ``prb_demand`` and ``prb_capacity``; links whose transferable PRBs a → b are in proportion to a's
        handover attempts towards b (the module docstring states the rule)."""
    cells_csv, relations_csv = Path(cells_csv), Path(relations_csv)
    raw = _read(cells_csv, "cell counters", ("id", "prb_utilisation"))
    ids = _ids(raw, "id", cells_csv)
    if pd.Index(ids).duplicated().any():
        row = int(np.flatnonzero(pd.Index(ids).duplicated())[0])
        raise InstanceError(
            str(cells_csv), "id", f"the cell id repeats an earlier one: {short_repr(ids[row])}", row=row
        )
    cap_col = next((c for c in ("prb_capacity", "n_prb") if c in raw.columns), None)
    if cap_col is None:
        raise InstanceError(str(cells_csv), "prb_capacity", "the cell counters need prb_capacity or n_prb")
    capacity = _numbers(raw, cap_col, cells_csv, 1.0, 1e6)
    utilisation = _numbers(raw, "prb_utilisation", cells_csv, 0.0, 100.0 if percent else 1.0)
    utilisation = utilisation / 100.0 if percent else utilisation
    cells = pd.DataFrame({"id": ids, "prb_demand": np.round(utilisation * capacity, 9), "prb_capacity": capacity})
    if "tier" in raw.columns:
        cells["tier"] = raw["tier"].str.strip().str.lower().replace("", "macro").to_numpy(object)

    rel = _read(relations_csv, "neighbour relations", ("source", "target", "handover_attempts"))
    known = pd.Index(ids)
    source = known.get_indexer(_ids(rel, "source", relations_csv, known))
    target = known.get_indexer(_ids(rel, "target", relations_csv, known))
    attempts = _numbers(rel, "handover_attempts", relations_csv, 0.0, 1e12)
    self_loop = source == target
    if self_loop.any():
        row = int(np.flatnonzero(self_loop)[0])
        raise InstanceError(str(relations_csv), "target", "a relation from a cell to itself", row=row)
    share = attempts / np.maximum(np.bincount(source, attempts, len(ids))[source], 1e-300)
    movable = cells["prb_demand"].to_numpy()[source] * share  # PRBs source → target
    lo, hi = np.minimum(source, target), np.maximum(source, target)
    frame = pd.DataFrame({"lo": lo, "hi": hi, "ab": np.where(source == lo, movable, 0.0)})
    frame["ba"] = np.where(source == lo, 0.0, movable)
    pairs = frame.groupby(["lo", "hi"], sort=True)[["ab", "ba"]].sum().reset_index()
    links = pd.DataFrame(
        {
            "a": ids[pairs["lo"].to_numpy()],
            "b": ids[pairs["hi"].to_numpy()],
            "capacity_ab": pairs["ab"].to_numpy(),
            "capacity_ba": pairs["ba"].to_numpy(),
            "cost": 1.0,
        }
    )
    return Instance(
        name=name or cells_csv.stem,
        cells=cells,
        links=links,
        description=(
            f"cell level from counters: {len(ids)} cells ({cells_csv.name}: PRB utilisation), {len(links)} "
            f"neighbour pairs from {len(rel)} relations ({relations_csv.name}: handover attempts); transferable "
            "PRBs a→b = a's demand × a's share of attempts towards b"
        ),
    )
