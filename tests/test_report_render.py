"""Every family's report and every comparison renders through its registered sections; the vGALA convergence plot
draws ψ(k) − ψ* as the trace records it."""

from __future__ import annotations

import numpy as np
import pytest

from lbopt.comparison import compare
from lbopt.instance import load_instance
from lbopt.methods import solve
from lbopt.reporting import render_report
from lbopt.result import write_result
from lbopt.scenarios import hetnet, vgala_layout, zou16
from lbopt.scenarios.mr_day import breathing_area
from lbopt.validation import validate


def _render(result, folder) -> str:
    write_result(result, folder)
    return render_report(folder).read_text()


@pytest.fixture(scope="module")
def small_hetnet():
    return hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)


@pytest.mark.parametrize(
    ("method", "family", "heading"),
    [
        ("oslb", "cell-load", "Planned transfers and how they were executed"),
        ("mlb", "cell-load", "Load distribution index per period"),  # the period figure's title is in the alt text
        ("max-rsrp", "baseline", "Map"),
    ],
)
def test_loads_family_reports(small_hetnet, tmp_path, method, family, heading):
    result = solve(small_hetnet, method)
    assert result.family == family
    text = _render(result, tmp_path / method)
    assert f"<h2>{'Trace' if method == 'mlb' else heading}</h2>" in text
    assert "<h2>Cell loads</h2>" in text
    assert "<h2>Parameters</h2>" in text or method == "max-rsrp"


def test_cell_level_and_comparison_reports(tiny_path, tmp_path):
    inst = load_instance(tiny_path)
    text = _render(compare(inst, ["oslb", "chain", "none"]), tmp_path / "cmp")
    assert "<h2>Comparison</h2>" in text
    assert "plan_volume_over_flow_optimum" in text
    assert (tmp_path / "cmp" / "oslb" / "flows.csv").is_file()
    assert "<h2>Cell loads</h2>" in _render(solve(inst, "oslb"), tmp_path / "oslb")
    text = _render(validate(inst), tmp_path / "validate")
    assert text.index("<h2>Verdicts</h2>") < text.index("<h2>Instance</h2>")  # the verdicts open the report
    assert "<h2>Checks (verdict, and whether the cross-check beside it agrees)</h2>" in text


def test_handover_family_report(tmp_path):
    result = solve(zou16(users=80, seed=1), "zou-greedy", steps=4)
    assert result.family == "handover"
    assert "<h2>Handover dynamics</h2>" in _render(result, tmp_path / "greedy")


def test_association_family_reports(tmp_path):
    inst = vgala_layout(grid_m=100.0, seed=2)
    text = _render(solve(inst, "vgala"), tmp_path / "vgala")
    assert "<h2>Coverage</h2>" in text
    assert "<h2>Trace</h2>" in text
    summary = compare(inst, ["vgala", "la", "max-rate"])
    text = _render(summary, tmp_path / "cmp")
    assert "gap_psi" in text
    assert "alt='coverage maps'" in text


def test_pilot_power_family_reports(tmp_path):
    inst = breathing_area(12, users_peak=600, seed=3)
    text = _render(solve(inst, "bdba"), tmp_path / "bdba")
    assert "<h2>Busy-degrees and pilot powers</h2>" in text
    text = _render(compare(inst, ["bdba", "bfdba"]), tmp_path / "cmp")
    assert "<h2>Comparison (one period, busy-degrees before and after the step)</h2>" in text


def test_vgala_convergence_plot_draws_psi_minus_optimum():
    """On the set-up where the old plot was 186× too large at iteration 1: the drawn values are ψ(k) − ψ*."""
    from lbopt.reporting.figures.association import trace_figure

    result = solve(vgala_layout(seed=4, grid_m=40.0), "vgala")
    trace = result.tables["trace"]
    psi_star = result.metrics["psi_optimum"]  # from the certified solve, not from the iteration
    np.testing.assert_allclose(trace["psi_minus_optimum"], trace["psi"] - psi_star, rtol=0, atol=1e-12)
    fig = trace_figure(trace)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    drawn = lines["ψ(k) − ψ* (certified optimum)"]
    np.testing.assert_array_equal(drawn.get_xdata(), trace["iteration"])
    np.testing.assert_allclose(drawn.get_ydata(), np.maximum(trace["psi"] - psi_star, 1e-16), rtol=1e-12)
    assert drawn.get_ydata()[0] == pytest.approx(trace["psi"].iloc[0] - psi_star, rel=1e-12)


@pytest.mark.parametrize("paper", ["vgala", "breathing"])
def test_reproduction_reports_render(paper, tmp_path, monkeypatch):
    """The studies through the one protocol and executor, on small drops (the study modules' own drops are the
    paper's 40,000 locations and 60-150 antennas; `lbopt reproduce` runs those)."""
    from lbopt.experiments import breathing_paper, vgala_paper
    from lbopt.experiments.reproduce import plan, reproduce

    monkeypatch.setattr(
        vgala_paper, "_drop", lambda seed, rate: vgala_layout(grid_m=100.0, seed=seed, arrival_rate_total=rate)
    )
    small = {"n_antennas": 12, "isd_m": 800.0, "users_peak": 600}
    monkeypatch.setattr(breathing_paper, "AREAS", {"A": small, "B": small, "C": small})
    cases = plan(paper, 1, 3)
    # vgala: a drop per experiment and per offered load (--seeds 1), the maps
    assert len(cases) == (9 if paper == "vgala" else 5)
    if paper == "vgala":  # one case of each experiment is enough to render
        cases = list({c["experiment"]: c for c in reversed(cases)}.values())
    result = reproduce(paper, cases, 1, 3, workers=1)
    assert result.kind == "reproduction"
    assert result.metrics["cases"] == len(cases)
    text = _render(result, tmp_path / paper)
    assert "<h3>What the paper claims</h3>" in text
    assert text.count("<img") >= 3
