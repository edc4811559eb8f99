"""Balance targets ``T_i`` of the OSLB flow problem (Jia et al. §4: every cell ends at the mean PRB demand).

``equal-prb`` (the paper)
    ``T_i = P̄``, the mean PRB demand of the cell's connected component.
``equal-utilisation`` (our generalisation to unequal capacities ``C_i``)
    ``T_i = C_i · Σ P / Σ C`` over the component: every cell ends at the same demand/capacity ratio.

Targets are set per connected component of the neighbour graph: traffic cannot cross between components, so
each is balanced on its own (a single isolated cell keeps its demand). With ``integral=True`` the targets are
rounded by the largest-remainder method within each component (floors, then one more PRB to the cells with the
largest fractional parts, ties to the lower index), so ``Σ T = Σ P`` holds exactly and, with integer demands and
capacities, the min-cost flow has an integral optimum.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from lbopt.errors import InvalidParameter, MissingInput

Target = Literal["equal-prb", "equal-utilisation"]


def balance_targets(
    demand: np.ndarray,
    capacity: np.ndarray,
    component: np.ndarray,
    target: Target = "equal-prb",
    integral: bool = False,
) -> np.ndarray:
    """Target PRB demand of every cell (see the module docstring)."""
    demand = np.asarray(demand, float)
    capacity = np.asarray(capacity, float)
    n_comp = int(component.max()) + 1 if len(component) else 0
    total = np.bincount(component, demand, n_comp)
    if target == "equal-prb":
        size = np.bincount(component, minlength=n_comp)
        share = np.ones_like(demand) / size[component]
    elif target == "equal-utilisation":
        cap_total = np.bincount(component, capacity, n_comp)
        if np.any(cap_total[component] <= 0):
            raise MissingInput("equal-utilisation needs a positive capacity in every component")
        share = capacity / cap_total[component]
    else:
        raise InvalidParameter(f"unknown target '{target}'; expected equal-prb or equal-utilisation")
    targets = share * total[component]
    if not integral:
        return targets
    if np.any(np.abs(demand - np.round(demand)) > 1e-9):
        bad = int(np.flatnonzero(np.abs(demand - np.round(demand)) > 1e-9)[0])
        raise InvalidParameter(f"integral targets need integer PRB demands (cell {bad} has {demand[bad]:g})")
    return largest_remainder(targets, component, np.round(total).astype(np.int64))


def largest_remainder(values: np.ndarray, component: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Integers ``floor(v) + {0, 1}`` summing to ``totals[c]`` within each component ``c``."""
    floors = np.floor(values + 1e-9)
    frac = values - floors
    missing = totals - np.bincount(component, floors, len(totals)).round().astype(np.int64)
    order = np.lexsort((np.arange(len(values)), -frac, component))  # by component, largest remainder first
    comp_sorted = component[order]
    first = np.searchsorted(comp_sorted, comp_sorted, side="left")
    rank = np.arange(len(values)) - first
    bump = np.zeros(len(values))
    bump[order] = (rank < missing[comp_sorted]).astype(float)
    return floors + bump
