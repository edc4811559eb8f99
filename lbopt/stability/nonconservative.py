"""Non-conservative load transfer and its oscillation bound (Zou et al. eqs. 22–27).

A handover moves load ``ε_ij (ρ_j − ρ_i)`` into cell i from neighbour j, with ``ε_ij ≠ ε_ji`` in general (the user
needs different PRBs in the two cells), eq. 22. Split into the symmetric part ``ε̃_ij = (ε_ij + ε_ji)/2`` and the
error ``ω_i = Σ_j (ε_ij − ε_ji)/2 · a_ij (ρ_j − ρ_i)`` (eq. 23), ``ρ(k+1) = (I − L̂) ρ(k) + ω(k)`` with the symmetric
Laplacian ``L̂`` of the weights ε̃ (eq. 24), and the disagreement ``e = ρ − ρ̄ 1`` evolves by
``e(k+1) = (I − L̂) e(k) + ω(k) − ω̄(k) 1`` (eq. 25). With ``V = eᵀe``, ``α = ‖ω − ω̄ 1‖₂`` and the factor ``γ̂``:

    V(e(k+1)) ≤ (γ̂ √V(e(k)) + α)²,     Ṽ = (α / (1 − γ̂))²   (eqs. 26–27; √V where the paper writes ‖V‖).

Reading taken (NOTES §4.3): ``γ̂ = max_{i ≥ 2} |1 − λ_i(L̂)|`` over the eigenvalues on ``1⊥`` — e is orthogonal
to 1 and L̂ is symmetric, so the eigenvalue 1 of ``I − L̂`` on the consensus direction does not act on e (with it,
γ̂ = 1 and the bound is void). When a step's transfers do not connect the graph, ``L̂`` has further zero
eigenvalues on ``1⊥``, γ̂ = 1 and Ṽ is infinite: the one-step bound still holds, the asymptotic one says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def step(rho: np.ndarray, adjacency: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """One step of eq. 22: ``ρ_i + Σ_j ε_ij a_ij (ρ_j − ρ_i)``."""
    w = eps * adjacency
    np.fill_diagonal(w, 0.0)
    return rho + w @ rho - w.sum(axis=1) * rho


@dataclass
class StepBound:
    """One step of the non-conservative transfer: α, γ̂, V(e(k)), the bound on V(e(k+1)) (eq. 26) and Ṽ (eq. 27)."""

    alpha: float
    gamma_hat: float
    v: float
    v_next_bound: float
    v_tilde: float


def disagreement_eigenvalues(lap: np.ndarray) -> np.ndarray:
    """Eigenvalues of a symmetric ``L̂`` with ``L̂ 1 = 0`` on the subspace orthogonal to 1.

    Realised weights can be negative (a handover from the lighter to the heavier cell), so ``L̂`` may have negative
    eigenvalues and the consensus eigenvalue 0 is not always the smallest: restrict to ``1⊥`` explicitly. Since
    ``L̂ 1 = 0``, ``L̂ + 11ᵀ/n`` has the eigenvalue 1 on ``1`` and ``L̂``'s own on ``1⊥`` (``11ᵀ/n`` vanishes there):
    one symmetric eigensolve, and one copy of 1 removed (tested against the projection on a basis of ``1⊥``).
    """
    n = lap.shape[0]
    values = np.linalg.eigvalsh(lap + 1.0 / n)
    return np.delete(values, np.argmin(np.abs(values - 1.0)))


def disagreement_factor(lap: np.ndarray) -> float:
    """``γ̂ = max |1 − λ|`` over the eigenvalues of a symmetric ``L̂`` (``L̂ 1 = 0``) on ``1⊥``, component by component.

    ``L̂`` is block-diagonal over the connected components of its weights (the cells that exchanged users, and every
    other cell alone), so its spectrum is the union of the blocks' spectra; each block has ``L̂_b 1 = 0``, and on
    ``1⊥`` one of those zeros goes. Small eigensolves instead of one of the whole network (same values to rounding;
    tested against :func:`disagreement_eigenvalues`).
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n = lap.shape[0]
    if n <= 1:
        return 0.0
    count, label = connected_components(sp.csr_matrix(lap != 0.0), directed=False)
    if count == 1:
        return float(np.max(np.abs(1.0 - disagreement_eigenvalues(lap))))
    values = [np.zeros(int(np.sum(np.bincount(label) == 1)))]  # cells alone: their eigenvalue 0
    for c in np.flatnonzero(np.bincount(label) > 1):
        at = np.flatnonzero(label == c)
        values.append(np.linalg.eigvalsh(lap[np.ix_(at, at)]))
    spectrum = np.concatenate(values)
    spectrum = np.delete(spectrum, np.argmin(np.abs(spectrum)))  # the consensus direction's zero
    return float(np.max(np.abs(1.0 - spectrum)))


def bound(rho: np.ndarray, adjacency: np.ndarray, eps: np.ndarray) -> StepBound:
    """α(k), γ̂(k), V(e(k)), the one-step bound on V(e(k+1)) and the oscillation bound Ṽ (eq. 27)."""
    a = np.asarray(adjacency, float).copy()
    np.fill_diagonal(a, 0.0)
    sym = 0.5 * (eps + eps.T) * a
    lap = np.diag(sym.sum(axis=1)) - sym
    anti = 0.5 * (eps - eps.T) * a
    omega = anti @ rho - anti.sum(axis=1) * rho
    alpha = float(np.linalg.norm(omega - omega.mean()))
    gamma_hat = disagreement_factor(lap)
    e = rho - rho.mean()
    v = float(e @ e)
    v_next = (gamma_hat * np.sqrt(v) + alpha) ** 2
    v_tilde = (alpha / (1.0 - gamma_hat)) ** 2 if gamma_hat < 1 else np.inf
    return StepBound(alpha, gamma_hat, v, float(v_next), float(v_tilde))
