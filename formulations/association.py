"""Relaxed user association as a separable convex program (Han & Ansari, eqs. 11–15; Kim et al. 2012).

Locations x, cells j, allowed pairs (x, j) with load coefficient ``a_xj = λ_x ν_x / r_xj`` (the share of cell j's
time that location x would take alone). Shares ``η_xj ≥ 0`` on allowed pairs with ``Σ_j η_xj = μ_x`` (admission
probability, 1 by default) give loads ``ρ_j = Σ_x a_xj η_xj``::

    min  Σ_j f_j(ρ_j)   s.t.  ρ ∈ P := {Σ_x a_x· η_x· : η_x· ∈ μ_x · simplex(allowed cells of x)},
                              0 ≤ ρ_j ≤ ρ_max,j (= 1 − ε),   G ρ ≤ h (optional linear rows)

with every ``f_j`` convex and differentiable on [0, ρ_max,j] (vGALA's ψ, the latency indicator, on-grid power...).

**Certified solution by outer approximation and column generation** (:func:`solve_association`). P is the
Minkowski sum of one simplex per location, so its vertices are the integral associations, and a linear function
is minimised over P by letting every location pick its cheapest cell (one vectorised argmin). The master LP,
solved by HiGHS, works in load space only: variables ``w_k`` (weights of the vertices found so far), ``ρ`` and
epigraph variables ``t_j`` with tangent cuts ``t_j ≥ f_j(ρ̄) + f_j'(ρ̄)(ρ_j − ρ̄)``. Each round adds the tangents at
the master's ρ and the vertex that prices best under the master's duals ``y``. Bounds:

* upper: ``Σ_j f_j(ρ)`` at the master's ρ (a convex combination of vertices within the caps: feasible);
* lower: ``z_master + min_{s ∈ P} yᵀs − σ`` (the Lagrangian bound of the outer approximation; σ = the dual of
  ``Σ w_k = 1``), valid because tangents under-estimate convex functions.

It stops when ``(upper − lower) / max(1, |upper|) ≤ tol``. The master stays tiny (cells + vertices + cuts), so the
40,000 × 10 case of the vGALA paper needs no 400,000-column LP. Caps are elastic (penalised slack) so an
overloaded instance returns ``status = infeasible`` with the overload instead of failing.

:func:`solve_association_pyomo` states the same model over the shares η in Pyomo (the declarative reference for
small instances), with the same outer approximation; :func:`solve_association_cvxpy` solves DCP objectives with
cvxpy (Clarabel) as a second path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from formulations.errors import SolverError, UnsupportedData
from formulations.highs_milp import new_highs
from formulations.status import SolverFacts, Status

#: relative gap at which the certified solution stops
GAP_TOL = 1e-6
#: penalty per unit of cap violation in the elastic master (far above any objective slope in use)
ELASTIC_PENALTY = 1e7

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssociationProblem:
    """Allowed pairs as arrays (``loc``, ``cell``, ``load`` = ``a_xj``), admission ``mu`` per location, caps."""

    n_locations: int
    n_cells: int
    loc: np.ndarray
    cell: np.ndarray
    load: np.ndarray
    rho_max: np.ndarray
    mu: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not (len(self.loc) == len(self.cell) == len(self.load)):
            raise ValueError("loc, cell and load need one entry per allowed pair")
        if np.any(self.load < 0) or not np.all(np.isfinite(self.load)):
            raise ValueError("load coefficients must be non-negative and finite")
        missing = np.setdiff1d(np.arange(self.n_locations), self.loc)
        if len(missing):
            raise ValueError(f"location {int(missing[0])} has no allowed cell")

    @property
    def admission(self) -> np.ndarray:
        """The admission probability μ of every location (1 without admission control)."""
        return np.ones(self.n_locations) if self.mu is None else np.asarray(self.mu, float)

    def padded(self) -> tuple[np.ndarray, np.ndarray]:
        """Per location its allowed cells and loads, padded to the widest location (cell −1, load ∞)."""
        order = np.lexsort((self.cell, self.loc))
        loc, cell, load = self.loc[order], self.cell[order], self.load[order]
        counts = np.bincount(loc, minlength=self.n_locations)
        width = int(counts.max())
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        col = np.arange(len(loc)) - start[loc]
        cells = np.full((self.n_locations, width), -1, dtype=np.int64)
        loads = np.full((self.n_locations, width), np.inf)
        cells[loc, col] = cell
        loads[loc, col] = load
        return cells, loads


@dataclass
class Separable:
    """``Σ_j f_j(ρ_j)`` given by vectorised value and (sub)derivative per cell, and a name for reports.

    ``pieces`` lists exact linear pieces ``(slope_j, intercept_j)`` of a piecewise-linear ``f`` (its epigraph is then
    exact in the master from the start, e.g. on-grid power ``max(β ρ + p^s − e, 0)``).
    """

    name: str
    value: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    pieces: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    params: dict | None = None  # the objective's constants, for solvers that take the algebraic form

    def total(self, rho: np.ndarray) -> float:
        """Σ_j f_j(ρ_j)."""
        return float(np.sum(self.value(rho)))


class Vertices:
    """Integral associations found so far (one cell position per location) and their load vectors."""

    def __init__(self, problem: AssociationProblem):
        self.problem = problem
        self.cells, self.loads = problem.padded()
        self.mu = problem.admission
        self.choice: list[np.ndarray] = []  # per vertex: column into the padded arrays
        self.rho: list[np.ndarray] = []

    def cheapest(self, price: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The vertex minimising ``priceᵀ s``: every location takes its cheapest allowed cell."""
        valid = self.cells >= 0
        cost = np.where(valid, price[np.maximum(self.cells, 0)] * np.where(valid, self.loads, 0.0), np.inf)
        pick = np.argmin(cost, axis=1)
        return pick, self.load_of(pick)

    def load_of(self, pick: np.ndarray) -> np.ndarray:
        """The loads of the association that puts each location on its picked cell."""
        rows = np.arange(len(pick))
        return np.bincount(
            self.cells[rows, pick], self.mu * self.loads[rows, pick], minlength=self.problem.n_cells
        ).astype(float)

    def add(self, pick: np.ndarray, rho: np.ndarray) -> bool:
        """Add the vertex of ``pick`` (loads ``rho``); True when it is new."""
        return self.index(pick, rho)[1]

    def index(self, pick: np.ndarray, rho: np.ndarray) -> tuple[int, bool]:
        """Position of this vertex (an equal load vector counts as the same vertex) and whether it is new."""
        if self.rho:
            diff = np.abs(np.asarray(self.rho) - rho).max(axis=1)
            hit = np.flatnonzero(diff <= 1e-12)
            if len(hit):
                return int(hit[0]), False
        self.choice.append(pick)
        self.rho.append(rho)
        return len(self.rho) - 1, True

    def shares(self, weights: np.ndarray) -> np.ndarray:
        """Shares per padded slot (locations × width) of the convex combination ``Σ_k w_k vertex_k``."""
        out = np.zeros(self.cells.shape)
        rows = np.arange(self.cells.shape[0])
        for w, pick in zip(weights, self.choice, strict=True):
            if w > 1e-12:
                np.add.at(out, (rows, pick), w)
        return out * self.mu[:, None]


