"""TR 38.901 path loss with line of sight, and Gudmundson-correlated shadowing.

References are typed here from the specification (scalar math, one formula per case), not taken from
lbopt.radio.pathloss; the statistical tests state their tolerances from the sample sizes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lbopt.instance.model import Instance
from lbopt.instance.schema import RadioConfig, TierRadio
from lbopt.radio import evaluate_users, user_cell_matrices
from lbopt.radio.model import RadioCells, received_power_dbm
from lbopt.radio.pathloss import los_probability, pathloss_38901
from lbopt.radio.shadowing import correlated_shadowing_db, id_keys

C = 299_792_458.0


def _dual_slope_by_hand(d2d, los, fc, h_bs, h_ut, a, b, c, nlos):
    """UMa/UMi LOS: PL1 up to d'_BP (effective heights h − 1 m), PL2 beyond; NLOS: max(LOS, NLOS')."""
    d3d = math.hypot(d2d, h_bs - h_ut)
    d_bp = 4 * (h_bs - 1) * (h_ut - 1) * fc * 1e9 / C
    if d2d <= d_bp:
        pl_los = a + b * math.log10(d3d) + 20 * math.log10(fc)
    else:
        pl_los = a + 40 * math.log10(d3d) + 20 * math.log10(fc) - c * math.log10(d_bp**2 + (h_bs - h_ut) ** 2)
    return pl_los if los else max(pl_los, nlos(d3d))


def uma_by_hand(d2d: float, los: bool, fc: float = 2.0, h_bs: float = 25.0, h_ut: float = 1.5) -> float:
    def nlos(d3d):
        return 13.54 + 39.08 * math.log10(d3d) + 20 * math.log10(fc) - 0.6 * (h_ut - 1.5)

    return _dual_slope_by_hand(d2d, los, fc, h_bs, h_ut, 28.0, 22.0, 9.0, nlos)


def umi_by_hand(d2d: float, los: bool, fc: float = 3.5, h_bs: float = 10.0, h_ut: float = 1.5) -> float:
    def nlos(d3d):
        return 35.3 * math.log10(d3d) + 22.4 + 21.3 * math.log10(fc) - 0.3 * (h_ut - 1.5)

    return _dual_slope_by_hand(d2d, los, fc, h_bs, h_ut, 32.4, 21.0, 9.5, nlos)


def rma_by_hand(d2d: float, los: bool, fc: float = 0.7, h_bs: float = 35.0, h_ut: float = 1.5) -> float:
    h, w = 5.0, 20.0
    d3d = math.hypot(d2d, h_bs - h_ut)
    d_bp = 2 * math.pi * h_bs * h_ut * fc * 1e9 / C

    def pl1(x: float) -> float:
        return (
            20 * math.log10(40 * math.pi * x * fc / 3)
            + min(0.03 * h**1.72, 10) * math.log10(x)
            - min(0.044 * h**1.72, 14.77)
            + 0.002 * math.log10(h) * x
        )

    pl_los = pl1(d3d) if d2d <= d_bp else pl1(math.hypot(d_bp, h_bs - h_ut)) + 40 * math.log10(d3d / d_bp)
    if los:
        return pl_los
    nlos = (
        161.04
        - 7.1 * math.log10(w)
        + 7.5 * math.log10(h)
        - (24.37 - 3.7 * (h / h_bs) ** 2) * math.log10(h_bs)
        + (43.42 - 3.1 * math.log10(h_bs)) * (math.log10(d3d) - 3)
        + 20 * math.log10(fc)
        - (3.2 * math.log10(11.75 * h_ut) ** 2 - 4.97)
    )
    return max(pl_los, nlos)


@pytest.mark.parametrize(
    ("model", "by_hand", "fc", "h_bs"),
    [
        ("38901-uma", uma_by_hand, 2.0, 25.0),
        ("38901-umi", umi_by_hand, 3.5, 10.0),
        ("38901-rma", rma_by_hand, 0.7, 35.0),
    ],
)
@pytest.mark.parametrize("d2d", [10.0, 50.0, 180.0, 320.0, 700.0, 2500.0, 4900.0])
@pytest.mark.parametrize("los", [True, False])
def test_path_loss_matches_the_table_by_hand(model, by_hand, fc, h_bs, d2d, los):
    """Both sides of each breakpoint, LOS and NLOS, to 1e-9 dB (float rounding only)."""
    got = pathloss_38901(model, np.array([d2d]), h_bs, 1.5, fc, np.array([los]))[0]
    assert got == pytest.approx(by_hand(d2d, los, fc=fc, h_bs=h_bs), abs=1e-9)


def test_known_values_and_monotonicity():
    # UMa NLOS at 1 km, 2 GHz: 13.54 + 39.08 log10(1000.28) + 20 log10 2 = 136.81 dB
    assert pathloss_38901("38901-uma", np.array(1000.0), 25.0, 1.5, 2.0, np.array(False)) == pytest.approx(
        136.81, abs=0.01
    )
    d = np.linspace(10, 5000, 400)
    for model in ("38901-uma", "38901-umi", "38901-rma"):
        for los in (True, False):
            pl = pathloss_38901(model, d, {"38901-uma": 25, "38901-umi": 10, "38901-rma": 35}[model], 1.5, 2.0, los)
            assert np.all(np.diff(pl) > 0), (model, los)
        # NLOS is never below LOS (max rule)
        assert np.all(pathloss_38901(model, d, 25.0, 1.5, 2.0, False) >= pathloss_38901(model, d, 25.0, 1.5, 2.0, True))


def test_los_probability_by_hand():
    for d in (5.0, 18.0, 30.0, 100.0, 400.0):
        uma = 1.0 if d <= 18 else (18 / d + math.exp(-d / 63) * (1 - 18 / d))
        umi = 1.0 if d <= 18 else (18 / d + math.exp(-d / 36) * (1 - 18 / d))
        rma = 1.0 if d <= 10 else math.exp(-(d - 10) / 1000)
        assert los_probability("38901-uma", np.array(d)) == pytest.approx(uma, rel=1e-12)
        assert los_probability("38901-umi", np.array(d)) == pytest.approx(umi, rel=1e-12)
        assert los_probability("38901-rma", np.array(d)) == pytest.approx(rma, rel=1e-12)


def _ring_instance(model: str, distance_m: float, n_users: int, seed: int = 3, **radio) -> Instance:
    angle = np.linspace(0, 2 * np.pi, n_users, endpoint=False)
    cells = pd.DataFrame({"id": ["c"], "x_m": [0.0], "y_m": [0.0], "tier": ["macro"]})
    users = pd.DataFrame(
        {"id": [f"u{i}" for i in range(n_users)], "x_m": distance_m * np.cos(angle), "y_m": distance_m * np.sin(angle)}
    )
    tiers = {"macro": TierRadio(pathloss=model, tx_power_dbm=46.0)}
    return Instance(name="ring", cells=cells, users=users, radio=RadioConfig(tiers=tiers, **radio), seed=seed)


@pytest.mark.parametrize(("model", "distance_m"), [("38901-umi", 60.0), ("38901-uma", 120.0), ("38901-rma", 600.0)])
def test_line_of_sight_share_follows_the_probability(model, distance_m):
    """4,000 users on a ring: the share received at the LOS path loss is Pr_LOS(d) within 4 binomial standard
    errors; every other user gets the NLOS value. Draws are a pure function of (seed, user, cell)."""
    n = 4000
    inst = _ring_instance(model, distance_m, n, carrier_ghz=2.0)
    cells = RadioCells.from_instance(inst)
    xy = inst.users[["x_m", "y_m"]].to_numpy()
    keys = id_keys(inst.users["id"])
    rx = received_power_dbm(cells, xy, keys, inst.radio, 3)[:, 0]
    h_bs = {"38901-uma": 25.0, "38901-umi": 10.0, "38901-rma": 35.0}[model]
    pl_los, pl_nlos = (float(pathloss_38901(model, np.array(distance_m), h_bs, 1.5, 2.0, los)) for los in (True, False))
    pl = 46.0 - rx  # no gains, no shadowing
    is_los = np.isclose(pl, pl_los, atol=1e-6)
    assert np.all(is_los | np.isclose(pl, pl_nlos, atol=1e-6))
    p = float(los_probability(model, np.array(distance_m)))
    assert abs(is_los.mean() - p) < 4 * math.sqrt(p * (1 - p) / n)
    # the same users in another order, and a subset, see the same draws
    order = np.random.default_rng(0).permutation(n)[:500]
    np.testing.assert_array_equal(received_power_dbm(cells, xy[order], keys[order], inst.radio, 3)[:, 0], rx[order])


def test_correlated_shadowing_has_the_exponential_autocorrelation():
    """400 independent cell fields at 300 points and their neighbours Δ away: the sample standard deviation is σ
    within 3 % and the correlation at Δ = 25, 50, 100, 200 m is exp(−Δ/50 m) within 0.04 (120,000 products per lag;
    the features' finite number adds a per-field error that averages out over the cells)."""
    rng = np.random.default_rng(1)
    cells = id_keys(pd.Series([f"c{i}" for i in range(400)]))
    base = rng.uniform(0, 5000, (300, 2))
    g0 = correlated_shadowing_db(base, cells, slice(None), 5, 8.0, 50.0)
    assert g0.std() == pytest.approx(8.0, rel=0.03)
    assert abs(g0.mean()) < 0.3
    for lag in (25.0, 50.0, 100.0, 200.0):
        theta = rng.uniform(0, 2 * np.pi, 300)
        moved = base + lag * np.column_stack([np.cos(theta), np.sin(theta)])
        g1 = correlated_shadowing_db(moved, cells, slice(None), 5, 8.0, 50.0)
        corr = float(np.mean(g0 * g1) / 64.0)
        assert corr == pytest.approx(math.exp(-lag / 50.0), abs=0.04), lag


def test_correlated_shadowing_is_a_pure_function_of_position():
    """Chunking, user order and candidate pruning do not change a user's shadowing: evaluate_users with tiny chunks
    and with k-nearest candidates equals the full matrices."""
    rng = np.random.default_rng(2)
    cells = pd.DataFrame(
        {"id": [f"c{i}" for i in range(9)], "x_m": rng.uniform(0, 2000, 9), "y_m": rng.uniform(0, 2000, 9)}
    )
    users = pd.DataFrame({"id": [f"u{i}" for i in range(300)], "x_m": rng.uniform(0, 2000, 300)})
    users["y_m"] = rng.uniform(0, 2000, 300)
    radio = RadioConfig(
        shadowing_std_db=8.0,
        shadowing_decorrelation_m=50.0,
        tiers={"macro": TierRadio(pathloss="38901-uma", tx_power_dbm=46.0)},
    )
    inst = Instance(name="r", cells=cells, users=users, radio=radio, seed=4)
    full = user_cell_matrices(inst)
    rows = np.arange(300)
    best = np.argmax(full["rsrp_dbm"], axis=1)
    for chunk in (50, 10**7):
        state = evaluate_users(inst, chunk_elements=chunk)
        np.testing.assert_array_equal(state.serving, best)
        np.testing.assert_allclose(state.rsrp_dbm, full["rsrp_dbm"][rows, best], rtol=0, atol=1e-9)
    pruned = evaluate_users(inst, candidates=9)
    np.testing.assert_allclose(pruned.rsrp_dbm, full["rsrp_dbm"][rows, best], rtol=0, atol=1e-9)
