"""The paper's Case 3 baseline (Jia et al. §4.2, Fig. 6): number the cells along a path, apply the row formula.

Cells are numbered by a depth-first walk of the neighbour graph (per connected component, from its first cell);
the chain closed form (NOTES eq. 9) gives the transfer between consecutive numbers, ``y_k = S_k − k·P̄``; a
transfer between consecutive cells that are not neighbours travels along a shortest path of the graph. The plan
balances every component exactly but ignores link capacities and is not optimal in handover volume — which is
what the comparison with the certified optimum shows.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from formulations.min_cost_flow import chain_closed_form
from lbopt.oslb.targets import Target, balance_targets


def chain_plan(
    demand: np.ndarray,
    capacity: np.ndarray,
    ga: np.ndarray,
    gb: np.ndarray,
    target: Target = "equal-prb",
) -> np.ndarray:
    """Net planned PRBs ``a → b`` for every neighbour pair (negative: ``b → a``)."""
    n = len(demand)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    pair_index = {}
    for k, (a, b) in enumerate(zip(ga.tolist(), gb.tolist(), strict=True)):
        graph.add_edge(a, b)
        pair_index[(a, b)] = (k, 1.0)
        pair_index[(b, a)] = (k, -1.0)
    net = np.zeros(len(ga))
    for comp in nx.connected_components(graph):
        comp = sorted(comp)
        if len(comp) < 2:
            continue
        order = list(nx.dfs_preorder_nodes(graph, source=comp[0]))
        local = np.asarray(order)
        targets = balance_targets(demand[local], capacity[local], np.zeros(len(local), int), target)
        if target == "equal-prb":
            y = chain_closed_form(demand[local], targets[0])
        else:  # unequal targets: the row formula generalises to S_k − Σ_{m ≤ k} T_m
            y = np.cumsum(demand[local] - targets)[:-1]
        for k, amount in enumerate(y):
            if abs(amount) < 1e-12:
                continue
            path = nx.shortest_path(graph, order[k], order[k + 1])
            for u, v in itertools.pairwise(path):
                idx, sign = pair_index[(u, v)]
                net[idx] += sign * amount
    return net
