"""The Python API (lbopt.api, lbopt.generate, lbopt.plot): the same numbers as the command line, results read back
whole, in-memory instances checked like files, and the documented examples run."""

from __future__ import annotations

import doctest
import importlib
import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import lbopt
from lbopt.cli import main
from lbopt.instance.model import Instance

matplotlib.use("Agg")

#: modules whose examples are documentation: each example must run and print what it says
DOCUMENTED = [
    "lbopt.api",
    "lbopt.generate",
    "lbopt.plot",
    "lbopt.radio.link",
    "lbopt.radio.pathloss",
    "lbopt.radio.reach",
    "lbopt.experiments.claims",
    "formulations.cio_lp",
    "lbopt.reporting.blocks",
    "lbopt.experiments.executor",
    "lbopt.glossary",
    "lbopt.instance.io",
    "lbopt.verdict",
    "lbopt.scenarios.hetnet",
    "lbopt.scenarios.hexgrid",
    "lbopt.scenarios.layouts",
    "lbopt.scenarios.mr_day",
    "lbopt.scenarios.drop",
]


@pytest.mark.parametrize("module", DOCUMENTED)
def test_documented_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_tab_completion_offers_the_api():
    names = dir(lbopt)
    for name in ("solve", "compare", "validate", "report", "read_result", "list_methods", "generate", "plot"):
        assert name in names
    assert "hetnet" in dir(lbopt.generate)
    assert "loads" in dir(lbopt.plot)


def test_the_api_gives_the_command_lines_numbers(tmp_path, tiny_path):
    res = CliRunner().invoke(main, ["solve", str(tiny_path), "-m", "oslb", "--out", str(tmp_path / "cli")])
    assert res.exit_code == 0, res.output
    cli = json.loads((tmp_path / "cli" / "result.json").read_text())
    api = lbopt.solve(tiny_path, "oslb")
    assert api.evaluation == pytest.approx(cli["evaluation"])
    assert api.objective == pytest.approx(cli["objective"])


def test_read_result_gives_back_what_was_written(tmp_path):
    net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    cmp = lbopt.compare(net, ["none", "mlb"], reference="ua-opt")
    page = lbopt.report(cmp, tmp_path / "cmp")
    assert page.name == "report.html"
    back = lbopt.read_result(tmp_path / "cmp")
    assert back.kind == "comparison"
    written = cmp.table.map(lambda v: np.nan if v is None else v)  # a CSV has no None, only empty cells
    pd.testing.assert_frame_equal(back.tables["comparison"], written, check_dtype=False)
    assert set(back.children) == {"none", "mlb", "ua-opt"}
    mlb = back.children["mlb"]
    assert mlb.evaluation == pytest.approx(cmp.results["mlb"].evaluation)
    assert mlb.status == cmp.results["mlb"].status
    pd.testing.assert_frame_equal(
        mlb.tables["users"][["id", "serving_after"]],
        cmp.results["mlb"].tables["users"][["id", "serving_after"]].astype({"id": str, "serving_after": str}),
    )
    # the gap is measured against ua-opt's proven bound, never negative
    assert (cmp.table["gap_max_load"].dropna() >= 0).all()


def test_an_instance_built_in_memory_is_checked_like_a_file():
    cells = pd.DataFrame({"id": ["a", "b"], "prb_demand": [3.0, -1.0], "prb_capacity": [5.0, 5.0]})
    with pytest.raises(lbopt.InstanceError, match=r"field 'cells.prb_demand', row 1"):
        lbopt.solve(Instance(name="neg", cells=cells), "oslb")
    dup = cells.assign(id=["a", "a"], prb_demand=[3.0, 1.0])
    with pytest.raises(lbopt.InstanceError, match=r"field 'cells.id', row 1"):
        lbopt.check_instance(Instance(name="dup", cells=dup))
    links = pd.DataFrame({"a": ["a"], "b": ["zz"]})
    with pytest.raises(lbopt.InstanceError, match="zz"):
        lbopt.check_instance(Instance(name="ref", cells=cells.assign(prb_demand=[3.0, 1.0]), links=links))


def test_list_methods_and_plots():
    table = lbopt.list_methods()
    assert table.set_index("method").loc["ua-opt", "family"] == "optimum"
    assert "time_limit" in table.set_index("method").loc["ua-opt", "parameters"]
    net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    res = lbopt.solve(net, "mlb")
    ax = lbopt.plot.cell_map(res, net)
    assert len(ax.collections) == 2  # users, then cells
    np.testing.assert_allclose(
        ax.collections[1].get_array(), res.cells.set_index("id").loc[net.cells["id"], "load_after"]
    )
    assert lbopt.plot.trace(res).get_xlabel() == "period"


