"""Reading and writing instance files (format 1).

A file is refused before any work starts: malformed YAML, duplicate keys, unknown keys (with a suggestion),
bad values, and side tables that are missing or lack a column all raise :class:`InstanceError`.
:func:`save_instance` writes atomically (temporary files renamed into place), so a failed write leaves nothing
half-written; ``load → save → load`` gives equal data, side tables included.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from lbopt.atomic import atomic_write
from lbopt.instance.errors import InstanceError, did_you_mean, short_repr
from lbopt.instance.model import Instance
from lbopt.instance.schema import DOCUMENT_KEYS, TABLES, Document, column_specs
from lbopt.instance.validate import TableSource, check_references, expected_text, normalise_table


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A YAML loader (libyaml's C parser where PyYAML has it) that refuses duplicate keys instead of keeping the last
    one silently."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}' (line {mark.line + 1}, column {mark.column + 1})", mark
            )
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.2 core-schema scalars instead of PyYAML's YAML 1.1 ones: `yes`/`on`, `010` (octal), `12:30` (base 60) and
# `1_000` stay text as written, so an id like 010 or 12:30 is not silently turned into a number or a boolean
_CORE = {
    "tag:yaml.org,2002:bool": (r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    "tag:yaml.org,2002:int": (r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    "tag:yaml.org,2002:float": (
        r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
}
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _CORE]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, (_pattern, _first) in _CORE.items():
    _StrictLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _refuse_aliases(path: Path, text: str) -> None:
    """Refuse YAML aliases (``*name``): a few hundred bytes of nested aliases expand to gigabytes."""
    for event in yaml.parse(text, Loader=_StrictLoader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            raise InstanceError(
                str(path),
                None,
                f"YAML alias '*{event.anchor}' at line {mark.line + 1}: aliases are not allowed in an instance file "
                "(write the value out)",
            )


#: the largest instance file read (its large tables belong in CSV or Parquet side files)
MAX_YAML_BYTES = 256 * 2**20


def _read_yaml(path: Path) -> dict[str, Any]:
    if path.exists() and not path.is_file():
        raise InstanceError(str(path), None, "not a regular file (a device, a pipe or a folder cannot be an instance)")
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise InstanceError(
                str(path),
                None,
                f"larger than {MAX_YAML_BYTES >> 20} MiB; put large tables in CSV or Parquet side files",
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstanceError(str(path), None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(str(path), None, f"cannot read the file: {exc}") from None
    try:
        _refuse_aliases(path, text)
        doc = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InstanceError(str(path), None, f"malformed YAML{where}: {problem}") from None
    if not isinstance(doc, dict):
        raise InstanceError(
            str(path), None, "expected a YAML mapping at the top level (lbopt: 1, name: ..., cells: ...)"
        )
    return doc


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (sub)model at ``loc``, for a 'did you mean' suggestion."""
    import typing

    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return []
        args = [a for a in typing.get_args(current) if isinstance(a, type) and issubclass(a, BaseModel)]
        if typing.get_origin(current) is not dict and args:
            current = args[0]
    if typing.get_origin(current) is dict:
        return []
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def _pydantic_error(path: Path, exc: ValidationError) -> InstanceError:
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "str", "PathLoss"))))
    field = ".".join(str(p) for p in loc)
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(Document, loc[:-1])
        return InstanceError(
            str(path), field, f"unknown key '{key}'{did_you_mean(key, allowed)}; expected one of {allowed}"
        )
    if err["type"] == "missing":
        return InstanceError(str(path), field, "required key is missing")
    msg = err["msg"].removeprefix("Value error, ")
    return InstanceError(str(path), field, f"{msg} (got {short_repr(err.get('input'))})")


#: pandas 2's default CSV float parser may change a float's last digit (a saved instance would not load back the
#: same); its exact parser became the default in pandas 3, where the option is deprecated
_EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def _read_csv(side: Path, table: str, text_cols: dict) -> pd.DataFrame:
    """A CSV side table: no index inferred from the first column, and every row with as many fields as the header.

    Only an empty field is missing: ids such as "NA" or "NULL" stay text.
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            df = pd.read_csv(
                side, dtype=text_cols, keep_default_na=False, na_values=[""], index_col=False, **_EXACT_FLOATS
            )
        except pd.errors.ParserError:
            _refuse_ragged_rows(side, table)
            raise
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        _refuse_ragged_rows(side, table)
    return df


def _refuse_ragged_rows(side: Path, table: str) -> None:
    """Name the first CSV row whose field count differs from the header's (only on the error path: a Python scan)."""
    import csv

    with side.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        width = len(next(reader, []))
        for row, fields in enumerate(reader):
            if len(fields) > width:  # a short row reads its missing fields as empty, which the column checks name
                raise InstanceError(
                    str(side),
                    table,
                    f"has {len(fields)} fields where the header names {width} (line {row + 2} of the CSV file)",
                    row=row,
                )


