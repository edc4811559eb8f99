"""Results record where they come from, and do not depend on which optional solvers are installed."""

from __future__ import annotations

import builtins
import json

import numpy as np
from click.testing import CliRunner

from lbopt.cli import main
from lbopt.methods import solve
from lbopt.scenarios import hetnet


def test_provenance_and_wall_time(tmp_path, tiny_path):
    out = tmp_path / "o"
    res = CliRunner().invoke(main, ["solve", str(tiny_path), "-m", "oslb", "--engine", "networkx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "result.json").read_text())
    prov = data["provenance"]
    assert prov["engine"] == data["solver"]["name"] == "networkx"
    assert prov["engine_requested"] == "networkx"
    assert prov["engine_reason"] == "requested"
    assert prov["seed"] == 3  # tiny.yaml's seed
    assert prov["date"].startswith("20")
    assert prov["lbopt_version"] == data["lbopt_version"]
    # time_s is the whole method's wall time; the solver's own time is beside it and not larger
    assert data["solver"]["time_s"] >= data["solver"]["solver_time_s"] >= 0


def test_auto_engine_does_not_depend_on_what_is_installed(monkeypatch):
    inst = hetnet(rings=1, busy_cells=2, busy_users=30, seed=8)
    with_ortools = solve(inst, "oslb", integral=True)
    real_import = builtins.__import__

    def no_ortools(name, *args, **kwargs):
        if name.split(".")[0] == "ortools":
            raise ImportError("ortools is not installed (test)")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ortools)
    without = solve(inst, "oslb", integral=True)
    assert with_ortools.solver.name == without.solver.name == "highs"
    np.testing.assert_array_equal(with_ortools.tables["flows"]["prb"], without.tables["flows"]["prb"])
    assert with_ortools.metrics["ldi_after"] == without.metrics["ldi_after"]


def test_integral_plans_are_integral_with_highs():
    """A partial plan of integral data is an LP vertex: whole PRBs exactly, not 3.8e-7 away."""
    inst = hetnet(rings=2, busy_cells=5, busy_users=40, seed=2)
    res = solve(inst, "oslb", engine="highs", integral=True)
    assert res.status.value == "partial"
    flows = res.tables["plans"]["global_net_prb"].to_numpy()
    np.testing.assert_array_equal(flows, np.round(flows))
    assert res.metrics["plan_unmet_prb"] == round(res.metrics["plan_unmet_prb"])


def test_user_level_oslb_is_the_same_with_every_engine():
    inst = hetnet(rings=1, busy_cells=2, busy_users=30, seed=8)
    runs = {e: solve(inst, "oslb", engine=e, integral=True) for e in ("highs", "ortools", "networkx", "pyomo")}
    ref = runs["highs"]
    for engine, res in runs.items():
        assert res.solver.name.split("+")[0] == engine  # pyomo runs as "pyomo+highs"
        np.testing.assert_array_equal(res.tables["flows"]["prb"], ref.tables["flows"]["prb"], err_msg=engine)
        assert res.evaluation == ref.evaluation, engine


def test_provenance_names_the_instance_file_and_its_checksum(tmp_path, melbourne_path):
    """The checksum is sha256 of the instance file followed by its side tables, as ``cat | sha256sum`` gives it;
    an instance in memory is checksummed by its contents, and a changed table changes it."""
    import hashlib

    from lbopt.instance import load_instance

    res = CliRunner().invoke(main, ["solve", str(melbourne_path), "-m", "none", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    prov = json.loads((tmp_path / "o" / "result.json").read_text())["provenance"]
    folder = melbourne_path.parent
    files = [melbourne_path, *(folder / f"melbourne-cbd.{t}.csv" for t in ("cells", "links", "users"))]
    assert prov["instance_path"] == str(melbourne_path)
    assert prov["instance_sha256"] == hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    assert prov["instance_sha256_of"] == "files"
    net = hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    first = solve(net, "none").provenance
    assert first["instance_path"] is None
    assert first["instance_sha256_of"] == "tables"
    assert solve(net, "none").provenance["instance_sha256"] == first["instance_sha256"]
    users = net.users.assign(demand_bps=net.users["demand_bps"] * 2)
    assert solve(net.with_tables(users=users), "none").provenance["instance_sha256"] != first["instance_sha256"]
    assert load_instance(melbourne_path).path == melbourne_path
