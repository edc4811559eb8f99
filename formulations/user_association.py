"""User association to a certified optimum: every user on one cell, with the PRBs it needs *in that cell*.

A user ``u`` may be served by any of its candidate cells; candidate ``k`` = (``u_k``, ``j_k``) needs ``B_k`` PRBs
(the same user needs different PRBs in different cells: the transfer is non-conservative, so this is a
generalised assignment problem, not a flow). Cells belong to evaluation units ``g`` (a cell, or a macro cell with
its picocells) of PRB capacity ``C_g``; with ``x_k ∈ {0, 1}`` the load of unit g is
``ρ_g = Σ_{k ∈ K(g)} B_k x_k / C_g`` and every user takes exactly one candidate, ``Σ_{k ∈ K(u)} x_k = 1``.

Objectives (``objective``)
--------------------------
``max-load``     ``min t``  s.t. ``Σ_{k ∈ K(g)} B_k x_k − C_g t ≤ 0`` for every unit g: the largest utilisation.
``sum-squares``  ``min Σ_g ρ_g²`` (for a fixed total load, the same as the largest load-distribution index). HiGHS
                 has no integer QP, so the square is replaced by its tangents, ``z_g ≥ 2 a ρ_g − a²`` at points
                 ``a`` (an outer approximation: the MILP's optimum is a valid lower bound of ``Σ ρ²``), and tangents
                 are added at every round's loads (Kelley's cutting planes) until the incumbent's true ``Σ ρ²`` is
                 within ``mip_gap`` of the bound.
``over-busy``    ``min Σ_g y_g`` with ``y_g`` binary, ``Σ_{k ∈ K(g)} B_k x_k − M_g y_g ≤ C_g − τ``: the number of
                 units at or above capacity (the evaluator's over-busy share times the number of units).
                 ``τ = 1`` PRB when every ``B_k`` and ``C_g`` is whole (then ``L < C ⇔ L ≤ C − 1``, exact); else
                 ``τ = 0``, a relaxation (the bound stays valid; a unit exactly at capacity counts in the value).

Second stage (``second_stage``, for ``max-load`` and ``over-busy``): at the first stage's incumbent value, the
fewest handovers ``Σ_u (1 − x_{c(u)})`` (``handovers``) or the least PRBs moved ``Σ_u B_{c(u)} (1 − x_{c(u)})``
(``prb-moved``), ``c(u)`` being the user's current candidate.

For ``max-load``, a gap the MILP leaves is then closed by threshold tests: "is there an association with every
load at most L?" is a feasibility MILP that HiGHS often settles (finds one, or proves there is none) much faster
than the min-max one; a yes lowers the value to the association's, a no raises the bound to the least load above
L an association can have (with whole PRBs and capacities, loads are multiples of ``1 / C_g``).

The answer (as :func:`formulations.min_cost_flow._finish` does) is recomputed from the association itself: its
value from the loads it gives, never the solver's objective; the bound is HiGHS' MILP dual bound, the LP
relaxation's optimum when the search stopped before it had one, and for ``max-load`` never below the elementary
bound ``max(max_u min_k B_k / C_{g(k)}, Σ_u min_k B_k / Σ_g C_g)``. ``status`` is ``optimal`` when
``(value − bound) / value ≤ mip_gap`` — certified — else ``feasible``, with the bound and the gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from formulations.errors import SolverError, SolverNotInstalled
from formulations.highs_lp import highs_lp
from formulations.highs_milp import MilpRun, highs_version, quiet_stdout, relative_gap, run_milp, settled_bound
from formulations.status import SolverFacts, Status

__all__ = [
    "OBJECTIVES",
    "SECOND_STAGES",
    "AssignmentProblem",
    "AssignmentSolution",
    "greedy",
    "lagrangian_bound",
    "pyomo_model",
    "solve_assignment",
    "solve_pyomo",
]

OBJECTIVES = ("max-load", "sum-squares", "over-busy")
SECOND_STAGES = ("handovers", "prb-moved", "none")
#: distance to 0/1 within which a MILP column counts as chosen (HiGHS' mip_feasibility_tolerance is 1e-6)
CHOICE_TOL = 1e-4
#: rounds of tangent cuts for ``sum-squares`` at most
MAX_ROUNDS = 50
#: shares of the time limit for the first-stage MILP (the threshold tests take the rest up to the second stage's)
FIRST_STAGE_SHARE = 0.5
SECOND_STAGE_SHARE = 0.2


@dataclass(frozen=True)
class AssignmentProblem:
    """Candidate pairs as arrays, sorted by user; ``current[u]`` is the candidate user u holds now (−1: none)."""

    n_users: int
    user: np.ndarray
    unit: np.ndarray
    prb: np.ndarray
    capacity: np.ndarray
    current: np.ndarray

    def __post_init__(self) -> None:
        k = len(self.user)
        if not (len(self.unit) == len(self.prb) == k) or len(self.current) != self.n_users:
            raise ValueError("user, unit and prb need one entry per candidate, current one per user")
        if k and np.any(np.diff(self.user) < 0):
            raise ValueError("candidates must be sorted by user")
        if np.any(np.bincount(self.user, minlength=self.n_users)[: self.n_users] == 0):
            raise ValueError("every user needs at least one candidate")
        if not np.all(np.isfinite(self.prb)) or np.any(self.prb < 0):
            raise ValueError("prb must be finite and non-negative")
        if np.any(~(self.capacity > 0)):
            raise ValueError("unit capacities must be positive")
        held = self.current >= 0
        if np.any(self.user[self.current[held]] != np.flatnonzero(held)):
            raise ValueError("current[u] must be a candidate of user u")

    @property
    def whole(self) -> bool:
        """Whole PRBs and capacities: every load is then a multiple of ``1 / C_g``."""
        return bool(np.all(self.prb == np.round(self.prb)) and np.all(self.capacity == np.round(self.capacity)))

    @property
    def n_units(self) -> int:
        """Number of load units (cells or groups)."""
        return len(self.capacity)

    @property
    def n_candidates(self) -> int:
        """Number of (user, cell) candidate pairs."""
        return len(self.user)

    @property
    def starts(self) -> np.ndarray:
        """Index of each user's first candidate (and the total at the end)."""
        return np.searchsorted(self.user, np.arange(self.n_users + 1))

    def loads(self, choice: np.ndarray) -> np.ndarray:
        """Unit loads ``ρ_g`` of an association (one candidate index per user)."""
        return np.bincount(self.unit[choice], self.prb[choice], self.n_units) / self.capacity

    def value(self, objective: str, choice: np.ndarray) -> float:
        """The objective of an association, from its loads."""
        rho = self.loads(choice)
        if objective == "max-load":
            return float(rho.max(initial=0.0))
        if objective == "sum-squares":
            return float(rho @ rho)
        return float(np.sum(rho >= 1.0))

    def moves(self, choice: np.ndarray) -> tuple[int, float]:
        """Handovers (users off their current candidate) and the PRBs they held there."""
        held = self.current >= 0
        moved = held & (choice != np.where(held, self.current, -1))
        return int(moved.sum()), float(self.prb[self.current[moved]].sum())

    def elementary_bound(self) -> float:
        """``max(max_u min_k B_k / C_g(k), Σ_u min_k B_k / Σ_g C_g)``: a lower bound of the largest load."""
        starts = self.starts[:-1]
        own = np.minimum.reduceat(self.prb / self.capacity[self.unit], starts)
        least = np.minimum.reduceat(self.prb, starts)
        return float(max(own.max(initial=0.0), least.sum() / self.capacity.sum()))


