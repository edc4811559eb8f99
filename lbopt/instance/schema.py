"""Format 1: the document model (pydantic) and the column schema of the tables.

The YAML document's scalar sections (``radio``, ``handover``, ``methods``) are pydantic models with unknown
keys forbidden. The tables (``cells``, ``links``, ``users``, ``locations``, ``rates``, ``mr``) can hold millions of
rows, so they are validated column-wise with pandas against the column schema in ``columns.csv`` — one row
per attribute with its type, unit, bounds and meaning (the practice of PyPSA's ``component_attrs``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FORMAT_VERSION = 1
TABLES: tuple[str, ...] = ("cells", "links", "users", "locations", "rates", "mr")
TIERS: tuple[str, ...] = ("macro", "micro", "pico", "femto", "small")

#: Log-distance presets ``a + b log10(d_km)`` with the minimum distance (m) below which ``d`` is clamped.
#: 3GPP TR 36.814 macro and pico models (minimum distances 35 m and 10 m as in its deployment tables),
#: and the stability paper's (Zou et al. §IV) ``128.1 + 37.6 log10(max(d, 0.035))``.
PATHLOSS_PRESETS: dict[str, tuple[float, float, float]] = {
    "3gpp-macro": (128.1, 37.6, 35.0),
    "3gpp-pico": (140.7, 36.7, 10.0),
    "zou": (128.1, 37.6, 35.0),
}
#: 3GPP TR 38.901 Table 7.4.1-1 scenarios (:func:`lbopt.radio.pathloss.pathloss_38901`) and their default
#: base-station antenna heights (m); line of sight drawn per (user, cell) with Table 7.4.2-1's probability
PATHLOSS_38901: dict[str, float] = {"38901-uma": 25.0, "38901-umi": 10.0, "38901-rma": 35.0}


class StrictModel(BaseModel):
    """A pydantic model that refuses unknown keys and non-finite numbers, and validates assignments."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class PathLoss(StrictModel):
    """Log-distance path loss ``a_db + b_db * log10(max(d, min_distance_m) / 1000)`` in dB."""

    a_db: float
    b_db: float = Field(gt=0)
    min_distance_m: float = Field(default=1.0, gt=0)


class TierRadio(StrictModel):
    """Radio settings of one tier; cells may override power, gain and PRBs column by column."""

    pathloss: str | PathLoss = Field(
        default="3gpp-macro",
        description="path-loss model: a preset (3gpp-macro, 3gpp-pico, zou; TR 38.901 38901-uma, 38901-umi, "
        "38901-rma) or a mapping {a_db, b_db, min_distance_m}",
    )
    tx_power_dbm: float = Field(default=46.0, description="transmit power (dBm) of the tier's cells")
    antenna_gain_dbi: float = Field(default=0.0, description="transmit antenna gain (dBi)")
    n_prb: int = Field(default=50, ge=1, description="PRBs of the tier's carrier")
    height_m: float | None = Field(
        default=None, gt=0, description="base-station height (m) of the TR 38.901 models; None: UMa 25, UMi 10, RMa 35"
    )

    @field_validator("pathloss")
    @classmethod
    def _known_preset(cls, value: str | PathLoss) -> str | PathLoss:
        known = {**PATHLOSS_PRESETS, **PATHLOSS_38901}
        if isinstance(value, str) and value not in known:
            from lbopt.instance.errors import did_you_mean

            raise ValueError(
                f"unknown path-loss preset '{value}'{did_you_mean(value, known)}; "
                f"expected one of {sorted(known)} or a mapping {{a_db, b_db, min_distance_m}}"
            )
        return value

    @property
    def model_38901(self) -> str | None:
        """The TR 38.901 scenario of this tier, or None for a log-distance path loss."""
        return self.pathloss if isinstance(self.pathloss, str) and self.pathloss in PATHLOSS_38901 else None

    def bs_height_m(self) -> float:
        """Base-station height for the TR 38.901 models (the scenario's default unless ``height_m`` is given)."""
        return self.height_m if self.height_m is not None else PATHLOSS_38901.get(self.pathloss, 25.0)

    def pathloss_model(self) -> PathLoss:
        """The log-distance parameters (a placeholder for TR 38.901 tiers, whose path loss is computed apart)."""
        if isinstance(self.pathloss, PathLoss):
            return self.pathloss
        a, b, dmin = PATHLOSS_PRESETS.get(self.pathloss, (0.0, 1.0, 1.0))
        return PathLoss(a_db=a, b_db=b, min_distance_m=dmin)


