"""Values as Athena prints them (CSV / GetQueryResults) and as `etl-local query --format json`."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from etl_local.athena.api import bind_parameters
from etl_local.athena.results import (
    QueryResult,
    ResultColumn,
    format_json_value,
    format_value,
    result_csv,
)
from etl_local.athena.types import athena_column_type, duckdb_to_hive, hive_to_duckdb
from etl_local.awserrors import AwsError

pytestmark = pytest.mark.unit

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(None, None, id="null"),
        pytest.param(True, "true", id="boolean"),
        pytest.param(42, "42", id="integer"),
        pytest.param(1.5, "1.5", id="double"),
        pytest.param(1.0, "1.0", id="double-integral"),
        pytest.param(1e10, "1.0E10", id="double-large-scientific"),
        pytest.param(1.5e-5, "1.5E-5", id="double-small-scientific"),
        pytest.param(float("nan"), "NaN", id="nan"),
        pytest.param(float("-inf"), "-Infinity", id="negative-infinity"),
        pytest.param(Decimal("1.50"), "1.50", id="decimal-keeps-scale"),
        pytest.param("text", "text", id="varchar"),
        pytest.param(dt.date(2013, 1, 2), "2013-01-02", id="date"),
        pytest.param(
            dt.datetime(2013, 1, 2, 3, 4, 5, 123456),
            "2013-01-02 03:04:05.123",
            id="timestamp-millis",
        ),
        pytest.param(
            dt.datetime(2013, 1, 2, 3, 4, 5, tzinfo=UTC),
            "2013-01-02 03:04:05.000 UTC",
            id="timestamptz",
        ),
        pytest.param([1, None, 3], "[1, NULL, 3]", id="array"),
        pytest.param({"a": 1, "b": [2]}, "{a=1, b=[2]}", id="map-or-row"),
        pytest.param(b"abc", "61 62 63", id="varbinary"),
        pytest.param(dt.timedelta(days=1, hours=2), "1 02:00:00.000", id="interval"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="null"),
        pytest.param(7, 7, id="integer"),
        pytest.param(2.5, 2.5, id="double"),
        pytest.param(Decimal("3"), 3, id="decimal-integral"),
        pytest.param(Decimal("1.25"), 1.25, id="decimal"),
        pytest.param(False, False, id="boolean"),
        pytest.param("x", "x", id="string"),
        pytest.param(dt.date(2020, 1, 2), "2020-01-02", id="date-iso"),
        pytest.param(
            dt.datetime(2020, 1, 2, 3, 4, 5),
            "2020-01-02 03:04:05.000",
            id="timestamp-as-athena-csv",
        ),
        pytest.param([1, [2, None]], [1, [2, None]], id="nested-array"),
        pytest.param({"k": dt.date(2020, 1, 1)}, {"k": "2020-01-01"}, id="map"),
        pytest.param({1: "a"}, {"1": "a"}, id="map-numeric-keys"),
        pytest.param(float("inf"), "Infinity", id="infinity-not-json"),
    ],
)
def test_format_json_value(value, expected):
    converted = format_json_value(value)
    assert converted == expected
    json.dumps(converted)  # always serialisable


def test_result_csv_quotes_everything_but_null():
    result = QueryResult(
        "DML",
        "SELECT",
        columns=[ResultColumn("a", "VARCHAR"), ResultColumn("b", "INTEGER")],
        rows=[('say "hi"', None)],
    )
    assert result_csv(result) == b'"a","b"\n"say ""hi""",\n'


@pytest.mark.parametrize(
    ("duckdb_type", "athena"),
    [
        ("VARCHAR", ("varchar", 2147483647, 0)),
        ("INTEGER", ("integer", 10, 0)),
        ("BIGINT", ("bigint", 19, 0)),
        ("HUGEINT", ("bigint", 0, 0)),
        ("DOUBLE", ("double", 17, 0)),
        ("FLOAT", ("real", 17, 0)),
        ("DECIMAL(10,2)", ("decimal", 10, 2)),
        ("DATE", ("date", 0, 0)),
        ("TIMESTAMP", ("timestamp", 3, 0)),
        ("TIMESTAMP WITH TIME ZONE", ("timestamp with time zone", 0, 0)),
        ("VARCHAR[]", ("array", 0, 0)),
        ("MAP(VARCHAR, INTEGER)", ("map", 0, 0)),
        ("STRUCT(a INTEGER)", ("row", 0, 0)),
        ("BOOLEAN", ("boolean", 0, 0)),
    ],
)
def test_athena_column_types(duckdb_type, athena):
    assert athena_column_type(duckdb_type) == athena


@pytest.mark.parametrize(
    ("hive", "duckdb", "back"),
    [
        ("string", "TEXT", "string"),
        ("int", "INT", "int"),
        ("decimal(10,2)", "DECIMAL(10, 2)", "decimal(10,2)"),
        ("array<string>", "TEXT[]", "array<string>"),
        ("map<string,int>", "MAP(TEXT, INT)", "map<string,int>"),
        ("struct<x:int,y:string>", "STRUCT(x INT, y TEXT)", "struct<x:int,y:string>"),
    ],
)
def test_glue_types_round_trip(hive, duckdb, back):
    assert hive_to_duckdb(hive) == duckdb
    assert duckdb_to_hive(duckdb) == back


@pytest.mark.parametrize(
    ("sql", "params", "bound"),
    [
        ("SELECT ?", ["1"], "SELECT 1"),
        ("SELECT '?', ?", ["'x'"], "SELECT '?', 'x'"),
        ("SELECT ? -- ?\n, ?", ["1", "2"], "SELECT 1 -- ?\n, 2"),
    ],
)
def test_bind_parameters(sql, params, bound):
    assert bind_parameters(sql, params) == bound


def test_bind_parameters_counts_must_match():
    with pytest.raises(AwsError) as err:
        bind_parameters("SELECT ?, ?", ["1"])
    assert err.value.code == "InvalidRequestException"