@dataclass
class AssignmentSolution:
    """The association found (one candidate per user), its value, the proven bound and what the solver said."""

    status: Status
    choice: np.ndarray
    value: float
    bound: float
    gap: float
    facts: SolverFacts
    lp_bound: float | None = None
    second_stage: dict[str, Any] = field(default_factory=dict)


def _choice_of(problem: AssignmentProblem, x: np.ndarray) -> np.ndarray:
    """Each user's candidate with the largest column value; refuses a column vector that is not an association."""
    order = np.lexsort((-x, problem.user))
    choice = order[problem.starts[:-1]]
    per_user = np.add.reduceat(x, problem.starts[:-1])
    if np.any(np.abs(x[choice] - 1.0) > CHOICE_TOL) or np.any(np.abs(per_user - 1.0) > CHOICE_TOL):
        raise SolverError("HiGHS returned a solution that does not give every user exactly one cell", "milp")
    return choice


def _incidence(problem: AssignmentProblem) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Assignment rows (users × candidates) and unit rows with ``B_k`` (units × candidates)."""
    k = np.arange(problem.n_candidates)
    ones = np.ones(problem.n_candidates)
    assign = sp.csr_matrix((ones, (problem.user, k)), shape=(problem.n_users, problem.n_candidates))
    load = sp.csr_matrix((problem.prb, (problem.unit, k)), shape=(problem.n_units, problem.n_candidates))
    return assign, load


@dataclass
class _Model:
    """A MILP in HiGHS: the x columns first, then the objective's own columns."""

    h: Any
    n_extra: int

    def set_start(self, problem: AssignmentProblem, choice: np.ndarray, extra: np.ndarray) -> None:
        import highspy

        x = np.zeros(problem.n_candidates)
        x[choice] = 1.0
        sol = highspy.HighsSolution()
        sol.col_value = np.concatenate([x, extra]).tolist()
        self.h.setSolution(sol)


