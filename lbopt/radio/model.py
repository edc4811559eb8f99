"""The radio model: geometry → received power → RSRP and SINR → rate per PRB → PRBs per user → cell loads.

Notation (Zou et al. eqs. 1–4; Jia et al. §2; Han & Ansari eq. 1–2):

* received power ``S_uj = P_j + G_j + G_rx − PL_j(d_uj) − X_uj`` (dBm), with transmit power ``P_j``, antenna gains,
  the cell's tier path loss and shadowing ``X_uj ~ N(0, σ²)``;
* ``RSRP_uj = S_uj − 10 log10(12 · n_prb_j)``: power per resource element (12 subcarriers per PRB);
* ``SINR_uj = S_uj / (Σ_{k ≠ j, band(k) = band(j)} ℓ · S_uk + N_j)`` with interferer activity ``ℓ``
  (``radio.interference_load``), bands per tier (``separate-tiers``: macro and small cells on different carriers,
  as in the OSLB and vGALA papers) or one band (``shared``), and thermal noise
  ``N_j = −174 dBm/Hz + 10 log10(n_prb_j · W_prb) + NF``;
* rate per PRB ``r_uj`` by the link model (:mod:`lbopt.radio.link`): the spectral efficiency of the CQI the
  SINR reaches (3GPP tables, less an overhead; 0 below CQI 1), or Shannon ``W_prb · log2(1 + SINR_uj / Γ)`` with
  SNR gap ``Γ``, optionally capped at a maximum spectral efficiency;
* PRBs a user needs ``B_uj = R̂_u / r_uj`` (ceiled to whole PRBs unless ``radio.prb_rounding = none``); infinite
  where ``r_uj = 0``: the cell cannot serve the user (outage), and such a user adds no PRBs to any load;
* cell load ``ρ_j = Σ_{u served by j} B_uj / n_prb_j`` (may exceed 1: the "virtual" load of an overloaded cell).

Everything is vectorised over users × cells and processed in chunks of users, so memory stays bounded for
large inputs; with ``candidates=k`` only each user's k nearest cells are evaluated (k-d tree pruning: faster, and
interference from farther cells is ignored — the benchmark measures the error).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from lbopt.errors import InvalidParameter
from lbopt.instance.errors import InstanceError
from lbopt.instance.model import Instance
from lbopt.instance.schema import RadioConfig
from lbopt.radio.geometry import distances_m
from lbopt.radio.link import CQI_TABLES, spectral_efficiency
from lbopt.radio.measured import is_measured, measured_rx_dbm
from lbopt.radio.pathloss import los_probability, pathloss_38901, pathloss_db
from lbopt.radio.shadowing import LOS_SALT, correlated_shadowing_db, id_keys, pair_uniform, shadowing_db

#: elements (users × cells) per chunk; ~8 float64 arrays of this size are alive at once (≈ 256 MB)
CHUNK_ELEMENTS = 4_000_000
#: threads of the full users × cells evaluation (:func:`user_cell_matrices`); the numbers do not depend on it
RADIO_THREADS = max(1, min(4, os.cpu_count() or 1))


_LN10_10 = np.log(10.0) / 10.0
T = TypeVar("T")


def db_to_linear(x_db: np.ndarray) -> np.ndarray:
    """10^(x/10), elementwise."""
    return np.exp(np.asarray(x_db, float) * _LN10_10)


def linear_to_db(x: np.ndarray) -> np.ndarray:
    """10 log10(x), elementwise (−inf for 0)."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(x)