def _default_tiers() -> dict[str, TierRadio]:
    small = {"pathloss": "3gpp-pico", "tx_power_dbm": 30.0, "antenna_gain_dbi": 5.0}
    return {
        "macro": TierRadio(pathloss="3gpp-macro", tx_power_dbm=46.0, antenna_gain_dbi=14.0),
        "micro": TierRadio(pathloss="3gpp-pico", tx_power_dbm=38.0, antenna_gain_dbi=5.0),
        "pico": TierRadio(**small),
        "small": TierRadio(**small),
        "femto": TierRadio(pathloss="3gpp-pico", tx_power_dbm=20.0, antenna_gain_dbi=0.0),
    }


class Wraparound(StrictModel):
    """Periodic layout: the plane is tiled by the translations ``i*t1_m + j*t2_m`` (i, j integers)."""

    t1_m: tuple[float, float]
    t2_m: tuple[float, float]


class RadioConfig(StrictModel):
    """Radio model settings (see :mod:`lbopt.radio`). Tiers given here replace that tier's defaults."""

    tiers: dict[Literal["macro", "micro", "pico", "femto", "small"], TierRadio] = Field(
        default_factory=_default_tiers,
        description="radio settings per tier; a tier given here replaces that tier's defaults "
        "(macro 46 dBm, 14 dBi, 3gpp-macro; micro 38 dBm; pico and small 30 dBm, 5 dBi, 3gpp-pico; femto 20 dBm)",
    )
    noise_density_dbm_hz: float = Field(default=-174.0, description="thermal noise density (dBm/Hz)")
    noise_figure_db: float = Field(default=9.0, ge=0, description="receiver noise figure (dB)")
    rx_gain_dbi: float = Field(default=0.0, description="user antenna gain (dBi)")
    prb_bandwidth_hz: float = Field(default=180e3, gt=0, description="bandwidth of one PRB (Hz)")
    link: Literal["cqi-lte", "cqi-nr", "shannon"] = Field(
        default="cqi-lte",
        description="SINR to rate of a PRB (lbopt.radio.link): the CQI tables of TS 36.213 / TS 38.214 (users below "
        "CQI 1 are in outage) or Shannon with snr_gap_db and max_spectral_efficiency_bps_hz (the papers' model)",
    )
    link_overhead: float = Field(
        default=0.14,
        ge=0,
        lt=1,
        description="share of resource elements spent on control and reference signals (CQI links; TS 38.306 §4.1.2)",
    )
    snr_gap_db: float = Field(default=0.0, ge=0, description="Shannon link: SNR gap to capacity (dB)")
    max_spectral_efficiency_bps_hz: float | None = Field(
        default=None, gt=0, description="Shannon link: cap of the spectral efficiency (bit/s/Hz); None: no cap"
    )
    shadowing_std_db: float = Field(default=0.0, ge=0, description="log-normal shadowing standard deviation (dB)")
    shadowing_decorrelation_m: float | None = Field(
        default=None,
        gt=0,
        description="Gudmundson's decorrelation distance (m): shadowing correlated in space per "
        "cell, exp(−Δ/d); None: independent per (user, cell) pair",
    )
    carrier_ghz: float = Field(default=2.0, gt=0, le=100, description="carrier frequency (GHz) of the TR 38.901 models")
    ue_height_m: float = Field(default=1.5, gt=1.0, le=22.5, description="user antenna height (m), TR 38.901 models")
    sector_beamwidth_deg: float = Field(
        default=65.0, gt=0, le=360, description="3 dB beamwidth of sector antennas (cells with azimuth_deg)"
    )
    sector_front_to_back_db: float = Field(
        default=20.0, ge=0, description="largest attenuation of a sector antenna (TR 36.814 pattern, dB)"
    )
    interference: Literal["separate-tiers", "shared"] = Field(
        default="separate-tiers",
        description="separate-tiers: each tier on its own carrier (interference within the tier); shared: one carrier",
    )
    interference_load: float = Field(
        default=1.0, ge=0, le=1, description="activity of the interfering cells (1: full buffer)"
    )
    prb_rounding: Literal["ceil", "none"] = Field(
        default="ceil", description="PRBs per user rounded up to whole PRBs, or kept fractional"
    )
    default_demand_bps: float = Field(
        default=1e6, gt=0, description="demand (bit/s) of users without a demand_bps column"
    )
    mr_period: int | None = Field(
        default=None,
        ge=0,
        description="the MR period whose records are the users of the user-level methods "
        "(lbopt.radio.measured); None: the busiest period",
    )
    wraparound: Wraparound | None = Field(
        default=None, description="periodic layout {t1_m, t2_m}: distances to the nearest translated copy"
    )

    @field_validator("tiers", mode="after")
    @classmethod
    def _merge_default_tiers(cls, tiers: dict[str, TierRadio]) -> dict[str, TierRadio]:
        return {**_default_tiers(), **tiers}