def _milp(
    problem: AssignmentProblem,
    extra_cost: np.ndarray,
    extra_upper: np.ndarray,
    extra_int: bool,
    rows: sp.spmatrix,
    rows_upper: np.ndarray,
) -> _Model:
    """``min extra_costᵀ e`` over x (binary) and the objective's columns e: the assignment rows, then
    ``rows · (x, e) ≤ rows_upper``."""
    import highspy

    assign, _ = _incidence(problem)
    n_extra = len(extra_cost)
    top = sp.hstack([assign, sp.csr_matrix((problem.n_users, n_extra))])
    matrix = sp.vstack([top, rows], format="csc")
    n_rows = matrix.shape[0]
    row_lower = np.concatenate([np.ones(problem.n_users), np.full(n_rows - problem.n_users, -np.inf)])
    row_upper = np.concatenate([np.ones(problem.n_users), rows_upper])
    cost = np.concatenate([np.zeros(problem.n_candidates), extra_cost])
    upper = np.concatenate([np.ones(problem.n_candidates), extra_upper])
    h = highs_lp(matrix, cost, np.zeros(len(cost)), upper, row_lower, row_upper)
    integer = np.arange(problem.n_candidates + (n_extra if extra_int else 0), dtype=np.int32)
    h.changeColsIntegrality(len(integer), integer, np.full(len(integer), highspy.HighsVarType.kInteger.value, np.uint8))
    return _Model(h, n_extra)


def _max_load_model(problem: AssignmentProblem) -> _Model:
    _, load = _incidence(problem)
    rows = sp.hstack([load, -sp.csr_matrix(problem.capacity[:, None])])
    return _milp(problem, np.ones(1), np.array([np.inf]), False, rows, np.zeros(problem.n_units))


def _over_busy_slack(problem: AssignmentProblem) -> float:
    return 1.0 if problem.whole else 0.0


def _over_busy_model(problem: AssignmentProblem) -> _Model:
    """``Σ B x − M_g y_g ≤ C_g − τ``; ``M_g``: the most unit g can carry (each user's largest need there)."""
    _, load = _incidence(problem)
    tau = _over_busy_slack(problem)
    key = problem.user.astype(np.int64) * problem.n_units + problem.unit
    uniq, inverse = np.unique(key, return_inverse=True)
    most = np.zeros(len(uniq))
    np.maximum.at(most, inverse, problem.prb)
    big_m = np.maximum(np.bincount(uniq % problem.n_units, most, problem.n_units) - (problem.capacity - tau), 0.0)
    rows = sp.hstack([load, -sp.diags(big_m)])
    return _milp(problem, np.ones(problem.n_units), np.where(big_m > 0, 1.0, 0.0), True, rows, problem.capacity - tau)


