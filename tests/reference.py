"""Independent references for tests: written from the formulas, not from lbopt's radio code."""

from __future__ import annotations

import numpy as np

# TR 36.814 log-distance path loss a + b log10(d_km) with the minimum distance (m), restated here on purpose
PATHLOSS = {"3gpp-macro": (128.1, 37.6, 35.0), "3gpp-pico": (140.7, 36.7, 10.0)}


def strongest_rsrp_cell(inst) -> np.ndarray:
    """Row of the strongest cell by RSRP + bias for every user of an omni, unshadowed layout.

    RSRP_uj = P_j + G_j + G_rx − PL_j(d_uj) − 10 log10(12 N_prb,j) (+ cells.bias_db), with d the shortest distance
    over the wrap-around images (i t1 + j t2, i, j ∈ {−1, 0, 1}).
    """
    assert inst.radio.shadowing_std_db == 0
    cells, users = inst.cells, inst.users
    tiers = inst.radio.tiers
    tier = cells["tier"].to_numpy(object)
    power = np.array([tiers[t].tx_power_dbm for t in tier], float)
    gain = np.array([tiers[t].antenna_gain_dbi for t in tier], float)
    n_prb = cells["n_prb"].to_numpy(float) if "n_prb" in cells else np.array([tiers[t].n_prb for t in tier], float)
    a, b, dmin = (np.array([PATHLOSS[tiers[t].pathloss][k] for t in tier]) for k in range(3))
    cxy, uxy = cells[["x_m", "y_m"]].to_numpy(float), users[["x_m", "y_m"]].to_numpy(float)
    shifts = [np.zeros(2)]
    if inst.radio.wraparound is not None:
        t1, t2 = np.array(inst.radio.wraparound.t1_m), np.array(inst.radio.wraparound.t2_m)
        shifts = [i * t1 + j * t2 for i in (-1, 0, 1) for j in (-1, 0, 1)]
    d = np.min([np.linalg.norm(uxy[:, None, :] - (cxy + s)[None, :, :], axis=2) for s in shifts], axis=0)
    pl = a + b * np.log10(np.maximum(d, dmin) / 1000.0)
    rsrp = power + gain + inst.radio.rx_gain_dbi - pl - 10 * np.log10(12 * n_prb)
    bias = cells["bias_db"].fillna(0).to_numpy(float) if "bias_db" in cells else 0.0
    return np.argmax(rsrp + bias, axis=1)
