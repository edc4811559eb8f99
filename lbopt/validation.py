"""``lbopt validate``: stability certificates of the cell graph and cross-checks of every method the instance runs.

Each check is ``{name, verdict, agrees, numbers}``: the ``verdict`` is a finding about the network or the method
(``certified`` / ``not-certified`` for a stability certificate, ``converges`` / ``diverges`` for a discrete dynamics,
``settles`` / ``oscillates`` for a simulated handover scheme; ``None`` for a pure cross-check); ``agrees`` is the
outcome of the cross-check beside it (declarative against iterative, bound against simulation; ``None`` for a
measurement). A verdict is never a pass: ``diverges`` with ``agrees: true`` means the simulation confirms the theory's
prediction that the dynamics diverge. The checks:

* ``graph``: the Laplacian spectrum (λ_2, λ_max per component, method and residuals) and the discrete certificate
  ``ε_max = 2 / λ_max``; a simulation of ``ρ(k+1) = (I − εL)ρ(k)`` at ``ε = ε_max / 2`` from the instance's loads
  must decay no slower than the predicted factor (Zou et al. eq. 21, Proposition 1).
* ``oslb-engines``: on cell-level instances, the OSLB flow plan by HiGHS, Pyomo+HiGHS, OR-Tools (when installed)
  and networkx must reach the same optimum (integral targets, 1e-6).
* ``vgala-iteration``: on location-level instances with energy data, the vGALA iteration must end within 1e-4 of
  the certified optimum of ψ.
* ``oslb-nonconservative``: on user-level instances, OSLB's planned against realised load change per group.
* ``continuous``: the Lyapunov certificate of ``ẋ = M x`` (Zou et al. eqs. 13–20) with the instance's gains
  (``cells.self_slope``, ``links.coupling_ab/ba``) or, on user-level instances without them, gains estimated by
  least squares from the greedy CIO scheme's load trajectory (the data-driven algorithm abstracted as calculus
  dynamics). Cross-checked by simulation: certified → ``V = xᵀx`` decreases from random states; not certified →
  ``V`` grows from the counter-example. The certificate's verdict is a finding; the check passes when the
  simulation agrees with it.
* ``mr-jacobian``: on instances with MR data, the busy-degree Jacobian of the most unbalanced period is a
  Laplacian (rows and columns sum to zero, off-diagonals ≤ 0) of rank N − (number of components), and its
  counted central differences equal re-associating every record under ``p ± δ e_j`` for sampled antennas.
* ``handover-mlb``, ``handover-oslb``: the methods that execute handovers get the same analysis of their own runs
  (:mod:`lbopt.stability.transfers`): a verdict, and eq. 26's bound checked at every step.
* ``handover-<algorithm>``: on user-level instances, Zou et al.'s Algorithms 1-3 and the greedy CIO scheme: planned
  against executed handovers, the non-conservative load (Σ of realised load changes), and eq. 26's one-step bound
  at every step; the steps whose symmetric part breaks the discrete stability condition (γ̂ ≥ 1) are counted.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from formulations.status import SolverFacts, Status
from lbopt.errors import InvalidParameter
from lbopt.instance.model import Instance
from lbopt.provenance import provenance
from lbopt.result import Result

CHECK_TOL = {"oslb-engines": 1e-6, "vgala-iteration": 1e-4}


def _graph_check(instance: Instance, extra: dict, epsilon: float | None = None) -> dict | None:
    from lbopt.stability.discrete import convergence_factor, disagreement, epsilon_max, simulate
    from lbopt.stability.spectrum import cell_adjacency, laplacian, spectrum

    if instance.n_cells < 2 or (instance.links is None and not instance.has_geometry):
        return None
    adj, source = cell_adjacency(instance)
    spec = spectrum(adj)
    eps_max = epsilon_max(spec.lambda_max)
    extra["spectrum"] = {**spec.to_dict(), "source": source}
    extra["epsilon_max"] = eps_max
    if "prb_demand" in instance.cells:
        rho0 = instance.cells["prb_demand"].to_numpy(float) / instance.prb_capacity()
    else:
        rho0 = np.random.default_rng(instance.seed or 0).uniform(0, 1, instance.n_cells)
    eps = 0.5 * eps_max if epsilon is None else epsilon
    worst = 0.0
    measured = 0.0
    lap = laplacian(adj)
    for comp in spec.components:
        if len(comp.cells) < 2:
            continue
        sub = lap[comp.cells][:, comp.cells]
        factor = convergence_factor(eps, comp.lambda_2, comp.lambda_max)
        # a diverging run stops before its disagreement overflows a float (factor^steps below 1e150)
        steps = 200 if factor <= 1.0 else max(2, min(200, int(150 / np.log10(factor))))
        e = disagreement(simulate(sub, rho0[comp.cells], eps, steps))
        # measure the decay before it reaches the floor of float rounding
        above = np.flatnonzero(e > 1e-10 * e[0]) if e[0] > 0 else np.array([0])
        k = int(above[-1]) if len(above) else 0
        rate = float((e[k] / e[0]) ** (1 / k)) if k > 0 else 0.0
        worst = max(worst, factor)
        measured = max(measured, rate)
    return {
        "name": "graph",
        "verdict": "converges" if worst < 1.0 else "diverges",
        "agrees": bool(measured <= worst * (1 + 1e-9)),
        "numbers": f"lambda_2 {spec.lambda_2:.6g}, lambda_max {spec.lambda_max:.6g}, eps_max = 2/lambda_max "
        f"{eps_max:.6g}; at eps {eps:.6g} the predicted factor max|1 - eps lambda| is {worst:.6g}, simulated "
        f"{measured:.6g} ({len(spec.components)} component(s))"
        + ("; eps >= eps_max: the discrete dynamics do not converge" if eps >= eps_max else ""),
    }


def _oslb_engines(instance: Instance) -> dict | None:
    from formulations.min_cost_flow import ENGINES, solve_min_cost_flow
    from lbopt.oslb.cell_level import plan_cell_level

    if "prb_demand" not in instance.cells:
        return None
    demand = np.round(instance.cells["prb_demand"].to_numpy(float))
    plan = plan_cell_level(instance, demand=demand, integral=True, engine="highs")
    values = {}
    for engine in ENGINES:
        try:
            values[engine] = solve_min_cost_flow(plan.problem, engine, canonical=False).objective
        except ImportError:
            continue
    spread = max(values.values()) - min(values.values())
    return {
        "name": "oslb-engines",
        "verdict": None,
        "agrees": bool(spread <= CHECK_TOL["oslb-engines"] * max(1.0, abs(values["highs"]))),
        "numbers": ", ".join(f"{k} {v:.10g}" for k, v in values.items()) + f" (spread {spread:.3g})",
    }


def _vgala(instance: Instance) -> dict | None:
    from lbopt.methods import METHODS, missing_requirements, solve

    if missing_requirements(instance, "vgala") or "vgala" not in METHODS:
        return None
    res = solve(instance, "vgala")
    gap = res.metrics.get("gap_to_optimum")
    return {
        "name": "vgala-iteration",
        # Frank-Wolfe converges in theory; an iteration stopped by its limit has no verdict, only its numbers
        "verdict": "converges" if res.solver.termination == "converged" else None,
        "agrees": bool(gap is not None and gap <= CHECK_TOL["vgala-iteration"]),
        "numbers": f"psi {res.metrics['psi']:.10g} vs certified {res.metrics.get('psi_optimum', float('nan')):.10g}: "
        f"relative gap {gap:.3g} after {res.metrics.get('iterations')} iterations",
    }


def _user_level_run(instance: Instance, method: str, runs: dict):
    """``method``'s result on a user-level instance, solved once for all the checks that read it (``runs``)."""
    from lbopt.methods import solve

    if method not in runs:
        # integral targets need whole PRBs per user; a radio without PRB rounding gets fractional targets
        params = {"integral": instance.radio.prb_rounding != "none"} if method == "oslb" else {}
        runs[method] = solve(instance, method, **params)
    return runs[method]


