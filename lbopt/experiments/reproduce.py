"""Paper reproductions behind ``lbopt reproduce PAPER``: each returns a :class:`Result` for the report."""

from __future__ import annotations

import time

from formulations.status import SolverFacts, Status
from lbopt.errors import UnknownMethod
from lbopt.result import Result

#: report sections of each study (``lbopt report`` on a reproduction folder)
REPORTS = {
    "oslb": "lbopt.report.figures.loads:reproduction_sections",
    "vgala": "lbopt.report.figures.association:reproduction_sections",
    "zou": "lbopt.report.figures.handover:reproduction_sections",
    "breathing": "lbopt.report.figures.pilot_power:reproduction_sections",
}


def reproduce_paper(
    paper: str,
    seeds: int = 20,
    study_seed: int = 2014,
    workers: int | None = None,
    scheduler: str | None = None,
    points: tuple[int, ...] | None = None,
    progress=None,
) -> Result:
    """The study of ``paper`` as a :class:`Result` of kind ``reproduction`` (``family`` = the paper)."""
    result = _reproduce(paper, seeds, study_seed, workers, scheduler, points, progress)
    result.kind = "reproduction"
    result.family = paper
    return result


def _reproduce(paper, seeds, study_seed, workers, scheduler, points, progress) -> Result:
    if paper == "vgala":
        return _reproduce_vgala(seeds, study_seed, workers, scheduler, progress)
    if paper == "zou":
        return _reproduce_zou(seeds, study_seed, workers, scheduler, progress)
    if paper == "breathing":
        return _reproduce_breathing(seeds, study_seed, workers, scheduler, progress)
    if paper != "oslb":
        raise UnknownMethod(f"no reproduction for '{paper}' yet; available: oslb, vgala, zou, breathing")
    from lbopt.experiments import oslb_paper as study

    t0 = time.perf_counter()
    busy = points or (10, 15, 20, 25, 30, 35, 40)
    cases, summary, blocking = study.reproduce(seeds, busy, study_seed, workers, scheduler, progress)
    head = study.headline(summary)
    import pandas as pd

    ldi = summary[summary["metric"] == "ldi"]
    return Result(
        instance="jia2014-hetnet37",
        method="reproduce-oslb",
        status=Status.FEASIBLE,
        solver=SolverFacts(name="reproduce", time_s=time.perf_counter() - t0, extra={"cases": len(cases)}),
        cells=pd.DataFrame({"id": []}),
        metrics={**head, "seeds_per_point": seeds, "cases": len(cases)},
        tables={"cases": cases, "summary": summary, "blocking": blocking},
        extra={
            "paper": "Jia et al., Advanced Load Balancing Based on Network Flow Approach in LTE-A HetNet, IJAP 2014",
            "paper_claims": study.PAPER_CLAIMS,
            "setup": (study.__doc__ or "").strip(),
            "ldi_by_point": ldi[["busy_users", "method", "mean", "ci_low", "ci_high"]].to_dict(orient="records"),
        },
    )


def _reproduce_vgala(seeds: int, study_seed: int, workers, scheduler, progress) -> Result:
    import pandas as pd

    from lbopt.experiments import vgala_paper as study

    t0 = time.perf_counter()
    rows, summary, coverage = study.reproduce(
        drops=seeds,
        cre_drops=max(100, seeds),
        study_seed=study_seed,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    head = study.headline(rows)
    return Result(
        instance="han-ansari-3mbs-7scbs",
        method="reproduce-vgala",
        status=Status.FEASIBLE,
        solver=SolverFacts(name="reproduce", time_s=time.perf_counter() - t0, extra={"rows": len(rows)}),
        cells=pd.DataFrame({"id": []}),
        metrics={**head, "drops": seeds, "cre_drops": max(100, seeds)},
        tables={"cases": rows, "summary": summary, "coverage_maps": coverage},
        extra={
            "paper": "Han & Ansari, A Traffic Load Balancing Framework for Software-defined RANs Powered by Hybrid "
            "Energy Sources, IEEE/ACM ToN 24(2), 2016",
            "paper_claims": study.PAPER_CLAIMS,
            "setup": (study.__doc__ or "").strip(),
        },
    )


def _reproduce_zou(seeds: int, study_seed: int, workers, scheduler, progress) -> Result:
    import pandas as pd

    from lbopt.experiments import zou_paper as study

    t0 = time.perf_counter()
    cases, summary, best, traj, example = study.reproduce(seeds, study_seed, workers, scheduler, progress)
    return Result(
        instance="zou16",
        method="reproduce-zou",
        status=Status.FEASIBLE,
        solver=SolverFacts(name="reproduce", time_s=time.perf_counter() - t0, extra={"cases": len(cases)}),
        cells=pd.DataFrame({"id": []}),
        metrics={**study.headline(cases, best), "seeds_per_row": seeds, "cases": len(cases)},
        tables={"cases": cases, "summary": summary, "best": best, "trajectories": traj, "greedy_example": example},
        extra={
            "paper": "Zou, Tang, Perrusquia, Guo, Guaranteeing and Explaining Stability across Heterogeneous Load "
            "Balancing using Calculus Network Dynamics, arXiv:2507.12892, 2025",
            "paper_claims": study.PAPER_CLAIMS,
            "setup": (study.__doc__ or "").strip(),
        },
    )


def _reproduce_breathing(seeds: int, study_seed: int, workers, scheduler, progress) -> Result:
    import pandas as pd

    from lbopt.experiments import breathing_paper as study

    t0 = time.perf_counter()
    rows, summary, traces, mlp, sampling, head = study.reproduce(seeds, study_seed, workers, scheduler, progress)
    return Result(
        instance="breathing-areas-ABC",
        method="reproduce-breathing",
        status=Status.FEASIBLE,
        solver=SolverFacts(name="reproduce", time_s=time.perf_counter() - t0, extra={"rows": len(rows)}),
        cells=pd.DataFrame({"id": []}),
        metrics={**head, "seeds_per_area": seeds},
        tables={"periods": rows, "summary": summary, "traces": traces, "mlp": mlp, "sampling": sampling},
        extra={
            "paper": "Ge, Chen, Jiang, A 'Breathing' Mobile Communication Network, IEEE Trans. Mobile Computing "
            "(arXiv:2411.17290), 2024",
            "paper_claims": study.PAPER_CLAIMS,
            "setup": (study.__doc__ or "").strip(),
        },
    )
