"""The cells each user can end up on: the candidate pairs of ``ua-opt`` and ``cio-opt``, with their radio numbers.

Reach rule ``a3`` (the default). With antisymmetric pair offsets ``O_ji = −O_ij`` within the handover settings,
the largest offset a pair can take is ``O_max = min(cio_max_db, −cio_min_db)``. A user on cell j stays there while
no A3 event ``RSRP_k + O_jk > RSRP_j + Hys`` fires towards another cell k; some offsets in bounds keep every event
from firing exactly when ``RSRP_j ≥ RSRP_k − O_max − Hys`` for every k, i.e.

    RSRP_uj ≥ max_k RSRP_uk − (O_max + Hys)                                     (the A3 window)

Cells in that window are the user's candidates; so are its current cell, its cell-selection cell (strongest
``RSRP + cells.bias_db``) and the cells one A3 event can take it to from its current cell
(``RSRP_uj > RSRP_us + Hys − O_max``), so that no balancing, max-RSRP association and every one-step offset
change (``cio-opt``) are feasible.
The window ignores that offsets are shared by all users of a pair (that restriction is ``cio-opt``'s): it is a
relaxation, so the optimum over it is a lower bound for every method that keeps its offsets in bounds.

Reach ``any``: every cell. Pairs whose PRB need is not finite cannot serve; a user left with none is in outage
(outside the model, on its current cell). Associations of other methods (a comparison's) are added as pairs, so
that the bound covers them; each pair says whether the rule or a method brought it in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lbopt.instance.model import Instance
from lbopt.instance.schema import HandoverConfig
from lbopt.radio.model import RadioCells, current_serving, user_cell_pairs

__all__ = ["Candidates", "candidate_pairs", "reach_rule", "window_db"]


def window_db(handover: HandoverConfig) -> float:
    """``O_max + Hys``: how far below a user's strongest RSRP a cell may be and still hold it."""
    return min(handover.cio_max_db, -handover.cio_min_db) + handover.hysteresis_db


def reach_rule(instance: Instance, reach: str) -> str:
    """The rule in words, with the instance's numbers (written into ``result.json``)."""
    if reach == "any":
        return "every cell with a finite PRB need"
    ho = instance.handover
    o_max = min(ho.cio_max_db, -ho.cio_min_db)
    return (
        f"cells with RSRP >= the user's strongest RSRP - {window_db(ho):g} dB (O_max {o_max:g} dB + hysteresis "
        f"{ho.hysteresis_db:g} dB: pair offsets in bounds can keep the user there), plus its current cell, its "
        f"strongest RSRP + bias cell and the cells one A3 event reaches from the current cell (RSRP > current RSRP "
        f"- {o_max - ho.hysteresis_db:g} dB)"
    )


@dataclass
class Candidates:
    """Candidate (user, cell) pairs, by user then cell, and per user its start and cell-selection cells."""

    user: np.ndarray
    cell: np.ndarray
    rsrp_dbm: np.ndarray
    prb: np.ndarray
    in_reach: np.ndarray  # the reach rule brought the pair in (else only another method's association did)
    start: np.ndarray  # current cell (strongest for users without one)
    strongest: np.ndarray

    def keep(self, mask: np.ndarray) -> Candidates:
        """The candidates selected by ``mask``."""
        return Candidates(
            self.user[mask],
            self.cell[mask],
            self.rsrp_dbm[mask],
            self.prb[mask],
            self.in_reach[mask],
            self.start,
            self.strongest,
        )


def candidate_pairs(instance: Instance, reach: str, others: tuple[np.ndarray, ...] = ()) -> Candidates:
    """The candidate pairs of every user by the rule of the module docstring, plus the cells ``others`` (cell
    positions per user, −1: none) put users on."""
    n = len(instance.users)
    bias = RadioCells.from_instance(instance).bias_db
    current = current_serving(instance)
    width = window_db(instance.handover) if reach == "a3" else np.inf
    ho = instance.handover
    hop = min(ho.cio_max_db, -ho.cio_min_db) - ho.hysteresis_db if reach == "a3" else np.inf
    start, strongest = np.empty(n, np.int64), np.empty(n, np.int64)
    rule: list[np.ndarray] = []

    def select(rows: slice, rsrp: np.ndarray) -> np.ndarray:
        best = np.argmax(rsrp + bias[None, :], axis=1)
        own = best if current is None else np.where(current[rows] >= 0, current[rows], best)
        strongest[rows], start[rows] = best, own
        r = np.arange(len(best))
        keep = rsrp >= rsrp.max(axis=1, keepdims=True) - width
        keep |= rsrp > rsrp[r, own][:, None] - hop  # one A3 event from the current cell
        keep[r, own] = keep[r, best] = True
        mask = keep.copy()
        for other in others:
            cell = other[rows]
            ok = cell >= 0
            mask[r[ok], cell[ok]] = True
        rule.append(keep[mask])
        return mask

    pairs = user_cell_pairs(instance, select)
    found = Candidates(
        pairs["user"],
        pairs["cell"],
        pairs["rsrp_dbm"],
        pairs["prb"],
        np.concatenate(rule) if rule else np.empty(0, bool),
        start,
        strongest,
    )
    return found.keep(np.isfinite(found.prb))
