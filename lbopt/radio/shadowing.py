"""Seeded log-normal shadowing, a pure function of (seed, user, cell).

Each (user, cell) pair gets an independent N(0, σ²) value in dB from a counter-based generator: the 64-bit
keys of the user and the cell and the seed are mixed with SplitMix64, turned into a uniform in (0, 1) and then
into a normal by the inverse CDF. The value of a pair does not depend on chunking, on the order of the users, on
which other users or cells exist, or on whether nearest-cell pruning is used — the same command gives the same
numbers, and a pruned evaluation sees exactly the shadowing of the full one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def id_keys(ids: pd.Series | np.ndarray) -> np.ndarray:
    """Stable 64-bit keys of identifiers (pandas' vectorised hash, independent of position)."""
    return pd.util.hash_array(np.asarray(ids, dtype=object), categorize=False)


def shadowing_db(user_keys: np.ndarray, cell_keys: np.ndarray, seed: int, std_db: float) -> np.ndarray:
    """Shadowing (users × cells) in dB; zeros when ``std_db`` is 0.

    ``user_keys`` may be 1-D (all cells per user) or 2-D (one key per candidate, the cell keys then of the same shape).
    """
    if std_db == 0:
        shape = (len(user_keys), len(cell_keys)) if np.ndim(cell_keys) == 1 else np.shape(cell_keys)
        return np.zeros(shape)
    with np.errstate(over="ignore"):
        seed_key = _splitmix64(np.uint64(seed) * _GOLDEN)
        u = _splitmix64(np.asarray(user_keys, np.uint64) ^ seed_key)
        if np.ndim(cell_keys) == 1:
            mixed = _splitmix64(u[:, None] * np.uint64(0xD6E8FEB86659FD93) ^ np.asarray(cell_keys, np.uint64)[None, :])
        else:
            mixed = _splitmix64(u[:, None] * np.uint64(0xD6E8FEB86659FD93) ^ np.asarray(cell_keys, np.uint64))
    uniform = ((mixed >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)
    return std_db * ndtri(uniform)
