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
    """Exact duplicates are indistinguishable, so which one stays does not matter, and (as on
    DataBrew's Spark) the output order is not kept - unless the recipe keeps row order for
    another step: then each distinct row keeps its first position.

    A DISTINCT over every column builds a hash table holding every row. Instead, the rows
    are materialised once with a 64-bit hash of all their columns; only the few rows whose
    hash repeats (true duplicates, or a rare collision) go through the exact DISTINCT, and
    the others pass straight through. This halves the step's cost on wide tables.
    """
    names = ", ".join(ident(c) for c in ctx.frame.names)
    row = ident(ROW_ID)
    carried = f"{names}, {row}" if ctx.row_id else names
    first = f"{names}, min({row}) AS {row}" if ctx.row_id else names
    exact = f"SELECT {first} FROM {_HASHED} SEMI JOIN {_REPEATED} USING ({_HASH}) GROUP BY {names}"
    query = (
        f"WITH {_HASHED} AS MATERIALIZED (SELECT {carried}, hash({names}) AS {_HASH} FROM {SRC}), "
        f"{_REPEATED} AS (SELECT {_HASH} FROM {_HASHED} GROUP BY {_HASH} HAVING count(*) > 1) "
        f"SELECT {carried} FROM {_HASHED} ANTI JOIN {_REPEATED} USING ({_HASH}) "
        f"UNION ALL {exact}"
    )
    return Transform([], query=query)


_HASHED, _REPEATED, _HASH = "__brew_hashed", "__brew_repeated", "__brew_hash"


@operation("FLAG_DUPLICATE_ROWS", order_sensitive=True, reorders=True)
def flag_duplicate_rows(ctx: StepContext) -> Transform:
    return flag_column(ctx, None, _repeat(ctx.frame.names), "is_duplicate_row")


@operation("FLAG_DUPLICATES_IN_COLUMN", order_sensitive=True, reorders=True)
def flag_duplicates_in_column(ctx: StepContext) -> Transform:
    column = ctx.column()
    return flag_column(ctx, column, _repeat([column]), f"{column}_duplicate")
