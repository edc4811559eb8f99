"""lbopt validate: the checks run, pass on sound instances, and the contract keys are written."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import save_instance
from lbopt.scenarios import hetnet


def test_validate_cell_level_instance(tmp_path, tiny_path):
    out = tmp_path / "v"
    res = CliRunner().invoke(main, ["validate", str(tiny_path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "result.json").read_text())
    assert abs(data["spectrum"]["lambda_2"] - 2.0) < 1e-9  # the wheel W7: Laplacian spectrum 0, 2, 2, 4, 4, 5, 7
    assert abs(data["spectrum"]["lambda_max"] - 7.0) < 1e-9
    assert abs(data["epsilon_max"] - 2 / 7) < 1e-12
    names = {c["name"]: c for c in data["checks"]}
    assert names["graph"]["verdict"] == "converges"  # at eps_max / 2
    assert names["graph"]["agrees"] is True
    assert names["oslb-engines"]["verdict"] is None  # a pure cross-check
    assert names["oslb-engines"]["agrees"] is True
    assert data["metrics"]["cross_checks_disagreeing"] == 0
    assert data["verdicts"]["graph"] == "converges"
    assert CliRunner().invoke(main, ["report", str(out)]).exit_code == 0


def test_validate_user_level_instance(tmp_path):
    path = tmp_path / "h.yaml"
    save_instance(hetnet(rings=1, busy_cells=2, busy_users=25, seed=3), path)
    res = CliRunner().invoke(main, ["validate", str(path), "--out", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    assert "oslb-nonconservative (measurement)" in res.output
    assert "converges     graph (cross-check agrees)" in res.output
    lines = res.output.splitlines()
    assert lines[0].split()[0] in {"converges", "diverges", "certified", "not-certified", "settles", "oscillates"}
    data = json.loads((tmp_path / "v" / "result.json").read_text())
    # every handover scheme run has a verdict; no check passes unconditionally (a measurement has agrees None)
    for check in data["checks"]:
        if check["name"].startswith("handover-"):
            assert check["verdict"] in ("settles", "oscillates")
        if check["name"] == "oslb-nonconservative":
            assert check["agrees"] is None


def _with_gains(tiny_path, tmp_path, h_ab, h_ba, f_prime, name="g.yaml"):
    from lbopt.instance import load_instance

    inst = load_instance(tiny_path)
    links = inst.links.assign(coupling_ab=h_ab, coupling_ba=h_ba)
    cells = inst.cells.assign(self_slope=f_prime)
    path = tmp_path / name
    save_instance(inst.with_tables(links=links, cells=cells), path)
    return path


def test_continuous_certificate_from_instance_gains(tmp_path, tiny_path):
    runner = CliRunner()
    conservative = _with_gains(tiny_path, tmp_path, -0.5, -0.5, -0.1)
    out = tmp_path / "c"
    res = runner.invoke(main, ["validate", str(conservative), "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "result.json").read_text())
    cont = data["continuous"]
    assert cont["certified"]
    assert cont["gershgorin_condition"]
    assert cont["gains"] == "instance"
    assert {c["name"] for c in data["checks"]} >= {"graph", "continuous", "handover-alg1-direct", "handover-greedy"}
    assert data["verdicts"]["continuous"] == "certified"
    # non-conservative: every link's b-side receives 40 times faster than a sheds; c0 (a of six links) breaks it
    skewed = _with_gains(tiny_path, tmp_path, -0.05, -2.0, -0.01, "s.yaml")
    out = tmp_path / "s"
    res = runner.invoke(main, ["validate", str(skewed), "--out", str(out)])
    assert res.exit_code == 0, res.output  # an uncertified network is a finding, not an error
    data = json.loads((out / "result.json").read_text())
    assert not data["continuous"]["certified"]
    assert "c0" in data["continuous"]["cells_breaking_condition"]
    per_cell = pd.read_csv(out / "continuous.csv").set_index("id")
    assert bool(per_cell.loc["c0", "breaks_condition"])
    assert list(per_cell.index[per_cell["breaks_condition"]]) == data["continuous"]["cells_breaking_condition"]
    assert "not-certified continuous (cross-check agrees)" in res.output
    assert data["verdicts"]["continuous"] == "not-certified"


def test_stability_bad_input(tmp_path, tiny_path):
    runner = CliRunner()
    wrong = _with_gains(tiny_path, tmp_path, 0.3, -0.5, -0.1)
    res = runner.invoke(main, ["validate", str(wrong), "--out", str(tmp_path / "w")])
    assert res.exit_code != 0
    assert "links.coupling_ab" in res.output
    assert "<= 0" in res.output
    assert not (tmp_path / "w").exists()
    res = runner.invoke(main, ["validate", str(tiny_path), "--epsilon", "0", "--out", str(tmp_path / "e")])
    assert res.exit_code != 0
    assert "--epsilon: the discrete step must lie in (0, 1], got 0.0" in res.output
    assert not (tmp_path / "e").exists()
    text = tiny_path.read_text().replace("prb_capacity: 50}", "prb_capacity: 50, radius_m: 300}", 7)
    text = text.replace("radius_m: 300}", "radius_m: -300}", 1)
    bad = tmp_path / "r.yaml"
    bad.write_text(text)
    res = runner.invoke(main, ["validate", str(bad), "--out", str(tmp_path / "r")])
    assert res.exit_code != 0
    assert "cells.radius_m" in res.output
    assert "Traceback" not in res.output


def test_unstable_discrete_step_is_a_finding(tmp_path, tiny_path):
    res = CliRunner().invoke(main, ["validate", str(tiny_path), "--epsilon", "0.5", "--out", str(tmp_path / "u")])
    assert res.exit_code == 0, res.output
    # eps 0.5 > eps_max = 2/7: the verdict comes first, and the simulation agrees that the dynamics diverge
    assert res.output.startswith("diverges      graph (cross-check agrees)")
    assert "predicted factor max|1 - eps lambda| is 2.5" in res.output  # |1 - 0.5 * 7|


def test_validate_mr_instance(tmp_path):
    from lbopt.scenarios.mr_day import breathing_area

    path = tmp_path / "b.yaml"
    save_instance(breathing_area(20, 800.0, users_peak=2000, seed=3), path)
    out = tmp_path / "v"
    res = CliRunner().invoke(main, ["validate", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    checks = {c["name"]: c for c in json.loads((out / "result.json").read_text())["checks"]}
    assert checks["mr-jacobian"]["agrees"] is True
    assert "rank" in checks["mr-jacobian"]["numbers"]


def test_zou16_diverges_first_and_positive_estimated_gains_are_flagged(tmp_path):
    runner = CliRunner()
    path = tmp_path / "z.yaml"
    assert runner.invoke(main, ["generate", "zou16", "--users", "300", "--out", str(path)]).exit_code == 0
    out = tmp_path / "v"
    res = runner.invoke(main, ["validate", str(path), "--epsilon", "0.3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("diverges      graph")
    data = json.loads((out / "result.json").read_text())
    cont = next(c for c in data["checks"] if c["name"] == "continuous")
    slopes = pd.read_csv(out / "continuous.csv")["self_slope"]
    assert cont["positive_gains"] == int((slopes > 0).sum()) > 0
    assert f"{cont['positive_gains']} estimated self-slope(s) > 0" in cont["numbers"]
    assert data["verdicts"]["handover-greedy"] == "oscillates"
