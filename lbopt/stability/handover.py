"""Handover Algorithms 1–3 of Zou et al. and the greedy CIO scheme, simulated user by user (arrays in, trace out).

Symbols: ``ρ_i = Σ_u B_{u,i} / B_i`` the load of cell i (eq. 4); ``ρ_{u,j} = B_{u,j} / B_j`` the load user u puts on
cell j if served there; ``A`` the adjacency; ``ρ_th`` the overload threshold; ``c`` the load-transfer accommodation.
A3 as in eq. 5, read as lbopt's V2 (``RSRP_j + O_ij > RSRP_i + Hys``, ``O_ji = −O_ij``), towards neighbours only.

Every step k of Algorithms 1–3:

1. loads ``ρ(k)`` from the PRBs of the current association;
2. ``η_i(k) = Σ_j ε_ij A_ij (ρ_j − ρ_i)`` has, for ε_ij > 0, the sign of ``Σ_j A_ij (ρ_j − ρ_i)``: *senders* are
   cells with ``ρ_i > ρ_th`` and ``η_i < 0``, *receivers* cells with ``ρ_j < ρ_th`` and ``η_j > 0``;
3. each sender offers each receiving neighbour the users whose A3 gap ``RSRP_i + Hys − RSRP_j`` a CIO within the
   handover bounds can close and who, once served by j, would not enter A3 towards another neighbour of j under
   the current offsets (else they would leave j at once); requests are ranked ascending by ``|ρ_{u,i} − ρ_{u,j}|``
   (Algorithm 1), ``ρ_{u,i}`` (Algorithm 2) or ``ρ_{u,j}`` (Algorithm 3);
4. each receiver has the budget ``c Σ_l A_jl |ρ_l − ρ_j|`` for this step (the accommodation as a per-step budget
   of the receiving cell, NOTES §4.3, reset every step). In passes over the receivers (cell order), each accepts
   the highest-ranked request still valid, then loads and budgets are updated; passes repeat until none accepts
   (the paper's while-loop, its "or k < k_th" read as "and": ``k_th`` is the number of steps). A request is valid
   while the user is not yet moved, its sender is still above ``ρ_th``, the load it brings fits the remaining
   budget, and the receiver stays below ``ρ_th`` *after* accepting it (the paper checks "ρ_j < ρ_th" before; a
   receiver just under the threshold then crosses it and sends users back at the next step — a ping-pong we saw
   on the paper's set-up). Requests that do not fit are skipped: a smaller one further down may fit. So a
   receiver never exceeds ``ρ_th`` by what it accepts, and the algorithm stops;
5. CIOs by the CIO LP (:mod:`formulations.cio_lp`) on the links with accepted handovers, all in one LP: accepted
   users must enter A3 towards their receiver, every other user of the two cells must not enter across that link;
   least change from the current offsets, kept from step to step. When no exact setting exists (a stayer nearer
   the A3 boundary than a mover: the algorithms rank by load, not by RSRP), the accepted handovers come first
   (each mover's violation weighs more than all stayers' together). The paper's final rule writes SINR where A3
   uses RSRP; lbopt sets the offsets on RSRP, the quantity A3 compares;
6. execution, one of two (``HandoverSetting.execution``):

   * ``direct`` (default; the paper's simulation as we read it): the accepted users are handed over as selected;
     the offsets of step 5 are computed for them afterwards, as the paper's final loop does, and the other users
     that those offsets would also send through A3 are counted (``a3_inconsistent``), not moved;
   * ``a3`` (the network executes): every user evaluates A3 towards its neighbours and hands over to the best
     entering cell. Accepting user u then means accepting its *A3 group* — the users of its cell nearer the A3
     boundary towards j than u, and those within two LP margins of the group's farthest member — because a CIO
     that lets u enter A3 lets them enter too; budget and threshold are checked for the whole group, so what is
     accepted is what A3 executes. (Accepting u alone and letting A3 execute moved the nearer users unplanned, and
     on the paper's set-up those moves fed endless ping-pong.)

The greedy scheme (Fig. 5): every step every link's offset moves with the load difference,
``O_ab ← clip(O_ab + g (ρ_a − ρ_b))``, then step 6 — no threshold, no budget, no user selection.

Measured per step (the theory of :mod:`lbopt.stability.nonconservative`): the realised ``ε_ij`` of eq. 22, obtained
pair by pair as the load change of cell i from its exchanges with j divided by ``ρ_j − ρ_i`` (so that eq. 22
reproduces the realised loads exactly); ω, α, γ̂, ``V(e(k))``, the one-step bound on ``V(e(k+1))`` and Ṽ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field

from formulations.cio_association import Q_OFFSET_RANGE_DB
from formulations.cio_lp import CioProblem, solve_cio_lp, solve_cio_steps
from lbopt.instance.schema import ZouParams
from lbopt.radio.handover import link_requirements
from lbopt.radio.reach import PairValues
from lbopt.stability.nonconservative import bound

Algorithm = Literal["alg1", "alg2", "alg3", "greedy"]


class HandoverSetting(ZouParams):
    """Parameters of one run: ``methods.zou`` (defaults: the paper's 200-user case of Table I where it gives
    them), the algorithm, and the instance's A3 settings."""

    model_config = ConfigDict(frozen=True)

    algorithm: Algorithm = "alg1"
    hysteresis_db: float = Field(default=2.0, ge=0)
    cio_min_db: float = Field(default=-6.0, le=0)
    cio_max_db: float = Field(default=6.0, ge=0)
    margin_db: float = Field(default=0.1, ge=0)  # A3 margin the CIO LP keeps
    offset_steps: Literal["continuous", "3gpp"] = "continuous"  # handover.offset_steps: q-OffsetRange values


