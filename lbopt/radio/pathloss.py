"""Log-distance path loss ``PL(d) = a + b·log10(max(d, d_min) / 1 km)`` in dB, vectorised over cells."""

from __future__ import annotations

import numpy as np

from lbopt.instance.schema import PATHLOSS_PRESETS, PathLoss

__all__ = ["PATHLOSS_PRESETS", "PathLoss", "pathloss_db"]


def pathloss_db(distance_m: np.ndarray, a_db: np.ndarray, b_db: np.ndarray, min_distance_m: np.ndarray) -> np.ndarray:
    """Path loss in dB; the parameters broadcast against ``distance_m`` (e.g. one value per cell column).

    Examples
    --------
    >>> float(pathloss_db(np.array(1000.0), 128.1, 37.6, 35.0))
    128.1
    >>> float(pathloss_db(np.array(5.0), 128.1, 37.6, 35.0)) == float(pathloss_db(np.array(35.0), 128.1, 37.6, 35.0))
    True
    """
    d_km = np.maximum(distance_m, min_distance_m) / 1000.0
    return a_db + b_db * np.log10(d_km)


# --- 3GPP TR 38.901 Table 7.4.1-1 (path loss) and Table 7.4.2-1 (LOS probability) --------------------------------
# Symbols: d2D, d3D the horizontal and 3-D distances (m), fc the carrier in GHz, h_BS, h_UT antenna heights (m);
# breakpoint distances d_BP = 2π h_BS h_UT fc / c (RMa, fc in Hz) and d'_BP = 4 h'_BS h'_UT fc / c with the
# effective heights h' = h − 1 m (UMa, UMi). RMa's average building height h = 5 m and street width W = 20 m are
# the table's defaults. A NLOS path loss is max(PL_LOS, PL'_NLOS). d2D is floored at 10 m (the tables' range).

SPEED_OF_LIGHT_M_S = 299_792_458.0
MIN_D2D_M = 10.0
RMA_BUILDING_M = 5.0
RMA_STREET_M = 20.0


def los_probability(model: str, d2d_m: np.ndarray) -> np.ndarray:
    """Pr_LOS of TR 38.901 Table 7.4.2-1 (outdoor users; UMa with h_UT ≤ 13 m).

    Examples
    --------
    >>> los_probability("38901-umi", np.array([10.0, 18.0, 36.0])).round(4).tolist()
    [1.0, 1.0, 0.6839]
    """
    d = np.asarray(d2d_m, float)
    far = np.maximum(d, 1e-9)
    if model == "38901-rma":
        return np.where(d <= 10.0, 1.0, np.exp(-(d - 10.0) / 1000.0))
    scale = {"38901-uma": 63.0, "38901-umi": 36.0}[model]
    return np.where(d <= 18.0, 1.0, 18.0 / far + np.exp(-d / scale) * (1.0 - 18.0 / far))


def _dual_slope(a: float, b: float, c: float, d3d, fc, d_bp, h_bs, h_ut, below) -> np.ndarray:
    """UMa/UMi LOS: ``PL1 = a + b log10 d3D + 20 log10 fc`` up to d'_BP, then
    ``PL2 = a + 40 log10 d3D + 20 log10 fc − c log10(d'_BP² + (h_BS − h_UT)²)``."""
    near = a + b * np.log10(d3d) + 20.0 * np.log10(fc)
    far = a + 40.0 * np.log10(d3d) + 20.0 * np.log10(fc) - c * np.log10(d_bp**2 + (h_bs - h_ut) ** 2)
    return np.where(below, near, far)


def _rma_los(d3d, fc, d_bp, h_bs, h_ut, below) -> np.ndarray:
    h = RMA_BUILDING_M

    def pl1(dist):
        return (
            20.0 * np.log10(40.0 * np.pi * dist * fc / 3.0)
            + min(0.03 * h**1.72, 10.0) * np.log10(dist)
            - min(0.044 * h**1.72, 14.77)
            + 0.002 * np.log10(h) * dist
        )

    d_bp3 = np.sqrt(d_bp**2 + (h_bs - h_ut) ** 2)
    return np.where(below, pl1(d3d), pl1(d_bp3) + 40.0 * np.log10(d3d / d_bp))


def pathloss_38901(
    model: str, d2d_m: np.ndarray, h_bs_m: np.ndarray, h_ut_m: float, fc_ghz: float, los: np.ndarray
) -> np.ndarray:
    """Path loss (dB) of TR 38.901 Table 7.4.1-1 for ``model`` in ``38901-uma``, ``38901-umi``, ``38901-rma``;
    ``los`` per pair (True: the LOS formula, False: max(LOS, NLOS')). Arrays broadcast together.

    Examples
    --------
    >>> round(float(pathloss_38901("38901-uma", np.array(100.0), 25.0, 1.5, 2.0, np.array(True))), 2)
    78.28
    """
    d2d = np.maximum(np.asarray(d2d_m, float), MIN_D2D_M)
    h_bs = np.asarray(h_bs_m, float)
    d3d = np.sqrt(d2d**2 + (h_bs - h_ut_m) ** 2)
    fc = float(fc_ghz)
    if model == "38901-rma":
        d_bp = 2.0 * np.pi * h_bs * h_ut_m * fc * 1e9 / SPEED_OF_LIGHT_M_S
        pl_los = _rma_los(d3d, fc, d_bp, h_bs, h_ut_m, d2d <= d_bp)
        h, w = RMA_BUILDING_M, RMA_STREET_M
        nlos = (
            161.04
            - 7.1 * np.log10(w)
            + 7.5 * np.log10(h)
            - (24.37 - 3.7 * (h / h_bs) ** 2) * np.log10(h_bs)
            + (43.42 - 3.1 * np.log10(h_bs)) * (np.log10(d3d) - 3.0)
            + 20.0 * np.log10(fc)
            - (3.2 * np.log10(11.75 * h_ut_m) ** 2 - 4.97)
        )
    else:
        d_bp = 4.0 * (h_bs - 1.0) * (h_ut_m - 1.0) * fc * 1e9 / SPEED_OF_LIGHT_M_S
        below = d2d <= d_bp
        if model == "38901-uma":
            pl_los = _dual_slope(28.0, 22.0, 9.0, d3d, fc, d_bp, h_bs, h_ut_m, below)
            nlos = 13.54 + 39.08 * np.log10(d3d) + 20.0 * np.log10(fc) - 0.6 * (h_ut_m - 1.5)
        elif model == "38901-umi":
            pl_los = _dual_slope(32.4, 21.0, 9.5, d3d, fc, d_bp, h_bs, h_ut_m, below)
            nlos = 22.4 + 35.3 * np.log10(d3d) + 21.3 * np.log10(fc) - 0.3 * (h_ut_m - 1.5)
        else:
            raise ValueError(f"unknown TR 38.901 model '{model}'")
    return np.where(los, pl_los, np.maximum(pl_los, nlos))
