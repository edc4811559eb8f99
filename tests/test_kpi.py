"""``lbopt generate kpi``: a cell-level instance from PRB counters and handover attempts (lbopt.scenarios.kpi)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import load_instance

EXAMPLE = Path(__file__).resolve().parents[1] / "instances" / "kpi-example"


def test_the_shipped_example_by_hand(tmp_path):
    """A1 uses 92 of 100 PRBs and makes 420 + 180 + 90 = 690 attempts: 92 × 420 / 690 = 56 PRBs can go to A2;
    A2 (35 PRBs, 380 + 60 attempts) can send 35 × 380 / 440 back; B2 never hands over to A1, so A1–B2 carries
    PRBs one way only."""
    out = tmp_path / "k.yaml"
    args = ["generate", "kpi", "--cells", str(EXAMPLE / "cells.csv"), "--relations", str(EXAMPLE / "relations.csv")]
    res = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    inst = load_instance(out)
    cells = inst.cells.set_index("id")
    assert cells.loc["A1", "prb_demand"] == 92.0
    assert cells.loc["B2", "prb_capacity"] == 50.0
    links = inst.links.set_index(["a", "b"])
    assert links.loc[("A1", "A2"), "capacity_ab"] == pytest.approx(92 * 420 / 690, rel=1e-12)
    assert links.loc[("A1", "A2"), "capacity_ba"] == pytest.approx(35 * 380 / 440, rel=1e-12)
    assert links.loc[("A1", "B2"), "capacity_ba"] == 0.0
    assert len(links) == 6
    # every cell's transferable PRBs add up to its demand (all of a cell's attempts go to its relations)
    out_of = (
        links["capacity_ab"].groupby(level="a").sum().add(links["capacity_ba"].groupby(level="b").sum(), fill_value=0)
    )
    assert out_of.to_dict() == pytest.approx(cells["prb_demand"].to_dict(), rel=1e-12)
    solved = CliRunner().invoke(
        main, ["solve", str(out), "-m", "oslb", "--target", "equal-utilisation", "--out", str(tmp_path / "o")]
    )
    assert solved.exit_code == 0, solved.output


def test_percent_and_bad_rows_name_file_field_and_row(tmp_path):
    cells = tmp_path / "c.csv"
    cells.write_text("id,prb_utilisation,n_prb\nx,92,100\ny,35,100\n")
    rel = tmp_path / "r.csv"
    rel.write_text("source,target,handover_attempts\nx,y,10\ny,z,4\n")
    runner = CliRunner()
    args = ["generate", "kpi", "--cells", str(cells), "--relations", str(rel), "--out", str(tmp_path / "a.yaml")]
    res = runner.invoke(main, [*args, "--percent"])
    assert res.exit_code == 2
    assert "r.csv: field 'target', row 1" in res.output  # rows counted from 0, as every lbopt error does
    assert "unknown cell 'z'" in res.output
    assert not (tmp_path / "a.yaml").exists()
    rel.write_text("source,target,handover_attempts\nx,y,10\ny,x,4\n")
    res = runner.invoke(main, args)
    assert res.exit_code == 2
    assert "c.csv: field 'prb_utilisation', row 0" in res.output  # 92 is not a share without --percent
    res = runner.invoke(main, [*args, "--percent"])
    assert res.exit_code == 0, res.output
    assert load_instance(tmp_path / "a.yaml").cells["prb_demand"].tolist() == [92.0, 35.0]