def _tangent_rows(problem: AssignmentProblem, unit: np.ndarray, point: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Rows ``(2a / C_g) Σ_{k∈K(g)} B_k x_k − z_g ≤ a²`` for the pairs (unit g, point a)."""
    per_unit = [np.flatnonzero(problem.unit == g) for g in range(problem.n_units)]
    r, c, v = [], [], []
    for i, (g, a) in enumerate(zip(unit, point, strict=True)):
        cols = per_unit[g]
        r.append(np.full(len(cols) + 1, i))
        c.append(np.concatenate([cols, [problem.n_candidates + g]]))
        v.append(np.concatenate([2.0 * a / problem.capacity[g] * problem.prb[cols], [-1.0]]))
    shape = (len(unit), problem.n_candidates + problem.n_units)
    if not r:
        return sp.csr_matrix(shape), np.empty(0)
    return sp.csr_matrix((np.concatenate(v), (np.concatenate(r), np.concatenate(c))), shape=shape), point**2


def _add_rows(model: _Model, rows: sp.csr_matrix, upper: np.ndarray) -> None:
    rows = rows.tocsr()
    model.h.addRows(
        rows.shape[0],
        np.full(rows.shape[0], -np.inf),
        upper,
        rows.nnz,
        rows.indptr[:-1].astype(np.int32),
        rows.indices.astype(np.int32),
        rows.data,
    )


def _run(model: _Model, problem: AssignmentProblem, time_limit: float, mip_gap: float) -> MilpRun:
    run = run_milp(model.h, time_limit, mip_gap, "MILP")
    if run.x is not None:
        run.x = run.x[: problem.n_candidates]
    return run


def _lp_relaxation(model_of: Any, problem: AssignmentProblem) -> tuple[float, np.ndarray]:
    """The LP relaxation's optimum and x (the same model with every column continuous), solved to completion."""
    import highspy

    model = model_of(problem)
    n = problem.n_candidates + model.n_extra
    cols = np.arange(n, dtype=np.int32)
    model.h.changeColsIntegrality(n, cols, np.full(n, highspy.HighsVarType.kContinuous.value, np.uint8))
    model.h.run()
    status = model.h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS ended the LP relaxation with '{model.h.modelStatusToString(status)}'", "lp")
    x = np.asarray(model.h.getSolution().col_value)[: problem.n_candidates]
    return float(model.h.getInfo().objective_function_value), x


def lagrangian_bound(problem: AssignmentProblem, weights: np.ndarray) -> float:
    """``Σ_u min_k λ_g(k) B_k / Σ_g λ_g C_g``: a lower bound of the largest load for *any* unit weights ``λ ≥ 0``.

    For every association, the largest ``L_g / C_g`` is at least their average weighted by ``λ_g C_g``, which is
    ``Σ_g λ_g L_g / Σ_g λ_g C_g ≥`` the expression (each user's PRBs in its cell cost at least its cheapest
    candidate's). At the LP's dual prices it equals the LP relaxation's optimum (LP duality), so an interior-point
    solution without crossover gives a bound that is valid whatever its accuracy: it is recomputed here.
    """
    lam = np.maximum(np.asarray(weights, float), 0.0)
    total = float(lam @ problem.capacity)
    if total <= 0:
        return 0.0
    return float(np.minimum.reduceat(lam[problem.unit] * problem.prb, problem.starts[:-1]).sum() / total)


def _lp_max_load(problem: AssignmentProblem) -> tuple[float, np.ndarray]:
    """The LP relaxation of ``max-load`` by HiGHS' interior point method (no crossover: the vertex is not needed),
    its bound recomputed from the dual prices of the load rows (:func:`lagrangian_bound`), and its x."""
    import highspy

    model = _max_load_model(problem)
    h = model.h
    n = problem.n_candidates + 1
    h.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kContinuous.value, np.uint8)
    )
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS ended the LP relaxation with '{h.modelStatusToString(status)}'", "lp")
    sol = h.getSolution()
    prices = -np.asarray(sol.row_dual)[problem.n_users :]  # ≤ rows of a minimisation: duals ≤ 0
    return lagrangian_bound(problem, prices), np.asarray(sol.col_value)[: problem.n_candidates]


def _rounded(problem: AssignmentProblem, x: np.ndarray) -> np.ndarray:
    """Each user on its candidate of largest LP share (ties: the current cell, then the first)."""
    bonus = np.zeros(problem.n_candidates)
    held = problem.current[problem.current >= 0]
    bonus[held] = 1e-9
    order = np.lexsort((-(x + bonus), problem.user))
    return order[problem.starts[:-1]]


def greedy(problem: AssignmentProblem, share: np.ndarray | None = None) -> np.ndarray:
    """List scheduling: users by decreasing least need, each on the candidate whose unit ends least loaded
    (``(L_g + B_k) / C_g``; ties: the larger ``share``, e.g. an LP solution, then the current cell). An upper
    bound and a warm start, ``O(candidates)`` in a plain loop."""
    starts = problem.starts
    least = np.minimum.reduceat(problem.prb, starts[:-1])
    order = np.argsort(-least, kind="stable")
    tie = np.zeros(problem.n_candidates) if share is None else np.asarray(share, float)
    held = problem.current[problem.current >= 0]
    tie[held] += 1e-6
    used = np.zeros(problem.n_units)
    cap, unit, prb = problem.capacity.tolist(), problem.unit.tolist(), problem.prb.tolist()
    tie_l, starts_l = tie.tolist(), starts.tolist()
    choice = np.empty(problem.n_users, np.int64)
    used_l = used.tolist()
    for u in order.tolist():
        best, best_key = -1, None
        for k in range(starts_l[u], starts_l[u + 1]):
            key = ((used_l[unit[k]] + prb[k]) / cap[unit[k]], -tie_l[k])
            if best_key is None or key < best_key:
                best, best_key = k, key
        used_l[unit[best]] += prb[best]
        choice[u] = best
    return choice


def _best(problem: AssignmentProblem, objective: str, choices: list[np.ndarray]) -> np.ndarray:
    values = [problem.value(objective, c) for c in choices]
    return choices[int(np.argmin(values))]


