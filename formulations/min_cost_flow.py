"""Load balancing as a minimum-cost flow between cells (Jia et al. 2014, eq. 10).

Nodes are cells; an arc (i, j) carries ``x_ij`` PRBs of traffic handed over from cell i to cell j, with capacity
``c_ij`` and cost ``w_ij`` per PRB. Each cell has a supply ``s_i = P_i − T_i`` (PRB demand minus its target):
sources (``s_i > 0``) send their surplus, sinks (``s_i < 0``) absorb their deficit::

    min  Σ_(i,j) w_ij x_ij
    s.t. Σ_j x_ij − Σ_j x_ji = s_i      for every cell i         (flow conservation, eq. 10)
         0 ≤ x_ij ≤ c_ij                for every arc (i, j)

With the paper's virtual source S (an arc S → i of capacity s_i per source) and sink T (j → T of capacity −s_j
per sink), eq. 10 is feasible iff the maximum S–T flow equals the total surplus Σ_{s_i>0} s_i (NOTES §1.4).
When it is not, every engine here solves the **min-cost maximum flow** instead: it routes the maximum S–T flow,
and among maximum flows the cheapest; the surplus left at each source is reported (``status = partial``).

Engines (a registry, all returning :class:`FlowSolution`):

``highs``  highspy's matrix API (the LP built as one sparse CSC matrix); fractional data; the default.
``pyomo``  the declarative reference: a Pyomo model built from the arc arrays, solved by HiGHS.
``ortools`` OR-Tools' ``SimpleMinCostFlow`` (network simplex on integers): integer data only — fractional
           supplies or capacities are refused, never rounded silently (scale or use integral targets).
``networkx`` ``max_flow_min_cost`` (an independent reference for tests; slow; integer data only, as its
           network simplex can fail on floats).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from formulations.errors import SolverError, SolverNotInstalled, UnsupportedData
from formulations.highs_lp import highs_lp
from formulations.highs_milp import highs_version
from formulations.status import SolverFacts, Status

#: flows below this (PRBs) are zero; supplies balance when |Σ s_i| is below it
FLOW_TOL = 1e-7
#: distance to whole numbers within which a flow of integral data is an integral vertex
INTEGRAL_TOL = 1e-6


@dataclass(frozen=True)
class FlowProblem:
    """A min-cost flow instance as arrays (arcs are directed; both directions of a link are two arcs)."""

    n_nodes: int
    tail: np.ndarray
    head: np.ndarray
    capacity: np.ndarray  # may hold np.inf
    cost: np.ndarray
    supply: np.ndarray  # per node, Σ = 0

    def __post_init__(self) -> None:
        m = len(self.tail)
        if not (len(self.head) == len(self.capacity) == len(self.cost) == m):
            raise ValueError("tail, head, capacity and cost must have one entry per arc")
        if len(self.supply) != self.n_nodes:
            raise ValueError("supply must have one entry per node")
        if m and (self.tail.min() < 0 or self.head.max() >= self.n_nodes or np.any(self.tail == self.head)):
            raise ValueError("arcs must join two different existing nodes")
        if np.any(self.capacity < 0) or np.any(np.isnan(self.capacity)) or np.any(~np.isfinite(self.cost)):
            raise ValueError("capacities must be >= 0 and costs finite")
        if abs(float(np.sum(self.supply))) > FLOW_TOL * max(1.0, float(np.abs(self.supply).sum())):
            raise ValueError(f"supplies must sum to zero (sum = {np.sum(self.supply):.6g})")

    @property
    def n_arcs(self) -> int:
        """Number of arcs."""
        return len(self.tail)

    @property
    def required(self) -> float:
        """Total surplus that a balanced solution moves: Σ_{s_i > 0} s_i."""
        return float(self.supply[self.supply > 0].sum())

    def integral_data(self) -> bool:
        """Whether every supply and finite capacity is a whole number (then the flow polytope's vertices are)."""
        numbers = np.concatenate([self.supply, self.capacity[np.isfinite(self.capacity)]])
        return bool(np.all(np.abs(numbers - np.round(numbers)) < 1e-9))

    def incidence(self) -> sp.csc_matrix:
        """Node–arc incidence matrix (n × m): +1 at the tail, −1 at the head of every arc."""
        m = self.n_arcs
        rows = np.concatenate([self.tail, self.head])
        cols = np.concatenate([np.arange(m), np.arange(m)])
        vals = np.concatenate([np.ones(m), -np.ones(m)])
        return sp.csc_matrix((vals, (rows, cols)), shape=(self.n_nodes, m))


@dataclass
class FlowSolution:
    """Optimal (or maximal, when the balance is out of reach) flow.

    ``routed`` is the surplus moved (the S–T flow), ``unmet_supply[i]`` the surplus left at node i and
    ``unmet_demand[j]`` the deficit left at node j.
    """

    status: Status
    flow: np.ndarray
    objective: float
    routed: float
    required: float
    unmet_supply: np.ndarray
    unmet_demand: np.ndarray
    facts: SolverFacts

    @property
    def unmet(self) -> float:
        """Supply the flow could not route (PRBs)."""
        return float(self.unmet_supply.sum())


def _finish(problem: FlowProblem, flow: np.ndarray, facts: SolverFacts) -> FlowSolution:
    """Status, objective and unmet amounts recomputed from the flow itself (not trusted from the solver).

    With integral supplies and capacities every vertex of the flow polytope is integral, so a simplex flow within
    ``INTEGRAL_TOL`` of whole numbers is rounded to them (an LP solver's vertex carries rounding noise of ~1e-7).
    """
    flow = np.where(np.abs(flow) < FLOW_TOL, 0.0, flow)
    if problem.integral_data():
        whole = np.round(flow)
        if np.max(np.abs(whole - flow), initial=0.0) <= INTEGRAL_TOL:
            flow = whole
    net_out = np.bincount(problem.tail, flow, problem.n_nodes) - np.bincount(problem.head, flow, problem.n_nodes)
    residual = problem.supply - net_out  # > 0: surplus left at a source; < 0: deficit left at a sink
    unmet_supply = np.where(problem.supply > 0, np.clip(residual, 0, None), 0.0)
    unmet_demand = np.where(problem.supply < 0, np.clip(-residual, 0, None), 0.0)
    unmet_supply[unmet_supply < FLOW_TOL] = 0.0
    unmet_demand[unmet_demand < FLOW_TOL] = 0.0
    required = problem.required
    routed = required - float(unmet_supply.sum())
    partial = unmet_supply.sum() > FLOW_TOL * max(1.0, required)
    return FlowSolution(
        status=Status.PARTIAL if partial else Status.OPTIMAL,
        flow=flow,
        objective=float(problem.cost @ flow),
        routed=routed,
        required=required,
        unmet_supply=unmet_supply,
        unmet_demand=unmet_demand,
        facts=facts,
    )


def _augmented_lp(problem: FlowProblem) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arcs plus S → source and sink → T arcs; rows are flow conservation (= 0) at every cell.

    Returns the constraint matrix, column upper bounds, the costs, and the column indices of the S and T arcs.
    """
    src = np.flatnonzero(problem.supply > 0)
    snk = np.flatnonzero(problem.supply < 0)
    a = problem.incidence()
    n, m = problem.n_nodes, problem.n_arcs
    s_cols = sp.csc_matrix((-np.ones(len(src)), (src, np.arange(len(src)))), shape=(n, len(src)))
    t_cols = sp.csc_matrix((np.ones(len(snk)), (snk, np.arange(len(snk)))), shape=(n, len(snk)))
    matrix = sp.hstack([a, s_cols, t_cols], format="csc")
    upper = np.concatenate([problem.capacity, problem.supply[src], -problem.supply[snk]])
    cost = np.concatenate([problem.cost, np.zeros(len(src) + len(snk))])
    s_idx = m + np.arange(len(src))
    return matrix, upper, cost, s_idx, np.arange(m + len(src), matrix.shape[1])


def _highs_model(matrix: sp.csc_matrix, lower: np.ndarray, upper: np.ndarray, cost: np.ndarray):
    zeros = np.zeros(matrix.shape[0])
    return highs_lp(matrix, cost, lower, upper, zeros, zeros)


def export_penalty(problem: FlowProblem) -> float:
    """The cost of one unrouted surplus PRB in :func:`highs_model`: more than any path of arcs can cost."""
    return float(np.abs(problem.cost).sum()) + 1.0


def highs_model(problem: FlowProblem, node_names: list[str] | None = None):
    """The model that is solved, as one LP in a :class:`highspy.Highs` object (e.g. to write MPS/LP files).

    The surplus arcs S → i may carry less than the supply; each unrouted PRB costs :func:`export_penalty`, larger
    than any path's cost, so the optimum routes the maximum flow at least cost — the balanced plan when it exists,
    else the cheapest maximum flow, as the engines solve it in stages. With the objective offset ``M · required`` the
    optimum value is ``cost of the flow + M · unmet``: the plan's cost when every surplus is routed. Columns and rows
    are named after the nodes (``x_a_b``, ``s_a``, ``t_b``, ``balance_a``).
    """
    matrix, upper, cost, s_idx, _ = _augmented_lp(problem)
    penalty = export_penalty(problem)
    cost = cost.copy()
    cost[s_idx] = -penalty
    h = _highs_model(matrix, np.zeros(matrix.shape[1]), upper, cost)
    h.changeObjectiveOffset(penalty * problem.required)
    names = [_name(v) for v in (node_names or [f"n{i}" for i in range(problem.n_nodes)])]
    src, snk = np.flatnonzero(problem.supply > 0), np.flatnonzero(problem.supply < 0)
    columns = [f"x_{names[a]}_{names[b]}" for a, b in zip(problem.tail, problem.head, strict=True)]
    columns += [f"s_{names[i]}" for i in src] + [f"t_{names[i]}" for i in snk]
    repeated = {name for name, n in Counter(columns).items() if n > 1}  # parallel arcs share their ends
    for k, name in enumerate(columns):
        h.passColName(k, f"{name}_{k}" if name in repeated else name)
    for i, name in enumerate(names):
        h.passRowName(i, f"balance_{name}")
    return h


def _name(value: object) -> str:
    """A name MPS and LP files accept: letters, digits and underscores."""
    import re

    return re.sub(r"[^A-Za-z0-9_]", "_", str(value)) or "_"


def solve_highs(problem: FlowProblem) -> FlowSolution:
    """Min-cost (maximum) flow with highspy's matrix API.

    One LP when the balance is reachable (S arcs fixed at their capacity); otherwise two more: the maximum
    S–T flow F*, then the cheapest flow routing F*.
    """
    import highspy

    t0 = time.perf_counter()
    matrix, upper, cost, s_idx, _ = _augmented_lp(problem)
    lower = np.zeros(matrix.shape[1])
    lower[s_idx] = upper[s_idx]
    h = _highs_model(matrix, lower, upper, cost)
    build = time.perf_counter() - t0
    h.run()
    status = h.getModelStatus()
    phases = 1
    max_flow = problem.required
    if status == highspy.HighsModelStatus.kInfeasible:
        phases = 3
        n_cols = matrix.shape[1]
        h.changeColsBounds(len(s_idx), s_idx.astype(np.int32), np.zeros(len(s_idx)), upper[s_idx])
        h.changeColsCost(
            n_cols, np.arange(n_cols, dtype=np.int32), np.where(np.isin(np.arange(n_cols), s_idx), -1.0, 0.0)
        )
        h.run()
        _check(h, highspy, "maximum flow")
        max_flow = float(np.asarray(h.getSolution().col_value)[s_idx].sum())
        h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
        slack = 1e-9 * max(1.0, max_flow)  # HiGHS keeps rows within 1e-7 anyway
        h.addRow(max_flow - slack, highspy.kHighsInf, len(s_idx), s_idx.astype(np.int32), np.ones(len(s_idx)))
        h.run()
    _check(h, highspy, "min-cost flow")
    x = np.asarray(h.getSolution().col_value)[: problem.n_arcs]
    facts = SolverFacts(
        name="highs",
        version=highs_version(),
        time_s=time.perf_counter() - t0 - build,
        build_time_s=build,
        gap=0.0,
        extra={"lp_solves": phases, "max_flow": max_flow},
    )
    return _finish(problem, x, facts)


def _check(h, highspy, what: str) -> None:
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS could not solve the {what} LP: {h.modelStatusToString(status)}")


def solve_pyomo(problem: FlowProblem) -> FlowSolution:
    """The declarative reference: eq. 10 with virtual source/sink arcs as a Pyomo model, solved by HiGHS.

    Built from the arc arrays: the node balance of cell i is a ``LinearExpression`` over the precomputed CSR
    rows of the incidence matrix (no search over arcs per node).
    """
    import pyomo.environ as pyo
    from pyomo.contrib.solver.common.factory import SolverFactory
    from pyomo.core.expr.numeric_expr import LinearExpression

    t0 = time.perf_counter()
    matrix, upper, cost, s_idx, _ = _augmented_lp(problem)
    rows = matrix.tocsr()
    n_cols = matrix.shape[1]
    m = pyo.ConcreteModel(name="oslb_min_cost_flow")
    m.ARCS = pyo.RangeSet(0, n_cols - 1)
    m.CELLS = pyo.RangeSet(0, problem.n_nodes - 1)
    m.flow = pyo.Var(m.ARCS, domain=pyo.NonNegativeReals)
    for a in np.flatnonzero(np.isfinite(upper)):
        m.flow[int(a)].setub(float(upper[a]))
    flows = [m.flow[a] for a in range(n_cols)]

    def balance(model, i):
        lo, hi = rows.indptr[i], rows.indptr[i + 1]
        return (
            LinearExpression(
                constant=0.0,
                linear_coefs=rows.data[lo:hi].tolist(),
                linear_vars=[flows[j] for j in rows.indices[lo:hi]],
            )
            == 0.0
        )

    m.balance = pyo.Constraint(m.CELLS, rule=balance)
    m.routed = pyo.Expression(
        expr=LinearExpression(constant=0.0, linear_coefs=[1.0] * len(s_idx), linear_vars=[flows[j] for j in s_idx])
    )
    m.cost = pyo.Objective(
        expr=LinearExpression(constant=0.0, linear_coefs=cost.tolist(), linear_vars=flows), sense=pyo.minimize
    )
    build = time.perf_counter() - t0
    opt = SolverFactory("highs")
    for j in s_idx:  # balanced model: every source sends its whole surplus
        m.flow[int(j)].setlb(float(upper[j]))
    res = opt.solve(m, raise_exception_on_nonoptimal_result=False, load_solutions=False)
    lp_solves = 1
    if str(res.solution_status) != "SolutionStatus.optimal":  # balance out of reach: maximum flow first
        for j in s_idx:
            m.flow[int(j)].setlb(0.0)
        m.cost.deactivate()
        m.max_flow = pyo.Objective(expr=m.routed, sense=pyo.maximize)
        res = opt.solve(m)
        max_flow = pyo.value(m.routed)
        m.max_flow.deactivate()
        m.cost.activate()
        m.keep = pyo.Constraint(expr=m.routed >= max_flow - 1e-9 * max(1.0, max_flow))
        res = opt.solve(m)
        lp_solves = 3
    else:
        res.solution_loader.load_vars()
    x = np.array([pyo.value(m.flow[a]) for a in range(problem.n_arcs)], dtype=float)
    facts = SolverFacts(
        name="pyomo+highs",
        version=".".join(map(str, res.solver_version)) if res.solver_version else None,
        time_s=time.perf_counter() - t0 - build,
        build_time_s=build,
        gap=0.0,
        extra={"lp_solves": lp_solves},
    )
    return _finish(problem, x, facts)


def _as_int(values: np.ndarray, what: str) -> np.ndarray:
    finite = values[np.isfinite(values)]
    if np.any(np.abs(finite - np.round(finite)) > 1e-9):
        raise UnsupportedData(
            f"this min-cost flow engine needs integer {what}; got fractional values — use integral targets "
            "(integral=True) or the 'highs' engine"
        )
    return np.where(np.isfinite(values), np.round(values), 0).astype(np.int64)


def solve_ortools(problem: FlowProblem) -> FlowSolution:
    """OR-Tools' ``SimpleMinCostFlow``: ``solve_max_flow_with_min_cost`` on integer data."""
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        raise SolverNotInstalled("engine 'ortools' needs OR-Tools: pip install 'lbopt[ortools]'") from None
    import ortools

    t0 = time.perf_counter()
    supply = _as_int(problem.supply, "supplies")
    big = int(np.abs(supply).sum()) + 1  # no arc can usefully carry more than all the surplus
    capacity = _as_int(np.where(np.isfinite(problem.capacity), problem.capacity, big), "capacities")
    cost = _as_int(problem.cost, "costs")
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(problem.tail, problem.head, np.minimum(capacity, big), cost)
    smcf.set_nodes_supplies(np.arange(problem.n_nodes), supply)
    build = time.perf_counter() - t0
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise SolverError(f"OR-Tools min-cost flow ended with status {status}")
    x = smcf.flows(np.arange(problem.n_arcs)).astype(float)
    facts = SolverFacts(
        name="ortools",
        version=ortools.__version__,
        time_s=time.perf_counter() - t0 - build,
        build_time_s=build,
        gap=0.0,
        extra={"max_flow": int(smcf.maximum_flow())},
    )
    return _finish(problem, x, facts)


def solve_networkx(problem: FlowProblem) -> FlowSolution:
    """networkx ``max_flow_min_cost`` on the graph with virtual source and sink (reference engine)."""
    import networkx as nx

    t0 = time.perf_counter()
    supply = _as_int(problem.supply, "supplies")
    capacity = np.where(np.isfinite(problem.capacity), problem.capacity, np.inf)
    _as_int(capacity, "capacities")
    g = nx.DiGraph()
    g.add_nodes_from(range(problem.n_nodes))
    src, snk = "S", "T"
    for k, (i, j) in enumerate(zip(problem.tail.tolist(), problem.head.tolist(), strict=True)):
        attrs = {"weight": problem.cost[k].item(), "arc": k}
        if np.isfinite(capacity[k]):
            attrs["capacity"] = int(capacity[k])
        if g.has_edge(i, j):
            raise ValueError("networkx engine: parallel arcs are not supported")
        g.add_edge(i, j, **attrs)
    for i in np.flatnonzero(supply > 0):
        g.add_edge(src, int(i), capacity=int(supply[i]), weight=0)
    for j in np.flatnonzero(supply < 0):
        g.add_edge(int(j), snk, capacity=int(-supply[j]), weight=0)
    g.add_nodes_from([src, snk])
    build = time.perf_counter() - t0
    flow_dict = nx.max_flow_min_cost(g, src, snk)
    x = np.array([flow_dict[i][j] for i, j in zip(problem.tail.tolist(), problem.head.tolist(), strict=True)], float)
    facts = SolverFacts(
        name="networkx", version=nx.__version__, time_s=time.perf_counter() - t0 - build, build_time_s=build, gap=0.0
    )
    return _finish(problem, x, facts)


ENGINES: dict[str, Callable[[FlowProblem], FlowSolution]] = {
    "highs": solve_highs,
    "pyomo": solve_pyomo,
    "ortools": solve_ortools,
    "networkx": solve_networkx,
}


def solve_min_cost_flow(problem: FlowProblem, engine: str = "highs", canonical: bool = True) -> FlowSolution:
    """Solve with the named engine (see the module docstring).

    ``canonical=True`` returns the canonical optimal flow (:func:`canonical_flow`) once the engine has found the
    optimum, so that the flow does not depend on the engine (equally cheap plans differ between engines); the
    engine's optimum certifies its cost. Up to :data:`CANONICAL_MAX_ARCS` arcs; above, the engine's own flow
    (``facts.extra["canonical"]`` says which). ``canonical=False`` returns the engine's own flow (for cross-checks).
    """
    if engine not in ENGINES:
        raise KeyError(f"unknown flow engine '{engine}'; available: {sorted(ENGINES)}")
    if problem.n_arcs == 0 or problem.required == 0:  # nothing can or need move: the zero flow, no solver
        facts = SolverFacts(name=engine, time_s=0.0, gap=0.0, extra={"trivial": True, "canonical": True})
        return _finish(problem, np.zeros(problem.n_arcs), facts)
    solution = ENGINES[engine](problem)
    if not canonical:
        return solution
    if problem.n_arcs > CANONICAL_MAX_ARCS:  # the canonical LP would cost far more than the engine's solve
        solution.facts.extra["canonical"] = False
        solution.facts.extra["canonical_skipped"] = f"more than {CANONICAL_MAX_ARCS} arcs: the engine's own flow"
        return solution
    flow = canonical_flow(problem, solution.routed)
    cheapest = solution.objective
    if float(problem.cost @ flow) > cheapest + 1e-9 * max(
        1.0, abs(cheapest)
    ):  # not among the optima: keep the engine's
        solution.facts.extra["canonical"] = False
        return solution
    solution.facts.extra["canonical"] = True
    return _finish(problem, flow, solution.facts)


#: scale of the tie-breaking costs of :func:`canonical_flow` relative to the largest possible total cost gap
CANONICAL_SCALE = 0.5
#: above this many arcs the canonical LP is not solved (it takes seconds from about 50,000 arcs, where OR-Tools'
#: network simplex takes tenths): the flow is the engine's own, and equally cheap plans may differ between engines
CANONICAL_MAX_ARCS = 20_000


def canonical_flow(problem: FlowProblem, routed: float) -> np.ndarray:
    """The canonical optimal flow: among the cheapest flows that route ``routed`` surplus PRBs, the one that minimises
    the tie-breaking cost ``Σ_a w_a x_a`` with distinct weights ``w_a = (a + 1) / (m + 1)``.

    Solved as one LP (HiGHS) with costs ``c + δ w``, ``δ = CANONICAL_SCALE / (Σ_a w_a · U)`` where ``U`` bounds any
    arc's flow (the surplus moved): for integral data every vertex is integral and a non-optimal one costs at least 1
    more, which ``δ Σ w x < 1`` cannot make up — so the perturbed optimum is a true optimum, and a unique one for
    generic weights. The S arcs' total is fixed at ``routed`` (the maximum flow when the balance is out of reach),
    which keeps the polytope a network polytope (a single super-source of that supply).
    """
    import highspy

    matrix, upper, cost, s_idx, _ = _augmented_lp(problem)
    m = problem.n_arcs
    w = (np.arange(m) + 1.0) / (m + 1.0)
    bound_flow = max(1.0, float(routed))
    delta = CANONICAL_SCALE / (float(w.sum()) * bound_flow)
    perturbed = cost.copy()
    perturbed[:m] += delta * w
    h = _highs_model(matrix, np.zeros(matrix.shape[1]), upper, perturbed)
    h.addRow(float(routed), float(routed), len(s_idx), s_idx.astype(np.int32), np.ones(len(s_idx)))
    h.run()
    _check(h, highspy, "canonical flow")
    return np.asarray(h.getSolution().col_value)[:m]


def chain_closed_form(demand: np.ndarray, target: float) -> np.ndarray:
    """Transfers between consecutive cells of a row (NOTES eq. 9), with ``S_i = Σ_{k ≤ i} P_k``.

    Returns ``y`` of length N − 1 with ``y[i] = S_{i+1} − (i+1)·T`` (0-based): positive means the amount moved
    from cell i to cell i + 1, negative from i + 1 to i; then ``x_{i,i+1} = max(y, 0)``, ``x_{i+1,i} = max(−y, 0)``.
    """
    demand = np.asarray(demand, float)
    k = np.arange(1, len(demand))
    return np.cumsum(demand)[:-1] - k * target
