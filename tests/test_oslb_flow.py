"""OSLB flow plan: four engines agree, the chain closed form, feasibility by max flow, partial and edge cases."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formulations import Status
from formulations.min_cost_flow import ENGINES, FlowProblem, chain_closed_form, solve_min_cost_flow
from lbopt.cli import main
from lbopt.instance import Instance, load_instance
from lbopt.oslb import balance_targets, flow_problem, largest_remainder, plan_cell_level

OBJ_TOL = 1e-6  # HiGHS' primal feasibility tolerance is 1e-7 per row; objectives agree to 1e-6 on these sizes
ENGINE_NAMES = sorted(ENGINES)


def check_flow(problem: FlowProblem, flow: np.ndarray, unmet_supply: np.ndarray, unmet_demand: np.ndarray) -> None:
    """Independent check of a returned flow: bounds, conservation with the reported unmet amounts."""
    assert np.all(flow >= -1e-9)
    assert np.all(flow <= problem.capacity + 1e-6)
    n = problem.n_nodes
    net_out = np.bincount(problem.tail, flow, n) - np.bincount(problem.head, flow, n)
    np.testing.assert_allclose(net_out, problem.supply - unmet_supply + unmet_demand, atol=1e-6)


def networkx_max_flow(problem: FlowProblem) -> float:
    """Maximum S–T flow by networkx's preflow-push (the paper's feasibility test, NOTES §1.4)."""
    g = nx.DiGraph()
    for k in range(problem.n_arcs):
        i, j, c = int(problem.tail[k]), int(problem.head[k]), problem.capacity[k]
        g.add_edge(i, j, capacity=float(c) if np.isfinite(c) else float("inf"))
    for i in np.flatnonzero(problem.supply > 0):
        g.add_edge("S", int(i), capacity=float(problem.supply[i]))
    for j in np.flatnonzero(problem.supply < 0):
        g.add_edge(int(j), "T", capacity=float(-problem.supply[j]))
    if "S" not in g or "T" not in g:
        return 0.0
    return nx.maximum_flow_value(g, "S", "T")


@st.composite
def integer_problems(draw) -> FlowProblem:
    n = draw(st.integers(2, 9))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
    a = np.array([p[0] for p in chosen])
    b = np.array([p[1] for p in chosen])
    demand = np.array(draw(st.lists(st.integers(0, 60), min_size=n, max_size=n)), float)
    cap = draw(
        st.lists(st.one_of(st.just(np.inf), st.integers(0, 25).map(float)), min_size=2 * len(a), max_size=2 * len(a))
    )
    cost = draw(st.lists(st.integers(1, 5).map(float), min_size=len(a), max_size=len(a)))
    problem, _, _ = flow_problem(
        demand,
        np.full(n, 50.0),
        a,
        b,
        np.array(cap[: len(a)]),
        np.array(cap[len(a) :]),
        np.array(cost),
        integral=True,
    )
    return problem


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=integer_problems())
def test_engines_agree_on_random_instances(problem):
    results = {e: solve_min_cost_flow(problem, e, canonical=False) for e in ENGINE_NAMES}
    ref = results["networkx"]
    assert ref.routed == pytest.approx(networkx_max_flow(problem), abs=1e-6)
    for name, sol in results.items():
        check_flow(problem, sol.flow, sol.unmet_supply, sol.unmet_demand)
        assert sol.objective == pytest.approx(ref.objective, abs=OBJ_TOL), name
        assert sol.unmet == pytest.approx(ref.unmet, abs=OBJ_TOL), name
        assert sol.status == ref.status, name
        # recomputed, not trusted: the reported objective is cost · flow
        assert sol.objective == pytest.approx(float(problem.cost @ sol.flow), abs=1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=integer_problems())
def test_the_canonical_flow_is_one_optimum_for_every_engine(problem):
    """Engines return different ones of equally cheap flows; the canonical flow is the same whatever the engine, whole
    PRBs, and as cheap as each engine's own optimum."""
    flows = {}
    for engine in ENGINE_NAMES:
        own = solve_min_cost_flow(problem, engine, canonical=False)
        canon = solve_min_cost_flow(problem, engine)
        assert canon.facts.extra["canonical"] is True, engine
        assert canon.objective == pytest.approx(own.objective, abs=OBJ_TOL), engine
        assert canon.routed == pytest.approx(own.routed, abs=OBJ_TOL), engine
        check_flow(problem, canon.flow, canon.unmet_supply, canon.unmet_demand)
        flows[engine] = canon.flow
    for engine, flow in flows.items():
        np.testing.assert_array_equal(flow, np.round(flow), err_msg=engine)
        np.testing.assert_array_equal(flow, flows["highs"], err_msg=engine)


