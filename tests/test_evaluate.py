"""One evaluator: every row of the loads comparison is recomputed here from that method's own files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import load_instance, save_instance
from lbopt.scenarios import hetnet, zou16

METHODS = ["oslb", "mlb", "chain", "none", "max-rsrp", "zou-alg1", "zou-greedy"]


def _jain(x: np.ndarray) -> float:
    return float(x.sum() ** 2 / (len(x) * (x**2).sum()))


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cmp")
    path = folder / "in" / "h.yaml"
    save_instance(hetnet(rings=1, busy_cells=2, busy_users=30, seed=8, serving="macro-only"), path)
    out = folder / "out"
    res = CliRunner().invoke(
        main, ["compare", str(path), "--methods", ",".join(METHODS), "--steps", "20", "--integral", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    return load_instance(path), out


def test_one_level_one_start_every_handover_counted(compared):
    _, out = compared
    table = pd.read_csv(out / "comparison.csv").set_index("method")
    assert list(table.index) == METHODS
    assert table["level"].unique().tolist() == ["group"]  # picocells with parents: macro + picocells per group
    assert table["ldi_before"].nunique() == 1
    for method in METHODS:
        if method != "none":
            assert table.loc[method, "handovers"] > 0, method
            assert table.loc[method, "prb_moved"] > 0, method
    assert table.loc["none", "handovers"] == 0


@pytest.mark.parametrize("method", METHODS)
def test_each_row_recomputes_from_its_users_csv(compared, method):
    """From users.csv (serving and PRBs), cells.csv (re-homed picocells) and the instance's own columns only."""
    inst, out = compared
    row = pd.read_csv(out / "comparison.csv").set_index("method").loc[method]
    users = pd.read_csv(out / method / "users.csv", dtype={"serving_before": str, "serving_after": str})
    cells = pd.read_csv(out / method / "cells.csv", dtype={"id": str})
    home = inst.cells["parent"].fillna(inst.cells["id"])
    home.index = inst.cells["id"]
    capacity = inst.cells.set_index("id")["n_prb"].groupby(home).sum()
    unit_after = cells.set_index("id")["group_after"] if "group_after" in cells else home
    loads = {}
    for when, unit in (("before", home), ("after", unit_after)):
        prb = users.groupby(unit.reindex(users[f"serving_{when}"]).to_numpy())[f"prb_{when}"].sum()
        loads[when] = (prb.reindex(capacity.index).fillna(0) / capacity).to_numpy()
    assert row["ldi_before"] == pytest.approx(_jain(loads["before"]), rel=1e-12)
    assert row["ldi_after"] == pytest.approx(_jain(loads["after"]), rel=1e-12)
    assert row["max_load_after"] == pytest.approx(loads["after"].max(), rel=1e-12)
    assert row["load_std_after"] == pytest.approx(loads["after"].std(), rel=1e-12, abs=1e-15)
    moved = users["serving_before"] != users["serving_after"]
    assert row["handovers"] == moved.sum()
    assert row["prb_moved"] == pytest.approx(users.loc[moved, "prb_before"].sum(), rel=1e-12)
    assert row["prb_received"] == pytest.approx(users.loc[moved, "prb_after"].sum(), rel=1e-12)


def test_the_evaluator_agrees_with_the_methods_own_prbs():
    """OSLB and MLB compute PRBs from their own matrices; the evaluator's radio evaluation gives the same numbers."""
    from lbopt.evaluate import evaluate_result
    from lbopt.oslb.mlb import run_mlb
    from lbopt.oslb.report import user_level_result

    inst = hetnet(rings=1, busy_cells=2, busy_users=30, seed=8)
    own = user_level_result(inst, integral=True, engine="highs")
    mlb = run_mlb(inst, periods=5, load_gap=0.1, step_db=1.0)
    for result in (own, mlb):
        users = result.tables["users"].copy()
        evaluate_result(inst, result)  # writes its PRBs into the users table
        np.testing.assert_allclose(result.tables["users"]["prb_after"], users["prb_after"], rtol=1e-12)
        np.testing.assert_allclose(result.tables["users"]["prb_before"], users["prb_before"], rtol=1e-12)


def test_cell_level_instances_are_evaluated_at_cell_level(tiny_path):
    from lbopt.comparison import compare

    table = compare(load_instance(tiny_path), ["oslb", "chain", "none"]).tables["comparison"].set_index("method")
    assert set(table["level"]) == {"cell"}
    assert table.loc["oslb", "ldi_after"] == pytest.approx(1.0)  # tiny's links can carry the whole balance
    assert table.loc["oslb", "prb_moved"] == table.loc["oslb", "prb_received"] > 0  # a flow is conservative


def test_instances_without_picocells_are_evaluated_per_cell(tmp_path):
    from lbopt.comparison import compare

    table = compare(zou16(users=80, seed=2), ["zou-alg1", "none"], steps=5).tables["comparison"]
    assert set(table["level"]) == {"cell"}


def test_the_evaluation_level_can_be_chosen(tmp_path):
    path = tmp_path / "in" / "h.yaml"
    inst = hetnet(rings=1, busy_cells=2, busy_users=30, seed=8, serving="macro-only")
    save_instance(inst, path)
    out = tmp_path / "cell"
    res = CliRunner().invoke(
        main, ["compare", str(path), "--methods", "oslb,mlb,none", "--evaluation-level", "cell", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "comparison.csv").set_index("method")
    assert set(table["level"]) == {"cell"}
    capacity = inst.cells.set_index("id")["n_prb"]
    for method in ("oslb", "mlb", "none"):
        users = pd.read_csv(out / method / "users.csv", dtype={"serving_before": str, "serving_after": str})
        loads = (
            users.groupby("serving_after")["prb_after"].sum().reindex(capacity.index).fillna(0) / capacity
        ).to_numpy()
        assert table.loc[method, "ldi_after"] == pytest.approx(_jain(loads), rel=1e-12)
        assert table.loc[method, "max_load_after"] == pytest.approx(loads.max(), rel=1e-12)
