"""``lbopt compare``: several methods on one instance, in one table measured the same way.

Methods compare when their families share a comparison (:class:`lbopt.methods.spec.Family`); the family's table
function measures every result alike. A parameter is passed to every method whose parameter model takes it; a
parameter that none of the methods takes is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from lbopt.errors import InvalidParameter
from lbopt.instance.model import Instance
from lbopt.methods import FAMILIES, get_method, missing_requirements, solve, user_level_view
from lbopt.methods.spec import load_target
from lbopt.provenance import provenance
from lbopt.result import Result, SolverFacts, Status

__all__ = ["compare"]


def _check(instance: Instance, methods: list[str], params: dict[str, Any]) -> str:
    """The comparison the methods share; refuses unknown methods, mixed comparisons and unused parameters."""
    if len(set(methods)) != len(methods):
        raise InvalidParameter(f"--methods: a method is listed twice ({', '.join(methods)})")
    if not methods:
        raise InvalidParameter("--methods: give at least one method")
    specs = [get_method(m) for m in methods]
    for spec in specs:
        missing = missing_requirements(instance, spec.name)
        if missing:
            raise InvalidParameter(f"method '{spec.name}' cannot run on this instance: it needs {', '.join(missing)}")
    groups: dict[str, list[str]] = {}
    for spec in specs:
        groups.setdefault(FAMILIES[spec.family].comparison, []).append(spec.name)
    if len(groups) > 1:
        parts = "; ".join(f"{', '.join(names)} ({group})" for group, names in groups.items())
        raise InvalidParameter(f"--methods: compare methods measured alike; these are not: {parts}")
    unused = [k for k in params if not any(k in s.params.model_fields for s in specs)]
    if unused:
        raise InvalidParameter(
            f"none of {', '.join(methods)} takes {', '.join('--' + k.replace('_', '-') for k in unused)}"
        )
    return next(iter(groups))


def _references(methods: list[str], references: list[str], comparison: str) -> None:
    for name in references:
        spec = get_method(name)
        if not spec.reference:
            raise InvalidParameter(f"--reference: '{name}' is not a certified reference (it gives no bound)")
        if FAMILIES[spec.family].comparison != comparison:
            raise InvalidParameter(f"--reference: '{name}' does not measure what {', '.join(methods)} are measured on")


def compare(
    instance: Instance,
    methods: list[str],
    progress: Callable[[int], None] | None = None,
    evaluation_level: str | None = None,
    references: list[str] | None = None,
    **params: Any,
) -> Result:
    """Run ``methods`` on ``instance``; returns the comparison as a :class:`Result` whose ``children`` are the
    methods' own results and whose ``tables["comparison"]`` has one row per method. ``progress(1)`` is called as
    each method ends.

    Certified references (``ua-opt``) run after the other methods and are given their results, so that the bound
    covers every method's final state; ``references`` adds one without a row of its own (its bound, in every row's
    gap, is still computed and its result kept in ``children``).
    """
    params = {k: v for k, v in params.items() if v is not None}
    references = [r for r in (references or []) if r not in methods]
    comparison = _check(instance, methods + references, params)
    instance = user_level_view(instance, methods[0])  # MR records as the users, the same for every method
    _references(methods, references, comparison)
    order = [m for m in methods if not get_method(m).reference]
    order += [m for m in methods + references if get_method(m).reference]
    runs: dict[str, Result] = {}
    for name in order:
        spec = get_method(name)
        given = {k: v for k, v in params.items() if k in spec.params.model_fields}
        others = {k: v for k, v in runs.items() if not get_method(k).reference} if spec.reference else None
        runs[name] = solve(instance, name, evaluation_level=evaluation_level, others=others, **given)
        if progress is not None:
            progress(1)
    children = {name: runs[name] for name in methods}
    refs = {name: runs[name] for name in references}
    family = FAMILIES[get_method(methods[0]).family]
    table_of = load_target(family.compare_table)
    out = table_of(instance, children, refs) if refs else table_of(instance, children)
    tables: dict[str, pd.DataFrame] = out if isinstance(out, dict) else {"comparison": out}
    table = tables["comparison"]
    return Result(
        instance=instance.name,
        method="compare",
        status=Status.FEASIBLE,
        solver=SolverFacts(name="compare", time_s=float(table["time_s"].fillna(0).sum())),
        cells=children[methods[0]].cells,
        tables=tables,
        extra={"comparison": table.to_dict(orient="records"), "methods": list(methods), "references": references},
        kind="comparison",
        family=family.name,
        parameters=params,
        instance_summary=instance.summary(),
        children={**children, **refs},
        provenance=provenance(instance.seed, instance=instance),
    )
