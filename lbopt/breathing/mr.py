"""Measurement-report (MR) data as arrays, its pre-processing, and association under changed pilot powers.

An MR record is one user's report in one period: a list of (antenna, received CPICH strength ``s`` in dBm), the
user served by the strongest. With ``P_a`` the CPICH power of antenna a when the data were logged, the
attenuation is ``ℓ = P_a − s`` (NOTES §2.8, eq. 35), and under powers ``p`` the user receives ``p_a − ℓ``:
changing antenna a's power by Δ shifts its received strength by Δ in every record. Association is re-ranking.

Layout: rows grouped by record (records sorted by period), the serving row first in each record; per-record
arrays (period, weight, PRBs) and per-row arrays (antenna position, strength). Every operation is a
``reduceat``/``bincount`` over these arrays — no loop over records.

Pre-processing as the paper (Sect. 6.1):

* records whose serving antenna is not the strongest are dropped (:func:`drop_inconsistent`);
* redundant records are merged (:func:`merge_duplicates`): records of the same period with the same antennas,
  strengths and PRBs behave identically under every power setting, so they are kept once with a *weight*
  (their multiplicity). This is lossless for busy-degrees, the Jacobian and coverage. The paper's stricter
  "dominated" records (weaker on every antenna than another record with the same antennas) are *not* dropped:
  they still count as users and covered or uncovered records, so dropping them would change both measures;
* per-antenna relevant-record indexes sorted by attenuation (:func:`antenna_index`, the paper's Table IV).

Ties: when several antennas are received equally strongly, the one listed first in the record serves (the logged
serving antenna first). A record with strength ``r_a`` moves to antenna a when a's power rises by δ iff
``r_a + δ > r_server``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class MrData:
    """MR rows grouped by record (see the module docstring)."""

    record_start: np.ndarray  # (M + 1,) row offsets
    antenna: np.ndarray  # (E,) antenna (cell position)
    rss_dbm: np.ndarray  # (E,) received strength when logged
    period: np.ndarray  # (M,) period index 0 … P−1 (records sorted by it)
    periods: np.ndarray  # (P,) period labels
    weight: np.ndarray  # (M,) multiplicity
    prb: np.ndarray | None  # (M,) PRBs used per user, or None (user-count busy-degree)
    logged_dbm: np.ndarray  # (N,) CPICH powers when the data were logged
    record_id: np.ndarray | None = None  # (M,) first input record number of each (merged) record
    _row_record: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def n_records(self) -> int:
        """Number of (merged) MR records."""
        return len(self.record_start) - 1

    @property
    def n_antennas(self) -> int:
        """Number of antennas."""
        return len(self.logged_dbm)

    @property
    def n_periods(self) -> int:
        """Number of periods the records cover."""
        return len(self.periods)

    @property
    def row_record(self) -> np.ndarray:
        """Record index of every row."""
        if self._row_record is None:
            rr = np.repeat(np.arange(self.n_records), np.diff(self.record_start))
            object.__setattr__(self, "_row_record", rr)
        return self._row_record

    def period_slice(self, t: int) -> MrData:
        """The records of period index ``t`` (a view-like copy with ``period`` all 0)."""
        lo, hi = np.searchsorted(self.period, [t, t + 1])
        r0, r1 = self.record_start[lo], self.record_start[hi]
        return MrData(
            record_start=self.record_start[lo : hi + 1] - r0,
            antenna=self.antenna[r0:r1],
            rss_dbm=self.rss_dbm[r0:r1],
            period=np.zeros(hi - lo, int),
            periods=self.periods[t : t + 1],
            weight=self.weight[lo:hi],
            prb=None if self.prb is None else self.prb[lo:hi],
            logged_dbm=self.logged_dbm,
            record_id=None if self.record_id is None else self.record_id[lo:hi],
        )

    def received(self, power_dbm: np.ndarray) -> np.ndarray:
        """Strength of every row under powers ``p``: ``s + p_a − P_a``."""
        return self.rss_dbm + (np.asarray(power_dbm, float) - self.logged_dbm)[self.antenna]

    def attenuation(self) -> np.ndarray:
        """``ℓ = P_a − s`` per row (eq. 35)."""
        return self.logged_dbm[self.antenna] - self.rss_dbm


def from_rows(
    record: np.ndarray,
    period: np.ndarray,
    antenna: np.ndarray,
    rss_dbm: np.ndarray,
    logged_dbm: np.ndarray,
    serving: np.ndarray | None = None,
    prb: np.ndarray | None = None,
) -> MrData:
    """Group rows into records (sorted by period, then record number; the serving row first).

    ``serving`` (0/1 per row) marks the serving antenna; without it the record's first row in input order serves.
    ``prb`` per row: the record's value is the largest given on its rows.
    """
    record = np.asarray(record)
    period = np.asarray(period)
    n = len(record)
    first = np.zeros(n, int) if serving is None else 1 - np.asarray(serving, int)
    # serving row first; otherwise input order
    order = np.lexsort((np.arange(n), first, record, period))
    rec_sorted, per_sorted = record[order], period[order]
    new = np.ones(n, bool)
    new[1:] = (rec_sorted[1:] != rec_sorted[:-1]) | (per_sorted[1:] != per_sorted[:-1])
    starts = np.flatnonzero(new)
    labels, period_idx = np.unique(per_sorted[starts], return_inverse=True)
    prb_rec = None
    if prb is not None:
        prb_rec = np.fmax.reduceat(np.asarray(prb, float)[order], starts)
    return MrData(
        record_start=np.append(starts, n),
        antenna=np.asarray(antenna)[order].astype(np.int32),
        rss_dbm=np.asarray(rss_dbm, float)[order],
        period=period_idx,
        periods=labels,
        weight=np.ones(len(starts)),
        prb=prb_rec,
        logged_dbm=np.asarray(logged_dbm, float),
        record_id=rec_sorted[starts],
    )


def take_records(mr: MrData, keep: np.ndarray, weight: np.ndarray | None = None) -> MrData:
    """The records ``keep`` (sorted indices), optionally with new weights."""
    lengths = np.diff(mr.record_start)[keep]
    chosen = np.zeros(mr.n_records, bool)
    chosen[keep] = True
    mask = np.repeat(chosen, np.diff(mr.record_start))
    return replace(
        mr,
        record_start=np.append(0, np.cumsum(lengths)),
        antenna=mr.antenna[mask],
        rss_dbm=mr.rss_dbm[mask],
        period=mr.period[keep],
        weight=mr.weight[keep] if weight is None else weight,
        prb=None if mr.prb is None else mr.prb[keep],
        record_id=None if mr.record_id is None else mr.record_id[keep],
        _row_record=None,
    )


def drop_inconsistent(mr: MrData) -> tuple[MrData, int]:
    """Drop records whose serving (first) antenna is not the strongest; returns the data and how many went."""
    best = np.maximum.reduceat(mr.rss_dbm, mr.record_start[:-1])
    ok = mr.rss_dbm[mr.record_start[:-1]] >= best
    keep = np.flatnonzero(ok)
    return take_records(mr, keep), int((~ok).sum())


def merge_duplicates(mr: MrData) -> tuple[MrData, int]:
    """Merge records identical in period, antennas, strengths and PRBs into one with the summed weight."""
    lengths = np.diff(mr.record_start)
    k = int(lengths.max(initial=0))
    pos = np.arange(len(mr.antenna)) - np.repeat(mr.record_start[:-1], lengths)
    cols: dict[str, np.ndarray] = {"period": mr.period, "n": lengths}
    ant = np.full((mr.n_records, k), -1, np.int64)
    rss = np.full((mr.n_records, k), np.nan)
    ant[mr.row_record, pos] = mr.antenna
    rss[mr.row_record, pos] = mr.rss_dbm
    for c in range(k):
        cols[f"a{c}"] = ant[:, c]
        cols[f"s{c}"] = rss[:, c]
    if mr.prb is not None:
        cols["prb"] = mr.prb
    key = pd.DataFrame(cols)
    group = key.groupby(list(cols), sort=False, dropna=False).ngroup().to_numpy()
    first = np.unique(group, return_index=True)[1]
    keep = np.sort(first)
    weight = np.bincount(group, weights=mr.weight)[group[keep]]
    return take_records(mr, keep, weight), mr.n_records - len(keep)


@dataclass(frozen=True)
class Association:
    """Per record under some powers: serving row and strength, runner-up row and strength (−inf when none)."""

    server_row: np.ndarray
    best: np.ndarray
    runner_row: np.ndarray  # −1 when the record lists one antenna
    second: np.ndarray

    def server(self, mr: MrData) -> np.ndarray:
        """The serving antenna of every record."""
        return mr.antenna[self.server_row]


def _first_of(mask: np.ndarray, row_record: np.ndarray, n_records: int) -> np.ndarray:
    """First row per record where ``mask`` holds (−1 where none)."""
    out = np.full(n_records, -1)
    idx = np.flatnonzero(mask)
    rec = row_record[idx]
    keep = np.ones(len(idx), bool)
    keep[1:] = rec[1:] != rec[:-1]
    out[rec[keep]] = idx[keep]
    return out


def associate(mr: MrData, power_dbm: np.ndarray, received: np.ndarray | None = None) -> Association:
    """Strongest antenna of every record under ``power_dbm`` (first listed on ties), and the runner-up."""
    r = mr.received(power_dbm) if received is None else received
    starts = mr.record_start[:-1]
    rr = mr.row_record
    best = np.maximum.reduceat(r, starts)
    server = _first_of(r == best[rr], rr, mr.n_records)
    r2 = r.copy()
    r2[server] = -np.inf
    second = np.maximum.reduceat(r2, starts)
    runner = _first_of((r2 == second[rr]) & np.isfinite(r2), rr, mr.n_records)
    return Association(server, best, runner, second)


def record_load(mr: MrData, capacity_prb: np.ndarray, max_users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What one record adds to an antenna's busy-degree: per record a numerator, per antenna a denominator.

    With PRB data ``b_i = Σ prb / R_i`` (eq. 2, PRB utilisation); otherwise the paper's simulation proxy
    ``b_i = |D_i| / M_max`` (weights count the merged users).
    """
    if mr.prb is not None and not np.isnan(mr.prb).any():
        return mr.weight * mr.prb, np.asarray(capacity_prb, float)
    return mr.weight.astype(float), np.asarray(max_users, float)


