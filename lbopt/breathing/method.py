"""The Breathing methods as lbopt methods: ``bdba``, ``bfdba``, ``power-lp`` on an instance with MR data.

``lbopt solve FILE -m bdba [--period H]`` runs one step on one period's records (default: the period whose
busy-degrees spread most under the logged powers) and reports the busy-degrees before and after re-associating
that period's records under the new powers, the coverage, and every antenna's new power within its bounds.
The instance gives the MR table (``mr``), ``cells.cpich_power_dbm`` (logged powers), optional
``cpich_min_dbm``/``cpich_max_dbm`` (default: logged − 6 / + 3 dB), ``n_prb`` or ``prb_capacity`` (R_i),
``max_users`` (M_max, else ``methods.breathing.max_users``), and the constants in ``methods.breathing``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from formulations.status import SolverFacts, Status
from lbopt.breathing.coverage import neighbourhood_coverage
from lbopt.breathing.day import Antennas, BreathingSetting, breathing_step, period_metrics
from lbopt.breathing.mr import MrData, busy_degree, drop_inconsistent, from_rows, merge_duplicates
from lbopt.errors import InvalidParameter
from lbopt.instance.errors import InstanceError
from lbopt.instance.model import Instance
from lbopt.result import Result

DEFAULT_RANGE_DB = (-6.0, 3.0)


def breathing_setting(instance: Instance, method: str, **overrides) -> BreathingSetting:
    """The step's settings: the instance's ``methods.breathing`` section, overridden by the flags given."""
    params = instance.methods.breathing.model_dump()
    params.update({k: v for k, v in overrides.items() if v is not None})
    return BreathingSetting(method=method, seed=instance.seed or 0, **params)


def breathing_inputs(instance: Instance) -> tuple[MrData, Antennas, np.ndarray, dict]:
    """Pre-processed MR data, antenna data, logged powers, and what pre-processing removed."""
    where = str(instance.path or instance.name)
    cells, mr = instance.cells, instance.mr
    if mr is None or len(mr) == 0:
        raise InstanceError(where, "mr", "the Breathing methods need MR records (table 'mr')")
    if "cpich_power_dbm" not in cells:
        raise InstanceError(where, "cells.cpich_power_dbm", "the Breathing methods need the logged CPICH powers")
    power = cells["cpich_power_dbm"].to_numpy(float)
    p_low = cells["cpich_min_dbm"].to_numpy(float) if "cpich_min_dbm" in cells else power + DEFAULT_RANGE_DB[0]
    p_high = cells["cpich_max_dbm"].to_numpy(float) if "cpich_max_dbm" in cells else power + DEFAULT_RANGE_DB[1]
    crossed = np.flatnonzero(p_low > p_high)
    if len(crossed):
        i = int(crossed[0])
        raise InstanceError(
            where,
            "cells.cpich_min_dbm",
            f"cell '{cells['id'].iloc[i]}' has cpich_min_dbm {p_low[i]:g} above cpich_max_dbm {p_high[i]:g}",
            row=i,
        )
    labels = np.unique(mr["period"].to_numpy())
    gaps = np.setdiff1d(np.arange(labels.min(), labels.max() + 1), labels)
    if len(gaps):
        raise InstanceError(
            where, "mr.period", f"period {int(gaps[0])} has no records (periods run {labels.min()}–{labels.max()})"
        )
    data = from_rows(
        mr["record"].to_numpy(),
        mr["period"].to_numpy(),
        instance.cell_positions(mr["antenna"]),
        mr["rss_dbm"].to_numpy(float),
        power,
        serving=mr["serving"].to_numpy() if "serving" in mr else None,
        prb=mr["prb"].to_numpy(float) if "prb" in mr else None,
    )
    data, dropped = drop_inconsistent(data)
    data, merged = merge_duplicates(data)
    lost = np.setdiff1d(labels, data.periods)
    if len(lost):
        raise InstanceError(
            where, "mr.period", f"period {int(lost[0])} has no record whose serving antenna is the strongest"
        )
    max_users = (
        cells["max_users"].to_numpy(float)
        if "max_users" in cells
        else np.full(len(cells), instance.methods.breathing.max_users)
    )
    ant = Antennas(instance.prb_capacity(), max_users, p_low, p_high)
    return data, ant, power, {"records_dropped": dropped, "records_merged": merged, "records": data.n_records}


def busiest_period(data: MrData, power: np.ndarray, ant: Antennas) -> int:
    """The period whose busy-degrees spread most (the default period of a single step)."""
    return int(np.argmax(busy_degree(data, power, ant.capacity, ant.max_users).std(axis=1)))


def run_breathing(
    instance: Instance,
    method: str,
    progress: Callable[[int], None] | None = None,
    *,
    period: int | None = None,
    **settings: Any,
) -> Result:
    """One step of ``method`` on one period (see the module docstring)."""
    t0 = time.perf_counter()
    data, ant, power, prep = breathing_inputs(instance)
    setting = breathing_setting(instance, method, **settings)
    if period is None:
        t = busiest_period(data, power, ant)
    else:
        hit = np.flatnonzero(data.periods == period)
        if len(hit) == 0:
            raise InvalidParameter(
                f"period {period} is not in the MR data (periods {data.periods.min()}–{data.periods.max()})"
            )
        t = int(hit[0])
    part = data.period_slice(t)
    step = breathing_step(part, power, ant, setting)
    before = period_metrics(part, power, ant, setting, step.busy)
    after = period_metrics(part, step.power_after, ant, setting)
    busy_after = busy_degree(part, step.power_after, ant.capacity, ant.max_users)[0]
    ids = instance.cells["id"].to_numpy(object)
    uncoverable = step.minimum.uncoverable
    cells = pd.DataFrame(
        {
            "id": ids,
            "power_before_dbm": power,
            "power_after_dbm": step.power_after,
            "power_min_t_dbm": step.minimum.power_dbm,
            "power_max_dbm": ant.p_high,
            "busy_before": step.busy,
            "busy_target": step.target,
            "busy_after": busy_after,
            "coverage_after": neighbourhood_coverage(part, step.power_after, setting.coverage_dbm),
            "uncoverable": np.isin(np.arange(len(ids)), uncoverable),
        }
    )
    for col in ("tier", "x_m", "y_m"):
        if col in instance.cells:
            cells[col] = instance.cells[col].to_numpy()
    metrics = {
        "period": int(data.periods[t]),
        "busy_std_before": before["busy_std"],
        "busy_std_after": after["busy_std"],
        "over_busy_before": before["over_busy"],
        "over_busy_after": after["over_busy"],
        "coverage_before": before["coverage"],
        "coverage": after["coverage"],
        "delta_p_l1": float(np.abs(step.power_after - power).sum()),
        "method_time_s": step.time_s,
        "uncoverable_antennas": len(uncoverable),
        **prep,
    }
    status = Status.FEASIBLE
    message = None
    if len(uncoverable):
        status = Status.INFEASIBLE
        names = ", ".join(str(x) for x in ids[uncoverable[:10]])
        message = (
            f"no power setting within the bounds meets the coverage requirement C >= {setting.coverage_min:g} "
            f"(s_th {setting.coverage_dbm:g} dBm) for {len(uncoverable)} antenna(s): {names}"
            + (" ..." if len(uncoverable) > 10 else "")
            + "; the others are served, these are left at their maximum"
        )
    return Result(
        instance=instance.name,
        method=method,
        status=status,
        solver=SolverFacts(name=method, time_s=time.perf_counter() - t0, extra=step.info),
        cells=cells,
        metrics=metrics,
        extra={"setting": setting.model_dump(), **({"message": message} if message else {})},
    )


#: registry entries (``functools.partial`` keeps the signature ``lbopt.methods.solve`` checks flags against)
run_bdba = partial(run_breathing, method="bdba")
run_bfdba = partial(run_breathing, method="bfdba")
run_power_lp = partial(run_breathing, method="power-lp")
