"""Athena (Trino) SQL -> DuckDB SQL: sqlglot does the dialect, the tables here state the rest.

``FUNCTIONS`` rewrites Trino functions that sqlglot leaves as they are but DuckDB names or
behaves differently; ``DUCKDB_ERRORS`` turns DuckDB's errors into Athena's, with the
``line:column`` of the offending name in the *original* statement.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import cast

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from etl_local.athena import functions
from etl_local.athena.errors import AthenaQueryError, at

READ = "athena"
WRITE = "duckdb"


class _CommandFallbackFilter(logging.Filter):
    """MSCK/SHOW/UNLOAD/ALTER ... ADD are parsed as commands on purpose: no warning each time."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_CommandFallbackFilter())


def parse(sql: str) -> exp.Expression:
    """One statement parsed (a fresh tree: callers rewrite it in place). A view's text or a
    statement run again is parsed once."""
    return _parse(sql).copy()


@functools.lru_cache(maxsize=256)
def _parse(sql: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read=READ) if s is not None]
    except ParseError as err:
        info = err.errors[0] if err.errors else {}
        line, col = info.get("line", 1), info.get("col", 1)
        token = info.get("highlight") or ""
        raise AthenaQueryError(
            "SYNTAX_ERROR", f"line {line}:{col}: mismatched input '{token}'"
        ) from err
    if len(statements) != 1:
        raise AthenaQueryError(
            "SYNTAX_ERROR", "Only one sql statement is allowed. Got: " + str(len(statements))
        )
    return cast(exp.Expression, statements[0])


def name_output_columns(select: exp.Expression) -> None:
    """Trino names an unnamed output expression ``_col<N>`` (0-based position)."""
    for query in _output_selects(select):
        for index, projection in enumerate(query.expressions):
            if not isinstance(projection, (exp.Alias, exp.Column, exp.Star)) and not (
                isinstance(projection, exp.Dot)
            ):
                projection.replace(exp.alias_(projection.copy(), f"_col{index}", quoted=True))


def _output_selects(query: exp.Expression) -> list[exp.Select]:
    if isinstance(query, exp.Select):
        return [query]
    if isinstance(query, exp.SetOperation):
        return _output_selects(query.this)
    if isinstance(query, exp.Subquery):
        return _output_selects(query.this)
    return []


def annotate(query: exp.Expression, columns: dict[str, dict[str, str]]) -> exp.Expression:
    """``query`` qualified and type-annotated (a copy), or unchanged when sqlglot cannot."""
    schema: dict[str, object] = dict(columns)
    try:
        qualified = qualify(
            query.copy(),
            dialect=READ,
            schema=schema,
            validate_qualify_columns=False,
            quote_identifiers=False,
            identify=False,
        )
        return annotate_types(qualified, schema=schema, dialect=READ)
    except (OptimizeError, KeyError, ValueError, TypeError, AttributeError):
        return query


def to_duckdb(query: exp.Expression, schema: dict[str, dict[str, str]] | None = None) -> str:
    typed = annotate(query, schema or {})
    return functions.rewrite(typed).sql(WRITE)


# ------------------------------------------------------------------------ error mapping

ErrorRule = tuple[
    type[Exception],
    re.Pattern[str],
    Callable[[str, exp.Expression, re.Match[str]], AthenaQueryError],
]


def _first(tree: exp.Expression, kind: type[exp.Expression], name: str) -> int:
    """Character offset of the first ``kind`` node called ``name`` in the original statement."""
    for node in tree.find_all(kind):
        if node.name.lower() == name.lower():
            target = node.this if isinstance(node.this, exp.Expression) else node
            return int((target.meta or {}).get("start", 0))
    return 0


def _column_not_found(sql: str, tree: exp.Expression, m: re.Match[str]) -> AthenaQueryError:
    name = m.group(1).split(".")[-1]
    return at(
        sql,
        _first(tree, exp.Column, name),
        "COLUMN_NOT_FOUND",
        f"Column '{name}' cannot be resolved",
    )


