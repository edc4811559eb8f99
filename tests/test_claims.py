"""Claims from paired evidence: the paired statistics against scipy's own tests and a t-interval, the verdicts on
clear, contrary and noisy differences, and every reproduction writing its claims."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from lbopt.experiments.claims import all_points, claim, equivalent, paired, verdict


def test_paired_statistics_match_independent_references():
    """Mean difference exact; Wilcoxon and sign p-values equal scipy's on the differences; the bootstrap interval
    within 10 % of its width of the Student-t interval (n = 40, near-normal differences)."""
    rng = np.random.default_rng(5)
    a = rng.normal(1.0, 0.2, 40)
    b = a + rng.normal(0.05, 0.05, 40)
    out = paired(a, b)
    d = a - b
    assert out["mean_diff"] == pytest.approx(d.mean(), rel=1e-12)
    assert out["p_wilcoxon"] == pytest.approx(stats.wilcoxon(d).pvalue, rel=1e-12)
    assert out["p_sign"] == pytest.approx(stats.binomtest(int((d > 0).sum()), 40).pvalue, rel=1e-12)
    half = stats.t.ppf(0.975, 39) * d.std(ddof=1) / np.sqrt(40)
    assert out["ci_low"] == pytest.approx(d.mean() - half, abs=0.1 * 2 * half)
    assert out["ci_high"] == pytest.approx(d.mean() + half, abs=0.1 * 2 * half)
    assert out["wins"] + out["ties"] + out["losses"] == 40


def test_verdicts_on_clear_contrary_and_noisy_differences():
    rng = np.random.default_rng(1)
    base = rng.normal(0.5, 0.1, 20)
    lower = paired(base - 0.05 - rng.uniform(0, 0.01, 20), base)  # clearly lower
    assert verdict(lower, -1) == "true"
    assert verdict(lower, +1) == "false"
    noisy = paired(base + rng.normal(0, 0.05, 20), base)
    assert verdict(noisy, -1) == "inconclusive"
    assert verdict(paired(base[:4] - 1, base[:4]), -1) == "inconclusive"  # n = 4: Wilcoxon cannot reach 5 %
    assert equivalent(paired(base + 0.001, base), 0.05) == "true"
    assert equivalent(lower, 0.01) == "false"
    assert all_points(["true", "true"]) == "true"
    assert all_points(["true", "inconclusive"]) == "inconclusive"
    assert all_points(["true", "false", "inconclusive"]) == "false"


def test_a_claim_is_json_ready():
    c = claim("x", "inconclusive", a=float("nan"), b=1)
    assert c == {"claim": "x", "holds": "inconclusive", "numbers": {"a": None, "b": 1}}
    assert claim("y", "true")["holds"] is True


def test_vgala_claims_read_paired_drops():
    """Synthetic headline rows (8 drops): vGALA saves 30 % on-grid power at 8 % more latency than LA, GA has 48 %
    more latency than vGALA, 60 iterations — every claim holds; with vGALA's saving halved the magnitude fails."""
    import pandas as pd

    from lbopt.experiments.vgala_paper import claims

    rng = np.random.default_rng(2)
    rows = []
    for seed in range(8):
        la_on, la_lat = 100 + rng.uniform(0, 10), 10 + rng.uniform(0, 1)
        v_on, v_lat = la_on * (0.7 + rng.uniform(-0.01, 0.01)), la_lat * (1.08 + rng.uniform(-0.005, 0.005))
        ga_lat = v_lat * (1.48 + rng.uniform(-0.01, 0.01))
        tied_lat = v_lat * (1.50 + rng.uniform(-0.01, 0.01))
        rows += [
            {"method": "la", "ongrid_w": la_on, "latency": la_lat, "total_load": 2.0},
            {"method": "vgala", "ongrid_w": v_on, "latency": v_lat, "total_load": 2.1, "iterations": 60 + seed % 3},
            {"method": "ga", "ongrid_w": 0.5 * v_on, "latency": ga_lat, "total_load": 2.3},
            {"method": "ga-least-latency", "ongrid_w": 0.5 * v_on, "latency": tied_lat, "total_load": 2.3},
        ]
        for r in rows[-4:]:
            r.update(experiment="headline", seed=seed, arrival_rate=200.0)
    table = pd.DataFrame(rows)
    verdicts = claims({"cases": table})
    assert [c["holds"] for c in verdicts] == [True] * 9
    assert verdicts[2]["numbers"]["median_total_load_increase"] == pytest.approx(0.05)
    halved = table.copy()
    vg = halved["method"] == "vgala"
    halved.loc[vg, "ongrid_w"] = halved.loc[vg, "ongrid_w"] / 0.7 * 0.85  # a 15 % saving
    verdicts = [c["holds"] for c in claims({"cases": halved})]
    assert verdicts[0] is True
    assert verdicts[1] is False


def test_breathing_claims_pair_day_means_per_area():
    """Synthetic days (3 areas × 8 days × 3 periods): BDBA and BFDBA lower both measures, BDBA lowest, BFDBA
    faster — every claim holds; with BFDBA's std worse than the current network in area C its claim fails."""
    import pandas as pd

    from lbopt.experiments.breathing_paper import AREAS, claims

    rng = np.random.default_rng(4)
    level = {"current": (0.30, 0.20, 0.0), "bdba": (0.20, 0.10, 2.0), "bfdba": (0.25, 0.15, 1.0)}
    rows = [
        {
            "area": a,
            "seed": s,
            "period": p,
            "method": m,
            "busy_std": v[0] + rng.uniform(0, 0.01),
            "over_busy": v[1] + rng.uniform(0, 0.01),
            "time_s": v[2] + rng.uniform(0, 0.1),
        }
        for a in AREAS
        for s in range(8)
        for p in range(3)
        for m, v in level.items()
    ]
    periods = pd.DataFrame(rows)
    assert [c["holds"] for c in claims({"periods": periods})] == [True] * 7
    worse = periods.copy()
    worse.loc[(worse["area"] == "C") & (worse["method"] == "bfdba"), "busy_std"] += 0.2
    assert claims({"periods": worse})[1]["holds"] is False


@pytest.mark.parametrize(
    ("paper", "part"),
    [
        ("oslb", ("kind", "busy_users")),
        ("zou", ("kind", "users")),
        ("vgala", ("experiment", "arrival_rate")),
        ("breathing", ("kind", "area")),
    ],
)
@pytest.mark.parametrize("seeds", [1, 3, 20])
def test_seeds_bound_every_part_of_a_study(paper, part, seeds):
    """No part of a study (a point, an experiment, an area) runs more drops than --seeds."""
    import pandas as pd

    from lbopt.experiments.reproduce import plan

    cases = pd.DataFrame(plan(paper, seeds, 2014))
    counts = cases.groupby([c for c in part if c in cases], dropna=False).size()
    assert counts.max() <= seeds


def test_study_options_belong_to_their_study():
    """--arrival-rate is vgala's, --user-drop zou's: each changes its own study's cases and is refused elsewhere."""
    from lbopt.errors import InvalidParameter
    from lbopt.experiments.reproduce import plan

    with pytest.raises(InvalidParameter, match="--arrival-rate"):
        plan("zou", 1, 1, arrival_rate=300.0)
    assert {c["user_drop"] for c in plan("zou", 1, 1, user_drop="hotspots")} == {"hotspots"}
    vgala = plan("vgala", 1, 1, arrival_rate=300.0)
    assert {c["arrival_rate"] for c in vgala if c["experiment"] != "load"} == {300.0}
    assert sorted(c["arrival_rate"] for c in vgala if c["experiment"] == "load") == [200.0, 300.0, 400.0]
