"""Compile a DataBrew recipe (its list of steps) into one DuckDB query.

Each step becomes one CTE over the previous one (``s0`` is the source), so DuckDB plans the
whole recipe as a single query; only the columns and rows the recipe changes are touched.
Every step is validated - operation, parameters, referenced columns, conditions - and bound
by DuckDB's binder against an empty relation of the source's schema before any data is read.

    steps = json.load(open("glue/recipes/flights.json"))
    compiled = compile_recipe(con, "flights_raw", steps)
    con.sql(compiled.sql).write_parquet("out.parquet")
"""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from etl_local.databrew import operations  # noqa: F401 - registers every operation
from etl_local.databrew.base import (
    OPERATIONS,
    ROW_ID,
    SRC,
    Column,
    Frame,
    Output,
    Step,
    StepContext,
    Transform,
    ident,
    lit,
)
from etl_local.databrew.conditions import condition_sql
from etl_local.databrew.errors import RecipeValidationError

_counter = itertools.count()

# (secondaryDatasetName, S3 location) -> a relation name holding that dataset
Secondary = Callable[[str | None, str | None], str]


def parse_steps(steps: Any) -> list[Step]:
    """Checks the recipe's JSON shape (as CreateRecipe takes it) and numbers the steps."""
    if not isinstance(steps, list):
        raise RecipeValidationError(0, "-", "A recipe must be a list of steps.")
    parsed = []
    for number, raw in enumerate(steps, start=1):
        action = raw.get("Action") if isinstance(raw, Mapping) else None
        if not isinstance(action, Mapping) or not isinstance(action.get("Operation"), str):
            raise RecipeValidationError(number, "-", "Each step needs an Action with an Operation.")
        name = action["Operation"]
        params = action.get("Parameters") or {}
        conditions = raw.get("ConditionExpressions") or []
        if not isinstance(params, Mapping):
            raise RecipeValidationError(number, name, "Parameters must map names to strings.")
        # The API carries strings; the reference's examples sometimes show JSON lists inline.
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        if not isinstance(conditions, list) or not all(isinstance(c, Mapping) for c in conditions):
            raise RecipeValidationError(number, name, "ConditionExpressions must be a list.")
        parsed.append(Step(number, name, dict(params), list(conditions)))
    for step in parsed:
        if step.operation not in OPERATIONS:
            raise step.error(f"Operation '{step.operation}' is not supported.")
    return parsed


@dataclass(frozen=True)
class CompiledRecipe:
    sql: str  # one query over the source relation, yielding the recipe's output
    columns: list[Column]  # the output schema, in DataBrew's column order
    # the input's columns, then each step's output columns
    schemas: list[list[Column]] = field(default_factory=list)


def describe(con: duckdb.DuckDBPyConnection, relation: str) -> list[Column]:
    """The columns of a table/view name or a query."""
    rows = con.execute(f"DESCRIBE {relation}").fetchall()
    return [Column(str(r[0]), str(r[1])) for r in rows]


class _Chain:
    """The CTEs built so far and the name of the latest one.

    Every CTE is NOT MATERIALIZED: a step that reads a whole-column statistic references its
    input twice, and DuckDB would otherwise copy that whole intermediate relation; inlined,
    the statistic reads only the columns it needs.
    """

    def __init__(self, source_sql: str, row_id: bool) -> None:
        self.ctes = [("s0", source_select(source_sql, row_id))]
        self.row_id = row_id

    @property
    def last(self) -> str:
        return self.ctes[-1][0]

    def query(self, tail: str) -> str:
        body = ",\n".join(f"{name} AS NOT MATERIALIZED ({sql})" for name, sql in self.ctes)
        return f"WITH {body}\n{tail}"

    def push(self, sql: str) -> None:
        self.ctes.append((f"s{len(self.ctes)}", sql))


def source_select(source_sql: str, row_id: bool) -> str:
    extra = f", row_number() OVER () AS {ROW_ID}" if row_id else ""
    return f"SELECT *{extra} FROM {source_sql}"


