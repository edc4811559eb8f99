"""The OSLB handover procedure on a user-level instance (Jia et al. 2014, §5.3; NOTES §1.5).

A "cell" of the paper is a macro cell together with the picocells overlaid on it (``cells.parent``); lbopt calls
it a *group* and names it by its macro cell. Cells without a parent are groups of their own.

1. **PRBs per user and cell.** From the radio model, ``B_u,c`` = PRBs user u needs in cell c (they differ
   between cells: a handover is a *non-conservative* transfer). Group demand ``P_g = Σ_{u in g} B_u,serving(u)``,
   group capacity ``C_g`` = PRBs of its cells.
2. **Arc capacities**, reading (b) of NOTES §1.4: ``c_ij = β · Σ B_u,i`` over the *edge users* of group i's macro
   that group j's macro can take, i.e. the users the A3 event can move within the offset limit:
   ``RSRP_u,j + O_max > RSRP_u,i + Hys + margin``, and that j's macro can serve (``B_u,j`` finite: under a CQI
   link a user below CQI 1 in j is in outage there; ours, the paper's Shannon rate has no outage).
3. **Plan.** The min-cost flow between groups (``plan="global"``, the certified optimum), or the paper's distributed
   variant (``plan="distributed"``): every group solves the flow problem on its two-tier neighbourhood with the
   neighbourhood's own target, the two groups of a pair average their net amounts ``y_ij`` and round down.
4. **User sequencing.** For every planned transfer i → j (largest first), the macro users of i are sorted by the
   RSRP ratio target/serving (the dB difference ``RSRP_j − RSRP_i``, best candidates first) and taken in that order
   until the planned amount is reached — the paper's Fig. 9 names two ends of the loop, the plan reached and the
   offset limit hit, so the last user taken may overshoot the amount (``stop_rule="overshoot"``, the default: our
   reading of the paper). Options of ours: ``"nearest"`` takes that last user only when it brings the moved PRBs
   nearer to the plan; ``"no-overshoot"`` stops before the first user that would overshoot, which with plans of a
   few PRBs per pair and edge users of 5-10 PRBs moves nobody on most pairs. The walk also stops at the first user
   the offset limit cannot move, and (ours) at the first user j's macro cannot serve (``target-outage``): an
   offset that moved users beyond it would move it too, into outage. Because one offset moves exactly the users
   above an RSRP-difference threshold, the chosen users are a prefix of that order; the prefix is shortened until
   the last mover and the first stayer are at least two margins apart, so that an offset can separate them (ours:
   the paper steps the offset and cannot split ties).
5. **Picocell fallback.** When a walk ended short of the plan because the offset limit (or the lack of macro
   users) stopped it, picocells of group i, closest to j's macro first, are re-homed with their users to group j
   while that brings the transfer closer to the plan (a picocell's load below twice what is missing).
6. **CIOs** from :mod:`formulations.cio_lp`: per macro–macro link one offset such that A3 holds for every chosen
   user towards its target and fails towards every other macro for the users that stay (margin
   ``margin_db``); least change from the current offsets; least violation when no exact setting exists.
7. **Execution.** The A3 event is evaluated with those offsets for every macro user (towards macro cells); users
   that enter it hand over to the best such cell. Loads are recomputed with the PRBs each moved user needs in its
   new cell. The *non-conservative error* per group is the realised change minus the planned change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from formulations.cio_association import Q_OFFSET_RANGE_DB
from formulations.cio_lp import CioProblem, CioSolution, solve_cio_lp, solve_cio_steps
from formulations.min_cost_flow import FlowProblem, FlowSolution, solve_min_cost_flow
from lbopt.errors import InvalidParameter
from lbopt.graph import neighbour_pairs
from lbopt.instance.model import Instance
from lbopt.oslb.cell_level import choose_engine, flow_problem
from lbopt.oslb.targets import Target, balance_targets
from lbopt.radio.handover import link_requirements, pair_cio_matrix, pair_relations
from lbopt.radio.reach import PairValues, ReachRadio, reach_radio

Plan = Literal["global", "distributed", "chain"]
TOL = 1e-9
FLOOR_TOL = 1e-6  # plan amounts come from an LP solved to 1e-7; 42.99999996 PRBs is 43


#: how a pair's walk ends at its planned amount (step 4)
StopRule = Literal["overshoot", "nearest", "no-overshoot"]


@dataclass
class Groups:
    """Macro cell + its picocells. ``of_cell[c]`` = group of cell c; ``head[g]`` = the group's macro cell."""

    of_cell: np.ndarray
    head: np.ndarray

    @property
    def n(self) -> int:
        """Number of groups."""
        return len(self.head)


