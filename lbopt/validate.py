"""``lbopt validate``: stability certificates of the cell graph and cross-checks of every method the instance runs.

Each check states pass or fail with its numbers:

* ``graph``: the Laplacian spectrum (λ_2, λ_max per component, method and residuals) and the discrete certificate
  ``ε_max = 2 / λ_max``; a simulation of ``ρ(k+1) = (I − εL)ρ(k)`` at ``ε = ε_max / 2`` from the instance's loads
  must decay no slower than the predicted factor (Zou et al. eq. 21, Proposition 1).
* ``oslb-engines``: on cell-level instances, the OSLB flow plan by HiGHS, Pyomo+HiGHS, OR-Tools (when installed)
  and networkx must reach the same optimum (integral targets, 1e-6).
* ``vgala-iteration``: on location-level instances with energy data, the vGALA iteration must end within 1e-4 of
  the certified optimum of ψ.
* ``oslb-nonconservative``: on user-level instances, OSLB's planned against realised load change per group.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from formulations.status import SolverFacts, Status
from lbopt.instance.model import Instance
from lbopt.result import Result

CHECK_TOL = {"oslb-engines": 1e-6, "vgala-iteration": 1e-4}


def _graph_check(instance: Instance, extra: dict) -> dict | None:
    from lbopt.stability.discrete import convergence_factor, disagreement, epsilon_max, simulate
    from lbopt.stability.spectrum import cell_adjacency, laplacian, spectrum

    if instance.n_cells < 2 or (instance.links is None and not instance.has_geometry):
        return None
    adj, source = cell_adjacency(instance)
    spec = spectrum(adj)
    eps_max = epsilon_max(spec.lambda_max)
    extra["spectrum"] = {**spec.to_dict(), "source": source}
    extra["epsilon_max"] = eps_max
    if "prb_demand" in instance.cells:
        rho0 = instance.cells["prb_demand"].to_numpy(float) / instance.prb_capacity()
    else:
        rho0 = np.random.default_rng(instance.seed or 0).uniform(0, 1, instance.n_cells)
    eps = 0.5 * eps_max
    worst = 0.0
    measured = 0.0
    lap = laplacian(adj)
    for comp in spec.components:
        if len(comp.cells) < 2:
            continue
        sub = lap[comp.cells][:, comp.cells]
        factor = convergence_factor(eps, comp.lambda_2, comp.lambda_max)
        e = disagreement(simulate(sub, rho0[comp.cells], eps, 200))
        # measure the decay before it reaches the floor of float rounding
        above = np.flatnonzero(e > 1e-10 * e[0]) if e[0] > 0 else np.array([0])
        k = int(above[-1]) if len(above) else 0
        rate = float((e[k] / e[0]) ** (1 / k)) if k > 0 else 0.0
        worst = max(worst, factor)
        measured = max(measured, rate)
    return {
        "check": "graph",
        "passed": bool(measured <= worst * (1 + 1e-9)),
        "numbers": f"lambda_2 {spec.lambda_2:.6g}, lambda_max {spec.lambda_max:.6g}, eps_max {eps_max:.6g}; at "
        f"eps_max/2 predicted factor {worst:.6g}, simulated {measured:.6g} ({len(spec.components)} component(s))",
    }


def _oslb_engines(instance: Instance) -> dict | None:
    from formulations.min_cost_flow import ENGINES, solve_min_cost_flow
    from lbopt.oslb.cell_level import plan_cell_level

    if "prb_demand" not in instance.cells:
        return None
    demand = np.round(instance.cells["prb_demand"].to_numpy(float))
    plan = plan_cell_level(instance, demand=demand, integral=True, engine="highs")
    values = {}
    for engine in ENGINES:
        try:
            values[engine] = solve_min_cost_flow(plan.problem, engine).objective
        except ImportError:
            continue
    spread = max(values.values()) - min(values.values())
    return {
        "check": "oslb-engines",
        "passed": bool(spread <= CHECK_TOL["oslb-engines"] * max(1.0, abs(values["highs"]))),
        "numbers": ", ".join(f"{k} {v:.10g}" for k, v in values.items()) + f" (spread {spread:.3g})",
    }


def _vgala(instance: Instance) -> dict | None:
    from lbopt.methods import METHODS, missing_requirements, solve

    if missing_requirements(instance, "vgala") or "vgala" not in METHODS:
        return None
    res = solve(instance, "vgala")
    gap = res.metrics.get("gap_to_optimum")
    return {
        "check": "vgala-iteration",
        "passed": bool(gap is not None and gap <= CHECK_TOL["vgala-iteration"]),
        "numbers": f"psi {res.metrics['psi']:.10g} vs certified {res.metrics.get('psi_optimum', float('nan')):.10g}: "
        f"relative gap {gap:.3g} after {res.metrics.get('iterations')} iterations",
    }


def _oslb_nonconservative(instance: Instance) -> dict | None:
    from lbopt.methods import missing_requirements, solve

    if "prb_demand" in instance.cells or missing_requirements(instance, "oslb") or instance.users is None:
        return None
    res = solve(instance, "oslb", integral=True)
    groups = res.tables["groups"]
    err = groups["nonconservative_error_prb"].abs()
    moved = res.metrics["transferred_prb"]
    return {
        "check": "oslb-nonconservative",
        "passed": True,
        "numbers": f"planned vs realised load change: sum |error| {err.sum():.6g} PRB, max {err.max():.6g} PRB, "
        f"for {moved:.6g} PRB handed over ({res.metrics['handovers']} handovers)",
    }


def validate(instance: Instance, progress=None) -> Result:
    t0 = time.perf_counter()
    extra: dict = {}
    checks = []
    for check in (
        _graph_check(instance, extra),
        _oslb_engines(instance),
        _vgala(instance),
        _oslb_nonconservative(instance),
    ):
        if check is not None:
            checks.append(check)
    table = pd.DataFrame(checks, columns=["check", "passed", "numbers"])
    failed = int((~table["passed"]).sum()) if len(table) else 0
    return Result(
        instance=instance.name,
        method="validate",
        status=Status.FEASIBLE if failed == 0 else Status.PARTIAL,
        solver=SolverFacts(name="validate", time_s=time.perf_counter() - t0),
        cells=pd.DataFrame({"id": instance.cells["id"].to_numpy(object)}),
        metrics={"checks": len(table), "checks_failed": failed},
        tables={"checks": table},
        extra={**extra, "checks": checks},
    )
