"""The method registry: name → implementation, what it needs, and one `solve` verb for all of them.

Implementations are imported on first use (a registry instead of if-chains, as cvxpy's ``CANON_METHODS``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from lbopt.instance.model import Instance
from lbopt.result import Result


@dataclass(frozen=True)
class MethodSpec:
    name: str
    target: str  # "module:function"
    needs: tuple[str, ...]
    summary: str

    def load(self) -> Callable[..., Result]:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)


#: What a method can need from an instance, and how to tell whether the instance has it.
REQUIREMENTS: dict[str, tuple[str, Callable[[Instance], bool]]] = {
    "users": ("a users table", lambda i: i.users is not None and len(i.users) > 0),
    "geometry": ("cell positions (cells.x_m, cells.y_m)", lambda i: i.has_geometry),
    "serving": ("users.serving (the current association)", lambda i: i.users is not None and "serving" in i.users),
    "oslb-input": (
        "cells.prb_demand (cell level) or users with cell positions (user level)",
        lambda i: "prb_demand" in i.cells or (i.users is not None and len(i.users) > 0 and i.has_geometry),
    ),
    "vgala-input": (
        "locations and rates tables",
        lambda i: i.locations is not None and i.rates is not None and len(i.rates) > 0,
    ),
    "energy": (
        "cells.static_power_w, load_power_w, green_power_w",
        lambda i: {"static_power_w", "load_power_w", "green_power_w"} <= set(i.cells.columns),
    ),
    "mr-input": (
        "MR records (table 'mr') and cells.cpich_power_dbm",
        lambda i: i.mr is not None and len(i.mr) > 0 and "cpich_power_dbm" in i.cells,
    ),
    "cell-loads": (
        "users with serving cells, or cells.prb_demand",
        lambda i: (i.users is not None and "serving" in i.users and i.has_geometry) or "prb_demand" in i.cells,
    ),
}

METHODS: dict[str, MethodSpec] = {
    spec.name: spec
    for spec in [
        MethodSpec(
            "none", "lbopt.methods.baselines:run_none", ("cell-loads",), "no balancing: the current association"
        ),
        MethodSpec(
            "oslb",
            "lbopt.oslb.method:run_oslb",
            ("oslb-input",),
            "OSLB: min-cost flow plan of PRB handovers (Jia et al. 2014, eq. 10)",
        ),
        MethodSpec(
            "chain",
            "lbopt.oslb.method:run_chain",
            ("oslb-input",),
            "Case 3 of Jia et al.: cells numbered along a path, row formula (feasible, not optimal)",
        ),
        MethodSpec(
            "mlb",
            "lbopt.oslb.mlb:run_mlb",
            ("users", "geometry"),
            "MLB baseline: load-based CIO stepping (Kwan et al. in spirit; the rule is stated in the result)",
        ),
        MethodSpec(
            "vgala",
            "lbopt.vgala.method:run_vgala",
            ("vgala-input", "energy"),
            "vGALA iteration (Han & Ansari §IV), certified by its Frank-Wolfe gap",
        ),
        MethodSpec(
            "vgala-opt",
            "lbopt.vgala.method:run_vgala_opt",
            ("vgala-input", "energy"),
            "vGALA objective psi to a certified optimum (gap <= 1e-6)",
        ),
        MethodSpec("la", "lbopt.vgala.method:run_la", ("vgala-input",), "latency-aware association (kappa = 0)"),
        MethodSpec(
            "ga",
            "lbopt.vgala.method:run_ga",
            ("vgala-input", "energy"),
            "green-energy-aware: least on-grid power, then least latency",
        ),
        MethodSpec(
            "uag",
            "lbopt.vgala.method:run_uag",
            ("vgala-input",),
            "user association with a named performance function f(rho)",
        ),
        MethodSpec(
            "max-rate", "lbopt.vgala.method:run_max_rate", ("vgala-input",), "every location on its fastest cell"
        ),
        MethodSpec(
            "cre-la",
            "lbopt.vgala.cre:run_cre_la",
            ("vgala-input",),
            "CRE: small-cell rate bias searched for the least latency indicator",
        ),
        MethodSpec(
            "cre-ga",
            "lbopt.vgala.cre:run_cre_ga",
            ("vgala-input", "energy"),
            "CRE: small-cell rate bias searched for the least on-grid power",
        ),
        MethodSpec(
            "cre-lg",
            "lbopt.vgala.cre:run_cre_lg",
            ("vgala-input", "energy"),
            "CRE: small-cell rate bias searched for the least psi",
        ),
        *(
            MethodSpec(f"zou-{alg}", f"lbopt.stability.method:run_{alg}", ("users", "geometry"), summary)
            for alg, summary in (
                ("alg1", "Zou et al. Algorithm 1: users ranked by |rho_ui - rho_uj|, receiver budgets, CIO LP"),
                ("alg2", "Zou et al. Algorithm 2: users ranked by their load in the current cell"),
                ("alg3", "Zou et al. Algorithm 3: users ranked by their load in the target cell"),
                ("greedy", "greedy CIO scheme of Zou et al. Fig. 5: offsets follow load differences"),
            )
        ),
        MethodSpec(
            "bdba",
            "lbopt.breathing.method:run_bdba",
            ("mr-input",),
            "Breathing BDBA: pilot powers by the minimum-norm solution of J dp = b* - b (MR Jacobian)",
        ),
        MethodSpec(
            "bfdba",
            "lbopt.breathing.method:run_bfdba",
            ("mr-input",),
            "Breathing BFDBA: the diagonal (Jacobi) variant with the constant gamma",
        ),
        MethodSpec(
            "power-lp",
            "lbopt.breathing.method:run_power_lp",
            ("mr-input",),
            "pilot powers as an LP: least |dp|_1 with J dp = b* - b within [p_min(t), p_max] (HiGHS)",
        ),
        MethodSpec(
            "max-rsrp",
            "lbopt.methods.baselines:run_max_rsrp",
            ("users", "geometry"),
            "every user on the cell of strongest RSRP + bias (cells.bias_db)",
        ),
    ]
}


def missing_requirements(instance: Instance, method: str) -> list[str]:
    """Human-readable list of what ``instance`` lacks for ``method`` (empty: it can run)."""
    return [REQUIREMENTS[n][0] for n in METHODS[method].needs if not REQUIREMENTS[n][1](instance)]


def solve(instance: Instance, method: str, **params) -> Result:
    """Run ``method`` on ``instance``; ``params`` override the instance's ``methods`` settings."""
    if method not in METHODS:
        from lbopt.instance.errors import did_you_mean

        raise KeyError(f"unknown method '{method}'{did_you_mean(method, METHODS)}; available: {sorted(METHODS)}")
    missing = missing_requirements(instance, method)
    if missing:
        raise ValueError(f"method '{method}' cannot run on instance '{instance.name}': it needs {', '.join(missing)}")
    func = METHODS[method].load()
    import inspect

    accepted = inspect.signature(func).parameters
    unknown = [k for k in params if k not in accepted]
    if unknown:
        raise ValueError(f"method '{method}' does not take {', '.join('--' + k for k in unknown)}")
    return func(instance, **params)