@settings(max_examples=100, deadline=None)
@given(demand=st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=15))
def test_chain_closed_form_equals_lp_optimum(demand):
    """NOTES eq. 9 on cells in a row (unit costs, no capacity limits) is the optimum of eq. 10."""
    p = np.array(demand)
    n = len(p)
    a = np.arange(n - 1)
    problem, _, _ = flow_problem(
        p, np.ones(n), a, a + 1, np.full(n - 1, np.inf), np.full(n - 1, np.inf), np.ones(n - 1)
    )
    y = chain_closed_form(p, p.mean())
    sol = solve_min_cost_flow(problem, "highs")
    assert sol.status == Status.OPTIMAL
    assert sol.objective == pytest.approx(np.abs(y).sum(), abs=1e-6 * max(1.0, p.sum()))
    # and the flow itself is the closed form: x_{i,i+1} = max(y, 0), x_{i+1,i} = max(-y, 0)
    np.testing.assert_allclose(sol.flow[: n - 1], np.maximum(y, 0), atol=1e-6 * max(1.0, p.sum()))
    np.testing.assert_allclose(sol.flow[n - 1 :], np.maximum(-y, 0), atol=1e-6 * max(1.0, p.sum()))


def _row_instance(demand, capacity=None, cost=None, links=None) -> Instance:
    n = len(demand)
    cells = pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(n)],
            "prb_demand": np.asarray(demand, float),
            "prb_capacity": np.full(n, 50.0) if capacity is None else np.asarray(capacity, float),
        }
    )
    if links is None:
        links = pd.DataFrame(
            {
                "a": [f"c{i}" for i in range(n - 1)],
                "b": [f"c{i + 1}" for i in range(n - 1)],
                "capacity_ab": 1e9,
                "capacity_ba": 1e9,
                "cost": 1.0 if cost is None else cost,
            }
        )
    return Instance(name="row", cells=cells, links=links if len(links) else None)


def test_jia_figure_4_example():
    """Four cells in a row with 1, 3, 1, 3 users of one PRB: B → A and D → C, one each (the paper's scheme 2)."""
    plan = plan_cell_level(_row_instance([1, 3, 1, 3]), engine="highs")
    flows = {
        (int(t), int(h)): x
        for t, h, x in zip(plan.problem.tail, plan.problem.head, plan.solution.flow, strict=True)
        if x > 0
    }
    assert flows == pytest.approx({(1, 0): 1.0, (3, 2): 1.0})
    assert plan.solution.objective == pytest.approx(2.0)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_partial_when_links_are_too_thin(engine):
    links = pd.DataFrame({"a": ["c0", "c1"], "b": ["c1", "c2"], "capacity_ab": [5.0, 5.0], "capacity_ba": [0.0, 0.0]})
    plan = plan_cell_level(_row_instance([40, 10, 10], links=links), engine=engine, integral=True)
    sol = plan.solution
    # target 20 each: c0 must shed 20 but only 5 can leave it
    assert sol.status == Status.PARTIAL
    assert sol.routed == pytest.approx(5.0)
    assert sol.unmet == pytest.approx(15.0)
    assert sol.objective == pytest.approx(5.0)  # 5 PRBs over c0 → c1; moving them on to c2 would cost more


def test_disconnected_graph_is_balanced_per_component():
    links = pd.DataFrame({"a": ["c0", "c2"], "b": ["c1", "c3"], "capacity_ab": 100.0, "capacity_ba": 100.0})
    plan = plan_cell_level(_row_instance([30, 10, 5, 45, 17], links=links), engine="highs")
    np.testing.assert_allclose(plan.target, [20, 20, 25, 25, 17])  # c4 is alone and keeps its demand
    np.testing.assert_allclose(plan.demand_after(), plan.target, atol=1e-7)
    assert plan.solution.status == Status.OPTIMAL
    assert plan.component.max() == 2


def test_single_cell_and_equal_cells_and_no_links():
    for demand in ([42.0], [10.0, 10.0, 10.0]):
        plan = plan_cell_level(_row_instance(demand), engine="highs")
        assert plan.solution.status == Status.OPTIMAL
        assert plan.solution.objective == 0.0
        assert plan.solution.flow.sum() == 0.0
    plan = plan_cell_level(_row_instance([10.0, 30.0], links=pd.DataFrame()), engine="highs")
    assert plan.solution.objective == 0.0  # no links, no geometry: two components, nothing to move


def test_zero_capacity_links_behave_as_absent():
    links = pd.DataFrame({"a": ["c0", "c1"], "b": ["c1", "c2"], "capacity_ab": [0.0, 30.0], "capacity_ba": [0.0, 30.0]})
    plan = plan_cell_level(_row_instance([30, 0, 30], links=links), engine="highs")
    assert plan.solution.status == Status.PARTIAL
    assert plan.solution.unmet == pytest.approx(10.0)  # c0's 10 surplus cannot cross the zero link


def test_equal_utilisation_target():
    plan = plan_cell_level(
        _row_instance([90, 10, 20], capacity=[100, 50, 50]), target="equal-utilisation", engine="highs"
    )
    util = plan.demand_after() / plan.capacity
    np.testing.assert_allclose(util, 120 / 200)


