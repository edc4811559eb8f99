"""3GPP offsets: q-OffsetRange steps and directed neighbour relations, from the formulation to cio.csv.

The stepped solver is checked against brute force over every combination of allowed values and against the
continuous LP; OSLB's cio.csv is executed by A3 here, independently of the planner, and must give its association.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formulations.cio_lp import CioProblem, solve_cio_lp, solve_cio_steps
from lbopt.errors import InstanceError
from lbopt.instance.schema import HandoverConfig
from lbopt.methods import solve
from lbopt.radio import a3_target, user_cell_matrices
from lbopt.radio.model import serving_or_strongest
from lbopt.scenarios.hetnet import hetnet

#: q-OffsetRange, TS 36.331 (typed here from the specification)
Q_OFFSET_RANGE = [-24, -22, -20, -18, -16, -14, -12, -10, -8, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6]
Q_OFFSET_RANGE += [8, 10, 12, 14, 16, 18, 20, 22, 24]


def _random_problem(seed: int, n_links: int, n_req: int, directed: bool) -> CioProblem:
    rng = np.random.default_rng(seed)
    return CioProblem(
        n_links=n_links,
        link=rng.integers(0, n_links, n_req),
        side=np.ones(n_req, int) if directed else rng.choice([-1, 1], n_req),
        gap_db=rng.uniform(-8, 8, n_req),
        move=rng.random(n_req) < 0.4,
        lower_db=np.full(n_links, -6.0),
        upper_db=np.full(n_links, 6.0),
        current_db=rng.choice([-2.0, 0.0, 1.0], n_links),
        margin_db=0.1,
    )


def _lexicographic(problem: CioProblem, offsets: np.ndarray) -> tuple[float, float]:
    lo, hi = problem.bound_row()
    v = problem.side * offsets[problem.link]
    violation = float((np.maximum(lo - v, 0) + np.maximum(v - hi, 0)).sum())
    return violation, float(np.abs(offsets - problem.current_db).sum())


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n_links=st.integers(1, 3), n_req=st.integers(1, 12), directed=st.booleans())
def test_stepped_offsets_equal_brute_force_over_every_combination(seed, n_links, n_req, directed):
    """Least total violation, then least total change, over every combination of the 13 steps within ±6 dB (up to
    2,197 combinations): the enumeration per link reaches the brute-force optimum of both (1e-9 dB)."""
    problem = _random_problem(seed, n_links, n_req, directed)
    steps = np.array([s for s in Q_OFFSET_RANGE if -6 <= s <= 6], float)
    got = _lexicographic(problem, solve_cio_steps(problem, np.array(Q_OFFSET_RANGE, float)).offsets_db)
    every = [_lexicographic(problem, np.array(c)) for c in itertools.product(steps, repeat=n_links)]
    least_violation = min(v for v, _ in every)
    least_change = min(c for v, c in every if v <= least_violation + 1e-9)
    assert got[0] == pytest.approx(least_violation, abs=1e-9)
    assert got[1] == pytest.approx(least_change, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n_links=st.integers(1, 6), n_req=st.integers(1, 40))
def test_steps_never_beat_the_continuous_lp_and_a_fine_grid_reaches_it(seed, n_links, n_req):
    """The steps are a subset of the LP's interval, so their least violation is at least the LP's; on a 0.001 dB
    grid it is within 0.001 dB per requirement of it."""
    problem = _random_problem(seed, n_links, n_req, directed=False)
    lp = solve_cio_lp(problem)
    stepped = solve_cio_steps(problem, np.array(Q_OFFSET_RANGE, float))
    assert stepped.violation_db.sum() >= lp.violation_db.sum() - 1e-7
    fine = solve_cio_steps(problem, np.round(np.arange(-6.0, 6.0005, 0.001), 3))
    assert fine.violation_db.sum() <= lp.violation_db.sum() + 1e-3 * n_req + 1e-7


def test_3gpp_settings_are_checked():
    with pytest.raises(ValueError, match=r"0\.5 dB steps"):
        HandoverConfig(offset_steps="3gpp", hysteresis_db=2.3)
    with pytest.raises(ValueError, match=r"-24 \.\.\. 24 dB"):
        HandoverConfig(offset_steps="3gpp", cio_min_db=-30.0)
    assert HandoverConfig(offset_steps="3gpp", hysteresis_db=2.5).hysteresis_db == 2.5


def _stepped_hetnet(relations: str):
    inst = hetnet(rings=1, busy_cells=2, busy_users=30, seed=8)
    ho = inst.handover.model_copy(update={"offset_steps": "3gpp", "relations": relations})
    return inst.with_tables(handover=ho)


@pytest.mark.parametrize("relations", ["pair", "directed"])
def test_oslb_cio_csv_is_3gpp_and_a3_executes_it(relations):
    """cio.csv: every directed relation once, offsets in q-OffsetRange within the bounds (antisymmetric for pairs);
    applying them through A3 — macro users towards macro cells, as OSLB hands over — gives users.csv's association."""
    inst = _stepped_hetnet(relations)
    res = solve(inst, "oslb")
    cio = res.tables["cio"]
    assert list(cio.columns) == ["source_cell", "target_cell", "cio_db"]
    assert np.isin(cio["cio_db"], Q_OFFSET_RANGE).all()
    assert cio["cio_db"].between(inst.handover.cio_min_db, inst.handover.cio_max_db).all()
    assert not cio.duplicated(["source_cell", "target_cell"]).any()
    back = cio.set_index(["target_cell", "source_cell"])["cio_db"]
    reverse = back.loc[list(zip(cio["source_cell"], cio["target_cell"], strict=True))].to_numpy()
    if relations == "pair":
        np.testing.assert_array_equal(cio["cio_db"].to_numpy(), -reverse)
    assert res.metrics["offset_steps"] == "3gpp"
    # the steps are a subset of the continuous offsets: they never violate less (dB)
    assert res.metrics["cio_violation_db"] >= res.metrics["cio_violation_db_continuous"] - 1e-9

    n = inst.n_cells
    offsets = np.zeros((n, n))
    offsets[inst.cell_positions(cio["source_cell"]), inst.cell_positions(cio["target_cell"])] = cio["cio_db"]
    rsrp = user_cell_matrices(inst)["rsrp_dbm"]
    start = serving_or_strongest(inst, rsrp)
    macro = (inst.cells["tier"] == "macro").to_numpy()
    on_macro = macro[start]
    masked = np.where(macro[None, :], rsrp, -np.inf)
    target = a3_target(masked[on_macro], start[on_macro], offsets, inst.handover.hysteresis_db)
    expected = start.copy()
    expected[np.flatnonzero(on_macro)[target >= 0]] = target[target >= 0]
    after = inst.cell_positions(res.tables["users"]["serving_after"])
    np.testing.assert_array_equal(after, expected)


