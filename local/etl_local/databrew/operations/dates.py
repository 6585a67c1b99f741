"""Date and time functions: extraction, formatting, arithmetic, Unix time.

Inputs may be DATE/TIMESTAMP columns or text that casts to a timestamp; text that does not
is a missing result, as in DataBrew.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from etl_local.databrew.base import (
    StepContext,
    Transform,
    ident,
    is_numeric,
    is_temporal,
    lit,
    operation,
    source_or_value,
)


def _timestamp(ctx: StepContext, expr: str, anchor: str | None) -> str:
    sql_type = ctx.type_of(anchor) if anchor is not None else "VARCHAR"
    if is_temporal(sql_type):
        return f"CAST({expr} AS TIMESTAMP)"
    return f"TRY_CAST(CAST({expr} AS VARCHAR) AS TIMESTAMP)"


EXTRACTIONS: dict[str, Callable[[str], str]] = {
    "YEAR": lambda ts: f"year({ts})",
    "MONTH": lambda ts: f"month({ts})",
    "DAY": lambda ts: f"day({ts})",
    "HOUR": lambda ts: f"hour({ts})",
    "MINUTE": lambda ts: f"minute({ts})",
    "SECOND": lambda ts: f"second({ts})",
    "QUARTER": lambda ts: f"quarter({ts})",
    "WEEK_NUMBER": lambda ts: f"weekofyear({ts})",
    "WEEK_DAY": lambda ts: f"dayofweek({ts}) + 1",  # 1 = Sunday .. 7 = Saturday, as Spark
    "DAY_OF_YEAR": lambda ts: f"dayofyear({ts})",
    "MONTH_NAME": lambda ts: f"monthname({ts})",
    "UNIX_TIME": lambda ts: f"CAST(epoch({ts}) AS BIGINT)",
}


def _new_value(
    fn: Callable[[StepContext, str, str | None], str],
) -> Callable[[StepContext], Transform]:
    def compile_function(ctx: StepContext) -> Transform:
        expr, anchor = source_or_value(ctx)
        target = ctx.new_column()
        return ctx.builder().insert_after(anchor, target, fn(ctx, expr, anchor)).build()

    return compile_function


def _extraction(fn: Callable[[str], str]) -> Callable[[StepContext, str, str | None], str]:
    def build(ctx: StepContext, expr: str, anchor: str | None) -> str:
        return fn(_timestamp(ctx, expr, anchor))

    return build


for _name, _extract in EXTRACTIONS.items():
    operation(_name)(_new_value(_extraction(_extract)))

# Java/DataBrew date patterns -> strftime. Longest tokens first.
_TOKENS = [
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("hh", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("SSS", "%g"),
    ("EEEE", "%A"),
    ("EEE", "%a"),
    ("a", "%p"),
]
_TOKEN_RE = re.compile("|".join(re.escape(t) for t, _ in _TOKENS))


def strftime_pattern(pattern: str) -> str:
    """``yyyy-MM-dd HH:mm:ss`` -> ``%Y-%m-%d %H:%M:%S``. DataBrew's own ``mm/dd/yyyy`` style
    (no hours) reads ``mm`` as the month."""
    table = dict(_TOKENS)
    if not re.search("[Hh]", pattern):
        table["mm"] = "%m"
    return _TOKEN_RE.sub(lambda m: table[m.group(0)], pattern.replace("%", "%%"))


def _format(ctx: StepContext, key: str) -> str:
    return lit(strftime_pattern(ctx.text(key)))


operation("DATE_FORMAT")(
    _new_value(
        lambda ctx, e, a: f"strftime({_timestamp(ctx, e, a)}, {_format(ctx, 'dateTimeFormat')})"
    )
)


@operation("FORMAT_DATE")
def format_date(ctx: StepContext) -> Transform:
    column = ctx.column()
    ts = _timestamp(ctx, ident(column), column)
    return ctx.builder().set(column, f"strftime({ts}, {_format(ctx, 'targetDateFormat')})").build()


def _unix_time_format(ctx: StepContext, expr: str, anchor: str | None) -> str:
    if anchor is not None and not is_numeric(ctx.type_of(anchor)):
        raise ctx.error(f"Column '{anchor}' must be numeric (seconds since the epoch).")
    return f"strftime(to_timestamp(CAST({expr} AS DOUBLE)), {_format(ctx, 'dateTimeFormat')})"


operation("UNIX_TIME_FORMAT")(_new_value(_unix_time_format))

UNITS = {
    "YEARS": "year",
    "MONTHS": "month",
    "WEEKS": "week",
    "DAYS": "day",
    "HOURS": "hour",
    "MINUTES": "minute",
    "SECONDS": "second",
}


def _date_add(ctx: StepContext, expr: str, anchor: str | None) -> str:
    unit = UNITS[ctx.choice("units", list(UNITS))]
    amount = ctx.integer("dateAddValue")
    return f"{_timestamp(ctx, expr, anchor)} + to_{unit}s({amount})"


operation("DATE_ADD")(_new_value(_date_add))


@operation("DATE_DIFF")
def date_diff(ctx: StepContext) -> Transform:
    first, anchor = source_or_value(ctx, "sourceColumn1", "value1")
    second, anchor2 = source_or_value(ctx, "sourceColumn2", "value2")
    unit = UNITS[ctx.choice("units", list(UNITS))]
    start = _timestamp(ctx, first, anchor)
    end = _timestamp(ctx, second, anchor2)
    target = ctx.new_column()
    expr = f"date_diff('{unit}', {start}, {end})"
    return ctx.builder().insert_after(anchor, target, expr).build()