def test_integral_targets_sum_and_integrality():
    demand = np.array([7.0, 3, 0, 11, 5])
    t = balance_targets(demand, np.ones(5), np.zeros(5, int), integral=True)
    assert t.sum() == demand.sum()
    assert set(t) <= {5.0, 6.0}
    np.testing.assert_array_equal(
        largest_remainder(np.array([0.5, 0.5, 1.0]), np.zeros(3, int), np.array([2])), [1, 0, 1]
    )
    plan = plan_cell_level(_row_instance([7, 3, 0, 11, 5]), integral=True, engine="highs")
    np.testing.assert_allclose(plan.solution.flow, np.round(plan.solution.flow), atol=1e-7)
    with pytest.raises(ValueError, match="integer PRB demands"):
        plan_cell_level(_row_instance([7.5, 3]), integral=True)


def test_ortools_refuses_fractional_data():
    pytest.importorskip("ortools")
    with pytest.raises(ValueError, match="integer"):
        plan_cell_level(_row_instance([7, 3, 1]), engine="ortools")


def test_cli_oslb_contract_and_export(tmp_path, tiny_path):
    out = tmp_path / "o"
    res = CliRunner().invoke(
        main, ["solve", str(tiny_path), "-m", "oslb", "--out", str(out), "--export", str(out / "m.mps")]
    )
    assert res.exit_code == 0, res.output
    data = json.loads((out / "result.json").read_text())
    assert data["status"] == "optimal"
    for key in ("transferred_prb", "unmet_prb", "ldi_before", "ldi_after"):
        assert key in data["metrics"]
    assert {"from", "to", "prb"} <= set(data["flows"][0])
    # independent recomputation from the files: conservation and the objective
    inst = load_instance(tiny_path)
    flows = pd.DataFrame(data["flows"])
    net = flows.groupby("from")["prb"].sum().sub(flows.groupby("to")["prb"].sum(), fill_value=0)
    after = inst.cells.set_index("id")["prb_demand"].sub(net, fill_value=0)
    np.testing.assert_allclose(after.to_numpy(), 287 / 7, atol=1e-6)
    assert data["objective"] == pytest.approx(flows["prb"].sum())  # unit costs
    assert data["metrics"]["ldi_after"] == pytest.approx(1.0)
    # the exported model solves to the same optimum in a fresh HiGHS
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(out / "m.mps"))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(data["objective"], abs=1e-6)


def test_reading_a_capacities_without_link_capacities():
    links = pd.DataFrame({"a": ["c0"], "b": ["c1"]})
    inst = _row_instance([40, 0], links=links)
    plan = plan_cell_level(inst, beta=0.25, engine="highs")
    assert plan.solution.routed == pytest.approx(10.0)  # c = β · P_0 = 10 < the 20 needed
    assert plan.solution.status == Status.PARTIAL


def test_the_export_of_a_partial_plan_is_the_model_that_was_solved(tmp_path):
    """The links carry 12 of c0's 80/3 surplus PRBs: the exported LP (penalised unrouted surplus, named rows and
    columns) solves, in HiGHS and in SCIP, to the plan's cost plus the penalty times the unmet PRBs."""
    from lbopt.instance import save_instance

    links = pd.DataFrame({"a": ["c0", "c1"], "b": ["c1", "c2"], "capacity_ab": [12.0, 12.0], "capacity_ba": [0.0, 0.0]})
    path = tmp_path / "p.yaml"
    save_instance(_row_instance([60, 20, 20], links=links), path)
    out = tmp_path / "o"
    res = CliRunner().invoke(main, ["solve", str(path), "-m", "oslb", "--export", "plan.mps", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "result.json").read_text())
    assert data["status"] == "partial"
    unmet, penalty = data["metrics"]["unmet_prb"], data["exported_model_penalty"]
    # equal-PRB target 100/3: c0's surplus 80/3, of which the 12-PRB link out of c0 carries 12 (fractional data: the
    # LP's flows are exact to HiGHS's primal feasibility tolerance, 1e-7, on three arcs)
    assert unmet == pytest.approx(80 / 3 - 12, abs=1e-6)
    expected = data["objective"] + penalty * unmet
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(out / "plan.mps"))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(expected, rel=1e-9)
    assert h.getColName(0)[1] == "x_c0_c1"
    assert h.getRowName(0)[1] == "balance_c0"
    pyscipopt = pytest.importorskip("pyscipopt")
    scip = pyscipopt.Model()
    scip.hideOutput()
    scip.readProblem(str(out / "plan.mps"))
    scip.optimize()
    assert scip.getStatus() == "optimal"
    assert scip.getObjVal() == pytest.approx(expected, rel=1e-9)


def test_large_problems_keep_the_engines_own_flow_and_say_so(monkeypatch):
    import formulations.min_cost_flow as mcf

    links = pd.DataFrame({"a": ["c0", "c1"], "b": ["c1", "c2"]})
    plan = plan_cell_level(_row_instance([60, 20, 20], links=links), engine="highs", integral=True)
    monkeypatch.setattr(mcf, "CANONICAL_MAX_ARCS", plan.problem.n_arcs - 1)
    sol = solve_min_cost_flow(plan.problem, "networkx")
    assert sol.facts.extra["canonical"] is False
    assert "the engine's own flow" in sol.facts.extra["canonical_skipped"]
    own = solve_min_cost_flow(plan.problem, "networkx", canonical=False)
    np.testing.assert_array_equal(sol.flow, own.flow)