@dataclass
class HandoverRun:
    """Trace of a simulation: ``loads[k]`` before step k+1 (``steps + 1`` rows), per-step arrays of length ``steps``."""

    loads: np.ndarray  # (steps + 1, cells)
    serving: np.ndarray  # final association (cell positions)
    planned: np.ndarray  # (steps,) handovers accepted by the algorithm (greedy: the executed ones)
    realised: np.ndarray  # (steps,) handovers executed by A3
    alpha: np.ndarray  # (steps,) α(k), NaN on steps without handovers
    gamma_hat: np.ndarray
    v: np.ndarray  # V(e(k)) before each step
    v_next_bound: np.ndarray  # the bound on V(e(k+1)) (eq. 26)
    v_tilde: np.ndarray  # Ṽ(k) (eq. 27)
    unrepresentable: np.ndarray  # (steps,) pairs exchanging load at equal loads (ε undefined)
    offsets_db: np.ndarray  # final O_ab per link
    links: np.ndarray  # (n_links, 2) cell positions a < b
    events: pd.DataFrame  # step, user, source, target, planned
    a3_inconsistent: np.ndarray  # (steps,) direct execution: users the new offsets would also send through A3
    epsilon: pd.DataFrame  # step, cell i, cell j, realised ε_ij (non-zero entries of eq. 22's weights)

    @property
    def steps(self) -> int:
        """Number of simulated steps."""
        return len(self.realised)

    @property
    def mean_load(self) -> np.ndarray:
        """Mean cell load before every step (and after the last)."""
        return self.loads.mean(axis=1)

    @property
    def load_std(self) -> np.ndarray:
        """Standard deviation of the cell loads before every step (and after the last)."""
        return self.loads.std(axis=1)

    @property
    def bound_holds(self) -> np.ndarray:
        """Per step with handovers: ``V(e(k+1)) ≤ (γ̂ √V(e(k)) + α)²`` (within 1e-9 relative)."""
        ok = self.v[1:] <= self.v_next_bound * (1 + 1e-9) + 1e-15
        return np.where(np.isnan(self.v_next_bound), True, ok)

    def last_active_step(self) -> int:
        """The last step with a handover (0: none)."""
        active = np.flatnonzero(self.realised > 0)
        return int(active[-1]) + 1 if len(active) else 0


def _loads(serving: np.ndarray, user_load: np.ndarray) -> np.ndarray:
    rows = np.arange(len(serving))
    return np.bincount(serving, weights=user_load[rows, serving], minlength=user_load.shape[1])


