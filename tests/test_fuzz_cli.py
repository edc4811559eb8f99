"""A fuzz of the command line: every verb, methods and flags with hostile values. Whatever the input, the command
either succeeds with a whole result folder or refuses in one line naming the flag or field; never a traceback, and the
instance's files are never touched. A small derandomised run by default; `-m slow` runs a larger one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lbopt.cli import main
from lbopt.instance import save_instance
from lbopt.methods import METHODS, all_params
from lbopt.scenarios import hetnet

HOSTILE = ["nan", "inf", "-inf", "-1", "0", "1", "0.5", "1e308", "-1e308", "1e-320", "abc", "", "99999999999999999999"]
PARAMS = sorted(all_params())


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    folder = tmp_path_factory.mktemp("in")
    path = folder / "h.yaml"
    save_instance(hetnet(rings=1, busy_cells=1, busy_users=12, normal_users=4, seed=4), path)
    return [path, Path(__file__).resolve().parents[1] / "instances" / "tiny.yaml"]


def _command(data, instance: Path, out: Path) -> list[str]:
    verb = data.draw(st.sampled_from(["solve", "compare", "validate"]))
    flags: list[str] = []
    for name in data.draw(st.lists(st.sampled_from(PARAMS), max_size=3, unique=True)):
        info = all_params()[name][0]
        if info.kind == "bool":
            flags.append(data.draw(st.sampled_from([info.flag, "--no-" + name.replace("_", "-")])))
        else:
            pool = list(info.choices) + HOSTILE if info.choices else HOSTILE
            flags += [info.flag, data.draw(st.sampled_from(pool))]
    if verb == "solve":
        head = ["solve", str(instance), "-m", data.draw(st.sampled_from([*METHODS, "nope"]))]
    elif verb == "compare":
        names = data.draw(st.lists(st.sampled_from(list(METHODS)), min_size=1, max_size=3, unique=True))
        head = ["compare", str(instance), "--methods", ",".join(names)]
    else:
        head = ["validate", str(instance)]
        flags = data.draw(st.sampled_from([[], ["--epsilon", data.draw(st.sampled_from(HOSTILE))]]))
    return [*head, *flags, "--out", str(out)]


def _run(data, instances, tmp_path_factory) -> None:
    instance = data.draw(st.sampled_from(instances))
    before = _digest(instance.parent)
    out = tmp_path_factory.mktemp("out") / "o"
    args = _command(data, instance, out)
    res = CliRunner().invoke(main, args)
    assert res.exit_code in (0, 2), (args, res.output, res.exception)
    assert "Traceback" not in res.output, args
    if res.exit_code == 2:
        lbopt_error = res.output.startswith("lbopt: error: ") and res.output.count("\n") == 1
        click_error = "Error: " in res.output  # click's own refusal of a malformed flag value
        assert lbopt_error or click_error, (args, res.output)
        assert not out.exists(), args  # nothing half-written
    else:
        assert (out / "result.json").is_file(), args
    assert _digest(instance.parent) == before, args  # inputs never touched


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_cli_never_tracebacks(data, instances, tmp_path_factory):
    _run(data, instances, tmp_path_factory)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_cli_never_tracebacks_long(data, instances, tmp_path_factory):
    _run(data, instances, tmp_path_factory)
