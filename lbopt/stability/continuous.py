"""Continuous heterogeneous load dynamics and their Lyapunov certificate (Zou et al. eqs. 13–20).

Around the balanced state ρ̄ the deviations ``x = ρ − ρ̄ 1`` follow ``ẋ = M x`` with

    M = D_f + K − Q,   D_f = diag(f'_i),   Q = A ⊙ H,   K = diag(Σ_j q_ij),

where ``f'_i`` is the slope of cell i's self-dynamics (PRB scheduling) and ``h_ij`` the coupling gain of the
handover dynamics (``g_ij = (ρ_i − ρ_j) h_ij``, negative: load flows from the heavier cell). Entry by entry,
``M_ii = f'_i + Σ_j a_ij h_ij`` and ``M_ij = −a_ij h_ij``. Conservative transfer means ``h_ij = h_ji``.

Certificate (Lemmas 1–2, eq. 20): with ``V = xᵀx``, ``V̇ = 2 xᵀ S x`` for the symmetric part ``S = (M + Mᵀ)/2``, so
the balanced state is stable when S is negative definite. The paper checks it cell by cell with Gershgorin's
theorem; lbopt reports each cell's margin ``−S_ii − Σ_{j≠i} |S_ij|`` (≥ 0: the cell satisfies the condition
``|2f'_i + Σ_j a_ij h_ij| ≥ |Σ_j a_ji h_ji|``), the cells that break it, and the exact ``λ_max(S)`` — Gershgorin is
only sufficient. When the certificate fails, the eigenvector of S for ``λ_max(S) > 0`` is a state from which
``V`` grows: a counter-example to the certificate (the system itself may still converge: M's eigenvalues decide).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


def coupling_matrix(adjacency: sp.spmatrix | np.ndarray, h: np.ndarray, f_prime: np.ndarray) -> np.ndarray:
    """``M = D_f + K − Q`` (dense; the certificates are for networks of hundreds of cells at most)."""
    a = adjacency.toarray() if sp.issparse(adjacency) else np.asarray(adjacency, float)
    q = a * np.asarray(h, float)
    np.fill_diagonal(q, 0.0)
    return np.diag(np.asarray(f_prime, float)) + np.diag(q.sum(axis=1)) - q


@dataclass
class Certificate:
    """The continuous-time certificate of ``ẋ = M x``: Gershgorin margins of the symmetric part, its largest
    eigenvalue, M's spectral abscissa, and a counter-example state when it fails.
    """

    margins: np.ndarray  # per cell: −S_ii − Σ|S_ij|
    failing: np.ndarray  # cells with a negative margin
    lambda_max_s: float  # largest eigenvalue of the symmetric part
    max_real_m: float  # largest real part of M's eigenvalues
    counterexample: np.ndarray | None  # a state where V̇ > 0, when the certificate fails

    @property
    def certified(self) -> bool:
        """V̇ < 0 for every x ≠ 0 (S negative definite)."""
        return self.lambda_max_s < 0

    @property
    def gershgorin(self) -> bool:
        """The paper's cell-by-cell sufficient condition (strict)."""
        return bool(np.all(self.margins > 0))

    def to_dict(self, ids: np.ndarray | None = None) -> dict:
        """The certificate as ``result.json`` holds it (cells named by ``ids`` when given)."""
        name = (lambda i: str(ids[i])) if ids is not None else (lambda i: int(i))
        return {
            "certified": self.certified,
            "gershgorin_condition": self.gershgorin,
            "lambda_max_symmetric_part": self.lambda_max_s,
            "max_real_eigenvalue": self.max_real_m,
            "cells_breaking_condition": [name(i) for i in self.failing],
            "min_margin": float(self.margins.min()) if len(self.margins) else None,
        }


def certify(m: np.ndarray) -> Certificate:
    """Certify ``ẋ = M x`` with V = ‖x‖²: stable when the symmetric part of M is negative definite (checked exactly
    by its largest eigenvalue, and cell by cell by Gershgorin).
    """
    s = 0.5 * (m + m.T)
    off = np.abs(s).sum(axis=1) - np.abs(np.diag(s))
    margins = -np.diag(s) - off
    values, vectors = np.linalg.eigh(s)
    counter = vectors[:, -1] if values[-1] >= 0 else None
    return Certificate(
        margins=margins,
        failing=np.flatnonzero(margins < 0),
        lambda_max_s=float(values[-1]),
        max_real_m=float(np.linalg.eigvals(m).real.max()),
        counterexample=counter,
    )


def simulate_linear(m: np.ndarray, x0: np.ndarray, t_end: float, samples: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Exact trajectory ``x(t) = e^{M t} x0`` on a uniform grid of ``samples`` + 1 times."""
    from scipy.sparse.linalg import expm_multiply

    times = np.linspace(0.0, t_end, samples + 1)
    return times, expm_multiply(m, x0, start=0.0, stop=t_end, num=samples + 1, endpoint=True)


def estimate_gains(
    times: np.ndarray, rho: np.ndarray, adjacency: sp.spmatrix | np.ndarray, rho_bar: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares ``f'_i`` and ``h_ij`` from a trajectory (rows = times, columns = cells).

    Each cell's derivative (central differences) is regressed on its own deviation and its differences to its
    neighbours: ``ẋ_i ≈ f'_i x_i + Σ_j a_ij h_ij (x_i − x_j)``.
    """
    a = adjacency.toarray() if sp.issparse(adjacency) else np.asarray(adjacency, float)
    rho = np.asarray(rho, float)
    bar = rho.mean() if rho_bar is None else rho_bar
    x = rho - bar
    dx = np.gradient(x, times, axis=0)
    n = x.shape[1]
    f_prime = np.zeros(n)
    h = np.zeros((n, n))
    for i in range(n):
        nbrs = np.flatnonzero(a[i] > 0)
        design = np.column_stack([x[:, i], *(x[:, i] - x[:, j] for j in nbrs)])
        coef, *_ = np.linalg.lstsq(design, dx[:, i], rcond=None)
        f_prime[i] = coef[0]
        h[i, nbrs] = coef[1:]
    return f_prime, h