def cell_groups(instance: Instance) -> Groups:
    """The groups of the instance: every cell with a ``parent`` joins its parent's group; other cells head their own."""
    cells = instance.cells
    own = np.arange(len(cells))
    if "parent" in cells:
        parent = instance.cell_positions(cells["parent"])
        head_of = np.where(parent >= 0, parent, own)
    else:
        head_of = own
    heads, of_cell = np.unique(head_of, return_inverse=True)
    return Groups(of_cell=of_cell, head=heads)


@dataclass
class UserState:
    """Step 1: the groups, the current association (strongest cell for unattached users) and, per (user, cell)
    within the handover's reach of it (:mod:`lbopt.radio.reach`), RSRP, PRBs as the cells count them
    (:func:`lbopt.radio.model.served_prb`: none where a cell cannot serve the user) and whether the cell can serve
    the user (a finite PRB need). RSRP is −∞ out of reach; PRBs are read only at kept pairs."""

    groups: Groups
    serving: np.ndarray
    reach: ReachRadio

    @property
    def rsrp(self) -> PairValues:
        """RSRP per (user, cell), −∞ out of reach."""
        return self.reach.values("rsrp_dbm")

    @property
    def prb(self) -> PairValues:
        """PRBs per (user, cell) as the cell counts them (0 where it cannot serve the user; NaN out of reach)."""
        return self.reach.values("served_prb")

    @property
    def servable(self) -> PairValues:
        """Whether the cell can serve the user (False out of reach)."""
        return self.reach.values("servable")


def user_state(instance: Instance, margin_db: float = 0.0) -> UserState:
    """:class:`UserState` with the reach of A3 from the current association: every cell a planned offset
    (``O ≤ cio_max_db``) can move a user to, and every cell an offset-limit or stay requirement with margin
    ``margin_db`` can bind (``RSRP ≥ RSRP_serving − (cio_max_db − hysteresis_db + margin_db)``)."""
    ho = instance.handover
    reach, serving = reach_radio(instance, max(0.0, ho.cio_max_db - ho.hysteresis_db + margin_db))
    return UserState(cell_groups(instance), serving, reach)


