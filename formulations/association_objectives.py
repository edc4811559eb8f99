"""Per-cell objectives of the association program (Han & Ansari §III; NOTES §3.1–3.3, §3.6).

Symbols: load ρ_j; traffic constant ϑ_j (1 unless given); energy-latency coefficient θ_j ∈ [0, 1]; trade-off κ ≥ 0;
green traffic capacity ``ρ̂_j = max(ε, min((e_j − p^s_j)/β_j, 1 − ε))`` (eq. 9) with green power e_j, static power
p^s_j and load-power coefficient β_j (eq. 7: p_j = β_j ρ_j + p^s_j).

* ``psi``  vGALA (eq. 11): ``ψ_j(ρ) = ϑ_j · exp(κ θ_j (ρ − ρ̂_j)) · ρ/(1 − ρ)``; its derivative is eq. 16 with the
  "+1" of NOTES (the true derivative): ``φ_j = ϑ_j e^{κθ_j(ρ−ρ̂_j)} (κθ_j ρ − κθ_j ρ² + 1)/(1 − ρ)²``.
* ``latency`` LA (κ = 0): ``ϑ_j ρ/(1 − ρ)``.
* ``ongrid`` GA: ``max(β_j ρ + p^s_j − e_j, 0)`` (eq. 8), piecewise linear.
* UAG performance functions: ``rho/(1-rho)``, ``rho^2``, ``-log(1-rho)``.
"""

from __future__ import annotations

import numpy as np

from formulations.association import Separable


def green_capacity(green_w: np.ndarray, static_w: np.ndarray, load_w: np.ndarray, epsilon: float) -> np.ndarray:
    """ρ̂_j of eq. 9."""
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(load_w > 0, (green_w - static_w) / load_w, np.where(green_w >= static_w, 1.0, 0.0))
    return np.maximum(epsilon, np.minimum(raw, 1.0 - epsilon))


def psi(kappa: float, theta: np.ndarray, rho_hat: np.ndarray, vartheta: np.ndarray | None = None) -> Separable:
    """vGALA's objective (eq. 11)."""
    k = kappa * np.asarray(theta, float)
    c = np.ones_like(k) if vartheta is None else np.asarray(vartheta, float)

    def value(rho: np.ndarray) -> np.ndarray:
        return c * np.exp(k * (rho - rho_hat)) * rho / (1.0 - rho)

    def grad(rho: np.ndarray) -> np.ndarray:
        return c * np.exp(k * (rho - rho_hat)) * (k * rho - k * rho**2 + 1.0) / (1.0 - rho) ** 2

    out = Separable("psi", value, grad)
    out.params = {"k": k, "rho_hat": np.asarray(rho_hat, float), "vartheta": c}
    return out


def latency(vartheta: np.ndarray | None = None, n: int | None = None) -> Separable:
    """LA's objective, the latency indicator ``Σ ϑ_j ρ_j/(1 − ρ_j)`` (eq. 6)."""
    c = np.ones(n) if vartheta is None else np.asarray(vartheta, float)
    out = Separable("latency", lambda r: c * r / (1.0 - r), lambda r: c / (1.0 - r) ** 2)
    out.params = {"vartheta": c}
    return out


def ongrid_power(green_w: np.ndarray, static_w: np.ndarray, load_w: np.ndarray) -> Separable:
    """GA's objective, total on-grid power ``Σ max(β_j ρ_j + p^s_j − e_j, 0)`` (eq. 8), in W."""
    offset = static_w - green_w

    def value(rho: np.ndarray) -> np.ndarray:
        return np.maximum(load_w * rho + offset, 0.0)

    def grad(rho: np.ndarray) -> np.ndarray:
        return np.where(load_w * rho + offset > 0, load_w, 0.0)

    zeros = np.zeros_like(load_w, dtype=float)
    return Separable("ongrid", value, grad, pieces=[(zeros, zeros), (np.asarray(load_w, float), offset)])


UAG = {
    "rho/(1-rho)": (lambda r: r / (1.0 - r), lambda r: 1.0 / (1.0 - r) ** 2),
    "rho^2": (lambda r: r**2, lambda r: 2.0 * r),
    "-log(1-rho)": (lambda r: -np.log1p(-r), lambda r: 1.0 / (1.0 - r)),
}


def uag(name: str) -> Separable:
    """A user-named performance function (positive, convex, non-decreasing on [0, 1))."""
    if name not in UAG:
        raise KeyError(f"unknown performance function '{name}'; available: {sorted(UAG)}")
    value, grad = UAG[name]
    return Separable(name, value, grad)
