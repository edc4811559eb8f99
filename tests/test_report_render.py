"""Every family's report and every comparison renders through its registered sections; the vGALA convergence plot
draws ψ(k) − ψ* as the trace records it."""

from __future__ import annotations

import numpy as np
import pandas as pd
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
    assert f">{'Trace' if method == 'mlb' else heading}</h2>" in text
    assert ">Cell loads</h2>" in text
    assert ">Parameters</h2>" in text or method == "max-rsrp"


def test_cell_level_and_comparison_reports(tiny_path, tmp_path):
    inst = load_instance(tiny_path)
    text = _render(compare(inst, ["oslb", "chain", "none"]), tmp_path / "cmp")
    assert ">Comparison</h2>" in text
    assert "plan_volume_over_flow_optimum" in text
    assert (tmp_path / "cmp" / "oslb" / "flows.csv").is_file()
    assert ">Cell loads</h2>" in _render(solve(inst, "oslb"), tmp_path / "oslb")
    text = _render(validate(inst), tmp_path / "validate")
    assert text.index(">Verdicts</h2>") < text.index(">Instance</h2>")  # the verdicts open the report
    assert ">Checks (verdict, and whether the cross-check beside it agrees)</h2>" in text


def test_handover_family_report(tmp_path):
    result = solve(zou16(users=80, seed=1), "zou-greedy", steps=4)
    assert result.family == "handover"
    assert ">Handover dynamics</h2>" in _render(result, tmp_path / "greedy")


def test_association_family_reports(tmp_path):
    inst = vgala_layout(grid_m=100.0, seed=2)
    text = _render(solve(inst, "vgala"), tmp_path / "vgala")
    assert ">Coverage</h2>" in text
    assert ">Trace</h2>" in text
    summary = compare(inst, ["vgala", "la", "max-rate"])
    text = _render(summary, tmp_path / "cmp")
    assert "gap_psi" in text
    assert "alt='coverage maps'" in text
    # the verdict opens the page, and names the method of least ψ and of least on-grid power as the table has them
    assert text.index(">Verdict</h2>") < text.index(">Instance</h2>")
    table = summary.tables["comparison"].set_index("method")
    verdict = summary.tables["verdict"].set_index("column")
    assert verdict.loc["psi", "best"] == table["psi"].astype(float).idxmin()
    assert verdict.loc["ongrid_power_w", "value"] == table["ongrid_power_w"].astype(float).min()


def test_pilot_power_family_reports(tmp_path):
    inst = breathing_area(12, users_peak=600, seed=3)
    text = _render(solve(inst, "bdba"), tmp_path / "bdba")
    assert ">Busy-degrees and pilot powers</h2>" in text
    both = compare(inst, ["bdba", "bfdba"])
    text = _render(both, tmp_path / "cmp")
    assert ">Comparison (one period, busy-degrees before and after the step)</h2>" in text
    assert text.index(">Verdict</h2>") < text.index(">Instance</h2>")
    table = both.tables["comparison"].set_index("method")
    assert both.tables["verdict"].set_index("column").loc["busy_std_after", "best"] == table["busy_std_after"].idxmin()


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


def test_contents_after_the_verdict_and_every_term_linked_to_its_glossary_entry(small_hetnet, tmp_path):
    """A comparison report opens with its verdict, then a table of contents whose every link has a section to go to;
    every metric name that links to the report's glossary has an entry there, with the glossary's meaning."""
    import re

    from lbopt.glossary import meaning

    text = _render(compare(small_hetnet, ["none", "mlb"], references=["ua-opt"]), tmp_path / "cmp")
    body = text[text.index("</h1>") :]
    assert body.index("<nav class='toc'>") < body.index(">Instance</h2>")
    first_section = re.search(r"<h2 id='[^']+'>", body).start()
    assert first_section < body.index("<nav class='toc'>")  # the verdict comes first
    anchors = set(re.findall(r"<h2 id='([^']+)'>", body))
    toc = re.search(r"<nav class='toc'>(.*?)</nav>", body).group(1)
    targets = re.findall(r"href='#([^']+)'", toc)
    assert len(targets) >= 5
    assert set(targets) <= anchors
    terms = set(re.findall(r"<a class='term' href='#g-([^']+)'>", body))
    entries = dict(re.findall(r"<dt id='g-([^']+)'>[^<]*</dt><dd>([^<]*)</dd>", body))
    assert {"ldi_after", "gap_max_load", "max_load_after"} <= terms
    assert terms <= set(entries)
    assert entries["ldi_after"] == meaning("ldi_after")


def test_comparison_maps_show_users_and_svg_figures_name_cells_on_hover(small_hetnet, tmp_path):
    """The comparison draws one map per method with its users; with ``--figures svg`` the figures are inline SVG (and
    files for a paper) whose cells carry their id and load as hover titles, one per cell and method."""
    import re

    folder = tmp_path / "cmp"
    write_result(compare(small_hetnet, ["none", "mlb"]), folder)
    text = render_report(folder, figures="svg").read_text()
    assert ">Maps</h2>" in text
    assert "<img" not in text  # every figure inline as SVG
    titles = re.findall(r"<g id=\"m(\d)-cell-\d+\"><title>([^<]+)</title>", text)
    n_cells = len(small_hetnet.cells)
    assert len(titles) == 2 * n_cells  # every cell of both maps
    loads = pd.read_csv(folder / "mlb" / "cells.csv").set_index("id")["load_after"]
    mlb = dict(t.split(": load_after ") for k, t in titles if k == "1")
    assert {c: float(v) for c, v in mlb.items()} == pytest.approx(loads.round(3).to_dict(), abs=5e-3)
    figures = sorted(p.name for p in (folder / "figures").iterdir())
    assert figures
    assert all(name.endswith(".svg") for name in figures)
    assert text.count("<svg") == len(figures)


def test_a_single_result_opens_with_its_status_and_evaluation(small_hetnet, tmp_path):
    """One method's report starts with what it achieved: the status in words and the evaluation's numbers (the same
    keys for every method of the family), before the method's own sections."""
    import re

    result = solve(small_hetnet, "oslb")
    text = _render(result, tmp_path / "oslb")
    first = re.search(r"<h2 id='[^']+'>([^<]*)</h2>", text).group(1)
    assert first == "Result"
    lead = text[text.index(">Result</h2>") : text.index("<nav class='toc'>")]
    assert f"oslb ended {result.status.value}" in lead
    for key in ("ldi_after", "max_load_after", "outage_users", "handovers"):
        assert f"href='#g-{key}'>{key}</a>" in lead
