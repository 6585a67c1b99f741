"""Pure pieces of local DataBrew: date patterns, run lifecycle, output options, S3 key patterns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from etl_local.awserrors import ValidationException
from etl_local.databrew.jobs import JobRun
from etl_local.databrew.operations.dates import strftime_pattern
from etl_local.databrew.storage import copy_options, filter_holds, resolve_s3_input
from moto import mock_aws

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy-MM-dd", "%Y-%m-%d"),
        ("yyyy-MM-dd HH:mm:ss", "%Y-%m-%d %H:%M:%S"),
        ("mm/dd/yyyy", "%m/%d/%Y"),  # DataBrew's own style: mm is the month without hours
        ("dd MMM yy", "%d %b %y"),
        ("EEEE, MMMM dd", "%A, %B %d"),
        ("hh:mm a", "%I:%M %p"),
        ("100%", "100%%"),
    ],
    ids=[
        "iso_date",
        "iso_datetime",
        "databrew_month_first",
        "short_month",
        "names",
        "12h",
        "percent",
    ],
)
def test_strftime_pattern(pattern: str, expected: str) -> None:
    assert strftime_pattern(pattern) == expected


@pytest.mark.parametrize(
    ("moves", "final", "completed"),
    [
        (["RUNNING", "SUCCEEDED"], "SUCCEEDED", True),
        (["RUNNING", "FAILED"], "FAILED", True),
        (["RUNNING", "STOPPING", "STOPPED"], "STOPPED", True),
        (["RUNNING", "TIMEOUT", "SUCCEEDED"], "TIMEOUT", True),  # a late success loses
        (["STOPPED", "RUNNING"], "STOPPED", True),
        (["RUNNING"], "RUNNING", False),
        (["SUCCEEDED"], "STARTING", False),  # STARTING cannot succeed without running
    ],
    ids=[
        "succeeded",
        "failed",
        "stopped",
        "timeout_is_final",
        "stopped_before_start",
        "running",
        "no_skip",
    ],
)
def test_run_lifecycle(moves: list[str], final: str, completed: bool) -> None:
    run = JobRun(job_name="j", job={"DatasetName": "d", "Type": "RECIPE"})
    for state in moves:
        run.move(state)
    described = run.describe()
    assert described["State"] == final
    assert ("CompletedOn" in described) is completed
    assert ("ExecutionTime" in described) is completed
    assert described["RunId"].startswith("db_") and described["JobName"] == "j"


@pytest.mark.parametrize(
    ("fmt", "compression", "expected"),
    [
        ("PARQUET", None, {"FORMAT": "parquet", "COMPRESSION": "'snappy'"}),
        ("GLUEPARQUET", "ZSTD", {"FORMAT": "parquet", "COMPRESSION": "'zstd'"}),
        (
            "CSV",
            "GZIP",
            {"FORMAT": "csv", "COMPRESSION": "'gzip'", "HEADER": "true", "DELIMITER": "','"},
        ),
        ("JSON", None, {"FORMAT": "json", "COMPRESSION": "'none'"}),
    ],
    ids=["parquet_default_snappy", "glueparquet_zstd", "csv_gzip", "json"],
)
def test_copy_options(fmt: str, compression: str | None, expected: dict[str, str]) -> None:
    assert copy_options(fmt, compression) == expected


@pytest.mark.parametrize(
    ("fmt", "compression"),
    [("AVRO", None), ("CSV", "SNAPPY"), ("PARQUET", "BZIP2")],
    ids=["avro", "csv_snappy", "parquet_bzip2"],
)
def test_copy_options_rejects(fmt: str, compression: str | None) -> None:
    with pytest.raises(ValidationException):
        copy_options(fmt, compression)


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="bkt")
        for key in [
            "in/a.csv",
            "in/sub/b.csv",
            "in/_SUCCESS",
            "in/.hidden/c.csv",
            "p/east/2024/x.csv",
            "p/west/2023/y.csv",
            "p/west/2023/y.json",
            "one.csv",
            "one.csv.bak",
        ]:
            client.put_object(Bucket="bkt", Key=key, Body=b"a\n1\n")
        yield client


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("in/", {"s3://bkt/in/a.csv": {}, "s3://bkt/in/sub/b.csv": {}}),
        ("one.csv", {"s3://bkt/one.csv": {}}),
        (
            "p/{region}/<[0-9]{4}>/",
            {
                "s3://bkt/p/east/2024/x.csv": {"region": "east"},
                "s3://bkt/p/west/2023/y.csv": {"region": "west"},
                "s3://bkt/p/west/2023/y.json": {"region": "west"},
            },
        ),
        (
            "p/{region}/{year}/<.*>.csv",
            {
                "s3://bkt/p/east/2024/x.csv": {"region": "east", "year": "2024"},
                "s3://bkt/p/west/2023/y.csv": {"region": "west", "year": "2023"},
            },
        ),
    ],
    ids=[
        "folder_skips_hidden",
        "single_object",
        "parameter_and_regex_folder",
        "parameters_and_regex_file",
    ],
)
def test_resolve_s3_input(s3: Any, key: str, expected: dict[str, dict[str, str]]) -> None:
    urls, values = resolve_s3_input(s3, "bkt", key)
    assert values == expected and urls == list(expected)


def test_files_limit_keeps_newest(s3: Any) -> None:
    urls, _ = resolve_s3_input(
        s3, "bkt", "in/", {"FilesLimit": {"MaxFiles": 1, "Order": "DESCENDING"}}
    )
    assert len(urls) == 1


REGION = {"Name": "region", "Type": "String"}
YEAR = {"Name": "year", "Type": "Number"}
DAY = {"Name": "day", "Type": "Datetime", "DatetimeOptions": {"Format": "yyyy-MM-dd"}}


@pytest.mark.parametrize(
    ("expression", "values", "definition", "raw", "holds"),
    [
        ("starts_with :p", {":p": "ea"}, REGION, "east", True),
        ("starts_with :p", {":p": "ea"}, REGION, "west", False),
        (
            "(starts_with :a or ends_with :b) and not_contains :c",
            {":a": "e", ":b": "t", ":c": "s"},
            REGION,
            "east",
            False,
        ),
        (
            "(starts_with :a or ends_with :b) and not_contains :c",
            {":a": "n", ":b": "h", ":c": "x"},
            REGION,
            "north",
            True,
        ),
        ("matches :re", {":re": "[a-z]{4}"}, REGION, "west", True),
        ("is :v or is :w", {":v": "east", ":w": "west"}, REGION, "west", True),
        ("greater_than_equal :y", {":y": "2023"}, YEAR, "2024", True),
        ("< :y", {":y": "2023"}, YEAR, "2024", False),
        (
            "after :d and before :e",
            {":d": "2024-01-01", ":e": "2024-02-01"},
            DAY,
            "2024-01-15",
            True,
        ),
        ("after :d", {":d": "2024-01-01"}, DAY, "2023-12-31", False),
    ],
    ids=[
        "starts_with",
        "starts_with_no",
        "grouped_and_or_false",
        "grouped_and_or_true",
        "matches_whole_value",
        "is_either",
        "number_compared_as_number",
        "number_symbol",
        "datetime_window",
        "datetime_before",
    ],
)
def test_parameter_filter(
    expression: str, values: dict[str, str], definition: dict[str, Any], raw: str, holds: bool
) -> None:
    filter_expression = {"Expression": expression, "ValuesMap": values}
    assert filter_holds(filter_expression, raw, definition) is holds


@pytest.mark.parametrize(
    ("expression", "values", "message"),
    [
        ("bigger :p", {":p": "1"}, "unknown condition 'bigger'"),
        ("starts_with :q", {":p": "1"}, "':q' is not in its ValuesMap"),
        ("(starts_with :p", {":p": "1"}, "ends too early"),
        ("starts_with :p :p", {":p": "1"}, "unexpected ':p'"),
    ],
    ids=["unknown_condition", "unknown_variable", "unclosed", "trailing"],
)
def test_parameter_filter_rejects(expression: str, values: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationException, match=message):
        filter_holds({"Expression": expression, "ValuesMap": values}, "x", REGION)


def test_filters_narrow_the_files(s3: Any) -> None:
    path_options = {
        "Parameters": {
            "region": {
                "Name": "region",
                "Type": "String",
                "Filter": {"Expression": "is :r", "ValuesMap": {":r": "west"}},
            },
            "year": {
                "Name": "year",
                "Type": "Number",
                "Filter": {"Expression": "> :y", "ValuesMap": {":y": "2022"}},
            },
        }
    }
    urls, values = resolve_s3_input(s3, "bkt", "p/{region}/{year}/<.*>.csv", path_options)
    assert values == {"s3://bkt/p/west/2023/y.csv": {"region": "west", "year": "2023"}}
    assert urls == list(values)
