"""OSLB over several periods: each period re-plans from the association the previous one left."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lbopt.errors import InvalidParameter
from lbopt.instance.io import load_instance
from lbopt.methods import solve
from lbopt.scenarios.hetnet import hetnet_with_busy


@pytest.fixture(scope="module")
def busy():
    return hetnet_with_busy(rings=2, busy_cells=5, busy_users=30, normal_users=8, seed=2)[0]


def test_two_periods_equal_two_runs_by_hand(busy):
    """Period 2 starts from period 1's association: the same as running OSLB again on an instance whose
    users.serving is period 1's serving_after (no picocell is re-homed on this drop, checked)."""
    one = solve(busy, "oslb", integral=True)
    assert one.metrics["rehomed_picocells"] == 0
    after_one = one.tables["users"].set_index("id")["serving_after"].reindex(busy.users["id"]).to_numpy(object)
    by_hand = solve(replace(busy, users=busy.users.assign(serving=after_one)), "oslb", integral=True)
    two = solve(busy, "oslb", integral=True, periods=2)
    u2, uh = two.tables["users"].set_index("id"), by_hand.tables["users"].set_index("id")
    np.testing.assert_array_equal(u2["serving_after"].to_numpy(object), uh["serving_after"].to_numpy(object))
    # the state before is the first period's: the evaluation measures the whole run
    np.testing.assert_array_equal(
        u2["serving_before"].to_numpy(object), one.tables["users"].set_index("id")["serving_before"].to_numpy(object)
    )
    assert two.evaluation["ldi_before"] == one.evaluation["ldi_before"]
    assert two.evaluation["ldi_after"] == by_hand.evaluation["ldi_after"]
    assert two.metrics["periods_run"] == len(two.tables["trace"]) <= 2
    assert two.metrics["handovers_all_periods"] == one.metrics["handovers"] + by_hand.metrics["handovers"]


def test_one_period_is_the_procedure_and_periods_stop_when_settled(busy):
    one = solve(busy, "oslb", integral=True)
    assert one.metrics["periods_run"] == 1
    many = solve(busy, "oslb", integral=True, periods=50)
    trace = many.tables["trace"]
    assert (trace["period"] == np.arange(1, len(trace) + 1)).all()
    if many.metrics["settled"]:
        assert trace["handovers"].iloc[-1] == 0
        assert len(trace) < 50
    # every period's measured LDI is the evaluator's on the instance as given; the last is the result's
    assert trace["ldi_after"].iloc[-1] == pytest.approx(many.evaluation["ldi_after"], rel=1e-12)


def test_periods_on_a_cell_level_instance_are_refused(tiny_path):
    with pytest.raises(InvalidParameter, match="--periods"):
        solve(load_instance(tiny_path), "oslb", level="cell", periods=3)


def test_re_homed_picocells_stay_with_their_new_macro_in_the_next_period():
    """Seed 0 re-homes picocells in period 1: period 2 runs on an instance whose picocells have the parents
    cells.csv's group_after gives them (built here from the files, not by the module)."""
    inst = hetnet_with_busy(rings=2, busy_cells=5, busy_users=30, normal_users=8, seed=0)[0]
    one = solve(inst, "oslb", integral=True)
    assert one.metrics["rehomed_picocells"] > 0
    cells = one.cells.set_index("id")
    parent = inst.cells["parent"].copy()
    picos = parent.notna()
    parent[picos] = cells.loc[inst.cells.loc[picos, "id"], "group_after"].to_numpy()
    after_one = one.tables["users"].set_index("id")["serving_after"].reindex(inst.users["id"]).to_numpy(object)
    nxt = replace(inst, users=inst.users.assign(serving=after_one), cells=inst.cells.assign(parent=parent))
    by_hand = solve(nxt, "oslb", integral=True)
    two = solve(inst, "oslb", integral=True, periods=2)
    np.testing.assert_array_equal(
        two.tables["users"]["serving_after"].to_numpy(object), by_hand.tables["users"]["serving_after"].to_numpy(object)
    )
