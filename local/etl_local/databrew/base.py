"""The pieces every recipe operation is built from.

An operation compiles one recipe step into a ``Transform``: the output columns (kept, set in
place or new, each with its SQL expression over the previous step's relation) plus optional
row removal, ordering or a whole-query override. The compiler applies the step's condition
expressions uniformly, so an operation only says *what* it computes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from etl_local.databrew.errors import RecipeValidationError

ROW_ID = "__brew_row"
SRC = "{__brew_src__}"  # stands for the previous step's relation in an operation's SQL

Kind = Literal["keep", "set", "new"]


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


# DataBrew's column data types (CHANGE_DATA_TYPE, REMOVE_INVALID, ...) -> DuckDB types.
DATA_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "byte": "TINYINT",
    "short": "SMALLINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "long": "BIGINT",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "number": "DOUBLE",
    "decimal": "DECIMAL(38,9)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
INTEGRAL = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT"}
INTEGRAL |= {"UINTEGER", "UBIGINT"}
FRACTIONAL = {"FLOAT", "DOUBLE", "REAL"}
TEXT = {"VARCHAR"}


def is_numeric(sql_type: str) -> bool:
    return sql_type in INTEGRAL or sql_type in FRACTIONAL or sql_type.startswith("DECIMAL")


def is_text(sql_type: str) -> bool:
    return sql_type in TEXT


def is_temporal(sql_type: str) -> bool:
    return sql_type in {"DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS"}


def is_missing(expr: str, sql_type: str) -> str:
    """DataBrew's "missing": null, or the empty string in a string column."""
    return f"({expr} IS NULL OR {expr} = '')" if is_text(sql_type) else f"({expr} IS NULL)"


def cast_to(expr: str, source_type: str, target_type: str) -> str:
    """Spark-like cast: failures become null, fractional -> integral truncates."""
    if target_type in INTEGRAL and source_type not in INTEGRAL:
        number = expr if is_numeric(source_type) else f"TRY_CAST({expr} AS DOUBLE)"
        return f"TRY_CAST(trunc({number}) AS {target_type})"
    if target_type == "BOOLEAN" and is_text(source_type):
        return f"TRY_CAST(lower(trim({expr})) AS BOOLEAN)"
    if is_text(source_type) and target_type != "VARCHAR":
        return f"TRY_CAST(trim({expr}) AS {target_type})"
    return f"TRY_CAST({expr} AS {target_type})"


@dataclass(frozen=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True)
class Output:
    name: str
    expr: str
    kind: Kind


@dataclass
class Transform:
    """What one step does to the relation it receives (``src`` in ``query``)."""

    columns: list[Output]
    remove_rows: str | None = None  # predicate of rows to drop (the step's conditions ANDed)
    order_by: str | None = None  # a total ordering of the output (SORT)
    query: str | None = None  # whole-query override over SRC
    conditional: bool = True  # False: condition expressions are not meaningful here


class Frame:
    """The ordered columns of a relation, looked up by name."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self._by_name = {c.name: c for c in self.columns}

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def type_of(self, name: str) -> str:
        return self._by_name[name].type


class Builder:
    """Edits the column list of a frame: set, insert, drop, rename, move."""

    def __init__(self, frame: Frame) -> None:
        self._out = [Output(c.name, ident(c.name), "keep") for c in frame.columns]

    def _index(self, name: str) -> int:
        return next(i for i, o in enumerate(self._out) if o.name == name)

    def set(self, name: str, expr: str) -> Builder:
        i = self._index(name)
        self._out[i] = Output(name, expr, "set")
        return self

    def insert_after(self, anchor: str | None, name: str, expr: str) -> Builder:
        at = len(self._out) if anchor is None else self._index(anchor) + 1
        self._out.insert(at, Output(name, expr, "new"))
        return self

    def insert_many_after(self, anchor: str | None, items: Sequence[tuple[str, str]]) -> Builder:
        for offset, (name, expr) in enumerate(items):
            at = len(self._out) if anchor is None else self._index(anchor) + 1 + offset
            self._out.insert(at, Output(name, expr, "new"))
        return self

    def drop(self, *names: str) -> Builder:
        self._out = [o for o in self._out if o.name not in names]
        return self

    def rename(self, old: str, new: str) -> Builder:
        i = self._index(old)
        self._out[i] = Output(new, self._out[i].expr, self._out[i].kind)
        return self

    def move(self, name: str, index: int) -> Builder:
        item = self._out.pop(self._index(name))
        self._out.insert(max(0, min(index, len(self._out))), item)
        return self

    def build(self, **kwargs: Any) -> Transform:
        return Transform(columns=list(self._out), **kwargs)


_MISSING: Any = object()


@dataclass
class Step:
    """One recipe step, as DataBrew's API carries it."""

    number: int
    operation: str
    parameters: Mapping[str, str]
    conditions: list[Mapping[str, str]] = field(default_factory=list)

    def error(self, detail: str) -> RecipeValidationError:
        return RecipeValidationError(self.number, self.operation, detail)


