"""Duplicates: the first occurrence (in row order) stays; later ones are removed or flagged."""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

from collections.abc import Sequence

from etl_local.databrew.base import ROW_ID, SRC, StepContext, Transform, ident, operation
from etl_local.databrew.operations.missing import flag_column


def _repeat(columns: Sequence[str]) -> str:
    """True on every row that repeats an earlier row's values in ``columns``."""
    keys = ", ".join(ident(c) for c in columns)
    return f"row_number() OVER (PARTITION BY {keys} ORDER BY {ident(ROW_ID)}) > 1"


@operation("REMOVE_DUPLICATES", order_sensitive=True, reorders=True)
def remove_duplicates(ctx: StepContext) -> Transform:
    return ctx.builder().build(remove_rows=_repeat([ctx.column()]))


@operation("DELETE_DUPLICATE_ROWS")
def delete_duplicate_rows(ctx: StepContext) -> Transform:
    """Exact duplicates are indistinguishable, so which one stays does not matter: a hash
    DISTINCT, which (as on DataBrew's Spark) does not keep row order by itself; when the
    recipe keeps row order for another step, each row keeps its first position."""
    names = ", ".join(ident(c) for c in ctx.frame.names)
    if ctx.row_id:
        row = ident(ROW_ID)
        query = f"SELECT {names}, min({row}) AS {row} FROM {SRC} GROUP BY {names}"
        return Transform([], query=query)
    return Transform([], query=f"SELECT DISTINCT {names} FROM {SRC}")


@operation("FLAG_DUPLICATE_ROWS", order_sensitive=True, reorders=True)
def flag_duplicate_rows(ctx: StepContext) -> Transform:
    return flag_column(ctx, None, _repeat(ctx.frame.names), "is_duplicate_row")


@operation("FLAG_DUPLICATES_IN_COLUMN", order_sensitive=True, reorders=True)
def flag_duplicates_in_column(ctx: StepContext) -> Transform:
    column = ctx.column()
    return flag_column(ctx, column, _repeat([column]), f"{column}_duplicate")
