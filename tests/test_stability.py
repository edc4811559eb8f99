"""Spectra against closed forms, sparse against dense, and the discrete certificate against simulation."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from lbopt.scenarios import zou16
from lbopt.stability import spectrum as spec_mod
from lbopt.stability.discrete import (
    convergence_factor,
    disagreement,
    epsilon_max,
    optimal_epsilon,
    predicted_steps,
    simulate,
)
from lbopt.stability.spectrum import adjacency_from_pairs, cell_adjacency, laplacian, spectrum

EIG_TOL = 1e-9  # dense eigh on small graphs is exact to rounding


def graph_adjacency(g: nx.Graph) -> sp.csr_matrix:
    edges = np.array(list(g.edges()), dtype=int).reshape(-1, 2)
    return adjacency_from_pairs(g.number_of_nodes(), edges[:, 0], edges[:, 1])


@pytest.mark.parametrize("n", [3, 8, 25])
def test_closed_forms(n):
    cycle = spectrum(graph_adjacency(nx.cycle_graph(n)))
    eig = sorted(2 - 2 * np.cos(2 * np.pi * np.arange(n) / n))
    assert cycle.lambda_2 == pytest.approx(eig[1], abs=EIG_TOL)
    assert cycle.lambda_max == pytest.approx(eig[-1], abs=EIG_TOL)
    path = spectrum(graph_adjacency(nx.path_graph(n)))
    assert path.lambda_2 == pytest.approx(2 - 2 * np.cos(np.pi / n), abs=EIG_TOL)
    complete = spectrum(graph_adjacency(nx.complete_graph(n)))
    assert complete.lambda_2 == pytest.approx(n, abs=EIG_TOL)
    assert complete.lambda_max == pytest.approx(n, abs=EIG_TOL)
    star = spectrum(graph_adjacency(nx.star_graph(n - 1)))
    assert star.lambda_max == pytest.approx(n, abs=EIG_TOL)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 40), p=st.floats(0.05, 0.6), seed=st.integers(0, 10_000))
def test_laplacian_rows_sum_to_zero_and_psd(n, p, seed):
    adj = graph_adjacency(nx.gnp_random_graph(n, p, seed=seed))
    lap = laplacian(adj).toarray()
    np.testing.assert_allclose(lap.sum(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(lap, lap.T)
    assert np.linalg.eigvalsh(lap).min() >= -1e-9


def test_sparse_agrees_with_dense(monkeypatch):
    g = nx.random_geometric_graph(3000, 0.04, seed=3)
    giant = g.subgraph(max(nx.connected_components(g), key=len)).copy()
    giant = nx.convert_node_labels_to_integers(giant)
    adj = graph_adjacency(giant)
    dense = np.linalg.eigvalsh(laplacian(adj).toarray())
    monkeypatch.setattr(spec_mod, "DENSE_MAX", 100)
    sparse = spectrum(adj)
    assert "ARPACK" in sparse.components[0].method
    assert sparse.lambda_2 == pytest.approx(dense[1], rel=1e-7)
    assert sparse.lambda_max == pytest.approx(dense[-1], rel=1e-9)
    assert sparse.components[0].residual_2 < 1e-6
    assert sparse.components[0].residual_max < 1e-6


def test_disconnected_graph_is_reported_per_component():
    g = nx.disjoint_union(nx.cycle_graph(6), nx.path_graph(4))
    g.add_node(10)  # an isolated cell
    s = spectrum(graph_adjacency(g))
    assert not s.connected
    assert s.lambda_2 == 0.0
    assert [len(c.cells) for c in s.components] == [6, 4, 1]
    assert s.components[1].lambda_2 == pytest.approx(2 - 2 * np.cos(np.pi / 4), abs=EIG_TOL)
    assert s.to_dict()["components"][2]["lambda_max"] == 0.0


def test_zou16_graph_from_radii_and_links_agree():
    inst = zou16(200, seed=1)
    by_radius, src = cell_adjacency(inst, "radius")
    by_links, _ = cell_adjacency(inst, "links")
    assert src == "radius"
    assert (by_radius != by_links).nnz == 0
    s = spectrum(by_radius)
    assert s.connected
    assert 0 < s.lambda_2 < s.lambda_max <= 2 * 6  # λ_max ≤ 2 × the maximum degree


@pytest.mark.parametrize("graph", ["cycle", "grid"])
def test_discrete_dynamics_decay_as_predicted(graph):
    g = nx.cycle_graph(20) if graph == "cycle" else nx.convert_node_labels_to_integers(nx.grid_2d_graph(6, 7))
    adj = graph_adjacency(g)
    s = spectrum(adj)
    lap = laplacian(adj)
    rho0 = np.random.default_rng(0).uniform(0, 1, adj.shape[0])
    for eps in (0.5 * epsilon_max(s.lambda_max), optimal_epsilon(s.lambda_2, s.lambda_max)):
        gamma = convergence_factor(eps, s.lambda_2, s.lambda_max)
        tol = 1e-6
        k = int(predicted_steps(gamma, tol))
        traj = simulate(lap, rho0, eps, max(400, k))
        e = disagreement(traj)
        # the bound holds at every step, and the measured asymptotic rate equals γ
        assert np.all(e <= gamma ** np.arange(len(e)) * e[0] * (1 + 1e-9))
        rate = (e[300] / e[200]) ** (1 / 100)
        assert rate == pytest.approx(gamma, rel=1e-3)
        assert e[k] <= tol * e[0] * (1 + 1e-9)
        np.testing.assert_allclose(traj.sum(axis=1), rho0.sum())  # conservative
    # beyond ε_max the dynamics diverge
    eps = 1.05 * epsilon_max(s.lambda_max)
    e = disagreement(simulate(lap, rho0, eps, 400))
    assert e[-1] > e[0]
    assert predicted_steps(convergence_factor(eps, s.lambda_2, s.lambda_max), 1e-6) == math.inf
