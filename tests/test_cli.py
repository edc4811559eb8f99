"""The command line end to end: generate → check → solve → report, and the result.json contract."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import load_instance
from tests.reference import strongest_rsrp_cell


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_generate_solve_report(tmp_path, runner):
    inst_path = tmp_path / "h.yaml"
    out = tmp_path / "out"
    assert (
        runner.invoke(
            main,
            ["generate", "hetnet", "--rings", "1", "--serving", "macro-only", "--seed", "2", "--out", str(inst_path)],
        ).exit_code
        == 0
    )
    res = runner.invoke(main, ["solve", str(inst_path), "--method", "max-rsrp", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "result.json").read_text())
    for key in ("lbopt_version", "instance", "method", "status", "objective", "solver", "metrics", "cells"):
        assert key in data
    assert data["status"] == "feasible"
    assert data["method"] == "max-rsrp"
    assert {"name", "version", "time_s", "gap"} <= set(data["solver"])
    assert {"ldi_before", "ldi_after"} <= set(data["metrics"])
    assert {"id", "load_before", "load_after"} <= set(data["cells"][0])

    # numbers checked independently of the method: recompute loads from the users table
    inst = load_instance(inst_path)
    users = pd.read_csv(out / "users.csv", dtype={"serving_before": str, "serving_after": str})
    np.testing.assert_array_equal(inst.cell_positions(users["serving_after"]), strongest_rsrp_cell(inst))
    cells = pd.read_csv(out / "cells.csv")
    prb_after = users.groupby("serving_after")["prb_after"].sum().reindex(cells["id"]).fillna(0).to_numpy()
    np.testing.assert_allclose(cells["prb_after"], prb_after)
    np.testing.assert_allclose(cells["load_after"], prb_after / cells["prb_capacity"])
    # the macro-only start keeps every user on a macro cell; max-rsrp moves some to picocells
    assert users["serving_before"].str.fullmatch(r"c\d+").all()
    assert data["metrics"]["handovers"] == int((users["serving_before"] != users["serving_after"]).sum()) > 0
    loads = cells["load_after"].to_numpy()
    assert data["metrics"]["ldi_after"] == pytest.approx(loads.sum() ** 2 / (len(loads) * (loads**2).sum()))

    rep = runner.invoke(main, ["report", str(out)])
    assert rep.exit_code == 0
    assert (out / "report.html").is_file()
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2
    assert "<script" not in html


def test_none_on_a_cell_level_instance(tmp_path, runner, tiny_path):
    out = tmp_path / "o"
    res = runner.invoke(main, ["solve", str(tiny_path), "-m", "none", "--out", str(out)])
    assert res.exit_code == 0, res.output
    cells = pd.read_csv(out / "cells.csv")
    # tiny has users with serving cells → loads come from the radio model, not prb_demand
    assert cells["load_before"].equals(cells["load_after"])


def test_none_uses_prb_demand_without_users(tmp_path, runner):
    path = tmp_path / "c.yaml"
    path.write_text(
        "lbopt: 1\nname: c\ncells:\n  - {id: a, prb_demand: 60, prb_capacity: 50}\n"
        "  - {id: b, prb_demand: 20, prb_capacity: 40}\n"
    )
    out = tmp_path / "o"
    assert runner.invoke(main, ["solve", str(path), "-m", "none", "--out", str(out)]).exit_code == 0
    data = json.loads((out / "result.json").read_text())
    assert [c["load_before"] for c in data["cells"]] == [1.2, 0.5]
    assert data["metrics"]["ldi_before"] == pytest.approx(1.7**2 / (2 * (1.44 + 0.25)))


def test_unknown_method_and_missing_data(tmp_path, runner, tiny_path):
    res = runner.invoke(main, ["solve", str(tiny_path), "-m", "max-rsrq", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "did you mean 'max-rsrp'" in res.output
    path = tmp_path / "c.yaml"
    path.write_text("lbopt: 1\nname: c\ncells:\n  - {id: a, prb_demand: 1}\n")
    res = runner.invoke(main, ["solve", str(path), "-m", "max-rsrp", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "needs users with cell positions, or measurement reports" in res.output
    assert not (tmp_path / "o").exists()


def test_report_without_result(tmp_path, runner):
    res = runner.invoke(main, ["report", str(tmp_path)])
    assert res.exit_code == 2
    assert "no result.json" in res.output


def test_help_does_not_import_solvers():
    code = (
        "import sys, lbopt, lbopt.cli\n"
        "from click.testing import CliRunner\n"
        "CliRunner().invoke(lbopt.cli.main, ['--help'])\n"
        "heavy = [m for m in ('pyomo', 'cvxpy', 'highspy', 'ortools', 'pandas', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_progress_is_silent_off_terminal(tmp_path, runner, tiny_path):
    res = runner.invoke(main, ["solve", str(tiny_path), "-m", "max-rsrp", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0
    assert res.output.splitlines()[0].startswith("max-rsrp: status feasible")
    assert len(res.output.splitlines()) == 2


def test_a_reader_that_goes_away_is_not_an_internal_error(melbourne_path):
    """``lbopt check FILE | head -1``: the pipe closes before lbopt has written everything; lbopt stops quietly
    instead of reporting a bug."""
    import shutil
    from pathlib import Path

    lbopt = shutil.which("lbopt") or str(Path(sys.executable).parent / "lbopt")
    out = subprocess.run(
        f"'{lbopt}' check '{melbourne_path}' | head -c 20", shell=True, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.startswith(str(melbourne_path)[:20])
    assert "internal error" not in out.stderr
    assert "Traceback" not in out.stderr
