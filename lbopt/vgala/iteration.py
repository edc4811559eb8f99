"""The vGALA iteration (Han & Ansari §IV, Algorithms 1–2), with its own optimality certificate.

Per iteration k:

* prices ``φ_j = ∂ψ/∂ρ_j`` at ρ(k) (eq. 16, with the "+1" of NOTES §3.4);
* user side (eq. 17): every location picks ``b_k(x) = argmax_j r_xj / φ_j`` over its allowed cells, i.e. the cell
  of least ``φ_j a_xj`` (the load it would add, priced);
* BS side (eqs. 18–19): perceived loads ``M_j = Σ_{x: b(x) = j} μ_x a_xj``;
* update (eq. 20) ``ρ(k+1) = δ ρ(k) + (1 − δ) M`` with δ from the backtracking test (21): start at the smallest δ
  that keeps every ``ρ_j ≤ 1 − ε``, and while ``ψ(ρ(k+1)) > ψ(ρ(k)) + ς (1 − δ) φᵀ(M − ρ(k))`` set
  ``δ ← 1 − ξ (1 − δ)``.

One deviation from the paper, stated: eq. 19 caps the perceived load itself, ``M_j = min(·, 1 − ε)``; a capped M
is not the load of any association (the excess traffic would vanish), so lbopt caps the *step* instead and every
iterate stays an achievable load vector. When the first vertex already exceeds a cap, a phase-one iteration on
``Σ_j exp(20 ρ_j / (1 − ε))`` (same user side, same step rule) first finds loads within the caps; if it cannot,
the instance needs admission control and the iteration says so.

The user side is the linear-minimisation step of Frank–Wolfe over the association polytope P: with ``s`` the
uncapped perceived loads, ``φ(ρ)ᵀ(ρ − s) ≥ ψ(ρ) − min_P ψ ≥ ψ(ρ) − ψ*`` by convexity. This certified bound is
reported every iteration and is the stopping rule (``gap ≤ tol · ψ``). ``line_search="exact"`` replaces the
backtracking by the exact minimiser of ψ on the segment (bisection on the directional derivative).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formulations.association import (
    AssociationProblem,
    Separable,
    Vertices,
    max_step,
    pair_shares,
    segment_minimiser,
)
from lbopt.errors import InvalidParameter


@dataclass
class IterationResult:
    """The vGALA iteration's end: loads, the association at the last prices, ψ, the certified gap φᵀ(ρ − s) and the
    trace.
    """

    rho: np.ndarray
    choice: np.ndarray  # per location: padded slot of its cell at the last prices
    shares: np.ndarray  # per allowed pair: the association whose loads are rho
    psi: float
    gap: float
    iterations: int
    converged: bool
    trace: list[dict] = field(default_factory=list)


def vgala_iteration(
    problem: AssociationProblem,
    objective: Separable,
    tol: float = 5e-5,
    max_iterations: int = 20_000,
    varsigma: float = 0.3,
    xi: float = 0.5,
    line_search: str = "armijo",
    rho0: np.ndarray | None = None,
) -> IterationResult:
    """Run the iteration until the certified relative gap is at most ``tol``."""
    if not 0 < varsigma < 0.5 or not 0 < xi < 1:
        raise InvalidParameter("need 0 < varsigma < 0.5 and 0 < xi < 1 (eq. 21)")
    vertices = Vertices(problem)
    cap = np.asarray(problem.rho_max, float)
    rows = np.arange(vertices.cells.shape[0])
    pick, rho = vertices.cheapest(objective.grad(np.zeros(problem.n_cells)))
    weights = np.zeros(vertices.cells.shape)  # convex weights of the cells of each location (padded slots)
    weights[rows, pick] = 1.0
    if np.any(rho > cap):
        start = feasible_start(problem, vertices, cap)
        if start is None:
            nan = np.full(problem.n_cells, np.nan)
            return IterationResult(nan, None, np.zeros(len(problem.loc)), np.inf, np.inf, 0, False, [])
        rho, weights = start
    value = objective.total(rho)
    trace = []
    gap = np.inf
    converged = False
    choice = None
    k = 0
    for k in range(1, max_iterations + 1):
        phi = objective.grad(rho)
        choice, s = vertices.cheapest(phi)
        gap = float(phi @ (rho - s))
        trace.append({"iteration": k, "psi": value, "gap": gap})
        if gap <= tol * max(abs(value), 1e-12):
            converged = True
            break
        direction = s - rho
        slope = float(phi @ direction)
        step = max_step(rho, direction, cap)
        if line_search == "exact":
            step = segment_minimiser(objective, rho, direction, step)
        else:
            while True:
                trial = rho + step * direction
                f = objective.total(trial)
                if f <= value + varsigma * step * slope or step < 1e-14:
                    break
                step *= xi
        rho = rho + step * direction
        weights *= 1.0 - step
        weights[rows, choice] += step
        value = objective.total(rho)
    shares = pair_shares(problem, vertices.cells, weights * vertices.mu[:, None])
    return IterationResult(rho, choice, shares, value, gap, k, converged, trace)


def feasible_start(problem: AssociationProblem, vertices: Vertices, cap: np.ndarray, iterations: int = 500):
    """Phase one: Frank–Wolfe with exact line search on ``Σ_j exp(c (ρ_j / cap_j − 1))`` (a smooth maximum of the
    relative loads) until every load is within its cap; ``None`` if the loads cannot get there.

    Returns the loads and the padded weights of the association they come from.
    """
    c = 50.0
    rows = np.arange(vertices.cells.shape[0])
    pick, rho = vertices.cheapest(1.0 / cap)
    weights = np.zeros(vertices.cells.shape)
    weights[rows, pick] = 1.0

    def grad(r: np.ndarray) -> np.ndarray:
        scaled = c * (r / cap - 1.0)
        return (c / cap) * np.exp(scaled - scaled.max())  # only the direction matters: no overflow

    for _ in range(iterations):
        if np.all(rho <= cap * (1 - 1e-9)):
            return rho, weights
        g = grad(rho)
        pick, s = vertices.cheapest(g)
        d = s - rho
        if g @ d >= 0:
            return None  # a stationary point above the caps: no association fits
        lo, hi = 0.0, 1.0
        if grad(rho + d) @ d <= 0:
            lo = 1.0
        else:
            for _ in range(50):
                mid = 0.5 * (lo + hi)
                if grad(rho + mid * d) @ d > 0:
                    hi = mid
                else:
                    lo = mid
        step = lo
        rho = rho + step * d
        weights *= 1.0 - step
        weights[rows, pick] += step
    return None
