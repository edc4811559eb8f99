"""Radio model against closed forms and hand computations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lbopt.instance import Instance, RadioConfig, load_instance
from lbopt.instance.schema import TierRadio
from lbopt.radio import (
    a3_entering,
    a3_target,
    associate_strongest,
    cell_prb_load,
    evaluate_users,
    pair_cio_matrix,
    user_cell_matrices,
)
from lbopt.radio.geometry import (
    distances_m,
    hex_axial_spiral,
    hex_lattice_xy,
    hex_wraparound_vectors,
    project_lonlat,
)
from lbopt.radio.model import RadioCells, db_to_linear, prbs_needed, rate_per_prb_bps, sinr_db
from lbopt.radio.pathloss import pathloss_db
from lbopt.radio.shadowing import id_keys, shadowing_db

TOL_DB = 1e-9  # closed forms in dB are exact up to float rounding


def test_pathloss_presets_closed_form():
    # at 1 km the log term vanishes: PL = a
    assert pathloss_db(np.array(1000.0), 128.1, 37.6, 35.0) == pytest.approx(128.1, abs=TOL_DB)
    # 3GPP macro at 500 m: 128.1 + 37.6 log10(0.5) = 116.781...
    assert pathloss_db(np.array(500.0), 128.1, 37.6, 35.0) == pytest.approx(128.1 + 37.6 * np.log10(0.5), abs=TOL_DB)
    # Zou's minimum distance 35 m: anything closer sees PL(35 m)
    assert pathloss_db(np.array(1.0), 128.1, 37.6, 35.0) == pytest.approx(128.1 + 37.6 * np.log10(0.035), abs=TOL_DB)


@settings(max_examples=200, deadline=None)
@given(
    d1=st.floats(0.1, 1e5),
    d2=st.floats(0.1, 1e5),
    a=st.floats(50, 200),
    b=st.floats(1, 60),
    dmin=st.floats(0.1, 100),
)
def test_pathloss_is_non_decreasing_in_distance(d1, d2, a, b, dmin):
    lo, hi = sorted([d1, d2])
    assert pathloss_db(np.array(lo), a, b, dmin) <= pathloss_db(np.array(hi), a, b, dmin) + 1e-12
    if lo > dmin and hi > lo * (1 + 1e-9):
        assert pathloss_db(np.array(lo), a, b, dmin) < pathloss_db(np.array(hi), a, b, dmin)


def test_hex_spiral_counts_and_rings():
    for rings in range(5):
        ax = hex_axial_spiral(rings)
        assert len(ax) == 3 * rings * (rings + 1) + 1
        assert len({tuple(p) for p in ax}) == len(ax)
        q, r = ax[:, 0], ax[:, 1]
        hex_dist = (np.abs(q) + np.abs(r) + np.abs(q + r)) / 2
        assert hex_dist.max() == rings
        # ring k holds 6k sites
        assert all(np.sum(hex_dist == k) == 6 * k for k in range(1, rings + 1))


@pytest.mark.parametrize("rings", [1, 2, 3])
def test_wraparound_gives_every_cell_six_neighbours_at_isd(rings):
    isd = 1000.0
    xy = hex_lattice_xy(hex_axial_spiral(rings), isd)
    d = distances_m(xy, xy, hex_wraparound_vectors(rings, isd))
    np.testing.assert_allclose(d, d.T, atol=1e-6)
    np.fill_diagonal(d, np.inf)
    assert np.all(np.sum(np.isclose(d, isd), axis=1) == 6)
    assert np.all(d.min(axis=1) > isd - 1e-6)  # nothing closer than a lattice neighbour
    # without wrap-around, the outer ring has fewer than 6 neighbours
    plain = distances_m(xy, xy)
    np.fill_diagonal(plain, np.inf)
    assert np.sum(np.isclose(plain, isd), axis=1).min() == 3


def test_projection_matches_haversine():
    lat = np.array([-37.81517, -37.81239, -37.82091])
    lon = np.array([144.97476, 144.9712, 144.952075])
    xy = project_lonlat(lat, lon)
    d_proj = np.hypot(*(xy[0] - xy[2]))
    p1, p2, dl = np.radians(lat[0]), np.radians(lat[2]), np.radians(lon[2] - lon[0])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    d_hav = 2 * 6_371_008.8 * np.arcsin(np.sqrt(h))
    # equirectangular vs great circle over 2 km: second-order error, 2e-5 here; 1e-4 bounds a city
    assert d_proj == pytest.approx(d_hav, rel=1e-4)


def test_shadowing_statistics_and_independence_from_layout():
    users = id_keys(pd.Series([f"u{i}" for i in range(4000)]))
    cells = id_keys(pd.Series([f"c{i}" for i in range(50)]))
    x = shadowing_db(users, cells, seed=11, std_db=8.0)
    # 200,000 draws: sample mean within 5 standard errors of 0, std within 1 %
    assert abs(x.mean()) < 5 * 8.0 / np.sqrt(x.size)
    assert x.std() == pytest.approx(8.0, rel=0.01)
    # a pure function of (seed, user, cell): subsets and reorderings see the same values
    np.testing.assert_array_equal(shadowing_db(users[::-7], cells[3:9], 11, 8.0), x[::-7, 3:9])
    assert not np.allclose(shadowing_db(users[:10], cells, 12, 8.0), x[:10])
    # neighbouring pairs are uncorrelated
    assert abs(np.corrcoef(x[:, 0], x[:, 1])[0, 1]) < 0.06


def _two_cell_instance(**radio) -> Instance:
    cells = pd.DataFrame({"id": ["a", "b"], "x_m": [0.0, 1000.0], "y_m": [0.0, 0.0], "tier": ["macro", "macro"]})
    users = pd.DataFrame({"id": ["u"], "x_m": [300.0], "y_m": [0.0], "demand_bps": [1e6]})
    return Instance(name="two", cells=cells, users=users, radio=RadioConfig(**radio))


def test_sinr_by_hand_two_cells():
    inst = _two_cell_instance(noise_figure_db=9.0, rx_gain_dbi=0.0, interference="shared", link="shannon")
    m = user_cell_matrices(inst)
    # received power: 46 dBm + 14 dBi − PL
    s_a = 46 + 14 - (128.1 + 37.6 * np.log10(0.3))
    s_b = 46 + 14 - (128.1 + 37.6 * np.log10(0.7))
    noise = -174 + 10 * np.log10(50 * 180e3) + 9
    assert noise == pytest.approx(-95.4576, abs=1e-4)
    expected = 10 * np.log10(db_to_linear(s_a) / (db_to_linear(s_b) + db_to_linear(noise)))
    assert m["sinr_db"][0, 0] == pytest.approx(expected, abs=TOL_DB)
    assert m["rsrp_dbm"][0, 0] == pytest.approx(s_a - 10 * np.log10(600), abs=TOL_DB)
    rate = 180e3 * np.log2(1 + 10 ** (expected / 10))
    assert m["rate_per_prb_bps"][0, 0] == pytest.approx(rate, rel=1e-12)
    assert m["prb"][0, 0] == np.ceil(1e6 / rate)


# TS 36.213 Table 7.2.3-1 efficiencies and Kawser et al. (2012) thresholds, typed from the sources independently of
# lbopt.radio.link: (threshold dB, bit/s/Hz) per CQI 1..15
CQI_BY_HAND = [
    (-6.7, 0.1523), (-4.7, 0.2344), (-2.3, 0.3770), (0.2, 0.6016), (2.4, 0.8770), (4.3, 1.1758), (5.9, 1.4766),
    (8.1, 1.9141), (10.3, 2.4063), (11.7, 2.7305), (14.1, 3.3223), (16.3, 3.9023), (18.7, 4.5234), (21.0, 5.1152),
    (22.7, 5.5547),
]  # fmt: skip


def _cqi_rate_by_hand(sinr: float, overhead: float = 0.14) -> float:
    eff = 0.0
    for threshold, e in CQI_BY_HAND:  # the highest CQI whose threshold the SINR reaches
        if sinr >= threshold:
            eff = e
    return 180e3 * (1 - overhead) * eff


@pytest.mark.parametrize("distance_m", [100.0, 300.0, 480.0])
def test_cqi_link_by_hand_and_outage(distance_m):
    """The default link: the CQI the SINR reaches, its efficiency less 14 % overhead; below CQI 1 the user cannot be
    served (infinite PRB need), is counted in outage by the evaluator and adds no PRBs to any load. The user is
    ``distance_m`` from cell a, 1 km − that from cell b (one band): served by b it is in outage up to 480 m from
    a (SINR −1.3 dB at 480 m is CQI 3)."""
    inst = _two_cell_instance(interference="shared")
    inst = inst.with_tables(users=inst.users.assign(x_m=[distance_m]))
    m = user_cell_matrices(inst)
    outage = []
    for j in (0, 1):
        rate = _cqi_rate_by_hand(float(m["sinr_db"][0, j]))
        assert m["rate_per_prb_bps"][0, j] == pytest.approx(rate, rel=1e-12)
        assert m["prb"][0, j] == (np.inf if rate == 0 else np.ceil(1e6 / rate))
        state = evaluate_users(inst, np.array([j]))
        assert state.cell_load_prb(2).sum() == (0.0 if rate == 0 else m["prb"][0, j])
        outage.append(rate == 0)
    assert outage == ([False, distance_m < 480.0])


def test_cqi_sweep_matches_the_table_at_every_threshold():
    """Just below and at each threshold the reported CQI changes (searchsorted vs the hand loop), NaN is outage."""
    sinr = np.array([t + d for t, _ in CQI_BY_HAND for d in (-1e-9, 0.0)] + [np.nan, 40.0])
    got = rate_per_prb_bps(sinr, RadioConfig())
    want = [_cqi_rate_by_hand(x) if np.isfinite(x) else 0.0 for x in sinr]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_separate_tiers_do_not_interfere():
    inst = _two_cell_instance(interference="separate-tiers")
    cells = inst.cells.copy()
    cells["tier"] = ["macro", "pico"]
    inst = inst.with_tables(cells=cells)
    m = user_cell_matrices(inst)
    noise = -174 + 10 * np.log10(50 * 180e3) + 9
    s_a = 46 + 14 - (128.1 + 37.6 * np.log10(0.3))
    assert m["sinr_db"][0, 0] == pytest.approx(s_a - noise, abs=TOL_DB)


def test_rate_gap_cap_and_rounding():
    radio = RadioConfig(link="shannon", snr_gap_db=3.0, max_spectral_efficiency_bps_hz=4.0)
    r = rate_per_prb_bps(np.array([0.0, 60.0]), radio)
    assert r[0] == pytest.approx(180e3 * np.log2(1 + 10 ** (-0.3)), rel=1e-12)
    assert r[1] == pytest.approx(180e3 * 4.0)
    assert prbs_needed(np.array([360e3]), np.array([180e3]), RadioConfig())[0] == 2.0  # exact, not 3
    assert prbs_needed(np.array([361e3]), np.array([180e3]), RadioConfig())[0] == 3.0
    assert prbs_needed(np.array([361e3]), np.array([180e3]), RadioConfig(prb_rounding="none"))[0] == pytest.approx(
        361 / 180
    )


def test_sinr_matches_a_loop_over_interferers():
    rng = np.random.default_rng(0)
    rx = rng.uniform(-120, -60, size=(20, 6))
    band = np.array([0, 0, 1, 0, 1, 1])
    noise = np.full(6, -100.0)
    got = sinr_db(rx, band, noise, 0.7)
    for u in range(20):
        for j in range(6):
            interf = sum(0.7 * 10 ** (rx[u, k] / 10) for k in range(6) if k != j and band[k] == band[j])
            assert got[u, j] == pytest.approx(10 * np.log10(10 ** (rx[u, j] / 10) / (interf + 1e-10)), abs=1e-9)


def _random_instance(seed: int, n_cells: int = 12, n_users: int = 300, shadow: float = 6.0) -> Instance:
    rng = np.random.default_rng(seed)
    cells = pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(n_cells)],
            "x_m": rng.uniform(0, 3000, n_cells),
            "y_m": rng.uniform(0, 3000, n_cells),
            "tier": rng.choice(["macro", "pico"], n_cells),
            "bias_db": rng.choice([0.0, 6.0], n_cells),
        }
    )
    users = pd.DataFrame(
        {
            "id": [f"u{i}" for i in range(n_users)],
            "x_m": rng.uniform(0, 3000, n_users),
            "y_m": rng.uniform(0, 3000, n_users),
            "demand_bps": rng.uniform(1e5, 2e6, n_users),
        }
    )
    return Instance(name="r", cells=cells, users=users, radio=RadioConfig(shadowing_std_db=shadow), seed=seed)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chunked_association_equals_full_matrices(seed):
    inst = _random_instance(seed)
    full = user_cell_matrices(inst)
    cells = RadioCells.from_instance(inst)
    expected = associate_strongest(full["rsrp_dbm"], cells.bias_db)
    rows = np.arange(len(expected))
    for chunk in (7, 100, 10**7):
        state = evaluate_users(inst, chunk_elements=chunk)
        np.testing.assert_array_equal(state.serving, expected)
        np.testing.assert_allclose(state.sinr_db, full["sinr_db"][rows, expected], atol=1e-9)
        np.testing.assert_allclose(state.prb, full["prb"][rows, expected])
    # pruning to all cells is exact
    pruned = evaluate_users(inst, candidates=inst.n_cells)
    np.testing.assert_array_equal(pruned.serving, expected)
    np.testing.assert_allclose(pruned.sinr_db, full["sinr_db"][rows, expected], atol=1e-9)


def test_given_serving_is_respected():
    inst = _random_instance(5)
    serving = np.arange(len(inst.users)) % inst.n_cells
    serving[::10] = -1
    state = evaluate_users(inst, serving)
    np.testing.assert_array_equal(state.serving, serving)
    full = user_cell_matrices(inst)
    ok = serving >= 0
    np.testing.assert_allclose(state.prb[ok], full["prb"][np.flatnonzero(ok), serving[ok]])
    assert np.all(state.prb[~ok] == 0)
    assert np.all(np.isnan(state.sinr_db[~ok]))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_users=st.integers(1, 200))
def test_cell_loads_sum_to_total_prbs(seed, n_users):
    inst = _random_instance(seed, n_cells=8, n_users=n_users)
    state = evaluate_users(inst)
    loads = state.cell_load_prb(inst.n_cells)
    served = np.isfinite(state.prb)  # users in outage (below CQI 1) use no PRBs
    assert loads.sum() == pytest.approx(state.prb[served].sum(), rel=1e-12)
    assert np.all(loads >= 0)
    np.testing.assert_allclose(cell_prb_load(state.serving, state.prb, 8), loads)


def test_a3_condition_v2_with_antisymmetric_offsets(tiny_path):
    inst = load_instance(tiny_path)
    cio = pair_cio_matrix(inst).toarray()
    np.testing.assert_allclose(cio, -cio.T)
    i2, i3 = 2, 3
    assert cio[i2, i3] == 1.5
    assert cio[i3, i2] == -1.5
    rsrp = np.array([[-90.0, -100, -95.0, -93.0, -120, -120, -120]])
    # user on c2 (-95): towards c3 −93 + 1.5 > −95 + 2 → enters; towards c0 −90 + 0 > −93 → enters
    entering = a3_entering(rsrp, np.array([i2]), cio, 2.0)
    assert entering[0].tolist() == [True, False, False, True, False, False, False]
    assert a3_target(rsrp, np.array([i2]), cio, 2.0)[0] == 0  # best of RSRP + offset: c0 (−90) vs c3 (−91.5)
    # user on c3 (−93): towards c2 −95 − 1.5 < −91 → no; to c0: −90 > −91 → yes
    assert a3_entering(rsrp, np.array([i3]), cio, 2.0)[0].tolist() == [True] + [False] * 6
    # hysteresis large enough: nothing enters
    assert a3_target(rsrp, np.array([i3]), cio, 10.0)[0] == -1


def test_per_cell_columns_override_tier_defaults():
    inst = _two_cell_instance()
    cells = inst.cells.assign(tx_power_dbm=[40.0, 46.0], n_prb=[25, 100])
    rc = RadioCells.from_instance(inst.with_tables(cells=cells))
    np.testing.assert_array_equal(rc.tx_power_dbm, [40.0, 46.0])
    np.testing.assert_allclose(rc.noise_dbm, -174 + 10 * np.log10(np.array([25, 100]) * 180e3) + 9)
    radio = RadioConfig(tiers={"macro": TierRadio(pathloss="zou", tx_power_dbm=43.0)})
    rc = RadioCells.from_instance(inst.with_tables(radio=radio))
    assert rc.tx_power_dbm.tolist() == [43.0, 43.0]
    assert rc.pl_min_distance_m.tolist() == [35.0, 35.0]
    assert set(radio.tiers) == {"macro", "micro", "pico", "femto", "small"}  # other tiers keep defaults


def test_sector_pattern():
    inst = _two_cell_instance()
    cells = inst.cells.assign(azimuth_deg=[90.0, np.nan])  # cell a points east, towards the user
    m_front = user_cell_matrices(inst.with_tables(cells=cells))
    cells_back = inst.cells.assign(azimuth_deg=[270.0, np.nan])
    m_back = user_cell_matrices(inst.with_tables(cells=cells_back))
    base = user_cell_matrices(inst)
    assert m_front["rx_dbm"][0, 0] == pytest.approx(base["rx_dbm"][0, 0])  # boresight: no loss
    assert m_back["rx_dbm"][0, 0] == pytest.approx(base["rx_dbm"][0, 0] - 20.0)  # front-to-back ratio
    assert m_back["rx_dbm"][0, 1] == pytest.approx(base["rx_dbm"][0, 1])  # omni cell unchanged


def test_strongest_from_the_matrices_equals_the_chunked_evaluation():
    """Filling unattached users from the RSRP matrix picks the strongest RSRP + bias, as restated from the formulas."""
    from lbopt.radio.model import serving_or_strongest, user_cell_matrices
    from lbopt.scenarios import hetnet
    from tests.reference import strongest_rsrp_cell

    inst = hetnet(rings=1, busy_cells=2, seed=4, serving="none")
    inst.cells["bias_db"] = np.where(inst.cells["tier"] == "macro", 0.0, 3.0)
    m = user_cell_matrices(inst)
    expected = strongest_rsrp_cell(inst)
    assert (inst.cells["tier"].to_numpy()[expected] != "macro").any()  # the bias matters here
    np.testing.assert_array_equal(serving_or_strongest(inst, m["rsrp_dbm"]), expected)
    np.testing.assert_array_equal(serving_or_strongest(inst), expected)


def test_nr_256qam_table():
    """TS 38.214 Table 5.2.2.1-3's efficiencies (typed here); 23 dB reaches entry 12 (22.7 dB, 256QAM 711/1024),
    30 dB entry 15; entries 13-15's thresholds rise with their efficiency."""
    from lbopt.radio.link import CQI_NR

    table_3 = [0.1523, 0.3770, 0.8770, 1.4766, 1.9141, 2.4063, 2.7305, 3.3223, 3.9023, 4.5234, 5.1152, 5.5547]
    table_3 += [6.2266, 6.9141, 7.4063]
    assert list(CQI_NR.efficiency) == table_3
    assert CQI_NR.modulation_order[11:] == (8, 8, 8, 8)
    rate = rate_per_prb_bps(np.array([23.0, 30.0, -7.0]), RadioConfig(link="cqi-nr"))
    np.testing.assert_allclose(rate, [180e3 * 0.86 * 5.5547, 180e3 * 0.86 * 7.4063, 0.0], rtol=1e-12)
    assert np.all(np.diff(CQI_NR.sinr_threshold_db) > 0)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_users_numbers_do_not_depend_on_its_chunk_or_on_reused_matrices(seed):
    """Bit for bit: the SINR and PRBs of a user are the same in any chunk of users, from the full matrices a
    method computed (kept with the instance and reused by the evaluator), and per (user, cell) pair."""
    from lbopt.radio.model import user_cell_pairs

    inst = _random_instance(seed)  # two bands (macro, pico), shadowing
    serving = np.random.default_rng(seed).integers(0, inst.n_cells, len(inst.users))
    fresh = [evaluate_users(inst.with_tables(), serving, chunk_elements=c) for c in (7, 100, 10**7)]
    for other in fresh[1:]:
        np.testing.assert_array_equal(other.sinr_db, fresh[0].sinr_db)
        np.testing.assert_array_equal(other.prb, fresh[0].prb)
    pairs_fresh = user_cell_pairs(inst.with_tables(), lambda rows, rsrp: np.isfinite(rsrp), chunk_elements=50)
    m = user_cell_matrices(inst)
    rows = np.arange(len(serving))
    np.testing.assert_array_equal(m["sinr_db"][rows, serving], fresh[0].sinr_db)
    reused = evaluate_users(inst, serving)  # from the kept matrices
    np.testing.assert_array_equal(reused.prb, fresh[0].prb)
    np.testing.assert_array_equal(reused.rsrp_dbm, fresh[0].rsrp_dbm)
    pairs = user_cell_pairs(inst, lambda rows, rsrp: np.isfinite(rsrp))
    for key in ("user", "cell", "sinr_db", "prb"):
        np.testing.assert_array_equal(pairs[key], pairs_fresh[key])
    assert not user_cell_matrices(inst)["sinr_db"].flags.writeable  # kept matrices cannot be changed by a caller
    np.testing.assert_array_equal(user_cell_matrices(inst)["prb"], m["prb"])  # derived again, the same


