"""Instance format 1: round-trips, strictness, and clear errors for bad input."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import InstanceError, load_instance, save_instance
from lbopt.instance.schema import TABLES


def assert_same_instance(a, b) -> None:
    assert a.name == b.name
    assert a.seed == b.seed
    assert a.description == b.description
    assert a.source == b.source
    for table in TABLES:
        ta, tb = getattr(a, table), getattr(b, table)
        assert (ta is None) == (tb is None), table
        if ta is not None:
            pd.testing.assert_frame_equal(ta.reset_index(drop=True), tb.reset_index(drop=True), check_exact=True)
    assert a.radio == b.radio
    assert a.handover == b.handover
    assert a.methods == b.methods


def test_tiny_loads_with_types(tiny_path):
    inst = load_instance(tiny_path)
    assert inst.n_cells == 7
    assert len(inst.links) == 12
    assert len(inst.users) == 5
    assert inst.cells["n_prb"].dtype == np.int64
    assert inst.cells["prb_demand"].dtype == np.float64
    # defaults fill rows that leave out a column with a default (links.cio_db = 0, cost = 1)
    assert inst.links["cio_db"].tolist() == [0.0] * 7 + [1.5] + [0.0] * 4
    # a user with no serving cell is unattached (None), not an error
    assert inst.users["serving"].tolist() == ["c0", "c0", "c1", "c3", None]
    assert inst.methods.oslb.beta == 0.8
    assert inst.handover.hysteresis_db == 2


@pytest.mark.parametrize("mode", ["inline", "csv", "parquet", "auto"])
def test_round_trip_every_table_mode(tmp_path, tiny_path, mode):
    a = load_instance(tiny_path)
    save_instance(a, tmp_path / "t.yaml", tables=mode)
    b = load_instance(tmp_path / "t.yaml")
    assert_same_instance(a, b)
    save_instance(b, tmp_path / "u.yaml", tables=mode)
    assert_same_instance(b, load_instance(tmp_path / "u.yaml"))


def test_round_trip_melbourne_side_tables(tmp_path, melbourne_path):
    a = load_instance(melbourne_path)
    assert a.n_cells == 125
    assert len(a.users) == 816
    assert a.source.startswith("ACMA")
    save_instance(a, tmp_path / "m.yaml", tables="parquet")
    assert (tmp_path / "m.users.parquet").is_file()
    assert_same_instance(a, load_instance(tmp_path / "m.yaml"))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(text))
    return path


GOOD_HEAD = """\
lbopt: 1
name: t
"""
CELLS = """\
cells:
  - {id: a, x_m: 0, y_m: 0, prb_demand: 10}
  - {id: b, x_m: 500, y_m: 0, prb_demand: 20}