@dataclass
class AssociationSolution:
    """Loads, shares per allowed pair, the objective, its proven lower bound and the solver facts."""

    status: Status
    rho: np.ndarray
    shares: np.ndarray  # per allowed pair, in the problem's pair order
    objective: float
    lower_bound: float
    gap: float
    iterations: int
    overload: np.ndarray  # per cell: load above the cap the instance forces (0 when feasible)
    facts: SolverFacts
    trace: list[dict] = field(default_factory=list)


class _Master:
    """The load-space master LP in highspy, grown by columns (vertices) and rows (tangent cuts)."""

    def __init__(
        self,
        n: int,
        rho_max: np.ndarray,
        rows: tuple[np.ndarray, np.ndarray] | None,
        budget: tuple[np.ndarray, np.ndarray, float] | None = None,
    ):
        import highspy

        self.hs = highspy
        self.n = n
        self.budget_slack: int | None = None
        h = new_highs()
        inf = highspy.kHighsInf
        # columns: rho (n), t (n), v (n, elastic cap slack); then vertex weights
        h.addVars(n, np.zeros(n), np.full(n, inf))  # rho ≥ 0
        h.addVars(n, np.full(n, -inf), np.full(n, inf))  # t free
        h.addVars(n, np.zeros(n), np.full(n, inf))  # v ≥ 0
        idx = np.arange(3 * n, dtype=np.int32)
        h.changeColsCost(3 * n, idx, np.concatenate([np.zeros(n), np.ones(n), np.full(n, ELASTIC_PENALTY)]))
        # rows 0..n-1: rho_j - Σ w_k s_kj = 0 ; row n: Σ w_k = 1 ; rows n+1..2n: rho_j - v_j <= rho_max_j
        for j in range(n):
            h.addRow(0.0, 0.0, 1, np.array([j], np.int32), np.array([1.0]))
        h.addRow(1.0, 1.0, 0, np.array([], np.int32), np.array([]))
        for j in range(n):
            h.addRow(-inf, float(rho_max[j]), 2, np.array([j, 2 * n + j], np.int32), np.array([1.0, -1.0]))
        if rows is not None:
            g, hv = rows
            for r in range(g.shape[0]):
                nz = np.flatnonzero(g[r])
                h.addRow(-inf, float(hv[r]), len(nz), nz.astype(np.int32), g[r, nz].astype(float))
        if budget is not None:  # Σ_j max(slope_j ρ_j + offset_j, 0) ≤ total, with g_j ≥ 0 and g_j ≥ slope ρ + offset
            slope, offset, total = budget
            first = h.getNumCol()
            h.addVars(n, np.zeros(n), np.full(n, inf))
            for j in range(n):
                h.addRow(
                    float(offset[j]), inf, 2, np.array([first + j, j], np.int32), np.array([1.0, -float(slope[j])])
                )
            # elastic like the caps: the first vertices may exceed the budget, the penalty drives it back
            h.addVars(1, np.zeros(1), np.full(1, inf))
            h.changeColsCost(1, np.array([first + n], np.int32), np.array([ELASTIC_PENALTY]))
            cols = np.concatenate([np.arange(first, first + n), [first + n]]).astype(np.int32)
            h.addRow(-inf, float(total), n + 1, cols, np.concatenate([np.ones(n), [-1.0]]))
            self.budget_slack = first + n
        self.h = h
        self.ipm_retries = 0
        self.n_vertices = 0
        self.first_vertex = h.getNumCol()

    def add_vertex(self, rho: np.ndarray) -> None:
        n = self.n
        nz = np.flatnonzero(rho)
        rows = np.concatenate([nz, [n]]).astype(np.int32)
        vals = np.concatenate([-rho[nz], [1.0]])
        self.h.addCol(0.0, 0.0, self.hs.kHighsInf, len(rows), rows, vals)
        self.n_vertices += 1

    def add_cut(self, j: int, slope: float, intercept: float) -> None:
        # t_j - slope * rho_j >= intercept
        self.h.addRow(intercept, self.hs.kHighsInf, 2, np.array([self.n + j, j], np.int32), np.array([1.0, -slope]))

    def solve(self) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, float]:
        h = self.h
        h.run()
        status = h.getModelStatus()
        if status != self.hs.HighsModelStatus.kOptimal:
            # steep tangent cuts near the caps (large kappa) can leave the simplex without an answer ('Unknown');
            # the interior point method with crossover solves the same LP from scratch
            first = h.modelStatusToString(status)
            _log.info("association master: simplex ended '%s'; solving again with the interior point method", first)
            h.clearSolver()
            h.setOptionValue("solver", "ipm")
            h.run()
            h.setOptionValue("solver", "choose")
            status = h.getModelStatus()
            self.ipm_retries += 1
            if status != self.hs.HighsModelStatus.kOptimal:
                raise SolverError(
                    f"HiGHS could not solve the association master: simplex '{first}', "
                    f"interior point '{h.modelStatusToString(status)}'",
                    stage="association master LP",
                )
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        y = np.asarray(sol.row_dual)
        n = self.n
        slack = x[2 * n : 3 * n].copy()
        if self.budget_slack is not None:  # a budget violation counts like an overload (spread over the cells)
            slack += x[self.budget_slack] / n
        return h.getInfo().objective_function_value, x[:n], slack, x[self.first_vertex :], y


