"""The radio numbers kept within the handover's reach (lbopt.radio.reach) against the full users × cells matrices.

Every kept number must be the full matrices' number bit for bit (the interference is still summed over every cell),
the kept set must be exactly the cells within the reach of the serving cell's RSRP, A3 over the kept pairs must pick
the targets the full matrices' A3 picks, and MLB — whose users drift from their first cell period after period, so
that their rows are widened — must hand over exactly the users a dense re-implementation of its rule hands over.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from lbopt.instance.schema import HandoverConfig
from lbopt.methods import solve
from lbopt.oslb.procedure import cell_groups, group_pairs
from lbopt.radio import a3_target, user_cell_matrices
from lbopt.radio.model import evaluate_users, sector_pattern_db, serving_or_strongest
from lbopt.radio.reach import PairValues, cached_reach, reach_radio
from lbopt.scenarios import hetnet


def _fresh(seed: int, serving: str = "max-rsrp", busy_users: int = 40):
    return hetnet(rings=1, normal_users=15, busy_cells=2, busy_users=busy_users, seed=seed, serving=serving)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 50), serving=st.sampled_from(["max-rsrp", "macro-only", "none"]), reach=st.floats(0, 15))
def test_kept_pairs_are_the_full_matrices_numbers_within_reach(seed, serving, reach):
    inst = _fresh(seed, serving)
    kept, start = reach_radio(inst, reach)
    full = user_cell_matrices(_fresh(seed, serving))  # a second object: nothing cached is shared
    rows = np.arange(len(start))
    assert np.array_equal(start, serving_or_strongest(inst, full["rsrp_dbm"]))
    within = full["rsrp_dbm"] >= (full["rsrp_dbm"][rows, start] - reach)[:, None]
    u, c = np.nonzero(within)
    assert np.array_equal(kept.user, u)
    assert np.array_equal(kept.cell, c)
    for name in ("rsrp_dbm", "sinr_db", "prb"):
        assert np.array_equal(getattr(kept, name), full[name][u, c]), name  # bit for bit
    # pair indexing: the value where kept, the stated missing value elsewhere
    qu, qc = np.meshgrid(rows, np.arange(inst.n_cells), indexing="ij")
    got = kept.values("rsrp_dbm")[qu, qc]
    assert np.array_equal(got, np.where(within, full["rsrp_dbm"], -np.inf))
    assert np.array_equal(kept.values("servable")[qu, qc], within & np.isfinite(full["prb"]))


def test_kept_pairs_of_measurement_records(tmp_path):
    from click.testing import CliRunner

    from lbopt.cli import main
    from lbopt.instance import load_instance

    base, day = tmp_path / "base.yaml", tmp_path / "day.yaml"
    assert CliRunner().invoke(main, ["generate", "hexgrid", "--rings", "2", "--out", str(base)]).exit_code == 0
    res = CliRunner().invoke(main, ["generate", "mr", "--base", str(base), "--users-peak", "200", "--out", str(day)])
    assert res.exit_code == 0, res.output

    def records():
        inst = load_instance(day)
        from lbopt.radio.measured import measured_users

        return measured_users(inst.with_tables(cells=inst.cells.drop(columns=["x_m", "y_m"]), links=None))

    kept, _ = reach_radio(records(), 6.0)
    full = user_cell_matrices(records())
    assert len(kept.user) > 0
    for name in ("rsrp_dbm", "sinr_db", "prb"):
        assert np.array_equal(getattr(kept, name), full[name][kept.user, kept.cell]), name
    assert np.isfinite(kept.rsrp_dbm).all()  # cells a record does not report (RSRP −∞) are never kept


def test_widened_rows_are_the_full_rows():
    inst = _fresh(3)
    kept, start = reach_radio(inst, 2.0)
    full = user_cell_matrices(_fresh(3))
    users = np.array([0, 5, 17])
    wider = kept.widened(inst, users, np.full(3, -np.inf))
    for u in range(len(start)):
        row = wider.cell[wider.user == u]
        expect = np.arange(inst.n_cells) if u in users else kept.cell[kept.user == u]
        assert np.array_equal(row, expect)
    assert np.array_equal(wider.sinr_db, full["sinr_db"][wider.user, wider.cell])
    assert np.array_equal(wider.keys, np.sort(wider.keys))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 30), hysteresis=st.sampled_from([0.0, 1.0, 2.0, 3.5]), offset_max=st.floats(0.5, 9))
def test_a3_over_kept_pairs_is_a3_over_all_cells(seed, hysteresis, offset_max):
    """Random offsets within ±O_max on every neighbour pair; reach O_max − Hys: the same target for every user."""
    inst = _fresh(seed)
    kept, serving = reach_radio(inst, max(0.0, offset_max - hysteresis))
    rsrp = user_cell_matrices(_fresh(seed))["rsrp_dbm"]
    rng = np.random.default_rng(seed)
    n = inst.n_cells
    a, b = np.triu_indices(n, 1)
    o = rng.uniform(-offset_max, offset_max, len(a))
    cio = sp.csr_matrix((np.r_[o, -o], (np.r_[a, b], np.r_[b, a])), shape=(n, n))
    users = np.flatnonzero(rng.random(len(serving)) < 0.8)
    towards = rng.random(n) < 0.7
    towards[serving[users]] = True  # as in OSLB and MLB: users on macro cells, targets among the macro cells
    masked = rsrp[users] + np.where(towards, 0.0, -np.inf)[None, :]
    expect = a3_target(masked, serving[users], cio, hysteresis)
    assert np.array_equal(kept.a3_target(users, serving, cio, hysteresis, towards), expect)


def test_pair_values_per_cell_and_missing():
    keys = np.array([1, 4, 5])  # (0, 1), (1, 1), (1, 2) in a 2 × 3 matrix
    values = PairValues(keys, np.array([2.0, 3.0, 4.0]), (2, 3), np.nan)
    dense = np.array([[np.nan, 2.0, np.nan], [np.nan, 3.0, 4.0]])
    u, c = np.meshgrid([0, 1], [0, 1, 2], indexing="ij")
    np.testing.assert_array_equal(values[u, c], dense)
    np.testing.assert_array_equal(values.per_cell(np.array([10.0, 0.5, 0.25]))[u, c], dense * [10.0, 0.5, 0.25])
    assert PairValues(np.empty(0, np.int64), np.empty(0), (2, 3), -np.inf)[1, 2] == -np.inf


def _mlb_dense(inst, periods: int, load_gap: float, step_db: float) -> pd.DataFrame:
    """MLB's rule (lbopt.oslb.mlb's docstring) on the full matrices with the dense A3: the handovers of every period."""
    m = user_cell_matrices(inst)
    rsrp, prb = m["rsrp_dbm"], np.where(np.isfinite(m["prb"]), m["prb"], 0.0)
    groups = cell_groups(inst)
    serving = serving_or_strongest(inst, rsrp)
    ga, gb, link = group_pairs(inst, groups)
    ha, hb = groups.head[ga[link >= 0]], groups.head[gb[link >= 0]]
    ho = inst.handover
    lo, hi = max(ho.cio_min_db, -ho.cio_max_db), min(ho.cio_max_db, -ho.cio_min_db)
    capacity = np.bincount(groups.of_cell, inst.prb_capacity(), groups.n)
    heads = np.full(inst.n_cells, -np.inf)
    heads[groups.head] = 0.0
    drive = np.zeros(len(ha))
    rows, events = np.arange(len(serving)), []
    for period in range(1, periods + 1):
        load = np.bincount(groups.of_cell[serving], prb[rows, serving], groups.n) / capacity
        diff = load[groups.of_cell[ha]] - load[groups.of_cell[hb]]
        drive = np.clip(drive + step_db * ((diff > load_gap).astype(float) - (diff < -load_gap)), lo, hi)
        cio = np.zeros((inst.n_cells, inst.n_cells))
        cio[ha, hb], cio[hb, ha] = drive, -drive
        users = np.flatnonzero(serving == groups.head[groups.of_cell[serving]])
        target = a3_target(rsrp[users] + heads[None, :], serving[users], cio, ho.hysteresis_db)
        moved = target >= 0
        events.append(pd.DataFrame({"step": period, "user": users[moved], "source": serving[users[moved]]}))
        events[-1]["target"] = target[moved]
        serving = serving.copy()
        serving[users[moved]] = target[moved]
    return pd.concat(events, ignore_index=True)


@pytest.mark.parametrize("seed", [1, 4])
def test_mlb_over_kept_pairs_hands_over_as_the_dense_rule_does(seed):
    """Wide offsets, no hysteresis, big steps over many periods: users drift far from their first cell, their rows
    are widened, and every period's handovers are those of the dense rule."""
    ho = HandoverConfig(hysteresis_db=0.0, cio_min_db=-12.0, cio_max_db=12.0)

    def inst():
        net = _fresh(seed, busy_users=60)
        return net.with_tables(handover=ho)

    net = inst()
    res = solve(net, "mlb", periods=25, load_gap=0.02, step_db=3.0)
    transfers = res.tables["transfers"]
    expect = _mlb_dense(inst(), 25, 0.02, 3.0)
    assert len(expect) > 0
    got = transfers.assign(
        source=net.cell_positions(transfers["source"]), target=net.cell_positions(transfers["target"])
    )
    pd.testing.assert_frame_equal(got[["step", "user", "source", "target"]].reset_index(drop=True), expect,
                                  check_dtype=False)  # fmt: skip
    kept = cached_reach(net)
    first = reach_radio(inst(), 12.0)[0]
    assert (kept.floor_dbm < first.floor_dbm).any(), "no row was widened: the test does not exercise the widening"


