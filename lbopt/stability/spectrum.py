"""The cell graph and its Laplacian spectrum (Zou et al. §II–III).

Adjacency ``A`` (a_ij = 1 for neighbouring cells): from the instance's ``links``, from coverage radii
(``a_ij = 1`` iff ``r_i + r_j > d_ij``, the paper's rule), or derived from geometry (Delaunay). Laplacian
``L = D − A``. Its eigenvalues ``0 = λ_1 ≤ λ_2 ≤ … ≤ λ_max``; ``λ_2`` (algebraic connectivity) is positive iff the
graph is connected, so a disconnected graph is analysed per connected component (λ_2 = 0 overall is a finding).

Eigenvalues: dense ``eigvalsh`` for components up to ``DENSE_MAX`` cells; above, ``eigsh`` from ARPACK — λ_max
by Lanczos (largest algebraic), λ_2 by shift-invert about a small negative shift (the Laplacian is singular; the two
eigenvalues nearest it are 0 and λ_2). Every eigenvalue is returned with its residual
``‖L v − λ v‖`` and the method used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from lbopt.errors import InvalidParameter
from lbopt.graph import neighbour_pairs
from lbopt.instance.errors import InstanceError
from lbopt.instance.model import Instance

DENSE_MAX = 2000
LANCZOS_TOL = 1e-4
Source = Literal["auto", "links", "radius", "geometry"]


def adjacency_from_pairs(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray | None = None) -> sp.csr_matrix:
    """Symmetric adjacency (n × n) from unordered pairs; duplicate pairs count once."""
    w = np.ones(len(a)) if weight is None else np.asarray(weight, float)
    m = sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
    m = m.tocsr()
    m.sum_duplicates()
    if weight is None:
        m.data[:] = 1.0
    m.setdiag(0)
    m.eliminate_zeros()
    return m


def adjacency_from_radius(xy: np.ndarray, radius: np.ndarray) -> sp.csr_matrix:
    """``a_ij = 1`` iff ``r_i + r_j > d_ij`` (Zou et al. §II), found with a k-d tree."""
    from scipy.spatial import cKDTree

    if np.any(radius < 0):
        raise InvalidParameter("coverage radii must be >= 0")
    tree = cKDTree(xy)
    pairs = tree.query_pairs(r=2 * float(radius.max()), output_type="ndarray")
    if len(pairs) == 0:
        return sp.csr_matrix((len(xy), len(xy)))
    d = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    keep = radius[pairs[:, 0]] + radius[pairs[:, 1]] > d
    return adjacency_from_pairs(len(xy), pairs[keep, 0], pairs[keep, 1])


def cell_adjacency(instance: Instance, source: Source = "auto") -> tuple[sp.csr_matrix, str]:
    """The adjacency of the instance's cells and where it came from."""
    n = instance.n_cells
    if source == "auto":
        source = "links" if instance.links is not None else ("radius" if "radius_m" in instance.cells else "geometry")
    if source == "links":
        if instance.links is None:
            raise InstanceError(str(instance.path or instance.name), "links", "no links table to build the graph from")
        a, b, _ = neighbour_pairs(instance)
        return adjacency_from_pairs(n, a, b), "links"
    if source == "radius":
        if "radius_m" not in instance.cells or not instance.has_geometry:
            raise InstanceError(
                str(instance.path or instance.name),
                "cells.radius_m",
                "the coverage-radius rule needs cells.radius_m and cell positions",
            )
        return adjacency_from_radius(
            instance.cells[["x_m", "y_m"]].to_numpy(float), instance.cells["radius_m"].to_numpy(float)
        ), "radius"
    a, b, _ = neighbour_pairs(instance.with_tables(links=None))
    return adjacency_from_pairs(n, a, b), "geometry (Delaunay)"


def laplacian(adjacency: sp.spmatrix) -> sp.csr_matrix:
    """``L = D − A``."""
    a = sp.csr_matrix(adjacency, dtype=float)
    return (sp.diags(np.asarray(a.sum(axis=1)).ravel()) - a).tocsr()


@dataclass
class ComponentSpectrum:
    """λ_2 and λ_max of one connected component's Laplacian, how they were computed, their residuals and, when
    computed densely, every eigenvalue."""

    cells: np.ndarray  # positions of the component's cells
    lambda_2: float
    lambda_max: float
    method: str
    residual_2: float
    residual_max: float
    eigenvalues: np.ndarray | None = None  # all of them when computed densely