def solve_association(
    problem: AssociationProblem,
    objective: Separable,
    rows: tuple[np.ndarray, np.ndarray] | None = None,
    tol: float = GAP_TOL,
    max_iterations: int = 500,
    start_prices: list[np.ndarray] | None = None,
    budget: tuple[np.ndarray, np.ndarray, float] | None = None,
    fw_steps: int = 20,
) -> AssociationSolution:
    """Certified minimiser of ``Σ f_j(ρ_j)`` over the association polytope (see the module docstring).

    ``rows = (G, h)`` adds linear constraints ``G ρ ≤ h``; ``budget = (slope, offset, total)`` adds
    ``Σ_j max(slope_j ρ_j + offset_j, 0) ≤ total`` (GA's tie-break: least latency at the least on-grid power);
    ``start_prices`` seeds the first vertices; ``fw_steps`` Frank–Wolfe steps per round (exact line search, within
    the caps) supply tangent points, vertices, feasible upper bounds and the Frank–Wolfe lower bound
    ``f(ρ) − ∇f(ρ)ᵀ(ρ − s)``; with ``rows``/``budget`` they are off (their feasible set is not P within the caps).
    """
    if rows is not None or budget is not None:
        fw_steps = 0
    t0 = time.perf_counter()
    n = problem.n_cells
    rho_max = np.asarray(problem.rho_max, float)
    vertices = Vertices(problem)
    master = _Master(n, rho_max, rows, budget)
    _seed_master(master, vertices, objective, rho_max, start_prices)
    best = _Incumbent(n)
    lower, gap = -np.inf, np.inf
    trace = []
    iteration, termination, failure = 0, "iteration-limit", None
    for iteration in range(1, max_iterations + 1):
        try:
            z, rho, slack, w, y = master.solve()
        except SolverError as exc:
            if best.rho is None or best.slack.sum() > 1e-9:
                raise  # no incumbent within the caps: nothing usable
            termination, failure = "solver-error", exc  # keep the incumbent, uncertified
            break
        rho = np.clip(rho, 0.0, None)
        best.offer(
            objective.total(np.minimum(rho, rho_max * (1 - 1e-12))) + ELASTIC_PENALTY * slack.sum(), rho, w, slack
        )
        # duals: reduced cost of a vertex column is y_rhoᵀ s − σ (HiGHS: c − Aᵀy with A = −s in the ρ rows)
        y_rho, sigma = y[:n], y[n]
        pick, s = vertices.cheapest(y_rho)
        lower = max(lower, z + float(y_rho @ s) - sigma)
        gap = (best.value - lower) / max(1.0, abs(best.value))
        trace.append(
            {"iteration": iteration, "upper": best.value, "lower": lower, "gap": gap, "vertices": len(vertices.rho)}
        )
        if gap <= tol:
            termination = "converged"
            break
        if vertices.add(pick, s):
            master.add_vertex(s)
        rc = np.minimum(rho, rho_max * (1 - 1e-9))
        _add_tangents(master, objective, rc)
        if fw_steps and slack.sum() <= 1e-12:
            w_all = np.concatenate([w, np.zeros(len(vertices.rho) - len(w))])
            lower = max(lower, _frank_wolfe_round(master, vertices, objective, rc, w_all, rho_max, fw_steps, best))
    # the best master may predate the last vertices: their weights are zero
    best_w = np.concatenate([best.w, np.zeros(len(vertices.choice) - len(best.w))])
    shares = pair_shares(problem, vertices.cells, vertices.shares(best_w))
    overload = np.where(best.slack > 1e-9, best.slack, 0.0)
    if overload.sum() > 1e-9:
        status = Status.INFEASIBLE
    else:
        status = Status.OPTIMAL if termination == "converged" else Status.FEASIBLE
    extra = {"iterations": iteration, "vertices": len(vertices.rho), "objective": objective.name}
    extra["ipm_retries"] = master.ipm_retries
    if failure is not None:
        extra["solver_message"] = f"{failure.stage}: {failure}"
    facts = SolverFacts(
        name="highs-oa-colgen",
        time_s=time.perf_counter() - t0,
        gap=float(gap),
        bound=float(lower),
        termination=termination,
        extra=extra,
    )
    return AssociationSolution(
        status=status,
        rho=best.rho,
        shares=shares,
        objective=objective.total(np.minimum(best.rho, rho_max * (1 - 1e-12))),
        lower_bound=float(lower),
        gap=float(gap),
        iterations=iteration,
        overload=overload,
        facts=facts,
        trace=trace,
    )