def test_evaluator_reads_kept_pairs_and_matches_the_chunked_path():
    inst = _fresh(7)
    res = solve(inst, "oslb")
    users = res.tables["users"]
    after = inst.cell_positions(users["serving_after"])
    from_pairs = evaluate_users(inst, after)
    assert cached_reach(inst) is not None
    chunked = evaluate_users(_fresh(7), after)  # nothing cached: computed chunk by chunk
    for name in ("rsrp_dbm", "sinr_db", "prb"):
        assert np.array_equal(getattr(from_pairs, name), getattr(chunked, name), equal_nan=True), name


def test_sector_pattern_is_the_modulo_formula():
    """The in-place pattern against ``−min(12 (φ/φ3dB)², A_m)`` with φ by numpy's modulo, incl. bearings at ±180°,
    users on a boresight and azimuths of 0 and just below 360 degrees."""
    from types import SimpleNamespace

    rng = np.random.default_rng(0)
    radio = SimpleNamespace(sector_beamwidth_deg=65.0, sector_front_to_back_db=20.0)
    xy = rng.uniform(-1000, 1000, (60, 2))
    az = rng.choice([0.0, 120.0, 240.0, 90.0, 180.0, 360.0 - 1e-12, np.nan], 60)
    cells = SimpleNamespace(azimuth_deg=az, xy=xy)
    step_n, step_e = np.array([0.0, 100.0]), np.array([100.0, 0.0])
    users = np.concatenate([rng.uniform(-1000, 1000, (300, 2)), xy + step_n, xy - step_n, xy + step_e, xy])
    bearing = np.degrees(np.arctan2(users[:, None, 0] - xy[:, 0], users[:, None, 1] - xy[:, 1]))
    phi = (bearing - az + 180.0) % 360.0 - 180.0
    expect = np.where(np.isnan(az), 0.0, -np.minimum(12.0 * (phi / 65.0) ** 2, 20.0))
    got = sector_pattern_db(cells, users, slice(None), radio)
    assert np.array_equal(got, expect)