def _extra_of(problem: AssignmentProblem, objective: str, choice: np.ndarray) -> np.ndarray:
    """The objective's own columns at an association (t, or y_g, or z_g)."""
    rho = problem.loads(choice)
    if objective == "max-load":
        return np.array([rho.max(initial=0.0)])
    if objective == "over-busy":
        return (rho * problem.capacity > problem.capacity - _over_busy_slack(problem) + 1e-9).astype(float)
    return rho**2


_MODELS = {"max-load": _max_load_model, "over-busy": _over_busy_model}


def solve_assignment(
    problem: AssignmentProblem,
    objective: str = "max-load",
    second_stage: str = "handovers",
    time_limit: float = 60.0,
    mip_gap: float = 1e-4,
    warm_starts: tuple[np.ndarray, ...] = (),
    relaxation: bool = False,
) -> AssignmentSolution:
    """Solve the association problem of the module docstring with HiGHS (highspy's matrix API).

    Parameters
    ----------
    problem : the candidates.
    objective : ``max-load``, ``sum-squares`` or ``over-busy``.
    second_stage : ``handovers``, ``prb-moved`` or ``none`` (``max-load`` and ``over-busy`` only).
    time_limit : seconds for the whole search: up to half for the first-stage MILP, then (``max-load``) threshold
        tests, the last fifth kept for the second stage; the LP relaxation, when needed for a bound, is solved to
        completion beyond it.
    mip_gap : relative gap at which the search stops; ``optimal`` is reported within it.
    warm_starts : associations (a candidate index per user) to start from; the current association (where every
        user has one) is always one of them. The best of them is the incumbent the search must beat.
    relaxation : solve the LP relaxation only: its optimum is the bound (for ``max-load`` by the interior point
        method, the bound recomputed from its dual prices, :func:`lagrangian_bound`), the association rounds each
        user to its largest share (for networks too large for the MILP).

    Returns
    -------
    AssignmentSolution
        the association, its value (recomputed from its loads), the bound and the gap.

    Examples
    --------
    Two users, two single-cell units of 10 PRBs: user 0 needs 6 PRBs in either cell, user 1 needs 6 in cell 0 and
    9 in cell 1. Both on cell 0 would load it to 1.2; the optimum splits them, 0.6 against 0.9.

    >>> import numpy as np
    >>> p = AssignmentProblem(2, np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([6.0, 6, 6, 9]),
    ...                       np.array([10.0, 10]), np.array([0, 2]))
    >>> s = solve_assignment(p)
    >>> s.status.value, s.value, s.choice.tolist()
    ('optimal', 0.6, [1, 2])
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective: expected one of {OBJECTIVES}, got {objective!r}")
    if second_stage not in SECOND_STAGES:
        raise ValueError(f"second_stage: expected one of {SECOND_STAGES}, got {second_stage!r}")
    try:
        import highspy  # noqa: F401
    except ImportError as exc:  # pragma: no cover - highspy is a dependency
        raise SolverNotInstalled("highspy is not installed") from exc
    t0 = time.perf_counter()
    starts = [np.asarray(c) for c in warm_starts]
    if np.all(problem.current >= 0):
        starts.append(problem.current)
    starts.append(_rounded(problem, np.zeros(problem.n_candidates)))  # first candidate of users that hold none
    starts.append(greedy(problem))
    if relaxation:
        return _relaxed(problem, objective, starts, t0)
    if objective == "sum-squares":
        return _kelley(problem, starts, time_limit, mip_gap, t0)
    return _two_stage(problem, objective, second_stage, starts, time_limit, mip_gap, t0)


def _facts(t0: float, termination: str, extra: dict[str, Any], gap: float, bound: float) -> SolverFacts:
    return SolverFacts(
        name="highs",
        version=highs_version(),
        time_s=time.perf_counter() - t0,
        gap=gap,
        bound=bound,
        termination=termination,
        extra=extra,
    )


def _floor_bound(problem: AssignmentProblem, objective: str, bound: float) -> float:
    """The bound with the elementary bound of ``max-load`` (and 0, every objective being non-negative) under it."""
    floor = problem.elementary_bound() if objective == "max-load" else 0.0
    return max(bound, floor)


def _two_stage(
    problem: AssignmentProblem,
    objective: str,
    second_stage: str,
    starts: list[np.ndarray],
    time_limit: float,
    mip_gap: float,
    t0: float,
) -> AssignmentSolution:
    incumbent = _best(problem, objective, starts)
    model = _MODELS[objective](problem)
    model.set_start(problem, incumbent, _extra_of(problem, objective, incumbent))
    run = _run(model, problem, time_limit * FIRST_STAGE_SHARE, mip_gap)
    if run.x is not None:
        incumbent = _best(problem, objective, [incumbent, _choice_of(problem, run.x)])
    value = problem.value(objective, incumbent)
    lp_bound = None
    bound = run.bound
    if not np.isfinite(bound):
        lp_bound = (
            _lp_max_load(problem)[0] if objective == "max-load" else _lp_relaxation(_MODELS[objective], problem)[0]
        )
        bound = lp_bound
    bound = settled_bound(value, _floor_bound(problem, objective, bound))
    tests: list[dict[str, Any]] = []
    if objective == "max-load" and relative_gap(value, bound) > mip_gap:
        deadline = t0 + time_limit * (1 - SECOND_STAGE_SHARE if second_stage != "none" else 1.0)
        incumbent, value, bound, tests = _bisect(problem, incumbent, value, bound, mip_gap, deadline)
    gap = relative_gap(value, bound)
    status = Status.OPTIMAL if gap <= mip_gap * (1 + 1e-9) else Status.FEASIBLE
    stage2: dict[str, Any] = {}
    if second_stage != "none" and np.any(problem.current >= 0):
        remaining = time_limit - (time.perf_counter() - t0)
        incumbent, stage2 = _second_stage(problem, objective, second_stage, incumbent, value, remaining, mip_gap)
    ran_out = run.time_limit_hit or any(t["verdict"] == "unknown" for t in tests)
    termination = "converged" if status == Status.OPTIMAL else ("time-limit" if ran_out else "iteration-limit")
    extra = {"milp_status": run.status, "first_stage_value": value, "threshold_tests": tests}
    if lp_bound is not None:
        extra["lp_bound"] = lp_bound
    facts = _facts(t0, termination, extra, gap, bound)
    return AssignmentSolution(status, incumbent, value, bound, gap, facts, lp_bound, stage2)


def _next_above(problem: AssignmentProblem, level: float) -> float:
    """The least load above ``level`` an association can give: with whole PRBs and capacities every load is a
    multiple of ``1 / C_g``; otherwise ``level`` itself (no association is at or below it)."""
    if problem.whole:
        return float(np.min((np.floor(problem.capacity * level + 1e-9) + 1) / problem.capacity))
    return level


def _below(problem: AssignmentProblem, value: float, mip_gap: float) -> float:
    """The largest load below ``value`` worth testing: the next multiple of ``1 / C_g`` down, or ``value (1 − gap)``."""
    if problem.whole:
        return float(np.max((np.ceil(problem.capacity * value - 1e-9) - 1) / problem.capacity))
    return value * (1 - mip_gap)


def _threshold_test(problem: AssignmentProblem, level: float, time_limit: float) -> tuple[str, np.ndarray | None]:
    """Is there an association with every unit load at most ``level``? ``feasible`` (with one), ``infeasible``
    (HiGHS proved there is none) or ``unknown`` (time ran out)."""
    import highspy

    model = _max_load_model(problem)
    h, k = model.h, problem.n_candidates
    h.changeColsBounds(1, np.array([k], np.int32), np.zeros(1), np.array([level]))
    h.changeColCost(k, 0.0)
    too_big = np.flatnonzero(problem.prb / problem.capacity[problem.unit] > level + 1e-12).astype(np.int32)
    h.changeColsBounds(len(too_big), too_big, np.zeros(len(too_big)), np.zeros(len(too_big)))
    h.setOptionValue("time_limit", max(float(time_limit), 0.0))
    with quiet_stdout():
        h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", None
    if h.getInfo().primal_solution_status == 2:
        choice = _choice_of(problem, np.asarray(h.getSolution().col_value)[:k])
        if problem.value("max-load", choice) <= level * (1 + 1e-12):
            return "feasible", choice
    return "unknown", None


def _bisect(
    problem: AssignmentProblem, incumbent: np.ndarray, value: float, bound: float, mip_gap: float, deadline: float
) -> tuple[np.ndarray, float, float, list[dict[str, Any]]]:
    """Close the gap the MILP left by threshold tests (each a feasibility MILP, often far easier than the
    min-max one): a load level between the bound and the value is tested; an association at or below it is the
    new incumbent, a proof that none exists raises the bound above it. Levels halve the interval; after a test
    runs out of time, the levels next to the ends are tested (a step down from the value, the bound itself)."""
    tests: list[dict[str, Any]] = []
    edges = False
    for _ in range(64):
        left = deadline - time.perf_counter()
        if relative_gap(value, bound) <= mip_gap or left < 0.05:
            break
        if not edges:
            level = (bound + value) / 2
        else:
            level = bound if len(tests) % 2 else _below(problem, value, mip_gap)
        verdict, choice = _threshold_test(problem, level, left / 2 if not edges else left / 3)
        tests.append({"level": level, "verdict": verdict})
        if verdict == "feasible":
            incumbent, value = choice, problem.value("max-load", choice)
        elif verdict == "infeasible":
            bound = settled_bound(value, max(bound, _next_above(problem, level)))
        elif edges and len(tests) > 2 and tests[-2]["verdict"] == "unknown":
            break  # both ends ran out of time
        else:
            edges = True
    return incumbent, value, bound, tests


def _second_stage(
    problem: AssignmentProblem,
    objective: str,
    second_stage: str,
    incumbent: np.ndarray,
    value: float,
    time_limit: float,
    mip_gap: float,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Among associations no worse than ``value``, the fewest handovers or PRBs moved (warm-started at the
    incumbent; a solution whose recomputed value exceeds ``value`` is not taken)."""
    model = _MODELS[objective](problem)
    h = model.h
    held = problem.current >= 0
    per_user = np.zeros(problem.n_users)
    per_user[held] = 1.0 if second_stage == "handovers" else problem.prb[problem.current[held]]
    cost = per_user[problem.user]
    cost[problem.current[held]] = 0.0
    n_cols = problem.n_candidates + model.n_extra
    h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), np.concatenate([cost, np.zeros(model.n_extra)]))
    if objective == "max-load":
        cap = value * (1 + 1e-9) + 1e-12
        h.changeColsBounds(1, np.array([problem.n_candidates], np.int32), np.array([0.0]), np.array([cap]))
    else:  # at most as many over-busy units as the incumbent
        y = np.arange(problem.n_candidates, n_cols, dtype=np.int32)
        h.addRow(-np.inf, value + 1e-9, len(y), y, np.ones(len(y)))
    before = problem.moves(incumbent)
    model.set_start(problem, incumbent, _extra_of(problem, objective, incumbent))
    if time_limit <= 0:
        return incumbent, {"objective": second_stage, "status": "not run: no time left", "handovers": before[0]}
    run = _run(model, problem, time_limit, mip_gap)
    chosen = incumbent
    if run.x is not None:
        candidate = _choice_of(problem, run.x)
        if problem.value(objective, candidate) <= value * (1 + 1e-9) + 1e-12:
            chosen = candidate
    handovers, prb_moved = problem.moves(chosen)
    score = handovers if second_stage == "handovers" else prb_moved
    bound = settled_bound(score, max(run.bound, 0.0) if np.isfinite(run.bound) else 0.0)
    return chosen, {
        "objective": second_stage,
        "status": "optimal" if relative_gap(score, bound) <= mip_gap * (1 + 1e-9) else "feasible",
        "value": score,
        "bound": bound,
        "handovers": handovers,
        "prb_moved": prb_moved,
        "handovers_before_second_stage": before[0],
    }


