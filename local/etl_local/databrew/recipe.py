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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
)
from etl_local.databrew.conditions import condition_sql
from etl_local.databrew.errors import RecipeValidationError

_counter = itertools.count()


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


def describe(con: duckdb.DuckDBPyConnection, query: str) -> list[Column]:
    rows = con.execute(f"DESCRIBE {query}").fetchall()
    return [Column(str(r[0]), str(r[1])) for r in rows]


class _Chain:
    """The CTEs built so far and the name of the latest one."""

    def __init__(self, source_sql: str, row_id: bool) -> None:
        extra = f", row_number() OVER () AS {ROW_ID}" if row_id else ""
        self.ctes = [("s0", f"SELECT *{extra} FROM {source_sql}")]
        self.row_id = row_id

    @property
    def last(self) -> str:
        return self.ctes[-1][0]

    def query(self, tail: str) -> str:
        body = ",\n".join(f"{name} AS ({sql})" for name, sql in self.ctes)
        return f"WITH {body}\n{tail}"

    def push(self, sql: str) -> None:
        self.ctes.append((f"s{len(self.ctes)}", sql))


def _render(t: Transform, prev: str, cond: str | None, chain: _Chain) -> str:
    if t.query is not None:
        return t.query.replace(SRC, prev)
    guard = cond if t.conditional else None
    items = [_select_item(o, guard) for o in t.columns]
    if chain.row_id:
        order = f"row_number() OVER (ORDER BY {t.order_by})" if t.order_by else ident(ROW_ID)
        items.append(f"{order} AS {ROW_ID}")
    sql = f"SELECT {', '.join(items)} FROM {prev}"
    if t.remove_rows is not None:
        predicate = f"({guard}) AND ({t.remove_rows})" if guard else f"({t.remove_rows})"
        clause = "QUALIFY" if " OVER (" in t.remove_rows else "WHERE"
        sql += f" {clause} NOT coalesce({predicate}, false)"
    if t.order_by and not chain.row_id:
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


def compile_recipe(
    con: duckdb.DuckDBPyConnection, source: str, steps: Sequence[Mapping[str, Any]] | list[Step]
) -> CompiledRecipe:
    """Validates and compiles ``steps`` against ``source`` (a table, view or table function).

    Raises ``RecipeValidationError`` (DataBrew's ValidationException) naming the first bad
    step. Operations that must look at the data (one-hot encoding) query the source here.
    """
    is_parsed = isinstance(steps, list) and bool(steps) and isinstance(steps[0], Step)
    parsed = steps if is_parsed else parse_steps(steps)
    specs = [OPERATIONS[s.operation] for s in parsed]  # type: ignore[union-attr]
    chain = _Chain(source, row_id=any(s.order_sensitive or s.reorders for s in specs))
    frame = Frame([c for c in describe(con, chain.query("SELECT * FROM s0")) if c.name != ROW_ID])
    for step, spec in zip(parsed, specs, strict=True):
        assert isinstance(step, Step)
        ctx = StepContext(step, frame)
        ctx.row_id = chain.row_id
        ctx.probe = _Probe(con, chain)
        transform = spec.compile(ctx)
        cond = condition_sql(step, {c.name: c.type for c in frame.columns})
        chain.push(_render(transform, chain.last, cond, chain))
        try:
            columns = describe(con, chain.query(f"SELECT * FROM {chain.last}"))
        except duckdb.Error as exc:
            raise step.error(_binder_message(exc)) from exc
        frame = Frame([c for c in columns if c.name != ROW_ID])
    names = ", ".join(ident(c.name) for c in frame.columns)
    tail = f"SELECT {names} FROM {chain.last}"
    if chain.row_id:
        tail += f" ORDER BY {ident(ROW_ID)}"
    return CompiledRecipe(chain.query(tail), frame.columns)


def _binder_message(exc: duckdb.Error) -> str:
    text = str(exc).splitlines()[0]
    return text.split(": ", 1)[-1] if ": " in text else text


def validate_recipe(
    con: duckdb.DuckDBPyConnection, source: str, steps: Sequence[Mapping[str, Any]]
) -> list[Column]:
    """Validates against an empty relation with ``source``'s schema; reads no rows."""
    empty = f"__brew_empty_{next(_counter)}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {empty} AS SELECT * FROM {source} LIMIT 0")
    try:
        return compile_recipe(con, empty, steps).columns
    finally:
        con.execute(f"DROP VIEW IF EXISTS {empty}")


def run_recipe(
    con: duckdb.DuckDBPyConnection, source: str, steps: Sequence[Mapping[str, Any]]
) -> duckdb.DuckDBPyRelation:
    """Validates, compiles and returns the recipe's output as a lazy DuckDB relation."""
    validate_recipe(con, source, steps)
    return con.sql(compile_recipe(con, source, steps).sql)
