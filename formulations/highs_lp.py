"""One way to hand a sparse LP to HiGHS through highspy's matrix API (shared by the formulations)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from formulations.highs_milp import new_highs


def highs_lp(
    matrix: sp.spmatrix,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
):
    """A silent :class:`highspy.Highs` holding ``min costᵀx`` s.t. ``row_lower ≤ A x ≤ row_upper``, column bounds.

    Infinite bounds (``±np.inf``) become HiGHS' infinity.
    """
    import highspy

    inf = highspy.kHighsInf
    a = sp.csc_matrix(matrix)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.asarray(cost, float)
    lp.col_lower_ = np.clip(np.asarray(col_lower, float), -inf, inf)
    lp.col_upper_ = np.clip(np.asarray(col_upper, float), -inf, inf)
    lp.row_lower_ = np.clip(np.asarray(row_lower, float), -inf, inf)
    lp.row_upper_ = np.clip(np.asarray(row_upper, float), -inf, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = a.shape[1], a.shape[0]
    h = new_highs()
    h.passModel(lp)
    return h
