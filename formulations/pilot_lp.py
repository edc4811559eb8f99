"""Pilot-power settings as an LP: the optimal counterpart of BDBA's linearised step (Breathing, eqs. 10 and 5).

Variables ``Δp = u − v`` (``u, v ≥ 0``), one pair per antenna; ``J`` the busy-degree Jacobian, ``Δb = b* − b``.

Exact problem::

    min Σ (u + v)   (= ‖Δp‖₁)   s.t.   J Δp = Δb,   p_min − p ≤ Δp ≤ p_max − p.

When the bounds make that infeasible (or ``Δb`` is not in the range of J), the soft problem::

    min Σ (s⁺ + s⁻) + λ Σ (u + v)   s.t.   J Δp − Δb = s⁺ − s⁻,   bounds as above,

which is always feasible when ``p_min ≤ p_max``; the solution says which one was solved. HiGHS through highspy's
matrix API, the constraint matrix ``[J, −J, (−I, I)]`` built sparse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from formulations.errors import SolverError
from formulations.highs_lp import highs_lp
from formulations.status import SolverFacts, Status


@dataclass
class PilotSolution:
    """Δp, whether J Δp = Δb holds exactly, the residual ‖J Δp − Δb‖₁ and the objective."""

    status: Status  # optimal: exact problem; feasible: the soft problem (targets missed); infeasible: bounds cross
    delta_p: np.ndarray
    exact: bool
    residual_l1: float  # ‖J Δp − Δb‖₁
    objective: float
    facts: SolverFacts


def _solve(jac: sp.csr_matrix, delta_b: np.ndarray, lo: np.ndarray, hi: np.ndarray, penalty: float | None):
    import highspy

    n = jac.shape[0]
    blocks = [jac, -jac]
    cost = [np.ones(2 * n) * (1.0 if penalty is None else penalty)]
    if penalty is not None:
        eye = sp.identity(n, format="csr")
        blocks += [-eye, eye]
        cost.append(np.ones(2 * n))
    # Δp bounds as rows on u − v (u, v themselves only ≥ 0)
    bound_rows = sp.hstack(
        [sp.identity(n), -sp.identity(n)] + ([sp.csr_matrix((n, 2 * n))] if penalty is not None else [])
    )
    matrix = sp.vstack([sp.hstack(blocks), bound_rows]).tocsc()
    n_cols = matrix.shape[1]
    h = highs_lp(
        matrix,
        np.concatenate(cost),
        np.zeros(n_cols),
        np.full(n_cols, np.inf),
        np.concatenate([delta_b, lo]),
        np.concatenate([delta_b, hi]),
    )
    h.run()
    ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = np.asarray(h.getSolution().col_value) if ok else None
    return ok, x, h.getInfo().objective_function_value if ok else np.nan


def solve_pilot_lp(
    jacobian: sp.spmatrix,
    delta_b: np.ndarray,
    power: np.ndarray,
    p_min: np.ndarray,
    p_max: np.ndarray,
    penalty: float = 1e-3,
) -> PilotSolution:
    """The exact LP, else the soft one (see the module docstring)."""
    t0 = time.perf_counter()
    jac = sp.csr_matrix(jacobian, dtype=float)
    n = jac.shape[0]
    lo = np.asarray(p_min, float) - np.asarray(power, float)
    hi = np.asarray(p_max, float) - np.asarray(power, float)
    delta_b = np.asarray(delta_b, float)
    if np.any(lo > hi + 1e-12):
        bad = np.flatnonzero(lo > hi + 1e-12)
        return PilotSolution(
            Status.INFEASIBLE,
            np.zeros(n),
            False,
            float(np.abs(delta_b).sum()),
            np.nan,
            SolverFacts(name="highs", time_s=time.perf_counter() - t0, extra={"crossed_bounds": bad.tolist()}),
        )
    hi = np.maximum(hi, lo)
    ok, x, obj = _solve(jac, delta_b, lo, hi, None)
    exact = ok
    if not ok:
        ok, x, obj = _solve(jac, delta_b, lo, hi, penalty)
        if not ok:
            raise SolverError("HiGHS could not solve the soft pilot-power LP")
    dp = x[:n] - x[n : 2 * n]
    residual = float(np.abs(jac @ dp - delta_b).sum())
    return PilotSolution(
        Status.OPTIMAL if exact else Status.FEASIBLE,
        dp,
        exact,
        residual,
        float(obj),
        SolverFacts(name="highs", time_s=time.perf_counter() - t0, extra={"problem": "exact" if exact else "soft"}),
    )
