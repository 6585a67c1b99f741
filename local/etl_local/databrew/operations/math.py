"""Math functions (new column from columns or values) and aggregates (GROUP_BY, and the
whole-column aggregate functions, which DataBrew writes to every row)."""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

from collections.abc import Callable

from etl_local.databrew.base import (
    ROW_ID,
    SRC,
    StepContext,
    Transform,
    ident,
    is_numeric,
    operation,
    source_or_value,
)
from etl_local.databrew.operations.missing import column_stat


def _operand(ctx: StepContext, column_key: str, value_key: str) -> tuple[str, str | None]:
    """A numeric operand: a numeric column (as DOUBLE, with its name) or a number value."""
    expr, anchor = source_or_value(ctx, column_key, value_key)
    if anchor is None:
        return repr(ctx.number(value_key)), None
    ctx.numeric_column(column_key)
    return f"CAST({expr} AS DOUBLE)", anchor


BINARY: dict[str, Callable[[str, str], str]] = {
    "ADD": lambda a, b: f"{a} + {b}",
    "SUBTRACT": lambda a, b: f"{a} - {b}",
    "MULTIPLY": lambda a, b: f"{a} * {b}",
    "DIVIDE": lambda a, b: f"{a} / nullif({b}, 0)",
    "MOD": lambda a, b: f"fmod({a}, nullif({b}, 0))",
    "POWER": lambda a, b: f"pow({a}, {b})",
}


def _binary(fn: Callable[[str, str], str]) -> Callable[[StepContext], Transform]:
    def compile_binary(ctx: StepContext) -> Transform:
        a, anchor_a = _operand(ctx, "sourceColumn1", "value1")
        b, anchor_b = _operand(ctx, "sourceColumn2", "value2")
        target = ctx.new_column()
        anchor = anchor_b or anchor_a
        return ctx.builder().insert_after(anchor, target, fn(a, b)).build()

    return compile_binary


for _name, _fn in BINARY.items():
    operation(_name)(_binary(_fn))


def _round(ctx: StepContext, x: str) -> str:
    return f"round({x}, {ctx.integer('decimalPlaces', '0', low=0, high=18)})"


UNARY: dict[str, Callable[[StepContext, str], str]] = {
    "ABSOLUTE": lambda ctx, x: f"abs({x})",
    "CEILING": lambda ctx, x: f"ceil({x})",
    "FLOOR": lambda ctx, x: f"floor({x})",
    "ROUND": _round,
    "SQUARE_ROOT": lambda ctx, x: f"CASE WHEN {x} >= 0 THEN sqrt({x}) END",
    "EXPONENT": lambda ctx, x: f"exp({x})",
    "LN": lambda ctx, x: f"CASE WHEN {x} > 0 THEN ln({x}) END",
    "LOG": lambda ctx, x: f"CASE WHEN {x} > 0 THEN log({ctx.number('base', '10')}, {x}) END",
    "SIGN": lambda ctx, x: f"sign({x})",
    "NEGATE": lambda ctx, x: f"-{x}",
}


def _unary(fn: Callable[[StepContext, str], str]) -> Callable[[StepContext], Transform]:
    def compile_unary(ctx: StepContext) -> Transform:
        x, anchor = _operand(ctx, "sourceColumn", "value")
        target = ctx.new_column()
        return ctx.builder().insert_after(anchor, target, fn(ctx, x)).build()

    return compile_unary


for _name, _fn2 in UNARY.items():
    operation(_name)(_unary(_fn2))

# DataBrew aggregate name -> DuckDB aggregate (over the column's non-null values).
AGGREGATES: dict[str, str] = {
    "SUM": "sum",
    "AVERAGE": "avg",
    "MEAN": "avg",
    "MIN": "min",
    "MAX": "max",
    "MEDIAN": "median",
    "MODE": "mode",
    "COUNT": "count",
    "COUNT_DISTINCT": "count(DISTINCT",
    "STANDARD_DEVIATION": "stddev_samp",
    "VARIANCE": "var_samp",
    "KURTOSIS": "kurtosis",
    "SKEWNESS": "skewness",
}
_NUMERIC_ONLY = {"SUM", "AVERAGE", "MEAN", "MEDIAN", "STANDARD_DEVIATION", "VARIANCE"}
_NUMERIC_ONLY |= {"KURTOSIS", "SKEWNESS"}


def aggregate_sql(name: str, column: str) -> str:
    fn = AGGREGATES[name]
    if fn.endswith("(DISTINCT"):
        return f"{fn} {ident(column)})"
    return f"{fn}({ident(column)})"


def _aggregate_function(name: str) -> Callable[[StepContext], Transform]:
    def compile_aggregate(ctx: StepContext) -> Transform:
        column = ctx.columns()[0] if ctx.has("sourceColumns") else ctx.column()
        if name in _NUMERIC_ONLY and not is_numeric(ctx.type_of(column)):
            raise ctx.error(f"Column '{column}' must be numeric for {name}.")
        target = ctx.new_column()
        expr = column_stat(ctx, aggregate_sql(name, column))
        return ctx.builder().insert_after(column, target, expr).build(conditional=False)

    return compile_aggregate


for _agg in AGGREGATES:
    if _agg not in BINARY and _agg not in UNARY:
        operation(_agg)(_aggregate_function(_agg))

_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "long": "BIGINT", "double": "DOUBLE"}


@operation("GROUP_BY", reorders=True)
def group_by(ctx: StepContext) -> Transform:
    """``sourceColumns`` (keys), ``groupByAggFunctionOptions`` (JSON list of
    {sourceColumnName, targetColumnName, targetColumnDataType, aggregateFunction}),
    ``useNewDataFrame``: "true" -> one row per group; "false" -> aggregates on every row."""
    keys = ctx.columns()
    options = ctx.json("groupByAggFunctionOptions")
    if not isinstance(options, list) or not options:
        raise ctx.error("Parameter 'groupByAggFunctionOptions' must be a non-empty JSON list.")
    aggregates: list[tuple[str, str]] = []
    for option in options:
        if not isinstance(option, dict):
            raise ctx.error("Each aggregate option must be a JSON object.")
        source = option.get("sourceColumnName")
        function = str(option.get("aggregateFunction", "")).upper()
        if not isinstance(source, str) or function not in AGGREGATES:
            raise ctx.error(f"Invalid aggregate option {option}.")
        ctx.require_columns([source])
        target = option.get("targetColumnName") or f"{source}_{function.lower()}"
        sql = aggregate_sql(function, source)
        data_type = _TYPES.get(str(option.get("targetColumnDataType", "")).lower())
        aggregates.append((target, f"CAST({sql} AS {data_type})" if data_type else sql))
    group = ", ".join(ident(k) for k in keys)
    if ctx.boolean("useNewDataFrame", True):
        items = [ident(k) for k in keys] + [f"{e} AS {ident(t)}" for t, e in aggregates]
        if ctx.row_id:
            items.append(f"min({ident(ROW_ID)}) AS {ident(ROW_ID)}")
        return Transform([], query=f"SELECT {', '.join(items)} FROM {SRC} GROUP BY {group}")
    b = ctx.builder()
    for target, expr in aggregates:
        if target in ctx.frame:
            raise ctx.error(f"Column '{target}' already exists.")
        b.insert_after(None, target, f"{expr} OVER (PARTITION BY {group})")
    return b.build(conditional=False)
