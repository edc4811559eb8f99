"""Where a result comes from: lbopt's version and git commit, the command line, the seed, the engine, the date."""

from __future__ import annotations

import functools
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lbopt._version import __version__

__all__ = ["git_commit", "provenance"]


@functools.cache
def git_commit() -> str | None:
    """The commit of the lbopt source when it runs from a git checkout (``+dirty`` with uncommitted changes)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def provenance(seed: int | None, engine: str | None = None, requested: str | None = None) -> dict[str, Any]:
    """The ``provenance`` section of ``result.json``; the command line is the process's when run as ``lbopt``."""
    argv = sys.argv
    command = " ".join(["lbopt", *argv[1:]]) if argv and Path(argv[0]).name in ("lbopt", "cli.py") else None
    return {
        "lbopt_version": __version__,
        "git_commit": git_commit(),
        "command_line": command,
        "seed": seed,
        "engine": engine,
        "engine_requested": requested,
        "engine_reason": None
        if requested is None
        else "chosen by auto: by the problem, never by which optional solvers are installed"
        if requested == "auto"
        else "requested",
        "python": platform.python_version(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
