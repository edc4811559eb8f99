"""Cell individual offsets (CIOs) that make the A3 event execute a planned set of handovers, as an LP.

A3 in lbopt's reading (NOTES §1.5, V2): a user served by cell i enters the event towards j when
``RSRP_j + O_ij > RSRP_i + Hys``, with antisymmetric pair offsets ``O_ji = −O_ij``. One variable per neighbour
link ``o_l = O_ab`` (so ``O_ba = −o_l``) within ``[o_min_l, o_max_l]``.

Each requirement ``r`` concerns one link ``l_r`` seen from one side ``σ_r ∈ {+1, −1}`` (``σ_r o_l`` is the offset
the user's serving cell applies towards the other cell) and a gap ``g_r = RSRP_serving + Hys − RSRP_other``:

* **move** (the user is planned to hand over):  ``σ_r o_l ≥ g_r + margin``   (A3 holds, with a margin);
* **stay** (the user must not hand over there): ``σ_r o_l ≤ g_r − margin``   (A3 fails, with a margin).

Exact problem: ``min Σ_l |o_l − o⁰_l|`` subject to every requirement and the bounds (the change from the current
offsets ``o⁰``; with ``o⁰ = 0``, the total |CIO|). When no exact setting exists, the soft problem is solved
lexicographically: first the least total violation ``V* = min Σ_r s_r`` with slacks ``s_r ≥ 0`` on every
requirement (``Σ w_r s_r`` with per-requirement weights when given), then the least change among settings with
``Σ w_r s_r ≤ V*``; the requirements with ``s_r > 0`` are
the users that deviate from the plan. Both are LPs (|·| by the usual split ``o − o⁰ = p − q``, ``p, q ≥ 0``),
solved with highspy's matrix API.

Every requirement involves one offset, so the problem separates by link: with offsets restricted to a finite set
of values (3GPP's q-OffsetRange, TS 36.331), :func:`solve_cio_steps` solves the same lexicographic problem exactly
by enumerating each link's allowed values (31 at most) — no MILP needed. A "link" may be an unordered pair with
``O_ba = −O_ab`` (``side`` ±1) or a directed relation (serving cell → neighbour, ``side`` +1 only): the formulation
is the same.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from formulations.errors import SolverError
from formulations.highs_lp import highs_lp
from formulations.status import SolverFacts, Status

#: slacks below this (dB) are not violations
VIOLATION_TOL = 1e-7


@dataclass(frozen=True)
class CioProblem:
    """Requirements on ``n_links`` pair offsets (see the module docstring)."""

    n_links: int
    link: np.ndarray  # per requirement: link index
    side: np.ndarray  # per requirement: +1 or −1
    gap_db: np.ndarray  # per requirement: RSRP_serving + Hys − RSRP_other
    move: np.ndarray  # per requirement: True = must enter A3, False = must not
    lower_db: np.ndarray  # per link
    upper_db: np.ndarray  # per link
    current_db: np.ndarray | None = None  # per link; zeros when None
    margin_db: float = 0.1
    weight: np.ndarray | None = None  # per requirement: weight of its violation in the soft problem (ones when None)

    def bound_row(self) -> tuple[np.ndarray, np.ndarray]:
        """Each requirement as ``lo ≤ σ o_l ≤ hi``."""
        inf = np.inf
        lo = np.where(self.move, self.gap_db + self.margin_db, -inf)
        hi = np.where(self.move, inf, self.gap_db - self.margin_db)
        return lo, hi


@dataclass
class CioSolution:
    """Offsets per link, the violation of every A3 requirement (0 when exact), the total change from the current
    offsets and whether every requirement holds.
    """

    status: Status  # optimal (exact), feasible (soft: deviations), infeasible never (soft always solves)
    offsets_db: np.ndarray  # per link, O_ab
    violation_db: np.ndarray  # per requirement, ≥ 0
    objective: float  # Σ |o − o⁰|
    exact: bool
    facts: SolverFacts

    @property
    def deviating(self) -> np.ndarray:
        """Indices of the requirements the offsets do not meet."""
        return np.flatnonzero(self.violation_db > VIOLATION_TOL)


def _lp(problem: CioProblem, soft: bool):
    """Columns: o (L), p (L), q (L)[, s (R)]; rows: o − p + q = o⁰ (L), σ o ± s within bounds (R)."""
    import highspy

    n, r = problem.n_links, len(problem.link)
    cur = np.zeros(n) if problem.current_db is None else np.asarray(problem.current_db, float)
    eye = sp.identity(n, format="csc")
    req = sp.csc_matrix((problem.side.astype(float), (np.arange(r), problem.link)), shape=(r, n))
    zero_rn = sp.csc_matrix((r, n))
    blocks = [[eye, -eye, eye], [req, zero_rn, zero_rn]]
    if soft:  # s_r ≥ 0 widens requirement r in the direction that relaxes it
        relax = sp.diags(np.where(problem.move, 1.0, -1.0), format="csc")
        blocks = [[eye, -eye, eye, sp.csc_matrix((n, r))], [req, zero_rn, zero_rn, relax]]
    matrix = sp.bmat(blocks, format="csc")
    lo, hi = problem.bound_row()
    n_cols = matrix.shape[1]
    col_lower = np.concatenate([problem.lower_db, np.zeros(n_cols - n)])
    col_upper = np.concatenate([problem.upper_db, np.full(n_cols - n, np.inf)])
    cost = np.concatenate([np.zeros(n), np.ones(2 * n), np.zeros(n_cols - 3 * n)])
    h = highs_lp(matrix, cost, col_lower, col_upper, np.concatenate([cur, lo]), np.concatenate([cur, hi]))
    return h, highspy


def solve_cio_lp(problem: CioProblem) -> CioSolution:
    """Exact CIOs when they exist, else the least-violation CIOs (see the module docstring)."""
    t0 = time.perf_counter()
    n, r = problem.n_links, len(problem.link)
    if np.any(problem.lower_db > problem.upper_db):
        raise ValueError("every link needs lower_db <= upper_db")
    h, highspy = _lp(problem, soft=False)
    h.run()
    exact = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    solves = 1
    if not exact:
        h, highspy = _lp(problem, soft=True)
        n_cols = 3 * n + r
        cols = np.arange(n_cols, dtype=np.int32)
        weight = np.ones(r) if problem.weight is None else np.asarray(problem.weight, float)
        h.changeColsCost(n_cols, cols, np.concatenate([np.zeros(3 * n), weight]))
        h.run()
        _require_optimal(h, highspy)
        v_star = float(weight @ np.asarray(h.getSolution().col_value)[3 * n :])
        h.addRow(
            -highspy.kHighsInf,
            v_star + 1e-9 * max(1.0, v_star),
            r,
            np.arange(3 * n, n_cols, dtype=np.int32),
            weight,
        )
        h.changeColsCost(n_cols, cols, np.concatenate([np.zeros(n), np.ones(2 * n), np.zeros(r)]))
        h.run()
        solves = 3
    _require_optimal(h, highspy)
    offsets = np.asarray(h.getSolution().col_value)[:n]
    facts = SolverFacts(name="highs", time_s=time.perf_counter() - t0, gap=0.0, extra={"lp_solves": solves})
    return _solution(problem, offsets, facts, exact)


def _solution(problem: CioProblem, offsets: np.ndarray, facts: SolverFacts, exact: bool | None = None) -> CioSolution:
    """The solution of ``offsets``: violations recomputed from the offsets themselves (not from a solver's slacks);
    ``exact`` when given (the LP's feasibility test), else whether every requirement is met."""
    lo, hi = problem.bound_row()
    value = problem.side * offsets[problem.link]
    violation = np.maximum(np.maximum(lo - value, 0.0), np.maximum(value - hi, 0.0))
    violation[violation < VIOLATION_TOL] = 0.0
    exact = not violation.any() if exact is None else exact
    cur = np.zeros(problem.n_links) if problem.current_db is None else np.asarray(problem.current_db, float)
    return CioSolution(
        status=Status.OPTIMAL if exact else Status.FEASIBLE,
        offsets_db=offsets,
        violation_db=violation,
        objective=float(np.abs(offsets - cur).sum()),
        exact=exact,
        facts=facts,
    )


def solve_cio_steps(problem: CioProblem, steps: np.ndarray) -> CioSolution:
    """The exact optimum of the module docstring's lexicographic problem with every offset in ``steps`` (dB):
    per link the allowed value (within its bounds) with the least weighted violation, then the least change from
    the current offset, then the least magnitude. ``status`` is ``optimal`` when every requirement is met.

    Examples
    --------
    >>> p = CioProblem(1, np.array([0, 0]), np.array([1, -1]), np.array([2.6, 4.0]), np.array([True, False]),
    ...                np.array([-6.0]), np.array([6.0]), margin_db=0.1)
    >>> solve_cio_steps(p, np.array([-4.0, -2.0, 0.0, 2.0, 3.0, 4.0])).offsets_db.tolist()
    [3.0]
    """
    t0 = time.perf_counter()
    steps = np.sort(np.asarray(steps, float))
    n, r = problem.n_links, len(problem.link)
    lo, hi = problem.bound_row()
    value = problem.side[:, None] * steps[None, :]  # requirements × steps: σ_r v
    viol = np.maximum(lo[:, None] - value, 0.0) + np.maximum(value - hi[:, None], 0.0)
    weight = np.ones(r) if problem.weight is None else np.asarray(problem.weight, float)
    per_link = sp.csr_matrix((weight, (problem.link, np.arange(r))), shape=(n, r)) @ viol  # links × steps
    allowed = (steps[None, :] >= problem.lower_db[:, None] - 1e-12) & (
        steps[None, :] <= problem.upper_db[:, None] + 1e-12
    )
    if not allowed.any(axis=1).all():
        raise ValueError("every link needs an allowed step within its bounds")
    per_link = np.where(allowed, per_link, np.inf)
    least = per_link.min(axis=1, keepdims=True)
    cur = np.zeros(n) if problem.current_db is None else np.asarray(problem.current_db, float)
    change = np.abs(steps[None, :] - cur[:, None])
    # lexicographic: violation (within 1e-9), then change, then magnitude
    key = np.where(per_link <= least + 1e-9 * np.maximum(1.0, least), change + 1e-7 * np.abs(steps)[None, :], np.inf)
    offsets = steps[np.argmin(key, axis=1)]
    facts = SolverFacts(name="enumeration", time_s=time.perf_counter() - t0, gap=0.0, extra={"steps": len(steps)})
    return _solution(problem, offsets, facts)


def _require_optimal(h, highspy) -> None:
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS could not solve the CIO LP: {h.modelStatusToString(h.getModelStatus())}")