class _Incumbent:
    """The best point so far: its value (with the elastic penalty), loads, vertex weights and cap slack."""

    def __init__(self, n: int):
        self.value = np.inf
        self.rho: np.ndarray | None = None
        self.w = np.zeros(0)
        self.slack = np.zeros(n)

    def offer(self, value: float, rho: np.ndarray, w: np.ndarray, slack: np.ndarray) -> None:
        if value < self.value:
            self.value, self.rho, self.w, self.slack = value, rho.copy(), w.copy(), slack.copy()


def _seed_master(master: _Master, vertices: Vertices, objective: Separable, rho_max: np.ndarray, start_prices) -> None:
    """First vertices (unit prices and any given), a tangent at half the cap, and the objective's linear pieces."""
    for price in [np.ones(len(rho_max)), *(start_prices or [])]:
        pick, rho = vertices.cheapest(np.asarray(price, float))
        if vertices.add(pick, rho):
            master.add_vertex(rho)
    _add_tangents(master, objective, 0.5 * rho_max)  # a first tangent at half the cap keeps the master bounded
    for slope, intercept in objective.pieces:
        for j in range(len(rho_max)):
            master.add_cut(j, float(slope[j]), float(intercept[j]))


def _frank_wolfe_round(
    master: _Master,
    vertices: Vertices,
    objective: Separable,
    rho: np.ndarray,
    w: np.ndarray,
    rho_max: np.ndarray,
    steps: int,
    best: _Incumbent,
) -> float:
    """Frank–Wolfe steps from the master's loads: better points for tangents, vertices for the master, feasible
    upper bounds (offered to ``best``) and the Frank–Wolfe lower bound, which is returned (Kelley alone is slow with
    many cells)."""
    n = len(rho)
    lower = -np.inf
    fw_rho, fw_w = rho.copy(), w.copy()
    for _ in range(steps):
        g = objective.grad(fw_rho)
        pick, s = vertices.cheapest(g)
        lower = max(lower, objective.total(fw_rho) - float(g @ (fw_rho - s)))
        k, new = vertices.index(pick, s)
        if new:
            master.add_vertex(s)
            fw_w = np.concatenate([fw_w, [0.0]])
        d = s - fw_rho
        t = segment_minimiser(objective, fw_rho, d, max_step(fw_rho, d, rho_max * (1 - 1e-9)))
        fw_rho = fw_rho + t * d
        fw_w *= 1.0 - t
        fw_w[k] += t
        best.offer(objective.total(fw_rho), fw_rho, fw_w, np.zeros(n))
    _add_tangents(master, objective, fw_rho)  # one tangent set per round keeps the master small
    return lower


