"""Metrics against closed forms and brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lbopt.metrics import erlang_b, kaufman_roberts, load_distribution_index, load_std, over_busy_share

TOL = 1e-12  # exact arithmetic up to float rounding


def test_ldi_closed_forms():
    assert load_distribution_index([3, 3, 3, 3]) == pytest.approx(1.0, abs=TOL)
    assert load_distribution_index([5, 0, 0, 0]) == pytest.approx(1 / 4, abs=TOL)
    # Jain on (1, 2, 3): 36 / (3 * 14)
    assert load_distribution_index([1, 2, 3]) == pytest.approx(36 / 42, abs=TOL)
    assert load_distribution_index([0, 0]) == 1.0
    with pytest.raises(ValueError, match="non-negative"):
        load_distribution_index([1, -1])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50), st.floats(1e-3, 1e3))
def test_ldi_bounds_and_scale_invariance(loads, scale):
    ldi = load_distribution_index(loads)
    assert 1 / len(loads) - 1e-12 <= ldi <= 1 + 1e-12
    if sum(loads) > 1e-6:
        assert load_distribution_index(np.array(loads) * scale) == pytest.approx(ldi, rel=1e-9)


def test_std_and_over_busy():
    assert load_std([0.2, 0.4]) == pytest.approx(0.1, abs=TOL)
    assert over_busy_share([0.2, 0.9, 1.0, 1.3], 1.0) == 0.5


@pytest.mark.parametrize(("a", "c"), [(1.0, 1), (2.0, 2), (10.0, 10), (30.0, 25), (80.0, 100), (500.0, 450)])
def test_kaufman_roberts_one_class_is_erlang_b(a, c):
    q, b = kaufman_roberts(c, [a], [1])
    # Erlang B closed form for small C, the stable recursion otherwise
    if c <= 10:
        closed = (a**c / math.factorial(c)) / sum(a**k / math.factorial(k) for k in range(c + 1))
        assert b[0] == pytest.approx(closed, rel=1e-12)
    assert b[0] == pytest.approx(erlang_b(a, c), rel=1e-10)
    assert q.sum() == pytest.approx(1.0, abs=TOL)


def brute_force(capacity: int, a: list[float], units: list[int]) -> np.ndarray:
    """Blocking from the product-form distribution π(n) ∝ Π a_k^n_k / n_k! over all feasible states."""
    ranges = [range(capacity // b + 1) for b in units]
    states, weights = [], []
    for n in itertools.product(*ranges):
        occ = sum(nk * bk for nk, bk in zip(n, units, strict=True))
        if occ <= capacity:
            states.append(occ)
            weights.append(np.prod([ak**nk / math.factorial(nk) for ak, nk in zip(a, n, strict=True)]))
    w = np.array(weights) / np.sum(weights)
    occ = np.array(states)
    return np.array([w[occ + b > capacity].sum() for b in units])


def test_kaufman_roberts_jia_two_cells():
    # Jia et al. §2: classes centre/edge/pico with 1/4/2 PRBs, C = 100; unbalanced load blocks more
    c, b = 100, [1, 4, 2]
    _, heavy = kaufman_roberts(c, [20.0, 20.0, 20.0], b)
    _, light = kaufman_roberts(c, [20 / 3] * 3, b)
    _, even = kaufman_roberts(c, [40 / 3] * 3, b)
    assert np.all(heavy > even)
    assert np.all(even > light)
    assert heavy[1] > heavy[2] > heavy[0]  # wider calls block more


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(0, 14),
    classes=st.lists(st.tuples(st.floats(0.0, 8.0), st.integers(1, 5)), min_size=1, max_size=3),
)
def test_kaufman_roberts_equals_brute_force(capacity, classes):
    a = [x[0] for x in classes]
    units = [x[1] for x in classes]
    _, blocking = kaufman_roberts(capacity, a, units)
    np.testing.assert_allclose(blocking, brute_force(capacity, a, units), rtol=1e-10, atol=1e-14)


def test_kaufman_roberts_heavy_load_does_not_overflow():
    q, b = kaufman_roberts(2000, [5000.0, 100.0], [1, 6])
    assert np.isfinite(q).all()
    assert q.sum() == pytest.approx(1.0)
    assert b[0] == pytest.approx(erlang_b(5000.0, 2000), rel=0.05)  # class 1 dominates: close to Erlang B
    assert 0 < b[0] < b[1] <= 1


def test_kaufman_roberts_rejects_bad_input():
    with pytest.raises(ValueError, match="integer units"):
        kaufman_roberts(10, [1.0], [1.5])
