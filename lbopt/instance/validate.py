"""Column-wise validation of the instance tables, one ``check_*`` function per rule.

Every check is vectorised over the rows and raises :class:`InstanceError` naming the file, the field
(``table.column``) and the first offending row. :func:`validate_tables` runs them in order and returns the
tables with their columns converted to the schema's types (``float64``, ``int64``, Python ``str`` with ``None``
for a missing reference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.instance.errors import InstanceError, did_you_mean, short_repr
from lbopt.instance.schema import TIERS, ColumnSpec, column_specs


class TableSource:
    """Where a table came from, for error messages: the file and how rows are numbered there."""

    def __init__(self, file: str, kind: str):
        self.file = file
        self.kind = kind  # inline | csv | parquet

    def where(self, row: int) -> str:
        """Where row ``row`` is in the file, for error messages (the CSV line; nothing for inline tables)."""
        return f" (line {row + 2} of the CSV file)" if self.kind == "csv" else ""


_MAX_EXACT_INT = 2.0**53  # integers beyond this are not exact in float64 and no count in a network is that large


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def check_columns(table: str, df: pd.DataFrame, src: TableSource) -> None:
    """Unknown columns are refused (with a suggestion); required columns must be present."""
    specs = column_specs()[table]
    if len(df) == 0 and table == "cells":
        raise InstanceError(src.file, table, "the table has no rows; expected at least one cell")
    for col in df.columns:
        if col not in specs:
            raise InstanceError(
                src.file,
                f"{table}.{str(col)[:40]}",
                f"unknown column {short_repr(str(col), 40)}{did_you_mean(col, specs)}; expected some of {list(specs)}",
            )
    for spec in specs.values():
        if spec.required and spec.column not in df.columns:
            raise InstanceError(src.file, f"{table}.{spec.column}", f"required column '{spec.column}' is missing")


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def _missing(values: pd.Series) -> np.ndarray:
    """Missing: NA, or a blank string (vectorised; object columns of other types are checked element-wise)."""
    missing = values.isna().to_numpy().copy()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        if _is_text(values):
            missing |= (values.astype(object).str.strip() == "").fillna(False).to_numpy(dtype=bool)
        else:
            missing |= values.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool)
    return missing


def check_present(spec: ColumnSpec, values: pd.Series, src: TableSource) -> None:
    """A column that is given must have a value in every row, unless the schema says it may be empty."""
    if spec.nullable:
        return
    missing = _missing(values)
    if missing.any():
        row = _first(missing)
        raise InstanceError(
            src.file,
            f"{spec.table}.{spec.column}",
            f"missing or NaN value{src.where(row)}; expected {expected_text(spec)}",
            row=row,
        )


def expected_text(spec: ColumnSpec) -> str:
    """What a column expects, in words (type and bounds), for error messages."""
    if spec.dtype in ("float", "int"):
        kind = "an integer" if spec.dtype == "int" else "a finite number"
        bounds = []
        if spec.minimum is not None:
            bounds.append(f"{'>' if spec.minimum_exclusive else '>='} {spec.minimum:g}")
        if spec.maximum is not None:
            bounds.append(f"<= {spec.maximum:g}")
        unit = f" {spec.unit}" if spec.unit else ""
        return kind + (" " + " and ".join(bounds) if bounds else "") + unit
    if spec.dtype == "tier":
        return f"one of {list(TIERS)}"
    if spec.ref:
        return f"the id of a row of '{spec.ref}'"
    return "a non-empty identifier"


def check_not_binary(spec: ColumnSpec, values: pd.Series, src: TableSource) -> None:
    """Identifiers are text: bytes (a Parquet binary column) would turn into "b'u0'" silently."""
    if values.dtype == object and not _is_text(values):  # all-text columns (the large ones) skip the element scan
        binary = values.map(lambda v: isinstance(v, (bytes, bytearray))).to_numpy(dtype=bool)
        if binary.any():
            row = _first(binary)
            raise InstanceError(
                src.file,
                f"{spec.table}.{spec.column}",
                f"got binary data {short_repr(values.iloc[row])}{src.where(row)}; expected text",
                row=row,
            )


def check_numeric(spec: ColumnSpec, values: pd.Series, src: TableSource) -> pd.Series:
    """Numbers must parse, be finite, be integral for ``int`` columns and lie within the bounds."""
    field = f"{spec.table}.{spec.column}"
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(values):
        raise InstanceError(
            src.file, field, f"is a {values.dtype} column (a date or a duration); expected {expected_text(spec)}"
        )
    try:
        numbers = pd.to_numeric(values, errors="coerce")
    except OverflowError:  # an integer beyond any float (hundreds of digits)
        huge = values.map(lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) > 1e308).to_numpy(bool)
        row = _first(huge)
        raise InstanceError(
            src.file,
            field,
            f"got {short_repr(values.iloc[row])}: too large a number; expected {expected_text(spec)}",
            row=row,
        ) from None
    bad_parse = numbers.isna().to_numpy() & ~values.isna().to_numpy()
    # bools parse as numbers in pandas; a boolean where a quantity is expected is a mistake
    if values.dtype == bool:
        bad_parse |= True
    elif values.dtype == object:
        bad_parse |= values.map(lambda v: isinstance(v, bool)).to_numpy(dtype=bool)
    if bad_parse.any():
        row = _first(bad_parse)
        raise InstanceError(
            src.file,
            field,
            f"got {short_repr(values.iloc[row])}{src.where(row)}; expected {expected_text(spec)}",
            row=row,
        )
    arr = numbers.to_numpy(dtype=float)
    present = ~np.isnan(arr) if spec.nullable else np.ones(len(arr), bool)
    checks = [(~np.isfinite(arr) & present, "is not finite")]
    if spec.dtype == "int":
        checks.append((np.isfinite(arr) & (arr != np.round(arr)), "is not an integer"))
        checks.append((np.abs(arr) > _MAX_EXACT_INT, "is out of range"))
    if spec.minimum is not None:
        low = arr <= spec.minimum if spec.minimum_exclusive else arr < spec.minimum
        checks.append((low & present, "is out of range"))
    if spec.maximum is not None:
        checks.append((arr > spec.maximum, "is out of range"))
    for mask, what in checks:
        if mask.any():
            row = _first(mask)
            raise InstanceError(
                src.file,
                field,
                f"value {short_repr(arr[row])} {what}{src.where(row)}; expected {expected_text(spec)}",
                row=row,
            )
    if spec.dtype == "int":
        return pd.Series(arr.astype(np.int64), index=values.index, name=spec.column)
    return pd.Series(arr, index=values.index, name=spec.column)


def _as_text(values: pd.Series) -> pd.Series:
    """Identifiers as Python ``str`` (``None`` when missing); integral numbers lose their ``.0``."""
    if _is_text(values):  # the common, large case (CSV/Parquet with dtype str): vectorised
        text = values.astype(object).where(values.notna(), None)
        stripped = text.str.strip()
        return stripped.where(stripped.notna() & (stripped != ""), None).astype(object).rename(values.name)

    def conv(v: object) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v).strip()
        return text or None

    return pd.Series([conv(v) for v in values], index=values.index, name=values.name, dtype=object)


def check_unique(spec: ColumnSpec, values: pd.Series, src: TableSource) -> None:
    """Identifiers are unique within their table."""
    dup = values.duplicated().to_numpy()
    if dup.any():
        row = _first(dup)
        raise InstanceError(
            src.file,
            f"{spec.table}.{spec.column}",
            f"duplicate id '{values.iloc[row]}'{src.where(row)}; ids must be unique",
            row=row,
        )


def check_tier(spec: ColumnSpec, values: pd.Series, src: TableSource) -> None:
    """Refuse a tier outside macro, micro, pico, femto and small, naming the row."""
    bad = ~values.isin(TIERS).to_numpy()
    if bad.any():
        row = _first(bad)
        v = values.iloc[row]
        raise InstanceError(
            src.file,
            f"{spec.table}.{spec.column}",
            f"unknown tier '{v}'{did_you_mean(v, TIERS)}{src.where(row)}; expected one of {list(TIERS)}",
            row=row,
        )


def check_reference(spec: ColumnSpec, values: pd.Series, ids: pd.Series, src: TableSource) -> None:
    """A reference names an existing row of the referenced table."""
    known = values.isin(ids).to_numpy() | values.isna().to_numpy()
    if not known.all():
        row = _first(~known)
        v = values.iloc[row]
        raise InstanceError(
            src.file,
            f"{spec.table}.{spec.column}",
            f"names unknown {spec.ref[:-1] if spec.ref.endswith('s') else spec.ref} '{v}'"
            f"{did_you_mean(v, ids.head(10000))}{src.where(row)}; expected {expected_text(spec)}",
            row=row,
        )


def check_links(df: pd.DataFrame, src: TableSource) -> None:
    """A link joins two different cells and each unordered pair appears once."""
    same = (df["a"] == df["b"]).to_numpy()
    if same.any():
        row = _first(same)
        raise InstanceError(src.file, "links.b", f"link joins cell '{df['a'].iloc[row]}' to itself", row=row)
    lo = np.where(df["a"] < df["b"], df["a"], df["b"])
    hi = np.where(df["a"] < df["b"], df["b"], df["a"])
    dup = pd.DataFrame({"lo": lo, "hi": hi}).duplicated().to_numpy()
    if dup.any():
        row = _first(dup)
        raise InstanceError(src.file, "links", f"pair ({lo[row]}, {hi[row]}) appears twice{src.where(row)}", row=row)


def check_pairs_unique(df: pd.DataFrame, table: str, cols: list[str], src: TableSource) -> None:
    """Refuse a pair of ``cols`` that appears twice, naming the row."""
    dup = df.duplicated(subset=cols).to_numpy()
    if dup.any():
        row = _first(dup)
        pair = tuple(df[c].iloc[row] for c in cols)
        raise InstanceError(src.file, table, f"{cols} pair {pair} appears twice{src.where(row)}", row=row)


def check_geometry_pairs(table: str, df: pd.DataFrame, src: TableSource) -> None:
    """Coordinates come in pairs: ``x_m`` without ``y_m`` (or the reverse) is refused."""
    if ("x_m" in df.columns) != ("y_m" in df.columns):
        missing = "y_m" if "x_m" in df.columns else "x_m"
        raise InstanceError(src.file, f"{table}.{missing}", "coordinates need both x_m and y_m")


def normalise_table(table: str, df: pd.DataFrame, src: TableSource) -> pd.DataFrame:
    """Check one table on its own (no cross-table references) and convert it to the schema's types."""
    check_columns(table, df, src)
    check_geometry_pairs(table, df, src)
    specs = column_specs()[table]
    out = {}
    for name, spec in specs.items():
        if name not in df.columns:
            continue
        values = df[name].reset_index(drop=True)
        if spec.default is not None:
            values = values.where(~_missing(values), spec.default)
        check_present(spec, values, src)
        if spec.is_text:
            check_not_binary(spec, values, src)
            text = _as_text(values)
            check_present(spec, text, src)
            if spec.dtype == "id":
                check_unique(spec, text, src)
            elif spec.dtype == "tier":
                check_tier(spec, text, src)
            out[name] = text
        else:
            out[name] = check_numeric(spec, values, src)
    return pd.DataFrame(out, columns=[c for c in specs if c in df.columns])