@dataclass(frozen=True)
class RadioCells:
    """Per-cell radio arrays derived from the cells table and the tier settings."""

    ids: np.ndarray
    keys: np.ndarray
    xy: np.ndarray
    tx_power_dbm: np.ndarray
    antenna_gain_dbi: np.ndarray
    azimuth_deg: np.ndarray
    n_prb: np.ndarray
    bias_db: np.ndarray
    pl_a_db: np.ndarray
    pl_b_db: np.ndarray
    pl_min_distance_m: np.ndarray
    band: np.ndarray
    noise_dbm: np.ndarray
    pl_38901: np.ndarray  # per cell: its TR 38.901 scenario, or "" for the log-distance parameters above
    height_m: np.ndarray  # base-station height (m) of the TR 38.901 models

    @property
    def n(self) -> int:
        """Number of cells."""
        return len(self.ids)

    @classmethod
    def from_instance(cls, instance: Instance) -> RadioCells:
        """The cells' radio arrays from an instance (positions, powers, gains, PRBs, bands), or those of its MR
        records; refuses an instance with neither.
        """
        cells = instance.cells
        radio = instance.radio
        if not instance.has_geometry and not is_measured(instance):
            raise InstanceError(
                str(instance.path or instance.name),
                "cells.x_m",
                "the radio model needs cell positions (x_m, y_m), or measurement reports (mr) as the users",
            )
        n = len(cells)
        tier = cells["tier"].to_numpy(object) if "tier" in cells else np.full(n, "macro", object)

        def per_tier(attr: str) -> np.ndarray:
            lookup = {t: getattr(cfg, attr) for t, cfg in radio.tiers.items()}
            return np.array([lookup[t] for t in tier], dtype=float)

        def column_or_tier(col: str, attr: str) -> np.ndarray:
            return cells[col].to_numpy(float) if col in cells else per_tier(attr)

        models = {t: cfg.pathloss_model() for t, cfg in radio.tiers.items()}
        n_prb = column_or_tier("n_prb", "n_prb")
        band = np.zeros(n, int) if radio.interference == "shared" else pd.factorize(tier)[0]
        noise = radio.noise_density_dbm_hz + 10 * np.log10(n_prb * radio.prb_bandwidth_hz) + radio.noise_figure_db
        return cls(
            ids=cells["id"].to_numpy(object),
            keys=id_keys(cells["id"]),
            xy=cells[["x_m", "y_m"]].to_numpy(float) if instance.has_geometry else np.full((n, 2), np.nan),
            tx_power_dbm=column_or_tier("tx_power_dbm", "tx_power_dbm"),
            antenna_gain_dbi=column_or_tier("antenna_gain_dbi", "antenna_gain_dbi"),
            azimuth_deg=cells["azimuth_deg"].to_numpy(float) if "azimuth_deg" in cells else np.full(n, np.nan),
            n_prb=n_prb,
            bias_db=cells["bias_db"].to_numpy(float) if "bias_db" in cells else np.zeros(n),
            pl_a_db=np.array([models[t].a_db for t in tier]),
            pl_b_db=np.array([models[t].b_db for t in tier]),
            pl_min_distance_m=np.array([models[t].min_distance_m for t in tier]),
            band=band,
            noise_dbm=noise,
            pl_38901=np.array([radio.tiers[t].model_38901 or "" for t in tier], dtype=object),
            height_m=np.array([radio.tiers[t].bs_height_m() for t in tier]),
        )


def _wrap(radio: RadioConfig) -> tuple[np.ndarray, np.ndarray] | None:
    w = radio.wraparound
    return None if w is None else (np.array(w.t1_m), np.array(w.t2_m))


def received_power_dbm(
    cells: RadioCells,
    users_xy: np.ndarray,
    user_keys: np.ndarray,
    radio: RadioConfig,
    seed: int,
    cand: np.ndarray | None = None,
) -> np.ndarray:
    """``S_uj`` in dBm for users × cells, or users × k for candidate cell indices ``cand`` (users × k)."""
    sel = slice(None) if cand is None else cand
    cell_keys = cells.keys if cand is None else cells.keys[cand]
    per_pair_los = np.any(cells.pl_38901 != "")
    if cand is None and not per_pair_los:
        # co-sited cells with one path-loss model (the sectors of a site) share a distance and a loss: computed once
        # per site and copied to the cells' columns (the same numbers)
        first, of = _shared_columns(cells.xy, cells.pl_a_db, cells.pl_b_db, cells.pl_min_distance_m)
        d = distances_m(users_xy, cells.xy[first], _wrap(radio))
        pl = np.take(pathloss_db(d, cells.pl_a_db[first], cells.pl_b_db[first], cells.pl_min_distance_m[first]), of, 1)
    else:
        if cand is None:
            d = distances_m(users_xy, cells.xy, _wrap(radio))
        else:
            d = np.hypot(users_xy[:, None, 0] - cells.xy[cand, 0], users_xy[:, None, 1] - cells.xy[cand, 1])
        pl = pathloss_db(d, cells.pl_a_db[sel], cells.pl_b_db[sel], cells.pl_min_distance_m[sel])
        if per_pair_los:
            _pathloss_38901_into(pl, d, cells, sel, user_keys, cell_keys, radio, seed)
    if radio.shadowing_decorrelation_m is not None and radio.shadowing_std_db > 0:
        shadow = correlated_shadowing_db(
            users_xy, cells.keys, sel, seed, radio.shadowing_std_db, radio.shadowing_decorrelation_m
        )
    else:
        shadow = shadowing_db(user_keys, cell_keys, seed, radio.shadowing_std_db)
    gain = cells.antenna_gain_dbi[sel] + sector_pattern_db(cells, users_xy, sel, radio)
    return cells.tx_power_dbm[sel] + gain + radio.rx_gain_dbi - pl - shadow