def _kelley(
    problem: AssignmentProblem, starts: list[np.ndarray], time_limit: float, mip_gap: float, t0: float
) -> AssignmentSolution:
    """``min Σ ρ_g²`` by tangent cuts, refined at each round's loads until the gap closes."""
    incumbent = _best(problem, "sum-squares", starts)
    value = problem.value("sum-squares", incumbent)
    rho0 = problem.loads(incumbent)
    grid = np.arange(0.0, max(float(rho0.max(initial=0.0)), 1.0) + 0.125, 0.125)
    units = np.repeat(np.arange(problem.n_units), len(grid))
    points = np.tile(grid, problem.n_units)
    units, points = np.concatenate([units, np.arange(problem.n_units)]), np.concatenate([points, rho0])
    rows, upper = _tangent_rows(problem, units, points)
    model = _milp(problem, np.ones(problem.n_units), np.full(problem.n_units, np.inf), False, rows, upper)
    bound, rounds, hit, words = -np.inf, 0, False, ""
    while rounds < MAX_ROUNDS:
        rounds += 1
        model.set_start(problem, incumbent, problem.loads(incumbent) ** 2)
        run = _run(model, problem, time_limit - (time.perf_counter() - t0), mip_gap / 4)
        hit, words = run.time_limit_hit, run.status
        bound = max(bound, run.bound)
        if run.x is None:
            break
        found = _choice_of(problem, run.x)
        if problem.value("sum-squares", found) < value:
            incumbent, value = found, problem.value("sum-squares", found)
        if hit or relative_gap(value, bound) <= mip_gap:
            break
        rho = problem.loads(found)
        cut_rows, cut_upper = _tangent_rows(problem, np.arange(problem.n_units), rho)
        _add_rows(model, cut_rows, cut_upper)
    lp_bound = None
    if not np.isfinite(bound):
        lp_bound, _ = _lp_relaxation(lambda p: model, problem)
        bound = lp_bound
    bound = settled_bound(value, max(bound, 0.0))
    gap = relative_gap(value, bound)
    status = Status.OPTIMAL if gap <= mip_gap * (1 + 1e-9) else Status.FEASIBLE
    facts = _facts(t0, "time-limit" if hit else "converged", {"milp_status": words, "rounds": rounds}, gap, bound)
    return AssignmentSolution(status, incumbent, value, bound, gap, facts, lp_bound)


