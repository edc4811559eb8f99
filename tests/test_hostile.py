"""Hostile and odd input: refused in one clean line, fast, naming what is wrong, never echoing a whole value."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from lbopt.cli import main


def _bomb(levels: int = 7) -> str:
    lines = ["lbopt: 1", 'name: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for k in range(levels):
        anchor = f"l{k}"
        lines.append(f"x{k}: &{anchor} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = anchor
    lines.append(f"cells: [*{previous}]")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    t0 = time.perf_counter()
    res = CliRunner().invoke(main, ["check", str(path)])
    assert time.perf_counter() - t0 < 5  # 9^8 list items if expanded: it must not be
    assert res.exit_code == 2
    assert "YAML alias '*a' at line 3: aliases are not allowed" in res.output


def test_an_error_never_echoes_a_whole_value(tmp_path):
    path = tmp_path / "i.yaml"
    path.write_text("lbopt: 1\nname: x\ncells: [{id: c0}]\nradio: {noise_figure_db: [" + "1, " * 20000 + "1]}\n")
    res = CliRunner().invoke(main, ["check", str(path)])
    assert res.exit_code == 2
    assert "radio.noise_figure_db" in res.output
    assert len(res.output) < 400


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["hexgrid", "--seed", "-1"], "--seed"),
        (["hexgrid", "--cells", "0"], "--cells"),
        (["hetnet", "--demand", "-1"], "--demand"),
        (["vgala", "--arrival-rate", "-5"], "--arrival-rate"),
        (["vgala", "--grid", "0"], "--grid"),
        (["zou16", "--users", "0"], "--users"),
        (["breathing", "--users-peak", "0"], "--users-peak"),
    ],
)
def test_generators_refuse_what_check_would_refuse(tmp_path, args, flag):
    out = tmp_path / "g.yaml"
    res = CliRunner().invoke(main, ["generate", *args, "--out", str(out)])
    assert res.exit_code == 2
    assert f"Invalid value for '{flag}'" in res.output
    assert not out.exists()


def test_compare_without_methods_and_report_of_a_tampered_result(tmp_path, tiny_path):
    runner = CliRunner()
    res = runner.invoke(main, ["compare", str(tiny_path), "--methods", ",", "--out", str(tmp_path / "c")])
    assert res.exit_code == 2
    assert "--methods: give at least one method" in res.output
    out = tmp_path / "o"
    assert runner.invoke(main, ["solve", str(tiny_path), "-m", "oslb", "--out", str(out)]).exit_code == 0
    for text, says in (("{not json", "not a result.json lbopt can read"), ('{"instance": 3}', "missing or malformed")):
        (out / "result.json").write_text(text)
        res = runner.invoke(main, ["report", str(out)])
        assert res.exit_code == 2, res.output
        assert says in res.output
        assert "Traceback" not in res.output


def test_ids_stay_text_as_written(tmp_path):
    """YAML 1.1 would read 010 as 8, 12:30 as 750 and yes as True; lbopt reads the YAML 1.2 core schema."""
    from lbopt.instance import load_instance

    path = tmp_path / "ids.yaml"
    path.write_text(
        "lbopt: 1\nname: x\ncells:\n"
        "  - {id: 010, prb_demand: 5, prb_capacity: 50}\n"
        "  - {id: 12:30, prb_demand: 3, prb_capacity: 50}\n"
        "  - {id: yes, prb_demand: 1e3, prb_capacity: 5.e3}\n"
    )
    inst = load_instance(path)
    assert inst.cells["id"].tolist() == ["010", "12:30", "yes"]
    assert inst.cells["prb_demand"].tolist() == [5.0, 3.0, 1000.0]
    assert inst.cells["prb_capacity"].tolist() == [50.0, 50.0, 5000.0]


@pytest.mark.parametrize(
    ("value", "says"),
    [("9" * 400, "too large a number"), ("1e160", "value 1e+160 is out of range"), ("1e300", "out of range")],
)
def test_numbers_beyond_any_network_are_refused(tmp_path, value, says):
    path = tmp_path / "h.yaml"
    path.write_text(f"lbopt: 1\nname: x\ncells: [{{id: c0, prb_demand: {value}, prb_capacity: 50}}]\n")
    res = CliRunner().invoke(main, ["check", str(path)])
    assert res.exit_code == 2
    assert "field 'cells.prb_demand', row 0" in res.output
    assert says in res.output
    assert "<= 1e+09 PRB" in res.output
    assert len(res.output) < 300


def test_a_csv_row_with_an_extra_value_is_refused_not_shifted(tmp_path):
    (tmp_path / "c.csv").write_text("id,prb_demand,prb_capacity\nc0,5,50\nc1,3,50,7\n")
    path = tmp_path / "c.yaml"
    path.write_text("lbopt: 1\nname: x\ncells: {csv: c.csv}\n")
    res = CliRunner().invoke(main, ["check", str(path)])
    assert res.exit_code == 2
    assert "c.csv: field 'cells', row 1: has 4 fields where the header names 3 (line 3 of the CSV file)" in res.output


def test_the_load_distribution_index_is_scale_free():
    import numpy as np

    from lbopt.metrics import load_distribution_index

    x = np.array([1.0, 2.0, 3.0])
    expected = 36 / (3 * 14)  # (Σx)² / (N Σx²)
    for scale in (1e-300, 1.0, 1e200):
        assert load_distribution_index(x * scale) == pytest.approx(expected, rel=1e-12)


def test_devices_and_pipes_are_not_read(tmp_path):
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        res = CliRunner().invoke(main, ["check", path])
        assert res.exit_code == 2
        assert "not a regular file" in res.output
    assert "is a directory" in CliRunner().invoke(main, ["check", str(tmp_path)]).output


def test_an_engine_a_method_cannot_use_is_refused_before_solving(tmp_path):
    from lbopt.instance import save_instance
    from lbopt.scenarios import vgala_layout

    path = tmp_path / "v.yaml"
    save_instance(vgala_layout(grid_m=200.0, seed=1), path)
    out = tmp_path / "o"
    res = CliRunner().invoke(main, ["solve", str(path), "-m", "vgala-opt", "--engine", "cvxpy", "--out", str(out)])
    assert res.exit_code == 2
    assert "method 'vgala-opt': --engine: input should be 'colgen' or 'pyomo' (got 'cvxpy')" in res.output
    listing = CliRunner().invoke(main, ["methods", "--family", "association"]).output
    assert "vgala-opt: vGALA objective psi" in listing
    assert listing.split("vgala-opt:")[1].split("\n")[1].strip() == "engines: colgen, pyomo"


def test_check_and_solve_agree_on_a_location_without_cells(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text(
        "lbopt: 1\nname: v\ncells: [{id: m0, tier: macro}]\n"
        "locations: [{id: x0, arrival_rate: 1, mean_size_bits: 1e5}, {id: x1, arrival_rate: 1, mean_size_bits: 1e5}]\n"
        "rates: [{location: x0, cell: m0, rate_bps: 1e6}]\n"
    )
    for args in (["check", str(path)], ["solve", str(path), "-m", "la", "--out", str(tmp_path / "o")]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2
        assert "field 'locations.id', row 1: location 'x1' has no allowed cell" in res.output


def test_side_tables_stay_in_the_instance_folder(tmp_path):
    (tmp_path / "c.csv").write_text("id,prb_demand,prb_capacity\nc0,5,50\n")
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "i.yaml"
    path.write_text("lbopt: 1\nname: x\ncells: {csv: ../c.csv}\n")
    res = CliRunner().invoke(main, ["check", str(path)])
    assert res.exit_code == 2
    assert "the side table '../c.csv' lies outside the instance's folder" in res.output
    assert CliRunner().invoke(main, ["--allow-outside-tables", "check", str(path)]).exit_code == 0


def test_parquet_dates_and_binary_ids_are_refused(tmp_path):
    import pandas as pd

    pd.DataFrame({"id": [b"c0"], "prb_demand": [1.0], "prb_capacity": [5.0]}).to_parquet(tmp_path / "b.parquet")
    pd.DataFrame({"id": ["c0"], "x_m": pd.to_datetime(["2020-01-01"]), "y_m": [0.0]}).to_parquet(tmp_path / "t.parquet")
    for name, says in (("b", "field 'cells.id', row 0: got binary data b'c0'; expected text"), ("t", "a date")):
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"lbopt: 1\nname: x\ncells: {{parquet: {name}.parquet}}\n")
        res = CliRunner().invoke(main, ["check", str(path)])
        assert res.exit_code == 2
        assert says in res.output


def _sites(tmp_path, rows: list[str], header: str = "site_id,latitude,longitude") -> str:
    path = tmp_path / "sites.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return str(path)


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        (["000123,-37.81,144.96", ",-37.82,144.97"], "field 'site_id', row 1: the site id is blank"),
        (["a,-37.81,144.96", "a,-37.82,144.97"], "row 1: the site id repeats an earlier id: 'a'"),
        (["a,-137.81,144.96"], "field 'latitude', row 0: got '-137.81'; expected degrees within ±90"),
        (["a,north,144.96"], "field 'latitude', row 0: got 'north'"),
    ],
)
def test_site_lists_are_checked_row_by_row(tmp_path, rows, says):
    res = CliRunner().invoke(
        main, ["generate", "sites", "--sites", _sites(tmp_path, rows), "--out", str(tmp_path / "o.yaml")]
    )
    assert res.exit_code == 2
    assert says in res.output
    assert not (tmp_path / "o.yaml").exists()


@pytest.mark.parametrize("n", [1, 2, 3])
def test_few_or_collinear_sites_make_an_instance_check_accepts(tmp_path, n):
    from lbopt.instance import load_instance

    rows = [f"{i:06d},-37.81,{144.96 + 0.003 * i:.4f}" for i in range(n if n < 3 else 6)]  # on one line
    out = tmp_path / "o.yaml"
    res = CliRunner().invoke(main, ["generate", "sites", "--sites", _sites(tmp_path, rows), "--out", str(out)])
    assert res.exit_code == 0, res.output
    inst = load_instance(out)
    assert inst.cells["id"].iloc[0] == "000000"  # leading zeros kept
    from lbopt.graph import components

    if len(rows) > 1:  # the sites on one line are joined into one connected graph
        a, b = inst.cell_positions(inst.links["a"]), inst.cell_positions(inst.links["b"])
        assert components(inst.n_cells, a, b).max() == 0


def test_distance_and_radius_neighbours_equal_the_brute_force():
    import numpy as np

    from lbopt.scenarios.sites import neighbour_pairs

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 3000, (300, 2))
    radius = rng.choice([60.0, 120.0, 250.0], 300)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    for rule, adj in (("distance", d < 400.0), ("radius", radius[:, None] + radius[None, :] > d)):
        expected = np.column_stack(np.nonzero(np.triu(adj, k=1)))
        np.testing.assert_array_equal(neighbour_pairs(xy, rule, 400.0, radius), expected)
