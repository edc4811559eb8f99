"""OSLB (Jia et al. 2014): load balancing as a min-cost flow between cells, and its handover procedure."""

from lbopt.oslb.cell_level import CellPlan, flow_problem, plan_cell_level
from lbopt.oslb.targets import balance_targets, largest_remainder

__all__ = ["CellPlan", "balance_targets", "flow_problem", "largest_remainder", "plan_cell_level"]