@pytest.mark.parametrize("seed", [1, 2])
def test_full_matrices_do_not_depend_on_chunks_or_threads(seed, monkeypatch):
    """The users × cells matrices are computed in chunks on several threads; every entry is the same bit for bit
    whatever the chunk size and the number of threads (one chunk on one thread is the reference)."""
    from lbopt.radio import model

    inst = _random_instance(seed)
    monkeypatch.setattr(model, "RADIO_THREADS", 1)
    reference = model._full_matrices(inst, chunk_elements=10**9)
    for threads, chunk in ((1, 37), (2, 37), (4, 500), (3, 11)):
        monkeypatch.setattr(model, "RADIO_THREADS", threads)
        other = model._full_matrices(inst, chunk_elements=chunk)
        for key, value in reference.items():
            np.testing.assert_array_equal(other[key], value, err_msg=f"{key}, {threads} threads, chunk {chunk}")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(0, 10**6), st.sampled_from([None, "sparse", "dense"]), st.floats(0.0, 6.0))
def test_a3_target_is_the_best_entering_cell_user_by_user(seed, kind, hysteresis):
    """Against a loop over users and cells written from TS 36.331's A3 entering condition: the target is the cell
    of largest RSRP_j + O_ij among those with RSRP_j + O_ij > RSRP_i + Hys (−1 when none); −inf RSRP never enters."""
    import scipy.sparse as sps

    rng = np.random.default_rng(seed)
    n_users, n_cells = 12, 6
    rsrp = np.round(rng.uniform(-110, -70, (n_users, n_cells)))  # ties happen
    rsrp[rng.random((n_users, n_cells)) < 0.2] = -np.inf
    serving = rng.integers(0, n_cells, n_users)
    rsrp[np.arange(n_users), serving] = np.round(rng.uniform(-100, -80, n_users))
    dense = np.round(rng.uniform(-6, 6, (n_cells, n_cells)))
    np.fill_diagonal(dense, 0.0)
    cio = None if kind is None else sps.csr_matrix(dense) if kind == "sparse" else dense
    offsets = np.zeros((n_cells, n_cells)) if kind is None else dense
    for u in range(n_users):
        i = serving[u]
        best, best_score = -1, -np.inf
        for j in range(n_cells):
            score = rsrp[u, j] + offsets[i, j]
            if j != i and score > rsrp[u, i] + hysteresis and score > best_score:
                best, best_score = j, score
        assert a3_target(rsrp, serving, cio, hysteresis)[u] == best


