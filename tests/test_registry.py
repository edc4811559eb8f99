"""The method registry is the single source: a toy method registered here gets solve, compare, report and CLI
flags with no other edit; every spec agrees with the function it names; a flag gets the check the file gets."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pydantic import Field

import lbopt
from lbopt.cli import main
from lbopt.instance import load_instance, save_instance
from lbopt.instance.schema import StrictModel, param
from lbopt.methods import FAMILIES, METHODS, Family, MethodSpec, all_params, param_info
from lbopt.result import Result, SolverFacts, Status


class ToyParams(StrictModel):
    """Move a share of every cell's load onto the least-loaded cell."""

    share: float = param(0.5, "", "share of each cell's load moved to the least-loaded cell", ge=0, le=1)
    rounds: int = Field(default=1, ge=1, description="rounds")


def run_toy(instance, progress=None, *, share: float, rounds: int) -> Result:
    before = instance.cells["prb_demand"].to_numpy(float) / instance.cells["prb_capacity"].to_numpy(float)
    after = before.copy()
    for _ in range(rounds):
        moved = share * after
        after = after - moved
        after[np.argmin(before)] += moved.sum()
    cells = pd.DataFrame({"id": instance.cells["id"], "load_before": before, "load_after": after})
    return Result(instance.name, "toy", Status.FEASIBLE, SolverFacts(name="toy", time_s=0.0), cells)


def toy_table(instance, results) -> pd.DataFrame:
    rows = [
        {"method": n, "max_load_after": float(r.cells["load_after"].max()), "time_s": 0.0} for n, r in results.items()
    ]
    return pd.DataFrame(rows)


def toy_sections(data, tables, folder) -> list[str]:
    return [f"<h2>Toy section</h2><p>largest load {tables['cells']['load_after'].max():.3f}</p>"]


@pytest.fixture
def toy(monkeypatch):
    family = Family(
        "toy-family",
        "a family that exists only in this test",
        comparison="toy",
        compare_table=f"{__name__}:toy_table",
        report=f"{__name__}:toy_sections",
        compare_report=f"{__name__}:toy_sections",
    )
    spec = MethodSpec("toy", f"{__name__}:run_toy", "toy-family", "toy method", ToyParams, needs=("cell-loads",))
    monkeypatch.setitem(FAMILIES, family.name, family)
    monkeypatch.setitem(METHODS, spec.name, spec)
    return spec


