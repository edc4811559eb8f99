"""Packaging traps: highspy and OR-Tools in one process; the console script; lazy imports."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BOTH_ORDERS = [
    "import highspy; from ortools.graph.python import min_cost_flow",
    "from ortools.graph.python import min_cost_flow; import highspy",
]


@pytest.mark.parametrize("imports", BOTH_ORDERS)
def test_highspy_and_ortools_import_together(imports):
    pytest.importorskip("ortools", reason="the ortools extra is not installed")
    code = (
        f"{imports}\n"
        "h = highspy.Highs(); h.setOptionValue('output_flag', False)\n"
        "inf = highspy.kHighsInf\n"
        # min x0 + x1 s.t. x0 + x1 >= 1, 0 <= x <= 1 → optimum 1
        "h.addVars(2, [0.0, 0.0], [1.0, 1.0]); h.changeColsCost(2, [0, 1], [1.0, 1.0])\n"
        "h.addRow(1.0, inf, 2, [0, 1], [1.0, 1.0]); h.run()\n"
        "smcf = min_cost_flow.SimpleMinCostFlow(); smcf.add_arc_with_capacity_and_unit_cost(0, 1, 5, 2)\n"
        "smcf.set_node_supply(0, 3); smcf.set_node_supply(1, -3)\n"
        "assert smcf.solve() == smcf.OPTIMAL\n"
        "print(h.getInfo().objective_function_value, smcf.optimal_cost())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1].split() == ["1.0", "6"]  # HiGHS >= 1.13 prints a banner first


def test_pyomo_appsi_highs_is_available_with_ortools_loaded():
    pytest.importorskip("ortools", reason="the ortools extra is not installed")
    code = (
        "from ortools.graph.python import min_cost_flow\n"
        "from pyomo.contrib.appsi.solvers import Highs\n"
        "print(bool(Highs().available()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "True"


def test_console_script_runs():
    exe = shutil.which("lbopt") or str(__import__("pathlib").Path(sys.executable).parent / "lbopt")
    out = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "generate" in out.stdout
    assert "solve" in out.stdout
    version = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert "0.1.0" in version.stdout


def test_every_source_folder_is_a_package():
    """A folder of modules without __init__.py is left out of the installed package (it happened once)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for top in ("lbopt", "formulations"):
        for folder in [root / top, *(p for p in (root / top).rglob("*") if p.is_dir())]:
            if folder.name == "__pycache__" or not any(folder.glob("*.py")):
                continue
            assert (folder / "__init__.py").is_file(), f"{folder.relative_to(root)} lacks __init__.py"


def test_layers_keep_their_direction_and_their_privates():
    """formulations never imports lbopt (the design's one-way data flow), and no module imports another's _private
    names."""
    import ast

    root = Path(__file__).resolve().parents[1]
    for package in ("lbopt", "formulations"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module:
                    top = node.module.split(".")[0]
                    assert not (package == "formulations" and top == "lbopt"), f"{path} imports {node.module}"
                    private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                    assert not (top in ("lbopt", "formulations") and private), f"{path}: {node.module} {private}"
                if isinstance(node, ast.Import) and package == "formulations":
                    assert all(a.name.split(".")[0] != "lbopt" for a in node.names), f"{path} imports lbopt"