def test_report_tables_fit_the_page_and_numbers_carry_units():
    """A comparison of 3 methods × 17 columns is shown transposed (one column per method); times print 3
    significant digits with their unit, nested solver facts too."""
    from lbopt.reporting.blocks import df_table, kv_table

    wide = pd.DataFrame({"method": ["a", "b", "c"], **{f"metric_{i}": [0.123456, 1.0, None] for i in range(16)}})
    html = df_table(wide)
    assert html.count("<tr") == 1 + 16  # header + one row per metric
    assert "<th>a</th>" in html
    assert "0.1235" in html
    facts = kv_table({"time_s": 0.0006548119999933988, "extra": {"total_time_s": 0.9002098270029819}})
    assert "0.000655 s" in facts
    assert "total_time_s: 0.9 s" in facts


def test_a_comparison_opens_with_its_verdict(tmp_path):
    """The best method per measure, the certified reference apart, and the report's first section says so."""
    net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    cmp = lbopt.compare(net, ["none", "mlb", "oslb", "ua-opt"])
    verdict = cmp.tables["verdict"].set_index("column")
    contenders = cmp.table[cmp.table["method"] != "ua-opt"].set_index("method")
    lowest = contenders["max_load_after"].astype(float)
    assert set(verdict.loc["max_load_after", "best"].split(", ")) == set(lowest[lowest == lowest.min()].index)
    assert verdict.loc["max_load_after", "value"] == lowest.min()
    highest = contenders["ldi_after"].astype(float)
    assert verdict.loc["ldi_after", "best"].split(", ")[0] in set(highest[highest == highest.max()].index)
    html = lbopt.report(cmp, tmp_path / "c").read_text()
    assert html.index("Verdict") < html.index("Instance")
    assert "the yardstick, not a contender" in html


def test_report_figures_as_svg_png_or_pdf_files(tmp_path):
    """--figures svg inlines vectors and writes them as files, pdf writes figure files beside the report with
    previews, --dpi sets the PNG resolution and writes PNG files; a plain render removes the files (the folder holds
    one report)."""
    net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    folder = tmp_path / "c"
    lbopt.report(lbopt.compare(net, ["none", "mlb"]), folder)
    runner = CliRunner()
    assert runner.invoke(main, ["report", str(folder), "--figures", "svg"]).exit_code == 0
    assert "<figure class='svg'" in (folder / "report.html").read_text()
    svgs = sorted((folder / "figures").glob("*.svg"))
    assert svgs
    assert svgs[0].read_text().lstrip().startswith("<?xml")
    assert runner.invoke(main, ["report", str(folder), "--figures", "pdf"]).exit_code == 0
    pdfs = sorted((folder / "figures").glob("*.pdf"))
    assert pdfs
    assert pdfs[0].read_bytes().startswith(b"%PDF")
    assert f"href='figures/{pdfs[0].name}'" in (folder / "report.html").read_text()
    sizes = []
    for dpi in ("80", "300"):
        assert runner.invoke(main, ["report", str(folder), "--dpi", dpi]).exit_code == 0
        sizes.append(len((folder / "report.html").read_text()))
        assert sorted(p.suffix for p in (folder / "figures").iterdir()) == [".png"] * len(svgs)
    assert sizes[1] > sizes[0]
    assert runner.invoke(main, ["report", str(folder)]).exit_code == 0
    assert not (folder / "figures").exists()


def test_unit_loads_of_a_comparison_are_the_evaluations_loads(tmp_path):
    """The per-unit loads behind the small multiples give every method's evaluated largest load and LDI."""
    from lbopt.metrics import load_distribution_index

    net = lbopt.generate.hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    cmp = lbopt.compare(net, ["none", "mlb", "oslb", "ua-opt"])
    loads = cmp.tables["unit_loads"]
    table = cmp.table.set_index("method")
    for method, part in loads.groupby("method"):
        assert part["load_after"].max() == pytest.approx(table.loc[method, "max_load_after"], rel=1e-12)
        assert load_distribution_index(part["load_after"].to_numpy()) == pytest.approx(
            table.loc[method, "ldi_after"], rel=1e-12
        )
    assert "unit loads" in lbopt.report(cmp, tmp_path / "c").read_text()