def _add_tangents(master: _Master, objective: Separable, rho: np.ndarray) -> None:
    g, f = objective.grad(rho), objective.value(rho)
    for j in range(len(rho)):
        master.add_cut(j, float(g[j]), float(f[j] - g[j] * rho[j]))


def max_step(rho: np.ndarray, direction: np.ndarray, cap: np.ndarray) -> float:
    """Largest t ≤ 1 keeping ρ + t d within the caps."""
    up = direction > 1e-15
    if not up.any():
        return 1.0
    return float(max(0.0, min(1.0, np.min((cap[up] - rho[up]) / direction[up]))))


def segment_minimiser(objective: Separable, rho: np.ndarray, direction: np.ndarray, t_max: float) -> float:
    """argmin over [0, t_max] of Σ f(ρ + t d): bisection on the increasing directional derivative."""

    def deriv(t: float) -> float:
        return float(objective.grad(rho + t * direction) @ direction)

    if t_max <= 0 or deriv(0.0) >= 0:
        return 0.0
    if deriv(t_max) <= 0:
        return t_max
    lo, hi = 0.0, t_max
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if deriv(mid) > 0:
            hi = mid
        else:
            lo = mid
    return lo


def pair_shares(problem: AssociationProblem, cells: np.ndarray, padded: np.ndarray) -> np.ndarray:
    """Padded shares back to the problem's pair order (matched on the key location · (cells + 1) + cell)."""
    slot_cell = np.where(cells >= 0, cells, problem.n_cells)
    flat_keys = (np.arange(cells.shape[0])[:, None] * (problem.n_cells + 1) + slot_cell).ravel()
    order = np.argsort(flat_keys, kind="stable")
    pair_keys = problem.loc * (problem.n_cells + 1) + problem.cell
    pos = np.searchsorted(flat_keys[order], pair_keys)
    return padded.ravel()[order[pos]]


