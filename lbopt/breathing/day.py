"""One Breathing step per period, and the day simulation (Sect. 7 of the paper).

A step on one period's MR data (Steps 1–4 of BDBA): busy-degrees under the current powers; the Jacobian by ±δ
re-ranking; targets; ``Δp`` by the chosen method; the coverage-feasible minimum ``p_min(t)`` by the greedy
procedure; eq. 18. Methods:

* ``current``: no change (the paper's "current network");
* ``bdba``: minimum-norm solution of ``J Δp = Δb`` (pseudo-inverse / LSMR);
* ``bfdba``: the diagonal variant with γ;
* ``power-lp``: the LP of :mod:`formulations.pilot_lp` (least ``‖Δp‖₁`` with ``J Δp = Δb`` within
  ``[p_min(t), p_max]``, else least ``‖J Δp − Δb‖₁ + λ‖Δp‖₁``) — the optimal counterpart of the linearised step.

Smoothing α applies to every method alike. The day simulation runs period by period: measure the period under the
current powers, compute the new powers from it, apply them to the next period's records (re-associating them).
Per period it records the standard deviation of the busy-degrees (``sqrt(mean((b − b̄)²))``), the share of
over-busy antennas (``b ≥ threshold``), the coverage rate, ``‖Δp‖₁`` and the running time of the method (busy-degree,
Jacobian and ``Δp``; the minimum-power procedure, common to all methods, is timed apart).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field

from formulations.pilot_lp import solve_pilot_lp
from lbopt.breathing.algorithms import apply_step, bdba_step, bfdba_step, component_targets, targets
from lbopt.breathing.coverage import (
    MinimumPower,
    coverage_rate,
    minimum_power,
    neighbour_graph,
    neighbourhood_coverage,
)
from lbopt.breathing.jacobian import estimate_jacobian, jacobian_diagonal
from lbopt.breathing.mr import MrData, associate, busy_degree
from lbopt.instance.schema import BreathingParams


class BreathingSetting(BreathingParams):
    """Constants of one run: ``methods.breathing`` (all ours: the paper's values are lost, NOTES §2.10; see
    :class:`lbopt.instance.schema.BreathingParams`) plus the method and the sampling seed."""

    model_config = ConfigDict(frozen=True)

    method: Literal["current", "bdba", "bfdba", "power-lp"] = "bdba"
    seed: int = Field(default=0, ge=0)


@dataclass
class Antennas:
    """Per-antenna data: capacity R_i (PRBs), M_max, and the power bounds."""

    capacity: np.ndarray
    max_users: np.ndarray
    p_low: np.ndarray
    p_high: np.ndarray


@dataclass
class StepResult:
    """One pilot-power step of a period: powers after, the method's Δp before smoothing, busy-degrees, targets and
    the minimum power.
    """

    power_after: np.ndarray
    delta_p: np.ndarray  # the method's Δp before smoothing and clipping
    busy: np.ndarray
    target: np.ndarray
    minimum: MinimumPower
    time_s: float
    info: dict = field(default_factory=dict)


def period_minimum_power(mr: MrData, ant: Antennas, setting: BreathingSetting) -> MinimumPower:
    """``p_min(t)`` of one period's records by the greedy procedure (exact neighbourhood coverage)."""
    return minimum_power(
        lambda p: neighbourhood_coverage(mr, p, setting.coverage_dbm),
        neighbour_graph(mr),
        ant.p_low,
        ant.p_high,
        setting.coverage_min,
        setting.power_step_db,
    )


