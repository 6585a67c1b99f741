"""Outliers by z-score, modified z-score (median absolute deviation) or IQR: flag, remove,
replace. Statistics are over the column's non-null values; a score above ``threshold``
(default 3) marks an outlier.
"""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

from collections.abc import Callable

from etl_local.databrew.base import StepContext, Transform, cast_to, ident, operation
from etl_local.databrew.operations.missing import (
    STRATEGIES,
    column_stat,
    flag_column,
    replace_where,
)

Detector = Callable[[StepContext, str, float], str]


def _z(ctx: StepContext, x: str, t: float) -> str:
    mean, std = column_stat(ctx, f"avg({x})"), column_stat(ctx, f"stddev_samp({x})")
    return f"abs({x} - {mean}) / nullif({std}, 0) > {t}"


def _modified_z(ctx: StepContext, x: str, t: float) -> str:
    median = column_stat(ctx, f"median({x})")
    mad = column_stat(ctx, f"median(abs({x} - {median}))")
    return f"0.6745 * abs({x} - {median}) / nullif({mad}, 0) > {t}"


def _iqr(ctx: StepContext, x: str, t: float) -> str:
    q1, q3 = (
        column_stat(ctx, f"quantile_cont({x}, 0.25)"),
        column_stat(ctx, f"quantile_cont({x}, 0.75)"),
    )
    return f"({x} < {q1} - {t} * ({q3} - {q1}) OR {x} > {q3} + {t} * ({q3} - {q1}))"


DETECTORS: dict[str, Detector] = {"Z_SCORE": _z, "MODIFIED_Z_SCORE": _modified_z, "IQR": _iqr}


def outlier(ctx: StepContext) -> tuple[str, str]:
    """(source column, predicate of its outliers) from the step's parameters."""
    column = ctx.numeric_column()
    strategy = ctx.choice("outlierStrategy", list(DETECTORS), "Z_SCORE")
    threshold = ctx.number("threshold", "3")
    x = f"CAST({ident(column)} AS DOUBLE)"
    return column, f"coalesce({DETECTORS[strategy](ctx, x, threshold)}, false)"


def _percentile_bounds(ctx: StepContext, column: str) -> tuple[str, str]:
    low = ctx.number("minValue", "0") / 100
    high = ctx.number("maxValue", "100") / 100
    x = f"CAST({ident(column)} AS DOUBLE)"
    return column_stat(ctx, f"quantile_cont({x}, {low})"), column_stat(
        ctx, f"quantile_cont({x}, {high})"
    )


@operation("FLAG_OUTLIERS")
def flag_outliers(ctx: StepContext) -> Transform:
    column, is_outlier = outlier(ctx)
    if not ctx.has("trueString") and not ctx.has("falseString"):
        ctx = _with_defaults(ctx, trueString="True", falseString="False")
    return flag_column(ctx, column, is_outlier, f"{column}_outlier")


def _with_defaults(ctx: StepContext, **defaults: str) -> StepContext:
    ctx.params = {**defaults, **ctx.params}
    return ctx


def _trimmed(ctx: StepContext, column: str, is_outlier: str) -> str:
    """With ``trimValue`` true, only outliers beyond the minValue/maxValue percentiles count."""
    if not ctx.boolean("trimValue", False):
        return is_outlier
    low, high = _percentile_bounds(ctx, column)
    x = f"CAST({ident(column)} AS DOUBLE)"
    return f"({is_outlier} AND ({x} < {low} OR {x} > {high}))"


@operation("REMOVE_OUTLIERS")
def remove_outliers(ctx: StepContext) -> Transform:
    column, is_outlier = outlier(ctx)
    removal = ctx.choice("removeType", ["DELETE_ROWS", "CLEAR"], "DELETE_ROWS")
    predicate = _trimmed(ctx, column, is_outlier)
    if removal == "CLEAR":
        return (
            ctx.builder()
            .set(column, f"CASE WHEN {predicate} THEN NULL ELSE {ident(column)} END")
            .build()
        )
    return ctx.builder().build(remove_rows=predicate)


REPLACE_TYPES = ["WINSORIZE_VALUES"] + [
    f"REPLACE_WITH_{s}" for s in STRATEGIES if s != "LAST_VALID"
]


@operation("REPLACE_OUTLIERS")
def replace_outliers(ctx: StepContext) -> Transform:
    column, is_outlier = outlier(ctx)
    kind = ctx.choice("replaceType", REPLACE_TYPES)
    predicate = _trimmed(ctx, column, is_outlier)
    col, sql_type = ident(column), ctx.type_of(column)
    if kind == "WINSORIZE_VALUES":
        low, high = _percentile_bounds(ctx, column)
        capped = f"least(greatest(CAST({col} AS DOUBLE), {low}), {high})"
        expr = f"CASE WHEN {predicate} THEN {cast_to(capped, 'DOUBLE', sql_type)} ELSE {col} END"
        return ctx.builder().set(column, expr).build()
    # Statistics over the column's values (window functions cannot nest the outlier test).
    return replace_where(ctx, column, predicate, col, kind.removeprefix("REPLACE_WITH_"))
