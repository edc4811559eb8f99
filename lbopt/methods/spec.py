"""What a method and a family say about themselves: the single source every layer reads.

A :class:`MethodSpec` names the function that runs the method, its family, what it needs from an instance, and
its parameter model (pydantic): the only copy of each parameter's default, unit, range and meaning. The instance
file's ``methods.<section>`` gives values for the fields it shares with the model; command-line flags and keyword
arguments override them; the model validates the result, so a flag gets exactly the check the file gets.

A :class:`Family` says how its methods are compared (the comparison table) and which report sections show one of
its results. Nothing outside a method's module and its spec needs to know the method's name.
"""

from __future__ import annotations

import importlib
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from lbopt.errors import InvalidParameter
from lbopt.instance.schema import StrictModel

__all__ = ["Family", "MethodSpec", "NoParams", "ParamInfo", "load_target", "param_info"]


class NoParams(StrictModel):
    """A method without parameters."""


def load_target(target: str) -> Callable[..., Any]:
    """``"package.module:name"`` → the object (imported on first use, as cvxpy's ``CANON_METHODS``)."""
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class ParamInfo:
    """One parameter as ``lbopt methods`` and the flag help show it."""

    name: str
    kind: str  # float | int | bool | str | choice
    default: Any
    unit: str
    range: str
    choices: tuple[str, ...]
    description: str

    @property
    def flag(self) -> str:
        """The command-line flag (``--load-gap`` for ``load_gap``)."""
        return "--" + self.name.replace("_", "-")


def _bounds(metadata: list) -> str:
    parts = []
    for m in metadata:
        for attr, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            value = getattr(m, attr, None)
            if value is not None:
                parts.append(f"{sym} {value:g}")
    return ", ".join(parts)


def param_info(model: type[BaseModel]) -> list[ParamInfo]:
    """The parameters of ``model`` in declaration order."""
    out = []
    for name, f in model.model_fields.items():
        ann = f.annotation
        args = [a for a in typing.get_args(ann) if a is not type(None)] if typing.get_origin(ann) else [ann]
        base = args[0] if len(args) == 1 else ann
        choices: tuple[str, ...] = ()
        if typing.get_origin(base) is typing.Literal:
            kind, choices = "choice", tuple(str(c) for c in typing.get_args(base))
        else:
            kind = {float: "float", int: "int", bool: "bool", str: "str"}.get(base, "str")
        extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
        rng = " | ".join(choices) if choices else _bounds(f.metadata)
        out.append(ParamInfo(name, kind, f.default, str(extra.get("unit", "")), rng, choices, f.description or ""))
    return out


@dataclass(frozen=True)
class Family:
    """What a family of methods contributes to ``compare`` and to the report.

    Attributes
    ----------
    name, summary : shown by ``lbopt methods``.
    comparison : families whose methods compare in one table share this name.
    compare_table : ``"module:function"``, ``(instance, results[, references]) -> DataFrame``: one row per method,
        measured alike (or a dict of tables whose ``comparison`` is that one; ``references``: certified references
        run without a row, given only when there are some).
    report : ``"module:function"``, ``(data, tables, folder) -> list[str]``: HTML sections of one result.
    compare_report : the same for a comparison folder of this family's comparison.
    evaluate : ``"module:function"``, ``(instance, result) -> dict | None``: the ``evaluation`` section, measured
        from the method's final state the same way for every method of the family (``None``: not yet measured).
    """

    name: str
    summary: str
    comparison: str
    compare_table: str
    report: str | None = None
    compare_report: str | None = None
    evaluate: str | None = None


@dataclass(frozen=True)
class MethodSpec:
    """One method: the function that runs it and everything the other layers need to know of it.

    Attributes
    ----------
    name : the method's name (``--method``).
    target : ``"module:function"``; called as ``function(instance, progress=..., **params)``.
    family : name of its :class:`Family`.
    summary : one line for ``lbopt methods`` and ``lbopt check``.
    params : the parameter model; its fields are the function's keyword arguments.
    section : the instance's ``methods.<section>`` that gives values for the fields it shares with ``params``.
    needs : names of :data:`lbopt.methods.REQUIREMENTS` the instance must meet.
    progress : what the progress callback counts (``"users"``), or ``None`` when the method reports none.
    reference : a certified reference of its comparison (a bound the others' gaps are measured against); it runs
        after the other methods and its function also takes ``level=`` (the evaluation level) and ``others=`` (their
        results, so that its bound can cover their final states).
    """

    name: str
    target: str
    family: str
    summary: str
    params: type[BaseModel] = NoParams
    section: str | None = None
    needs: tuple[str, ...] = ()
    progress: str | None = None
    reference: bool = False

    def load(self) -> Callable[..., Any]:
        """The function that runs the method (imported on first use)."""
        return load_target(self.target)

    @property
    def engines(self) -> tuple[str, ...]:
        """The engines the method can run on (the choices of its ``engine`` parameter)."""
        info = {p.name: p for p in param_info(self.params)}
        return info["engine"].choices if "engine" in info else ()

    def resolve(self, section_values: dict[str, Any], given: dict[str, Any]) -> BaseModel:
        """Validate ``given`` (flags / keyword arguments) over ``section_values`` (the instance file's)."""
        fields = self.params.model_fields
        unknown = [k for k in given if k not in fields]
        if unknown:
            flags = ", ".join("--" + k.replace("_", "-") for k in unknown)
            takes = ", ".join("--" + k.replace("_", "-") for k in fields) or "no parameters"
            raise InvalidParameter(f"method '{self.name}' does not take {flags}; it takes {takes}")
        values = {k: v for k, v in section_values.items() if k in fields}
        values.update(given)
        try:
            return self.params.model_validate(values)
        except ValidationError as exc:
            raise InvalidParameter(_describe(self.name, exc, set(given))) from None


def _describe(method: str, exc: ValidationError, from_flags: set[str]) -> str:
    errs = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "?"
        where = "--" + name.replace("_", "-") if name in from_flags else f"methods field '{name}'"
        errs.append(f"{where}: {err['msg'].lower()} (got {err.get('input')!r})")
    return f"method '{method}': " + "; ".join(errs)