def check_references(tables: dict[str, pd.DataFrame], sources: dict[str, TableSource]) -> None:
    """Cross-table rule: every ``ref:`` column names rows that exist."""
    for table, df in tables.items():
        for name, spec in column_specs()[table].items():
            if spec.ref and name in df.columns:
                target = tables.get(spec.ref)
                if target is None:
                    raise InstanceError(
                        sources[table].file, f"{table}.{name}", f"refers to table '{spec.ref}', which is absent"
                    )
                check_reference(spec, df[name], target["id"], sources[table])
    if "links" in tables:
        check_links(tables["links"], sources["links"])
    if "rates" in tables:
        check_pairs_unique(tables["rates"], "rates", ["location", "cell"], sources["rates"])
        if "locations" in tables:
            check_every_location_served(tables["locations"], tables["rates"], sources["locations"])


def check_every_location_served(locations: pd.DataFrame, rates: pd.DataFrame, src: TableSource) -> None:
    """Every location has a rate to at least one cell (an association needs somewhere to send its traffic)."""
    without = ~locations["id"].isin(rates["location"]).to_numpy()
    if without.any():
        row = _first(without)
        raise InstanceError(
            src.file,
            "locations.id",
            f"location '{locations['id'].iloc[row]}' has no allowed cell in the rates table "
            f"({int(without.sum())} location(s) have none){src.where(row)}",
            row=row,
        )
