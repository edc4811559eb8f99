"""ua-opt: the certified optimum of the realised loads, checked against brute force, a second solver and every
method's realised loads."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formulations.status import Status
from formulations.user_association import AssignmentProblem, solve_assignment, solve_pyomo
from lbopt.cli import main
from lbopt.comparison import compare
from lbopt.evaluate import evaluation_level, home_units
from lbopt.methods import solve
from lbopt.radio import evaluate_users
from lbopt.scenarios.hetnet import hetnet
from lbopt.scenarios.layouts import zou16

OBJECTIVES = ("max-load", "sum-squares", "over-busy")


@st.composite
def problems(draw, max_users: int = 8, max_units: int = 4):
    """Tiny random assignment problems: 3-4 units, 6-8 users, 1 to all units each, whole or fractional PRBs."""
    n_units = draw(st.integers(3, max_units))
    n_users = draw(st.integers(6, max_users))
    whole = draw(st.booleans())
    need = st.integers(1, 12).map(float) if whole else st.floats(0.5, 12.0)
    users, units, prb = [], [], []
    for u in range(n_users):
        cells = sorted(draw(st.sets(st.integers(0, n_units - 1), min_size=1, max_size=n_units)))
        users += [u] * len(cells)
        units += cells
        prb += [draw(need) for _ in cells]
    capacity = np.array([draw(st.integers(8, 20)) for _ in range(n_units)], float)
    user = np.array(users)
    return AssignmentProblem(
        n_users, user, np.array(units), np.array(prb), capacity, np.searchsorted(user, range(n_users))
    )


def random_problem(seed: int, n: int = 300, g: int = 30) -> AssignmentProblem:
    """n users with 2-4 of g units each (capacity 100), 1-29 PRBs per candidate: too large to enumerate."""
    rng = np.random.default_rng(seed)
    k = rng.integers(2, 5, n)
    user = np.repeat(np.arange(n), k)
    unit = np.concatenate([np.sort(rng.choice(g, kk, replace=False)) for kk in k])
    prb = rng.integers(1, 30, len(user)).astype(float)
    return AssignmentProblem(n, user, unit, prb, np.full(g, 100.0), np.searchsorted(user, range(n)))


def brute_force(p: AssignmentProblem, objective: str) -> float:
    """The least objective over every association (∏ candidates per user ≤ 4^8 = 65,536)."""
    starts = p.starts
    choices = itertools.product(*(range(starts[u], starts[u + 1]) for u in range(p.n_users)))
    return min(p.value(objective, np.array(c)) for c in choices)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(OBJECTIVES))
def test_optimum_equals_brute_force(p, objective):
    """Certified optima equal the enumeration (tolerance: the default gap 1e-4, relative; sum-squares through tangent
    cuts is within it, the other two are exact)."""
    s = solve_assignment(p, objective)
    best = brute_force(p, objective)
    assert s.status == Status.OPTIMAL
    assert s.bound <= best * (1 + 1e-9) + 1e-12  # a valid bound
    assert s.value == pytest.approx(best, rel=1e-4 if objective == "sum-squares" else 1e-12, abs=1e-12)
    assert s.value == p.value(objective, s.choice)  # the value is the association's, recomputed


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_highspy_model_agrees_with_the_pyomo_model_solved_by_scip(objective):
    """The matrix model (HiGHS) and the declarative Pyomo model (SCIP, with the exact square) agree on 6 random
    problems to 1e-6 (SCIP's default feasibility tolerance)."""
    pytest.importorskip("pyscipopt")
    rng = np.random.default_rng(7)
    for _ in range(6):
        n, g = 10, 4
        k = rng.integers(1, g + 1, n)
        user = np.repeat(np.arange(n), k)
        unit = np.concatenate([np.sort(rng.choice(g, kk, replace=False)) for kk in k])
        prb = rng.integers(1, 9, len(user)).astype(float)
        p = AssignmentProblem(n, user, unit, prb, rng.integers(8, 16, g).astype(float), np.searchsorted(user, range(n)))
        assert solve_assignment(p, objective, mip_gap=1e-7).value == pytest.approx(
            solve_pyomo(p, objective), rel=1e-6, abs=1e-9
        )


def test_second_stage_takes_fewest_handovers_at_the_optimum():
    """Two users on unit 0 (load 1.2); moving either one gives 0.6: the optimum moves exactly one, whichever."""
    user = np.array([0, 0, 1, 1])
    p = AssignmentProblem(
        2, user, np.array([0, 1, 0, 1]), np.array([6.0, 6, 6, 6]), np.array([10.0, 10]), np.array([0, 2])
    )
    s = solve_assignment(p, "max-load", second_stage="handovers")
    assert s.value == 0.6
    assert s.second_stage["handovers"] == 1
    assert s.second_stage["status"] == "optimal"


def test_a_time_limit_gives_a_feasible_association_with_a_valid_bound():
    """300 users × 30 units stopped after 0.1 s: feasible (never an error), a bound below the value and below the
    best association found in 3 s."""
    p = random_problem(3)
    quick = solve_assignment(p, time_limit=0.1, second_stage="none")
    slow = solve_assignment(p, time_limit=3, second_stage="none")
    assert quick.status == Status.FEASIBLE
    assert quick.bound <= quick.value
    assert quick.bound <= slow.value * (1 + 1e-9)
    assert quick.facts.termination == "time-limit"
    assert quick.facts.time_s < 1.0
    assert slow.value <= quick.value


@pytest.fixture(scope="module")
def het():
    return hetnet(rings=1, busy_cells=3, busy_users=20, normal_users=8, seed=5)


@pytest.fixture(scope="module")
def ua_result(het):
    return solve(het, "ua-opt")


def test_candidates_csv_reproduces_the_evaluated_prbs(het, ua_result):
    """Every user's prb_after (the evaluator's, from the radio model) is the prb of its chosen pair in
    candidates.csv, exactly; and the radio model gives the same PRBs for that association."""
    users = ua_result.tables["users"].set_index("id")
    cand = ua_result.tables["candidates"]
    chosen = cand[cand["chosen"]].set_index("user")
    assert (chosen["cell"] == users.loc[chosen.index, "serving_after"]).all()
    np.testing.assert_array_equal(chosen["prb"].to_numpy(), users.loc[chosen.index, "prb_after"].to_numpy())
    radio = evaluate_users(het, het.cell_positions(users["serving_after"].reindex(het.users["id"])))
    np.testing.assert_array_equal(radio.prb, users["prb_after"].reindex(het.users["id"]).to_numpy())


def test_the_evaluation_is_the_objective_and_carries_the_bound(ua_result):
    ev = ua_result.evaluation
    assert ua_result.status == Status.OPTIMAL
    assert ev["max_load_after"] == pytest.approx(ua_result.objective, rel=1e-12)
    assert ev["max_load_bound"] == ua_result.metrics["bound"] == ua_result.solver.bound
    assert ev["max_load_bound"] <= ev["max_load_after"]


def test_brute_force_over_the_instance_candidates(het):
    """On 8 users of a generated instance with 2+ candidate cells each (from the radio model), the optimum equals
    the enumeration of all associations of candidates.csv."""
    full = solve(het, "ua-opt").tables["users"]
    movable = full.loc[full["candidates"] > 1, "id"].iloc[:8]  # users with a choice, so the enumeration is not trivial
    small = replace(het, users=het.users[het.users["id"].isin(movable)].reset_index(drop=True))
    r = solve(small, "ua-opt")
    cand = r.tables["candidates"]
    assert 2**8 <= np.prod(cand.groupby("user").size().to_numpy()) <= 10**5
    unit_of_cell, cap = home_units(small, evaluation_level(small))
    groups = [g for _, g in cand.groupby("user", sort=False)]
    best = np.inf
    for combo in itertools.product(*(range(len(g)) for g in groups)):
        used = np.zeros(len(cap))
        for g, i in zip(groups, combo, strict=True):
            used[unit_of_cell[small.cell_positions(g["cell"].iloc[[i]])[0]]] += g["prb"].iloc[i]
        best = min(best, float((used / cap).max()))
    assert r.objective == pytest.approx(best, rel=1e-12)


def test_no_user_can_move_gives_the_current_association_and_gap_zero(het):
    """With offsets fixed at 0 and no hysteresis, the A3 window is 0 dB: every user keeps its strongest cell."""
    still = {"cio_min_db": 0.0, "cio_max_db": 0.0, "hysteresis_db": 0.0}
    fixed = replace(het, handover=het.handover.model_copy(update=still))
    r = solve(fixed, "ua-opt")
    assert r.status == Status.OPTIMAL
    assert r.metrics["gap"] == 0.0
    assert r.evaluation["handovers"] == 0
    assert r.metrics["single_candidate_users"] == len(fixed.users)


_METHODS = ["none", "max-rsrp", "mlb", "oslb", "zou-alg1", "zou-greedy"]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 10_000), st.sampled_from(["hetnet", "zou16"]))
def test_the_bound_is_below_every_methods_realised_max_load(seed, layout):
    """Random instances: ua-opt's bound never exceeds any method's realised largest load, and every method's users
    stay inside the A3 window (no pair needed adding for the bound to cover them)."""
    inst = hetnet(rings=1, busy_cells=3, busy_users=15, seed=seed) if layout == "hetnet" else zou16(120, seed=seed)
    result = compare(inst, _METHODS, references=["ua-opt"], steps=10)
    table = result.tables["comparison"]
    ua = result.children["ua-opt"]
    assert ua.metrics["pairs_from_methods"] == 0
    bound = ua.evaluation["max_load_bound"]
    for _, row in table.iterrows():
        if (row["rehomed_cells"] or 0) > 0:  # re-homed picocells: other units, no gap (and none is claimed)
            assert pd.isna(row["gap_max_load"])
            continue
        assert row["max_load_after"] >= bound * (1 - 1e-9)
        assert row["gap_max_load"] >= 0


