"""CRE baselines (Han & Ansari §VI, Fig. 9): a two-tier data-rate bias, ``b(x) = argmax_j Z_j r_xj``.

``Z_j = 1`` for macro cells and one common bias ``Z`` for all small cells (any tier but macro). ``Z`` is chosen by
a 1-D search minimising, over the associations the rule gives, the latency indicator (``cre-la``), the on-grid
power with ties broken by latency (``cre-ga``), or ψ (``cre-lg``). The search: 121 values of log10 Z on
[−3, 3], then golden-section refinement around the best (the objective is piecewise constant in Z, so the
refinement only narrows the interval of equal values; the middle of the best interval is taken). Associations
that load a cell to 1 − ε or more are infeasible and never chosen.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import numpy as np

from formulations.association import Vertices
from formulations.status import SolverFacts, Status
from lbopt.errors import InvalidParameter, MissingInput
from lbopt.instance.model import Instance
from lbopt.result import Result
from lbopt.vgala.data import VgalaData, vgala_data

CRITERIA = ("la", "ga", "lg")


def cre_association(
    data: VgalaData, vertices: Vertices, small: np.ndarray, bias: float
) -> tuple[np.ndarray, np.ndarray]:
    """Locations on ``argmax Z_j r_xj`` (= argmin a_xj / Z_j): the padded pick and the loads."""
    weight = np.where(small, 1.0 / bias, 1.0)
    return vertices.cheapest(weight)


def _score(data: VgalaData, rho: np.ndarray, criterion: str) -> tuple[float, float]:
    if np.any(rho >= data.problem.rho_max):
        return (np.inf, np.inf)
    m = data.metrics(rho)
    if criterion == "la":
        return (m["latency_indicator"], 0.0)
    if criterion == "ga":
        return (m["ongrid_power_w"], m["latency_indicator"])
    return (m["psi"], 0.0)


def search_bias(data: VgalaData, small: np.ndarray, criterion: str) -> tuple[float, np.ndarray, np.ndarray]:
    """The small-cell bias Z (log10 grid over [−3, 3], then golden section) that minimises ``criterion`` (latency,
    on-grid power or both); returns Z, the loads and the shares.
    """
    vertices = Vertices(data.problem)
    grid = np.linspace(-3.0, 3.0, 121)
    scores = [_score(data, cre_association(data, vertices, small, 10**g)[1], criterion) for g in grid]
    best = min(range(len(grid)), key=lambda i: scores[i])
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(40):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        sa = _score(data, cre_association(data, vertices, small, 10**a)[1], criterion)
        sb = _score(data, cre_association(data, vertices, small, 10**b)[1], criterion)
        if sa <= sb:
            hi = b
        else:
            lo = a
    z = 10 ** (0.5 * (lo + hi))
    if _score(data, cre_association(data, vertices, small, z)[1], criterion) > scores[best]:
        z = 10 ** grid[best]
    pick, rho = cre_association(data, vertices, small, z)
    return z, pick, rho


def run_cre(
    instance: Instance,
    criterion: str,
    progress: Callable[[int], None] | None = None,
    *,
    kappa: float | None,
    epsilon: float | None,
    theta: float | None,
) -> Result:
    """Cell range expansion with the searched small-cell bias (``cre-la``, ``cre-ga``, ``cre-lg``) as a result
    measured like the other association methods.
    """
    from lbopt.vgala.method import association_result, shares_of_vertices

    t0 = time.perf_counter()
    data = vgala_data(instance, kappa, epsilon, theta)
    if criterion not in CRITERIA:
        raise InvalidParameter(f"unknown CRE criterion '{criterion}'")
    if criterion in ("ga", "lg") and not data.has_energy:
        raise MissingInput(f"cre-{criterion} needs cells.static_power_w, load_power_w and green_power_w")
    tier = instance.cells["tier"].to_numpy(object) if "tier" in instance.cells else np.full(instance.n_cells, "macro")
    small = tier != "macro"
    z, pick, rho = search_bias(data, small, criterion)
    vertices = Vertices(data.problem)
    shares = shares_of_vertices(data, vertices, pick)
    status = Status.FEASIBLE if np.all(rho < data.problem.rho_max) else Status.INFEASIBLE
    res = association_result(
        instance,
        data,
        f"cre-{criterion}",
        status,
        rho,
        shares,
        SolverFacts(name=f"cre-{criterion}", time_s=time.perf_counter() - t0),
        None,
        {"bias_small_cells": z, "search": "log10 Z grid [-3, 3] (121 points) + golden section"},
    )
    res.metrics["bias_small_cells"] = z
    return res


run_cre_la = functools.partial(run_cre, criterion="la")
run_cre_ga = functools.partial(run_cre, criterion="ga")
run_cre_lg = functools.partial(run_cre, criterion="lg")
