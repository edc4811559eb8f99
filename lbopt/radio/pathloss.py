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