def _function_not_found(sql: str, tree: exp.Expression, m: re.Match[str]) -> AthenaQueryError:
    name = m.group(1)
    return at(
        sql,
        _first(tree, exp.Anonymous, name),
        "FUNCTION_NOT_FOUND",
        f"Function '{name.lower()}' not registered",
    )


# DuckDB's physical type names in conversion errors -> the names Trino's message uses
CAST_TYPE_NAMES: dict[str, str] = {
    "INT8": "TINYINT",
    "INT16": "SMALLINT",
    "INT32": "INT",
    "INT64": "BIGINT",
    "FLOAT": "REAL",
    "BOOL": "BOOLEAN",
}


def _cast(sql: str, tree: exp.Expression, m: re.Match[str]) -> AthenaQueryError:
    del tree
    target = CAST_TYPE_NAMES.get(m.group(2), m.group(2))
    return AthenaQueryError("INVALID_CAST_ARGUMENT", f"Cannot cast '{m.group(1)}' to {target}")


def _bad_json(sql: str, tree: exp.Expression, m: re.Match[str]) -> AthenaQueryError:
    del sql, tree
    detail = "Duplicate key" if m.group(0).startswith("Map keys") else m.group(0)
    return AthenaQueryError(
        "HIVE_CURSOR_ERROR", f"Row is not a valid JSON Object - JSONException: {detail}"
    )


def _generic(name: str) -> Callable[[str, exp.Expression, re.Match[str]], AthenaQueryError]:
    return lambda sql, tree, m: AthenaQueryError(name, m.group(1).split("\n\nLINE")[0])


DUCKDB_ERRORS: list[ErrorRule] = [
    (
        duckdb.BinderException,
        re.compile(r'Column "([^"]+)" referenced that exists in the SELECT clause'),
        _column_not_found,
    ),
    (
        duckdb.BinderException,
        re.compile(r'Referenced column "([^"]+)" not found'),
        _column_not_found,
    ),
    (
        duckdb.BinderException,
        re.compile(r'Values list "[^"]+" does not have a column named "([^"]+)"'),
        _column_not_found,
    ),
    (
        duckdb.CatalogException,
        re.compile(r"Function with name (\w+) does not exist"),
        _function_not_found,
    ),
    (duckdb.ConversionException, re.compile(r"Could not convert string '(.*)' to (\w+)"), _cast),
    (
        duckdb.InvalidInputException,
        re.compile(r"Malformed JSON in file [^\n]*|Map keys must be unique"),
        _bad_json,
    ),
    (duckdb.OutOfRangeException, re.compile(r"(.*)", re.S), _generic("NUMERIC_VALUE_OUT_OF_RANGE")),
    (duckdb.BinderException, re.compile(r"(.*)", re.S), _generic("SYNTAX_ERROR")),
    (duckdb.ParserException, re.compile(r"(.*)", re.S), _generic("SYNTAX_ERROR")),
    (duckdb.ConversionException, re.compile(r"(.*)", re.S), _generic("INVALID_CAST_ARGUMENT")),
    (
        duckdb.InvalidInputException,
        re.compile(r"(.*)", re.S),
        _generic("INVALID_FUNCTION_ARGUMENT"),
    ),
    (duckdb.Error, re.compile(r"(.*)", re.S), _generic("GENERIC_INTERNAL_ERROR")),
]


def translate_error(error: Exception, sql: str, tree: exp.Expression) -> AthenaQueryError:
    text = re.sub(r"^[A-Za-z ]+ Error: ", "", str(error))
    for kind, pattern, build in DUCKDB_ERRORS:
        if isinstance(error, kind):
            match = pattern.search(text)
            if match:
                return build(sql, tree, match)
    return AthenaQueryError("GENERIC_INTERNAL_ERROR", text)