def _pair_offsets(cio: np.ndarray, links: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The dense antisymmetric ``O`` (cells × cells, zero off the links) set in place from per-link ``O_ab``."""
    cio[links[:, 0], links[:, 1]] = offsets
    cio[links[:, 1], links[:, 0]] = -offsets
    return cio


def _a3_targets(rsrp: np.ndarray, serving: np.ndarray, cio: np.ndarray, table: np.ndarray, hys: float) -> np.ndarray:
    """Best A3 target among the serving cell's neighbours (``table``: :func:`_neighbour_table`), else −1 (eq. 5 in
    lbopt's V2 form); ties to the lowest cell index. Only the neighbours are scored (users × degree)."""
    rows = np.arange(len(serving))[:, None]
    cand = table[serving]
    valid = cand >= 0
    cells = np.maximum(cand, 0)
    score = rsrp[rows, cells] + cio[serving[:, None], cells]
    entering = valid & (score > rsrp[rows[:, 0], serving][:, None] + hys)
    best = np.argmax(np.where(entering, score, -np.inf), axis=1)
    return np.where(entering.any(axis=1), cells[rows[:, 0], best], -1)


def realised_epsilon(
    rho: np.ndarray, source: np.ndarray, target: np.ndarray, users: np.ndarray, user_load: np.ndarray
) -> tuple[np.ndarray, int]:
    """ε_ij of eq. 22 that reproduce the load changes of the handovers ``users: source → target`` from loads ρ.

    Returns the matrix and the number of pairs that exchanged load at equal loads (ε undefined there, left 0).
    """
    n = len(rho)
    change = np.zeros((n, n))  # change[x, y]: load change of x from its exchanges with y
    np.add.at(change, (target, source), user_load[users, target])
    np.add.at(change, (source, target), -user_load[users, source])
    diff = rho[None, :] - rho[:, None]  # ρ_y − ρ_x
    active = change != 0
    defined = active & (diff != 0)
    eps = np.zeros((n, n))
    eps[defined] = change[defined] / diff[defined]
    return eps, int(np.count_nonzero(active & ~defined))


def _neighbour_table(neighbours: np.ndarray) -> np.ndarray:
    """Neighbours of each cell as a padded table (cells × max degree), −1 where a cell has fewer."""
    degree = neighbours.sum(axis=1)
    table = np.full((len(neighbours), max(1, int(degree.max(initial=0)))), -1)
    rows, cols = np.nonzero(neighbours)
    table[rows, np.arange(len(rows)) - np.repeat(np.cumsum(degree) - degree, degree)] = cols
    return table


def _would_leave(
    rsrp: np.ndarray,
    user: np.ndarray,
    source: np.ndarray,
    cell: np.ndarray,
    cio: np.ndarray,
    table: np.ndarray,
    hys: float,
) -> np.ndarray:
    """Per pair (user, cell): served by ``cell``, would the user enter A3 towards a neighbour other than its source?

    ``RSRP_m + O_jm > RSRP_j + Hys`` for some neighbour m ≠ source of j; O(pairs × max degree) memory.
    """
    m = table[cell]  # (pairs, degree)
    valid = (m >= 0) & (m != source[:, None])
    mm = np.maximum(m, 0)
    score = rsrp[user[:, None], mm] + cio[cell[:, None], mm] - rsrp[user, cell][:, None] - hys
    return (valid & (score > 0)).any(axis=1)


@dataclass
class _Requests:
    """Handover requests of one step (steps 2–3), sorted by receiver, then key, then user."""

    user: np.ndarray
    cell: np.ndarray  # receiver
    offerable: PairValues  # True at the (user, neighbour) pairs that could be offered


def _pair_set(user: np.ndarray, cell: np.ndarray, shape: tuple[int, int]) -> PairValues:
    """The pairs ``(user, cell)`` as a set: True where given, False elsewhere (a sorted-key look-up per query)."""
    keys = np.sort(np.asarray(user, np.int64) * shape[1] + np.asarray(cell, np.int64))
    return PairValues(keys, np.ones(len(keys), bool), shape, False)


def _requests(
    setting: HandoverSetting,
    rho: np.ndarray,
    serving: np.ndarray,
    rsrp: np.ndarray,
    user_load: np.ndarray,
    adjacency: np.ndarray,
    cio: np.ndarray,
    table: np.ndarray,
) -> _Requests:
    pull = adjacency @ rho - adjacency.sum(axis=1) * rho  # Σ_j A_ij (ρ_j − ρ_i): the sign of η_i
    sender = (rho > setting.threshold) & (pull < 0)
    receiver = (rho < setting.threshold) & (pull > 0)
    users = np.flatnonzero(sender[serving])
    if len(users) == 0 or not receiver.any():
        return _Requests(np.empty(0, int), np.empty(0, int), _pair_set(np.empty(0, int), np.empty(0, int), rsrp.shape))
    # every (sender user, neighbour of its cell) pair, from the neighbour table: no users × cells matrix
    candidates = table[serving[users]]
    u_idx, col = np.nonzero(candidates >= 0)
    u, j = users[u_idx], candidates[u_idx, col]
    i = serving[u]
    reach = _a3_gap(rsrp, u, i, j, setting.hysteresis_db) + setting.margin_db <= setting.cio_max_db
    u, i, j = u[reach], i[reach], j[reach]
    ok = ~_would_leave(rsrp, u, i, j, cio, table, setting.hysteresis_db)
    offerable = _pair_set(u[ok], j[ok], rsrp.shape)
    keep = ok & receiver[j]
    u, i, j = u[keep], i[keep], j[keep]
    if setting.algorithm == "alg1":
        key = np.abs(user_load[u, i] - user_load[u, j])
    elif setting.algorithm == "alg2":
        key = user_load[u, i]
    else:
        key = user_load[u, j]
    order = np.lexsort((u, key, j))
    return _Requests(u[order], j[order], offerable)


def _a3_gap(rsrp: np.ndarray, user: np.ndarray, source: np.ndarray, cell: np.ndarray, hys: float) -> np.ndarray:
    """The A3 gap of each (user, cell) pair: ``RSRP_source + Hys − RSRP_cell``, the offset that makes it enter."""
    return rsrp[user, source] + hys - rsrp[user, cell]


def _a3_group(candidates: np.ndarray, gap: np.ndarray, user: int, margin: float) -> np.ndarray:
    """The users that enter A3 with ``user``: a CIO that lets it enter towards j lets every user of its cell nearer
    that boundary enter too, and users within two margins of the group's farthest one cannot be separated from it."""
    reach = gap[user]
    while True:
        near = candidates[gap[candidates] < reach + 2 * margin]
        farthest = gap[near].max()
        if farthest <= reach:
            return near
        reach = farthest


def _accept(
    setting: HandoverSetting,
    rho: np.ndarray,
    serving: np.ndarray,
    user_load: np.ndarray,
    table: np.ndarray,
    requests: _Requests,
    rsrp: np.ndarray,
) -> np.ndarray:
    """Step 4: the accepted handovers, as target cell per user (−1: stays)."""
    n = len(rho)
    rho = rho.copy()
    # the receiver budgets c Σ_j A_ij |ρ_j − ρ_i| over each cell's neighbours (``table``: :func:`_neighbour_table`)
    spread = np.abs(rho[np.maximum(table, 0)] - rho[:, None])
    budget = setting.accommodation * np.where(table >= 0, spread, 0.0).sum(axis=1)
    target = np.full(len(serving), -1)
    members = None
    if setting.execution == "a3":  # users per cell, for the A3 groups
        order = np.argsort(serving, kind="stable")
        members = np.split(order, np.searchsorted(serving[order], np.arange(1, n)))
    starts = np.searchsorted(requests.cell, np.arange(n + 1))
    pointer = starts[:-1].copy()
    th = setting.threshold
    accepted = True
    while accepted:
        accepted = False
        for j in np.flatnonzero(pointer < starts[1:]):
            for r in range(pointer[j], starts[j + 1]):
                u = requests.user[r]
                i = serving[u]
                if target[u] >= 0 or rho[i] <= th:
                    continue
                if setting.execution == "a3":
                    stay = members[i][target[members[i]] < 0]  # by user index; u is one of them
                    gap = _a3_gap(rsrp, stay, np.full(len(stay), i), np.full(len(stay), j), setting.hysteresis_db)
                    near = stay[_a3_group(np.arange(len(stay)), gap, np.searchsorted(stay, u), setting.margin_db)]
                else:
                    near = np.array([u])
                if not requests.offerable[near, j].all():
                    continue
                load_j = user_load[near, j].sum()
                if load_j <= budget[j] and rho[j] + load_j < th:
                    target[near] = j
                    rho[i] -= user_load[near, i].sum()
                    rho[j] += load_j
                    budget[j] -= load_j
                    pointer[j] = r + 1
                    accepted = True
                    break
            else:
                pointer[j] = starts[j + 1]
    return target


def nearest_step(offsets_db: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Each offset at the nearest q-OffsetRange value within ``[lo, hi]`` (ties to the smaller magnitude).

    Examples
    --------
    >>> nearest_step(np.array([2.4, -6.8, 7.0, 0.5]), -6.0, 6.0).tolist()
    [2.0, -6.0, 6.0, 0.0]
    """
    allowed = Q_OFFSET_RANGE_DB.astype(float)
    steps = allowed[(allowed >= lo) & (allowed <= hi)]
    distance = np.abs(np.asarray(offsets_db, float)[:, None] - steps[None, :]) + 1e-9 * np.abs(steps)[None, :]
    return steps[np.argmin(distance, axis=1)]


def _cio_lp(
    setting: HandoverSetting,
    serving: np.ndarray,
    target: np.ndarray,
    rsrp: np.ndarray,
    links: np.ndarray,
    link_of: np.ndarray,
    offsets: np.ndarray,
) -> np.ndarray:
    """Step 5: new offsets on the links carrying accepted handovers."""
    movers = np.flatnonzero(target >= 0)
    used = np.unique(link_of[serving[movers], target[movers]])
    u, link, side, other = link_requirements(serving, rsrp.shape[1], links[used, 0], links[used, 1])
    lo, hi = max(setting.cio_min_db, -setting.cio_max_db), min(setting.cio_max_db, -setting.cio_min_db)
    problem = CioProblem(
        n_links=len(used),
        link=link,
        side=side,
        gap_db=_a3_gap(rsrp, u, serving[u], other, setting.hysteresis_db),
        move=target[u] == other,
        lower_db=np.full(len(used), lo),
        upper_db=np.full(len(used), hi),
        current_db=offsets[used],
        margin_db=setting.margin_db,
        # accepted handovers first: a mover's violation outweighs all stayers' together
        weight=np.where(target[u] == other, len(u) + 1.0, 1.0),
    )
    new = offsets.copy()
    stepped = setting.offset_steps == "3gpp"
    new[used] = (solve_cio_steps(problem, Q_OFFSET_RANGE_DB) if stepped else solve_cio_lp(problem)).offsets_db
    return new


def simulate_handover(
    rsrp_dbm: np.ndarray,
    user_load: np.ndarray,
    serving: np.ndarray,
    adjacency: np.ndarray,
    setting: HandoverSetting,
    on_moved: Callable[[np.ndarray, np.ndarray], None] | None = None,
) -> HandoverRun:
    """Simulate ``setting.steps`` steps of the chosen algorithm (see the module docstring).

    Parameters
    ----------
    rsrp_dbm : (users, cells) RSRP of every user from every cell.
    user_load : (users, cells) ``ρ_{u,j} = B_{u,j} / B_j``.
    serving : (users,) initial serving cell positions.
    adjacency : (cells, cells) symmetric 0/1 neighbour matrix ``A``.
    setting : :class:`HandoverSetting`.
    on_moved : called with the users that moved in a step and the new association, before the next step reads
        ``user_load``: where ``user_load`` holds the PRBs of the pairs within A3's reach only
        (:func:`lbopt.stability.method.reach_inputs`), it fills the rows of users that moved beyond it.
    """
    a = (np.asarray(adjacency) > 0).astype(float)
    np.fill_diagonal(a, 0.0)
    neighbours = a > 0
    table = _neighbour_table(neighbours)
    n = a.shape[0]
    links = np.argwhere(np.triu(neighbours))
    link_of = np.full((n, n), -1)
    link_of[links[:, 0], links[:, 1]] = np.arange(len(links))
    link_of[links[:, 1], links[:, 0]] = np.arange(len(links))
    offsets = np.zeros(len(links))
    drive = offsets.copy()
    lo, hi = max(setting.cio_min_db, -setting.cio_max_db), min(setting.cio_max_db, -setting.cio_min_db)
    serving = np.asarray(serving).copy()
    steps = setting.steps
    loads = np.empty((steps + 1, n))
    planned = np.zeros(steps, int)
    realised = np.zeros(steps, int)
    alpha, gamma_hat, v_next, v_tilde = (np.full(steps, np.nan) for _ in range(4))
    unrep = np.zeros(steps, int)
    events = []
    eps_rows = []
    a3_inconsistent = np.zeros(steps, int)
    cio = np.zeros((n, n))  # one matrix for the run, its link entries set where offsets change
    for k in range(steps):
        rho = _loads(serving, user_load)
        loads[k] = rho
        _pair_offsets(cio, links, offsets)
        if setting.algorithm == "greedy":  # the gain accumulates in ``drive``; a 3GPP cell applies the nearest step
            drive = np.clip(drive + setting.greedy_gain_db * (rho[links[:, 0]] - rho[links[:, 1]]), lo, hi)
            offsets = nearest_step(drive, lo, hi) if setting.offset_steps == "3gpp" else drive
        else:
            requests = _requests(setting, rho, serving, rsrp_dbm, user_load, a, cio, table)
            accepted = _accept(setting, rho, serving, user_load, table, requests, rsrp_dbm)
            movers = np.flatnonzero(accepted >= 0)
            planned[k] = len(movers)
            if len(movers) == 0:
                continue
            offsets = _cio_lp(setting, serving, accepted, rsrp_dbm, links, link_of, offsets)
        _pair_offsets(cio, links, offsets)
        target = _a3_targets(rsrp_dbm, serving, cio, table, setting.hysteresis_db)
        if setting.algorithm != "greedy" and setting.execution == "direct":
            a3_inconsistent[k] = int(np.count_nonzero(target[accepted < 0] >= 0))
            target = accepted
        moved = np.flatnonzero(target >= 0)
        realised[k] = len(moved)
        if setting.algorithm == "greedy":
            planned[k] = len(moved)
        if len(moved) == 0:
            continue
        src, dst = serving[moved], target[moved]
        eps, unrep[k] = realised_epsilon(rho, src, dst, moved, user_load)
        ii, jj = np.nonzero(eps)
        eps_rows.append(pd.DataFrame({"step": k + 1, "i": ii, "j": jj, "epsilon": eps[ii, jj]}))
        b = bound(rho, a, eps)
        alpha[k], gamma_hat[k], v_next[k], v_tilde[k] = b.alpha, b.gamma_hat, b.v_next_bound, b.v_tilde
        was_planned = np.ones(len(moved), bool) if setting.algorithm == "greedy" else accepted[moved] == dst
        events.append(
            pd.DataFrame({"step": k + 1, "user": moved, "source": src, "target": dst, "planned": was_planned})
        )
        serving = serving.copy()
        serving[moved] = dst
        if on_moved is not None:
            on_moved(moved, serving)
    loads[steps] = _loads(serving, user_load)
    centred = loads - loads.mean(axis=1, keepdims=True)
    return HandoverRun(
        loads=loads,
        serving=serving,
        planned=planned,
        realised=realised,
        alpha=alpha,
        gamma_hat=gamma_hat,
        v=(centred**2).sum(axis=1),
        v_next_bound=v_next,
        v_tilde=v_tilde,
        unrepresentable=unrep,
        offsets_db=offsets,
        links=links,
        events=(
            pd.concat(events, ignore_index=True)
            if events
            else pd.DataFrame({"step": [], "user": [], "source": [], "target": [], "planned": []})
        ),
        a3_inconsistent=a3_inconsistent,
        epsilon=(
            pd.concat(eps_rows, ignore_index=True)
            if eps_rows
            else pd.DataFrame({"step": [], "i": [], "j": [], "epsilon": []})
        ),
    )