class StepContext:
    """An operation's view of its step: typed, validated parameters and the input frame."""

    def __init__(self, step: Step, frame: Frame) -> None:
        self.step = step
        self.frame = frame
        self.params = step.parameters
        self.row_id = False  # the hidden row-order column ROW_ID is carried through
        self.probe: Callable[[str], list[tuple[Any, ...]]] = lambda sql: []
        # A one-value query over SRC as an SQL expression: a scalar subquery, or (when the
        # compiler may read data) its value as a typed literal, computed once.
        self.scalar: Callable[[str], str] = lambda sql: f"({sql})"
        # (secondaryDatasetName, S3 location or None) -> a relation holding that dataset
        self.secondary: Callable[[str | None, str | None], str] = self._no_secondary
        self.describe: Callable[[str], dict[str, str]] = lambda relation: {}  # name -> type

    def _no_secondary(self, name: str | None, location: str | None) -> str:
        raise self.error(f"Secondary dataset {name or location} is not available here.")

    def error(self, detail: str) -> RecipeValidationError:
        return self.step.error(detail)

    def builder(self) -> Builder:
        return Builder(self.frame)

    def has(self, key: str) -> bool:
        return key in self.params and self.params[key] is not None

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self.params.get(key)
        if value is None:
            if default is _MISSING:
                raise self.error(f"Missing required parameter '{key}'.")
            return str(default)
        if not isinstance(value, str):
            raise self.error(f"Parameter '{key}' must be a string.")
        return value

    def choice(self, key: str, choices: Sequence[str], default: Any = _MISSING) -> str:
        value = self.text(key, default)
        if value not in choices:
            allowed = ", ".join(choices)
            raise self.error(
                f"Invalid value '{value}' for parameter '{key}': expected one of {allowed}."
            )
        return value

    def integer(
        self, key: str, default: Any = _MISSING, low: int | None = None, high: int | None = None
    ) -> int:
        raw = self.text(key, default)
        try:
            value = int(raw)
        except ValueError:
            raise self.error(f"Parameter '{key}' must be an integer, got '{raw}'.") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.error(f"Parameter '{key}' must be between {low} and {high}, got {value}.")
        return value

    def number(self, key: str, default: Any = _MISSING) -> float:
        raw = self.text(key, default)
        try:
            return float(raw)
        except ValueError:
            raise self.error(f"Parameter '{key}' must be a number, got '{raw}'.") from None

    def boolean(self, key: str, default: bool | None = None) -> bool:
        raw = self.text(key, _MISSING if default is None else str(default).lower()).lower()
        if raw not in ("true", "false"):
            raise self.error(f"Parameter '{key}' must be 'true' or 'false', got '{raw}'.")
        return raw == "true"

    def json(self, key: str, default: Any = _MISSING) -> Any:
        if default is not _MISSING and not self.has(key):
            return default
        raw = self.text(key)
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise self.error(f"Parameter '{key}' must be valid JSON.") from None

    def column(self, key: str = "sourceColumn") -> str:
        name = self.text(key)
        self.require_columns([name])
        return name

    def columns(self, key: str = "sourceColumns") -> list[str]:
        names = self.json(key)
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise self.error(f"Parameter '{key}' must be a JSON list of column names.")
        self.require_columns(names)
        return names

    def new_column(self, key: str = "targetColumn", default: str | None = None) -> str:
        name = self.text(key, _MISSING if default is None else default)
        if not name:
            raise self.error(f"Parameter '{key}' must not be empty.")
        if name in self.frame:
            raise self.error(f"Column '{name}' already exists.")
        return name

    def require_columns(self, names: Sequence[str]) -> None:
        for name in names:
            if name not in self.frame:
                raise self.error(f"Column '{name}' does not exist.")

    def numeric_column(self, key: str = "sourceColumn") -> str:
        name = self.column(key)
        if not is_numeric(self.frame.type_of(name)):
            raise self.error(
                f"Column '{name}' must be numeric, but it is {self.frame.type_of(name)}."
            )
        return name

    def data_type(self, key: str = "columnDataType") -> str:
        value = self.text(key).lower()
        if value not in DATA_TYPES:
            raise self.error(f"Unsupported data type '{value}' for parameter '{key}'.")
        return DATA_TYPES[value]

    def col(self, name: str) -> str:
        """SQL of a column of the input frame."""
        return ident(name)

    def type_of(self, name: str) -> str:
        return self.frame.type_of(name)


Compiler = Callable[[StepContext], Transform]


@dataclass(frozen=True)
class OperationSpec:
    name: str
    compile: Compiler
    order_sensitive: bool = False  # needs the input's row order (first occurrence, last valid)
    reorders: bool = False  # its output order is not the input order (partitioned windows)
    probes_data: bool = False  # needs a look at the data to know its output columns


OPERATIONS: dict[str, OperationSpec] = {}


def operation(
    *names: str, order_sensitive: bool = False, reorders: bool = False, probes_data: bool = False
) -> Callable[[Compiler], Compiler]:
    """Registers a compiler under one or more DataBrew operation names."""

    def register(fn: Compiler) -> Compiler:
        for name in names:
            OPERATIONS[name] = OperationSpec(name, fn, order_sensitive, reorders, probes_data)
        return fn

    return register


def source_or_value(
    ctx: StepContext, source_key: str = "sourceColumn", value_key: str = "value"
) -> tuple[str, str | None]:
    """A function's input: a column (SQL, anchor) or a literal value (SQL, no anchor)."""
    has_source, has_value = ctx.has(source_key), ctx.has(value_key)
    if has_source == has_value:
        raise ctx.error(f"Specify either '{source_key}' or '{value_key}', but not both.")
    if has_source:
        name = ctx.column(source_key)
        return ident(name), name
    return lit(ctx.text(value_key)), None
