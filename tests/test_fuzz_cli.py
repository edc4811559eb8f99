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
    _invoke_cleanly(args, out, click_errors=True)
    assert _digest(instance.parent) == before, args  # inputs never touched


def _invoke_cleanly(args: list[str], out: Path, click_errors: bool = False) -> None:
    """Exit 0 with a whole result folder, or exit 2 with one line naming what is wrong and nothing written."""
    res = CliRunner().invoke(main, args)
    assert res.exit_code in (0, 2), (args, res.output, res.exception)
    assert "Traceback" not in res.output, args
    if res.exit_code == 2:
        lbopt_error = res.output.startswith("lbopt: error: ") and res.output.count("\n") == 1
        click_error = click_errors and "Error: " in res.output  # click's own refusal of a malformed flag value
        assert lbopt_error or click_error, (args, res.output)
        assert not out.exists(), args  # nothing half-written
    elif args[0] != "check":
        assert (out / "result.json").is_file(), args


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_cli_never_tracebacks(data, instances, tmp_path_factory):
    _run(data, instances, tmp_path_factory)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_cli_never_tracebacks_long(data, instances, tmp_path_factory):
    _run(data, instances, tmp_path_factory)


# -- corrupted files: YAML, CSV and Parquet damaged byte by byte or token by token, through every verb that reads them

TOKENS = [b"nan", b"inf", b"-1", b"", b"x", b"1e400", b"9" * 60, b"\x00", b"\xff\xfe", b"&a", b"*a", b"{", b"]", b":"]


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """One instance saved three ways: inline YAML, CSV side tables, Parquet side tables."""
    inst = hetnet(rings=1, busy_cells=1, busy_users=6, normal_users=3, seed=2)
    out = {}
    for kind in ("inline", "csv", "parquet"):
        folder = tmp_path_factory.mktemp(kind)
        save_instance(inst, folder / "h.yaml", tables=kind)
        out[kind] = {p.name: p.read_bytes() for p in folder.iterdir()}
    return out


def _corrupt(data, blob: bytes) -> bytes:
    how = data.draw(st.sampled_from(["flip", "truncate", "insert", "replace-token", "duplicate-line", "drop-line"]))
    if not blob:
        return blob
    at = data.draw(st.integers(0, len(blob) - 1))
    if how == "flip":
        return blob[:at] + bytes([blob[at] ^ data.draw(st.integers(1, 255))]) + blob[at + 1 :]
    if how == "truncate":
        return blob[:at]
    if how == "insert":
        return blob[:at] + data.draw(st.sampled_from(TOKENS)) + blob[at:]
    lines = blob.split(b"\n")
    i = data.draw(st.integers(0, len(lines) - 1))
    if how == "duplicate-line":
        lines.insert(i, lines[i])
    elif how == "drop-line":
        del lines[i]
    else:  # a field or value replaced by a hostile token
        parts = lines[i].split(b",") if b"," in lines[i] else lines[i].split(b" ")
        j = data.draw(st.integers(0, len(parts) - 1))
        parts[j] = data.draw(st.sampled_from(TOKENS))
        lines[i] = (b"," if b"," in lines[i] else b" ").join(parts)
    return b"\n".join(lines)


def _run_corrupted(data, originals, tmp_path_factory) -> None:
    kind = data.draw(st.sampled_from(sorted(originals)))
    files = dict(originals[kind])
    victim = data.draw(st.sampled_from(sorted(files)))
    files[victim] = _corrupt(data, files[victim])
    folder = tmp_path_factory.mktemp("bad")
    for name, blob in files.items():
        (folder / name).write_bytes(blob)
    before = _digest(folder)
    out = tmp_path_factory.mktemp("out") / "o"
    path = str(folder / "h.yaml")
    args = data.draw(
        st.sampled_from(
            [
                ["check", path],
                ["solve", path, "-m", "none", "--out", str(out)],
                ["solve", path, "-m", "max-rsrp", "--out", str(out)],
                ["solve", path, "-m", "oslb", "--out", str(out)],
                ["solve", path, "-m", "ua-opt", "--time-limit", "5", "--out", str(out)],
                ["compare", path, "--methods", "mlb,none", "--out", str(out)],
                ["validate", path, "--out", str(out)],
            ]
        )
    )
    _invoke_cleanly(args, out)
    assert _digest(folder) == before, (victim, args)  # inputs never touched


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_corrupted_files_are_refused_cleanly_or_solved(data, originals, tmp_path_factory):
    _run_corrupted(data, originals, tmp_path_factory)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_corrupted_files_are_refused_cleanly_or_solved_long(data, originals, tmp_path_factory):
    _run_corrupted(data, originals, tmp_path_factory)
