"""``lbopt reproduce breathing``: the Breathing paper's Sect. 7 on three synthetic areas (its data are not public).

Areas like the paper's datasets A, B, C (:func:`lbopt.scenarios.mr_day.breathing_area`): A — 60 macro antennas,
ISD 800 m, 6,000 users at the peak hour; B — higher antenna density, 100 antennas at ISD 500 m, 8,000 users;
C — a larger area, 150 antennas at ISD 800 m, 15,000 users. Jittered hexagonal sites, a 24-hour MR day with the
tidal commercial/residential pattern, top-4 reports with 2 dB noise and 1 dB resolution, 6 dB shadowing. Every
constant is ours (NOTES §2.10: the paper's numbers are lost): M_max = peak users / antennas / 0.7 per area (the
paper's M_max differs per dataset), over-busy threshold 0.8, δ = 1 dB, α = 1, γ = 0.01 /dB (from a sweep over
1e-3 … 0.1 on three drops per area that the study does not use), BDBA's Tikhonov
ρ = 0.1 (:mod:`lbopt.breathing.algorithms`), s_th = −85 dBm, C_min = 0.95, ε = 0.5 dB, CPICH 33 dBm logged within
[27, 36] dBm, the global target. Each method runs the day period by period (:func:`lbopt.breathing.day.simulate_day`):
the powers computed on hour t serve hour t + 1's records.

Remark 4.1's sampling: the Jacobian from about S records per antenna (S = 10 … 200, five draws each) against the
full one, relative Frobenius error, and the busy-degree spread the BDBA step reaches with it.

The monotone MLP (Sect. 6.2) is trained for a sample of area A's antennas on 400 random power settings of each
neighbourhood and tested on 200 others; reported: its error against the exact coverage and its evaluation time
against the exact computation for one neighbourhood, singly and in batches, and the minimum-power procedure run
with MLP coverage against the exact one.

``--seeds N`` sets the drops per area; the MLP and sampling studies use one drop of area A each.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from lbopt.experiments.claims import all_points, claim, paired, verdict
from lbopt.experiments.executor import NONNEGATIVE, SHARE, case_seed, mean_ci

NAME = "breathing"
INSTANCE = "breathing-areas-ABC"
PAPER = (
    "Ge, Chen, Jiang, A 'Breathing' Mobile Communication Network, IEEE Trans. Mobile Computing (arXiv:2411.17290), 2024"
)
REPORT = "lbopt.reporting.figures.pilot_power:reproduction_sections"
OPTIONS: dict[str, object] = {}

AREAS = {
    "A": {"n_antennas": 60, "isd_m": 800.0, "users_peak": 6000},
    "B": {"n_antennas": 100, "isd_m": 500.0, "users_peak": 8000},
    "C": {"n_antennas": 150, "isd_m": 800.0, "users_peak": 15000},
}
METHODS = ("current", "bdba", "bfdba", "power-lp")
PAPER_CLAIMS = {
    "figs6_8_9": "Both BDBA and BFDBA reduce the standard deviation of busy-degrees and the share of over-busy "
    "antennas against the current network in every area.",
    "average": "BFDBA is better in some single periods, but BDBA is better on average.",
    "fig10": "BFDBA cuts the running time substantially in all three areas.",
    "fig7": "The selected antennas' busy-degrees move toward the mean and have lower peaks.",
}
TRACKED = 4  # antennas of area A shown over the day (Fig. 7)


def _area(name: str, seed: int):
    from lbopt.breathing.method import breathing_inputs, breathing_setting
    from lbopt.scenarios.mr_day import breathing_area

    spec = AREAS[name]
    inst = breathing_area(spec["n_antennas"], spec["isd_m"], users_peak=spec["users_peak"], seed=seed)
    data, ant, power, _ = breathing_inputs(inst)
    ant.max_users[:] = spec["users_peak"] / spec["n_antennas"] / 0.7
    return inst, data, ant, power, breathing_setting


def breathing_case(case: dict[str, Any]) -> dict[str, Any]:
    """One area and seed: the day under every method; rows per period and method, and Fig. 7's traces."""
    from lbopt.breathing.day import period_minimum_power, simulate_day

    inst, data, ant, power, setting_of = _area(case["area"], case["seed"])
    rows, traces = [], []
    busy_now = None
    base = setting_of(inst, "current")
    minimums = [period_minimum_power(data.period_slice(t), ant, base) for t in range(data.n_periods)]
    for method in METHODS:
        setting = setting_of(inst, method)
        day, busy = simulate_day(data, power, ant, setting, keep_busy=True, minimums=minimums)
        rows.append(day.assign(area=case["area"], seed=case["seed"], method=method))
        if method == "current":
            busy_now = busy
        if case.get("trace"):
            # Fig. 7: the antennas busiest at the peak hour under the current network
            peak = int(np.argmax(busy_now.mean(axis=1)))
            for a in np.argsort(-busy_now[peak])[:TRACKED]:
                traces.append(
                    pd.DataFrame(
                        {
                            "method": method,
                            "antenna": str(inst.cells["id"].iloc[a]),
                            "period": data.periods,
                            "busy": busy[:, a],
                        }
                    )
                )
    out = {"rows": pd.concat(rows, ignore_index=True).to_dict(orient="records")}
    if traces:
        out["traces"] = pd.concat(traces, ignore_index=True).to_dict(orient="records")
    return out


