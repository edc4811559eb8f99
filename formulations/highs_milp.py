"""What the MILP formulations share: HiGHS' version, a quiet stdout while it runs, the gap and the settled bound."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

__all__ = ["BOUND_NOISE", "highs_version", "quiet_stdout", "relative_gap", "settled_bound"]


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """HiGHS 1.12's MIP solver prints a debug line to the C stdout whatever ``output_flag`` says
    (ERGO-Code/HiGHS#2783, fixed upstream); the C-level stdout points at /dev/null while it runs."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (captured, a notebook): nothing to protect
        yield
        return
    import ctypes

    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    saved, devnull = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        libc.fflush(None)  # what HiGHS left in the C buffer goes to /dev/null, not to the restored stdout
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


#: a bound within this relative distance of the value is the value (HiGHS' dual bound carries ~1e-15 noise)
BOUND_NOISE = 1e-9


def relative_gap(value: float, bound: float) -> float:
    if value <= 0 or value - bound <= BOUND_NOISE * abs(value):
        return 0.0
    return (value - bound) / abs(value)


def settled_bound(value: float, bound: float) -> float:
    """The bound, not above the value, and equal to it within :data:`BOUND_NOISE`."""
    return value if value - bound <= BOUND_NOISE * max(abs(value), 1e-12) else bound


def highs_version() -> str:
    import highspy

    try:
        return highspy.Highs().version()
    except AttributeError:  # older bindings
        return getattr(highspy, "__version__", "unknown")
