"""One executor interface for studies: local worker processes by default, a Dask cluster on request.

A study is a list of independent cases (picklable dicts) and a module-level function mapping a case to a small
result row (a dict). Rows come back in case order whatever the completion order, so results do not depend on the
executor. Seeds are derived per case from the study seed with :func:`case_seed`, never from worker state.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from lbopt.errors import SolverUnavailable


def case_seed(study_seed: int, *keys: int) -> int:
    """A 32-bit seed for one case, from the study seed and the case's integer coordinates."""
    return int(np.random.SeedSequence([int(study_seed), *map(int, keys)]).generate_state(1)[0])


def default_workers() -> int:
    """Worker processes sized to the machine (the cores this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _one_blas_thread() -> None:
    """One BLAS thread per worker process: as many workers as cores, each with a pool of BLAS threads, would
    oversubscribe the cores (and distort the running times the studies report)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _context():
    """Worker processes started from a clean interpreter: a fork of a process whose HiGHS already ran its MIP
    solver inherits a thread pool without its threads and hangs (seen with ua-opt in a study run twice)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def run_cases(
    func: Callable[[dict[str, Any]], dict[str, Any]],
    cases: Sequence[dict[str, Any]],
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Run ``func`` on every case; one row per case, in case order.

    Parameters
    ----------
    workers : local processes (``None``: one per core; 1 runs in this process).
    scheduler : address of a Dask distributed scheduler (``tcp://host:8786``); needs ``lbopt[dask]``.
    progress : called with 1 after each finished case.
    """
    rows: list[dict[str, Any] | None] = [None] * len(cases)
    if scheduler:
        try:
            from dask.distributed import Client, as_completed
        except ImportError:
            raise SolverUnavailable("--scheduler needs Dask: pip install 'lbopt[dask]'") from None
        with Client(scheduler) as client:
            client.run(_one_blas_thread)  # as the local pool: one BLAS thread per worker process
            futures = client.map(func, list(cases), pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            for future in as_completed(futures):
                rows[index[future.key]] = future.result()
                if progress:
                    progress(1)
    else:
        workers = default_workers() if workers is None else workers
        if workers <= 1 or len(cases) <= 1:
            for i, case in enumerate(cases):
                rows[i] = func(case)
                if progress:
                    progress(1)
        else:
            with ProcessPoolExecutor(max_workers=workers, initializer=_one_blas_thread, mp_context=_context()) as pool:
                for i, row in enumerate(pool.map(func, cases, chunksize=1)):
                    rows[i] = row
                    if progress:
                        progress(1)
    return pd.DataFrame(rows)


#: the range of a non-negative quantity and of a share, for :func:`mean_ci`'s ``support``
NONNEGATIVE = (0.0, np.inf)
SHARE = (0.0, 1.0)


def mean_ci(
    values: pd.Series, level: float = 0.95, support: tuple[float, float] | None = None
) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of the mean, clipped to the quantity's ``support`` when given (a
    t-interval over few drops of a non-negative quantity can reach below zero, where its mean cannot be).

    Examples
    --------
    >>> mean_ci(pd.Series([0.0, 0.1]), support=NONNEGATIVE)[1]
    0.0
    """
    from scipy import stats

    x = values.dropna().to_numpy(float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(x.mean())
    if len(x) < 2:
        return m, m, m
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    lo, hi = m - half, m + half
    if support is not None:
        lo, hi = max(lo, support[0]), min(hi, support[1])
    return m, lo, hi
