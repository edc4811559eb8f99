"""Result folders are replaced whole, never hold the instance, and writing errors are clean; the error hierarchy."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import lbopt
from lbopt.cli import main


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def hetnet_path(tmp_path) -> Path:
    path = tmp_path / "inst" / "h.yaml"
    res = CliRunner().invoke(
        main, ["generate", "hetnet", "--rings", "1", "--busy-cells", "2", "--seed", "3", "--out", str(path)]
    )
    assert res.exit_code == 0, res.output
    return path


def test_a_second_run_replaces_the_folder_whole(tmp_path, hetnet_path):
    runner = CliRunner()
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert runner.invoke(main, ["solve", str(hetnet_path), "-m", "oslb", "--out", str(out)]).exit_code == 0
    assert runner.invoke(main, ["report", str(out)]).exit_code == 0
    assert {"flows.csv", "report.html", "pairs.csv"} <= set(_files(out))
    assert runner.invoke(main, ["solve", str(hetnet_path), "-m", "max-rsrp", "--out", str(out)]).exit_code == 0
    assert runner.invoke(main, ["solve", str(hetnet_path), "-m", "max-rsrp", "--out", str(fresh)]).exit_code == 0
    assert set(_files(out)) == set(_files(fresh)) == {"cells.csv", "users.csv", "result.json"}
    assert json.loads((out / "result.json").read_text())["method"] == "max-rsrp"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary sibling left


def test_out_holding_the_instance_is_refused_and_inputs_are_unchanged(tmp_path, hetnet_path):
    before = _files(hetnet_path.parent)
    for out in (hetnet_path.parent, tmp_path):
        res = CliRunner().invoke(main, ["solve", str(hetnet_path), "-m", "oslb", "--out", str(out)])
        assert res.exit_code == 2
        assert "holds the instance's own file" in res.output
        assert "Traceback" not in res.output
    assert _files(hetnet_path.parent) == before


@pytest.mark.parametrize("where", ["under-file", "dev-null"])
def test_unwritable_out_is_a_clean_error_before_the_solve(tmp_path, tiny_path, where):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = blocker / "sub" if where == "under-file" else Path("/dev/null")
    res = CliRunner().invoke(main, ["solve", str(tiny_path), "-m", "oslb", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert res.output.startswith("lbopt: error: --out")
    assert "Traceback" not in res.output


def test_a_failed_write_leaves_the_old_folder(tmp_path, tiny_path, monkeypatch):
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["solve", str(tiny_path), "-m", "oslb", "--out", str(out)]).exit_code == 0
    before = _files(out)
    import lbopt.result

    def broken(result, folder):
        (folder / "cells.csv").write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lbopt.result, "write_files", broken)
    res = CliRunner().invoke(main, ["solve", str(tiny_path), "-m", "chain", "--out", str(out)])
    assert res.exit_code == 2
    assert "No space left on device" in res.output
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_error_hierarchy():
    from lbopt import errors

    assert lbopt.LbOptError is errors.LbOptError
    for name in ("InstanceError", "UnknownMethod", "MissingInput", "InvalidParameter", "SolverUnavailable"):
        assert issubclass(getattr(lbopt, name), lbopt.LbOptError)
    assert issubclass(errors.SolverFailure, lbopt.LbOptError)
    assert str(errors.UnknownMethod("unknown method 'x'")) == "unknown method 'x'"  # not quoted like a KeyError


def test_the_cli_catches_only_lbopt_errors():
    source = (Path(lbopt.__file__).parent / "cli.py").read_text()
    assert "except (KeyError" not in source
    assert "except ValueError" not in source
    assert "except KeyError" not in source


def test_a_bug_keeps_its_traceback(tiny_path, monkeypatch, tmp_path):
    import lbopt.oslb.method

    def bug(*args, **kwargs):
        return 1 / 0

    monkeypatch.setattr(lbopt.oslb.method, "run_oslb", bug)
    res = CliRunner().invoke(main, ["solve", str(tiny_path), "-m", "oslb", "--out", str(tmp_path / "o")])
    assert isinstance(res.exception, ZeroDivisionError)
    assert "this is a bug in lbopt" in res.output
    assert not (tmp_path / "o").exists()


def test_solver_missing_is_a_clean_error(tiny_path, monkeypatch, tmp_path):
    import formulations.min_cost_flow as mcf
    from formulations.errors import SolverNotInstalled

    def missing(problem):
        raise SolverNotInstalled("engine 'ortools' needs OR-Tools: pip install 'lbopt[ortools]'")

    monkeypatch.setitem(mcf.ENGINES, "ortools", missing)
    res = CliRunner().invoke(
        main, ["solve", str(tiny_path), "-m", "oslb", "--engine", "ortools", "--integral", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    assert "lbopt: error: method 'oslb': engine 'ortools' needs OR-Tools" in res.output
