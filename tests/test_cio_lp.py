"""CIO LP against brute force over a CIO grid."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formulations import Status
from formulations.cio_lp import CioProblem, solve_cio_lp

GRID_DB = 0.05  # brute-force grid step; the bounds ±6 dB are grid points, so every offset is within GRID_DB / 2 of one


def brute_force(problem: CioProblem) -> tuple[float, float]:
    """(least total violation, least Σ|o| among settings with that violation) over a grid, with the A3 rule restated
    from the paper's reading: a mover needs σ o ≥ gap + margin, a stayer σ o ≤ gap − margin."""
    axes = [np.arange(lo, hi + 1e-9, GRID_DB) for lo, hi in zip(problem.lower_db, problem.upper_db, strict=True)]
    grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)  # points × links
    seen = problem.side[None, :] * grid[:, problem.link]  # the offset each user's serving cell applies
    short = problem.gap_db[None, :] + problem.margin_db - seen  # how far a mover is from entering A3
    over = seen - (problem.gap_db[None, :] - problem.margin_db)  # how far a stayer is inside A3
    viol = np.round(np.where(problem.move[None, :], np.maximum(short, 0), np.maximum(over, 0)).sum(axis=1), 9)
    least = viol.min()
    return float(least), float(np.abs(grid[viol == least]).sum(axis=1).min())


@st.composite
def cio_problems(draw) -> CioProblem:
    n_links = draw(st.integers(1, 2))
    r = draw(st.integers(1, 6))
    return CioProblem(
        n_links=n_links,
        link=np.array(draw(st.lists(st.integers(0, n_links - 1), min_size=r, max_size=r))),
        side=np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=r, max_size=r))),
        gap_db=np.round(np.array(draw(st.lists(st.floats(-8, 8), min_size=r, max_size=r))), 2),
        move=np.array(draw(st.lists(st.booleans(), min_size=r, max_size=r))),
        lower_db=np.full(n_links, -6.0),
        upper_db=np.full(n_links, 6.0),
        margin_db=0.1,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=cio_problems())
def test_cio_lp_matches_brute_force(problem):
    sol = solve_cio_lp(problem)
    grid_viol, grid_abs = brute_force(problem)
    lp_viol = float(sol.violation_db.sum())
    # the LP optimum is at least as good as any grid point; the grid point nearest to it is within GRID_DB / 2 per
    # link, and the total violation is 1-Lipschitz in each requirement's offset: within len(link) · GRID_DB / 2
    assert lp_viol <= grid_viol + 1e-6
    assert grid_viol <= lp_viol + len(problem.link) * GRID_DB / 2 + 1e-6
    if grid_viol == 0:
        assert sol.exact
        assert sol.status == Status.OPTIMAL
        assert sol.objective <= grid_abs + 1e-6
        # each link's feasible offsets are an interval; its grid point nearest to 0 is within one step of the LP's
        assert grid_abs <= sol.objective + problem.n_links * GRID_DB + 1e-6
    np.testing.assert_array_less(problem.lower_db - 1e-9, sol.offsets_db)
    np.testing.assert_array_less(sol.offsets_db, problem.upper_db + 1e-9)


def test_exact_case_by_hand():
    # user A must move across link 0 (gap 2.5 dB → o ≥ 2.6); user B must stay (gap 4 dB → o ≤ 3.9)
    p = CioProblem(
        1,
        np.array([0, 0]),
        np.array([1, 1]),
        np.array([2.5, 4.0]),
        np.array([True, False]),
        np.array([-6.0]),
        np.array([6.0]),
    )
    sol = solve_cio_lp(p)
    assert sol.exact
    assert sol.offsets_db[0] == pytest.approx(2.6)
    assert sol.deviating.size == 0


def test_conflict_reports_the_deviating_user():
    # move needs o ≥ 5.1, stay needs o ≤ 2.9; the bound 6 allows the move: one of them must deviate
    p = CioProblem(
        1,
        np.array([0, 0]),
        np.array([1, 1]),
        np.array([5.0, 3.0]),
        np.array([True, False]),
        np.array([-6.0]),
        np.array([6.0]),
    )
    sol = solve_cio_lp(p)
    assert not sol.exact
    assert sol.status == Status.FEASIBLE
    assert sol.violation_db.sum() == pytest.approx(2.2)
    assert len(sol.deviating) >= 1


def test_offset_limit_makes_a_move_impossible():
    p = CioProblem(
        1, np.array([0]), np.array([-1]), np.array([8.0]), np.array([True]), np.array([-6.0]), np.array([6.0])
    )
    sol = solve_cio_lp(p)
    assert not sol.exact
    assert sol.offsets_db[0] == pytest.approx(-6.0)  # side −1: the other cell's view; as far as allowed
    assert sol.violation_db[0] == pytest.approx(8.1 - 6.0)
