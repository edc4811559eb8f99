"""lbopt: load balancing in cellular networks — certified optima, the papers' algorithms, stability, reports.

Importing lbopt is cheap: subpackages are imported on first use, and solver packages (Pyomo, cvxpy, highspy,
OR-Tools) only inside the functions that need them.
"""

from __future__ import annotations

import importlib
from typing import Any

from lbopt._version import __version__

_LAZY = {
    "Instance": "lbopt.instance",
    "LbOptError": "lbopt.errors",
    "InstanceError": "lbopt.errors",
    "InvalidParameter": "lbopt.errors",
    "MissingInput": "lbopt.errors",
    "UnknownMethod": "lbopt.errors",
    "SolverUnavailable": "lbopt.errors",
    "SolverFailure": "lbopt.errors",
    "load_instance": "lbopt.instance",
    "save_instance": "lbopt.instance",
    "Result": "lbopt.result",
    "Status": "lbopt.result",
    "solve": "lbopt.methods",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lbopt' has no attribute {name!r}")
