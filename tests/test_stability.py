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
from lbopt.stability.continuous import certify, coupling_matrix, estimate_gains, simulate_linear
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
    # the Lanczos value is a lower bound of λ_max, and an eigenvalue lies within the residual of it
    assert -1e-12 <= dense[-1] - sparse.lambda_max <= sparse.components[0].residual_max + 1e-12
    assert spectrum(adj).lambda_max == sparse.lambda_max  # same graph, same numbers (fixed start vector)
    assert sparse.components[0].residual_2 < 1e-6
    # Lanczos stops at a relative residual of LANCZOS_TOL; the value converges much faster than the vector
    assert sparse.components[0].residual_max < spec_mod.LANCZOS_TOL * sparse.lambda_max


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


def test_conservative_transfer_is_certified_and_decays():
    adj = graph_adjacency(nx.cycle_graph(8)).toarray()
    rng = np.random.default_rng(0)
    h = -rng.uniform(0.2, 1.0, (8, 8))
    h = 0.5 * (h + h.T)  # conservative: h_ij = h_ji
    f = -rng.uniform(0.05, 0.3, 8)
    m = coupling_matrix(adj, h, f)
    cert = certify(m)
    assert cert.certified
    assert cert.gershgorin
    np.testing.assert_allclose(cert.margins, -f, atol=1e-12)  # with h symmetric, each margin is −f'_i
    x0 = rng.normal(size=8)
    _, xs = simulate_linear(m, x0, 20.0)
    v = (xs**2).sum(axis=1)
    assert np.all(np.diff(v) < 0)  # V decreases along every step, as the certificate says


def test_non_conservative_transfer_breaks_the_condition_with_a_counterexample():
    adj = graph_adjacency(nx.path_graph(3)).toarray()
    h = np.zeros((3, 3))
    # cell 1 sheds to its neighbours weakly but receives strongly: non-conservative, |Σ a_1j h_1j| << |Σ a_j1 h_j1|
    h[1, 0] = h[1, 2] = -0.01
    h[0, 1] = h[2, 1] = -2.0
    f = np.array([-0.01, -0.01, -0.01])
    m = coupling_matrix(adj, h, f)
    cert = certify(m)
    assert not cert.gershgorin
    assert 1 in cert.failing
    # by hand: row 1 of S: S_11 = f'_1 + Σ h_1j = −0.03, |S_10| = |S_12| = (0.01 + 2)/2
    assert cert.margins[1] == pytest.approx(0.03 - 2.01)
    assert not cert.certified
    # the counter-example: from it, V = xᵀx grows at first
    x0 = cert.counterexample
    _, xs = simulate_linear(m, x0, 0.05, samples=5)
    v = (xs**2).sum(axis=1)
    assert v[1] > v[0]
    # yet M itself is Hurwitz here (f' < 0 and a row-diagonally-dominant M): the certificate is only sufficient
    assert cert.max_real_m < 0


def test_gains_are_recovered_from_a_trajectory():
    adj = graph_adjacency(nx.cycle_graph(5)).toarray()
    rng = np.random.default_rng(3)
    h = np.where(adj > 0, -rng.uniform(0.2, 0.8, (5, 5)), 0.0)
    f = -rng.uniform(0.1, 0.3, 5)
    m = coupling_matrix(adj, h, f)
    times, xs = simulate_linear(m, rng.normal(size=5), 5.0, samples=2000)
    f_hat, h_hat = estimate_gains(times, xs + 0.4, adj, rho_bar=0.4)
    np.testing.assert_allclose(f_hat, f, atol=2e-3)  # central differences: O(dt²) bias
    np.testing.assert_allclose(h_hat[adj > 0], h[adj > 0], atol=2e-3)


def test_nonconservative_bound_holds_along_a_simulation():
    from lbopt.stability.nonconservative import bound, step

    rng = np.random.default_rng(7)
    adj = graph_adjacency(nx.random_geometric_graph(12, 0.45, seed=2)).toarray()
    assert nx.is_connected(nx.from_numpy_array(adj))
    deg = adj.sum(axis=1).max()
    eps = rng.uniform(0.2, 0.9, (12, 12)) / deg  # ε_ij ≠ ε_ji, small enough for stability
    rho = rng.uniform(0.1, 0.9, 12)
    worst_tilde = 0.0
    for _ in range(60):
        b = bound(rho, adj, eps)
        nxt = step(rho, adj, eps)
        e = nxt - nxt.mean()
        assert float(e @ e) <= b.v_next_bound * (1 + 1e-12) + 1e-15  # eq. 26, every step
        worst_tilde = max(worst_tilde, b.v_tilde)
        # once inside the oscillation bound it stays inside
        if b.v <= b.v_tilde:
            assert float(e @ e) <= max(b.v_tilde, b.v) * (1 + 1e-9)
        rho = nxt
    # the symmetric case has no error term: α = 0 and V contracts by γ̂² exactly as Prop. 1
    sym = 0.5 * (eps + eps.T)
    b = bound(rho, adj, sym)
    assert b.alpha == pytest.approx(0.0, abs=1e-15)
    assert b.v_tilde == 0.0


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(0, 10**6), st.integers(2, 30))
def test_disagreement_eigenvalues_are_the_projection_on_the_complement_of_one(seed, n):
    """Against the definition: the eigenvalues of Q^T L Q for an orthonormal basis Q of 1⊥ (scipy's null_space), on
    random symmetric L with L 1 = 0 and weights of both signs (a realised transfer can go uphill), 1e-9 absolute."""
    from scipy.linalg import null_space

    from lbopt.stability.nonconservative import disagreement_eigenvalues

    rng = np.random.default_rng(seed)
    w = rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.4)
    w = 0.5 * (w + w.T)
    np.fill_diagonal(w, 0.0)
    lap = np.diag(w.sum(axis=1)) - w
    basis = null_space(np.ones((1, n)))
    expected = np.linalg.eigvalsh(basis.T @ lap @ basis)
    np.testing.assert_allclose(disagreement_eigenvalues(lap), expected, rtol=0, atol=1e-9)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(0, 10**6), st.integers(2, 40), st.floats(0.0, 0.3))
def test_disagreement_factor_by_components_is_the_projection_on_the_complement_of_one(seed, n, density):
    """γ̂ from the blocks of the cells that exchanged users against the definition on all of 1⊥ (scipy's null_space):
    sparse weights of both signs, so that most steps leave several components and cells alone; 1e-9 absolute."""
    from scipy.linalg import null_space

    from lbopt.stability.nonconservative import disagreement_factor

    rng = np.random.default_rng(seed)
    w = rng.normal(size=(n, n)) * (rng.random((n, n)) < density)
    w = 0.5 * (w + w.T)
    np.fill_diagonal(w, 0.0)
    lap = np.diag(w.sum(axis=1)) - w
    basis = null_space(np.ones((1, n)))
    expected = np.max(np.abs(1.0 - np.linalg.eigvalsh(basis.T @ lap @ basis)))
    assert disagreement_factor(lap) == pytest.approx(expected, rel=0, abs=1e-9)