class HandoverConfig(StrictModel):
    """A3 event settings: ``M_j + O_ij > M_i + hysteresis_db`` with ``cio_min_db <= O_ij <= cio_max_db``.

    ``offset_steps: 3gpp`` restricts planned offsets to q-OffsetRange (TS 36.331: −24 … 24 dB, 1 dB steps within
    ±6, 2 dB beyond) and asks for a hysteresis in 0.5 dB steps (0 … 15 dB); ``relations: directed`` plans one
    offset per (serving cell, neighbour) relation, as 3GPP configures them, instead of one antisymmetric offset
    per pair (``O_ba = −O_ab``).
    """

    hysteresis_db: float = Field(default=2.0, ge=0, description="A3 hysteresis (dB)")
    cio_min_db: float = Field(default=-6.0, description="lowest offset a method may plan (dB)")
    cio_max_db: float = Field(default=6.0, description="highest offset a method may plan (dB)")
    offset_steps: Literal["continuous", "3gpp"] = Field(
        default="continuous", description="continuous offsets, or the q-OffsetRange values of TS 36.331"
    )
    relations: Literal["pair", "directed"] = Field(
        default="pair",
        description="pair: one antisymmetric offset a pair; directed: one per serving → neighbour relation",
    )

    @model_validator(mode="after")
    def _ordered(self) -> HandoverConfig:
        if not self.cio_min_db <= 0.0 <= self.cio_max_db:
            raise ValueError("expected cio_min_db <= 0 <= cio_max_db")
        if self.offset_steps == "3gpp":
            if self.cio_min_db < -24.0 or self.cio_max_db > 24.0:
                raise ValueError("3GPP offsets (q-OffsetRange) lie within -24 ... 24 dB; narrow cio_min_db/cio_max_db")
            if self.hysteresis_db > 15.0 or abs(self.hysteresis_db * 2 - round(self.hysteresis_db * 2)) > 1e-9:
                raise ValueError(
                    f"a 3GPP hysteresis is 0 ... 15 dB in 0.5 dB steps (TS 36.331), got {self.hysteresis_db}"
                )
        return self


def param(default, unit: str = "", description: str = "", **constraints):
    """A method parameter: its default, unit, meaning and range (``ge``, ``gt``, ``le``, ``lt``), in one place.

    The same field serves the instance file's ``methods`` section, the command-line flag that overrides it
    (:mod:`lbopt.methods` generates the flags from these models) and ``lbopt methods``.
    """
    return Field(default=default, description=description, json_schema_extra={"unit": unit}, **constraints)


class OslbParams(StrictModel):
    """OSLB (Jia et al. 2014) and its chain baseline: the balance target of the flow plan."""

    beta: float = param(0.8, "", "share of the edge users' PRBs that may move (eq. 10 arc capacities)", gt=0, le=1)
    target: Literal["equal-prb", "equal-utilisation"] = param(
        "equal-prb", "", "balance target per component: equal PRBs (the paper) or equal utilisation"
    )


class MlbParams(StrictModel):
    """The MLB baseline: load-based CIO stepping (``lbopt.oslb.mlb``)."""

    periods: int = param(10, "", "balancing periods", ge=1, le=10_000)
    load_gap: float = param(0.1, "", "load difference of a macro pair that triggers a CIO step", ge=0)
    step_db: float = param(1.0, "dB", "CIO step per period", gt=0)


class AssociationParams(StrictModel):
    """What every association program of the vGALA family shares: the load headroom."""

    epsilon: float = param(1e-3, "", "load headroom: every cell load stays below 1 - epsilon", gt=0, lt=1)


class VgalaParams(AssociationParams):
    """vGALA (Han & Ansari) and the association programs that share its constants (``methods.vgala``)."""

    kappa: float = param(4.0, "", "weight of latency against on-grid power in psi (eq. 11)", ge=0)
    theta: float | None = param(
        None, "", "share of green energy usable (cells.theta overrides; 0.8 when neither is given)", ge=0, le=1
    )


class HandoverSteps(StrictModel):
    """What every simulated handover scheme of Zou et al. takes: the number of steps."""

    steps: int = param(50, "", "simulation steps k_th", ge=1, le=100_000)


class ZouAlgorithmParams(HandoverSteps):
    """Zou et al.'s handover Algorithms 1–3 (``lbopt.stability.handover``)."""

    threshold: float = param(0.5, "", "overload threshold rho_th: cells above it hand users over", gt=0)
    accommodation: float = param(0.25, "", "load-transfer accommodation c of the receiver budgets", gt=0)
    execution: Literal["direct", "a3"] = param(
        "direct", "", "hand over the selected users (direct) or let A3 execute the new offsets (a3)"
    )


class GreedyParams(HandoverSteps):
    """The greedy CIO scheme of Zou et al.'s Fig. 5: no threshold, no budget, no user selection."""

    greedy_gain_db: float = param(5.0, "dB", "offset change per unit of load difference and step", gt=0)


