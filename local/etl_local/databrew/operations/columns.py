"""Column structure: delete, duplicate, rename, move, sort, types, split, merge, filter."""

from __future__ import annotations

import re
from collections.abc import Callable

from etl_local.databrew.base import (
    StepContext,
    Transform,
    cast_to,
    ident,
    lit,
    operation,
)


@operation("DELETE")
def delete(ctx: StepContext) -> Transform:
    return ctx.builder().drop(*ctx.columns()).build(conditional=False)


@operation("DUPLICATE")
def duplicate(ctx: StepContext) -> Transform:
    source = ctx.column()
    target = ctx.new_column()
    return ctx.builder().insert_after(source, target, ident(source)).build()


@operation("RENAME")
def rename(ctx: StepContext) -> Transform:
    source = ctx.column()
    target = ctx.new_column()
    return ctx.builder().rename(source, target).build(conditional=False)


def _mover(where: Callable[[StepContext, str], int]) -> Callable[[StepContext], Transform]:
    def compile_move(ctx: StepContext) -> Transform:
        source = ctx.column()
        b = ctx.builder()
        b.move(source, where(ctx, source))
        return b.build(conditional=False)

    return compile_move


def _after(ctx: StepContext, source: str) -> int:
    target = ctx.column("targetColumn")
    names = [n for n in ctx.frame.names if n != source]
    return names.index(target) + 1


def _before(ctx: StepContext, source: str) -> int:
    target = ctx.column("targetColumn")
    names = [n for n in ctx.frame.names if n != source]
    return names.index(target)


def _to_index(ctx: StepContext, source: str) -> int:
    return ctx.integer("targetIndex", low=0, high=len(ctx.frame.names) - 1)


operation("MOVE_AFTER")(_mover(_after))
operation("MOVE_BEFORE")(_mover(_before))
operation("MOVE_TO_START")(_mover(lambda ctx, source: 0))
operation("MOVE_TO_END")(_mover(lambda ctx, source: len(ctx.frame.names)))
operation("MOVE_TO_INDEX")(_mover(_to_index))

_ORDERINGS = {"ASCENDING": "ASC", "DESCENDING": "DESC"}
_NULLS = {"NULLS_TOP": "NULLS FIRST", "NULLS_BOTTOM": "NULLS LAST"}


@operation("SORT", reorders=True)
def sort(ctx: StepContext) -> Transform:
    """``expressions``: JSON list of {sourceColumn, ordering, nullsOrdering}."""
    keys = ctx.json("expressions")
    if not isinstance(keys, list) or not keys:
        raise ctx.error("Parameter 'expressions' must be a non-empty JSON list.")
    terms = []
    for key in keys:
        name = key.get("sourceColumn") if isinstance(key, dict) else None
        if not isinstance(name, str):
            raise ctx.error("Each sort expression needs a sourceColumn.")
        ctx.require_columns([name])
        ordering = key.get("ordering", "ASCENDING")
        nulls = key.get("nullsOrdering", "NULLS_TOP" if ordering == "ASCENDING" else "NULLS_BOTTOM")
        if ordering not in _ORDERINGS or nulls not in _NULLS:
            raise ctx.error(f"Invalid ordering '{ordering}' / '{nulls}' for '{name}'.")
        terms.append(f"{ident(name)} {_ORDERINGS[ordering]} {_NULLS[nulls]}")
    return ctx.builder().build(order_by=", ".join(terms), conditional=False)


def _change_type(fixed: str | None) -> Callable[[StepContext], Transform]:
    def compile_change(ctx: StepContext) -> Transform:
        source = ctx.column()
        target_type = ctx.data_type() if fixed is None else fixed
        if fixed is not None and ctx.has("columnDataType"):
            ctx.data_type()  # must still name a known type
        expr = cast_to(ident(source), ctx.type_of(source), target_type)
        return ctx.builder().set(source, expr).build(conditional=False)

    return compile_change


operation("CHANGE_DATA_TYPE")(_change_type(None))
operation("TO_STRING_COLUMN")(_change_type("VARCHAR"))
operation("TO_NUMBER_COLUMN")(_change_type("DOUBLE"))
operation("TO_DOUBLE_COLUMN")(_change_type("DOUBLE"))
operation("TO_BOOLEAN_COLUMN")(_change_type("BOOLEAN"))


def _split_parts(text: str, regex: str, limit: int, include: bool) -> list[str]:
    """SQL for the ``limit + 1`` parts of ``text`` split at the first ``limit`` matches."""
    parts = f"regexp_split_to_array({text}, {lit(regex)})"
    delims = f"regexp_extract_all({text}, {lit(regex)})"
    out = []
    for k in range(1, limit + 1):
        piece = f"{parts}[{k}]"
        if include:
            piece = f"{piece} || coalesce({delims}[{k}], '')"
        out.append(f"CASE WHEN len({parts}) >= {k} THEN {piece} END")
    rest = f"regexp_replace({text}, {lit('^(?s:.*?(?:' + regex + ')){' + str(limit) + '}')}, '')"
    out.append(f"CASE WHEN len({delims}) >= {limit} THEN {rest} END")
    return out