@pytest.mark.parametrize(("algorithm", "seed"), [("alg1", 2), ("greedy", 5), ("alg3", 1)])
def test_zou_over_kept_pairs_is_the_full_matrices_run(algorithm, seed):
    """Zou's schemes read PRBs only within A3's reach (lbopt.stability.method.reach_inputs): wide offsets and many
    steps move users far from their first cell, their rows are filled in, and the run — every step's handovers and
    loads — is the run on the full matrices (handover_inputs)."""
    from lbopt.stability.handover import simulate_handover
    from lbopt.stability.method import handover_inputs, handover_setting

    ho = HandoverConfig(hysteresis_db=0.0, cio_min_db=-12.0, cio_max_db=12.0)

    def inst():
        return _fresh(seed, busy_users=60).with_tables(handover=ho)

    net = inst()
    params = {"steps": 40, "greedy_gain_db": 6.0} if algorithm == "greedy" else {"steps": 40, "threshold": 0.5}
    res = solve(net, f"zou-{algorithm}", **params)
    dense = inst()
    setting = handover_setting(dense, algorithm, **params)
    run = simulate_handover(*handover_inputs(dense), setting)
    assert len(run.events) > 0
    events = res.tables["events"]
    got = pd.DataFrame(
        {
            "step": events["step"],
            "user": pd.Index(net.users["id"]).get_indexer(events["user"]),
            "source": net.cell_positions(events["source"]),
            "target": net.cell_positions(events["target"]),
        }
    )
    expect = run.events[["step", "user", "source", "target"]].astype(int).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.astype(int), expect)
    loads = res.tables["loads"].drop(columns=["step"]).to_numpy()
    np.testing.assert_array_equal(loads, run.loads)
    first = reach_radio(inst(), 12.0 + 2 * setting.margin_db)[0]
    assert (cached_reach(net).floor_dbm < first.floor_dbm - 1e-6).any(), "no row was widened"
