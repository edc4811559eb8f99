"""What the MILP formulations share: HiGHS' version, a quiet stdout while it runs, the gap and the settled bound."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from formulations.errors import SolverError

__all__ = [
    "BOUND_NOISE",
    "MilpRun",
    "highs_version",
    "new_highs",
    "quiet_stdout",
    "relative_gap",
    "run_milp",
    "settled_bound",
]


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """HiGHS 1.12's MIP solver prints a debug line to the C stdout whatever ``output_flag`` says
    (ERGO-Code/HiGHS#2783, fixed upstream); the C-level stdout points at /dev/null while it runs."""
    fd = 1  # the C library writes to file descriptor 1 whatever Python's sys.stdout is (a capture, a notebook)
    try:
        os.fstat(fd)
    except OSError:  # no stdout at all: nothing to protect
        yield
        return
    import ctypes

    libc = ctypes.CDLL(None)
    with contextlib.suppress(AttributeError, OSError, ValueError):
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
    """(value − bound) / |value|, 0 when the two agree within the solver's noise."""
    if value <= 0 or value - bound <= BOUND_NOISE * abs(value):
        return 0.0
    return (value - bound) / abs(value)


def settled_bound(value: float, bound: float) -> float:
    """The bound, not above the value, and equal to it within :data:`BOUND_NOISE`."""
    return value if value - bound <= BOUND_NOISE * max(abs(value), 1e-12) else bound


def new_highs():
    """A silent :class:`highspy.Highs`: HiGHS ≥ 1.13 prints its banner to the C stdout when the object is built,
    before ``output_flag`` can be set, so it is built with stdout pointed at /dev/null."""
    import highspy

    with quiet_stdout():
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
    return h


def highs_version() -> str:
    """The HiGHS version string."""
    h = new_highs()
    try:
        return h.version()
    except AttributeError:  # older bindings
        import highspy

        return getattr(highspy, "__version__", "unknown")


@dataclass
class MilpRun:
    """One HiGHS MILP run: every column's value (when it found a solution), the dual bound (−inf: none), its
    status words and whether the time limit stopped it."""

    x: np.ndarray | None
    bound: float
    status: str
    time_limit_hit: bool


def run_milp(h, time_limit: float, mip_gap: float, what: str) -> MilpRun:
    """Run the MILP in ``h`` within ``time_limit`` seconds to ``mip_gap``; anything but an optimum or a time limit
    is a :class:`SolverError` naming ``what``.

    A 'Solve error' is retried once with presolve off: HiGHS ≥ 1.13's presolve can drop an equality clique after
    enumerating its binaries and then fails to map its solution back (ERGO-Code/HiGHS#3216; seen here on an
    assignment MILP of 100 users); without presolve the same model solves. The status words say so.
    """
    import highspy

    h.setOptionValue("time_limit", max(float(time_limit), 0.0))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    t0 = time.perf_counter()
    with quiet_stdout():
        h.run()
    status = h.getModelStatus()
    words = h.modelStatusToString(status)
    if status == highspy.HighsModelStatus.kSolveError:
        h.setOptionValue("presolve", "off")
        h.setOptionValue("time_limit", max(float(time_limit) - (time.perf_counter() - t0), 0.0))
        h.clearSolver()
        with quiet_stdout():
            h.run()
        h.setOptionValue("presolve", "choose")
        status = h.getModelStatus()
        words = f"{h.modelStatusToString(status)} (presolve off after 'Solve error')"
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
        raise SolverError(f"HiGHS ended the {what} with '{words}'", "milp")
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value) if info.primal_solution_status == 2 else None  # feasible
    bound = float(info.mip_dual_bound)
    finite = np.isfinite(bound) and abs(bound) < 1e30
    return MilpRun(x, bound if finite else -np.inf, words, status == highspy.HighsModelStatus.kTimeLimit)
