"""Baselines chain and mlb, and the comparison table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from formulations import Status
from formulations.min_cost_flow import solve_min_cost_flow
from lbopt.cli import main
from lbopt.comparison import compare
from lbopt.instance import Instance
from lbopt.methods import solve
from lbopt.oslb.cell_level import flow_problem
from lbopt.oslb.chain import chain_plan
from lbopt.scenarios import hetnet
from tests.test_oslb_procedure import two_macros


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 10))
def test_chain_balances_and_is_never_better_than_the_optimum(seed, n):
    rng = np.random.default_rng(seed)
    demand = rng.integers(0, 50, n).astype(float)
    # a random connected graph: a random tree plus a few chords
    parent = [rng.integers(0, k) for k in range(1, n)]
    pairs = {(min(p, k), max(p, k)) for k, p in zip(range(1, n), parent, strict=True)}
    for _ in range(n // 2):
        a, b = sorted(rng.choice(n, 2, replace=False))
        pairs.add((int(a), int(b)))
    ga, gb = np.array(sorted(pairs)).T
    net = chain_plan(demand, np.ones(n), ga, gb)
    after = demand.copy()
    np.add.at(after, ga, -net)
    np.add.at(after, gb, net)
    np.testing.assert_allclose(after, demand.mean(), atol=1e-9)  # the chain balances exactly
    inf = np.full(len(ga), np.inf)
    problem, _, _ = flow_problem(demand, np.ones(n), ga, gb, inf, inf, np.ones(len(ga)))
    optimum = solve_min_cost_flow(problem, "highs").objective
    assert np.abs(net).sum() >= optimum - 1e-6


def test_chain_on_a_row_is_optimal(tiny_path):
    cells = pd.DataFrame({"id": list("abcde"), "prb_demand": [9.0, 1, 7, 0, 3], "prb_capacity": 10.0})
    links = pd.DataFrame({"a": list("abcd"), "b": list("bcde"), "capacity_ab": 1e6, "capacity_ba": 1e6})
    inst = Instance(name="row", cells=cells, links=links)
    chain = solve(inst, "chain")
    oslb = solve(inst, "oslb")
    assert chain.objective == pytest.approx(oslb.objective)
    assert chain.metrics["optimum_cost"] == pytest.approx(oslb.objective)


def test_mlb_steps_offsets_towards_the_light_cell_and_balances():
    inst = two_macros(30, 3)
    res = solve(inst, "mlb", periods=6)
    g = res.tables["groups"]
    assert g["load_before"].iloc[0] > g["load_before"].iloc[1] + 0.1
    assert res.tables["cio"]["cio_db"].iloc[0] > 0  # O_LR grew: L pushes users to R
    assert res.metrics["ldi_after"] > res.metrics["ldi_before"]
    assert res.metrics["handovers"] > 0
    trace = res.tables["trace"]
    assert len(trace) == 6
    assert "Hys" in res.extra["rule"]


def test_compare_table_on_a_hetnet(tmp_path):
    inst = hetnet(rings=1, busy_cells=2, busy_users=30, seed=2)
    summary = compare(inst, ["oslb", "mlb", "chain", "none"], integral=True)
    table, results = summary.tables["comparison"], summary.children
    assert list(table["method"]) == ["oslb", "mlb", "chain", "none"]
    none = table.set_index("method").loc["none"]
    assert none["ldi_after"] == pytest.approx(none["ldi_before"])
    assert table["ldi_before"].nunique() == 1  # every method starts from the same state
    t = table.set_index("method")
    assert t.loc["oslb", "plan_volume_over_flow_optimum"] == pytest.approx(1.0, abs=1e-12)  # the plan is the optimum
    assert t.loc["chain", "plan_volume_over_flow_optimum"] >= 1.0  # the chain plan costs at least the optimum
    assert np.isnan(t.loc["mlb", "plan_volume_over_flow_optimum"])  # no flow plan, no ratio
    assert results["oslb"].status == Status.PARTIAL  # 30-user busy cells: more surplus than the edge users carry
    assert results["oslb"].metrics["plan_unmet_prb"] > 0


def test_cli_compare_writes_table_and_results(tmp_path, tiny_path):
    out = tmp_path / "cmp"
    res = CliRunner().invoke(main, ["compare", str(tiny_path), "--methods", "oslb,chain,none", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "comparison.csv").is_file()
    assert (out / "oslb" / "result.json").is_file()
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["method"]) == {"oslb", "chain", "none"}
    bad = CliRunner().invoke(main, ["compare", str(tiny_path), "--methods", "oslb,mlbb", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2
    assert "did you mean 'mlb'" in bad.output
    rep = CliRunner().invoke(main, ["report", str(out)])
    assert rep.exit_code == 0, rep.output
    assert "comparison" in (out / "report.html").read_text().lower()
