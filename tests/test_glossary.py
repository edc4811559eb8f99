"""The glossary (lbopt/glossary.csv) defines every key of every method's ``evaluation`` and ``metrics``, every other
key of ``result.json``, every column of every CSV a result folder holds, and every column of a comparison: a number a
user reads has a written meaning and unit. The reports show it as a tooltip; the docs' result-format page lists it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import lbopt
from lbopt.glossary import RESULT_SECTIONS, glossary, meaning
from lbopt.methods import METHODS, missing_requirements
from lbopt.result import write_result
from lbopt.scenarios import hetnet, vgala_layout, zou16
from lbopt.scenarios.mr_day import breathing_area


@pytest.fixture(scope="module")
def results():
    """Every method on the first small instance it can run on."""
    instances = [
        hetnet(rings=1, busy_cells=2, busy_users=20, seed=5),
        vgala_layout(seed=4, grid_m=100.0),
        zou16(200, seed=1),
        breathing_area(12, 800.0, users_peak=500, seed=3),
    ]
    out = {}
    for name in METHODS:
        inst = next((i for i in instances if not missing_requirements(i, name)), None)
        if inst is not None:
            out[name] = lbopt.solve(inst, name)
    return out


def test_every_evaluation_key_is_defined(results):
    assert len(results) >= 20
    missing = {(k, m) for m, r in results.items() for k in (r.evaluation or {}) if meaning(k) is None}
    assert not missing, sorted(missing)


def test_every_metric_key_is_defined(results):
    missing = {(k, m) for m, r in results.items() for k in (r.metrics or {}) if meaning(k) is None}
    assert not missing, sorted(missing)


def test_every_result_key_and_csv_column_is_defined(results, tmp_path):
    """What ``lbopt solve --out`` writes: result.json's keys (one level into its sections, apart from the methods'
    own parameters and settings, which ``lbopt methods`` documents) and every CSV column."""
    missing = set()
    for name, result in results.items():
        folder = write_result(result, tmp_path / name).parent
        data = json.loads((folder / "result.json").read_text())
        for key, value in data.items():
            missing |= {(name, "result.json", key)} if meaning(key) is None else set()
            if isinstance(value, dict) and key not in ("metrics", "evaluation", "parameters", "setting"):
                missing |= {(name, "result.json", f"{key}.{k}") for k in value if meaning(f"{key}.{k}") is None}
        for table in folder.glob("*.csv"):
            columns = pd.read_csv(table, nrows=0).columns
            if table.name == "loads.csv":  # one column per cell
                columns = ["step"]
            missing |= {(name, table.name, c) for c in columns if meaning(c, table.name) is None}
    assert not missing, sorted(missing)


def test_every_comparison_column_is_defined():
    net = hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    table = lbopt.compare(net, ["none", "mlb", "ua-opt"]).table
    assert [c for c in table.columns if meaning(c) is None] == []


def test_the_glossary_is_well_formed_and_reports_use_it(tmp_path):
    g = glossary()
    assert not g.duplicated(["section", "key"]).any()
    assert (g["meaning"].str.len() > 3).all()
    assert set(RESULT_SECTIONS) <= set(g["section"])
    assert {s for s in g["section"] if s not in RESULT_SECTIONS} == {s for s in g["section"] if s.endswith(".csv")}
    net = hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    html = lbopt.report(lbopt.compare(net, ["none", "mlb"]), tmp_path / "c").read_text()
    assert f"title='{meaning('ldi_after')}'" in html
