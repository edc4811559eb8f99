"""Where a result comes from: lbopt's version and git commit, the command line, the seed, the engine, the date, and
the instance it was computed from (its path and a SHA-256 checksum)."""

from __future__ import annotations

import functools
import hashlib
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lbopt._version import __version__

if TYPE_CHECKING:
    from lbopt.instance.model import Instance

__all__ = ["git_commit", "instance_checksum", "provenance"]


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


def _side_files(path: Path) -> list[Path]:
    """The side tables an instance file names (``{csv: FILE}``, ``{parquet: FILE}``), in the file's table order."""
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    files = []
    for spec in doc.values() if isinstance(doc, dict) else []:
        if isinstance(spec, dict):
            files += [path.parent / str(spec[k]) for k in ("csv", "parquet") if k in spec]
    return files


def instance_checksum(instance: Instance) -> tuple[str, str]:
    """A SHA-256 checksum of the instance and what it covers.

    For an instance read from a file: the bytes of the YAML file, then of every side table it names, in order
    (``"files"``: ``sha256sum`` of those files concatenated gives the same). For an instance built in memory: its
    tables' contents (pandas' row hashes, column names) and its settings (``"tables"``).
    """
    digest = hashlib.sha256()
    if instance.path is not None and Path(instance.path).is_file():
        for file in [Path(instance.path), *_side_files(Path(instance.path))]:
            with open(file, "rb") as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest(), "files"
    import pandas as pd

    digest.update(instance.name.encode())
    for table in ("cells", "links", "users", "locations", "rates", "mr"):
        df = getattr(instance, table)
        if df is not None:
            digest.update(f"{table}:{','.join(map(str, df.columns))}".encode())
            digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    for section in (instance.radio, instance.handover, instance.methods):
        digest.update(section.model_dump_json().encode())
    return digest.hexdigest(), "tables"


def provenance(
    seed: int | None, engine: str | None = None, requested: str | None = None, instance: Instance | None = None
) -> dict[str, Any]:
    """The ``provenance`` section of ``result.json``; the command line is the process's when run as ``lbopt``."""
    argv = sys.argv
    command = " ".join(["lbopt", *argv[1:]]) if argv and Path(argv[0]).name in ("lbopt", "cli.py") else None
    where = {}
    if instance is not None:
        checksum, covers = instance_checksum(instance)
        where = {
            "instance_path": str(instance.path) if instance.path is not None else None,
            "instance_sha256": checksum,
            "instance_sha256_of": covers,
        }
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
        **where,
        "python": platform.python_version(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
