"""Data structure: JOIN and UNION with secondary datasets (resolved by the caller: the job
reads them as DataBrew datasets, the CLI from files)."""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

from etl_local.databrew.base import ROW_ID, SRC, StepContext, Transform, ident, operation

LEFT, RIGHT = "__brew_left", "__brew_right"

# joinType -> (SQL join, predicate keeping the rows DataBrew keeps, on the match markers)
JOINS: dict[str, tuple[str, str | None]] = {
    "INNER_JOIN": ("INNER JOIN", None),
    "LEFT_JOIN": ("LEFT JOIN", None),
    "RIGHT_JOIN": ("RIGHT JOIN", None),
    "OUTER_JOIN": ("FULL JOIN", None),
    "LEFT_EXCLUDING_JOIN": ("LEFT JOIN", f"r.{RIGHT} IS NULL"),
    "RIGHT_EXCLUDING_JOIN": ("RIGHT JOIN", f"l.{LEFT} IS NULL"),
    "OUTER_EXCLUDING_JOIN": ("FULL JOIN", f"(l.{LEFT} IS NULL OR r.{RIGHT} IS NULL)"),
}


def _names(ctx: StepContext, key: str) -> list[str]:
    value = ctx.json(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.error(f"Parameter '{key}' must be a JSON list of column names.")
    return value


@operation("JOIN")
def join(ctx: StepContext) -> Transform:
    """Columns ``leftColumns`` of this dataset, then ``rightColumns`` of the secondary one
    (a name already taken gets the suffix ``_1``), joined on ``joinKeys`` [{key, value}]."""
    other = ctx.secondary(
        ctx.params.get("secondaryDatasetName"), ctx.params.get("secondInputLocation")
    )
    right_types = ctx.describe(other)
    kind, keep = JOINS[ctx.choice("joinType", list(JOINS))]
    keys = ctx.json("joinKeys")
    if (
        not isinstance(keys, list)
        or not keys
        or not all(isinstance(k, dict) and {"key", "value"} <= k.keys() for k in keys)
    ):
        raise ctx.error('Parameter \'joinKeys\' must be a JSON list of {"key", "value"} pairs.')
    left_cols = _names(ctx, "leftColumns") if ctx.has("leftColumns") else ctx.frame.names
    right_cols = _names(ctx, "rightColumns") if ctx.has("rightColumns") else list(right_types)
    ctx.require_columns(left_cols + [k["key"] for k in keys])
    for name in right_cols + [k["value"] for k in keys]:
        if name not in right_types:
            raise ctx.error(f"Column '{name}' does not exist in the secondary dataset.")
    taken = set(left_cols)
    items = [f"l.{ident(c)} AS {ident(c)}" for c in left_cols]
    for c in right_cols:
        out = c if c not in taken else f"{c}_1"
        taken.add(out)
        items.append(f"r.{ident(c)} AS {ident(out)}")
    if ctx.row_id:
        items.append(f"l.{ident(ROW_ID)} AS {ident(ROW_ID)}")
    on = " AND ".join(f"l.{ident(k['key'])} = r.{ident(k['value'])}" for k in keys)
    sql = (
        f"SELECT {', '.join(items)} FROM (SELECT *, 1 AS {LEFT} FROM {SRC}) AS l "
        f"{kind} (SELECT *, 1 AS {RIGHT} FROM {other}) AS r ON {on}"
    )
    return Transform([], query=sql + (f" WHERE {keep}" if keep else ""))


@operation("UNION")
def union(ctx: StepContext) -> Transform:
    """Rows of this dataset and of each secondary one; ``datasetsColumns`` lists, per dataset,
    the column feeding each of ``targetColumnNames`` (null: no such column)."""
    targets = _names(ctx, "targetColumnNames")
    columns = ctx.json("datasetsColumns")
    names = ctx.json("secondaryDatasetNames", [])
    inputs = ctx.json("secondaryInputs", [])
    if (
        not isinstance(columns, list)
        or len(columns) < 2
        or not all(isinstance(c, list) and len(c) == len(targets) for c in columns)
    ):
        raise ctx.error(
            "Parameter 'datasetsColumns' must list, for each dataset, one column (or null) per target column."
        )
    sources = [SRC]
    for i in range(len(columns) - 1):
        name = names[i] if i < len(names) else None
        location = (
            inputs[i].get("S3InputDefinition")
            if i < len(inputs) and isinstance(inputs[i], dict)
            else None
        )
        url = f"s3://{location['Bucket']}/{location.get('Key', '')}" if location else None
        sources.append(ctx.secondary(name, url))
    selects = []
    for index, (relation, mapping) in enumerate(zip(sources, columns, strict=True)):
        available = ctx.frame.names if relation == SRC else list(ctx.describe(relation))
        items = []
        for source_col, target in zip(mapping, targets, strict=True):
            if source_col is not None and source_col not in available:
                raise ctx.error(
                    f"Column '{source_col}' does not exist in dataset {index + 1} of the union."
                )
            items.append(
                f"{'NULL' if source_col is None else ident(source_col)} AS {ident(target)}"
            )
        if ctx.row_id:
            order = (
                ident(ROW_ID)
                if relation == SRC
                else f"{index} * 1000000000000000 + row_number() OVER ()"
            )
            items.append(f"{order} AS {ident(ROW_ID)}")
        selects.append(f"SELECT {', '.join(items)} FROM {relation}")
    return Transform([], query=" UNION ALL BY NAME ".join(selects))
