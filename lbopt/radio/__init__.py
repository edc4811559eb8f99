"""Network and radio model: geometry, path loss, shadowing, RSRP/SINR, rates, PRBs, loads, A3 and selection."""

from lbopt.radio.handover import a3_entering, a3_target, associate_strongest, pair_cio_matrix
from lbopt.radio.model import (
    RadioCells,
    UserRadio,
    cell_prb_load,
    current_serving,
    evaluate_users,
    prbs_needed,
    rate_per_prb_bps,
    received_power_dbm,
    rsrp_dbm,
    sinr_db,
    user_cell_matrices,
)

__all__ = [
    "RadioCells",
    "UserRadio",
    "a3_entering",
    "a3_target",
    "associate_strongest",
    "cell_prb_load",
    "current_serving",
    "evaluate_users",
    "pair_cio_matrix",
    "prbs_needed",
    "rate_per_prb_bps",
    "received_power_dbm",
    "rsrp_dbm",
    "sinr_db",
    "user_cell_matrices",
]
