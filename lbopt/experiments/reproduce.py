"""Paper reproductions behind ``lbopt reproduce PAPER``: one protocol for every study, one executor for every case.

A study is a module with

* ``NAME``, ``INSTANCE`` (the label of its result), ``PAPER`` (the citation), ``PAPER_CLAIMS`` (what the paper
  claims), its docstring (the set-up and our choices), ``REPORT`` (its report sections), ``OPTIONS`` (the extra
  options its ``cases`` takes, with their defaults);
* ``cases(seeds, study_seed, **options)``: every computation of the study as independent cases (picklable dicts,
  seeds derived from the study seed), so that the executor, Dask, the progress bar and ``--seeds`` cover all of it;
* a module-level ``run_case(case) -> dict``;
* ``finish(rows) -> tables`` and ``headline(tables) -> metrics``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pandas as pd

from formulations.status import SolverFacts, Status
from lbopt.errors import InvalidParameter, UnknownMethod
from lbopt.experiments.executor import run_cases
from lbopt.provenance import provenance
from lbopt.result import Result

__all__ = ["STUDIES", "get_study", "plan", "reproduce"]

STUDIES = {
    "oslb": "lbopt.experiments.oslb_paper",
    "vgala": "lbopt.experiments.vgala_paper",
    "zou": "lbopt.experiments.zou_paper",
    "breathing": "lbopt.experiments.breathing_paper",
}


def get_study(paper: str) -> ModuleType:
    """The study module of ``paper``."""
    if paper not in STUDIES:
        raise UnknownMethod(f"no reproduction for '{paper}'; available: {', '.join(STUDIES)}")
    return importlib.import_module(STUDIES[paper])


def study_options(study: ModuleType, options: dict[str, Any] | None) -> dict[str, Any]:
    """The study's options as a run uses them: its defaults, overridden by the ``options`` given (not None)."""
    return {**study.OPTIONS, **{k: v for k, v in (options or {}).items() if v is not None and k in study.OPTIONS}}


def plan(paper: str, seeds: int, study_seed: int, **options: Any) -> list[dict[str, Any]]:
    """The cases of ``paper``'s study; options it does not take are refused."""
    study = get_study(paper)
    given = {k: v for k, v in options.items() if v is not None}
    unknown = [k for k in given if k not in study.OPTIONS]
    if unknown:
        raise InvalidParameter(
            f"reproduce {paper} does not take {', '.join('--' + k.replace('_', '-') for k in unknown)}"
        )
    if seeds < 1:
        raise InvalidParameter(f"--seeds must be >= 1, got {seeds}")
    return study.cases(seeds, study_seed, **given)


def reproduce(
    paper: str,
    cases: list[dict[str, Any]],
    seeds: int,
    study_seed: int,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    options: dict[str, Any] | None = None,
) -> Result:
    """Run the ``cases`` of ``paper``'s study (from :func:`plan`) and return its result (kind ``reproduction``);
    ``options`` are the study options :func:`plan` was given (recorded in the result's parameters)."""
    study = get_study(paper)
    t0 = time.perf_counter()
    rows = run_cases(study.run_case, cases, workers=workers, scheduler=scheduler, progress=progress)
    tables = study.finish(rows)
    return Result(
        instance=study.INSTANCE,
        method=f"reproduce-{paper}",
        status=Status.FEASIBLE,
        solver=SolverFacts(name="reproduce", time_s=time.perf_counter() - t0, extra={"cases": len(cases)}),
        cells=pd.DataFrame({"id": []}),
        metrics={**study.headline(tables), "seeds": seeds, "study_seed": study_seed, "cases": len(cases)},
        tables=tables,
        extra={
            "paper": study.PAPER,
            "paper_claims": study.PAPER_CLAIMS,
            "claims": study.claims(tables) if hasattr(study, "claims") else [],
            "setup": (study.__doc__ or "").strip(),
        },
        kind="reproduction",
        family=paper,
        parameters={"seeds": seeds, "study_seed": study_seed, **study_options(study, options)},
        provenance={**provenance(study_seed), "workers": workers, "scheduler": scheduler},
    )