def test_compare_cli_reference_adds_the_gap_without_a_row(tmp_path):
    runner = CliRunner()
    inst = tmp_path / "z.yaml"
    assert runner.invoke(main, ["generate", "zou16", "--users", "80", "--seed", "1", "--out", str(inst)]).exit_code == 0
    out = tmp_path / "cmp"
    res = runner.invoke(
        main,
        [
            "compare",
            str(inst),
            "--methods",
            "none,zou-alg1",
            "--reference",
            "ua-opt",
            "--steps",
            "5",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["method"]) == ["none", "zou-alg1"]
    assert (table["gap_max_load"] >= 0).all()
    assert table["max_load_bound"].notna().all()
    assert (out / "ua-opt" / "candidates.csv").exists()
    bad = runner.invoke(
        main, ["compare", str(inst), "--methods", "none", "--reference", "mlb", "--out", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2
    assert "not a certified reference" in bad.output


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 10_000), st.sampled_from(["continuous", "3gpp"]))
def test_offsets_alone_never_beat_any_association_and_a3_executes_them(seed, steps):
    """cio-opt's value is at least ua-opt's certified optimum (its associations are among ua-opt's candidates), and
    the offsets it writes, executed by the radio module's own A3 (lbopt.radio.handover.a3_target, not the
    formulation's simulation), give exactly its association."""
    from lbopt.radio import a3_target, user_cell_matrices
    from lbopt.radio.model import serving_or_strongest

    inst = zou16(100, seed=seed)
    cio = solve(inst, "cio-opt", offset_steps=steps, time_limit=20)
    ua = solve(inst, "ua-opt")
    assert cio.objective >= ua.metrics["bound"] * (1 - 1e-9)
    assert cio.metrics["bound"] <= cio.objective
    table = cio.tables["cio"]
    if steps == "3gpp":
        from formulations.cio_association import Q_OFFSET_RANGE_DB

        assert np.isin(np.round(table["cio_db"], 9), Q_OFFSET_RANGE_DB).all()
    n = inst.n_cells
    offsets = np.zeros((n, n))
    a, b = inst.cell_positions(table["source_cell"]), inst.cell_positions(table["target_cell"])
    offsets[a, b], offsets[b, a] = table["cio_db"], -table["cio_db"]
    rsrp = user_cell_matrices(inst)["rsrp_dbm"]
    start = serving_or_strongest(inst, rsrp)
    target = a3_target(rsrp, start, offsets, inst.handover.hysteresis_db)
    executed = np.where(target >= 0, target, start)
    after = inst.cell_positions(cio.tables["users"]["serving_after"])
    np.testing.assert_array_equal(executed, after)


@settings(max_examples=25, deadline=None)
@given(problems(), st.lists(st.floats(0.0, 5.0), min_size=4, max_size=4))
def test_lagrangian_bound_is_valid_for_any_weights_and_greedy_is_feasible(p, weights):
    """Any unit weights give a bound at most the brute-force optimum (weak duality); the greedy association is an
    association (one candidate per user) whose value is at least the optimum."""
    from formulations.user_association import greedy, lagrangian_bound

    best = brute_force(p, "max-load")
    assert lagrangian_bound(p, np.array(weights[: p.n_units])) <= best * (1 + 1e-12)
    choice = greedy(p)
    assert (p.user[choice] == np.arange(p.n_users)).all()
    assert p.value("max-load", choice) >= best


def test_the_interior_point_bound_equals_the_simplex_lp_optimum():
    """On 300 users × 30 units the bound recomputed from the IPM's dual prices equals the simplex LP optimum to 1e-6
    (IPM tolerance), and never exceeds it by more (it is a valid bound, the LP optimum is the best such)."""
    from formulations.user_association import _lp_max_load, _lp_relaxation, _max_load_model

    p = random_problem(11)
    ipm, _ = _lp_max_load(p)
    simplex, _ = _lp_relaxation(_max_load_model, p)
    assert ipm == pytest.approx(simplex, rel=1e-6)
    assert ipm <= simplex * (1 + 1e-9)


def test_standing_shows_bound_offsets_plan_and_realised_loads_in_order(het):
    """The comparison's standing table: ua-opt's bound lowest, cio-opt at or above it, OSLB's promised and realised
    largest loads, all from evaluations; rendered in the comparison report."""
    result = compare(het, ["oslb", "mlb", "cio-opt", "ua-opt"], time_limit=20)
    table = result.tables["standing"]
    assert table["max_load"].is_monotonic_increasing
    assert table.iloc[0]["method"] == "ua-opt"
    assert table.iloc[0]["what"].startswith("bound")
    rows = {(r.method, r.what.split(" ")[0]): r.max_load for r in table.itertuples()}
    assert rows[("cio-opt", "realised")] >= rows[("ua-opt", "bound:")]
    assert rows[("oslb", "promised")] == result.children["oslb"].evaluation["max_load_planned"]
    assert rows[("oslb", "realised")] == result.children["oslb"].evaluation["max_load_after"]


def test_a_method_leaving_users_unserved_gets_no_gap(tiny_path):
    """tiny.yaml's u4 has no serving cell: `none` leaves it unserved (less load than any association serving every
    user), so its row has no gap instead of a negative one (found by the CLI fuzz)."""
    from lbopt.instance.io import load_instance

    table = compare(load_instance(tiny_path), ["ua-opt", "none", "max-rsrp"]).tables["comparison"].set_index("method")
    assert table.loc["none", "outage_users"] == 1
    assert pd.isna(table.loc["none", "gap_max_load"])
    assert table.loc["max-rsrp", "gap_max_load"] >= 0


def test_a_highs_presolve_solve_error_is_retried_and_the_optimum_agrees_with_scip():
    """zou16 with 100 users, seed 120: HiGHS ≥ 1.13's presolve ends the second-stage MILP with 'Solve error'
    (ERGO-Code/HiGHS#3216); the retry without presolve gives the optimum, which SCIP confirms on the same problem."""
    from lbopt.optimum.candidates import candidate_pairs
    from lbopt.optimum.ua import build_problem

    inst = zou16(100, seed=120)
    res = solve(inst, "ua-opt")
    assert res.status.value == "optimal"
    pytest.importorskip("pyscipopt")
    unit_of_cell, capacity = home_units(inst, evaluation_level(inst))
    problem, _ = build_problem(candidate_pairs(inst, "a3", ()), len(inst.users), unit_of_cell, capacity)
    assert res.objective == pytest.approx(solve_pyomo(problem, "max-load"), rel=1e-6)
