"""OSLB's flow plan at cell level: PRB demands and link capacities in, the optimal handover volumes out.

Inputs (Jia et al. §4–5): per cell the PRBs its traffic needs ``P_i`` (``cells.prb_demand``) and what it can
serve ``C_i`` (``prb_capacity``, else ``n_prb``); per neighbour pair the PRBs transferable each way
(``links.capacity_ab`` / ``capacity_ba``) and the cost per PRB (``links.cost``, 1 by default). A link table
without capacities uses reading (a) of NOTES §1.4, ``c_ij = β · P_i``.

The plan is the min-cost flow of :mod:`formulations.min_cost_flow` with supplies ``P_i − T_i`` (targets from
:mod:`lbopt.oslb.targets`). When the balanced state is out of reach the min-cost *maximum* flow is returned with
``status = partial`` and the unmet surplus per cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formulations.min_cost_flow import FlowProblem, FlowSolution, solve_min_cost_flow
from lbopt.errors import MissingInput
from lbopt.graph import components, neighbour_pairs
from lbopt.instance.model import Instance
from lbopt.oslb.targets import Target, balance_targets


@dataclass
class CellPlan:
    """A solved flow plan with the arrays it was built from (cell positions index every array)."""

    demand: np.ndarray
    capacity: np.ndarray
    target: np.ndarray
    component: np.ndarray
    problem: FlowProblem
    solution: FlowSolution

    def demand_after(self) -> np.ndarray:
        """PRB demand after the planned transfers: ``P_i − out_i + in_i`` (a conservative transfer)."""
        p, x = self.problem, self.solution.flow
        n = p.n_nodes
        return self.demand - np.bincount(p.tail, x, n) + np.bincount(p.head, x, n)


def flow_problem(
    demand: np.ndarray,
    capacity: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    capacity_ab: np.ndarray,
    capacity_ba: np.ndarray,
    cost: np.ndarray,
    target: Target = "equal-prb",
    integral: bool = False,
) -> tuple[FlowProblem, np.ndarray, np.ndarray]:
    """The flow problem of eq. 10 from per-cell and per-link arrays; also returns targets and components."""
    n = len(demand)
    comp = components(n, a, b)
    targets = balance_targets(demand, capacity, comp, target, integral)
    supply = demand - targets
    if integral:
        supply = np.round(supply)
        capacity_ab, capacity_ba = np.floor(capacity_ab + 1e-9), np.floor(capacity_ba + 1e-9)
    problem = FlowProblem(
        n_nodes=n,
        tail=np.concatenate([a, b]).astype(np.int64),
        head=np.concatenate([b, a]).astype(np.int64),
        capacity=np.concatenate([capacity_ab, capacity_ba]).astype(float),
        cost=np.concatenate([cost, cost]).astype(float),
        supply=supply,
    )
    return problem, targets, comp


def choose_engine(engine: str, problem: FlowProblem) -> str:
    """``auto``: HiGHS (the matrix API), for integer and fractional data alike.

    The choice depends on the problem, never on which optional solvers are installed: equally cheap plans differ
    between engines, and a result must not change because OR-Tools happens to be there. The other engines run when
    asked for by name.
    """
    return "highs" if engine == "auto" else engine


def plan_cell_level(
    instance: Instance,
    demand: np.ndarray | None = None,
    target: Target | None = None,
    beta: float | None = None,
    integral: bool = False,
    engine: str = "auto",
    link_capacity: tuple[np.ndarray, np.ndarray] | None = None,
) -> CellPlan:
    """Solve the cell-level flow plan of ``instance``.

    Parameters
    ----------
    demand : PRB demand per cell; ``cells.prb_demand`` when ``None``.
    target, beta : override ``methods.oslb``.
    integral : integral targets (largest remainder) and floored capacities, so the optimal flow is integral.
    engine : ``auto``, ``highs``, ``pyomo``, ``ortools`` or ``networkx``.
    link_capacity : capacities (a → b, b → a) per neighbour pair, overriding the links table.
    """
    params = instance.methods.oslb
    target = target or params.target
    beta = params.beta if beta is None else beta
    if demand is None:
        if "prb_demand" not in instance.cells:
            raise MissingInput("cell-level OSLB needs cells.prb_demand (or users with a radio model)")
        demand = instance.cells["prb_demand"].to_numpy(float)
    capacity = instance.prb_capacity()
    a, b, links = neighbour_pairs(instance)
    if link_capacity is not None:
        cap_ab, cap_ba = link_capacity
    elif links is not None and "capacity_ab" in links and "capacity_ba" in links:
        cap_ab, cap_ba = links["capacity_ab"].to_numpy(float), links["capacity_ba"].to_numpy(float)
    else:  # reading (a) of NOTES §1.4
        cap_ab, cap_ba = beta * demand[a], beta * demand[b]
        if links is not None:
            if "capacity_ab" in links:
                cap_ab = links["capacity_ab"].to_numpy(float)
            if "capacity_ba" in links:
                cap_ba = links["capacity_ba"].to_numpy(float)
    cost = links["cost"].to_numpy(float) if links is not None and "cost" in links else np.ones(len(a))
    problem, targets, comp = flow_problem(demand, capacity, a, b, cap_ab, cap_ba, cost, target, integral)
    solution = solve_min_cost_flow(problem, choose_engine(engine, problem))
    return CellPlan(demand, capacity, targets, comp, problem, solution)