def _render(t: Transform, prev: str, cond: str | None, row_id: bool) -> str:
    if t.query is not None:
        return t.query.replace(SRC, prev)
    guard = cond if t.conditional else None
    items = [_select_item(o, guard) for o in t.columns]
    if row_id:
        order = f"row_number() OVER (ORDER BY {t.order_by})" if t.order_by else ident(ROW_ID)
        items.append(f"{order} AS {ROW_ID}")
    sql = f"SELECT {', '.join(items)} FROM {prev}"
    if t.remove_rows is not None:
        predicate = f"({guard}) AND ({t.remove_rows})" if guard else f"({t.remove_rows})"
        clause = "QUALIFY" if " OVER (" in t.remove_rows else "WHERE"
        sql += f" {clause} NOT coalesce({predicate}, false)"
    if t.order_by and not row_id:
        sql += f" ORDER BY {t.order_by}"
    return sql.replace(SRC, prev)


def _select_item(o: Output, cond: str | None) -> str:
    expr = o.expr
    if cond is not None and o.kind == "set":
        expr = f"CASE WHEN {cond} THEN {o.expr} ELSE {ident(o.name)} END"
    elif cond is not None and o.kind == "new":
        expr = f"CASE WHEN {cond} THEN {o.expr} END"
    return f"{expr} AS {ident(o.name)}"


