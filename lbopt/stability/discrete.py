"""Discrete conservative load dynamics (Zou et al. eq. 21, Proposition 1).

``ρ(k+1) = (I − ε L) ρ(k)``: every step each cell moves ``ε Σ_j a_ij (ρ_j − ρ_i)`` of load to or from its
neighbours; the total is conserved (``1ᵀ L = 0``). On a connected graph the disagreement ``e(k) = ρ(k) − ρ̄ 1`` obeys
``‖e(k)‖ ≤ γ^k ‖e(0)‖`` with the convergence factor ``γ(ε) = max_{i ≥ 2} |1 − ε λ_i| = max(|1 − ε λ_2|, |1 − ε λ_max|)``
(the eigenvalues between cannot exceed the extremes), so the dynamics converge iff ``0 < ε < ε_max = 2 / λ_max``,
fastest at ``ε* = 2 / (λ_2 + λ_max)``. The predicted number of steps to shrink the disagreement by ``tol`` is
``⌈log tol / log γ⌉``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp


def epsilon_max(lambda_max: float) -> float:
    """Largest stable step, ``2 / λ_max`` (∞ for a graph without edges)."""
    return math.inf if lambda_max <= 0 else 2.0 / lambda_max


def optimal_epsilon(lambda_2: float, lambda_max: float) -> float:
    """The step 2 / (λ_2 + λ_max) that minimises the convergence factor of ``ρ(k+1) = (I − εL) ρ(k)``."""
    return 2.0 / (lambda_2 + lambda_max)


def convergence_factor(epsilon: float, lambda_2: float, lambda_max: float) -> float:
    """``max(|1 − ε λ_2|, |1 − ε λ_max|)``."""
    return max(abs(1.0 - epsilon * lambda_2), abs(1.0 - epsilon * lambda_max))


def predicted_steps(factor: float, tol: float) -> float:
    """Steps until ``γ^k ≤ tol`` (∞ when γ ≥ 1)."""
    if factor >= 1.0:
        return math.inf
    if factor <= 0.0:
        return 1.0
    return math.ceil(math.log(tol) / math.log(factor))


def simulate(laplacian: sp.spmatrix, rho0: np.ndarray, epsilon: float, steps: int) -> np.ndarray:
    """Trajectory ``ρ(0..steps)`` of eq. 21 (steps + 1 rows)."""
    lap = sp.csr_matrix(laplacian)
    out = np.empty((steps + 1, len(rho0)))
    out[0] = rho0
    for k in range(steps):
        out[k + 1] = out[k] - epsilon * (lap @ out[k])
    return out


def disagreement(trajectory: np.ndarray) -> np.ndarray:
    """``‖ρ(k) − mean(ρ(k)) 1‖₂`` per step."""
    centred = trajectory - trajectory.mean(axis=1, keepdims=True)
    return np.linalg.norm(centred, axis=1)
