"""The Breathing network: MR pre-processing, the re-ranking Jacobian against brute-force re-association, BDBA /
BFDBA against independent solvers, the pilot-power LP against scipy's linprog, coverage monotonicity, the greedy
minimum power, the monotone MLP, the methods end to end and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from formulations.pilot_lp import solve_pilot_lp
from formulations.status import Status
from lbopt.breathing import algorithms as alg_mod
from lbopt.breathing.algorithms import bdba_step, bfdba_step, targets
from lbopt.breathing.coverage import (
    covered,
    covered_by_index,
    minimum_power,
    neighbour_graph,
    neighbourhood,
    neighbourhood_coverage,
)
from lbopt.breathing.jacobian import (
    estimate_jacobian,
    jacobian_by_reassociation,
    jacobian_diagonal,
    jacobian_fd,
)
from lbopt.breathing.mlp import MonotoneMLP
from lbopt.breathing.mr import antenna_index, busy_degree, drop_inconsistent, from_rows, merge_duplicates
from lbopt.cli import main
from lbopt.instance import load_instance, save_instance
from lbopt.scenarios.hexgrid import hex_grid
from lbopt.scenarios.mr_day import breathing_area, with_mr_day

JAC_TOL = 1e-12  # the counting and the re-association add the same records: equal to rounding


def mr_of(instance):
    mr = instance.mr
    return from_rows(
        mr["record"].to_numpy(),
        mr["period"].to_numpy(),
        instance.cell_positions(mr["antenna"]),
        mr["rss_dbm"].to_numpy(float),
        instance.cells["cpich_power_dbm"].to_numpy(float),
    )


@pytest.fixture(scope="module")
def small():
    """19 antennas, one hour, continuous strengths (no ties)."""
    inst = with_mr_day(hex_grid(rings=2, seed=1), users_peak=3000, hours=1, resolution_db=0, seed=2)
    return inst, mr_of(inst)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), delta=st.sampled_from([0.5, 1.0, 2.5]))
def test_jacobian_counts_equal_reassociation(small, seed, delta):
    inst, mr = small
    n = inst.n_cells
    rng = np.random.default_rng(seed)
    power = mr.logged_dbm + rng.uniform(-3, 3, n)
    cap, mu = np.full(n, 50.0), rng.uniform(20, 60, n)
    fd = jacobian_fd(mr, power, cap, mu, delta).toarray()
    brute = jacobian_by_reassociation(mr, power, cap, mu, delta)
    np.testing.assert_allclose(fd, brute, atol=JAC_TOL)
    # central differences conserve the traffic of each column (eq. 6, equal R weights here)
    np.testing.assert_allclose((fd * mu[:, None]).sum(axis=0), 0.0, atol=1e-9)


def test_jacobian_is_a_laplacian_of_rank_n_minus_components(small):
    inst, mr = small
    n = inst.n_cells
    jac = estimate_jacobian(mr, mr.logged_dbm, np.full(n, 50.0), np.full(n, 40.0), 1.0).toarray()
    np.testing.assert_allclose(jac.sum(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(jac.sum(axis=0), 0.0, atol=1e-12)
    off = jac - np.diag(np.diag(jac))
    assert off.max() <= 0.0
    n_comp, _ = connected_components(sp.csr_matrix(off != 0), directed=False)
    assert n_comp == 1  # 3,000 users over 19 antennas: every boundary has records within 1 dB
    assert np.linalg.matrix_rank(jac, tol=1e-10) == n - n_comp


def test_diagonal_without_the_matrix(small):
    inst, mr = small
    n = inst.n_cells
    cap, mu = np.full(n, 50.0), np.random.default_rng(1).uniform(20, 60, n)
    power = mr.logged_dbm + np.random.default_rng(2).uniform(-3, 3, n)
    jac = estimate_jacobian(mr, power, cap, mu)
    diag, label = jacobian_diagonal(mr, power, cap, mu)
    np.testing.assert_allclose(diag, jac.diagonal(), atol=1e-12)
    off = jac.copy()
    off.setdiag(0)
    off.eliminate_zeros()
    assert connected_components(off, directed=False)[0] == len(np.unique(label))


def test_sampled_jacobian_converges(small):
    inst, mr = small
    n = inst.n_cells
    cap, mu = np.full(n, 50.0), np.full(n, 40.0)
    full = estimate_jacobian(mr, mr.logged_dbm, cap, mu).toarray()
    # a sample at least as large as every antenna's record set is the full estimate
    np.testing.assert_allclose(estimate_jacobian(mr, mr.logged_dbm, cap, mu, sample=10**6).toarray(), full, atol=1e-12)
    errors = []
    for s in (5, 40, 160):
        errs = [
            np.abs(estimate_jacobian(mr, mr.logged_dbm, cap, mu, sample=s, seed=k).toarray() - full).sum()
            for k in range(5)
        ]
        errors.append(np.mean(errs))
    assert errors[0] > errors[1] > errors[2]


def test_preprocessing_drops_inconsistent_and_merges_losslessly():
    rows = pd.DataFrame(
        {
            "record": [0, 0, 1, 1, 2, 2, 3, 3],
            "period": [0, 0, 0, 0, 0, 0, 0, 0],
            "antenna": [0, 1, 0, 1, 1, 0, 0, 1],
            "rss_dbm": [-80.0, -85.0, -90.0, -70.0, -75.0, -79.0, -80.0, -85.0],
        }
    )
    mr = from_rows(rows.record, rows.period, rows.antenna, rows.rss_dbm, np.array([30.0, 30.0]))
    kept, dropped = drop_inconsistent(mr)
    assert dropped == 1  # record 1 lists antenna 0 first though antenna 1 is 20 dB stronger
    merged, n_merged = merge_duplicates(kept)
    assert n_merged == 1
    assert merged.n_records == 2
    assert sorted(merged.weight) == [1.0, 2.0]
    for power in (np.array([30.0, 30.0]), np.array([24.0, 33.0])):
        np.testing.assert_allclose(
            busy_degree(merged, power, np.ones(2), np.ones(2)), busy_degree(kept, power, np.ones(2), np.ones(2))
        )


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_busy_degrees_conserve_the_users(small, seed):
    inst, mr = small
    n = inst.n_cells
    rng = np.random.default_rng(seed)
    mu = rng.uniform(10, 100, n)
    b = busy_degree(mr, mr.logged_dbm + rng.uniform(-6, 6, n), np.full(n, 50.0), mu)
    assert (b * mu).sum() == pytest.approx(mr.weight.sum(), rel=1e-12)


def test_bdba_is_the_minimum_norm_solution_and_lsmr_agrees(small, monkeypatch):
    inst, mr = small
    n = inst.n_cells
    cap, mu = np.full(n, 50.0), np.full(n, 40.0)
    jac = estimate_jacobian(mr, mr.logged_dbm, cap, mu)
    b = busy_degree(mr, mr.logged_dbm, cap, mu)[0]
    delta_b = targets(b, cap, jac) - b
    assert delta_b.sum() == pytest.approx(0.0, abs=1e-12)
    plain, _ = bdba_step(jac, delta_b, regularisation=0.0)
    np.testing.assert_allclose(jac @ plain, delta_b, atol=1e-9)
    assert abs(plain.sum()) < 1e-9
    np.testing.assert_allclose(plain, np.linalg.lstsq(jac.toarray(), delta_b, rcond=None)[0], atol=1e-6)
    # Tikhonov: the SVD filter factors and LSMR's damping solve the same problem
    dense_reg, _ = bdba_step(jac, delta_b, regularisation=0.1)
    monkeypatch.setattr(alg_mod, "DENSE_MAX", 2)
    sparse_reg, info = bdba_step(jac, delta_b, regularisation=0.1)
    assert info["solver"] == "lsmr"
    np.testing.assert_allclose(sparse_reg, dense_reg, atol=1e-6)
    lam = 0.1 * 2 * jac.diagonal().max()
    normal = jac.T @ jac + lam**2 * np.eye(n)
    np.testing.assert_allclose(dense_reg, np.linalg.solve(normal, jac.T @ delta_b), atol=1e-8)
    # BFDBA: the diagonal step
    np.testing.assert_allclose(bfdba_step(jac, delta_b, 1e-3), delta_b / (jac.diagonal() + 1e-3))


def test_pilot_lp_against_linprog(small):
    from scipy.optimize import linprog

    inst, mr = small
    n = inst.n_cells
    cap, mu = np.full(n, 50.0), np.full(n, 40.0)
    jac = estimate_jacobian(mr, mr.logged_dbm, cap, mu)
    b = busy_degree(mr, mr.logged_dbm, cap, mu)[0]
    delta_b = targets(b, cap, jac) - b
    p = mr.logged_dbm
    wide = solve_pilot_lp(jac, delta_b, p, p - 40, p + 40)
    assert wide.status is Status.OPTIMAL
    assert wide.exact
    j = jac.toarray()
    ref = linprog(
        np.ones(2 * n),
        A_eq=np.hstack([j, -j]),
        b_eq=delta_b,
        bounds=[(0, None)] * (2 * n),
        method="highs-ipm",
    )
    assert wide.objective == pytest.approx(ref.fun, rel=1e-6)
    assert np.abs(jac @ wide.delta_p - delta_b).max() < 1e-7
    tight = solve_pilot_lp(jac, delta_b, p, p - 0.1, p + 0.1)
    assert tight.status is Status.FEASIBLE
    assert not tight.exact
    assert tight.residual_l1 > 0
    assert np.all(np.abs(tight.delta_p) <= 0.1 + 1e-9)
    crossed = solve_pilot_lp(jac, delta_b, p, p + 1, p - 1)
    assert crossed.status is Status.INFEASIBLE


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), who=st.integers(0, 18), up=st.floats(0.1, 6.0))
def test_coverage_is_monotone_in_every_power(small, seed, who, up):
    inst, mr = small
    rng = np.random.default_rng(seed)
    p = mr.logged_dbm + rng.uniform(-6, 3, inst.n_cells)
    q = p.copy()
    q[who] += up
    assert np.all(neighbourhood_coverage(mr, q, -85.0) >= neighbourhood_coverage(mr, p, -85.0))
    nb = neighbourhood(mr, who)
    assert nb.coverage(mr, q, -85.0) == pytest.approx(neighbourhood_coverage(mr, q, -85.0)[who], abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), threshold=st.floats(-100.0, -70.0))
def test_coverage_by_the_sorted_index_equals_the_direct_one(small, seed, threshold):
    inst, mr = small
    index = antenna_index(mr)
    starts, rows, att = index
    for a in range(inst.n_cells):  # each antenna's rows, nearest first
        assert np.all(np.diff(att[starts[a] : starts[a + 1]]) >= 0)
        assert np.all(mr.antenna[rows[starts[a] : starts[a + 1]]] == a)
    power = mr.logged_dbm + np.random.default_rng(seed).uniform(-6, 3, inst.n_cells)
    assert np.array_equal(covered_by_index(mr, power, threshold, index), covered(mr, power, threshold))


def test_minimum_power_meets_the_requirement_or_names_the_antennas(small):
    inst, mr = small
    low, high = mr.logged_dbm - 6, mr.logged_dbm + 3
    graph = neighbour_graph(mr)

    def evaluate(p):
        return neighbourhood_coverage(mr, p, -78.0)

    res = minimum_power(evaluate, graph, low, high, 0.95, 0.5)
    cov_high = evaluate(high)
    assert set(res.uncoverable) == set(np.flatnonzero(cov_high < 0.95))
    ok = np.setdiff1d(np.arange(inst.n_cells), res.uncoverable)
    assert np.all(res.coverage[ok] >= 0.95)
    assert np.all((res.power_dbm >= low) & (res.power_dbm <= high))
    # an unmeetable requirement: every antenna named
    impossible = minimum_power(lambda p: neighbourhood_coverage(mr, p, -20.0), graph, low, high, 0.95, 0.5)
    assert not impossible.feasible
    assert len(impossible.uncoverable) == inst.n_cells


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000), n_in=st.integers(1, 6), who=st.integers(0, 5), up=st.floats(1e-3, 10.0))
def test_mlp_is_monotone_for_any_parameters(seed, n_in, who, up):
    rng = np.random.default_rng(seed)
    mlp = MonotoneMLP.init(np.zeros(n_in), np.full(n_in, 10.0), hidden=(5, 4, 3), seed=seed)
    mlp.theta = rng.normal(0, 3, len(mlp.theta))  # any parameters at all
    x = rng.uniform(0, 10, (20, n_in))
    y = x.copy()
    y[:, who % n_in] += up
    assert np.all(mlp.predict(y) >= mlp.predict(x) - 1e-15)


def test_mlp_gradient_and_fit():
    from scipy.optimize import check_grad

    rng = np.random.default_rng(0)
    mlp = MonotoneMLP.init(np.zeros(3), np.ones(3), seed=1)
    x = rng.uniform(size=(30, 3))
    y = 1 / (1 + np.exp(-(4 * x.sum(axis=1) - 6)))  # a monotone target
    err = check_grad(
        lambda th: mlp.loss_and_grad(th, x, y)[0], lambda th: mlp.loss_and_grad(th, x, y)[1], mlp.theta, seed=3
    )
    assert err < 1e-6
    assert mlp.fit(x, y) < 1e-4


@pytest.fixture(scope="module")
def area_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("breathing") / "area.yaml"
    save_instance(breathing_area(30, 800.0, users_peak=3000, seed=4), path)
    return path


@pytest.mark.parametrize("method", ["bdba", "bfdba", "power-lp"])
def test_methods_end_to_end(tmp_path, area_path, method):
    out = tmp_path / method
    res = CliRunner().invoke(main, ["solve", str(area_path), "-m", method, "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "result.json").read_text())
    m = data["metrics"]
    for key in ("busy_std_before", "busy_std_after", "over_busy_before", "over_busy_after", "delta_p_l1", "coverage"):
        assert key in m
    assert m["busy_std_after"] < m["busy_std_before"]
    cells = pd.read_csv(out / "cells.csv")
    assert np.all(cells["power_after_dbm"] <= cells["power_max_dbm"] + 1e-9)
    assert np.all(cells["power_after_dbm"] >= np.minimum(cells["power_min_t_dbm"], cells["power_max_dbm"]) - 1e-9)
    assert m["delta_p_l1"] == pytest.approx(np.abs(cells["power_after_dbm"] - cells["power_before_dbm"]).sum())


def test_day_simulation_claims(area_path):
    from lbopt.breathing.day import simulate_day
    from lbopt.breathing.method import breathing_inputs, breathing_setting

    inst = load_instance(area_path)
    data, ant, power, _ = breathing_inputs(inst)
    ant.max_users[:] = 3000 / 30 / 0.7
    std = {}
    for method in ("current", "bdba", "bfdba"):
        day, _ = simulate_day(data, power, ant, breathing_setting(inst, method))
        assert len(day) == 24
        std[method] = day["busy_std"].mean()
    assert std["bdba"] < std["current"]
    assert std["bfdba"] < std["current"]


def test_bad_breathing_input(tmp_path, area_path):
    runner = CliRunner()
    inst = load_instance(area_path)

    def refused(instance, field, text=None):
        path = tmp_path / f"bad{abs(hash(field)) % 1000}.yaml"
        save_instance(instance, path)
        out = tmp_path / "never"
        res = runner.invoke(main, ["solve", str(path), "-m", "bdba", "--out", str(out)])
        assert res.exit_code != 0, res.output
        assert field in res.output
        if text:
            assert text in res.output
        assert "Traceback" not in res.output
        assert not out.exists()

    mr = inst.mr.copy()
    mr.loc[5, "antenna"] = "nowhere"
    refused(inst.with_tables(mr=mr), "mr.antenna", "nowhere")
    mr = inst.mr.copy()
    mr.loc[7, "rss_dbm"] = np.inf
    refused(inst.with_tables(mr=mr), "mr.rss_dbm")
    refused(inst.with_tables(mr=inst.mr[inst.mr["period"] != 5]), "mr.period", "period 5")
    cells = inst.cells.copy()
    cells.loc[3, "cpich_min_dbm"] = cells.loc[3, "cpich_max_dbm"] + 1
    refused(inst.with_tables(cells=cells), "cells.cpich_min_dbm")
    # a coverage requirement no setting meets: a result with status infeasible naming the antennas
    strict = inst.with_tables()
    strict.methods = strict.methods.model_copy(
        update={"breathing": strict.methods.breathing.model_copy(update={"coverage_dbm": -40.0})}
    )
    path = tmp_path / "strict.yaml"
    save_instance(strict, path)
    res = runner.invoke(main, ["solve", str(path), "-m", "bfdba", "--out", str(tmp_path / "s")])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "s" / "result.json").read_text())
    assert data["status"] == "infeasible"
    assert data["metrics"]["uncoverable_antennas"] == inst.n_cells
    assert data["message"].startswith(
        "no power setting within the bounds meets the coverage requirement C >= 0.95 (s_th -40 dBm)"
    )


def test_compare_breathing_methods(tmp_path, area_path):
    out = tmp_path / "cmp"
    res = CliRunner().invoke(main, ["compare", str(area_path), "--methods", "bdba,bfdba,power-lp", "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["method"]) == ["bdba", "bfdba", "power-lp"]
    assert (table["busy_std_after"] < table["busy_std_before"]).all()
    assert table["period"].nunique() == 1  # the same period for every method
    assert CliRunner().invoke(main, ["report", str(out)]).exit_code == 0