class _Probe:
    """Runs a query over the step's input (operations that need distinct values)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, chain: _Chain) -> None:
        self._con, self._chain = con, chain

    def __call__(self, sql: str) -> list[tuple[Any, ...]]:
        query = self._chain.query(sql.replace(SRC, self._chain.last))
        return self._con.execute(query).fetchall()


class _Scalar:
    """Evaluates a one-value query over the step's input and inlines it as a typed literal,
    so a statistic is computed once instead of in every later use of the step."""

    def __init__(self, con: duckdb.DuckDBPyConnection, chain: _Chain) -> None:
        self._con, self._chain = con, chain

    def __call__(self, sql: str) -> str:
        inner = sql.replace(SRC, self._chain.last)
        query = self._chain.query(f"SELECT CAST(v AS VARCHAR), typeof(v) FROM ({inner}) AS q(v)")
        rows = self._con.execute(query).fetchall()
        if not rows:  # LIMIT 1 over no rows: a missing value
            return "NULL"
        text, sql_type = rows[0]
        return f"CAST({'NULL' if text is None else lit(text)} AS {sql_type})"


def compile_recipe(
    con: duckdb.DuckDBPyConnection,
    source: str,
    steps: Sequence[Mapping[str, Any]] | list[Step],
    probe: bool = True,
    secondary: Secondary | None = None,
    checked: CompiledRecipe | None = None,
) -> CompiledRecipe:
    """Validates and compiles ``steps`` against ``source`` (a table, view or table function).

    Each step is bound by DuckDB against an empty table of its input's schema. With ``probe``
    (the default) the data is read where a step needs a value of it: whole-column statistics
    (inlined as literals) and one-hot encoding's distinct values - but only after every step
    has been validated without reading a row (``check_recipe``; pass its result as
    ``checked`` when the caller already has it, for a relation of the same schema). The
    checked schemas are reused, so a step is bound once, except after a step whose output
    columns depend on the data. ``secondary`` resolves the other datasets JOIN and UNION
    name to relations. Raises ``RecipeValidationError`` (DataBrew's ValidationException)
    naming the first bad step.
    """
    is_parsed = isinstance(steps, list) and bool(steps) and isinstance(steps[0], Step)
    parsed: list[Step] = steps if is_parsed else parse_steps(steps)  # type: ignore[assignment]
    if not probe:
        return _compile(con, source, parsed, secondary, probe=False, known=None)
    if checked is None:
        checked = _compile(con, source, parsed, secondary, probe=False, known=None)
    return _compile(con, source, parsed, secondary, probe=True, known=checked.schemas)


def _compile(
    con: duckdb.DuckDBPyConnection,
    source: str,
    parsed: list[Step],
    secondary: Secondary | None,
    probe: bool,
    known: list[list[Column]] | None,
) -> CompiledRecipe:
    """One pass over the steps. ``known``: the schemas of a checked pass (``schemas``); a
    step is bound again only once a step before it (or itself) looked at the data."""
    specs = [OPERATIONS[s.operation] for s in parsed]
    row_id = any(s.order_sensitive or s.reorders for s in specs)
    chain = _Chain(source, row_id)
    empties: list[str] = []
    schemas: list[list[Column]] = []

    def empty_table(sql: str) -> str:
        name = f"__brew_schema_{next(_counter)}"
        con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
        empties.append(name)
        return name

    def bound_input() -> str:
        """An empty table of the latest step's output schema (with the row-order column)."""
        return empty_table(chain.query(f"SELECT * FROM {chain.last} LIMIT 0"))

    try:
        bound: str | None = None
        if known:
            inputs = known[0]
        else:
            bound = bound_input()
            inputs = [c for c in describe(con, bound) if c.name != ROW_ID]
        frame = Frame(inputs)
        schemas.append(inputs)
        for index, (step, spec) in enumerate(zip(parsed, specs, strict=True)):
            ctx = StepContext(step, frame)
            ctx.row_id = row_id
            if secondary is not None:
                ctx.secondary = secondary
            ctx.describe = lambda relation: {c.name: c.type for c in describe(con, relation)}
            if probe:
                ctx.probe = _Probe(con, chain)
                ctx.scalar = _Scalar(con, chain)
            transform = spec.compile(ctx)
            cond = condition_sql(step, {c.name: c.type for c in frame.columns})
            if known is not None and bound is None and not spec.probes_data:
                columns = known[index + 1]  # validated already; its schema does not depend on data
            else:
                bound = bound or bound_input()
                try:
                    bound = empty_table(_render(transform, bound, cond, row_id))
                except duckdb.Error as exc:
                    raise step.error(_binder_message(exc)) from exc
                columns = [c for c in describe(con, bound) if c.name != ROW_ID]
            frame = Frame(columns)
            schemas.append(columns)
            chain.push(_render(transform, chain.last, cond, row_id))
    finally:
        for name in empties:
            con.execute(f"DROP TABLE IF EXISTS {name}")
    names = ", ".join(ident(c.name) for c in frame.columns)
    tail = f"SELECT {names} FROM {chain.last}"
    if row_id:
        tail += f" ORDER BY {ident(ROW_ID)}"
    return CompiledRecipe(chain.query(tail), frame.columns, schemas)


def _binder_message(exc: duckdb.Error) -> str:
    text = str(exc).splitlines()[0]
    return text.split(": ", 1)[-1] if ": " in text else text


def check_recipe(
    con: duckdb.DuckDBPyConnection,
    source: str,
    steps: Sequence[Mapping[str, Any]],
    secondary: Secondary | None = None,
) -> CompiledRecipe:
    """Validates every step against ``source``'s schema; reads no rows."""
    return compile_recipe(con, source, steps, probe=False, secondary=secondary)


def validate_recipe(
    con: duckdb.DuckDBPyConnection,
    source: str,
    steps: Sequence[Mapping[str, Any]],
    secondary: Secondary | None = None,
) -> list[Column]:
    """Validates every step against ``source``'s schema; reads no rows. Returns the output
    schema."""
    return check_recipe(con, source, steps, secondary).columns


def run_recipe(
    con: duckdb.DuckDBPyConnection,
    source: str,
    steps: Sequence[Mapping[str, Any]],
    secondary: Secondary | None = None,
) -> duckdb.DuckDBPyRelation:
    """Validates, compiles and returns the recipe's output as a lazy DuckDB relation."""
    return con.sql(compile_recipe(con, source, steps, secondary=secondary).sql)
