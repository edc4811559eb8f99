"""Cell selection and the A3 handover event.

A3 in the reading lbopt takes (NOTES §1.5, variant V2; Zou eq. 5 in the same form): a user served by cell i
enters the A3 event towards cell j when

    RSRP_j + O_ij > RSRP_i + Hys,

with offsets ``O_ij`` applied by the serving cell i towards its neighbour j (cell individual offsets, CIOs) bounded
by the handover settings: one per directed relation as 3GPP configures them, or antisymmetric pair offsets
``O_ji = −O_ij`` as a special case. Pair offsets live in ``links.cio_db`` (``O_ab``); a pair without a link has
offset 0. Methods write the offsets they plan as ``cio.csv``: ``source_cell, target_cell, cio_db`` per directed
relation (:func:`relation_table`), which :func:`relation_matrix` turns back into the matrix A3 reads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lbopt.instance.model import Instance

CIO_COLUMNS = ("source_cell", "target_cell", "cio_db")


def relation_table(cell_ids: np.ndarray, source: np.ndarray, target: np.ndarray, cio_db: np.ndarray) -> pd.DataFrame:
    """``cio.csv``: one row per directed relation (serving cell → neighbour) with its offset ``O_st`` in dB."""
    return pd.DataFrame(
        {
            "source_cell": pd.Series(np.asarray(cell_ids, object)[source], dtype=object),
            "target_cell": pd.Series(np.asarray(cell_ids, object)[target], dtype=object),
            "cio_db": np.asarray(cio_db, float) + 0.0,  # no "-0.0"
        }
    )


def pair_relations(a: np.ndarray, b: np.ndarray, o_ab: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two directed relations of each antisymmetric pair offset: ``(a → b, O_ab)`` and ``(b → a, −O_ab)``."""
    o_ab = np.asarray(o_ab, float)
    return np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([o_ab, -o_ab])


def relation_matrix(instance: Instance, cio: pd.DataFrame) -> sp.csr_matrix:
    """The offsets of a ``cio.csv`` table (cells × cells, dB) as A3 reads them: ``O[s, t] = cio_db``."""
    n = instance.n_cells
    s = instance.cell_positions(cio["source_cell"])
    t = instance.cell_positions(cio["target_cell"])
    return sp.csr_matrix((cio["cio_db"].to_numpy(float), (s, t)), shape=(n, n))


def pair_cio_matrix(instance: Instance) -> sp.csr_matrix:
    """Sparse antisymmetric pair offsets ``O`` (cells × cells, dB): ``O[a, b] = cio_db``, ``O[b, a] = −cio_db``."""
    n = instance.n_cells
    links = instance.links
    if links is None or "cio_db" not in links or len(links) == 0:
        return sp.csr_matrix((n, n))
    a = instance.cell_positions(links["a"])
    b = instance.cell_positions(links["b"])
    o = links["cio_db"].to_numpy(float)
    return sp.csr_matrix((np.concatenate([o, -o]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))


def associate_strongest(rsrp_dbm: np.ndarray, bias_db: np.ndarray | None = None) -> np.ndarray:
    """Cell selection by strongest ``RSRP + bias`` (users × cells → cell index per user)."""
    score = rsrp_dbm if bias_db is None else rsrp_dbm + np.asarray(bias_db)[None, :]
    return np.argmax(score, axis=1)


def _offsets(cio: sp.spmatrix | np.ndarray | None, serving: np.ndarray, n_cells: int) -> np.ndarray:
    if cio is None:
        return np.zeros((len(serving), n_cells))
    if sp.issparse(cio):
        return cio.tocsr()[serving].toarray()
    return np.asarray(cio, float)[serving]


def a3_entering(
    rsrp_dbm: np.ndarray,
    serving: np.ndarray,
    cio_db: sp.spmatrix | np.ndarray | None,
    hysteresis_db: float,
) -> np.ndarray:
    """Boolean users × cells: does the A3 entering condition hold from the serving cell towards each cell?"""
    return _a3_scores(rsrp_dbm, serving, cio_db, hysteresis_db)[1]


def _a3_scores(
    rsrp_dbm: np.ndarray, serving: np.ndarray, cio_db: sp.spmatrix | np.ndarray | None, hysteresis_db: float
) -> tuple[np.ndarray, np.ndarray]:
    """``RSRP_j + O_ij`` (users × cells, the offsets built once and the RSRP added in place) and where it enters A3:
    ``RSRP_j + O_ij > RSRP_i + Hys``, never towards the serving cell itself."""
    n_users, n_cells = rsrp_dbm.shape
    rows = np.arange(n_users)
    score = _offsets(cio_db, serving, n_cells)
    score += rsrp_dbm
    entering = score > (rsrp_dbm[rows, serving] + hysteresis_db)[:, None]
    entering[rows, serving] = False
    return score, entering


def a3_target(
    rsrp_dbm: np.ndarray,
    serving: np.ndarray,
    cio_db: sp.spmatrix | np.ndarray | None,
    hysteresis_db: float,
) -> np.ndarray:
    """Handover target per user: the cell with the largest ``RSRP_j + O_ij`` among those entering A3, else −1."""
    rows = np.arange(rsrp_dbm.shape[0])
    score, entering = _a3_scores(rsrp_dbm, serving, cio_db, hysteresis_db)
    np.putmask(score, ~entering, -np.inf)
    best = np.argmax(score, axis=1)
    return np.where(entering[rows, best], best, -1)


def link_requirements(
    serving: np.ndarray, n_cells: int, end_a: np.ndarray, end_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every user served at an end of a link, facing the other end: ``(user, link, side, other cell)``.

    Link l joins cells ``end_a[l]`` (side +1: the offset it applies towards b is ``O_ab``) and ``end_b[l]``
    (side −1); the rows are the A3 requirements a CIO LP puts on the users of both ends.
    """
    order = np.argsort(serving, kind="stable")
    starts = np.searchsorted(serving[order], np.arange(n_cells + 1))
    users, links, sides, others = [], [], [], []
    for side, here, there in ((1, end_a, end_b), (-1, end_b, end_a)):
        for k, (h, t) in enumerate(zip(here, there, strict=True)):
            u = order[starts[h] : starts[h + 1]]
            users.append(u)
            links.append(np.full(len(u), k))
            sides.append(np.full(len(u), side))
            others.append(np.full(len(u), t))
    if not users:
        empty = np.empty(0, int)
        return empty, empty, empty, empty
    return np.concatenate(users), np.concatenate(links), np.concatenate(sides), np.concatenate(others)
