"""The evaluation of the pilot-power family: every method's powers measured on the same period the same way.

From the powers a method returns (``cells.power_after_dbm``) and the period it balanced, the MR records of that
period are re-associated under the logged and under the new powers (:func:`lbopt.breathing.mr.busy_degree`), and the
family's metrics computed for both: the spread and the over-busy share of the busy-degrees, the coverage rate, and
the total power change ``‖Δp‖₁``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lbopt.instance.model import Instance
from lbopt.result import Result

__all__ = ["evaluate_powers"]


def evaluate_powers(instance: Instance, result: Result, level: str | None = None) -> dict[str, Any] | None:
    """The ``evaluation`` of a pilot-power result, or ``None`` when it returned no powers (always per antenna)."""
    from lbopt.breathing.day import period_metrics
    from lbopt.breathing.method import breathing_inputs, breathing_setting

    if "power_after_dbm" not in result.cells or "period" not in result.metrics:
        return None
    data, ant, power, _ = breathing_inputs(instance)
    part = data.period_slice(int(np.flatnonzero(data.periods == result.metrics["period"])[0]))
    after_power = result.cells.set_index("id")["power_after_dbm"].reindex(instance.cells["id"]).to_numpy(float)
    setting = breathing_setting(instance, "current")
    before, after = period_metrics(part, power, ant, setting), period_metrics(part, after_power, ant, setting)
    return {
        "level": "cell",
        "period": int(result.metrics["period"]),
        "busy_std_before": before["busy_std"],
        "busy_std_after": after["busy_std"],
        "over_busy_before": before["over_busy"],
        "over_busy_after": after["over_busy"],
        "over_busy_threshold": setting.over_busy,
        "coverage_before": before["coverage"],
        "coverage_after": after["coverage"],
        "delta_p_l1_db": float(np.abs(after_power - power).sum()),
    }
