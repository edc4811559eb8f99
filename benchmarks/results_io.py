"""Shared by the benchmark scripts: peak memory of this process and writing the result rows."""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_rows(rows: list[dict], out: str | Path) -> Path:
    """Write the rows as JSON; a relative ``out`` is relative to the repository root (``benchmarks/results/...``),
    wherever the script is run from."""
    out = Path(out)
    if not out.is_absolute():
        out = Path(__file__).resolve().parents[1] / out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")
    return out


def run_in_fresh_processes(
    script: str, cases: Iterable[str], run_case: Callable[[str], dict], default_out: str
) -> None:
    """The command line of a benchmark script: ``--case NAME`` runs one case here and prints its row; without it,
    every case runs in a fresh process of ``script`` (its own peak memory) and the rows go to ``--out``."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=default_out)
    ap.add_argument("--case", default=None)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    rows = []
    for name in cases:
        out = subprocess.run([sys.executable, script, "--case", name], capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row.update(machine=f"{platform.machine()}, {platform.python_version()}", date=str(date.today()))
        print(row)
        rows.append(row)
    print(f"wrote {write_rows(rows, Path(args.out))}")
