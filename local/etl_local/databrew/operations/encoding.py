"""Encoding: categorical mapping and one-hot encoding."""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

from etl_local.databrew.base import SRC, StepContext, Transform, ident, lit, operation


@operation("CATEGORICAL_MAPPING")
def categorical_mapping(ctx: StepContext) -> Transform:
    """``categoryMap`` (JSON object value -> category) into ``targetColumn``; unmapped values
    become ``otherValue`` (default null) or, with ``deleteOtherRows`` "true", are removed."""
    column = ctx.column()
    mapping = ctx.json("categoryMap")
    if not isinstance(mapping, dict) or not mapping:
        raise ctx.error("Parameter 'categoryMap' must be a non-empty JSON object.")
    target = ctx.new_column(default=f"{column}_mapped")
    text = f"CAST({ident(column)} AS VARCHAR)"
    cases = " ".join(f"WHEN {text} = {lit(str(k))} THEN {lit(str(v))}" for k, v in mapping.items())
    other = lit(ctx.text("otherValue")) if ctx.has("otherValue") else "NULL"
    expr = f"CASE {cases} ELSE {other} END"
    b = ctx.builder().insert_after(column, target, expr)
    if ctx.boolean("deleteOtherRows", False):
        keys = ", ".join(lit(str(k)) for k in mapping)
        return b.build(remove_rows=f"coalesce({text} NOT IN ({keys}), true)")
    return b.build()


MAX_ONE_HOT_COLUMNS = 20


@operation("ONE_HOT_ENCODING", probes_data=True)
def one_hot_encoding(ctx: StepContext) -> Transform:
    """One 0/1 column ``<column>_<value>`` per distinct value (the most frequent ones, at most
    ``maxNumberOfColumns``, default 20), after the source column."""
    column = ctx.column()
    limit = ctx.integer("maxNumberOfColumns", str(MAX_ONE_HOT_COLUMNS), low=1, high=100)
    text = f"CAST({ident(column)} AS VARCHAR)"
    rows = ctx.probe(
        f"SELECT {text} AS v FROM {SRC} WHERE {text} IS NOT NULL AND {text} <> '' "
        f"GROUP BY v ORDER BY count(*) DESC, v LIMIT {limit}"
    )
    items = []
    for (value,) in sorted(rows):
        name = f"{column}_{value}"
        if name in ctx.frame:
            raise ctx.error(f"Column '{name}' already exists.")
        items.append((name, f"CAST(coalesce({text} = {lit(value)}, false) AS INTEGER)"))
    return ctx.builder().insert_many_after(column, items).build()
