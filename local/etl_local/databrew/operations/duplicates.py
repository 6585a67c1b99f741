"""Duplicates: the first occurrence (in row order) stays; later ones are removed or flagged."""

from __future__ import annotations

from collections.abc import Sequence

from etl_local.databrew.base import ROW_ID, StepContext, Transform, ident, operation
from etl_local.databrew.operations.missing import flag_column


def _repeat(columns: Sequence[str]) -> str:
    """True on every row that repeats an earlier row's values in ``columns``."""
    keys = ", ".join(ident(c) for c in columns)
    return f"row_number() OVER (PARTITION BY {keys} ORDER BY {ident(ROW_ID)}) > 1"


@operation("REMOVE_DUPLICATES", order_sensitive=True, reorders=True)
def remove_duplicates(ctx: StepContext) -> Transform:
    return ctx.builder().build(remove_rows=_repeat([ctx.column()]))


@operation("DELETE_DUPLICATE_ROWS", order_sensitive=True, reorders=True)
def delete_duplicate_rows(ctx: StepContext) -> Transform:
    return ctx.builder().build(remove_rows=_repeat(ctx.frame.names))


@operation("FLAG_DUPLICATE_ROWS", order_sensitive=True, reorders=True)
def flag_duplicate_rows(ctx: StepContext) -> Transform:
    return flag_column(ctx, None, _repeat(ctx.frame.names), "is_duplicate_row")


@operation("FLAG_DUPLICATES_IN_COLUMN", order_sensitive=True, reorders=True)
def flag_duplicates_in_column(ctx: StepContext) -> Transform:
    column = ctx.column()
    return flag_column(ctx, column, _repeat([column]), f"{column}_duplicate")
