"""Status tells the truth: ``optimal`` only when certified, a termination reason beside it, solver failures as
results with status ``error``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import formulations.association as fa
from formulations.association_objectives import latency
from formulations.errors import SolverError
from formulations.status import Status
from lbopt.cli import main
from lbopt.errors import SolverFailure
from lbopt.methods import solve
from lbopt.scenarios import vgala_layout
from tests.test_vgala import random_problem


def _failing_after(calls: int, monkeypatch) -> None:
    """The association master fails from its ``calls``-th solve on, like HiGHS's 'Unknown' on a steep master."""
    real = fa._Master.solve
    count = {"n": 0}

    def solve(self):
        count["n"] += 1
        if count["n"] >= calls:
            raise SolverError("HiGHS could not solve the association master: simplex 'Unknown'", stage="master LP")
        return real(self)

    monkeypatch.setattr(fa._Master, "solve", solve)


def test_a_failed_master_keeps_the_incumbent_uncertified(monkeypatch):
    problem = random_problem(5)
    objective = latency(n=problem.n_cells)
    certified = fa.solve_association(problem, objective)
    assert certified.status == Status.OPTIMAL
    assert certified.facts.termination == "converged"
    _failing_after(4, monkeypatch)
    cut = fa.solve_association(problem, objective)
    assert cut.status == Status.FEASIBLE
    assert cut.facts.termination == "solver-error"
    assert "master LP" in cut.facts.extra["solver_message"]
    assert cut.iterations == 4
    # the incumbent is a valid association, no better than the certified optimum, and its bound is below it
    assert cut.objective >= certified.objective * (1 - 1e-9)
    assert cut.lower_bound <= certified.objective * (1 + 1e-9)
    assert cut.shares.min() >= 0


def test_a_solver_failure_is_a_result_with_status_error(monkeypatch, tmp_path):
    _failing_after(1, monkeypatch)
    inst = vgala_layout(grid_m=200.0, seed=1)
    result = solve(inst, "vgala-opt")
    assert result.status == Status.ERROR
    assert result.solver.termination == "solver-error"
    assert result.solver.extra["stage"] == "master LP"
    assert "simplex 'Unknown'" in result.extra["message"]
    with pytest.raises(SolverFailure, match="simplex 'Unknown'"):
        result.raise_for_status()
    # the vGALA iteration stands on its own certificate; the failed cross-check is said, not fatal
    it = solve(inst, "vgala")
    assert it.status == Status.FEASIBLE
    assert "certified optimum of psi could not be computed" in it.extra["message"]
    # the command line writes the result and says the status
    path = tmp_path / "v.yaml"
    from lbopt.instance import save_instance

    save_instance(inst, path)
    res = CliRunner().invoke(main, ["solve", str(path), "-m", "la", "--out", str(tmp_path / "la")])
    assert res.exit_code == 0, res.output
    assert "la: status error" in res.output
    assert json.loads((tmp_path / "la" / "result.json").read_text())["solver"]["termination"] == "solver-error"


def test_cvxpy_optimal_inaccurate_is_not_optimal(monkeypatch):
    real = fa.solve_association_cvxpy

    def inaccurate(problem, name, vartheta=None):
        rho, shares, value, _ = real(problem, name, vartheta)
        return rho, shares, value, "optimal_inaccurate"

    monkeypatch.setattr(fa, "solve_association_cvxpy", inaccurate)
    inst = vgala_layout(grid_m=200.0, seed=1)
    exact = solve(inst, "la", engine="cvxpy")
    assert exact.status == Status.FEASIBLE
    assert exact.solver.termination == "inaccurate"
    assert exact.solver.extra["cvxpy_status"] == "optimal_inaccurate"
    monkeypatch.setattr(fa, "solve_association_cvxpy", real)
    assert solve(inst, "la", engine="cvxpy").status == Status.OPTIMAL
