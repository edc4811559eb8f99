"""Link abstraction: the SINR of a (user, cell) pair → the bit rate of one PRB.

Three models (``radio.link``):

* ``cqi-lte`` (the default for user-level instances): the 4-bit CQI table of 3GPP TS 36.213 Table 7.2.3-1 (the
  same entries as TS 38.214 Table 5.2.2.1-2, NR's 64QAM table). A user reports the highest CQI whose SINR
  threshold it reaches and is served at that CQI's spectral efficiency; the thresholds are those of Kawser, Hamid,
  Hasan, Alam and Rahman, "Downlink SNR to CQI Mapping for Different Multiple Antenna Techniques in LTE",
  International Journal of Information and Electronics Engineering 2(5):757-760, 2012 (SISO, 10 % BLER) — the
  mapping most system-level LTE studies use.
* ``cqi-nr``: TS 38.214 Table 5.2.2.1-3 (NR, up to 256QAM). Its entries 1-11 are entries 1, 3, 5, 7, 8, … 14 of
  the 64QAM table and keep their thresholds; entry 12 has the efficiency of 64QAM entry 15 and takes its
  threshold; the thresholds of entries 13-15 (256QAM) are ours: the SNR gap of entry 12 to Shannon (6.07 dB) kept
  constant, ``10 log10(2^SE − 1) + 6.07``.
* ``shannon``: ``log2(1 + SINR/Γ)`` with the SNR gap Γ (``radio.snr_gap_db``), optionally capped at
  ``radio.max_spectral_efficiency_bps_hz`` — the papers' model, kept by their reproductions.

With a CQI model the rate of one PRB is ``W_prb · SE(CQI) · (1 − overhead)``, ``overhead`` the share of resource
elements spent on control and reference signals (``radio.link_overhead``; TS 38.306 §4.1.2 uses 0.14 for the FR1
downlink). Below the CQI 1 threshold the rate is 0: the user cannot be served by that cell (outage), it needs no
finite number of PRBs there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CQI_TABLES", "CqiTable", "cqi_index", "spectral_efficiency"]


@dataclass(frozen=True)
class CqiTable:
    """A CQI table: per index 1…15 the modulation order, code rate × 1024, spectral efficiency (bit/s/Hz) and the
    SINR (dB) from which a user reports it."""

    source: str
    modulation_order: tuple[int, ...]
    code_rate_x1024: tuple[int, ...]
    efficiency: tuple[float, ...]
    sinr_threshold_db: tuple[float, ...]


#: TS 36.213 Table 7.2.3-1 (= TS 38.214 Table 5.2.2.1-2); thresholds: Kawser et al. 2012, SISO, 10 % BLER
CQI_LTE = CqiTable(
    source="3GPP TS 36.213 Table 7.2.3-1; SINR thresholds Kawser et al., IJIEE 2(5), 2012",
    modulation_order=(2, 2, 2, 2, 2, 2, 4, 4, 4, 6, 6, 6, 6, 6, 6),
    code_rate_x1024=(78, 120, 193, 308, 449, 602, 378, 490, 616, 466, 567, 666, 772, 873, 948),
    efficiency=(
        0.1523,
        0.2344,
        0.3770,
        0.6016,
        0.8770,
        1.1758,
        1.4766,
        1.9141,
        2.4063,
        2.7305,
        3.3223,
        3.9023,
        4.5234,
        5.1152,
        5.5547,
    ),
    sinr_threshold_db=(-6.7, -4.7, -2.3, 0.2, 2.4, 4.3, 5.9, 8.1, 10.3, 11.7, 14.1, 16.3, 18.7, 21.0, 22.7),
)

_GAP_256QAM_DB = 22.7 - 10.0 * np.log10(2.0**5.5547 - 1.0)  # entry 12's SNR gap to Shannon, ≈ 6.07 dB


#: the 64QAM entries (0-based) that NR's 256QAM table keeps as its entries 1-11
_SHARED = (0, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13)


def _gap_threshold(efficiency: float) -> float:
    return round(float(10.0 * np.log10(2.0**efficiency - 1.0) + _GAP_256QAM_DB), 2)


#: TS 38.214 Table 5.2.2.1-3 (256QAM); thresholds of entries 1-12 from the 64QAM table, 13-15 by a constant gap
CQI_NR = CqiTable(
    source="3GPP TS 38.214 Table 5.2.2.1-3; SINR thresholds of the shared entries Kawser et al. 2012, "
    "entries 13-15 at entry 12's SNR gap to Shannon (lbopt)",
    modulation_order=(2, 2, 2, 4, 4, 4, 6, 6, 6, 6, 6, 8, 8, 8, 8),
    code_rate_x1024=(78, 193, 449, 378, 490, 616, 466, 567, 666, 772, 873, 711, 797, 885, 948),
    # entries 1-11 are 64QAM entries 1, 3, 5, 7-14; entry 12 has entry 15's efficiency with 256QAM
    efficiency=(*(CQI_LTE.efficiency[i] for i in _SHARED), 5.5547, 6.2266, 6.9141, 7.4063),
    sinr_threshold_db=tuple(CQI_LTE.sinr_threshold_db[i] for i in (*_SHARED, 14))
    + tuple(_gap_threshold(e) for e in (6.2266, 6.9141, 7.4063)),
)

CQI_TABLES = {"cqi-lte": CQI_LTE, "cqi-nr": CQI_NR}


def cqi_index(sinr_db: np.ndarray, table: CqiTable) -> np.ndarray:
    """The CQI a user reports at ``sinr_db``: the highest index whose threshold it reaches; 0 below CQI 1 (outage).

    Examples
    --------
    >>> cqi_index(np.array([-10.0, -6.7, 0.0, 30.0, np.nan]), CQI_LTE).tolist()
    [0, 1, 3, 15, 0]
    """
    sinr = np.asarray(sinr_db, float)
    index = np.searchsorted(np.asarray(table.sinr_threshold_db), sinr, side="right")
    return np.where(np.isnan(sinr), 0, index)


def spectral_efficiency(sinr_db: np.ndarray, table: CqiTable) -> np.ndarray:
    """Spectral efficiency (bit/s/Hz) of the reported CQI; 0 below CQI 1 and for NaN SINR.

    Examples
    --------
    >>> spectral_efficiency(np.array([-10.0, 5.0, 25.0]), CQI_LTE).tolist()
    [0.0, 1.1758, 5.5547]
    """
    lookup = np.concatenate([[0.0], table.efficiency])
    return lookup[cqi_index(sinr_db, table)]
