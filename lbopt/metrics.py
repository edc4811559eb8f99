"""Load-balance metrics and Kaufman–Roberts blocking.

* Load distribution index (Jia et al. eq. 12, Jain's fairness index):
  ``LDI = (Σ_i L_i)² / (N Σ_i L_i²)``, 1 when all loads are equal, 1/N when one cell carries everything.
* Load standard deviation ``σ = sqrt(1/N Σ (ρ_i − ρ̄)²)`` (population form, as Zou et al. and the Breathing paper).
* Maximum utilisation and the over-busy share: fraction of cells with ``ρ_i ≥`` a threshold.
* Kaufman–Roberts (Jia et al. eqs. 1–2; Kaufman 1981): for a link of ``C`` resource units shared completely by
  ``K`` Poisson classes of offered load ``a_k`` (Erlang) each holding ``b_k`` units,
  ``j q(j) = Σ_k a_k b_k q(j − b_k)`` with ``q(x < 0) = 0``, ``Σ_j q(j) = 1``, and class-k blocking
  ``B_k = Σ_{j = C − b_k + 1}^{C} q(j)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def load_distribution_index(loads: Sequence[float] | np.ndarray) -> float:
    """Jain's index of cell loads; 1.0 for an all-zero load vector (nothing to balance)."""
    x = np.asarray(loads, float)
    if x.size == 0:
        raise ValueError("no cells")
    if np.any(x < 0):
        raise ValueError("loads must be non-negative")
    top = float(np.max(x))
    if top == 0:
        return 1.0
    x = x / top  # the index is scale-free; dividing by the largest load keeps the squares from overflowing
    return float(np.sum(x)) ** 2 / (x.size * float(np.sum(x * x)))


def load_std(loads: Sequence[float] | np.ndarray) -> float:
    """Population standard deviation of the loads."""
    return float(np.std(np.asarray(loads, float)))


def max_utilisation(loads: Sequence[float] | np.ndarray) -> float:
    """The largest load of ``loads`` (PRBs used / PRBs; above 1 a unit is overloaded)."""
    return float(np.max(np.asarray(loads, float)))


def over_busy_share(loads: Sequence[float] | np.ndarray, threshold: float) -> float:
    """Fraction of cells whose load is at or above ``threshold``."""
    return float(np.mean(np.asarray(loads, float) >= threshold))


def kaufman_roberts(
    capacity: int, offered_erlang: Sequence[float], units: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Occupancy distribution and per-class blocking of a complete-sharing link.

    Parameters
    ----------
    capacity : ``C``, resource units (PRBs) of the link.
    offered_erlang : ``a_k = λ_k / μ_k`` per class.
    units : ``b_k``, units held by one call of class k (positive integers).

    Returns
    -------
    q : ``q(j)``, j = 0..C, probability that j units are busy.
    blocking : ``B_k`` per class.

    Notes
    -----
    The recursion is run on unnormalised values and rescaled whenever they grow past 1e250, so loads far beyond
    capacity do not overflow. Cost ``O(C K)``.

    Examples
    --------
    One class of unit calls is Erlang B: ``E(a=2, C=2) = 2/5``.

    >>> q, b = kaufman_roberts(2, [2.0], [1])
    >>> round(float(b[0]), 12)
    0.4
    """
    a = np.asarray(offered_erlang, float)
    b = np.asarray(units)
    if capacity < 0 or a.shape != b.shape or np.any(a < 0) or np.any(b < 1) or np.any(b != np.round(b)):
        raise ValueError("need capacity >= 0, offered loads >= 0 and integer units >= 1 per class")
    b = b.astype(int)
    q = np.zeros(capacity + 1)
    q[0] = 1.0
    ab = a * b
    for j in range(1, capacity + 1):
        back = j - b
        ok = back >= 0
        q[j] = np.dot(ab[ok], q[back[ok]]) / j
        if q[j] > 1e250:
            q[: j + 1] *= 1e-250
    q /= q.sum()
    tail = np.concatenate([[0.0], np.cumsum(q[::-1])])  # tail[m] = Σ of the top m states
    blocking = tail[np.minimum(b, capacity + 1)]
    return q, blocking


def erlang_b(offered_erlang: float, servers: int) -> float:
    """Erlang B by its stable recursion ``E(n) = a E(n−1) / (n + a E(n−1))`` (a reference for one class)."""
    e = 1.0
    for n in range(1, servers + 1):
        e = offered_erlang * e / (n + offered_erlang * e)
    return e


def load_metrics(loads: np.ndarray, prefix: str, over_busy_threshold: float = 1.0) -> dict[str, float]:
    """The standard metrics of one load vector, keys prefixed (``ldi_before``, ``load_std_before``, ...)."""
    loads = np.asarray(loads, float)
    return {
        f"ldi_{prefix}": load_distribution_index(loads),
        f"load_std_{prefix}": load_std(loads),
        f"load_mean_{prefix}": float(np.mean(loads)),
        f"max_utilisation_{prefix}": max_utilisation(loads),
        f"over_busy_share_{prefix}": over_busy_share(loads, over_busy_threshold),
    }