def busy_degree(
    mr: MrData, power_dbm: np.ndarray, capacity_prb: np.ndarray, max_users: np.ndarray, assoc: Association | None = None
) -> np.ndarray:
    """Busy-degrees (periods × antennas) under ``power_dbm`` (eqs. 1–3)."""
    assoc = associate(mr, power_dbm) if assoc is None else assoc
    num, den = record_load(mr, capacity_prb, max_users)
    n = mr.n_antennas
    flat = mr.period * n + assoc.server(mr)
    return np.bincount(flat, weights=num, minlength=mr.n_periods * n).reshape(mr.n_periods, n) / den[None, :]


def antenna_index(mr: MrData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per antenna, its rows sorted by ascending attenuation (Table IV): ``(starts, rows, attenuation)``.

    ``rows[starts[a]:starts[a + 1]]`` are antenna a's rows, nearest first.
    """
    att = mr.attenuation()
    order = np.lexsort((att, mr.antenna))
    starts = np.searchsorted(mr.antenna[order], np.arange(mr.n_antennas + 1))
    return starts, order, att[order]


def neighbour_pairs(mr: MrData) -> tuple[np.ndarray, np.ndarray]:
    """Antenna pairs (a < b) that appear in a common record: the paper's antenna neighbourhood (Sect. 6.2)."""
    rr = mr.row_record
    lengths = np.diff(mr.record_start)
    k = int(lengths.max(initial=0))
    pos = np.arange(len(mr.antenna)) - np.repeat(mr.record_start[:-1], lengths)
    ant = np.full((mr.n_records, k), -1, np.int64)
    ant[rr, pos] = mr.antenna
    pairs = []
    for c1 in range(k):
        for c2 in range(c1 + 1, k):
            ok = (ant[:, c1] >= 0) & (ant[:, c2] >= 0)
            pairs.append(np.stack([ant[ok, c1], ant[ok, c2]], axis=1))
    if not pairs:
        return np.empty(0, int), np.empty(0, int)
    both = np.sort(np.concatenate(pairs), axis=1)
    both = both[both[:, 0] != both[:, 1]]
    uniq = np.unique(both[:, 0] * mr.n_antennas + both[:, 1])
    return uniq // mr.n_antennas, uniq % mr.n_antennas


def from_grouped(
    record: np.ndarray, period: np.ndarray, antenna: np.ndarray, rss_dbm: np.ndarray, logged_dbm: np.ndarray
) -> MrData:
    """Rows already grouped by record, records sorted by period, serving row first (as the generator writes them).

    Skips :func:`from_rows`' sort; the grouping is checked (``ValueError`` when rows of a record are apart).
    """
    record = np.asarray(record)
    new = np.ones(len(record), bool)
    new[1:] = record[1:] != record[:-1]
    starts = np.flatnonzero(new)
    if len(np.unique(record[starts])) != len(starts):
        raise ValueError("rows of a record are not contiguous; use from_rows")
    per = np.asarray(period)[starts]
    if np.any(np.diff(per) < 0):
        raise ValueError("records are not sorted by period; use from_rows")
    labels, period_idx = np.unique(per, return_inverse=True)
    return MrData(
        record_start=np.append(starts, len(record)),
        antenna=np.asarray(antenna, np.int32),
        rss_dbm=np.asarray(rss_dbm, float),
        period=period_idx,
        periods=labels,
        weight=np.ones(len(starts)),
        prb=None,
        logged_dbm=np.asarray(logged_dbm, float),
        record_id=record[starts],
    )
