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