def _oslb_nonconservative(instance: Instance, runs: dict) -> dict | None:
    from lbopt.methods import missing_requirements

    if "prb_demand" in instance.cells or missing_requirements(instance, "oslb") or instance.users is None:
        return None
    res = _user_level_run(instance, "oslb", runs)
    groups = res.tables["groups"]
    err = groups["nonconservative_error_prb"].abs()
    moved = res.metrics["transferred_prb"]
    return {  # a measurement: no verdict, nothing to cross-check
        "name": "oslb-nonconservative",
        "verdict": None,
        "agrees": None,
        "numbers": f"planned vs realised load change: sum |error| {err.sum():.6g} PRB, max {err.max():.6g} PRB, "
        f"for {moved:.6g} PRB handed over ({res.metrics['handovers']} handovers)",
    }


def _method_stability(instance: Instance, runs: dict) -> list[dict]:
    """MLB and OSLB (user level) execute handovers too: each gets the verdict of its own run (settles / oscillates)
    and the eq. 26 one-step bound checked at every step against the realised loads."""
    from lbopt.methods import missing_requirements

    if instance.users is None or "prb_demand" in instance.cells:
        return []
    checks = []
    for method in ("mlb", "oslb"):
        if missing_requirements(instance, method):
            continue
        s = _user_level_run(instance, method, runs).extra.get("stability") or {}
        if s.get("verdict") is None:
            continue
        last = (
            f"last active step: alpha {s['alpha_last']:.4g}, gamma-hat {s['gamma_hat_last']:.4g}, "
            f"V-tilde {s['v_tilde_last']:.4g}"
            if s["active_steps"]
            else "no handover at any step"
        )
        checks.append(
            {
                "name": f"handover-{method}",
                "verdict": s["verdict"],
                "agrees": s["bound_held_every_step"],
                "numbers": f"{s['active_steps']} of {s['steps']} step(s) with handovers; eq. 26 bound held at every "
                f"step: {s['bound_held_every_step']}; {last}; V {s['load_spread_v_before']:.4g} -> "
                f"{s['load_spread_v_after']:.4g}"
                + (
                    " (one execution: settles by construction)"
                    if method == "oslb"
                    else ("; still handing over at the end" if s["verdict"] == "oscillates" else "; stopped")
                ),
            }
        )
    return checks


