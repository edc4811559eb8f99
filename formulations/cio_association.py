"""The best that pair offsets alone can do: offsets and the A3 association they give, in one MILP.

Users start on cell ``s(u)``; with antisymmetric pair offsets ``O_e`` (``O_ji = −O_ij``, ``lo ≤ O_e ≤ hi``; a pair
of cells without a neighbour relation keeps offset 0) the A3 event (``RSRP_j + O_sj > RSRP_s + Hys``) hands a user
to the entering cell of best ``RSRP_j + O_sj``, or leaves it on ``s``. Unlike user association
(:mod:`.user_association`) users cannot be placed one by one: every user of a cell with the same RSRP pattern moves
with the offsets.

With ``score_k = R_k + σ_k O_{e(k)}`` for candidate k = (u, j) (``σ = ±1``, the pair's orientation) and
``x_k ∈ {0, 1}``, the association is A3's when, for every user (big-M ``M`` per row, from the RSRP range):

* moved to j:  ``score_k ≥ R_s + Hys + δ``  and  ``score_k ≥ score_k' + δ`` for every other candidate k';
* kept on s:   ``score_k' ≤ R_s + Hys`` for every candidate k' ≠ s;

with ``min t``, ``Σ_k B_k x_k ≤ C_g t`` per unit as in :mod:`.user_association`. Candidates are the start cell and
the cells one A3 event can reach (``R_j + hi > R_s + Hys``); no other cell can enter.

Two solves: ``δ = 0`` is the closure of A3's strict inequalities, a relaxation whose optimum (or MILP dual bound) is
a valid lower bound; ``δ = margin_db`` keeps every inequality strict, so its offsets give, simulated through A3,
exactly its association — the incumbent (value recomputed from the simulated association). With ``steps`` the
offsets take only the given values (q-OffsetRange of TS 36.331), one binary per pair and value.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from formulations.highs_lp import highs_lp
from formulations.highs_milp import highs_version, relative_gap, run_milp, settled_bound
from formulations.status import SolverFacts, Status

__all__ = ["Q_OFFSET_RANGE_DB", "OffsetProblem", "OffsetSolution", "simulate_a3", "solve_offsets"]

#: q-OffsetRange of 3GPP TS 36.331 (dB)
Q_OFFSET_RANGE_DB = np.array(
    [
        -24,
        -22,
        -20,
        -18,
        -16,
        -14,
        -12,
        -10,
        -8,
        -6,
        -5,
        -4,
        -3,
        -2,
        -1,
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        8,
        10,
        12,
        14,
        16,
        18,
        20,
        22,
        24,
    ],
    float,
)


@dataclass(frozen=True)
class OffsetProblem:
    """Candidates (sorted by user; ``is_start`` marks each user's start cell), their pair and orientation."""

    n_users: int
    user: np.ndarray
    is_start: np.ndarray
    rsrp_dbm: np.ndarray
    pair: np.ndarray  # offset pair between the user's start cell and this cell, −1: none (offset 0)
    sign: np.ndarray  # +1 when the start cell is the pair's first cell
    unit: np.ndarray
    prb: np.ndarray
    capacity: np.ndarray
    n_pairs: int
    lo: float
    hi: float
    hysteresis_db: float

    @property
    def start_of_user(self) -> np.ndarray:
        """Index of every user's first candidate."""
        return np.flatnonzero(self.is_start)

    def loads(self, choice: np.ndarray) -> np.ndarray:
        """Unit loads of an association given as one chosen candidate per user."""
        return np.bincount(self.unit[choice], self.prb[choice], len(self.capacity)) / self.capacity


@dataclass
class OffsetSolution:
    """Offsets per pair, the association they give, its largest load and the proven bound."""

    status: Status
    offsets: np.ndarray
    choice: np.ndarray
    value: float
    bound: float
    gap: float
    facts: SolverFacts


def simulate_a3(p: OffsetProblem, offsets: np.ndarray) -> np.ndarray:
    """A3 with these offsets: each user's candidate index (the best entering cell, or the start cell)."""
    o = np.where(p.pair >= 0, offsets[np.maximum(p.pair, 0)] * p.sign, 0.0)
    score = p.rsrp_dbm + o
    start = p.start_of_user
    threshold = p.rsrp_dbm[start] + p.hysteresis_db
    entering = (score > threshold[p.user]) & ~p.is_start
    key = np.where(entering, score, -np.inf)
    order = np.lexsort((-key, p.user))
    best = order[np.searchsorted(p.user[order], np.arange(p.n_users))]
    return np.where(entering[best], best, start)


def _rows(p: OffsetProblem, delta: float) -> tuple[sp.csr_matrix, np.ndarray]:
    """The A3 rows over columns (x, O, t): ``coef · (x, O) ≤ upper``."""
    k_all = len(p.user)
    starts = np.searchsorted(p.user, np.arange(p.n_users + 1))
    s_of = p.start_of_user
    r, c, v, upper = [], [], [], []
    row = 0

    def add(entries: list[tuple[int, float]], ub: float) -> None:
        nonlocal row
        for col, val in entries:
            r.append(row)
            c.append(col)
            v.append(val)
        upper.append(ub)
        row += 1

    def o_terms(k: int, factor: float) -> list[tuple[int, float]]:
        return [(k_all + int(p.pair[k]), factor * p.sign[k])] if p.pair[k] >= 0 else []

    for u in range(p.n_users):
        s = s_of[u]
        others = [k for k in range(starts[u], starts[u + 1]) if k != s]
        base = p.rsrp_dbm[s] + p.hysteresis_db
        for k in others:
            # kept on s: score_k <= R_s + Hys  (σ O + M x_s <= M + R_s + Hys − R_k)
            m = max(p.rsrp_dbm[k] + p.hi - base, 0.0) + 1.0
            add([*o_terms(k, 1.0), (s, m)], m + base - p.rsrp_dbm[k])
            # moved to k: score_k >= R_s + Hys + δ  (−σ O + M x_k <= M − (R_s + Hys + δ − R_k))
            need = base + delta - p.rsrp_dbm[k]
            m = max(need + p.hi, 0.0) + 1.0
            add([*o_terms(k, -1.0), (k, m)], m - need)
            for k2 in others:
                if k2 == k:
                    continue
                # best: score_k >= score_k2 + δ  (−σ O_k + σ2 O_k2 + M x_k <= M + R_k − R_k2 − δ)
                m = max(p.rsrp_dbm[k2] - p.rsrp_dbm[k] + 2 * p.hi + delta, 0.0) + 1.0
                add([*o_terms(k, -1.0), *o_terms(k2, 1.0), (k, m)], m + p.rsrp_dbm[k] - p.rsrp_dbm[k2] - delta)
    n_cols = k_all + p.n_pairs + 1
    matrix = sp.csr_matrix((v, (r, c)), shape=(row, n_cols))
    return matrix, np.array(upper)


def _model(p: OffsetProblem, delta: float, steps: np.ndarray | None):
    import highspy

    k_all = len(p.user)
    n_x = k_all + p.n_pairs + 1
    a3, a3_upper = _rows(p, delta)
    assign = sp.csr_matrix((np.ones(k_all), (p.user, np.arange(k_all))), shape=(p.n_users, n_x))
    load = sp.csr_matrix(
        (
            np.concatenate([p.prb, -p.capacity]),
            (
                np.concatenate([p.unit, np.arange(len(p.capacity))]),
                np.concatenate([np.arange(k_all), np.full(len(p.capacity), n_x - 1)]),
            ),
        ),
        shape=(len(p.capacity), n_x),
    )
    blocks = [assign, load, a3]
    lower = [np.ones(p.n_users), np.full(len(p.capacity), -np.inf), np.full(len(a3_upper), -np.inf)]
    upper = [np.ones(p.n_users), np.zeros(len(p.capacity)), a3_upper]
    n_z = 0
    if steps is not None:
        values = steps[(steps >= p.lo - 1e-12) & (steps <= p.hi + 1e-12)]
        n_z = p.n_pairs * len(values)
        e = np.repeat(np.arange(p.n_pairs), len(values))
        z_cols = n_x + np.arange(n_z)
        link = sp.csr_matrix(
            (
                np.concatenate([np.ones(p.n_pairs), -np.tile(values, p.n_pairs)]),
                (np.concatenate([np.arange(p.n_pairs), e]), np.concatenate([k_all + np.arange(p.n_pairs), z_cols])),
            ),
            shape=(p.n_pairs, n_x + n_z),
        )
        one = sp.csr_matrix((np.ones(n_z), (e, z_cols)), shape=(p.n_pairs, n_x + n_z))
        blocks = [sp.hstack([b, sp.csr_matrix((b.shape[0], n_z))]) for b in blocks] + [link, one]
        lower += [np.zeros(p.n_pairs), np.ones(p.n_pairs)]
        upper += [np.zeros(p.n_pairs), np.ones(p.n_pairs)]
    matrix = sp.vstack(blocks, format="csc")
    n_cols = n_x + n_z
    cost = np.zeros(n_cols)
    cost[n_x - 1] = 1.0
    col_lo = np.concatenate([np.zeros(k_all), np.full(p.n_pairs, p.lo), [0.0], np.zeros(n_z)])
    col_hi = np.concatenate([np.ones(k_all), np.full(p.n_pairs, p.hi), [np.inf], np.ones(n_z)])
    h = highs_lp(matrix, cost, col_lo, col_hi, np.concatenate(lower), np.concatenate(upper))
    ints = np.concatenate([np.arange(k_all), n_x + np.arange(n_z)]).astype(np.int32)
    h.changeColsIntegrality(len(ints), ints, np.full(len(ints), highspy.HighsVarType.kInteger.value, np.uint8))
    return h


def solve_offsets(
    p: OffsetProblem,
    time_limit: float = 60.0,
    mip_gap: float = 1e-4,
    steps: np.ndarray | None = None,
    margin_db: float = 0.01,
) -> OffsetSolution:
    """The least largest load that offsets can reach through A3 (module docstring), with a proven bound.

    The relaxation (``δ = 0``) gets half the time for the bound, the strict model the rest for the incumbent; the
    incumbent's offsets are simulated through A3 (:func:`simulate_a3`) and its value is the simulated
    association's. Zero offsets (no balancing) are always an incumbent.
    """
    t0 = time.perf_counter()
    k_all = len(p.user)
    zero = np.zeros(p.n_pairs)
    best_offsets, best = zero, simulate_a3(p, zero)
    value = float(p.loads(best).max())
    relaxed = run_milp(_model(p, 0.0, steps), time_limit / 2, mip_gap, "offsets MILP")
    strict = run_milp(_model(p, margin_db, steps), time_limit - (time.perf_counter() - t0), mip_gap, "offsets MILP")
    bound, words, words_strict, x = max(relaxed.bound, 0.0), relaxed.status, strict.status, strict.x
    if x is not None:
        offsets = x[k_all : k_all + p.n_pairs]
        choice = simulate_a3(p, offsets)
        found = float(p.loads(choice).max())
        if found < value:
            best_offsets, best, value = offsets, choice, found
    bound = settled_bound(value, min(bound, value))
    gap = relative_gap(value, bound)
    status = Status.OPTIMAL if gap <= mip_gap * (1 + 1e-9) else Status.FEASIBLE
    facts = SolverFacts(
        name="highs",
        version=highs_version(),
        time_s=time.perf_counter() - t0,
        gap=gap,
        bound=bound,
        termination="time-limit" if "Time limit" in words + words_strict else "converged",
        extra={"relaxation_status": words, "strict_status": words_strict, "margin_db": margin_db},
    )
    return OffsetSolution(status, best_offsets, best, value, bound, gap, facts)
