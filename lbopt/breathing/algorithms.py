"""BDBA and BFDBA: pilot-power adjustments that drive busy-degrees to their targets (NOTES §2.4–2.6).

Symbols: ``b`` busy-degrees of one period, ``R`` PRB capacities (weights of the targets), ``J`` the busy-degree
Jacobian (:mod:`lbopt.breathing.jacobian`), ``Δb = b* − b`` (eq. 8), ``p`` CPICH powers in dBm, ``p_min(t)`` the
coverage-feasible minimum, ``p_max`` the rated maximum, ``α`` smoothing.

* Targets (Step 0): ``global`` — the R-weighted mean of b over the antenna's connected component of the
  Jacobian graph (the paper's global mean, taken per component because no power change moves load between
  components, so only then is ``J Δp = Δb`` solvable: ``1ᵀ Δb = 0`` per component); ``neighbourhood`` — the
  R-weighted mean over the antenna and its Jacobian neighbours (that target does not conserve traffic, so
  ``J Δp = Δb`` is then solved in the least-squares sense).
* BDBA (eqs. 13–17): the minimum-norm solution of ``J Δp = Δb`` — which also has ``1ᵀ Δp = 0`` per component,
  since the null space of the Laplacian J is spanned by the components' indicator vectors. Dense SVD up to
  ``DENSE_MAX`` antennas (the paper used Octave's ``svd``); above, LSMR (a sparse Krylov least-squares solver
  whose iterates from 0 stay in the row space of J). Deviation, stated: the plain pseudo-inverse is
  ill-conditioned on MR-estimated Jacobians — on our synthetic areas J has singular values down to 4e-4 against
  0.16, the pseudo-inverse asks for |Δp| of hundreds of dB, the clip of eq. 18 destroys the solution and the
  busy-degree spread does not move. lbopt solves the Tikhonov-regularised problem
  ``min ‖J Δp − Δb‖² + λ² ‖Δp‖²`` (SVD filter factors ``σ/(σ² + λ²)``, LSMR's ``damp``) with
  ``λ = ρ · 2 max_i J_ii`` (2 max J_ii bounds the largest singular value of the Laplacian); ``ρ = 0.1`` by default,
  ``ρ = 0`` is the paper's pseudo-inverse. The solution stays in the row space of J, so ``1ᵀ Δp = 0`` still holds.
* BFDBA (eqs. 19–20): only the diagonal: ``Δp_i = Δb_i / (J_ii + γ)``; NOTES §2.6 candidate (a), the constant γ > 0
  keeps antennas without boundary records (``J_ii = 0``) from dividing by zero and damps small diagonals
  (Remark 5.2: approximate consensus). Cost O(N).
* Eq. 18: ``p(t+1) = min(p_max, max(p_min(t), p + α Δp))``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from lbopt.errors import InvalidParameter

DENSE_MAX = 2000
Target = Literal["global", "neighbourhood"]


def targets(busy: np.ndarray, capacity: np.ndarray, jacobian: sp.spmatrix, kind: Target = "global") -> np.ndarray:
    """``b*`` of Step 0 (see the module docstring)."""
    busy = np.asarray(busy, float)
    cap = np.asarray(capacity, float)
    adj = sp.csr_matrix(jacobian, copy=True)
    adj.setdiag(0.0)
    adj.eliminate_zeros()
    if kind == "neighbourhood":
        reach = (abs(adj) > 0).astype(float) + sp.identity(len(busy), format="csr")
        return (reach @ (cap * busy)) / (reach @ cap)
    _, label = connected_components(adj, directed=False)
    return component_targets(busy, cap, label)


def component_targets(busy: np.ndarray, capacity: np.ndarray, label: np.ndarray) -> np.ndarray:
    """The R-weighted mean busy-degree of each antenna's component (the global target per component)."""
    total = np.bincount(label, weights=capacity * busy)
    return (total / np.bincount(label, weights=capacity))[label]


def bdba_step(jacobian: sp.spmatrix, delta_b: np.ndarray, regularisation: float = 0.1) -> tuple[np.ndarray, dict]:
    """Minimum-norm ``Δp`` of ``J Δp = Δb``, Tikhonov-regularised with ``λ = ρ · 2 max J_ii``; returns Δp and facts.

    ``regularisation = 0`` is the paper's plain pseudo-inverse (least squares when inconsistent).
    """
    n = jacobian.shape[0]
    diag = jacobian.diagonal() if sp.issparse(jacobian) else np.diag(jacobian)
    lam = regularisation * 2.0 * float(np.max(diag, initial=0.0))
    if n <= DENSE_MAX:
        dense = jacobian.toarray() if sp.issparse(jacobian) else np.asarray(jacobian, float)
        u, s, vt = np.linalg.svd(dense)
        tol = s.max(initial=0.0) * n * np.finfo(float).eps
        keep = s > tol
        safe = np.where(keep, s, 1.0)
        filt = np.where(keep, safe / (safe**2 + lam**2), 0.0)  # 1/σ when λ = 0 (the pseudo-inverse)
        dp = vt.T @ (filt * (u.T @ delta_b))
        info = {"solver": "svd", "rank": int(keep.sum()), "lambda": lam}
    else:
        from scipy.sparse.linalg import lsmr

        out = lsmr(sp.csr_matrix(jacobian), delta_b, damp=lam, atol=1e-10, btol=1e-10, maxiter=20 * n)
        dp = out[0]
        info = {"solver": "lsmr", "iterations": int(out[2]), "stop": int(out[1]), "lambda": lam}
    info["residual"] = float(np.linalg.norm(jacobian @ dp - delta_b))
    return dp, info


def bfdba_step(jacobian: sp.spmatrix, delta_b: np.ndarray, gamma: float) -> np.ndarray:
    """``Δp_i = Δb_i / (J_ii + γ)``."""
    if gamma <= 0:
        raise InvalidParameter(f"gamma must be > 0, got {gamma}")
    diag = jacobian.diagonal() if sp.issparse(jacobian) else np.diag(jacobian)
    return np.asarray(delta_b, float) / (np.asarray(diag, float) + gamma)


def apply_step(
    power: np.ndarray, delta_p: np.ndarray, p_min: np.ndarray, p_max: np.ndarray, alpha: float = 1.0
) -> np.ndarray:
    """Eq. 18: smoothing, then clipping to ``[p_min(t), p_max]`` (``p_min`` wins where it exceeds ``p_max``)."""
    return np.maximum(np.minimum(np.asarray(power) + alpha * np.asarray(delta_p), p_max), p_min)