def _shared_columns(xy: np.ndarray, *per_cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells that share a position (and the given per-cell values): one representative cell per group and each
    cell's group, so that ``values[:, first][:, of]`` rebuilds the per-cell columns."""
    key = np.column_stack([xy, *per_cell]) if per_cell else np.asarray(xy)
    _, first, of = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first, of.ravel()


def _pathloss_38901_into(pl, d, cells: RadioCells, sel, user_keys, cell_keys, radio: RadioConfig, seed: int) -> None:
    """Overwrite the entries of ``pl`` whose cell uses a TR 38.901 scenario: line of sight drawn per pair with the
    scenario's probability (a pure function of seed, user and cell), then that scenario's LOS or NLOS path loss.
    ``d`` is the horizontal distance (the models add the antenna heights)."""
    model = np.broadcast_to(cells.pl_38901[sel], pl.shape)
    height = np.broadcast_to(cells.height_m[sel], pl.shape)
    uniform = pair_uniform(user_keys, cell_keys, seed ^ LOS_SALT)
    for name in np.unique(model[model != ""]):
        at = model == name
        los = uniform[at] < los_probability(name, d[at])
        pl[at] = pathloss_38901(name, d[at], height[at], radio.ue_height_m, radio.carrier_ghz, los)


def sector_pattern_db(
    cells: RadioCells, users_xy: np.ndarray, sel: slice | np.ndarray, radio: RadioConfig
) -> np.ndarray:
    """Horizontal sector pattern ``A(φ) = −min(12 (φ/φ_3dB)², A_m)`` (3GPP TR 36.942); 0 for omni cells.

    ``φ`` is the angle between the cell's boresight (``azimuth_deg``, clockwise from north) and the user.
    """
    az = cells.azimuth_deg[sel]
    if np.all(np.isnan(az)):
        return np.zeros(())
    if isinstance(sel, slice):  # one bearing per site, copied to its sectors' columns (the same numbers)
        first, of = _shared_columns(cells.xy[sel])
        cx, cy = cells.xy[sel][first, 0], cells.xy[sel][first, 1]
        phi = np.take(np.degrees(np.arctan2(users_xy[:, None, 0] - cx, users_xy[:, None, 1] - cy)), of, 1)
    else:
        cx, cy = cells.xy[sel, 0], cells.xy[sel, 1]
        phi = np.degrees(np.arctan2(users_xy[:, None, 0] - cx, users_xy[:, None, 1] - cy))  # bearing, (−180, 180]
    # φ = (bearing − az + 180) mod 360 − 180, in place: the argument lies in (−360, 360], where one correction
    # gives what numpy's floating-point modulo gives (element for element, tested), at a fraction of its cost
    phi -= az
    phi += 180.0
    np.add(phi, 360.0, out=phi, where=phi < 0.0)
    np.subtract(phi, 360.0, out=phi, where=phi >= 360.0)
    phi -= 180.0
    phi /= radio.sector_beamwidth_deg
    np.square(phi, out=phi)
    phi *= 12.0
    np.minimum(phi, radio.sector_front_to_back_db, out=phi)
    np.negative(phi, out=phi)
    if np.isnan(az).any():
        phi[np.broadcast_to(np.isnan(az), phi.shape)] = 0.0
    return phi


def rsrp_dbm(rx_dbm: np.ndarray, n_prb: np.ndarray) -> np.ndarray:
    """Reference-signal received power: power per resource element (12 subcarriers per PRB)."""
    return rx_dbm - 10.0 * np.log10(12.0 * n_prb)


def band_totals_mw(s: np.ndarray, band: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Total received power per user and band (users × bands) and each column's band index (same shape as s)."""
    band = np.broadcast_to(band, s.shape) if np.ndim(band) == 2 else np.asarray(band)
    s = np.ascontiguousarray(s)  # the order of a row sum follows the memory layout: one layout, one number
    if band.ndim == 1:  # one band per column
        # row sums (numpy's pairwise summation along each row), not a matrix product: BLAS may sum a row in another
        # order depending on how many rows it is given, and a user's SINR must not depend on its chunk
        n_bands = int(band.max()) + 1
        if n_bands == 1:
            return s.sum(axis=1)[:, None], np.broadcast_to(band, s.shape)
        totals = np.stack([s[:, band == b].sum(axis=1) for b in range(n_bands)], axis=1)
        return totals, np.broadcast_to(band, s.shape)
    n_bands = int(band.max()) + 1
    totals = np.stack([np.where(band == b, s, 0.0).sum(axis=1) for b in range(n_bands)], axis=1)
    return totals, band


def sinr_db(rx_dbm: np.ndarray, band: np.ndarray, noise_dbm: np.ndarray, interference_load: float) -> np.ndarray:
    """SINR (dB) of every (user, cell) from the received powers of the same users (columns = cells).

    ``band``, ``noise_dbm`` are per column; with candidate columns they may be 2-D (users × k).
    """
    s = db_to_linear(rx_dbm)
    totals, band_full = band_totals_mw(
        s, np.squeeze(band, axis=0) if np.ndim(band) == 2 and np.shape(band)[0] == 1 else band
    )
    interference = interference_load * (np.take_along_axis(totals, band_full, axis=1) - s)
    return linear_to_db(s / (np.maximum(interference, 0.0) + db_to_linear(noise_dbm)))


def serving_sinr_db(
    rx_dbm: np.ndarray, band: np.ndarray, noise_dbm: np.ndarray, interference_load: float, pick: np.ndarray
) -> np.ndarray:
    """SINR (dB) of each user at the column ``pick[u]`` only (−1: NaN); cheaper than :func:`sinr_db` + gather."""
    s = db_to_linear(rx_dbm)
    flat_band = np.squeeze(band, axis=0) if np.ndim(band) == 2 and np.shape(band)[0] == 1 else band
    totals, band_full = band_totals_mw(s, flat_band)
    rows = np.arange(s.shape[0])
    col = np.maximum(pick, 0)
    own = s[rows, col]
    b = band_full[rows, col]
    noise = np.broadcast_to(noise_dbm, s.shape)[rows, col]
    interference = interference_load * np.maximum(totals[rows, b] - own, 0.0)
    return np.where(pick >= 0, linear_to_db(own / (interference + db_to_linear(noise))), np.nan)


def rate_per_prb_bps(sinr: np.ndarray, radio: RadioConfig) -> np.ndarray:
    """Rate of one PRB by the instance's link model (:mod:`lbopt.radio.link`): ``W_prb · SE(CQI) · (1 − overhead)``
    with a CQI table (0 below CQI 1: outage), or Shannon ``W_prb · log2(1 + SINR/Γ)`` capped at the maximum spectral
    efficiency."""
    if radio.link != "shannon":
        se = spectral_efficiency(sinr, CQI_TABLES[radio.link])
        return radio.prb_bandwidth_hz * (1.0 - radio.link_overhead) * se
    se = np.log2(1.0 + db_to_linear(np.asarray(sinr) - radio.snr_gap_db))
    if radio.max_spectral_efficiency_bps_hz is not None:
        se = np.minimum(se, radio.max_spectral_efficiency_bps_hz)
    return radio.prb_bandwidth_hz * se


def prbs_needed(demand_bps: np.ndarray, rate_bps: np.ndarray, radio: RadioConfig) -> np.ndarray:
    """PRBs a user needs for its constant bit rate (Zou eq. 3), whole PRBs unless ``prb_rounding = none``."""
    with np.errstate(divide="ignore"):
        prb = np.asarray(demand_bps, float) / rate_bps
    if radio.prb_rounding == "ceil":
        # 1e-9 guards against 2.0000000001 becoming 3 through rounding noise
        prb = np.ceil(prb - 1e-9)
    return prb


def served_prb(prb: np.ndarray, in_place: bool = False) -> np.ndarray:
    """PRBs as the cells' counters see them: a user a cell cannot serve (outage, no finite need) uses none there.

    The methods plan on these (an operator's PRB counters show no load for an unserved user); the evaluator counts
    such users as ``outage_users`` for every method alike. ``in_place`` overwrites ``prb`` (a matrix the caller owns:
    no second users × cells copy).
    """
    if not in_place:
        return np.where(np.isfinite(prb), prb, 0.0)
    np.putmask(prb, ~np.isfinite(prb), 0.0)
    return prb


def cell_prb_load(serving: np.ndarray, prb: np.ndarray, n_cells: int) -> np.ndarray:
    """PRBs used per cell (Σ of the PRBs of the users each cell serves); unattached users (−1) and users in outage
    (no finite PRB need: the cell cannot serve them) are skipped."""
    ok = (serving >= 0) & np.isfinite(prb)
    return np.bincount(serving[ok], weights=prb[ok], minlength=n_cells).astype(float)


@dataclass
class UserRadio:
    """Per-user radio state for one association.

    ``serving`` holds cell positions (−1 for an unattached user); the other arrays refer to the serving cell.
    """

    serving: np.ndarray
    rsrp_dbm: np.ndarray
    sinr_db: np.ndarray
    rate_per_prb_bps: np.ndarray
    prb: np.ndarray

    def cell_load_prb(self, n_cells: int) -> np.ndarray:
        """PRBs used per cell by the users it serves (users in outage use none)."""
        return cell_prb_load(self.serving, self.prb, n_cells)

    def table(self, user_ids: np.ndarray, cell_ids: np.ndarray, prefix: str = "") -> pd.DataFrame:
        """Per user: serving cell id, RSRP, SINR, rate per PRB and PRBs (columns prefixed by ``prefix``)."""
        serving = np.where(self.serving >= 0, cell_ids[np.maximum(self.serving, 0)], None)
        return pd.DataFrame(
            {
                "id": user_ids,
                f"{prefix}serving": serving,
                f"{prefix}rsrp_dbm": self.rsrp_dbm,
                f"{prefix}sinr_db": self.sinr_db,
                f"{prefix}rate_per_prb_bps": self.rate_per_prb_bps,
                f"{prefix}prb": self.prb,
            }
        )


def user_demand_bps(instance: Instance) -> np.ndarray:
    """Each user's constant bit rate: ``users.demand_bps``, else ``radio.default_demand_bps``."""
    users = instance.users
    if "demand_bps" in users:
        return users["demand_bps"].to_numpy(float)
    return np.full(len(users), instance.radio.default_demand_bps)


def user_arrays(instance: Instance) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Positions (None for MR users), keys and demands of the users."""
    users = instance.users
    if users is None or len(users) == 0:
        raise InstanceError(str(instance.path or instance.name), "users", "the method needs a users table")
    xy = None if is_measured(instance) else users[["x_m", "y_m"]].to_numpy(float)
    return xy, id_keys(users["id"]), user_demand_bps(instance)


def received_dbm(
    instance: Instance, cells: RadioCells, xy: np.ndarray | None, keys: np.ndarray, rows: slice, cand=None
) -> np.ndarray:
    """``S_uj`` (dBm) of the users in ``rows``: from path loss, or from the MR records when the users are records."""
    if xy is None:
        rx = measured_rx_dbm(instance)[rows]
        return rx if cand is None else np.take_along_axis(rx, cand, axis=1)
    return received_power_dbm(cells, xy[rows], keys[rows], instance.radio, instance.seed or 0, cand)


def current_serving(instance: Instance) -> np.ndarray | None:
    """Positions of the cells serving each user now (``users.serving``), or ``None`` if not given."""
    if instance.users is None or "serving" not in instance.users:
        return None
    return instance.cell_positions(instance.users["serving"])


def serving_or_strongest(instance: Instance, rsrp_dbm: np.ndarray | None = None) -> np.ndarray:
    """The current association, with users that have none (or no ``serving`` column) on their strongest cell
    (``RSRP + cells.bias_db``). Give the users × cells ``rsrp_dbm`` already computed (:func:`user_cell_matrices`)
    to pick from it instead of evaluating the radio model again."""
    serving = current_serving(instance)
    if serving is None or np.any(serving < 0):
        if rsrp_dbm is None:
            fresh = evaluate_users(instance).serving
        else:
            fresh = np.argmax(rsrp_dbm + RadioCells.from_instance(instance).bias_db[None, :], axis=1)
        serving = fresh if serving is None else np.where(serving >= 0, serving, fresh)
    return serving


def evaluate_users(
    instance: Instance,
    serving: np.ndarray | None = None,
    *,
    bias_db: np.ndarray | None = None,
    candidates: int | None = None,
    chunk_elements: int = CHUNK_ELEMENTS,
    progress: Callable[[int], None] | None = None,
) -> UserRadio:
    """Radio state of every user, served by ``serving`` or, when ``None``, by the strongest ``RSRP + bias``.

    Parameters
    ----------
    serving : cell positions per user (−1: unattached), or ``None`` to associate by strongest RSRP.
    bias_db : per-cell selection bias (cell individual offset / range expansion); ``cells.bias_db`` when ``None``.
    candidates : evaluate only each user's ``k`` nearest cells (k-d tree); ``None`` evaluates all cells.
    chunk_elements : users × cells elements per chunk (memory bound).
    progress : called with the number of users finished after each chunk.
    """
    cells = RadioCells.from_instance(instance)
    radio = instance.radio
    xy, keys, demand = user_arrays(instance)
    bias = cells.bias_db if bias_db is None else np.asarray(bias_db, float)
    n_users = len(keys)
    if candidates is not None:
        if xy is None:
            raise InvalidParameter("nearest-cell pruning needs user positions; MR users are evaluated on every cell")
        if radio.wraparound is not None:
            raise InvalidParameter("nearest-cell pruning does not support wrap-around layouts; use candidates=None")
        from scipy.spatial import cKDTree

        k = min(int(candidates), cells.n)
        _, nearest = cKDTree(cells.xy).query(xy, k=k)
        nearest = nearest.reshape(n_users, k)
    cached = cached_matrices(instance) if candidates is None else None
    if cached is not None:  # the matrices a method already computed for this instance: the same numbers
        return _from_matrices(cached, serving, bias, demand, radio, progress)
    if candidates is None and serving is not None:  # the pairs a method kept (lbopt.radio.reach), if they hold these
        from lbopt.radio.reach import cached_reach

        reach = cached_reach(instance)
        rows, col = np.arange(n_users), np.maximum(np.asarray(serving, np.int64), 0)
        if reach is not None and reach.values("rsrp_dbm").known(rows[serving >= 0], col[serving >= 0]).all():
            kept = {"rsrp_dbm": reach.values("rsrp_dbm")[rows, col], "sinr_db": reach.values("sinr_db")[rows, col]}
            return _from_matrices(kept, serving, bias, demand, radio, progress, gathered=True)
    out_serving = np.full(n_users, -1, dtype=np.int64)
    out = {name: np.full(n_users, np.nan) for name in ("rsrp", "sinr", "rate")}
    width = cells.n if candidates is None else k
    step = max(1, chunk_elements // max(width, 1))
    for start in range(0, n_users, step):
        sl = slice(start, min(start + step, n_users))
        rows = np.arange(sl.stop - sl.start)
        if candidates is None:
            cand = None
            cols = np.arange(cells.n)[None, :]
        else:
            cand = nearest[sl]
            cols = cand
        rx = received_dbm(instance, cells, xy, keys, sl, cand)
        rsrp = rsrp_dbm(rx, cells.n_prb[cols])
        if serving is None:
            pick = np.argmax(rsrp + bias[cols], axis=1)
            chosen = np.take_along_axis(np.broadcast_to(cols, rsrp.shape), pick[:, None], axis=1)[:, 0]
        else:
            chosen = np.asarray(serving[sl], dtype=np.int64)
            pick = _column_of(cols, chosen, rsrp.shape)
        attached = pick >= 0
        out_serving[sl] = np.where(attached, chosen, -1)
        out["rsrp"][sl] = np.where(attached, rsrp[rows, np.maximum(pick, 0)], np.nan)
        out["sinr"][sl] = serving_sinr_db(rx, cells.band[cols], cells.noise_dbm[cols], radio.interference_load, pick)
        if progress is not None:
            progress(sl.stop - sl.start)
    rate = rate_per_prb_bps(out["sinr"], radio)
    prb = np.where(out_serving >= 0, prbs_needed(demand, rate, radio), 0.0)
    return UserRadio(out_serving, out["rsrp"], out["sinr"], rate, prb)


def _from_matrices(m: dict, serving, bias, demand, radio: RadioConfig, progress, gathered: bool = False) -> UserRadio:
    """:func:`evaluate_users` read from full matrices, or (``gathered``) from each user's numbers at its serving cell
    already picked out of them (the arithmetic of the chunked path, element for element)."""
    n_users = m["rsrp_dbm"].shape[0]
    chosen = np.argmax(m["rsrp_dbm"] + bias[None, :], axis=1) if serving is None else np.asarray(serving, np.int64)
    attached = chosen >= 0
    rows, col = np.arange(n_users), np.maximum(chosen, 0)
    pick = (lambda a: a) if gathered else (lambda a: a[rows, col])
    rsrp = np.where(attached, pick(m["rsrp_dbm"]), np.nan)
    sinr = np.where(attached, pick(m["sinr_db"]), np.nan)
    if progress is not None:
        progress(n_users)
    rate = rate_per_prb_bps(sinr, radio)
    chosen = np.where(attached, chosen, -1)
    return UserRadio(chosen, rsrp, sinr, rate, np.where(attached, prbs_needed(demand, rate, radio), 0.0))


def _column_of(cols: np.ndarray, chosen: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Column index of each user's chosen cell among its evaluated columns (−1: not attached / not evaluated)."""
    full = np.broadcast_to(cols, shape)
    hit = full == chosen[:, None]
    found = hit.any(axis=1) & (chosen >= 0)
    return np.where(found, hit.argmax(axis=1), -1)


def instance_cache_key(instance: Instance) -> tuple:
    """What radio numbers kept with an instance object depend on: its tables, radio settings and seed (by identity:
    ``with_tables`` makes a new object)."""
    return (id(instance.users), id(instance.cells), id(instance.radio), instance.seed)


def cached_matrices(instance: Instance) -> dict[str, np.ndarray] | None:
    """The matrices :func:`user_cell_matrices` computed for this very instance object, or None."""
    cached = getattr(instance, "_user_cell", None)
    return cached[1] if cached is not None and cached[0] == instance_cache_key(instance) else None


MATRICES = ("rx_dbm", "rsrp_dbm", "sinr_db", "rate_per_prb_bps", "prb")


def user_cell_matrices(instance: Instance, outputs: tuple[str, ...] = MATRICES) -> dict[str, np.ndarray]:
    """Full users × cells matrices: ``rx_dbm``, ``rsrp_dbm``, ``sinr_db``, ``rate_per_prb_bps``, ``prb``.

    For methods that need every candidate cell of every user (OSLB's per-cell PRBs, A3 events, MR records);
    memory is ``O(users × cells)``, so use it on instances of moderate size, and ask only for the ``outputs`` the
    caller reads (RSRP and SINR are always computed). RSRP and SINR are kept with the instance object (read-only)
    and reused by :func:`evaluate_users` and :func:`user_cell_pairs`, which compute every number with the same
    arithmetic (so a user's numbers are the same whichever computed them); the other matrices are not kept (a
    second call derives them from these) and belong to the caller, who may change them in place.
    """
    unknown = set(outputs) - set(MATRICES)
    if unknown:
        raise ValueError(f"unknown matrices {sorted(unknown)}; expected some of {MATRICES}")
    hit = cached_matrices(instance)
    if hit is not None:  # the rest follows from these by the same element-wise arithmetic
        out = dict(hit)
        if "rx_dbm" in outputs:
            out["rx_dbm"] = hit["rsrp_dbm"] + 10.0 * np.log10(12.0 * RadioCells.from_instance(instance).n_prb)
        if {"rate_per_prb_bps", "prb"} & set(outputs):
            rate = rate_per_prb_bps(hit["sinr_db"], instance.radio)
            if "rate_per_prb_bps" in outputs:
                out["rate_per_prb_bps"] = rate
            if "prb" in outputs:
                out["prb"] = prbs_needed(user_arrays(instance)[2][:, None], rate, instance.radio)
        return out
    out = _full_matrices(instance, outputs=outputs)
    kept = {k: out[k] for k in ("rsrp_dbm", "sinr_db")}  # what the evaluator reads; the rest is not kept
    for array in kept.values():
        array.flags.writeable = False
    object.__setattr__(instance, "_user_cell", (instance_cache_key(instance), kept))
    return out


def _full_matrices(
    instance: Instance, chunk_elements: int = CHUNK_ELEMENTS, outputs: tuple[str, ...] = MATRICES
) -> dict[str, np.ndarray]:
    """The five users × cells matrices, computed in chunks of users on the machine's cores (numpy's element-wise
    kernels release the GIL). Every number is a function of its user's row alone — row sums for the interference —
    so the matrices do not depend on the chunking or on the number of threads (tested)."""
    cells = RadioCells.from_instance(instance)
    xy, keys, demand = user_arrays(instance)
    radio = instance.radio
    n = len(keys)
    out = {k: np.empty((n, cells.n)) for k in MATRICES if k in outputs or k in ("rsrp_dbm", "sinr_db")}
    step = max(1, chunk_elements // max(cells.n, 1))

    def fill(start: int) -> None:
        sl = slice(start, min(start + step, n))
        rx = received_dbm(instance, cells, xy, keys, sl)
        sinr = sinr_db(rx, cells.band, cells.noise_dbm, radio.interference_load)
        out["rsrp_dbm"][sl] = rsrp_dbm(rx, cells.n_prb)
        out["sinr_db"][sl] = sinr
        if "rx_dbm" in out:
            out["rx_dbm"][sl] = rx
        if "rate_per_prb_bps" in out or "prb" in out:
            rate = rate_per_prb_bps(sinr, radio)
            if "rate_per_prb_bps" in out:
                out["rate_per_prb_bps"][sl] = rate
            if "prb" in out:
                out["prb"][sl] = prbs_needed(demand[sl, None], rate, radio)

    over_chunks(fill, range(0, n, step))
    return out


def over_chunks(work: Callable[[int], T], starts: range) -> list[T]:
    """``work(start)`` for every chunk start, on up to :data:`RADIO_THREADS` threads (numpy's element-wise kernels
    release the GIL); the results in the order of ``starts``."""
    from concurrent.futures import ThreadPoolExecutor

    workers = min(len(starts), RADIO_THREADS)
    if workers <= 1:
        return [work(start) for start in starts]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(work, starts))


def user_cell_pairs(
    instance: Instance,
    select: Callable[[slice | np.ndarray, np.ndarray], np.ndarray],
    chunk_elements: int = CHUNK_ELEMENTS,
    users: np.ndarray | None = None,
    rsrp_out: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The radio numbers of chosen (user, cell) pairs, computed in chunks of users on the machine's cores (memory
    ``O(chunk × cells)``), or read from the matrices a method already computed for this instance.

    ``select(rows, rsrp_dbm)`` gets the users of a chunk (a slice, or their indices when ``users`` is given) and
    their RSRP towards every cell (dBm, chunk × cells) and returns a boolean mask of the pairs to keep. Returns
    ``user``, ``cell``, ``rsrp_dbm``, ``sinr_db``, ``rate_per_prb_bps`` and ``prb`` per kept pair, by user and then
    cell: the numbers :func:`evaluate_users` gives a user served by that cell (interference from every cell, as
    there). ``users`` restricts the evaluation to those users (ascending indices); ``rsrp_out`` (users × cells)
    receives every evaluated user's RSRP towards every cell.
    """
    radio = instance.radio
    cells = RadioCells.from_instance(instance)
    xy, keys, demand = user_arrays(instance)
    index = np.arange(len(keys)) if users is None else np.asarray(users, np.int64)
    cached = cached_matrices(instance)
    step = max(1, len(index) if cached is not None else chunk_elements // max(cells.n, 1))
    noise_mw = db_to_linear(cells.noise_dbm)

    def chunk(start: int) -> tuple[np.ndarray, ...]:
        at = index[start : start + step]
        rows = slice(start, start + len(at)) if users is None else at
        if cached is not None:  # one chunk: the matrices already computed, the same arithmetic
            rsrp, sinr = cached["rsrp_dbm"][rows], cached["sinr_db"][rows]
            mask = select(rows, rsrp)
            u, j = np.nonzero(mask)
            pair_sinr = sinr[u, j]
        else:
            rx = received_dbm(instance, cells, xy, keys, rows)
            rsrp = rsrp_dbm(rx, cells.n_prb)
            u, j = np.nonzero(select(rows, rsrp))
            s = db_to_linear(rx)
            totals, _ = band_totals_mw(s, cells.band)
            own = s[u, j]  # the arithmetic of serving_sinr_db and sinr_db, element for element
            interference = radio.interference_load * np.maximum(totals[u, cells.band[j]] - own, 0.0)
            pair_sinr = linear_to_db(own / (interference + noise_mw[j]))
        if rsrp_out is not None:
            rsrp_out[rows] = rsrp
        return at[u], j.astype(np.int64), rsrp[u, j], pair_sinr

    parts = over_chunks(chunk, range(0, len(index), step))
    names = ("user", "cell", "rsrp_dbm", "sinr_db")
    out = {k: np.concatenate([p[n] for p in parts]) if parts else np.empty(0) for n, k in enumerate(names)}
    out["user"], out["cell"] = out["user"].astype(np.int64), out["cell"].astype(np.int64)
    out["rate_per_prb_bps"] = rate_per_prb_bps(out["sinr_db"], radio)
    out["prb"] = prbs_needed(demand[out["user"]], out["rate_per_prb_bps"], radio)
    return out


__all__ = [
    "CHUNK_ELEMENTS",
    "RadioCells",
    "UserRadio",
    "cell_prb_load",
    "current_serving",
    "evaluate_users",
    "prbs_needed",
    "rate_per_prb_bps",
    "received_power_dbm",
    "rsrp_dbm",
    "served_prb",
    "sinr_db",
    "user_cell_matrices",
    "user_cell_pairs",
]