def mlp_study(seed: int, antennas: int = 8) -> tuple[pd.DataFrame, dict]:
    """Monotone MLPs for ``antennas`` antennas of area A at its peak hour: accuracy, speed, minimum power."""
    from lbopt.breathing.coverage import minimum_power, neighbour_graph, neighbourhood, neighbourhood_coverage
    from lbopt.breathing.mlp import MonotoneMLP, training_powers

    inst, data, ant, power, setting_of = _area("A", seed)
    setting = setting_of(inst, "bdba")
    part = data.period_slice(int(np.argmax(np.bincount(data.period))))
    rng = np.random.default_rng(seed)
    rows = []
    models = {}
    for i in np.sort(rng.choice(data.n_antennas, size=min(antennas, data.n_antennas), replace=False)):
        nb = neighbourhood(part, int(i))
        lo, hi = ant.p_low[nb.members], ant.p_high[nb.members]

        def exact(x, nb=nb):
            p = power.copy()
            p[nb.members] = x
            return nb.coverage(part, p, setting.coverage_dbm)

        train = training_powers(lo, hi, 400, seed + int(i))
        test = training_powers(lo, hi, 200, seed + 10_000 + int(i))[2:]
        y_train = np.array([exact(x) for x in train])
        y_test = np.array([exact(x) for x in test])
        mlp = MonotoneMLP.init(lo, hi, seed=seed)
        t0 = time.perf_counter()
        mlp.fit(train, y_train)
        fit_s = time.perf_counter() - t0
        err = np.abs(mlp.predict(test) - y_test)
        t0 = time.perf_counter()
        for x in test:
            exact(x)
        exact_single = (time.perf_counter() - t0) / len(test)
        t0 = time.perf_counter()
        for x in test:
            mlp.predict(x)
        mlp_single = (time.perf_counter() - t0) / len(test)
        t0 = time.perf_counter()
        mlp.predict(test)
        mlp_batch = (time.perf_counter() - t0) / len(test)
        models[int(i)] = (nb, mlp)
        rows.append(
            {
                "antenna": str(inst.cells["id"].iloc[i]),
                "neighbourhood": len(nb.members),
                "records": len(nb.weight),
                "coverage_range": f"{y_test.min():.4f}–{y_test.max():.4f}",
                "mae": float(err.mean()),
                "max_error": float(err.max()),
                "fit_s": fit_s,
                "exact_us": exact_single * 1e6,
                "mlp_us": mlp_single * 1e6,
                "mlp_batch_us": mlp_batch * 1e6,
                "speedup_single": exact_single / mlp_single,
                "speedup_batch": exact_single / mlp_batch,
            }
        )
    table = pd.DataFrame(rows)
    # the greedy minimum power with MLP coverage for the modelled antennas (exact for the rest) against all-exact
    graph = neighbour_graph(part)

    def with_mlps(p):
        cov = neighbourhood_coverage(part, p, setting.coverage_dbm)
        for i, (nb, mlp) in models.items():
            cov[i] = mlp.predict(p[nb.members])[0]
        return cov

    exact_min = minimum_power(
        lambda p: neighbourhood_coverage(part, p, setting.coverage_dbm),
        graph,
        ant.p_low,
        ant.p_high,
        setting.coverage_min,
        setting.power_step_db,
    )
    mlp_min = minimum_power(with_mlps, graph, ant.p_low, ant.p_high, setting.coverage_min, setting.power_step_db)
    summary = {
        "mlp_mae_mean": float(table["mae"].mean()),
        "mlp_max_error": float(table["max_error"].max()),
        "mlp_speedup_single_median": float(table["speedup_single"].median()),
        "mlp_speedup_batch_median": float(table["speedup_batch"].median()),
        "min_power_l1_difference_db": float(np.abs(exact_min.power_dbm - mlp_min.power_dbm).sum()),
    }
    return table, summary


