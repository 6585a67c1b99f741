"""Data profiles: column statistics and correlations as a JSON report shaped like DataBrew's
profile output, computed by DuckDB in a handful of whole-table queries."""

# ruff: noqa: S608 - SQL is compiled here: identifiers via ident(), literals via lit()

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from etl_local.databrew.base import ident, is_numeric, is_temporal, is_text
from etl_local.databrew.recipe import describe

TOP_VALUES = 5
HISTOGRAM_BINS = 10

# DuckDB type -> DataBrew's column type in the profile
TYPE_NAMES = {"VARCHAR": "string", "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp"}
TYPE_NAMES |= {"TINYINT": "byte", "SMALLINT": "short", "INTEGER": "int", "BIGINT": "bigint"}
TYPE_NAMES |= {"FLOAT": "float", "DOUBLE": "double"}


def _type_name(sql_type: str) -> str:
    return (
        "decimal" if sql_type.startswith("DECIMAL") else TYPE_NAMES.get(sql_type, sql_type.lower())
    )


def _plain(value: Any) -> Any:
    """JSON-safe: dates as ISO text, NaN as null."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def _column_aggregates(name: str, sql_type: str) -> list[tuple[str, str]]:
    col = ident(name)
    missing = f"{col} IS NULL" + (f" OR {col} = ''" if is_text(sql_type) else "")
    out = [
        ("missingValuesCount", f"count(*) FILTER (WHERE {missing})"),
        ("distinctValuesCount", f"count(DISTINCT {col})"),
    ]
    if is_numeric(sql_type):
        x = f"CAST({col} AS DOUBLE)"
        out += [
            ("min", f"min({x})"),
            ("max", f"max({x})"),
            ("mean", f"avg({x})"),
            ("median", f"median({x})"),
            ("sum", f"sum({x})"),
            ("standardDeviation", f"stddev_samp({x})"),
            ("variance", f"var_samp({x})"),
            ("skewness", f"skewness({x})"),
            ("kurtosis", f"kurtosis({x})"),
            ("zerosCount", f"count(*) FILTER (WHERE {x} = 0)"),
            ("percentile25", f"quantile_cont({x}, 0.25)"),
            ("percentile75", f"quantile_cont({x}, 0.75)"),
        ]
    elif is_temporal(sql_type) or is_text(sql_type):
        out += [("min", f"min({col})"), ("max", f"max({col})")]
    if is_text(sql_type):
        out += [
            ("minLength", f"min(length({col}))"),
            ("maxLength", f"max(length({col}))"),
        ]
    return out


def _selected(name: str, selectors: Sequence[Mapping[str, str]] | None) -> bool:
    if not selectors:
        return True
    return any(
        name == s.get("Name") or (s.get("Regex") and re.fullmatch(s["Regex"], name))
        for s in selectors
    )


def profile(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    dataset_name: str = "",
    job_name: str | None = None,
    run_id: str | None = None,
    profile_columns: Sequence[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """The profile report of ``relation`` (a table, view or table function). A profile job's
    ``Configuration.ProfileColumns`` (column selectors: ``Name`` or ``Regex``) limits the
    columns described; duplicate rows are still counted over every column."""
    every = describe(con, f"SELECT * FROM {relation}")
    columns = [c for c in every if _selected(c.name, profile_columns)]
    plan = [(c, key, sql) for c in columns for key, sql in _column_aggregates(c.name, c.type)]
    selects = ["count(*)"] + [sql for _, _, sql in plan]
    row = con.execute(f"SELECT {', '.join(selects)} FROM {relation}").fetchone()
    assert row is not None
    rows = int(row[0])
    stats: dict[str, dict[str, Any]] = {c.name: {} for c in columns}
    for (column, key, _), value in zip(plan, row[1:], strict=True):
        stats[column.name][key] = _plain(value)
    duplicates = con.execute(
        f"SELECT count(*) - count(DISTINCT ({', '.join(ident(c.name) for c in every)})) FROM {relation}"
    ).fetchone()
    report_columns = []
    for column in columns:
        entry = {"name": column.name, "type": _type_name(column.type), **stats[column.name]}
        entry["valuesCount"] = rows - entry["missingValuesCount"]
        entry["mostCommonValues"] = _top_values(con, relation, column.name, rows)
        if is_numeric(column.type) and entry.get("min") is not None:
            entry["interquartileRange"] = entry["percentile75"] - entry["percentile25"]
            entry["histogram"] = _histogram(con, relation, column.name, entry["min"], entry["max"])
        report_columns.append(entry)
    report: dict[str, Any] = {
        "datasetName": dataset_name,
        "sampleSize": rows,
        "rowsCount": rows,
        "columnsCount": len(every),
        "duplicateRowsCount": int(duplicates[0]) if duplicates else 0,
        "columns": report_columns,
        "correlations": _correlations(
            con, relation, [c.name for c in columns if is_numeric(c.type)]
        ),
    }
    if job_name:
        report["jobName"] = job_name
    if run_id:
        report["jobRunId"] = run_id
    return report


def _top_values(
    con: duckdb.DuckDBPyConnection, relation: str, name: str, rows: int
) -> list[dict[str, Any]]:
    col = ident(name)
    result = con.execute(
        f"SELECT {col}, count(*) AS n FROM {relation} WHERE {col} IS NOT NULL "
        f"GROUP BY {col} ORDER BY n DESC, {col} LIMIT {TOP_VALUES}"
    ).fetchall()
    return [
        {"value": _plain(value), "count": int(n), "ratio": round(n / rows, 6) if rows else 0.0}
        for value, n in result
    ]


def _histogram(
    con: duckdb.DuckDBPyConnection, relation: str, name: str, low: float, high: float
) -> list[dict[str, Any]]:
    width = (high - low) / HISTOGRAM_BINS or 1.0
    x = f"CAST({ident(name)} AS DOUBLE)"
    bucket = f"least(CAST(floor(({x} - {low!r}) / {width!r}) AS INTEGER), {HISTOGRAM_BINS - 1})"
    counts = dict(
        con.execute(
            f"SELECT {bucket} AS b, count(*) FROM {relation} WHERE {x} IS NOT NULL GROUP BY b"
        ).fetchall()
    )
    return [
        {"min": low + i * width, "max": low + (i + 1) * width, "count": int(counts.get(i, 0))}
        for i in range(HISTOGRAM_BINS)
    ]


def _correlations(
    con: duckdb.DuckDBPyConnection, relation: str, names: list[str]
) -> dict[str, dict[str, float | None]]:
    """Pearson correlation of every pair of numeric columns (each with itself: 1)."""
    pairs = list(itertools.combinations(names, 2))
    matrix: dict[str, dict[str, float | None]] = {n: {n: 1.0} for n in names}
    if not pairs:
        return matrix
    exprs = [f"corr(CAST({ident(a)} AS DOUBLE), CAST({ident(b)} AS DOUBLE))" for a, b in pairs]
    row = con.execute(f"SELECT {', '.join(exprs)} FROM {relation}").fetchone()
    assert row is not None
    for (a, b), value in zip(pairs, row, strict=True):
        matrix[a][b] = matrix[b][a] = _plain(value)
    return matrix
