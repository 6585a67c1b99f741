"""AthenaApi through the local API plane, driven by boto3 as any client would."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration

RESULTS = {"OutputLocation": "s3://athena-t-results/q/"}


def wait(athena, query_id: str, timeout: float = 30) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return execution
        time.sleep(0.05)
    raise AssertionError(f"query {query_id} did not finish")


def run(athena, sql: str, **extra) -> dict:
    params = {"QueryString": sql, "ResultConfiguration": RESULTS, **extra}
    return wait(athena, athena.start_query_execution(**params)["QueryExecutionId"])


@pytest.fixture(scope="module")
def athena(plane):
    return plane.client("athena")


def test_select_succeeds_with_statistics_and_result_file(plane, athena):
    execution = run(athena, "SELECT 1 AS one, 'x' AS s")
    assert execution["Status"]["State"] == "SUCCEEDED"
    assert execution["StatementType"] == "DML"
    query_id = execution["QueryExecutionId"]
    assert (
        execution["ResultConfiguration"]["OutputLocation"]
        == f"s3://athena-t-results/q/{query_id}.csv"
    )
    stats = execution["Statistics"]
    assert {
        "EngineExecutionTimeInMillis",
        "TotalExecutionTimeInMillis",
        "DataScannedInBytes",
    } <= set(stats)
    body = (
        plane.client("s3")
        .get_object(Bucket="athena-t-results", Key=f"q/{query_id}.csv")["Body"]
        .read()
    )
    assert body == b'"one","s"\n"1","x"\n'


def test_results_have_header_row_and_athena_types(athena):
    query_id = run(
        athena,
        "SELECT 1 AS i, CAST(2 AS bigint) AS b, 1.5e0 AS d, DATE '2020-01-01' AS dt, NULL AS n",
    )["QueryExecutionId"]
    results = athena.get_query_results(QueryExecutionId=query_id)
    rows = results["ResultSet"]["Rows"]
    assert rows[0] == {"Data": [{"VarCharValue": n} for n in ["i", "b", "d", "dt", "n"]]}
    assert rows[1]["Data"][:4] == [{"VarCharValue": v} for v in ["1", "2", "1.5", "2020-01-01"]]
    assert rows[1]["Data"][4] == {}
    types = [c["Type"] for c in results["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
    assert types[:4] == ["integer", "bigint", "double", "date"]


def test_results_paginate_with_next_token(athena):
    query_id = run(athena, "SELECT x FROM UNNEST(sequence(1, 25)) AS t(x) ORDER BY x")[
        "QueryExecutionId"
    ]
    paginator = athena.get_paginator("get_query_results")
    pages = list(paginator.paginate(QueryExecutionId=query_id, PaginationConfig={"PageSize": 10}))
    values = [r["Data"][0]["VarCharValue"] for p in pages for r in p["ResultSet"]["Rows"]]
    assert len(pages) == 3
    assert values == ["x"] + [str(i) for i in range(1, 26)]


def test_failed_query_reports_athena_error(athena):
    execution = run(athena, "SELECT nope FROM (SELECT 1 AS a)")
    status = execution["Status"]
    assert status["State"] == "FAILED"
    assert (
        status["StateChangeReason"]
        == "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved"
    )
    assert status["AthenaError"]["ErrorCategory"] == 2
    assert status["AthenaError"]["Retryable"] is False
    with pytest.raises(ClientError) as err:
        athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_unknown_table_fails_with_table_not_found(athena):
    status = run(athena, "SELECT * FROM\n  default.missing")["Status"]
    assert status["StateChangeReason"] == (
        "TABLE_NOT_FOUND: line 2:3: Table 'awsdatacatalog.default.missing' does not exist"
    )


def test_stop_cancels_a_running_query(athena):
    sql = (
        "SELECT count(*) FROM UNNEST(sequence(1, 30000)) AS a(x) "
        "CROSS JOIN UNNEST(sequence(1, 30000)) AS b(y) WHERE x + y % 7 = 3"
    )
    query_id = athena.start_query_execution(QueryString=sql, ResultConfiguration=RESULTS)[
        "QueryExecutionId"
    ]
    deadline = time.time() + 10
    while (
        athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"]
        == "QUEUED"
    ):
        assert time.time() < deadline
        time.sleep(0.02)
    time.sleep(0.2)
    athena.stop_query_execution(QueryExecutionId=query_id)
    assert wait(athena, query_id, timeout=5)["Status"]["State"] == "CANCELLED"


def test_unknown_query_id_is_invalid_request(athena):
    with pytest.raises(ClientError) as err:
        athena.get_query_execution(QueryExecutionId="nope")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_batch_get_and_list(athena):
    query_id = run(athena, "SELECT 1")["QueryExecutionId"]
    batch = athena.batch_get_query_execution(QueryExecutionIds=[query_id, "unknown-id"])
    assert [q["QueryExecutionId"] for q in batch["QueryExecutions"]] == [query_id]
    assert batch["UnprocessedQueryExecutionIds"][0]["QueryExecutionId"] == "unknown-id"
    assert athena.list_query_executions(WorkGroup="primary")["QueryExecutionIds"][0] == query_id


def test_workgroup_enforces_its_result_location(plane, athena):
    athena.create_work_group(
        Name="enforced",
        Configuration={
            "ResultConfiguration": {"OutputLocation": "s3://athena-t-results/enforced/"},
            "EnforceWorkGroupConfiguration": True,
        },
    )
    execution = run(athena, "SELECT 1", WorkGroup="enforced")
    assert execution["ResultConfiguration"]["OutputLocation"].startswith(
        "s3://athena-t-results/enforced/"
    )
    assert execution["WorkGroup"] == "enforced"


def test_missing_output_location_is_rejected(athena):
    with pytest.raises(ClientError) as err:
        athena.start_query_execution(QueryString="SELECT 1")
    assert "No output location provided" in err.value.response["Error"]["Message"]


def test_execution_parameters_are_bound(athena):
    query_id = run(athena, "SELECT ? + 1, ?", ExecutionParameters=["41", "'a?'"])[
        "QueryExecutionId"
    ]
    rows = athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"]
    assert rows[1]["Data"] == [{"VarCharValue": "42"}, {"VarCharValue": "a?"}]


def test_state_change_events_are_published(plane, athena):
    query_id = run(athena, "SELECT 2")["QueryExecutionId"]
    states = [
        e["detail"]["currentState"]
        for e in plane.events
        if e["detail"]["queryExecutionId"] == query_id
    ]
    assert states == ["QUEUED", "RUNNING", "SUCCEEDED"]
