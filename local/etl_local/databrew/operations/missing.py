"""Missing and invalid values: remove, fill (missing), replace (invalid), flag.

``FILL_WITH_<X>`` replaces missing values (null, or empty string in a string column);
``REPLACE_WITH_<X>`` replaces invalid values (present but not of ``columnDataType``). Both
families are generated from one table of replacement strategies, which the outlier actions
share. Statistics are computed over the valid values of the whole column.
"""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

from collections.abc import Callable

from etl_local.databrew.base import (
    ROW_ID,
    SRC,
    StepContext,
    Transform,
    cast_to,
    ident,
    is_missing,
    is_numeric,
    is_text,
    lit,
    operation,
)


def column_stat(ctx: StepContext, aggregate: str) -> str:
    """A whole-column statistic of the step's input (see ``StepContext.scalar``)."""
    return ctx.scalar(f"SELECT {aggregate} FROM {SRC}")


# strategy(ctx, column SQL of the valid values (null elsewhere), column type) -> replacement SQL
Strategy = Callable[[StepContext, str, str], str]


def _numeric(agg: str) -> Strategy:
    def build(ctx: StepContext, valid: str, sql_type: str) -> str:
        number = valid if is_numeric(sql_type) else f"TRY_CAST({valid} AS DOUBLE)"
        value = column_stat(ctx, f"{agg}({number})")
        if is_numeric(sql_type):
            return cast_to(value, "DOUBLE", sql_type)
        return f"CAST({value} AS VARCHAR)"

    return build


_MODE_TIES = {"MINIMUM": "ASC", "MAXIMUM": "DESC", "NONE": "ASC"}


def _mode(ctx: StepContext, valid: str, sql_type: str) -> str:
    """The most frequent valid value; ties go to the smallest (``modeType`` MAXIMUM: largest)."""
    direction = _MODE_TIES[ctx.choice("modeType", list(_MODE_TIES), "MINIMUM")]
    return ctx.scalar(
        f"SELECT v FROM (SELECT {valid} AS v FROM {SRC}) WHERE v IS NOT NULL "
        f"GROUP BY v ORDER BY count(*) DESC, v {direction} LIMIT 1"
    )


def _custom(ctx: StepContext, valid: str, sql_type: str) -> str:
    return (
        cast_to(lit(ctx.text("value")), "VARCHAR", sql_type)
        if not is_text(sql_type)
        else lit(ctx.text("value"))
    )


def _empty(ctx: StepContext, valid: str, sql_type: str) -> str:
    return "''" if is_text(sql_type) else "NULL"


def _last_valid(ctx: StepContext, valid: str, sql_type: str) -> str:
    return (
        f"last_value({valid} IGNORE NULLS) OVER (ORDER BY {ident(ROW_ID)} "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    )


def _extreme(agg: str) -> Strategy:
    def build(ctx: StepContext, valid: str, sql_type: str) -> str:
        return column_stat(ctx, f"{agg}({valid})")

    return build


STRATEGIES: dict[str, Strategy] = {
    "AVERAGE": _numeric("avg"),
    "MEDIAN": _numeric("median"),
    "SUM": _numeric("sum"),
    "MODE": _mode,
    "MOST_FREQUENT": _mode,
    "CUSTOM": _custom,
    "EMPTY": _empty,
    "NULL": lambda ctx, valid, sql_type: "NULL",
    "LAST_VALID": _last_valid,
    "MAX": _extreme("max"),
    "MIN": _extreme("min"),
}
ORDER_SENSITIVE = {"LAST_VALID"}
FILLS = ["AVERAGE", "MEDIAN", "MODE", "MOST_FREQUENT", "CUSTOM", "EMPTY", "NULL", "LAST_VALID"]
FILLS += ["SUM"]


def replace_where(ctx: StepContext, column: str, bad: str, valid: str, strategy: str) -> Transform:
    """Sets ``column`` to the strategy's value where ``bad`` holds."""
    value = STRATEGIES[strategy](ctx, valid, ctx.type_of(column))
    expr = f"CASE WHEN {bad} THEN {value} ELSE {ident(column)} END"
    return ctx.builder().set(column, expr).build()


def _invalid(ctx: StepContext, column: str) -> tuple[str, str]:
    """(predicate of invalid values, SQL of the valid values) for ``columnDataType``."""
    col, sql_type = ident(column), ctx.type_of(column)
    target = ctx.data_type() if ctx.has("columnDataType") else sql_type
    missing = is_missing(col, sql_type)
    bad = f"(NOT {missing} AND {cast_to(col, sql_type, target)} IS NULL)"
    valid = f"CASE WHEN NOT {missing} AND NOT {bad} THEN {col} END"
    return bad, valid


def _missing(ctx: StepContext, column: str) -> tuple[str, str]:
    col, sql_type = ident(column), ctx.type_of(column)
    missing = is_missing(col, sql_type)
    return missing, f"CASE WHEN NOT {missing} THEN {col} END"


def _family(
    which: Callable[[StepContext, str], tuple[str, str]], strategy: str
) -> Callable[[StepContext], Transform]:
    def compile_fill(ctx: StepContext) -> Transform:
        column = ctx.column()
        bad, valid = which(ctx, column)
        return replace_where(ctx, column, bad, valid, strategy)

    return compile_fill


for _name in FILLS:
    operation(f"FILL_WITH_{_name}", order_sensitive=_name in ORDER_SENSITIVE)(
        _family(_missing, _name)
    )
    operation(f"REPLACE_WITH_{_name}", order_sensitive=_name in ORDER_SENSITIVE)(
        _family(_invalid, _name)
    )


@operation("REMOVE_MISSING")
def remove_missing(ctx: StepContext) -> Transform:
    column = ctx.column()
    return ctx.builder().build(remove_rows=is_missing(ident(column), ctx.type_of(column)))


@operation("REMOVE_INVALID")
def remove_invalid(ctx: StepContext) -> Transform:
    column = ctx.column()
    bad, _ = _invalid(ctx, column)
    return ctx.builder().build(remove_rows=bad)


def flag_values(ctx: StepContext) -> tuple[str, str]:
    """The flag column's (true, false) SQL values: ``trueString``/``falseString`` or booleans."""
    if ctx.has("trueString") or ctx.has("falseString"):
        return lit(ctx.text("trueString", "True")), lit(ctx.text("falseString", "False"))
    return "true", "false"


def flag_column(
    ctx: StepContext, anchor: str | None, predicate: str, default_name: str
) -> Transform:
    target = ctx.new_column(default=default_name)
    yes, no = flag_values(ctx)
    expr = f"CASE WHEN coalesce({predicate}, false) THEN {yes} ELSE {no} END"
    return ctx.builder().insert_after(anchor, target, expr).build()


@operation("FLAG_COLUMN_FROM_NULL")
def flag_from_null(ctx: StepContext) -> Transform:
    column = ctx.column()
    missing = is_missing(ident(column), ctx.type_of(column))
    return flag_column(ctx, column, missing, f"{column}_flagged")


@operation("FLAG_COLUMN_FROM_PATTERN")
def flag_from_pattern(ctx: StepContext) -> Transform:
    column = ctx.column()
    pattern = lit(ctx.text("pattern"))
    matches = f"regexp_matches(CAST({ident(column)} AS VARCHAR), {pattern})"
    return flag_column(ctx, column, matches, f"{column}_flagged")