def test_asking_for_fewer_matrices_gives_the_same_numbers():
    """``outputs`` only leaves matrices out: the ones asked for are the same bit for bit, fresh or from the kept
    RSRP and SINR, and an unknown name is refused."""
    from lbopt.radio.model import MATRICES

    everything = user_cell_matrices(_random_instance(3))
    fresh = _random_instance(3)
    some = user_cell_matrices(fresh, outputs=("rsrp_dbm", "prb"))
    assert set(some) == {"rsrp_dbm", "sinr_db", "prb"}
    again = user_cell_matrices(fresh, outputs=("prb",))  # from the kept matrices
    for key in ("rsrp_dbm", "sinr_db", "prb"):
        np.testing.assert_array_equal(some[key], everything[key])
        np.testing.assert_array_equal(again[key], everything[key])
    assert set(user_cell_matrices(fresh)) == set(MATRICES)
    with pytest.raises(ValueError, match="unknown matrices"):
        user_cell_matrices(fresh, outputs=("rsrp",))


def test_cosited_cells_share_their_distance_and_loss_bit_for_bit(monkeypatch):
    """The sectors of a site get their distance, path loss and bearing computed once per site; the received powers
    are those of a cell-by-cell computation, bit for bit."""
    import lbopt.radio.model as model
    from lbopt.instance import load_instance

    inst = load_instance(Path(__file__).resolve().parents[1] / "instances" / "melbourne-cbd-busy-hour.yaml")
    cells = model.RadioCells.from_instance(inst)
    xy, keys, _ = model.user_arrays(inst)
    shared = model.received_power_dbm(cells, xy[:500], keys[:500], inst.radio, inst.seed)
    monkeypatch.setattr(model, "_shared_columns", lambda xy, *v: (np.arange(len(xy)), np.arange(len(xy))))
    alone = model.received_power_dbm(cells, xy[:500], keys[:500], inst.radio, inst.seed)
    assert len(np.unique(cells.xy, axis=0)) < cells.n  # the instance has co-sited sectors
    assert np.array_equal(shared, alone)


def test_sinr_does_not_depend_on_the_memory_layout():
    """A row sum's order follows the memory layout (numpy sums a C row pairwise, an F row one by one): the received
    powers in column order give the SINR of row order, bit for bit (2,232 columns, where the two orders differ)."""
    from lbopt.radio.model import sinr_db

    rx = np.random.default_rng(0).normal(-90.0, 15.0, (200, 2232))
    assert (rx.sum(axis=1) != np.asfortranarray(rx).sum(axis=1)).any()  # the orders do differ here
    band, noise = np.zeros(2232, int), np.full(2232, -104.0)
    assert np.array_equal(sinr_db(rx, band, noise, 0.7), sinr_db(np.asfortranarray(rx), band, noise, 0.7))