def _relaxed(problem: AssignmentProblem, objective: str, starts: list[np.ndarray], t0: float) -> AssignmentSolution:
    """The LP relaxation: its optimum bounds the MILP; rounding its shares gives an association."""
    if objective == "sum-squares":
        raise ValueError("relaxation: the LP relaxation is offered for max-load and over-busy")
    lp_bound, x = _lp_max_load(problem) if objective == "max-load" else _lp_relaxation(_MODELS[objective], problem)
    incumbent = _best(problem, objective, [_rounded(problem, x), greedy(problem, x), *starts])
    value = problem.value(objective, incumbent)
    bound = settled_bound(value, _floor_bound(problem, objective, lp_bound))
    gap = relative_gap(value, bound)
    facts = _facts(t0, "converged", {"lp_bound": lp_bound, "relaxation": True}, gap, bound)
    status = Status.OPTIMAL if gap <= 1e-9 else Status.FEASIBLE
    return AssignmentSolution(status, incumbent, value, bound, gap, facts, lp_bound)


def pyomo_model(problem: AssignmentProblem, objective: str = "max-load"):
    """The same model, stated declaratively in Pyomo (sets, indexed variables, rules), with the exact square for
    ``sum-squares``: the reference the matrix model is checked against on small instances."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel(name=f"user_association_{objective}")
    m.K = pyo.RangeSet(0, problem.n_candidates - 1)
    m.U = pyo.RangeSet(0, problem.n_users - 1)
    m.G = pyo.RangeSet(0, problem.n_units - 1)
    of_user = [np.flatnonzero(problem.user == u).tolist() for u in range(problem.n_users)]
    in_unit = [np.flatnonzero(problem.unit == g).tolist() for g in range(problem.n_units)]
    m.x = pyo.Var(m.K, domain=pyo.Binary)
    m.one_cell = pyo.Constraint(m.U, rule=lambda m, u: sum(m.x[k] for k in of_user[u]) == 1)
    m.rho = pyo.Expression(
        m.G, rule=lambda m, g: sum(float(problem.prb[k]) * m.x[k] for k in in_unit[g]) / float(problem.capacity[g])
    )
    if objective == "max-load":
        m.t = pyo.Var(domain=pyo.NonNegativeReals)
        m.cap = pyo.Constraint(m.G, rule=lambda m, g: m.rho[g] <= m.t)
        m.obj = pyo.Objective(expr=m.t)
    elif objective == "sum-squares":
        m.obj = pyo.Objective(expr=sum(m.rho[g] ** 2 for g in m.G))
    else:
        m.y = pyo.Var(m.G, domain=pyo.Binary)
        tau = _over_busy_slack(problem)
        most = [float(problem.prb[in_unit[g]].sum()) for g in range(problem.n_units)]
        m.busy = pyo.Constraint(
            m.G,
            rule=lambda m, g: (
                m.rho[g] * float(problem.capacity[g]) - most[g] * m.y[g] <= float(problem.capacity[g]) - tau
            ),
        )
        m.obj = pyo.Objective(expr=sum(m.y[g] for g in m.G))
    return m


def solve_pyomo(problem: AssignmentProblem, objective: str = "max-load", solver: str = "scip_direct") -> float:
    """Optimum of :func:`pyomo_model` with ``solver`` (SCIP by default: a second solver; it takes the square)."""
    import pyomo.environ as pyo

    m = pyomo_model(problem, objective)
    opt = pyo.SolverFactory(solver)
    if not opt.available(exception_flag=False):
        raise SolverNotInstalled(f"Pyomo's {solver} is not available")
    if solver.startswith("scip"):
        opt.options["limits/gap"] = 0.0
    res = opt.solve(m)
    if str(res.solver.termination_condition) != "optimal":
        raise SolverError(f"{solver}: {res.solver.termination_condition}", "reference")
    return float(pyo.value(m.obj))