def _instance_gains(instance: Instance) -> tuple[np.ndarray, np.ndarray] | None:
    """``(f', H)`` from ``cells.self_slope`` and ``links.coupling_ab/ba`` when the instance gives them."""
    links = instance.links
    if "self_slope" not in instance.cells and (links is None or "coupling_ab" not in links):
        return None
    n = instance.n_cells
    f_prime = instance.cells["self_slope"].to_numpy(float) if "self_slope" in instance.cells else np.zeros(n)
    h = np.zeros((n, n))
    if links is not None and "coupling_ab" in links:
        a = instance.cell_positions(links["a"])
        b = instance.cell_positions(links["b"])
        h_ab = links["coupling_ab"].to_numpy(float)
        h_ba = links["coupling_ba"].to_numpy(float) if "coupling_ba" in links else h_ab
        h[a, b] = h_ab
        h[b, a] = h_ba
    return f_prime, h


def _continuous_check(instance: Instance, extra: dict) -> dict | None:
    from lbopt.stability.continuous import certify, coupling_matrix, estimate_gains, simulate_linear
    from lbopt.stability.spectrum import cell_adjacency

    if instance.n_cells < 2 or (instance.links is None and not instance.has_geometry):
        return None
    adj = cell_adjacency(instance)[0].toarray()
    gains = _instance_gains(instance)
    source = "instance"
    if gains is None:
        if instance.users is None or not instance.has_geometry or len(instance.users) == 0:
            return None
        from lbopt.stability.handover import simulate_handover
        from lbopt.stability.method import handover_inputs, handover_setting

        rsrp, user_load, start, adjacency = handover_inputs(instance)
        run = simulate_handover(rsrp, user_load, start, adjacency, handover_setting(instance, "greedy"))
        f_prime, h = estimate_gains(np.arange(run.steps + 1, dtype=float), run.loads, adj)
        gains = (f_prime, h)
        source = f"estimated from the greedy CIO scheme's {run.steps}-step trajectory (least squares)"
    m = coupling_matrix(adj, gains[1], gains[0])
    cert = certify(m)
    rng = np.random.default_rng(instance.seed or 0)
    if cert.certified:
        worst = -np.inf
        for _ in range(5):
            _, xs = simulate_linear(m, rng.normal(size=len(m)), 10.0 / max(1e-9, abs(cert.lambda_max_s)), 100)
            v = (xs**2).sum(axis=1)
            worst = max(worst, float(np.max(np.diff(v) / v[:-1])))
        agrees = worst < 0
        sim = f"V decreased at every sample from 5 random states (largest relative change {worst:.3g})"
    else:
        _, xs = simulate_linear(m, cert.counterexample, 1e-3 / max(1.0, abs(cert.lambda_max_s)), 3)
        v = (xs**2).sum(axis=1)
        agrees = bool(v[1] > v[0])
        sim = f"from the counter-example V grows: {v[0]:.6g} -> {v[1]:.6g}"
    extra["continuous"] = {**cert.to_dict(instance.cells["id"].to_numpy(object)), "gains": source}
    extra["continuous_cells"] = pd.DataFrame(
        {
            "id": instance.cells["id"].to_numpy(object),
            "self_slope": gains[0],
            "coupling_out": (adj * gains[1]).sum(axis=1),  # Σ_j a_ij h_ij
            "coupling_in": (adj * gains[1]).sum(axis=0),  # Σ_j a_ji h_ji
            "margin": cert.margins,
            "breaks_condition": cert.margins < 0,
        }
    )
    positive = int(np.sum(gains[0] > 0))
    flag = (
        f"; {positive} estimated self-slope(s) > 0, which the model forbids (gains must be <= 0): the estimate does "
        "not describe these cells"
        if positive
        else ""
    )
    return {
        "name": "continuous",
        "verdict": "certified" if cert.certified else "not-certified",
        "agrees": bool(agrees),
        "positive_gains": positive,
        "numbers": f"gains {source}; {'certified' if cert.certified else 'NOT certified'}: lambda_max(S) "
        f"{cert.lambda_max_s:.6g}, max Re lambda(M) {cert.max_real_m:.6g}, Gershgorin condition broken by "
        f"{len(cert.failing)} cell(s) (min margin {float(cert.margins.min()):.4g}); {sim}{flag}",
    }


