"""The method registry: every method and family described once (:mod:`lbopt.methods.spec`), and one ``solve``.

Implementations are imported on first use (a registry instead of if-chains, as cvxpy's ``CANON_METHODS``). A new
method is its module plus a :class:`MethodSpec` given to :func:`register`: ``solve``, ``compare``, the report, the
command-line flags and ``lbopt methods`` follow from the spec.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from formulations.errors import SolverError, SolverNotInstalled, UnsupportedData
from formulations.status import Status
from lbopt.breathing.params import BreathingMethodParams
from lbopt.errors import InvalidParameter, MissingInput, SolverUnavailable, UnknownMethod
from lbopt.instance.errors import did_you_mean
from lbopt.methods.spec import Family, MethodSpec, ParamInfo, load_target, param_info
from lbopt.optimum.params import CioOptParams, UaOptParams
from lbopt.oslb.params import ChainMethodParams, MlbParams, OslbMethodParams
from lbopt.provenance import provenance
from lbopt.radio.measured import is_measured, measured_users
from lbopt.stability.params import GreedyParams, ZouAlgorithmParams
from lbopt.vgala.params import (
    AssociationParams,
    LaParams,
    UagParams,
    VgalaIterationParams,
    VgalaOptParams,
    VgalaParams,
)

if TYPE_CHECKING:
    from lbopt.instance.model import Instance
    from lbopt.result import Result

__all__ = [
    "FAMILIES",
    "METHODS",
    "REQUIREMENTS",
    "Family",
    "MethodSpec",
    "ParamInfo",
    "all_params",
    "get_method",
    "missing_requirements",
    "param_info",
    "register",
    "solve",
    "user_level_view",
]

_log = logging.getLogger(__name__)

#: What a method can need from an instance, and how to tell whether the instance has it.
REQUIREMENTS: dict[str, tuple[str, Callable[[Instance], bool]]] = {
    "users": ("a users table", lambda i: i.users is not None and len(i.users) > 0),
    "user-radio": (
        "users with cell positions, or measurement reports (table 'mr') as the users",
        lambda i: (
            (i.users is not None and len(i.users) > 0 and (i.has_geometry or is_measured(i)))
            or (i.users is None and i.mr is not None and len(i.mr) > 0)
        ),
    ),
    "geometry": ("cell positions (cells.x_m, cells.y_m)", lambda i: i.has_geometry),
    "serving": ("users.serving (the current association)", lambda i: i.users is not None and "serving" in i.users),
    "oslb-input": (
        "cells.prb_demand (cell level), users with cell positions or measurement reports (user level)",
        lambda i: "prb_demand" in i.cells or REQUIREMENTS["user-radio"][1](i),
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
        "users with serving cells, measurement reports, or cells.prb_demand",
        lambda i: (
            (i.users is not None and "serving" in i.users and REQUIREMENTS["user-radio"][1](i))
            or (i.users is None and i.mr is not None and len(i.mr) > 0)
            or "prb_demand" in i.cells
        ),
    ),
}


def _loads_family(name: str, summary: str, report: str) -> Family:
    """A family of the loads comparison: user-level (or cell-level) loads, one evaluator, one comparison table."""
    return Family(
        name,
        summary,
        comparison="loads",
        compare_table="lbopt.oslb.comparison:loads_table",
        report=report,
        compare_report="lbopt.reporting.figures.loads:comparison_sections",
        evaluate="lbopt.evaluate:evaluate_result",
    )


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in [
        _loads_family(
            "cell-load",
            "PRB transfers between cells planned as a flow (OSLB, its chain baseline) or stepped by offsets (MLB)",
            "lbopt.reporting.figures.loads:method_sections",
        ),
        _loads_family(
            "handover",
            "handover schemes simulated step by step (Zou et al. Algorithms 1-3, the greedy CIO scheme)",
            "lbopt.reporting.figures.handover:method_sections",
        ),
        _loads_family(
            "optimum",
            "certified optima of the realised loads: any reachable association (ua-opt), offsets alone (cio-opt)",
            "lbopt.reporting.figures.optimum:method_sections",
        ),
        _loads_family(
            "baseline",
            "reference associations: no balancing, strongest RSRP",
            "lbopt.reporting.figures.loads:method_sections",
        ),
        Family(
            "association",
            "flow-level user association over a location grid (vGALA, LA, GA, UAG, max-rate, CRE)",
            comparison="association",
            compare_table="lbopt.vgala.comparison:association_table",
            report="lbopt.reporting.figures.association:method_sections",
            compare_report="lbopt.reporting.figures.association:comparison_sections",
            evaluate="lbopt.vgala.evaluate:evaluate_association",
        ),
        Family(
            "pilot-power",
            "pilot (CPICH) powers from measurement reports (BDBA, BFDBA, the pilot-power LP)",
            comparison="pilot-power",
            compare_table="lbopt.breathing.comparison:pilot_power_table",
            report="lbopt.reporting.figures.pilot_power:method_sections",
            compare_report="lbopt.reporting.figures.pilot_power:comparison_sections",
            evaluate="lbopt.breathing.evaluate:evaluate_powers",
        ),
    ]
}

_ZOU = {
    "alg1": "Zou et al. Algorithm 1: users ranked by |rho_ui - rho_uj|, receiver budgets, CIO LP",
    "alg2": "Zou et al. Algorithm 2: users ranked by their load in the current cell",
    "alg3": "Zou et al. Algorithm 3: users ranked by their load in the target cell",
    "greedy": "greedy CIO scheme of Zou et al. Fig. 5: offsets follow load differences",
}
_BREATHING = {
    "bdba": "Breathing BDBA: pilot powers by the (Tikhonov-regularised) minimum-norm solution of J dp = b* - b",
    "bfdba": "Breathing BFDBA: the diagonal (Jacobi) variant with the constant gamma",
    "power-lp": "pilot powers as an LP: least |dp|_1 with J dp = b* - b within [p_min(t), p_max] (HiGHS)",
}
_ASSOC = ("vgala-input",)
_ENERGY = ("vgala-input", "energy")

METHODS: dict[str, MethodSpec] = {
    spec.name: spec
    for spec in [
        MethodSpec(
            "none",
            "lbopt.methods.baselines:run_none",
            "baseline",
            "no balancing: the current association",
            needs=("cell-loads",),
            progress="users",
        ),
        MethodSpec(
            "max-rsrp",
            "lbopt.methods.baselines:run_max_rsrp",
            "baseline",
            "every user on the cell of strongest RSRP + bias (cells.bias_db)",
            needs=("user-radio",),
            progress="users",
        ),
        MethodSpec(
            "ua-opt",
            "lbopt.optimum.ua:run_ua_opt",
            "optimum",
            "every user on one reachable cell with the PRBs it needs there: the largest load to a certified optimum "
            "(MILP, HiGHS), then the fewest handovers",
            UaOptParams,
            needs=("user-radio",),
            progress="users",
            reference=True,
        ),
        MethodSpec(
            "cio-opt",
            "lbopt.optimum.offsets:run_cio_opt",
            "optimum",
            "pair offsets and the A3 association they give: the best largest load offsets alone reach, certified "
            "(MILP; instances of a few hundred users)",
            CioOptParams,
            needs=("user-radio",),
            progress="users",
            reference=True,
        ),
        MethodSpec(
            "oslb",
            "lbopt.oslb.method:run_oslb",
            "cell-load",
            "OSLB: min-cost flow plan of PRB handovers (Jia et al. 2014, eq. 10)",
            OslbMethodParams,
            "oslb",
            ("oslb-input",),
        ),
        MethodSpec(
            "chain",
            "lbopt.oslb.method:run_chain",
            "cell-load",
            "Case 3 of Jia et al.: cells numbered along a path, row formula (feasible, not optimal)",
            ChainMethodParams,
            "oslb",
            ("oslb-input",),
        ),
        MethodSpec(
            "mlb",
            "lbopt.oslb.mlb:run_mlb",
            "cell-load",
            "MLB baseline: load-based CIO stepping (Kwan et al. in spirit; the rule is stated in the result)",
            MlbParams,
            "mlb",
            ("user-radio",),
        ),
        MethodSpec(
            "vgala",
            "lbopt.vgala.method:run_vgala",
            "association",
            "vGALA iteration (Han & Ansari §IV), certified by its Frank-Wolfe gap",
            VgalaIterationParams,
            "vgala",
            _ENERGY,
        ),
        MethodSpec(
            "vgala-opt",
            "lbopt.vgala.method:run_vgala_opt",
            "association",
            "vGALA objective psi to a certified optimum (gap <= 1e-6)",
            VgalaOptParams,
            "vgala",
            _ENERGY,
        ),
        MethodSpec(
            "la",
            "lbopt.vgala.method:run_la",
            "association",
            "latency-aware association (kappa = 0)",
            LaParams,
            "vgala",
            _ASSOC,
        ),
        MethodSpec(
            "ga",
            "lbopt.vgala.method:run_ga",
            "association",
            "green-energy-aware as the paper defines it: least on-grid power (ties as the solver leaves them)",
            AssociationParams,
            "vgala",
            _ENERGY,
        ),
        MethodSpec(
            "ga-least-latency",
            "lbopt.vgala.method:run_ga_least_latency",
            "association",
            "least on-grid power, then least latency among the power-optimal associations (ours)",
            AssociationParams,
            "vgala",
            _ENERGY,
        ),
        MethodSpec(
            "uag",
            "lbopt.vgala.method:run_uag",
            "association",
            "user association with a named performance function f(rho)",
            UagParams,
            "vgala",
            _ASSOC,
        ),
        MethodSpec(
            "max-rate",
            "lbopt.vgala.method:run_max_rate",
            "association",
            "every location on its fastest cell",
            AssociationParams,
            "vgala",
            _ASSOC,
        ),
        *(
            MethodSpec(f"cre-{c}", f"lbopt.vgala.cre:run_cre_{c}", "association", summary, VgalaParams, "vgala", needs)
            for c, summary, needs in (
                ("la", "CRE: small-cell rate bias searched for the least latency indicator", _ASSOC),
                ("ga", "CRE: small-cell rate bias searched for the least on-grid power", _ENERGY),
                ("lg", "CRE: small-cell rate bias searched for the least psi", _ENERGY),
            )
        ),
        *(
            MethodSpec(
                f"zou-{a}",
                f"lbopt.stability.method:run_{a}",
                "handover",
                s,
                GreedyParams if a == "greedy" else ZouAlgorithmParams,
                "zou",
                ("user-radio",),
            )
            for a, s in _ZOU.items()
        ),
        *(
            MethodSpec(
                name,
                f"lbopt.breathing.method:run_{name.replace('-', '_')}",
                "pilot-power",
                summary,
                BreathingMethodParams,
                "breathing",
                ("mr-input",),
            )
            for name, summary in _BREATHING.items()
        ),
    ]
}


def register(spec: MethodSpec, family: Family | None = None) -> None:
    """Add a method (and its family, if new) to the registry; ``solve``, ``compare``, the report and the CLI
    flags pick it up with no other edit."""
    if family is not None:
        FAMILIES[family.name] = family
    if spec.family not in FAMILIES:
        raise InvalidParameter(f"method '{spec.name}': unknown family '{spec.family}'; register the family too")
    METHODS[spec.name] = spec


def get_method(name: str) -> MethodSpec:
    """The spec of ``name``; :class:`UnknownMethod` with a suggestion otherwise."""
    if name not in METHODS:
        raise UnknownMethod(f"unknown method '{name}'{did_you_mean(name, METHODS)}; available: {', '.join(METHODS)}")
    return METHODS[name]


def all_params() -> dict[str, tuple[ParamInfo, list[str]]]:
    """Every parameter name of every method, with the methods that take it (for the command-line flags).

    A name means one thing across methods (tested); only ``engine`` has each method's own choices, merged here.
    """
    out: dict[str, tuple[ParamInfo, list[str]]] = {}
    for spec in METHODS.values():
        for p in param_info(spec.params):
            first, names = out.setdefault(p.name, (p, []))
            names.append(spec.name)
            if p.choices != first.choices:
                merged = tuple(dict.fromkeys((*first.choices, *p.choices)))
                out[p.name] = (replace(first, choices=merged, range=" | ".join(merged)), names)
    return out


def missing_requirements(instance: Instance, method: str) -> list[str]:
    """Human-readable list of what ``instance`` lacks for ``method`` (empty: it can run)."""
    return [REQUIREMENTS[n][0] for n in get_method(method).needs if not REQUIREMENTS[n][1](instance)]


def resolve_params(instance: Instance, method: str, **given: Any):
    """The validated parameter model of ``method``: the instance's ``methods`` section overridden by ``given``."""
    spec = get_method(method)
    section = getattr(instance.methods, spec.section).model_dump() if spec.section else {}
    return spec.resolve(section, {k: v for k, v in given.items() if v is not None})