def sampling_study(seed: int, sizes=(10, 25, 50, 100, 200), repeats: int = 5) -> pd.DataFrame:
    """Remark 4.1: the Jacobian from S sampled records per antenna against the full one (area A, peak hour), and
    what the BDBA step achieves with it."""
    from lbopt.breathing.day import breathing_step, period_metrics, period_minimum_power
    from lbopt.breathing.jacobian import estimate_jacobian

    inst, data, ant, power, setting_of = _area("A", seed)
    part = data.period_slice(int(np.argmax(np.bincount(data.period))))
    full = estimate_jacobian(part, power, ant.capacity, ant.max_users)
    norm = float(np.sqrt((full.multiply(full)).sum()))
    minimum = period_minimum_power(part, ant, setting_of(inst, "current"))
    rows = []
    for size in (*sizes, None):
        for k in range(repeats if size else 1):
            setting = setting_of(inst, "bdba").model_copy(update={"sample": size, "seed": seed + k})
            jac = estimate_jacobian(part, power, ant.capacity, ant.max_users, sample=size, seed=seed + k)
            diff = jac - full
            step = breathing_step(part, power, ant, setting, minimum)
            rows.append(
                {
                    "sample": size if size else "all",
                    "records_per_antenna": part.n_records / part.n_antennas,
                    "relative_error": float(np.sqrt((diff.multiply(diff)).sum())) / norm,
                    "busy_std_after": period_metrics(part, step.power_after, ant, setting)["busy_std"],
                    "time_s": step.time_s,
                }
            )
    table = pd.DataFrame(rows)
    return table.groupby("sample", sort=False, as_index=False).mean()


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per area and method: day means of std, over-busy share, coverage and time (mean and CI over seeds)."""
    per_seed = rows.groupby(["area", "method", "seed"], as_index=False)[
        ["busy_std", "over_busy", "coverage", "time_s", "delta_p_l1"]
    ].mean()
    out = []
    for (area, method), part in per_seed.groupby(["area", "method"]):
        rec = {"area": area, "method": method, "seeds": len(part)}
        for col in ("busy_std", "over_busy", "coverage", "time_s", "delta_p_l1"):
            m, lo, hi = mean_ci(part[col], support=SHARE if col in ("over_busy", "coverage") else NONNEGATIVE)
            rec.update({col: m, f"{col}_ci_low": lo, f"{col}_ci_high": hi})
        out.append(rec)
    return pd.DataFrame(out)


def headline(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The study's headline numbers for the report and ``result.json``."""
    rows = tables["periods"]
    s = tables["summary"].set_index(["area", "method"])
    out: dict[str, Any] = {}
    for area in AREAS:
        cur = s.loc[(area, "current")]
        for m in ("bdba", "bfdba", "power-lp"):
            out[f"{area}_{m}_std_reduction"] = float(1 - s.loc[(area, m), "busy_std"] / cur["busy_std"])
            out[f"{area}_{m}_over_busy_reduction"] = (
                float(1 - s.loc[(area, m), "over_busy"] / cur["over_busy"]) if cur["over_busy"] > 0 else 0.0
            )
        out[f"{area}_bfdba_time_ratio"] = float(s.loc[(area, "bfdba"), "time_s"] / s.loc[(area, "bdba"), "time_s"])
    wide = rows.pivot_table(index=["area", "seed", "period"], columns="method", values="busy_std")
    out["periods_bfdba_better_than_bdba"] = float((wide["bfdba"] < wide["bdba"]).mean())
    out["areas_bdba_better_on_average"] = int(
        sum(s.loc[(a, "bdba"), "busy_std"] < s.loc[(a, "bfdba"), "busy_std"] for a in AREAS)
    )
    out["areas_both_reduce_std_and_over_busy"] = int(
        sum(
            all(
                s.loc[(a, m), "busy_std"] < s.loc[(a, "current"), "busy_std"]
                and s.loc[(a, m), "over_busy"] <= s.loc[(a, "current"), "over_busy"]
                for m in ("bdba", "bfdba")
            )
            for a in AREAS
        )
    )
    out.update(tables["mlp_summary"].iloc[0].to_dict())
    out["seeds_per_area"] = int(rows.groupby("area")["seed"].nunique().min())
    return out