def loads_from_shares(problem: AssociationProblem, shares: np.ndarray) -> np.ndarray:
    """``ρ_j = Σ_x a_xj η_xj``, recomputed from shares (an independent check of any solution)."""
    return np.bincount(problem.cell, problem.load * shares, minlength=problem.n_cells).astype(float)


def solve_association_pyomo(
    problem: AssociationProblem,
    objective: Separable,
    tol: float = GAP_TOL,
    max_iterations: int = 300,
    solver: str = "highs",
) -> AssociationSolution:
    """The declarative reference over the shares η (small instances): Pyomo, outer approximation, HiGHS.

    Variables η_p ≥ 0 per allowed pair, ρ_j ≤ ρ_max,j, t_j; rows ``Σ_{p of x} η_p = μ_x``,
    ``ρ_j = Σ_{p of j} a_p η_p``, and tangent cuts ``t_j ≥ f_j(ρ̄) + f_j'(ρ̄)(ρ_j − ρ̄)`` added at each master optimum
    until ``Σ f(ρ) − Σ t ≤ tol · max(1, Σ f(ρ))``. With ``solver="scip"`` the exact nonlinear objective is handed to
    SCIP instead (pyscipopt; an independent global check).
    """
    import pyomo.environ as pyo
    from pyomo.contrib.solver.common.factory import SolverFactory

    t0 = time.perf_counter()
    n, m = problem.n_cells, len(problem.loc)
    mu = problem.admission
    by_loc = [np.flatnonzero(problem.loc == x) for x in range(problem.n_locations)]
    by_cell = [np.flatnonzero(problem.cell == j) for j in range(n)]
    model = pyo.ConcreteModel(name="association")
    model.P = pyo.RangeSet(0, m - 1)
    model.J = pyo.RangeSet(0, n - 1)
    model.X = pyo.RangeSet(0, problem.n_locations - 1)
    model.eta = pyo.Var(model.P, domain=pyo.NonNegativeReals)
    model.rho = pyo.Var(model.J, bounds=lambda _, j: (0.0, float(problem.rho_max[j])))
    model.admit = pyo.Constraint(model.X, rule=lambda mm, x: sum(mm.eta[p] for p in by_loc[x]) == float(mu[x]))
    model.load_def = pyo.Constraint(
        model.J, rule=lambda mm, j: mm.rho[j] == sum(float(problem.load[p]) * mm.eta[p] for p in by_cell[j])
    )
    iterations = 0
    if solver == "scip":
        expr = _pyomo_expression(objective, model.rho, n)
        model.obj = pyo.Objective(expr=expr)
        res = SolverFactory("scip_direct").solve(model, tee=False)
        rho = np.array([pyo.value(model.rho[j]) for j in range(n)])
        lower = float(res.objective_bound) if res.objective_bound is not None else float("nan")
        upper = objective.total(rho)
        name = "pyomo+scip"
    else:
        model.t = pyo.Var(model.J)
        model.cuts = pyo.ConstraintList()
        r0 = 0.5 * np.asarray(problem.rho_max, float)
        for j in range(n):
            g, f = objective.grad(r0)[j], objective.value(r0)[j]
            model.cuts.add(model.t[j] >= float(f) + float(g) * (model.rho[j] - float(r0[j])))
        for slope, intercept in objective.pieces:
            for j in range(n):
                model.cuts.add(model.t[j] >= float(intercept[j]) + float(slope[j]) * model.rho[j])
        model.obj = pyo.Objective(expr=sum(model.t[j] for j in range(n)))
        opt = SolverFactory("highs")
        upper, lower = np.inf, -np.inf
        for iterations in range(1, max_iterations + 1):  # noqa: B007
            opt.solve(model)
            rho = np.array([pyo.value(model.rho[j]) for j in range(n)])
            lower = max(lower, pyo.value(model.obj))
            upper = min(upper, objective.total(rho))
            if upper - lower <= tol * max(1.0, abs(upper)):
                break
            rc = np.minimum(rho, np.asarray(problem.rho_max) * (1 - 1e-9))
            g, f = objective.grad(rc), objective.value(rc)
            for j in range(n):
                model.cuts.add(model.t[j] >= float(f[j]) + float(g[j]) * (model.rho[j] - float(rc[j])))
        name = "pyomo+highs-oa"
    shares = np.array([pyo.value(model.eta[p]) for p in range(m)])
    rho = loads_from_shares(problem, shares)
    gap = (upper - lower) / max(1.0, abs(upper))
    return AssociationSolution(
        status=Status.OPTIMAL if gap <= tol else Status.FEASIBLE,
        rho=rho,
        shares=shares,
        objective=objective.total(rho),
        lower_bound=float(lower),
        gap=float(gap),
        iterations=iterations,
        overload=np.zeros(n),
        facts=SolverFacts(name=name, time_s=time.perf_counter() - t0, gap=float(gap), bound=float(lower)),
    )


