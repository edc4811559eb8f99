"""What every number lbopt reports means: one data file (``glossary.csv``: section, key, unit, meaning) that the
reports use for their tooltips and units, that the documentation's result-format page is generated from, and that a
test holds against every key the methods emit.

Sections: ``evaluation`` (the keys every method's evaluation has), ``comparison`` (the columns a comparison adds),
``metrics`` (each method's own numbers), ``result`` (the other keys of ``result.json``), and one section per CSV
file a result folder may hold (``users.csv``, ``cells.csv``, ...), whose keys are its columns. A key of the first
four sections means one thing wherever it appears in ``result.json``.

Examples
--------
>>> meaning("gap_max_load").startswith("(max_load_after − max_load_bound)")
True
>>> unit("ongrid_power_w"), unit("ldi_after"), unit("delta_p_l1")
('W', '', 'dB')
>>> meaning("serving_after", "users.csv")
'serving cell after the method'
"""

from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

__all__ = ["RESULT_SECTIONS", "glossary", "meaning", "unit"]

#: sections whose keys are keys of ``result.json``, in the order a key without a section is looked up
RESULT_SECTIONS = ("evaluation", "comparison", "metrics", "result")


@functools.lru_cache(maxsize=1)
def glossary() -> pd.DataFrame:
    """The whole glossary.

    Returns
    -------
    pandas.DataFrame
        One row per (``section``, ``key``) with its ``unit`` and ``meaning``, in the file's order.
    """
    with resources.files("lbopt").joinpath("glossary.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, keep_default_na=False, dtype=str)


@functools.lru_cache(maxsize=64)
def _lookup(section: str | None) -> dict[str, tuple[str, str]]:
    table = glossary()
    sections = RESULT_SECTIONS if section is None else (section,)
    out: dict[str, tuple[str, str]] = {}
    for name in sections:  # the first section that defines a key wins
        part = table[table["section"] == name]
        for key, u, text in zip(part["key"], part["unit"], part["meaning"], strict=True):
            out.setdefault(key, (u, text))
    return out


def meaning(key: str, section: str | None = None) -> str | None:
    """What a key of ``result.json`` or a column of a result's CSV file means.

    Parameters
    ----------
    key : str
        The key or column name.
    section : str, optional
        A CSV file's name (``"users.csv"``) for its columns; omitted, ``key`` is looked up as a ``result.json`` key
        (evaluation, comparison, metrics, then the other keys).

    Returns
    -------
    str or None
        The meaning, or None when the glossary does not define the key.
    """
    entry = _lookup(section).get(key)
    return entry[1] if entry else None


def unit(key: str, section: str | None = None) -> str:
    """The unit of a key or column.

    Parameters
    ----------
    key : str
        The key or column name.
    section : str, optional
        As for :func:`meaning`.

    Returns
    -------
    str
        ``"dB"``, ``"W"``, ``"PRB"``, ``"s"``, ``"share"`` (a fraction 0 … 1), ...; ``""`` for dimensionless or
        unknown keys.
    """
    entry = _lookup(section).get(key)
    return entry[0] if entry else ""
