"""The Python API: what the command line does, for notebooks and scripts.

Every function takes an :class:`~lbopt.instance.model.Instance` or the path of an instance file, and returns the
same objects the command line writes (:class:`~lbopt.result.Result`), so that a notebook and ``lbopt solve`` give
the same numbers. An instance built in memory is checked like a file (:func:`check_instance`) the first time it is
given to one of these functions.

Examples
--------
>>> import lbopt
>>> net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
>>> result = lbopt.solve(net, "mlb")
>>> result.status.value, result.evaluation["level"]
('feasible', 'group')
>>> cmp = lbopt.compare(net, ["none", "mlb", "ua-opt"])
>>> list(cmp.table["method"])
['none', 'mlb', 'ua-opt']
>>> bool((cmp.table["gap_max_load"].dropna() >= 0).all())
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lbopt.instance.model import Instance
from lbopt.result import Result

__all__ = [
    "Comparison",
    "check_instance",
    "compare",
    "list_methods",
    "read_result",
    "report",
    "solve",
    "validate",
]

PathLike = str | os.PathLike


def check_instance(instance: Instance) -> Instance:
    """The instance checked as a file would be (columns, types, ranges, unique ids, references) and converted to
    the schema's types; raises :class:`lbopt.errors.InstanceError` naming the table, the field and the row.

    Examples
    --------
    >>> import pandas as pd
    >>> from lbopt.instance.model import Instance
    >>> bad = Instance(name="x", cells=pd.DataFrame({"id": ["a", "a"], "prb_demand": [3.0, -1.0]}))
    >>> check_instance(bad)
    Traceback (most recent call last):
    ...
    lbopt.errors.InstanceError: <in memory: x>: field 'cells.id', row 1: ...
    """
    from lbopt.instance.validate import TableSource, check_references, normalise_table

    if getattr(instance, "_checked", False):
        return instance
    where = TableSource(f"<in memory: {instance.name}>", "memory")
    tables = {}
    for table in ("cells", "links", "users", "locations", "rates", "mr"):
        df = getattr(instance, table)
        if df is not None:
            tables[table] = normalise_table(table, df, where)
    check_references(tables, dict.fromkeys(tables, where))
    checked = instance.with_tables(**tables)
    object.__setattr__(checked, "_checked", True)
    return checked


def _instance(instance: Instance | PathLike) -> Instance:
    if isinstance(instance, Instance):
        return instance if instance.path is not None else check_instance(instance)
    from lbopt.instance import load_instance

    return load_instance(instance)


def solve(instance: Instance | PathLike, method: str, *, evaluation_level: str | None = None, **params: Any) -> Result:
    """Run one method (``lbopt solve``); ``params`` are the method's parameters (``lbopt.list_methods()``).

    A solver that fails gives a result with status ``error`` (``result.raise_for_status()`` raises it); input the
    user can fix raises :class:`lbopt.LbOptError`.
    """
    from lbopt.methods import solve as run

    return run(_instance(instance), method, evaluation_level=evaluation_level, **params)


@dataclass
class Comparison:
    """A comparison of methods measured alike (``lbopt compare``).

    Attributes
    ----------
    result : the comparison as one result (what ``lbopt compare --out`` writes and :func:`report` renders).
    results : every method's own :class:`~lbopt.result.Result`.
    """

    result: Result
    results: dict[str, Result]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The comparison's tables (``comparison``, ``verdict``, ``unit_loads``, ``standing`` with a reference)."""
        return self.result.tables

    @property
    def table(self) -> pd.DataFrame:
        """One row per method (``comparison.csv``): the evaluation's numbers and, with a certified reference,
        ``max_load_bound`` and ``gap_max_load``."""
        return self.result.tables["comparison"]


def compare(
    instance: Instance | PathLike,
    methods: list[str],
    *,
    reference: str | None = None,
    evaluation_level: str | None = None,
    **params: Any,
) -> Comparison:
    """Run ``methods`` on the same instance and measure them alike (``lbopt compare``); ``reference`` adds a
    certified optimum (``ua-opt``) whose bound every row's gap is measured against, without a row of its own."""
    from lbopt.comparison import compare as run

    out = run(
        _instance(instance),
        list(methods),
        evaluation_level=evaluation_level,
        references=[reference] if reference else None,
        **params,
    )
    return Comparison(result=out, results=dict(out.children))


def validate(instance: Instance | PathLike, epsilon: float | None = None) -> Result:
    """Stability certificates and cross-checks (``lbopt validate``): ``result.extra["checks"]`` lists every check
    with its verdict."""
    from lbopt.validation import validate as run

    return run(_instance(instance), epsilon=epsilon)


def read_result(folder: PathLike) -> Result:
    """The :class:`~lbopt.result.Result` a ``--out`` folder holds (``result.json`` and its CSV tables), with the
    results of its sub-folders (a comparison's methods) as ``children``."""
    return Result.from_folder(folder)


def report(result: Result | Comparison | PathLike, path: PathLike | None = None) -> Path:
    """Write the HTML report (``lbopt report``) and return its path.

    ``result`` is a folder written by the command line or :meth:`Result.write`, or a result (or comparison) in
    memory, which is first written to ``path`` (a folder; required then).
    """
    from lbopt.reporting.html import render_report
    from lbopt.result import write_result

    if isinstance(result, Comparison):
        result = result.result
    if isinstance(result, Result):
        if path is None:
            raise TypeError("report(result, path): give the folder to write the result and its report into")
        write_result(result, path)
        return render_report(path)
    return render_report(result)


def list_methods() -> pd.DataFrame:
    """Every method: its name, family, what it does, what it needs from an instance and its parameters.

    Examples
    --------
    >>> table = list_methods()
    >>> {"oslb", "ua-opt", "vgala", "bdba"} <= set(table["method"])
    True
    """
    from lbopt.methods import METHODS, REQUIREMENTS, param_info

    rows = []
    for name, spec in METHODS.items():
        rows.append(
            {
                "method": name,
                "family": spec.family,
                "summary": spec.summary,
                "needs": "; ".join(REQUIREMENTS[n][0] for n in spec.needs),
                "parameters": ", ".join(p.name for p in param_info(spec.params)) if spec.params else "",
            }
        )
    return pd.DataFrame(rows)