def _solver_error(instance: Instance, method: str, exc: SolverError) -> Result:
    """A solver failure as a result: status ``error``, the stage and the solver's words."""
    import pandas as pd

    from lbopt.result import Result, SolverFacts

    stage = exc.stage or "solve"
    _log.warning("%s on %s: %s failed: %s", method, instance.name, stage, exc)
    return Result(
        instance=instance.name,
        method=method,
        status=Status.ERROR,
        solver=SolverFacts(name=method, termination="solver-error", extra={"stage": stage, "solver_message": str(exc)}),
        cells=pd.DataFrame({"id": instance.cells["id"].to_numpy(object)}),
        extra={"message": f"the solver failed in the {stage}: {exc}"},
    )


def user_level_view(instance: Instance, method: str) -> Instance:
    """The instance a loads-comparison method sees: with MR records as its users when it has measurement reports
    and no users table (:func:`lbopt.radio.measured.measured_users`); otherwise unchanged."""
    if FAMILIES[get_method(method).family].comparison != "loads" or "prb_demand" in instance.cells:
        return instance
    return measured_users(instance)


def solve(
    instance: Instance,
    method: str,
    progress: Callable[[int], None] | None = None,
    evaluation_level: str | None = None,
    others: dict[str, Result] | None = None,
    **params: Any,
) -> Result:
    """Run ``method`` on ``instance``; ``params`` override the instance's ``methods`` settings.

    ``evaluation_level`` (``cell`` or ``group``) is the level of the ``evaluation`` section where the family has a
    choice (the loads comparison; the default: group when picocells have parents, else cell). A reference method
    (``ua-opt``) optimises at that level and is given ``others``, the results of the methods compared with it.

    A solver that fails returns a result with status ``error``, the stage and the solver's words
    (:meth:`Result.raise_for_status` turns it into :class:`lbopt.errors.SolverFailure`).

    Raises
    ------
    UnknownMethod, MissingInput, InvalidParameter, SolverUnavailable
        (all :class:`lbopt.LbOptError`) for what the user can fix.
    """
    spec = get_method(method)
    instance = user_level_view(instance, method)
    missing = missing_requirements(instance, method)
    if missing:
        raise MissingInput(f"method '{method}' cannot run on instance '{instance.name}': it needs {', '.join(missing)}")
    if evaluation_level not in (None, "cell", "group"):
        raise InvalidParameter(f"--evaluation-level: expected cell or group, got '{evaluation_level}'")
    resolved = resolve_params(instance, method, **params)
    func = spec.load()
    context = {"level": evaluation_level, "others": others} if spec.reference else {}
    t0 = time.perf_counter()
    try:
        result = func(instance, progress=progress, **resolved.model_dump(), **context)
    except SolverNotInstalled as exc:
        raise SolverUnavailable(f"method '{method}': {exc}") from exc
    except UnsupportedData as exc:
        raise InvalidParameter(f"method '{method}': {exc}") from exc
    except SolverError as exc:
        result = _solver_error(instance, method, exc)
    wall = time.perf_counter() - t0
    result.family = spec.family
    result.parameters = resolved.model_dump()
    family = FAMILIES[spec.family]
    if family.evaluate and result.status != Status.ERROR:
        result.evaluation = load_target(family.evaluate)(instance, result, evaluation_level)
    # time_s: the wall time of the whole method; the solver's own time, when it reports one, beside it
    result.solver.solver_time_s, result.solver.time_s = result.solver.time_s, wall
    result.provenance = provenance(instance.seed, result.solver.name, result.parameters.get("engine"), instance)
    result.instance_summary = instance.summary()
    return result