"""

BAD = {
    "malformed yaml": ("lbopt: 1\nname: [t\n", None, "malformed YAML"),
    "duplicate key": (GOOD_HEAD + "name: u\n" + CELLS, None, "duplicate key 'name'"),
    "missing lbopt": ("name: t\n" + CELLS, "lbopt", "required"),
    "missing name": ("lbopt: 1\n" + CELLS, "name", "required"),
    "wrong version": ("lbopt: 2\nname: t\n" + CELLS, "lbopt", "format version 2"),
    "unknown top key": (GOOD_HEAD + CELLS + "linkz: []\n", "linkz", "did you mean 'links'"),
    "unknown nested key": (GOOD_HEAD + CELLS + "handover: {hysteresis: 2}\n", "handover.hysteresis", "did you mean"),
    "unknown radio key": (GOOD_HEAD + CELLS + "radio: {noise_figure: 7}\n", "radio.noise_figure", "noise_figure_db"),
    "unknown method": (GOOD_HEAD + CELLS + "methods: {oslbb: {}}\n", "methods.oslbb", "did you mean 'oslb'"),
    "unknown column": (GOOD_HEAD + "cells:\n  - {id: a, tx_powr_dbm: 3}\n", "cells.tx_powr_dbm", "tx_power_dbm"),
    "duplicate cell id": (
        GOOD_HEAD + "cells:\n  - {id: a}\n  - {id: b}\n  - {id: a}\n",
        "cells.id",
        "duplicate id 'a'",
    ),
    "link to unknown cell": (GOOD_HEAD + CELLS + "links:\n  - {a: a, b: zz}\n", "links.b", "unknown cell 'zz'"),
    "self link": (GOOD_HEAD + CELLS + "links:\n  - {a: a, b: a}\n", "links.b", "itself"),
    "duplicate link": (GOOD_HEAD + CELLS + "links:\n  - {a: a, b: b}\n  - {a: b, b: a}\n", "links", "twice"),
    "user on unknown cell": (
        GOOD_HEAD + CELLS + "users:\n  - {id: u, x_m: 1, y_m: 1, serving: q}\n",
        "users.serving",
        "unknown cell 'q'",
    ),
    "negative demand": (GOOD_HEAD + "cells:\n  - {id: a, prb_demand: -1}\n", "cells.prb_demand", "out of range"),
    "nan capacity": (GOOD_HEAD + "cells:\n  - {id: a, prb_capacity: .nan}\n", "cells.prb_capacity", "NaN"),
    "text power": (GOOD_HEAD + "cells:\n  - {id: a, tx_power_dbm: high}\n", "cells.tx_power_dbm", "'high'"),
    "negative user demand": (
        GOOD_HEAD + CELLS + "users:\n  - {id: u, x_m: 1, y_m: 1, demand_bps: -5}\n",
        "users.demand_bps",
        "out of range",
    ),
    "bad tier": (GOOD_HEAD + "cells:\n  - {id: a, tier: makro}\n", "cells.tier", "did you mean 'macro'"),
    "missing side table": (GOOD_HEAD + "cells: {csv: nowhere.csv}\n", "cells", "not found"),
    "x without y": (GOOD_HEAD + "cells:\n  - {id: a, x_m: 1}\n", "cells.y_m", "both"),
    "partial column": (
        GOOD_HEAD + "cells:\n  - {id: a, n_prb: 50}\n  - {id: b}\n",
        "cells.n_prb",
        "missing or NaN value",
    ),
    "no cells": (GOOD_HEAD + "cells: []\n", "cells", "no rows"),
    "bad pathloss preset": (
        GOOD_HEAD + CELLS + "radio: {tiers: {macro: {pathloss: 3gpp-makro}}}\n",
        "radio.tiers.macro.pathloss",
        "did you mean '3gpp-macro'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_file_field_and_row(tmp_path, case):
    text, field, fragment = BAD[case]
    path = _write(tmp_path, text)
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    err = info.value
    assert fragment in str(err), str(err)
    if field is not None:
        assert err.field == field, str(err)
    assert str(path.parent) in err.file


def test_row_is_reported_for_tables(tmp_path):
    path = _write(tmp_path, GOOD_HEAD + "cells:\n  - {id: a, n_prb: 5}\n  - {id: b, n_prb: 5}\n  - {id: c, n_prb: 0}\n")
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert info.value.row == 2
    assert info.value.field == "cells.n_prb"


def test_csv_side_table_errors_give_the_csv_line(tmp_path):
    (tmp_path / "users.csv").write_text("id,x_m,y_m,demand_bps\nu0,0,0,1e6\nu1,5,5,oops\n")
    path = _write(tmp_path, GOOD_HEAD + CELLS + "users: {csv: users.csv}\n")
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    err = info.value
    assert err.file.endswith("users.csv")
    assert err.row == 1
    assert "line 3 of the CSV" in str(err)


def test_side_table_missing_a_required_column(tmp_path):
    (tmp_path / "users.csv").write_text("id,x_m\nu0,0\n")
    path = _write(tmp_path, GOOD_HEAD + CELLS + "users: {csv: users.csv}\n")
    with pytest.raises(InstanceError, match="required column 'y_m'"):
        load_instance(path)


@pytest.mark.parametrize("verb", [["check"], ["solve", "--method", "none", "--out", "OUT"]])
def test_cli_refuses_bad_input_cleanly(tmp_path, verb):
    path = _write(tmp_path, GOOD_HEAD + "cells:\n  - {id: a}\n  - {id: a}\n")
    out = tmp_path / "out"
    args = [a.replace("OUT", str(out)) for a in verb] + [str(path)]
    args = [args[0], str(path), *args[1:-1]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "duplicate id 'a'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_save_is_atomic_on_failure(tmp_path, tiny_path, monkeypatch):
    inst = load_instance(tiny_path)
    target = tmp_path / "x.yaml"

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError, match="disk full"):
        save_instance(inst, target, tables="csv")
    assert list(tmp_path.iterdir()) == []


def test_melbourne_copy_keeps_relative_side_tables(tmp_path, melbourne_path):
    for f in melbourne_path.parent.glob("melbourne-cbd*"):
        shutil.copy(f, tmp_path / f.name)
    inst = load_instance(tmp_path / "melbourne-cbd.yaml")
    assert inst.summary()["tiers"] == {"macro": 104, "micro": 21}


def test_huge_integer_is_refused_not_overflowed(tmp_path):
    # found by the corruption property test: 2**63 - 512 used to overflow int64 in the cast
    path = _write(tmp_path, GOOD_HEAD + "cells:\n  - {id: a, n_prb: 9223372036854775296}\n")
    with pytest.raises(InstanceError, match="out of range"):
        load_instance(path)
