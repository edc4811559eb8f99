"""Association methods on location-level instances: ``vgala``, ``vgala-opt``, ``la``, ``ga``, ``ga-least-latency``,
``uag``, ``max-rate``.

Each writes ``association.csv`` (``location, cell, share``; a location's shares sum to μ_x, 1 without admission
control), ``cells[].load_after`` = ρ_j, and ``metrics.psi``, ``metrics.ongrid_power_w``,
``metrics.latency_indicator``. ``vgala`` is the paper's iteration (its certified Frank–Wolfe gap in
``metrics.certified_gap``, ``iterations``, and the trace ψ(k)), cross-checked against the certified optimum
(``metrics.psi_optimum``, ``metrics.gap_to_optimum``). The ``*-opt``/``la``/``ga``/``uag`` methods solve the
convex program to a relative gap ≤ 1e-6 (:mod:`formulations.association`); they also report the integral
association the user-side rule gives at the optimal prices.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from formulations.association import AssociationSolution, Vertices, solve_association
from formulations.association_objectives import uag
from formulations.errors import SolverError
from formulations.status import SolverFacts, Status
from lbopt.errors import InvalidParameter, MissingInput
from lbopt.instance.model import Instance
from lbopt.result import Result
from lbopt.vgala.data import VgalaData, vgala_data
from lbopt.vgala.iteration import vgala_iteration


def association_table(instance: Instance, data: VgalaData, shares: np.ndarray) -> pd.DataFrame:
    """``association.csv``: ``location, cell, share`` for every pair carrying traffic."""
    p = data.problem
    keep = shares > 1e-12
    loc_ids = instance.locations["id"].to_numpy(object)
    cell_ids = instance.cells["id"].to_numpy(object)
    return pd.DataFrame(
        {
            "location": pd.Series(loc_ids[p.loc[keep]], dtype=object),
            "cell": pd.Series(cell_ids[p.cell[keep]], dtype=object),
            "share": shares[keep],
        }
    )


def coverage_table(instance: Instance, data: VgalaData, shares: np.ndarray) -> pd.DataFrame:
    """Per location its position and the cell with the largest share (the paper's coverage maps, Fig. 4)."""
    p = data.problem
    order = np.lexsort((-shares, p.loc))
    first = order[np.r_[True, p.loc[order][1:] != p.loc[order][:-1]]]
    locs = instance.locations
    out = pd.DataFrame(
        {
            "location": pd.Series(locs["id"].to_numpy(object)[p.loc[first]], dtype=object),
            "x_m": locs["x_m"].to_numpy()[p.loc[first]],
            "y_m": locs["y_m"].to_numpy()[p.loc[first]],
            "cell": pd.Series(instance.cells["id"].to_numpy(object)[p.cell[first]], dtype=object),
        }
    )
    return out


def _cells(instance: Instance, data: VgalaData, rho: np.ndarray) -> pd.DataFrame:
    cols = {"id": pd.Series(instance.cells["id"].to_numpy(object), dtype=object)}
    for c in ("tier", "x_m", "y_m"):
        if c in instance.cells:
            cols[c] = instance.cells[c].to_numpy()
    cols["load_after"] = rho
    if data.has_energy:
        cols["rho_hat"] = data.rho_hat()
        cols["power_w"] = data.load_w * rho + data.static_w
        cols["green_power_w"] = data.green_w
        cols["ongrid_power_w"] = np.maximum(cols["power_w"] - data.green_w, 0.0)
    return pd.DataFrame(cols)


def _metrics(data: VgalaData, rho: np.ndarray, shares: np.ndarray) -> dict[str, float]:
    p = data.problem
    m = data.metrics(rho)
    served = np.bincount(p.loc, shares, p.n_locations)
    m["split_locations"] = int(np.sum(np.bincount(p.loc, shares > 1e-9, p.n_locations) > 1))
    m["admitted_share"] = float(served.mean())
    m["max_load"] = float(rho.max())
    return m


def integral_at_prices(data: VgalaData, rho: np.ndarray, objective) -> tuple[np.ndarray, dict[str, float]]:
    """The user-side rule at the prices ``f'(ρ)`` of the solved objective: every location on one cell."""
    vertices = Vertices(data.problem)
    _, s = vertices.cheapest(objective.grad(np.minimum(rho, data.problem.rho_max)))
    return s, {f"integral_{k}": v for k, v in data.metrics(s).items()}


def association_result(
    instance: Instance,
    data: VgalaData,
    method: str,
    status: Status,
    rho: np.ndarray,
    shares: np.ndarray,
    facts: SolverFacts,
    objective: float | None,
    extra: dict | None = None,
    tables: dict | None = None,
) -> Result:
    """The result of an association method: metrics of the loads, the cells table, ``association.csv`` and coverage,
    solver facts.
    """
    metrics = _metrics(data, rho, shares)
    extra_tables = dict(tables or {})
    unused = np.setdiff1d(np.arange(data.problem.n_cells), data.problem.cell)
    if len(unused):
        extra = {**(extra or {}), "cells_without_locations": instance.cells["id"].to_numpy(object)[unused].tolist()}
    if {"x_m", "y_m"} <= set(instance.locations.columns):
        extra_tables["coverage"] = coverage_table(instance, data, shares)
    return Result(
        instance=instance.name,
        method=method,
        status=status,
        objective=objective,
        solver=facts,
        cells=_cells(instance, data, rho),
        metrics=metrics,
        tables={"association": association_table(instance, data, shares), **extra_tables},
        extra={"kappa": data.kappa, "epsilon": data.epsilon, **(extra or {})},
    )


def solve_admitting(
    data: VgalaData, objective, admission: bool = True, engine: str = "colgen", **kw
) -> tuple[AssociationSolution, dict]:
    """Solve; when the caps cannot hold all traffic, admit the common share μ* (:mod:`lbopt.vgala.admission`).

    ``engine``: ``colgen`` (load-space outer approximation and column generation, highspy; the default),
    ``pyomo`` (the declarative model over the shares, Pyomo + HiGHS; small instances) or ``cvxpy`` (Clarabel; DCP
    objectives only).
    """
    if engine == "pyomo":
        from formulations.association import solve_association_pyomo

        return solve_association_pyomo(data.problem, objective), {"engine": "pyomo"}
    if engine == "cvxpy":
        return _solve_cvxpy(data, objective), {"engine": "cvxpy"}
    if engine != "colgen":
        raise InvalidParameter(f"unknown engine '{engine}'; expected colgen, pyomo or cvxpy")
    sol = solve_association(data.problem, objective, **kw)
    if sol.status != Status.INFEASIBLE or not admission:
        return sol, {}
    from lbopt.vgala.admission import admitted

    problem, mu, limit = admitted(data.problem)
    data.problem = problem
    sol = solve_association(problem, objective, **kw)
    return sol, {
        "admission_probability": mu,
        "admission_limit": limit,
        "message": (
            f"the traffic exceeds what the cells carry below 1 - epsilon (at most {limit:.6g} of it fits); "
            f"admission control admits {mu:.6g} of every location's traffic, so that a balanced association "
            "keeps every load at or below 0.9 (1 - epsilon)"
        ),
    }


def _solve_cvxpy(data: VgalaData, objective) -> AssociationSolution:
    from formulations.association import solve_association_cvxpy

    t0 = time.perf_counter()
    rho, shares, value, status = solve_association_cvxpy(data.problem, objective.name)
    exact = status == "optimal"  # Clarabel's 'optimal_inaccurate' is an answer it could not verify: not certified
    return AssociationSolution(
        status=Status.OPTIMAL if exact else Status.FEASIBLE,
        rho=rho,
        shares=shares,
        objective=value,
        lower_bound=float("nan"),
        gap=float("nan"),
        iterations=0,
        overload=np.zeros(data.problem.n_cells),
        facts=SolverFacts(
            name="cvxpy+clarabel",
            time_s=time.perf_counter() - t0,
            termination="converged" if exact else "inaccurate",
            extra={"cvxpy_status": status},
        ),
    )


def _certified(
    instance: Instance, data: VgalaData, method: str, sol: AssociationSolution, objective, extra=None
) -> Result:
    if sol.status == Status.INFEASIBLE:
        msg = (
            "the traffic exceeds what the cells can carry below 1 - epsilon even when balanced "
            f"(overload {np.round(sol.overload, 4).tolist()}); admission control is needed"
        )
        extra = {**(extra or {}), "message": msg}
    res = association_result(
        instance,
        data,
        method,
        sol.status,
        sol.rho,
        sol.shares,
        sol.facts,
        sol.objective,
        extra,
        {"trace": pd.DataFrame(sol.trace)},
    )
    res.metrics["lower_bound"] = sol.lower_bound
    res.metrics["certified_gap"] = sol.gap
    if sol.status != Status.INFEASIBLE:
        _, integral = integral_at_prices(data, sol.rho, objective)
        res.metrics.update(integral)
    return res


def run_vgala_opt(
    instance: Instance,
    progress: Callable[[int], None] | None = None,
    *,
    kappa: float | None,
    epsilon: float | None,
    theta: float | None,
    engine: str,
) -> Result:
    """vGALA's objective ψ to a certified optimum."""
    data = vgala_data(instance, kappa, epsilon, theta)
    _require_energy(data, "vgala-opt")
    objective = data.psi()
    sol, extra = solve_admitting(data, objective, engine=engine)
    return _certified(instance, data, "vgala-opt", sol, objective, extra)


def run_la(
    instance: Instance,
    progress: Callable[[int], None] | None = None,
    *,
    epsilon: float | None,
    engine: str,
) -> Result:
    """LA: the latency indicator Σ ρ/(1 − ρ) to a certified optimum (vGALA with κ = 0)."""
    data = vgala_data(instance, epsilon=epsilon)
    objective = data.latency()
    sol, extra = solve_admitting(data, objective, engine=engine)
    return _certified(instance, data, "la", sol, objective, extra)


def run_uag(
    instance: Instance,
    progress: Callable[[int], None] | None = None,
    *,
    performance: str,
    epsilon: float | None,
    engine: str,
) -> Result:
    """UAG with a named performance function f(ρ) (rho/(1-rho), rho^2, -log(1-rho))."""
    data = vgala_data(instance, epsilon=epsilon)
    objective = uag(performance)
    sol, extra = solve_admitting(data, objective, engine=engine)
    return _certified(instance, data, "uag", sol, objective, {"performance": performance, **extra})


def run_ga(instance: Instance, progress: Callable[[int], None] | None = None, *, epsilon: float | None) -> Result:
    """GA as the paper defines it (§VI-A): least total on-grid power Σ_j max(p_j − e_j, 0) (eq. 8), nothing else.

    The optimum is rarely unique (every association that keeps each cell within its green capacity costs 0 W);
    the paper does not say which one its GA returns. This is the one column generation on HiGHS returns
    (deterministic); its latency is not optimised and may put a cell at the 1 − ε cap. ``ga-least-latency`` breaks
    the ties towards the least latency.
    """
    data = vgala_data(instance, epsilon=epsilon)
    _require_energy(data, "ga")
    sol, admission = solve_admitting(data, data.ongrid())
    return _certified(instance, data, "ga", sol, data.ongrid(), admission)


def run_ga_least_latency(
    instance: Instance, progress: Callable[[int], None] | None = None, *, epsilon: float | None
) -> Result:
    """GA with its ties broken (ours): least total on-grid power (an LP), then the least latency indicator among
    the power-optimal associations (within 1e-6 relative of the least power)."""
    data = vgala_data(instance, epsilon=epsilon)
    _require_energy(data, "ga-least-latency")
    first, admission = solve_admitting(data, data.ongrid())
    if first.status == Status.INFEASIBLE:
        return _certified(instance, data, "ga-least-latency", first, data.ongrid(), admission)
    second = least_latency_at_power(data, first.objective)
    res = _certified(
        instance, data, "ga-least-latency", second, data.latency(), {"ongrid_optimum_w": first.objective, **admission}
    )
    res.objective = float(data.ongrid().total(second.rho))
    return res


def least_latency_at_power(data: VgalaData, ongrid_w: float) -> AssociationSolution:
    """The least latency indicator among the associations whose on-grid power is at most ``ongrid_w`` (+1e-6
    relative)."""
    budget = ongrid_w + 1e-6 * max(1.0, ongrid_w)
    return solve_association(data.problem, data.latency(), budget=(data.load_w, data.static_w - data.green_w, budget))


def run_max_rate(instance: Instance, progress: Callable[[int], None] | None = None, *, epsilon: float | None) -> Result:
    """Every location on its fastest allowed cell (max rate = least load coefficient)."""
    t0 = time.perf_counter()
    data = vgala_data(instance, epsilon=epsilon)
    vertices = Vertices(data.problem)
    pick, rho = vertices.cheapest(np.ones(data.problem.n_cells))
    shares = shares_of_vertices(data, vertices, pick)
    status = Status.FEASIBLE if np.all(rho <= data.problem.rho_max) else Status.INFEASIBLE
    return association_result(
        instance,
        data,
        "max-rate",
        status,
        rho,
        shares,
        SolverFacts(name="max-rate", time_s=time.perf_counter() - t0),
        None,
    )


def shares_of_vertices(data: VgalaData, vertices: Vertices, pick: np.ndarray) -> np.ndarray:
    """Pair shares of the association that puts each location (admitted share) on its picked cell."""
    from formulations.association import pair_shares

    padded = np.zeros(vertices.cells.shape)
    padded[np.arange(len(pick)), pick] = data.problem.admission
    return pair_shares(data.problem, vertices.cells, padded)


def run_vgala(
    instance: Instance,
    progress: Callable[[int], None] | None = None,
    *,
    kappa: float | None,
    epsilon: float | None,
    theta: float | None,
    line_search: str,
    tol: float,
    certify: bool,
) -> Result:
    """The paper's iteration, stopped by its own certificate; cross-checked against the certified optimum."""
    t0 = time.perf_counter()
    data = vgala_data(instance, kappa, epsilon, theta)
    _require_energy(data, "vgala")
    it = vgala_iteration(data.problem, data.psi(), tol=tol, line_search=line_search)
    admission: dict = {}
    if not np.all(np.isfinite(it.rho)):  # no loads within the caps: admit a common share first
        from lbopt.vgala.admission import admitted

        data.problem, mu, limit = admitted(data.problem)
        admission = {
            "admission_probability": mu,
            "admission_limit": limit,
            "message": f"admission control admits {mu:.6g} of every location's traffic "
            f"(at most {limit:.6g} fits below 1 - epsilon)",
        }
        it = vgala_iteration(data.problem, data.psi(), tol=tol, line_search=line_search)
    facts = SolverFacts(
        name="vgala-iteration",
        time_s=time.perf_counter() - t0,
        gap=it.gap / max(it.psi, 1e-12),
        termination="converged" if it.converged else "iteration-limit",
        extra={"iterations": it.iterations, "line_search": line_search},
    )
    if not np.all(np.isfinite(it.rho)):
        return _certified(
            instance,
            data,
            "vgala",
            solve_association(data.problem, data.psi()),
            data.psi(),
            {"message": "no loads within the caps exist: admission control is needed"},
        )
    sol, certify_error = None, None
    if certify:  # the certified optimum is a cross-check; the iteration stands on its own certificate without it
        try:
            sol = solve_association(data.problem, data.psi())
        except SolverError as exc:
            certify_error = f"the certified optimum of psi could not be computed ({exc.stage}: {exc})"
    res = association_result(
        instance,
        data,
        "vgala",
        Status.FEASIBLE,  # an iterate, certified within tol by its own gap when it converged (solver.termination)
        it.rho,
        it.shares,
        facts,
        it.psi,
        {"iterations": it.iterations, **admission, **({"message": certify_error} if certify_error else {})},
        {"trace": pd.DataFrame(it.trace)},
    )
    res.metrics["certified_gap"] = it.gap / max(it.psi, 1e-12)
    res.metrics["iterations"] = it.iterations
    if sol is not None:
        res.metrics["psi_optimum"] = sol.objective
        res.metrics["gap_to_optimum"] = (it.psi - sol.objective) / max(abs(sol.objective), 1e-12)
        trace = res.tables["trace"]
        trace["psi_minus_optimum"] = trace["psi"] - sol.objective
        trace["gap_to_optimum"] = trace["psi_minus_optimum"] / max(abs(sol.objective), 1e-12)
    return res


def _require_energy(data: VgalaData, method: str) -> None:
    if not data.has_energy:
        raise MissingInput(f"method '{method}' needs cells.static_power_w, load_power_w and green_power_w")
