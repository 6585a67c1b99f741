"""EXPLAIN and EXPLAIN ANALYZE: Athena's options, errors and result shape; the plan is the
local engine's own (DuckDB's), since that is what runs the statement here.

    EXPLAIN [ ( option [, ...] ) ] statement      FORMAT {TEXT|GRAPHVIZ|JSON}
                                                   TYPE {LOGICAL|DISTRIBUTED|VALIDATE|IO}
    EXPLAIN ANALYZE [ ( option [, ...] ) ] statement   FORMAT {TEXT|JSON}

A plan is one row of column ``Query Plan``; ``TYPE VALIDATE`` answers one row of column
``Valid`` (true, or the statement's own error); ``TYPE IO`` lists the catalog tables read and
the table written, as JSON. Plain EXPLAIN scans no data (DataScannedInBytes 0).
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, cast

import duckdb
from sqlglot import exp

from etl_local.athena import dialect
from etl_local.athena.errors import AthenaQueryError
from etl_local.athena.results import QueryResult, ResultColumn
from etl_local.athena.statement import Statement
from etl_local.athena.tables import Scope, resolve_tables

_EXPLAIN = re.compile(
    r"^\s*(?P<analyze>ANALYZE\s+)?(?:\((?P<options>[^)]*)\)\s*)?(?P<statement>.*?)[\s;]*$",
    re.S | re.I,
)
OPTIONS: dict[str, frozenset[str]] = {
    "FORMAT": frozenset({"TEXT", "GRAPHVIZ", "JSON"}),
    "TYPE": frozenset({"LOGICAL", "DISTRIBUTED", "VALIDATE", "IO"}),
}
ANALYZE_FORMATS = frozenset({"TEXT", "JSON"})
# Athena FORMAT -> DuckDB's EXPLAIN format
DUCKDB_FORMATS = {"TEXT": "text", "GRAPHVIZ": "graphviz", "JSON": "json"}
QUERIES = (exp.Query,)  # SELECT, set operations, VALUES


def _options(text: str | None) -> dict[str, str]:
    options: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, _, value = item.upper().partition(" ")
        value = value.strip()
        if name not in OPTIONS or value not in OPTIONS[name]:
            raise AthenaQueryError("SYNTAX_ERROR", f"line 1:1: Invalid EXPLAIN option: {item}")
        if name in options:
            raise AthenaQueryError("SYNTAX_ERROR", f"line 1:1: Duplicate EXPLAIN option: {name}")
        options[name] = value
    return options


def _query_of(tree: exp.Expression) -> exp.Expression:
    """The query a statement runs: itself, or the SELECT of a CTAS/INSERT."""
    if isinstance(tree, QUERIES):
        return tree
    query = tree.expression
    if isinstance(tree, (exp.Create, exp.Insert)) and isinstance(query, QUERIES):
        return cast(exp.Expression, query)
    raise AthenaQueryError(
        "NOT_SUPPORTED", "EXPLAIN is supported locally for queries, CTAS and INSERT only"
    )


def run_explain(stmt: Statement) -> QueryResult:
    expression = stmt.tree.expression
    text = str(expression.this) if isinstance(expression, exp.Literal) else ""
    match = _EXPLAIN.match(text)
    if match is None or not match.group("statement"):
        raise AthenaQueryError("SYNTAX_ERROR", "line 1:8: mismatched input '<EOF>'")
    analyze = bool(match.group("analyze"))
    options = _options(match.group("options"))
    fmt, kind = options.get("FORMAT", "TEXT"), options.get("TYPE", "DISTRIBUTED")
    if analyze and "TYPE" in options:
        raise AthenaQueryError("NOT_SUPPORTED", "EXPLAIN ANALYZE does not support the TYPE option")
    if analyze and fmt not in ANALYZE_FORMATS:
        raise AthenaQueryError("NOT_SUPPORTED", f"EXPLAIN ANALYZE does not support FORMAT {fmt}")
    if kind == "IO" and fmt != "JSON":
        raise AthenaQueryError("NOT_SUPPORTED", "EXPLAIN (TYPE IO) supports FORMAT JSON only")
    # the explained statement, blanked before it so errors give line:column in the whole text
    start = stmt.sql.find(text) + match.start("statement")
    inner_sql = re.sub(r"[^\n]", " ", stmt.sql[:start]) + match.group("statement")
    tree = dialect.parse(inner_sql)
    scope = dataclasses.replace(stmt.scope, sql=inner_sql)
    try:
        return _explain(stmt, scope, tree, analyze, fmt, kind)
    except duckdb.Error as err:
        raise dialect.translate_error(err, inner_sql, tree) from err


def _explain(
    stmt: Statement, scope: Scope, tree: exp.Expression, analyze: bool, fmt: str, kind: str
) -> QueryResult:
    query = _query_of(tree)
    resolve_tables(scope, query)
    dialect.name_output_columns(query)
    sql = dialect.to_duckdb(query, scope.schema)
    cursor = scope.cursor
    if analyze:
        rows = cursor.execute(f"EXPLAIN (ANALYZE, FORMAT {DUCKDB_FORMATS[fmt]}) {sql}").fetchall()
        stmt.scope.scanned_bytes = scope.scanned_bytes
        return _plan([str(r[1]) for r in rows])
    stmt.scope.scanned_bytes = 0  # EXPLAIN reads metadata only
    if kind == "VALIDATE":
        cursor.execute(f"DESCRIBE {sql}")  # binds the query: its errors are the answer
        return _explained([ResultColumn("Valid", "BOOLEAN")], [(True,)])
    if kind == "IO":
        return _plan([json.dumps(_io(stmt, scope, tree), indent=2)])
    rows = cursor.execute(f"EXPLAIN (FORMAT {DUCKDB_FORMATS[fmt]}) {sql}").fetchall()
    return _plan([str(r[1]) for r in rows])


def _io(stmt: Statement, scope: Scope, tree: exp.Expression) -> dict[str, Any]:
    def table(database: str, name: str) -> dict[str, Any]:
        return {"catalog": "awsdatacatalog", "schemaTable": {"schema": database, "table": name}}

    inputs = [
        {"table": table(database, name), "columnConstraints": []}
        for (database, name), found in sorted(scope.tables.items())
        if not found.is_view
    ]
    plan: dict[str, Any] = {"inputTableColumnInfos": inputs}
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if isinstance(tree, (exp.Create, exp.Insert)) and isinstance(target, exp.Table):
        database, name = stmt.table_name(target)
        plan["outputTable"] = table(database, name)
    return plan


def _plan(parts: list[str]) -> QueryResult:
    return _explained([ResultColumn("Query Plan", "VARCHAR")], [("\n".join(parts),)])


def _explained(columns: list[ResultColumn], rows: list[tuple[Any, ...]]) -> QueryResult:
    return QueryResult("UTILITY", "EXPLAIN", columns=columns, rows=rows, header=False)
