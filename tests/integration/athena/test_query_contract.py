"""The contract `etl-local query --format json` relies on: typed rows as JSON values, and a
table-less SELECT answered with no API plane running at all."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from etl_local.athena.engine import AthenaEngine

pytestmark = pytest.mark.integration

DEAD_ENDPOINT = "http://127.0.0.1:9"  # discard port: nothing listens


@pytest.fixture(scope="module")
def offline_engine():
    kwargs = {"endpoint_url": DEAD_ENDPOINT, "region_name": "us-east-1"}
    kwargs |= {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    engine = AthenaEngine(
        boto3.client("glue", **kwargs), boto3.client("s3", **kwargs), DEAD_ENDPOINT
    )
    yield engine
    engine.close()


def test_select_without_tables_needs_no_plane(offline_engine):
    result = offline_engine.execute(
        "SELECT 1 AS i, 'a' AS s, true AS b, NULL AS n, ARRAY[1, 2] AS arr, "
        "MAP(ARRAY['k'], ARRAY[1]) AS m, CAST(ROW(1, 'x') AS ROW(f integer, g varchar)) AS r, "
        "DATE '2020-01-02' AS d, TIMESTAMP '2020-01-02 03:04:05' AS ts, 1.5E0 AS dbl, DECIMAL '1.25' AS dec"
    )
    assert [c.name for c in result.columns] == [
        "i",
        "s",
        "b",
        "n",
        "arr",
        "m",
        "r",
        "d",
        "ts",
        "dbl",
        "dec",
    ]
    rows = result.json_rows()
    assert rows == [
        [
            1,
            "a",
            True,
            None,
            [1, 2],
            {"k": 1},
            {"f": 1, "g": "x"},
            "2020-01-02",
            "2020-01-02 03:04:05.000",
            1.5,
            1.25,
        ]
    ]
    json.dumps(rows)


def test_api_exposes_the_typed_result(plane):
    athena = plane.client("athena")
    query_id = athena.start_query_execution(
        QueryString="SELECT 40 + 2 AS answer",
        ResultConfiguration={"OutputLocation": "s3://athena-t-results/c/"},
    )["QueryExecutionId"]
    deadline = time.monotonic() + 30
    state = ""
    while state != "SUCCEEDED":
        assert time.monotonic() < deadline
        time.sleep(0.05)
        state = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"][
            "State"
        ]
    result = plane.api.result(query_id)
    assert result is not None
    assert result.json_rows() == [[42]]
