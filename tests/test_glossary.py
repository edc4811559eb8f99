"""The glossary (lbopt/glossary.csv) defines every key of every method's ``evaluation`` and every column of a
comparison: a number a user reads has a written meaning and unit. The reports show it as a tooltip."""

from __future__ import annotations

import pytest

import lbopt
from lbopt.glossary import glossary, meaning
from lbopt.methods import METHODS, missing_requirements
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
    assert not missing


def test_every_comparison_column_is_defined():
    net = hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    table = lbopt.compare(net, ["none", "mlb", "ua-opt"]).table
    assert [c for c in table.columns if meaning(c) is None] == []


def test_the_glossary_is_well_formed_and_reports_use_it(tmp_path):
    g = glossary()
    assert g.index.is_unique
    assert (g["meaning"].str.len() > 10).all()
    net = hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    html = lbopt.report(lbopt.compare(net, ["none", "mlb"]), tmp_path / "c").read_text()
    assert f"title='{meaning('ldi_after')}'" in html
