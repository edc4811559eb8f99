"""From an instance to the arrays of the vGALA model (Han & Ansari §III).

Pairs (x, j) are the rows of the ``rates`` table; ``a_xj = λ_x ν_x / r_xj`` with λ = ``arrival_rate``,
ν = ``mean_size_bits``, r = ``rate_bps``. Energy data per cell: p^s = ``static_power_w``, β = ``load_power_w``,
e = ``green_power_w``. θ_j from ``cells.theta``, else ``methods.vgala.theta``, else 0.8 (the paper's headline
setting); ϑ_j = 1; κ and ε from ``methods.vgala`` unless overridden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from formulations.association import AssociationProblem
from formulations.association_objectives import green_capacity, latency, ongrid_power, psi
from lbopt.instance.errors import InstanceError
from lbopt.instance.model import Instance

ENERGY_COLUMNS = ("static_power_w", "load_power_w", "green_power_w")
DEFAULT_THETA = 0.8


@dataclass
class VgalaData:
    """The arrays of Han & Ansari's model for one instance: the association problem, κ, ε, θ per cell and the energy
    columns.
    """

    problem: AssociationProblem
    kappa: float
    epsilon: float
    theta: np.ndarray
    static_w: np.ndarray | None
    load_w: np.ndarray | None
    green_w: np.ndarray | None

    @property
    def has_energy(self) -> bool:
        """True when the cells have energy columns (static, load and green power)."""
        return self.static_w is not None

    def rho_hat(self) -> np.ndarray:
        """ρ̂_j, the green traffic capacity of every cell (eq. 9)."""
        return green_capacity(self.green_w, self.static_w, self.load_w, self.epsilon)

    def psi(self):
        """ψ, vGALA's objective (eq. 11) at this instance's κ, θ and ρ̂."""
        return psi(self.kappa, self.theta, self.rho_hat())

    def latency(self):
        """The latency indicator Σ_j ρ_j / (1 − ρ_j) (eq. 6, ϑ = 1)."""
        return latency(n=self.problem.n_cells)

    def ongrid(self):
        """Total on-grid power Σ_j max(p_j − e_j, 0) (eqs. 7–8)."""
        return ongrid_power(self.green_w, self.static_w, self.load_w)

    def metrics(self, rho: np.ndarray) -> dict[str, float]:
        """ψ, on-grid power (W) and latency indicator of a load vector (NaN/inf beyond capacity)."""
        out = {"latency_indicator": float(self.latency().total(rho)) if np.all(rho < 1) else float("inf")}
        if self.has_energy:
            out["psi"] = float(self.psi().total(rho)) if np.all(rho < 1) else float("inf")
            out["ongrid_power_w"] = float(self.ongrid().total(rho))
            out["total_power_w"] = float(np.sum(self.load_w * rho + self.static_w))
        return out


def vgala_data(
    instance: Instance,
    kappa: float | None = None,
    epsilon: float | None = None,
    theta: float | None = None,
    mu: np.ndarray | None = None,
) -> VgalaData:
    """Arrays of the model; refuses locations without an allowed cell, naming them."""
    where = str(instance.path or instance.name)
    if instance.locations is None or instance.rates is None:
        raise InstanceError(where, "locations", "vGALA needs the locations and rates tables")
    params = instance.methods.vgala
    kappa = params.kappa if kappa is None else kappa
    epsilon = params.epsilon if epsilon is None else epsilon
    if kappa < 0:
        raise InstanceError(where, "methods.vgala.kappa", f"kappa must be >= 0, got {kappa}")
    if not 0 < epsilon < 1:
        raise InstanceError(where, "methods.vgala.epsilon", f"epsilon must lie in (0, 1), got {epsilon}")
    locations = instance.locations
    loc = locations["id"].to_numpy(object)
    li = pd.Index(locations["id"]).get_indexer(instance.rates["location"]).astype(np.int64)
    ci = instance.cell_positions(instance.rates["cell"])
    without = np.setdiff1d(np.arange(len(loc)), li)
    if len(without):
        raise InstanceError(
            where,
            "rates",
            f"location '{loc[without[0]]}' has no allowed cell in the rates table ({len(without)} locations have none)",
            row=int(without[0]),
        )
    lam = locations["arrival_rate"].to_numpy(float)[li]
    nu = locations["mean_size_bits"].to_numpy(float)[li]
    load = lam * nu / instance.rates["rate_bps"].to_numpy(float)
    n = instance.n_cells
    problem = AssociationProblem(len(loc), n, li, ci, load, np.full(n, 1 - epsilon), mu)
    cells = instance.cells
    if "theta" in cells:
        th = cells["theta"].to_numpy(float)
    else:
        th = np.full(n, params.theta if params.theta is not None else DEFAULT_THETA)
    if theta is not None:
        th = np.full(n, theta)
    energy = [cells[c].to_numpy(float) if c in cells else None for c in ENERGY_COLUMNS]
    if any(e is None for e in energy):
        energy = [None, None, None]
    return VgalaData(problem, kappa, epsilon, th, *energy)
