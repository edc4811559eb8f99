"""MR records as the users of the user-level methods: no positions, no path loss (lbopt.radio.measured).

A hand-made MR table is checked number by number (SINR from the reported strengths and per-RE noise, CQI, PRBs,
demand from the logged PRBs, neighbours from co-reports); a generated MR day without cell positions runs OSLB, MLB,
Zou's Algorithm 1 and ua-opt, and their loads are recomputed from the users.csv they write.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import load_instance, save_instance
from lbopt.instance.model import Instance
from lbopt.instance.schema import RadioConfig
from lbopt.methods import missing_requirements
from lbopt.radio import user_cell_matrices
from lbopt.radio.measured import is_measured, measured_users

#: TS 36.213 Table 7.2.3-1 with Kawser et al.'s thresholds, typed here: (threshold dB, bit/s/Hz)
CQI = [(-6.7, 0.1523), (-4.7, 0.2344), (-2.3, 0.3770), (0.2, 0.6016), (2.4, 0.8770), (4.3, 1.1758), (5.9, 1.4766)]
CQI += [(8.1, 1.9141), (10.3, 2.4063), (11.7, 2.7305), (14.1, 3.3223), (16.3, 3.9023), (18.7, 4.5234)]
CQI += [(21.0, 5.1152), (22.7, 5.5547)]


def _hand_instance(prb: bool = False) -> Instance:
    cells = pd.DataFrame({"id": ["a", "b", "c"], "n_prb": [50, 50, 50]})
    rows = [
        # record, period, antenna, rss_dbm, serving, prb
        (0, 0, "a", -80.0, 1, 6.0),
        (0, 0, "b", -86.0, 0, 6.0),
        (1, 0, "b", -90.0, 1, 3.0),
        (1, 0, "c", -91.0, 0, 3.0),
        (1, 0, "a", -100.0, 0, 3.0),
        (2, 0, "c", -70.0, 1, 9.0),
        (3, 1, "a", -75.0, 1, 2.0),  # period 1: one record only
    ]
    mr = pd.DataFrame(rows, columns=["record", "period", "antenna", "rss_dbm", "serving", "prb"])
    if not prb:
        mr = mr.drop(columns=["prb"])
    return Instance(name="hand", cells=cells, mr=mr, radio=RadioConfig(default_demand_bps=2e6))


def _cqi_rate(sinr_db: float) -> float:
    eff = max([e for t, e in CQI if sinr_db >= t], default=0.0)
    return 180e3 * (1 - 0.14) * eff


def test_records_of_the_busiest_period_are_the_users_with_their_reported_cells():
    inst = measured_users(_hand_instance())
    assert is_measured(inst)
    assert inst.users["id"].tolist() == ["r0", "r1", "r2"]  # period 0 has 3 records, period 1 one
    assert inst.users["serving"].tolist() == ["a", "b", "c"]
    # neighbours of an MR-only instance: cells reported together (a-b in record 0; a, b, c in record 1)
    assert sorted(map(tuple, inst.links[["a", "b"]].to_numpy().tolist())) == [("a", "b"), ("a", "c"), ("b", "c")]
    m = user_cell_matrices(inst)
    assert np.isinf(m["rsrp_dbm"][0, 2])  # record 0 does not report c
    assert m["rsrp_dbm"][1].tolist() == pytest.approx([-100.0, -90.0, -91.0])
    # SINR by hand: own / (Σ other reported + per-RE noise −174 + 10 log10(15 kHz) + 9 dB)
    noise_mw = 10 ** ((-174 + 10 * math.log10(15e3) + 9) / 10)
    for u, cells in enumerate([{"a": -80.0, "b": -86.0}, {"b": -90.0, "c": -91.0, "a": -100.0}, {"c": -70.0}]):
        for j, name in enumerate("abc"):
            if name not in cells:
                assert m["prb"][u, j] == np.inf
                continue
            own = 10 ** (cells[name] / 10)
            others = sum(10 ** (v / 10) for k, v in cells.items() if k != name)
            sinr = 10 * math.log10(own / (others + noise_mw))
            assert m["sinr_db"][u, j] == pytest.approx(sinr, abs=1e-9)
            rate = _cqi_rate(sinr)
            assert m["prb"][u, j] == (np.inf if rate == 0 else math.ceil(2e6 / rate - 1e-9))


def test_logged_prbs_set_the_demand_and_the_period_can_be_chosen():
    inst = measured_users(_hand_instance(prb=True))
    m = user_cell_matrices(inst)
    serving = inst.cell_positions(inst.users["serving"])
    assert m["prb"][np.arange(3), serving].tolist() == [6.0, 3.0, 9.0]  # the logged PRBs, in the serving cell
    one = measured_users(_hand_instance(prb=True).with_tables(radio=RadioConfig(mr_period=1)))
    assert one.users["id"].tolist() == ["r3"]
    assert user_cell_matrices(one)["prb"][0, 0] == 2.0


def test_instances_with_users_are_left_alone(tiny_path):
    inst = load_instance(tiny_path)
    assert measured_users(inst) is inst
    assert not is_measured(inst)


@pytest.fixture(scope="module")
def mr_only(tmp_path_factory):
    """A generated MR day (19 antennas, 300 users at the peak) without cell positions, users at 0.2 Mbit/s."""
    tmp = tmp_path_factory.mktemp("mr")
    base = tmp / "b.yaml"
    assert CliRunner().invoke(main, ["generate", "hexgrid", "--rings", "2", "--out", str(base)]).exit_code == 0
    day = tmp / "day.yaml"
    res = CliRunner().invoke(main, ["generate", "mr", "--base", str(base), "--users-peak", "300", "--out", str(day)])
    assert res.exit_code == 0, res.output
    inst = load_instance(day)
    inst = inst.with_tables(cells=inst.cells.drop(columns=["x_m", "y_m"]), links=None)
    inst = inst.with_tables(radio=inst.radio.model_copy(update={"default_demand_bps": 2e5}))
    path = tmp / "mr.yaml"
    save_instance(inst, path)
    return path


@pytest.mark.parametrize("method", ["none", "oslb", "mlb", "zou-alg1", "ua-opt"])
def test_user_level_methods_run_on_measurements_alone(mr_only, method, tmp_path):
    """No positions anywhere: each method runs, writes offsets where it plans them, and its evaluation is
    recomputed from users.csv (PRBs per user in its serving cell, outage users apart)."""
    inst = load_instance(mr_only)
    assert not inst.has_geometry
    assert inst.users is None
    assert not missing_requirements(inst, method)
    out = tmp_path / method
    res = CliRunner().invoke(main, ["solve", str(mr_only), "-m", method, "--out", str(out)])
    assert res.exit_code == 0, res.output
    import json

    data = json.loads((out / "result.json").read_text())
    assert data["status"] in ("optimal", "feasible", "partial")
    users = pd.read_csv(out / "users.csv")
    assert "x_m" not in users
    served = users[np.isfinite(users["prb_after"])]
    capacity = pd.Series(inst.prb_capacity(), index=inst.cells["id"])
    used = served.groupby("serving_after")["prb_after"].sum()
    loads = used / capacity.loc[used.index]
    assert data["evaluation"]["max_load_after"] == pytest.approx(loads.max(), rel=1e-12)
    if method in ("oslb", "mlb", "zou-alg1"):
        cio = pd.read_csv(out / "cio.csv")
        assert list(cio.columns) == ["source_cell", "target_cell", "cio_db"]


def test_ua_opt_bounds_every_method_on_measurements(mr_only):
    from lbopt.comparison import compare

    summary = compare(load_instance(mr_only), ["none", "oslb", "mlb", "ua-opt"])
    table = summary.tables["comparison"].set_index("method")
    bound = table.loc["ua-opt", "max_load_bound"]
    assert (table["max_load_after"] >= bound - 1e-9).all()