def breathing_step(
    mr: MrData, power: np.ndarray, ant: Antennas, setting: BreathingSetting, minimum: MinimumPower | None = None
) -> StepResult:
    """One period's step (see the module docstring); ``mr`` holds that period's records."""
    minimum = period_minimum_power(mr, ant, setting) if minimum is None else minimum
    t0 = time.perf_counter()
    assoc = associate(mr, power)
    busy = busy_degree(mr, power, ant.capacity, ant.max_users, assoc)[0]
    info: dict = {"step1_s": time.perf_counter() - t0}  # Step 1 (busy-degrees), common to every method
    if setting.method == "current":
        return StepResult(power.copy(), np.zeros_like(power), busy, busy, minimum, time.perf_counter() - t0, info)
    p_min = np.minimum(minimum.power_dbm, ant.p_high)
    if setting.method == "bfdba" and setting.busy_target == "global":
        # BFDBA needs only the diagonal of J (and the components for the targets): no matrix is built
        diag, label = jacobian_diagonal(
            mr, power, ant.capacity, ant.max_users, setting.delta_db, setting.sample, setting.seed, assoc
        )
        target = component_targets(busy, ant.capacity, label)
        dp = (target - busy) / (diag + setting.gamma)
        after = apply_step(power, dp, p_min, ant.p_high, setting.alpha)
        return StepResult(after, dp, busy, target, minimum, time.perf_counter() - t0, info)
    jac = estimate_jacobian(
        mr, power, ant.capacity, ant.max_users, setting.delta_db, setting.sample, setting.seed, assoc
    )
    target = targets(busy, ant.capacity, jac, setting.busy_target)
    delta_b = target - busy
    if setting.method == "bdba":
        dp, solver = bdba_step(jac, delta_b, setting.regularisation)
        info.update(solver)
    elif setting.method == "bfdba":
        dp = bfdba_step(jac, delta_b, setting.gamma)
    else:
        sol = solve_pilot_lp(jac, delta_b, power, p_min, ant.p_high, setting.penalty)
        dp = sol.delta_p
        info.update(
            {"lp": sol.facts.extra.get("problem"), "lp_residual_l1": sol.residual_l1, "status": sol.status.value}
        )
    after = apply_step(power, dp, p_min, ant.p_high, setting.alpha)
    return StepResult(after, dp, busy, target, minimum, time.perf_counter() - t0, info)


def period_metrics(
    mr: MrData, power: np.ndarray, ant: Antennas, setting: BreathingSetting, busy: np.ndarray | None = None
) -> dict:
    """Std of busy-degrees, over-busy share and coverage of one period's records under ``power``.

    ``busy``: the busy-degrees under ``power`` when already computed (a step computes them in its Step 1).
    """
    busy = busy_degree(mr, power, ant.capacity, ant.max_users)[0] if busy is None else busy
    return {
        "busy_std": float(busy.std()),
        "busy_mean": float(busy.mean()),
        "busy_max": float(busy.max()),
        "over_busy": float(np.mean(busy >= setting.over_busy)),
        "coverage": coverage_rate(mr, power, setting.coverage_dbm),
    }


def simulate_day(
    mr: MrData,
    power: np.ndarray,
    ant: Antennas,
    setting: BreathingSetting,
    keep_busy: bool = False,
    minimums: list[MinimumPower] | None = None,
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Run ``setting.method`` period by period (see the module docstring); one row per period.

    With ``keep_busy``, also the busy-degrees (periods × antennas) each period saw. ``minimums``: ``p_min(t)`` per
    period when already computed (it depends on the period's records only, not on the method or the powers).
    """
    rows = []
    busy_all = np.zeros((mr.n_periods, mr.n_antennas)) if keep_busy else None
    p = np.asarray(power, float).copy()
    for t in range(mr.n_periods):
        period = mr.period_slice(t)
        t0 = time.perf_counter()
        minimum = period_minimum_power(period, ant, setting) if minimums is None else minimums[t]
        t_min = time.perf_counter() - t0
        step = breathing_step(period, p, ant, setting, minimum)  # its busy-degrees are this period's under p
        if keep_busy:
            busy_all[t] = step.busy
        row = {"period": mr.periods[t], **period_metrics(period, p, ant, setting, step.busy)}
        row.update(
            {
                "time_s": step.time_s,
                "min_power_time_s": t_min,
                "delta_p_l1": float(np.abs(step.power_after - p).sum()),
                "uncoverable": len(minimum.uncoverable),
                "power_mean_dbm": float(p.mean()),
            }
        )
        rows.append(row)
        p = step.power_after
    return pd.DataFrame(rows), busy_all
