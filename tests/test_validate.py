"""lbopt validate: the checks run, pass on sound instances, and the contract keys are written."""

from __future__ import annotations

import json

from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import save_instance
from lbopt.scenarios import hetnet


def test_validate_cell_level_instance(tmp_path, tiny_path):
    out = tmp_path / "v"
    res = CliRunner().invoke(main, ["validate", str(tiny_path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "result.json").read_text())
    assert data["spectrum"]["lambda_2"] == 2.0 or abs(data["spectrum"]["lambda_2"] - 2.0) < 1e-9  # wheel W7
    assert abs(data["spectrum"]["lambda_max"] - 7.0) < 1e-9
    assert abs(data["epsilon_max"] - 2 / 7) < 1e-12
    names = {c["check"]: c for c in data["checks"]}
    assert names["graph"]["passed"]
    assert names["oslb-engines"]["passed"]
    assert data["metrics"]["checks_failed"] == 0
    assert CliRunner().invoke(main, ["report", str(out)]).exit_code == 0


def test_validate_user_level_instance(tmp_path):
    path = tmp_path / "h.yaml"
    save_instance(hetnet(rings=1, busy_cells=2, busy_users=25, seed=3), path)
    res = CliRunner().invoke(main, ["validate", str(path), "--out", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    assert "oslb-nonconservative" in res.output
    assert "PASS  graph" in res.output