@dataclass
class Spectrum:
    """The spectra of the cell graph's connected components."""

    components: list[ComponentSpectrum] = field(default_factory=list)

    @property
    def connected(self) -> bool:
        """True when the cell graph is connected."""
        return len(self.components) == 1

    @property
    def lambda_2(self) -> float:
        """Algebraic connectivity of the whole graph (0 when it is disconnected)."""
        return self.components[0].lambda_2 if self.connected else 0.0

    @property
    def lambda_max(self) -> float:
        """The largest Laplacian eigenvalue over the components."""
        return max(c.lambda_max for c in self.components)

    def to_dict(self) -> dict:
        """The spectrum as ``result.json`` holds it."""
        return {
            "lambda_2": self.lambda_2,
            "lambda_max": self.lambda_max,
            "connected": self.connected,
            "components": [
                {
                    "cells": len(c.cells),
                    "lambda_2": c.lambda_2,
                    "lambda_max": c.lambda_max,
                    "method": c.method,
                    "residual_2": c.residual_2,
                    "residual_max": c.residual_max,
                }
                for c in self.components
            ],
        }


def _residual(lap: sp.csr_matrix, value: float, vector: np.ndarray) -> float:
    return float(np.linalg.norm(lap @ vector - value * vector) / max(np.linalg.norm(vector), 1e-300))


def component_spectrum(lap: sp.csr_matrix, cells: np.ndarray) -> ComponentSpectrum:
    """λ_2 and λ_max of one component (dense eigh up to ``DENSE_MAX`` cells, ARPACK above), with residuals."""
    n = lap.shape[0]
    if n == 1:
        return ComponentSpectrum(cells, 0.0, 0.0, "trivial", 0.0, 0.0, np.zeros(1))
    if n <= DENSE_MAX:
        values, vectors = np.linalg.eigh(lap.toarray())
        return ComponentSpectrum(
            cells,
            float(values[1]),
            float(values[-1]),
            "dense eigh",
            _residual(lap, values[1], vectors[:, 1]),
            _residual(lap, values[-1], vectors[:, -1]),
            values,
        )
    from scipy.sparse.linalg import eigsh

    # λ_max: Lanczos; the Ritz value is a lower bound of λ_max and there is an eigenvalue within the residual of it.
    # At the top of a large lattice's spectrum the eigenvalues cluster (gaps O(1/n)): the Ritz *vector* converges
    # slowly while the value is already accurate (hex grid, 100,000 cells: tol 1e-4 gives the value to 2e-6
    # relative in 1.8 s, tol 1e-8 takes 300 s), so the tolerance is relative 1e-4 and the residual is reported.
    # a fixed start vector: ARPACK's default is random, and the same graph must give the same numbers
    start = np.random.default_rng(0).uniform(0.5, 1.5, n)
    vmax, xmax = eigsh(lap, k=1, which="LA", tol=LANCZOS_TOL, ncv=min(32, n - 1), v0=start)
    # shift-invert about a small negative shift: the two eigenvalues nearest to it are 0 and λ_2
    shift = -1e-3 * max(1.0, float(vmax[0]) / n)
    vals, vecs = eigsh(lap, k=2, sigma=shift, which="LM", tol=1e-12, v0=start)
    order = np.argsort(vals)
    lam2, v2 = float(vals[order[1]]), vecs[:, order[1]]
    return ComponentSpectrum(
        cells,
        lam2,
        float(vmax[0]),
        "ARPACK eigsh (shift-invert for lambda_2)",
        _residual(lap, lam2, v2),
        _residual(lap, float(vmax[0]), xmax[:, 0]),
    )


def spectrum(adjacency: sp.spmatrix) -> Spectrum:
    """λ_2 and λ_max of the Laplacian, per connected component (see the module docstring)."""
    lap = laplacian(adjacency)
    n_comp, label = connected_components(sp.csr_matrix(adjacency), directed=False)
    out = Spectrum()
    # permute once so that every component is a contiguous diagonal block (slicing per component is O(n) each)
    order = np.argsort(label, kind="stable")
    blocks = lap[order][:, order].tocsr()
    bounds = np.searchsorted(label[order], np.arange(n_comp + 1))
    for c in range(n_comp):
        lo, hi = bounds[c], bounds[c + 1]
        out.components.append(component_spectrum(blocks[lo:hi, lo:hi].tocsr(), order[lo:hi]))
    out.components.sort(key=lambda comp: -len(comp.cells))
    return out