def group_pairs(instance: Instance, groups: Groups) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unordered neighbour pairs of groups (ga < gb) and, per pair, the link index joining their heads (−1: none)."""
    a, b, _ = neighbour_pairs(instance)
    ga, gb = groups.of_cell[a], groups.of_cell[b]
    keep = ga != gb
    lo, hi = np.minimum(ga, gb)[keep], np.maximum(ga, gb)[keep]
    pairs = np.unique(np.column_stack([lo, hi]), axis=0) if keep.any() else np.empty((0, 2), int)
    head_link = {}
    for k in np.flatnonzero(keep):
        if a[k] == groups.head[groups.of_cell[a[k]]] and b[k] == groups.head[groups.of_cell[b[k]]]:
            head_link[(min(ga[k], gb[k]), max(ga[k], gb[k]))] = k
    link = np.array([head_link.get((int(p), int(q)), -1) for p, q in pairs], dtype=np.int64)
    return pairs[:, 0], pairs[:, 1], link


def two_tier_plan(
    demand: np.ndarray,
    capacity: np.ndarray,
    ga: np.ndarray,
    gb: np.ndarray,
    cap_ab: np.ndarray,
    cap_ba: np.ndarray,
    target: Target,
) -> np.ndarray:
    """The paper's distributed plan: net amount a → b per pair (negative: b → a), averaged and rounded down.

    Group g solves eq. 10 on its two-tier neighbourhood (nodes within two hops, arcs among them) with the
    neighbourhood's own balance target and reports the net flow ``y_gj`` to each first-tier neighbour j; the two
    reports for a pair are averaged, and the magnitude rounded down to whole PRBs.
    """
    n = len(demand)
    adj = sp.csr_matrix((np.ones(len(ga)), (ga, gb)), shape=(n, n))
    adj = ((adj + adj.T) > 0).astype(float)
    reach = ((adj + adj @ adj) > 0).tolil()
    reports: dict[tuple[int, int], list[float]] = {}
    for g in range(n):
        local = np.union1d(reach.rows[g], [g]).astype(int)
        inside = np.isin(ga, local) & np.isin(gb, local)
        if not inside.any():
            continue
        index = -np.ones(n, int)
        index[local] = np.arange(len(local))
        problem, _, _ = flow_problem(
            demand[local],
            capacity[local],
            index[ga[inside]],
            index[gb[inside]],
            cap_ab[inside],
            cap_ba[inside],
            np.ones(int(inside.sum())),
            target,
        )
        x = solve_min_cost_flow(problem, "highs").flow
        m = int(inside.sum())
        net = x[:m] - x[m:]  # a → b minus b → a for each local pair
        for k, pair in zip(np.flatnonzero(inside), net, strict=True):
            if g in (ga[k], gb[k]):  # a first-tier pair of g
                reports.setdefault(int(k), []).append(float(pair))
    y = np.zeros(len(ga))
    for k, values in reports.items():
        avg = float(np.mean(values))
        y[k] = np.sign(avg) * np.floor(abs(avg) + FLOOR_TOL)
    return y


@dataclass
class Execution:
    """What the procedure did, per user and per ordered group pair."""

    selected_for: np.ndarray  # per user: target group planned (−1: stays)
    pair_rows: list[dict] = field(default_factory=list)
    rehomed: dict[int, int] = field(default_factory=dict)  # pico cell → new group


def sequence_users(
    plan_amount: dict[tuple[int, int], float],
    serving: np.ndarray,
    prb_serving: np.ndarray,
    rsrp: np.ndarray | PairValues,
    groups: Groups,
    hysteresis_db: float,
    cio_max_db: float,
    margin_db: float,
    stop_rule: StopRule = "overshoot",
    servable: np.ndarray | PairValues | None = None,
) -> Execution:
    """Steps 4–5 of the module docstring for every planned ordered pair, largest amount first.

    ``servable[u, c]``: cell c can serve user u (finite PRBs); None: every cell can serve every user.
    """
    n_users = len(serving)
    selected = np.full(n_users, -1)
    rows = []
    on_head = serving == groups.head[groups.of_cell[np.maximum(serving, 0)]]
    for (i, j), amount in sorted(plan_amount.items(), key=lambda kv: -kv[1]):
        hi, hj = groups.head[i], groups.head[j]
        cand = np.flatnonzero((serving == hi) & on_head & (selected < 0))
        diff = rsrp[cand, hj] - rsrp[cand, hi]
        order = cand[np.argsort(-diff, kind="stable")]
        diff = rsrp[order, hj] - rsrp[order, hi]
        movable = diff + cio_max_db > hysteresis_db + margin_db
        moved = 0.0
        reason = "done"
        count = 0
        for u, can in zip(order, movable, strict=True):
            if moved >= amount - TOL:
                break
            if not can:
                reason = "offset-limit"
                break
            if servable is not None and not servable[u, hj]:
                reason = "target-outage"
                break
            overshoot = moved + prb_serving[u] - amount
            if overshoot > TOL and (
                stop_rule == "no-overshoot" or (stop_rule == "nearest" and overshoot >= amount - moved)
            ):
                reason = "target-full"
                break
            moved += prb_serving[u]
            count += 1
            if moved > amount + TOL:  # the paper's reading: the last user taken reaches the plan, beyond it
                reason = "done-overshoot"
                break
        else:
            if moved < amount - TOL:
                reason = "no-more-users"
        # one offset separates movers from stayers only where their RSRP differences are 2 margins apart
        while 0 < count < len(order) and diff[count - 1] - diff[count] < 2 * margin_db:
            count -= 1
            moved -= prb_serving[order[count]]
            reason = "cio-separation"
        selected[order[:count]] = j
        rows.append({"from_group": i, "to_group": j, "planned_prb": amount, "selected_prb": moved, "stop": reason})
    return Execution(selected_for=selected, pair_rows=rows)


def picocell_fallback(
    execution: Execution,
    instance: Instance,
    groups: Groups,
    serving: np.ndarray,
    prb_serving: np.ndarray,
) -> np.ndarray:
    """Step 5: re-home picocells of groups whose walk hit the offset limit; returns the new group of every cell."""
    of_cell = groups.of_cell.copy()
    if not instance.has_geometry:
        return of_cell
    xy = instance.cells[["x_m", "y_m"]].to_numpy(float)
    load = np.bincount(serving[serving >= 0], prb_serving[serving >= 0], len(of_cell))
    for row in execution.pair_rows:
        missing = row["planned_prb"] - row["selected_prb"]
        if row["stop"] not in ("offset-limit", "no-more-users") or missing <= TOL:
            continue
        i, j = row["from_group"], row["to_group"]
        picos = np.flatnonzero((of_cell == i) & (np.arange(len(of_cell)) != groups.head[i]))
        picos = picos[np.argsort(np.hypot(*(xy[picos] - xy[groups.head[j]]).T), kind="stable")]
        for p in picos:
            if 0 < load[p] < 2 * missing - TOL:  # re-homing brings the transfer closer to the plan
                of_cell[p] = j
                execution.rehomed[int(p)] = int(j)
                missing -= load[p]
                row["selected_prb"] += load[p]
                row["stop"] = "picocell-fallback"
    return of_cell


def cio_problem(
    instance: Instance,
    groups: Groups,
    ga: np.ndarray,
    gb: np.ndarray,
    head_link: np.ndarray,
    serving: np.ndarray,
    selected_for: np.ndarray,
    rsrp: np.ndarray | PairValues,
    margin_db: float,
) -> tuple[CioProblem, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Requirements for every macro user towards every neighbouring macro across a head–head link.

    One variable per link (``handover.relations: pair``, ``O_ba = −O_ab``) or per directed relation (``directed``:
    the users of a cell constrain only its own offset towards the neighbour). Returns the problem, per requirement
    its user and target group (for the deviation report), and the macro cells (a, b) of every pair link.
    """
    ho = instance.handover
    use = head_link >= 0
    la, lb = groups.head[ga[use]], groups.head[gb[use]]  # the link joins macro la (side +1) and lb (side −1)
    n_links = int(use.sum())
    cur = np.zeros(n_links)
    if instance.links is not None and "cio_db" in instance.links:
        pos_a = instance.cell_positions(instance.links["a"])[head_link[use]]
        cur = instance.links["cio_db"].to_numpy(float)[head_link[use]] * np.where(pos_a == la, 1.0, -1.0)
    users_a, link, side, other = link_requirements(serving, rsrp.shape[1], la, lb)
    gap = rsrp[users_a, serving[users_a]] + ho.hysteresis_db - rsrp[users_a, other]
    move = selected_for[users_a] == groups.of_cell[other]
    # a neighbour out of the user's reach (RSRP −∞) is one no offset within the bounds brings into A3: no requirement
    binding = np.isfinite(gap) | move
    users_a, link, side, other, gap, move = (x[binding] for x in (users_a, link, side, other, gap, move))
    if ho.relations == "directed":  # relation k: la → lb, relation n + k: lb → la, each its own variable
        link = np.where(side > 0, link, link + n_links)
        side = np.ones_like(side)
        lo, hi, cur, n_vars = ho.cio_min_db, ho.cio_max_db, np.concatenate([cur, -cur]), 2 * n_links
    else:
        lo, hi, n_vars = max(ho.cio_min_db, -ho.cio_max_db), min(ho.cio_max_db, -ho.cio_min_db), n_links
    problem = CioProblem(
        n_links=n_vars,
        link=link,
        side=side,
        gap_db=gap,
        move=move,
        lower_db=np.full(n_vars, lo),
        upper_db=np.full(n_vars, hi),
        current_db=cur,
        margin_db=margin_db,
    )
    return problem, users_a, groups.of_cell[other], (la, lb)