def _check_inline_rows(path: Path, table: str, rows: list) -> None:
    """Every inline row a mapping, and no integer beyond any float (pandas 2 cannot even build such a column)."""
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InstanceError(str(path), table, f"expected a mapping (column: value), got {short_repr(row)}", row=i)
        for key, value in row.items():
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e308:
                col = column_specs().get(table, {}).get(key)
                expected = f"; expected {expected_text(col)}" if col is not None else ""
                raise InstanceError(
                    str(path), f"{table}.{key}", f"got {short_repr(value)}: too large a number{expected}", row=i
                )


def _read_table(path: Path, table: str, spec: Any, allow_outside: bool = False) -> tuple[pd.DataFrame, TableSource]:
    """A table given inline (list of mappings) or as ``{csv: file}`` / ``{parquet: file}``."""
    if isinstance(spec, list):
        _check_inline_rows(path, table, spec)
        if not spec:  # an empty table has the required columns and no rows
            required = [c for c, s in column_specs()[table].items() if s.required]
            return pd.DataFrame(columns=required), TableSource(str(path), "inline")
        return pd.DataFrame.from_records(spec), TableSource(str(path), "inline")
    if isinstance(spec, dict):
        kinds = [k for k in spec if k in ("csv", "parquet")]
        extra = [k for k in spec if k not in ("csv", "parquet")]
        if extra:
            k = str(extra[0])
            raise InstanceError(str(path), f"{table}.{k}", f"unknown key '{k}'{did_you_mean(k, ['csv', 'parquet'])}")
        if len(kinds) != 1 or not isinstance(spec[kinds[0]], str):
            raise InstanceError(str(path), table, "expected {csv: FILE} or {parquet: FILE}")
        kind = kinds[0]
        side = path.parent / spec[kind]
        if not allow_outside and path.parent.resolve() not in side.resolve().parents:
            raise InstanceError(
                str(path),
                f"{table}.{kind}",
                f"the side table {short_repr(spec[kind], 60)} lies outside the instance's folder; move it there, or "
                "pass lbopt --allow-outside-tables if you trust this file",
            )
        if not side.is_file():
            raise InstanceError(
                str(side), table, f"side table file not found (named in {path.name} as {kind}: {spec[kind]})"
            )
        text_cols = {c: str for c, s in column_specs()[table].items() if s.is_text}
        try:
            df = _read_csv(side, table, text_cols) if kind == "csv" else pd.read_parquet(side)
        except InstanceError:
            raise
        except Exception as exc:  # the readers raise many types; all mean "not a readable table"
            raise InstanceError(str(side), table, f"cannot read the {kind} table: {short_repr(str(exc))}") from None
        return df, TableSource(str(side), kind)
    raise InstanceError(
        str(path), table, f"expected a list of rows or {{csv: FILE}} / {{parquet: FILE}}, got {short_repr(spec)}"
    )


def _normalised(table: str, df: pd.DataFrame, src: TableSource) -> pd.DataFrame:
    """:func:`normalise_table`; Arrow-backed columns of a Parquet file are decoded lazily, so damaged data surfaces
    only here (``pyarrow.ArrowException``): the file is then not a readable table."""
    if src.kind != "parquet":
        return normalise_table(table, df, src)
    import pyarrow as pa

    try:
        return normalise_table(table, df, src)
    except (pa.ArrowException, UnicodeDecodeError) as exc:
        raise InstanceError(src.file, table, f"cannot read the parquet table: {short_repr(str(exc))}") from None


