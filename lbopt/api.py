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
    """Check an instance built in memory as a file would be checked.

    Columns, types, ranges, unique ids and references between tables, against ``lbopt/instance/columns.csv``. The
    functions of this module call it the first time they get an instance that was not read from a file.

    Parameters
    ----------
    instance : Instance
        The instance to check.

    Returns
    -------
    Instance
        A copy with its tables converted to the schema's types (the same object when already checked).

    Raises
    ------
    lbopt.InstanceError
        Naming the table, the field and the row of the first problem.

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
    """Run one method on an instance, as ``lbopt solve`` does.

    Parameters
    ----------
    instance : Instance or path
        The network: an :class:`~lbopt.instance.model.Instance` (checked like a file the first time it is used) or
        the path of an instance file.
    method : str
        A method name (:func:`list_methods`).
    evaluation_level : {"cell", "group"}, optional
        Level of the loads in the ``evaluation`` section (default: group when picocells have parents, else cell).
    **params
        The method's parameters (``beta=0.9``, ``kappa=4``...); they override the instance's ``methods:`` section
        and get the same range checks as the command-line flags.

    Returns
    -------
    Result
        Status, the method's ``metrics``, the ``evaluation`` of its final state, its tables (``users``, ``cells``,
        ``cio``...), ``parameters`` and ``provenance``. A solver that fails gives status ``error``
        (``result.raise_for_status()`` raises it).

    Raises
    ------
    lbopt.LbOptError
        Input the user can fix: an invalid instance (:class:`~lbopt.errors.InstanceError`), an unknown method, a
        parameter the method does not take or out of its range, an instance without what the method needs, a
        solver that is not installed.

    Examples
    --------
    >>> import lbopt
    >>> net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    >>> r = lbopt.solve(net, "oslb", beta=0.9)
    >>> r.parameters["beta"], r.evaluation["level"]
    (0.9, 'group')
    >>> lbopt.solve(net, "oslb", beta=2.0)
    Traceback (most recent call last):
    ...
    lbopt.errors.InvalidParameter: method 'oslb': --beta: input should be less than or equal to 1 (got 2.0)
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
    """Run several methods on one instance and measure them alike, as ``lbopt compare`` does.

    Parameters
    ----------
    instance : Instance or path
        The network (see :func:`solve`).
    methods : list of str
        Method names; every one must be able to run on the instance.
    reference : str, optional
        A certified reference (``"ua-opt"``) run after the methods, with their final states among its candidates,
        so that its proven bound covers every row; it gets no row of its own (its result is in ``results``).
    evaluation_level : {"cell", "group"}, optional
        One level for every row (see :func:`solve`).
    **params
        Parameters given to every method that takes them.

    Returns
    -------
    Comparison
        ``table`` (one row per method, ``comparison.csv``), ``results`` (every method's :class:`Result`) and
        ``result`` (the whole comparison, what :func:`report` renders).

    Raises
    ------
    lbopt.LbOptError
        As :func:`solve`, for any of the methods.

    Examples
    --------
    >>> import lbopt
    >>> net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    >>> cmp = lbopt.compare(net, ["none", "mlb"], reference="ua-opt")
    >>> list(cmp.table["method"]), sorted(cmp.results)
    (['none', 'mlb'], ['mlb', 'none', 'ua-opt'])
    >>> bool((cmp.table["gap_max_load"] >= 0).all())
    True
    """
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
    """Stability certificates and cross-checks of the network and the methods it runs, as ``lbopt validate`` does.

    Parameters
    ----------
    instance : Instance or path
        The network (see :func:`solve`).
    epsilon : float, optional
        Step size ε of the discrete dynamics ``ρ(k+1) = (I − εL) ρ(k)`` (default: half of ``2 / λ_max``).

    Returns
    -------
    Result
        ``extra["checks"]``: every check as ``{name, verdict, agrees, numbers}``, where ``verdict`` (``certified``,
        ``not-certified``, ``converges``, ``diverges``, ``settles``, ``oscillates`` or None) is about the network or
        the scheme and ``agrees`` is the cross-check beside it; ``extra["spectrum"]``, ``extra["epsilon_max"]``.

    Examples
    --------
    >>> import lbopt
    >>> checks = lbopt.validate(lbopt.generate.zou16(200, seed=1)).extra["checks"]
    >>> {c["name"]: c["verdict"] for c in checks}["handover-greedy"]
    'oscillates'
    """
    from lbopt.validation import validate as run

    return run(_instance(instance), epsilon=epsilon)


def read_result(folder: PathLike) -> Result:
    """Read back a result folder written by the command line or by :func:`report`.

    Parameters
    ----------
    folder : path
        A ``--out`` folder: ``result.json`` and its CSV tables.

    Returns
    -------
    Result
        The result, with the results of its sub-folders (a comparison's methods) as ``children``.

    Raises
    ------
    lbopt.LbOptError
        When the folder holds no ``result.json`` or an unreadable one.

    Examples
    --------
    >>> import tempfile, lbopt
    >>> net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    >>> folder = tempfile.mkdtemp() + "/mlb"
    >>> _ = lbopt.report(lbopt.solve(net, "mlb"), folder)
    >>> lbopt.read_result(folder).evaluation["handovers"] == lbopt.solve(net, "mlb").evaluation["handovers"]
    True
    """
    return Result.from_folder(folder)


def report(result: Result | Comparison | PathLike, path: PathLike | None = None) -> Path:
    """Write the HTML report, as ``lbopt report`` does, and return its path.

    Parameters
    ----------
    result : Result, Comparison or path
        A result or comparison in memory, written first to ``path``; or a folder the command line wrote.
    path : path, optional
        The folder to write a result in memory into (replaced whole); required for a result in memory.

    Returns
    -------
    pathlib.Path
        The path of ``report.html``.

    Raises
    ------
    TypeError
        For a result in memory without ``path``.
    lbopt.LbOptError
        When ``path`` cannot be written (an instance's own folder, say).

    Examples
    --------
    >>> import tempfile, lbopt
    >>> net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    >>> lbopt.report(lbopt.solve(net, "none"), tempfile.mkdtemp() + "/none").name
    'report.html'
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
    """Every method lbopt knows: its name, family, what it does, what it needs from an instance, its parameters.

    Returns
    -------
    pandas.DataFrame
        Columns ``method, family, summary, needs, parameters`` (``lbopt methods`` prints the parameters' units,
        defaults and ranges).

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