def planned_offsets(instance: Instance, problem: CioProblem) -> tuple[CioSolution, CioSolution | None]:
    """The offsets: the LP's when ``handover.offset_steps`` is continuous; with 3GPP steps the exact stepped
    optimum, with the LP's beside it (what the steps lost)."""
    continuous = solve_cio_lp(problem)
    if instance.handover.offset_steps != "3gpp":
        return continuous, None
    return solve_cio_steps(problem, Q_OFFSET_RANGE_DB), continuous


def offset_relations(
    instance: Instance, pairs: tuple[np.ndarray, np.ndarray], offsets_db: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every directed relation's offset ``(source, target, O_st)`` from the solved variables."""
    la, lb = pairs
    if instance.handover.relations == "directed":
        return np.concatenate([la, lb]), np.concatenate([lb, la]), np.asarray(offsets_db, float)
    return pair_relations(la, lb, offsets_db)


@dataclass
class UserLevelOutcome:
    """Everything one run of the procedure decided and measured (steps 1–7 of the module docstring), for the result
    tables.
    """

    groups: Groups
    group_after: np.ndarray  # per cell, after picocell re-homing
    demand: np.ndarray  # per group, before
    capacity: np.ndarray
    target: np.ndarray
    problem: FlowProblem
    solution: FlowSolution  # the global optimum
    plan_net: np.ndarray  # per group pair (ga, gb): net planned PRBs a → b (the executed plan)
    ga: np.ndarray
    gb: np.ndarray
    distributed_net: np.ndarray | None  # the distributed plan, computed only when it is the plan to execute
    prb_matrix: PairValues  # users × cells within reach: PRBs a user needs in each cell (from the radio model)
    execution: Execution
    cio: CioSolution
    cio_relations: tuple[np.ndarray, np.ndarray, np.ndarray]  # every directed relation: source, target, O_st (dB)
    cio_continuous: CioSolution | None  # with 3GPP steps: the continuous LP's offsets, for what the steps lost
    serving_before: np.ndarray
    serving_after: np.ndarray
    prb_before: np.ndarray  # per user, in its serving cell
    prb_after: np.ndarray
    plan: str
    deviations: pd.DataFrame


def run_user_level(
    instance: Instance,
    target: Target | None = None,
    beta: float | None = None,
    integral: bool = False,
    engine: str = "auto",
    plan: Plan = "global",
    margin_db: float = 0.1,
    arc_capacity: Literal["edge", "share"] = "edge",
    stop_rule: StopRule = "overshoot",
) -> UserLevelOutcome:
    """Steps 1–7 of the module docstring.

    ``arc_capacity="edge"`` is reading (b) of NOTES §1.4 (β × PRBs of the movable edge users, the default);
    ``"share"`` is reading (a), ``c_ij = β · P_i``.
    """
    params = instance.methods.oslb
    target = target or params.target
    beta = params.beta if beta is None else beta
    ho = instance.handover
    state = user_state(instance, margin_db)
    groups, serving, rsrp, prb, servable = state.groups, state.serving, state.rsrp, state.prb, state.servable
    rows = np.arange(len(serving))
    prb0 = prb[rows, serving]
    grp_user = groups.of_cell[serving]
    demand = np.bincount(grp_user, prb0, groups.n)
    capacity = np.bincount(groups.of_cell, instance.prb_capacity(), groups.n)

    ga, gb, head_link = group_pairs(instance, groups)
    on_head = serving == groups.head[grp_user]

    # macro users grouped by their group: one contiguous slice per group (no scan of all users per pair)
    macro_users = np.flatnonzero(on_head)
    by_group = macro_users[np.argsort(grp_user[macro_users], kind="stable")]
    bounds = np.searchsorted(grp_user[by_group], np.arange(groups.n + 1))

    def edge_prb(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """β × PRBs of the macro users of each ``src`` group that A3 can move to the ``dst`` group's macro."""
        count = bounds[src + 1] - bounds[src]
        pair = np.repeat(np.arange(len(src)), count)
        u = by_group[
            np.repeat(bounds[src], count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        ]
        hi, hj = groups.head[src][pair], groups.head[dst][pair]
        edge = (rsrp[u, hj] - rsrp[u, hi] + ho.cio_max_db > ho.hysteresis_db + margin_db) & servable[u, hj]
        return beta * np.bincount(pair[edge], prb0[u][edge], len(src))

    if arc_capacity == "edge":
        cap_ab, cap_ba = edge_prb(ga, gb), edge_prb(gb, ga)
    elif arc_capacity == "share":
        cap_ab, cap_ba = beta * demand[ga], beta * demand[gb]
    else:
        raise InvalidParameter(f"unknown arc_capacity '{arc_capacity}'; expected edge or share")
    problem, targets, _ = flow_problem(demand, capacity, ga, gb, cap_ab, cap_ba, np.ones(len(ga)), target, integral)
    solution = solve_min_cost_flow(problem, choose_engine(engine, problem))
    k = len(ga)
    global_net = solution.flow[:k] - solution.flow[k:]
    distributed = None
    if plan == "global":
        net = global_net
    elif plan == "distributed":
        distributed = two_tier_plan(demand, capacity, ga, gb, cap_ab, cap_ba, target) if k else np.zeros(0)
        net = distributed
    elif plan == "chain":
        from lbopt.oslb.chain import chain_plan

        net = chain_plan(demand, capacity, ga, gb, target)
    else:
        raise InvalidParameter(f"unknown plan '{plan}'; expected global, distributed or chain")
    amounts: dict[tuple[int, int], float] = {}
    for p, q, y in zip(ga, gb, net, strict=True):
        whole = np.floor(abs(y) + FLOOR_TOL)
        if whole > 0:
            amounts[(int(p), int(q)) if y > 0 else (int(q), int(p))] = float(whole)

    execution = sequence_users(
        amounts, serving, prb0, rsrp, groups, ho.hysteresis_db, ho.cio_max_db, margin_db, stop_rule, servable
    )
    group_after = picocell_fallback(execution, instance, groups, serving, prb0)
    cio_req, req_user, req_group, pairs = cio_problem(
        instance, groups, ga, gb, head_link, serving, execution.selected_for, rsrp, margin_db
    )
    cio, cio_continuous = planned_offsets(instance, cio_req)
    relations = offset_relations(instance, pairs, cio.offsets_db)

    # execution: A3 with the new offsets towards macro cells, for macro users
    offsets = pair_cio_matrix(instance).tolil()
    offsets[relations[0], relations[1]] = relations[2]
    heads = np.zeros(rsrp.shape[1], bool)
    heads[groups.head] = True
    macro_users = np.flatnonzero(on_head)
    target_cell = state.reach.a3_target(macro_users, serving, offsets.tocsr(), ho.hysteresis_db, heads)
    serving_after = serving.copy()
    moved = target_cell >= 0
    serving_after[macro_users[moved]] = target_cell[moved]
    prb_after = prb[rows, serving_after]
    dev = cio.deviating
    deviations = pd.DataFrame(
        {
            "user": instance.users["id"].to_numpy(object)[req_user[dev]],
            "towards_group": req_group[dev],
            "planned": np.where(cio_req.move[dev], "move", "stay"),
            "violation_db": cio.violation_db[dev],
        }
    )
    return UserLevelOutcome(
        groups=groups,
        group_after=group_after,
        demand=demand,
        capacity=capacity,
        target=targets,
        problem=problem,
        solution=solution,
        plan_net=net,
        ga=ga,
        gb=gb,
        distributed_net=distributed,
        prb_matrix=prb,
        execution=execution,
        cio=cio,
        cio_relations=relations,
        cio_continuous=cio_continuous,
        serving_before=serving,
        serving_after=serving_after,
        prb_before=prb0,
        prb_after=prb_after,
        plan=plan,
        deviations=deviations,
    )


__all__ = ["balance_targets", "cell_groups", "run_user_level", "two_tier_plan"]