def _handover_checks(instance: Instance, extra: dict) -> list[dict]:
    from lbopt.methods import missing_requirements, user_level_view
    from lbopt.stability.handover import simulate_handover
    from lbopt.stability.method import handover_inputs, handover_setting, run_summary

    instance = user_level_view(instance, "zou-alg1")  # MR records as the users when there are no others
    if missing_requirements(instance, "zou-alg1") or instance.n_cells < 2:
        return []
    rsrp, user_load, start, adjacency = handover_inputs(instance)
    checks = []
    for alg, execution in (
        ("alg1", "direct"),
        ("alg1", "a3"),
        ("alg2", "direct"),
        ("alg3", "direct"),
        ("greedy", None),
    ):
        name = alg if execution is None else f"{alg}-{execution}"
        setting = handover_setting(instance, alg, execution=execution)
        run = simulate_handover(rsrp, user_load, start, adjacency, setting)
        summary = run_summary(run)
        extra[f"handover_{name}"] = summary
        unstable = int(np.sum(run.gamma_hat >= 1.0))
        active = int(np.sum(~np.isnan(run.alpha)))
        ok = summary["bound_holds_every_step"]
        if alg != "greedy":
            ok = ok and summary["handovers_not_executed"] == 0 and summary["handovers_unplanned"] == 0
        checks.append(
            {
                "name": f"handover-{name}",
                "verdict": "settles" if summary["stopped"] else "oscillates",
                "agrees": bool(ok),
                "numbers": f"{summary['handovers_planned']} planned, {summary['handovers']} executed "
                f"({summary['handovers_unplanned']} unplanned, {summary['handovers_not_executed']} not executed"
                + (
                    f", {summary['a3_inconsistent']} more the offsets would send through A3"
                    if execution == "direct"
                    else ""
                )
                + "); "
                f"non-conservative load {summary['nonconservative_load']:+.4g}; eq. 26 bound held at every step: "
                f"{summary['bound_holds_every_step']}; {unstable} of {active} active steps with gamma-hat >= 1; "
                f"{summary['unrepresentable_pairs']} pair exchange(s) at equal loads (epsilon undefined); "
                f"load std {summary['load_std_before']:.4g} -> {summary['load_std_after']:.4g}; "
                + ("stopped" if summary["stopped"] else "still handing over at the end"),
            }
        )
    return checks


