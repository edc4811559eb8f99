"""The radio numbers of the (user, cell) pairs a handover can reach, kept sparse.

A user served by cell ``s`` enters the A3 event towards ``j`` only when ``RSRP_j + O_sj > RSRP_s + Hys``
(:mod:`lbopt.radio.handover`), and no method may plan an offset above ``O_max`` (``handover.cio_max_db``), so ``j``
must have ``RSRP_j > RSRP_s + Hys − O_max``. The methods that move users by A3 from a known association — OSLB's
execution, MLB's periods — read RSRP, SINR and PRBs of such pairs only. :func:`reach_radio` keeps, for every user
``u``, the cells with ``RSRP_uj ≥ floor_u = RSRP_u,s(u) − reach_db`` (``reach_db ≥ O_max − Hys`` makes every A3
target of the current association a kept pair) instead of the users × cells matrices
(:func:`lbopt.radio.model.user_cell_matrices`).

Nothing is approximated: the received powers of every cell are computed (in chunks of users, on the machine's
cores) and the interference of a kept pair is summed over every cell, so each kept number is bit for bit the one the
full matrices hold (tested). What is saved is memory (the kept pairs and one chunk instead of three users × cells
matrices) and every later step's work (A3 over the kept pairs, not over all cells). A method whose users drift
further than the reach (MLB over many periods, Zou's steps) widens the rows of those users
(:meth:`ReachRadio.following`): they are recomputed and kept down to the new floor, so its decisions stay those of the
full matrices. The pairs themselves come from :func:`lbopt.radio.model.user_cell_pairs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from lbopt.instance.model import Instance
from lbopt.radio.model import (
    CHUNK_ELEMENTS,
    RadioCells,
    current_serving,
    instance_cache_key,
    served_prb,
    user_cell_pairs,
)

__all__ = ["PairValues", "ReachRadio", "cached_reach", "reach_radio"]


@dataclass(frozen=True)
class PairValues:
    """A users × cells matrix known on some pairs only, read with numpy's pair indexing.

    ``values[rows, cols]`` (integer arrays or scalars, broadcast together) gives the stored value of every pair and
    ``missing`` elsewhere (RSRP −∞, PRBs +∞: a cell out of the user's reach). ``keys`` are the stored pairs as
    ``user × n_cells + cell``, sorted.
    """

    keys: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]
    missing: float | bool

    def _find(self, rows, cols) -> tuple[np.ndarray, np.ndarray]:
        """Position of each pair among the keys and whether it is stored there."""
        query = np.asarray(rows, np.int64) * self.shape[1] + np.asarray(cols, np.int64)
        if len(self.keys) == 0:
            return np.zeros(query.shape, np.int64), np.zeros(query.shape, bool)
        at = np.minimum(np.searchsorted(self.keys, query), len(self.keys) - 1)
        return at, self.keys[at] == query

    def __getitem__(self, index: tuple) -> np.ndarray:
        at, hit = self._find(*index)
        if len(self.keys) == 0:
            return np.full(hit.shape, self.missing, dtype=self.values.dtype)
        return np.where(hit, self.values[at], self.missing)

    def known(self, rows, cols) -> np.ndarray:
        """Whether each pair is stored."""
        return self._find(rows, cols)[1]

    def per_cell(self, factor: np.ndarray) -> PairValues:
        """The values times a per-cell factor (e.g. ``1 / n_prb``: PRBs as a share of each cell's)."""
        return PairValues(
            self.keys, self.values * np.asarray(factor)[self.keys % self.shape[1]], self.shape, self.missing
        )


@dataclass(frozen=True)
class ReachRadio:
    """The kept (user, cell) pairs, by user and then cell, with their radio numbers; ``floor_dbm[u]``: every cell
    with ``RSRP ≥ floor_dbm[u]`` is kept for user ``u``."""

    user: np.ndarray
    cell: np.ndarray
    rsrp_dbm: np.ndarray
    sinr_db: np.ndarray
    prb: np.ndarray  # +inf where the cell cannot serve the user (below CQI 1)
    floor_dbm: np.ndarray
    shape: tuple[int, int]

    @cached_property
    def keys(self) -> np.ndarray:
        """The pairs as ``user × n_cells + cell`` (sorted)."""
        return self.user * self.shape[1] + self.cell

    def values(self, name: str) -> PairValues:
        """One of ``rsrp_dbm``, ``sinr_db``, ``prb``, ``served_prb`` (PRBs as the cells count them:
        :func:`lbopt.radio.model.served_prb`, NaN out of reach) or ``servable`` (a finite PRB need) as a
        :class:`PairValues`."""
        if name == "served_prb":
            return PairValues(self.keys, served_prb(self.prb), self.shape, np.nan)
        missing = {"rsrp_dbm": -np.inf, "sinr_db": np.nan, "prb": np.inf, "servable": False}[name]
        data = np.isfinite(self.prb) if name == "servable" else getattr(self, name)
        return PairValues(self.keys, data, self.shape, missing)

    def following(self, instance: Instance, moved: np.ndarray, serving: np.ndarray, reach_db: float) -> ReachRadio:
        """The kept pairs after ``moved`` users changed to ``serving``: rows widened where the new cell puts
        ``RSRP_serving − reach_db`` below the user's floor (:meth:`widened`), and kept with the instance for the
        evaluator; ``self`` when no row needs it."""
        need = self.values("rsrp_dbm")[moved, serving[moved]] - reach_db
        short = need < self.floor_dbm[moved]
        if not short.any():
            return self
        wider = self.widened(instance, moved[short], need[short])
        object.__setattr__(instance, "_reach", (instance_cache_key(instance), wider))
        return wider

    def a3_target(
        self, users: np.ndarray, serving: np.ndarray, cio_db: sp.spmatrix, hysteresis_db: float, towards: np.ndarray
    ) -> np.ndarray:
        """:func:`lbopt.radio.handover.a3_target` over the kept pairs: for each of ``users`` (served by ``serving[u]``),
        the cell among ``towards`` (a boolean per cell) with the largest ``RSRP_j + O_ij`` that enters A3, else −1.

        The same decisions as the full matrices whenever every A3 target is a kept pair, which
        ``RSRP ≥ floor`` guarantees while ``RSRP_serving − floor ≥ O_max − Hys`` (ties go to the lowest cell index,
        as ``argmax`` does).
        """
        users = np.asarray(users, np.int64)
        chosen = np.zeros(self.shape[0], bool)
        chosen[users] = True
        at = np.flatnonzero(chosen[self.user] & towards[self.cell] & (self.cell != serving[self.user]))
        u, c = self.user[at], self.cell[at]
        s = serving[u]
        score = self.rsrp_dbm[at] + np.asarray(sp.csr_matrix(cio_db)[s, c]).ravel()
        entering = score > self.values("rsrp_dbm")[u, s] + hysteresis_db
        u, c, score = u[entering], c[entering], score[entering]
        order = np.lexsort((c, -score, u))  # by user, best score first, lowest cell among equals
        first = order[np.r_[True, u[order][1:] != u[order][:-1]]] if len(order) else order
        target = np.full(self.shape[0], -1, np.int64)
        target[u[first]] = c[first]
        return target[users]

    def widened(self, instance: Instance, users: np.ndarray, floor_dbm: np.ndarray) -> ReachRadio:
        """The same pairs, with the rows of ``users`` recomputed and kept down to ``floor_dbm`` (per user given)."""
        users = np.asarray(users, np.int64)
        if len(users) == 0:
            return self
        floor = self.floor_dbm.copy()
        floor[users] = np.minimum(floor[users], floor_dbm)
        fresh = _kept_pairs(instance, np.sort(users), lambda rows, rsrp: floor[rows])
        keep = ~np.isin(self.user, users)
        parts = [np.concatenate([getattr(self, k)[keep], fresh[k]]) for k in _FIELDS]
        order = np.argsort(parts[0] * self.shape[1] + parts[1], kind="stable")
        return ReachRadio(*(p[order] for p in parts), floor_dbm=floor, shape=self.shape)


_FIELDS = ("user", "cell", "rsrp_dbm", "sinr_db", "prb")


def _kept_pairs(
    instance: Instance,
    users: np.ndarray | None,
    floor_of,
    chunk_elements: int = CHUNK_ELEMENTS,
    rsrp_out: np.ndarray | None = None,
) -> dict:
    """The pairs of ``users`` (all when None) with ``RSRP ≥ floor_of(rows, rsrp)`` per user, by
    :func:`lbopt.radio.model.user_cell_pairs` (interference from every cell)."""
    return user_cell_pairs(
        instance, lambda rows, rsrp: rsrp >= floor_of(rows, rsrp)[:, None], chunk_elements, users, rsrp_out
    )


def reach_radio(
    instance: Instance, reach_db: float, chunk_elements: int = CHUNK_ELEMENTS, rsrp_out: np.ndarray | None = None
) -> tuple[ReachRadio, np.ndarray]:
    """The kept pairs of every user around its current association, and that association.

    The association is ``users.serving`` where given, else the strongest ``RSRP + cells.bias_db`` (as
    :func:`lbopt.radio.model.serving_or_strongest`); every user keeps the cells within ``reach_db`` below its serving
    cell's RSRP. The result is kept with the instance object, where :func:`lbopt.radio.model.evaluate_users` finds
    the numbers of the pairs it needs. ``rsrp_out`` (users × cells, optional) receives every user's RSRP towards
    every cell, for a method that reads RSRP everywhere but PRBs only within reach.

    Examples
    --------
    >>> import numpy as np
    >>> from lbopt.scenarios import hetnet
    >>> net = hetnet(rings=1, busy_cells=1, seed=1)
    >>> reach, serving = reach_radio(net, reach_db=4.0)
    >>> rsrp = reach.values("rsrp_dbm")
    >>> users = range(len(serving))
    >>> bool(np.allclose(rsrp[users, serving] - reach.floor_dbm, 4.0))  # every user keeps its serving cell ...
    True
    >>> len(reach.user) < len(serving) * net.n_cells  # ... and the cells within 4 dB of it, not every cell
    True
    """
    given = current_serving(instance)
    bias = RadioCells.from_instance(instance).bias_db
    n_users = len(instance.users)
    serving = np.full(n_users, -1, np.int64)
    floor = np.full(n_users, np.inf)

    def floor_of(rows: slice | np.ndarray, rsrp: np.ndarray) -> np.ndarray:
        pick = np.argmax(rsrp + bias[None, :], axis=1)
        if given is not None:
            pick = np.where(given[rows] >= 0, given[rows], pick)
        serving[rows] = pick
        floor[rows] = rsrp[np.arange(rsrp.shape[0]), pick] - reach_db
        return floor[rows]

    found = _kept_pairs(instance, None, floor_of, chunk_elements, rsrp_out)
    reach = ReachRadio(**{k: found[k] for k in _FIELDS}, floor_dbm=floor, shape=(n_users, instance.n_cells))
    object.__setattr__(instance, "_reach", (instance_cache_key(instance), reach))
    return reach, serving


def cached_reach(instance: Instance) -> ReachRadio | None:
    """The pairs :func:`reach_radio` kept for this very instance object, or None."""
    cached = getattr(instance, "_reach", None)
    return cached[1] if cached is not None and cached[0] == instance_cache_key(instance) else None