def _pyomo_expression(objective: Separable, rho, n: int):
    """Σ f_j(ρ_j) as a Pyomo expression, for the objectives SCIP can take exactly."""
    import pyomo.environ as pyo

    params = getattr(objective, "params", None)
    if objective.name == "latency" or objective.name == "rho/(1-rho)":
        c = np.ones(n) if params is None else params["vartheta"]
        return sum(float(c[j]) * rho[j] / (1 - rho[j]) for j in range(n))
    if objective.name == "psi":
        k, rho_hat, c = params["k"], params["rho_hat"], params["vartheta"]
        return sum(
            float(c[j]) * pyo.exp(float(k[j]) * (rho[j] - float(rho_hat[j]))) * rho[j] / (1 - rho[j]) for j in range(n)
        )
    if objective.name == "rho^2":
        return sum(rho[j] ** 2 for j in range(n))
    raise UnsupportedData(f"no exact algebraic form of '{objective.name}' for SCIP")


def solve_association_cvxpy(problem: AssociationProblem, objective_name: str, vartheta: np.ndarray | None = None):
    """A second path for DCP objectives (latency ``ρ/(1−ρ)``, ``rho^2``, ``-log(1-rho)``): cvxpy with Clarabel.

    Returns ``(rho, shares, objective value, cvxpy status)``; the status is ``optimal`` or ``optimal_inaccurate``
    (any other raises :class:`SolverError`).
    """
    import cvxpy as cp
    import scipy.sparse as sp

    n, m = problem.n_cells, len(problem.loc)
    eta = cp.Variable(m, nonneg=True)
    a_loc = sp.csr_matrix((np.ones(m), (problem.loc, np.arange(m))), shape=(problem.n_locations, m))
    a_cell = sp.csr_matrix((problem.load, (problem.cell, np.arange(m))), shape=(n, m))
    rho = a_cell @ eta
    c = np.ones(n) if vartheta is None else np.asarray(vartheta, float)
    if objective_name in ("latency", "rho/(1-rho)"):
        expr = cp.sum(cp.multiply(c, cp.inv_pos(1 - rho) - 1))
    elif objective_name == "rho^2":
        expr = cp.sum_squares(rho)
    elif objective_name == "-log(1-rho)":
        expr = -cp.sum(cp.log(1 - rho))
    else:
        raise UnsupportedData(f"'{objective_name}' is not DCP; use solve_association")
    cons = [a_loc @ eta == problem.admission, rho <= problem.rho_max]
    prob = cp.Problem(cp.Minimize(expr), cons)
    prob.solve(solver=cp.CLARABEL)
    if prob.status not in ("optimal", "optimal_inaccurate"):
        raise SolverError(f"cvxpy/Clarabel ended with status {prob.status}", stage="cvxpy association program")
    shares = np.clip(eta.value, 0, None)
    return loads_from_shares(problem, shares), shares, float(prob.value), prob.status


