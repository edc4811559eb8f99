"""Property-based tests of the loader: random instances round-trip; random corruptions never escape as tracebacks."""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lbopt.instance import Instance, InstanceError, load_instance, save_instance
from tests.test_instance_io import assert_same_instance

ids = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=8)
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
nonneg = st.floats(0, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def instances(draw) -> Instance:
    cell_ids = draw(st.lists(ids, min_size=1, max_size=12, unique=True))
    n = len(cell_ids)
    cells = pd.DataFrame(
        {
            "id": cell_ids,
            "x_m": draw(st.lists(finite, min_size=n, max_size=n)),
            "y_m": draw(st.lists(finite, min_size=n, max_size=n)),
            "tier": draw(st.lists(st.sampled_from(["macro", "pico", "small"]), min_size=n, max_size=n)),
            "n_prb": draw(st.lists(st.integers(1, 275), min_size=n, max_size=n)),
            "prb_demand": draw(st.lists(nonneg, min_size=n, max_size=n)),
        }
    )
    pairs = [(a, b) for i, a in enumerate(cell_ids) for b in cell_ids[i + 1 :]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=10)) if pairs else []
    links = pd.DataFrame(
        {
            "a": [p[0] for p in chosen],
            "b": [p[1] for p in chosen],
            "capacity_ab": draw(st.lists(nonneg, min_size=len(chosen), max_size=len(chosen))),
            "cio_db": draw(st.lists(st.floats(-6, 6), min_size=len(chosen), max_size=len(chosen))),
        }
    )
    k = draw(st.integers(0, 15))
    users = pd.DataFrame(
        {
            "id": [f"u{i}" for i in range(k)],
            "x_m": draw(st.lists(finite, min_size=k, max_size=k)),
            "y_m": draw(st.lists(finite, min_size=k, max_size=k)),
            "demand_bps": draw(st.lists(nonneg, min_size=k, max_size=k)),
            "serving": pd.Series(
                draw(st.lists(st.one_of(st.none(), st.sampled_from(cell_ids)), min_size=k, max_size=k)), dtype=object
            ),
        }
    )
    return Instance(
        name=draw(ids),
        cells=cells,
        links=links if len(links) else None,
        users=users if k else None,
        seed=draw(st.one_of(st.none(), st.integers(0, 2**31))),
    )


def _normalised(inst: Instance, tmp: Path) -> Instance:
    """What the loader makes of an in-memory instance (types as the schema says)."""
    save_instance(inst, tmp / "n.yaml", tables="inline")
    return load_instance(tmp / "n.yaml")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(), mode=st.sampled_from(["inline", "csv", "parquet"]))
def test_load_save_load_is_identity(inst, mode):
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        first = _normalised(inst, tmp)
        np.testing.assert_array_equal(first.cells["x_m"].to_numpy(), inst.cells["x_m"].to_numpy())
        save_instance(first, tmp / "r.yaml", tables=mode)
        assert_same_instance(first, load_instance(tmp / "r.yaml"))


def assert_valid_or_clean_error(path: Path, tmp: Path) -> None:
    """Loading either succeeds or raises InstanceError naming a file in ``tmp``; anything else fails the test."""
    where = str(tmp)
    try:
        load_instance(path)
    except InstanceError as err:
        where = err.file
    assert where.startswith(str(tmp)), where


def _corrupt(doc: dict, draw) -> dict:
    """Replace one value somewhere in the document by something arbitrary."""
    junk = st.one_of(
        st.none(),
        st.integers(),
        st.floats(),
        st.text(max_size=5),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(doc, ())
    path = draw(st.sampled_from(paths[1:]))
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = draw(junk)
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_corruption_is_a_clean_error_or_valid(data, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corrupt")
    doc = yaml.safe_load((Path(__file__).parents[1] / "instances" / "tiny.yaml").read_text())
    doc = _corrupt(doc, data.draw)
    path = tmp / "c.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert_valid_or_clean_error(path, tmp)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(list(":-[]{},#'\"\t\n x0.&*!|>%@`"))), max_size=4)
)
def test_random_text_edits_are_a_clean_error_or_valid(edits, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("edit")
    text = list((Path(__file__).parents[1] / "instances" / "tiny.yaml").read_text())
    for pos, ch in edits:
        text[pos % len(text)] = ch
    path = tmp / "e.yaml"
    path.write_text("".join(text))
    assert_valid_or_clean_error(path, tmp)