def _day_means(periods: pd.DataFrame) -> pd.DataFrame:
    """Per area, day (seed) and method, the day's mean: the unit the claims pair over (periods of one day are not
    independent)."""
    return periods.groupby(["area", "seed", "method"], as_index=False)[["busy_std", "over_busy", "time_s"]].mean()


def _per_area(days: pd.DataFrame, metric: str, a: str, b: str, sign: int) -> tuple[str, dict[str, str]]:
    verdicts, numbers = [], {}
    for area in AREAS:
        wide = days[days["area"] == area].pivot(index="seed", columns="method", values=metric)
        st = paired(wide[a], wide[b])
        verdicts.append(verdict(st, sign))
        numbers[f"area {area}"] = (
            f"{st['mean_diff']:+.4g} [{st['ci_low']:+.4g}, {st['ci_high']:+.4g}], p={st['p_wilcoxon']:.2g}, "
            f"n={st['n']}, {verdicts[-1]}"
        )
    return all_points(verdicts), numbers


def claims(tables: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The paper's claims per area, paired over the days (day means of each method on the same MR day)."""
    days = _day_means(tables["periods"])
    out = []
    for text, metric, a, b, sign in (
        (
            "BDBA lowers the busy-degree std against the current network in every area",
            "busy_std",
            "bdba",
            "current",
            -1,
        ),
        (
            "BFDBA lowers the busy-degree std against the current network in every area",
            "busy_std",
            "bfdba",
            "current",
            -1,
        ),
        (
            "BDBA lowers the over-busy share against the current network in every area",
            "over_busy",
            "bdba",
            "current",
            -1,
        ),
        (
            "BFDBA lowers the over-busy share against the current network in every area",
            "over_busy",
            "bfdba",
            "current",
            -1,
        ),
        ("BDBA is better than BFDBA on average: busy-degree std, every area", "busy_std", "bdba", "bfdba", -1),
        ("BDBA is better than BFDBA on average: over-busy share, every area", "over_busy", "bdba", "bfdba", -1),
        ("Fig. 10: BFDBA runs faster than BDBA in every area", "time_s", "bfdba", "bdba", -1),
    ):
        holds, numbers = _per_area(days, metric, a, b, sign)
        out.append(claim(text, holds, **numbers))
    return out


def cases(seeds: int, study_seed: int) -> list[dict[str, Any]]:
    """A day per (area, seed), the MLP study and the sampling study."""
    days = [
        {"kind": "day", "area": a, "seed": case_seed(study_seed, k, r), "trace": a == "A" and r == 0}
        for k, a in enumerate(AREAS)
        for r in range(seeds)
    ]
    return [
        *days,
        {"kind": "mlp", "seed": case_seed(study_seed, 99, 0)},
        {"kind": "sampling", "seed": case_seed(study_seed, 98, 0)},
    ]


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """One case of the study (an MR day of one area, the MLP study or the sampling study)."""
    if case["kind"] == "mlp":
        table, summary = mlp_study(case["seed"])
        return {"kind": "mlp", "result": (table, summary)}
    if case["kind"] == "sampling":
        return {"kind": "sampling", "result": sampling_study(case["seed"])}
    return {"kind": "day", "result": breathing_case(case)}


def finish(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Tables: per period and method, the day means per area (Figs. 6, 8-10), Fig. 7's traces, the MLP and the
    sampling studies."""
    days = list(rows.loc[rows["kind"] == "day", "result"])
    periods = pd.DataFrame([r for day in days for r in day["rows"]])
    traces = pd.DataFrame([r for day in days for r in day.get("traces", [])])
    mlp, mlp_summary = rows.loc[rows["kind"] == "mlp", "result"].iloc[0]
    return {
        "periods": periods,
        "summary": summarise(periods),
        "traces": traces,
        "mlp": mlp,
        "mlp_summary": pd.DataFrame([mlp_summary]),
        "sampling": rows.loc[rows["kind"] == "sampling", "result"].iloc[0],
    }
