"""Type names across the three worlds: Hive/Glue DDL, DuckDB, and Athena's result metadata."""

from __future__ import annotations

import re

from sqlglot import exp

# DuckDB result types Trino has no equivalent for: coerce before results/CTAS are written.
DUCKDB_COERCIONS: dict[str, str] = {
    "HUGEINT": "BIGINT",
    "UHUGEINT": "BIGINT",
    "UBIGINT": "BIGINT",
    "UINTEGER": "BIGINT",
    "USMALLINT": "INTEGER",
    "UTINYINT": "SMALLINT",
    "TIMESTAMP_NS": "TIMESTAMP",
    "TIMESTAMP_MS": "TIMESTAMP",
    "TIMESTAMP_S": "TIMESTAMP",
}

# Athena's ColumnInfo.Type for the DuckDB types whose Trino name differs from sqlglot's.
_ATHENA_BASE_NAMES: dict[str, str] = {
    "HUGEINT": "bigint",
    "UBIGINT": "bigint",
    "UINTEGER": "bigint",
    "INTERVAL": "interval day to second",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "TIME WITH TIME ZONE": "time with time zone",
    "JSON": "json",
    "UUID": "uuid",
}

_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def hive_to_duckdb(hive_type: str) -> str:
    """A Glue column type (``array<string>``, ``decimal(10,2)``) as a DuckDB type."""
    return exp.DataType.build(hive_type, dialect="hive").sql("duckdb")


def duckdb_to_hive(duckdb_type: str) -> str:
    """A DuckDB type as Athena writes it into the Glue catalog (``struct<a:int,b:string>``)."""
    duckdb_type = DUCKDB_COERCIONS.get(duckdb_type, duckdb_type)
    text = exp.DataType.build(duckdb_type, dialect="duckdb").sql("hive").lower()
    return re.sub(r"(,|:)\s+", r"\1", text)


def is_string_type(hive_type: str) -> bool:
    return hive_type.lower().split("(")[0] in {"string", "varchar", "char"}


def athena_column_type(duckdb_type: str) -> tuple[str, int, int]:
    """(Type, Precision, Scale) of a result column as Athena's ColumnInfo names it."""
    upper = duckdb_type.upper()
    decimal = _DECIMAL.match(upper)
    if decimal:
        return "decimal", int(decimal.group(1)), int(decimal.group(2))
    if upper in _ATHENA_BASE_NAMES:
        return _ATHENA_BASE_NAMES[upper], 0, 0
    name = exp.DataType.build(duckdb_type, dialect="duckdb").sql("athena").lower()
    base = name.split("(")[0]
    return base, _PRECISIONS.get(base, 0), 0


# ColumnInfo.Precision as Athena reports it for the fixed-size types.
_PRECISIONS: dict[str, int] = {
    "varchar": 2147483647,
    "bigint": 19,
    "integer": 10,
    "smallint": 5,
    "tinyint": 3,
    "double": 17,
    "real": 17,
    "boolean": 0,
    "date": 0,
    "timestamp": 3,
}