def test_a_3gpp_instance_file_round_trips(tmp_path):
    from lbopt.instance import load_instance, save_instance

    inst = _stepped_hetnet("directed")
    save_instance(inst, tmp_path / "i.yaml")
    again = load_instance(tmp_path / "i.yaml")
    assert again.handover.offset_steps == "3gpp"
    assert again.handover.relations == "directed"
    import yaml

    doc = yaml.safe_load((tmp_path / "i.yaml").read_text())
    doc["handover"]["hysteresis_db"] = 2.3
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(InstanceError, match="hysteresis"):
        load_instance(tmp_path / "bad.yaml")


@pytest.mark.parametrize(("method", "params"), [("mlb", {"step_db": 1.5}), ("zou-alg1", {}), ("zou-greedy", {})])
def test_every_offset_planner_writes_3gpp_steps(method, params):
    """With handover.offset_steps 3gpp, MLB (even with a 1.5 dB step), the Zou algorithms and the greedy scheme
    write offsets in q-OffsetRange within the bounds."""
    from lbopt.scenarios.layouts import zou16

    inst = zou16(300, seed=3) if method.startswith("zou") else hetnet(rings=1, busy_cells=2, busy_users=30, seed=8)
    inst = inst.with_tables(handover=inst.handover.model_copy(update={"offset_steps": "3gpp"}))
    cio = solve(inst, method, **params).tables["cio"]
    assert len(cio)
    assert np.isin(cio["cio_db"], Q_OFFSET_RANGE).all()
    assert cio["cio_db"].between(inst.handover.cio_min_db, inst.handover.cio_max_db).all()