class ZouParams(ZouAlgorithmParams, GreedyParams):
    """``methods.zou``: the parameters of Algorithms 1–3 and of the greedy scheme."""


class BreathingParams(StrictModel):
    """BDBA / BFDBA / the pilot-power LP (``lbopt.breathing``); every default is ours (the paper's numbers are lost)."""

    max_users: float = param(100.0, "users", "M_max of the user-count busy-degree (cells.max_users overrides)", gt=0)
    delta_db: float = param(1.0, "dB", "delta of the central difference of the Jacobian", gt=0)
    alpha: float = param(1.0, "", "smoothing of the power step (eq. 18)", gt=0, le=1)
    # 0.01 from a sweep (1e-3 … 0.1) on drops not used in the reported study
    gamma: float = param(0.01, "1/dB", "BFDBA's constant step gamma", gt=0)
    regularisation: float = param(0.1, "", "BDBA's Tikhonov rho (0: the plain pseudo-inverse)", ge=0)
    busy_target: Literal["global", "neighbourhood"] = param(
        "global", "", "busy-degree target b*: the global mean or each antenna's neighbourhood mean"
    )
    sample: int | None = param(None, "records", "MR records sampled per antenna (Remark 4.1); all when unset", ge=1)
    over_busy: float = param(0.8, "", "busy-degree at or above which an antenna is over-busy", gt=0)
    coverage_dbm: float = param(-85.0, "dBm", "s_th: a record is covered when some antenna is received above it")
    coverage_min: float = param(0.95, "", "C_min: least covered share of every neighbourhood", ge=0, le=1)
    power_step_db: float = param(0.5, "dB", "epsilon of the greedy minimum-power procedure", gt=0)
    penalty: float = param(1e-3, "", "lambda of the soft pilot-power LP", ge=0)


class MethodsConfig(StrictModel):
    """Per-method parameters; command-line flags override them."""

    oslb: OslbParams = Field(default_factory=OslbParams)
    mlb: MlbParams = Field(default_factory=MlbParams)
    vgala: VgalaParams = Field(default_factory=VgalaParams)
    zou: ZouParams = Field(default_factory=ZouParams)
    breathing: BreathingParams = Field(default_factory=BreathingParams)


class Document(StrictModel):
    """The scalar part of an instance document (tables are read separately)."""

    lbopt: int
    name: str = Field(min_length=1)
    seed: int | None = Field(default=None, ge=0)
    description: str | None = None
    source: str | None = None
    radio: RadioConfig = Field(default_factory=RadioConfig)
    handover: HandoverConfig = Field(default_factory=HandoverConfig)
    methods: MethodsConfig = Field(default_factory=MethodsConfig)

    @field_validator("lbopt")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != FORMAT_VERSION:
            raise ValueError(f"format version {value} is not supported; this lbopt reads format {FORMAT_VERSION}")
        return value


DOCUMENT_KEYS: tuple[str, ...] = tuple(Document.model_fields) + TABLES


@dataclass(frozen=True)
class ColumnSpec:
    """One attribute of a table, from ``columns.csv``."""

    table: str
    column: str
    dtype: str  # id | float | int | tier | ref:<table>
    unit: str
    required: bool
    nullable: bool
    default: float | None
    minimum: float | None
    minimum_exclusive: bool
    maximum: float | None
    description: str

    @property
    def ref(self) -> str | None:
        """The table a reference column points to (``ref:cells`` → ``cells``), else None."""
        return self.dtype.split(":", 1)[1] if self.dtype.startswith("ref:") else None

    @property
    def is_text(self) -> bool:
        """True for columns read as text (ids, tiers, references)."""
        return self.dtype in ("id", "tier") or self.ref is not None


@functools.cache
def column_specs() -> dict[str, dict[str, ColumnSpec]]:
    """``{table: {column: ColumnSpec}}`` in schema order."""
    import csv

    text = resources.files("lbopt.instance").joinpath("columns.csv").read_text(encoding="utf-8")
    specs: dict[str, dict[str, ColumnSpec]] = {t: {} for t in TABLES}
    for row in csv.DictReader(text.splitlines()):
        lo = row["minimum"]
        specs[row["table"]][row["column"]] = ColumnSpec(
            table=row["table"],
            column=row["column"],
            dtype=row["dtype"],
            unit=row["unit"],
            required=row["required"] == "true",
            nullable=row["nullable"] == "true",
            default=float(row["default"]) if row["default"] else None,
            minimum=float(lo.rstrip("+")) if lo else None,
            minimum_exclusive=lo.endswith("+"),
            maximum=float(row["maximum"]) if row["maximum"] else None,
            description=row["description"],
        )
    return specs