def test_a_registered_toy_method_gets_solve_compare_report_and_flags(toy, tmp_path, tiny_path):
    runner = CliRunner()
    out = tmp_path / "toy"
    res = runner.invoke(
        main, ["solve", str(tiny_path), "-m", "toy", "--share", "0.25", "--rounds", "2", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads((out / "result.json").read_text())
    assert data["family"] == "toy-family"
    assert data["parameters"] == {"share": 0.25, "rounds": 2}
    cells = pd.read_csv(out / "cells.csv")
    # two rounds of moving a quarter: every other cell keeps (3/4)^2 of its load
    inst = load_instance(tiny_path)
    before = (inst.cells["prb_demand"] / inst.cells["prb_capacity"]).to_numpy()
    keep = np.arange(len(before)) != np.argmin(before)
    np.testing.assert_allclose(cells["load_after"].to_numpy()[keep], before[keep] * 0.75**2, rtol=1e-12)
    assert runner.invoke(main, ["report", str(out)]).exit_code == 0
    assert "Toy section" in (out / "report.html").read_text()

    bad = runner.invoke(main, ["solve", str(tiny_path), "-m", "toy", "--share", "1.5", "--out", str(tmp_path / "b")])
    assert bad.exit_code == 2
    assert "--share: input should be less than or equal to 1 (got 1.5)" in bad.output
    assert not (tmp_path / "b").exists()

    help_text = runner.invoke(main, ["solve", "--help"]).output
    assert "--share" in help_text
    assert "--rounds" in help_text

    cmp = tmp_path / "cmp"
    res = runner.invoke(main, ["compare", str(tiny_path), "--methods", "toy", "--share", "1", "--out", str(cmp)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(cmp / "comparison.csv")
    assert table["max_load_after"].iloc[0] == pytest.approx(before.sum())  # everything on one cell
    assert (cmp / "toy" / "result.json").is_file()
    assert runner.invoke(main, ["report", str(cmp)]).exit_code == 0
    assert "Toy section" in (cmp / "report.html").read_text()

    listing = runner.invoke(main, ["methods"]).output
    assert "toy-family: a family that exists only in this test" in listing
    assert "--share = 0.5, >= 0, <= 1: share of each cell's load moved" in listing


def test_the_toy_cannot_be_compared_with_another_comparison(toy, tiny_path):
    from lbopt.comparison import compare
    from lbopt.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match=r"compare methods measured alike; these are not: toy \(toy\); oslb"):
        compare(load_instance(tiny_path), ["toy", "oslb"])


@pytest.mark.parametrize("name", list(METHODS))
def test_every_spec_matches_its_function(name):
    """The model's fields are the function's keyword arguments, and the function repeats none of their defaults."""
    spec = METHODS[name]
    func = spec.load()
    bound = set(getattr(func, "keywords", {}))  # functools.partial: the registry entry's fixed arguments
    sig = inspect.signature(func)
    named = {k: p for k, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY and k not in bound | {"progress"}}
    takes_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    fields = set(spec.params.model_fields)
    context = {"level", "others"} if spec.reference else set()  # what solve gives a reference besides its params
    assert set(named) <= fields | {"period"} | context, f"{name}: function keywords the model lacks"
    assert fields <= set(named) or takes_any, f"{name}: model fields the function does not take"
    defaults = {k for k, p in named.items() if p.default is not p.empty}
    assert defaults <= {"period"} | context, f"{name}: a default repeated"
    assert spec.family in FAMILIES
    if spec.section:
        section_fields = set(type(getattr(lbopt.instance.MethodsConfig(), spec.section)).model_fields)
        assert section_fields & fields, f"{name}: shares no field with methods.{spec.section}"


def test_a_flag_name_means_one_thing():
    """Two methods with a parameter of the same name declare it identically (one flag, one meaning); only the
    solver engine lists each method's own engines."""
    seen: dict[str, tuple] = {}
    for spec in METHODS.values():
        for p in param_info(spec.params):
            key = (p.kind, p.unit) if p.name == "engine" else (p.kind, p.unit, p.range, p.choices, p.description)
            assert seen.setdefault(p.name, key) == key, f"--{p.name} means two things: {seen[p.name]} and {key}"
    assert set(all_params()) == set(seen)


def test_flag_and_file_get_the_same_range_check(tmp_path, tiny_path):
    runner = CliRunner()
    inst = load_instance(tiny_path)
    flag = runner.invoke(main, ["solve", str(tiny_path), "-m", "oslb", "--beta", "1.5", "--out", str(tmp_path / "a")])
    assert flag.exit_code == 2
    assert "--beta: input should be less than or equal to 1 (got 1.5)" in flag.output
    path = tmp_path / "b.yaml"
    save_instance(inst, path)
    assert "methods:" not in path.read_text()
    path.write_text(path.read_text() + "methods: {oslb: {beta: 1.5}}\n")
    file = runner.invoke(main, ["solve", str(path), "-m", "oslb", "--out", str(tmp_path / "c")])
    assert file.exit_code == 2
    assert "field 'methods.oslb.beta'" in file.output
    assert "less than or equal to 1" in file.output


def test_methods_lists_every_method_with_family_parameters_and_engines():
    out = CliRunner().invoke(main, ["methods"]).output
    for name, spec in METHODS.items():
        assert f"  {name}: {spec.summary}" in out
    assert "engines: auto, highs, pyomo, ortools, networkx" in out
    assert "--step-db [dB] = 1.0, > 0: CIO step per period" in out
    assert CliRunner().invoke(main, ["methods", "--family", "nope"]).exit_code == 2


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("methods: {vgala: {kappa: .inf}}", "methods.vgala.kappa"),
        ("methods: {zou: {threshold: .nan}}", "methods.zou.threshold"),
        ("radio: {noise_density_dbm_hz: .nan}", "radio.noise_density_dbm_hz"),
    ],
)
def test_non_finite_settings_are_refused(tmp_path, tiny_path, where, text):
    path = tmp_path / "i.yaml"
    save_instance(load_instance(tiny_path), path)
    path.write_text(path.read_text() + where + "\n")
    res = CliRunner().invoke(main, ["check", str(path)])
    assert res.exit_code == 2
    assert f"field '{text}'" in res.output
    assert "finite number" in res.output


def test_non_finite_flags_are_refused(tmp_path, tiny_path):
    res = CliRunner().invoke(
        main, ["solve", str(tiny_path), "-m", "oslb", "--beta", "nan", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    assert "--beta: input should be a finite number (got nan)" in res.output