def min_max_load(problem: AssociationProblem, tol: float = 1e-7, max_iterations: int = 500) -> tuple[float, float]:
    """``z* = min over associations of max_j ρ_j / ρ_max,j`` by column generation; returns (upper, lower) bounds.

    Master (highspy): ``min z`` s.t. ``Σ_k w_k s_kj / ρ_max,j − z ≤ 0``, ``Σ_k w_k = 1``, ``w ≥ 0``. A new vertex
    prices every location at ``min_j y_j a_xj / ρ_max,j`` with the duals ``y`` of the load rows; the Lagrangian
    bound ``z_m + min_s yᵀ(s / ρ_max) − σ`` certifies the result.
    """
    import highspy

    n = problem.n_cells
    cap = np.asarray(problem.rho_max, float)
    vertices = Vertices(problem)
    h = new_highs()
    inf = highspy.kHighsInf
    h.addVars(1, np.array([0.0]), np.array([inf]))  # z
    h.changeColsCost(1, np.array([0], np.int32), np.array([1.0]))
    for _ in range(n):
        h.addRow(-inf, 0.0, 1, np.array([0], np.int32), np.array([-1.0]))
    h.addRow(1.0, 1.0, 0, np.array([], np.int32), np.array([]))

    def add(price: np.ndarray) -> np.ndarray:
        pick, s = vertices.cheapest(price)
        if vertices.add(pick, s):
            rows = np.concatenate([np.flatnonzero(s), [n]]).astype(np.int32)
            h.addCol(0.0, 0.0, inf, len(rows), rows, np.concatenate([s[s > 0] / cap[s > 0], [1.0]]))
        return s

    add(np.ones(n))
    add(1.0 / cap)
    upper, lower = np.inf, 0.0
    for _ in range(max_iterations):
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise SolverError("HiGHS could not solve the admission master")
        z = h.getInfo().objective_function_value
        y = np.asarray(h.getSolution().row_dual)
        upper = min(upper, z)
        weight = np.maximum(-y[:n], 0.0)  # the load rows are ≤ rows of a minimisation: their duals are ≤ 0
        _, s = vertices.cheapest(weight / cap)
        lower = max(lower, z + float(weight @ (s / cap)) - y[n])
        if upper - lower <= tol * max(1.0, upper):
            break
        add(weight / cap)
    return upper, lower
