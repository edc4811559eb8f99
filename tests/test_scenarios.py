"""Scenario generators: the papers' stated set-ups hold in what they write, and `lbopt check` accepts it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import load_instance
from lbopt.radio import evaluate_users
from lbopt.radio.geometry import distances_m, point_in_hexagon
from lbopt.scenarios import from_sites, hetnet, hex_grid, vgala_layout, zou16
from lbopt.scenarios.layouts import ZOU_MEAN_LOAD
from lbopt.scenarios.sites import infer_tier
from tests.reference import strongest_rsrp_cell

GENERATE = {
    "hexgrid": ["--rings", "2", "--wraparound"],
    "hetnet": ["--rings", "1", "--busy-cells", "2"],
    "vgala": ["--width", "500", "--height", "400", "--grid", "20"],
    "zou16": ["--users", "300"],
    "sites": ["--sites", "instances/data/melbourne-cbd-sites.csv", "--users", "instances/data/melbourne-cbd-users.csv"],
}


@pytest.mark.parametrize("scenario", sorted(GENERATE))
def test_every_generator_writes_a_checkable_instance(tmp_path, scenario, monkeypatch):
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    out = tmp_path / f"{scenario}.yaml"
    runner = CliRunner()
    res = runner.invoke(main, ["generate", scenario, "--seed", "4", "--out", str(out), *GENERATE[scenario]])
    assert res.exit_code == 0, res.output
    check = runner.invoke(main, ["check", str(out)])
    assert check.exit_code == 0, check.output
    assert "is valid" in check.output
    # same seed, same file
    again = tmp_path / "again.yaml"
    runner.invoke(main, ["generate", scenario, "--seed", "4", "--out", str(again), *GENERATE[scenario]])
    assert again.read_text().replace("again", scenario) == out.read_text()


def test_hetnet_matches_the_oslb_setup():
    inst = hetnet(rings=3, seed=2)
    cells = inst.cells
    macros = cells[cells["tier"] == "macro"]
    picos = cells[cells["tier"] == "pico"]
    assert len(macros) == 37
    per_macro = picos.groupby("parent").size()
    assert per_macro.index.size == 37
    assert per_macro.between(2, 4).all()
    # picocells at the cell edge: 60-90 % of the inradius (500 m) from their macro
    home = macros.set_index("id").loc[picos["parent"], ["x_m", "y_m"]].to_numpy()
    r = np.hypot(*(picos[["x_m", "y_m"]].to_numpy() - home).T)
    assert r.min() >= 0.6 * 500 - 1e-9
    assert r.max() <= 0.9 * 500 + 1e-9
    # 22 normal cells with 10 users and 15 busy with 30: 22*10 + 15*30
    assert len(inst.users) == 22 * 10 + 15 * 30
    # wrap-around: every macro has 6 macro neighbours in the links
    deg = np.bincount(
        np.concatenate([inst.cell_positions(inst.links["a"]), inst.cell_positions(inst.links["b"])]),
        minlength=inst.n_cells,
    )
    assert np.all(deg[: len(macros)] == 6 + per_macro.loc[macros["id"]].to_numpy())
    # serving = strongest RSRP, as written
    np.testing.assert_array_equal(inst.cell_positions(inst.users["serving"]), strongest_rsrp_cell(inst))


def test_hetnet_macro_only_serving():
    inst = hetnet(rings=1, seed=1, serving="macro-only")
    assert set(inst.users["serving"]) <= set(inst.cells.loc[inst.cells["tier"] == "macro", "id"])


def test_uniform_users_stay_in_their_hexagon():
    inst = hetnet(rings=1, seed=3, pico_user_share=0.0, busy_cells=0, serving="none")
    centres = inst.cells.loc[inst.cells["tier"] == "macro", ["x_m", "y_m"]].to_numpy()
    xy = inst.users[["x_m", "y_m"]].to_numpy()
    inside = np.array([[point_in_hexagon(xy[i : i + 1], c, 1000.0)[0] for c in centres] for i in range(len(xy))])
    assert np.all(inside.sum(axis=1) >= 1)
    assert np.all(np.bincount(inside.argmax(axis=1), minlength=7) == 10)


@pytest.mark.parametrize("users", [200, 300, 400])
def test_zou16_calibrates_the_papers_mean_load(users):
    inst = zou16(users, seed=5)
    assert inst.n_cells == 16
    assert len(inst.users) == users
    xy = inst.cells[["x_m", "y_m"]].to_numpy()
    d = distances_m(xy, xy)
    np.fill_diagonal(d, np.inf)
    assert np.allclose(d.min(axis=1), 500.0)
    state = evaluate_users(inst, inst.cell_positions(inst.users["serving"]))
    mean_load = state.cell_load_prb(16).sum() / (16 * 50)
    assert mean_load == pytest.approx(ZOU_MEAN_LOAD[users], rel=1e-9)
    # the a_ij rule (r_i + r_j > d_ij with r = 300 m) gives exactly the lattice neighbours as links
    assert len(inst.links) == int(np.isclose(d, 500.0).sum() / 2)


def test_vgala_layout_table_i():
    inst = vgala_layout(seed=3)
    assert len(inst.locations) == 40_000
    macro = inst.cells["tier"] == "macro"
    assert macro.sum() == 3
    assert (~macro).sum() == 7
    assert inst.cells.loc[macro, "green_power_w"].between(750, 1300).all()
    assert inst.cells.loc[~macro, "green_power_w"].between(37, 48).all()
    assert inst.locations["arrival_rate"].sum() == pytest.approx(200.0)
    # every location has at least one allowed cell
    assert inst.rates["location"].nunique() == 40_000
    assert (inst.rates["rate_bps"] > 0).all()


def test_site_import_projection_and_tiers(melbourne_path):
    from tests.conftest import ROOT

    sites = ROOT / "instances" / "data" / "melbourne-cbd-sites.csv"
    inst = from_sites(sites, neighbours="delaunay")
    assert inst.n_cells == 125
    # the CBD grid is about 2 km x 1.3 km
    span = inst.cells[["x_m", "y_m"]].max() - inst.cells[["x_m", "y_m"]].min()
    assert 1800 < span["x_m"] < 2200
    assert 1100 < span["y_m"] < 1500
    # Delaunay of n points in general position has at most 3n - 6 edges
    assert len(inst.links) <= 3 * 125 - 6
    shipped = load_instance(melbourne_path)
    assert shipped.summary()["tiers"] == {"macro": 104, "micro": 21}
    assert infer_tier(pd.Series(["Optus Minicell X", "site ucell", "Rooftop", None])).tolist() == [
        "micro",
        "micro",
        "macro",
        "macro",
    ]


def test_hexgrid_wraparound_needs_complete_rings():
    with pytest.raises(ValueError, match="complete rings"):
        hex_grid(rings=None, n_cells=10, wraparound=True)


def test_drop_in_cells_puts_the_chosen_number_in_each_region():
    from scipy.spatial import cKDTree

    from lbopt.scenarios.users import drop_in_cells, drop_users

    rng = np.random.default_rng(0)
    sites = rng.uniform(0, 2000, size=(12, 2))
    counts = rng.integers(0, 30, 12)
    xy, home = drop_in_cells(rng, sites, counts)
    np.testing.assert_array_equal(np.bincount(home, minlength=12), counts)
    np.testing.assert_array_equal(cKDTree(sites).query(xy)[1], home)  # each user is in its cell's region
    busy = np.array([2, 5])
    all_xy = drop_users(
        np.random.default_rng(1),
        sites,
        uniform=7,
        hotspots=2,
        hotspot_users=9,
        per_cell=3,
        busy_cells=busy,
        per_busy_cell=40,
    )
    assert len(all_xy) == 7 + 9 + 10 * 3 + 2 * 40


def test_cli_drop_on_a_layout(tmp_path):
    runner = CliRunner()
    base, out = tmp_path / "g.yaml", tmp_path / "u.yaml"
    assert runner.invoke(main, ["generate", "hexgrid", "--rings", "1", "--out", str(base)]).exit_code == 0
    res = runner.invoke(
        main,
        [
            "generate",
            "drop",
            "--base",
            str(base),
            "--per-cell",
            "4",
            "--busy",
            "c0",
            "--per-busy-cell",
            "25",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    inst = load_instance(out)
    assert len(inst.users) == 6 * 4 + 25
    bad = runner.invoke(
        main, ["generate", "drop", "--base", str(base), "--busy", "c9", "--out", str(tmp_path / "x.yaml")]
    )
    assert bad.exit_code == 2
    assert not (tmp_path / "x.yaml").exists()