def load_instance(path: str | os.PathLike, allow_outside_tables: bool = False) -> Instance:
    """Read and validate an instance file (format 1).

    Parameters
    ----------
    path : path
        The YAML file. Side tables (``{csv: FILE}``, ``{parquet: FILE}``) are read relative to it.
    allow_outside_tables : bool
        Read side tables outside the instance's folder (refused by default: an instance from elsewhere cannot
        make lbopt read ``../../etc/passwd``).

    Returns
    -------
    Instance
        The tables as pandas DataFrames in the schema's types, the settings as pydantic models.

    Raises
    ------
    lbopt.InstanceError
        Naming the file, the field and (for tables) the row, when the file breaks format 1.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "bad.yaml"
    >>> _ = path.write_text("{lbopt: 1, name: x, cells: [{id: a, prb_demand: -3}]}")
    >>> load_instance(path)
    Traceback (most recent call last):
    ...
    lbopt.errors.InstanceError: ...bad.yaml: field 'cells.prb_demand', row 0: ...
    """
    path = Path(path)
    raw = _read_yaml(path)
    for key in raw:
        if key not in DOCUMENT_KEYS:
            raise InstanceError(
                str(path),
                str(key),
                f"unknown key '{key}'{did_you_mean(str(key), DOCUMENT_KEYS)}; expected one of {list(DOCUMENT_KEYS)}",
            )
    for key in ("lbopt", "name", "cells"):
        if key not in raw:
            raise InstanceError(str(path), key, "required key is missing")
    scalars = {k: v for k, v in raw.items() if k not in TABLES}
    for section in ("radio", "handover", "methods"):
        if section in scalars and scalars[section] is None:
            scalars.pop(section)
    try:
        doc = Document.model_validate(scalars)
    except ValidationError as exc:
        raise _pydantic_error(path, exc) from None

    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, TableSource] = {}
    for table in TABLES:
        if raw.get(table) is None:
            continue
        df, src = _read_table(path, table, raw[table], allow_outside_tables)
        tables[table] = _normalised(table, df, src)
        sources[table] = src
    check_references(tables, sources)
    return Instance(
        name=doc.name,
        cells=tables["cells"],
        links=tables.get("links"),
        users=tables.get("users"),
        locations=tables.get("locations"),
        rates=tables.get("rates"),
        mr=tables.get("mr"),
        radio=doc.radio,
        handover=doc.handover,
        methods=doc.methods,
        seed=doc.seed,
        description=doc.description,
        source=doc.source,
        path=path,
        files=(path, *dict.fromkeys(Path(src.file) for src in sources.values())),
    )


def _plain(value: Any) -> Any:
    """numpy scalars to Python, missing values dropped by the caller."""
    if hasattr(value, "item"):
        value = value.item()
    return value


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for rec in df.to_dict(orient="records"):
        row = {}
        for k, v in rec.items():
            v = _plain(v)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            row[k] = v
        rows.append(row)
    return rows


def save_instance(
    instance: Instance,
    path: str | os.PathLike,
    *,
    tables: Literal["auto", "inline", "csv", "parquet"] = "auto",
    inline_max_rows: int = 200,
) -> Path:
    """Write an instance as format 1 YAML, with large tables as side files beside it.

    Parameters
    ----------
    instance : Instance
        The instance (built in memory, generated or read).
    path : path
        The YAML file to write; side files go beside it as ``<stem>.<table>.<ext>``.
    tables : {"auto", "inline", "csv", "parquet"}
        ``inline`` keeps every table in the YAML; ``csv`` / ``parquet`` writes every table as a side file; ``auto``
        inlines tables of at most ``inline_max_rows`` rows and writes larger ones as CSV, except ``mr`` and
        ``rates``, which go to Parquet.
    inline_max_rows : int
        The ``auto`` threshold.

    Returns
    -------
    pathlib.Path
        The YAML file written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from lbopt.scenarios import hex_grid
    >>> path = save_instance(hex_grid(rings=1), Path(tempfile.mkdtemp()) / "grid.yaml")
    >>> load_instance(path).n_cells
    7
    """
    path = Path(path)
    doc: dict[str, Any] = {"lbopt": 1, "name": instance.name}
    for key in ("seed", "description", "source"):
        if getattr(instance, key) is not None:
            doc[key] = getattr(instance, key)
    side: dict[Path, pd.DataFrame] = {}
    for table in TABLES:
        df = getattr(instance, table)
        if df is None:
            continue
        mode = tables
        if mode == "auto":
            mode = "inline" if len(df) <= inline_max_rows else ("parquet" if table in ("mr", "rates") else "csv")
        if mode == "inline":
            doc[table] = _rows(df)
        else:
            side_path = path.with_name(f"{path.stem}.{table}.{mode}")
            side[side_path] = df
            doc[table] = {mode: side_path.name}
    for section in ("radio", "handover", "methods"):
        dumped = getattr(instance, section).model_dump(mode="json", exclude_defaults=True)
        if dumped:
            doc[section] = dumped

    for side_path, df in side.items():
        if side_path.suffix == ".csv":
            atomic_write(side_path, lambda p, df=df: df.to_csv(p, index=False))
        else:
            atomic_write(side_path, lambda p, df=df: df.to_parquet(p, index=False))
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=120, allow_unicode=True)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path
