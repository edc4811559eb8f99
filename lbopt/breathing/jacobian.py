"""The busy-degree Jacobian ``J = [∂b_i/∂p_j]`` estimated from MR data by ±δ re-ranking (NOTES §2.5, eq. 16).

For antenna j, a central difference of the busy-degrees ``(b(p + δ e_j) − b(p − δ e_j)) / 2δ`` needs only two
record sets, both found from one association (strongest and runner-up per record):

* raising ``p_j`` by δ takes over the records that list j with ``r_j + δ > r_server`` (``D⁺``: they leave their
  server for j);
* lowering ``p_j`` by δ loses the records j serves whose runner-up is within δ (``D⁻``: they go to the runner-up).

So column j is ``(Σ_{D⁺} load − …)/(2δ)`` with ``J_jj = (|D⁺_j| + |D⁻_j|)/(2δ)`` in load units and
``J_ij = −(load i loses to j when j rises + load i gains from j when j falls)/(2δ)`` — exactly the central
difference obtained by re-associating every record under ``p ± δ e_j`` (tested against that brute force). Each
record's load is ``w / M_max`` (the paper's user-count busy-degree) or ``w·prb / R`` (PRB utilisation).

Reading taken: the central difference conserves the traffic of each column (``1ᵀ J = 0``, eq. 6), while the
uniform-shift invariance ``J 1 = 0`` of Lemma 5.1 holds only as δ → 0. Both are consistent estimates of the same
Jacobian, which is symmetric to first order (the boundary between i and j moves the same records whichever power
changes), so lbopt uses the Laplacian of the symmetrised off-diagonal weights, ``a_ij = −(J_ij + J_ji)/2``,
``J = D − A``: rows and columns sum to zero, off-diagonals ≤ 0, rank N − 1 on a connected antenna graph, as
Lemma 5.1 states (its diagonal differs from the central difference's by half the row sum, which vanishes as
δ → 0). ``jacobian_fd`` returns the unsymmetrised estimate.

Remark 4.1 (sampling): with ``sample = S``, the counts come from a stratified random sample of about S records per
antenna (:func:`subsample`, strata by logged serving antenna, weights scaled so that every count is unbiased); the
association and the counts then cost O(N S) instead of O(records).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lbopt.breathing.mr import Association, MrData, associate, record_load


def subsample(mr: MrData, sample: int, seed: int = 0) -> MrData:
    """A stratified random sample of about ``sample`` records per antenna (Remark 4.1), weights scaled to match.

    Strata are the records' logged serving antennas; each record of antenna i's stratum ``D_i`` is kept with
    probability ``q_i = min(1, S / |D_i|)`` and its weight divided by ``q_i`` (Poisson sampling: every total —
    busy-degrees, the Jacobian's counts — is estimated without bias, at a cost proportional to the sample).
    """
    server = mr.antenna[mr.record_start[:-1]]
    size = np.bincount(server, weights=mr.weight, minlength=mr.n_antennas)
    q = np.minimum(1.0, sample / np.maximum(size, 1e-300))[server]
    keep = np.flatnonzero(np.random.default_rng(seed).uniform(size=mr.n_records) < q)
    from lbopt.breathing.mr import take_records

    return take_records(mr, keep, mr.weight[keep] / q[keep])


def _changes(mr: MrData, power_dbm: np.ndarray, delta_db: float, assoc: Association):
    """Raw central-difference increments: ``(row i, column j, load)`` for every record a ±δ change of ``p_j`` moves
    away from antenna i (off-diagonal, enters J as −load) and the same loads on the diagonal (j gains)."""
    server = assoc.server(mr)
    r = mr.received(power_dbm)
    rr = mr.row_record
    # D⁺: rows (m, j), j not serving m, with r_j + δ > best: j takes m from its server when p_j rises
    rows = np.flatnonzero((r + delta_db > assoc.best[rr]) & (np.arange(len(r)) != assoc.server_row[rr]))
    j_plus, m_plus = mr.antenna[rows], rr[rows]
    # D⁻: records whose runner-up is within δ: the server loses m to the runner-up when its power falls
    m_minus = np.flatnonzero((assoc.runner_row >= 0) & (assoc.second > assoc.best - delta_db))
    j_minus, to = server[m_minus], mr.antenna[assoc.runner_row[m_minus]]
    losers = np.concatenate([server[m_plus], to])
    columns = np.concatenate([j_plus, j_minus])
    records = np.concatenate([m_plus, m_minus])
    return losers, columns, records


def _counted(mr, power_dbm, capacity_prb, max_users, delta_db, sample, seed, assoc):
    """Sample (when asked), associate, and return ``(n, per-record load, per-antenna denominator, changes)``."""
    if sample is not None:
        mr, assoc = subsample(mr, sample, seed), None
    assoc = associate(mr, power_dbm) if assoc is None else assoc
    num, den = record_load(mr, capacity_prb, max_users)
    return mr.n_antennas, num, np.asarray(den, float), _changes(mr, power_dbm, delta_db, assoc)


def jacobian_fd(
    mr: MrData,
    power_dbm: np.ndarray,
    capacity_prb: np.ndarray,
    max_users: np.ndarray,
    delta_db: float = 1.0,
    sample: int | None = None,
    seed: int = 0,
    assoc: Association | None = None,
) -> sp.csr_matrix:
    """Central-difference Jacobian of one period's busy-degrees (antennas × antennas, 1/dB), unsymmetrised."""
    n, num, den, (losers, columns, records) = _counted(
        mr, power_dbm, capacity_prb, max_users, delta_db, sample, seed, assoc
    )
    w = num[records] / (2 * delta_db)
    i_idx = np.concatenate([columns, losers])  # rows of J (whose busy-degree changes)
    j_idx = np.concatenate([columns, columns])  # columns (whose power changes)
    jac = sp.coo_matrix((np.concatenate([w, -w]), (i_idx, j_idx)), shape=(n, n)).tocsr()
    jac.sum_duplicates()
    return sp.diags(1.0 / den) @ jac


def jacobian_diagonal(
    mr: MrData,
    power_dbm: np.ndarray,
    capacity_prb: np.ndarray,
    max_users: np.ndarray,
    delta_db: float = 1.0,
    sample: int | None = None,
    seed: int = 0,
    assoc: Association | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The diagonal of :func:`estimate_jacobian` and the antennas' component labels, without building J (BFDBA)."""
    from scipy.sparse.csgraph import connected_components

    n, num, den, (losers, columns, records) = _counted(
        mr, power_dbm, capacity_prb, max_users, delta_db, sample, seed, assoc
    )
    off = losers != columns
    losers, columns, w = losers[off], columns[off], num[records[off]] / (2 * delta_db)
    # Σ_j a_ij with a_ij = −(J_ij + J_ji)/2: half the off-diagonal row sum plus half the column sum
    row_sum = np.bincount(losers, weights=w, minlength=n) / den
    col_sum = np.bincount(columns, weights=w / den[losers], minlength=n)
    graph = sp.coo_matrix((np.ones(len(w)), (losers, columns)), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=False)
    return 0.5 * (row_sum + col_sum), label


def estimate_jacobian(
    mr: MrData,
    power_dbm: np.ndarray,
    capacity_prb: np.ndarray,
    max_users: np.ndarray,
    delta_db: float = 1.0,
    sample: int | None = None,
    seed: int = 0,
    assoc: Association | None = None,
) -> sp.csr_matrix:
    """The Laplacian of the symmetrised off-diagonal weights of ``J_fd`` (see the module docstring)."""
    fd = jacobian_fd(mr, power_dbm, capacity_prb, max_users, delta_db, sample, seed, assoc)
    return laplacian_part(fd)


def laplacian_part(fd: sp.spmatrix) -> sp.csr_matrix:
    """``D − A`` with ``a_ij = −(J_ij + J_ji)/2`` (i ≠ j) and D the row sums of A."""
    sym = ((fd + fd.T) * 0.5).tocsr()
    sym.setdiag(0.0)
    sym.eliminate_zeros()
    weights = -sym
    return (sp.diags(np.asarray(weights.sum(axis=1)).ravel()) - weights).tocsr()


def jacobian_by_reassociation(
    mr: MrData, power_dbm: np.ndarray, capacity_prb: np.ndarray, max_users: np.ndarray, delta_db: float = 1.0
) -> np.ndarray:
    """Brute-force reference: re-associate every record under ``p ± δ e_j`` for every j (dense, O(N · rows))."""
    from lbopt.breathing.mr import busy_degree

    n = mr.n_antennas
    out = np.zeros((n, n))
    p = np.asarray(power_dbm, float)
    for j in range(n):
        up, down = p.copy(), p.copy()
        up[j] += delta_db
        down[j] -= delta_db
        b_up = busy_degree(mr, up, capacity_prb, max_users).sum(axis=0)
        b_down = busy_degree(mr, down, capacity_prb, max_users).sum(axis=0)
        out[:, j] = (b_up - b_down) / (2 * delta_db)
    return out