def _split(ctx: StepContext, source: str, regex: str, limit: int, include: bool) -> Transform:
    """Replaces ``source`` by ``source_1 .. source_n`` at its position."""
    text = f"CAST({ident(source)} AS VARCHAR)"
    pieces = _split_parts(text, regex, limit, include)
    names = [f"{source}_{i}" for i in range(1, len(pieces) + 1)]
    for name in names:
        if name in ctx.frame:
            raise ctx.error(f"Column '{name}' already exists.")
    b = ctx.builder().insert_many_after(source, list(zip(names, pieces, strict=True)))
    return b.drop(source).build()


@operation("SPLIT_COLUMN_SINGLE_DELIMITER")
def split_single(ctx: StepContext) -> Transform:
    source = ctx.column()
    pattern = ctx.text("pattern")
    if not pattern:
        raise ctx.error("Parameter 'pattern' must not be empty.")
    limit = ctx.integer("limit", "1", low=1, high=20)
    return _split(ctx, source, re.escape(pattern), limit, ctx.boolean("includeInSplit", False))


@operation("SPLIT_COLUMN_MULTIPLE_DELIMITER")
def split_multiple(ctx: StepContext) -> Transform:
    source = ctx.column()
    options = ctx.json("patternOptions")
    if not isinstance(options, list) or not options:
        raise ctx.error("Parameter 'patternOptions' must be a non-empty JSON list.")
    patterns = [o.get("pattern") for o in options if isinstance(o, dict)]
    if len(patterns) != len(options) or not all(isinstance(p, str) and p for p in patterns):
        raise ctx.error("Each pattern option needs a non-empty pattern.")
    include = any(bool(o.get("includeInSplit")) for o in options)
    regex = "|".join(re.escape(str(p)) for p in patterns)
    return _split(ctx, source, regex, ctx.integer("limit", "1", low=1, high=20), include)


def _split_at(from_end: bool) -> Callable[[StepContext], Transform]:
    def compile_split(ctx: StepContext) -> Transform:
        source = ctx.column()
        position = ctx.integer("position", low=1)
        text = f"CAST({ident(source)} AS VARCHAR)"
        cut = f"greatest(length({text}) - {position}, 0)" if from_end else str(position)
        first, second = f"left({text}, {cut})", f"substr({text}, {cut} + 1)"
        names = [f"{source}_1", f"{source}_2"]
        b = ctx.builder().insert_many_after(source, list(zip(names, [first, second], strict=True)))
        return b.drop(source).build()

    return compile_split


operation("SPLIT_COLUMN_FROM_START")(_split_at(False))
operation("SPLIT_COLUMN_FROM_END")(_split_at(True))


@operation("MERGE_COLUMNS_AND_VALUES")
def merge(ctx: StepContext) -> Transform:
    """Joins the columns' values with ``delimiter`` into ``targetColumn`` (nulls skipped)."""
    sources = ctx.columns()
    target = ctx.new_column()
    delimiter = ctx.text("delimiter", "")
    values = ", ".join(f"CAST({ident(s)} AS VARCHAR)" for s in sources)
    expr = f"concat_ws({lit(delimiter)}, {values})"
    return ctx.builder().drop(*sources).insert_after(None, target, expr).build()


@operation("JSON_TO_STRUCTS")
def json_to_structs(ctx: StepContext) -> Transform:
    """Parses JSON text columns; text that is not JSON becomes null."""
    b = ctx.builder()
    for name in ctx.columns():
        b.set(name, f"TRY_CAST({ident(name)} AS JSON)")
    return b.build()


@operation("REMOVE_VALUES")
def remove_values(ctx: StepContext) -> Transform:
    """Deletes the rows that meet the step's conditions (DataBrew's filter)."""
    ctx.column()
    if not ctx.step.conditions:
        raise ctx.error("REMOVE_VALUES needs at least one condition expression.")
    return ctx.builder().build(remove_rows="true")


@operation("KEEP_VALUES")
def keep_values(ctx: StepContext) -> Transform:
    """Keeps only the rows that meet the step's conditions."""
    ctx.column()
    if not ctx.step.conditions:
        raise ctx.error("KEEP_VALUES needs at least one condition expression.")
    from etl_local.databrew.conditions import condition_sql

    keep = condition_sql(ctx.step, {c.name: c.type for c in ctx.frame.columns})
    return ctx.builder().build(remove_rows=f"NOT ({keep})", conditional=False)
