"""Coverage rate from MR data and the greedy minimum-power procedure (NOTES §2.8–2.9).

A record is *covered* under powers ``p`` when some antenna it lists is received at or above ``s_th``:
``max_a (p_a − ℓ_a) ≥ s_th`` (eq. 35 with the attenuations ``ℓ``). The coverage rate is the weighted share of
covered records. Antenna i's *neighbourhood* ``N̄_i`` is i with every antenna that appears in a record with it;
its neighbourhood coverage ``C_i`` is the coverage rate of the records that list i — a function of the powers in
``N̄_i`` only, which is what the monotone MLP of :mod:`lbopt.breathing.mlp` learns.

Minimum power (Sect. 6.2, the greedy procedure): start from the lowest allowed powers; while some antenna fails
(``C_i < C_min``), take the connected components of the failing antennas in the neighbour graph and raise, in
each, the failing antenna with the lowest coverage that is still below its maximum, by ``ε`` dB (capped at the
maximum); where every failing antenna of a component is at its maximum, its weakest neighbour with room rises
instead (our addition: the paper's rule would stop there). Coverage only grows with power, so the antennas that
fail with *every* antenna at its maximum cannot be covered by any setting within the bounds: they are found
first, reported as uncoverable, and left out of the loop. The result is ``p_min(t)`` of eq. 18.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from lbopt.breathing.mr import MrData, neighbour_pairs


def covered(mr: MrData, power_dbm: np.ndarray, threshold_dbm: float) -> np.ndarray:
    """Per record: is some antenna received at or above ``threshold_dbm``?"""
    best = np.maximum.reduceat(mr.received(power_dbm), mr.record_start[:-1])
    return best >= threshold_dbm


def covered_by_index(
    mr: MrData, power_dbm: np.ndarray, threshold_dbm: float, index: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> np.ndarray:
    """The paper's computation (Sect. 6.1, Table IV): per antenna a, the prefix of its rows sorted by attenuation
    with ``ℓ ≤ p_a − s_th`` is covered by a; a record is covered when some antenna covers it.

    ``index`` is :func:`lbopt.breathing.mr.antenna_index`, built once offline.
    """
    _, rows, att = index
    limit = np.asarray(power_dbm, float) - threshold_dbm
    hit = rows[att <= limit[mr.antenna[rows]]]  # within each antenna's run of rows, a prefix
    out = np.zeros(mr.n_records, bool)
    out[mr.row_record[hit]] = True
    return out


def coverage_rate(mr: MrData, power_dbm: np.ndarray, threshold_dbm: float) -> float:
    """Weighted share of covered records."""
    return float(mr.weight @ covered(mr, power_dbm, threshold_dbm) / mr.weight.sum()) if mr.n_records else 1.0


def neighbourhood_coverage(mr: MrData, power_dbm: np.ndarray, threshold_dbm: float) -> np.ndarray:
    """``C_i`` for every antenna: the weighted coverage rate of the records that list i (1 where none do)."""
    cov = covered(mr, power_dbm, threshold_dbm)
    w = mr.weight[mr.row_record]
    n = mr.n_antennas
    total = np.bincount(mr.antenna, weights=w, minlength=n)
    hit = np.bincount(mr.antenna, weights=w * cov[mr.row_record], minlength=n)
    return np.divide(hit, total, out=np.ones(n), where=total > 0)


@dataclass(frozen=True)
class Neighbourhood:
    """The records listing antenna i and their rows, for evaluating ``C_i`` alone."""

    antenna: int
    members: np.ndarray  # N̄_i (antenna positions, i first)
    record_start: np.ndarray  # offsets into ``rows`` per record
    rows: np.ndarray  # rows of mr
    weight: np.ndarray  # per record

    def coverage(self, mr: MrData, power_dbm: np.ndarray, threshold_dbm: float) -> float:
        """Weighted share of the neighbourhood's records received above ``threshold_dbm`` by some antenna under
        ``power_dbm``.
        """
        r = mr.rss_dbm[self.rows] + (np.asarray(power_dbm) - mr.logged_dbm)[mr.antenna[self.rows]]
        best = np.maximum.reduceat(r, self.record_start[:-1])
        return float(self.weight @ (best >= threshold_dbm) / self.weight.sum())


def neighbourhood(mr: MrData, i: int) -> Neighbourhood:
    """Antenna i's neighbourhood and the rows of the records that list it."""
    records = np.unique(mr.row_record[mr.antenna == i])
    lengths = mr.record_start[records + 1] - mr.record_start[records]
    rows = np.repeat(mr.record_start[records], lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    others = np.unique(mr.antenna[rows])
    members = np.concatenate([[i], others[others != i]])
    return Neighbourhood(i, members, np.append(0, np.cumsum(lengths)), rows, mr.weight[records])


def neighbour_graph(mr: MrData) -> sp.csr_matrix:
    """Antennas joined when they appear in a common record."""
    a, b = neighbour_pairs(mr)
    n = mr.n_antennas
    return sp.coo_matrix((np.ones(2 * len(a)), (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()


@dataclass
class MinimumPower:
    """The greedy minimum-power procedure's result: p_min(t) per antenna, the coverage there and the antennas no
    power in bounds can cover.
    """

    power_dbm: np.ndarray  # p_min(t)
    coverage: np.ndarray  # C_i at p_min
    uncoverable: np.ndarray  # antennas that still fail at their maximum
    rounds: int

    @property
    def feasible(self) -> bool:
        """True when every neighbourhood meets its coverage requirement at p_min."""
        return len(self.uncoverable) == 0


def minimum_power(
    evaluate: Callable[[np.ndarray], np.ndarray],
    graph: sp.csr_matrix,
    p_low: np.ndarray,
    p_high: np.ndarray,
    coverage_min: float,
    step_db: float,
    max_rounds: int = 100_000,
) -> MinimumPower:
    """The greedy procedure of the module docstring; ``evaluate(p)`` returns ``C_i`` for all antennas."""
    p = np.asarray(p_low, float).copy()
    high = np.asarray(p_high, float)
    # coverage only grows with power: what fails with every antenna at its maximum cannot be met at all
    hopeless = evaluate(high) < coverage_min
    rounds = 0
    while True:
        cov = evaluate(p)
        failing = (cov < coverage_min) & ~hopeless
        room = p < high - 1e-12
        if not failing.any() or rounds >= max_rounds:
            stuck = np.flatnonzero(failing) if failing.any() else np.empty(0, int)
            return MinimumPower(p, cov, np.union1d(np.flatnonzero(hopeless), stuck), rounds)
        idx = np.flatnonzero(failing)
        _, label = connected_components(graph[idx][:, idx], directed=False)
        key = np.where(room[idx], cov[idx], np.inf)
        order = np.lexsort((key, label))
        first = np.ones(len(order), bool)
        first[1:] = label[order][1:] != label[order][:-1]
        pick = order[first]
        raise_ = list(idx[pick[np.isfinite(key[pick])]])
        for comp in np.unique(label[pick[~np.isfinite(key[pick])]]):
            # every failing antenna of this component is at its maximum: raise its weakest neighbour with room
            nbrs = np.setdiff1d(graph[idx[label == comp]].indices, idx)
            nbrs = nbrs[room[nbrs]]
            if len(nbrs):
                raise_.append(int(nbrs[np.argmin(cov[nbrs])]))
        if not raise_:  # nothing can rise: the rest fails within the bounds
            return MinimumPower(p, cov, np.union1d(np.flatnonzero(hopeless), idx), rounds)
        up = np.asarray(raise_, int)
        p[up] = np.minimum(p[up] + step_db, high[up])
        rounds += 1
