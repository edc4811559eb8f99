"""lbopt: load balancing in cellular networks — certified optima, the papers' algorithms, stability, reports.

The Python API (:mod:`lbopt.api`) does what the command line does: ``load_instance``, ``solve``, ``compare``,
``validate``, ``report``, ``read_result``, ``list_methods``, ``check_instance``; scenario generators in
:mod:`lbopt.generate`, figures in :mod:`lbopt.plot`, the meaning of every number in :mod:`lbopt.glossary`.

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
    "solve": "lbopt.api",
    "compare": "lbopt.api",
    "Comparison": "lbopt.api",
    "validate": "lbopt.api",
    "report": "lbopt.api",
    "read_result": "lbopt.api",
    "list_methods": "lbopt.api",
    "check_instance": "lbopt.api",
}
#: submodules reached as attributes: ``lbopt.generate.hetnet(...)``, ``lbopt.plot.loads(r)``, ``lbopt.glossary``
_MODULES = ("generate", "glossary", "plot")

__all__ = ["__version__", *_LAZY, *_MODULES]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _MODULES:
        return importlib.import_module(f"lbopt.{name}")
    raise AttributeError(f"module 'lbopt' has no attribute {name!r}")


def __dir__() -> list[str]:
    """What a notebook's tab completion offers: the public API."""
    return sorted(__all__)
