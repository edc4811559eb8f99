"""``lbopt generate sites`` on an OpenCelliD export: one network chosen by --mcc/--mnc/--radio, global cell ids as
text, OpenCelliD's range as the coverage radius, co-sited cells as sectors of one site."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.instance import load_instance

HEADER = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
ROWS = [
    # operator 262-01 LTE: a three-sector site, a two-sector site and a single cell (range 0: no estimate)
    "LTE,262,01,4711,000101,0,13.40000,52.52000,1200,10,1,1,1,0",
    "LTE,262,01,4711,000102,0,13.40000,52.52000,1100,10,1,1,1,0",
    "LTE,262,01,4711,000103,0,13.40000,52.52000,900,10,1,1,1,0",
    "LTE,262,01,4711,000201,0,13.41000,52.52500,800,10,1,1,1,0",
    "LTE,262,01,4711,000202,0,13.41000,52.52500,800,10,1,1,1,0",
    "LTE,262,01,4712,000301,0,13.39000,52.51500,0,10,1,1,1,0",
    # another operator, and another technology of the first
    "LTE,262,02,99,7,0,13.40500,52.52200,500,3,1,1,1,0",
    "UMTS,262,01,4711,88,0,13.40200,52.52100,1500,3,1,1,1,0",
]


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "cell_towers.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n")
    return path


def test_a_mixed_export_is_refused_with_what_it_holds(export, tmp_path):
    res = CliRunner().invoke(main, ["generate", "sites", "--sites", str(export), "--out", str(tmp_path / "a.yaml")])
    assert res.exit_code == 2
    assert "262-01 (7 cells)" in res.output
    assert "262-02 (1 cells)" in res.output
    assert "LTE (7), UMTS (1)" in res.output
    assert "--mcc, --mnc and --radio" in res.output
    assert not (tmp_path / "a.yaml").exists()


def test_one_network_with_sectors_ranges_and_text_ids(export, tmp_path):
    out = tmp_path / "n.yaml"
    args = ["generate", "sites", "--sites", str(export), "--mcc", "262", "--mnc", "01", "--radio", "lte"]
    res = CliRunner().invoke(main, [*args, "--neighbours", "radius", "--out", str(out)])
    assert res.exit_code == 0, res.output
    cells = load_instance(out).cells.set_index("id")
    # ids keep their leading zeros: mcc-mnc-area-cell as text
    assert list(cells.index) == [
        "262-01-4711-000101",
        "262-01-4711-000102",
        "262-01-4711-000103",
        "262-01-4711-000201",
        "262-01-4711-000202",
        "262-01-4712-000301",
    ]
    assert cells["radius_m"].tolist() == [1200.0, 1100.0, 900.0, 800.0, 800.0, 250.0]  # range 0: the macro default
    # the three cells at one position are sectors 120° apart, the two 180° apart, the single cell omni
    assert cells["azimuth_deg"].iloc[:3].tolist() == [0.0, 120.0, 240.0]
    assert cells["azimuth_deg"].iloc[3:5].tolist() == [0.0, 180.0]
    assert np.isnan(cells["azimuth_deg"].iloc[5])
    links = load_instance(out).links
    pairs = {tuple(sorted(p)) for p in links[["a", "b"]].to_numpy().tolist()}
    # sectors of one site are neighbours of each other
    assert ("262-01-4711-000101", "262-01-4711-000102") in pairs
    assert ("262-01-4711-000201", "262-01-4711-000202") in pairs


def test_filters_on_a_plain_site_list_are_refused(tmp_path):
    plain = tmp_path / "s.csv"
    plain.write_text("id,lat,lon\na,52.5,13.4\nb,52.51,13.41\n")
    res = CliRunner().invoke(
        main, ["generate", "sites", "--sites", str(plain), "--mcc", "262", "--out", str(tmp_path / "x.yaml")]
    )
    assert res.exit_code == 2
    assert "filter an OpenCelliD export" in res.output


def test_the_metro_layout_contains_the_cbd_sites_exactly():
    """The second shipped layout (1,464 Optus sites over metropolitan Melbourne) was recovered as the centres of the
    circles of the EUA dataset's map; the CBD site list of the same operator, a CSV of the same register, is among
    them to 1e-9 degrees — a check of the recovery against data it was not computed from."""
    data = Path(__file__).resolve().parents[1] / "instances" / "data"
    metro = pd.read_csv(data / "melbourne-metro-optus-sites.csv")
    cbd = pd.read_csv(data / "melbourne-cbd-sites.csv")
    assert len(metro) == 1464
    assert metro["site"].is_unique
    m = metro[["latitude", "longitude"]].to_numpy()
    c = cbd[["LATITUDE", "LONGITUDE"]].to_numpy()
    nearest = np.abs(m[None, :, :] - c[:, None, :]).max(axis=2).min(axis=1)
    assert nearest.max() < 1e-9
