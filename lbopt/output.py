"""Result folders written whole: a run writes a temporary sibling folder and swaps it into place.

So a folder never mixes two runs (a second solve into the same ``--out`` leaves no file of the first), and a run
killed at any moment leaves the old folder or the new one. On Linux the swap is one ``renameat2(RENAME_EXCHANGE)``
call; where that is missing, the old folder is renamed aside and the new one renamed in (two renames, each atomic).

:func:`check_out` refuses, before any work, an ``--out`` that cannot be written or that is, or contains, the
instance's own files.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from lbopt.errors import OutputError

__all__ = ["check_out", "replaced_folder"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def check_out(out: str | os.PathLike, protected: Iterable[str | os.PathLike] = (), flag: str = "--out") -> Path:
    """``out`` as a path, after checking that a result folder can be written there.

    Raises
    ------
    OutputError
        when ``out`` is a file, lies under a file, cannot be created or written, or holds any of ``protected``
        (the instance's own files).
    """
    path = Path(out)
    resolved = path.resolve()
    for f in protected:
        f = Path(f).resolve()
        if f == resolved or resolved in f.parents:
            raise OutputError(
                f"{flag} {out}: the folder holds the instance's own file {f.name}; a result folder is replaced "
                "whole, so write it elsewhere"
            )
    if path.exists() and not path.is_dir():
        raise OutputError(f"{flag} {out}: not a folder")
    ancestor = resolved.parent  # the folder the result folder's temporary sibling is made in, or its nearest ancestor
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{flag} {out}: {ancestor} is a file, so no folder can be made under it")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"{flag} {out}: cannot write in {ancestor}")
    return path


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where the call is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _umask_dir_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def _swap_in(tmp: Path, target: Path) -> None:
    if not target.exists():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp)  # tmp now holds the old folder
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rename(target, old / target.name)
    os.rename(tmp, target)
    shutil.rmtree(old)


@contextlib.contextmanager
def replaced_folder(out: str | os.PathLike, keep: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling of ``out`` to write into; on success it replaces ``out`` whole.

    ``keep=True`` starts the temporary folder with the files of ``out`` (hard links where possible), for adding a
    file to a folder (``lbopt report``) in the same all-or-nothing way. On any error ``out`` is left as it was.
    """
    target = Path(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        if keep and target.is_dir():
            tmp.rmdir()
            shutil.copytree(target, tmp, copy_function=_link_or_copy)
        yield tmp
        os.chmod(tmp, _umask_dir_mode())
        _swap_in(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