def _mr_jacobian_check(instance: Instance) -> dict | None:
    """The MR Jacobian of the most unbalanced period: a Laplacian of rank N − (components), and its columns equal
    to the brute-force re-association for a sample of antennas."""
    from lbopt.methods import missing_requirements

    if missing_requirements(instance, "bdba"):
        return None
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from lbopt.breathing.jacobian import estimate_jacobian, jacobian_fd
    from lbopt.breathing.method import breathing_inputs, breathing_setting, busiest_period
    from lbopt.breathing.mr import busy_degree

    data, ant, power, _ = breathing_inputs(instance)
    setting = breathing_setting(instance, "bdba")
    part = data.period_slice(busiest_period(data, power, ant))
    jac = estimate_jacobian(part, power, ant.capacity, ant.max_users, setting.delta_db)
    n = jac.shape[0]
    scale = max(float(abs(jac).max()), 1e-300)
    row_err = float(np.abs(np.asarray(jac.sum(axis=1))).max()) / scale
    col_err = float(np.abs(np.asarray(jac.sum(axis=0))).max()) / scale
    off = jac - sp.diags(jac.diagonal())
    off_max = float(off.max()) if off.nnz else 0.0
    n_comp, _ = connected_components(off != 0, directed=False)
    rank = int(np.linalg.matrix_rank(jac.toarray(), tol=1e-10 * scale)) if n <= 2000 else None
    # the counted central difference against re-associating every record, for up to 5 antennas
    fd = jacobian_fd(part, power, ant.capacity, ant.max_users, setting.delta_db).toarray() if n <= 2000 else None
    worst = 0.0
    if fd is not None:
        for j in np.linspace(0, n - 1, min(5, n)).astype(int):
            up, down = power.copy(), power.copy()
            up[j] += setting.delta_db
            down[j] -= setting.delta_db
            col = (
                busy_degree(part, up, ant.capacity, ant.max_users)[0]
                - busy_degree(part, down, ant.capacity, ant.max_users)[0]
            ) / (2 * setting.delta_db)
            worst = max(worst, float(np.abs(col - fd[:, j]).max()))
    ok = row_err < 1e-12 and col_err < 1e-12 and off_max <= 0 and worst < 1e-12 and (rank in (None, n - n_comp))
    return {
        "name": "mr-jacobian",
        "verdict": None,
        "agrees": bool(ok),
        "numbers": f"period {int(part.periods[0])}, {n} antennas, {part.n_records} records: |row sums| "
        f"{row_err:.2g}, |column sums| {col_err:.2g} (relative), largest off-diagonal {off_max:.3g}, rank "
        f"{rank if rank is not None else 'not computed (N > 2000)'} with {n_comp} component(s) (expected N - "
        f"components = {n - n_comp}); counted columns against re-association: max difference {worst:.2g}",
    }


#: how many check groups :func:`validate` runs (the progress total)
CHECK_GROUPS = 8


def validate(instance: Instance, progress=None, epsilon: float | None = None) -> Result:
    """Run every check the instance allows; ``epsilon`` is the discrete step to simulate (default ε_max / 2);
    ``progress(1)`` is called after each of the :data:`CHECK_GROUPS` groups of checks."""
    if epsilon is not None and not 0 < epsilon <= 1:  # also refuses nan; a step moves at most the load difference
        raise InvalidParameter(f"--epsilon: the discrete step must lie in (0, 1], got {epsilon}")
    t0 = time.perf_counter()
    extra: dict = {}
    checks = []
    runs: dict = {}  # user-level method results shared by the checks that read them
    groups = (
        lambda: [_graph_check(instance, extra, epsilon)],
        lambda: [_continuous_check(instance, extra)],
        lambda: _handover_checks(instance, extra),
        lambda: [_oslb_engines(instance)],
        lambda: [_vgala(instance)],
        lambda: [_oslb_nonconservative(instance, runs)],
        lambda: [_mr_jacobian_check(instance)],
        lambda: _method_stability(instance, runs),
    )
    for group in groups:
        checks += [c for c in group() if c is not None]
        if progress is not None:
            progress(1)
    checks.sort(key=lambda c: c["verdict"] is None)  # verdicts first, then the pure cross-checks and measurements
    table = pd.DataFrame(checks, columns=["name", "verdict", "agrees", "numbers"])
    disagree = int(sum(c["agrees"] is False for c in checks))
    verdicts = {c["name"]: c["verdict"] for c in checks if c["verdict"] is not None}
    return Result(
        instance=instance.name,
        method="validate",
        kind="validation",
        instance_summary=instance.summary(),
        provenance=provenance(instance.seed, instance=instance),
        status=Status.FEASIBLE if disagree == 0 else Status.PARTIAL,
        solver=SolverFacts(name="validate", time_s=time.perf_counter() - t0),
        cells=pd.DataFrame({"id": instance.cells["id"].to_numpy(object)}),
        metrics={
            "checks": len(table),
            "cross_checks": int(sum(c["agrees"] is not None for c in checks)),
            "cross_checks_disagreeing": disagree,
        },
        tables={
            "checks": table,
            **({"continuous": extra.pop("continuous_cells")} if "continuous_cells" in extra else {}),
        },
        extra={**extra, "checks": checks, "verdicts": verdicts},
    )
