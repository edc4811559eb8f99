"""MLB and OSLB get the non-conservative analysis their runs call for: eq. 22 reproduces each step's loads, eq. 26
bounds each step, and validate gives each a verdict."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import save_instance
from lbopt.methods import solve
from lbopt.scenarios import hetnet
from lbopt.stability.handover import realised_epsilon
from lbopt.stability.nonconservative import step as eq22_step
from lbopt.stability.transfers import transfer_analysis, verdict


def test_the_analysis_reproduces_every_mlb_period_and_bounds_it():
    inst = hetnet(rings=1, busy_cells=2, busy_users=30, seed=8)
    res = solve(inst, "mlb", periods=6)
    table = res.tables["stability"]
    assert len(table) == 6
    assert table["bound_holds"].all()
    # replay the transfers: eq. 22 with the realised epsilon gives exactly the loads the handovers give
    users = res.tables["users"]
    ids = list(inst.cells["id"])
    serving = np.array([ids.index(s) for s in users["serving_before"]])
    from lbopt.radio.model import user_cell_matrices

    load = user_cell_matrices(inst)["prb"] / inst.prb_capacity()[None, :]
    rows = np.arange(len(serving))
    moves = res.tables["transfers"]
    for k in range(1, 7):
        rho = np.bincount(serving, load[rows, serving], inst.n_cells)
        part = moves[moves["step"] == k]
        u = part["user"].to_numpy(int)
        src = np.array([ids.index(s) for s in part["source"]], int)
        dst = np.array([ids.index(s) for s in part["target"]], int)
        eps, _ = realised_epsilon(rho, src, dst, u, load)
        serving[u] = dst
        after = np.bincount(serving, load[rows, serving], inst.n_cells)
        np.testing.assert_allclose(eq22_step(rho, np.ones_like(eps), eps), after, atol=1e-12)
        e = after - after.mean()
        assert table.loc[k - 1, "v_after"] == pytest.approx(float(e @ e), rel=1e-12)
    assert res.extra["stability"]["verdict"] == verdict(table)


def test_verdict_rule():
    steps = pd.DataFrame({"handovers": [5, 3, 0, 0, 0, 0, 0, 0, 0, 0]})
    assert verdict(steps) == "settles"
    steps.loc[9, "handovers"] = 1
    assert verdict(steps) == "oscillates"


def test_a_step_without_handovers_changes_nothing():
    serving = np.array([0, 1, 1])
    load = np.full((3, 2), 0.2)
    table = transfer_analysis(serving, pd.DataFrame(columns=["step", "user", "source", "target"]), load, np.eye(2), 2)
    assert table["handovers"].tolist() == [0, 0]
    assert (table["v"] == table["v_after"]).all()


def test_validate_gives_mlb_and_oslb_a_verdict(tmp_path):
    path = tmp_path / "h.yaml"
    save_instance(hetnet(rings=1, busy_cells=2, busy_users=30, seed=8), path)
    out = tmp_path / "v"
    assert CliRunner().invoke(main, ["validate", str(path), "--out", str(out)]).exit_code == 0
    verdicts = json.loads((out / "result.json").read_text())["verdicts"]
    assert verdicts["handover-oslb"] == "settles"
    assert verdicts["handover-mlb"] in ("settles", "oscillates")
    # every handover scheme and method run by validate has a verdict
    expected = {"handover-alg1-direct", "handover-alg1-a3", "handover-alg2-direct", "handover-alg3-direct"}
    assert expected | {"handover-greedy", "handover-mlb", "handover-oslb"} <= set(verdicts)
